import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import pg from "pg"
import { startInMemory } from "../../src/Store/Embedded.js"

/**
 * A database for one test file: a fresh database on the PostgreSQL server at
 * TEST_DATABASE_URL (dropped afterwards), else an in-memory PGlite served on a
 * loopback socket. Either way the code under test speaks to it through `pg`.
 */
export const engine = process.env.TEST_DATABASE_URL === undefined || process.env.TEST_DATABASE_URL === ""
  ? "pglite"
  : "postgresql"

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

/** A connection URL, valid for the enclosing scope. */
export const testDatabaseUrl = Effect.gen(function*() {
  const admin = process.env.TEST_DATABASE_URL
  if (admin === undefined || admin === "") {
    // From the fresh data directory test/support/PgliteImage.ts saved, where there is one.
    const image = process.env.PGLITE_IMAGE
    const server = yield* startInMemory(image === undefined ? undefined : new Blob([readFileSync(image)])).pipe(Effect.orDie)
    return `postgres://postgres@${server.host}:${server.port}/postgres`
  }
  const name = `vvv_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  yield* Effect.acquireRelease(
    query(admin, `CREATE DATABASE ${name}`),
    () => query(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore)
  )
  const url = new URL(admin)
  url.pathname = `/${name}`
  return url.toString()
})

export const pgClientLayer = (url: string) =>
  PgClient.layer({ url: Redacted.make(url), maxConnections: engine === "pglite" ? 1 : 4 })

/** The URL of the test database in use, for a second connection. */
export class TestDatabaseUrl extends Context.Tag("test/TestDatabaseUrl")<TestDatabaseUrl, string>() {}

/** SqlClient and PgClient on a fresh test database, and its URL. */
export const TestDatabase = Layer.unwrapScoped(
  Effect.map(testDatabaseUrl, (url) => Layer.merge(pgClientLayer(url), Layer.succeed(TestDatabaseUrl, url)))
).pipe(Layer.orDie)
