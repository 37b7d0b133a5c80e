import { Duration, Either } from "effect"

/** How an operator writes an interval (`serve --ingest-every`, `RUN_INTERVAL`). */

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
