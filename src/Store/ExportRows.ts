import { SqlClient, SqlError, SqlSchema, type Statement } from "@effect/sql"
import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { RegionCode } from "../Domain/Region.js"
import { Int8 } from "./Columns.js"
import { type DatabaseRefused, type DatabaseUnavailable, fromSql, storeErrorOf } from "./Errors.js"

/** Which stored entries an export reads: a period of UTC days (both ends included), some regions. */
export interface ExportSelection {
  /** `YYYY-MM-DD`, UTC; none: from the first. */
  readonly since: string | undefined
  /** `YYYY-MM-DD`, UTC, included; none: to the last. */
  readonly until: string | undefined
}

const Counter = Schema.NullOr(Int8)

/** A line of a file, rendered by the database. */
const Line = Schema.Struct({ line: Schema.String })

/**
 * One trending entry of any chart with every stored field of its video, named as the
 * export's records name them (camelCase): the entry's counters (the video's later ones are
 * in its series, `video_stats`), dates ISO 8601 in UTC, what is absent `null`.
 */
export const EntryRow = Schema.Struct({
  videoId: Schema.String,
  region: Schema.String,
  chart: Schema.String,
  runId: Int8,
  rank: Schema.Int,
  fetchedAt: Schema.String,
  viewCount: Counter,
  likeCount: Counter,
  commentCount: Counter,
  title: Schema.String,
  channelTitle: Schema.String,
  channelId: Schema.NullOr(Schema.String),
  categoryId: Schema.NullOr(Schema.String),
  tags: Schema.Array(Schema.String),
  description: Schema.String,
  publishedAt: Schema.NullOr(Schema.String),
  durationSeconds: Schema.NullOr(Schema.Int),
  definition: Schema.NullOr(Schema.String),
  caption: Schema.NullOr(Schema.Boolean),
  licensedContent: Schema.NullOr(Schema.Boolean),
  madeForKids: Schema.NullOr(Schema.Boolean),
  liveBroadcastContent: Schema.NullOr(Schema.String),
  thumbnailUrl: Schema.NullOr(Schema.String),
  thumbnails: Schema.NullOr(Schema.Unknown),
  language: Schema.String,
  /** Every region whose chart has listed the video. */
  regions: Schema.Array(Schema.String),
  firstSeenAt: Schema.String,
  lastSeenAt: Schema.String,
  goneAt: Schema.NullOr(Schema.String)
})
export type EntryRow = typeof EntryRow.Type

/** A `timestamptz` as ISO 8601 in UTC, to the millisecond. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** `EntryRow`'s columns over an entry `e` and its video `v`, in the records' order. */
const ENTRY_COLUMNS = `
  e.video_id AS "videoId", e.region, e.chart, e.run_id AS "runId", e.rank, ${iso("e.fetched_at")} AS "fetchedAt",
  e.view_count AS "viewCount", e.like_count AS "likeCount", e.comment_count AS "commentCount",
  v.title, v.channel_title AS "channelTitle", v.channel_id AS "channelId", v.category_id AS "categoryId", v.tags,
  v.description, ${iso("v.published_at")} AS "publishedAt", v.duration_seconds AS "durationSeconds", v.definition,
  v.caption, v.licensed_content AS "licensedContent", v.made_for_kids AS "madeForKids",
  v.live_broadcast_content AS "liveBroadcastContent", v.thumbnail_url AS "thumbnailUrl", v.thumbnails,
  v.primary_language AS language, v.regions, ${iso("v.first_seen_at")} AS "firstSeenAt", ${iso("v.last_seen_at")} AS "lastSeenAt",
  ${iso("v.gone_at")} AS "goneAt"`

/** Rows a `FETCH` brings: few round trips, and a batch of a few megabytes at most. */
const ROWS_A_FETCH = 1000

