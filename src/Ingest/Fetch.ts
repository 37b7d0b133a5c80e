import { Duration, Effect, Either, Option, Ref } from "effect"
import { IngestConfig } from "../Config.js"
import { type ChartUnit, RegionOutcome, unitLabel } from "../Domain/Run.js"
import type { FetchedChart, SentPage } from "../Domain/SentPage.js"
import type { RegionalVideo } from "../Domain/Video.js"
import { YouTube } from "../YouTube/Client.js"
import { stopsTheRun, type YouTubeError } from "../YouTube/Errors.js"
import { chooseOrder } from "./Order.js"
import { RegionTimings } from "./Timings.js"

/** What the fetch stage hands on. */
export interface Fetched {
  /** Every unit's outcome, in the planned order (region by region, its charts in order). */
  readonly outcomes: ReadonlyArray<RegionOutcome>
  /** Every unit's entries, in the planned order and chart order. */
  readonly entries: ReadonlyArray<RegionalVideo>
  /** The order the units were started in (`US`, `US/10`…). */
  readonly order: ReadonlyArray<string>
  readonly fetchMs: number
}

interface UnitResult {
  readonly outcome: RegionOutcome
  readonly videos: ReadonlyArray<RegionalVideo>
  /** The pages as sent: for `onUnit` (the spool), not kept past it. */
  readonly sent?: ReadonlyArray<SentPage> | undefined
}

const millis = (elapsed: Duration.Duration) => Math.round(Duration.toMillis(elapsed))

/**
 * The fetch stage: every planned unit (a region's chart), at most `concurrency` at once,
 * started in the order that earlier runs' durations say finishes soonest; each unit is
 * retried on its own. One unit's failure is that unit's outcome; an error every unit
 * would repeat (quota, key) stops the units not yet started. `onUnit` hears of each
 * unit as it finishes, with its entries and the pages they came from.
 */
export const fetchCharts = (
  units: ReadonlyArray<ChartUnit>,
  onUnit: (outcome: RegionOutcome, fetched: FetchedChart) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    const { concurrency, everyRegion } = yield* IngestConfig
    const youtube = yield* YouTube
    const timings = yield* RegionTimings
    const stopped = yield* Ref.make(Option.none<YouTubeError>())
    const recorded = yield* timings.load
    const byLabel = new Map(units.map((unit) => [unitLabel(unit), unit]))
    const chosen = chooseOrder([...byLabel.keys()], recorded, concurrency)
    yield* Effect.logDebug(
      `fetch order ${chosen.order.join(",")} (${chosen.how}; ${Math.round(chosen.expectedMs)} ms expected from earlier runs)`
    )

    /** A category chart YouTube does not offer in the region is an outcome of its own, not a failure. */
    const failed = (unit: ChartUnit, error: YouTubeError, attempts: number, elapsed: Duration.Duration) =>
      Effect.gen(function*() {
        const spent = { attempts, durationMs: millis(elapsed) }
        if (error._tag === "ChartUnavailable" && unit.chart !== "all") {
          const said = {
            _tag: error._tag,
            message: `${unit.region}: YouTube offers no chart of category ${unit.chart} here (HTTP ${error.status} ${error.reason}); asked again in 7 days`
          }
          yield* Effect.log(said.message).pipe(Effect.annotateLogs({ region: unit.region, chart: unit.chart }))
          return { outcome: RegionOutcome.unavailable(unit.region, unit.chart, said, spent), videos: [] }
        }
        if (error._tag === "ChartUnavailable" && everyRegion) {
          // Listed by i18nRegions.list, refused by the chart: YouTube withdrew it since the list was fetched.
          const said = {
            _tag: error._tag,
            message: `${unit.region}: YouTube has no chart here (HTTP ${error.status} ${error.reason}) though it listed the region; asked again in 7 days`
          }
          yield* Effect.logWarning(said.message).pipe(Effect.annotateLogs({ region: unit.region, chart: unit.chart }))
          return { outcome: RegionOutcome.unavailable(unit.region, unit.chart, said, spent), videos: [] }
        }
        if (error._tag === "BudgetSpent") {
          yield* Effect.logWarning(`${unitLabel(unit)}: deferred: ${error.message}`)
          return { outcome: RegionOutcome.deferred(unit.region, unit.chart, error.message), videos: [] }
        }
        if (stopsTheRun(error)) yield* Ref.set(stopped, Option.some(error))
        yield* Effect.logError(`${error.message}; ${error.hint}`).pipe(
          Effect.annotateLogs({ region: unit.region, chart: unit.chart, error: error._tag, attempts })
        )
        return { outcome: RegionOutcome.failed(unit.region, error, spent, unit.chart), videos: [] }
      })

    const fetchOne = (label: string): Effect.Effect<UnitResult> => {
      const unit = byLabel.get(label)!
      return Effect.gen(function*() {
        const stop = yield* Ref.get(stopped)
        if (Option.isSome(stop)) {
          yield* Effect.logWarning(`${label}: not requested, the run stopped after ${stop.value._tag}`)
          return { outcome: RegionOutcome.skipped(unit.region, stop.value, unit.chart), videos: [] }
        }
        const [elapsed, result] = yield* youtube.fetchChart(unit).pipe(Effect.either, Effect.timed)
        return yield* Either.match(result, {
          onRight: ({ attempts, malformed, sent, videos }): Effect.Effect<UnitResult> =>
            Effect.succeed({
              outcome: RegionOutcome.ok(
                unit.region,
                { videos: videos.length, malformed, attempts, durationMs: millis(elapsed) },
                unit.chart
              ),
              videos,
              sent
            }),
          onLeft: ({ attempts, error }) => failed(unit, error, attempts, elapsed)
        })
      }).pipe(
        Effect.tap(({ outcome, sent, videos }) => onUnit(outcome, { ...unit, videos, sent })),
        Effect.map(({ outcome, videos }): UnitResult => ({ outcome, videos })),
        Effect.withSpan("Ingest.fetchChart", { attributes: { region: unit.region, chart: unit.chart } })
      )
    }

    const [elapsed, fetched] = yield* Effect.timed(Effect.forEach(chosen.order, fetchOne, { concurrency }))
    const byUnit = new Map(fetched.map((r) => [unitLabel(r.outcome), r]))
    const results = units.map((unit) => byUnit.get(unitLabel(unit))!)
    const outcomes = results.map((r) => r.outcome)
    yield* timings.record(recorded, outcomes)
    return {
      outcomes,
      entries: results.flatMap((r) => r.videos),
      order: chosen.order,
      fetchMs: millis(elapsed)
    } satisfies Fetched
  })
