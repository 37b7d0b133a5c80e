import type { HttpClient } from "@effect/platform"
import { Clock, Duration, Effect, Either, Redacted } from "effect"
import type { ApiKey } from "../Domain/Quota.js"
import type { RegionCode } from "../Domain/Region.js"
import type { SentPage } from "../Domain/SentPage.js"
import type { ChartId, RegionalVideo, TrackedCounters, VideoId } from "../Domain/Video.js"
import { classifyErrorResponse, decodePage, type VideoListPage } from "./Api.js"
import { describeBody, describeTransportError, readBody } from "./Body.js"
import { ApiUnavailable, DecodeFailed, type Subject, type YouTubeError } from "./Errors.js"

export const API_KEY_HEADER = "x-goog-api-key"

export interface ChartFetch {
  readonly region: RegionCode
  readonly chart: ChartId
  /** In chart order, one per video id. */
  readonly videos: ReadonlyArray<RegionalVideo>
  /**
   * The pages the videos were read from, as sent: what the spool keeps. The client always
   * gives them; a host's own client may not, and the spool then keeps the videos.
   */
  readonly sent?: ReadonlyArray<SentPage> | undefined
  /** Items that could not be decoded, and were left out. */
  readonly malformed: number
  /** HTTP requests made, retries included. */
  readonly attempts: number
}

/** A look-up by id, answered. */
export interface LookUpAnswer {
  readonly found: ReadonlyArray<TrackedCounters>
  /** Asked for, not listed: deleted or private. */
  readonly missing: ReadonlyArray<VideoId>
  readonly observedAt: Date
  /** HTTP requests made, retries included. */
  readonly attempts: number
}

/** One request to a list endpoint, for `region`, with `key`. */
export interface ListRequest {
  readonly region: Subject
  readonly path: string
  readonly urlParams: Record<string, string | number>
  readonly key: ApiKey
}

/** A list endpoint's answer: decoded, and its body as it came. */
export interface ListAnswer {
  readonly page: VideoListPage
  readonly body: Uint8Array
}

/**
 * One request sent, once: its body decoded as a list, or the error the API's answer (or
 * its silence past `timeout`) means. The key travels in a header, never in the URL, so
 * access logs and traces do not see it.
 */
export const sendList = (
  client: HttpClient.HttpClient,
  timeout: Duration.Duration,
  { key, path, region, urlParams }: ListRequest
): Effect.Effect<ListAnswer, YouTubeError> =>
  client.get(path, { urlParams, headers: { [API_KEY_HEADER]: Redacted.value(key.value) } }).pipe(
    Effect.flatMap((response) =>
      Effect.flatMap(readBody(region, response), (body): Effect.Effect<ListAnswer, YouTubeError> => {
        const text = body.toString("utf8")
        return response.status >= 200 && response.status < 300
          ? Either.match(decodePage(text), {
            onLeft: (error) => Effect.fail(new DecodeFailed({ region, detail: describeBody(text, error) })),
            onRight: (page) => Effect.succeed({ page, body })
          })
          : Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
            Effect.fail(classifyErrorResponse({
              region,
              status: response.status,
              body: text,
              retryAfter: response.headers["retry-after"],
              nowMs
            })))
      })
    ),
    Effect.catchTags({
      RequestError: (e) => Effect.fail(new ApiUnavailable({ region, detail: describeTransportError(e.cause ?? e.message) })),
      ResponseError: (e) =>
        Effect.fail(
          new ApiUnavailable({
            region,
            status: e.response.status,
            detail: `reading the body: ${describeTransportError(e.cause ?? e.message)}`
          })
        )
    }),
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => new ApiUnavailable({ region, detail: `no complete answer within ${Duration.format(timeout)}` })
    })
  )
