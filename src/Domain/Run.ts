import { Data, Schema } from "effect"
import { RegionCode } from "./Region.js"
import { ChartId, type GoneVideo, type RegionalVideo, type TrackedCounters, type UniqueVideo } from "./Video.js"

/** A stored run's id (`ingest_runs.id`). */
export const RunId = Schema.Int.pipe(Schema.positive(), Schema.brand("RunId"))
export type RunId = typeof RunId.Type

/** Why a region's fetch failed, or why it was not requested: the tag of the YouTube client's error. */
export const FailureTag = Schema.Literal(
  "RateLimited",
  "QuotaExceeded",
  "InvalidApiKey",
  "AccessDenied",
  "ChartUnavailable",
  "ApiUnavailable",
  "RequestRejected",
  "DecodeFailed",
  "BudgetSpent"
)
export type FailureTag = typeof FailureTag.Type

/** A failure that means the key or its Google Cloud project is wrong, not the service. */
export const isCredentialFailure = (tag: FailureTag): boolean => tag === "InvalidApiKey" || tag === "AccessDenied"

/** A failure every other request would repeat (a spent quota, a wrong key): once seen, the run asks for nothing more. */
export const isRunStopping = (tag: FailureTag): boolean => tag === "QuotaExceeded" || isCredentialFailure(tag)

/** What an outcome needs of a failure: its tag and what it says. */
export interface Failure {
  readonly _tag: FailureTag
  readonly message: string
}

/** One unit of the fetch: a region's chart. */
export interface ChartUnit {
  readonly region: RegionCode
  readonly chart: ChartId
}

/** How a unit is named in logs and in the timings file: `US` for its overall chart, `US/10` for a category's. */
export const unitLabel = (unit: ChartUnit): string => unit.chart === "all" ? unit.region : `${unit.region}/${unit.chart}`

/**
 * `unavailable`: a category chart YouTube does not offer in that region
 * (`videoChartNotFound`); `deferred`: left for a later run, the day's quota not covering
 * it. Neither is a failure.
 */
export const RegionStatus = Schema.Literal("ok", "failed", "skipped", "unavailable", "deferred")
export type RegionStatus = typeof RegionStatus.Type

/**
 * How one unit of the fetch (a region's chart) went; also stored, as JSON, on the run
 * row. Named for the region it was when a region had one chart: a row written then
 * reads as the region's `all` chart.
 */
export class RegionOutcome extends Schema.Class<RegionOutcome>("RegionOutcome")({
  region: RegionCode,
  chart: Schema.optionalWith(ChartId, { default: () => "all" as const }),
  status: RegionStatus,
  videos: Schema.NonNegativeInt,
  /** Items the API sent that could not be decoded and were left out. */
  malformed: Schema.NonNegativeInt,
  /** HTTP requests made, retries included. */
  attempts: Schema.NonNegativeInt,
  durationMs: Schema.NonNegativeInt,
  /** The failure's tag (`RateLimited`, `QuotaExceeded`…), when the region failed or was skipped. */
  errorTag: Schema.optional(FailureTag),
  error: Schema.optional(Schema.String)
}) {
  static ok(
    region: RegionCode,
    fetched: { readonly videos: number; readonly malformed: number; readonly attempts: number; readonly durationMs: number },
    chart: ChartId = "all"
  ): RegionOutcome {
    return RegionOutcome.make({ region, chart, status: "ok", ...fetched })
  }

  static failed(
    region: RegionCode,
    failure: Failure,
    spent: { readonly attempts: number; readonly durationMs: number },
    chart: ChartId = "all"
  ): RegionOutcome {
    return RegionOutcome.make({
      region,
      chart,
      status: "failed",
      videos: 0,
      malformed: 0,
      ...spent,
      errorTag: failure._tag,
      error: failure.message
    })
  }

  /** A category chart YouTube does not offer in the region: asked again in seven days. */
  static unavailable(
    region: RegionCode,
    chart: ChartId,
    failure: Failure,
    spent: { readonly attempts: number; readonly durationMs: number }
  ): RegionOutcome {
    return RegionOutcome.make({
      region,
      chart,
      status: "unavailable",
      videos: 0,
      malformed: 0,
      ...spent,
      errorTag: failure._tag,
      error: failure.message
    })
  }

  /** Not requested this run: the quota left today does not cover it. A later run asks for it first. */
  static deferred(region: RegionCode, chart: ChartId, why: string): RegionOutcome {
    return RegionOutcome.make({ region, chart, status: "deferred", videos: 0, malformed: 0, attempts: 0, durationMs: 0, error: why })
  }

  /** Not requested: the run had stopped after `cause`, which every region would repeat. */
  static skipped(region: RegionCode, cause: Failure, chart: ChartId = "all"): RegionOutcome {
    return RegionOutcome.make({
      region,
      chart,
      status: "skipped",
      videos: 0,
      malformed: 0,
      attempts: 0,
      durationMs: 0,
      errorTag: cause._tag,
      error: `not requested: ${cause.message}`
    })
  }
}

