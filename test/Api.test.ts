import { describe, expect, it } from "@effect/vitest"
import { Duration, Option } from "effect"
import { googleError } from "../src/Demo/Faults.js"
import { classifyErrorResponse, parseRetryAfter } from "../src/YouTube/Api.js"
import { region } from "./support/Fixtures.js"

const body = (code: number, reasons: ReadonlyArray<string>, extra: Record<string, unknown> = {}, message = "error") =>
  googleError(code, reasons, message, extra)

const classify = (status: number, responseBody: string, retryAfter?: string) =>
  classifyErrorResponse({ region: region("SE"), status, body: responseBody, retryAfter, nowMs: 1_000_000 })

describe("classifyErrorResponse (youtube-api.md's error table)", () => {
  it.each([
    ["backendError 500", 500, body(500, ["backendError"]), "ApiUnavailable"],
    ["502 with an HTML body", 502, "<html>Bad Gateway</html>", "ApiUnavailable"],
    ["backendError 503", 503, body(503, ["backendError"]), "ApiUnavailable"],
    ["504", 504, body(504, ["backendError"]), "ApiUnavailable"],
    ["403 rateLimitExceeded", 403, body(403, ["rateLimitExceeded"]), "RateLimited"],
    ["403 userRateLimitExceeded", 403, body(403, ["userRateLimitExceeded"]), "RateLimited"],
    ["429 RESOURCE_EXHAUSTED", 429, body(429, [], { status: "RESOURCE_EXHAUSTED" }), "RateLimited"],
    ["429 with no body", 429, "", "RateLimited"],
    ["403 quotaExceeded", 403, body(403, ["quotaExceeded"]), "QuotaExceeded"],
    ["403 dailyLimitExceeded", 403, body(403, ["dailyLimitExceeded"]), "QuotaExceeded"],
    [
      "429 whose message says per day",
      429,
      body(429, ["rateLimitExceeded"], {}, "Quota exceeded for quota metric 'Queries' and limit 'Queries per day'"),
      "QuotaExceeded"
    ],
    [
      "429 whose quota_limit metadata says per day",
      429,
      body(429, [], {
        status: "RESOURCE_EXHAUSTED",
        details: [{ reason: "RATE_LIMIT_EXCEEDED", metadata: { quota_limit: "defaultPerDayPerProject" } }]
      }),
      "QuotaExceeded"
    ],
    [
      "400 badRequest + API_KEY_INVALID",
      400,
      body(400, ["badRequest"], { status: "INVALID_ARGUMENT", details: [{ reason: "API_KEY_INVALID" }] }),
      "InvalidApiKey"
    ],
    ["400 keyInvalid", 400, body(400, ["keyInvalid"]), "InvalidApiKey"],
    ["403 forbidden (missing key)", 403, body(403, ["forbidden"], { status: "PERMISSION_DENIED" }), "AccessDenied"],
    ["403 accessNotConfigured", 403, body(403, ["accessNotConfigured"]), "AccessDenied"],
    ["400 videoChartNotFound", 400, body(400, ["videoChartNotFound"]), "ChartUnavailable"],
    ["404 videoChartNotFound", 404, body(404, ["videoChartNotFound"]), "ChartUnavailable"],
    ["400 invalidRegionCode", 400, body(400, ["invalidRegionCode"]), "ChartUnavailable"],
    ["400 something else", 400, body(400, ["invalidParameter"]), "RequestRejected"]
  ])("%s → %s", (_name, status, responseBody, tag) => {
    const error = classify(status, responseBody)
    expect(error._tag).toBe(tag)
    expect(error.region).toBe("SE")
  })

  it("keeps Retry-After on a rate limit", () => {
    const seconds = classify(429, body(429, ["rateLimitExceeded"]), "30")
    expect(seconds._tag === "RateLimited" && seconds.retryAfterMs).toBe(30_000)
    const date = classify(429, body(429, ["rateLimitExceeded"]), new Date(1_000_000 + 90_000).toUTCString())
    expect(date._tag === "RateLimited" && date.retryAfterMs).toBe(90_000)
  })

  it("parses Retry-After as seconds or an HTTP date, and ignores nonsense", () => {
    expect(parseRetryAfter("120", 0)).toEqual(Option.some(Duration.seconds(120)))
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:01:00 GMT", 30_000)).toEqual(Option.some(Duration.millis(30_000)))
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 30_000)).toEqual(Option.some(Duration.zero))
    expect(parseRetryAfter("soon", 0)).toEqual(Option.none())
    expect(parseRetryAfter(undefined, 0)).toEqual(Option.none())
  })
})
