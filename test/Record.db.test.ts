import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { Category } from "../src/Domain/Category.js"
import { RegionCode } from "../src/Domain/Region.js"
import { CategoryId, RegionalVideo } from "../src/Domain/Video.js"
import { MigrationsLive } from "../src/Store/Migrations.js"
import { VideoStore } from "../src/Store/VideoStore.js"
import { at, batchOf } from "./support/Batches.js"
import { regional } from "./support/Fixtures.js"
import { emptyStore, engine, TestDatabase } from "./support/TestDatabase.js"

/** The archive of record in the store: every field, every observation, every version of the text. */

const StoreLive = Layer.mergeAll(VideoStore.Default, MigrationsLive).pipe(Layer.provideMerge(TestDatabase))

const reset = emptyStore

const save = (entries: ReadonlyArray<RegionalVideo>, hour: number) =>
  Effect.flatMap(VideoStore, (store) => store.saveRun(batchOf(entries, hour)))

/** A video with every field set, as the client decodes it. */
const full = (fields: Parameters<typeof regional>[2] & { thumbnail?: string } = {}) =>
  RegionalVideo.make({
    ...regional("kQ8f3Lr2ZxA", "PL", { likes: 96_402, comments: 4187, tags: ["muzyka", "łódź"], ...fields }),
    channelId: Option.some("UCabcdefghijklmnopqrstuv"),
    categoryId: Option.some(CategoryId.make("10")),
    description: fields.description ?? "Pierwsza linia, z przecinkiem.\nDruga \"linia\".",
    publishedAt: Option.some(new Date("2025-09-12T15:00:06Z")),
    durationSeconds: Option.some(221),
    definition: Option.some("hd"),
    caption: Option.some(false),
    licensedContent: Option.some(true),
    madeForKids: Option.some(false),
    liveBroadcastContent: Option.some("none"),
    thumbnailUrl: Option.some(fields.thumbnail ?? "https://i.ytimg.com/vi/kQ8f3Lr2ZxA/hqdefault.jpg"),
    thumbnails: { high: { url: "https://i.ytimg.com/vi/kQ8f3Lr2ZxA/hqdefault.jpg", width: 480, height: 360 } }
  })

