import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Duration, Effect, Layer } from "effect"
import pg from "pg"
import { MigrationsLive, runMigrations } from "../src/Store/Migrations.js"
import { STORE_LOCK, VideoStore, VideoStoreOptions } from "../src/Store/VideoStore.js"
import { at, batchOf } from "./support/Batches.js"
import { regional } from "./support/Fixtures.js"
import { emptyStore, engine, TestDatabase, TestDatabaseUrl } from "./support/TestDatabase.js"

const StoreLive = Layer.mergeAll(VideoStore.Default, MigrationsLive).pipe(Layer.provideMerge(TestDatabase))

const runOf = batchOf

const reset = emptyStore

const count = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: string }>`SELECT count(*) AS n FROM ${sql(table)}`).pipe(
    Effect.map((rows) => Number(rows[0]!.n))
  )

describe(`VideoStore on ${engine}`, () => {
  it.layer(StoreLive, { timeout: 120_000 })((it) => {
    it.effect("migrations are idempotent, also when several run at once", () =>
      Effect.gen(function*() {
        const again = yield* runMigrations
        expect(again).toEqual([])
        const concurrent = yield* Effect.all([runMigrations, runMigrations, runMigrations], { concurrency: "unbounded" })
        expect(concurrent.flat()).toEqual([])
      }))

    it.effect("stores a run: videos, entries with 1-based ranks, the run row with its outcomes", () =>
      Effect.gen(function*() {
        yield* reset
        const store = yield* VideoStore
        const sql = yield* SqlClient.SqlClient
        const entries = [
          regional("kQ8f3Lr2ZxA", "PL", { rank: 1, views: 1_834_211, title: "Żółta Łódź – Księżyc 🌙", language: "pl" }),
          regional("other", "PL", { rank: 2, views: 10 }),
          regional("kQ8f3Lr2ZxA", "SE", { rank: 5, views: 2_000_000 })
        ]
        const runId = yield* store.saveRun(runOf(entries))
        const videos = yield* sql<{ video_id: string; title: string; view_count: string; regions: Array<string>; primary_language: string; search_config: string }>`
          SELECT video_id, title, view_count, regions, primary_language, search_config::text FROM videos ORDER BY video_id`
        expect(videos).toEqual([
          { video_id: "kQ8f3Lr2ZxA", title: "Żółta Łódź – Księżyc 🌙", view_count: "2000000", regions: ["PL", "SE"], primary_language: "pl", search_config: "viralvidvault_folded" },
          { video_id: "other", title: "Video other", view_count: "10", regions: ["PL"], primary_language: "pl", search_config: "viralvidvault_folded" }
        ])
        const rows = yield* sql<{ run_id: string; region: string; video_id: string; rank: number; view_count: string }>`
          SELECT run_id, region, video_id, rank, view_count FROM trending_entries ORDER BY region, rank`
        expect(rows.map((r) => [Number(r.run_id), r.region, r.video_id, r.rank, Number(r.view_count)])).toEqual([
          [runId, "PL", "kQ8f3Lr2ZxA", 1, 1_834_211],
          [runId, "PL", "other", 2, 10],
          [runId, "SE", "kQ8f3Lr2ZxA", 5, 2_000_000]
        ])
        const [run] = yield* sql<{ status: string; regions: Array<{ region: string; videos: number }>; entries: number; unique_videos: number }>`
          SELECT status, regions, entries, unique_videos FROM ingest_runs WHERE id = ${runId}`
        expect(run!.status).toBe("ok")
        expect(run!.entries).toBe(3)
        expect(run!.unique_videos).toBe(2)
        expect(run!.regions.map((r) => [r.region, r.videos])).toEqual([["PL", 2], ["SE", 1]])
      }))

    it.effect("a second run adds its entries and merges regions, without duplicating videos", () =>
      Effect.gen(function*() {
        yield* reset
        const store = yield* VideoStore
        const sql = yield* SqlClient.SqlClient
        yield* store.saveRun(runOf([regional("v", "PL", { views: 100, fetchedAt: at(1) })], 1))
        yield* store.saveRun(runOf([regional("v", "SE", { views: 90, title: "renamed", fetchedAt: at(8) })], 8))
        yield* store.saveRun(runOf([regional("v", "SE", { views: 95, fetchedAt: at(15) })], 15))
        const [video] = yield* sql<{ regions: Array<string>; view_count: string; first_seen_at: Date; last_seen_at: Date }>`
          SELECT regions, view_count, first_seen_at, last_seen_at FROM videos`
        expect(yield* count("videos")).toBe(1)
        expect(yield* count("trending_entries")).toBe(3)
        expect(yield* count("ingest_runs")).toBe(3)
        expect(video!.regions).toEqual(["PL", "SE"])
        // The count of the latest run that saw it, not the highest ever.
        expect(video!.view_count).toBe("95")
        expect(new Date(video!.first_seen_at).toISOString()).toBe(at(1).toISOString())
        expect(new Date(video!.last_seen_at).toISOString()).toBe(at(15).toISOString())
      }))

    it.effect("a batch older than what is stored adds its regions but does not overwrite newer values", () =>
      Effect.gen(function*() {
        yield* reset
        const store = yield* VideoStore
        const sql = yield* SqlClient.SqlClient
        yield* store.saveRun(runOf([regional("v", "PL", { views: 500, title: "new title", fetchedAt: at(10) })], 10))
        yield* store.saveRun(runOf([regional("v", "NO", { views: 1, title: "old title", fetchedAt: at(3) })], 3))
        const [video] = yield* sql<{ title: string; view_count: string; regions: Array<string> }>`SELECT title, view_count, regions FROM videos`
        expect(video).toEqual({ title: "new title", view_count: "500", regions: ["NO", "PL"] })
        // The same record (only its counters differ): the older batch still leaves the newer counters be.
        yield* store.saveRun(runOf([regional("v", "SE", { views: 2, title: "new title", fetchedAt: at(5) })], 5))
        const [after] = yield* sql<{ title: string; view_count: string; regions: Array<string>; first_seen_at: Date }>`
          SELECT title, view_count, regions, first_seen_at FROM videos`
        expect(after).toEqual({ title: "new title", view_count: "500", regions: ["NO", "PL", "SE"], first_seen_at: at(3) })
      }))

    it.effect("a batch stored twice (a spool replayed after its commit) is stored once, under its first run id", () =>
      Effect.gen(function*() {
        yield* reset
        const store = yield* VideoStore
        const batch = { ...runOf([regional("a", "PL"), regional("b", "PL", { rank: 2 })]), batchId: "3f2a-batch" }
        const first = yield* store.saveRun(batch)
        const again = yield* store.saveRun(batch)
        expect(again).toBe(first)
        const other = yield* store.saveRun({ ...batch, batchId: "another-batch" })
        expect(other).not.toBe(first)
        expect(yield* count("ingest_runs")).toBe(2)
        expect(yield* count("trending_entries")).toBe(4)
      }))

    it.effect("a failure inside the transaction rolls the whole run back", () =>
      Effect.gen(function*() {
        yield* reset
        const store = yield* VideoStore
        yield* store.saveRun(runOf([regional("kept", "PL")]))
        const broken = runOf([regional("a", "PL"), regional("b", "PL", { rank: 2 })])
        // An entry listed twice violates the entries' key, after the run row, the videos and their observations were written.
        const error = yield* Effect.flip(store.saveRun({ ...broken, entries: [...broken.entries, broken.entries[1]!] }))
        expect(error._tag).toBe("DatabaseRefused")
        expect(error.message).toContain("the database refused storing trending entries")
        expect(yield* count("ingest_runs")).toBe(1)
        expect(yield* count("videos")).toBe(1)
        expect(yield* count("trending_entries")).toBe(1)
        expect(yield* count("video_stats")).toBe(1)
      }))

    it.effect("entries naming a video neither in the batch nor stored are refused, and nothing of the run is stored", () =>
      Effect.gen(function*() {
        yield* reset
        const store = yield* VideoStore
        yield* store.saveRun(runOf([regional("kept", "PL")]))
        const broken = runOf([regional("a", "PL"), regional("b", "PL", { rank: 2 })])
        const ghosts = [regional("ghost", "PL", { rank: 3 }), regional("ghost", "SE", { rank: 1 }), regional("spectre", "PL", { rank: 4 })]
        const error = yield* Effect.flip(store.saveRun({ ...broken, entries: [...broken.entries, ...ghosts] }))
        expect(error._tag).toBe("DatabaseRefused")
        expect(error.message).toBe(
          "the database refused storing trending entries: entries name videos that are neither in the batch nor stored (2: ghost, spectre); " +
            "nothing of the run was stored"
        )
        expect([yield* count("ingest_runs"), yield* count("videos"), yield* count("trending_entries"), yield* count("video_stats")])
          .toEqual([1, 1, 1, 1])
        // An entry naming a stored video the batch does not carry is stored, as the foreign key let it be.
        const carried = runOf([regional("c", "PL")])
        yield* store.saveRun({ ...carried, entries: [...carried.entries, regional("kept", "PL", { rank: 2 })] })
        expect(yield* count("trending_entries")).toBe(3)
      }))

    it.effect("titles are stored exactly, except U+0000; hostile strings are data", () =>
      Effect.gen(function*() {
        yield* reset
        const store = yield* VideoStore
        const sql = yield* SqlClient.SqlClient
        const titles = {
          emoji: "🔥🌙 Księżyc 👩‍👩‍👧",
          combining: "Cafe\u0301 Zoe\u0308",
          rtl: "أغنية جديدة \u202Bשיר\u202C",
          nul: "before\u0000after",
          lone: "half \uD83D surrogate",
          long: "ż".repeat(5000),
          sql: "'); DROP TABLE videos; -- %_\\ \\x00 $1"
        }
        yield* store.saveRun(runOf(Object.entries(titles).map(([id, title], i) => regional(id, "PL", { rank: i + 1, title }))))
        const rows = yield* sql<{ video_id: string; title: string }>`SELECT video_id, title FROM videos`
        const stored = Object.fromEntries(rows.map((r) => [r.video_id, r.title]))
        expect(stored).toEqual({ ...titles, nul: "beforeafter", lone: "half \uFFFD surrogate" })
      }))

    it.effect("the search vector uses each video's language: Swedish stems, Polish folds accents", () =>
      Effect.gen(function*() {
        yield* reset
        const store = yield* VideoStore
        const sql = yield* SqlClient.SqlClient
        yield* store.saveRun(runOf([
          regional("sv1", "SE", { title: "Tjejerna springer" }),
          regional("pl1", "PL", { rank: 2, title: "Wieczór w Łodzi – Żółta Łódź" }),
          regional("de1", "AT", { rank: 3, title: "Grüße aus den Bergen" })
        ]))
        const match = (query: string, config: string) =>
          sql<{ video_id: string }>`SELECT video_id FROM videos WHERE search @@ plainto_tsquery(${config}::regconfig, ${query}) ORDER BY video_id`.pipe(
            Effect.map((rows) => rows.map((r) => r.video_id))
          )
        expect(yield* match("springa", "swedish")).toEqual(["sv1"])
        expect(yield* match("lodz", "viralvidvault_folded")).toEqual(["pl1"])
        expect(yield* match("Berg", "german")).toEqual(["de1"])
      }))

    // PGlite serves every connection from one backend session, where the advisory lock is
    // re-entrant; it runs one query at a time anyway, so there is nothing to wait for there.
    it.effect.skipIf(engine === "pglite")("a run that cannot take the store lock in time fails with StoreBusy, storing nothing", () =>
      Effect.gen(function*() {
        yield* reset
        const holder = new pg.Client({ connectionString: yield* TestDatabaseUrl })
        yield* Effect.promise(() => holder.connect())
        yield* Effect.promise(() => holder.query("SELECT pg_advisory_lock($1)", [STORE_LOCK]))
        const error = yield* Effect.flatMap(VideoStore, (store) => store.saveRun(runOf([regional("v", "PL")]))).pipe(
          Effect.provide(VideoStore.Default),
          Effect.provideService(VideoStoreOptions, { lockWait: Duration.millis(300) }),
          Effect.flip
        )
        yield* Effect.promise(() => holder.end())
        expect(error._tag).toBe("StoreBusy")
        expect(yield* count("ingest_runs")).toBe(0)
      }))
  })
})
