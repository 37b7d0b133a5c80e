import { describe, expect, layer } from "@effect/vitest"
import { HttpServer } from "@effect/platform"
import { Context, Effect, Layer } from "effect"
import { dedup } from "../src/Domain/Dedup.js"
import { type Batch, RegionOutcome, runStatus } from "../src/Domain/Run.js"
import type { RegionalVideo } from "../src/Domain/Video.js"
import { ResponseCache, ResponseCacheOptions } from "../src/Http/Cache.js"
import { serveOn } from "../src/Http/Handlers.js"
import { MigrationsLive } from "../src/Store/Migrations.js"
import { VideoSearch } from "../src/Store/Search.js"
import { Trends } from "../src/Store/Trends.js"
import { VideoStore } from "../src/Store/VideoStore.js"
import { regional } from "./support/Fixtures.js"
import { engine, TestDatabase } from "./support/TestDatabase.js"

/**
 * The answers `serve` keeps until a run is stored (charts, the overlap, the chart pages),
 * over real HTTP: the same bytes while nothing changes, the new run as soon as it is
 * stored, the old charts still at their times, and never more answers than the bound.
 */

/** `hour` hours after two days ago (on the hour): recent enough for the default overlap's week. */
const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 48 * 3_600_000
const at = (hour: number) => new Date(base + hour * 3_600_000)
const iso = (hour: number) => encodeURIComponent(at(hour).toISOString())

const batchOf = (entries: ReadonlyArray<RegionalVideo>, hour: number): Batch => {
  const regions = [...new Set(entries.map((e) => e.region))]
  const outcomes = regions.map((code) =>
    RegionOutcome.ok(code, { videos: entries.filter((e) => e.region === code).length, malformed: 0, attempts: 1, durationMs: 10 })
  )
  return { startedAt: at(hour), finishedAt: at(hour), status: runStatus(outcomes), outcomes, entries, videos: dedup(entries) }
}

const listing = (code: string, hour: number, ids: ReadonlyArray<string>) =>
  ids.map((id, i) => regional(id, code, { rank: i + 1, views: 100 * (hour + 1), fetchedAt: at(hour) }))

const store = (entries: ReadonlyArray<RegionalVideo>, hour: number) => Effect.flatMap(VideoStore, (s) => s.saveRun(batchOf(entries, hour)))

/** Run 1 at hour 1: PL and SE share a video. Run 2 at hour 5: PL and US share another. */
const Seeded = Layer.effectDiscard(Effect.gen(function*() {
  yield* store([...listing("PL", 1, ["aaaaaaaaaaa", "bbbbbbbbbbb"]), ...listing("SE", 1, ["aaaaaaaaaaa"])], 1)
  yield* store([...listing("PL", 5, ["bbbbbbbbbbb", "ccccccccccc"]), ...listing("US", 5, ["ccccccccccc"])], 5)
}))

const CAPACITY = 4

const StoreLive = Layer.mergeAll(VideoStore.Default, Trends.Default, VideoSearch.Default).pipe(
  Layer.provideMerge(MigrationsLive),
  Layer.provideMerge(TestDatabase)
)

/**
 * A server, and beside it the cache it answers from: the same layer, so the same one
 * (a layer is built once however often it is provided).
 */
const serverWith = (options: typeof ResponseCacheOptions.Service) =>
  Layer.merge(serveOn({ host: "127.0.0.1", port: 0 }), ResponseCache.Default).pipe(
    Layer.provide(Seeded),
    Layer.provideMerge(StoreLive),
    Layer.provide(Layer.succeed(ResponseCacheOptions, options))
  )

class BaseUrl extends Context.Tag("test/BaseUrl")<BaseUrl, string>() {}
const baseUrl = Layer.effect(
  BaseUrl,
  Effect.map(HttpServer.HttpServer, (server) => (server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : ""))
)

const get = (path: string) =>
  Effect.flatMap(BaseUrl, (url) =>
    Effect.promise(async () => {
      const response = await fetch(`${url}${path}`)
      const text = await response.text()
      return { status: response.status, type: response.headers.get("content-type") ?? "", text }
    }))

const json = (path: string) => Effect.map(get(path), (answer) => ({ ...answer, json: JSON.parse(answer.text) }))

