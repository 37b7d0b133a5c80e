import { Path } from "@effect/platform"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option, Redacted } from "effect"
import { DatabaseConfig } from "../Config.js"
import { StateDirectory } from "../State.js"
import { startEmbedded } from "./Embedded.js"
import { storeErrorOf } from "./Errors.js"

/** `postgres://user:secret@host:5432/db` → `host:5432/db`, for logs. */
export const describeDatabaseUrl = (url: Redacted.Redacted): string => {
  try {
    const parsed = new URL(Redacted.value(url))
    return `${parsed.hostname}${parsed.port === "" ? "" : `:${parsed.port}`}${parsed.pathname}`
  } catch {
    return "(unparsable DATABASE_URL)"
  }
}

/** `pg` returns bigint as strings; we keep that and decode where read. */
const serverLayer = (url: Redacted.Redacted) => {
  const where = describeDatabaseUrl(url)
  return PgClient.layer({ url, applicationName: "viralvidvault", connectTimeout: "10 seconds" }).pipe(
    Layer.mapError(storeErrorOf(`connecting to ${where}`)),
    Layer.tap(() => Effect.log(`database: PostgreSQL at ${where}`))
  )
}

/** PGlite answers one query at a time: one connection is all it can use. */
const embeddedLayer = Layer.unwrapScoped(
  Effect.gen(function*() {
    const directory = (yield* Path.Path).join((yield* StateDirectory).path, "pgdata")
    const server = yield* startEmbedded(directory)
    yield* Effect.log(`database: embedded PGlite in ${server.directory}`)
    return PgClient.layer({
      host: server.host,
      port: server.port,
      username: "postgres",
      database: "postgres",
      maxConnections: 1,
      applicationName: "viralvidvault"
    }).pipe(Layer.mapError(storeErrorOf("connecting to the embedded database")))
  })
)

/**
 * The SqlClient the service runs on: PostgreSQL at `DATABASE_URL`, else the embedded
 * database in `pgdata/` under the state directory.
 */
export const DatabaseLive = Layer.unwrapEffect(
  Effect.map(DatabaseConfig, ({ url }) => Option.match(url, { onSome: serverLayer, onNone: () => embeddedLayer }))
)
