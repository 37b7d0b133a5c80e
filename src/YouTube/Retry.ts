import { Duration, Effect, Schedule } from "effect"
import type { RetryPolicy } from "../Config.js"
import { isRetryable, type Subject, type YouTubeError } from "./Errors.js"

const retryAfterOf = (error: YouTubeError): Duration.Duration =>
  error._tag === "RateLimited" && error.retryAfterMs !== undefined ? Duration.millis(error.retryAfterMs) : Duration.zero

/**
 * Retries only what is retryable: exponential backoff with jitter, capped per delay,
 * in count and in total time, and never sooner than the server's `Retry-After`.
 * A `Retry-After` beyond `maxRetryAfter` is not waited for at all.
 */
export const retrySchedule = (policy: RetryPolicy) =>
  Schedule.identity<YouTubeError>().pipe(
    Schedule.intersect(Schedule.exponential(policy.baseDelay, 2).pipe(Schedule.jittered)),
    Schedule.whileInput(
      (error: YouTubeError) => isRetryable(error) && Duration.lessThanOrEqualTo(retryAfterOf(error), policy.maxRetryAfter)
    ),
    Schedule.intersect(Schedule.recurs(policy.maxRetries)),
    Schedule.upTo(policy.maxElapsed),
    Schedule.modifyDelayEffect(([[error], retry], backoff) => {
      const delay = Duration.max(Duration.min(backoff, policy.maxDelay), retryAfterOf(error))
      return Effect.logWarning(`retrying in ${Duration.format(delay)}: ${error.message}`).pipe(
        Effect.annotateLogs({ region: error.region, retry: retry + 1 }),
        Effect.as(delay)
      )
    })
  )

/** Says why a rate limit was not retried when its `Retry-After` is longer than a run waits. */
export const sayRetryAfterTooLong = (policy: RetryPolicy, region: Subject) => (error: YouTubeError) => {
  const asked = retryAfterOf(error)
  return Duration.greaterThan(asked, policy.maxRetryAfter)
    ? Effect.logWarning(
      `the API asked to wait ${Duration.format(asked)} before retrying, longer than the ` +
        `${Duration.format(policy.maxRetryAfter)} a run waits: not retried, the next run tries again`
    ).pipe(Effect.annotateLogs({ region }))
    : Effect.void
}
