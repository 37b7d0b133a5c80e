import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Redacted } from "effect"
import { YouTubeConfig, youTubeSettings } from "../src/Config.js"
import { Faults } from "../src/Demo/Faults.js"
import { YOUTUBE_REGIONS } from "../src/Demo/Regions.js"
import { makeSimulatedApi, type SimulatedApi } from "../src/Demo/SimulatedApi.js"
import { apiKey } from "../src/Domain/Quota.js"
import { DEFAULT_REGIONS, ISO_REGION_CODES } from "../src/Domain/Region.js"
import { classifyErrorResponse, decodePage } from "../src/YouTube/Api.js"
import { YouTube } from "../src/YouTube/Client.js"
import { decodeItem } from "../src/YouTube/Item.js"
import { region } from "./support/Fixtures.js"

/**
 * The simulated API counts units per key as YouTube does, answers a spent key with the
 * real `quotaExceeded`, accepts several keys, and serves `i18nRegions.list` and the
 * charts of every region it lists.
 */

const KEY_A = "AIzaSy-simulated-key-A"
const KEY_B = "AIzaSy-simulated-key-B"

interface Answer {
  readonly status: number
  readonly body: string
  readonly retryAfter: string | undefined
}

const get = (api: SimulatedApi, path: string, key?: string) =>
  Effect.promise(async (): Promise<Answer> => {
    const response = await fetch(`${api.baseUrl}${path}`, { headers: key === undefined ? {} : { "x-goog-api-key": key } })
    return { status: response.status, body: await response.text(), retryAfter: response.headers.get("retry-after") ?? undefined }
  })

const chart = (regionCode: string, extra = "") => `/videos?part=snippet,statistics&chart=mostPopular&regionCode=${regionCode}&maxResults=50${extra}`

const classify = (answer: Answer) =>
  classifyErrorResponse({ region: region("US"), status: answer.status, body: answer.body, retryAfter: answer.retryAfter, nowMs: Date.now() })

const units = (api: SimulatedApi) => Object.fromEntries(api.unitsByKey())

