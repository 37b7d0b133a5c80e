import { describe, expect, it } from "@effect/vitest"
import { Migrator, SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { RegionCode } from "../src/Domain/Region.js"
import { CategoryId, type ChartId, TrackedCounters, VideoId } from "../src/Domain/Video.js"
import { migrations, MIGRATIONS_TABLE, migrationsFrom, runMigrations } from "../src/Store/Migrations.js"
import { Partitions } from "../src/Store/Partitions.js"
import { VideoSearch } from "../src/Store/Search.js"
import { Trends } from "../src/Store/Trends.js"
import { VideoStore } from "../src/Store/VideoStore.js"
import { batchOf } from "./support/Batches.js"
import { regional } from "./support/Fixtures.js"
import { engine, FreshTestDatabase as TestDatabase } from "./support/TestDatabase.js"

/**
 * Monthly partitions (migration 9): a database of the previous release, with history in
 * several months, is converted in place keeping every row and every answer; a run
 * creates the months it needs ahead; a replayed batch is stored once; retention drops
 * whole months only.
 */

const PARTITIONING = 9
/** Each test builds a database of the previous release and migrates it: seconds on PGlite, more on a busy machine. */
const TIMEOUT = 120_000
const upTo = (last: number) => Object.fromEntries(Object.entries(migrations).filter(([key]) => Number(key.split("_")[0]) <= last))

const Services = Layer.mergeAll(Trends.Default, VideoSearch.Default, VideoStore.Default, Partitions.Default)
const TestLive = Services.pipe(Layer.provideMerge(TestDatabase))

const REGIONS = ["PL", "SE", "US"] as const
const CHARTS: ReadonlyArray<ChartId> = ["all", CategoryId.make("10")]

/** The previous release's runs: weekly from 2026-03-04, and two either side of the turn of July to August (UTC). */
const RUN_TIMES = [
  ...Array.from({ length: 22 }, (_, n) => new Date(Date.UTC(2026, 2, 4, 5) + n * 7 * 86_400_000)),
  new Date("2026-07-31T23:59:59.500Z"),
  new Date("2026-08-01T00:00:00.000Z")
].sort((a, b) => a.getTime() - b.getTime())

/** A database at the schema before partitioning, filled as the previous release stored its runs. */
const previousRelease = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`DROP SCHEMA public CASCADE`
  yield* sql`CREATE SCHEMA public`
  yield* sql`CREATE TABLE ${sql(MIGRATIONS_TABLE)} (
    migration_id integer PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), name text NOT NULL)`
  yield* Migrator.make({})({ loader: Migrator.fromRecord(upTo(PARTITIONING - 1)), table: MIGRATIONS_TABLE })

  const outcomes = JSON.stringify(REGIONS.flatMap((region) =>
    CHARTS.map((chart) => ({ region, chart, status: "ok", videos: 10, malformed: 0, attempts: 1, durationMs: 250 }))
  ))
  yield* sql`
    INSERT INTO ingest_runs (started_at, finished_at, status, regions, entries, unique_videos, batch_id)
    SELECT t, t + interval '5 seconds', 'ok', ${outcomes}::jsonb, 60, 30, 'old-' || n
    FROM unnest(${`{${RUN_TIMES.map((t) => t.toISOString()).join(",")}}`}::timestamptz[]) WITH ORDINALITY AS r (t, n)
    ORDER BY n`
  // Forty videos, half of them Polish (searched for below), each with a full record.
  yield* sql`
    INSERT INTO videos (video_id, title, channel_title, view_count, like_count, comment_count, primary_language, search_config,
                        regions, published_at, first_seen_at, last_seen_at, channel_id, category_id, tags, description,
                        duration_seconds, definition, caption, licensed_content, made_for_kids, live_broadcast_content,
                        thumbnail_url, record_hash)
    SELECT 'vid' || lpad(n::text, 8, '0'),
           CASE WHEN n % 2 = 0 THEN 'Łódź nocą, część ' || n ELSE 'Summer hits volume ' || n END,
           'Channel ' || (n % 7), 1000 * n, CASE WHEN n % 5 = 0 THEN NULL ELSE n END, n,
           CASE WHEN n % 2 = 0 THEN 'pl' ELSE 'en' END,
           CASE WHEN n % 2 = 0 THEN 'viralvidvault_folded' ELSE 'english' END::regconfig,
           '{}', timestamptz '2026-01-01 12:00Z' + n * interval '1 day', timestamptz '2026-03-04 05:00Z', timestamptz '2026-03-04 05:00Z',
           'UC' || lpad(n::text, 22, '0'), CASE WHEN n % 3 = 0 THEN '10' ELSE '24' END, ARRAY['tag' || n % 4, 'music'],
           'A description of video ' || n, 60 + n, 'hd', false, true, false, 'none',
           'https://i.ytimg.com/vi/vid' || lpad(n::text, 8, '0') || '/hqdefault.jpg', 'hash-' || n
    FROM generate_series(0, 39) AS n`
  yield* sql`UPDATE videos SET search = viralvidvault_search_vector(search_config, title, channel_title, tags, description)`
  // Each run: ten entries on each region's overall and music chart, the pool turning over.
  yield* sql`
    INSERT INTO trending_entries (run_id, region, chart, video_id, rank, view_count, like_count, comment_count, fetched_at)
    SELECT r.id, g.region, c.chart, 'vid' || lpad(((r.id * 3 + k * 2 + g.i * 5 + c.j) % 40)::text, 8, '0'), k + 1,
           CASE WHEN k = 9 THEN NULL ELSE 100 * r.id + k END, CASE WHEN k % 4 = 0 THEN NULL ELSE k END, k * 2,
           r.started_at + (g.i * 300 + c.j * 100) * interval '1 millisecond'
    FROM ingest_runs r
    CROSS JOIN (VALUES ('PL', 0), ('SE', 1), ('US', 2)) AS g (region, i)
    CROSS JOIN (VALUES ('all', 0), ('10', 1)) AS c (chart, j)
    CROSS JOIN generate_series(0, 9) AS k`
  yield* sql`
    UPDATE videos v SET first_seen_at = e.first, last_seen_at = e.last, regions = e.regions, last_run_id = e.run_id
    FROM (SELECT video_id, min(fetched_at) AS first, max(fetched_at) AS last, array_agg(DISTINCT region ORDER BY region) AS regions,
                 max(run_id) AS run_id
          FROM trending_entries GROUP BY video_id) e
    WHERE v.video_id = e.video_id`
  // One observation per video and run (as the store wrote it), and tracked ones in September, a month without entries.
  yield* sql`
    INSERT INTO video_stats (video_id, observed_at, view_count, like_count, comment_count)
    SELECT video_id, max(fetched_at), max(view_count), max(like_count), max(comment_count) FROM trending_entries GROUP BY run_id, video_id`
  yield* sql`
    INSERT INTO video_stats (video_id, observed_at, view_count, like_count, comment_count)
    SELECT video_id, timestamptz '2026-09-10 03:00Z' + (row_number() OVER (ORDER BY video_id)) * interval '1 minute', NULL, 7, NULL
    FROM videos WHERE video_id < 'vid00000010'`
  yield* sql`
    INSERT INTO video_revisions (video_id, observed_at, title, description, thumbnail_url, tags)
    SELECT video_id, first_seen_at, title, description, thumbnail_url, tags FROM videos`
  yield* sql`
    INSERT INTO categories (region, category_id, title, assignable, fetched_at)
    VALUES ('PL', '10', 'Muzyka', true, '2026-03-04T05:00:00Z'), ('SE', '10', 'Musik', true, '2026-03-04T05:00:00Z'),
           ('US', '10', 'Music', true, '2026-03-04T05:00:00Z'), ('US', '24', 'Entertainment', true, '2026-03-04T05:00:00Z')`
})

