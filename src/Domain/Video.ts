import { Schema } from "effect"
import { RegionCode } from "./Region.js"

/** YouTube ids are 11 characters of [A-Za-z0-9_-]; a little room is left, nothing that could break a URL or the store. */
export const VideoId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_-]{1,64}$/, { message: () => "a video id is 1–64 letters, digits, - or _" }),
  Schema.brand("VideoId")
)
export type VideoId = typeof VideoId.Type

/** A video category's id: a string of digits ("10" is Music). */
export const CategoryId = Schema.String.pipe(
  Schema.pattern(/^\d{1,9}$/, { message: () => "a category id is a string of digits" }),
  Schema.brand("CategoryId")
)
export type CategoryId = typeof CategoryId.Type

/** A chart of a region: `all` (the overall most-popular chart) or a category's chart. */
export const ChartId = Schema.Union(Schema.Literal("all"), CategoryId)
export type ChartId = typeof ChartId.Type

/** The thumbnails YouTube lists, by size name (`default`, `medium`, `high`, `standard`, `maxres`). */
export const Thumbnails = Schema.Record({
  key: Schema.String,
  value: Schema.Struct({
    url: Schema.String,
    width: Schema.optionalWith(Schema.Number, { exact: true }),
    height: Schema.optionalWith(Schema.Number, { exact: true })
  })
})
export type Thumbnails = typeof Thumbnails.Type

const optionally = <A, I, R>(schema: Schema.Schema<A, I, R>) => Schema.optionalWith(schema, { as: "Option" })

/**
 * Everything YouTube says of a video at one observation (snippet, contentDetails,
 * status, statistics). What the API leaves out stays out: a hidden like count is
 * none, never 0; a video without tags has none.
 */
export const videoRecordFields = {
  title: Schema.String,
  channelTitle: Schema.String,
  channelId: optionally(Schema.String),
  categoryId: optionally(CategoryId),
  tags: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  description: Schema.optionalWith(Schema.String, { default: () => "" }),
  publishedAt: optionally(Schema.Date),
  /** The duration as sent, in seconds: `P0D` (live and upcoming streams) is 0. */
  durationSeconds: optionally(Schema.NonNegativeInt),
  /** `hd` or `sd`. */
  definition: optionally(Schema.String),
  caption: optionally(Schema.Boolean),
  licensedContent: optionally(Schema.Boolean),
  madeForKids: optionally(Schema.Boolean),
  /** `none`, `live` or `upcoming`. */
  liveBroadcastContent: optionally(Schema.String),
  /** The largest thumbnail listed. */
  thumbnailUrl: optionally(Schema.String),
  thumbnails: Schema.optionalWith(Thumbnails, { default: () => ({}) }),
  viewCount: optionally(Schema.NonNegativeInt),
  /** None when the owner hides likes (ratings disabled). */
  likeCount: optionally(Schema.NonNegativeInt),
  /** None when comments are disabled. */
  commentCount: optionally(Schema.NonNegativeInt)
}

/**
 * One video as one region's chart listed it. Encoded, it is the JSON the spool keeps:
 * dates as ISO 8601, what is absent as an absent field (a spool file of the first
 * stage, with fewer fields, reads as a record that lacks them).
 */
export class RegionalVideo extends Schema.Class<RegionalVideo>("RegionalVideo")({
  videoId: VideoId,
  region: RegionCode,
  chart: Schema.optionalWith(ChartId, { default: () => "all" as const }),
  /** 1-based position in the chart, in API order. */
  rank: Schema.Int.pipe(Schema.positive()),
  ...videoRecordFields,
  /** The video's own language (`defaultAudioLanguage`, else `defaultLanguage`), when it names one. */
  language: optionally(Schema.String),
  /** When the API answered with this entry. */
  fetchedAt: Schema.Date
}) {}

/**
 * One video after the charts are merged: every region it trended in, its record as the
 * chart that ranks it best gives it, its highest counters.
 */
export class UniqueVideo extends Schema.Class<UniqueVideo>("UniqueVideo")({
  videoId: VideoId,
  ...videoRecordFields,
  /** Sorted, without duplicates. */
  regions: Schema.Array(RegionCode),
  language: Schema.String,
  /** Earliest and latest `fetchedAt` of its entries. */
  firstSeenAt: Schema.Date,
  lastSeenAt: Schema.Date
}) {}

/**
 * A video's counters as a look-up by id gave them (tracking: the video has left the
 * charts). Absent counters stay absent, as in a chart.
 */
export class TrackedCounters extends Schema.Class<TrackedCounters>("TrackedCounters")({
  videoId: VideoId,
  observedAt: Schema.Date,
  viewCount: optionally(Schema.NonNegativeInt),
  likeCount: optionally(Schema.NonNegativeInt),
  commentCount: optionally(Schema.NonNegativeInt)
}) {}

/** A video a look-up by id did not list (deleted, or made private): gone since `goneAt`. */
export class GoneVideo extends Schema.Class<GoneVideo>("GoneVideo")({
  videoId: VideoId,
  goneAt: Schema.Date
}) {}
