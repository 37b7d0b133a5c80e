import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Faults } from "../src/Demo/Faults.js"
import { runCli } from "./support/Cli.js"
import { API_KEY, DatabaseUrl, envFor, latestRun, runAgainst } from "./support/Run.js"
import { engine, query, testDatabaseUrl } from "./support/TestDatabase.js"

/**
 * The built bundle, as systemd starts it, against a real HTTP server that speaks the
 * API and a real database. Every run also checks that the key is in no output and no URL.
 */

describe(`node dist/main.js on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("stores 7 regions × 25 entries and exits 0", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst({ latencyMs: { US: 60, AT: 40 } })
        expect(result.code, output).toBe(0)
        expect(output).toMatch(/run \d+ ok: 7\/7 charts in 7 regions, 175 entries/)
        // Not on a terminal (as under journald): one JSON object per line on stderr, stdout left alone.
        expect(result.stdout).toBe("")
        const lines = result.stderr.trim().split("\n").map((line) => JSON.parse(line))
        expect(lines.every((l) => typeof l.message === "string" && typeof l.logLevel === "string")).toBe(true)
        expect(new Set(api.requests.map((r) => r.region))).toEqual(new Set(["US", "GB", "PL", "NL", "SE", "NO", "AT"]))
        expect(api.requests.every((r) => r.apiKey === API_KEY)).toBe(true)
        expect(api.maxInFlight()).toBeLessThanOrEqual(3)
        const run = yield* latestRun(databaseUrl)
        expect(run!.status).toBe("ok")
        const perRegion = yield* query<{ region: string; n: string; ranks: string }>(
          databaseUrl,
          `SELECT region, count(*) AS n, string_agg(rank::text, ',' ORDER BY rank) AS ranks
           FROM trending_entries WHERE run_id = ${run!.id} GROUP BY region ORDER BY region`
        )
        expect(perRegion.map((r) => [r.region, Number(r.n)])).toEqual(
          ["AT", "GB", "NL", "NO", "PL", "SE", "US"].map((r) => [r, 25])
        )
        expect(perRegion.every((r) => r.ranks === Array.from({ length: 25 }, (_, i) => i + 1).join(","))).toBe(true)
        // Position 20 of every chart is the same video: one row, seven regions.
        const shared = yield* query<{ regions: Array<string> }>(
          databaseUrl,
          "SELECT regions FROM videos WHERE array_length(regions, 1) > 1"
        )
        expect(shared).toEqual([{ regions: ["AT", "GB", "NL", "NO", "PL", "SE", "US"] }])
        const polish = yield* query<{ title: string }>(databaseUrl, "SELECT title FROM videos WHERE 'PL' = ANY(regions) AND title LIKE '%Łódź%' LIMIT 1")
        expect(polish).toHaveLength(1)
        // The full record, as the simulated API sent it: what is hidden stays NULL, descriptions keep their lines.
        const record = yield* query<{
          hidden_likes: string
          hidden_comments: string
          zero_likes: string
          tagged: string
          multiline: string
          durations: string
          live: string
          thumbnails: string
          stats: string
        }>(
          databaseUrl,
          `SELECT count(*) FILTER (WHERE like_count IS NULL) AS hidden_likes,
                  count(*) FILTER (WHERE comment_count IS NULL) AS hidden_comments,
                  count(*) FILTER (WHERE like_count = 0) AS zero_likes,
                  count(*) FILTER (WHERE cardinality(tags) > 0) AS tagged,
                  count(*) FILTER (WHERE description LIKE E'%\\n%"%",%') AS multiline,
                  count(*) FILTER (WHERE duration_seconds > 0) AS durations,
                  count(*) FILTER (WHERE live_broadcast_content = 'live' AND duration_seconds = 0) AS live,
                  count(*) FILTER (WHERE thumbnail_url LIKE '%hqdefault.jpg' OR thumbnail_url LIKE '%maxresdefault.jpg') AS thumbnails,
                  (SELECT count(*) FROM video_stats) AS stats
           FROM videos`
        )
        const r = record[0]!
        expect(Number(r.hidden_likes)).toBeGreaterThan(0)
        expect(Number(r.hidden_comments)).toBeGreaterThan(0)
        expect(Number(r.zero_likes)).toBe(0)
        expect(Number(r.tagged)).toBeGreaterThan(100)
        expect(Number(r.multiline)).toBe(169)
        expect(Number(r.durations) + Number(r.live)).toBe(169)
        expect(Number(r.thumbnails)).toBe(169)
        expect(Number(r.stats)).toBe(169)
        // Each region's categories, asked for once (one unit each), titles as the region has them.
        expect(api.categoryRequests.map((r) => r.region).sort()).toEqual(["AT", "GB", "NL", "NO", "PL", "SE", "US"])
        const categories = yield* query<{ region: string; n: string; music: string }>(
          databaseUrl,
          "SELECT region, count(*) AS n, max(title) FILTER (WHERE category_id = '10') AS music FROM categories GROUP BY region ORDER BY region"
        )
        expect(categories.map((c) => [c.region, Number(c.n), c.music])).toEqual(
          ["AT", "GB", "NL", "NO", "PL", "SE", "US"].map((region) => [region, 17, "Music"])
        )
      }))

    it.scoped("a region without a chart and a rate-limited region: partial, exit 75, the rest stored", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst({
          faults: { NL: [Faults.chartNotFound()], PL: [Faults.rateLimited("1")] }
        })
        expect(result.code, output).toBe(75)
        expect(output).toMatch(/NL: YouTube has no trending chart/)
        const pl = api.requests.filter((r) => r.region === "PL")
        expect(pl).toHaveLength(2)
        expect(pl[1]!.startedAt - pl[0]!.finishedAt!).toBeGreaterThanOrEqual(1000)
        const run = yield* latestRun(databaseUrl)
        expect(run!.status).toBe("partial")
        const byRegion = Object.fromEntries(run!.regions.map((r) => [r.region, r]))
        expect(byRegion["NL"]).toMatchObject({ status: "failed", errorTag: "ChartUnavailable", attempts: 1 })
        expect(byRegion["PL"]).toMatchObject({ status: "ok", videos: 25, attempts: 2 })
      }))

    it.scoped("a categories list that cannot be fetched costs nothing stored: exit 0, said, asked for again by the next run", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst({
          categoryFaults: { PL: Array.from({ length: 5 }, () => Faults.backendError()) }
        })
        expect(result.code, output).toBe(0)
        expect(output).toContain("categories of PL not fetched: PL: the YouTube API is unavailable (HTTP 503)")
        expect(api.categoryRequests.filter((r) => r.region === "PL")).toHaveLength(5)
        const regions = yield* query<{ region: string }>(databaseUrl, "SELECT DISTINCT region FROM categories ORDER BY region")
        expect(regions.map((r) => r.region)).toEqual(["AT", "GB", "NL", "NO", "SE", "US"])
        const next = yield* runCli(["run"], envFor(api, databaseUrl))
        expect(next.code, next.stderr).toBe(0)
        expect(api.categoryRequests.map((r) => r.region)).toHaveLength(6 + 5 + 1)
        expect(api.categoryRequests.at(-1)!.region).toBe("PL")
      }))

    it.scoped("an invalid key: exit 78, and regions not yet started are not requested", () =>
      Effect.gen(function*() {
        const { api, output, result } = yield* runAgainst({ apiKey: "the-right-key" }, { FETCH_CONCURRENCY: "1" })
        expect(result.code, output).toBe(78)
        expect(output).toContain("rejected the API key")
        expect(api.requests).toHaveLength(1)
      }))

    it.scoped("no key at all: exit 78 before any request", () =>
      Effect.gen(function*() {
        const { api, output, result } = yield* runAgainst({}, { YOUTUBE_API_KEY: "" })
        expect(result.code, output).toBe(78)
        expect(output).toContain("YOUTUBE_API_KEY")
        expect(api.requests).toHaveLength(0)
      }))

    it.scoped("an unreachable database: exit 69 with the reason", () =>
      Effect.gen(function*() {
        const { output, result } = yield* runAgainst({}, { DATABASE_URL: "postgres://u:hunter2@127.0.0.1:1/none" })
        expect(result.code, output).toBe(69)
        expect(output).toContain("127.0.0.1:1/none")
        expect(output).not.toContain("hunter2")
      }))
  })
})
