/**
 * The faults the simulated API can script, one request at a time: the error bodies
 * Google sends, and the ways a connection or a body goes wrong.
 */

/** What the server does instead of answering normally, once per request, in order. */
export type Fault =
  | { readonly _tag: "Respond"; readonly status: number; readonly body: string; readonly headers?: Record<string, string> }
  /** Accepts the request and never answers. */
  | { readonly _tag: "Hang" }
  /** Sends the headers and half a body, then resets the connection. */
  | { readonly _tag: "Reset" }
  /** Streams a valid page padded to more than `bytes`. */
  | { readonly _tag: "Huge"; readonly bytes: number }

/**
 * A Google API error body, as videos.list sends it (shared/youtube-api.md):
 * `{"error":{"code","message","errors":[{"message","domain","reason"}], …extra}}`.
 */
export const googleError = (
  status: number,
  reasons: string | ReadonlyArray<string>,
  message = "error",
  extra: Record<string, unknown> = {}
) =>
  JSON.stringify({
    error: {
      code: status,
      message,
      errors: (typeof reasons === "string" ? [reasons] : reasons).map((reason) => ({ message, domain: "youtube", reason })),
      ...extra
    }
  })

export const INVALID_KEY_BODY = googleError(400, "badRequest", "API key not valid. Please pass a valid API key.", {
  status: "INVALID_ARGUMENT",
  details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" }]
})

const QUOTA_MESSAGE = `The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.`

/**
 * What YouTube answers (403) once a key's daily quota is spent: domain `youtube.quota`,
 * and the message's markup escaped as Google's JSON escapes it (`\u003c`).
 */
export const QUOTA_EXCEEDED_BODY = JSON.stringify({
  error: {
    code: 403,
    message: QUOTA_MESSAGE,
    errors: [{ message: QUOTA_MESSAGE, domain: "youtube.quota", reason: "quotaExceeded" }]
  }
}).replace(/</g, "\\u003c").replace(/>/g, "\\u003e")

export const Faults = {
  respond: (status: number, body: string, headers?: Record<string, string>): Fault =>
    headers === undefined ? { _tag: "Respond", status, body } : { _tag: "Respond", status, body, headers },
  /** 429 with `Retry-After` in seconds or as an HTTP date. */
  rateLimited: (retryAfter?: string): Fault =>
    Faults.respond(
      429,
      googleError(429, "rateLimitExceeded", "Too many requests.", { status: "RESOURCE_EXHAUSTED" }),
      retryAfter === undefined ? undefined : { "retry-after": retryAfter }
    ),
  userRateLimited: (): Fault => Faults.respond(403, googleError(403, "userRateLimitExceeded", "User rate limit exceeded.")),
  /** 403 `rateLimitExceeded`, the older form of a rate limit. */
  rateLimitedForbidden: (): Fault => Faults.respond(403, googleError(403, "rateLimitExceeded", "Rate Limit Exceeded")),
  /** A 429 that is really the daily quota, as Google's newer front ends send it (no `Retry-After`). */
  dailyQuota429: (): Fault =>
    Faults.respond(
      429,
      googleError(
        429,
        "rateLimitExceeded",
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per day' of service 'youtube.googleapis.com'.",
        {
          status: "RESOURCE_EXHAUSTED",
          details: [{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: "RATE_LIMIT_EXCEEDED",
            domain: "googleapis.com",
            metadata: { quota_limit: "defaultPerDayPerProject", service: "youtube.googleapis.com" }
          }]
        }
      )
    ),
  quotaExceeded: (): Fault =>
    Faults.respond(
      403,
      googleError(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.")
    ),
  backendError: (status = 503): Fault => Faults.respond(status, googleError(status, "backendError", "Backend Error")),
  invalidKey: (): Fault => Faults.respond(400, INVALID_KEY_BODY),
  /** The older form of an invalid key: 400 with `errors[].reason: keyInvalid`. */
  invalidKeyLegacy: (): Fault =>
    Faults.respond(400, JSON.stringify({
      error: { code: 400, message: "Bad Request", errors: [{ domain: "usageLimits", reason: "keyInvalid", message: "Bad Request" }] }
    })),
  chartNotFound: (): Fault =>
    Faults.respond(404, googleError(404, "videoChartNotFound", "The requested video chart is not supported or is not available.")),
  html: (): Fault =>
    Faults.respond(200, "<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>", {
      "content-type": "text/html"
    }),
  truncated: (): Fault => Faults.respond(200, `{"kind":"youtube#videoListResponse","items":[{"kind":"youtube#vid`),
  /** A well-formed page padded past `bytes` (a proxy gone wrong), sent in chunks without a Content-Length. */
  huge: (bytes: number): Fault => ({ _tag: "Huge", bytes }),
  /** A 200 page with exactly these items and this `nextPageToken`. */
  page: (items: ReadonlyArray<unknown>, nextPageToken?: string): Fault =>
    Faults.respond(
      200,
      JSON.stringify({ kind: "youtube#videoListResponse", items, ...(nextPageToken === undefined ? {} : { nextPageToken }) })
    ),
  hang: (): Fault => ({ _tag: "Hang" }),
  reset: (): Fault => ({ _tag: "Reset" })
} as const
