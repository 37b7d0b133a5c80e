import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { makeSimulatedApi, type SimulatedApi } from "../src/Demo/SimulatedApi.js"
import { keyId } from "../src/Domain/Quota.js"
import { runCli } from "./support/Cli.js"
import { API_KEY, DatabaseUrl, envFor, expectNoKey, latestRun, logText, reset } from "./support/Run.js"
import { engine, query, testDatabaseUrl } from "./support/TestDatabase.js"

/**
 * The quota through the process (`node dist/main.js run`) against the simulated API,
 * which counts every request of every key as YouTube does and refuses a spent key.
 */

/** Every request the API answered, of every kind: what YouTube would have counted. */
const sent = (api: SimulatedApi) =>
  api.requests.length + api.categoryRequests.length + api.lookupRequests.length + api.regionRequests.length

const ledger = (databaseUrl: string) =>
  query<{ key_id: string; units: number; exhausted: boolean }>(databaseUrl, "SELECT key_id, units, exhausted FROM quota_usage ORDER BY key_id")

const FIRST = "AIzaSy-quota-first-key-000000000001"
const SECOND = "AIzaSy-quota-second-key-00000000002"

describe(`the quota, through the process, on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("a budget smaller than the run's need: no more requests than the budget, exit 0, the deferred charts named; then nothing left, nothing sent", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        // One run a day: it may spend the whole budget, 4 of the 14 units it wants (7 charts, 7 category lists).
        const env: Record<string, string> = { ...envFor(api, databaseUrl), QUOTA_UNITS_PER_DAY: "4", RUN_INTERVAL: "24h" }
        const first = yield* runCli(["run"], env)
        expectNoKey(first, api)
        expect(first.code, logText(first)).toBe(0)
        expect(sent(api)).toBe(4)
        const said = logText(first)
        expect(said).toContain("quota: 4 units left today over 1 key, 0 more runs due before the quota day ends; this run may spend 4")
        expect(said).toContain("deferred: SE, NO, AT, US categories, GB categories")
        expect(said).toContain("7 category lists deferred")
        expect(said).toMatch(/run 1 ok: 4\/7 charts \(3 deferred\) in 7 regions, 100 entries, .*, 4 units/)
        const run = (yield* latestRun(databaseUrl))!
        expect(run.regions.map((r) => `${r.region}:${r.status}`)).toEqual(["US:ok", "GB:ok", "PL:ok", "NL:ok", "SE:deferred", "NO:deferred", "AT:deferred"])
        expect(yield* ledger(databaseUrl)).toEqual([{ key_id: keyId(Redacted.make(API_KEY)), units: 4, exhausted: false }])
        expect(yield* query(databaseUrl, "SELECT units, allowance, deferred FROM ingest_runs")).toEqual([
          { units: 4, allowance: 4, deferred: ["SE", "NO", "AT"] }
        ])

        const second = yield* runCli(["run"], env)
        expect(second.code, logText(second)).toBe(0)
        expect(sent(api)).toBe(4)
        expect(logText(second)).toMatch(/run 2 ok: 0\/7 charts \(7 deferred\) in 7 regions, 0 entries, .*, 0 units/)
        expect((yield* ledger(databaseUrl))[0]!.units).toBe(4)

        // What an operator sees: the units spent today and none left, what waits, no backlog.
        const status = yield* runCli(["status", "--json"], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: env["STATE_DIRECTORY"]!, QUOTA_UNITS_PER_DAY: "4" })
        expect(status.code, status.stderr).toBe(0)
        const shown = JSON.parse(status.stdout)
        expect(shown.quota.keys).toEqual([{ keyId: keyId(Redacted.make(API_KEY)), units: 4, left: 0, exhausted: false }])
        expect(shown.deferred).toEqual(["US", "GB", "PL", "NL", "SE", "NO", "AT"])
        expect(shown.runs.map((r: { id: number }) => r.id)).toEqual([2, 1])
        expect(shown.spool).toMatchObject({ batches: 0, bytes: 0 })
        expect(shown.database.bytes).toBeGreaterThan(0)
        const text = yield* runCli(["status"], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: env["STATE_DIRECTORY"]!, QUOTA_UNITS_PER_DAY: "4" })
        expect(text.stdout).toContain(`${keyId(Redacted.make(API_KEY))}  spent 4, 0 left`)
        expect(text.stdout).toContain("Deferred by the last run: US, GB, PL, NL, SE, NO, AT")
        expect(text.stdout).not.toContain(API_KEY)
      }))

    it.scoped("two keys, the first spent mid-run: the run finishes on the second; neither key in a log line or a URL", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({ apiKeys: [FIRST, SECOND], quota: { perKey: { [FIRST]: 3 } } })
        const env = { ...envFor(api, databaseUrl), YOUTUBE_API_KEYS: `${FIRST},${SECOND}` }
        const result = yield* runCli(["run"], env)
        expect(result.code, logText(result)).toBe(0)
        expect(logText(result)).toMatch(/run 1 ok: 7\/7 charts in 7 regions, 175 entries/)
        expect(logText(result)).toContain(`API key ${keyId(Redacted.make(FIRST))}: quota spent; the rest of the run goes to the next key`)
        for (const key of [FIRST, SECOND]) {
          expect(result.stdout + result.stderr).not.toContain(key)
          expect([...api.requests, ...api.categoryRequests].every((r) => !r.url.includes(key))).toBe(true)
        }
        // The refused requests (up to FETCH_CONCURRENCY were in flight) cost the first key a unit each, as
        // YouTube counts them; the ledger counts what YouTube counted.
        const units = api.unitsByKey()
        expect(units.get(FIRST)).toBeGreaterThanOrEqual(4)
        expect(units.get(FIRST)! + units.get(SECOND)!).toBe(sent(api))
        expect(yield* ledger(databaseUrl)).toEqual(
          [
            { key_id: keyId(Redacted.make(FIRST)), units: units.get(FIRST), exhausted: true },
            { key_id: keyId(Redacted.make(SECOND)), units: units.get(SECOND), exhausted: false }
          ].sort((a, b) => a.key_id.localeCompare(b.key_id))
        )

        // The next run knows the first key is spent today: it asks YouTube nothing with it.
        const before = units.get(FIRST)
        const next = yield* runCli(["run"], env)
        expect(next.code, logText(next)).toBe(0)
        expect(api.unitsByKey().get(FIRST)).toBe(before)
      }))
  })
})
