import { Schema } from "effect"
import { RegionCode } from "../Domain/Region.js"
import { RegionOutcome, RunId, RunStatus } from "../Domain/Run.js"
import { CategoryId, ChartId, Thumbnails, VideoId } from "../Domain/Video.js"
import { Int8 } from "./Columns.js"

/**
 * What Trends answers with, and its rows as they arrive. Each exported schema is the JSON
 * the HTTP API answers with once encoded (dates ISO 8601, counts numbers); the rest are
 * the rows `pg` gives (dates as Dates, bigints as strings), decoded into them.
 */

/** Null when the owner hides it (likes, comments) or the API did not send it. */
const Counter = Schema.NullOr(Schema.NonNegativeInt)

/** A counter as its `bigint` column arrives: a string. */
const CounterColumn = Schema.NullOr(Int8)

export const RunIdColumn = Schema.compose(Int8, RunId)

/** A video at its place in a chart: the entry's own counters, the video's record, the category's title in that region. */
export const RankedVideo = Schema.Struct({
  rank: Schema.Int,
  videoId: VideoId,
  title: Schema.String,
  channelTitle: Schema.String,
  viewCount: Counter,
  likeCount: Counter,
  commentCount: Counter,
  durationSeconds: Schema.NullOr(Schema.NonNegativeInt),
  categoryId: Schema.NullOr(CategoryId),
  /** Null when the region's categories are not stored, or do not list it. */
  categoryTitle: Schema.NullOr(Schema.String),
  thumbnailUrl: Schema.NullOr(Schema.String),
  url: Schema.String
})
export type RankedVideo = typeof RankedVideo.Type

/** A region's chart as one run fetched it, in rank order. */
export const Chart = Schema.Struct({
  region: RegionCode,
  chart: ChartId,
  runId: RunId,
  /** When its first page was fetched. */
  fetchedAt: Schema.Date,
  entries: Schema.Array(RankedVideo)
})
export type Chart = typeof Chart.Type

/** One place a video held in a chart. */
export const TrendingEntry = Schema.Struct({
  region: RegionCode,
  chart: ChartId,
  runId: RunId,
  fetchedAt: Schema.Date,
  rank: Schema.Int
})
export type TrendingEntry = typeof TrendingEntry.Type

/** A video's counters at one observation, from a chart or from tracking. */
export const Observation = Schema.Struct({
  observedAt: Schema.Date,
  viewCount: Counter,
  likeCount: Counter,
  commentCount: Counter
})
export type Observation = typeof Observation.Type

/** A title a video had from `observedAt` on. */
export const Revision = Schema.Struct({
  observedAt: Schema.Date,
  title: Schema.String
})
export type Revision = typeof Revision.Type

/** A stored video: its record as last seen, and its history, each list oldest first. */
export const VideoHistory = Schema.Struct({
  videoId: VideoId,
  title: Schema.String,
  channelTitle: Schema.String,
  channelId: Schema.NullOr(Schema.String),
  categoryId: Schema.NullOr(CategoryId),
  tags: Schema.Array(Schema.String),
  description: Schema.String,
  publishedAt: Schema.NullOr(Schema.Date),
  durationSeconds: Schema.NullOr(Schema.NonNegativeInt),
  /** `hd` or `sd`. */
  definition: Schema.NullOr(Schema.String),
  caption: Schema.NullOr(Schema.Boolean),
  licensedContent: Schema.NullOr(Schema.Boolean),
  madeForKids: Schema.NullOr(Schema.Boolean),
  /** `none`, `live` or `upcoming`. */
  liveBroadcastContent: Schema.NullOr(Schema.String),
  thumbnailUrl: Schema.NullOr(Schema.String),
  /** Every thumbnail YouTube listed, by size name (none where the first stage stored the video and no run has seen it since). */
  thumbnails: Schema.NullOr(Thumbnails),
  /** Its primary language tag (`pl`), or the region's when it names none. */
  language: Schema.String,
  /** Every region whose chart has listed it, sorted. */
  regions: Schema.Array(RegionCode),
  viewCount: Counter,
  likeCount: Counter,
  commentCount: Counter,
  firstSeenAt: Schema.Date,
  lastSeenAt: Schema.Date,
  /** When a look-up by id no longer found it (deleted, made private). */
  goneAt: Schema.NullOr(Schema.Date),
  url: Schema.String,
  trending: Schema.Array(TrendingEntry),
  stats: Schema.Array(Observation),
  revisions: Schema.Array(Revision)
})
export type VideoHistory = typeof VideoHistory.Type

/**
 * The video's row: its columns as `pg` gives them (dates as Dates, bigints as strings),
 * its lists as JSON, where a date is an ISO string and a bigint a number (a number past
 * 2^53 is refused by `Schema.Int`, not rounded).
 */
export const VideoRow = Schema.Struct({
  ...VideoHistory.fields,
  publishedAt: Schema.NullOr(Schema.DateFromSelf),
  viewCount: CounterColumn,
  likeCount: CounterColumn,
  commentCount: CounterColumn,
  firstSeenAt: Schema.DateFromSelf,
  lastSeenAt: Schema.DateFromSelf,
  goneAt: Schema.NullOr(Schema.DateFromSelf)
})

/**
 * How much the regions' charts share in a period: `regions` sorted; `videos[i]` the
 * distinct videos on region i's chart; `shared[i][j]` those on both region i's and
 * region j's (symmetric; the diagonal is `videos`).
 */
export const Overlap = Schema.Struct({
  regions: Schema.Array(RegionCode),
  videos: Schema.Array(Schema.NonNegativeInt),
  shared: Schema.Array(Schema.Array(Schema.NonNegativeInt))
})
export type Overlap = typeof Overlap.Type

/** A stored run. `interrupted`: stopped by a signal, nothing of it stored but this row. */
export const Run = Schema.Struct({
  id: RunId,
  startedAt: Schema.Date,
  finishedAt: Schema.NullOr(Schema.Date),
  status: Schema.Literal(...RunStatus.literals, "interrupted"),
  entries: Schema.NonNegativeInt,
  uniqueVideos: Schema.NonNegativeInt,
  /** How each unit of the fetch (a region's chart) went. */
  regions: Schema.Array(RegionOutcome)
})
export type Run = typeof Run.Type

export const StoredRun = Schema.Struct({
  ...Run.fields,
  id: RunIdColumn,
  startedAt: Schema.DateFromSelf,
  finishedAt: Schema.NullOr(Schema.DateFromSelf)
})

/** A run's id, or none (null) when no run is stored. */
export const NewestRun = Schema.NullOr(RunIdColumn)

/**
 * What a chart at a time depends on: the run whose chart it is (null: nothing stored by
 * then), and the newest stored run, since a run also updates the videos' records.
 */
export const ChartSource = Schema.Struct({ newestRun: NewestRun, runId: NewestRun })
export type ChartSource = typeof ChartSource.Type

/**
 * What an answer over a period depends on: the times of its first and last entries
 * (microseconds since 1970, of any chart; null when the period has none), which delimit
 * the same entries as the period, and the newest stored run (a spooled batch stored late
 * can add entries between them).
 */
export const PeriodSource = Schema.Struct({ newestRun: NewestRun, firstMicros: Schema.NullOr(Int8), lastMicros: Schema.NullOr(Int8) })
export type PeriodSource = typeof PeriodSource.Type
