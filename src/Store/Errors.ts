import type { SqlError } from "@effect/sql"
import { type Cause, Data, Effect, type ParseResult, Predicate, Schema } from "effect"

/**
 * How the store fails, split by what the caller can do about it. Each says what
 * happened in `message` and what to do in `hint`.
 */

/** The database could not be reached, or the connection was lost: nothing to fix in the request, try again later. */
export class DatabaseUnavailable extends Schema.TaggedError<DatabaseUnavailable>()("DatabaseUnavailable", {
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `database unavailable while ${this.operation}: ${this.detail}`
  }
  get hint() {
    return "check that the database server is up and that DATABASE_URL points at it"
  }
}

/** The database answered, and refused (permissions, a full disk, a constraint): trying again will not help by itself. */
export class DatabaseRefused extends Schema.TaggedError<DatabaseRefused>()("DatabaseRefused", {
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `the database refused ${this.operation}: ${this.detail}`
  }
  get hint() {
    return "the reason is the database's own (above); its server log says more"
  }
}

/** Another run held the store for longer than a run waits. Nothing of this run was committed. */
export class StoreBusy extends Schema.TaggedError<StoreBusy>()("StoreBusy", {
  waitedSeconds: Schema.Number
}) {
  override get message() {
    return `another run has been storing for over ${this.waitedSeconds}s; this run did not store`
  }
  get hint() {
    return "a second run overlapped this one (two timers, or a manual run); the next run stores what this one fetched"
  }
}

/** Another process has the embedded database open: PGlite has one writer. */
export class EmbeddedDatabaseLocked extends Schema.TaggedError<EmbeddedDatabaseLocked>()("EmbeddedDatabaseLocked", {
  directory: Schema.String,
  owner: Schema.Number
}) {
  override get message() {
    return `the embedded database in ${this.directory} cannot be opened: process ${this.owner} has it open`
  }
  get hint() {
    return "wait for it to finish, or point DATABASE_URL at a PostgreSQL server to run several at once"
  }
}

/** The embedded database's directory cannot be used (permissions, a damaged data directory). */
export class EmbeddedDatabaseFailed extends Schema.TaggedError<EmbeddedDatabaseFailed>()("EmbeddedDatabaseFailed", {
  directory: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `the embedded database in ${this.directory} cannot be opened: ${this.detail}`
  }
  get hint() {
    return "check the directory's permissions and free space; STATE_DIRECTORY moves it"
  }
}

export type StoreError = DatabaseUnavailable | DatabaseRefused | StoreBusy | EmbeddedDatabaseLocked | EmbeddedDatabaseFailed

/** The spool cannot be written (a full disk, permissions): the batch has no copy on disk. */
export class SpoolUnwritable extends Data.TaggedError("SpoolUnwritable")<{
  readonly path: string
  readonly detail: string
}> {
  override get message() {
    return `cannot write the spool file ${this.path}: ${this.detail}`
  }
}

/** A spool file that does not decode: kept aside for a person to look at, never dropped. */
export class SpoolFileCorrupt extends Data.TaggedError("SpoolFileCorrupt")<{
  readonly path: string
  readonly movedTo: string
  readonly detail: string
}> {
  override get message() {
    return `a spool file cannot be read and was moved aside to ${this.movedTo}; its batch was not stored (${this.detail})`
  }
}

/** The SQLSTATE of an error the server sent (pg's DatabaseError has a severity); none when it did not answer. */
const sqlStateOf = (error: SqlError.SqlError): string | undefined =>
  Predicate.hasProperty(error.cause, "severity") && Predicate.hasProperty(error.cause, "code") &&
    Predicate.isString(error.cause.code)
    ? error.cause.code
    : undefined

/**
 * Connection exceptions (class 08), a server shutting down or starting (57P01–57P03), too
 * many connections (53300): the database is unavailable, not refusing.
 */
const isUnavailable = (sqlState: string) => sqlState.startsWith("08") || /^57P0[123]$/.test(sqlState) || sqlState === "53300"

/** The driver's own words (e.g. "connection refused"), which say more than SqlError's. */
export const describeSqlError = (error: SqlError.SqlError): string => {
  const cause = error.cause
  const why = Predicate.hasProperty(cause, "message") && Predicate.isString(cause.message) && cause.message !== ""
    ? cause.message
    : error.message
  return Predicate.hasProperty(cause, "code") && Predicate.isString(cause.code) ? `${why} (${cause.code})` : why
}

/** A failed statement: refused when the server gave a reason (an SQLSTATE), else unavailable (no answer). */
export const storeErrorOf = (operation: string) => (error: SqlError.SqlError): DatabaseUnavailable | DatabaseRefused => {
  const sqlState = sqlStateOf(error)
  const detail = describeSqlError(error)
  return sqlState === undefined || isUnavailable(sqlState)
    ? new DatabaseUnavailable({ operation, detail })
    : new DatabaseRefused({ operation, detail })
}

/**
 * A statement's failures as the store reports them: a SqlError is a store failure; a
 * row that does not decode, or a row that is missing, is a bug of ours (a defect).
 */
export const fromSql = (operation: string) =>
<A, R>(
  statement: Effect.Effect<A, SqlError.SqlError | ParseResult.ParseError | Cause.NoSuchElementException, R>
): Effect.Effect<A, DatabaseUnavailable | DatabaseRefused, R> =>
  Effect.catchAll(statement, (e) => e._tag === "SqlError" ? Effect.fail(storeErrorOf(operation)(e)) : Effect.die(e))
