import { Data, Schema } from "effect"
import { RegionCode } from "./Region.js"
import type { RegionalVideo, UniqueVideo } from "./Video.js"

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
  "DecodeFailed"
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

export const RegionStatus = Schema.Literal("ok", "failed", "skipped")
export type RegionStatus = typeof RegionStatus.Type

/** How one region's fetch went; also stored, as JSON, on the run row. */
export class RegionOutcome extends Schema.Class<RegionOutcome>("RegionOutcome")({
  region: RegionCode,
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
    fetched: { readonly videos: number; readonly malformed: number; readonly attempts: number; readonly durationMs: number }
  ): RegionOutcome {
    return RegionOutcome.make({ region, status: "ok", ...fetched })
  }

  static failed(
    region: RegionCode,
    failure: Failure,
    spent: { readonly attempts: number; readonly durationMs: number }
  ): RegionOutcome {
    return RegionOutcome.make({
      region,
      status: "failed",
      videos: 0,
      malformed: 0,
      ...spent,
      errorTag: failure._tag,
      error: failure.message
    })
  }

  /** Not requested: the run had stopped after `cause`, which every region would repeat. */
  static skipped(region: RegionCode, cause: Failure): RegionOutcome {
    return RegionOutcome.make({
      region,
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

export const runStatus = (outcomes: ReadonlyArray<RegionOutcome>): RunStatus => {
  const ok = outcomes.filter((o) => o.status === "ok").length
  if (outcomes.length > 0 && ok === outcomes.length) return "ok"
  return ok > 0 ? "partial" : "failed"
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
}

export class IngestReport extends Schema.Class<IngestReport>("IngestReport")({
  runId: RunId,
  status: RunStatus,
  startedAt: Schema.Date,
  finishedAt: Schema.Date,
  regions: Schema.Array(RegionOutcome),
  /** Entries fetched over all regions (a video in three charts counts three times). */
  entries: Schema.NonNegativeInt,
  uniqueVideos: Schema.NonNegativeInt,
  /** Unique videos that trended in more than one region. */
  multiRegionVideos: Schema.NonNegativeInt,
  /** The order the regions were started in (chosen from earlier runs' durations). */
  fetchOrder: Schema.Array(RegionCode),
  /** How long the fetch stage took, all regions. */
  fetchMs: Schema.NonNegativeInt
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