/** Rows and a checksum of every row's text, per table. */
const checksums = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return yield* sql`
    SELECT 'trending_entries' AS t, count(*) AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS sum FROM trending_entries x
    UNION ALL SELECT 'video_stats', count(*), md5(string_agg(x::text, '|' ORDER BY x::text)) FROM video_stats x
    UNION ALL SELECT 'videos', count(*), md5(string_agg(x::text, '|' ORDER BY x::text)) FROM videos x
    UNION ALL SELECT 'video_revisions', count(*), md5(string_agg(x::text, '|' ORDER BY x::text)) FROM video_revisions x
    UNION ALL SELECT 'ingest_runs', count(*), md5(string_agg(x::text, '|' ORDER BY x::text)) FROM ingest_runs x
    UNION ALL SELECT 'categories', count(*), md5(string_agg(x::text, '|' ORDER BY x::text)) FROM categories x`
})

const hour = 3_600_000
const plus = (t: Date, ms: number) => new Date(t.getTime() + ms)

/** Every answer of the queries `serve`, `report` and `search` give, over the whole history. */
const answers = Effect.gen(function*() {
  const trends = yield* Trends
  const search = yield* VideoSearch
  const store = yield* VideoStore
  const times = [
    new Date("2026-01-01T00:00:00Z"),
    ...RUN_TIMES.flatMap((t) => [plus(t, -1), plus(t, 6 * hour)]),
    new Date("2027-06-01T00:00:00Z")
  ]
  const charts = yield* Effect.forEach(
    [...REGIONS, "NO"].flatMap((region) => CHARTS.flatMap((chart) => times.map((at) => ({ region, chart, at })))),
    ({ at, chart, region }) => trends.chart(RegionCode.make(region), chart, at)
  )
  const videos = yield* Effect.forEach(
    [...Array.from({ length: 40 }, (_, n) => `vid${String(n).padStart(8, "0")}`), "nosuchvideo"],
    (id) => trends.video(id)
  )
  const overlaps = yield* Effect.forEach([
    ["2026-03-01", "2026-04-01"],
    ["2026-07-15", "2026-08-15"],
    ["2026-07-31T23:59:59.500Z", "2026-08-01T00:00:00.001Z"],
    ["2026-01-01", "2027-01-01"]
  ], ([since, until]) => Effect.forEach(CHARTS, (chart) => trends.overlap(new Date(since!), new Date(until!), chart)))
  const runs = yield* trends.runs(100)
  const regions = yield* trends.regions()
  const hits = yield* Effect.forEach(
    [
      { query: "lodz", regions: [], limit: 50 },
      { query: "summer hits", regions: [RegionCode.make("SE")], limit: 5 },
      { query: "music", regions: [RegionCode.make("PL"), RegionCode.make("US")], limit: 50 }
    ],
    (request) => search.search(request)
  )
  const trackable = yield* store.trackable(new Date("2026-07-20T00:00:00Z"))
  return { charts, videos, overlaps, runs, regions, hits, trackable }
})

