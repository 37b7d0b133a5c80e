import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { createServer } from "node:net"
import { Faults } from "../../src/Demo/Faults.js"
import type { SimulatedApi } from "../../src/Demo/SimulatedApi.js"
import { runCli } from "../support/Cli.js"
import { DatabaseUrl, entriesByRegion, envFor, expectNoKey, latestRun, reset, runAgainst, type StoredOutcome } from "../support/Run.js"
import { engine, testDatabaseUrl } from "../support/TestDatabase.js"

/**
 * A hostile YouTube API, through the real process (`node dist/main.js run`), the real
 * HTTP stack and a real database: every case checks the exit code, what is stored,
 * what the log says, and that nothing good was lost. RELIABILITY.md lists them.
 *
 * Not a `.db.test.ts`: what the API does to a run does not depend on the database
 * engine, so CI runs it once (on PGlite), not again on PostgreSQL.
 */

const ALL = ["US", "GB", "PL", "NL", "SE", "NO", "AT"] as const

const byRegion = (regions: ReadonlyArray<StoredOutcome>) => Object.fromEntries(regions.map((r) => [r.region, r]))

/** The gaps, in ms, between one request of `region` finishing and its next starting. */
const gaps = (api: SimulatedApi, region: string) => {
  const requests = api.requests.filter((r) => r.region === region)
  return requests.slice(1).map((r, i) => r.startedAt - requests[i]!.finishedAt!)
}

const every = <A>(value: A, times: number) => Array.from({ length: times }, () => value)

/** A port on 127.0.0.1 with nothing listening. */
const closedPort = Effect.promise(() =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
)

