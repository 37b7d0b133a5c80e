import { describe, expect, it } from "@effect/vitest"
import { HttpServer } from "@effect/platform"
import { Context, Effect, Layer, Logger, Option } from "effect"
import http from "node:http"
import { gunzipSync } from "node:zlib"
import { Category } from "../src/Domain/Category.js"
import { dedup } from "../src/Domain/Dedup.js"
import { type Batch, RegionOutcome, runStatus } from "../src/Domain/Run.js"
import { CategoryId, RegionalVideo } from "../src/Domain/Video.js"
import { serveOn } from "../src/Http/Handlers.js"
import { DatabaseRefused, DatabaseUnavailable } from "../src/Store/Errors.js"
import { MigrationsLive } from "../src/Store/Migrations.js"
import { VideoSearch } from "../src/Store/Search.js"
import { Trends } from "../src/Store/Trends.js"
import { VideoStore } from "../src/Store/VideoStore.js"
import { region, regional } from "./support/Fixtures.js"
import { engine, TestDatabase } from "./support/TestDatabase.js"

/** The JSON API of `serve`, over real HTTP, on a database filled through the real store. */

/** `hour` hours after two days ago (on the hour): recent enough for every default period. */
const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 48 * 3_600_000
const at = (hour: number) => new Date(base + hour * 3_600_000)

/** A batch as the pipeline builds it from these entries: every region ok, the videos merged. */
const batchOf = (entries: ReadonlyArray<RegionalVideo>, hour: number): Batch => {
  const regions = [...new Set(entries.map((e) => e.region))]
  const outcomes = regions.map((code) =>
    RegionOutcome.ok(code, { videos: entries.filter((e) => e.region === code).length, malformed: 0, attempts: 1, durationMs: 10 })
  )
  return { startedAt: at(hour), finishedAt: at(hour), status: runStatus(outcomes), outcomes, entries, videos: dedup(entries) }
}

/** A music video (category 10) with a duration and a thumbnail. */
const music = (id: string, code: string, hour: number, fields: Parameters<typeof regional>[2] = {}) =>
  RegionalVideo.make({
    ...regional(id, code, { fetchedAt: at(hour), language: "pl", ...fields }),
    categoryId: Option.some(CategoryId.make("10")),
    durationSeconds: Option.some(221),
    thumbnailUrl: Option.some(`https://i.ytimg.com/vi/${id}/hqdefault.jpg`),
    thumbnails: {
      default: { url: `https://i.ytimg.com/vi/${id}/default.jpg`, width: 120, height: 90 },
      high: { url: `https://i.ytimg.com/vi/${id}/hqdefault.jpg`, width: 480, height: 360 }
    }
  })

/** Two runs: PL and SE at hour 1, PL and US at hour 5. A title written to break a page. */
const Seeded = Layer.effectDiscard(Effect.gen(function*() {
  const store = yield* VideoStore
  yield* store.saveCategories([
    Category.make({ region: region("PL"), categoryId: CategoryId.make("10"), title: "Muzyka", assignable: true })
  ], at(0))
  yield* store.saveRun(batchOf([
    music("aaaaaaaaaaa", "PL", 1, { rank: 1, views: 100, likes: 5, comments: 2, title: "Łódź nocą" }),
    regional("bbbbbbbbbbb", "PL", { rank: 2, views: 50, fetchedAt: at(1) }),
    music("aaaaaaaaaaa", "SE", 1, { rank: 1, views: 100, likes: 5, comments: 2, title: "Łódź nocą" })
  ], 1))
  yield* store.saveRun(batchOf([
    regional("bbbbbbbbbbb", "PL", { rank: 1, views: 500, fetchedAt: at(5) }),
    regional("ccccccccccc", "PL", { rank: 2, views: 70, fetchedAt: at(5), title: "</script><script>alert(1)</script>" }),
    regional("ccccccccccc", "US", { rank: 1, views: 70, fetchedAt: at(5), title: "</script><script>alert(1)</script>" })
  ], 5))
}))

const StoreLive = Layer.mergeAll(VideoStore.Default, Trends.Default, VideoSearch.Default).pipe(
  Layer.provideMerge(MigrationsLive),
  Layer.provideMerge(TestDatabase)
)

const ServerLive = serveOn({ host: "127.0.0.1", port: 0 }).pipe(Layer.provide(Seeded), Layer.provide(StoreLive))

