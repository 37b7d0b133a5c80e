import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { chartFor } from "../../src/Demo/Catalog.js"
import { Faults } from "../../src/Demo/Faults.js"
import { makeSimulatedApi } from "../../src/Demo/SimulatedApi.js"
import { runCli } from "../support/Cli.js"
import { DatabaseUrl, envFor, expectNoKey, latestRun, logText, reset, runAgainst, stateDirectory } from "../support/Run.js"
import { engine, query, testDatabaseUrl } from "../support/TestDatabase.js"

/**
 * Hostile items and titles, through the process into a real database: a malformed item
 * costs that item, and every odd title is stored exactly (U+0000 removed, a lone
 * surrogate made U+FFFD) and found by `search`.
 */

type Item = ReturnType<typeof chartFor>[number]

/** A catalog item with another id, title and channel. */
const item = (id: string, title: string, channelTitle = "Hostile Channel"): Item => {
  const [base] = chartFor("US", 1)
  return { ...base!, id, snippet: { ...base!.snippet, title, channelTitle, defaultLanguage: "en", defaultAudioLanguage: "en" } }
}

const LONG = `${Array.from({ length: 1000 }, (_, i) => ["alpha", "bravo", "delta", "gamma"][i % 4]).join(" ")} zebrafinale`.slice(-5000)

/** [id, title as sent, title as stored, a search that must find it] */
const TITLES: ReadonlyArray<readonly [string, string, string, string]> = [
  ["emoji0000001", "🔥🎉 Świętujemy urodziny 👨‍👩‍👧‍👦", "🔥🎉 Świętujemy urodziny 👨‍👩‍👧‍👦", "urodziny"],
  ["combining001", "Cafe\u0301 Ame\u0301lie in Paris", "Cafe\u0301 Ame\u0301lie in Paris", "Amélie"],
  ["rtl00000001", "مرحبا بالعالم — שלום עולם", "مرحبا بالعالم — שלום עולם", "שלום"],
  ["nul00000001", "Null\u0000Byte title", "NullByte title", "NullByte"],
  ["surrogate01", "Broken \ud83d halfemoji", "Broken \ufffd halfemoji", "halfemoji"],
  ["long0000001", LONG, LONG, "zebrafinale"],
  ["sql00000001", "'); DROP TABLE videos; -- injected", "'); DROP TABLE videos; -- injected", "injected"],
  ["percent0001", "100% off _under_ C:\\path\\to\\file %_\\", "100% off _under_ C:\\path\\to\\file %_\\", "file"]
]

const searchIds = (databaseUrl: string, words: string) =>
  runCli(["search", "--json", "--limit", "50", words], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() }).pipe(
    Effect.map((result) => {
      expect(result.code, result.stderr).toBe(0)
      return result.stdout.trim().split("\n").filter((l) => l !== "").map((l) => (JSON.parse(l) as { videoId: string }).videoId)
    })
  )

const storedTitles = (databaseUrl: string) =>
  query<{ video_id: string; title: string; channel_title: string }>(databaseUrl, "SELECT video_id, title, channel_title FROM videos")
    .pipe(Effect.map((rows) => Object.fromEntries(rows.map((r) => [r.video_id, r]))))

