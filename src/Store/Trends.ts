import { SqlClient, SqlSchema } from "@effect/sql"
import { Array as Arr, Effect, Option, Schema } from "effect"
import { RegionCode } from "../Domain/Region.js"
import { RegionOutcome, RunId, RunStatus } from "../Domain/Run.js"
import { CategoryId, ChartId, VideoId } from "../Domain/Video.js"
import { Int8 } from "./Columns.js"
import { fromSql } from "./Errors.js"

/**
 * What the `serve` command reads: charts as they stood, a video's history, how much the
 * regions' charts share, the runs. Each exported schema is the JSON the HTTP API answers
 * with once encoded (dates ISO 8601, counts numbers). Each method is one statement.
 */

/** Null when the owner hides it (likes, comments) or the API did not send it. */
const Counter = Schema.NullOr(Schema.NonNegativeInt)

/** A counter as its `bigint` column arrives: a string. */
const CounterColumn = Schema.NullOr(Int8)

const RunIdColumn = Schema.compose(Int8, RunId)

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

/** A chart's entry as its row arrives, with the chart's own columns repeated on each. */
const ChartRow = Schema.Struct({
  ...RankedVideo.fields,
  region: RegionCode,
  chart: ChartId,
  runId: RunIdColumn,
  fetchedAt: Schema.DateFromSelf,
  viewCount: CounterColumn,
  likeCount: CounterColumn,
  commentCount: CounterColumn
})

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
const VideoRow = Schema.Struct({
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

const StoredRun = Schema.Struct({
  ...Run.fields,
  id: RunIdColumn,
  startedAt: Schema.DateFromSelf,
  finishedAt: Schema.NullOr(Schema.DateFromSelf)
})

export class Trends extends Effect.Service<Trends>()("viralvidvault/Trends", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    /**
     * The run is the one whose entries of this chart were fetched last at or before `at`
     * (a backward scan of the (region, chart, fetched_at) index, one row), not the highest
     * id: a spooled batch stored late has a higher id and older entries. A run's pages are
     * fetched a moment apart, so the chart's time is its first page's. Stored ids are
     * video ids ([A-Za-z0-9_-]): the URL needs no escaping.
     */
    const chartRows = SqlSchema.findAll({
      Request: Schema.Struct({ region: RegionCode, chart: ChartId, at: Schema.DateFromSelf }),
      Result: ChartRow,
      execute: ({ at, chart, region }) =>
        sql`
          WITH run AS (
            SELECT run_id FROM trending_entries
            WHERE region = ${region} AND chart = ${chart} AND fetched_at <= ${at}
            ORDER BY fetched_at DESC, run_id DESC
            LIMIT 1
          )
          SELECT e.region, e.chart, e.run_id AS "runId", min(e.fetched_at) OVER () AS "fetchedAt",
                 e.rank, e.video_id AS "videoId", v.title, v.channel_title AS "channelTitle",
                 e.view_count AS "viewCount", e.like_count AS "likeCount", e.comment_count AS "commentCount",
                 v.duration_seconds AS "durationSeconds", v.category_id AS "categoryId", c.title AS "categoryTitle",
                 v.thumbnail_url AS "thumbnailUrl", 'https://www.youtube.com/watch?v=' || e.video_id AS url
          FROM run
          JOIN trending_entries e ON e.run_id = run.run_id AND e.region = ${region} AND e.chart = ${chart}
          JOIN videos v ON v.video_id = e.video_id
          LEFT JOIN categories c ON c.region = e.region AND c.category_id = v.category_id
          ORDER BY e.rank`
    })

    /** The lists are sub-selects on the video's indexes (`trending_entries (video_id, fetched_at)`, the primary keys). */
    const videoRow = SqlSchema.findOne({
      Request: Schema.String,
      Result: VideoRow,
      execute: (id) =>
        sql`
          SELECT v.video_id AS "videoId", v.title, v.channel_title AS "channelTitle", v.channel_id AS "channelId",
                 v.category_id AS "categoryId", v.tags, v.description, v.published_at AS "publishedAt",
                 v.duration_seconds AS "durationSeconds", v.definition, v.caption,
                 v.licensed_content AS "licensedContent", v.made_for_kids AS "madeForKids",
                 v.live_broadcast_content AS "liveBroadcastContent", v.thumbnail_url AS "thumbnailUrl",
                 v.primary_language AS language, v.regions,
                 v.view_count AS "viewCount", v.like_count AS "likeCount", v.comment_count AS "commentCount",
                 v.first_seen_at AS "firstSeenAt", v.last_seen_at AS "lastSeenAt", v.gone_at AS "goneAt",
                 'https://www.youtube.com/watch?v=' || v.video_id AS url,
                 COALESCE((
                   SELECT json_agg(json_build_object(
                            'region', e.region, 'chart', e.chart, 'runId', e.run_id, 'fetchedAt', e.fetched_at, 'rank', e.rank)
                          ORDER BY e.fetched_at, e.region, e.chart)
                   FROM trending_entries e WHERE e.video_id = v.video_id
                 ), '[]') AS trending,
                 COALESCE((
                   SELECT json_agg(json_build_object(
                            'observedAt', s.observed_at, 'viewCount', s.view_count,
                            'likeCount', s.like_count, 'commentCount', s.comment_count)
                          ORDER BY s.observed_at)
                   FROM video_stats s WHERE s.video_id = v.video_id
                 ), '[]') AS stats,
                 COALESCE((
                   SELECT json_agg(json_build_object('observedAt', r.observed_at, 'title', r.title) ORDER BY r.observed_at)
                   FROM video_revisions r WHERE r.video_id = v.video_id
                 ), '[]') AS revisions
          FROM videos v
          WHERE v.video_id = ${id}`
    })

    /**
     * Each pair of regions (a ≤ b) with the videos both listed: a region's pair with
     * itself is its own count, and every region that listed anything has that pair. Pairs
     * that share nothing have no row (0).
     */
    const overlapRows = SqlSchema.findAll({
      Request: Schema.Struct({ since: Schema.DateFromSelf, until: Schema.DateFromSelf, chart: ChartId }),
      Result: Schema.Struct({ a: RegionCode, b: RegionCode, shared: Schema.NonNegativeInt }),
      execute: ({ chart, since, until }) =>
        sql`
          WITH listed AS (
            SELECT DISTINCT region, video_id FROM trending_entries
            WHERE chart = ${chart} AND fetched_at >= ${since} AND fetched_at < ${until}
          )
          SELECT a.region AS a, b.region AS b, count(*)::integer AS shared
          FROM listed a JOIN listed b ON b.video_id = a.video_id AND b.region >= a.region
          GROUP BY a.region, b.region
          ORDER BY a.region, b.region`
    })

    /** Newest by when they started: a spooled batch stored late is as old as its fetch. */
    const runRows = SqlSchema.findAll({
      Request: Schema.NonNegativeInt,
      Result: StoredRun,
      execute: (limit) =>
        sql`
          SELECT id, started_at AS "startedAt", finished_at AS "finishedAt", status, entries,
                 unique_videos AS "uniqueVideos", regions
          FROM ingest_runs
          ORDER BY started_at DESC, id DESC
          LIMIT ${limit}`
    })

    /**
     * Every region with a stored entry, sorted: a skip scan of the (region, chart,
     * fetched_at) index, one probe a region, however long the history.
     */
    const regionRows = SqlSchema.findAll({
      Request: Schema.Void,
      Result: Schema.Struct({ region: RegionCode }),
      execute: () =>
        sql`
          WITH RECURSIVE r AS (
            (SELECT region FROM trending_entries ORDER BY region LIMIT 1)
            UNION ALL
            SELECT (SELECT e.region FROM trending_entries e WHERE e.region > r.region ORDER BY e.region LIMIT 1)
            FROM r WHERE r.region IS NOT NULL
          )
          SELECT region FROM r WHERE region IS NOT NULL`
    })

    /** The newest stored chart of that region and chart at or before `at`; none when nothing is stored by then. */
    const chart = Effect.fn("Trends.chart")(function*(region: RegionCode, chart: ChartId, at: Date) {
      const rows = yield* chartRows({ region, chart, at }).pipe(fromSql("reading a chart"))
      return Option.map(Arr.head(rows), (first): Chart => ({
        region: first.region,
        chart: first.chart,
        runId: first.runId,
        fetchedAt: first.fetchedAt,
        entries: rows.map(({ chart: _chart, fetchedAt: _fetchedAt, region: _region, runId: _runId, ...entry }) => entry)
      }))
    })

    /** A stored video and its history; none for an id never stored. */
    const video = Effect.fn("Trends.video")(function*(id: string) {
      const found: Option.Option<VideoHistory> = yield* videoRow(id).pipe(fromSql("reading a video"))
      return found
    })

    /** How much the regions' charts shared in [since, until). */
    const overlap = Effect.fn("Trends.overlap")(function*(since: Date, until: Date, chart: ChartId) {
      const rows = yield* overlapRows({ since, until, chart }).pipe(fromSql("reading the overlap of the charts"))
      const regions = rows.filter((row) => row.a === row.b).map((row) => row.a)
      const index = new Map(regions.map((region, i) => [region, i]))
      const shared = regions.map(() => regions.map(() => 0))
      for (const row of rows) {
        const i = index.get(row.a)!
        const j = index.get(row.b)!
        shared[i]![j] = row.shared
        shared[j]![i] = row.shared
      }
      return { regions, videos: shared.map((counts, i) => counts[i]!), shared } satisfies Overlap
    })

    /** The `limit` newest runs, newest first. */
    const runs = Effect.fn("Trends.runs")(function*(limit: number) {
      const newest: ReadonlyArray<Run> = yield* runRows(limit).pipe(fromSql("reading the runs"))
      return newest
    })

    /** The regions whose charts are stored, sorted. */
    const regions = Effect.fn("Trends.regions")(function*() {
      const rows = yield* regionRows(undefined).pipe(fromSql("reading the stored regions"))
      return rows.map((row) => row.region)
    })

    return { chart, video, overlap, runs, regions } as const
  })
}) {}
