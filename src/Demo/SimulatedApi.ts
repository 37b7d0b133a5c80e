import { Effect } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { CATEGORIES as CATALOG_CATEGORIES, categoriesFor, CHARTS_NOT_OFFERED } from "./Catalog.js"
import { type Fault, googleError, INVALID_KEY_BODY, QUOTA_EXCEEDED_BODY } from "./Faults.js"
import { makeKeys, type QuotaOptions } from "./Keys.js"
import { regionListFor, YOUTUBE_REGIONS } from "./Regions.js"
import { chartPage, lookupPage, offsetOf, PAGE_LIMIT, send, sendHuge } from "./Responses.js"
import { servedCharts, type ServedOptions } from "./Served.js"

export type { QuotaOptions } from "./Keys.js"

/**
 * A real HTTP server on 127.0.0.1 that speaks the YouTube Data API's `videos.list`
 * (`chart=mostPopular`, overall or a category's, and look-ups by `id`),
 * `videoCategories.list` and `i18nRegions.list` as the API does (see
 * shared/youtube-api.md), with scripted faults and, when asked, a quota per key. It
 * serves the demo, the benchmark and the end-to-end tests.
 */

export interface SimulatedApiOptions extends ServedOptions {
  /** The port on 127.0.0.1; any free one when absent. */
  readonly port?: number
  /** Milliseconds before each answer, per region. */
  readonly latencyMs?: Readonly<Record<string, number>>
  /** Faults per region, used up one request at a time before normal answers resume. */
  readonly faults?: Readonly<Record<string, ReadonlyArray<Fault>>>
  /** The key to accept; any other gets 400 API_KEY_INVALID. Unset (and no `apiKeys`): any key. */
  readonly apiKey?: string
  /** Keys to accept, any of them (with `apiKey`, that one too); any other gets 400 API_KEY_INVALID. */
  readonly apiKeys?: ReadonlyArray<string>
  /**
   * Budgets per key: a key that has spent its units is answered 403 `quotaExceeded`
   * (which costs a unit too). Unset: unlimited. Units are counted either way.
   */
  readonly quota?: QuotaOptions
  /** What `i18nRegions.list` lists (`YOUTUBE_REGIONS`, 110, when absent); charts answer for any region. */
  readonly regions?: ReadonlyArray<string>
  /** Faults for `i18nRegions.list`, used up one request at a time. */
  readonly regionFaults?: ReadonlyArray<Fault>
  /** Faults per region for `videoCategories.list`, used up one request at a time. */
  readonly categoryFaults?: Readonly<Record<string, ReadonlyArray<Fault>>>
  /** Category charts answered with 404 `videoChartNotFound`, as `REGION/id`; `CHARTS_NOT_OFFERED` when absent. */
  readonly notOffered?: ReadonlyArray<string>
}

export interface RecordedRequest {
  readonly url: string
  readonly region: string
  readonly apiKey: string | undefined
  readonly startedAt: number
  readonly finishedAt?: number
  /** For a `huge` fault: how much of the body was written before the client stopped reading. */
  readonly bytesSent?: number
}

export interface SimulatedApi {
  /** Give this to YOUTUBE_API_BASE_URL. */
  readonly baseUrl: string
  /** Every `videos.list` request, in order. */
  readonly requests: ReadonlyArray<RecordedRequest>
  /** Every `videoCategories.list` request, in order. */
  readonly categoryRequests: ReadonlyArray<RecordedRequest>
  /** Every `videos.list?id=…` request (a look-up by id), in order. */
  readonly lookupRequests: ReadonlyArray<RecordedRequest>
  /** Every `i18nRegions.list` request, in order. */
  readonly regionRequests: ReadonlyArray<RecordedRequest>
  /**
   * Units spent per key (the `X-Goog-Api-Key` header sent), as YouTube counts them:
   * every request that carries a key costs 1, whatever the endpoint and the answer
   * (errors, faults and `quotaExceeded` included). A copy.
   */
  readonly unitsByKey: () => ReadonlyMap<string, number>
  /** A new quota day: every key's count back to 0. */
  readonly resetQuota: () => void
  /** The most requests that were in progress at once. */
  readonly maxInFlight: () => number
}

