import { Headers, HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect, Either, flow, Redacted, Ref, Schedule } from "effect"
import { type RetryPolicy, YouTubeConfig } from "../Config.js"
import type { RegionalVideo } from "../Domain.js"
import type { RegionCode } from "../Region.js"
import { classifyErrorResponse, decodeItem, decodePage, describeParseError, toRegionalVideo, type VideoListPage } from "./Api.js"
import { ApiUnavailable, DecodeFailed, isRetryable, type YouTubeError } from "./Errors.js"

/** The YouTube Data API wants at most 50 items a page. */
const PAGE_SIZE = 50
const API_KEY_HEADER = "x-goog-api-key"

export interface RegionFetch {
  readonly region: RegionCode
  /** In chart order, one per video id. */
  readonly videos: ReadonlyArray<RegionalVideo>
  /** Items that could not be decoded, and were left out. */
  readonly malformed: number
}

export interface FetchOptions {
  /** Counts every HTTP request, retries included, whether the region succeeds or not. */
  readonly attempts?: Ref.Ref<number>
}

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

export class YouTube extends Effect.Service<YouTube>()("viralvidvault/YouTube", {
  effect: Effect.gen(function*() {
    const config = yield* YouTubeConfig
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest(flow(
        HttpClientRequest.prependUrl(config.baseUrl),
        HttpClientRequest.acceptJson,
        // The key travels in a header, never in the URL, so access logs and traces do not see it.
        HttpClientRequest.setHeader(API_KEY_HEADER, Redacted.value(config.apiKey))
      ))
    )
    const schedule = retrySchedule(config.retry)

    const requestPage = (region: RegionCode, size: number, pageToken: string | undefined) =>
      client.get("/videos", {
        urlParams: {
          part: "snippet,statistics",
          chart: "mostPopular",
          regionCode: region,
          maxResults: size,
          ...(pageToken === undefined ? {} : { pageToken })
        }
      }).pipe(
        Effect.flatMap((response) =>
          Effect.flatMap(response.text, (body): Effect.Effect<VideoListPage, YouTubeError> => {
            if (response.status >= 200 && response.status < 300) {
              return Either.match(decodePage(body), {
                onLeft: (error) => Effect.fail(new DecodeFailed({ region, detail: describeBody(body, error) })),
                onRight: Effect.succeed
              })
            }
            return Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
              Effect.fail(classifyErrorResponse({
                region,
                status: response.status,
                body,
                retryAfter: response.headers["retry-after"],
                nowMs
              })))
          })
        ),
        Effect.catchTags({
          RequestError: (e) => Effect.fail(new ApiUnavailable({ region, detail: `${e.reason}: ${e.cause ?? e.message}` })),
          ResponseError: (e) =>
            Effect.fail(new ApiUnavailable({ region, status: e.response.status, detail: `reading the body: ${e.cause ?? e.message}` }))
        }),
        Effect.timeoutFail({
          duration: config.requestTimeout,
          onTimeout: () => new ApiUnavailable({ region, detail: `no complete answer within ${Duration.format(config.requestTimeout)}` })
        })
      )

    const fetchRegion = Effect.fn("YouTube.fetchRegion")(
      function*(region: RegionCode, options?: FetchOptions) {
        const attempts = options?.attempts ?? (yield* Ref.make(0))
        const videos: Array<RegionalVideo> = []
        const seenIds = new Set<string>()
        const seenTokens = new Set<string>()
        let malformed = 0
        let position = 0
        let pageToken: string | undefined
        while (position < config.maxResults) {
          const page = yield* Ref.update(attempts, (n) => n + 1).pipe(
            Effect.zipRight(requestPage(region, Math.min(PAGE_SIZE, config.maxResults - position), pageToken)),
            Effect.retry(schedule)
          )
          const fetchedAt = new Date(yield* Clock.currentTimeMillis)
          for (const raw of page.items) {
            if (position >= config.maxResults) break
            position++
            const item = decodeItem(raw)
            if (Either.isLeft(item)) {
              malformed++
              yield* Effect.logWarning(`skipped a malformed item: ${describeParseError(item.left)}`).pipe(
                Effect.annotateLogs({ region, rank: position })
              )
            } else if (!seenIds.has(item.right.id)) {
              seenIds.add(item.right.id)
              videos.push(toRegionalVideo(item.right, region, position, fetchedAt))
            }
          }
          const next = page.nextPageToken
          if (next === undefined || page.items.length === 0) break
          if (seenTokens.has(next)) {
            yield* Effect.logWarning("the API sent a page token it had sent before; stopping this region's pages").pipe(
              Effect.annotateLogs({ region })
            )
            break
          }
          seenTokens.add(next)
          pageToken = next
        }
        const fetched: RegionFetch = { region, videos, malformed }
        return fetched
      },
      Effect.locallyWith(Headers.currentRedactedNames, (names) => [...names, API_KEY_HEADER])
    )

    return { fetchRegion } as const
  })
}) {}

/** Why a 2xx body is not a video list, without echoing a whole HTML page into the log. */
const describeBody = (body: string, error: Parameters<typeof describeParseError>[0]): string => {
  const start = body.trimStart().slice(0, 1)
  if (body.trim() === "") return "the body is empty"
  if (start !== "{" && start !== "[") return `the body is not JSON (it starts with ${JSON.stringify(body.trimStart().slice(0, 40))})`
  return describeParseError(error)
}

