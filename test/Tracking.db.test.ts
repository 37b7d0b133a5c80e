import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { RegionOutcome, runStatus } from "../src/Domain/Run.js"
import { CategoryId, GoneVideo, type RegionalVideo, TrackedCounters, VideoId } from "../src/Domain/Video.js"
import { ChartUnavailable } from "../src/YouTube/Errors.js"
import { MigrationsLive } from "../src/Store/Migrations.js"
import { VideoStore } from "../src/Store/VideoStore.js"
import { at, batchOf } from "./support/Batches.js"
import { region, regional } from "./support/Fixtures.js"
import { emptyStore, engine, TestDatabase } from "./support/TestDatabase.js"

/** Tracking and unavailable charts in the store: what the planner and the tracking stage read, what they write. */

const StoreLive = Layer.mergeAll(VideoStore.Default, MigrationsLive).pipe(Layer.provideMerge(TestDatabase))

const reset = emptyStore

const seen = (id: string, code: string, hour: number, views = 100) =>
  regional(id, code, { fetchedAt: at(hour), views })

const save = (entries: ReadonlyArray<RegionalVideo>, hour: number, more: { tracked?: ReadonlyArray<TrackedCounters>; gone?: ReadonlyArray<GoneVideo> } = {}) =>
  Effect.flatMap(VideoStore, (store) => store.saveRun({ ...batchOf(entries, hour), ...more }))

const counters = (id: string, hour: number, views: number) =>
  TrackedCounters.make({
    videoId: VideoId.make(id),
    observedAt: at(hour),
    viewCount: Option.some(views),
    likeCount: Option.none(),
    commentCount: Option.some(3)
  })

const trackable = (sinceHour: number) =>
  Effect.flatMap(VideoStore, (store) => store.trackable(at(sinceHour))).pipe(
    Effect.map((rows) => rows.map((r) => `${r.videoId}:${r.region}`).sort())
  )

describe(`tracking in the store on ${engine}`, () => {
  it.layer(StoreLive, { timeout: 120_000 })((it) => {
    it.effect("the videos to track: listed since then, each with the region that listed it last", () =>
      Effect.gen(function*() {
        yield* reset
        yield* save([seen("aaaaaaaaaaa", "PL", 1), seen("bbbbbbbbbbb", "PL", 1)], 1)
        yield* save([seen("bbbbbbbbbbb", "SE", 2)], 2)
        expect(yield* trackable(0)).toEqual(["aaaaaaaaaaa:PL", "bbbbbbbbbbb:SE"])
        expect(yield* trackable(2)).toEqual(["bbbbbbbbbbb:SE"])
      }))

    it.effect("a tracked observation joins the series and is the video's counters; an older one joins the series only", () =>
      Effect.gen(function*() {
        yield* reset
        const sql = yield* SqlClient.SqlClient
        yield* save([seen("aaaaaaaaaaa", "PL", 1, 100)], 1)
        yield* save([seen("bbbbbbbbbbb", "PL", 3)], 3, { tracked: [counters("aaaaaaaaaaa", 3, 250)] })
        // A spooled batch stored late: its observation is older than the one stored.
        yield* save([seen("bbbbbbbbbbb", "PL", 2)], 2, { tracked: [counters("aaaaaaaaaaa", 2, 180)] })
        const series = yield* sql`SELECT observed_at, view_count, like_count, comment_count FROM video_stats WHERE video_id = 'aaaaaaaaaaa' ORDER BY observed_at`
        expect(series).toEqual([
          { observed_at: at(1), view_count: "100", like_count: null, comment_count: null },
          { observed_at: at(2), view_count: "180", like_count: null, comment_count: "3" },
          { observed_at: at(3), view_count: "250", like_count: null, comment_count: "3" }
        ])
        const [video] = yield* sql`SELECT view_count, comment_count, last_seen_at FROM videos WHERE video_id = 'aaaaaaaaaaa'`
        // The counters of the newest observation; still last seen in a chart at hour 1.
        expect(video).toEqual({ view_count: "250", comment_count: "3", last_seen_at: at(1) })
      }))

    it.effect("a video the look-up missed is gone, not tracked again, and back when a chart lists it again", () =>
      Effect.gen(function*() {
        yield* reset
        const sql = yield* SqlClient.SqlClient
        yield* save([seen("aaaaaaaaaaa", "PL", 1), seen("bbbbbbbbbbb", "PL", 1)], 1)
        yield* save([seen("ccccccccccc", "PL", 2)], 2, { gone: [GoneVideo.make({ videoId: VideoId.make("aaaaaaaaaaa"), goneAt: at(2) })] })
        expect(yield* sql`SELECT video_id, gone_at FROM videos WHERE gone_at IS NOT NULL`).toEqual([
          { video_id: "aaaaaaaaaaa", gone_at: at(2) }
        ])
        expect(yield* trackable(0)).toEqual(["bbbbbbbbbbb:PL", "ccccccccccc:PL"])
        yield* save([seen("aaaaaaaaaaa", "SE", 3)], 3)
        expect(yield* sql`SELECT video_id FROM videos WHERE gone_at IS NOT NULL`).toEqual([])
        expect(yield* trackable(0)).toContain("aaaaaaaaaaa:SE")
      }))

    it.effect("the charts found unavailable since a date, from the runs' outcomes", () =>
      Effect.gen(function*() {
        yield* reset
        const entries = [seen("aaaaaaaaaaa", "NL", 1)]
        const outcomes = [
          RegionOutcome.ok(region("NL"), { videos: 1, malformed: 0, attempts: 1, durationMs: 5 }),
          RegionOutcome.unavailable(
            region("NL"),
            CategoryId.make("19"),
            new ChartUnavailable({ region: region("NL"), status: 404, reason: "videoChartNotFound" }),
            { attempts: 1, durationMs: 5 }
          )
        ]
        yield* Effect.flatMap(VideoStore, (store) => store.saveRun({ ...batchOf(entries, 5), outcomes, status: runStatus(outcomes) }))
        const store = yield* VideoStore
        expect([...(yield* store.unavailableCharts(at(4)))]).toEqual(["NL/19"])
        expect([...(yield* store.unavailableCharts(at(6)))]).toEqual([])
      }))
  })
})
