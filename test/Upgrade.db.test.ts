import { describe, expect, it } from "@effect/vitest"
import { Migrator, SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { RegionCode } from "../src/Domain/Region.js"
import { migrations, MIGRATIONS_TABLE, migrationsFrom, runMigrations } from "../src/Store/Migrations.js"
import { VideoSearch } from "../src/Store/Search.js"
import { VideoStore } from "../src/Store/VideoStore.js"
import { at, batchOf } from "./support/Batches.js"
import { regional } from "./support/Fixtures.js"
import { engine, FreshTestDatabase as TestDatabase } from "./support/TestDatabase.js"

/**
 * A database of the first stage (0.1.0: migrations 1–4), filled as that release stored
 * its runs, migrates in place to the archive of record and keeps every row.
 */

const upTo = (last: number) => Object.fromEntries(Object.entries(migrations).filter(([key]) => Number(key.split("_")[0]) <= last))
const FIRST_STAGE = upTo(4)
/** The full record (migration 5), before tracking. */
const FULL_RECORD = upTo(5)

/** Two runs as 0.1.0 wrote them: its statements, its columns. */
const fillAsTheFirstStage = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    INSERT INTO ingest_runs (started_at, finished_at, status, regions, entries, unique_videos, batch_id) VALUES
      ('2026-11-20T07:00:00Z', '2026-11-20T07:00:01Z', 'ok', '[{"region":"PL","status":"ok","videos":2,"malformed":0,"attempts":1,"durationMs":250}]', 2, 2, 'batch-1'),
      ('2026-11-20T14:00:00Z', '2026-11-20T14:00:01Z', 'partial', '[{"region":"PL","status":"ok","videos":1,"malformed":0,"attempts":1,"durationMs":240},{"region":"SE","status":"failed","videos":0,"malformed":0,"attempts":5,"durationMs":9000,"errorTag":"ApiUnavailable","error":"SE: unavailable"}]', 1, 1, 'batch-2')`
  yield* sql`
    INSERT INTO videos (video_id, title, channel_title, view_count, primary_language, search_config, regions, published_at, first_seen_at, last_seen_at, last_run_id) VALUES
      ('kQ8f3Lr2ZxA', 'Żółta Łódź – Księżyc 🌙', 'Żółta Łódź', 2000, 'pl', 'viralvidvault_folded', '{PL}', '2025-09-12T15:00:06Z', '2026-11-20T07:00:00.5Z', '2026-11-20T14:00:00.5Z', 2),
      ('abcdefghijk', 'Wieczór w Łodzi', 'Kanał', 10, 'pl', 'viralvidvault_folded', '{PL}', NULL, '2026-11-20T07:00:00.5Z', '2026-11-20T07:00:00.5Z', 1)`
  yield* sql`
    INSERT INTO trending_entries (run_id, region, video_id, rank, view_count, fetched_at) VALUES
      (1, 'PL', 'kQ8f3Lr2ZxA', 1, 1000, '2026-11-20T07:00:00.5Z'),
      (1, 'PL', 'abcdefghijk', 2, 10, '2026-11-20T07:00:00.5Z'),
      (2, 'PL', 'kQ8f3Lr2ZxA', 1, 2000, '2026-11-20T14:00:00.5Z')`
})

describe(`the upgrade from the first stage on ${engine}`, () => {
  it.layer(TestDatabase, { timeout: 120_000 })((it) => {
    it.effect("migrates in place: every row kept, entries on the `all` chart, the counters already seen as a series, search as before", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE IF NOT EXISTS ${sql(MIGRATIONS_TABLE)} (
          migration_id integer PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), name text NOT NULL)`
        yield* Migrator.make({})({ loader: Migrator.fromRecord(FIRST_STAGE), table: MIGRATIONS_TABLE })
        yield* fillAsTheFirstStage

        const applied = yield* runMigrations
        expect(applied.map(([id]) => id)).toEqual(migrationsFrom(5))
        // Nothing is gone until a look-up says so.
        expect(yield* sql`SELECT count(*) AS gone FROM videos WHERE gone_at IS NOT NULL`).toEqual([{ gone: "0" }])

        const counts = yield* sql<{ runs: string; videos: string; entries: string; stats: string; revisions: string }>`
          SELECT (SELECT count(*) FROM ingest_runs) AS runs, (SELECT count(*) FROM videos) AS videos,
                 (SELECT count(*) FROM trending_entries) AS entries, (SELECT count(*) FROM video_stats) AS stats,
                 (SELECT count(*) FROM video_revisions) AS revisions`
        expect(counts).toEqual([{ runs: "2", videos: "2", entries: "3", stats: "3", revisions: "0" }])
        const entries = yield* sql`SELECT run_id, chart, video_id, view_count, like_count FROM trending_entries ORDER BY run_id, rank`
        expect(entries).toEqual([
          { run_id: "1", chart: "all", video_id: "kQ8f3Lr2ZxA", view_count: "1000", like_count: null },
          { run_id: "1", chart: "all", video_id: "abcdefghijk", view_count: "10", like_count: null },
          { run_id: "2", chart: "all", video_id: "kQ8f3Lr2ZxA", view_count: "2000", like_count: null }
        ])
        const series = yield* sql<{ view_count: string }>`
          SELECT view_count FROM video_stats WHERE video_id = 'kQ8f3Lr2ZxA' ORDER BY observed_at`
        expect(series.map((s) => s.view_count)).toEqual(["1000", "2000"])
        const [video] = yield* sql`SELECT title, view_count, tags, description, like_count FROM videos WHERE video_id = 'kQ8f3Lr2ZxA'`
        expect(video).toEqual({ title: "Żółta Łódź – Księżyc 🌙", view_count: "2000", tags: [], description: "", like_count: null })

        const search = yield* Effect.provide(VideoSearch, VideoSearch.Default)
        const hits = yield* search.search({ query: "lodz or wieczor", regions: [RegionCode.make("PL")], limit: 10 })
        expect(hits.map((h) => h.videoId).sort()).toEqual(["abcdefghijk", "kQ8f3Lr2ZxA"])

        // The next run stores on top: the old video gets its first full revision, its series goes on.
        const store = yield* Effect.provide(VideoStore, VideoStore.Default)
        yield* store.saveRun(batchOf([regional("kQ8f3Lr2ZxA", "PL", { title: "Żółta Łódź – Księżyc 🌙", views: 3000, likes: 40, tags: ["muzyka"], fetchedAt: at(21) })], 21))
        const after = yield* sql`SELECT (SELECT count(*) FROM video_stats) AS stats, (SELECT count(*) FROM video_revisions) AS revisions`
        expect(after).toEqual([{ stats: "4", revisions: "1" }])
        expect((yield* search.search({ query: "muzyka", regions: [], limit: 10 })).map((h) => h.videoId)).toEqual(["kQ8f3Lr2ZxA"])
      }))

    it.effect("from the full record (migration 5): every row kept, nothing gone, its entries tracked", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`DROP SCHEMA public CASCADE`
        yield* sql`CREATE SCHEMA public`
        yield* sql`CREATE TABLE ${sql(MIGRATIONS_TABLE)} (
          migration_id integer PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), name text NOT NULL)`
        yield* Migrator.make({})({ loader: Migrator.fromRecord(FULL_RECORD), table: MIGRATIONS_TABLE })
        // As migration 5's store wrote a run: a video, its entries on two charts, its observation and revision, a category.
        yield* sql`
          INSERT INTO ingest_runs (started_at, finished_at, status, regions, entries, unique_videos, batch_id) VALUES
            (${at(1)}, ${at(1)}, 'ok', '[{"region":"PL","chart":"all","status":"ok","videos":1,"malformed":0,"attempts":1,"durationMs":250},{"region":"PL","chart":"10","status":"ok","videos":1,"malformed":0,"attempts":1,"durationMs":250}]', 2, 1, 'batch-5')`
        yield* sql`
          INSERT INTO videos (video_id, title, channel_title, view_count, like_count, primary_language, search_config, regions, first_seen_at, last_seen_at, last_run_id, tags, description, category_id, record_hash)
          VALUES ('kQ8f3Lr2ZxA', 'Księżyc', 'Łódź', 5000, 40, 'pl', 'viralvidvault_folded', '{PL}', ${at(1)}, ${at(1)}, 1, '{muzyka}', 'opis', '10', 'h')`
        yield* sql`
          INSERT INTO trending_entries (run_id, region, chart, video_id, rank, view_count, like_count, fetched_at) VALUES
            (1, 'PL', 'all', 'kQ8f3Lr2ZxA', 1, 5000, 40, ${at(1)}), (1, 'PL', '10', 'kQ8f3Lr2ZxA', 1, 5000, 40, ${at(1)})`
        yield* sql`INSERT INTO video_stats (video_id, observed_at, view_count, like_count) VALUES ('kQ8f3Lr2ZxA', ${at(1)}, 5000, 40)`
        yield* sql`INSERT INTO video_revisions (video_id, observed_at, title, description, tags) VALUES ('kQ8f3Lr2ZxA', ${at(1)}, 'Księżyc', 'opis', '{muzyka}')`
        yield* sql`INSERT INTO categories (region, category_id, title, assignable, fetched_at) VALUES ('PL', '10', 'Muzyka', true, ${at(1)})`

        expect((yield* runMigrations).map(([id]) => id)).toEqual(migrationsFrom(6))
        const counts = yield* sql`
          SELECT (SELECT count(*) FROM ingest_runs) AS runs, (SELECT count(*) FROM videos) AS videos,
                 (SELECT count(*) FROM trending_entries) AS entries, (SELECT count(*) FROM video_stats) AS stats,
                 (SELECT count(*) FROM video_revisions) AS revisions, (SELECT count(*) FROM categories) AS categories,
                 (SELECT count(*) FROM videos WHERE gone_at IS NOT NULL) AS gone`
        expect(counts).toEqual([{ runs: "1", videos: "1", entries: "2", stats: "1", revisions: "1", categories: "1", gone: "0" }])
        const store = yield* Effect.provide(VideoStore, VideoStore.Default)
        expect(yield* store.trackable(at(0))).toEqual([{ videoId: "kQ8f3Lr2ZxA", region: "PL" }])
      }))
  })
})