/** A table's constraints and indexes as the catalogue describes them. */
const shapeOf = (table: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const columns = yield* sql`
      SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull, pg_get_expr(d.adbin, d.adrelid) AS "default"
      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ${table}::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`
    const constraints = yield* sql`
      SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = ${table}::regclass ORDER BY conname`
    const indexes = yield* sql`
      SELECT c.relname AS name, replace(pg_get_indexdef(i.indexrelid), 'ONLY ', '') AS def
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = ${table}::regclass ORDER BY 1`
    return { columns, constraints, indexes }
  })

/** The month of each of these, and the current and next month: the partitions migration 9 creates. */
const monthsOf = (times: ReadonlyArray<Date>, now: Date) =>
  [...new Set([...times, now, new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))].map((t) => t.toISOString().slice(0, 7)))]
    .sort()

describe(`monthly partitions on ${engine}`, () => {
  it.layer(TestLive, { timeout: 300_000 })((it) => {
    it.effect("migration 9 converts a database of the previous release in place: every row, every answer, one partition a month", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* previousRelease
        const rowsBefore = yield* checksums
        const answersBefore = yield* answers
        const entriesBefore = yield* shapeOf("trending_entries")
        const statsBefore = yield* shapeOf("video_stats")
        expect(answersBefore.charts.filter(Option.isSome).length).toBeGreaterThan(100)
        expect(answersBefore.hits.every((h) => h.length > 0)).toBe(true)

        expect((yield* runMigrations).map(([id]) => id)).toEqual(migrationsFrom(PARTITIONING))

        expect(yield* checksums).toEqual(rowsBefore)
        expect(yield* answers).toEqual(answersBefore)
        // The same columns, CHECKs, foreign keys and indexes under the same names; the entries' key gains fetched_at.
        // Migration 12, run after it, drops the two foreign keys to videos (the store checks the entries instead).
        const VIDEO_KEYS: ReadonlyArray<unknown> = ["trending_entries_video_id_fkey", "video_stats_video_id_fkey"]
        const videoKeysOf = (shape: typeof entriesBefore) => shape.constraints.filter((c) => VIDEO_KEYS.includes(c.conname))
        expect(videoKeysOf(entriesBefore).map((c) => c.conname)).toEqual(["trending_entries_video_id_fkey"])
        expect(videoKeysOf(statsBefore).map((c) => c.conname)).toEqual(["video_stats_video_id_fkey"])
        const beforeTwelve = (shape: typeof entriesBefore) => ({
          ...shape,
          constraints: shape.constraints.filter((c) => !VIDEO_KEYS.includes(c.conname))
        })
        const pkeyOf = (shape: typeof entriesBefore) => shape.constraints.find((c) => c.conname === "trending_entries_pkey")
        expect(pkeyOf(entriesBefore)?.def).toBe("PRIMARY KEY (run_id, region, chart, video_id)")
        const entriesAfter = yield* shapeOf("trending_entries")
        expect(pkeyOf(entriesAfter)?.def).toBe("PRIMARY KEY (run_id, region, chart, video_id, fetched_at)")
        const withoutKey = (shape: typeof entriesBefore) => ({
          columns: shape.columns,
          constraints: shape.constraints.filter((c) => c.conname !== "trending_entries_pkey"),
          indexes: shape.indexes.map((i) => ({ name: i.name, def: String(i.def).replace(/ USING btree \((.*)\)$/, " ($1)").replace(/^.* ON /, "") }))
            .filter((i) => i.name !== "trending_entries_pkey")
        })
        expect(withoutKey(entriesAfter)).toEqual(withoutKey(beforeTwelve(entriesBefore)))
        expect(entriesAfter.indexes.map((i) => i.name)).toEqual(entriesBefore.indexes.map((i) => i.name))
        const statsAfter = yield* shapeOf("video_stats")
        expect({ ...statsAfter, indexes: statsAfter.indexes.map((i) => i.name) })
          .toEqual({ ...beforeTwelve(statsBefore), indexes: statsBefore.indexes.map((i) => i.name) })

        // Partitioned by range on the time, one partition a month (UTC), no default partition.
        const partitioned = yield* sql`
          SELECT partrelid::regclass::text AS "table", partstrat, a.attname AS key, partdefid::int AS "default"
          FROM pg_partitioned_table p JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
          ORDER BY 1`
        expect(partitioned).toEqual([
          { table: "trending_entries", partstrat: "r", key: "fetched_at", default: 0 },
          { table: "video_stats", partstrat: "r", key: "observed_at", default: 0 }
        ])
        const now = (yield* sql<{ now: Date }>`SELECT now()`)[0]!.now
        const partitions = yield* (yield* Partitions).listPartitions()
        const monthsIn = (table: string) => partitions.filter((p) => p.table === table).map((p) => p.month)
        expect(monthsIn("trending_entries")).toEqual(monthsOf(RUN_TIMES, now))
        expect(monthsIn("video_stats")).toEqual(monthsOf([...RUN_TIMES, new Date("2026-09-10T03:00:00Z")], now))
        for (const p of partitions) {
          expect(p.partition).toBe(`${p.table}_${p.month.replace("-", "_")}`)
          expect(p.from.toISOString()).toBe(`${p.month}-01T00:00:00.000Z`)
          expect(new Date(p.until.getTime() - 1).toISOString().slice(0, 7)).toBe(p.month)
        }
        // Every row in its own month's partition, by UTC: the run at 23:59:59.5 on July 31 has its first four charts
        // (fetched up to 400 ms later) in July's, its last two (600 and 700 ms later) in August's.
        const misplaced = yield* sql`
          SELECT count(*) AS n FROM (
            SELECT tableoid::regclass::text AS part, 'trending_entries_' || to_char(fetched_at AT TIME ZONE 'UTC', 'YYYY_MM') AS month FROM trending_entries
            UNION ALL
            SELECT tableoid::regclass::text, 'video_stats_' || to_char(observed_at AT TIME ZONE 'UTC', 'YYYY_MM') FROM video_stats
          ) r WHERE part <> month`
        expect(misplaced).toEqual([{ n: "0" }])
        const turn = yield* sql`
          SELECT tableoid::regclass::text AS part, count(*) AS n FROM trending_entries
          WHERE fetched_at BETWEEN '2026-07-31T23:00:00Z' AND '2026-08-01T01:00:00Z' GROUP BY 1 ORDER BY 1`
        expect(turn).toEqual([{ part: "trending_entries_2026_07", n: "40" }, { part: "trending_entries_2026_08", n: "80" }])
      }), TIMEOUT)

    it.effect("a run into a month without a partition creates it, and the next, ahead, and lands in it", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* previousRelease
        yield* runMigrations
        const store = yield* VideoStore
        const partitions = yield* Partitions
        const before = yield* partitions.listPartitions()
        expect(before.some((p) => p.month === "2031-04")).toBe(false)

        const fetchedAt = new Date("2031-04-30T23:59:00Z")
        const entries = [
          regional("vid00000001", "PL", { rank: 1, views: 5, fetchedAt }),
          regional("newvideo001", "PL", { rank: 2, views: 6, fetchedAt })
        ]
        // Tracked just after midnight: the observation falls in May.
        const tracked = [TrackedCounters.make({
          videoId: VideoId.make("vid00000002"), observedAt: new Date("2031-05-01T00:30:00Z"),
          viewCount: Option.some(99), likeCount: Option.none(), commentCount: Option.none()
        })]
        const runId = yield* store.saveRun({ ...batchOf(entries), startedAt: fetchedAt, finishedAt: fetchedAt, tracked })

        const added = (yield* partitions.listPartitions()).filter((p) => !before.some((b) => b.partition === p.partition))
        expect(added.map((p) => p.partition).sort()).toEqual([
          "trending_entries_2031_04", "trending_entries_2031_05", "video_stats_2031_04", "video_stats_2031_05", "video_stats_2031_06"
        ])
        expect(yield* sql`SELECT tableoid::regclass::text AS part, video_id FROM trending_entries WHERE run_id = ${runId} ORDER BY rank`)
          .toEqual([
            { part: "trending_entries_2031_04", video_id: "vid00000001" },
            { part: "trending_entries_2031_04", video_id: "newvideo001" }
          ])
        expect(yield* sql`SELECT tableoid::regclass::text AS part, video_id FROM video_stats WHERE observed_at >= '2031-01-01' ORDER BY 2`)
          .toEqual([
            { part: "video_stats_2031_04", video_id: "newvideo001" },
            { part: "video_stats_2031_04", video_id: "vid00000001" },
            { part: "video_stats_2031_05", video_id: "vid00000002" }
          ])
        // A new month is attached with the table's indexes, CHECKs and foreign key (to the runs: migration 12 dropped the videos').
        const shape = yield* shapeOf("trending_entries_2031_04")
        expect(shape.indexes.length).toBe(4)
        expect(shape.constraints.map((c) => c.conname)).toEqual(expect.arrayContaining([
          "trending_entries_rank_check", "trending_entries_run_id_fkey", "trending_entries_2031_04_pkey"
        ]))
        expect(shape.constraints.map((c) => c.conname)).not.toContain("trending_entries_video_id_fkey")
        // Storing into existing months creates nothing.
        const again = [regional("vid00000003", "SE", { rank: 1, views: 5, fetchedAt: new Date("2031-04-12T10:00:00Z") })]
        yield* store.saveRun({ ...batchOf(again), startedAt: again[0]!.fetchedAt, finishedAt: again[0]!.fetchedAt })
        expect((yield* partitions.listPartitions()).length).toBe(before.length + added.length)
      }), TIMEOUT)

    it.effect("the months are UTC's whatever the session's time zone, and creating them is idempotent", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* previousRelease
        yield* runMigrations
        const created = yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`SET LOCAL TimeZone = 'America/Los_Angeles'`
          // 2032-08-01 02:00Z is still July 31 in Los Angeles.
          const first = yield* sql`SELECT viralvidvault_ensure_partitions('trending_entries', '{2032-08-01T02:00:00Z}') AS created`
          const second = yield* sql`SELECT viralvidvault_ensure_partitions('trending_entries', '{2032-08-31T23:00:00Z}') AS created`
          return [first, second]
        }))
        expect(created).toEqual([[{ created: ["trending_entries_2032_08"] }], [{ created: [] }]])
        const august = (yield* (yield* Partitions).listPartitions()).find((p) => p.partition === "trending_entries_2032_08")
        expect(august && { from: august.from.toISOString(), until: august.until.toISOString() })
          .toEqual({ from: "2032-08-01T00:00:00.000Z", until: "2032-09-01T00:00:00.000Z" })
      }), TIMEOUT)

    it.effect("a batch replayed from the spool is stored once; an observation stored before is not doubled", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* previousRelease
        yield* runMigrations
        const store = yield* VideoStore
        const fetchedAt = new Date("2031-02-10T08:00:00Z")
        const batch = {
          ...batchOf([
            regional("vid00000004", "PL", { rank: 1, views: 10, fetchedAt }),
            regional("vid00000004", "SE", { rank: 3, views: 11, fetchedAt }),
            regional("vid00000005", "PL", { rank: 2, views: 12, fetchedAt })
          ]),
          startedAt: fetchedAt,
          finishedAt: fetchedAt,
          batchId: "replayed-batch"
        }
        const first = yield* store.saveRun(batch)
        const rows = yield* checksums
        const second = yield* store.saveRun(batch)
        expect(second).toBe(first)
        expect(yield* checksums).toEqual(rows)
        expect(yield* sql`SELECT count(*) AS n FROM trending_entries WHERE run_id = ${first}`).toEqual([{ n: "3" }])
        // Another batch observing a video at the same instant: one row in video_stats (ON CONFLICT DO NOTHING on the partition).
        yield* store.saveRun({ ...batch, batchId: "another-batch" })
        expect(yield* sql`SELECT count(*) AS n FROM video_stats WHERE observed_at = ${fetchedAt}`).toEqual([{ n: "2" }])
        expect(yield* sql`SELECT count(*) AS n FROM trending_entries WHERE fetched_at = ${fetchedAt}`).toEqual([{ n: "6" }])
      }), TIMEOUT)

    it.effect("prune drops whole months older than the cutoff from both tables, keeps the month it falls in, and the queries still answer", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* previousRelease
        yield* runMigrations
        const partitions = yield* Partitions
        const trends = yield* Trends
        const rowsPerMonth = yield* sql<{ table: string; month: string; rows: string }>`
          SELECT 'trending_entries' AS "table", to_char(fetched_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS rows FROM trending_entries GROUP BY 2
          UNION ALL
          SELECT 'video_stats', to_char(observed_at AT TIME ZONE 'UTC', 'YYYY-MM'), count(*) FROM video_stats GROUP BY 2
          ORDER BY 2, 1`
        const july = { at: new Date("2026-07-20T00:00:00Z"), since: new Date("2026-07-15"), until: new Date("2026-08-15") }
        const chartBefore = yield* trends.chart(RegionCode.make("PL"), "all", july.at)
        const overlapBefore = yield* trends.overlap(july.since, july.until, "all")
        const runsBefore = yield* trends.runs(100)
        const videoBefore = Option.getOrThrow(yield* trends.video("vid00000006"))
        const listed = yield* partitions.listPartitions()

        // The cutoff falls in May: March and April go, May is kept whole (its rows before the 15th too).
        const cutoff = new Date("2026-05-15T00:00:00Z")
        const expected = rowsPerMonth.filter((r) => r.month < "2026-05").map((r) => ({
          table: r.table,
          partition: `${r.table}_${r.month.replace("-", "_")}`,
          month: r.month,
          rows: Number(r.rows)
        }))
        expect(expected.length).toBe(4)
        // Counted, or the planner's count where building the converted table's indexes set it.
        const dry = yield* partitions.prunePartitions(cutoff, { dryRun: true })
        expect(dry).toEqual(expected.map((e) => ({ ...e, estimated: expect.any(Boolean) })))
        expect(yield* partitions.listPartitions()).toEqual(listed)

        // Analysed: the planner's row count, which ANALYZE makes exact on months this small.
        yield* sql`ANALYZE trending_entries, video_stats`
        const dropped = yield* partitions.prunePartitions(cutoff)
        expect(dropped).toEqual(expected.map((e) => ({ ...e, estimated: true })))
        expect((yield* partitions.listPartitions()).map((p) => p.partition))
          .toEqual(listed.filter((p) => p.month >= "2026-05").map((p) => p.partition))
        const left = yield* sql<{ first: Date }>`SELECT min(fetched_at) AS first FROM trending_entries`
        expect(left[0]!.first.toISOString().slice(0, 7)).toBe("2026-05")
        const mayBefore15 = yield* sql`SELECT count(*) AS n FROM trending_entries WHERE fetched_at < ${cutoff}`
        expect(Number(mayBefore15[0]!.n)).toBeGreaterThan(0)
        // Again: nothing more to drop.
        expect(yield* partitions.prunePartitions(cutoff)).toEqual([])

        expect(yield* trends.chart(RegionCode.make("PL"), "all", july.at)).toEqual(chartBefore)
        expect(yield* trends.overlap(july.since, july.until, "all")).toEqual(overlapBefore)
        expect(yield* trends.runs(100)).toEqual(runsBefore)
        expect(yield* trends.chart(RegionCode.make("PL"), "all", new Date("2026-04-20T00:00:00Z"))).toEqual(Option.none())
        const videoAfter = Option.getOrThrow(yield* trends.video("vid00000006"))
        expect(videoAfter.trending).toEqual(videoBefore.trending.filter((e) => e.fetchedAt >= new Date("2026-05-01")))
        expect(videoAfter.stats).toEqual(videoBefore.stats.filter((s) => s.observedAt >= new Date("2026-05-01")))
        expect(videoAfter.revisions).toEqual(videoBefore.revisions)
        // A late batch of a pruned month gets its month back.
        const late = new Date("2026-04-02T10:00:00Z")
        yield* (yield* VideoStore).saveRun({
          ...batchOf([regional("vid00000006", "PL", { rank: 1, views: 5, fetchedAt: late })]),
          startedAt: late,
          finishedAt: late
        })
        expect(Option.isSome(yield* trends.chart(RegionCode.make("PL"), "all", new Date("2026-04-20T00:00:00Z")))).toBe(true)
      }), TIMEOUT)
  })
})
