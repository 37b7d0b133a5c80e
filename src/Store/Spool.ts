import { Effect, Either, Option, Schema } from "effect"
import { readdir, readFile, rename, rm } from "node:fs/promises"
import { join } from "node:path"
import { DatabaseConfig } from "../Config.js"
import { dedup } from "../Dedup.js"
import { writeFileAtomic } from "../Files.js"
import { RegionalVideo, RegionOutcome, RunStatus } from "../Domain.js"
import type { RunToSave } from "./VideoStore.js"

/**
 * Fetched batches that could not be stored wait here, one file each, until a later
 * run stores them. A file is written atomically and removed only after the batch is
 * committed.
 */

export class SpoolFailed extends Schema.TaggedError<SpoolFailed>()("SpoolFailed", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `cannot write the spool file ${this.path}: ${this.detail}`
  }
}

/** A RegionalVideo as JSON: its Options as optional fields, its dates as strings. */
const EntryJson = Schema.Struct({
  ...RegionalVideo.fields,
  language: Schema.optional(Schema.String),
  publishedAt: Schema.optional(Schema.Date),
  fetchedAt: Schema.Date
})

/** What a spool file holds; the merged videos are derived again (dedup is pure). */
const SpoolFile = Schema.parseJson(Schema.Struct({
  version: Schema.Literal(1),
  batchId: Schema.optional(Schema.String),
  startedAt: Schema.Date,
  finishedAt: Schema.Date,
  status: RunStatus,
  outcomes: Schema.Array(RegionOutcome),
  entries: Schema.Array(EntryJson)
}))

const encodeFile = Schema.encodeSync(SpoolFile)
const decodeFile = Schema.decodeUnknownEither(SpoolFile)

const toJson = (run: RunToSave): typeof SpoolFile.Type => ({
  version: 1,
  ...(run.batchId === undefined ? {} : { batchId: run.batchId }),
  startedAt: run.startedAt,
  finishedAt: run.finishedAt,
  status: run.status,
  outcomes: run.outcomes,
  entries: run.entries.map((e) => ({
    videoId: e.videoId,
    region: e.region,
    rank: e.rank,
    title: e.title,
    channelTitle: e.channelTitle,
    viewCount: e.viewCount,
    ...Option.match(e.language, { onNone: () => ({}), onSome: (language) => ({ language }) }),
    ...Option.match(e.publishedAt, { onNone: () => ({}), onSome: (publishedAt) => ({ publishedAt }) }),
    fetchedAt: e.fetchedAt
  }))
})

/** A file written before batches had ids is known by its name, which is unique too. */
const fromJson = (file: typeof SpoolFile.Type, name: string): RunToSave => {
  const entries = file.entries.map((e) =>
    RegionalVideo.make({
      ...e,
      language: Option.fromNullable(e.language),
      publishedAt: Option.fromNullable(e.publishedAt)
    })
  )
  return {
    batchId: file.batchId ?? `spool:${name}`,
    startedAt: file.startedAt,
    finishedAt: file.finishedAt,
    status: file.status,
    outcomes: file.outcomes,
    entries,
    videos: dedup(entries)
  }
}

export interface SpooledBatch {
  readonly path: string
  readonly run: RunToSave
}

/**
 * A run lasts minutes at most (bounded fetch, bounded lock wait); a file started
 * longer ago than this is never another run's own, whatever its pid now names.
 */
const RUN_AT_MOST_MS = 30 * 60 * 1000

/**
 * `run-<ms>-<pid>.json`: was it written by another run that is still going? Its pid is
 * alive and it started recently (a pid is reused, and in a container every run is 1).
 */
const writtenByAnotherLiveRun = (name: string, now: number): boolean => {
  const match = /^run-(\d+)-(\d+)\.json$/.exec(name)
  if (match === null) return false
  const startedAt = Number(match[1])
  const pid = Number(match[2])
  if (pid <= 0 || pid === process.pid || now - startedAt > RUN_AT_MOST_MS) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: it exists, as another user (systemd's DynamicUser gives each run its own).
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e))

export class Spool extends Effect.Service<Spool>()("viralvidvault/Spool", {
  effect: Effect.gen(function*() {
    const { stateDirectory } = yield* DatabaseConfig
    const directory = join(stateDirectory, "spool")

    /** Writes the batch durably; succeeds with the file's path. */
    const write = Effect.fn("Spool.write")(function*(run: RunToSave) {
      const name = `run-${run.startedAt.getTime()}-${process.pid}.json`
      const path = join(directory, name)
      // Not cut short by a signal: the file is either whole (fsynced, renamed) or absent.
      yield* Effect.tryPromise({
        try: () => writeFileAtomic(path, encodeFile(toJson(run))),
        catch: (e) => new SpoolFailed({ path, detail: errorText(e) })
      }).pipe(Effect.uninterruptible)
      yield* Effect.logDebug(`wrote the fetched batch (${run.entries.length} entries) ahead to ${path}`)
      return path
    })

    /**
     * The waiting batches, oldest first, but for `except` (this run's own file: it is
     * stored from memory, and reading it back would cost a decode of the whole batch).
     * A file that does not decode is renamed `*.corrupt` (kept for a person to look at)
     * and logged, never silently dropped.
     */
    const pending = (except?: string) => Effect.gen(function*() {
      const names = yield* Effect.promise(() => readdir(directory).catch(() => [] as Array<string>))
      const batches: Array<SpooledBatch> = []
      const now = Date.now()
      for (const name of names.filter((n) => /^run-.*\.json$/.test(n)).sort()) {
        const path = join(directory, name)
        // Another run that is still going stores its own batch (or leaves it for the next run).
        if (path === except || writtenByAnotherLiveRun(name, now)) continue
        const text = yield* Effect.promise(() => readFile(path, "utf8").catch((e) => Promise.resolve(e as Error)))
        const decoded = typeof text === "string" ? decodeFile(text) : Either.left(text)
        if (Either.isRight(decoded)) {
          batches.push({ path, run: fromJson(decoded.right, name) })
        } else {
          const aside = `${path}.corrupt`
          yield* Effect.promise(() => rename(path, aside).catch(() => undefined))
          yield* Effect.logError(`a spool file cannot be read and was moved aside to ${aside}; its batch was not stored`)
        }
      }
      return batches
    })

    const remove = (batch: SpooledBatch) => Effect.promise(() => rm(batch.path, { force: true }))

    return { directory, write, pending, remove } as const
  })
}) {}
