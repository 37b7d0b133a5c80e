import { Schema } from "effect"
import { RegionCode } from "./Region.js"

/** YouTube ids are 11 characters of [A-Za-z0-9_-]; a little room is left, nothing that could break a URL or the store. */
export const VideoId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_-]{1,64}$/, { message: () => "a video id is 1–64 letters, digits, - or _" }),
  Schema.brand("VideoId")
)
export type VideoId = typeof VideoId.Type

/**
 * One video as one region's chart listed it. Encoded, it is the JSON the spool keeps:
 * dates as ISO 8601, an absent language or publication date as an absent field.
 */
export class RegionalVideo extends Schema.Class<RegionalVideo>("RegionalVideo")({
  videoId: VideoId,
  region: RegionCode,
  /** 1-based position in the region's chart, in API order. */
  rank: Schema.Int.pipe(Schema.positive()),
  title: Schema.String,
  channelTitle: Schema.String,
  viewCount: Schema.NonNegativeInt,
  /** The video's own language (`defaultAudioLanguage`, else `defaultLanguage`), when it names one. */
  language: Schema.optionalWith(Schema.String, { as: "Option" }),
  publishedAt: Schema.optionalWith(Schema.Date, { as: "Option" }),
  /** When the API answered with this entry. */
  fetchedAt: Schema.Date
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
  publishedAt: Schema.optionalWith(Schema.Date, { as: "Option" }),
  /** Earliest and latest `fetchedAt` of its entries. */
  firstSeenAt: Schema.Date,
  lastSeenAt: Schema.Date
}) {}
