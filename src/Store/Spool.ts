import { FileSystem, Path } from "@effect/platform"
import { Clock, Data, Deferred, Effect, Fiber, Mailbox, Option, type Scope, Stream } from "effect"
import { dedup } from "../Domain/Dedup.js"
import type { Batch } from "../Domain/Run.js"
import type { FetchedChart, ReadSpooledChart } from "../Domain/SentPage.js"
import { AtomicWriter, describeFileError } from "../Files.js"
import { isAlive } from "../Process.js"
import { StateDirectory } from "../State.js"
import { SpoolFileCorrupt, SpoolUnwritable } from "./Errors.js"
import { FILE_START, headerText, readBatchFile, unitElements } from "./SpoolFile.js"

/**
 * Fetched batches wait here, one file each, until they are committed: written before
 * the store is tried (write-ahead), removed after the commit, stored by a later run
 * when this one could not.
 */

/** A spool file given up before it was complete (a run interrupted, or that fetched nothing): its temporary file goes. */
class Abandoned extends Data.TaggedError("Abandoned") {}

/**
 * A spool file being written while the run fetches: each unit is written as it comes in,
 * while the fetch waits on the network; what is left when the fetch ends is the header.
 */
export interface SpoolWriter {
  /** Adds a unit to the file, as it is fetched. */
  readonly append: (unit: FetchedChart) => Effect.Effect<void>
  /** Completes the file with the batch's header, durably (fsync, rename): its path. */
  readonly finish: (batch: Batch) => Effect.Effect<string, SpoolUnwritable>
  /** Gives the file up: its temporary file is removed, nothing appears in the spool. */
  readonly abandon: Effect.Effect<void>
}

export interface SpooledBatch {
  readonly path: string
  readonly batch: Batch
}

/**
 * A run lasts minutes at most (bounded fetch, bounded lock wait); a file started
 * longer ago than this is never another run's own, whatever its pid now names.
 */
const RUN_AT_MOST_MS = 30 * 60 * 1000

const FILE_NAME = /^run-(\d+)-(\d+)\.json$/

/** A batch complete in the spool, by its file's name (what `status`, the metrics and the next run count). */
export const isSpooledBatch = (name: string): boolean => /^run-.*\.json$/.test(name)

/** A spool file being written (`AtomicWriter`'s temporary name): the file it will be. */
const UNFINISHED_NAME = /^\.(run-\d+-\d+\.json)\.\d+\.tmp$/

/**
 * `run-<ms>-<pid>.json`: is the run that wrote it (or is writing it) perhaps still going?
 * It started recently (a pid is reused, and in a container every run is 1) and its pid is
 * alive. A name with this process's pid says `ownPid`: a complete file is then an earlier
 * process's, to be stored (storing is idempotent), while an unfinished one may be another
 * container's run writing now, to be left (this process writes none while it reads).
 */
const runMayBeGoing = (name: string, now: number, ownPid: boolean): Effect.Effect<boolean> => {
  const match = FILE_NAME.exec(name)
  if (match === null) return Effect.succeed(false)
  const startedAt = Number(match[1])
  const pid = Number(match[2])
  if (pid <= 0 || now - startedAt > RUN_AT_MOST_MS) return Effect.succeed(false)
  return pid === process.pid ? Effect.succeed(ownPid) : isAlive(pid)
}