describe("the simulated API's quota", () => {
  it.scoped("every request that carries a key costs it 1 unit, whatever the endpoint and the answer", () =>
    Effect.gen(function*() {
      const api = yield* makeSimulatedApi({ apiKeys: [KEY_A, KEY_B], faults: { PL: [Faults.backendError(503)] }, lookupRegions: ["US"] })
      const answers = [
        yield* get(api, chart("US"), KEY_A),
        yield* get(api, chart("PL"), KEY_A),
        yield* get(api, "/videoCategories?part=snippet&regionCode=SE", KEY_A),
        yield* get(api, "/i18nRegions?part=snippet", KEY_A),
        yield* get(api, "/videos?part=statistics&id=aaaaaaaaaaa", KEY_A),
        yield* get(api, chart("usa"), KEY_A),
        yield* get(api, "/search?part=snippet", KEY_A),
        yield* get(api, chart("US"), KEY_B),
        yield* get(api, chart("US"), "AIzaSy-not-a-key"),
        yield* get(api, chart("US"))
      ]
      expect(answers.map((a) => a.status)).toEqual([200, 503, 200, 200, 200, 400, 404, 200, 400, 403])
      // A key the API rejects is counted under what was sent; a request without a key is counted under none.
      expect(units(api)).toEqual({ [KEY_A]: 7, [KEY_B]: 1, "AIzaSy-not-a-key": 1 })
      expect(classify(answers[8]!)._tag).toBe("InvalidApiKey")
      expect([api.requests.length, api.categoryRequests.length, api.regionRequests.length, api.lookupRequests.length]).toEqual([7, 1, 1, 1])
    }))

  it.scoped("a key past its budget gets YouTube's 403 quotaExceeded, which costs a unit too; another key still works", () =>
    Effect.gen(function*() {
      const api = yield* makeSimulatedApi({ apiKeys: [KEY_A, KEY_B], quota: { unitsPerKey: 2 } })
      expect((yield* get(api, chart("US"), KEY_A)).status).toBe(200)
      expect((yield* get(api, chart("GB"), KEY_A)).status).toBe(200)
      const refused = yield* get(api, chart("PL"), KEY_A)
      expect(refused.status).toBe(403)
      expect(refused.retryAfter).toBeUndefined()
      // Google escapes the message's markup in its JSON.
      expect(refused.body).toContain("\\u003ca href=")
      expect(JSON.parse(refused.body)).toEqual({
        error: {
          code: 403,
          message: `The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.`,
          errors: [{
            message: `The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.`,
            domain: "youtube.quota",
            reason: "quotaExceeded"
          }]
        }
      })
      const error = classify(refused)
      expect(error._tag).toBe("QuotaExceeded")
      expect(error).toMatchObject({ status: 403, reason: "quotaExceeded" })
      // Every endpoint: the key is spent, not the chart.
      for (const path of ["/videoCategories?part=snippet&regionCode=US", "/i18nRegions?part=snippet", "/videos?part=statistics&id=aaaaaaaaaaa"]) {
        expect(classify(yield* get(api, path, KEY_A))._tag).toBe("QuotaExceeded")
      }
      expect(units(api)).toEqual({ [KEY_A]: 6 })
      expect((yield* get(api, chart("PL"), KEY_B)).status).toBe(200)
      expect(units(api)).toEqual({ [KEY_A]: 6, [KEY_B]: 1 })
      // A new quota day.
      api.resetQuota()
      expect((yield* get(api, chart("PL"), KEY_A)).status).toBe(200)
      expect(units(api)).toEqual({ [KEY_A]: 1 })
    }))

  it.scoped("a key's own budget overrides unitsPerKey; a spent key leaves the scripted faults for the next request", () =>
    Effect.gen(function*() {
      const api = yield* makeSimulatedApi({
        apiKey: KEY_A,
        apiKeys: [KEY_B],
        quota: { unitsPerKey: 1, perKey: { [KEY_B]: 0 } },
        faults: { SE: [Faults.backendError(503)] }
      })
      expect(classify(yield* get(api, chart("SE"), KEY_B))._tag).toBe("QuotaExceeded")
      expect((yield* get(api, chart("SE"), KEY_A)).status).toBe(503)
      expect(classify(yield* get(api, chart("SE"), KEY_A))._tag).toBe("QuotaExceeded")
      expect(units(api)).toEqual({ [KEY_A]: 2, [KEY_B]: 1 })
    }))

  it.scoped("without the quota option nothing is limited, and the counts still grow", () =>
    Effect.gen(function*() {
      const api = yield* makeSimulatedApi({ apiKey: KEY_A })
      const statuses = yield* Effect.forEach(
        Array.from({ length: 120 }, (_, i) => DEFAULT_REGIONS[i % DEFAULT_REGIONS.length]!),
        (code) => Effect.map(get(api, chart(code), KEY_A), (a) => a.status),
        { concurrency: 8 }
      )
      expect(new Set(statuses)).toEqual(new Set([200]))
      expect(units(api)).toEqual({ [KEY_A]: 120 })
    }))

  it.scoped("the project's client moves to its second key when the first is spent mid-chart", () =>
    Effect.gen(function*() {
      const api = yield* makeSimulatedApi({ apiKeys: [KEY_A, KEY_B], quota: { perKey: { [KEY_A]: 1 } } })
      const youtube = yield* YouTube.pipe(
        Effect.provide(YouTube.Default.pipe(Layer.provide(Layer.merge(
          FetchHttpClient.layer,
          Layer.succeed(
            YouTubeConfig,
            youTubeSettings({
              apiKey: Redacted.make(KEY_A),
              apiKeys: [apiKey(Redacted.make(KEY_A)), apiKey(Redacted.make(KEY_B))],
              baseUrl: api.baseUrl,
              maxResults: 100
            })
          )
        ))))
      )
      const fetched = yield* youtube.fetchRegion(region("BR"))
      expect(fetched.videos).toHaveLength(100)
      expect(api.requests.map((r) => r.apiKey)).toEqual([KEY_A, KEY_A, KEY_B])
      expect(units(api)).toEqual({ [KEY_A]: 2, [KEY_B]: 1 })
    }))
})

