import { Cause, Clock, Duration, Effect, Option } from "effect"

/**
 * `serve --ingest-every 7h`: the collection in the server's process, for the embedded
 * database, which one process alone may open. One run at a time, by construction: the
 * next waits for the one before.
 */

/**
 * Runs `run` every `interval` (a run that takes longer than the interval is followed at
 * once by the next, never overlapped). The first run starts now, unless the newest
 * stored run (`lastRunAt`) is younger than the interval: then when it is that old. A
 * failed run is logged and the next tick tries again; only an interruption stops it.
 */
export const runEvery = <E, R, E2, R2>(options: {
  readonly interval: Duration.Duration
  readonly lastRunAt: Effect.Effect<Option.Option<Date>, E2, R2>
  readonly run: Effect.Effect<unknown, E, R>
}): Effect.Effect<never, never, R | R2> =>
  Effect.gen(function*() {
    const intervalMs = Duration.toMillis(options.interval)
    const last = yield* options.lastRunAt.pipe(
      Effect.tapErrorCause((cause) => Effect.logWarning("could not read when the last run was; running now", cause)),
      Effect.orElseSucceed(() => Option.none<Date>())
    )
    const now = yield* Clock.currentTimeMillis
    const wait = Option.match(last, { onNone: () => 0, onSome: (at) => Math.max(0, at.getTime() + intervalMs - now) })
    if (wait > 0) {
      yield* Effect.log(
        `the last run started at ${Option.getOrThrow(last).toISOString()}; the next in ${Duration.format(Duration.millis(wait))}`
      )
      yield* Effect.sleep(Duration.millis(wait))
    }
    const once = options.run.pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.interrupt
          : Effect.logError(`the scheduled run failed; the next one in ${Duration.format(options.interval)}`, cause)
      ),
      Effect.withLogSpan("scheduled run")
    )
    // Start to start: a run of ten minutes every 7 h starts at 0, 7 h, 14 h (Schedule.fixed would count from its end).
    return yield* Effect.forever(Effect.gen(function*() {
      const started = yield* Clock.currentTimeMillis
      yield* once
      const took = (yield* Clock.currentTimeMillis) - started
      yield* Effect.sleep(Duration.millis(Math.max(0, intervalMs - took)))
    }))
  })