export class Spool extends Effect.Service<Spool>()("viralvidvault/Spool", {
  effect: Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const writeFileAtomic = yield* AtomicWriter
    const path = yield* Path.Path
    const directory = path.join((yield* StateDirectory).path, "spool")

    /**
     * Starts the spool file of the run started at `startedAt`: `{"units":[ …, … ], …header}`
     * (`BatchFile` reads its fields in any order; files of earlier releases put the header
     * first). It is written under a temporary name by a fiber of the scope, and appears
     * under its own name only once `finish` has made it durable. A file that cannot be
     * written is said by `finish`; until then, entries are no longer kept for it. Closing
     * the scope before `finish` abandons it.
     */
    const open = (startedAt: Date): Effect.Effect<SpoolWriter, never, Scope.Scope> =>
      Effect.gen(function*() {
        const file = path.join(directory, `run-${startedAt.getTime()}-${process.pid}.json`)
        // The writer's fiber writes the units, so a fetch's slot is free as soon as its unit is in.
        const units = yield* Mailbox.make<FetchedChart, Abandoned>()
        const header = yield* Deferred.make<string>()
        let written = 0
        const encoded = Mailbox.toStream(units).pipe(
          Stream.mapConcat((unit) => unitElements(unit).flatMap((element) => written++ > 0 ? [",", ...element] : element))
        )
        const text = Stream.make<Array<string | Uint8Array>>(FILE_START).pipe(
          Stream.concat(encoded),
          Stream.concat(Stream.fromEffect(Deferred.await(header)))
        )
        // Its failure is `finish`'s to say, and an abandoned file is none: not logged as an unhandled error.
        const writing = yield* Effect.forkScoped(writeFileAtomic(file, text)).pipe(Effect.withUnhandledErrorLogLevel(Option.none()))
        // Runs before the fork's own finalizer: the writer, uninterruptible, ends on the failure and removes its file.
        yield* Effect.addFinalizer(() => units.fail(new Abandoned()))
        const append = (unit: FetchedChart) =>
          Effect.sync(() => {
            // A writer that failed takes nothing more: `finish` says why.
            if (writing.unsafePoll() === null && unit.videos.length > 0) units.unsafeOffer(unit)
          })
        const finish = (batch: Batch) =>
          Effect.gen(function*() {
            yield* units.end
            yield* Deferred.succeed(header, yield* Effect.orDie(headerText(batch)))
            yield* Fiber.join(writing).pipe(
              Effect.mapError((e) =>
                new SpoolUnwritable({ path: file, detail: e._tag === "Abandoned" ? "abandoned" : describeFileError(e) })
              )
            )
            yield* Effect.logDebug(`wrote the fetched batch (${batch.entries.length} entries) ahead to ${file}`)
            return file
          }).pipe(Effect.withSpan("Spool.write"))
        const abandon = Effect.zipRight(units.fail(new Abandoned()), Effect.ignore(Fiber.join(writing)))
        return { append, finish, abandon } satisfies SpoolWriter
      })

    /** A file that does not decode is renamed `*.corrupt` (kept for a person to look at) and logged. */
    const read = (file: string, name: string, readChart: ReadSpooledChart): Effect.Effect<Option.Option<SpooledBatch>> =>
      fs.readFileString(file).pipe(
        Effect.mapError((e) => e.message),
        Effect.flatMap((text) => readBatchFile(text, readChart)),
        Effect.map(({ entries, ...header }) =>
          Option.some({
            path: file,
            // A file written before batches had ids is known by its name, which is unique too.
            batch: { ...header, batchId: header.batchId ?? `spool:${name}`, entries, videos: dedup(entries) }
          })
        ),
        Effect.catchAll((detail) => {
          const movedTo = `${file}.corrupt`
          return fs.rename(file, movedTo).pipe(
            Effect.ignore,
            Effect.zipRight(Effect.logError(new SpoolFileCorrupt({ path: file, movedTo, detail }).message)),
            Effect.as(Option.none())
          )
        })
      )

    /**
     * The waiting batches, oldest first, but for `except` (this run's own file: it is
     * stored from memory, and reading it back would cost a decode of the whole batch),
     * their charts' pages read by `readChart` (the client's reading: the spool knows no API).
     * A spool that cannot be listed is said, and waits for the next run.
     */
    const pending = (except: string | undefined, readChart: ReadSpooledChart) =>
      Effect.gen(function*() {
        const names = yield* fs.readDirectory(directory)
        const now = yield* Clock.currentTimeMillis
        const batches: Array<SpooledBatch> = []
        for (const name of names) {
          // A run killed as it fetched (SIGKILL, a power cut) leaves its file half written, under
          // the temporary name: nothing of an unfinished fetch is kept, as with a signal.
          const unfinished = UNFINISHED_NAME.exec(name)?.[1]
          if (unfinished === undefined || (yield* runMayBeGoing(unfinished, now, true))) continue
          const file = path.join(directory, name)
          yield* fs.remove(file, { force: true }).pipe(
            Effect.zipRight(Effect.logWarning(`removed ${file}: the unfinished spool file of a run stopped as it fetched`)),
            Effect.catchAll((e) => Effect.logWarning(`could not remove the unfinished spool file ${file}: ${e.message}`))
          )
        }
        for (const name of names.filter(isSpooledBatch).sort()) {
          const file = path.join(directory, name)
          // Another run that is still going stores its own batch (or leaves it for the next run).
          if (file === except || (yield* runMayBeGoing(name, now, false))) continue
          const batch = yield* read(file, name, readChart)
          if (Option.isSome(batch)) batches.push(batch.value)
        }
        return batches
      }).pipe(
        Effect.catchAll((e) =>
          e._tag === "SystemError" && e.reason === "NotFound"
            ? Effect.succeed([])
            : Effect.as(Effect.logWarning(`cannot read the spool at ${directory}: ${e.message}`), [])
        )
      )

    /** After its commit: a file left behind is harmless (its batch id is stored), but said. */
    const remove = (spooled: SpooledBatch) =>
      fs.remove(spooled.path, { force: true }).pipe(
        Effect.catchAll((e) => Effect.logWarning(`could not remove ${spooled.path} after storing it: ${e.message}`))
      )

    return { directory, open, pending, remove } as const
  })
}) {}
