import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Ref, TestClock } from "effect"
import { EventEmitter } from "node:events"
import { stopOnSignal } from "../src/Signals.js"

/** The process's stop on SIGINT/SIGTERM, with an emitter for `process` and virtual time for the deadline. */

const DEADLINE = "3 seconds"

const started = (program: Effect.Effect<string>) =>
  Effect.gen(function*() {
    const signals = new EventEmitter()
    const fiber = yield* Effect.fork(stopOnSignal(signals, DEADLINE)(program))
    // Until the listeners are in place, a signal would go unheard.
    while (signals.listenerCount("SIGTERM") === 0) yield* Effect.yieldNow()
    return { signals, fiber }
  })

describe("stopOnSignal", () => {
  it.effect("SIGTERM interrupts the program, whose finalizers run, and says which signal it was", () =>
    Effect.gen(function*() {
      const finalized = yield* Ref.make(false)
      const { fiber, signals } = yield* started(Effect.never.pipe(Effect.onInterrupt(() => Ref.set(finalized, true))))
      signals.emit("SIGTERM")
      expect(yield* Fiber.join(fiber)).toEqual({ _tag: "Stopped", signal: "SIGTERM", woundDown: true })
      expect(yield* Ref.get(finalized)).toBe(true)
      expect(signals.listenerCount("SIGTERM") + signals.listenerCount("SIGINT")).toBe(0)
    }))

  it.effect("SIGINT is told from SIGTERM", () =>
    Effect.gen(function*() {
      const { fiber, signals } = yield* started(Effect.never)
      signals.emit("SIGINT")
      expect(yield* Fiber.join(fiber)).toMatchObject({ _tag: "Stopped", signal: "SIGINT" })
    }))

  it.effect("a finalizer that hangs is given the deadline, then left behind", () =>
    Effect.gen(function*() {
      const { fiber, signals } = yield* started(Effect.never.pipe(Effect.onInterrupt(() => Effect.never)))
      signals.emit("SIGTERM")
      yield* TestClock.adjust("2999 millis")
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("1 milli")
      expect(yield* Fiber.join(fiber)).toEqual({ _tag: "Stopped", signal: "SIGTERM", woundDown: false })
    }))

  it.effect("without a signal, the program's own ending, and no listener left", () =>
    Effect.gen(function*() {
      const { fiber, signals } = yield* started(Effect.as(Effect.sleep("1 second"), "done"))
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toEqual({ _tag: "Finished", exit: Exit.succeed("done") })
      expect(signals.listenerCount("SIGTERM") + signals.listenerCount("SIGINT")).toBe(0)
    }))
})
