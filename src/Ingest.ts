import type { HttpClient } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import { Clock, Duration, Effect, Exit, Fiber, Layer, LogLevel, Option, Ref } from "effect"
import { randomUUID } from "node:crypto"
import { type ConfigurationError, DatabaseConfig, IngestConfig, YouTubeConfig } from "./Config.js"
import { dedup } from "./Dedup.js"
import { IngestReport, type RegionalVideo, RegionOutcome, runStatus } from "./Domain.js"
import type { RegionCode } from "./Region.js"
import { chooseOrder } from "./RegionOrder.js"
import { RegionTimings } from "./RegionTimings.js"
import { MigrationsLive } from "./Store/Database.js"
import { Spool, type SpooledBatch } from "./Store/Spool.js"
import { type RunToSave, type StoreFailed, VideoStore } from "./Store/VideoStore.js"
import { YouTube } from "./YouTube/Client.js"
import { stopsTheRun, type YouTubeError } from "./YouTube/Errors.js"

interface RegionResult {
  readonly outcome: RegionOutcome
  readonly videos: ReadonlyArray<RegionalVideo>
}

/**
 * The fetch stage: every configured region, at most `concurrency` at once. One region's
 * failure is that region's outcome; an error every region would repeat (quota, key)
 * stops the regions not yet started. Each outcome is added to `done` as it finishes.
 */
const fetchRegions = (done: Ref.Ref<ReadonlyArray<RegionOutcome>>) =>
  Effect.gen(function*() {
    const { concurrency, regions } = yield* IngestConfig
    const youtube = yield* YouTube
    const timings = yield* RegionTimings
    const stopped = yield* Ref.make(Option.none<YouTubeError>())
    const recorded = yield* timings.load
    const chosen = chooseOrder(regions, recorded, concurrency)
    yield* Effect.logDebug(
      `fetch order ${chosen.order.join(",")} (${chosen.how}; ${Math.round(chosen.expectedMs)} ms expected from earlier runs)`
    )

    const fetchOne = (region: RegionCode): Effect.Effect<RegionResult> =>
      Effect.gen(function*() {
        const stop = yield* Ref.get(stopped)
        if (Option.isSome(stop)) {
          yield* Effect.logWarning(`${region}: not requested, the run stopped after ${stop.value._tag}`)
          return {
            outcome: RegionOutcome.make({
              region,
              status: "skipped",
              videos: 0,
              malformed: 0,
              attempts: 0,
              durationMs: 0,
              errorTag: stop.value._tag,
              error: `not requested: ${stop.value.message}`
            }),
            videos: []
          }
        }
        const attempts = yield* Ref.make(0)
        const [elapsed, result] = yield* youtube.fetchRegion(region, { attempts }).pipe(Effect.either, Effect.timed)
        const common = { region, attempts: yield* Ref.get(attempts), durationMs: Math.round(Duration.toMillis(elapsed)) }
        if (result._tag === "Right") {
          const { malformed, videos } = result.right
          return { outcome: RegionOutcome.make({ ...common, status: "ok", videos: videos.length, malformed }), videos }
        }
        const error = result.left
        if (stopsTheRun(error)) yield* Ref.set(stopped, Option.some(error))
        yield* Effect.logError(`${error.message}; ${error.hint}`).pipe(
          Effect.annotateLogs({ region, error: error._tag, attempts: common.attempts })
        )
        return {
          outcome: RegionOutcome.make({ ...common, status: "failed", videos: 0, malformed: 0, errorTag: error._tag, error: error.message }),
          videos: []
        }
      }).pipe(
        Effect.tap(({ outcome }) => Ref.update(done, (list) => [...list, outcome])),
        Effect.withSpan("Ingest.fetchRegion", { attributes: { region } })
      )

    const [elapsed, fetched] = yield* Effect.timed(Effect.forEach(chosen.order, fetchOne, { concurrency }))
    // Reported, and stored, in the configured order.
    const byRegion = new Map(fetched.map((r) => [r.outcome.region, r]))
    const results = regions.map((region) => byRegion.get(region)!)
    const outcomes = results.map((r) => r.outcome)
    yield* timings.record(recorded, outcomes)
    return { outcomes, entries: results.flatMap((r) => r.videos), order: chosen.order, fetchMs: Math.round(Duration.toMillis(elapsed)) }
  })