describe(`hostile items and titles, through the process, on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("malformed items cost only themselves; duplicates keep their first rank (exit 0)", () =>
      Effect.gen(function*() {
        const chart = chartFor("US", 8)
        const { snippet: _, ...noSnippet } = chart[1]!
        const items = [
          chart[0],
          noSnippet,
          { ...chart[2], statistics: { ...chart[2]!.statistics, viewCount: "lots" } },
          { ...chart[3], id: 42 },
          { ...chart[0], snippet: { ...chart[0]!.snippet, title: "the same id again" } },
          { ...chart[5], id: "bad\u0000id" },
          { ...chart[6], statistics: {} },
          chart[7]
        ]
        const { databaseUrl, output, result } = yield* runAgainst({ items: { US: items } })
        expect(result.code, output).toBe(0)
        expect(output).toContain("skipped a malformed item: snippet: is missing")
        expect(output).toContain("skipped a malformed item: statistics.viewCount: a counter is a string of digits")
        expect(output).toContain("skipped a malformed item: id: Expected string, actual 42")
        expect(output).toContain("skipped a malformed item: id: a video id is 1–64 letters, digits, - or _")
        const run = (yield* latestRun(databaseUrl))!
        expect(run.regions.find((r) => r.region === "US")).toMatchObject({ status: "ok", videos: 3, malformed: 4 })
        const us = yield* query<{ video_id: string; rank: number; view_count: string | null }>(
          databaseUrl,
          `SELECT video_id, rank, view_count::text FROM trending_entries WHERE region = 'US' AND run_id = ${run.id} ORDER BY rank`
        )
        // Chart positions stay honest: the skipped items leave gaps.
        expect(us.map((e) => [e.video_id, e.rank])).toEqual([[chart[0]!.id, 1], [chart[6]!.id, 7], [chart[7]!.id, 8]])
        // A hidden view count is stored as absent (NULL), not as 0.
        expect(us[1]!.view_count).toBe(null)
        const titles = yield* storedTitles(databaseUrl)
        expect(titles[chart[0]!.id]!.title).toBe(chart[0]!.snippet.title)
        // The other regions are untouched.
        expect(run.regions.filter((r) => r.region !== "US").every((r) => r.status === "ok" && r.videos === 25)).toBe(true)
      }))

    it.scoped("an empty chart is stored as an empty region and said in the log (exit 0)", () =>
      Effect.gen(function*() {
        const { databaseUrl, output, result } = yield* runAgainst({ items: { SE: [] } })
        expect(result.code, output).toBe(0)
        expect(output).toContain("the API sent an empty chart; nothing to store from it")
        const run = (yield* latestRun(databaseUrl))!
        expect(run.regions.find((r) => r.region === "SE")).toMatchObject({ status: "ok", videos: 0, malformed: 0 })
        expect(run.entries).toBe(150)
      }))

    it.scoped("a nextPageToken that loops back: the region stops after two pages and keeps them (exit 0)", () =>
      Effect.gen(function*() {
        const chart = chartFor("NO", 100)
        const { api, databaseUrl, output, result } = yield* runAgainst(
          { faults: { NO: [Faults.page(chart.slice(0, 50), "LOOP"), Faults.page(chart.slice(50, 100), "LOOP")] } },
          { MAX_RESULTS: "150", REGIONS: "NO,SE" }
        )
        expect(result.code, output).toBe(0)
        expect(output).toContain("the API sent a page token it had sent before; stopping this chart's pages")
        expect(api.requests.filter((r) => r.region === "NO")).toHaveLength(2)
        const run = (yield* latestRun(databaseUrl))!
        expect(run.regions.map((r) => [r.region, r.videos])).toEqual([["NO", 100], ["SE", 150]])
      }))

    it.scoped("odd titles are stored exactly (U+0000 removed, a lone surrogate made U+FFFD) and search finds each", () =>
      Effect.gen(function*() {
        const items = TITLES.map(([id, title]) => item(id, title, id === "sql00000001" ? "Ch\u0000an'nel %_\\" : "Hostile Channel"))
        const { databaseUrl, output, result } = yield* runAgainst({ items: { US: items } }, { REGIONS: "US" })
        expect(result.code, output).toBe(0)
        const stored = yield* storedTitles(databaseUrl)
        for (const [id, , expected] of TITLES) expect(stored[id]?.title, id).toBe(expected)
        expect(stored["sql00000001"]!.channel_title).toBe("Chan'nel %_\\")
        expect(stored["long0000001"]!.title).toHaveLength(5000)
        for (const [id, , , words] of TITLES) expect(yield* searchIds(databaseUrl, words), `search ${words}`).toContain(id)
        // The SQL-shaped title and query are data: the tables are all still there.
        expect(yield* searchIds(databaseUrl, "'); DROP TABLE videos; --")).toContain("sql00000001")
        expect(yield* query(databaseUrl, "SELECT count(*) FROM videos")).toEqual([{ count: String(TITLES.length) }])
      }))

    it.scoped("odd titles survive the spool: the database down, then up, and they are stored exactly", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const state = stateDirectory()
        const api = yield* makeSimulatedApi({ items: { US: TITLES.map(([id, title]) => item(id, title)) } })
        const down = yield* runCli(["run"], { ...envFor(api, "postgres://postgres@127.0.0.1:1/postgres", state), REGIONS: "US" })
        expectNoKey(down, api)
        expect(down.code, down.stderr).toBe(69)
        expect(logText(down)).toContain(`kept the fetched batch (${TITLES.length} entries) in the spool`)
        const up = yield* runCli(["run"], { ...envFor(api, databaseUrl, state), REGIONS: "US" })
        expect(up.code, up.stderr).toBe(0)
        expect(logText(up)).toContain("stored the spooled batch")
        const stored = yield* storedTitles(databaseUrl)
        for (const [id, , expected] of TITLES) expect(stored[id]?.title, id).toBe(expected)
      }))
  })
})
