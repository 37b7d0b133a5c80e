import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Queue } from "effect"
import { NewestRun } from "../src/Http/NewestRun.js"
import { RunId } from "../src/Domain/Run.js"
import { DatabaseUnavailable } from "../src/Store/Errors.js"
import { Trends } from "../src/Store/Trends.js"

/**
 * The newest run's id, shared by the requests that ask at once: each still gets an id read
 * after it arrived. The database here is a counter (what has been committed) and a gate
 * per read: a read sees what was committed when it started, and ends when the test opens
 * its gate.
 */
const database = Effect.gen(function*() {
  let committed = 1
  let reads = 0
  const gates = yield* Queue.unbounded<Deferred.Deferred<void, DatabaseUnavailable>>()
  const never = () => Effect.dieMessage("not read by NewestRun")
  const trends = Trends.make({
    chart: never,
    chartJson: never,
    video: never,
    overlap: never,
    runs: never,
    regions: never,
    chartSource: never,
    periodSource: never,
    newestRun: () =>
      Effect.gen(function*() {
        reads++
        const seen = committed
        const gate = yield* Deferred.make<void, DatabaseUnavailable>()
        yield* Queue.offer(gates, gate)
        yield* Deferred.await(gate)
        return RunId.make(seen)
      })
  })
  return {
    layer: NewestRun.Default.pipe(Layer.provide(Layer.succeed(Trends, trends))),
    commit: Effect.sync(() => void committed++),
    reads: Effect.sync(() => reads),
    /** Ends the oldest read under way, as it went or failed. */
    end: (outcome: Exit.Exit<void, DatabaseUnavailable> = Exit.void) => Effect.flatMap(Queue.take(gates), (gate) => Deferred.done(gate, outcome))
  }
})

/** `test` on the scripted database, with a NewestRun over it. */
const withNewestRun = <A, E>(test: (db: Effect.Effect.Success<typeof database>, newest: NewestRun) => Effect.Effect<A, E>) =>
  Effect.flatMap(database, (db) => Effect.provide(Effect.flatMap(NewestRun, (newest) => test(db, newest)), db.layer))

/** Lets every forked fiber run as far as it can. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("NewestRun", () => {
  it.effect("the requests that come during a read share the next one, which starts when it ends and sees what they saw", () =>
    withNewestRun((db, newest) =>
      Effect.gen(function*() {
        const first = yield* Effect.fork(newest.get)
        yield* settle
        expect(yield* db.reads).toBe(1)

        // A run commits while the first read is under way; three requests come after it.
        yield* db.commit
        const later = yield* Effect.forkAll([newest.get, newest.get, newest.get])
        yield* settle
        expect(yield* db.reads).toBe(1)

        // The first request gets what its read saw; the later ones do not take it, though it
        // ended after they came: their read starts now, one for the three.
        yield* db.end()
        expect(yield* Fiber.join(first)).toBe(1)
        yield* settle
        expect(yield* db.reads).toBe(2)
        yield* db.end()
        expect(yield* Fiber.join(later)).toEqual([2, 2, 2])

        // Nothing under way: the next request reads at once, alone.
        const alone = yield* Effect.fork(newest.get)
        yield* settle
        yield* db.end()
        expect(yield* Fiber.join(alone)).toBe(2)
        expect(yield* db.reads).toBe(3)
      })))

  it.effect("a failed read fails the requests it answers, not the next ones; a request that goes away ends no read", () =>
    withNewestRun((db, newest) =>
      Effect.gen(function*() {
        const failing = yield* Effect.fork(newest.get)
        yield* settle
        const leaving = yield* Effect.fork(newest.get)
        const staying = yield* Effect.fork(newest.get)
        yield* settle

        yield* db.end(Exit.fail(new DatabaseUnavailable({ operation: "reading the newest run", detail: "connection refused" })))
        const failed = yield* Fiber.await(failing)
        expect(Exit.isFailure(failed) && failed.cause.toString()).toContain("DatabaseUnavailable")

        // One of the two waiting goes away: the read it waited for still answers the other.
        yield* settle
        yield* Fiber.interrupt(leaving)
        yield* db.end()
        expect(yield* Fiber.join(staying)).toBe(1)
        expect(yield* db.reads).toBe(2)
      })))
})
