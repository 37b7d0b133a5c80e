import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option, Schema } from "effect"
import { Category } from "../src/Domain/Category.js"
import { RegionOutcome } from "../src/Domain/Run.js"
import { CategoryId, type ChartId, RegionalVideo, TrackedCounters, VideoId } from "../src/Domain/Video.js"
import { MigrationsLive } from "../src/Store/Migrations.js"
import { Chart, Trends } from "../src/Store/Trends.js"
import { VideoStore } from "../src/Store/VideoStore.js"
import { at, batchOf } from "./support/Batches.js"
import { region, regional } from "./support/Fixtures.js"
import { engine, TestDatabase } from "./support/TestDatabase.js"

/** What the `serve` command reads: charts at a time, a video's history, the overlap of regions, the runs. */

const StoreLive = Layer.mergeAll(VideoStore.Default, MigrationsLive, Trends.Default).pipe(Layer.provideMerge(TestDatabase))

const reset = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql`TRUNCATE trending_entries, video_stats, video_revisions, videos, ingest_runs, categories RESTART IDENTITY CASCADE`
)

const save = (entries: ReadonlyArray<RegionalVideo>, hour: number, tracked: ReadonlyArray<TrackedCounters> = []) =>
  Effect.flatMap(VideoStore, (store) => store.saveRun({ ...batchOf(entries, hour), tracked }))

/** A music video (category 10) with a duration and a thumbnail, listed at `hour`. */
const music = (id: string, code: string, hour: number, fields: Parameters<typeof regional>[2] = {}) =>
  RegionalVideo.make({
    ...regional(id, code, { fetchedAt: at(hour), language: "pl", ...fields }),
    categoryId: Option.some(CategoryId.make("10")),
    durationSeconds: Option.some(221),
    thumbnailUrl: Option.some(`https://i.ytimg.com/vi/${id}/hqdefault.jpg`),
    thumbnails: {
      default: { url: `https://i.ytimg.com/vi/${id}/default.jpg`, width: 120, height: 90 },
      high: { url: `https://i.ytimg.com/vi/${id}/hqdefault.jpg`, width: 480, height: 360 }
    }
  })

/** A chart's listing at `hour`: each id at its rank (1-based, in order). */
const listing = (code: string, hour: number, ids: ReadonlyArray<string>, chart: ChartId = "all") =>
  ids.map((id, i) => regional(id, code, { rank: i + 1, chart, fetchedAt: at(hour) }))

const chartAt = (code: string, chart: ChartId, hour: number) =>
  Effect.flatMap(Trends, (trends) => trends.chart(region(code), chart, at(hour)))

/** A chart as a reader sees it at a glance: its run, and its videos with their views, in order. */
const glance = (chart: Option.Option<{ runId: number; entries: ReadonlyArray<{ videoId: string; viewCount: number | null }> }>) =>
  Option.map(chart, (c) => ({ runId: c.runId, videos: c.entries.map((e) => `${e.videoId}:${e.viewCount}`) }))

const watch = (id: string) => `https://www.youtube.com/watch?v=${id}`