/** Trends whose every read fails as `fail` says: the store's failures as a layer swap, HTTP as it is. */
const failingTrends = (fail: (operation: string) => Effect.Effect<never, DatabaseUnavailable | DatabaseRefused>) =>
  Layer.succeed(
    Trends,
    Trends.make({
      chart: () => fail("reading a chart"),
      chartJson: () => fail("reading a chart"),
      video: () => fail("reading a video"),
      overlap: () => fail("reading the overlap of the charts"),
      runs: () => fail("reading the runs"),
      regions: () => fail("reading the stored regions"),
      chartSource: () => fail("reading which run a chart is"),
      periodSource: () => fail("reading the bounds of a period"),
      newestRun: () => fail("reading the newest run")
    })
  )

/** The store as it is when the database is down (reads) or refuses (search). */
const secret = "postgres://vvv:hunter2@db.internal/vvv"
const unavailable = (operation: string) => Effect.fail(new DatabaseUnavailable({ operation, detail: `connect ECONNREFUSED ${secret}` }))
const DownStore = Layer.mergeAll(
  failingTrends(unavailable),
  Layer.succeed(
    VideoSearch,
    VideoSearch.make({ search: () => Effect.fail(new DatabaseRefused({ operation: "searching", detail: `permission denied (${secret})` })) })
  )
)
const DownServerLive = serveOn({ host: "127.0.0.1", port: 0 }).pipe(Layer.provide(DownStore))

/** The store as it is when the database answers but refuses every read (a schema not migrated, a role without rights). */
const refused = (operation: string) => Effect.fail(new DatabaseRefused({ operation, detail: `relation "ingest_runs" does not exist (${secret})` }))
/** What the refusing server logged, each line its message's parts joined. */
const refusingLog: Array<string> = []
const RefusingServerLive = serveOn({ host: "127.0.0.1", port: 0 }).pipe(Layer.provide(Layer.mergeAll(
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ message }) => {
      const parts = Array.isArray(message) ? message : [message]
      refusingLog.push(parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(" "))
    })
  ),
  failingTrends(refused),
  Layer.succeed(VideoSearch, VideoSearch.make({ search: () => refused("searching") }))
)))

class BaseUrl extends Context.Tag("test/BaseUrl")<BaseUrl, string>() {}
const baseUrl = Layer.effect(
  BaseUrl,
  Effect.map(HttpServer.HttpServer, (server) =>
    server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "")
)

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

/** A request with Node's own fetch: a real client on a real socket. */
const request = (path: string, init: RequestInit = {}) =>
  Effect.flatMap(BaseUrl, (url) =>
    Effect.promise(async (): Promise<Answer> => {
      const response = await fetch(`${url}${path}`, init)
      const text = await response.text()
      let json: unknown = undefined
      try {
        json = JSON.parse(text)
      } catch {
        // HEAD, an empty 404: no body to read.
      }
      return { status: response.status, headers: response.headers, text, json }
    }))

const get = (path: string) => request(path)

/** A request with node:http, which neither asks for nor undoes a compression: the bytes as sent. */
const raw = (path: string, headers: Record<string, string>) =>
  Effect.flatMap(BaseUrl, (url) =>
    Effect.async<{ readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: Buffer }>((resume) => {
      http.get(`${url}${path}`, { headers }, (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () =>
          resume(Effect.succeed({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) })))
      }).on("error", (error) => resume(Effect.die(error)))
    }))

const expectSecurityHeaders = (answer: Answer) => {
  const policy = answer.headers.get("content-security-policy") ?? ""
  expect(policy).toContain("script-src 'none'")
  expect(policy).toContain("frame-ancestors 'none'")
  expect(policy).not.toContain("unsafe-inline")
  expect(answer.headers.get("x-content-type-options")).toBe("nosniff")
  expect(answer.headers.get("referrer-policy")).toBe("no-referrer")
}

/** A 400 whose body says which parameter is wrong. */
const expectBadParameter = (answer: Answer, parameter: string) => {
  expect(answer.status, answer.text).toBe(400)
  expect(answer.json._tag).toBe("BadRequest")
  expect(answer.json.error).toMatch(new RegExp(`\\b${parameter}\\b`))
}

const watch = (id: string) => `https://www.youtube.com/watch?v=${id}`

