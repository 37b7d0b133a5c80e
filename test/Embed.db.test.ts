import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import type { HttpClient } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import { build } from "esbuild"
import { Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"
import { type ConfigurationError, type IngestReport, ingest, IngestLive, type RegionsUnknown, type StoreError } from "../src/index.js"
import { runCli, startNode } from "./support/Cli.js"
import { envFor, waitUntil } from "./support/Run.js"
import { engine, query, testDatabaseUrl } from "./support/TestDatabase.js"

const root = fileURLToPath(new URL("..", import.meta.url))
/**
 * An example bundled as a host would build it, with the package as an external import;
 * inside the package, so that `import … from "viralvidvault"` resolves to dist/index.js
 * through package.json "exports", as it does for a host that installed the package.
 */
const buildExample = (name: string) =>
  Effect.promise(() =>
    build({
      entryPoints: [join(root, "examples", `${name}.ts`)],
      outfile: join(root, "build", "examples", `${name}.mjs`),
      bundle: true,
      packages: "external",
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "error"
    })
  ).pipe(Effect.as(join(root, "build", "examples", `${name}.mjs`)))

describe(`the library entry on ${engine}`, () => {
  it("ingest needs only an HttpClient and a SqlClient once IngestLive is provided", () => {
    const embedded = ingest.pipe(Effect.provide(IngestLive))
    expectTypeOf(embedded).toEqualTypeOf<
      Effect.Effect<IngestReport, StoreError | ConfigurationError | RegionsUnknown, HttpClient.HttpClient | SqlClient.SqlClient>
    >()
  })

  it.scoped("examples/embed.ts builds, and runs ingest next to the host's own work", () =>
    Effect.gen(function*() {
      const bundled = yield* buildExample("embed")
      const api = yield* makeSimulatedApi({ latencyMs: { PL: 150, SE: 150 } })
      const databaseUrl = yield* testDatabaseUrl
      const running = yield* startNode(bundled, [], {
        DATABASE_URL: databaseUrl,
        YOUTUBE_API_KEY: "AIza-embed-key",
        YOUTUBE_API_BASE_URL: api.baseUrl,
        REGIONS: "PL,SE",
        STATE_DIRECTORY: mkdtempSync(join(tmpdir(), "vvv-embed-"))
      })
      const result = yield* running.exit
      expect(result.code, result.stderr).toBe(0)
      const line = JSON.parse(result.stdout.trim().split("\n").at(-1)!)
      expect(line).toMatchObject({ status: "ok", regions: ["PL:ok", "SE:ok"], entries: 50 })
      expect(line.hostTicks).toBeGreaterThan(3)
      const [entries] = yield* query<{ n: number }>(databaseUrl, "SELECT count(*)::int AS n FROM trending_entries")
      const [migrations] = yield* query<{ n: number }>(databaseUrl, "SELECT count(*)::int AS n FROM viralvidvault_migrations")
      expect(entries!.n).toBe(50)
      expect(migrations!.n).toBeGreaterThan(0)
    }), { timeout: 90_000 })

  it.scoped("examples/serve.ts serves the archive's API and page from the host's own server, beside a route of its own", () =>
    Effect.gen(function*() {
      const example = yield* buildExample("serve")
      const api = yield* makeSimulatedApi({})
      const databaseUrl = yield* testDatabaseUrl
      const run = yield* runCli(["run"], { ...envFor(api, databaseUrl), REGIONS: "PL", MAX_RESULTS: "5" })
      expect(run.code, run.stderr).toBe(0)
      const host = yield* startNode(example, [], { DATABASE_URL: databaseUrl, PORT: "0" })
      const listening = /Listening on (http:\/\/127\.0\.0\.1:\d+)/
      // The host logs with Effect's default logger, to stdout.
      yield* waitUntil(() => listening.test(host.stdout()), "the host's server listens")
      const base = listening.exec(host.stdout())![1]!
      const get = (path: string) => Effect.promise(() => fetch(`${base}${path}`).then(async (r) => ({ status: r.status, text: await r.text() })))
      const chart = yield* get("/api/charts/PL")
      expect(chart.status).toBe(200)
      expect(JSON.parse(chart.text).entries).toHaveLength(5)
      expect(yield* get("/host/hello")).toEqual({ status: 200, text: "hello from the host" })
      const page = yield* get("/?region=PL")
      expect(page.status).toBe(200)
      expect(page.text).toContain("<h1>Trending in PL</h1>")
      host.child.kill("SIGTERM")
      yield* host.exit
    }), { timeout: 90_000 })
})