export const RunStatus = Schema.Literal("ok", "partial", "failed")
export type RunStatus = typeof RunStatus.Type

/** Failed or not requested: what makes a run partial. */
export const isShortfall = (outcome: RegionOutcome): boolean => outcome.status === "failed" || outcome.status === "skipped"

/**
 * `ok` when no unit failed (an unavailable chart is no failure; a run whose every chart
 * rests after being unavailable asked for nothing, and failed in nothing), `partial`
 * when some did, `failed` when all did.
 */
export const runStatus = (outcomes: ReadonlyArray<RegionOutcome>): RunStatus => {
  const short = outcomes.filter(isShortfall).length
  if (short === 0) return "ok"
  return short < outcomes.length ? "partial" : "failed"
}

/**
 * What one run fetched: written ahead to the spool, then committed in one transaction.
 * Storing a batch whose id is stored already does nothing (a spooled batch replayed
 * after a commit that was acknowledged as the process died).
 */
export interface Batch {
  /** Absent: no such check (a batch built by hand). */
  readonly batchId?: string
  readonly startedAt: Date
  readonly finishedAt: Date
  readonly status: RunStatus
  readonly outcomes: ReadonlyArray<RegionOutcome>
  /** Every entry of every region, in chart order. */
  readonly entries: ReadonlyArray<RegionalVideo>
  /** The entries merged (`dedup`). */
  readonly videos: ReadonlyArray<UniqueVideo>
  /** Counters of videos that have left the charts, looked up by id (tracking); absent: none. */
  readonly tracked?: ReadonlyArray<TrackedCounters>
  /** Videos the look-ups no longer found; absent: none. */
  readonly gone?: ReadonlyArray<GoneVideo>
}

/** What tracking did this run: videos that left the charts, looked up by id. */
export class TrackingReport extends Schema.Class<TrackingReport>("TrackingReport")({
  /** Videos due (listed within `TRACK_DAYS`, absent from this run's charts, not gone). */
  videos: Schema.NonNegativeInt,
  /** Their counters refreshed. */
  refreshed: Schema.NonNegativeInt,
  /** Not listed by the API any more: marked gone. */
  gone: Schema.NonNegativeInt,
  /** Look-ups sent (50 ids at most each), retries included. */
  requests: Schema.NonNegativeInt,
  /** Look-ups that failed (their videos are asked again next run). */
  failed: Schema.NonNegativeInt
}) {
  static readonly none = TrackingReport.make({ videos: 0, refreshed: 0, gone: 0, requests: 0, failed: 0 })
}

export class IngestReport extends Schema.Class<IngestReport>("IngestReport")({
  runId: RunId,
  status: RunStatus,
  startedAt: Schema.Date,
  finishedAt: Schema.Date,
  /** One outcome per unit of the fetch (a region's chart), in the configured order. */
  regions: Schema.Array(RegionOutcome),
  /** Entries fetched over all regions (a video in three charts counts three times). */
  entries: Schema.NonNegativeInt,
  uniqueVideos: Schema.NonNegativeInt,
  /** Unique videos that trended in more than one region. */
  multiRegionVideos: Schema.NonNegativeInt,
  /** The order the units were started in (chosen from earlier runs' durations): `US`, `US/10`… */
  fetchOrder: Schema.Array(Schema.String),
  /** How long the fetch stage took, all units. */
  fetchMs: Schema.NonNegativeInt,
  tracking: TrackingReport,
  /** Requests sent, retries included: YouTube's units, each counted whatever its answer. */
  units: Schema.NonNegativeInt,
  /** What the run could spend: its need, or its share of what was left today. */
  allowance: Schema.NonNegativeInt
}) {}

/**
 * A run that was stored but did not fetch every region: what the `run` command fails
 * with, so that its exit code can say partial (75) or failed (69, or 78 for a key).
 */
export class IncompleteRun extends Data.TaggedError("IncompleteRun")<{ readonly report: IngestReport }> {
  override get message() {
    return `run ${this.report.runId} was ${this.report.status}`
  }
}
