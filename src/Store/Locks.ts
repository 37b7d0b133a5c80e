import type { SqlClient, SqlError } from "@effect/sql"
import { Duration, Effect, Predicate } from "effect"
import { type DatabaseRefused, type DatabaseUnavailable, StoreBusy, storeErrorOf } from "./Errors.js"

/**
 * The store's lock: one run stores at a time, and a prune never interleaves with a
 * run's store (each locks both partitioned tables, in different orders). An arbitrary,
 * fixed key, distinct from the migrations' lock.
 */
export const STORE_LOCK = 7_406_116_002

/** SQLSTATE lock_not_available: `lock_timeout` ran out. */
const LOCK_NOT_AVAILABLE = "55P03"

/**
 * Takes the store lock for the current transaction, waiting at most `wait`
 * (lock_timeout applies to advisory locks too); past it, `StoreBusy`.
 *
 * The same message turns JIT compilation off for the transaction: by a month's end, the
 * store's statements are estimated costly enough for PostgreSQL to compile them, which
 * buys nothing for a few thousand index look-ups and inserts (on the 5 M history: the
 * counters statement 0.96–1.36 s with JIT, 0.85–0.93 s without; the whole store
 * 2.48–2.76 s, 2.22–2.47 s without, runs alternated).
 */
export const takeStoreLock = (sql: SqlClient.SqlClient, wait: Duration.Duration) =>
  Effect.zipRight(
    sql.unsafe(`SET LOCAL lock_timeout = '${Math.round(Duration.toMillis(wait))}ms'; SET LOCAL jit = off`),
    sql`SELECT pg_advisory_xact_lock(${STORE_LOCK})`
  ).pipe(
    Effect.catchTag("SqlError", (e: SqlError.SqlError): Effect.Effect<never, StoreBusy | DatabaseUnavailable | DatabaseRefused> =>
      Predicate.hasProperty(e.cause, "code") && e.cause.code === LOCK_NOT_AVAILABLE
        ? Effect.fail(new StoreBusy({ waitedSeconds: Duration.toSeconds(wait) }))
        : Effect.fail(storeErrorOf("waiting for the store lock")(e)))
  )
