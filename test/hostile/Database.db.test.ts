import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { makeSimulatedApi, type SimulatedApi } from "../../src/Demo/SimulatedApi.js"
import { migrations } from "../../src/Store/Migrations.js"
import { isSpooledBatch } from "../../src/Store/Spool.js"
import { MAIN, runCli, startCli, startProcess } from "../support/Cli.js"
import { makePgProxy, type ProxyMode } from "../support/PgProxy.js"
import { DatabaseUrl, envFor, expectNoKey, logText, reset, runs, stateDirectory, waitUntil } from "../support/Run.js"
import { engine, freshDatabaseUrl as testDatabaseUrl, query } from "../support/TestDatabase.js"

/** Every migration of this release, by id: each is applied once, whoever applies it. */
const EVERY_MIGRATION = Object.keys(migrations).map((key) => Number(key.split("_")[0]))

/**
 * The database and the disk misbehaving under a real run: dropping mid-transaction,
 * not answering, a full spool directory, signals at each stage, runs and migrations
 * overlapping. What is fetched is stored once, now or by the next run, never half.
 */

const spoolFiles = (state: string) => (existsSync(join(state, "spool")) ? readdirSync(join(state, "spool")) : [])
/** The batches completed in the spool (a run writes its file under a temporary name while it fetches). */
const spooledBatches = (state: string) => spoolFiles(state).filter(isSpooledBatch)

/** Drops every table and object the migrations create, as on a database never used. */
const dropSchema = (url: string) =>
  query(
    url,
    // Everything the migrations made, whatever later ones add: the schema itself.
    `DROP SCHEMA public CASCADE; CREATE SCHEMA public`
  )

/** Runs and their entries, in order: [status, entries stored]. */
const storedRuns = (url: string) =>
  query<{ status: string; n: string }>(
    url,
    "SELECT r.status, count(e.*) AS n FROM ingest_runs r LEFT JOIN trending_entries e ON e.run_id = r.id GROUP BY r.id ORDER BY r.id"
  ).pipe(Effect.map((rows) => rows.map((r) => [r.status, Number(r.n)])))

/** A second, ordinary run on the same state directory: it stores what the first spooled, then its own. */
const nextRunStoresTheSpool = (api: SimulatedApi, databaseUrl: string, state: string) =>
  Effect.gen(function*() {
    const next = yield* runCli(["run"], envFor(api, databaseUrl, state))
    expect(next.code, next.stderr).toBe(0)
    expect(logText(next), logText(next)).toContain("stored the spooled batch")
    expect(spoolFiles(state)).toEqual([])
    expect(yield* storedRuns(databaseUrl)).toEqual([["ok", 175], ["ok", 175]])
  })

/** Starts a run through a misbehaving proxy, waits until `ready`, sends SIGTERM. */
const sigtermWhen = (mode: ProxyMode, ready: (api: SimulatedApi, triggered: () => boolean) => boolean, state: string) =>
  Effect.gen(function*() {
    const databaseUrl = yield* DatabaseUrl
    const api = yield* makeSimulatedApi({})
    const proxy = yield* makePgProxy(databaseUrl, mode)
    const running = yield* startCli(["run"], envFor(api, proxy.url, state))
    yield* waitUntil(() => ready(api, proxy.triggered), "the run reached the stage to interrupt")
    const sentAt = Date.now()
    running.child.kill("SIGTERM")
    const result = yield* running.exit
    expectNoKey(result, api)
    return { api, result, elapsedMs: result.exitedAt - sentAt, log: logText(result), databaseUrl }
  })

/** main.ts gives a stopping process 3 s before it exits anyway; a little more for a busy machine. */
const STOP_WITHIN_MS = 4500

const fetchedAll = (api: SimulatedApi) => api.requests.length === 7 && api.requests.every((r) => r.finishedAt !== undefined)

/** A real ENOSPC needs a tiny tmpfs, which needs a mount namespace; else the file-size limit gives EFBIG. */
const canMountTmpfs = () => spawnSync("unshare", ["-rm", "true"]).status === 0