export class ExportRows extends Effect.Service<ExportRows>()("viralvidvault/ExportRows", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    /** `fetched_at` within the selection's UTC days. */
    const period = (selection: ExportSelection) =>
      sql.and([
        ...(selection.since === undefined ? [] : [sql`e.fetched_at >= ${selection.since}::date AT TIME ZONE 'UTC'`]),
        ...(selection.until === undefined ? [] : [sql`e.fetched_at < (${selection.until}::date + 1) AT TIME ZONE 'UTC'`])
      ])

    /** The regions, of those asked for (all when none), that have entries in the period: sorted. */
    const regions = (selection: ExportSelection, asked: ReadonlyArray<RegionCode>) =>
      SqlSchema.findAll({
        Request: Schema.Void,
        Result: Schema.Struct({ region: RegionCode }),
        execute: () =>
          sql`SELECT DISTINCT e.region FROM trending_entries e
              WHERE ${period(selection)} ${asked.length === 0 ? sql`` : sql`AND e.region = ANY(${`{${asked.join(",")}}`}::text[])`}
              ORDER BY 1`
      })(undefined).pipe(fromSql("listing the regions to export"), Effect.map((rows) => rows.map((r) => r.region)))

    /**
     * Runs an export in one read-only snapshot: every region's file shows the same history,
     * whatever a run commits meanwhile. JIT compilation is off (it costs a second a query
     * here and saves nothing on a sort and index look-ups) and sorts get the memory to stay
     * off the disk; both for this transaction only.
     */
    const snapshot = <A, E, R>(use: Effect.Effect<A, E, R>): Effect.Effect<A, E | DatabaseUnavailable | DatabaseRefused, R> =>
      sql.withTransaction(
        Effect.zipRight(
          Effect.all([
            sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`,
            sql`SET LOCAL jit = off`,
            sql`SET LOCAL work_mem = '64MB'`
          ], { discard: true }).pipe(fromSql("opening a snapshot to export")),
          use
        )
      ).pipe(
        Effect.catchIf(
          (e): e is SqlError.SqlError => e instanceof SqlError.SqlError,
          (e) => Effect.fail(storeErrorOf("opening or closing the snapshot to export")(e))
        )
      )

    /**
     * A query's rows through a cursor of the snapshot (`DECLARE` … `FETCH`), a batch at a
     * time: memory stays flat whatever the history's size. The next batch is fetched while
     * this one is written (the database and this process work at once, on two cores).
     * Each batch is decoded at once; a row that does not decode is a bug of ours (a defect).
     */
    const cursor = <A, I>(name: string, query: Statement.Statement<unknown>, schema: Schema.Schema<A, I>) => {
      const decode = Schema.decodeUnknown(Schema.Array(schema))
      const fetch = sql`FETCH ${sql.literal(String(ROWS_A_FETCH))} FROM ${sql(name)}`.pipe(
        fromSql("reading the rows to export"),
        Effect.mapError(Option.some),
        Effect.flatMap((rows) => rows.length === 0 ? Effect.fail(Option.none()) : Effect.orDie(decode(rows))),
        Effect.map(Chunk.unsafeFromArray)
      )
      return Effect.acquireRelease(
        sql`DECLARE ${sql(name)} NO SCROLL CURSOR FOR ${query}`.pipe(fromSql("reading the rows to export")),
        () => Effect.ignore(sql`CLOSE ${sql(name)}`)
      ).pipe(Effect.as(Stream.repeatEffectChunkOption(fetch).pipe(Stream.bufferChunks({ capacity: 1 }))), Stream.unwrapScoped)
    }

    /**
     * The public dataset's rows of a region as lines of its CSV (`line`, rendered by the
     * database), in `trending_date` then rank order: one per video and UTC day of its
     * overall chart, that day's last entry, with the title, description and tags as they
     * were then (the revision in force; the video's own where the first stage kept none).
     * The narrow rows are sorted before the videos are joined, a look-up each, so the wide
     * rows are never sorted.
     */
    const kaggle = (region: RegionCode, selection: ExportSelection, line: string) =>
      cursor(
        "kaggle_rows",
        sql`
        SELECT ${sql.literal(line)} AS line FROM (
          SELECT d.video_id, d.day, to_char(d.day, 'YYYY-MM-DD') AS trending_date, d.rank,
                 d.view_count, d.like_count, d.comment_count,
                 COALESCE(r.title, v.title) AS title,
                 to_char(v.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS published_at,
                 v.channel_id, v.channel_title, v.category_id,
                 COALESCE(r.tags, v.tags) AS tags, COALESCE(r.description, v.description) AS description
          FROM (
            SELECT * FROM (
              SELECT DISTINCT ON (e.video_id, (e.fetched_at AT TIME ZONE 'UTC')::date)
                     e.video_id, (e.fetched_at AT TIME ZONE 'UTC')::date AS day, e.fetched_at, e.rank,
                     e.view_count, e.like_count, e.comment_count
              FROM trending_entries e
              WHERE e.region = ${region} AND e.chart = 'all' AND ${period(selection)}
              ORDER BY e.video_id, (e.fetched_at AT TIME ZONE 'UTC')::date, e.fetched_at DESC
            ) last_of_day
            ORDER BY day, rank, video_id
          ) d
          CROSS JOIN LATERAL (SELECT * FROM videos WHERE video_id = d.video_id OFFSET 0) v
          LEFT JOIN LATERAL (
            SELECT title, description, tags FROM video_revisions
            WHERE video_id = d.video_id AND observed_at <= d.fetched_at
            ORDER BY observed_at DESC LIMIT 1
          ) r ON true
        ) k
        ORDER BY k.day, k.rank, k.video_id`,
        Line
      ).pipe(Stream.map((row) => row.line))

    /** A region's trending entries (every chart), oldest run first, as `EntryRow`s: the narrow rows sorted, then joined. */
    const entryQuery = (region: RegionCode, selection: ExportSelection, select: string) =>
      sql`
        SELECT ${sql.literal(select)} FROM (
          SELECT e.* FROM trending_entries e
          WHERE e.region = ${region} AND ${period(selection)}
          ORDER BY e.run_id, e.chart, e.rank
        ) e
        CROSS JOIN LATERAL (SELECT * FROM videos WHERE video_id = e.video_id OFFSET 0) v
        ORDER BY e.run_id, e.chart, e.rank`

    /** Every trending entry of a region, typed. */
    const entries = (region: RegionCode, selection: ExportSelection) =>
      cursor("entry_rows", entryQuery(region, selection, ENTRY_COLUMNS), EntryRow)

    /** Every trending entry of a region as a line of JSON (the database renders it: compact, in `EntryRow`'s order). */
    const entryLines = (region: RegionCode, selection: ExportSelection) =>
      cursor(
        "entry_lines",
        sql`SELECT row_to_json(r)::text || chr(10) AS line FROM (${entryQuery(region, selection, ENTRY_COLUMNS)}) r
            ORDER BY r."runId", r.chart, r.rank`,
        Line
      ).pipe(Stream.map((row) => row.line))

    return { regions, snapshot, kaggle, entries, entryLines } as const
  })
}) {}
