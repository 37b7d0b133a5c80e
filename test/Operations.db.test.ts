import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { Faults } from "../src/Demo/Faults.js"
import { makeSimulatedApi, type SimulatedApi, type SimulatedApiOptions } from "../src/Demo/SimulatedApi.js"
import { runCli, startCli } from "./support/Cli.js"
import { DatabaseUrl, envFor, expectNoKey, reset, stateDirectory, waitUntil } from "./support/Run.js"
import { engine, query, testDatabaseUrl } from "./support/TestDatabase.js"

/** What an operator relies on: signals, overlapping runs, and nothing fetched lost. */

/** Starts a run, waits until its database is ready and `ready` holds, then sends `signal`. */
const interruptAfter = (options: SimulatedApiOptions, ready: (api: SimulatedApi) => boolean, signal: NodeJS.Signals) =>
  Effect.gen(function*() {
    const databaseUrl = yield* DatabaseUrl
    yield* reset(databaseUrl)
    const api = yield* makeSimulatedApi(options)
    const running = yield* startCli(["run"], { ...envFor(api, databaseUrl), LOG_FORMAT: "json", LOG_LEVEL: "Debug" })
    yield* waitUntil(
      () => /applied migrations|database schema is up to date/.test(running.stderr()) && ready(api),
      "the run reached the point to interrupt"
    )
    const sentAt = Date.now()
    running.child.kill(signal)
    const result = yield* running.exit
    expectNoKey(result, api)
    return { result, elapsedMs: result.exitedAt - sentAt, databaseUrl }
  })

describe(`operations on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("SIGTERM mid-fetch: exit 143 within 2 s, the run recorded as interrupted, none of its rows stored", () =>
      Effect.gen(function*() {
        const { databaseUrl, elapsedMs, result } = yield* interruptAfter(
          { faults: { AT: [Faults.hang()] } },
          (api) => api.requests.filter((r) => r.finishedAt !== undefined).length >= 6 && api.requests.length === 7,
          "SIGTERM"
        )
        expect(result.code, result.stderr).toBe(143)
        expect(elapsedMs).toBeLessThan(2000)
        expect(yield* query(databaseUrl, "SELECT * FROM trending_entries")).toEqual([])
        expect(yield* query(databaseUrl, "SELECT * FROM videos")).toEqual([])
        const runs = yield* query<{ status: string; regions: Array<{ region: string }> }>(databaseUrl, "SELECT status, regions FROM ingest_runs")
        expect(runs.map((r) => r.status)).toEqual(["interrupted"])
        expect(runs[0]!.regions).toHaveLength(6)
      }))

    it.scoped("SIGINT during a Retry-After wait: exit 130 within 2 s, nothing stored", () =>
      Effect.gen(function*() {
        const { databaseUrl, elapsedMs, result } = yield* interruptAfter(
          { faults: { PL: [Faults.rateLimited("30")] } },
          (api) => api.requests.length === 7 && api.requests.every((r) => r.finishedAt !== undefined),
          "SIGINT"
        )
        expect(result.code, result.stderr).toBe(130)
        expect(elapsedMs).toBeLessThan(2000)
        expect(yield* query(databaseUrl, "SELECT * FROM trending_entries")).toEqual([])
      }))

    it.scoped("two runs at once: both stored whole, one after the other, no duplicated videos", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({ latencyMs: { US: 100, GB: 50 } })
        const [a, b] = yield* Effect.all(
          [runCli(["run"], envFor(api, databaseUrl)), runCli(["run"], envFor(api, databaseUrl))],
          { concurrency: 2 }
        )
        expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0])
        expectNoKey(a, api)
        expectNoKey(b, api)
        const runs = yield* query<{ id: string; status: string; n: string }>(
          databaseUrl,
          "SELECT r.id, r.status, count(e.*) AS n FROM ingest_runs r LEFT JOIN trending_entries e ON e.run_id = r.id GROUP BY r.id ORDER BY r.id"
        )
        expect(runs.map((r) => [r.status, Number(r.n)])).toEqual([["ok", 175], ["ok", 175]])
        const [videos] = yield* query<{ n: string }>(databaseUrl, "SELECT count(*) AS n FROM videos")
        expect(Number(videos!.n)).toBe(7 * 24 + 1)
      }))

    it.scoped("the database down: the batch is spooled (exit 69), and the next run stores it first", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const state = stateDirectory()
        const api = yield* makeSimulatedApi({})
        const down = yield* runCli(["run"], { ...envFor(api, "postgres://postgres@127.0.0.1:1/postgres", state) })
        expectNoKey(down, api)
        expect(down.code, down.stderr).toBe(69)
        expect(down.stderr).toContain("kept the fetched batch (175 entries) in the spool")
        const spooled = readdirSync(join(state, "spool"))
        expect(spooled).toHaveLength(1)

        const up = yield* runCli(["run"], envFor(api, databaseUrl, state))
        expectNoKey(up, api)
        expect(up.code, up.stderr).toBe(0)
        expect(up.stderr).toContain("stored the spooled batch")
        expect(readdirSync(join(state, "spool"))).toEqual([])
        const runs = yield* query<{ status: string; started_at: Date; n: string }>(
          databaseUrl,
          "SELECT r.status, r.started_at, count(e.*) AS n FROM ingest_runs r JOIN trending_entries e ON e.run_id = r.id GROUP BY r.id ORDER BY r.id"
        )
        expect(runs.map((r) => [r.status, Number(r.n)])).toEqual([["ok", 175], ["ok", 175]])
        // The spooled batch keeps its own (earlier) fetch time.
        expect(runs[0]!.started_at.getTime()).toBeLessThan(runs[1]!.started_at.getTime())
        expect(existsSync(join(state, "spool", spooled[0]!))).toBe(false)
      }))
  })
})
