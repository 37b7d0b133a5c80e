import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * History that stays fast: `trending_entries` (by `fetched_at`) and `video_stats` (by
 * `observed_at`) become `PARTITION BY RANGE` tables with one partition per calendar
 * month in UTC (`trending_entries_2026_11` holds [2026-11-01 00:00Z, 2026-12-01 00:00Z)),
 * so that a run writes into this month's indexes only, and retention drops whole
 * months (`DROP TABLE` of a partition) instead of deleting rows.
 *
 * In place, in the migrations' transaction (the Migrator applies every pending migration
 * in one): the table is renamed aside, the partitioned one created with the same
 * columns in the same order, the same defaults and CHECKs; a partition for every month
 * that has rows, and for the current and the next month; the rows copied
 * (`INSERT … SELECT`); the old table dropped; then the primary key, the indexes and the
 * foreign keys added under their old names (built once over the copied rows, not row by
 * row), the grants the old table had given again, and the new tables analysed.
 *
 * Keys: a partitioned table's PRIMARY KEY must contain the partition key.
 * - `video_stats (video_id, observed_at)` contains it already: unchanged.
 * - `trending_entries (run_id, region, chart, video_id)` becomes
 *   `(run_id, region, chart, video_id, fetched_at)`. The store writes no more than
 *   before: a run's id is new to each stored batch (a batch stored before is recognised
 *   by `ingest_runs.batch_id`, unique, and nothing of it is written again), and the
 *   client keeps one entry per (region, chart, video) of a run (a video listed twice
 *   keeps its first rank), so one (run, region, chart, video) has one `fetched_at`.
 *   The old prefix stays the prefix: a chart's entries are read by (run, region, chart)
 *   as before.
 *
 * No DEFAULT partition. The store creates the months a batch needs in the batch's own
 * transaction before writing it (`viralvidvault_ensure_partitions`, below), so a late
 * spooled batch, or one from a clock that is off, gets its month like any other; what a
 * default partition would catch is only a row written by something else than the store,
 * and PostgreSQL refuses it loudly ("no partition of relation … found for row"; the
 * writer calls the function first). A default partition would cost more than it saves:
 * creating a month would take an ACCESS EXCLUSIVE lock on it and scan it, so that every
 * reader of the table (`serve`, an export's cursor) would wait for the run's commit, once
 * a month; once it held a row of some month that month could not be created without
 * moving rows; and it is never a whole month, so retention could not drop it.
 * Without it, a month is created as a table of its own and then attached, which takes
 * only a SHARE UPDATE EXCLUSIVE lock on the partitioned table: readers and writers go on.
 */
export const m0009_partitions = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  /**
   * Creates the monthly partition (UTC) of `parent` for each of `at` that has none, and
   * returns the names it created. Idempotent; partitions are found by their name
   * (`<table>_YYYY_MM`). A month is created as a table of its own (`LIKE` the parent:
   * columns, defaults, CHECKs) then attached: the indexes and foreign keys are cloned on
   * the empty table, and the partitioned table is locked SHARE UPDATE EXCLUSIVE only.
   * Months are computed on UTC wall time, whatever the session's TimeZone.
   */
  yield* sql`
    CREATE FUNCTION viralvidvault_ensure_partitions(parent regclass, at timestamptz[])
      RETURNS text[] LANGUAGE plpgsql AS $f$
    DECLARE
      schema_name text;
      table_name  text;
      month       timestamp;
      part        text;
      lower_bound text;
      upper_bound text;
      created     text[] := '{}';
    BEGIN
      SELECT n.nspname, c.relname INTO schema_name, table_name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = parent AND c.relkind = 'p';
      IF table_name IS NULL THEN
        RAISE EXCEPTION '% is not a partitioned table', parent;
      END IF;
      FOR month IN
        SELECT DISTINCT date_trunc('month', t AT TIME ZONE 'UTC') FROM unnest(at) AS t WHERE t IS NOT NULL ORDER BY 1
      LOOP
        part := table_name || '_' || to_char(month, 'YYYY_MM');
        CONTINUE WHEN to_regclass(format('%I.%I', schema_name, part)) IS NOT NULL;
        lower_bound := to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00';
        upper_bound := to_char(month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00';
        EXECUTE format('CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)',
                       schema_name, part, parent);
        EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
                       parent, schema_name, part, lower_bound, upper_bound);
        created := created || part;
      END LOOP;
      RETURN created;
    END
    $f$`

  /** The current and the next month, by the database's clock. */
  const now = sql`ARRAY[now(), (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC']`

  /** Gives the old table's grants to the new one: a role that could read it still can. */
  const grantAgain = (from: string, to: string) =>
    sql.unsafe(`
      DO $$
      DECLARE g record;
      BEGIN
        FOR g IN
          SELECT a.privilege_type, a.grantee, a.is_grantable
          FROM pg_class c, aclexplode(c.relacl) AS a
          WHERE c.oid = '${from}'::regclass AND a.grantee <> c.relowner
        LOOP
          EXECUTE format('GRANT %s ON ${to} TO %s%s', g.privilege_type,
                         CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END,
                         CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
      END
      $$`)

  // trending_entries: the columns in the order migrations 1 and 5 left them. Every
  // constraint is named as PostgreSQL named the old one: while the old table holds those
  // names it would pick others (`…1`), and PostgreSQL 18 (PGlite's) names NOT NULLs too.
  yield* sql`ALTER TABLE trending_entries RENAME TO trending_entries_unpartitioned`
  yield* sql`
    CREATE TABLE trending_entries (
      run_id        bigint CONSTRAINT trending_entries_run_id_not_null NOT NULL,
      region        text CONSTRAINT trending_entries_region_not_null NOT NULL,
      video_id      text CONSTRAINT trending_entries_video_id_not_null NOT NULL,
      rank          integer CONSTRAINT trending_entries_rank_not_null NOT NULL CONSTRAINT trending_entries_rank_check CHECK (rank >= 1),
      view_count    bigint CONSTRAINT trending_entries_view_count_check CHECK (view_count >= 0),
      fetched_at    timestamptz CONSTRAINT trending_entries_fetched_at_not_null NOT NULL,
      chart         text CONSTRAINT trending_entries_chart_not_null NOT NULL DEFAULT 'all',
      like_count    bigint CONSTRAINT trending_entries_like_count_check CHECK (like_count >= 0),
      comment_count bigint CONSTRAINT trending_entries_comment_count_check CHECK (comment_count >= 0)
    ) PARTITION BY RANGE (fetched_at)`
  // The months that have entries, one probe of the index on fetched_at (migration 6) each.
  yield* sql`
    SELECT viralvidvault_ensure_partitions('trending_entries', ARRAY(
      WITH RECURSIVE m (month) AS (
        SELECT date_trunc('month', min(fetched_at) AT TIME ZONE 'UTC') FROM trending_entries_unpartitioned
        UNION ALL
        SELECT (SELECT date_trunc('month', min(e.fetched_at) AT TIME ZONE 'UTC') FROM trending_entries_unpartitioned e
                WHERE e.fetched_at >= (m.month + interval '1 month') AT TIME ZONE 'UTC')
        FROM m WHERE m.month IS NOT NULL
      )
      SELECT month AT TIME ZONE 'UTC' FROM m WHERE month IS NOT NULL
    ) || ${now})`
  yield* sql`
    INSERT INTO trending_entries (run_id, region, video_id, rank, view_count, fetched_at, chart, like_count, comment_count)
    SELECT run_id, region, video_id, rank, view_count, fetched_at, chart, like_count, comment_count
    FROM trending_entries_unpartitioned`
  yield* grantAgain("trending_entries_unpartitioned", "trending_entries")
  yield* sql`DROP TABLE trending_entries_unpartitioned`
  yield* sql`
    ALTER TABLE trending_entries ADD CONSTRAINT trending_entries_pkey PRIMARY KEY (run_id, region, chart, video_id, fetched_at)`
  yield* sql`CREATE INDEX trending_entries_video_idx ON trending_entries (video_id, fetched_at)`
  yield* sql`CREATE INDEX trending_entries_fetched_at_idx ON trending_entries (fetched_at)`
  yield* sql`CREATE INDEX trending_entries_chart_idx ON trending_entries (region, chart, fetched_at)`
  yield* sql`
    ALTER TABLE trending_entries
      ADD CONSTRAINT trending_entries_run_id_fkey FOREIGN KEY (run_id) REFERENCES ingest_runs (id) ON DELETE CASCADE,
      ADD CONSTRAINT trending_entries_video_id_fkey FOREIGN KEY (video_id) REFERENCES videos (video_id)`

  // video_stats: as migration 5 made it.
  yield* sql`ALTER TABLE video_stats RENAME TO video_stats_unpartitioned`
  yield* sql`
    CREATE TABLE video_stats (
      video_id      text CONSTRAINT video_stats_video_id_not_null NOT NULL,
      observed_at   timestamptz CONSTRAINT video_stats_observed_at_not_null NOT NULL,
      view_count    bigint CONSTRAINT video_stats_view_count_check CHECK (view_count >= 0),
      like_count    bigint CONSTRAINT video_stats_like_count_check CHECK (like_count >= 0),
      comment_count bigint CONSTRAINT video_stats_comment_count_check CHECK (comment_count >= 0)
    ) PARTITION BY RANGE (observed_at)`
  // No index leads with observed_at: one scan, the one the copy makes again below.
  yield* sql`
    SELECT viralvidvault_ensure_partitions('video_stats', ARRAY(
      SELECT DISTINCT date_trunc('month', observed_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM video_stats_unpartitioned
    ) || ${now})`
  yield* sql`
    INSERT INTO video_stats (video_id, observed_at, view_count, like_count, comment_count)
    SELECT video_id, observed_at, view_count, like_count, comment_count FROM video_stats_unpartitioned`
  yield* grantAgain("video_stats_unpartitioned", "video_stats")
  yield* sql`DROP TABLE video_stats_unpartitioned`
  yield* sql`ALTER TABLE video_stats ADD CONSTRAINT video_stats_pkey PRIMARY KEY (video_id, observed_at)`
  yield* sql`
    ALTER TABLE video_stats
      ADD CONSTRAINT video_stats_video_id_fkey FOREIGN KEY (video_id) REFERENCES videos (video_id)`

  // The copies have no statistics yet (and autovacuum never analyses a partitioned table itself).
  yield* sql`ANALYZE trending_entries, video_stats`
})
