import { type SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { createHash } from "node:crypto"
import { searchConfigFor } from "../Domain/Region.js"
import type { RunId } from "../Domain/Run.js"
import type { RegionalVideo, UniqueVideo } from "../Domain/Video.js"
import { fromSql, storeErrorOf } from "./Errors.js"
import { asJson, pgArray } from "./Parameters.js"

/**
 * The statements that write a batch's rows, as many whatever its size (their parameters:
 * Parameters.ts). Rows go into the month's partitions in `video_id` order (an `ORDER BY`
 * in each insert): by a month's end the `(video_id, …)` indexes are large, and keys in
 * order walk their leaves once where keys in chart order land on a leaf each (a run's
 * entries on the 5 M-entry history: 0.98–1.36 s in chart order, 0.55–0.58 s sorted).
 */

const orNull = <A>(value: Option.Option<A>) => Option.getOrNull(value)

/** Stands for the record (everything but counters and sightings): equal hashes, nothing to rewrite. */
export const recordHash = (v: UniqueVideo) =>
  createHash("sha1").update(JSON.stringify([
    v.title, v.channelTitle, orNull(v.channelId), orNull(v.categoryId), v.tags, v.description,
    orNull(Option.map(v.publishedAt, (d) => d.getTime())), orNull(v.durationSeconds), orNull(v.definition),
    orNull(v.caption), orNull(v.licensedContent), orNull(v.madeForKids), orNull(v.liveBroadcastContent),
    orNull(v.thumbnailUrl), v.thumbnails, v.language
  ])).digest("base64url")

/** The whole row: written when the record is new or changed. */
const wholeRow = (v: UniqueVideo, recordHash: string) => ({
  video_id: v.videoId,
  title: v.title,
  channel_title: v.channelTitle,
  channel_id: orNull(v.channelId),
  category_id: orNull(v.categoryId),
  tags_json: v.tags,
  description: v.description,
  published_at: orNull(Option.map(v.publishedAt, (d) => d.toISOString())),
  duration_seconds: orNull(v.durationSeconds),
  definition: orNull(v.definition),
  caption: orNull(v.caption),
  licensed_content: orNull(v.licensedContent),
  made_for_kids: orNull(v.madeForKids),
  live_broadcast_content: orNull(v.liveBroadcastContent),
  thumbnail_url: orNull(v.thumbnailUrl),
  thumbnails: v.thumbnails,
  view_count: orNull(v.viewCount),
  like_count: orNull(v.likeCount),
  comment_count: orNull(v.commentCount),
  primary_language: v.language,
  search_config: searchConfigFor(v.language),
  regions_json: v.regions,
  first_seen_at: v.firstSeenAt.toISOString(),
  last_seen_at: v.lastSeenAt.toISOString(),
  record_hash: recordHash
})

/** The stored record hash of each of these videos that is stored. */
export const storedHashes = (sql: SqlClient.SqlClient, videos: ReadonlyArray<UniqueVideo>) =>
  SqlSchema.findAll({
    Request: Schema.Array(Schema.String),
    Result: Schema.Struct({ video_id: Schema.String, record_hash: Schema.NullOr(Schema.String) }),
    execute: (ids) => sql`SELECT video_id, record_hash FROM videos WHERE video_id = ANY(${`{${ids.join(",")}}`}::text[])`
  })(videos.map((v) => v.videoId)).pipe(
    fromSql("reading the stored records"),
    Effect.map((rows) => new Map(rows.map((r) => [r.video_id, r.record_hash])))
  )

/**
 * The batch's videos split by their records' hashes (`recordHash`, in the same order):
 * those whose record is new or changed (written whole), and those whose record is as
 * stored (only their counters and sightings are written).
 */
export const splitByRecord = (
  videos: ReadonlyArray<UniqueVideo>,
  hashes: ReadonlyArray<string>,
  stored: ReadonlyMap<string, string | null>
) => {
  const whole: Array<object> = []
  const counters: Array<UniqueVideo> = []
  for (const [i, video] of videos.entries()) {
    const hash = hashes[i]!
    if (stored.get(video.videoId) === hash) counters.push(video)
    else whole.push(wholeRow(video, hash))
  }
  return { whole, counters }
}

/** What a newer observation replaces; an older one (a late spooled batch) leaves them be. */
const LATEST_WINS = [
  "title", "channel_title", "channel_id", "category_id", "tags", "description", "duration_seconds", "definition",
  "caption", "licensed_content", "made_for_kids", "live_broadcast_content", "thumbnail_url", "thumbnails",
  "view_count", "like_count", "comment_count", "primary_language", "search_config", "last_run_id", "search",
  "record_hash"
].map((column) => `${column} = CASE WHEN EXCLUDED.last_seen_at >= old.last_seen_at THEN EXCLUDED.${column} ELSE old.${column} END`)
  .join(",\n      ")

/**
 * Upserts the videos, and in the same statement (one snapshot: the rows as they were
 * before it) records each video's counters at this observation (`video_stats`) and a
 * revision where its text is new or changed (`video_revisions`). The search vector is
 * computed only for new or changed text. A batch older than what is stored (a late
 * spooled batch) adds its regions and its observation, and changes nothing else. A
 * video marked gone and listed again after that is no longer gone.
 */
export const upsertVideos = (sql: SqlClient.SqlClient, runId: RunId, rows: ReadonlyArray<object>) =>
  sql`
    WITH v AS (
      SELECT r.*, ARRAY(SELECT jsonb_array_elements_text(r.tags_json)) AS tags,
             ARRAY(SELECT jsonb_array_elements_text(r.regions_json) ORDER BY 1) AS regions
      FROM json_to_recordset(${asJson(rows)}::text::json) AS r(
        video_id text, title text, channel_title text, channel_id text, category_id text, tags_json jsonb,
        description text, published_at timestamptz, duration_seconds integer, definition text, caption boolean,
        licensed_content boolean, made_for_kids boolean, live_broadcast_content text, thumbnail_url text,
        thumbnails jsonb, view_count bigint, like_count bigint, comment_count bigint, primary_language text,
        search_config text, regions_json jsonb, first_seen_at timestamptz, last_seen_at timestamptz, record_hash text)
    ),
    seen AS (
      SELECT v.*,
             cur.video_id IS NULL AS is_new,
             cur.last_seen_at > v.last_seen_at AS is_older,
             (cur.title, cur.description, cur.thumbnail_url, cur.tags)
               IS DISTINCT FROM (v.title, v.description, v.thumbnail_url, v.tags) AS text_changed,
             CASE WHEN cur.search IS NOT NULL AND cur.search_config = v.search_config::regconfig
                       AND cur.title = v.title AND cur.channel_title = v.channel_title
                       AND cur.tags = v.tags AND cur.description = v.description
                  THEN cur.search
                  ELSE viralvidvault_search_vector(v.search_config::regconfig, v.title, v.channel_title, v.tags, v.description)
             END AS search
      FROM v LEFT JOIN videos cur ON cur.video_id = v.video_id
    ),
    -- In key order (above): the join may not keep the rows'.
    stats AS (
      INSERT INTO video_stats (video_id, observed_at, view_count, like_count, comment_count)
      SELECT video_id, last_seen_at, view_count, like_count, comment_count FROM seen ORDER BY video_id
      ON CONFLICT DO NOTHING
    ),
    revisions AS (
      INSERT INTO video_revisions (video_id, observed_at, title, description, thumbnail_url, tags)
      SELECT video_id, last_seen_at, title, description, thumbnail_url, tags FROM seen
      WHERE is_new OR (NOT is_older AND text_changed)
      ORDER BY video_id
      ON CONFLICT DO NOTHING
    )
    INSERT INTO videos AS old (
      video_id, title, channel_title, channel_id, category_id, tags, description, published_at, duration_seconds,
      definition, caption, licensed_content, made_for_kids, live_broadcast_content, thumbnail_url, thumbnails,
      view_count, like_count, comment_count, primary_language, search_config, regions, first_seen_at,
      last_seen_at, last_run_id, search, record_hash)
    SELECT video_id, title, channel_title, channel_id, category_id, tags, description, published_at, duration_seconds,
           definition, caption, licensed_content, made_for_kids, live_broadcast_content, thumbnail_url, thumbnails,
           view_count, like_count, comment_count, primary_language, search_config::regconfig, regions, first_seen_at,
           last_seen_at, ${runId}, search, record_hash
    FROM seen
    ON CONFLICT (video_id) DO UPDATE SET
      ${sql.literal(LATEST_WINS)},
      regions       = ARRAY(SELECT DISTINCT r FROM unnest(old.regions || EXCLUDED.regions) AS r ORDER BY r),
      published_at  = COALESCE(EXCLUDED.published_at, old.published_at),
      gone_at       = CASE WHEN EXCLUDED.last_seen_at > old.gone_at THEN NULL ELSE old.gone_at END,
      first_seen_at = LEAST(old.first_seen_at, EXCLUDED.first_seen_at),
      last_seen_at  = GREATEST(old.last_seen_at, EXCLUDED.last_seen_at)`
    .pipe(Effect.mapError(storeErrorOf("storing videos")))

/**
 * The videos whose record is as stored: their counters (a newer observation's), their
 * regions merged, their sightings widened, and an observation in `video_stats`. Their
 * text, and so their search vector and its index, are not touched; an unchanged
 * `regions` is left the same value, so the row can be updated in place.
 */
export const updateCounters = (sql: SqlClient.SqlClient, runId: RunId, videos: ReadonlyArray<UniqueVideo>) =>
  sql`
    WITH v AS (
      SELECT r.video_id, r.view_count, r.like_count, r.comment_count, r.first_seen_at, r.last_seen_at,
             string_to_array(r.regions, ',') AS regions
      FROM unnest(
        ${pgArray(videos.map((v) => v.videoId))}::text[],
        ${pgArray(videos.map((v) => orNull(v.viewCount)))}::bigint[],
        ${pgArray(videos.map((v) => orNull(v.likeCount)))}::bigint[],
        ${pgArray(videos.map((v) => orNull(v.commentCount)))}::bigint[],
        -- A video's regions, sorted (as UniqueVideo keeps them), joined: region codes hold no comma.
        ${pgArray(videos.map((v) => v.regions.join(",")))}::text[],
        ${pgArray(videos.map((v) => v.firstSeenAt.toISOString()))}::timestamptz[],
        ${pgArray(videos.map((v) => v.lastSeenAt.toISOString()))}::timestamptz[]
      ) AS r(video_id, view_count, like_count, comment_count, regions, first_seen_at, last_seen_at)
    ),
    -- In key order (above), the database's collation: dedup's sort is by code unit.
    stats AS (
      INSERT INTO video_stats (video_id, observed_at, view_count, like_count, comment_count)
      SELECT video_id, last_seen_at, view_count, like_count, comment_count FROM v ORDER BY video_id
      ON CONFLICT DO NOTHING
    )
    UPDATE videos AS old SET
      (view_count, like_count, comment_count, last_run_id) =
        (SELECT CASE WHEN newer THEN v.view_count ELSE old.view_count END,
                CASE WHEN newer THEN v.like_count ELSE old.like_count END,
                CASE WHEN newer THEN v.comment_count ELSE old.comment_count END,
                CASE WHEN newer THEN ${runId} ELSE old.last_run_id END
         FROM (SELECT v.last_seen_at >= old.last_seen_at AS newer) AS n),
      regions       = CASE WHEN old.regions @> v.regions THEN old.regions
                           ELSE ARRAY(SELECT DISTINCT r FROM unnest(old.regions || v.regions) AS r ORDER BY r) END,
      gone_at       = CASE WHEN v.last_seen_at > old.gone_at THEN NULL ELSE old.gone_at END,
      first_seen_at = LEAST(old.first_seen_at, v.first_seen_at),
      last_seen_at  = GREATEST(old.last_seen_at, v.last_seen_at)
    FROM v WHERE old.video_id = v.video_id`
    .pipe(Effect.mapError(storeErrorOf("storing counters")))

/**
 * The ids among the batch's entries that name a video the batch does not carry (none,
 * for a batch the pipeline made) and that is not stored either: what the entries' foreign
 * key refused until migration 12 dropped it. Asks the database only when there are such ids.
 */
export const entriesWithoutVideo = (sql: SqlClient.SqlClient, entries: ReadonlyArray<RegionalVideo>, videos: ReadonlyArray<UniqueVideo>) => {
  const carried = new Set(videos.map((v) => v.videoId))
  const named = [...new Set(entries.filter((e) => !carried.has(e.videoId)).map((e) => e.videoId))]
  if (named.length === 0) return Effect.succeed([] as ReadonlyArray<string>)
  return sql<{ video_id: string }>`
    SELECT id AS video_id FROM unnest(${pgArray(named)}::text[]) AS id
    WHERE NOT EXISTS (SELECT 1 FROM videos v WHERE v.video_id = id)
    ORDER BY id`.pipe(
    fromSql("checking the entries' videos"),
    Effect.map((rows): ReadonlyArray<string> => rows.map((r) => r.video_id))
  )
}

/** One row per (run, region, chart, video), in `video_id` order (above): the primary key, led by the run's id, takes them anywhere. */
export const insertEntries = (sql: SqlClient.SqlClient, runId: RunId, entries: ReadonlyArray<RegionalVideo>) =>
  sql`
    INSERT INTO trending_entries (run_id, region, chart, video_id, rank, view_count, like_count, comment_count, fetched_at)
    SELECT ${runId}, e.region, e.chart, e.video_id, e.rank, e.view_count, e.like_count, e.comment_count, e.fetched_at
    FROM unnest(
      ${pgArray(entries.map((e) => e.region))}::text[],
      ${pgArray(entries.map((e) => e.chart))}::text[],
      ${pgArray(entries.map((e) => e.videoId))}::text[],
      ${pgArray(entries.map((e) => e.rank))}::integer[],
      ${pgArray(entries.map((e) => orNull(e.viewCount)))}::bigint[],
      ${pgArray(entries.map((e) => orNull(e.likeCount)))}::bigint[],
      ${pgArray(entries.map((e) => orNull(e.commentCount)))}::bigint[],
      ${pgArray(entries.map((e) => e.fetchedAt.toISOString()))}::timestamptz[]
    ) AS e(region, chart, video_id, rank, view_count, like_count, comment_count, fetched_at)
    ORDER BY e.video_id`
    .pipe(Effect.mapError(storeErrorOf("storing trending entries")))
