import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Faults, googleError } from "../src/Demo/Faults.js"
import { YOUTUBE_REGIONS } from "../src/Demo/Regions.js"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"
import { runCli } from "./support/Cli.js"
import { DatabaseUrl, envFor, expectNoKey, latestRun, logText, reset } from "./support/Run.js"
import { engine, query, testDatabaseUrl } from "./support/TestDatabase.js"

/**
 * `REGIONS=all` through the process against the simulated API: the regions come from
 * `i18nRegions.list`, kept 30 days; a region YouTube stops listing, or lists without a
 * chart, or that ISO 3166-1 does not know, is logged and costs nothing else.
 */

const storedRegions = (databaseUrl: string) =>
  Effect.map(
    query<{ region: string }>(databaseUrl, "SELECT region FROM youtube_regions ORDER BY region"),
    (rows) => rows.map((r) => r.region)
  )

const collectedRegions = (databaseUrl: string) =>
  Effect.map(
    query<{ region: string }>(databaseUrl, "SELECT DISTINCT region FROM trending_entries ORDER BY region"),
    (rows) => rows.map((r) => r.region)
  )

const world = (databaseUrl: string, api: { readonly baseUrl: string }) => ({
  ...envFor(api.baseUrl, databaseUrl),
  REGIONS: "all",
  MAX_RESULTS: "10",
  TRACK_DAYS: "0"
})

describe(`REGIONS=all, through the process, on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 180_000 })((it) => {
    it.scoped("every region i18nRegions.list gives is collected and stored; the list is asked for once, then kept", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({ chartSize: 10 })
        const env = world(databaseUrl, api)
        const every = YOUTUBE_REGIONS.map(([code]) => code).sort()

        const first = yield* runCli(["run"], env)
        expectNoKey(first, api)
        expect(first.code, logText(first)).toBe(0)
        expect(api.regionRequests).toHaveLength(1)
        expect(logText(first)).toContain(`region list: YouTube lists ${every.length} regions`)
        expect(logText(first)).toMatch(new RegExp(`run 1 ok: ${every.length}/${every.length} charts in ${every.length} regions`))
        expect(yield* collectedRegions(databaseUrl)).toEqual(every)
        expect(yield* storedRegions(databaseUrl)).toEqual(every)
        expect(new Set(api.requests.map((r) => r.region))).toEqual(new Set(every))

        const second = yield* runCli(["run"], env)
        expect(second.code, logText(second)).toBe(0)
        expect(api.regionRequests).toHaveLength(1)
        expect((yield* latestRun(databaseUrl))!.regions).toHaveLength(every.length)

        const status = yield* runCli(["status", "--json"], env)
        expect(status.code, status.stderr).toBe(0)
        expect(JSON.parse(status.stdout).regionList).toMatchObject({ regions: every.length })
        const text = yield* runCli(["status"], env)
        expect(text.stdout).toMatch(new RegExp(`Region list \\(REGIONS=all\\): ${every.length} regions, fetched .*, asked again after 30 days`))
      }), 120_000)

    it.scoped("a list older than 30 days is asked for again: a withdrawn region is logged and no longer asked for, a new one is, a code ISO 3166-1 lacks is logged and collected", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        yield* query(
          databaseUrl,
          `INSERT INTO youtube_regions (region, name, fetched_at) VALUES
             ('US', 'United States', now() - interval '31 days'), ('SE', 'Sweden', now() - interval '31 days')`
        )
        const api = yield* makeSimulatedApi({ chartSize: 10, regions: ["US", "GB", "XK"] })
        const result = yield* runCli(["run"], world(databaseUrl, api))
        expect(result.code, logText(result)).toBe(0)
        const said = logText(result)
        expect(said).toContain("region list: newly listed by YouTube: GB (United Kingdom), XK (Kosovo)")
        expect(said).toContain("region list: no longer listed by YouTube, not collected from now on (their history is kept): SE (Sweden)")
        expect(said).toContain("region list: not ISO 3166-1 codes, collected as YouTube lists them: XK (Kosovo)")
        expect(api.requests.map((r) => r.region).sort()).toEqual(["GB", "US", "XK"])
        expect(yield* storedRegions(databaseUrl)).toEqual(["GB", "US", "XK"])
        expect(yield* collectedRegions(databaseUrl)).toEqual(["GB", "US", "XK"])
      }), 120_000)

    it.scoped("a listed region whose chart YouTube refuses is unavailable, not a failure, and rests 7 days", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const refused = Faults.respond(400, googleError(400, "invalidRegionCode", "The regionCode parameter specifies an invalid region code."))
        const api = yield* makeSimulatedApi({ chartSize: 10, regions: ["US", "GB", "PL"], faults: { PL: [refused] } })
        const env = world(databaseUrl, api)
        const first = yield* runCli(["run"], env)
        expect(first.code, logText(first)).toBe(0)
        expect(logText(first)).toContain("PL: YouTube has no chart here (HTTP 400 invalidRegionCode) though it listed the region; asked again in 7 days")
        expect((yield* latestRun(databaseUrl))!.regions.map((r) => `${r.region}:${r.status}`)).toEqual(["US:ok", "GB:ok", "PL:unavailable"])

        const second = yield* runCli(["run"], env)
        expect(second.code, logText(second)).toBe(0)
        expect(api.requests.filter((r) => r.region === "PL")).toHaveLength(1)
        expect(logText(second)).toContain("not asked this run (unavailable within 7 days): PL")
      }), 120_000)

    it.scoped("the list cannot be fetched: the stored one, however old, serves; with none stored the run exits 69 and says why", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        // Refused outright (not retried, so the test waits for no backoff); a 503 is retried first, then the same.
        const down = [Faults.respond(400, googleError(400, "badRequest", "Bad Request"))]
        const none = yield* makeSimulatedApi({ chartSize: 10, regionFaults: down })
        const failed = yield* runCli(["run"], world(databaseUrl, none))
        expectNoKey(failed, none)
        expect(failed.code, logText(failed)).toBe(69)
        expect(logText(failed)).toContain("REGIONS=all: no region list is stored and i18nRegions.list could not be fetched (i18nRegions: the YouTube API rejected the request (HTTP 400 badRequest)")
        expect(none.requests).toHaveLength(0)

        yield* query(databaseUrl, `INSERT INTO youtube_regions (region, name, fetched_at) VALUES ('NO', 'Norway', now() - interval '90 days')`)
        const old = yield* makeSimulatedApi({ chartSize: 10, regionFaults: down })
        const result = yield* runCli(["run"], world(databaseUrl, old))
        expect(result.code, logText(result)).toBe(0)
        expect(logText(result)).toMatch(/region list: i18nRegions: the YouTube API rejected the request \(HTTP 400 badRequest\).*; using the one stored on \d{4}-\d\d-\d\dT.*, asked for again next run/)
        expect(yield* collectedRegions(databaseUrl)).toEqual(["NO"])
      }), 120_000)
  })
})
