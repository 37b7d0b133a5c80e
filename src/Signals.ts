import { Runtime } from "@effect/platform"
import { Deferred, type Duration, Effect, Either, Exit, Fiber, Option } from "effect"

export type StopSignal = "SIGINT" | "SIGTERM"

/** Where stop signals come from: `process`, or an emitter in a test. */
export interface SignalSource {
  readonly once: (signal: StopSignal, listener: () => void) => unknown
  readonly removeListener: (signal: StopSignal, listener: () => void) => unknown
}

/** How a program ended: on its own, or stopped by a signal (and whether it wound down in time). */
export type Ending<A, E> =
  | { readonly _tag: "Finished"; readonly exit: Exit.Exit<A, E> }
  | { readonly _tag: "Stopped"; readonly signal: StopSignal; readonly woundDown: boolean }

/**
 * Runs `program` until it ends, or until SIGINT or SIGTERM: then it is interrupted (its
 * finalizers roll back, record and keep what they must) and given `deadline` to wind
 * down. A finalizer waiting on a database that stopped answering (a ROLLBACK is never
 * interrupted) is left behind after that: the caller exits all the same.
 */
export const stopOnSignal = (source: SignalSource, deadline: Duration.DurationInput) =>
<A, E, R>(program: Effect.Effect<A, E, R>): Effect.Effect<Ending<A, E>, never, R> =>
  Effect.scoped(Effect.gen(function*() {
    const received = yield* Deferred.make<StopSignal>()
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const listener = () => Deferred.unsafeDone(received, Exit.succeed(signal))
      yield* Effect.acquireRelease(
        Effect.sync(() => source.once(signal, listener)),
        () => Effect.sync(() => source.removeListener(signal, listener))
      )
    }
    // A daemon, so that a program stuck in a finalizer does not hold this fiber past the deadline.
    const running = yield* Effect.forkDaemon(program)
    const first = yield* Effect.raceFirst(
      Effect.map(Fiber.await(running), Either.left),
      Effect.map(Deferred.await(received), Either.right)
    )
    if (Either.isLeft(first)) return { _tag: "Finished", exit: first.left } as const
    const woundDown = yield* Fiber.interrupt(running).pipe(Effect.timeout(deadline), Effect.option, Effect.map(Option.isSome))
    return { _tag: "Stopped", signal: first.right, woundDown } as const
  }))

/**
 * `NodeRuntime.runMain`, but for signals: it would interrupt the main fiber itself, which
 * can neither tell SIGINT from SIGTERM nor stop waiting for a finalizer that hangs. The
 * program handles them (`stopOnSignal`); the process exits with the code it ends with.
 */
export const runMain = Runtime.makeRunMain(({ fiber, teardown }) => {
  // As runMain does: a pending timer keeps Node alive while the program waits on nothing else.
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1)
  fiber.addObserver((exit) => {
    clearInterval(keepAlive)
    // Exits at once, 0 too: idle keep-alive sockets of fetch's pool (kept 4 s after the
    // last response) would otherwise hold a finished run open until they time out.
    teardown(exit, (code) => process.exit(code))
  })
})
