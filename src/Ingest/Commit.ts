import { type Context, Duration, Effect, type Scope } from "effect"
import type { Batch, RunId } from "../Domain/Run.js"
import type { StoreConnection } from "../Store/Connection.js"
import type { StoreError } from "../Store/Errors.js"
import { Spool, type SpooledBatch, type SpoolWriter } from "../Store/Spool.js"
import type { VideoStore } from "../Store/VideoStore.js"
import { readSpooledChart } from "../YouTube/Pages.js"

/** The run's spool file, written as the fetch goes (`append` each unit as it comes), for `writeAhead` to complete. */
export const startWriteAhead = (startedAt: Date): Effect.Effect<SpoolWriter, never, Spool | Scope.Scope> =>
  Effect.flatMap(Spool, (spool) => spool.open(startedAt))

/**
 * Completes the fetched batch's spool file before the batch is stored (write-ahead), so
 * that nothing fetched is lost whatever happens next: a database that fails, hangs, or a
 * signal mid-transaction. A run that fetched nothing has nothing to keep; a spool
 * that cannot be written is said, and the batch is stored without a copy.
 */
export const writeAhead = (writer: SpoolWriter, batch: Batch): Effect.Effect<SpooledBatch | undefined> =>
  batch.entries.length === 0
    ? Effect.as(writer.abandon, undefined)
    : writer.finish(batch).pipe(
      Effect.map((path): SpooledBatch => ({ path, batch })),
      Effect.catchAll((e) =>
        Effect.as(Effect.logWarning(`${e.message}; storing the batch without a copy in the spool`), undefined)
      )
    )

/** What an operator needs to read when a fetched batch was not stored. */
export const keptOrLost = (batch: Batch, kept: SpooledBatch | undefined) =>
  kept !== undefined
    ? Effect.logWarning(`kept the fetched batch (${batch.entries.length} entries) in the spool at ${kept.path}; the next run stores it`)
    : batch.entries.length === 0
    ? Effect.void
    : Effect.logError(
      `this run's ${batch.entries.length} entries are lost: the spool could not be written (free space or fix ` +
        "permissions there; the next run fetches again)"
    )

/** Stores what earlier runs spooled, oldest first; stops at the first failure (the database is likely down). */
const storeSpooled = (store: VideoStore, own: SpooledBatch | undefined) =>
  Effect.gen(function*() {
    const spool = yield* Spool
    for (const spooled of yield* spool.pending(own?.path, readSpooledChart)) {
      const stored = yield* store.saveRun(spooled.batch).pipe(Effect.either)
      if (stored._tag === "Left") {
        yield* Effect.logWarning(`could not store the spooled batch ${spooled.path} yet: ${stored.left.message}`)
        return
      }
      yield* spool.remove(spooled)
      yield* Effect.log(
        `stored the spooled batch of ${spooled.batch.startedAt.toISOString()} as run ${stored.right} and removed ${spooled.path}`
      )
    }
  })

/**
 * The commit stage: once the store is open, earlier spooled batches, then this one in
 * one transaction (idempotent by batch id), then its spool file removed. `committed`
 * runs as soon as the transaction commits, before an interruption can land. A batch
 * that is not committed stays in the spool for the next run.
 */
export const commit = (
  connection: Context.Tag.Service<StoreConnection>,
  batch: Batch,
  kept: SpooledBatch | undefined,
  committed: Effect.Effect<void>
): Effect.Effect<{ readonly runId: RunId; readonly storeMs: number }, StoreError, Spool> =>
  Effect.gen(function*() {
    const notStored = (error: StoreError) => Effect.zipRight(keptOrLost(batch, kept), Effect.fail(error))
    const store = yield* connection.store.pipe(Effect.catchAll(notStored))
    yield* storeSpooled(store, kept)
    const [elapsed, runId] = yield* Effect.uninterruptibleMask((restore) =>
      restore(store.saveRun(batch)).pipe(Effect.tap(() => committed))
    ).pipe(Effect.catchAll(notStored), Effect.timed)
    if (kept !== undefined) yield* (yield* Spool).remove(kept)
    return { runId, storeMs: Math.round(Duration.toMillis(elapsed)) }
  })
