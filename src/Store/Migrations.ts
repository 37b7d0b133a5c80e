import { Migrator, SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { DatabaseRefused, storeErrorOf } from "./Errors.js"

/**
 * The project's migrations, imported statically so they survive bundling
 * (`Migrator.fromFileSystem` imports files at run time). Never edit one that has
 * shipped: add the next number.
 */

const m0001_initial = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  // unaccent is a trusted extension (PostgreSQL 13+): a database owner may create it.
  yield* sql`CREATE EXTENSION IF NOT EXISTS unaccent`
  yield* sql`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'viralvidvault_folded') THEN
        CREATE TEXT SEARCH CONFIGURATION viralvidvault_folded (COPY = simple);
        ALTER TEXT SEARCH CONFIGURATION viralvidvault_folded
          ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple;
      END IF;
    END
    $$`
  yield* sql`
    CREATE TABLE ingest_runs (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      started_at    timestamptz NOT NULL,
      finished_at   timestamptz,
      status        text NOT NULL CHECK (status IN ('ok', 'partial', 'failed')),
      regions       jsonb NOT NULL DEFAULT '[]',
      entries       integer NOT NULL DEFAULT 0 CHECK (entries >= 0),
      unique_videos integer NOT NULL DEFAULT 0 CHECK (unique_videos >= 0)
    )`
  yield* sql`
    CREATE TABLE videos (
      video_id         text PRIMARY KEY,
      title            text NOT NULL,
      channel_title    text NOT NULL,
      view_count       bigint NOT NULL CHECK (view_count >= 0),
      primary_language text NOT NULL,
      search_config    regconfig NOT NULL,
      regions          text[] NOT NULL,
      published_at     timestamptz,
      first_seen_at    timestamptz NOT NULL,
      last_seen_at     timestamptz NOT NULL,
      last_run_id      bigint REFERENCES ingest_runs (id),
      search           tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector(search_config, title), 'A') ||
                         setweight(to_tsvector(search_config, channel_title), 'B')
                       ) STORED
    )`
  yield* sql`CREATE INDEX videos_search_idx ON videos USING gin (search)`
  yield* sql`CREATE INDEX videos_regions_idx ON videos USING gin (regions)`
  yield* sql`
    CREATE TABLE trending_entries (
      run_id     bigint NOT NULL REFERENCES ingest_runs (id) ON DELETE CASCADE,
      region     text NOT NULL,
      video_id   text NOT NULL REFERENCES videos (video_id),
      rank       integer NOT NULL CHECK (rank >= 1),
      view_count bigint NOT NULL CHECK (view_count >= 0),
      fetched_at timestamptz NOT NULL,
      PRIMARY KEY (run_id, region, video_id)
    )`
  yield* sql`CREATE INDEX trending_entries_video_idx ON trending_entries (video_id, fetched_at)`
})

/** A run stopped by SIGTERM/SIGINT is recorded as such, with the regions it had fetched. */
const m0002_interrupted_runs = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE ingest_runs DROP CONSTRAINT ingest_runs_status_check`
  yield* sql`ALTER TABLE ingest_runs ADD CONSTRAINT ingest_runs_status_check
    CHECK (status IN ('ok', 'partial', 'failed', 'interrupted'))`
})

/**
 * The same word can arrive composed ("é") or decomposed ("e" + U+0301); titles are
 * stored as sent, so the search vector is built from their NFC form (and queries are
 * normalised the same way). `normalize` needs a UTF8 database, as any database holding
 * these titles should be; on another encoding the vector stays as it was.
 */
const m0003_search_normalized = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    DO $$
    BEGIN
      IF current_setting('server_encoding') = 'UTF8' THEN
        ALTER TABLE videos DROP COLUMN search;
        ALTER TABLE videos ADD COLUMN search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector(search_config, normalize(title, NFC)), 'A') ||
          setweight(to_tsvector(search_config, normalize(channel_title, NFC)), 'B')
        ) STORED;
        CREATE INDEX videos_search_idx ON videos USING gin (search);
      END IF;
    END
    $$`
})

/**
 * Each fetched batch carries an id, so storing it is idempotent: a spooled batch whose
 * commit was acknowledged just as the process died is not stored twice.
 */
const m0004_batch_ids = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE ingest_runs ADD COLUMN batch_id text`
  yield* sql`CREATE UNIQUE INDEX ingest_runs_batch_id_idx ON ingest_runs (batch_id)`
})

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
const m0005_full_record = Effect.gen(function*() {
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

/** Keyed `<id>_<name>`, as `Migrator.fromRecord` reads them. */
export const migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>> = {
  "1_initial": m0001_initial,
  "2_interrupted_runs": m0002_interrupted_runs,
  "3_search_normalized": m0003_search_normalized,
  "4_batch_ids": m0004_batch_ids,
  "5_full_record": m0005_full_record
}

export const MIGRATIONS_TABLE = "viralvidvault_migrations"

/** An arbitrary, fixed key: our migrations run one process at a time. */
const MIGRATION_LOCK = 7_406_116_001

/**
 * Applies the migrations. Idempotent, and safe when several processes start at once:
 * the Migrator serialises on its table, and we create that table under an advisory
 * lock (its own check-then-create would otherwise race).
 */
export const runMigrations = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.withTransaction(
    Effect.zipRight(
      sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`,
      sql`CREATE TABLE IF NOT EXISTS ${sql(MIGRATIONS_TABLE)} (
        migration_id integer PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        name text NOT NULL
      )`
    )
  )
  return yield* Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: MIGRATIONS_TABLE })
}).pipe(Effect.withSpan("Migrations.run"))

/** Applies the project's migrations when built; a host app can merge it over its own SqlClient. */
export const MigrationsLive = Layer.effectDiscard(
  runMigrations.pipe(
    Effect.tap((applied) =>
      applied.length > 0
        ? Effect.log(`applied migrations: ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`)
        : Effect.logDebug("database schema is up to date")
    ),
    Effect.catchTags({
      SqlError: (e) => Effect.fail(storeErrorOf("applying migrations")(e)),
      MigrationError: (e) => Effect.fail(new DatabaseRefused({ operation: "applying migrations", detail: e.message }))
    })
  )
)
