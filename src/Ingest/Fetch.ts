import { Duration, Effect, Either, Option, Ref } from "effect"
import { IngestConfig } from "../Config.js"
import type { RegionCode } from "../Domain/Region.js"
import { RegionOutcome } from "../Domain/Run.js"
import type { RegionalVideo } from "../Domain/Video.js"
import { YouTube } from "../YouTube/Client.js"
import { stopsTheRun, type YouTubeError } from "../YouTube/Errors.js"
import { chooseOrder } from "./Order.js"
import { RegionTimings } from "./Timings.js"

/** What the fetch stage hands on. */
export interface Fetched {
  /** Every region's outcome, in the configured order. */
  readonly outcomes: ReadonlyArray<RegionOutcome>
  /** Every region's entries, in the configured order and chart order. */
  readonly entries: ReadonlyArray<RegionalVideo>
  /** The order the regions were started in. */
  readonly order: ReadonlyArray<RegionCode>
  readonly fetchMs: number
}

interface RegionResult {
  readonly outcome: RegionOutcome
  readonly videos: ReadonlyArray<RegionalVideo>
}

const millis = (elapsed: Duration.Duration) => Math.round(Duration.toMillis(elapsed))

/**
 * The fetch stage: every configured region, at most `concurrency` at once, started in
 * the order that earlier runs' durations say finishes soonest. One region's failure is
 * that region's outcome; an error every region would repeat (quota, key) stops the
 * regions not yet started. `onOutcome` hears of each region as it finishes.
 */
export const fetchRegions = (onOutcome: (outcome: RegionOutcome) => Effect.Effect<void>) =>
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

    const failed = (region: RegionCode, error: YouTubeError, attempts: number, elapsed: Duration.Duration) =>
      Effect.gen(function*() {
        if (stopsTheRun(error)) yield* Ref.set(stopped, Option.some(error))
        yield* Effect.logError(`${error.message}; ${error.hint}`).pipe(
          Effect.annotateLogs({ region, error: error._tag, attempts })
        )
        return { outcome: RegionOutcome.failed(region, error, { attempts, durationMs: millis(elapsed) }), videos: [] }
      })

    const fetchOne = (region: RegionCode): Effect.Effect<RegionResult> =>
      Effect.gen(function*() {
        const stop = yield* Ref.get(stopped)
        if (Option.isSome(stop)) {
          yield* Effect.logWarning(`${region}: not requested, the run stopped after ${stop.value._tag}`)
          return { outcome: RegionOutcome.skipped(region, stop.value), videos: [] }
        }
        const [elapsed, result] = yield* youtube.fetchRegion(region).pipe(Effect.either, Effect.timed)
        return yield* Either.match(result, {
          onRight: ({ attempts, malformed, videos }): Effect.Effect<RegionResult> =>
            Effect.succeed({
              outcome: RegionOutcome.ok(region, { videos: videos.length, malformed, attempts, durationMs: millis(elapsed) }),
              videos
            }),
          onLeft: ({ attempts, error }) => failed(region, error, attempts, elapsed)
        })
      }).pipe(
        Effect.tap(({ outcome }) => onOutcome(outcome)),
        Effect.withSpan("Ingest.fetchRegion", { attributes: { region } })
      )

    const [elapsed, fetched] = yield* Effect.timed(Effect.forEach(chosen.order, fetchOne, { concurrency }))
    const byRegion = new Map(fetched.map((r) => [r.outcome.region, r]))
    const results = regions.map((region) => byRegion.get(region)!)
    const outcomes = results.map((r) => r.outcome)
    yield* timings.record(recorded, outcomes)
    return {
      outcomes,
      entries: results.flatMap((r) => r.videos),
      order: chosen.order,
      fetchMs: millis(elapsed)
    } satisfies Fetched
  })
