import { Array as Arr, Clock, type Context, Duration, Effect, Either, Option, Ref } from "effect"
import { IngestConfig } from "../Config.js"
import type { RegionCode } from "../Domain/Region.js"
import { isRunStopping, TrackingReport } from "../Domain/Run.js"
import { GoneVideo, type TrackedCounters, type VideoId } from "../Domain/Video.js"
import type { StoreConnection } from "../Store/Connection.js"
import { YouTube } from "../YouTube/Client.js"
import { stopsTheRun } from "../YouTube/Errors.js"
import type { Fetched } from "./Fetch.js"

/** The API's most ids a look-up. */
const IDS_A_REQUEST = 50

/** What the tracking stage hands on to the batch. */
export interface Tracked {
  readonly tracked: ReadonlyArray<TrackedCounters>
  readonly gone: ReadonlyArray<GoneVideo>
  readonly report: TrackingReport
}

const nothing: Tracked = { tracked: [], gone: [], report: TrackingReport.none }

/** Tracking left out by the quota's plan: said, and nothing looked up (the next run with room does). */
export const deferredTracking = Effect.as(Effect.logWarning("tracking deferred: the quota left today does not cover its look-ups"), nothing)

/** The videos tracking could look up, read once a run: by the plan when the store is open by then, else by the stage. */
export type Trackable = Option.Option<ReadonlyArray<{ readonly videoId: VideoId; readonly region: RegionCode }>>

/**
 * The videos due for tracking as the plan sees them: every video a chart listed within
 * `TRACK_DAYS`, as if no chart of this run listed it. None while the store is not open
 * (the plan does not wait for it; the tracking stage, later, does).
 */
export const trackableNow = (connection: Context.Tag.Service<StoreConnection>): Effect.Effect<Trackable, never, IngestConfig> =>
  Effect.gen(function*() {
    const { trackDays } = yield* IngestConfig
    if (trackDays === 0) return Option.some([])
    const open = yield* connection.ifOpen
    if (Option.isNone(open)) return Option.none()
    const now = yield* Clock.currentTimeMillis
    return Option.some(yield* open.value.trackable(new Date(now - Duration.toMillis(Duration.days(trackDays)))))
  }).pipe(Effect.orElseSucceed(() => Option.none()))

/** The look-ups `trackable` would take (50 ids a request, grouped by region): an upper bound for the plan. */
export const lookupsFor = (trackable: Trackable): number =>
  Option.match(trackable, {
    onNone: () => 0,
    onSome: (videos) =>
      Object.values(Arr.groupBy(videos, (video) => video.region)).reduce((sum, vs) => sum + Math.ceil(vs.length / IDS_A_REQUEST), 0)
  })

/**
 * The tracking stage, after the charts: every video a chart listed within `TRACK_DAYS`
 * that this run's charts did not, and that is not gone, is looked up by id (50 a
 * request, grouped by the region that listed it last), so its series goes on. A video
 * the API does not list any more is gone from that moment. A failed look-up costs its
 * videos this observation (asked again next run), nothing else; after an error every
 * request would repeat (quota, key), or with no store to ask, nothing is looked up.
 */
export const track = (connection: Context.Tag.Service<StoreConnection>, fetched: Fetched, known: Trackable = Option.none()) =>
  Effect.gen(function*() {
    const { concurrency, trackDays } = yield* IngestConfig
    if (trackDays === 0) return nothing
    if (fetched.outcomes.some((o) => o.errorTag !== undefined && isRunStopping(o.errorTag))) return nothing
    const listed = new Set<string>(fetched.entries.map((e) => e.videoId))
    const trackable = Option.isSome(known)
      ? known.value
      : yield* Effect.flatMap(connection.store, (store) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => store.trackable(new Date(now - Duration.toMillis(Duration.days(trackDays))))))
    const due = trackable.filter((video) => !listed.has(video.videoId))
    if (due.length === 0) return nothing

    const youtube = yield* YouTube
    const stopped = yield* Ref.make(false)
    const byRegion = Arr.groupBy(due, (video) => video.region)
    const requests = Object.entries(byRegion).flatMap(([region, videos]) =>
      Arr.chunksOf(videos.map((v) => v.videoId), IDS_A_REQUEST).map((ids) => ({ region: region as RegionCode, ids }))
    )
    const answers = yield* Effect.forEach(requests, ({ ids, region }) =>
      Effect.gen(function*() {
        if (yield* Ref.get(stopped)) return Option.none()
        const answer = yield* Effect.either(youtube.lookUp(region, ids as ReadonlyArray<VideoId>))
        if (Either.isLeft(answer)) {
          const { attempts, error } = answer.left
          if (stopsTheRun(error)) yield* Ref.set(stopped, true)
          yield* Effect.logWarning(`look-up of ${ids.length} tracked videos failed: ${error.message}; asked again next run`).pipe(
            Effect.annotateLogs({ region, error: error._tag, attempts })
          )
          return Option.some({ attempts, found: [], gone: [], failed: 1 })
        }
        const { attempts, found, missing, observedAt } = answer.right
        return Option.some({
          attempts,
          found,
          gone: missing.map((videoId) => GoneVideo.make({ videoId, goneAt: observedAt })),
          failed: 0
        })
      }), { concurrency })
    const done = Arr.getSomes(answers)
    const tracked = done.flatMap((a) => a.found)
    const gone = done.flatMap((a) => a.gone)
    const report = TrackingReport.make({
      videos: due.length,
      refreshed: tracked.length,
      gone: gone.length,
      requests: done.reduce((n, a) => n + a.attempts, 0),
      failed: done.reduce((n, a) => n + a.failed, 0)
    })
    yield* Effect.log(
      `tracked ${report.videos} videos that left the charts: ${report.refreshed} refreshed, ${report.gone} gone` +
        (report.failed > 0 ? `, ${report.failed} look-ups failed` : "")
    ).pipe(Effect.annotateLogs({ requests: report.requests }))
    return { tracked, gone, report } satisfies Tracked
  }).pipe(
    Effect.catchAll((e) => Effect.as(Effect.logWarning(`${e.message}: no tracking this run`), nothing)),
    Effect.withSpan("Ingest.track")
  )
