import { Migrator, SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { DatabaseRefused, storeErrorOf } from "./Errors.js"
import { m0005_full_record } from "./Migrations/0005_full_record.js"
import { m0006_tracking } from "./Migrations/0006_tracking.js"
import { m0007_chart_index } from "./Migrations/0007_chart_index.js"
import { m0008_quota } from "./Migrations/0008_quota.js"
import { m0009_partitions } from "./Migrations/0009_partitions.js"
import { m0010_regions } from "./Migrations/0010_regions.js"
import { m0011_gone_index } from "./Migrations/0011_gone_index.js"
import { m0012_entries_unchecked_videos } from "./Migrations/0012_entries_unchecked_videos.js"

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

/** Keyed `<id>_<name>`, as `Migrator.fromRecord` reads them. */
export const migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>> = {
  "1_initial": m0001_initial,
  "2_interrupted_runs": m0002_interrupted_runs,
  "3_search_normalized": m0003_search_normalized,
  "4_batch_ids": m0004_batch_ids,
  "5_full_record": m0005_full_record,
  "6_tracking": m0006_tracking,
  "7_chart_index": m0007_chart_index,
  "8_quota": m0008_quota,
  "9_partitions": m0009_partitions,
  "10_regions": m0010_regions,
  "11_gone_index": m0011_gone_index,
  "12_entries_unchecked_videos": m0012_entries_unchecked_videos
}

/** The ids of the migrations from `first` on, in order: what a database at `first - 1` runs to be current. */
export const migrationsFrom = (first: number): ReadonlyArray<number> =>
  Object.keys(migrations).map((key) => Number.parseInt(key, 10)).filter((id) => id >= first).sort((a, b) => a - b)

export const MIGRATIONS_TABLE = "viralvidvault_migrations"

/** The id of the last migration this release has. */
const LATEST_MIGRATION = Math.max(...Object.keys(migrations).map((key) => Number.parseInt(key, 10)))

/** An arbitrary, fixed key: our migrations run one process at a time. */
const MIGRATION_LOCK = 7_406_116_001

/**
 * Applies the migrations. Idempotent, and safe when several processes start at once:
 * the Migrator serialises on its table, and we create that table under an advisory
 * lock (its own check-then-create would otherwise race).
 */
export const runMigrations = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  // Every start of every command comes here, and nearly always to a current schema: one
  // read says so, where the Migrator's check is nine statements (~35 ms on PostgreSQL).
  // A table not there yet, or any other answer, goes the whole way.
  const latest = yield* sql<{ readonly latest: number | null }>`SELECT max(migration_id) AS latest FROM ${sql(MIGRATIONS_TABLE)}`.pipe(
    Effect.map((rows) => rows[0]?.latest ?? null),
    Effect.orElseSucceed(() => null)
  )
  if (latest === LATEST_MIGRATION) return []
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