describe(`the full record on ${engine}`, () => {
  it.layer(StoreLive, { timeout: 120_000 })((it) => {
    it.effect("keeps every field of a video, and each entry's chart and counters; hidden counters are NULL, never 0", () =>
      Effect.gen(function*() {
        yield* reset
        const sql = yield* SqlClient.SqlClient
        const hidden = RegionalVideo.make({ ...regional("hidden01234", "PL", { rank: 2 }), likeCount: Option.none(), commentCount: Option.none() })
        yield* save([full({ views: 1_834_211 }), hidden, full({ chart: CategoryId.make("10"), rank: 4, views: 1_834_000 })], 1)
        const [video] = yield* sql`
          SELECT channel_id, category_id, tags, description, published_at, duration_seconds, definition, caption,
                 licensed_content, made_for_kids, live_broadcast_content, thumbnail_url, thumbnails,
                 view_count, like_count, comment_count
          FROM videos WHERE video_id = 'kQ8f3Lr2ZxA'`
        expect(video).toEqual({
          channel_id: "UCabcdefghijklmnopqrstuv",
          category_id: "10",
          tags: ["muzyka", "łódź"],
          description: "Pierwsza linia, z przecinkiem.\nDruga \"linia\".",
          published_at: new Date("2025-09-12T15:00:06Z"),
          duration_seconds: 221,
          definition: "hd",
          caption: false,
          licensed_content: true,
          made_for_kids: false,
          live_broadcast_content: "none",
          thumbnail_url: "https://i.ytimg.com/vi/kQ8f3Lr2ZxA/hqdefault.jpg",
          thumbnails: { high: { url: "https://i.ytimg.com/vi/kQ8f3Lr2ZxA/hqdefault.jpg", width: 480, height: 360 } },
          view_count: "1834211",
          like_count: "96402",
          comment_count: "4187"
        })
        const [quiet] = yield* sql`SELECT like_count, comment_count FROM videos WHERE video_id = 'hidden01234'`
        expect(quiet).toEqual({ like_count: null, comment_count: null })
        const entries = yield* sql`
          SELECT chart, video_id, rank, view_count, like_count, comment_count FROM trending_entries ORDER BY chart, rank`
        expect(entries).toEqual([
          { chart: "10", video_id: "kQ8f3Lr2ZxA", rank: 4, view_count: "1834000", like_count: "96402", comment_count: "4187" },
          { chart: "all", video_id: "kQ8f3Lr2ZxA", rank: 1, view_count: "1834211", like_count: "96402", comment_count: "4187" },
          { chart: "all", video_id: "hidden01234", rank: 2, view_count: "1000", like_count: null, comment_count: null }
        ])
      }))

    it.effect("every run adds an observation of each video's counters: its series grows run by run", () =>
      Effect.gen(function*() {
        yield* reset
        const sql = yield* SqlClient.SqlClient
        yield* save([full({ views: 100, likes: 10, fetchedAt: at(1) })], 1)
        yield* save([full({ views: 250, likes: 20, fetchedAt: at(8) })], 8)
        yield* save([RegionalVideo.make({ ...full({ views: 900, fetchedAt: at(15) }), likeCount: Option.none() })], 15)
        const series = yield* sql<{ observed_at: Date; view_count: string; like_count: string | null }>`
          SELECT observed_at, view_count, like_count FROM video_stats WHERE video_id = 'kQ8f3Lr2ZxA' ORDER BY observed_at`
        expect(series.map((s) => [new Date(s.observed_at).toISOString(), s.view_count, s.like_count])).toEqual([
          [at(1).toISOString(), "100", "10"],
          [at(8).toISOString(), "250", "20"],
          [at(15).toISOString(), "900", null]
        ])
      }))

    it.effect("a revision when a video is first seen and when its title, description, thumbnail or tags change; none for counters", () =>
      Effect.gen(function*() {
        yield* reset
        const sql = yield* SqlClient.SqlClient
        yield* save([full({ title: "Pierwszy", fetchedAt: at(1) })], 1)
        yield* save([full({ title: "Pierwszy", views: 5000, fetchedAt: at(2) })], 2)
        yield* save([full({ title: "Drugi", fetchedAt: at(3) })], 3)
        yield* save([full({ title: "Drugi", description: "nowy opis", fetchedAt: at(4) })], 4)
        yield* save([full({ title: "Drugi", description: "nowy opis", thumbnail: "https://i.ytimg.com/vi/x/maxres.jpg", fetchedAt: at(5) })], 5)
        yield* save([full({ title: "Drugi", description: "nowy opis", thumbnail: "https://i.ytimg.com/vi/x/maxres.jpg", tags: ["inne"], fetchedAt: at(6) })], 6)
        // A late spooled batch, older than what is stored, changes nothing.
        yield* save([full({ title: "Stary", fetchedAt: at(0) })], 0)
        const revisions = yield* sql<{ observed_at: Date; title: string; description: string; tags: Array<string> }>`
          SELECT observed_at, title, description, tags FROM video_revisions ORDER BY observed_at`
        expect(revisions.map((r) => [new Date(r.observed_at).getUTCHours(), r.title, r.description.slice(0, 9), r.tags])).toEqual([
          [1, "Pierwszy", "Pierwsza ", ["muzyka", "łódź"]],
          [3, "Drugi", "Pierwsza ", ["muzyka", "łódź"]],
          [4, "Drugi", "nowy opis", ["muzyka", "łódź"]],
          [5, "Drugi", "nowy opis", ["muzyka", "łódź"]],
          [6, "Drugi", "nowy opis", ["inne"]]
        ])
        const [video] = yield* sql`SELECT title, tags FROM videos`
        expect(video).toEqual({ title: "Drugi", tags: ["inne"] })
      }))

    it.effect("one run of unchanged, changed, new and hashless records: each counted, rewritten or added as it needs", () =>
      Effect.gen(function*() {
        yield* reset
        const sql = yield* SqlClient.SqlClient
        const video = (id: string, title: string, views: number, hour: number) =>
          regional(id, "PL", { title, views, fetchedAt: at(hour) })
        yield* save([video("same0000000", "Ta sama", 1, 1), video("changed0000", "Stary", 1, 1), video("hashless000", "Bez skrótu", 1, 1)], 1)
        // A row as the first stage left it: no record hash.
        yield* sql`UPDATE videos SET record_hash = NULL WHERE video_id = 'hashless000'`
        const runId = yield* save([
          video("same0000000", "Ta sama", 20, 2),
          video("changed0000", "Nowy", 20, 2),
          video("hashless000", "Bez skrótu", 20, 2),
          video("new00000000", "Nowość", 20, 2)
        ], 2)
        const rows = yield* sql<{ video_id: string; title: string; view_count: string; last_run_id: string; hashed: boolean }>`
          SELECT video_id, title, view_count, last_run_id, record_hash IS NOT NULL AS hashed FROM videos ORDER BY video_id`
        expect(rows.map((r) => [r.video_id, r.title, r.view_count, Number(r.last_run_id), r.hashed])).toEqual([
          ["changed0000", "Nowy", "20", runId, true],
          ["hashless000", "Bez skrótu", "20", runId, true],
          ["new00000000", "Nowość", "20", runId, true],
          ["same0000000", "Ta sama", "20", runId, true]
        ])
        const observed = yield* sql<{ video_id: string; n: string }>`
          SELECT video_id, count(*) AS n FROM video_stats GROUP BY video_id ORDER BY video_id`
        expect(observed.map((o) => [o.video_id, Number(o.n)])).toEqual([
          ["changed0000", 2], ["hashless000", 2], ["new00000000", 1], ["same0000000", 2]
        ])
        // A revision for the new text only: the hashless row's text is as stored.
        const revisions = yield* sql<{ video_id: string; title: string }>`
          SELECT video_id, title FROM video_revisions WHERE observed_at = ${at(2)} ORDER BY video_id`
        expect(revisions).toEqual([{ video_id: "changed0000", title: "Nowy" }, { video_id: "new00000000", title: "Nowość" }])
      }))

    it.effect("the search vector follows the text: computed for new and changed text, kept as it is otherwise", () =>
      Effect.gen(function*() {
        yield* reset
        const sql = yield* SqlClient.SqlClient
        const matches = (word: string) =>
          sql<{ n: string }>`SELECT count(*) AS n FROM videos WHERE search @@ plainto_tsquery('viralvidvault_folded', ${word})`.pipe(
            Effect.map(([row]) => Number(row!.n))
          )
        yield* save([full({ title: "Pierwszy", fetchedAt: at(1) })], 1)
        expect([yield* matches("pierwszy"), yield* matches("muzyka"), yield* matches("przecinkiem")]).toEqual([1, 1, 1])
        yield* save([full({ title: "Pierwszy", views: 7, fetchedAt: at(2) })], 2)
        expect(yield* matches("pierwszy")).toBe(1)
        yield* save([full({ title: "Drugi", tags: ["karaoke"], fetchedAt: at(3) })], 3)
        expect([yield* matches("pierwszy"), yield* matches("drugi"), yield* matches("muzyka"), yield* matches("karaoke")]).toEqual([0, 1, 0, 1])
      }))

    it.effect("categories: each region's list stored with its titles; a category no longer listed is kept as it was", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`TRUNCATE categories`
        const store = yield* VideoStore
        const category = (region: string, id: string, title: string, assignable = true) =>
          Category.make({ region: RegionCode.make(region), categoryId: CategoryId.make(id), title, assignable })
        yield* store.saveCategories([category("AT", "10", "Musik"), category("AT", "18", "Kurzfilme", false), category("PL", "10", "Muzyka")], at(1))
        yield* store.saveCategories([category("AT", "10", "Musik & Tanz")], at(9))
        const rows = yield* sql`SELECT region, category_id, title, assignable, fetched_at FROM categories ORDER BY region, category_id`
        expect(rows).toEqual([
          { region: "AT", category_id: "10", title: "Musik & Tanz", assignable: true, fetched_at: at(9) },
          { region: "AT", category_id: "18", title: "Kurzfilme", assignable: false, fetched_at: at(1) },
          { region: "PL", category_id: "10", title: "Muzyka", assignable: true, fetched_at: at(1) }
        ])
        const stored = yield* store.categoriesOf([RegionCode.make("AT"), RegionCode.make("SE")])
        expect([...stored.keys()]).toEqual(["AT"])
        expect([...stored.get("AT")!.ids].sort()).toEqual(["10", "18"])
        expect(stored.get("AT")!.fetchedAt).toEqual(at(9))
      }))
  })
})
