import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, Option, Ref, TestClock } from "effect"
import type { RegionCode } from "../src/Domain/Region.js"
import type { Batch } from "../src/Domain/Run.js"
import type { VideoId } from "../src/Domain/Video.js"
import { ingest } from "../src/Ingest/Pipeline.js"
import { ApiUnavailable, QuotaExceeded } from "../src/YouTube/Errors.js"
import { region } from "./support/Fixtures.js"
import { type Behaviour, chart, harness, type LookUpAnswer } from "./support/Pipeline.js"

/** Tracking: videos that left the charts are looked up by id for TRACK_DAYS, so their series go on. */

const HOUR = 60 * 60 * 1000
const PL = [region("PL")]

/** PL's chart of `n` videos: `shared`, PL-0 … PL-(n-2). */
const plChart = (n: number): Behaviour => (code) => Effect.succeed(chart(code, n))

/** The runs of one test share one "database" and the log. */
const runs = Effect.gen(function*() {
  const saved = yield* Ref.make<ReadonlyArray<Batch>>([])
  const said: Array<string> = []
  const run = (behaviour: Behaviour, options: Parameters<typeof harness>[1] = {}) =>
    Effect.gen(function*() {
      const h = yield* harness(behaviour, { saved, regions: PL, trackDays: 3, ...options })
      const report = yield* Effect.provide(ingest, h.layer).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => said.push(String(message)))))
      )
      return { report, lookedUp: yield* Ref.get(h.lookedUp), batch: (yield* Ref.get(saved)).at(-1)! }
    })
  return { run, said }
})

describe("tracking", () => {
  it.effect("a video that left the chart is looked up by id; its counters join the batch, said in the summary", () =>
    Effect.gen(function*() {
      const { run, said } = yield* runs
      yield* run(plChart(5))
      yield* TestClock.adjust(7 * HOUR)
      const { batch, lookedUp, report } = yield* run(plChart(3))
      expect(lookedUp).toEqual([["PL-2", "PL-3"]])
      expect(batch.tracked!.map((t) => [t.videoId, Option.getOrNull(t.viewCount)])).toEqual([["PL-2", 7], ["PL-3", 7]])
      expect(batch.tracked!.every((t) => t.observedAt.getTime() === 7 * HOUR)).toBe(true)
      expect(report.status).toBe("ok")
      expect(report.tracking).toMatchObject({ videos: 2, refreshed: 2, gone: 0, requests: 1, failed: 0 })
      expect(said.find((line) => line.startsWith(`run ${report.runId} ok`))).toContain("2/2 tracked (0 gone)")
    }))

  it.effect("ids the look-up does not list are gone on that date, and not asked for again", () =>
    Effect.gen(function*() {
      const { run } = yield* runs
      yield* run(plChart(5))
      yield* TestClock.adjust(7 * HOUR)
      const deleted = (_: RegionCode, ids: ReadonlyArray<VideoId>) =>
        Effect.succeed<LookUpAnswer>({ found: [], missing: ids.filter((id) => id === "PL-3"), observedAt: new Date(7 * HOUR) })
      const second = yield* run(plChart(3), { lookUp: deleted })
      expect(second.batch.gone!.map((g) => [g.videoId, g.goneAt.getTime()])).toEqual([["PL-3", 7 * HOUR]])
      expect(second.report.tracking).toMatchObject({ videos: 2, refreshed: 0, gone: 1 })
      yield* TestClock.adjust(7 * HOUR)
      expect((yield* run(plChart(3))).lookedUp).toEqual([["PL-2"]])
    }))

  it.effect("for TRACK_DAYS after the last chart that listed it, not after", () =>
    Effect.gen(function*() {
      const { run } = yield* runs
      yield* run(plChart(4))
      yield* TestClock.adjust(3 * 24 * HOUR - HOUR)
      expect((yield* run(plChart(3))).lookedUp).toEqual([["PL-2"]])
      yield* TestClock.adjust(2 * HOUR)
      expect((yield* run(plChart(3))).lookedUp).toEqual([])
    }))

  it.effect("at most 50 ids a request, grouped by the region that listed the video last", () =>
    Effect.gen(function*() {
      const { run } = yield* runs
      const regions = [region("PL"), region("SE")]
      yield* run((code) => Effect.succeed(chart(code, code === "PL" ? 121 : 3)), { regions })
      yield* TestClock.adjust(7 * HOUR)
      const { lookedUp, report } = yield* run((code) => Effect.succeed(chart(code, 1)), { regions })
      expect(lookedUp.map((ids) => ids.length).sort((a, b) => a - b)).toEqual([2, 20, 50, 50])
      expect(lookedUp.find((ids) => ids.length === 2)).toEqual(["SE-0", "SE-1"])
      expect(report.tracking.requests).toBe(4)
    }))

  it.effect("a failed look-up costs its videos this observation only: the run is ok, they are asked again", () =>
    Effect.gen(function*() {
      const { run, said } = yield* runs
      yield* run(plChart(4))
      yield* TestClock.adjust(7 * HOUR)
      const down = () => Effect.fail(new ApiUnavailable({ region: region("PL"), status: 503, detail: "backend error" }))
      const second = yield* run(plChart(3), { lookUp: down })
      expect(second.report.status).toBe("ok")
      expect(second.report.tracking).toMatchObject({ videos: 1, refreshed: 0, gone: 0, failed: 1 })
      expect(second.batch.gone).toEqual([])
      expect(said.some((line) => line.startsWith("look-up of 1 tracked videos failed: PL: the YouTube API is unavailable"))).toBe(true)
      yield* TestClock.adjust(7 * HOUR)
      expect((yield* run(plChart(3))).lookedUp).toEqual([["PL-2"]])
    }))

  it.effect("TRACK_DAYS=0 looks nothing up; neither does a run stopped by a spent quota", () =>
    Effect.gen(function*() {
      const { run } = yield* runs
      yield* run(plChart(4))
      yield* TestClock.adjust(7 * HOUR)
      expect((yield* run(plChart(3), { trackDays: 0 })).lookedUp).toEqual([])
      const spent: Behaviour = (code) => Effect.fail(new QuotaExceeded({ region: code, status: 403, reason: "quotaExceeded" }))
      expect((yield* run(spent)).lookedUp).toEqual([])
    }))
})
