import { SqlClient, SqlError, SqlSchema, type Statement } from "@effect/sql"
import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { RegionCode } from "../Domain/Region.js"
import { Int8 } from "./Columns.js"
import { fromSql, storeErrorOf } from "./Errors.js"

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

/** One trending entry of any chart, with every stored field of its video. */
export const EntryRow = Schema.Struct({
  video_id: Schema.String,
  region: Schema.String,
  chart: Schema.String,
  run_id: Int8,
  rank: Schema.Int,
  fetched_at: Schema.String,
  view_count: Counter,
  like_count: Counter,
  comment_count: Counter,
  title: Schema.String,
  channel_title: Schema.String,
  channel_id: Schema.NullOr(Schema.String),
  category_id: Schema.NullOr(Schema.String),
  tags: Schema.Array(Schema.String),
  description: Schema.String,
  published_at: Schema.NullOr(Schema.String),
  duration_seconds: Schema.NullOr(Schema.Int),
  definition: Schema.NullOr(Schema.String),
  caption: Schema.NullOr(Schema.Boolean),
  licensed_content: Schema.NullOr(Schema.Boolean),
  made_for_kids: Schema.NullOr(Schema.Boolean),
  live_broadcast_content: Schema.NullOr(Schema.String),
  thumbnail_url: Schema.NullOr(Schema.String),
  thumbnails: Schema.NullOr(Schema.Unknown),
  primary_language: Schema.String,
  first_seen_at: Schema.String,
  last_seen_at: Schema.String,
  gone_at: Schema.NullOr(Schema.String)
})
export type EntryRow = typeof EntryRow.Type

/** Rows a `FETCH` brings: few round trips, and a batch of a few megabytes at most. */
const ROWS_A_FETCH = 5000

/** A `timestamptz` as ISO 8601 in UTC, to the millisecond. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

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
    const snapshot = <A, E, R>(use: Effect.Effect<A, E, R>) =>
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

    /** Every trending entry of a region (every chart), oldest run first, with its video's stored fields. */
    const entries = (region: RegionCode, selection: ExportSelection) =>
      cursor(
        "entry_rows",
        sql`
        SELECT e.video_id, e.region, e.chart, e.run_id, e.rank, ${sql.literal(iso("e.fetched_at"))} AS fetched_at,
               e.view_count, e.like_count, e.comment_count,
               v.title, v.channel_title, v.channel_id, v.category_id, v.tags, v.description,
               ${sql.literal(iso("v.published_at"))} AS published_at, v.duration_seconds, v.definition, v.caption,
               v.licensed_content, v.made_for_kids, v.live_broadcast_content, v.thumbnail_url, v.thumbnails,
               v.primary_language, ${sql.literal(iso("v.first_seen_at"))} AS first_seen_at,
               ${sql.literal(iso("v.last_seen_at"))} AS last_seen_at, ${sql.literal(iso("v.gone_at"))} AS gone_at
        FROM (
          SELECT e.* FROM trending_entries e
          WHERE e.region = ${region} AND ${period(selection)}
          ORDER BY e.run_id, e.chart, e.rank
        ) e
        CROSS JOIN LATERAL (SELECT * FROM videos WHERE video_id = e.video_id OFFSET 0) v
        ORDER BY e.run_id, e.chart, e.rank`,
        EntryRow
      )

    return { regions, snapshot, kaggle, entries } as const
  })
}) {}
