import { type SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { RegionCode } from "../Domain/Region.js"
import { type GoneVideo, type TrackedCounters, VideoId } from "../Domain/Video.js"
import { fromSql, storeErrorOf } from "./Errors.js"

/** A video to track: its id, and the region whose chart listed it last. */
export const Trackable = Schema.Struct({ videoId: VideoId, region: RegionCode })
export type Trackable = typeof Trackable.Type

/**
 * The videos listed in a chart since `since` that are not gone, each with the region
 * that listed it last, by id: the window's entries through the `fetched_at` index, sorted
 * narrow, less the few gone videos (their partial index). Work in proportion to the window, not
 * the history. Joined to `videos` to test `gone_at`, the planner read the whole table
 * (or probed a video a row): 3.8–4.4 s at 5 M entries of history and 354,000 videos,
 * before each fetch; now 0.5–0.7 s.
 */
export const trackable = (sql: SqlClient.SqlClient, since: Date) =>
  SqlSchema.findAll({
    Request: Schema.DateFromSelf,
    Result: Schema.Struct({ video_id: VideoId, region: RegionCode }),
    execute: (since) =>
      sql`
        SELECT t.video_id, t.region
        FROM (
          SELECT DISTINCT ON (e.video_id) e.video_id, e.region
          FROM trending_entries e
          WHERE e.fetched_at >= ${since}
          ORDER BY e.video_id, e.fetched_at DESC
        ) t
        WHERE NOT EXISTS (SELECT 1 FROM videos g WHERE g.gone_at IS NOT NULL AND g.video_id = t.video_id)
        ORDER BY t.video_id`
  })(since).pipe(
    fromSql("reading the videos to track"),
    Effect.map((rows) => rows.map((r): Trackable => ({ videoId: r.video_id, region: r.region })))
  )

const orNull = <A>(value: Option.Option<A>) => Option.getOrNull(value)

/**
 * Tracked observations: a row each in `video_stats`, and the video's counters where
 * this is its newest observation (a late spooled batch adds to the series only).
 * Counters are not indexed, so the update stays in the row's page.
 */
export const saveTracked = (sql: SqlClient.SqlClient, tracked: ReadonlyArray<TrackedCounters>) =>
  sql`
    WITH t AS (
      SELECT t.* FROM jsonb_to_recordset(${
    JSON.stringify(tracked.map((t) => ({
      video_id: t.videoId,
      observed_at: t.observedAt.toISOString(),
      view_count: orNull(t.viewCount),
      like_count: orNull(t.likeCount),
      comment_count: orNull(t.commentCount)
    })))
  }::jsonb) AS t(video_id text, observed_at timestamptz, view_count bigint, like_count bigint, comment_count bigint)
      JOIN videos v ON v.video_id = t.video_id
    ),
    stats AS (
      -- In key order, as the entries are (VideoRows.ts): the month's index is large.
      INSERT INTO video_stats (video_id, observed_at, view_count, like_count, comment_count)
      SELECT video_id, observed_at, view_count, like_count, comment_count FROM t ORDER BY video_id
      ON CONFLICT DO NOTHING
    )
    UPDATE videos AS v SET view_count = t.view_count, like_count = t.like_count, comment_count = t.comment_count
    FROM t
    WHERE v.video_id = t.video_id AND v.last_seen_at <= t.observed_at
      AND NOT EXISTS (SELECT 1 FROM video_stats s WHERE s.video_id = t.video_id AND s.observed_at > t.observed_at)`
    .pipe(Effect.asVoid, Effect.mapError(storeErrorOf("storing tracked counters")))

/** Videos a look-up did not list: gone since then, unless a chart listed them after. */
export const markGone = (sql: SqlClient.SqlClient, gone: ReadonlyArray<GoneVideo>) =>
  sql`
    UPDATE videos AS v SET gone_at = g.gone_at
    FROM jsonb_to_recordset(${
    JSON.stringify(gone.map((g) => ({ video_id: g.videoId, gone_at: g.goneAt.toISOString() })))
  }::jsonb) AS g(video_id text, gone_at timestamptz)
    WHERE v.video_id = g.video_id AND v.gone_at IS NULL AND v.last_seen_at < g.gone_at`
    .pipe(Effect.asVoid, Effect.mapError(storeErrorOf("marking videos gone")))
