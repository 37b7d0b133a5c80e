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
import { type ConfigurationError, type IngestReport, ingest, IngestLive, type StoreError } from "../src/index.js"
import { startNode } from "./support/Cli.js"
import { engine, query, testDatabaseUrl } from "./support/TestDatabase.js"

const root = fileURLToPath(new URL("..", import.meta.url))
// Inside the package, so that `import … from "viralvidvault"` resolves to dist/index.js
// through package.json "exports", as it does for a host that installed the package.
const bundled = join(root, "build", "examples", "embed.mjs")

describe(`the library entry on ${engine}`, () => {
  it("ingest needs only an HttpClient and a SqlClient once IngestLive is provided", () => {
    const embedded = ingest.pipe(Effect.provide(IngestLive))
    expectTypeOf(embedded).toEqualTypeOf<
      Effect.Effect<IngestReport, StoreError | ConfigurationError, HttpClient.HttpClient | SqlClient.SqlClient>
    >()
  })

  it.scoped("examples/embed.ts builds, and runs ingest next to the host's own work", () =>
    Effect.gen(function*() {
      yield* Effect.promise(() =>
        build({
          entryPoints: [join(root, "examples", "embed.ts")],
          outfile: bundled,
          bundle: true,
          packages: "external",
          platform: "node",
          format: "esm",
          target: "node20",
          logLevel: "error"
        })
      )
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
})