/** Stores what earlier runs spooled, oldest first; stops at the first failure (the database is likely down). */
const storeSpooled = (store: VideoStore, own: SpooledBatch | undefined) =>
  Effect.gen(function*() {
    const spool = yield* Spool
    for (const batch of yield* spool.pending(own?.path)) {
      const stored = yield* store.saveRun(batch.run).pipe(Effect.either)
      if (stored._tag === "Left") {
        yield* Effect.logWarning(`could not store the spooled batch ${batch.path} yet: ${stored.left.message}`)
        return
      }
      yield* spool.remove(batch)
      yield* Effect.log(`stored the spooled batch of ${batch.run.startedAt.toISOString()} as run ${stored.right} and removed ${batch.path}`)
    }
  })

/**
 * Writes the fetched batch to the spool before it is stored (write-ahead), so that
 * nothing fetched is lost whatever happens next: a database that fails, hangs, or a
 * signal mid-transaction. Removed once committed. A run that fetched nothing has
 * nothing to keep.
 */
const writeAhead = (run: RunToSave) =>
  Effect.gen(function*() {
    if (run.entries.length === 0) return undefined
    const spool = yield* Spool
    return yield* spool.write(run).pipe(
      Effect.map((path): SpooledBatch => ({ path, run })),
      Effect.catchAll((e) =>
        Effect.as(Effect.logWarning(`${e.message}; storing the batch without a copy in the spool`), undefined)
      )
    )
  })

/** What an operator needs to read when a fetched batch was not stored. */
const keptOrLost = (run: RunToSave, kept: SpooledBatch | undefined) =>
  kept !== undefined
    ? Effect.logWarning(`kept the fetched batch (${run.entries.length} entries) in the spool at ${kept.path}; the next run stores it`)
    : run.entries.length === 0
    ? Effect.void
    : Effect.logError(
      `this run's ${run.entries.length} entries are lost: the spool could not be written (free space or fix ` +
        "permissions there; the next run fetches again)"
    )

type Stage =
  | { readonly _tag: "Fetching" }
  | { readonly _tag: "Fetched"; readonly run: RunToSave; readonly kept: SpooledBatch | undefined }
  | { readonly _tag: "Committed" }

/**
 * One run, with the store acquired by `acquireStore` while the regions are fetched (so
 * opening the database and checking migrations overlap the fetch instead of preceding
 * it). Fetch, merge, write the batch ahead to the spool, store earlier spooled
 * batches, store this one in one transaction (idempotent by batch id), remove it from
 * the spool, report. A batch that is not committed stays in the spool for the next
 * run; a run stopped by a signal before its fetch ended is recorded as interrupted
 * where the database is reachable.
 */
