/**
 * A host Effect application that embeds viralvidvault's ingest next to its own work.
 * The host brings the edges (its HttpClient and its PgClient); `IngestLive` brings the
 * rest and applies viralvidvault's migrations on its own table, so the host may run its
 * own Migrator beside it.
 *
 *   DATABASE_URL=postgres://… YOUTUBE_API_KEY=… node build/examples/embed.mjs
 */
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Config, Console, Effect, Layer, Ref } from "effect"
import { ingest, IngestLive } from "viralvidvault"

// The host's own layers: one pool, one HTTP client, shared by everything it runs.
const HostSql = PgClient.layerConfig({ url: Config.redacted("DATABASE_URL"), maxConnections: Config.succeed(2) })
const HostHttp = NodeHttpClient.layerUndici

// The host's own work: here, a ticker that keeps going while the ingest runs.
const hostWork = (ticks: Ref.Ref<number>) => Effect.forever(Effect.zipRight(Ref.update(ticks, (n) => n + 1), Effect.sleep("20 millis")))

const program = Effect.gen(function*() {
  const ticks = yield* Ref.make(0)
  // Both run at once; the host's work stops when the ingest is done (or fails).
  const report = yield* Effect.raceFirst(ingest, hostWork(ticks))
  yield* Console.log(JSON.stringify({
    runId: report.runId,
    status: report.status,
    regions: report.regions.map((r) => `${r.region}:${r.status}`),
    entries: report.entries,
    hostTicks: yield* Ref.get(ticks)
  }))
}).pipe(
  Effect.provide(IngestLive),
  Effect.provide(Layer.merge(HostSql, HostHttp))
)

NodeRuntime.runMain(program)
