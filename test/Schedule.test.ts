import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Either, Fiber, Option, Ref, TestClock } from "effect"
import { parseInterval } from "../src/Domain/Interval.js"
import { runEvery } from "../src/Ingest/Schedule.js"

/** `serve --ingest-every`: the schedule on the TestClock, each run's start and end recorded. */

const HOUR = 3_600_000

const recorder = (options: { readonly takes: Duration.Duration; readonly failing?: ReadonlySet<number> }) =>
  Effect.gen(function*() {
    const starts = yield* Ref.make<ReadonlyArray<number>>([])
    const running = yield* Ref.make(0)
    const mostAtOnce = yield* Ref.make(0)
    const run = Effect.gen(function*() {
      const n = (yield* Ref.get(starts)).length
      const now = yield* Clock.currentTimeMillis
      yield* Ref.update(starts, (all) => [...all, now])
      const during = yield* Ref.updateAndGet(running, (k) => k + 1)
      yield* Ref.update(mostAtOnce, (most) => Math.max(most, during))
      yield* Effect.sleep(options.takes)
      yield* Ref.update(running, (k) => k - 1)
      if (options.failing?.has(n)) return yield* Effect.fail(new Error(`run ${n} failed`))
    })
    return { run, starts: Ref.get(starts), mostAtOnce: Ref.get(mostAtOnce) }
  })

describe("the in-process schedule", () => {
  it.effect("runs at start and then every interval", () =>
    Effect.gen(function*() {
      const r = yield* recorder({ takes: Duration.minutes(10) })
      const fiber = yield* Effect.fork(runEvery({ interval: Duration.hours(7), lastRunAt: Effect.succeedNone, run: r.run }))
      yield* TestClock.adjust(Duration.hours(21))
      expect(yield* r.starts).toEqual([0, 7 * HOUR, 14 * HOUR, 21 * HOUR])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a run longer than the interval is followed by the next, never overlapped", () =>
    Effect.gen(function*() {
      const r = yield* recorder({ takes: Duration.hours(9) })
      const fiber = yield* Effect.fork(runEvery({ interval: Duration.hours(7), lastRunAt: Effect.succeedNone, run: r.run }))
      yield* TestClock.adjust(Duration.hours(30))
      expect(yield* r.mostAtOnce).toBe(1)
      const starts = yield* r.starts
      expect(starts.length).toBeGreaterThanOrEqual(3)
      for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(9 * HOUR)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a failed run does not stop the next", () =>
    Effect.gen(function*() {
      const r = yield* recorder({ takes: Duration.minutes(1), failing: new Set([0, 1]) })
      const fiber = yield* Effect.fork(runEvery({ interval: Duration.hours(7), lastRunAt: Effect.succeedNone, run: r.run }))
      yield* TestClock.adjust(Duration.hours(14))
      expect(yield* r.starts).toEqual([0, 7 * HOUR, 14 * HOUR])
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("the first run waits until the stored last run is an interval old", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(10 * HOUR)
      const r = yield* recorder({ takes: Duration.minutes(1) })
      const lastRunAt = Effect.succeedSome(new Date(8 * HOUR))
      const fiber = yield* Effect.fork(runEvery({ interval: Duration.hours(7), lastRunAt, run: r.run }))
      yield* TestClock.adjust(Duration.hours(4))
      expect(yield* r.starts).toEqual([])
      yield* TestClock.adjust(Duration.hours(1))
      expect(yield* r.starts).toEqual([15 * HOUR])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("an old last run, or none that can be read, runs at once", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(100 * HOUR)
      const old = yield* recorder({ takes: Duration.minutes(1) })
      const a = yield* Effect.fork(runEvery({ interval: Duration.hours(7), lastRunAt: Effect.succeedSome(new Date(HOUR)), run: old.run }))
      const unreadable = yield* recorder({ takes: Duration.minutes(1) })
      const b = yield* Effect.fork(runEvery({ interval: Duration.hours(7), lastRunAt: Effect.fail("database down"), run: unreadable.run }))
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* old.starts).toEqual([100 * HOUR])
      expect(yield* unreadable.starts).toEqual([100 * HOUR])
      yield* Fiber.interrupt(a)
      yield* Fiber.interrupt(b)
    }))

  it("reads intervals as an operator writes them, and refuses the rest", () => {
    expect(Either.map(parseInterval("7h"), Duration.toMillis)).toEqual(Either.right(7 * HOUR))
    expect(Either.map(parseInterval("1h30m"), Duration.toMillis)).toEqual(Either.right(1.5 * HOUR))
    expect(Either.map(parseInterval("1d12h"), Duration.toMillis)).toEqual(Either.right(36 * HOUR))
    expect(Either.map(parseInterval(" 90M "), Duration.toMillis)).toEqual(Either.right(1.5 * HOUR))
    expect(parseInterval("7 hours")).toEqual(Either.left(`expected a duration such as 7h, 90m or 1d12h, got "7 hours"`))
    expect(parseInterval("")).toEqual(Either.left(`expected a duration such as 7h, 90m or 1d12h, got ""`))
    expect(parseInterval("30s")).toEqual(Either.left("30s is too short: at least 1m between runs"))
  })
})