export const ingestWith = <E extends StoreFailed | ConfigurationError, R>(acquireStore: Effect.Effect<VideoStore, E, R>) =>
  Effect.gen(function*() {
    const storeFiber = yield* Effect.fork(acquireStore)
    const startedAt = new Date(yield* Clock.currentTimeMillis)
    const done = yield* Ref.make<ReadonlyArray<RegionOutcome>>([])
    const batchId = yield* Effect.sync(() => randomUUID())
    /** How far the run got: what an interruption has to keep or record. */
    const stage = yield* Ref.make<Stage>({ _tag: "Fetching" })

    const recordInterruption = Effect.gen(function*() {
      const store = yield* Fiber.poll(storeFiber)
      if (Option.isNone(store) || Exit.isFailure(store.value)) return
      const finishedAt = new Date(yield* Clock.currentTimeMillis)
      const runId = yield* store.value.value.recordInterrupted(startedAt, finishedAt, yield* Ref.get(done))
      yield* Effect.logWarning(`run ${runId} interrupted: nothing of it was stored`)
    }).pipe(
      Effect.timeout("1 second"),
      Effect.catchAll((e) => Effect.logWarning(`could not record the interrupted run: ${e.message}`))
    )

    const onInterrupt = Effect.flatMap(Ref.get(stage), (at) => {
      switch (at._tag) {
        case "Fetching":
          return recordInterruption
        case "Fetched":
          return Effect.zipRight(
            Effect.logWarning("interrupted after the fetch, before the batch was committed"),
            keptOrLost(at.run, at.kept)
          )
        case "Committed":
          return Effect.void
      }
    })

    return yield* Effect.gen(function*() {
      const { entries, fetchMs, order, outcomes } = yield* fetchRegions(done)
      const videos = dedup(entries)
      const status = runStatus(outcomes)
      const finishedAt = new Date(yield* Clock.currentTimeMillis)
      const run: RunToSave = { batchId, startedAt, finishedAt, status, outcomes, entries, videos }
      const [spooled, kept] = yield* writeAhead(run).pipe(
        Effect.tap((kept) => Ref.set(stage, { _tag: "Fetched", run, kept })),
        Effect.uninterruptible,
        Effect.timed
      )
      const spoolMs = Math.round(Duration.toMillis(spooled))
      const notStored = <E>(error: E) => Effect.zipRight(keptOrLost(run, kept), Effect.fail(error))

      const store = yield* Fiber.join(storeFiber).pipe(Effect.catchAll(notStored))
      yield* storeSpooled(store, kept)
      // Marked committed before an interruption can land between the commit and the next step.
      const [stored, runId] = yield* Effect.uninterruptibleMask((restore) =>
        restore(store.saveRun(run)).pipe(Effect.tap(() => Ref.set(stage, { _tag: "Committed" })))
      ).pipe(Effect.catchAll(notStored), Effect.timed)
      if (kept !== undefined) yield* (yield* Spool).remove(kept)
      const storeMs = Math.round(Duration.toMillis(stored))

      const report = IngestReport.make({
        runId,
        status,
        startedAt,
        finishedAt,
        regions: outcomes,
        entries: entries.length,
        uniqueVideos: videos.length,
        multiRegionVideos: videos.filter((v) => v.regions.length > 1).length,
        fetchOrder: order,
        fetchMs
      })
      const ok = outcomes.filter((o) => o.status === "ok").length
      yield* Effect.logWithLevel(
        status === "ok" ? LogLevel.Info : status === "partial" ? LogLevel.Warning : LogLevel.Error,
        `run ${runId} ${status}: ${ok}/${outcomes.length} regions, ${entries.length} entries, ` +
          `${videos.length} unique videos (${report.multiRegionVideos} in several regions), ` +
          Duration.format(Duration.millis(finishedAt.getTime() - startedAt.getTime()))
      ).pipe(Effect.annotateLogs({ run: runId, status, fetchMs, spoolMs, storeMs, fetchOrder: order.join(",") }))
      return report
    }).pipe(Effect.onInterrupt(() => onInterrupt))
  }).pipe(Effect.withSpan("ingest"))

/** One run, on the `VideoStore` in context. */
export const ingest = ingestWith(VideoStore)

/** What `ingest` keeps in the state directory (the spool, the region timings), given its `DatabaseConfig`. */
export const StateServices = Layer.merge(Spool.Default, RegionTimings.Default)

/**
 * The services `ingest` needs, given the YouTube settings and the state services;
 * building it applies the migrations.
 */
export const IngestCore: Layer.Layer<
  IngestConfig | YouTube | VideoStore,
  ConfigurationError | StoreFailed,
  YouTubeConfig | HttpClient.HttpClient | SqlClient.SqlClient
> = Layer.mergeAll(IngestConfig.layer, YouTube.Default, VideoStore.Default, MigrationsLive)

/**
 * Everything `ingest` needs, from only an `HttpClient` and a `SqlClient` (and the
 * configuration, from the ConfigProvider). Building it applies the migrations.
 */
export const IngestLive: Layer.Layer<
  IngestConfig | YouTube | VideoStore | Spool | RegionTimings,
  ConfigurationError | StoreFailed,
  HttpClient.HttpClient | SqlClient.SqlClient
> = Layer.merge(IngestCore, StateServices.pipe(Layer.provide(DatabaseConfig.layer))).pipe(
  Layer.provide(YouTubeConfig.layer)
)
