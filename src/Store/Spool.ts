import { FileSystem, Path } from "@effect/platform"
import { Clock, Effect, Either, Option, ParseResult, Schema, Stream } from "effect"
import { dedup } from "../Domain/Dedup.js"
import { type Batch, RegionOutcome, RunStatus } from "../Domain/Run.js"
import { RegionalVideo } from "../Domain/Video.js"
import { AtomicWriter, describeFileError } from "../Files.js"
import { isAlive } from "../Process.js"
import { StateDirectory } from "../State.js"
import { SpoolFileCorrupt, SpoolUnwritable } from "./Errors.js"

/**
 * Fetched batches wait here, one file each, until they are committed: written before
 * the store is tried (write-ahead), removed after the commit, stored by a later run
 * when this one could not.
 */

/** What a spool file holds: the batch as JSON; the merged videos are derived again (`dedup` is pure). */
const BatchHeader = Schema.Struct({
  version: Schema.Literal(1),
  batchId: Schema.optional(Schema.String),
  startedAt: Schema.Date,
  finishedAt: Schema.Date,
  status: RunStatus,
  outcomes: Schema.Array(RegionOutcome)
})
const BatchFile = Schema.parseJson(Schema.Struct({ ...BatchHeader.fields, entries: Schema.Array(RegionalVideo) }))

// Compiled on first use (and then memoised by Schema), not at start-up: the spool is
// needed after the fetch, and start-up is on the way to the first request.
const HeaderJson = Schema.parseJson(BatchHeader)
const EntriesJson = Schema.parseJson(Schema.Array(RegionalVideo))
const decodeFile = (text: string) => Schema.decodeUnknownEither(BatchFile)(text)

/** Entries encoded a slice at a time: the file is written as it is encoded, never whole in memory. */
const SLICE = 500

/** `{…header, "entries": [ …slice, …slice ]}`, as `BatchFile` reads it. */
const fileText = (batch: Batch) =>
  Stream.concat(
    Stream.fromEffect(Effect.map(
      Schema.encode(HeaderJson)({ version: 1, ...batch }),
      (header) => `${header.slice(0, -1)},"entries":[`
    )),
    Stream.range(0, Math.ceil(batch.entries.length / SLICE) - 1).pipe(
      Stream.mapEffect((slice) =>
        Effect.map(
          Schema.encode(EntriesJson)(batch.entries.slice(slice * SLICE, (slice + 1) * SLICE)),
          (json) => `${slice === 0 ? "" : ","}${json.slice(1, -1)}`
        )
      ),
      Stream.concat(Stream.make("]}"))
    )
  ).pipe(Stream.orDie)

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

/**
 * `run-<ms>-<pid>.json`: was it written by another run that is still going? Its pid is
 * alive and it started recently (a pid is reused, and in a container every run is 1).
 */
const writtenByAnotherLiveRun = (name: string, now: number): Effect.Effect<boolean> => {
  const match = FILE_NAME.exec(name)
  if (match === null) return Effect.succeed(false)
  const startedAt = Number(match[1])
  const pid = Number(match[2])
  return pid <= 0 || pid === process.pid || now - startedAt > RUN_AT_MOST_MS ? Effect.succeed(false) : isAlive(pid)
}

export class Spool extends Effect.Service<Spool>()("viralvidvault/Spool", {
  effect: Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const writeFileAtomic = yield* AtomicWriter
    const path = yield* Path.Path
    const directory = path.join((yield* StateDirectory).path, "spool")

    /** Writes the batch durably; succeeds with the file's path. */
    const write = Effect.fn("Spool.write")(function*(batch: Batch) {
      const file = path.join(directory, `run-${batch.startedAt.getTime()}-${process.pid}.json`)
      yield* writeFileAtomic(file, fileText(batch)).pipe(
        Effect.mapError((e) => new SpoolUnwritable({ path: file, detail: describeFileError(e) }))
      )
      yield* Effect.logDebug(`wrote the fetched batch (${batch.entries.length} entries) ahead to ${file}`)
      return file
    })

    /** A file that does not decode is renamed `*.corrupt` (kept for a person to look at) and logged. */
    const read = (file: string, name: string): Effect.Effect<Option.Option<SpooledBatch>> =>
      fs.readFileString(file).pipe(
        Effect.mapError((e) => e.message),
        Effect.flatMap((text) =>
          Either.mapLeft(decodeFile(text), (e) => ParseResult.TreeFormatter.formatErrorSync(e).split("\n")[0]!)
        ),
        Effect.map((decoded) =>
          Option.some({
            path: file,
            // A file written before batches had ids is known by its name, which is unique too.
            batch: { ...decoded, batchId: decoded.batchId ?? `spool:${name}`, videos: dedup(decoded.entries) }
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
     * stored from memory, and reading it back would cost a decode of the whole batch).
     * A spool that cannot be listed is said, and waits for the next run.
     */
    const pending = (except?: string) =>
      Effect.gen(function*() {
        const names = yield* fs.readDirectory(directory)
        const now = yield* Clock.currentTimeMillis
        const batches: Array<SpooledBatch> = []
        for (const name of names.filter((n) => /^run-.*\.json$/.test(n)).sort()) {
          const file = path.join(directory, name)
          // Another run that is still going stores its own batch (or leaves it for the next run).
          if (file === except || (yield* writtenByAnotherLiveRun(name, now))) continue
          const batch = yield* read(file, name)
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

    return { directory, write, pending, remove } as const
  })
}) {}
