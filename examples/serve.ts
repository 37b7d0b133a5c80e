/**
 * A host Effect application that serves viralvidvault's archive from its own HTTP server:
 * the same endpoints, OpenAPI document and page as `viralvidvault serve`, on the host's
 * port and database pool, next to a route of the host's own.
 *
 *   DATABASE_URL=postgres://… PORT=8080 node build/examples/serve.mjs
 */
import { HttpApiBuilder, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Layer } from "effect"
import { createServer } from "node:http"
import { HttpApiServe, MigrationsLive, Trends, VideoSearch } from "viralvidvault"

// The host's own layers: its pool and its server.
const HostSql = PgClient.layerConfig({ url: Config.redacted("DATABASE_URL"), maxConnections: Config.succeed(4) })
const HostServer = Layer.unwrapEffect(
  Effect.map(Config.integer("PORT").pipe(Config.withDefault(8080)), (port) => NodeHttpServer.layer(createServer, { host: "127.0.0.1", port }))
)

// A route of the host's own, on the same router as the archive's.
const HostRoutes = HttpApiBuilder.Router.use((router) => router.get("/host/hello", HttpServerResponse.text("hello from the host")))

const Archive = HttpApiServe.pipe(
  Layer.provide(HostRoutes),
  Layer.provide(Layer.mergeAll(Trends.Default, VideoSearch.Default, MigrationsLive)),
  Layer.provide(HostSql),
  HttpServer.withLogAddress,
  Layer.provide(HostServer)
)

NodeRuntime.runMain(Layer.launch(Archive))
