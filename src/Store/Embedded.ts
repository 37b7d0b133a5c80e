import { FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import { isAlive } from "../Process.js"
import { EmbeddedDatabaseFailed, EmbeddedDatabaseLocked } from "./Errors.js"

/**
 * The embedded database: PGlite (PostgreSQL compiled to WASM) in this process, served
 * on a loopback socket so that the very same `@effect/sql-pg` code runs against it.
 */

export interface EmbeddedServer {
  readonly host: string
  readonly port: number
  /** Where the data lives, or "memory". */
  readonly directory: string
}

/**
 * One process at a time may open a data directory: PGlite has no locking of its own,
 * and two writers would corrupt it. A lock file names the owner; a stale one (its
 * process gone) is taken over, once.
 */
const lockDirectory = (directory: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = (yield* Path.Path).join(directory, "viralvidvault.lock")
    const failed = (e: { readonly message: string }) => new EmbeddedDatabaseFailed({ directory, detail: e.message })
    const take = fs.writeFileString(path, String(process.pid), { flag: "wx" })
    const owner = fs.readFileString(path).pipe(Effect.map((text) => Number(text.trim())), Effect.orElseSucceed(() => 0))

    yield* fs.makeDirectory(directory, { recursive: true }).pipe(Effect.mapError(failed))
    const lock = take.pipe(
      Effect.catchIf(
        (e) => e._tag === "SystemError" && e.reason === "AlreadyExists",
        () =>
          Effect.gen(function*() {
            const pid = yield* owner
            const held = Number.isInteger(pid) && pid > 0 && pid !== process.pid && (yield* isAlive(pid))
            if (held) return yield* new EmbeddedDatabaseLocked({ directory, owner: pid })
            yield* fs.remove(path, { force: true })
            yield* take
          })
      ),
      Effect.catchTags({ SystemError: failed, BadArgument: failed })
    )
    yield* Effect.acquireRelease(lock, () => fs.remove(path, { force: true }).pipe(Effect.ignore))
  })

/**
 * Starts PGlite (with `unaccent`) and its socket server; stops both when the scope closes.
 * `image`: a data directory saved by PGlite's `dumpDataDir`, to start from instead of
 * running initdb (memory only).
 */
const serve = (directory: string | undefined, maxConnections: number, image?: Blob) =>
  Effect.gen(function*() {
    const where = directory ?? "memory"
    const fail = (e: unknown) =>
      new EmbeddedDatabaseFailed({ directory: where, detail: e instanceof Error ? e.message : String(e) })
    // Imported on demand: a run against PostgreSQL never pays for loading PGlite.
    const { PGlite } = yield* Effect.promise(() => import("@electric-sql/pglite"))
    const { unaccent } = yield* Effect.promise(() => import("@electric-sql/pglite/contrib/unaccent"))
    const { PGLiteSocketServer } = yield* Effect.promise(() => import("@electric-sql/pglite-socket"))
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => PGlite.create(directory, { extensions: { unaccent }, ...(image === undefined ? {} : { loadDataDir: image }) }), catch: fail }),
      (db) => Effect.promise(() => db.close()).pipe(Effect.ignore)
    )
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections })
    yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => server.start(), catch: fail }),
      () => Effect.promise(() => server.stop()).pipe(Effect.ignore)
    )
    const [host, port] = server.getServerConn().split(":")
    return { host: host ?? "127.0.0.1", port: Number(port), directory: where } satisfies EmbeddedServer
  })

/** The embedded database in `directory`, locked for this process while the scope is open. */
export const startEmbedded = (directory: string) => Effect.zipRight(lockDirectory(directory), serve(directory, 4))

/**
 * A throwaway embedded database in memory (tests). A fresh one costs initdb (5 s of CPU
 * here); from `image`, a fresh data directory saved once, about a third of that.
 */
export const startInMemory = (image?: Blob) => serve(undefined, 4, image)
