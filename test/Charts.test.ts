import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, Ref, TestClock } from "effect"
import type { Category } from "../src/Domain/Category.js"
import { type ChartSelection, OVERALL_ONLY } from "../src/Domain/Charts.js"
import type { RegionCode } from "../src/Domain/Region.js"
import type { Batch, ChartUnit } from "../src/Domain/Run.js"
import { CategoryId } from "../src/Domain/Video.js"
import { ingest } from "../src/Ingest/Pipeline.js"
import type { StoredCategories } from "../src/Store/CategoryRows.js"
import { ApiUnavailable, ChartUnavailable, QuotaExceeded, RateLimited } from "../src/YouTube/Errors.js"
import { region } from "./support/Fixtures.js"
import { categoryChart, chart, exitCodeOf, harness, SEVEN, twoCategories } from "./support/Pipeline.js"

/** Charts per category (`CHARTS`): each (region, chart) a unit of the fetch, an unavailable one rests a week. */

const HOUR = 60 * 60 * 1000
const selection = (overall: boolean, ids: ReadonlyArray<string>, everyCategory = false): ChartSelection => ({
  overall,
  categories: ids.map((id) => CategoryId.make(id)),
  everyCategory
})

const notOffered = (unit: ChartUnit) =>
  new ChartUnavailable({ region: unit.region, status: 404, reason: "videoChartNotFound" })

/** The runs of one test share one "database" (runs and categories) and the log. */
const runs = Effect.gen(function*() {
  const saved = yield* Ref.make<ReadonlyArray<Batch>>([])
  const storedCategories = yield* Ref.make<ReadonlyMap<string, StoredCategories>>(new Map())
  const said: Array<string> = []
  const run = (options: Parameters<typeof harness>[1] = {}) =>
    Effect.gen(function*() {
      const h = yield* harness((code) => Effect.succeed(chart(code)), { saved, storedCategories, ...options })
      const report = yield* Effect.provide(ingest, h.layer).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => said.push(String(message)))))
      )
      return { report, charts: yield* Ref.get(h.requestedCharts), asked: yield* Ref.get(h.askedCategories) }
    })
  return { run, said, saved }
})

