import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import packageJson from "../package.json" with { type: "json" }
import { Faults } from "../src/Demo/Faults.js"
import { makeSimulatedApi, type SimulatedApiOptions } from "../src/Demo/SimulatedApi.js"
import { tracesUrl } from "../src/Telemetry.js"
import { startCli } from "./support/Cli.js"
import { API_KEY, DatabaseUrl, envFor, expectNoKey, reset, waitUntil } from "./support/Run.js"
import { engine, testDatabaseUrl } from "./support/TestDatabase.js"

/**
 * Traces as a collector receives them: `node dist/main.js run` against the simulated
 * API, with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an HTTP server here that keeps the
 * raw bytes of every POST.
 */

/** Three regions, each with its overall and Music charts: six units. */
const UNITS = ["US/all", "US/10", "PL/all", "PL/10", "SE/all", "SE/10"]
const RUN_ENV = { REGIONS: "US,PL,SE", CHARTS: "all,10", LOG_FORMAT: "json" }

/**
 * From a run's summary line to its exit, with a collector that is down or silent: the
 * 2 s flush deadline, plus what a run takes to close after its summary (~0.1 s here),
 * with room for a loaded CI machine. Unbounded, it was 8-10 s (the exporter's own 10 s).
 */
const FLUSH_BOUND_MS = 4000

interface Received {
  readonly path: string
  readonly contentType: string
  readonly body: Buffer
}

const listening = (server: Server, port = 0) =>
  Effect.acquireRelease(
    Effect.async<number, Error>((resume) => {
      server.once("error", (error) => resume(Effect.fail(error)))
      server.listen(port, () => resume(Effect.succeed((server.address() as AddressInfo).port)))
    }),
    () =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** A collector that answers 200 to everything (or, `hang`, nothing at all), and keeps what it was sent. */
const collector = (options: { readonly hang?: boolean; readonly port?: number } = {}) =>
  Effect.gen(function*() {
    const received: Array<Received> = []
    const server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        received.push({ path: req.url ?? "", contentType: req.headers["content-type"] ?? "", body: Buffer.concat(chunks) })
        if (options.hang !== true) res.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    const port = yield* listening(server, options.port)
    return { endpoint: `http://127.0.0.1:${port}`, received }
  })

/** A port nothing listens on: taken, then given back. */
const closedPort = Effect.scoped(listening(createServer()))

interface Span {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly name: string
  readonly attributes: Record<string, unknown>
}

type OtlpAttributes = ReadonlyArray<{ key: string; value: Record<string, unknown> }>

/** OTLP's `[{key, value: {stringValue}}]` as a plain record. */
const attributesOf = (attributes: OtlpAttributes | undefined) =>
  Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]]))

/** Every span in the OTLP/JSON bodies, with the resources they came with. */
const decode = (received: ReadonlyArray<Received>) => {
  const spans: Array<Span> = []
  const resources: Array<Record<string, unknown>> = []
  for (const { body } of received) {
    const { resourceSpans } = JSON.parse(body.toString("utf8")) as {
      resourceSpans: Array<{ resource?: { attributes?: OtlpAttributes }; scopeSpans: Array<{ spans: Array<Omit<Span, "attributes"> & { attributes?: OtlpAttributes }> }> }>
    }
    for (const { resource, scopeSpans } of resourceSpans) {
      resources.push(attributesOf(resource?.attributes))
      for (const span of scopeSpans.flatMap((s) => s.spans)) spans.push({ ...span, parentSpanId: span.parentSpanId ?? "", attributes: attributesOf(span.attributes) })
    }
  }
  return { spans, resources }
}

/** `span`'s ancestors, nearest first. */
const ancestors = (spans: ReadonlyArray<Span>, span: Span): Array<Span> => {
  const parent = spans.find((s) => s.spanId === span.parentSpanId && s.traceId === span.traceId)
  return parent === undefined ? [] : [parent, ...ancestors(spans, parent)]
}

/** Starts a run on a freshly emptied database; the time its summary line appeared, and how it ended. */
const run = (options: SimulatedApiOptions, env: Record<string, string>) =>
  Effect.gen(function*() {
    const databaseUrl = yield* DatabaseUrl
    yield* reset(databaseUrl)
    const api = yield* makeSimulatedApi(options)
    const running = yield* startCli(["run"], { ...envFor(api, databaseUrl), ...RUN_ENV, ...env })
    yield* waitUntil(() => /run \d+ ok:/.test(running.stderr()) || running.child.exitCode !== null, "the run's summary", 45_000)
    const summaryAt = Date.now()
    const result = yield* running.exit
    expectNoKey(result, api)
    return { api, result, afterSummaryMs: result.exitedAt - summaryAt }
  })

describe("where traces go", () => {
  it("the traces endpoint as it is, else the endpoint's /v1/traces; nothing for an unset or non-HTTP one", () => {
    const url = (endpoint: string, tracesEndpoint = "") => Option.getOrNull(tracesUrl({ endpoint, tracesEndpoint }))
    expect(url("http://collector:4318")).toBe("http://collector:4318/v1/traces")
    expect(url("https://otel.example/base/")).toBe("https://otel.example/base/v1/traces")
    expect(url("http://collector:4318", "http://other:4318/ingest")).toBe("http://other:4318/ingest")
    expect(url("")).toBeNull()
    expect(url("collector:4317")).toBeNull()
    expect(url("grpc://collector:4317")).toBeNull()
  })
})

