import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Logger, LogLevel, Option, Redacted, Ref, Schema, TestClock } from "effect"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { YouTubeConfig, youTubeSettings } from "../src/Config.js"
import type { Batch } from "../src/Domain/Run.js"
import { ingest } from "../src/Ingest/Pipeline.js"
import { VideoStore } from "../src/Store/VideoStore.js"
import { YouTube } from "../src/YouTube/Client.js"
import { CategoryId, RegionalVideo } from "../src/Domain/Video.js"
import { DatabaseUnavailable } from "../src/Store/Errors.js"
import { encodeSpoolEntry } from "../src/Store/SpoolEntry.js"
import { apiItem, page, region, regional } from "./support/Fixtures.js"
import { json, scriptedHttp } from "./support/ScriptedHttp.js"
import { chart, failingStore, fullDisk, harness, untilRequested } from "./support/Pipeline.js"

/** The spool: a run's write-ahead copy of what it fetched, until the batch is committed. */
describe("the spool", () => {
  it.effect("a batch that cannot be stored is spooled, and the next run stores it first, with its fetch time", () =>
    Effect.gen(function*() {
      const state = mkdtempSync(join(tmpdir(), "vvv-spool-"))
      const { layer } = yield* harness((code) => Effect.succeed(chart(code)), {
        state,
        store: failingStore(new DatabaseUnavailable({ operation: "connecting", detail: "ECONNREFUSED" }))
      })
      const failed = yield* Effect.flip(Effect.provide(ingest, layer))
      expect(failed._tag).toBe("DatabaseUnavailable")
      expect(readdirSync(join(state, "spool"))).toHaveLength(1)

      yield* TestClock.adjust("7 hours")
      const next = yield* harness((code) => Effect.succeed(chart(code, 2)), { state })
      const report = yield* Effect.provide(ingest, next.layer)
      const [spooled, current] = yield* Ref.get(next.saved)
      expect(spooled!.entries).toHaveLength(21)
      expect(spooled!.startedAt.getTime()).toBe(0)
      expect(new Set(spooled!.entries.map((e) => e.fetchedAt.toISOString()))).toEqual(new Set(["2026-11-26T00:00:00.000Z"]))
      expect(spooled!.videos.find((v) => v.videoId === "shared")!.regions).toHaveLength(7)
      expect(current!.entries).toHaveLength(14)
      expect(report.runId).toBe(2)
      expect(readdirSync(join(state, "spool"))).toEqual([])
    }))

  it.effect("a client that keeps no pages: its entries are spooled a slice at a time and read back whole", () =>
    Effect.gen(function*() {
      const state = mkdtempSync(join(tmpdir(), "vvv-spool-"))
      // 1,200 entries a region: three slices of at most 500 each, seven regions.
      const { layer } = yield* harness((code) => Effect.succeed(chart(code, 1200)), {
        state,
        store: failingStore(new DatabaseUnavailable({ operation: "connecting", detail: "ECONNREFUSED" }))
      })
      yield* Effect.flip(Effect.provide(ingest, layer))
      const [file] = readdirSync(join(state, "spool"))
      expect(readFileSync(join(state, "spool", file!), "utf8").match(/\{"entries":\[/g)).toHaveLength(7 * 3)

      yield* TestClock.adjust("7 hours")
      const next = yield* harness((code) => Effect.succeed(chart(code)), { state })
      yield* Effect.provide(ingest, next.layer)
      const [spooled] = yield* Ref.get(next.saved)
      expect(spooled!.entries).toHaveLength(7 * 1200)
      expect(new Set(spooled!.entries.map((e) => `${e.region} ${e.rank}`)).size).toBe(7 * 1200)
    }))

  it.effect("the pages are spooled as the API sent them, and read back into the very batch the run fetched", () =>
    Effect.gen(function*() {
      const state = mkdtempSync(join(tmpdir(), "vvv-spool-"))
      // MAX_RESULTS=120: pages of 50, 50 and the first 20 of a third; in each: a malformed item, a
      // title of hostile characters, a video listed again on the next page, one shared by both regions.
      const items = (code: string, token: string | null) => {
        const base = token === null ? 0 : Number(token)
        return Array.from({ length: 50 }, (_, i) => {
          const n = base + i
          if (n === 2) return apiItem(`${code}-bad-item`, { statistics: { viewCount: "-1" } })
          if (n === 4) return apiItem(`${code}-hostile`, { title: `<script>alert(1)</script> "quote" \\ \u2028 🔥 ${"\u0000"}` })
          if (n === 50) return apiItem(`${code}-twice`)
          if (n === 9) return apiItem("shared-vid1", { views: String(code === "PL" ? 100 : 200) })
          return apiItem(n === 7 ? `${code}-twice` : `${code}-${String(n).padStart(7, "0")}`, { views: String(1000 - n) })
        })
      }
      const http = scriptedHttp([], (url) => {
        const token = url.searchParams.get("pageToken")
        const code = url.searchParams.get("regionCode")!
        const next = token === null ? "50" : token === "50" ? "100" : undefined
        return json(200, page(items(code, token), next))
      })
      const client = YouTube.Default.pipe(Layer.provide(Layer.merge(
        http.layer,
        Layer.succeed(YouTubeConfig, youTubeSettings({ apiKey: Redacted.make("AIza-spool-test-key"), baseUrl: "https://youtube.test/youtube/v3", maxResults: 120 }))
      )))
      const attempted = yield* Ref.make<ReadonlyArray<Batch>>([])
      const down = new DatabaseUnavailable({ operation: "connecting", detail: "ECONNREFUSED" })
      const { layer } = yield* harness(() => Effect.die("unused"), {
        state,
        regions: [region("PL"), region("SE")],
        youtube: client,
        store: VideoStore.make({ ...failingStore(down), saveRun: (batch) => Effect.zipRight(Ref.update(attempted, (a) => [...a, batch]), Effect.fail(down)) })
      })
      expect((yield* Effect.flip(Effect.provide(ingest, layer)))._tag).toBe("DatabaseUnavailable")
      const [fetched] = yield* Ref.get(attempted)
      // 2 × (120 taken − the malformed item − the second listing of one video).
      expect(fetched!.entries).toHaveLength(2 * 118)
      const [file] = readdirSync(join(state, "spool"))
      const text = readFileSync(join(state, "spool", file!), "utf8")
      // The pages as sent: the API's own fields (which no entry keeps) and the malformed item are in the file.
      expect(text.startsWith(`{"units":[{"region":`)).toBe(true)
      expect(text).toContain(`"etag":"etag-PL-bad-item"`)
      expect(text).toContain(`"kind":"youtube#videoListResponse"`)

      yield* TestClock.adjust("7 hours")
      const next = yield* harness((code) => Effect.succeed(chart(code)), { state, regions: [region("PL"), region("SE")] })
      yield* Effect.provide(ingest, next.layer)
      const [spooled] = yield* Ref.get(next.saved)
      expect(spooled!.batchId).toBe(fetched!.batchId)
      expect(spooled!.entries).toEqual(fetched!.entries)
      expect(spooled!.videos).toEqual(fetched!.videos)
      const hostile = spooled!.entries.find((e) => e.videoId === "PL-hostile")!
      expect(hostile.title).toBe(`<script>alert(1)</script> "quote" \\ \u2028 🔥 ${"\u0000"}`)
      expect(spooled!.entries.filter((e) => e.videoId === "SE-twice").map((e) => e.rank)).toEqual([8])
      expect(spooled!.entries.filter((e) => e.region === "SE").map((e) => e.rank).at(-1)).toBe(120)
      expect(readdirSync(join(state, "spool"))).toEqual([])
    }))

  it.effect("the spool file is written as the units come in, under a temporary name; an interrupted fetch leaves nothing in the spool", () =>
    Effect.gen(function*() {
      const state = mkdtempSync(join(tmpdir(), "vvv-spool-"))
      // Every region answers at once, 1,500 entries (more than the writer's 1 MB buffer between them), but AT, which never does.
      const { layer, requested } = yield* harness(
        (code) => code === "AT" ? Effect.never : Effect.succeed(chart(code, 1500)),
        { state }
      )
      const fiber = yield* Effect.fork(Effect.provide(ingest, layer))
      yield* untilRequested(requested, 7)
      const spool = join(state, "spool")
      // While AT is awaited, what the others sent is on disk already, in the temporary file only.
      let names: Array<string> = []
      let text = ""
      for (let tries = 0; tries < 400 && text.length === 0; tries++) {
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
        names = readdirSync(spool)
        text = names.length === 1 ? readFileSync(join(spool, names[0]!), "utf8") : ""
      }
      expect(names).toHaveLength(1)
      expect(names[0]).toMatch(/^\.run-0-\d+\.json\.\d+\.tmp$/)
      expect(text.startsWith(`{"units":[{"entries":[{"videoId":`)).toBe(true)
      const regions = new Set([...text.matchAll(/"videoId":"([A-Z]{2})-\d+"/g)].map((m) => m[1]))
      expect(regions.size).toBeGreaterThan(0)
      expect(regions.has("AT")).toBe(false)

      yield* Fiber.interrupt(fiber)
      expect(readdirSync(spool)).toEqual([])
    }))

  it.effect("a run that fetched nothing leaves nothing in the spool, and its abandoned file is no error in the log, even at debug", () =>
    Effect.gen(function*() {
      const state = mkdtempSync(join(tmpdir(), "vvv-spool-"))
      const said: Array<string> = []
      const { layer } = yield* harness((code) => Effect.succeed({ ...chart(code), videos: [] }), { state })
      const report = yield* Effect.provide(ingest, layer).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ logLevel, message }) => said.push(`${logLevel.label} ${String(message)}`)))),
        Logger.withMinimumLogLevel(LogLevel.Debug)
      )
      expect(report.entries).toBe(0)
      expect(readdirSync(join(state, "spool"))).toEqual([])
      expect(said.some((line) => line.startsWith("DEBUG"))).toBe(true)
      expect(said.filter((line) => /error/i.test(line))).toEqual([])
    }))

  it.effect("a spool that cannot be written (a full disk): the batch is stored all the same, and the log says it had no copy", () =>
    Effect.gen(function*() {
      const said: Array<string> = []
      const { layer, saved } = yield* harness((code) => Effect.succeed(chart(code)), { files: fullDisk })
      const report = yield* Effect.provide(ingest, layer).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => said.push(String(message)))))
      )
      expect(report.status).toBe("ok")
      expect(yield* Ref.get(saved)).toHaveLength(1)
      expect(said.join("\n")).toMatch(
        /cannot write the spool file .*\/spool\/run-0-\d+\.json: ENOSPC: no space left on device, open; storing the batch without a copy in the spool/
      )
    }))

  it.effect("a spool file written by the previous release (before the refactor) is read and stored as it was", () =>
    Effect.gen(function*() {
      const state = mkdtempSync(join(tmpdir(), "vvv-spool-"))
      mkdirSync(join(state, "spool"))
      // As 0.1.0 wrote it: its own JSON schema, dates as ISO strings, absent fields left out.
      const previous = {
        version: 1,
        batchId: "0b1c2d3e-previous-release",
        startedAt: "2026-11-27T07:00:00.000Z",
        finishedAt: "2026-11-27T07:00:01.000Z",
        status: "partial",
        outcomes: [
          { region: "PL", status: "ok", videos: 2, malformed: 0, attempts: 1, durationMs: 250 },
          { region: "SE", status: "failed", videos: 0, malformed: 0, attempts: 5, durationMs: 9000, errorTag: "ApiUnavailable", error: "SE: the YouTube API is unavailable (HTTP 503): Backend Error" }
        ],
        entries: [
          { videoId: "kQ8f3Lr2ZxA", region: "PL", rank: 1, title: "Żółta Łódź", channelTitle: "Kanał", viewCount: 1834211, language: "pl", publishedAt: "2026-11-20T10:00:00.000Z", fetchedAt: "2026-11-27T07:00:00.500Z" },
          { videoId: "abcdefghijk", region: "PL", rank: 2, title: "Bez języka", channelTitle: "Kanał", viewCount: 10, fetchedAt: "2026-11-27T07:00:00.500Z" }
        ]
      }
      writeFileSync(join(state, "spool", `run-${Date.parse(previous.startedAt)}-1.json`), JSON.stringify(previous))
      // The next run, a day later (pid 1 is alive, but no run lasts a day).
      yield* TestClock.setTime(Date.parse("2026-11-28T07:00:00.000Z"))
      const { layer, saved } = yield* harness((code) => Effect.succeed(chart(code)), { state })
      yield* Effect.provide(ingest, layer)
      const [stored] = yield* Ref.get(saved)
      expect(stored!.batchId).toBe("0b1c2d3e-previous-release")
      expect(stored!.startedAt.toISOString()).toBe("2026-11-27T07:00:00.000Z")
      expect(stored!.outcomes.map((o) => [o.region, o.status, o.errorTag])).toEqual([["PL", "ok", undefined], ["SE", "failed", "ApiUnavailable"]])
      const [first, second] = stored!.entries
      expect(first!.language).toEqual(Option.some("pl"))
      expect(first!.publishedAt).toEqual(Option.some(new Date("2026-11-20T10:00:00.000Z")))
      expect(second!.language).toEqual(Option.none())
      expect(second!.fetchedAt.toISOString()).toBe("2026-11-27T07:00:00.500Z")
      expect(stored!.videos.map((v) => v.videoId)).toEqual(["abcdefghijk", "kQ8f3Lr2ZxA"])
      expect(readdirSync(join(state, "spool"))).toEqual([])
    }))

  it.effect("a corrupt spool file is moved aside, not dropped, and the run goes on", () =>
    Effect.gen(function*() {
      const state = mkdtempSync(join(tmpdir(), "vvv-spool-"))
      mkdirSync(join(state, "spool"))
      writeFileSync(join(state, "spool", "run-1-1.json"), `{"version":1,"entries":[{"videoId":`)
      // Written long ago (at 1 ms past the epoch): no run still going has it.
      yield* TestClock.adjust("1 hour")
      const { layer, saved } = yield* harness((code) => Effect.succeed(chart(code)), { state })
      const report = yield* Effect.provide(ingest, layer)
      expect(report.status).toBe("ok")
      expect(yield* Ref.get(saved)).toHaveLength(1)
      expect(readdirSync(join(state, "spool"))).toEqual(["run-1-1.json.corrupt"])
    }))

  it.effect("a spool file of another run still going is left to it; one that only shares a pid with a live process is stored", () =>
    Effect.gen(function*() {
      const state = mkdtempSync(join(tmpdir(), "vvv-spool-"))
      const spooled = mkdtempSync(join(tmpdir(), "vvv-spool-src-"))
      // Spool a real batch (the store is down), then copy it under the two names.
      const down = yield* harness((code) => Effect.succeed(chart(code)), {
        state: spooled,
        store: failingStore(new DatabaseUnavailable({ operation: "connecting", detail: "ECONNREFUSED" }))
      })
      yield* Effect.flip(Effect.provide(ingest, down.layer))
      const [file] = readdirSync(join(spooled, "spool"))
      const text = readFileSync(join(spooled, "spool", file!), "utf8")
      mkdirSync(join(state, "spool"))
      // The spool tells a running run's file by the clock: the test's own.
      yield* TestClock.adjust("3 hours")
      const now = 3 * 60 * 60 * 1000
      const live = `run-${now}-${process.ppid}.json`
      const stale = `run-${now - 2 * 60 * 60 * 1000}-${process.ppid}.json`
      writeFileSync(join(state, "spool", live), text)
      writeFileSync(join(state, "spool", stale), text)

      const { layer, saved } = yield* harness((code) => Effect.succeed(chart(code)), { state })
      yield* Effect.provide(ingest, layer)
      expect(yield* Ref.get(saved)).toHaveLength(2) // the stale file's batch, then this run's
      expect(readdirSync(join(state, "spool"))).toEqual([live])
    }))

  it.effect("the unfinished file of a run killed as it fetched is removed, and said; one another live run is writing is left to it", () =>
    Effect.gen(function*() {
      const state = mkdtempSync(join(tmpdir(), "vvv-spool-"))
      mkdirSync(join(state, "spool"))
      yield* TestClock.adjust("3 hours")
      const now = 3 * 60 * 60 * 1000
      // Killed two hours ago, half written; and one being written now by a live process (the test runner's parent).
      const killed = `.run-${now - 2 * 60 * 60 * 1000}-${process.ppid}.json.${process.ppid}.tmp`
      const writing = `.run-${now}-${process.ppid}.json.${process.ppid}.tmp`
      writeFileSync(join(state, "spool", killed), `{"entries":[{"videoId":"US-1"`)
      writeFileSync(join(state, "spool", writing), `{"entries":[`)
      const said: Array<string> = []
      const { layer, saved } = yield* harness((code) => Effect.succeed(chart(code)), { state })
      yield* Effect.provide(ingest, layer).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => said.push(String(message)))))
      )
      expect(yield* Ref.get(saved)).toHaveLength(1) // this run's batch only
      expect(readdirSync(join(state, "spool"))).toEqual([writing])
      expect(said.join("\n")).toContain(`removed ${join(state, "spool", killed)}: the unfinished spool file of a run stopped as it fetched`)
    }))
})

