import { expect } from "@effect/vitest"
import { Context, Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSimulatedApi, type SimulatedApi, type SimulatedApiOptions } from "../../src/Demo/SimulatedApi.js"
import { type CliResult, MAIN, runCli, startProcess } from "./Cli.js"
import { query } from "./TestDatabase.js"

/**
 * `node dist/main.js run` against the simulated API and a test database, the way the
 * end-to-end, operations and hostile-input suites drive it.
 */

/** A key shaped like a real one, so that a leak of it is easy to spot. */
export const API_KEY = "AIzaSy-e2e-secret-key-0123456789"

/** The test database's URL, provided per test file. */
export class DatabaseUrl extends Context.Tag("test/DatabaseUrl")<DatabaseUrl, string>() {}

export const stateDirectory = () => mkdtempSync(join(tmpdir(), "vvv-run-"))

export const envFor = (api: SimulatedApi | string, databaseUrl: string, state = stateDirectory()): Record<string, string> => ({
  YOUTUBE_API_KEY: API_KEY,
  YOUTUBE_API_BASE_URL: typeof api === "string" ? api : api.baseUrl,
  DATABASE_URL: databaseUrl,
  STATE_DIRECTORY: state
})

/** Whatever happened, the key is in no line of output and no URL the API saw. */
export const expectNoKey = (result: CliResult, api?: SimulatedApi) => {
  expect(result.stdout + result.stderr).not.toContain(API_KEY)
  if (api !== undefined) {
    expect([...api.requests, ...api.categoryRequests, ...api.lookupRequests, ...api.regionRequests].every((r) => !r.url.includes(API_KEY))).toBe(true)
  }
}

/** Empties the tables (when they exist), so each test sees only its own runs. */
export const reset = (url: string) =>
  query(
    url,
    `DO $$ BEGIN
       IF to_regclass('ingest_runs') IS NOT NULL THEN TRUNCATE trending_entries, videos, ingest_runs RESTART IDENTITY CASCADE; END IF;
       -- No foreign key reaches video_stats from videos since migration 12: emptied by name.
       IF to_regclass('video_stats') IS NOT NULL THEN TRUNCATE video_stats; END IF;
       IF to_regclass('categories') IS NOT NULL THEN TRUNCATE categories; END IF;
       IF to_regclass('quota_usage') IS NOT NULL THEN TRUNCATE quota_usage; END IF;
       IF to_regclass('youtube_regions') IS NOT NULL THEN TRUNCATE youtube_regions; END IF;
     END $$`
  )

export interface StoredOutcome {
  readonly region: string
  readonly status: string
  readonly videos: number
  readonly malformed: number
  readonly attempts: number
  readonly errorTag?: string
  readonly error?: string
}

export const runs = (url: string) =>
  query<{ id: string; status: string; regions: Array<StoredOutcome>; entries: number }>(
    url,
    "SELECT id, status, regions, entries FROM ingest_runs ORDER BY id"
  )

export const latestRun = (url: string) => Effect.map(runs(url), (all) => all.at(-1))

/** Entries stored per region, for one run. */
export const entriesByRegion = (url: string, runId: string) =>
  query<{ region: string; n: string }>(
    url,
    `SELECT region, count(*) AS n FROM trending_entries WHERE run_id = ${Number(runId)} GROUP BY region ORDER BY region`
  ).pipe(Effect.map((rows) => Object.fromEntries(rows.map((r) => [r.region, Number(r.n)]))))

/** Starts the simulated API and does one run against it on a freshly emptied database. */
export const runAgainst = (
  options: SimulatedApiOptions,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  /** The process's umask (octal, as the shell's `umask` takes it), as systemd's `UMask=` sets it. */
  umask?: string
) =>
  Effect.gen(function*() {
    const databaseUrl = yield* DatabaseUrl
    yield* reset(databaseUrl)
    const api = yield* makeSimulatedApi(options)
    const processEnv = { ...envFor(api, databaseUrl), ...env }
    const result = yield* (umask === undefined
      ? runCli(["run"], processEnv, timeoutMs)
      : Effect.scoped(Effect.flatMap(
        startProcess("/bin/sh", ["-c", `umask ${umask} && exec "$@"`, "sh", process.execPath, MAIN, "run"], processEnv, timeoutMs),
        (running) => running.exit
      )))
    expectNoKey(result, api)
    return { api, result, output: logText(result), databaseUrl }
  })

/** The log's messages, one per line, unescaped; what is not a JSON log line as it is. */
export const logText = (result: CliResult) =>
  [
    result.stdout,
    ...result.stderr.split("\n").map((line) => {
      if (!line.startsWith("{")) return line
      const { message } = JSON.parse(line) as { message: unknown }
      return Array.isArray(message) ? message.join(" ") : String(message)
    })
  ].join("\n")

/** Polls (real time) until `done` holds; the process under test runs meanwhile. */
export const waitUntil = (done: () => boolean, what: string, timeoutMs = 20_000) =>
  Effect.promise(async () => {
    const deadline = Date.now() + timeoutMs
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  })