describe(`traces over OTLP/HTTP, on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("a run, a unit per chart, an HTTP span per attempt (a retried one twice), all in one trace, the key nowhere", () =>
      Effect.gen(function*() {
        const { endpoint, received } = yield* collector()
        const { result } = yield* run({ faults: { PL: [Faults.backendError(503)] } }, {
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_SERVICE_NAME: "vvv-under-test"
        })
        expect(result.code, result.stderr).toBe(0)
        expect(result.stderr).not.toContain("traces:")
        expect(received.length).toBeGreaterThan(0)
        expect(received.every((r) => r.path === "/v1/traces" && r.contentType.startsWith("application/json"))).toBe(true)
        // The raw bytes, before any decoding: the key is in no attribute, event or resource.
        expect(received.some((r) => r.body.includes(API_KEY))).toBe(false)

        const { resources, spans } = decode(received)
        expect(resources[0]).toMatchObject({ "service.name": "vvv-under-test", "service.version": packageJson.version })
        const runs = spans.filter((s) => s.name === "ingest")
        expect(runs).toHaveLength(1)
        const root = runs[0]!
        expect(root.parentSpanId).toBe("")

        const units = spans.filter((s) => s.name === "Ingest.fetchChart")
        expect(units.map((u) => `${u.attributes["region"]}/${u.attributes["chart"]}`).sort()).toEqual([...UNITS].sort())
        for (const unit of units) {
          expect(unit.traceId).toBe(root.traceId)
          expect(ancestors(spans, unit).map((s) => s.name)).toEqual(["ingest"])
        }

        const attempts = spans.filter((s) => s.name.startsWith("http.client"))
        const attemptsOf = (unit: Span) => attempts.filter((a) => ancestors(spans, a).some((s) => s.spanId === unit.spanId))
        const perUnit = units.map((unit) => ({ unit, attempts: attemptsOf(unit) }))
        // One page each (MAX_RESULTS 25); the one PL request that met the 503 was sent again.
        const retried = perUnit.filter((u) => u.attempts.length === 2)
        expect(retried).toHaveLength(1)
        expect(retried[0]!.unit.attributes["region"]).toBe("PL")
        expect(retried[0]!.attempts.map((a) => a.attributes["http.response.status_code"]).sort()).toEqual([200, 503].sort())
        expect(perUnit.filter((u) => u.attempts.length === 1)).toHaveLength(UNITS.length - 1)
        // Every attempt (the category lists' too) shows the key's header, redacted.
        expect(attempts.length).toBeGreaterThan(UNITS.length + 1)
        for (const attempt of attempts) {
          expect(attempt.traceId).toBe(root.traceId)
          expect(attempt.attributes["http.request.header.x-goog-api-key"]).toBe("<redacted>")
          expect(String(attempt.attributes["url.full"])).not.toContain("key=")
        }
      }))

    it.scoped("without an endpoint, nothing is sent (not even to the default port) and the run is as before", () =>
      Effect.gen(function*() {
        // Were the SDK started without an endpoint, it would send to localhost:4318.
        const atDefault = yield* Effect.either(collector({ port: 4318 }))
        const { result } = yield* run({}, { OTEL_SERVICE_NAME: "vvv-under-test" })
        expect(result.code, result.stderr).toBe(0)
        expect(result.stderr).toMatch(/run \d+ ok: 6\/6 charts in 3 regions/)
        expect(result.stderr).not.toContain("traces:")
        if (atDefault._tag === "Right") expect(atDefault.right.received).toEqual([])
      }))

    it.scoped("a collector that is down: exit 0 all the same, a warning, and no more than ~2 s added", () =>
      Effect.gen(function*() {
        const port = yield* closedPort
        const { afterSummaryMs, result } = yield* run({}, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` })
        expect(result.code, result.stderr).toBe(0)
        expect(result.stderr).toMatch(/traces: spans not delivered to http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/)
        expect(afterSummaryMs).toBeLessThan(FLUSH_BOUND_MS)
      }))

    it.scoped("a collector that never answers: exit 0 within the flush deadline", () =>
      Effect.gen(function*() {
        const { endpoint, received } = yield* collector({ hang: true })
        const { afterSummaryMs, result } = yield* run({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/custom/path` })
        expect(result.code, result.stderr).toBe(0)
        expect(result.stderr).toMatch(/traces: spans not delivered to http:\/\/127\.0\.0\.1:\d+/)
        expect(received.map((r) => r.path)).toContain("/custom/path")
        expect(afterSummaryMs).toBeLessThan(FLUSH_BOUND_MS)
      }))

    it.scoped("SIGTERM mid-fetch: exit 143, and the interrupted run's spans still reach the collector", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const { endpoint, received } = yield* collector()
        const api = yield* makeSimulatedApi({ faults: { SE: [Faults.hang()] } })
        const running = yield* startCli(["run"], { ...envFor(api, databaseUrl), ...RUN_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })
        yield* waitUntil(() => api.requests.some((r) => r.region === "SE") && api.requests.filter((r) => r.finishedAt !== undefined).length >= 3, "the run hangs on SE")
        running.child.kill("SIGTERM")
        const result = yield* running.exit
        expectNoKey(result, api)
        expect(result.code, result.stderr).toBe(143)
        const { spans } = decode(received)
        expect(spans.filter((s) => s.name === "ingest")).toHaveLength(1)
        expect(spans.filter((s) => s.name === "Ingest.fetchChart").length).toBeGreaterThanOrEqual(3)
        expect(received.some((r) => r.body.includes(API_KEY))).toBe(false)
      }))
  })
})