const size = Effect.flatMap(ResponseCache, (cache) => Effect.map(cache.size, ({ entries }) => entries))
const bytes = Effect.flatMap(ResponseCache, (cache) => Effect.map(cache.size, ({ bytes }) => bytes))

describe(`the answers serve keeps, on ${engine}`, () => {
  // The pages read the clock: the real one, not the test clock.
  layer(Layer.provideMerge(baseUrl, serverWith({ capacity: CAPACITY, maxBytes: 1_000_000 })), { timeout: 120_000, excludeTestServices: true })((it) => {
    it.effect("kept until a run is stored: the same bytes twice; the new run at once; the old charts at their times; the bound held", () =>
      Effect.gen(function*() {
        expect((yield* ResponseCache).capacity).toBe(CAPACITY)

        // The same answer twice, byte for byte, and kept once.
        const first = yield* get("/api/charts/PL")
        const again = yield* get("/api/charts/pl")
        expect(first.status).toBe(200)
        expect(first.type).toMatch(/^application\/json/)
        expect(again.text).toBe(first.text)
        expect(JSON.parse(first.text)).toMatchObject({ region: "PL", runId: 2 })
        expect(yield* size).toBe(1)

        // Every time that finds the same run shares its answer.
        const past = yield* json(`/api/charts/PL?at=${iso(2)}`)
        expect(past.json).toMatchObject({ runId: 1, fetchedAt: at(1).toISOString() })
        for (const hour of [1, 2, 3, 4]) expect((yield* get(`/api/charts/PL?at=${iso(hour)}`)).text).toBe(past.text)
        expect(yield* size).toBe(2)

        // The page and the overlap are kept too, in the same cache.
        const page = yield* get("/?region=PL")
        expect(page.status).toBe(200)
        expect(page.text).toContain("run 2")
        expect((yield* get("/?region=PL")).text).toBe(page.text)
        const overlap = yield* json("/api/overlap")
        expect(overlap.json).toEqual({ regions: ["PL", "SE", "US"], videos: [3, 1, 1], shared: [[3, 1, 1], [1, 1, 0], [1, 0, 1]] })
        expect((yield* get("/api/overlap")).text).toBe(overlap.text)
        expect(yield* size).toBe(CAPACITY)

        // A run is stored (PL and NO share a video): the next requests answer from it.
        yield* store([...listing("PL", 40, ["ddddddddddd", "ccccccccccc"]), ...listing("NO", 40, ["ddddddddddd"])], 40)
        const now = yield* json("/api/charts/PL")
        expect(now.json).toMatchObject({ region: "PL", runId: 3, fetchedAt: at(40).toISOString() })
        expect(now.json.entries.map((e: { videoId: string }) => e.videoId)).toEqual(["ddddddddddd", "ccccccccccc"])
        expect((yield* get("/?region=PL")).text).toContain("run 3")
        expect((yield* get("/")).text).toContain(">NO<")
        expect((yield* json("/api/overlap")).json).toEqual({
          regions: ["NO", "PL", "SE", "US"],
          videos: [1, 4, 1, 1],
          shared: [[1, 1, 0, 0], [1, 4, 1, 1], [0, 1, 1, 0], [0, 1, 0, 1]]
        })
        // A time before it still answers the chart of its own time, its counters unchanged.
        const older = yield* json(`/api/charts/PL?at=${iso(2)}`)
        expect(older.json).toMatchObject({ runId: 1, fetchedAt: at(1).toISOString() })
        expect(older.json.entries.map((e: { viewCount: number }) => e.viewCount)).toEqual([200, 200])
        expect((yield* json(`/api/charts/PL?at=${iso(6)}`)).json.runId).toBe(2)

        // Many distinct questions: the cache keeps the last CAPACITY answers, no more.
        for (const code of ["PL", "SE", "US", "NO"]) {
          for (const hour of [2, 6, 41]) {
            const answer = yield* get(`/api/charts/${code}?at=${iso(hour)}`)
            expect([200, 404]).toContain(answer.status)
          }
          expect((yield* get(`/?region=${code}`)).status).toBe(200)
        }
        for (let hour = 0; hour < 45; hour += 3) {
          expect((yield* get(`/api/overlap?since=${iso(hour)}&until=${iso(hour + 4)}`)).status).toBe(200)
        }
        expect(yield* size).toBe(CAPACITY)
        // What was evicted is computed again, the same.
        expect((yield* get("/api/charts/PL")).text).toBe(now.text)
      }))

    it.effect("a period is named by the entries it holds: different bounds around the same entries share one answer", () =>
      Effect.gen(function*() {
        const wide = yield* get(`/api/overlap?since=${iso(0)}&until=${iso(10)}`)
        const narrow = yield* get(`/api/overlap?since=${encodeURIComponent(new Date(at(1).getTime()).toISOString())}&until=${iso(6)}`)
        expect(narrow.text).toBe(wide.text)
        const empty = yield* json(`/api/overlap?since=${iso(10)}&until=${iso(20)}`)
        expect(empty.json).toEqual({ regions: [], videos: [], shared: [] })
        // The hour-5 run's entries are at hour 5 exactly: `until` is exclusive.
        expect((yield* json(`/api/overlap?since=${iso(0)}&until=${iso(5)}`)).json.regions).toEqual(["PL", "SE"])
      }))

    it.effect("search: the same hits until a run is stored, then the new run's; a query that cannot be searched for still says why", () =>
      Effect.gen(function*() {
        const before = yield* json("/api/search?q=video&region=SE,PL,PL")
        expect(before.status).toBe(200)
        expect((yield* get("/api/search?q=video&region=PL,SE")).text).toBe(before.text.replace("SE,PL,PL", "PL,SE"))
        const ids = (answer: { json: { hits: ReadonlyArray<{ videoId: string }> } }) => answer.json.hits.map((h) => h.videoId).sort()
        expect(ids(before)).toEqual(["aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc", "ddddddddddd"])
        const page = yield* get("/?q=video")
        expect((yield* get("/?q=video")).text).toBe(page.text)

        yield* store(listing("SE", 44, ["eeeeeeeeeee"]), 44)
        expect(ids(yield* json("/api/search?q=video&region=SE,PL,PL"))).toEqual(["aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc", "ddddddddddd", "eeeeeeeeeee"])
        expect((yield* get("/?q=video")).text).toContain("eeeeeeeeeee")

        for (let i = 0; i < 2; i++) {
          const refused = yield* json(`/api/search?q=${encodeURIComponent("!!! ---")}`)
          expect(refused.status).toBe(400)
          expect(refused.json).toMatchObject({ _tag: "BadRequest" })
          expect(refused.json.error).toContain("no searchable words")
          expect((yield* get(`/?q=${encodeURIComponent("!!! ---")}`)).status).toBe(400)
        }
      }))

  // A budget of bytes: a page is ~2.5 KB here, a chart of two entries ~1 KB.
  layer(Layer.provideMerge(baseUrl, serverWith({ capacity: 1000, maxBytes: 6_000 })), { timeout: 120_000, excludeTestServices: true })((it) => {
    it.effect("the answers kept never weigh more than the budget, however many are asked for; one over it is answered, not kept", () =>
      Effect.gen(function*() {
        const pages = ["/", "/?region=PL", "/?region=SE", "/?region=US", "/?q=video", "/overlap?days=1", "/overlap?days=7", "/overlap?days=30"]
        for (const path of pages) {
          expect((yield* get(path)).status).toBe(200)
          expect(yield* bytes).toBeLessThanOrEqual(6_000)
        }
        expect(yield* size).toBeLessThan(pages.length)
        expect(yield* size).toBeGreaterThan(0)
        for (let hour = 0; hour < 48; hour++) {
          expect([200, 404]).toContain((yield* get(`/api/charts/PL?at=${iso(hour)}`)).status)
          expect((yield* get(`/api/overlap?since=${iso(hour)}&until=${iso(hour + 1)}`)).status).toBe(200)
        }
        expect(yield* bytes).toBeLessThanOrEqual(6_000)
        // A query of 3,000 characters: its page alone is over the budget; the others stay.
        const kept = yield* size
        const long = yield* get(`/?q=${encodeURIComponent("video ".repeat(500))}`)
        expect(long.status).toBe(200)
        expect(long.text.length).toBeGreaterThan(6_000)
        expect(yield* size).toBe(kept)
        // Answers of the stored runs: the same, kept or not.
        const chart = yield* json("/api/charts/PL")
        expect(chart.json).toMatchObject({ runId: 2 })
        expect((yield* get("/api/charts/PL")).text).toBe(chart.text)
      }))
  })
  })
})
