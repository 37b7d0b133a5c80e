import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted, type Scope } from "effect"
import pg from "pg"
import { startInMemory } from "../../src/Store/Embedded.js"
import { imageBlob } from "./ImageBlob.js"

/**
 * A database for one test file: a fresh database on the PostgreSQL server at
 * TEST_DATABASE_URL (dropped afterwards), else an in-memory PGlite served on a
 * loopback socket. Either way the code under test speaks to it through `pg`.
 */
export const engine = process.env.TEST_DATABASE_URL === undefined || process.env.TEST_DATABASE_URL === ""
  ? "pglite"
  : "postgresql"

/**
 * Empties the runs, videos, entries and observations (and, by their keys, revisions) of
 * the test's database: each store test starts from none. `video_stats` is named, since no
 * key reaches it from `videos` (migration 12).
 */
export const emptyStore = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql`TRUNCATE trending_entries, video_stats, videos, ingest_runs RESTART IDENTITY CASCADE`
)

/** One query on a connection of its own, as a person with psql would look. */
export const query = <A = Record<string, unknown>>(url: string, text: string, values: Array<unknown> = []) =>
  Effect.promise(async () => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      return (await client.query(text, values)).rows as Array<A>
    } finally {
      await client.end()
    }
  })

const onServer = (admin: string) =>
  Effect.gen(function*() {
    const name = `vvv_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
    yield* Effect.acquireRelease(
      query(admin, `CREATE DATABASE ${name}`),
      () => query(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore)
    )
    const url = new URL(admin)
    url.pathname = `/${name}`
    return url.toString()
  })

const inMemory = (image: string | undefined) =>
  Effect.map(
    startInMemory(image === undefined ? undefined : imageBlob(image)).pipe(Effect.orDie),
    (server) => `postgres://postgres@${server.host}:${server.port}/postgres`
  )

/**
 * A connection URL, valid for the enclosing scope: a database that may already be
 * migrated (on PGlite it starts from the image test/support/PgliteImage.ts migrated once
 * for the run; on PostgreSQL it is created empty). Code under test migrates as it would.
 */
export const testDatabaseUrl = Effect.suspend(() => {
  const admin = process.env.TEST_DATABASE_URL
  return admin === undefined || admin === ""
    ? inMemory(process.env.PGLITE_MIGRATED_IMAGE ?? process.env.PGLITE_IMAGE)
    : onServer(admin)
})

/** The same, but never migrated: for the tests of the migrations themselves. */
export const freshDatabaseUrl = Effect.suspend(() => {
  const admin = process.env.TEST_DATABASE_URL
  return admin === undefined || admin === "" ? inMemory(process.env.PGLITE_IMAGE) : onServer(admin)
})

export const pgClientLayer = (url: string) =>
  PgClient.layer({ url: Redacted.make(url), maxConnections: engine === "pglite" ? 1 : 4 })

/** The URL of the test database in use, for a second connection. */
export class TestDatabaseUrl extends Context.Tag("test/TestDatabaseUrl")<TestDatabaseUrl, string>() {}

const onUrl = (url: Effect.Effect<string, never, Scope.Scope>) =>
  Layer.unwrapScoped(
    Effect.map(url, (url) => Layer.merge(pgClientLayer(url), Layer.succeed(TestDatabaseUrl, url)))
  ).pipe(Layer.orDie)

/** SqlClient and PgClient on a test database (see `testDatabaseUrl`), and its URL. */
export const TestDatabase = onUrl(testDatabaseUrl)

/** The same on a database never migrated (`freshDatabaseUrl`). */
export const FreshTestDatabase = onUrl(freshDatabaseUrl)
