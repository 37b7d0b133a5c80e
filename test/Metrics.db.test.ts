import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Faults } from "../src/Demo/Faults.js"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"
import { startCli } from "./support/Cli.js"
import { DatabaseUrl, envFor, reset, runAgainst, waitUntil } from "./support/Run.js"
import { engine, testDatabaseUrl } from "./support/TestDatabase.js"

/**
 * `METRICS_FILE` as node_exporter's textfile collector reads it, written by the built
 * bundle after a real run. (test/Metrics.test.ts reads the format strictly; here each
 * line is checked against it and the values looked up.)
 */

const LINE = /^(# HELP viralvidvault_\w+ .+|# TYPE viralvidvault_\w+ gauge|viralvidvault_\w+(\{(\w+="[^"\\\n]*",?)+\})? -?\d+(\.\d+)?(e[+-]?\d+)?)$/

const metricsIn = (file: string) => {
  const text = readFileSync(file, "utf8")
  expect(text.endsWith("\n")).toBe(true)
  const lines = text.slice(0, -1).split("\n")
  for (const line of lines) expect(line).toMatch(LINE)
  return (name: string, labels = "") => {
    const sample = lines.find((line) => line.startsWith(`viralvidvault_${name}${labels === "" ? "" : `{${labels}}`} `))
    return sample === undefined ? undefined : Number(sample.split(" ").at(-1))
  }
}

const textfileDirectory = () => mkdtempSync(join(tmpdir(), "vvv-textfile-"))

describe(`METRICS_FILE, node dist/main.js on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("a run that stores everything: ok, exit 0, its entries and units; readable by all under UMask=0077; only the file left in the directory", () =>
      Effect.gen(function*() {
        const directory = textfileDirectory()
        const file = join(directory, "viralvidvault.prom")
        const before = Date.now() / 1000
        const { output, result } = yield* runAgainst({}, { METRICS_FILE: file }, 60_000, "077")
        expect(result.code, output).toBe(0)
        expect(statSync(file).mode & 0o777, "node_exporter reads it as another user").toBe(0o644)
        const metric = metricsIn(file)
        expect(metric("last_run_success")).toBe(1)
        expect(metric("last_run_status", "status=\"ok\"")).toBe(1)
        expect(metric("last_run_status", "status=\"failed\"")).toBe(0)
        expect(metric("last_run_exit_code")).toBe(0)
        expect(metric("last_run_entries")).toBe(175)
        expect(metric("last_run_quota_units")).toBeGreaterThan(0)
        expect(metric("last_run_charts", "outcome=\"ok\"")).toBe(7)
        expect(metric("spool_backlog_batches")).toBe(0)
        expect(metric("last_run_duration_seconds")).toBeGreaterThan(0)
        expect(metric("last_run_timestamp_seconds")).toBeGreaterThanOrEqual(Math.floor(before))
        expect(metric("last_run_timestamp_seconds")).toBeLessThanOrEqual(result.exitedAt / 1000)
        expect(metric("last_success_timestamp_seconds")).toBe(metric("last_run_timestamp_seconds"))
        expect(readdirSync(directory)).toEqual(["viralvidvault.prom"])
      }))

    it.scoped.each([
      ["a rejected key", 78, "failed", { apiKey: "the-right-key" }],
      ["a region without a chart", 75, "partial", { faults: { NL: [Faults.chartNotFound()] } }]
    ] as const)("%s: success 0 and the exit code the process exited with (%i)", ([_what, code, status, options]) =>
      Effect.gen(function*() {
        const file = join(textfileDirectory(), "viralvidvault.prom")
        const { output, result } = yield* runAgainst(options, { METRICS_FILE: file, FETCH_CONCURRENCY: "1" })
        expect(result.code, output).toBe(code)
        const metric = metricsIn(file)
        expect(metric("last_run_success")).toBe(0)
        expect(metric("last_run_exit_code")).toBe(result.code)
        expect(metric(`last_run_status`, `status="${status}"`)).toBe(1)
        expect(metric("last_run_status", "status=\"ok\"")).toBe(0)
        expect(metric("last_run_charts", "outcome=\"failed\"")).toBe(1)
        expect(metric("last_success_timestamp_seconds")).toBeUndefined()
      }))

    it.scoped("a directory that does not exist: the run's exit code unchanged, the path said on stderr, nothing created", () =>
      Effect.gen(function*() {
        const directory = textfileDirectory()
        const file = join(directory, "missing", "viralvidvault.prom")
        const { output, result } = yield* runAgainst({ faults: { NL: [Faults.chartNotFound()] } }, { METRICS_FILE: file })
        expect(result.code, output).toBe(75)
        expect(result.stderr).toContain(file)
        expect(output).toMatch(/could not write the metrics file .* check that its directory exists and is writable/)
        expect(existsSync(join(directory, "missing"))).toBe(false)
        expect(readdirSync(directory)).toEqual([])
      }))

    it.scoped("serve --ingest-every writes it after its scheduled run", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const file = join(textfileDirectory(), "viralvidvault.prom")
        const server = yield* startCli(["serve", "--port", "0", "--ingest-every", "7h"], { ...envFor(api, databaseUrl), METRICS_FILE: file })
        yield* waitUntil(() => existsSync(file), "the metrics file is written", 60_000)
        const metric = metricsIn(file)
        expect(metric("last_run_success")).toBe(1)
        expect(metric("last_run_entries")).toBe(175)
        server.child.kill("SIGTERM")
        expect((yield* server.exit).code).toBe(143)
      }))
  })
})
