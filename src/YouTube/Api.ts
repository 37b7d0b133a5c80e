import { Duration, Option, ParseResult, Schema } from "effect"
import {
  AccessDenied,
  ApiUnavailable,
  ChartUnavailable,
  InvalidApiKey,
  QuotaExceeded,
  RateLimited,
  RequestRejected,
  type Subject,
  type YouTubeError
} from "./Errors.js"

/** A page whose items are decoded one by one, so one bad item costs only itself. */
export const VideoListPage = Schema.Struct({
  items: Schema.Array(Schema.Unknown),
  nextPageToken: Schema.optional(Schema.String)
})
export type VideoListPage = typeof VideoListPage.Type

const PageJson = Schema.parseJson(VideoListPage)

/** Compiled on first use (Schema keeps it), after the first request rather than before it. */
export const decodePage = (body: string) => Schema.decodeUnknownEither(PageJson)(body)

/** A readable one-line account of why a value did not decode: its first problem. */
export const describeParseError = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .slice(0, 1)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ")

// ---------------------------------------------------------------------------
// Errors: {"error":{"code","message","errors":[{"reason","domain"}],"status","details":[{"reason","metadata"}]}}

const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    message: Schema.optionalWith(Schema.String, { default: () => "" }),
    status: Schema.optional(Schema.String),
    errors: Schema.optionalWith(
      Schema.Array(Schema.Struct({ reason: Schema.optional(Schema.String), message: Schema.optional(Schema.String) })),
      { default: () => [] }
    ),
    details: Schema.optionalWith(
      Schema.Array(
        Schema.Struct({
          reason: Schema.optional(Schema.String),
          metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
        })
      ),
      { default: () => [] }
    )
  })
})
type ErrorBody = typeof ErrorBody.Type

const ErrorJson = Schema.parseJson(ErrorBody)
const decodeErrorBody = (body: string) => Schema.decodeUnknownOption(ErrorJson)(body)

const QUOTA_REASONS = new Set(["quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"])
const KEY_REASONS = new Set(["API_KEY_INVALID", "keyInvalid", "keyExpired", "API_KEY_EXPIRED", "authError"])
const RATE_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"])
const ACCESS_REASONS = new Set([
  "forbidden",
  "accessNotConfigured",
  "SERVICE_DISABLED",
  "API_KEY_SERVICE_BLOCKED",
  "API_KEY_HTTP_REFERRER_BLOCKED",
  "API_KEY_IP_ADDRESS_BLOCKED",
  "API_KEY_ANDROID_APP_BLOCKED",
  "API_KEY_IOS_APP_BLOCKED",
  "ipRefererBlocked",
  "CONSUMER_INVALID"
])
const CHART_REASONS = new Set(["videoChartNotFound", "invalidRegionCode", "regionCodeInvalid"])

/** A 429 that is really the daily quota says so in its message or its quota metadata. */
const saysPerDay = (body: ErrorBody): boolean =>
  /per\s*day/i.test(body.error.message) ||
  body.error.details.some((d) =>
    Object.values(d.metadata ?? {}).some((v) => typeof v === "string" && /per\s*day|perday/i.test(v))
  )

/** `Retry-After` is either seconds or an HTTP date. */
export const parseRetryAfter = (value: string | undefined, nowMs: number): Option.Option<Duration.Duration> => {
  if (value === undefined) return Option.none()
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Option.some(Duration.seconds(Number(trimmed)))
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? Option.none() : Option.some(Duration.millis(Math.max(0, at - nowMs)))
}

export interface ErrorResponse {
  readonly region: Subject
  readonly status: number
  readonly body: string
  readonly retryAfter: string | undefined
  readonly nowMs: number
}

/** Maps a non-2xx response to the error a caller can act on. */
export const classifyErrorResponse = ({ body, nowMs, region, retryAfter, status }: ErrorResponse): YouTubeError => {
  const parsed = decodeErrorBody(body)
  const reasons = Option.match(parsed, {
    onNone: () => [] as Array<string>,
    onSome: (b) =>
      [...b.error.errors.map((e) => e.reason), ...b.error.details.map((d) => d.reason), b.error.status].filter(
        (r): r is string => r !== undefined
      )
  })
  const has = (set: ReadonlySet<string>) => reasons.find((r) => set.has(r))
  const message = Option.match(parsed, { onNone: () => body.slice(0, 200), onSome: (b) => b.error.message })
  const reason = reasons[0] ?? `HTTP ${status}`

  const quota = has(QUOTA_REASONS)
  if (quota !== undefined) return new QuotaExceeded({ region, status, reason: quota })
  const key = has(KEY_REASONS)
  if (key !== undefined || status === 401) return new InvalidApiKey({ region, status, reason: key ?? reason })
  const rate = has(RATE_REASONS)
  if (rate !== undefined || status === 429 || reasons.includes("RESOURCE_EXHAUSTED")) {
    if (Option.exists(parsed, saysPerDay)) {
      return new QuotaExceeded({ region, status, reason: rate ?? "RESOURCE_EXHAUSTED (per day)" })
    }
    const wait = parseRetryAfter(retryAfter, nowMs)
    return new RateLimited({
      region,
      status,
      reason: rate ?? reason,
      ...(Option.isSome(wait) ? { retryAfterMs: Duration.toMillis(wait.value) } : {})
    })
  }
  const chart = has(CHART_REASONS)
  if (chart !== undefined || status === 404) return new ChartUnavailable({ region, status, reason: chart ?? reason })
  if (status >= 500 || status === 408) return new ApiUnavailable({ region, status, detail: message || reason })
  const access = has(ACCESS_REASONS)
  if (access !== undefined || status === 403) return new AccessDenied({ region, status, reason: access ?? reason })
  return new RequestRejected({ region, status, reason, detail: message })
}
