import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The full record (second stage): every field the API gives a video; each entry's
 * chart and counters; counters that the owner hides are NULL, never 0 (so `view_count`
 * may be NULL too); every observation of a video's counters (`video_stats`, filled from
 * the entries the first stage stored) and every version of its text (`video_revisions`,
 * from the first full observation on); the categories of each region. The search
 * vector becomes a column the store keeps, computed for new and changed text only (a
 * generated column is recomputed on every update of a row, and the counters change on
 * every run); it covers tags and descriptions below the title and the channel.
 * `record_hash` lets a run send the full record only for videos whose record changed.
 */
export const m0005_full_record = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    ALTER TABLE videos
      ADD COLUMN channel_id             text,
      ADD COLUMN category_id            text,
      ADD COLUMN tags                   text[] NOT NULL DEFAULT '{}',
      ADD COLUMN description            text NOT NULL DEFAULT '',
      ADD COLUMN duration_seconds       integer CHECK (duration_seconds >= 0),
      ADD COLUMN definition             text,
      ADD COLUMN caption                boolean,
      ADD COLUMN licensed_content       boolean,
      ADD COLUMN made_for_kids          boolean,
      ADD COLUMN live_broadcast_content text,
      ADD COLUMN thumbnail_url          text,
      ADD COLUMN thumbnails             jsonb,
      ADD COLUMN like_count             bigint CHECK (like_count >= 0),
      ADD COLUMN comment_count          bigint CHECK (comment_count >= 0),
      ADD COLUMN record_hash            text,
      ALTER COLUMN view_count DROP NOT NULL`
  // Room in each page for the next version of its rows: a run that changes only counters
  // updates them in place (HOT), without touching the indexes.
  yield* sql`ALTER TABLE videos SET (fillfactor = 50)`
  yield* sql`
    ALTER TABLE trending_entries
      ADD COLUMN chart         text NOT NULL DEFAULT 'all',
      ADD COLUMN like_count    bigint CHECK (like_count >= 0),
      ADD COLUMN comment_count bigint CHECK (comment_count >= 0),
      ALTER COLUMN view_count DROP NOT NULL,
      DROP CONSTRAINT trending_entries_pkey,
      ADD PRIMARY KEY (run_id, region, chart, video_id)`
  yield* sql`
    CREATE TABLE video_stats (
      video_id      text NOT NULL REFERENCES videos (video_id),
      observed_at   timestamptz NOT NULL,
      view_count    bigint CHECK (view_count >= 0),
      like_count    bigint CHECK (like_count >= 0),
      comment_count bigint CHECK (comment_count >= 0),
      PRIMARY KEY (video_id, observed_at)
    )`
  yield* sql`
    INSERT INTO video_stats (video_id, observed_at, view_count)
    SELECT video_id, max(fetched_at), max(view_count) FROM trending_entries GROUP BY run_id, video_id
    ON CONFLICT DO NOTHING`
  yield* sql`
    CREATE TABLE video_revisions (
      video_id      text NOT NULL REFERENCES videos (video_id),
      observed_at   timestamptz NOT NULL,
      title         text NOT NULL,
      description   text NOT NULL,
      thumbnail_url text,
      tags          text[] NOT NULL,
      PRIMARY KEY (video_id, observed_at)
    )`
  yield* sql`
    CREATE TABLE categories (
      region      text NOT NULL,
      category_id text NOT NULL,
      title       text NOT NULL,
      assignable  boolean NOT NULL,
      fetched_at  timestamptz NOT NULL,
      PRIMARY KEY (region, category_id)
    )`
  // As migration 3: NFC where the database is UTF8, the text as it is elsewhere.
  yield* sql`
    DO $$
    BEGIN
      IF current_setting('server_encoding') = 'UTF8' THEN
        CREATE FUNCTION viralvidvault_search_vector(cfg regconfig, title text, channel text, tags text[], description text)
          RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
            SELECT setweight(to_tsvector(cfg, normalize(title, NFC)), 'A') ||
                   setweight(to_tsvector(cfg, normalize(channel, NFC)), 'B') ||
                   setweight(to_tsvector(cfg, normalize(array_to_string(tags, ' '), NFC)), 'C') ||
                   setweight(to_tsvector(cfg, normalize(description, NFC)), 'D')
          $f$;
      ELSE
        CREATE FUNCTION viralvidvault_search_vector(cfg regconfig, title text, channel text, tags text[], description text)
          RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
            SELECT setweight(to_tsvector(cfg, title), 'A') || setweight(to_tsvector(cfg, channel), 'B') ||
                   setweight(to_tsvector(cfg, array_to_string(tags, ' ')), 'C') || setweight(to_tsvector(cfg, description), 'D')
          $f$;
      END IF;
    END
    $$`
  // The stored vectors stay: with no tags nor description yet, the function gives the same.
  yield* sql`ALTER TABLE videos ALTER COLUMN search DROP EXPRESSION`
})
