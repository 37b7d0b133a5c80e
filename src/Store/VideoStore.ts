import { SqlClient, type SqlError, SqlSchema } from "@effect/sql"
import { Context, Duration, Effect, Option, Predicate, Schema } from "effect"
import { type Batch, RegionOutcome, type RunId, RunStatus } from "../Domain/Run.js"
import type { Category } from "../Domain/Category.js"
import type { ListedRegion, RegionCode } from "../Domain/Region.js"
import { categoriesOf, saveCategories } from "./CategoryRows.js"
import { unavailableCharts } from "./ChartRows.js"
import { listedRegions, saveRegions } from "./RegionRows.js"
import { ensurePartitions, partitionTimesOf } from "./Partitions.js"
import { markGone, saveTracked, trackable } from "./TrackingRows.js"
import { RunRow } from "./Columns.js"
import { entriesWithoutVideo, insertEntries, recordHash, splitByRecord, storedHashes, updateCounters, upsertVideos } from "./VideoRows.js"
import { DatabaseRefused, fromSql, storeErrorOf } from "./Errors.js"
import { takeStoreLock } from "./Locks.js"

export { STORE_LOCK } from "./Locks.js"

// By tag, not instanceof: a host application may load its own copy of @effect/sql.
const isSqlError = (u: unknown): u is SqlError.SqlError => Predicate.isTagged(u, "SqlError")

/**
 * `statement` run, and `work` done on this thread while the database runs it: the
 * statement's fiber starts first and sends it, and the work fills the time that fiber
 * waits (a world run's store: ~150 ms of hashing records while their stored hashes are
 * read, ~100 ms of encoding the entries' parameters while the videos are written).
 */
const whileRunning = <A, E, B>(statement: Effect.Effect<A, E>, work: () => B) =>
  Effect.all([statement, Effect.sync(work)], { concurrency: 2 })

/** A run row: `interrupted` is the store's own status, for a run stopped by a signal. */
const RunInsert = Schema.Struct({
  batchId: Schema.NullOr(Schema.String),
  startedAt: Schema.DateFromSelf,
  finishedAt: Schema.DateFromSelf,
  status: Schema.Literal(...RunStatus.literals, "interrupted"),
  regions: Schema.parseJson(Schema.Array(RegionOutcome)),
  entries: Schema.NonNegativeInt,
  uniqueVideos: Schema.NonNegativeInt
})

export class VideoStoreOptions extends Context.Reference<VideoStoreOptions>()("viralvidvault/VideoStoreOptions", {
  /** How long a run waits for another run's store to finish. */
  defaultValue: () => ({ lockWait: Duration.seconds(60) as Duration.Duration })
}) {}