describe(`HTTP API on ${engine}`, () => {
  it.layer(Layer.provideMerge(baseUrl, ServerLive), { timeout: 120_000 })((it) => {
    it.effect("health and runs: the newest run first, dates as ISO strings, counts as numbers", () =>
      Effect.gen(function*() {
        const health = yield* get("/api/health")
        expect(health.status).toBe(200)
        expect(health.headers.get("content-type")).toMatch(/^application\/json/)
        expect(health.json).toMatchObject({ status: "ok", database: "ok", lastRun: { id: 2, status: "ok", entries: 3, uniqueVideos: 2 } })
        expect(health.json.lastRun.startedAt).toBe(at(5).toISOString())
        expect(Object.keys(health.json.lastRun).sort()).toEqual(
          ["entries", "finishedAt", "id", "regions", "startedAt", "status", "uniqueVideos"]
        )
        expect(health.json.lastRun.regions.map((r: { region: string }) => r.region).sort()).toEqual(["PL", "US"])

        const runs = yield* get("/api/runs")
        expect(runs.status).toBe(200)
        expect(runs.json.runs.map((r: { id: number }) => r.id)).toEqual([2, 1])
        expect((yield* get("/api/runs?limit=1")).json.runs.map((r: { id: number }) => r.id)).toEqual([2])
        // Above the cap is the cap, not an error.
        expect((yield* get("/api/runs?limit=100000")).json.runs).toHaveLength(2)
        expectBadParameter(yield* get("/api/runs?limit=abc"), "limit")
        expectBadParameter(yield* get("/api/runs?limit=0"), "limit")
        expectBadParameter(yield* get("/api/runs?limit=2.5"), "limit")
      }))

    it.effect("a chart: the newest at or before `at`, region in any case; 404 when none; 400 naming the parameter", () =>
      Effect.gen(function*() {
        const now = yield* get("/api/charts/pl")
        expect(now.status).toBe(200)
        expect(now.json).toMatchObject({ region: "PL", chart: "all", runId: 2, fetchedAt: at(5).toISOString() })
        expect(now.json.entries.map((e: { videoId: string }) => e.videoId)).toEqual(["bbbbbbbbbbb", "ccccccccccc"])
        // A stranger's title is data in JSON, sent as JSON: never as a page.
        expect(now.json.entries[1].title).toBe("</script><script>alert(1)</script>")

        const then = yield* get(`/api/charts/PL?chart=all&at=${encodeURIComponent(at(2).toISOString())}`)
        expect(then.status).toBe(200)
        expect(then.json).toEqual({
          region: "PL",
          chart: "all",
          runId: 1,
          fetchedAt: at(1).toISOString(),
          entries: [
            {
              rank: 1,
              videoId: "aaaaaaaaaaa",
              title: "Łódź nocą",
              channelTitle: "Channel",
              viewCount: 100,
              likeCount: 5,
              commentCount: 2,
              durationSeconds: 221,
              categoryId: "10",
              categoryTitle: "Muzyka",
              thumbnailUrl: "https://i.ytimg.com/vi/aaaaaaaaaaa/hqdefault.jpg",
              url: watch("aaaaaaaaaaa")
            },
            {
              rank: 2,
              videoId: "bbbbbbbbbbb",
              title: "Video bbbbbbbbbbb",
              channelTitle: "Channel",
              viewCount: 50,
              likeCount: null,
              commentCount: null,
              durationSeconds: null,
              categoryId: null,
              categoryTitle: null,
              thumbnailUrl: null,
              url: watch("bbbbbbbbbbb")
            }
          ]
        })

        const nothing = yield* get("/api/charts/NO")
        expect(nothing.status).toBe(404)
        expect(nothing.json).toMatchObject({ _tag: "NotFound" })
        expect(nothing.json.error).toContain("NO")
        expect((yield* get(`/api/charts/PL?at=${encodeURIComponent(at(0).toISOString())}`)).status).toBe(404)
        expect((yield* get("/api/charts/PL?chart=10")).status).toBe(404)

        expectBadParameter(yield* get("/api/charts/XX"), "region")
        expectBadParameter(yield* get("/api/charts/POL"), "region")
        expectBadParameter(yield* get("/api/charts/PL?at=yesterday"), "at")
        expectBadParameter(yield* get("/api/charts/PL?at=1"), "at")
        expectBadParameter(yield* get("/api/charts/PL?chart=music"), "chart")
      }))

    it.effect("search: the contract's fields; 400 for a missing, empty or unsearchable query, or an unknown region", () =>
      Effect.gen(function*() {
        const found = yield* get(`/api/search?q=${encodeURIComponent("Łódź")}&region=pl,se`)
        expect(found.status, found.text).toBe(200)
        expect(found.json.query).toBe("Łódź")
        expect(found.json.hits).toHaveLength(1)
        expect(Object.keys(found.json.hits[0]).sort()).toEqual(
          ["channelTitle", "language", "regions", "score", "title", "url", "videoId", "viewCount"]
        )
        expect(found.json.hits[0]).toMatchObject({
          videoId: "aaaaaaaaaaa",
          regions: ["PL", "SE"],
          viewCount: 100,
          language: "pl",
          url: watch("aaaaaaaaaaa")
        })
        expect(typeof found.json.hits[0].score).toBe("number")
        expect((yield* get(`/api/search?q=${encodeURIComponent("Łódź")}&region=US`)).json.hits).toEqual([])

        expectBadParameter(yield* get("/api/search?q="), "q")
        expectBadParameter(yield* get("/api/search?q=%20%20"), "q")
        expectBadParameter(yield* get("/api/search"), "q")
        expectBadParameter(yield* get(`/api/search?q=${encodeURIComponent("!!! ---")}`), "q")
        expectBadParameter(yield* get("/api/search?q=video&region=PL,ZZ"), "region")
        expectBadParameter(yield* get("/api/search?q=video&limit=-1"), "limit")
      }))

    it.effect("a video: its record and history; 404 for an unknown id, 400 for what is not an id", () =>
      Effect.gen(function*() {
        const video = yield* get("/api/videos/aaaaaaaaaaa")
        expect(video.status).toBe(200)
        expect(video.json).toMatchObject({
          videoId: "aaaaaaaaaaa",
          title: "Łódź nocą",
          categoryId: "10",
          durationSeconds: 221,
          thumbnailUrl: "https://i.ytimg.com/vi/aaaaaaaaaaa/hqdefault.jpg",
          thumbnails: {
            default: { url: "https://i.ytimg.com/vi/aaaaaaaaaaa/default.jpg", width: 120, height: 90 },
            high: { url: "https://i.ytimg.com/vi/aaaaaaaaaaa/hqdefault.jpg", width: 480, height: 360 }
          },
          regions: ["PL", "SE"],
          viewCount: 100,
          firstSeenAt: at(1).toISOString(),
          url: watch("aaaaaaaaaaa")
        })
        expect(video.json.trending).toEqual([
          { region: "PL", chart: "all", runId: 1, fetchedAt: at(1).toISOString(), rank: 1 },
          { region: "SE", chart: "all", runId: 1, fetchedAt: at(1).toISOString(), rank: 1 }
        ])
        expect(video.json.stats).toEqual([{ observedAt: at(1).toISOString(), viewCount: 100, likeCount: 5, commentCount: 2 }])
        expect(video.json.revisions).toEqual([{ observedAt: at(1).toISOString(), title: "Łódź nocą" }])

        const unknown = yield* get("/api/videos/zzzzzzzzzzz")
        expect(unknown.status).toBe(404)
        expect(unknown.json.error).toContain("zzzzzzzzzzz")
        expectBadParameter(yield* get("/api/videos/not.an.id"), "id")
      }))

    it.effect("overlap: regions sorted, distinct videos per region, shared pairs; the last 7 days by default", () =>
      Effect.gen(function*() {
        const expected = { regions: ["PL", "SE", "US"], videos: [3, 1, 1], shared: [[3, 1, 1], [1, 1, 0], [1, 0, 1]] }
        const period = yield* get(
          `/api/overlap?since=${encodeURIComponent(at(0).toISOString())}&until=${encodeURIComponent(at(10).toISOString())}&chart=all`
        )
        expect(period.status).toBe(200)
        expect(period.json).toEqual(expected)
        expect((yield* get("/api/overlap")).json).toEqual(expected)
        expect((yield* get(`/api/overlap?since=${encodeURIComponent(at(3).toISOString())}`)).json).toEqual({
          regions: ["PL", "US"],
          videos: [2, 1],
          shared: [[2, 1], [1, 1]]
        })
        expectBadParameter(yield* get("/api/overlap?since=last-week"), "since")
        expectBadParameter(yield* get(`/api/overlap?since=${at(5).toISOString()}&until=${at(1).toISOString()}`), "since")
      }))

    it.effect("every answer carries the security headers; only GET (and so HEAD) is answered", () =>
      Effect.gen(function*() {
        for (const path of ["/api/health", "/api/charts/NO", "/api/runs?limit=x", "/openapi.json", "/nowhere"]) {
          expectSecurityHeaders(yield* get(path))
        }
        const post = yield* request("/api/health", { method: "POST" })
        expect([404, 405]).toContain(post.status)
        expectSecurityHeaders(post)
        expect([404, 405]).toContain((yield* request("/api/runs", { method: "DELETE" })).status)
        const head = yield* request("/api/health", { method: "HEAD" })
        expect(head.status).toBe(200)
        expect(head.text).toBe("")
      }))

    it.effect("a client that takes gzip gets the same answers gzipped, a client that does not gets them as they are", () =>
      Effect.gen(function*() {
        for (const path of ["/openapi.json", "/docs", "/assets/style.css"]) {
          const plain = yield* raw(path, {})
          const gzipped = yield* raw(path, { "accept-encoding": "gzip, deflate, br" })
          expect(plain.status, path).toBe(200)
          expect(plain.headers["content-encoding"], path).toBeUndefined()
          expect(plain.headers["vary"], path).toBe("Accept-Encoding")
          expect(gzipped.headers["content-encoding"], path).toBe("gzip")
          expect(gzipped.headers["vary"], path).toBe("Accept-Encoding")
          expect(Number(gzipped.headers["content-length"]), path).toBe(gzipped.body.length)
          expect(gzipped.body.length, path).toBeLessThan(plain.body.length)
          expect(gunzipSync(gzipped.body).equals(plain.body), path).toBe(true)
          // gzip refused by its weight: as they are.
          expect((yield* raw(path, { "accept-encoding": "gzip;q=0, identity" })).headers["content-encoding"], path).toBeUndefined()
        }
        // An answer under 1 KB (this chart of two videos) is not worth it: as it is, whoever asks.
        const small = yield* raw("/api/charts/PL", { "accept-encoding": "gzip" })
        expect(small.status).toBe(200)
        expect(small.body.length).toBeLessThan(1024)
        expect(small.headers["content-encoding"]).toBeUndefined()
        expect(JSON.parse(small.body.toString("utf8")).region).toBe("PL")
      }))

    it.effect("the OpenAPI document has every path, and each 200 schema's properties are the keys the server sends", () =>
      Effect.gen(function*() {
        const spec = (yield* get("/openapi.json")).json
        const sample: Record<string, string> = {
          "/api/health": "/api/health",
          "/api/runs": "/api/runs",
          "/api/charts/{region}": "/api/charts/PL",
          "/api/search": `/api/search?q=${encodeURIComponent("Łódź")}`,
          "/api/videos/{id}": "/api/videos/aaaaaaaaaaa",
          "/api/overlap": "/api/overlap"
        }
        expect(Object.keys(spec.paths).sort()).toEqual(Object.keys(sample).sort())
        const resolve = (schema: { $ref?: string; properties?: object }): { properties?: object } =>
          schema.$ref === undefined ? schema : resolve(spec.components.schemas[schema.$ref.replace("#/components/schemas/", "")])
        for (const [path, url] of Object.entries(sample)) {
          const operation = spec.paths[path].get
          expect(Object.keys(spec.paths[path])).toEqual(["get"])
          const documented = resolve(operation.responses["200"].content["application/json"].schema)
          const sent = (yield* get(url)).json
          expect(Object.keys(documented.properties ?? {}).sort(), path).toEqual(Object.keys(sent).sort())
        }
      }))
  })

  it.effect("a database that is down: health and reads answer 503, a refusal 500, never the connection string", () =>
    Effect.gen(function*() {
      const health = yield* get("/api/health")
      expect(health.status).toBe(503)
      expect(health.json).toEqual({ status: "degraded", database: "unavailable", lastRun: null })
      expectSecurityHeaders(health)

      const chart = yield* get("/api/charts/PL")
      expect(chart.status).toBe(503)
      expect(chart.json._tag).toBe("Unavailable")
      expect(chart.json.error).toContain("unavailable")
      expect((yield* get("/api/runs")).status).toBe(503)
      expect((yield* get("/api/videos/aaaaaaaaaaa")).status).toBe(503)

      const search = yield* get("/api/search?q=video")
      expect(search.status).toBe(500)
      expect(search.json.error).toContain("refused")
      for (const answer of [health, chart, search]) expect(answer.text).not.toContain("hunter2")
    }).pipe(Effect.provide(Layer.provideMerge(baseUrl, DownServerLive))))

  it.effect("a database that refuses every read: health still answers its shape, 503 degraded, and the refusal is logged, not sent", () =>
    Effect.gen(function*() {
      const health = yield* get("/api/health")
      expect(health.status).toBe(503)
      expect(refusingLog.filter((line) => line.startsWith("health: the database refused a read"))).toHaveLength(1)
      expect(refusingLog.join("\n")).toContain("ingest_runs")
      expect(health.json).toEqual({ status: "degraded", database: "unavailable", lastRun: null })
      expect(health.text).not.toContain("ingest_runs")
      expect(health.text).not.toContain("hunter2")
      const runs = yield* get("/api/runs")
      expect(runs.status).toBe(500)
      expect(runs.json.error).toContain("refused")
    }).pipe(Effect.provide(Layer.provideMerge(baseUrl, RefusingServerLive))))
})