/** An entry with every field the API can give, and one with each optional field absent. */
describe("a spooled entry", () => {
  const full = RegionalVideo.make({
    ...regional("full_entry1", "PL", { rank: 3, views: 1234, likes: 56, comments: 7, tags: ["a", "b|c"], language: "pl", chart: CategoryId.make("10") }),
    title: `Quote " back\\slash\nline 🔥 <b>`,
    description: "Line one\r\nline two, \"quoted\"",
    channelId: Option.some("UCabcdefghijklmnopqrstuv"),
    categoryId: Option.some(CategoryId.make("10")),
    publishedAt: Option.some(new Date("2026-11-20T08:30:00.123Z")),
    durationSeconds: Option.some(0),
    definition: Option.some("hd"),
    caption: Option.some(false),
    licensedContent: Option.some(true),
    madeForKids: Option.some(false),
    liveBroadcastContent: Option.some("none"),
    thumbnailUrl: Option.some("https://i.ytimg.com/vi/full_entry1/maxresdefault.jpg"),
    thumbnails: { default: { url: "https://i.ytimg.com/vi/full_entry1/default.jpg", width: 120, height: 90 }, maxres: { url: "x" } },
    fetchedAt: new Date("2026-11-26T01:02:03.004Z")
  })
  const bare = RegionalVideo.make({ ...regional("bare_entry1", "SE"), viewCount: Option.none() })

  it("is written as the schema encodes it, byte for byte, and reads back as it was", () => {
    for (const video of [full, bare]) {
      const written = JSON.stringify(encodeSpoolEntry(video))
      expect(written).toBe(JSON.stringify(Schema.encodeSync(RegionalVideo)(video)))
      expect(Schema.decodeUnknownSync(Schema.parseJson(RegionalVideo))(written)).toEqual(video)
    }
    expect(Object.keys(encodeSpoolEntry(bare))).toEqual(["videoId", "region", "chart", "rank", "title", "channelTitle", "tags", "description", "thumbnails", "fetchedAt"])
  })
})
