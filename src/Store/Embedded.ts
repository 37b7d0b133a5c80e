import { Effect, Schema } from "effect"
import { mkdir, open, readFile, rm } from "node:fs/promises"
import { join } from "node:path"

/**
 * The embedded database: PGlite (PostgreSQL compiled to WASM) in this process, served
 * on a loopback socket so that the very same `@effect/sql-pg` code runs against it.
 */

export class EmbeddedDatabaseError extends Schema.TaggedError<EmbeddedDatabaseError>()("EmbeddedDatabaseError", {
  directory: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `the embedded database in ${this.directory} cannot be opened: ${this.detail}`
  }
}

export interface EmbeddedServer {
  readonly host: string
  readonly port: number
  /** Where the data lives, or "memory". */
  readonly directory: string
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * One process at a time may open a data directory: PGlite has no locking of its own,
 * and two writers would corrupt it. A lock file names the owner; a stale one (its
 * process gone) is taken over.
 */
const lockDirectory = (directory: string) => {
  const path = join(directory, "viralvidvault.lock")
  const take = Effect.tryPromise({
    try: async () => {
      await mkdir(directory, { recursive: true })
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const handle = await open(path, "wx")
          await handle.writeFile(String(process.pid))
          await handle.close()
          return
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
          const owner = Number((await readFile(path, "utf8").catch(() => "")).trim())
          if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
            throw new Error(
              `process ${owner} has it open; wait for it to finish, or point DATABASE_URL at a PostgreSQL server to run several at once`
            )
          }
          await rm(path, { force: true })
        }
      }
      throw new Error(`cannot take the lock file ${path}`)
    },
    catch: (e) => new EmbeddedDatabaseError({ directory, detail: e instanceof Error ? e.message : String(e) })
  })
  return Effect.acquireRelease(take, () => Effect.promise(() => rm(path, { force: true })))
}

/**
 * Starts PGlite (with `unaccent`) and its socket server; stops both when the scope closes.
 * `directory` undefined keeps the database in memory (tests).
 */
export const startEmbedded = (directory: string | undefined, options: { readonly maxConnections?: number } = {}) =>
  Effect.gen(function*() {
    const where = directory ?? "memory"
    if (directory !== undefined) yield* lockDirectory(directory)
    const fail = (e: unknown) =>
      new EmbeddedDatabaseError({ directory: where, detail: e instanceof Error ? e.message : String(e) })
    // Imported on demand: a run against PostgreSQL never pays for loading PGlite.
    const { PGlite } = yield* Effect.promise(() => import("@electric-sql/pglite"))
    const { unaccent } = yield* Effect.promise(() => import("@electric-sql/pglite/contrib/unaccent"))
    const { PGLiteSocketServer } = yield* Effect.promise(() => import("@electric-sql/pglite-socket"))
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => PGlite.create(directory, { extensions: { unaccent } }), catch: fail }),
      (db) => Effect.promise(() => db.close()).pipe(Effect.ignore)
    )
    const server = new PGLiteSocketServer({
      db,
      host: "127.0.0.1",
      port: 0,
      maxConnections: options.maxConnections ?? 4
    })
    yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => server.start(), catch: fail }),
      () => Effect.promise(() => server.stop()).pipe(Effect.ignore)
    )
    const [host, port] = server.getServerConn().split(":")
    return { host: host ?? "127.0.0.1", port: Number(port), directory: where } satisfies EmbeddedServer
  })
