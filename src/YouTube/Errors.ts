import { Data, Schema } from "effect"
import { RegionCode } from "../Domain/Region.js"
import { isRunStopping } from "../Domain/Run.js"

/**
 * Every way one region's fetch can fail. Each names the region, says what happened
 * in `message`, and what an operator can do about it in `hint`.
 */

/** What a request was for: a region (its charts, categories, look-ups), or the list of regions itself. */
export const Subject = Schema.Union(RegionCode, Schema.Literal("i18nRegions"))
export type Subject = typeof Subject.Type

/** 429, or 403 `rateLimitExceeded` / `userRateLimitExceeded`: retried, never sooner than `Retry-After`. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  region: Subject,
  status: Schema.Number,
  reason: Schema.String,
  /** What the server's `Retry-After` asked for, in milliseconds. */
  retryAfterMs: Schema.optional(Schema.Number)
}) {
  override get message() {
    const wait = this.retryAfterMs === undefined ? "" : `, Retry-After ${Math.ceil(this.retryAfterMs / 1000)}s`
    return `${this.region}: rate limited by the YouTube API (HTTP ${this.status} ${this.reason}${wait})`
  }
  get hint() {
    return "transient: the next run will try again; if it persists, fetch fewer regions at once (FETCH_CONCURRENCY)"
  }
}

/** The project's daily quota is spent: not retried, and the other regions are not requested. */
export class QuotaExceeded extends Schema.TaggedError<QuotaExceeded>()("QuotaExceeded", {
  region: Subject,
  status: Schema.Number,
  reason: Schema.String
}) {
  override get message() {
    return `${this.region}: the API key's daily quota is exhausted (HTTP ${this.status} ${this.reason})`
  }
  get hint() {
    return "quota resets at midnight Pacific time; lower MAX_RESULTS or REGIONS, or request more quota in the Google Cloud console"
  }
}

/** The key is wrong: not retried, and the other regions are not requested. */
export class InvalidApiKey extends Schema.TaggedError<InvalidApiKey>()("InvalidApiKey", {
  region: Subject,
  status: Schema.Number,
  reason: Schema.String
}) {
  override get message() {
    return `${this.region}: the YouTube API rejected the API key (HTTP ${this.status} ${this.reason})`
  }
  get hint() {
    return "check YOUTUBE_API_KEY (or the youtube-api-key credential): it must be a valid key of a Google Cloud project"
  }
}

/** The key is valid but may not call the API (API disabled, key restricted): not retried. */
export class AccessDenied extends Schema.TaggedError<AccessDenied>()("AccessDenied", {
  region: Subject,
  status: Schema.Number,
  reason: Schema.String
}) {
  override get message() {
    return `${this.region}: the YouTube API refused access (HTTP ${this.status} ${this.reason})`
  }
  get hint() {
    return "enable 'YouTube Data API v3' for the key's Google Cloud project and check the key's API restrictions"
  }
}

/** The region has no most-popular chart, or its code is not one YouTube knows. */
export class ChartUnavailable extends Schema.TaggedError<ChartUnavailable>()("ChartUnavailable", {
  region: Subject,
  status: Schema.Number,
  reason: Schema.String
}) {
  override get message() {
    return `${this.region}: YouTube has no trending chart for this region (HTTP ${this.status} ${this.reason})`
  }
  get hint() {
    return "remove the region from REGIONS"
  }
}

/** 5xx, a transport error or a timeout: retried with backoff, bounded. */
export class ApiUnavailable extends Schema.TaggedError<ApiUnavailable>()("ApiUnavailable", {
  region: Subject,
  /** The HTTP status, when there was a response. */
  status: Schema.optional(Schema.Number),
  detail: Schema.String
}) {
  override get message() {
    const status = this.status === undefined ? "" : ` (HTTP ${this.status})`
    return `${this.region}: the YouTube API is unavailable${status}: ${this.detail}`
  }
  get hint() {
    return "transient: the next run will try again; check the network if every region fails"
  }
}

/** Any other refusal (an unexpected 4xx): a bug on our side or a changed API, not retried. */
export class RequestRejected extends Schema.TaggedError<RequestRejected>()("RequestRejected", {
  region: Subject,
  status: Schema.Number,
  reason: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.region}: the YouTube API rejected the request (HTTP ${this.status} ${this.reason}): ${this.detail}`
  }
  get hint() {
    return "unexpected: please report it with this log line"
  }
}

/** The body was not the JSON `videos.list` sends (an HTML error page, a truncated body). */
export class DecodeFailed extends Schema.TaggedError<DecodeFailed>()("DecodeFailed", {
  region: Subject,
  detail: Schema.String
}) {
  override get message() {
    return `${this.region}: the YouTube API sent a response that is not a video list: ${this.detail}`
  }
  get hint() {
    return "transient if a proxy or captive portal answered; check YOUTUBE_API_BASE_URL otherwise"
  }
}

/** Not sent: the run's allowance is used, or every key has spent its quota for today. Costs nothing. */
export class BudgetSpent extends Schema.TaggedError<BudgetSpent>()("BudgetSpent", {
  region: Subject,
  detail: Schema.String
}) {
  override get message() {
    return `${this.region}: not sent: ${this.detail}`
  }
  get hint() {
    return "deferred to a later run; raise QUOTA_UNITS_PER_DAY only if the project's quota is higher, or add keys (YOUTUBE_API_KEYS)"
  }
}

export type YouTubeError =
  | RateLimited
  | QuotaExceeded
  | InvalidApiKey
  | AccessDenied
  | ChartUnavailable
  | ApiUnavailable
  | RequestRejected
  | DecodeFailed
  | BudgetSpent

export const isRetryable = (error: YouTubeError): boolean =>
  error._tag === "RateLimited" || error._tag === "ApiUnavailable"

/** Errors that every other region would hit too: once seen, the run requests nothing more. */
export const stopsTheRun = (error: YouTubeError): boolean => isRunStopping(error._tag)

/**
 * A region's fetch that failed, after `attempts` requests (retries included): the
 * outcome stores both. Never encoded, so plain data (no schema to build at start-up).
 */
export class FetchFailed extends Data.TaggedError("FetchFailed")<{
  readonly error: YouTubeError
  readonly attempts: number
}> {
  override get message() {
    return this.error.message
  }
}