export class VideoStore extends Effect.Service<VideoStore>()("viralvidvault/VideoStore", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const options = yield* VideoStoreOptions

    /** The new run's id; none when a run with this batch id is stored already. */
    const insertRun = SqlSchema.findOne({
      Request: RunInsert,
      Result: RunRow,
      execute: (run) =>
        sql`
          INSERT INTO ingest_runs (started_at, finished_at, status, regions, entries, unique_videos, batch_id)
          VALUES (${run.startedAt}, ${run.finishedAt}, ${run.status}, ${run.regions}::jsonb,
                  ${run.entries}, ${run.uniqueVideos}, ${run.batchId})
          ON CONFLICT (batch_id) DO NOTHING
          RETURNING id`
    })

    const storedRunOf = SqlSchema.single({
      Request: Schema.String,
      Result: RunRow,
      execute: (batchId) => sql`SELECT id FROM ingest_runs WHERE batch_id = ${batchId}`
    })

    /** Stores one run in one transaction: all of it, or (on failure) none of it. */
    const saveRun = Effect.fn("VideoStore.saveRun")(function*(run: Batch) {
      return yield* sql.withTransaction(
        Effect.gen(function*() {
          // One run stores at a time.
          yield* takeStoreLock(sql, options.lockWait)
          const inserted = yield* insertRun({
            batchId: run.batchId ?? null,
            startedAt: run.startedAt,
            finishedAt: run.finishedAt,
            status: run.status,
            regions: run.outcomes,
            entries: run.entries.length,
            uniqueVideos: run.videos.length
          }).pipe(fromSql("recording the run"))
          if (Option.isNone(inserted)) {
            yield* Effect.logWarning(`batch ${run.batchId} was stored before; not storing it again`)
            return (yield* storedRunOf(run.batchId!).pipe(fromSql("looking up the stored batch"))).id
          }
          const runId: RunId = inserted.value.id
          const unknown = yield* entriesWithoutVideo(sql, run.entries, run.videos)
          if (unknown.length > 0) {
            return yield* new DatabaseRefused({
              operation: "storing trending entries",
              // The entries' foreign key made this check until migration 12; it is refused under the same operation.
              detail: `entries name videos that are neither in the batch nor stored (${unknown.length}: ` +
                `${unknown.slice(0, 5).join(", ")}${unknown.length > 5 ? ", …" : ""}); nothing of the run was stored`
            })
          }
          // The months its rows fall in, and the next, before any is written (migration 9).
          if (run.entries.length > 0 || run.videos.length > 0 || (run.tracked?.length ?? 0) > 0) {
            yield* ensurePartitions(sql, partitionTimesOf(run))
          }
          if (run.videos.length > 0) {
            const [stored, hashes] = yield* whileRunning(storedHashes(sql, run.videos), () => run.videos.map(recordHash))
            const { counters, whole } = splitByRecord(run.videos, hashes, stored)
            const writeVideos = Effect.all([
              whole.length > 0 ? upsertVideos(sql, runId, whole) : Effect.void,
              counters.length > 0 ? updateCounters(sql, runId, counters) : Effect.void
            ], { discard: true })
            const [, entries] = yield* whileRunning(writeVideos, () => insertEntries(sql, runId, run.entries))
            if (run.entries.length > 0) yield* entries
          } else if (run.entries.length > 0) yield* insertEntries(sql, runId, run.entries)
          if (run.tracked !== undefined && run.tracked.length > 0) yield* saveTracked(sql, run.tracked)
          if (run.gone !== undefined && run.gone.length > 0) yield* markGone(sql, run.gone)
          return runId
        })
      ).pipe(
        Effect.catchTag("SqlError", (e) => Effect.fail(storeErrorOf("committing")(e))),
        // @effect/sql treats a failed COMMIT or ROLLBACK as a defect; here it is the
        // connection lost mid-transaction, which the run reports (and spools) like any other.
        Effect.catchSomeDefect((defect) =>
          isSqlError(defect) ? Option.some(Effect.fail(storeErrorOf("ending the transaction")(defect))) : Option.none()
        )
      )
    })

    /** A run stopped by a signal: its row says so, and nothing else of it is stored. */
    const recordInterrupted = Effect.fn("VideoStore.recordInterrupted")(
      function*(startedAt: Date, finishedAt: Date, outcomes: ReadonlyArray<RegionOutcome>) {
        const inserted = yield* insertRun({
          batchId: null,
          startedAt,
          finishedAt,
          status: "interrupted",
          regions: outcomes,
          entries: 0,
          uniqueVideos: 0
        }).pipe(fromSql("recording the interrupted run"))
        return (yield* Effect.orDieWith(inserted, () => new Error("an INSERT … RETURNING id returned no row"))).id
      }
    )

    return {
      saveRun,
      recordInterrupted,
      categoriesOf: (regions: ReadonlyArray<RegionCode>) => categoriesOf(sql, regions),
      saveCategories: (categories: ReadonlyArray<Category>, fetchedAt: Date) => saveCategories(sql, categories, fetchedAt),
      unavailableCharts: (since: Date) => unavailableCharts(sql, since),
      listedRegions: listedRegions(sql),
      saveRegions: (regions: ReadonlyArray<ListedRegion>, fetchedAt: Date) => saveRegions(sql, regions, fetchedAt),
      trackable: (since: Date) => trackable(sql, since)
    } as const
  })
}) {}
