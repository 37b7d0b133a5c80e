import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, Option, Ref, TestClock } from "effect"
import type { RegionCode } from "../src/Domain/Region.js"
import { CategoryId, RegionalVideo } from "../src/Domain/Video.js"
import { ingest } from "../src/Ingest/Pipeline.js"
import type { StoredCategories } from "../src/Store/CategoryRows.js"
import { ApiUnavailable, QuotaExceeded } from "../src/YouTube/Errors.js"
import { region } from "./support/Fixtures.js"
import { type Behaviour, chart, harness, SEVEN, twoCategories } from "./support/Pipeline.js"

/** The categories stage: each collected region's list, when none is stored, when it is a week old, when a video names an unknown id. */

const HOUR = 60 * 60 * 1000

/** The runs of one test share one "database" of categories, and the log. */
const runs = Effect.gen(function*() {
  const storedCategories = yield* Ref.make<ReadonlyMap<string, StoredCategories>>(new Map())
  const said: Array<string> = []
  const run = (options: Parameters<typeof harness>[1] = {}, behaviour: Behaviour = (code) => Effect.succeed(chart(code))) =>
    Effect.gen(function*() {
      const h = yield* harness(behaviour, { storedCategories, ...options })
      const report = yield* Effect.provide(ingest, h.layer).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => said.push(String(message)))))
      )
      return { report, asked: yield* Ref.get(h.askedCategories) }
    })
  return { run, said, storedCategories }
})

describe("categories", () => {
  it.effect("are asked for each region the run collected that has none stored, and stored", () =>
    Effect.gen(function*() {
      const { run, storedCategories } = yield* runs
      const { asked, report } = yield* run()
      expect(report.status).toBe("ok")
      expect([...asked].sort()).toEqual([...SEVEN].sort())
      const stored = yield* Ref.get(storedCategories)
      expect([...stored.keys()].sort()).toEqual([...SEVEN].sort())
      expect([...stored.get("PL")!.ids].sort()).toEqual(["10", "20"])
    }))

  it.effect("are not asked again within seven days; a week later they are", () =>
    Effect.gen(function*() {
      const { run } = yield* runs
      yield* run()
      yield* TestClock.adjust(7 * 24 * HOUR - HOUR)
      expect((yield* run()).asked).toEqual([])
      yield* TestClock.adjust(2 * HOUR)
      expect((yield* run()).asked).toHaveLength(7)
    }))

  it.effect("are asked again for a region whose video names a category its list does not have", () =>
    Effect.gen(function*() {
      const { run } = yield* runs
      yield* run()
      yield* TestClock.adjust(HOUR)
      const named = (code: RegionCode) => {
        const fetched = chart(code)
        return code !== "SE" ? fetched : {
          ...fetched,
          videos: fetched.videos.map((v) => RegionalVideo.make({ ...v, categoryId: Option.some(CategoryId.make("29")) }))
        }
      }
      expect((yield* run({}, (code) => Effect.succeed(named(code)))).asked).toEqual(["SE"])
    }))

  it.effect("a list that cannot be fetched costs nothing else: the run is ok, said in the log, asked again next run", () =>
    Effect.gen(function*() {
      const { run, said, storedCategories } = yield* runs
      const down = (code: RegionCode) =>
        code === "NL" ? Effect.fail(new ApiUnavailable({ region: region("NL"), status: 503, detail: "Backend Error" })) : Effect.succeed([])
      const first = yield* run({ categories: (code) => Effect.flatMap(down(code), () => Effect.succeed(twoCategories(code))) })
      expect(first.report.status).toBe("ok")
      expect(first.report.entries).toBe(21)
      expect(said.join("\n")).toContain("categories of NL not fetched: NL: the YouTube API is unavailable (HTTP 503): Backend Error; the next run asks again")
      expect((yield* Ref.get(storedCategories)).has("NL")).toBe(false)
      yield* TestClock.adjust(HOUR)
      expect((yield* run()).asked).toEqual(["NL"])
    }))

  it.effect("after a spent quota nothing more is asked for, categories included", () =>
    Effect.gen(function*() {
      const { run } = yield* runs
      const { asked, report } = yield* run({ concurrency: 1 }, (code) =>
        code === "GB" ? Effect.fail(new QuotaExceeded({ region: code, status: 403, reason: "quotaExceeded" })) : Effect.succeed(chart(code)))
      expect(report.status).toBe("partial")
      expect(asked).toEqual([])
    }))
})
