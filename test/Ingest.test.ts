import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Ref, TestClock } from "effect"
import { IngestConfig } from "../src/Config.js"
import { exitCodeOf } from "../src/ExitCode.js"
import { ingest } from "../src/Ingest.js"
import type { RegionCode } from "../src/Region.js"
import { type RunToSave, StoreFailed, VideoStore } from "../src/Store/VideoStore.js"
import { type RegionFetch, YouTube } from "../src/YouTube/Client.js"
import { ApiUnavailable, InvalidApiKey, QuotaExceeded, type YouTubeError } from "../src/YouTube/Errors.js"
import { region, regional } from "./support/Fixtures.js"

const SEVEN = ["US", "GB", "PL", "NL", "SE", "NO", "AT"].map(region)

type Behaviour = (region: RegionCode) => Effect.Effect<RegionFetch, YouTubeError>

/** A chart of `n` videos; every region shares "shared". */
const chart = (code: RegionCode, n = 3): RegionFetch => ({
  region: code,
  malformed: 0,
  videos: [
    regional("shared", code, { rank: 1, views: code.charCodeAt(0) * 10 }),
    ...Array.from({ length: n - 1 }, (_, i) => regional(`${code}-${i}`, code, { rank: i + 2 }))
  ]
})

const harness = (behaviour: Behaviour, options: { regions?: ReadonlyArray<RegionCode>; concurrency?: number } = {}) =>
  Effect.gen(function*() {
    const requested = yield* Ref.make<ReadonlyArray<RegionCode>>([])
    const saved = yield* Ref.make<ReadonlyArray<RunToSave>>([])
    const youtube = YouTube.make({
      fetchRegion: (code: RegionCode, fetchOptions?: { attempts?: Ref.Ref<number> }) =>
        Ref.update(requested, (r) => [...r, code]).pipe(
          Effect.zipRight(fetchOptions?.attempts === undefined ? Effect.void : Ref.update(fetchOptions.attempts, (n) => n + 1)),
          Effect.zipRight(behaviour(code))
        )
    })
    const store = VideoStore.make({
      saveRun: (run: RunToSave) => Ref.updateAndGet(saved, (s) => [...s, run]).pipe(Effect.map((s) => s.length))
    })
    const layer = Layer.mergeAll(
      Layer.succeed(YouTube, youtube),
      Layer.succeed(VideoStore, store),
      Layer.succeed(IngestConfig, { regions: options.regions ?? SEVEN, concurrency: options.concurrency ?? 3 })
    )
    return { layer, requested, saved }
  })

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
      expect(shared.viewCount).toBe(Math.max(...SEVEN.map((c) => c.charCodeAt(0) * 10)))
    }))

  it.effect("never fetches more regions at once than the concurrency setting", () =>
    Effect.gen(function*() {
      let inFlight = 0
      let peak = 0
      const { layer } = yield* harness((code) =>
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

  it.effect("a store failure fails the run with StoreFailed", () =>
    Effect.gen(function*() {
      const { layer } = yield* harness((code) => Effect.succeed(chart(code)))
      const failing = Layer.succeed(
        VideoStore,
        VideoStore.make({ saveRun: () => Effect.fail(new StoreFailed({ operation: "committing", detail: "connection reset" })) })
      )
      const error = yield* Effect.flip(Effect.provide(ingest, Layer.merge(layer, failing)))
      expect(error._tag).toBe("StoreFailed")
    }))
})
