import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"
import { runCli, startCli } from "./support/Cli.js"
import { DatabaseUrl, envFor, logText, reset, stateDirectory, waitUntil } from "./support/Run.js"
import { engine, testDatabaseUrl } from "./support/TestDatabase.js"

/** `serve` as an operator starts it: node dist/main.js, a real port, stopped by SIGTERM. */

const LISTENING = /Listening on (http:\/\/127\.0\.0\.1:\d+)/

describe(`serve, node dist/main.js on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("answers the API on 127.0.0.1 after a run, with the security headers; SIGTERM ends it with 143 within 2 s", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const run = yield* runCli(["run"], { ...envFor(api, databaseUrl), REGIONS: "PL", MAX_RESULTS: "5" })
        expect(run.code, logText(run)).toBe(0)

        const server = yield* startCli(["serve", "--port", "0"], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() })
        yield* waitUntil(() => LISTENING.test(server.stderr()), "the server listens")
        const base = LISTENING.exec(server.stderr())![1]!

        const health = yield* Effect.promise(() => fetch(`${base}/api/health`))
        expect(health.status).toBe(200)
        expect(health.headers.get("content-security-policy")).toContain("script-src 'none'")
        expect(health.headers.get("content-security-policy")).not.toContain("unsafe-inline")
        expect(health.headers.get("x-content-type-options")).toBe("nosniff")
        expect(health.headers.get("referrer-policy")).toBe("no-referrer")
        const body = (yield* Effect.promise(() => health.json())) as { status: string; database: string; lastRun: { id: number; entries: number } }
        expect(body).toMatchObject({ status: "ok", database: "ok", lastRun: { id: 1, entries: 5 } })

        const chart = (yield* Effect.promise(() => fetch(`${base}/api/charts/pl`).then((r) => r.json()))) as { entries: Array<unknown> }
        expect(chart.entries).toHaveLength(5)
        const openapi = (yield* Effect.promise(() => fetch(`${base}/openapi.json`).then((r) => r.json()))) as { paths: Record<string, unknown> }
        expect(Object.keys(openapi.paths)).toContain("/api/charts/{region}")

        const signalled = Date.now()
        server.child.kill("SIGTERM")
        const ended = yield* server.exit
        expect(ended.code, ended.stderr).toBe(143)
        expect(ended.exitedAt - signalled).toBeLessThan(2_000)
      }))

    it.scoped("a run stored while it serves is answered at once: the chart, the overlap and the page, without a restart", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const runWith = (regions: string) =>
          Effect.tap(runCli(["run"], { ...envFor(api, databaseUrl), REGIONS: regions, MAX_RESULTS: "5" }), (run) => {
            expect(run.code, logText(run)).toBe(0)
          })
        yield* runWith("PL")
        const server = yield* startCli(["serve", "--port", "0"], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() })
        yield* waitUntil(() => LISTENING.test(server.stderr()), "the server listens")
        const base = LISTENING.exec(server.stderr())![1]!
        const text = (path: string) => Effect.promise(() => fetch(`${base}${path}`).then((r) => r.text()))

        const chart = yield* text("/api/charts/PL")
        expect(JSON.parse(chart)).toMatchObject({ region: "PL", runId: 1 })
        expect(yield* text("/api/charts/PL")).toBe(chart)
        expect(JSON.parse(yield* text("/api/overlap")).regions).toEqual(["PL"])
        expect(yield* text("/")).toContain("run 1")

        yield* runWith("PL,SE")
        expect(JSON.parse(yield* text("/api/charts/PL"))).toMatchObject({ region: "PL", runId: 2 })
        expect(JSON.parse(yield* text("/api/overlap")).regions).toEqual(["PL", "SE"])
        expect(yield* text("/")).toContain("run 2")
        // The first run's chart is still there, at its time.
        const first = JSON.parse(chart) as { fetchedAt: string }
        expect(JSON.parse(yield* text(`/api/charts/PL?at=${encodeURIComponent(first.fetchedAt)}`))).toMatchObject({ runId: 1, fetchedAt: first.fetchedAt })

        server.child.kill("SIGTERM")
        expect((yield* server.exit).code).toBe(143)
      }))

    it.scoped("--ingest-every collects in the same process: a run at start, none while the last is younger; SIGTERM still 143", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const env = { ...envFor(api, databaseUrl), REGIONS: "PL,SE", MAX_RESULTS: "5" }
        const runsOf = (base: string) =>
          Effect.promise(() => fetch(`${base}/api/runs`).then((r) => r.json() as Promise<{ runs: Array<{ status: string; entries: number }> }>))

        const first = yield* startCli(["serve", "--port", "0", "--ingest-every", "7h"], env)
        yield* waitUntil(() => LISTENING.test(first.stderr()), "the server listens")
        const base = LISTENING.exec(first.stderr())![1]!
        yield* waitUntil(() => /run 1 ok: 2\/2 charts/.test(first.stderr()), "the first run is done")
        const afterFirst = yield* runsOf(base)
        expect(afterFirst.runs).toHaveLength(1)
        expect(afterFirst.runs[0]).toMatchObject({ status: "ok", entries: 10 })
        const chart = yield* Effect.promise(() => fetch(`${base}/api/charts/SE`))
        expect(chart.status).toBe(200)
        first.child.kill("SIGTERM")
        expect((yield* first.exit).code).toBe(143)

        const requestsBefore = api.requests.length
        const second = yield* startCli(["serve", "--port", "0", "--ingest-every", "7h"], env)
        yield* waitUntil(() => LISTENING.test(second.stderr()), "the second server listens")
        yield* waitUntil(() => /the last run started at .*; the next in 6h 59m/.test(second.stderr()), "the schedule waits for the last run to age")
        expect(api.requests.length).toBe(requestsBefore)
        second.child.kill("SIGTERM")
        expect((yield* second.exit).code).toBe(143)

        const bad = yield* runCli(["serve", "--ingest-every", "30s"], env)
        expect(bad.code).toBe(64)
        expect(bad.stdout + bad.stderr).toContain("--ingest-every: 30s is too short: at least 1m between runs")
      }))

    // The port and its errors do not depend on the engine: checked once, on PGlite.
    it.scoped.skipIf(engine === "postgresql")("a port already taken: exit 69 naming the address and what to do", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        const first = yield* startCli(["serve", "--port", "0"], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() })
        yield* waitUntil(() => LISTENING.test(first.stderr()), "the first server listens")
        const port = LISTENING.exec(first.stderr())![1]!.split(":").at(-1)!
        const second = yield* runCli(["serve", "--port", port], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() })
        expect(second.code, second.stderr).toBe(69)
        expect(logText(second)).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE; choose another --port`)
        first.child.kill("SIGTERM")
        expect((yield* first.exit).code).toBe(143)
        const bad = yield* runCli(["serve", "--port", "70000"], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() })
        expect(bad.code).toBe(64)
        expect(bad.stdout + bad.stderr).toContain("--port must be between 0 and 65535")
      }))
  })
})