describe(`Trends on ${engine}`, () => {
  it.layer(StoreLive, { timeout: 120_000 })((it) => {
    it.effect("the chart at a time is the run fetched last by then, in rank order, with the entry's own counters", () =>
      Effect.gen(function*() {
        yield* reset
        const store = yield* VideoStore
        yield* store.saveCategories([
          Category.make({ region: region("PL"), categoryId: CategoryId.make("10"), title: "Muzyka", assignable: true }),
          Category.make({ region: region("SE"), categoryId: CategoryId.make("10"), title: "Musik", assignable: true })
        ], at(0))
        const first = yield* save([
          music("aaaaaaaaaaa", "PL", 1, { rank: 1, views: 100, likes: 5, comments: 2, title: "Łódź nocą" }),
          regional("bbbbbbbbbbb", "PL", { rank: 2, views: 50, fetchedAt: at(1) })
        ], 1)
        const second = yield* save([
          regional("bbbbbbbbbbb", "PL", { rank: 1, views: 500, fetchedAt: at(5) }),
          music("aaaaaaaaaaa", "PL", 5, { rank: 2, views: 900, likes: 7, comments: 3, title: "Łódź nocą" }),
          music("aaaaaaaaaaa", "SE", 5, { rank: 1, views: 900, likes: 7, comments: 3, title: "Łódź nocą" })
        ], 5)
        // A category chart only: the overall chart of PL stays the second run's after it.
        const third = yield* save([music("aaaaaaaaaaa", "PL", 6, { chart: CategoryId.make("10"), views: 950, title: "Łódź nocą" })], 6)
        // Fetched at 3, stored last (a spooled batch): its id is the highest, its time between the first two.
        const late = yield* save([regional("ccccccccccc", "PL", { rank: 1, views: 70, fetchedAt: at(3) })], 3)

        expect(yield* chartAt("PL", "all", 0)).toEqual(Option.none())
        expect(glance(yield* chartAt("PL", "all", 2))).toEqual(Option.some({ runId: first, videos: ["aaaaaaaaaaa:100", "bbbbbbbbbbb:50"] }))
        expect(glance(yield* chartAt("PL", "all", 4))).toEqual(Option.some({ runId: late, videos: ["ccccccccccc:70"] }))
        expect(glance(yield* chartAt("PL", "all", 5))).toEqual(Option.some({ runId: second, videos: ["bbbbbbbbbbb:500", "aaaaaaaaaaa:900"] }))
        expect(glance(yield* chartAt("PL", "all", 20))).toEqual(Option.some({ runId: second, videos: ["bbbbbbbbbbb:500", "aaaaaaaaaaa:900"] }))
        expect(glance(yield* chartAt("PL", CategoryId.make("10"), 5))).toEqual(Option.none())
        expect(glance(yield* chartAt("PL", CategoryId.make("10"), 6))).toEqual(Option.some({ runId: third, videos: ["aaaaaaaaaaa:950"] }))
        expect(yield* chartAt("NO", "all", 20)).toEqual(Option.none())

        // The whole of a chart: the video's record, the entry's counters (the video's are 950 views now), the region's category title.
        const chart = Option.getOrThrow(yield* chartAt("PL", "all", 2))
        expect(chart).toEqual({
          region: "PL",
          chart: "all",
          runId: first,
          fetchedAt: at(1),
          entries: [
            {
              rank: 1,
              videoId: "aaaaaaaaaaa",
              title: "Łódź nocą",
              channelTitle: "Channel",
              viewCount: 100,
              likeCount: 5,
              commentCount: 2,
              durationSeconds: 221,
              categoryId: "10",
              categoryTitle: "Muzyka",
              thumbnailUrl: "https://i.ytimg.com/vi/aaaaaaaaaaa/hqdefault.jpg",
              url: watch("aaaaaaaaaaa")
            },
            {
              rank: 2,
              videoId: "bbbbbbbbbbb",
              title: "Video bbbbbbbbbbb",
              channelTitle: "Channel",
              viewCount: 50,
              likeCount: null,
              commentCount: null,
              durationSeconds: null,
              categoryId: null,
              categoryTitle: null,
              thumbnailUrl: null,
              url: watch("bbbbbbbbbbb")
            }
          ]
        })
        // What serve sends, the database's text, is the schema's encoding of it, byte for byte.
        const text = yield* Effect.flatMap(Trends, (trends) => trends.chartJson(region("PL"), "all", at(2)))
        expect(text).toEqual(Option.some(JSON.stringify(Schema.encodeSync(Chart)(chart))))
        const swedish = Option.getOrThrow(yield* chartAt("SE", "all", 5))
        expect(swedish.entries.map((e) => [e.videoId, e.categoryTitle, e.likeCount, e.commentCount])).toEqual([
          ["aaaaaaaaaaa", "Musik", 7, 3]
        ])
      }))

    it.effect("the chart serve sends is the database's text, byte for byte the schema's encoding, odd titles included", () =>
      Effect.gen(function*() {
        yield* reset
        const titles = [
          `Quote " backslash \\ slash / tab\t line\nbreak \u0001 control \u007f del`,
          `<script>alert(1)</script> & "friends" 🔥🎉 👨‍👩‍👧‍👦 Cafe\u0301 مرحبا — שלום`,
          "100% off _under_ C:\\path\\to\\file %_\\ '); DROP TABLE videos; --"
        ]
        yield* save(titles.map((title, i) => music(`odd${i}odd${i}odd`.slice(0, 11), "PL", 1, { rank: i + 1, title })), 1)
        const trends = yield* Trends
        const text = Option.getOrThrow(yield* trends.chartJson(region("PL"), "all", at(2)))
        const chart = Option.getOrThrow(yield* trends.chart(region("PL"), "all", at(2)))
        expect(chart.entries.map((e) => e.title)).toEqual(titles)
        expect(chart.fetchedAt).toEqual(at(1))
        expect(text).toBe(JSON.stringify(Schema.encodeSync(Chart)(chart)))
        expect(yield* trends.chartJson(region("PL"), "all", at(0))).toEqual(Option.none())
      }))

    it.effect("a video's history: the record as last seen, every entry, observation and revision oldest first; an unknown id is none", () =>
      Effect.gen(function*() {
        yield* reset
        const first = yield* save([music("aaaaaaaaaaa", "PL", 1, { rank: 3, views: 100, title: "First title" })], 1)
        const second = yield* save([
          music("aaaaaaaaaaa", "SE", 5, { rank: 2, views: 300, likes: 9, title: "Second title" }),
          music("aaaaaaaaaaa", "PL", 5, { rank: 1, views: 300, likes: 9, title: "Second title" })
        ], 5)
        const third = yield* save([music("aaaaaaaaaaa", "SE", 9, { rank: 1, views: 600, likes: 12, comments: 4, title: "Second title" })], 9)
        // Off the charts at 12, its counters looked up by id (tracking): an observation without an entry.
        yield* save([regional("zzzzzzzzzzz", "PL", { fetchedAt: at(12) })], 12, [
          TrackedCounters.make({
            videoId: VideoId.make("aaaaaaaaaaa"),
            observedAt: at(12),
            viewCount: Option.some(700),
            likeCount: Option.none(),
            commentCount: Option.some(5)
          })
        ])
        const trends = yield* Trends

        const video = Option.getOrThrow(yield* trends.video("aaaaaaaaaaa"))
        expect(video).toEqual({
          videoId: "aaaaaaaaaaa",
          title: "Second title",
          channelTitle: "Channel",
          channelId: null,
          categoryId: "10",
          tags: [],
          description: "",
          publishedAt: null,
          durationSeconds: 221,
          definition: null,
          caption: null,
          licensedContent: null,
          madeForKids: null,
          liveBroadcastContent: null,
          thumbnailUrl: "https://i.ytimg.com/vi/aaaaaaaaaaa/hqdefault.jpg",
          thumbnails: {
            default: { url: "https://i.ytimg.com/vi/aaaaaaaaaaa/default.jpg", width: 120, height: 90 },
            high: { url: "https://i.ytimg.com/vi/aaaaaaaaaaa/hqdefault.jpg", width: 480, height: 360 }
          },
          language: "pl",
          regions: ["PL", "SE"],
          viewCount: 700,
          likeCount: null,
          commentCount: 5,
          firstSeenAt: at(1),
          lastSeenAt: at(9),
          goneAt: null,
          url: watch("aaaaaaaaaaa"),
          trending: [
            { region: "PL", chart: "all", runId: first, fetchedAt: at(1), rank: 3 },
            { region: "PL", chart: "all", runId: second, fetchedAt: at(5), rank: 1 },
            { region: "SE", chart: "all", runId: second, fetchedAt: at(5), rank: 2 },
            { region: "SE", chart: "all", runId: third, fetchedAt: at(9), rank: 1 }
          ],
          stats: [
            { observedAt: at(1), viewCount: 100, likeCount: null, commentCount: null },
            { observedAt: at(5), viewCount: 300, likeCount: 9, commentCount: null },
            { observedAt: at(9), viewCount: 600, likeCount: 12, commentCount: 4 },
            { observedAt: at(12), viewCount: 700, likeCount: null, commentCount: 5 }
          ],
          revisions: [
            { observedAt: at(1), title: "First title" },
            { observedAt: at(5), title: "Second title" }
          ]
        })

        const other = Option.getOrThrow(yield* trends.video("zzzzzzzzzzz"))
        expect([other.trending.length, other.stats.length, other.revisions.length]).toEqual([1, 1, 1])
        expect(yield* trends.video("nosuchvideo")).toEqual(Option.none())
        expect(yield* trends.video("'; DROP TABLE videos; --")).toEqual(Option.none())
      }))

    it.effect("the overlap: distinct videos per region and shared by each pair, of one chart, within [since, until)", () =>
      Effect.gen(function*() {
        yield* reset
        // Before the period: PL and SE share x, NO lists y.
        yield* save([...listing("PL", 1, ["x"]), ...listing("SE", 1, ["x"]), ...listing("NO", 1, ["y"])], 1)
        yield* save([...listing("PL", 2, ["a", "b", "c"]), ...listing("SE", 2, ["a", "b"]), ...listing("US", 2, ["a", "d"])], 2)
        yield* save([
          ...listing("PL", 6, ["a", "e"]),
          ...listing("SE", 6, ["e"]),
          ...listing("US", 6, ["d"]),
          ...listing("PL", 6, ["f"], CategoryId.make("10")),
          ...listing("SE", 6, ["f", "e"], CategoryId.make("10"))
        ], 6)
        // At the period's end, excluded: PL and US share g.
        yield* save([...listing("PL", 10, ["g"]), ...listing("US", 10, ["g"])], 10)
        const trends = yield* Trends

        expect(yield* trends.overlap(at(2), at(10), "all")).toEqual({
          regions: ["PL", "SE", "US"],
          videos: [4, 3, 2],
          shared: [
            [4, 3, 1],
            [3, 3, 1],
            [1, 1, 2]
          ]
        })
        expect(yield* trends.overlap(at(2), at(10), CategoryId.make("10"))).toEqual({
          regions: ["PL", "SE"],
          videos: [1, 2],
          shared: [
            [1, 1],
            [1, 2]
          ]
        })
        expect(yield* trends.overlap(at(1), at(11), "all")).toEqual({
          regions: ["NO", "PL", "SE", "US"],
          videos: [1, 6, 4, 3],
          shared: [
            [1, 0, 0, 0],
            [0, 6, 4, 2],
            [0, 4, 4, 1],
            [0, 2, 1, 3]
          ]
        })
        expect(yield* trends.overlap(at(11), at(20), "all")).toEqual({ regions: [], videos: [], shared: [] })
        // The page's region tabs: every region with a stored entry, of any chart, sorted.
        expect(yield* trends.regions()).toEqual(["NO", "PL", "SE", "US"])
        yield* reset
        expect(yield* trends.regions()).toEqual([])
      }))

    it.effect("runs newest first (by start, not id), limited, with their outcomes; a first-stage row reads too", () =>
      Effect.gen(function*() {
        yield* reset
        const sql = yield* SqlClient.SqlClient
        const store = yield* VideoStore
        const trends = yield* Trends
        // A run of the first stage: not finished, its outcome without a chart.
        yield* sql`
          INSERT INTO ingest_runs (started_at, status, regions, entries, unique_videos)
          VALUES (${at(0)}, 'failed', ${
          JSON.stringify([{ region: "US", status: "failed", videos: 0, malformed: 0, attempts: 3, durationMs: 900, errorTag: "ApiUnavailable", error: "503" }])
        }::jsonb, 0, 0)`
        const one = yield* save([...listing("PL", 1, ["a", "b"]), ...listing("SE", 1, ["a"])], 1)
        const five = yield* save(listing("PL", 5, ["c"]), 5)
        const three = yield* save(listing("PL", 3, ["d"]), 3)
        const interrupted = yield* store.recordInterrupted(at(7), at(8), [
          RegionOutcome.ok(region("PL"), { videos: 50, malformed: 0, attempts: 1, durationMs: 120 })
        ])

        const all = yield* trends.runs(10)
        expect(all.map((r) => [r.id, r.startedAt, r.status])).toEqual([
          [interrupted, at(7), "interrupted"],
          [five, at(5), "ok"],
          [three, at(3), "ok"],
          [one, at(1), "ok"],
          [1, at(0), "failed"]
        ])
        expect(all.find((r) => r.id === one)).toMatchObject({
          finishedAt: at(1),
          entries: 3,
          uniqueVideos: 2,
          regions: [{ region: "PL", chart: "all", status: "ok", videos: 2 }, { region: "SE", chart: "all", status: "ok", videos: 1 }]
        })
        expect(all.find((r) => r.id === interrupted)).toMatchObject({ finishedAt: at(8), entries: 0, regions: [{ region: "PL", videos: 50 }] })
        expect(all.at(-1)).toMatchObject({
          finishedAt: null,
          regions: [{ region: "US", chart: "all", status: "failed", errorTag: "ApiUnavailable", attempts: 3 }]
        })

        expect((yield* trends.runs(2)).map((r) => r.id)).toEqual([interrupted, five])
        expect(yield* trends.runs(0)).toEqual([])
      }))

    it.effect("what an answer depends on: the chart's run and the newest run; a period's first and last entry, of any chart", () =>
      Effect.gen(function*() {
        yield* reset
        const trends = yield* Trends
        expect(yield* trends.newestRun()).toBeNull()
        expect(yield* trends.chartSource(region("PL"), "all", at(20))).toEqual({ newestRun: null, runId: null })
        expect(yield* trends.periodSource(at(0), at(20))).toEqual({ newestRun: null, firstMicros: null, lastMicros: null })

        const one = yield* save(listing("PL", 1, ["aaaaaaaaaaa"]), 1)
        const five = yield* save([...listing("PL", 5, ["bbbbbbbbbbb"]), ...listing("SE", 6, ["bbbbbbbbbbb"], CategoryId.make("10"))], 5)
        // Fetched at 3, stored last (a spooled batch): the newest run, its chart older than the second's.
        const late = yield* save(listing("SE", 3, ["ccccccccccc"]), 3)
        expect(yield* trends.newestRun()).toBe(late)
        expect(yield* trends.chartSource(region("PL"), "all", at(4))).toEqual({ newestRun: late, runId: one })
        expect(yield* trends.chartSource(region("PL"), "all", at(5))).toEqual({ newestRun: late, runId: five })
        expect(yield* trends.chartSource(region("SE"), "all", at(20))).toEqual({ newestRun: late, runId: late })
        expect(yield* trends.chartSource(region("PL"), "all", at(0))).toEqual({ newestRun: late, runId: null })

        const micros = (hour: number) => at(hour).getTime() * 1000
        expect(yield* trends.periodSource(at(0), at(20))).toEqual({ newestRun: late, firstMicros: micros(1), lastMicros: micros(6) })
        expect(yield* trends.periodSource(at(2), at(6))).toEqual({ newestRun: late, firstMicros: micros(3), lastMicros: micros(5) })
        expect(yield* trends.periodSource(at(7), at(20))).toEqual({ newestRun: late, firstMicros: null, lastMicros: null })
      }))
  })
})
