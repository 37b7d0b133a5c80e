import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Layer, Option, Redacted, TestClock } from "effect"
import { defaultRetryPolicy, YouTubeConfig, type YouTubeSettings, youTubeSettings } from "../src/Config.js"
import { googleError } from "../src/Demo/Faults.js"
import { CategoryId, VideoId } from "../src/Domain/Video.js"
import { apiKey } from "../src/Domain/Quota.js"
import { YouTube } from "../src/YouTube/Client.js"
import { makeGate, QuotaGate } from "../src/YouTube/Quota.js"
import { apiItem, page, region } from "./support/Fixtures.js"
import { json, respond, type ScriptedHttp, scriptedHttp } from "./support/ScriptedHttp.js"

const API_KEY = "AIzaSy-test-secret-key-0123456789"

const clientOn = (http: ScriptedHttp, overrides: Partial<YouTubeSettings> = {}) =>
  YouTube.pipe(
    Effect.provide(
      YouTube.Default.pipe(Layer.provide(Layer.merge(
        http.layer,
        Layer.succeed(
          YouTubeConfig,
          youTubeSettings({ apiKey: Redacted.make(API_KEY), baseUrl: "https://youtube.test/youtube/v3", ...overrides })
        )
      )))
    )
  )

const fetchWith = (http: ScriptedHttp, overrides: Partial<YouTubeSettings> = {}) =>
  Effect.flatMap(clientOn(http, overrides), (youtube) => youtube.fetchRegion(region("PL")))

/** What the region's fetch failed with, and after how many requests. */
const failureOf = (http: ScriptedHttp, overrides: Partial<YouTubeSettings> = {}) => Effect.flip(fetchWith(http, overrides))

