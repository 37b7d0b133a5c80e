import { Headers, HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Chunk, Clock, Duration, Effect, Either, flow, Redacted, Ref, Schedule, Stream } from "effect"
import { type RetryPolicy, YouTubeConfig } from "../Config.js"
import type { RegionalVideo } from "../Domain.js"
import type { RegionCode } from "../Region.js"
import { classifyErrorResponse, decodeItem, decodePage, describeParseError, toRegionalVideo, type VideoListPage } from "./Api.js"
import { ApiUnavailable, DecodeFailed, isRetryable, type YouTubeError } from "./Errors.js"

/** The YouTube Data API wants at most 50 items a page. */
const PAGE_SIZE = 50
const API_KEY_HEADER = "x-goog-api-key"
/**
 * A page of 50 videos with every field at its longest (5,000-character descriptions,
 * tags, localizations) is well under 2 MB. A bigger body is not a video list, and is
 * not read further: a misbehaving proxy cannot make a run buffer without bound.
 */
export const MAX_BODY_BYTES = 4 * 1024 * 1024

const tooLarge = (region: RegionCode, how: string) =>
  new DecodeFailed({
    region,
    detail: `the body is larger than the ${MAX_BODY_BYTES / 1024 / 1024} MB a page of videos can be (${how}); not read further`
  })

/** The body as text, or `DecodeFailed` as soon as it passes `MAX_BODY_BYTES`. */
const readBody = (region: RegionCode, response: HttpClientResponse.HttpClientResponse) => {
  const declared = Number(response.headers["content-length"])
  if (declared > MAX_BODY_BYTES) return Effect.fail(tooLarge(region, `Content-Length: ${declared}`))
  return response.stream.pipe(
    Stream.runFoldEffect({ chunks: Chunk.empty<Uint8Array>(), bytes: 0 }, (read, chunk) => {
      const bytes = read.bytes + chunk.length
      return bytes > MAX_BODY_BYTES
        ? Effect.fail(tooLarge(region, `stopped after ${bytes} bytes`))
        : Effect.succeed({ chunks: Chunk.append(read.chunks, chunk), bytes })
    }),
    Effect.map(({ chunks }) => Buffer.concat(Chunk.toReadonlyArray(chunks)).toString("utf8"))
  )
}

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
          Effect.flatMap(readBody(region, response), (body): Effect.Effect<VideoListPage, YouTubeError> => {
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
          RequestError: (e) => Effect.fail(new ApiUnavailable({ region, detail: describeTransportError(e.cause ?? e.message) })),
          ResponseError: (e) =>
            Effect.fail(new ApiUnavailable({ region, status: e.response.status, detail: `reading the body: ${describeTransportError(e.cause ?? e.message)}` }))
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
            Effect.retry(schedule),
            Effect.tapError((error) => {
              const asked = retryAfterOf(error)
              return Duration.greaterThan(asked, config.retry.maxRetryAfter)
                ? Effect.logWarning(
                  `the API asked to wait ${Duration.format(asked)} before retrying, longer than the ` +
                    `${Duration.format(config.retry.maxRetryAfter)} a run waits: not retried, the next run tries again`
                ).pipe(Effect.annotateLogs({ region }))
                : Effect.void
            })
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
        if (position === 0) {
          yield* Effect.logWarning("the API sent an empty chart for this region; nothing to store from it").pipe(
            Effect.annotateLogs({ region })
          )
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


const TRANSPORT_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed while sending",
  ETIMEDOUT: "connection timed out",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed (temporarily)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_SOCKET: "the connection closed before the response was complete",
  UND_ERR_CONNECT_TIMEOUT: "connecting timed out"
}

/**
 * `fetch` reports every network failure as "TypeError: fetch failed" and keeps the
 * reason in its `cause` chain: the operator wants "connection refused (ECONNREFUSED
 * 127.0.0.1:443)", not the wrapper.
 */
export const describeTransportError = (error: unknown): string => {
  let deepest: unknown = error
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) deepest = e
  const root = deepest as { code?: unknown; message?: unknown }
  const code = typeof root.code === "string" ? root.code : undefined
  const message = typeof root.message === "string" && root.message !== "" ? root.message : String(deepest)
  if (code === undefined) return message
  const words = TRANSPORT_CODES[code]
  return words === undefined ? `${message} (${code})` : `${words} (${message})`
}