describe("charts per category", () => {
  it.effect("CHARTS=all,10: each region's overall chart and category 10's, every entry labelled with its chart", () =>
    Effect.gen(function*() {
      const { run, said, saved } = yield* runs
      const { charts, report } = yield* run({ charts: selection(true, ["10"]) })
      expect(report.status).toBe("ok")
      expect([...charts].sort()).toEqual(SEVEN.flatMap((r) => [r, `${r}/10`]).sort())
      expect(report.regions.map((o) => `${o.region}/${o.chart}`)).toEqual(SEVEN.flatMap((r) => [`${r}/all`, `${r}/10`]))
      const [batch] = yield* Ref.get(saved)
      expect(batch!.entries.filter((e) => e.chart === "10")).toHaveLength(14)
      expect(batch!.entries.find((e) => e.videoId === "PL-c10-1")).toMatchObject({ region: "PL", chart: "10", rank: 1 })
      expect(said.find((line) => line.startsWith(`run ${report.runId} ok`))).toContain("14/14 charts in 7 regions")
    }))

  it.effect("CHARTS=every: each region's assignable categories, its list asked for before the charts and not again after", () =>
    Effect.gen(function*() {
      const { run } = yield* runs
      // Music and Gaming assignable, Movies not: no chart is asked of Movies.
      const withMovies = (code: RegionCode): Effect.Effect<ReadonlyArray<Category>> =>
        Effect.succeed([
          ...twoCategories(code),
          { ...twoCategories(code)[0]!, categoryId: CategoryId.make("30"), title: "Movies", assignable: false }
        ])
      const { asked, charts, report } = yield* run({ charts: selection(true, [], true), categories: withMovies })
      expect(report.status).toBe("ok")
      expect([...charts].sort()).toEqual(SEVEN.flatMap((r) => [r, `${r}/10`, `${r}/20`]).sort())
      expect([...asked].sort()).toEqual([...SEVEN].sort())
      // A second run plans from the stored lists: nothing asked.
      expect((yield* run({ charts: selection(true, [], true), categories: withMovies })).asked).toEqual([])
    }))

  it.effect("CHARTS=every, a region whose list cannot be had: its overall chart only; the run is ok", () =>
    Effect.gen(function*() {
      const { run, said } = yield* runs
      const { charts, report } = yield* run({
        charts: selection(true, [], true),
        categories: (code) =>
          code === "NO" ? Effect.fail(new ApiUnavailable({ region: code, status: 503, detail: "backend error" })) : Effect.succeed(twoCategories(code))
      })
      expect(report.status).toBe("ok")
      expect(charts.filter((c) => c.startsWith("NO"))).toEqual(["NO"])
      expect(charts).toHaveLength(1 + 6 * 3)
      expect(said.some((line) => line.startsWith("categories of NO not fetched") && line.includes("only its overall chart"))).toBe(true)
    }))

  it.effect("a category chart YouTube does not offer is `unavailable`, not a failure, and rests seven days", () =>
    Effect.gen(function*() {
      const { run, said } = yield* runs
      const options = {
        charts: selection(true, ["10"]),
        categoryCharts: (unit: ChartUnit) =>
          unit.region === "NL" ? Effect.fail(notOffered(unit)) : Effect.succeed(categoryChart(unit))
      }
      const first = yield* run(options)
      expect(first.report.status).toBe("ok")
      expect(exitCodeOf(first.report)).toBe(0)
      const nl = first.report.regions.find((o) => o.region === "NL" && o.chart === "10")!
      expect(nl).toMatchObject({ status: "unavailable", errorTag: "ChartUnavailable", videos: 0 })
      expect(said.find((line) => line.startsWith(`run ${first.report.runId} ok`))).toContain("13/14 charts (1 unavailable) in 7 regions")

      yield* TestClock.adjust(7 * 24 * HOUR - HOUR)
      const second = yield* run(options)
      expect(second.charts).not.toContain("NL/10")
      expect(second.charts).toContain("NL")
      expect(second.report.regions.some((o) => o.region === "NL" && o.chart === "10")).toBe(false)
      expect(said.some((line) => line.includes("not asked this run (unavailable within 7 days): NL/10"))).toBe(true)

      yield* TestClock.adjust(2 * HOUR)
      expect((yield* run(options)).charts).toContain("NL/10")
    }))

  it.effect("the overall chart's ChartUnavailable stays a failure (the region has no chart): the run is partial", () =>
    Effect.gen(function*() {
      const { run } = yield* runs
      const h = yield* harness(
        (code) => code === "SE" ? Effect.fail(new ChartUnavailable({ region: code, status: 400, reason: "invalidRegionCode" })) : Effect.succeed(chart(code)),
        { charts: OVERALL_ONLY }
      )
      const report = yield* Effect.provide(ingest, h.layer)
      expect(report.status).toBe("partial")
      expect(report.regions.find((o) => o.region === "SE")!.status).toBe("failed")
      expect((yield* run()).report.status).toBe("ok")
    }))

  it.effect("a failing category chart costs that unit: the run is partial, the region's other charts are stored", () =>
    Effect.gen(function*() {
      const { run, saved } = yield* runs
      const { report } = yield* run({
        charts: selection(true, ["10", "20"]),
        categoryCharts: (unit) =>
          unit.region === "GB" && unit.chart === "20"
            ? Effect.fail(new RateLimited({ region: unit.region, status: 429, reason: "rateLimitExceeded" }))
            : Effect.succeed(categoryChart(unit))
      })
      expect(report.status).toBe("partial")
      expect(report.regions.filter((o) => o.status !== "ok").map((o) => `${o.region}/${o.chart}`)).toEqual(["GB/20"])
      const [batch] = yield* Ref.get(saved)
      expect(new Set(batch!.entries.filter((e) => e.region === "GB").map((e) => e.chart))).toEqual(new Set(["all", "10"]))
    }))

  it.effect("a spent quota on one unit stops the units not yet started", () =>
    Effect.gen(function*() {
      const { run } = yield* runs
      const { report } = yield* run({
        concurrency: 1,
        regions: [region("US"), region("GB")],
        charts: selection(true, ["10"]),
        categoryCharts: (unit) => Effect.fail(new QuotaExceeded({ region: unit.region, status: 403, reason: "quotaExceeded" }))
      })
      expect(report.status).toBe("partial")
      expect(report.regions.map((o) => `${o.region}/${o.chart} ${o.status}`)).toEqual([
        "US/all ok",
        "US/10 failed",
        "GB/all skipped",
        "GB/10 skipped"
      ])
    }))
})
