import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Ref, TestClock } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ingest } from "../src/Ingest/Pipeline.js"
import { DatabaseUnavailable } from "../src/Store/Errors.js"
import { ApiUnavailable, InvalidApiKey, QuotaExceeded } from "../src/YouTube/Errors.js"
import { chart, exitCodeOf, failingStore, harness, SEVEN, untilRequested } from "./support/Pipeline.js"

describe("ingest", () => {
  it.effect("fetches every region, merges, stores one run and reports ok", () =>
    Effect.gen(function*() {
      const { layer, saved } = yield* harness((code) => Effect.succeed(chart(code)))
      const report = yield* Effect.provide(ingest, layer)
      expect(report.status).toBe("ok")
      expect(exitCodeOf(report)).toBe(0)
      expect(report.regions.map((r) => [r.region, r.status, r.videos])).toEqual(SEVEN.map((r) => [r, "ok", 3]))
      expect(report.entries).toBe(21)
      expect(report.uniqueVideos).toBe(15) // 7 × 2 own + 1 shared
      const [run] = yield* Ref.get(saved)
      expect(run!.entries).toHaveLength(21)
      const shared = run!.videos.find((v) => v.videoId === "shared")!
      expect(shared.regions).toEqual([...SEVEN].sort())
      expect(shared.viewCount).toEqual(Option.some(Math.max(...SEVEN.map((c) => c.charCodeAt(0) * 10))))
    }))

  it.effect("never fetches more regions at once than the concurrency setting", () =>
    Effect.gen(function*() {
      let inFlight = 0
      let peak = 0
      const { layer, requested } = yield* harness((code) =>
        Effect.acquireUseRelease(
          Effect.sync(() => {
            inFlight++
            peak = Math.max(peak, inFlight)
          }),
          () => Effect.sleep(`${100 + code.charCodeAt(1)} millis`).pipe(Effect.as(chart(code))),
          () => Effect.sync(() => inFlight--)
        )
      )
      const fiber = yield* Effect.fork(Effect.provide(ingest, layer))
      yield* untilRequested(requested, 3)
      yield* TestClock.adjust("10 seconds")
      const report = yield* Fiber.join(fiber)
      expect(report.status).toBe("ok")
      expect(peak).toBe(3)
    }))

  it.effect("one failing region is that region's outcome: a partial run, the others stored", () =>
    Effect.gen(function*() {
      const { layer, saved } = yield* harness((code) =>
        code === "NL" ? Effect.fail(new ApiUnavailable({ region: code, status: 503, detail: "Backend Error" })) : Effect.succeed(chart(code))
      )
      const report = yield* Effect.provide(ingest, layer)
      expect(report.status).toBe("partial")
      expect(exitCodeOf(report)).toBe(75)
      const nl = report.regions.find((r) => r.region === "NL")!
      expect(nl.status).toBe("failed")
      expect(nl.errorTag).toBe("ApiUnavailable")
      expect(nl.attempts).toBe(1)
      expect(report.regions.filter((r) => r.status === "ok")).toHaveLength(6)
      const [run] = yield* Ref.get(saved)
      expect(run!.status).toBe("partial")
      expect(new Set(run!.entries.map((e) => e.region))).toEqual(new Set(SEVEN.filter((r) => r !== "NL")))
    }))

  it.effect("a spent quota stops the run: regions not yet started are not requested", () =>
    Effect.gen(function*() {
      const { layer, requested } = yield* harness(
        (code) => code === "GB" ? Effect.fail(new QuotaExceeded({ region: code, status: 403, reason: "quotaExceeded" })) : Effect.succeed(chart(code)),
        { concurrency: 1 }
      )
      const report = yield* Effect.provide(ingest, layer)
      expect(yield* Ref.get(requested)).toEqual(["US", "GB"])
      expect(report.status).toBe("partial")
      const skipped = report.regions.filter((r) => r.status === "skipped")
      expect(skipped.map((r) => r.region)).toEqual(["PL", "NL", "SE", "NO", "AT"])
      expect(skipped.every((r) => r.errorTag === "QuotaExceeded" && r.attempts === 0)).toBe(true)
    }))

  it.effect("an invalid key fails the run with the configuration exit code", () =>
    Effect.gen(function*() {
      const { layer, requested } = yield* harness(
        (code) => Effect.fail(new InvalidApiKey({ region: code, status: 400, reason: "API_KEY_INVALID" })),
        { concurrency: 1 }
      )
      const report = yield* Effect.provide(ingest, layer)
      expect(report.status).toBe("failed")
      expect(exitCodeOf(report)).toBe(78)
      expect(yield* Ref.get(requested)).toHaveLength(1)
    }))

  it.effect("every region down: a failed run, recorded, exit 69", () =>
    Effect.gen(function*() {
      const { layer, saved } = yield* harness((code) => Effect.fail(new ApiUnavailable({ region: code, detail: "ECONNREFUSED" })))
      const report = yield* Effect.provide(ingest, layer)
      expect(report.status).toBe("failed")
      expect(exitCodeOf(report)).toBe(69)
      expect((yield* Ref.get(saved))[0]!.status).toBe("failed")
    }))

  it.effect("a store failure fails the run with it", () =>
    Effect.gen(function*() {
      const { layer } = yield* harness((code) => Effect.succeed(chart(code)), {
        store: failingStore(new DatabaseUnavailable({ operation: "committing", detail: "connection reset" }))
      })
      const error = yield* Effect.flip(Effect.provide(ingest, layer))
      expect(error._tag).toBe("DatabaseUnavailable")
    }))

  it.effect("the next run chooses its order from this run's durations, and reaches the best schedule", () =>
    Effect.gen(function*() {
      const latency: Record<string, number> = { US: 450, GB: 300, PL: 250, NL: 400, SE: 350, NO: 200, AT: 500 }
      const state = mkdtempSync(join(tmpdir(), "vvv-order-"))
      const run = Effect.gen(function*() {
        const { layer, requested } = yield* harness(
          (code) => Effect.sleep(`${latency[code]!} millis`).pipe(Effect.as(chart(code))),
          { state }
        )
        const fiber = yield* Effect.fork(Effect.provide(ingest, layer))
        yield* untilRequested(requested, 3)
        yield* TestClock.adjust("5 seconds")
        return { report: yield* Fiber.join(fiber), requested: yield* Ref.get(requested) }
      })
      const first = yield* run
      expect(first.requested).toEqual(SEVEN)
      expect(first.report.fetchMs).toBe(1150) // the configured order's list schedule

      const second = yield* run
      expect(second.report.fetchMs).toBe(850) // the best schedule there is
      expect(second.requested).not.toEqual(SEVEN)
      expect(second.report.fetchOrder).toEqual(second.requested)
      // Reported in the configured order all the same.
      expect(second.report.regions.map((r) => r.region)).toEqual(SEVEN)
    }))
})
