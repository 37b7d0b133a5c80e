import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option, Redacted } from "effect"
import { join } from "node:path"
import { type ConfigurationError, DatabaseConfig } from "../Config.js"
import { startEmbedded } from "./Embedded.js"
import { runMigrations } from "./Migrations.js"
import { describeSqlError, StoreFailed } from "./VideoStore.js"

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
const pgLayer = (url: Redacted.Redacted) =>
  PgClient.layer({ url, applicationName: "viralvidvault", connectTimeout: "10 seconds" }).pipe(
    Layer.mapError((e) => new StoreFailed({ operation: `connecting to ${describeDatabaseUrl(url)}`, detail: describeSqlError(e) })),
    Layer.tap(() => Effect.log(`database: PostgreSQL at ${describeDatabaseUrl(url)}`))
  )

/** PGlite answers one query at a time: one connection is all it can use. */
export const embeddedLayer = (directory: string | undefined) =>
  Layer.unwrapScoped(
    Effect.gen(function*() {
      const server = yield* startEmbedded(directory)
      yield* Effect.log(`database: embedded PGlite in ${server.directory}`)
      return PgClient.layer({
        host: server.host,
        port: server.port,
        username: "postgres",
        database: "postgres",
        maxConnections: 1,
        applicationName: "viralvidvault"
      })
    })
  ).pipe(
    Layer.mapError((e) =>
      e._tag === "EmbeddedDatabaseError"
        ? new StoreFailed({ operation: "opening the embedded database", detail: e.message })
        : new StoreFailed({ operation: "connecting to the embedded database", detail: describeSqlError(e) })
    )
  )

/**
 * PostgreSQL at `DATABASE_URL`, else the embedded database in `embeddedDirectory`
 * under the state directory.
 */
export const databaseLayer = (
  embeddedDirectory: string
): Layer.Layer<SqlClient.SqlClient | PgClient.PgClient, StoreFailed | ConfigurationError> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const { stateDirectory, url } = yield* DatabaseConfig
      return Option.match(url, {
        onSome: pgLayer,
        onNone: () => embeddedLayer(join(stateDirectory, embeddedDirectory))
      })
    })
  ).pipe(Layer.provide(DatabaseConfig.layer))

/** The SqlClient the service runs on. */
export const DatabaseLive = databaseLayer("pgdata")

/** Applies the project's migrations when built; a host app can merge it over its own SqlClient. */
export const MigrationsLive = Layer.effectDiscard(
  runMigrations.pipe(
    Effect.tap((applied) =>
      applied.length > 0
        ? Effect.log(`applied migrations: ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`)
        : Effect.logDebug("database schema is up to date")
    ),
    Effect.catchTags({
      SqlError: (e) => Effect.fail(new StoreFailed({ operation: "applying migrations", detail: describeSqlError(e) })),
      MigrationError: (e) => Effect.fail(new StoreFailed({ operation: "applying migrations", detail: e.message }))
    })
  )
)