describe(`the database and the disk misbehaving, on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("the connection drops mid-transaction: nothing half-stored, the batch spooled (exit 69), the next run stores it", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        // Migrations first, so the cut lands in the run's own transaction.
        expect((yield* runCli(["migrate"], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() })).code).toBe(0)
        const state = stateDirectory()
        const api = yield* makeSimulatedApi({})
        const proxy = yield* makePgProxy(databaseUrl, { _tag: "CutAt", marker: "INSERT INTO videos" })
        const cut = yield* runCli(["run"], envFor(api, proxy.url, state))
        expectNoKey(cut, api)
        expect(proxy.triggered()).toBe(true)
        expect(cut.code, cut.stderr).toBe(69)
        const log = logText(cut)
        expect(log, log).toMatch(/database unavailable while (storing videos|ending the transaction): .*(terminated|closed|ECONNRESET|connection error)/i)
        expect(log).toContain("kept the fetched batch (175 entries) in the spool")
        // The run row was inserted in the same transaction: it is gone with the rest.
        expect(yield* runs(databaseUrl)).toEqual([])
        expect(yield* query(databaseUrl, "SELECT * FROM videos")).toEqual([])
        expect(spoolFiles(state)).toHaveLength(1)
        yield* nextRunStoresTheSpool(api, databaseUrl, state)
      }))

    it.scoped("the spool directory is full while the database is down: exit 69, the loss said plainly, no partial file left", () =>
      Effect.gen(function*() {
        const state = stateDirectory()
        mkdirSync(join(state, "spool"))
        const api = yield* makeSimulatedApi({})
        const env = envFor(api, "postgres://postgres@127.0.0.1:1/postgres", state)
        const tmpfs = canMountTmpfs()
        // Inside the namespace the tmpfs is visible; list the spool there, after the run.
        const script = tmpfs
          ? `mount -t tmpfs -o size=16k tmpfs "$STATE_DIRECTORY/spool" && "$0" "$1" run; rc=$?; echo "spool: [$(ls -A "$STATE_DIRECTORY/spool")]"; exit $rc`
          : `ulimit -f 16; "$0" "$1" run; rc=$?; echo "spool: [$(ls -A "$STATE_DIRECTORY/spool")]"; exit $rc`
        const running = yield* startProcess(
          tmpfs ? "unshare" : "sh",
          tmpfs ? ["-rm", "sh", "-c", script, process.execPath, MAIN] : ["-c", script, process.execPath, MAIN],
          env
        )
        const result = yield* running.exit
        expectNoKey(result, api)
        expect(result.code, result.stderr).toBe(69)
        const log = logText(result)
        expect(log).toMatch(tmpfs ? /cannot write the spool file .*ENOSPC: no space left on device/ : /cannot write the spool file .*EFBIG/)
        expect(log).toContain("this run's 175 entries are lost: the spool could not be written (free space or fix permissions there")
        expect(log).toContain("database unavailable while connecting to 127.0.0.1:1/postgres")
        expect(result.stdout).toContain("spool: []")
      }))

    it.scoped("SIGTERM while waiting for a database that does not answer, after the fetch: exit 143 within the stop deadline, the batch kept in the spool", () =>
      Effect.gen(function*() {
        const state = stateDirectory()
        const { api, databaseUrl, elapsedMs, log, result } = yield* sigtermWhen(
          { _tag: "Blackhole" },
          () => spooledBatches(state).length === 1,
          state
        )
        expect(result.code, result.stderr).toBe(143)
        // The database connection does not give way to the interruption: the stop deadline ends it.
        expect(elapsedMs).toBeLessThan(STOP_WITHIN_MS)
        expect(log).toContain("interrupted after the fetch, before the batch was committed")
        expect(spoolFiles(state)).toHaveLength(1)
        yield* reset(databaseUrl)
        yield* nextRunStoresTheSpool(api, databaseUrl, state)
      }))

    it.scoped("SIGTERM mid-transaction (the database stopped answering): exit 143 at the stop deadline, nothing committed, the batch kept in the spool", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const state = stateDirectory()
        const { api, elapsedMs, log, result } = yield* sigtermWhen(
          { _tag: "HoldAt", marker: "INSERT INTO videos" },
          (_, triggered) => triggered(),
          state
        )
        expect(result.code, result.stderr).toBe(143)
        // A ROLLBACK on a connection that does not answer never returns: the stop deadline ends the process.
        expect(elapsedMs).toBeLessThan(STOP_WITHIN_MS)
        expect(log).toContain("still stopping 3s after the signal")
        expect(spoolFiles(state)).toHaveLength(1)
        // The held transaction dies with its connection: the store lock is free and nothing of it stays.
        expect(yield* runs(databaseUrl)).toEqual([])
        yield* nextRunStoresTheSpool(api, databaseUrl, state)
      }))

    it.scoped("SIGTERM in the middle of the first migrations: no half schema; the next run migrates and stores both batches", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* dropSchema(databaseUrl)
        const state = stateDirectory()
        const { api, elapsedMs, result } = yield* sigtermWhen(
          { _tag: "HoldAt", marker: "CREATE TABLE ingest_runs" },
          (_, triggered) => triggered() && spooledBatches(state).length === 1,
          state
        )
        expect(result.code, result.stderr).toBe(143)
        expect(elapsedMs).toBeLessThan(STOP_WITHIN_MS)
        const tables = yield* query<{ name: string | null }>(databaseUrl, "SELECT to_regclass('ingest_runs')::text AS name")
        expect(tables).toEqual([{ name: null }])
        yield* nextRunStoresTheSpool(api, databaseUrl, state)
      }))

    it.scoped("a run while another process is applying the migrations: it waits, then both finish (exit 0), each migration once", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* dropSchema(databaseUrl)
        const api = yield* makeSimulatedApi({})
        // The first process holds its migration transaction open until it is stopped.
        const proxy = yield* makePgProxy(databaseUrl, { _tag: "HoldAt", marker: "CREATE TABLE ingest_runs" })
        const first = yield* startCli(["migrate"], { DATABASE_URL: proxy.url, STATE_DIRECTORY: stateDirectory() })
        yield* waitUntil(proxy.triggered, "the first process is migrating")
        const second = yield* startCli(["run"], envFor(api, databaseUrl))
        yield* waitUntil(() => fetchedAll(api), "the second run fetched")
        // It fetched, and waits for the migrations lock rather than racing the other process.
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 500)))
        expect(second.child.exitCode, second.stderr()).toBe(null)
        first.child.kill("SIGTERM")
        expect((yield* first.exit).code).toBe(143)
        const result = yield* second.exit
        expectNoKey(result, api)
        expect(result.code, result.stderr).toBe(0)
        expect(yield* storedRuns(databaseUrl)).toEqual([["ok", 175]])
        const applied = yield* query<{ migration_id: number }>(databaseUrl, "SELECT migration_id FROM viralvidvault_migrations ORDER BY 1")
        expect(applied.map((m) => m.migration_id)).toEqual(EVERY_MIGRATION)
      }))

    // Several processes on one PGlite share its single backend session, where advisory locks
    // are re-entrant and the processes' transactions interleave: a setting that production
    // never has (the embedded database takes a lock file: one process at a time), and where
    // this test failed now and then. It runs on PostgreSQL, where several processes are real.
    it.scoped.skipIf(engine === "pglite")("a fresh database, and `migrate` and two runs started at once: all exit 0, each migration applied once", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* dropSchema(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const results = yield* Effect.all(
          [
            runCli(["migrate"], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() }),
            runCli(["run"], envFor(api, databaseUrl)),
            runCli(["run"], envFor(api, databaseUrl))
          ],
          { concurrency: 3 }
        )
        expect(results.map((r) => r.code), results.map((r) => r.stderr).join("\n")).toEqual([0, 0, 0])
        expect(yield* storedRuns(databaseUrl)).toEqual([["ok", 175], ["ok", 175]])
        const applied = yield* query<{ migration_id: number }>(databaseUrl, "SELECT migration_id FROM viralvidvault_migrations ORDER BY 1")
        expect(applied.map((m) => m.migration_id)).toEqual(EVERY_MIGRATION)
      }))
  })
})
