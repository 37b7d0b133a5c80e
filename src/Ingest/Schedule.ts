import { Cause, Clock, Duration, Effect, Either, Option } from "effect"

/**
 * `serve --ingest-every 7h`: the collection in the server's process, for the embedded
 * database, which one process alone may open. One run at a time, by construction: the
 * next waits for the one before.
 */

/** Shorter than this would spend a day's quota in an afternoon; the timer is the tool for odd cadences. */
export const MIN_INTERVAL = Duration.minutes(1)

const UNITS = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/

/** `7h`, `90m`, `1d12h`, `1h30m`: days, hours, minutes, seconds, in that order. */
export const parseInterval = (raw: string): Either.Either<Duration.Duration, string> => {
  const text = raw.trim().toLowerCase()
  const match = UNITS.exec(text)
  if (text === "" || match === null) {
    return Either.left(`expected a duration such as 7h, 90m or 1d12h, got "${raw}"`)
  }
  const [days, hours, minutes, seconds] = match.slice(1).map((n) => Number(n ?? 0)) as [number, number, number, number]
  const interval = Duration.seconds(((days * 24 + hours) * 60 + minutes) * 60 + seconds)
  return Duration.lessThan(interval, MIN_INTERVAL)
    ? Either.left(`${raw} is too short: at least ${Duration.format(MIN_INTERVAL)} between runs`)
    : Either.right(interval)
}

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
