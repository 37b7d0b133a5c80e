import { Clock, type Context, Duration, Effect, Option, Ref } from "effect"
import { randomUUID } from "node:crypto"
import { dedup } from "../Domain/Dedup.js"
import { type Batch, type RegionOutcome, runStatus, unitLabel } from "../Domain/Run.js"
import { StoreConnection } from "../Store/Connection.js"
import type { SpooledBatch } from "../Store/Spool.js"
import { listsDue, refreshCategories } from "./Categories.js"
import { IngestConfig } from "../Config.js"
import { commit, keptOrLost, startWriteAhead, writeAhead } from "./Commit.js"
import { type Fetched, fetchCharts } from "./Fetch.js"
import { planUnits } from "./Plan.js"
import { resolveRegions } from "./Regions.js"
import { openQuota, recordUnits, settleQuota } from "./Quota.js"
import { planRun, withDeferred } from "./QuotaPlan.js"
import { report } from "./Report.js"
import { deferredTracking, lookupsFor, track, trackableNow } from "./Tracking.js"
import { QuotaGate } from "../YouTube/Quota.js"

/**
 * One run, in eight stages (after `REGIONS=all` has resolved its regions): plan its units (each region's charts), fetch them (in the
 * order earlier runs say is quickest; each unit's entries go to the spool file as they
 * come in), merge them, complete the batch's spool file (write-ahead),
 * track the videos that left the charts, commit the batch and what tracking observed,
 * refresh the categories that are due, report. Tracking reads the store, so it comes
 * after the write-ahead: a database that is slow to open never holds the charts
 * outside the spool. Its observations are not spooled: a commit that fails costs them
 * (the next run observes again), never a chart.
 */

/** How far a run got: what an interruption has to keep or record. */
type Progress =
  | { readonly _tag: "Fetching"; readonly outcomes: ReadonlyArray<RegionOutcome> }
  | { readonly _tag: "Fetched"; readonly batch: Batch; readonly kept: SpooledBatch | undefined }
  | { readonly _tag: "Committed" }

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

/** The merge stage: one record per video (`dedup`), the run's status from its outcomes. */
const merge = (batchId: string, startedAt: Date, fetched: Fetched) =>
  Effect.map(now, (finishedAt): Batch => ({
    batchId,
    startedAt,
    finishedAt,
    status: runStatus(fetched.outcomes),
    outcomes: fetched.outcomes,
    entries: fetched.entries,
    videos: dedup(fetched.entries)
  }))

/**
 * A run stopped by a signal: during the fetch, its row says so where the database is
 * open already (nothing else of it is stored); after it, the batch is in the spool.
 */
const onInterrupt = (connection: Context.Tag.Service<StoreConnection>, startedAt: Date) => (progress: Progress) => {
  switch (progress._tag) {
    case "Fetching":
      return Effect.gen(function*() {
        const store = yield* connection.ifOpen
        if (Option.isNone(store)) return
        const runId = yield* store.value.recordInterrupted(startedAt, yield* now, progress.outcomes)
        yield* Effect.logWarning(`run ${runId} interrupted: nothing of it was stored`)
      }).pipe(
        Effect.timeout("1 second"),
        Effect.catchAll((e) => Effect.logWarning(`could not record the interrupted run: ${e.message}`))
      )
    case "Fetched":
      return Effect.zipRight(
        Effect.logWarning("interrupted after the fetch, before the batch was committed"),
        keptOrLost(progress.batch, progress.kept)
      )
    case "Committed":
      return Effect.void
  }
}

/** One run on the services in context; succeeds with its report once it is stored. */
export const ingest = Effect.gen(function*() {
  const connection = yield* StoreConnection
  const startedAt = yield* now
  const batchId = yield* Effect.sync(() => randomUUID())
  const progress = yield* Ref.make<Progress>({ _tag: "Fetching", outcomes: [] })
  const fetchedOne = (outcome: RegionOutcome) =>
    Ref.update(progress, (p) => p._tag === "Fetching" ? { ...p, outcomes: [...p.outcomes, outcome] } : p)

  const quota = yield* openQuota(connection)

  /** The run's stages, once its regions are known. Their scope holds the spool file while it is written. */
  const stages = Effect.scoped(Effect.gen(function*() {
    const plan = yield* planUnits(connection)
    const { regions } = yield* IngestConfig
    const trackable = yield* trackableNow(connection)
    const charts = yield* planRun(quota, plan.units, {
      trackingLookups: lookupsFor(trackable),
      categoryLists: yield* listsDue(connection, regions, plan.categoriesAsked)
    })
    const spoolFile = yield* startWriteAhead(startedAt)
    const fetched = withDeferred(
      plan.units,
      yield* fetchCharts(charts.send, (outcome, unit) => Effect.zipRight(fetchedOne(outcome), spoolFile.append(unit))),
      charts.deferred,
      "the quota left today does not cover it; asked first next run"
    )
    const batch = yield* merge(batchId, startedAt, fetched)
    const [spooled, kept] = yield* writeAhead(spoolFile, batch).pipe(
      Effect.tap((kept) => Ref.set(progress, { _tag: "Fetched", batch, kept })),
      Effect.uninterruptible,
      Effect.timed
    )
    const tracking = charts.tracking ? yield* track(connection, fetched, trackable) : yield* deferredTracking
    const { runId, storeMs } = yield* commit(
      connection,
      { ...batch, tracked: tracking.tracked, gone: tracking.gone },
      kept,
      Ref.set(progress, { _tag: "Committed" })
    )
    if (charts.categoryListsDeferred > 0) {
      yield* Effect.logWarning(
        `${charts.categoryListsDeferred} category list${charts.categoryListsDeferred === 1 ? "" : "s"} deferred: ` +
          "the quota left today does not cover them; the least recently fetched go first next run"
      )
    }
    yield* refreshCategories(yield* connection.store, batch, plan.categoriesAsked, charts.categoryLists)
    const units = (yield* quota.gate.taken).reduce((sum, key) => sum + key.units, 0)
    yield* recordUnits(connection, runId, {
      units,
      allowance: charts.allowance,
      deferred: fetched.outcomes.filter((o) => o.status === "deferred").map(unitLabel)
    })
    return yield* report(batch, fetched, tracking.report, {
      runId,
      spoolMs: Math.round(Duration.toMillis(spooled)),
      storeMs,
      units,
      allowance: charts.allowance
    })
  }))

  const settings = yield* IngestConfig
  return yield* resolveRegions(connection).pipe(
    Effect.flatMap((regions) => Effect.provideService(stages, IngestConfig, { ...settings, regions })),
    Effect.provideService(QuotaGate, quota.gate),
    Effect.onInterrupt(() => Effect.flatMap(Ref.get(progress), onInterrupt(connection, startedAt))),
    // Whatever happens, the ledger learns what was spent (an interrupted run too).
    Effect.ensuring(Effect.ignore(settleQuota(quota)))
  )
}).pipe(Effect.withSpan("ingest"))
