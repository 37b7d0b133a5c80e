import { describe, expect, it } from "@effect/vitest"
import { Migrator, SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { RegionCode } from "../src/Domain/Region.js"
import { migrations, MIGRATIONS_TABLE, runMigrations } from "../src/Store/Migrations.js"
import { VideoSearch } from "../src/Store/Search.js"
import { VideoStore } from "../src/Store/VideoStore.js"
import { at, batchOf } from "./support/Batches.js"
import { regional } from "./support/Fixtures.js"
import { engine, TestDatabase } from "./support/TestDatabase.js"

/**
 * A database of the first stage (0.1.0: migrations 1–4), filled as that release stored
 * its runs, migrates in place to the archive of record and keeps every row.
 */

const FIRST_STAGE = Object.fromEntries(Object.entries(migrations).filter(([key]) => Number(key.split("_")[0]) <= 4))

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
        expect(applied.map(([id]) => id)).toEqual([5])

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
  })
})
