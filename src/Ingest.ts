import type { HttpClient } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import { Clock, Duration, Effect, Layer, LogLevel, Option, Ref } from "effect"
import { type ConfigurationError, IngestConfig, YouTubeConfig } from "./Config.js"
import { dedup } from "./Dedup.js"
import { IngestReport, type RegionalVideo, RegionOutcome, runStatus } from "./Domain.js"
import type { RegionCode } from "./Region.js"
import { MigrationsLive } from "./Store/Database.js"
import { type StoreFailed, VideoStore } from "./Store/VideoStore.js"
import { YouTube } from "./YouTube/Client.js"
import { stopsTheRun, type YouTubeError } from "./YouTube/Errors.js"

interface RegionResult {
  readonly outcome: RegionOutcome
  readonly videos: ReadonlyArray<RegionalVideo>
}

/**
 * One run: fetch every configured region (bounded concurrency; one region's failure
 * is that region's outcome), merge, store in one transaction, report.
 */
export const ingest = Effect.gen(function*() {
  const { concurrency, regions } = yield* IngestConfig
  const youtube = yield* YouTube
  const store = yield* VideoStore
  const startedAt = yield* Clock.currentTimeMillis
  // Set by the first error that every other region would repeat (quota, key).
  const stopped = yield* Ref.make(Option.none<YouTubeError>())

  const fetchOne = (region: RegionCode): Effect.Effect<RegionResult> =>
    Effect.gen(function*() {
      const stop = yield* Ref.get(stopped)
      if (Option.isSome(stop)) {
        const outcome = RegionOutcome.make({
          region,
          status: "skipped",
          videos: 0,
          malformed: 0,
          attempts: 0,
          durationMs: 0,
          errorTag: stop.value._tag,
          error: `not requested: ${stop.value.message}`
        })
        yield* Effect.logWarning(`${region}: not requested, the run stopped after ${stop.value._tag}`)
        return { outcome, videos: [] }
      }
      const attempts = yield* Ref.make(0)
      const [elapsed, result] = yield* youtube.fetchRegion(region, { attempts }).pipe(Effect.either, Effect.timed)
      const common = {
        region,
        attempts: yield* Ref.get(attempts),
        durationMs: Math.round(Duration.toMillis(elapsed))
      }
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
        outcome: RegionOutcome.make({
          ...common,
          status: "failed",
          videos: 0,
          malformed: 0,
          errorTag: error._tag,
          error: error.message
        }),
        videos: []
      }
    }).pipe(Effect.withSpan("Ingest.fetchRegion", { attributes: { region } }))

  const results = yield* Effect.forEach(regions, fetchOne, { concurrency })
  const outcomes = results.map((r) => r.outcome)
  const entries = results.flatMap((r) => r.videos)
  const videos = dedup(entries)
  const status = runStatus(outcomes)
  const finishedAt = yield* Clock.currentTimeMillis
  const runId = yield* store.saveRun({
    startedAt: new Date(startedAt),
    finishedAt: new Date(finishedAt),
    status,
    outcomes,
    entries,
    videos
  })
  const report = IngestReport.make({
    runId,
    status,
    startedAt: new Date(startedAt),
    finishedAt: new Date(finishedAt),
    regions: outcomes,
    entries: entries.length,
    uniqueVideos: videos.length,
    multiRegionVideos: videos.filter((v) => v.regions.length > 1).length
  })
  const ok = outcomes.filter((o) => o.status === "ok").length
  yield* Effect.logWithLevel(
    status === "ok" ? LogLevel.Info : status === "partial" ? LogLevel.Warning : LogLevel.Error,
    `run ${runId} ${status}: ${ok}/${outcomes.length} regions, ${entries.length} entries, ` +
      `${videos.length} unique videos (${report.multiRegionVideos} in several regions), ` +
      Duration.format(Duration.millis(finishedAt - startedAt))
  ).pipe(Effect.annotateLogs({ run: runId, status }))
  return report
}).pipe(Effect.withSpan("ingest"))

/** The services `ingest` needs, given the YouTube settings; building it applies the migrations. */
export const IngestServices: Layer.Layer<
  IngestConfig | YouTube | VideoStore,
  ConfigurationError | StoreFailed,
  YouTubeConfig | HttpClient.HttpClient | SqlClient.SqlClient
> = Layer.mergeAll(IngestConfig.layer, YouTube.Default, VideoStore.Default, MigrationsLive)

/**
 * Everything `ingest` needs, from only an `HttpClient` and a `SqlClient` (and the
 * configuration, from the ConfigProvider). Building it applies the migrations.
 */
export const IngestLive: Layer.Layer<
  IngestConfig | YouTube | VideoStore,
  ConfigurationError | StoreFailed,
  HttpClient.HttpClient | SqlClient.SqlClient
> = IngestServices.pipe(Layer.provide(YouTubeConfig.layer))
