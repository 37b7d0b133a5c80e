import { Schema } from "effect"
import { RegionCode } from "./Region.js"

/** YouTube ids are 11 characters of [A-Za-z0-9_-]; a little room is left, nothing that could break a URL or the store. */
export const VideoId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_-]{1,64}$/, { message: () => "a video id is 1–64 letters, digits, - or _" }),
  Schema.brand("VideoId")
)
export type VideoId = typeof VideoId.Type

/** One video as one region's chart listed it. */
export class RegionalVideo extends Schema.Class<RegionalVideo>("RegionalVideo")({
  videoId: VideoId,
  region: RegionCode,
  /** 1-based position in the region's chart, in API order. */
  rank: Schema.Int.pipe(Schema.positive()),
  title: Schema.String,
  channelTitle: Schema.String,
  viewCount: Schema.NonNegativeInt,
  /** The video's own language (`defaultAudioLanguage`, else `defaultLanguage`), when it names one. */
  language: Schema.OptionFromUndefinedOr(Schema.String),
  publishedAt: Schema.OptionFromUndefinedOr(Schema.DateFromSelf),
  /** When the API answered with this entry. */
  fetchedAt: Schema.DateFromSelf
}) {}

/** One video after the regions are merged: every region it trended in, its highest view count. */
export class UniqueVideo extends Schema.Class<UniqueVideo>("UniqueVideo")({
  videoId: VideoId,
  title: Schema.String,
  channelTitle: Schema.String,
  viewCount: Schema.NonNegativeInt,
  /** Sorted, without duplicates. */
  regions: Schema.Array(RegionCode),
  language: Schema.String,
  publishedAt: Schema.OptionFromUndefinedOr(Schema.DateFromSelf),
  /** Earliest and latest `fetchedAt` of its entries. */
  firstSeenAt: Schema.DateFromSelf,
  lastSeenAt: Schema.DateFromSelf
}) {}

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
  /** The error's tag (`RateLimited`, `QuotaExceeded`…), when the region failed or was skipped. */
  errorTag: Schema.optional(Schema.String),
  error: Schema.optional(Schema.String)
}) {}

export const RunStatus = Schema.Literal("ok", "partial", "failed")
export type RunStatus = typeof RunStatus.Type

export class IngestReport extends Schema.Class<IngestReport>("IngestReport")({
  runId: Schema.Number,
  status: RunStatus,
  startedAt: Schema.DateFromSelf,
  finishedAt: Schema.DateFromSelf,
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

export const runStatus = (outcomes: ReadonlyArray<RegionOutcome>): RunStatus => {
  const ok = outcomes.filter((o) => o.status === "ok").length
  if (outcomes.length > 0 && ok === outcomes.length) return "ok"
  return ok > 0 ? "partial" : "failed"
}
