import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { chartFor } from "../src/Demo/Catalog.js"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"
import { runCli } from "./support/Cli.js"
import { DatabaseUrl, envFor, expectNoKey, latestRun, logText, reset, stateDirectory } from "./support/Run.js"
import { engine, query, testDatabaseUrl } from "./support/TestDatabase.js"

/** The archive of record through the built process: charts per category, and tracking, against the simulated API. */

const labelOf = (url: string) => {
  const params = new URL(url, "http://x").searchParams
  return `${params.get("regionCode")}/${params.get("videoCategoryId") ?? "all"}`
}

describe(`charts and tracking, node dist/main.js on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("CHARTS=all,10,19: each region's three charts; NL has no chart of 19 (unavailable, exit 0), not asked again", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const env = { ...envFor(api, databaseUrl), CHARTS: "all,10,19", MAX_RESULTS: "10" }
        const first = yield* runCli(["run"], env)
        expectNoKey(first, api)
        expect(first.code, logText(first)).toBe(0)
        expect(logText(first)).toMatch(/run \d+ ok: 20\/21 charts \(1 unavailable\) in 7 regions, 200 entries/)
        const run = (yield* latestRun(databaseUrl))!
        expect(run.status).toBe("ok")
        expect(run.regions.filter((o) => o.status === "unavailable")).toMatchObject([{ region: "NL", chart: "19", errorTag: "ChartUnavailable" }])
        const charts = yield* query<{ chart: string; n: string }>(
          databaseUrl,
          "SELECT chart, count(*) AS n FROM trending_entries GROUP BY chart ORDER BY chart"
        )
        expect(charts).toEqual([{ chart: "10", n: "70" }, { chart: "19", n: "60" }, { chart: "all", n: "70" }])
        // Each entry of a category chart is a video of that category.
        const misfiled = yield* query(
          databaseUrl,
          "SELECT 1 FROM trending_entries e JOIN videos v USING (video_id) WHERE e.chart <> 'all' AND v.category_id <> e.chart"
        )
        expect(misfiled).toEqual([])

        const asked = api.requests.length
        const second = yield* runCli(["run"], env)
        expect(second.code, logText(second)).toBe(0)
        const secondLabels = api.requests.slice(asked).map((r) => labelOf(r.url))
        expect(secondLabels).not.toContain("NL/19")
        expect(secondLabels).toHaveLength(20)
        expect(logText(second)).toContain("not asked this run (unavailable within 7 days): NL/19")
      }))

    it.scoped("CHARTS=every: the categories first, then every assignable category's chart of each region", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const env = { ...envFor(api, databaseUrl), CHARTS: "every", MAX_RESULTS: "5", REGIONS: "PL,NL" }
        const result = yield* runCli(["run"], env)
        expect(result.code, logText(result)).toBe(0)
        expect(api.categoryRequests.map((r) => r.region).sort()).toEqual(["NL", "PL"])
        // Every category request came before the first category chart.
        const firstCategoryChart = Math.min(...api.requests.filter((r) => labelOf(r.url).split("/")[1] !== "all").map((r) => r.startedAt))
        expect(api.categoryRequests.every((r) => r.finishedAt! <= firstCategoryChart)).toBe(true)
        // 14 assignable categories of the catalogue, in each region, and the overall chart; NL/19 is not offered.
        expect(logText(result)).toMatch(/run \d+ ok: 29\/30 charts \(1 unavailable\) in 2 regions/)
        const [stored] = yield* query<{ n: string }>(databaseUrl, "SELECT count(DISTINCT (region, chart)) AS n FROM trending_entries")
        expect(stored!.n).toBe("29")
      }))

    it.scoped("tracking: videos that left the charts are looked up by id (≤ 50 a request), their series go on; a missing one is gone", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const state = stateDirectory()
        const deleted = chartFor("US", 200)[30]!.id
        const api = yield* makeSimulatedApi({ gone: [deleted] })
        const env = { ...envFor(api, databaseUrl, state), REGIONS: "US,GB" }
        const first = yield* runCli(["run"], { ...env, MAX_RESULTS: "80" })
        expect(first.code, logText(first)).toBe(0)
        expect(api.lookupRequests).toEqual([])

        // The charts now list their top 10: of the 156 videos (160 entries, 4 shared by both regions), 136 have left them.
        const second = yield* runCli(["run"], { ...env, MAX_RESULTS: "10" })
        expectNoKey(second, api)
        expect(second.code, logText(second)).toBe(0)
        const asked = api.lookupRequests.map((r) => new URL(r.url, "http://x").searchParams.get("id")!.split(","))
        expect(asked.every((ids) => ids.length <= 50)).toBe(true)
        expect(asked.flat()).toHaveLength(136)
        expect(new Set(asked.flat()).size).toBe(136)
        expect(api.lookupRequests.every((r) => new URL(r.url, "http://x").searchParams.get("part") === "statistics")).toBe(true)
        expect(logText(second)).toMatch(/tracked 136 videos that left the charts: 135 refreshed, 1 gone/)
        expect(logText(second)).toMatch(/135\/136 tracked \(1 gone\)/)

        const [series] = yield* query<{ twice: string }>(
          databaseUrl,
          `SELECT count(*) AS twice FROM (SELECT video_id FROM video_stats GROUP BY video_id HAVING count(*) = 2) AS s`
        )
        // Every video of the first run but the gone one has a second observation: from a chart (20) or a look-up (135).
        expect(Number(series!.twice)).toBe(20 + 135)
        const gone = yield* query<{ video_id: string }>(databaseUrl, "SELECT video_id FROM videos WHERE gone_at IS NOT NULL")
        expect(gone).toEqual([{ video_id: deleted }])

        // The gone one is not asked for again.
        const before = api.lookupRequests.length
        const third = yield* runCli(["run"], { ...env, MAX_RESULTS: "10" })
        expect(third.code, logText(third)).toBe(0)
        const again = api.lookupRequests.slice(before).flatMap((r) => new URL(r.url, "http://x").searchParams.get("id")!.split(","))
        expect(again).toHaveLength(135)
        expect(again).not.toContain(deleted)
      }))
  })
})
