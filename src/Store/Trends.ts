import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { RegionCode } from "../Domain/Region.js"
import { ChartId } from "../Domain/Video.js"
import { chartJsonQuery } from "./ChartJson.js"
import { fromSql } from "./Errors.js"
import { Chart, ChartSource, NewestRun, type Overlap, PeriodSource, type Run, StoredRun, type VideoHistory, VideoRow } from "./TrendAnswers.js"

export { Chart, ChartSource, Observation, Overlap, PeriodSource, RankedVideo, Revision, Run, TrendingEntry, VideoHistory } from "./TrendAnswers.js"

/**
 * What the `serve` command reads: charts as they stood, a video's history, how much the
 * regions' charts share, the runs; and what each of those answers depends on, for a cache
 * (the `…Source` methods). Each method is one statement.
 */

const decodeChart = Schema.decode(Schema.parseJson(Chart))

export class Trends extends Effect.Service<Trends>()("viralvidvault/Trends", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const chartJsonRow = chartJsonQuery(sql)

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
                 v.live_broadcast_content AS "liveBroadcastContent", v.thumbnail_url AS "thumbnailUrl", v.thumbnails,
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

    /**
     * The highest id is the newest run however late it was stored: one run stores at a
     * time (the store lock), in one transaction with its row, so a commit raises it.
     */
    const chartSourceRow = SqlSchema.single({
      Request: Schema.Struct({ region: RegionCode, chart: ChartId, at: Schema.DateFromSelf }),
      Result: ChartSource,
      execute: ({ at, chart, region }) =>
        sql`
          SELECT (SELECT max(id) FROM ingest_runs) AS "newestRun",
                 (SELECT run_id FROM trending_entries
                  WHERE region = ${region} AND chart = ${chart} AND fetched_at <= ${at}
                  ORDER BY fetched_at DESC, run_id DESC
                  LIMIT 1) AS "runId"`
    })

    /** Two probes of the `fetched_at` index. */
    const periodSourceRow = SqlSchema.single({
      Request: Schema.Struct({ since: Schema.DateFromSelf, until: Schema.DateFromSelf }),
      Result: PeriodSource,
      execute: ({ since, until }) =>
        sql`
          WITH bounds AS (
            SELECT min(fetched_at) AS first, max(fetched_at) AS last FROM trending_entries
            WHERE fetched_at >= ${since} AND fetched_at < ${until}
          )
          SELECT (SELECT max(id) FROM ingest_runs) AS "newestRun",
                 (extract(epoch FROM first) * 1000000)::bigint AS "firstMicros",
                 (extract(epoch FROM last) * 1000000)::bigint AS "lastMicros"
          FROM bounds`
    })

    const newestRunRow = SqlSchema.single({
      Request: Schema.Void,
      Result: Schema.Struct({ id: NewestRun }),
      execute: () => sql`SELECT max(id) AS id FROM ingest_runs`
    })

    /** The newest stored chart of that region and chart at or before `at`, as the API's JSON; none when nothing is stored by then. */
    const chartJson = Effect.fn("Trends.chartJson")(function*(region: RegionCode, chart: ChartId, at: Date) {
      const row = yield* chartJsonRow({ region, chart, at }).pipe(fromSql("reading a chart"))
      return Option.map(row, ({ json }) => json)
    })

    /** The newest stored chart of that region and chart at or before `at`; none when nothing is stored by then. */
    const chart = Effect.fn("Trends.chart")(function*(region: RegionCode, chart: ChartId, at: Date) {
      const json = yield* chartJson(region, chart, at)
      return yield* Effect.transposeMapOption(json, (text) => Effect.orDie(decodeChart(text)))
    })

    /** A stored video and its history; none for an id never stored. */
    const video = Effect.fn("Trends.video")(function*(id: string) {
      const found: Option.Option<VideoHistory> = yield* videoRow(id).pipe(fromSql("reading a video"))
      return found
    })

    /**
     * How much the regions' charts shared in [since, until). Without JIT compilation: on a
     * year of every region, PostgreSQL's default (`jit = on`) compiled a week's overlap for
     * 170–350 ms of its 0.75–1.9 s (BENCHMARKS.md, "A year of history"), and a period not
     * asked before is computed once, so the compiled code is never used again.
     */
    const overlap = Effect.fn("Trends.overlap")(function*(since: Date, until: Date, chart: ChartId) {
      const rows = yield* sql.withTransaction(
        Effect.zipRight(sql`SET LOCAL jit = off`, overlapRows({ since, until, chart }))
      ).pipe(fromSql("reading the overlap of the charts"))
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

    /** What `chart(region, chart, at)` answers from. */
    const chartSource = Effect.fn("Trends.chartSource")(function*(region: RegionCode, chart: ChartId, at: Date) {
      const source: ChartSource = yield* chartSourceRow({ region, chart, at }).pipe(fromSql("reading which run a chart is"))
      return source
    })

    /** What `overlap(since, until, …)` answers from. */
    const periodSource = Effect.fn("Trends.periodSource")(function*(since: Date, until: Date) {
      const source: PeriodSource = yield* periodSourceRow({ since, until }).pipe(fromSql("reading the bounds of a period"))
      return source
    })

    /** The id of the newest stored run (whatever its time: see chartSourceRow); null when none is. */
    const newestRun = Effect.fn("Trends.newestRun")(function*() {
      return (yield* newestRunRow(undefined).pipe(fromSql("reading the newest run"))).id
    })

    return { chart, chartJson, video, overlap, runs, regions, chartSource, periodSource, newestRun } as const
  })
}) {}