export const makeSimulatedApi = (options: SimulatedApiOptions = {}) =>
  Effect.gen(function*() {
    const { chart, lookUp } = servedCharts(options)
    const notOffered = new Set(options.notOffered ?? CHARTS_NOT_OFFERED)
    const faultsOf = (given: SimulatedApiOptions["faults"]) =>
      new Map(Object.entries(given ?? {}).map(([region, list]) => [region, [...list]]))
    const faults = faultsOf(options.faults)
    const categoryFaults = faultsOf(options.categoryFaults)
    const regionFaults = [...(options.regionFaults ?? [])]
    const requests: Array<RecordedRequest> = []
    const categoryRequests: Array<RecordedRequest> = []
    const lookupRequests: Array<RecordedRequest> = []
    const regionRequests: Array<RecordedRequest> = []
    const regionList = options.regions ?? YOUTUBE_REGIONS.map(([code]) => code)
    const keys = makeKeys(options)
    let inFlight = 0
    let maxInFlight = 0

    const answer = (req: IncomingMessage, res: ServerResponse, url: URL) => {
      const region = url.searchParams.get("regionCode") ?? ""
      const key = req.headers["x-goog-api-key"]
      const apiKey = Array.isArray(key) ? key[0] : key
      const categories = url.pathname.endsWith("/videoCategories")
      const regionsList = url.pathname.endsWith("/i18nRegions")
      const ids = url.searchParams.get("id")
      const record: { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] } = {
        url: req.url ?? "",
        region,
        apiKey,
        startedAt: Date.now()
      }
      ;(categories ? categoryRequests : regionsList ? regionRequests : ids !== null ? lookupRequests : requests).push(record)
      // Counted when it arrives, as YouTube does, so a request that is never answered costs its unit too.
      const { accepted, spent } = keys.admit(apiKey)
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      let done = false
      const finish = () => {
        if (done) return
        done = true
        inFlight--
        record.finishedAt = Date.now()
      }
      res.on("close", finish)

      const respond = () => {
        if (!url.pathname.endsWith("/videos") && !categories && !regionsList) {
          return send(res, 404, googleError(404, "notFound", `Not found: ${url.pathname}`))
        }
        if (url.searchParams.has("key")) {
          return send(res, 400, googleError(400, "badRequest", "This simulator refuses keys in URLs: use X-Goog-Api-Key."))
        }
        if (apiKey === undefined || apiKey === "") {
          return send(res, 403, googleError(403, "forbidden", "The request is missing a valid API key.", { status: "PERMISSION_DENIED" }))
        }
        if (spent && accepted) return send(res, 403, QUOTA_EXCEEDED_BODY)
        const fault = regionsList ? regionFaults.shift() : (categories ? categoryFaults : faults).get(region)?.shift()
        if (fault !== undefined) {
          switch (fault._tag) {
            case "Respond":
              return send(res, fault.status, fault.body, fault.headers)
            case "Hang":
              return
            case "Reset":
              res.writeHead(200, { "content-type": "application/json" })
              res.write(`{"kind":"youtube#videoListResponse","items":[`)
              return setTimeout(() => res.socket?.destroy(), 5)
            case "Huge":
              return sendHuge(res, chart(region).slice(0, 1), fault.bytes, (sent) => (record.bytesSent = sent))
          }
        }
        if (!accepted) return send(res, 400, INVALID_KEY_BODY)
        if (categories) return send(res, 200, JSON.stringify(categoriesFor(region)))
        if (regionsList) {
          if (!url.searchParams.has("part")) return send(res, 400, googleError(400, "required", "Required parameter: part"))
          return send(res, 200, JSON.stringify(regionListFor(regionList)))
        }
        const part = url.searchParams.get("part") ?? ""
        if (ids !== null) {
          const asked = ids.split(",").filter((id) => id !== "")
          if (asked.length > PAGE_LIMIT) {
            return send(res, 400, googleError(400, "badRequest", "The request specifies too many video ids (at most 50)."))
          }
          return send(res, 200, JSON.stringify(lookupPage(asked.length, lookUp(asked), part)))
        }
        const category = url.searchParams.get("videoCategoryId") ?? "0"
        if (url.searchParams.get("chart") !== "mostPopular" || !/^[A-Z]{2}$/.test(region)) {
          return send(res, 400, googleError(400, "invalidRegionCode", "The regionCode parameter specifies an invalid region code."))
        }
        if (!/^\d+$/.test(category)) {
          return send(res, 400, googleError(400, "invalidParameter", "The videoCategoryId parameter is invalid."))
        }
        if (category !== "0" && (notOffered.has(`${region}/${category}`) || !CATALOG_CATEGORIES.some(([id, , a]) => a && id === category))) {
          return send(res, 404, googleError(404, "videoChartNotFound", "The requested video chart is not supported or is not available."))
        }
        const offset = offsetOf(url.searchParams.get("pageToken"))
        if (offset === undefined) return send(res, 400, googleError(400, "invalidPageToken", "The page token is invalid."))
        const size = Math.min(PAGE_LIMIT, Math.max(1, Number(url.searchParams.get("maxResults") ?? "5") || 5))
        const items = chart(region, category === "0" ? "all" : category)
        send(res, 200, JSON.stringify(chartPage(items, { region, category, offset, size, part })))
      }

      const latency = options.latencyMs?.[region] ?? 0
      if (latency > 0) {
        const timer = setTimeout(respond, latency)
        res.on("close", () => clearTimeout(timer))
      } else {
        respond()
      }
    }

    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      answer(req, res, url)
    })
    // Node's default: fetch keeps a socket for the server's hint less 1 s, so a 1 s hint
    // meant a new connection for every page. Closing the server closes the idle sockets.
    server.keepAliveTimeout = 5000

    const port = yield* Effect.acquireRelease(
      Effect.async<number>((resume) => {
        server.listen(options.port ?? 0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    return {
      baseUrl: `http://127.0.0.1:${port}/youtube/v3`,
      requests,
      categoryRequests,
      lookupRequests,
      regionRequests,
      unitsByKey: keys.unitsByKey,
      resetQuota: keys.reset,
      maxInFlight: () => maxInFlight
    } satisfies SimulatedApi
  })