describe("i18nRegions.list and every region's charts", () => {
  it.scoped("lists YouTube's regions: real ISO codes, English names, each once, the seven defaults among them", () =>
    Effect.gen(function*() {
      const api = yield* makeSimulatedApi()
      const answer = yield* get(api, "/i18nRegions?part=snippet&hl=en_US", KEY_A)
      expect(answer.status).toBe(200)
      const body = JSON.parse(answer.body) as {
        kind: string
        items: Array<{ kind: string; etag: string; id: string; snippet: { gl: string; name: string } }>
      }
      expect(body.kind).toBe("youtube#i18nRegionListResponse")
      const ids = body.items.map((item) => item.id)
      expect(ids.length).toBe(YOUTUBE_REGIONS.length)
      expect(ids.length).toBeGreaterThanOrEqual(106)
      expect(ids.length).toBeLessThanOrEqual(113)
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids.filter((id) => !ISO_REGION_CODES.has(id))).toEqual([])
      expect(DEFAULT_REGIONS.filter((code) => !ids.includes(code))).toEqual([])
      for (const item of body.items) {
        expect(item).toMatchObject({ kind: "youtube#i18nRegion", etag: expect.any(String), snippet: { gl: item.id } })
        expect(item.snippet.name.length).toBeGreaterThan(2)
      }
      expect(body.items.find((item) => item.id === "US")!.snippet.name).toBe("United States")
      expect(body.items.find((item) => item.id === "JP")!.snippet.name).toBe("Japan")
      expect(api.regionRequests.map((r) => r.url)).toEqual(["/youtube/v3/i18nRegions?part=snippet&hl=en_US"])
      expect(api.requests).toEqual([])
    }))

  it.scoped("the regions option replaces the list; without part it is a 400", () =>
    Effect.gen(function*() {
      const api = yield* makeSimulatedApi({ regions: ["US", "BR", "JP"], regionFaults: [Faults.backendError(503)] })
      expect((yield* get(api, "/i18nRegions?part=snippet", KEY_A)).status).toBe(503)
      const body = JSON.parse((yield* get(api, "/i18nRegions?part=snippet", KEY_A)).body) as {
        items: Array<{ id: string; snippet: { gl: string; name: string } }>
      }
      expect(body.items.map((item) => [item.id, item.snippet.gl, item.snippet.name])).toEqual([
        ["US", "US", "United States"],
        ["BR", "BR", "Brazil"],
        ["JP", "JP", "Japan"]
      ])
      expect((yield* get(api, "/i18nRegions", KEY_A)).status).toBe(400)
      expect(api.regionRequests).toHaveLength(3)
    }))

  it.scoped("charts answer for regions outside the seven defaults: 200 decodable videos in pages, in the region's language or English", () =>
    Effect.gen(function*() {
      const api = yield* makeSimulatedApi()
      const titles: Record<string, Array<string>> = {}
      for (const code of ["BR", "JP", "KE"]) {
        let token: string | undefined = ""
        const items: Array<unknown> = []
        while (token !== undefined) {
          const answer: Answer = yield* get(api, chart(code, token === "" ? "" : `&pageToken=${token}`), KEY_A)
          expect(answer.status).toBe(200)
          const page = Either.getOrThrow(decodePage(answer.body))
          items.push(...page.items)
          token = page.nextPageToken
        }
        expect(items).toHaveLength(200)
        const decoded = items.map((item) => Either.getOrThrow(decodeItem(item)))
        titles[code] = decoded.map((video) => video.snippet.title)
      }
      expect(titles["BR"]!.some((title) => /[ãçáéêõ]/.test(title))).toBe(true)
      expect(titles["JP"]!.some((title) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(title))).toBe(true)
      expect(titles["KE"]!.every((title) => /^[\x20-\x7e\u2013\p{Extended_Pictographic}\uFE0F]+$/u.test(title))).toBe(true)
      // Category lists and category charts too.
      expect((yield* get(api, "/videoCategories?part=snippet&regionCode=JP", KEY_A)).status).toBe(200)
      expect((yield* get(api, chart("BR", "&videoCategoryId=10"), KEY_A)).status).toBe(200)
    }))
})