describe("YouTube client", () => {
  it.effect("decodes the full record: every field kept, hidden counters absent (never 0), the largest thumbnail", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([
        json(200, page([
          apiItem("kQ8f3Lr2ZxA", {
            title: "Żółta Łódź – Księżyc 🌙",
            views: "1834211",
            snippet: { channelTitle: "Żółta Łódź", defaultLanguage: "pl", defaultAudioLanguage: "pl-PL" },
            statistics: { likeCount: undefined, commentCount: undefined }
          }),
          apiItem("abcdefghijk", {
            snippet: { tags: undefined, description: undefined },
            contentDetails: { duration: "P0D", caption: "true" },
            status: { madeForKids: true },
            statistics: { viewCount: undefined }
          })
        ]))
      ])
      const result = yield* fetchWith(http)
      expect(result.malformed).toBe(0)
      expect(result.videos.map((v) => v.videoId)).toEqual(["kQ8f3Lr2ZxA", "abcdefghijk"])
      const [first, second] = result.videos
      expect(first).toMatchObject({
        region: "PL",
        chart: "all",
        rank: 1,
        title: "Żółta Łódź – Księżyc 🌙",
        channelTitle: "Żółta Łódź",
        channelId: Option.some("UCabcdefghijklmnopqrstuv"),
        categoryId: Option.some("10"),
        tags: ["music", "live"],
        description: "Line one, with a comma.\nLine \"two\".",
        publishedAt: Option.some(new Date("2025-09-12T15:00:06Z")),
        durationSeconds: Option.some(221),
        definition: Option.some("hd"),
        caption: Option.some(false),
        licensedContent: Option.some(true),
        madeForKids: Option.some(false),
        liveBroadcastContent: Option.some("none"),
        thumbnailUrl: Option.some("https://i.ytimg.com/vi/kQ8f3Lr2ZxA/hqdefault.jpg"),
        viewCount: Option.some(1834211),
        // Hidden likes and disabled comments are no counts, not zero.
        likeCount: Option.none(),
        commentCount: Option.none(),
        language: Option.some("pl-PL")
      })
      expect(Object.keys(first!.thumbnails).sort()).toEqual(["default", "high", "medium"])
      expect(second).toMatchObject({
        tags: [],
        description: "",
        durationSeconds: Option.some(0),
        caption: Option.some(true),
        madeForKids: Option.some(true),
        viewCount: Option.none(),
        likeCount: Option.some(10),
        language: Option.none()
      })
    }))

  it.effect("reads ISO 8601 durations to seconds", () =>
    Effect.gen(function*() {
      const durations = { PT4M13S: 253, P1DT2H: 93600, PT1H: 3600, PT45S: 45, P0D: 0, PT0S: 0, P1W: 604800, "PT1M30.5S": 90 }
      const http = scriptedHttp([
        json(200, page(Object.keys(durations).map((duration, i) => apiItem(`v${i}`, { contentDetails: { duration } }))))
      ])
      const result = yield* fetchWith(http)
      expect(result.videos.map((v) => Option.getOrThrow(v.durationSeconds))).toEqual(Object.values(durations))
    }))

  it.effect("a malformed field costs its item only: a duration, a counter, a category id, tags", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([
        json(200, page([
          apiItem("ok1"),
          apiItem("duration", { contentDetails: { duration: "3:41" } }),
          apiItem("months", { contentDetails: { duration: "P1M" } }),
          apiItem("negative", { statistics: { likeCount: "-3" } }),
          apiItem("words", { statistics: { commentCount: "many" } }),
          apiItem("category", { snippet: { categoryId: "Music" } }),
          apiItem("tags", { snippet: { tags: ["fine", 42] } }),
          apiItem("ok2")
        ]))
      ])
      const result = yield* fetchWith(http)
      expect(result.malformed).toBe(6)
      expect(result.videos.map((v) => [v.videoId, v.rank])).toEqual([["ok1", 1], ["ok2", 8]])
    }))

  it.effect("sends the key in X-Goog-Api-Key and never in the URL", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([json(200, page([apiItem("a")]))])
      yield* fetchWith(http)
      const [{ printed, request, url }] = http.requests as [ScriptedHttp["requests"][0]]
      expect(request.headers["x-goog-api-key"]).toBe(API_KEY)
      expect(url.toString()).not.toContain(API_KEY)
      expect(url.searchParams.has("key")).toBe(false)
      expect(url.pathname).toBe("/youtube/v3/videos")
      expect(url.searchParams.get("chart")).toBe("mostPopular")
      expect(url.searchParams.get("part")).toBe("snippet,statistics,contentDetails,status")
      expect(url.searchParams.get("regionCode")).toBe("PL")
      expect(url.searchParams.get("maxResults")).toBe("25")
      // What a trace or log would print of the request hides the key.
      expect(printed).toContain("x-goog-api-key")
      expect(printed).not.toContain(API_KEY)
    }))

  it.effect("follows nextPageToken in pages of at most 50 up to MAX_RESULTS, ranks in API order", () =>
    Effect.gen(function*() {
      const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => apiItem(`v${from + i}`))
      const http = scriptedHttp([
        json(200, page(ids(1, 50), "P2")),
        json(200, page(ids(51, 50), "P3")),
        json(200, page(ids(101, 20), "P4"))
      ])
      const result = yield* fetchWith(http, { maxResults: 120 })
      expect(http.requests.map((r) => r.url.searchParams.get("maxResults"))).toEqual(["50", "50", "20"])
      expect(http.requests.map((r) => r.url.searchParams.get("pageToken"))).toEqual([null, "P2", "P3"])
      expect(result.videos).toHaveLength(120)
      expect(result.videos.map((v) => v.rank)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1))
    }))

  it.effect("a category's chart asks for videoCategoryId and labels its entries with the chart; the overall chart does not", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([json(200, page([apiItem("music00001a"), apiItem("music00002b")])), json(200, page([apiItem("all0000001a")]))])
      const youtube = yield* clientOn(http)
      const music = yield* youtube.fetchChart({ region: region("SE"), chart: CategoryId.make("10") })
      const overall = yield* youtube.fetchChart({ region: region("SE"), chart: "all" })
      expect(http.requests.map((r) => r.url.searchParams.get("videoCategoryId"))).toEqual(["10", null])
      expect(http.requests.map((r) => r.url.searchParams.get("regionCode"))).toEqual(["SE", "SE"])
      expect(music.videos.map((v) => [v.videoId, v.chart, v.rank])).toEqual([["music00001a", "10", 1], ["music00002b", "10", 2]])
      expect(overall.videos.map((v) => v.chart)).toEqual(["all"])
    }))

  it.effect("a look-up by id: the ids in one request, statistics only; hidden counters absent; what is not listed is missing, a malformed item is not", () =>
    Effect.gen(function*() {
      const statistics = (id: string, stats: object) => ({ kind: "youtube#video", etag: `e-${id}`, id, statistics: stats })
      const http = scriptedHttp([
        json(200, page([
          statistics("aaaaaaaaaaa", { viewCount: "5000", likeCount: "40", commentCount: "2" }),
          statistics("bbbbbbbbbbb", { viewCount: "70", favoriteCount: "0" }),
          statistics("ccccccccccc", { viewCount: "-3" })
        ]))
      ])
      const youtube = yield* clientOn(http)
      const ids = ["aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc", "ddddddddddd"].map((id) => VideoId.make(id))
      const answer = yield* youtube.lookUp(region("PL"), ids)
      const [request] = http.requests
      expect(request!.url.searchParams.get("id")).toBe(ids.join(","))
      expect(request!.url.searchParams.get("part")).toBe("statistics")
      expect(request!.url.searchParams.has("chart")).toBe(false)
      expect(request!.url.toString()).not.toContain(API_KEY)
      expect(answer.found.map((t) => [t.videoId, Option.getOrNull(t.viewCount), Option.getOrNull(t.likeCount), Option.getOrNull(t.commentCount)]))
        .toEqual([["aaaaaaaaaaa", 5000, 40, 2], ["bbbbbbbbbbb", 70, null, null]])
      // A negative count costs its item's observation; the video is listed, so it is not gone.
      expect(answer.missing).toEqual(["ddddddddddd"])
      expect(answer.attempts).toBe(1)
    }))

  it.effect("a look-up is retried like any other request, and fails with the API's error", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([respond(503, googleError(503, "backendError")), json(200, page([]))])
      const fiber = yield* Effect.fork(Effect.flatMap(clientOn(http), (youtube) => youtube.lookUp(region("PL"), [VideoId.make("aaaaaaaaaaa")])))
      yield* TestClock.adjust("30 seconds")
      const answer = yield* Fiber.join(fiber)
      expect(answer).toMatchObject({ found: [], missing: ["aaaaaaaaaaa"], attempts: 2 })
      const refused = scriptedHttp([respond(403, googleError(403, "quotaExceeded"))])
      const failure = yield* Effect.flip(Effect.flatMap(clientOn(refused), (youtube) => youtube.lookUp(region("PL"), [VideoId.make("aaaaaaaaaaa")])))
      expect(failure.error._tag).toBe("QuotaExceeded")
    }))

  it.effect("stops at the last page and at a page token it has seen before", () =>
    Effect.gen(function*() {
      const short = scriptedHttp([json(200, page([apiItem("a"), apiItem("b")]))])
      expect((yield* fetchWith(short, { maxResults: 200 })).videos).toHaveLength(2)
      expect(short.requests).toHaveLength(1)

      const loop = scriptedHttp([
        json(200, page([apiItem("a")], "SAME")),
        json(200, page([apiItem("b")], "SAME")),
        json(200, page([apiItem("c")], "SAME"))
      ])
      const looped = yield* fetchWith(loop, { maxResults: 200 })
      expect(loop.requests).toHaveLength(2)
      expect(looped.videos.map((v) => v.videoId)).toEqual(["a", "b"])
    }))

  it.effect("a malformed item costs only itself; duplicates within a region keep their first rank", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([
        json(200, page([
          apiItem("a"),
          { id: "nosnippet", statistics: { viewCount: "5" } },
          apiItem("b", { views: "12abc" }),
          { ...apiItem("c"), id: 42 },
          apiItem("a"),
          apiItem("d")
        ]))
      ])
      const result = yield* fetchWith(http)
      expect(result.malformed).toBe(3)
      expect(result.videos.map((v) => [v.videoId, v.rank])).toEqual([["a", 1], ["d", 6]])
    }))

  it.effect("a body that is not a video list fails the region with DecodeFailed", () =>
    Effect.gen(function*() {
      for (const body of ["<!DOCTYPE html><html><body>Sorry</body></html>", `{"kind":"youtube#videoListResponse","items":[{"id`, `{"kind":"x"}`, ""]) {
        const http = scriptedHttp([{ status: 200, body }])
        const { attempts, error } = yield* failureOf(http)
        expect(error._tag).toBe("DecodeFailed")
        expect(error.region).toBe("PL")
        expect(attempts).toBe(1)
        expect(http.requests).toHaveLength(1)
      }
    }))

  it.effect("a 429 with Retry-After: 30 is not retried before 30 s", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([
        respond(429, googleError(429, "rateLimitExceeded", "Too many requests", { status: "RESOURCE_EXHAUSTED" }), { "retry-after": "30" }),
        json(200, page([apiItem("a")]))
      ])
      const fiber = yield* Effect.fork(fetchWith(http))
      yield* TestClock.adjust("29 seconds")
      expect(http.requests).toHaveLength(1)
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(fiber)
      expect(http.requests).toHaveLength(2)
      expect(result.videos).toHaveLength(1)
    }))

  it.effect("Retry-After as an HTTP date is honoured too", () =>
    Effect.gen(function*() {
      const at = new Date(45_000).toUTCString() // TestClock starts at 0
      const http = scriptedHttp([
        respond(429, googleError(429, "rateLimitExceeded"), { "retry-after": at }),
        json(200, page([apiItem("a")]))
      ])
      const fiber = yield* Effect.fork(fetchWith(http))
      yield* TestClock.adjust("44 seconds")
      expect(http.requests).toHaveLength(1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(http.requests).toHaveLength(2)
    }))

  it.effect("a Retry-After beyond what we wait for fails the region at once", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([respond(429, googleError(429, "rateLimitExceeded"), { "retry-after": "86400" })])
      const { error } = yield* failureOf(http)
      expect(error._tag).toBe("RateLimited")
      expect(http.requests).toHaveLength(1)
    }))

  it.effect("5xx is retried with backoff and given up after a bounded number of attempts", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([], () => respond(503, googleError(503, "backendError", "Backend Error")))
      const fiber = yield* Effect.fork(Effect.exit(fetchWith(http)))
      yield* TestClock.adjust("10 minutes")
      const exit = yield* Fiber.join(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      const { attempts, error } = yield* Effect.flip(exit)
      expect(error._tag).toBe("ApiUnavailable")
      expect(attempts).toBe(defaultRetryPolicy.maxRetries + 1)
      expect(http.requests).toHaveLength(defaultRetryPolicy.maxRetries + 1)
    }))

  it.effect("backoff grows: the first retry waits at least 0.4 s, and a transport error is retried", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([{ transportError: "ECONNRESET" }, json(200, page([apiItem("a")]))])
      const fiber = yield* Effect.fork(fetchWith(http))
      yield* TestClock.adjust("390 millis")
      expect(http.requests).toHaveLength(1)
      yield* TestClock.adjust("2 seconds")
      expect((yield* Fiber.join(fiber)).videos).toHaveLength(1)
      expect(http.requests).toHaveLength(2)
    }))

  it.effect("a request that never answers times out, and is retried", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([{ hang: true }, json(200, page([apiItem("a")]))])
      const fiber = yield* Effect.fork(fetchWith(http, { requestTimeout: Duration.seconds(10) }))
      yield* TestClock.adjust("9 seconds")
      expect(http.requests).toHaveLength(1)
      yield* TestClock.adjust("5 seconds")
      expect((yield* Fiber.join(fiber)).videos).toHaveLength(1)
    }))

  it.effect("quota, key and chart errors are not retried", () =>
    Effect.gen(function*() {
      const cases = [
        [respond(403, googleError(403, "quotaExceeded")), "QuotaExceeded"],
        [
          json(400, {
            error: {
              code: 400,
              message: "API key not valid. Please pass a valid API key.",
              errors: [{ message: "API key not valid.", domain: "global", reason: "badRequest" }],
              status: "INVALID_ARGUMENT",
              details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }]
            }
          }),
          "InvalidApiKey"
        ],
        [respond(404, googleError(404, "videoChartNotFound")), "ChartUnavailable"],
        [respond(403, googleError(403, "accessNotConfigured")), "AccessDenied"]
      ] as const
      for (const [response, tag] of cases) {
        const http = scriptedHttp([response])
        const { error } = yield* failureOf(http)
        expect(error._tag).toBe(tag)
        expect(http.requests).toHaveLength(1)
        expect(error.message).toContain("PL")
        expect(error.message).not.toContain(API_KEY)
      }
    }))

  it.effect("counts every request of a region, retries and pages included, whether it succeeds or fails", () =>
    Effect.gen(function*() {
      const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => apiItem(`v${from + i}`))
      const rateLimited = respond(429, googleError(429, "rateLimitExceeded"), { "retry-after": "1" })
      const ok = scriptedHttp([rateLimited, json(200, page(ids(1, 50), "P2")), json(200, page(ids(51, 10)))])
      const fetching = yield* Effect.fork(fetchWith(ok, { maxResults: 60 }))
      yield* TestClock.adjust("2 seconds")
      const fetched = yield* Fiber.join(fetching)
      expect([fetched.videos.length, fetched.attempts]).toEqual([60, 3])

      const lateFailure = scriptedHttp([json(200, page(ids(1, 50), "P2")), respond(403, googleError(403, "quotaExceeded"))])
      const failed = yield* failureOf(lateFailure, { maxResults: 60 })
      expect([failed.error._tag, failed.attempts]).toEqual(["QuotaExceeded", 2])
    }))

  it.effect("fetches a region's categories: id, title as the region has it, assignable; a malformed one costs itself", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([
        json(200, {
          kind: "youtube#videoCategoryListResponse",
          items: [
            { id: "10", snippet: { title: "Musik", assignable: true, channelId: "UC" } },
            { id: "18", snippet: { title: "Kurzfilme", assignable: false } },
            { id: "Music", snippet: { title: "not an id", assignable: true } },
            { id: "44", snippet: { title: "Trailer" } }
          ]
        })
      ])
      const categories = yield* Effect.flatMap(clientOn(http), (youtube) => youtube.fetchCategories(region("AT")))
      expect(categories.map((c) => [c.region, c.categoryId, c.title, c.assignable])).toEqual([
        ["AT", "10", "Musik", true],
        ["AT", "18", "Kurzfilme", false],
        ["AT", "44", "Trailer", false]
      ])
      const [{ url }] = http.requests as [ScriptedHttp["requests"][0]]
      expect(url.pathname).toBe("/youtube/v3/videoCategories")
      expect(Object.fromEntries(url.searchParams)).toEqual({ part: "snippet", regionCode: "AT" })
    }))

  it.effect("a categories request is retried like any other, and fails with the API's error", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([], () => respond(503, googleError(503, "backendError")))
      const fiber = yield* Effect.fork(Effect.flip(Effect.flatMap(clientOn(http), (youtube) => youtube.fetchCategories(region("AT")))))
      yield* TestClock.adjust("10 minutes")
      const failed = yield* Fiber.join(fiber)
      expect([failed.error._tag, failed.attempts]).toEqual(["ApiUnavailable", defaultRetryPolicy.maxRetries + 1])
    }))

  describe("keys and the run's budget", () => {
    const first = apiKey(Redacted.make("AIza-first-key-000"))
    const second = apiKey(Redacted.make("AIza-second-key-00"))
    const keysUsed = (http: ScriptedHttp) => http.requests.map((r) => r.request.headers["x-goog-api-key"])

    it.effect("a key that answers quotaExceeded is retired: that request and the rest of the run go to the next key", () =>
      Effect.gen(function*() {
        const http = scriptedHttp([respond(403, googleError(403, "quotaExceeded")), json(200, page([apiItem("a")])), json(200, page([apiItem("b")]))])
        const youtube = yield* clientOn(http, { apiKeys: [first, second] })
        const gate = yield* makeGate([{ key: first, left: 100 }, { key: second, left: 100 }], 100)
        const [pl, se] = yield* Effect.provideService(
          Effect.all([youtube.fetchRegion(region("PL")), youtube.fetchRegion(region("SE"))]),
          QuotaGate,
          gate
        )
        expect([pl.videos.length, se.videos.length]).toEqual([1, 1])
        expect(keysUsed(http)).toEqual(["AIza-first-key-000", "AIza-second-key-00", "AIza-second-key-00"])
        // The refused request cost its unit too, as YouTube counts it.
        expect(yield* gate.taken).toEqual([{ keyId: first.id, units: 1 }, { keyId: second.id, units: 2 }])
        expect(yield* gate.retired).toEqual([first.id])
      }))

    it.effect("a rejected key moves to the next as well; with every key spent the region fails with the API's error", () =>
      Effect.gen(function*() {
        const rejected = json(400, {
          error: { code: 400, message: "API key not valid.", errors: [{ message: "API key not valid.", domain: "global", reason: "badRequest" }], details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }] }
        })
        const http = scriptedHttp([rejected, respond(403, googleError(403, "quotaExceeded"))])
        const { error } = yield* Effect.flip(
          Effect.flatMap(clientOn(http, { apiKeys: [first, second] }), (youtube) => youtube.fetchRegion(region("PL")))
        )
        expect(error._tag).toBe("QuotaExceeded")
        expect(keysUsed(http)).toEqual(["AIza-first-key-000", "AIza-second-key-00"])
      }))

    it.effect("a request the run's allowance does not cover is not sent; nor is a retry, and the unit fails as its last attempt did", () =>
      Effect.gen(function*() {
        const http = scriptedHttp([json(200, page([apiItem("a")])), respond(503, googleError(503, "backendError"))])
        const youtube = yield* clientOn(http)
        const gate = yield* makeGate([{ key: first, left: 100 }], 2)
        const withGate = <A, E>(effect: Effect.Effect<A, E>) => Effect.provideService(effect, QuotaGate, gate)
        yield* withGate(youtube.fetchRegion(region("PL")))
        // The second request is answered 503: retryable, but its retry would be the third unit.
        const failing = yield* Effect.fork(Effect.flip(withGate(youtube.fetchRegion(region("SE")))))
        yield* TestClock.adjust("30 seconds")
        const failed = yield* Fiber.join(failing)
        expect([failed.error._tag, failed.attempts]).toEqual(["ApiUnavailable", 1])
        const notSent = yield* Effect.flip(withGate(youtube.fetchRegion(region("NO"))))
        expect([notSent.error._tag, notSent.attempts]).toEqual(["BudgetSpent", 0])
        expect(notSent.error.message).toBe("NO: not sent: the run's allowance of 2 units is used")
        expect(http.requests).toHaveLength(2)
      }))

    it.effect("a key's own budget: spent, the next key takes over without asking YouTube", () =>
      Effect.gen(function*() {
        const http = scriptedHttp([json(200, page([apiItem("a")])), json(200, page([apiItem("b")]))])
        const youtube = yield* clientOn(http, { apiKeys: [first, second] })
        const gate = yield* makeGate([{ key: first, left: 1 }, { key: second, left: 5 }], 10)
        yield* Effect.provideService(Effect.all([youtube.fetchRegion(region("PL")), youtube.fetchRegion(region("SE"))]), QuotaGate, gate)
        expect(keysUsed(http)).toEqual(["AIza-first-key-000", "AIza-second-key-00"])
      }))
  })
})