describe(`a hostile API, through the process, on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("429 storm with Retry-After in seconds: every retry waits for it, concurrency stays 3, all stored (exit 0)", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst({
          faults: Object.fromEntries(ALL.map((r) => [r, every(Faults.rateLimited("1"), r === "PL" ? 3 : 1)]))
        })
        expect(result.code, output).toBe(0)
        const run = (yield* latestRun(databaseUrl))!
        expect(run.status).toBe("ok")
        const regions = byRegion(run.regions)
        for (const region of ALL) expect(regions[region]).toMatchObject({ status: "ok", videos: 25, attempts: region === "PL" ? 4 : 2 })
        for (const region of ALL) for (const gap of gaps(api, region)) expect(gap).toBeGreaterThanOrEqual(1000)
        expect(api.maxInFlight()).toBeLessThanOrEqual(3)
        expect(yield* entriesByRegion(databaseUrl, run.id)).toEqual(Object.fromEntries([...ALL].sort().map((r) => [r, 25])))
        expect(output.match(/retrying in \d/g)).toHaveLength(9)
      }))

    it.scoped("429 with Retry-After as an HTTP date: not retried before that moment", () =>
      Effect.gen(function*() {
        // HTTP dates have whole seconds: round up so the wait is at least ~1 s after start-up.
        const at = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000)
        const { api, databaseUrl, output, result } = yield* runAgainst({ faults: { GB: [Faults.rateLimited(at.toUTCString())] } })
        expect(result.code, output).toBe(0)
        const gb = api.requests.filter((r) => r.region === "GB")
        expect(gb).toHaveLength(2)
        expect(gb[1]!.startedAt).toBeGreaterThanOrEqual(at.getTime())
        expect(byRegion((yield* latestRun(databaseUrl))!.regions)["GB"]).toMatchObject({ status: "ok", videos: 25, attempts: 2 })
      }))

    it.scoped("403 rateLimitExceeded is retried with backoff like a 429 (exit 0)", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst({ faults: { NL: every(Faults.rateLimitedForbidden(), 2) } })
        expect(result.code, output).toBe(0)
        expect(output).toContain("rate limited by the YouTube API (HTTP 403 rateLimitExceeded)")
        expect(api.requests.filter((r) => r.region === "NL")).toHaveLength(3)
        expect(byRegion((yield* latestRun(databaseUrl))!.regions)["NL"]).toMatchObject({ status: "ok", videos: 25, attempts: 3 })
      }))

    it.scoped("a 429 that is the daily quota: not retried, no other region requested (exit 69, run recorded)", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst(
          { faults: { US: [Faults.dailyQuota429()] } },
          { FETCH_CONCURRENCY: "1" }
        )
        expect(result.code, output).toBe(69)
        expect(api.requests.map((r) => r.region)).toEqual(["US"])
        expect(output).toContain("daily quota is exhausted")
        const run = (yield* latestRun(databaseUrl))!
        expect(run.status).toBe("failed")
        const regions = byRegion(run.regions)
        expect(regions["US"]).toMatchObject({ status: "failed", errorTag: "QuotaExceeded", attempts: 1 })
        for (const region of ALL.slice(1)) expect(regions[region]).toMatchObject({ status: "skipped", attempts: 0 })
      }))

    it.scoped("quotaExceeded on the first response, 3 at once: the 2 in flight finish and are stored, the 4 others are not requested (exit 75)", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst({
          faults: { US: [Faults.quotaExceeded()] },
          latencyMs: { GB: 300, PL: 300 }
        })
        expect(result.code, output).toBe(75)
        expect(api.requests.map((r) => r.region).sort()).toEqual(["GB", "PL", "US"])
        const run = (yield* latestRun(databaseUrl))!
        expect(yield* entriesByRegion(databaseUrl, run.id)).toEqual({ GB: 25, PL: 25 })
        expect(run.regions.filter((r) => r.status === "skipped").map((r) => r.region)).toEqual(["NL", "SE", "NO", "AT"])
        expect(output).toMatch(/NL: not requested, the run stopped after QuotaExceeded/)
      }))

    it.scoped("an absurd Retry-After (a day; a date in year 9999) is not waited for: the region fails at once, logged, the rest stored (exit 75)", () =>
      Effect.gen(function*() {
        const started = Date.now()
        const { api, databaseUrl, output, result } = yield* runAgainst({
          faults: { SE: [Faults.rateLimited("86400")], NO: [Faults.rateLimited("Fri, 31 Dec 9999 23:59:59 GMT")] }
        })
        expect(result.code, output).toBe(75)
        expect(Date.now() - started).toBeLessThan(20_000)
        expect(api.requests.filter((r) => r.region === "SE" || r.region === "NO")).toHaveLength(2)
        expect(output).toMatch(/asked to wait 1d before retrying, longer than the 1m a run waits: not retried/)
        const run = (yield* latestRun(databaseUrl))!
        const regions = byRegion(run.regions)
        expect(regions["SE"]).toMatchObject({ status: "failed", errorTag: "RateLimited", attempts: 1 })
        expect(regions["NO"]).toMatchObject({ status: "failed", errorTag: "RateLimited", attempts: 1 })
        expect(Object.keys(yield* entriesByRegion(databaseUrl, run.id))).toEqual(["AT", "GB", "NL", "PL", "US"])
      }))

    it.scoped("5xx for one region every time: exactly 5 attempts with growing waits, the other 6 stored (exit 75)", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst({ faults: { AT: every(Faults.backendError(503), 20) } })
        expect(result.code, output).toBe(75)
        expect(api.requests.filter((r) => r.region === "AT")).toHaveLength(5)
        // Exponential from 0.5 s with ±20 % jitter: each wait longer than the one before.
        const waits = gaps(api, "AT")
        expect(waits[0]).toBeGreaterThanOrEqual(350)
        for (let i = 1; i < waits.length; i++) expect(waits[i]!).toBeGreaterThan(waits[i - 1]!)
        expect(output).toContain("AT: the YouTube API is unavailable (HTTP 503)")
        const run = (yield* latestRun(databaseUrl))!
        expect(run.status).toBe("partial")
        expect(byRegion(run.regions)["AT"]).toMatchObject({ status: "failed", errorTag: "ApiUnavailable", attempts: 5 })
        expect(Object.values(yield* entriesByRegion(databaseUrl, run.id))).toEqual(every(25, 6))
      }))

    it.scoped("5xx for every region: 5 attempts each, nothing stored but the failed run (exit 69)", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst(
          { faults: Object.fromEntries(ALL.map((r) => [r, every(Faults.backendError(500), 20)])) },
          { FETCH_CONCURRENCY: "7" }
        )
        expect(result.code, output).toBe(69)
        expect(api.requests).toHaveLength(7 * 5)
        const run = (yield* latestRun(databaseUrl))!
        expect(run.status).toBe("failed")
        expect(run.regions.every((r) => r.status === "failed" && r.attempts === 5)).toBe(true)
        expect(yield* entriesByRegion(databaseUrl, run.id)).toEqual({})
        expect(output).toMatch(/run \d+ failed: 0\/7 charts in 7 regions/)
      }))

    it.scoped.each([
      ["the modern form (400 badRequest, API_KEY_INVALID)", Faults.invalidKey()],
      ["the old form (400 keyInvalid)", Faults.invalidKeyLegacy()]
    ] as const)("an invalid key in %s: exit 78 after one request, nothing retried", ([, fault]) =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst({ faults: { US: [fault] } }, { FETCH_CONCURRENCY: "1" })
        expect(result.code, output).toBe(78)
        expect(api.requests).toHaveLength(1)
        expect(output).toContain("US: the YouTube API rejected the API key (HTTP 400")
        expect(output).toContain("check YOUTUBE_API_KEY")
        const run = (yield* latestRun(databaseUrl))!
        expect(byRegion(run.regions)["US"]).toMatchObject({ status: "failed", errorTag: "InvalidApiKey", attempts: 1 })
      }))

    it.scoped("connection refused everywhere: bounded retries, the cause named, exit 69", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const port = yield* closedPort
        const result = yield* runCli(["run"], {
          ...envFor(`http://127.0.0.1:${port}/youtube/v3`, databaseUrl),
          FETCH_CONCURRENCY: "7"
        })
        expectNoKey(result)
        expect(result.code, result.stderr).toBe(69)
        expect(result.stderr).toContain(`connection refused (connect ECONNREFUSED 127.0.0.1:${port})`)
        const run = (yield* latestRun(databaseUrl))!
        expect(run.regions.every((r) => r.status === "failed" && r.attempts === 5)).toBe(true)
      }))

    it.scoped("a connection reset mid-body is retried, and the region stored (exit 0)", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst({ faults: { NL: [Faults.reset(), Faults.reset()] } })
        expect(result.code, output).toBe(0)
        expect(output).toMatch(/NL: the YouTube API is unavailable \(HTTP 200\): reading the body/)
        expect(api.requests.filter((r) => r.region === "NL")).toHaveLength(3)
        expect(byRegion((yield* latestRun(databaseUrl))!.regions)["NL"]).toMatchObject({ status: "ok", videos: 25, attempts: 3 })
      }))

    it.scoped("a server that never answers: the request times out after 10 s and is retried (exit 0)", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst({ faults: { PL: [Faults.hang()] } })
        expect(result.code, output).toBe(0)
        expect(output).toContain("PL: the YouTube API is unavailable: no complete answer within 10s")
        const pl = api.requests.filter((r) => r.region === "PL")
        expect(pl).toHaveLength(2)
        expect(pl[1]!.startedAt - pl[0]!.startedAt).toBeGreaterThanOrEqual(10_000)
        expect(byRegion((yield* latestRun(databaseUrl))!.regions)["PL"]).toMatchObject({ status: "ok", videos: 25, attempts: 2 })
      }), 60_000)

    it.scoped("bodies that are not a video list: truncated JSON, an HTML page with status 200, 10 MB and 200 MB — each costs its region only (exit 75)", () =>
      Effect.gen(function*() {
        const { api, databaseUrl, output, result } = yield* runAgainst({
          faults: {
            SE: [Faults.truncated()],
            GB: [Faults.html()],
            US: [Faults.huge(10 * 1024 * 1024)],
            AT: [Faults.huge(200 * 1024 * 1024)]
          }
        })
        expect(result.code, output).toBe(75)
        expect(output).toMatch(/SE: the YouTube API sent a response that is not a video list: .*(JSON|end)/i)
        expect(output).toContain(`GB: the YouTube API sent a response that is not a video list: the body is not JSON (it starts with "<!DOCTYPE html>`)
        expect(output).toContain("US: the YouTube API sent a response that is not a video list: the body is larger than the 4 MB a page of videos can be")
        // The client stops reading at the cap (plus the chunk that crossed it), however much the server has.
        for (const region of ["US", "AT"]) {
          const read = Number(new RegExp(`${region}: .*stopped after (\\d+) bytes`).exec(output)?.[1])
          expect(read).toBeGreaterThan(4 * 1024 * 1024)
          expect(read).toBeLessThan(4 * 1024 * 1024 + 256 * 1024)
        }
        // And the server could not push 200 MB into it: the connection was closed.
        expect(api.requests.find((r) => r.region === "AT")!.bytesSent).toBeLessThan(50 * 1024 * 1024)
        const run = (yield* latestRun(databaseUrl))!
        const regions = byRegion(run.regions)
        for (const region of ["SE", "GB", "US", "AT"]) expect(regions[region]).toMatchObject({ status: "failed", errorTag: "DecodeFailed", attempts: 1 })
        expect(yield* entriesByRegion(databaseUrl, run.id)).toEqual({ NL: 25, NO: 25, PL: 25 })
      }))
  })
})
