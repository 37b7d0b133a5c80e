import { HttpApiBuilder, HttpRouter, HttpServerRequest, HttpServerResponse, OpenApi } from "@effect/platform"
import { Clock, Effect, Either, Layer, Option, Schema } from "effect"
import type { RegionCode } from "../Domain/Region.js"
import { VideoId } from "../Domain/Video.js"
import { RegionParam, TrendsApi } from "../Http/Api.js"
import { asOf, htmlBytes, periodOf, ResponseCache } from "../Http/Cache.js"
import { NewestRun } from "../Http/NewestRun.js"
import { minute } from "../Report/Format.js"
import type { DatabaseRefused, DatabaseUnavailable } from "../Store/Errors.js"
import { VideoSearch } from "../Store/Search.js"
import { Trends } from "../Store/Trends.js"
import { docsPage } from "./DocsPage.js"
import type { Html } from "./Html.js"
import { chartPage, errorPage, overlapPage, searchPage, videoPage } from "./Pages.js"
import { STYLESHEET } from "./Style.js"

/**
 * The web page's routes, added to the API's router: `/` (a region's chart, or a search
 * with `?q=`), `/videos/{id}`, `/overlap`, `/docs`, and the stylesheet. They read the
 * same services as the API.
 */

/** How many hits the page's search shows (the API's `limit` goes to 100). */
const SEARCH_HITS = 50

const DAY_MS = 86_400_000

const htmlResponse = (page: Html, status = 200) =>
  HttpServerResponse.text(page.value, { status, contentType: "text/html; charset=utf-8" })

/** The store's failures as pages: 503 try again later; 500 logged, its detail kept from the reader. */
const orErrorPage = <R>(effect: Effect.Effect<HttpServerResponse.HttpServerResponse, DatabaseUnavailable | DatabaseRefused, R>) =>
  Effect.catchTags(effect, {
    DatabaseUnavailable: (e) =>
      Effect.succeed(htmlResponse(errorPage("Database unavailable", `The database could not be reached while ${e.operation}; try again later.`), 503)),
    DatabaseRefused: (e) =>
      Effect.logError("the database refused a read", e).pipe(
        Effect.as(htmlResponse(errorPage("Server error", `The database refused ${e.operation}.`), 500))
      )
  })

/** A query parameter's single value (the first, when repeated), trimmed; absent or blank: none. */
const queryParam = (params: Readonly<Record<string, string | ReadonlyArray<string>>>, name: string) => {
  const value = params[name]
  const first = typeof value === "string" ? value : value?.[0]
  return first === undefined || first.trim() === "" ? undefined : first.trim()
}

const decodeRegion = Schema.decodeUnknownEither(RegionParam)
const decodeVideoId = Schema.decodeUnknownEither(VideoId)

/** The pages, on the API's router; their cache is the API's (one layer, built once). */
export const WebPagesLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const trends = yield* Trends
    const videoSearch = yield* VideoSearch
    const cache = yield* ResponseCache
    const newestRun = yield* NewestRun
    const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

    const searchPageOf = (query: string) =>
      videoSearch.search({ query, regions: [], limit: SEARCH_HITS }).pipe(
        Effect.map((hits) => htmlBytes(searchPage({ query, hits }).value, 200)),
        Effect.catchTag("InvalidQuery", (e) => Effect.succeed(htmlBytes(searchPage({ query, hits: null, error: e.message }).value, 400)))
      )

    /** Kept until a run is stored, as the hits are; uncached when the runs cannot be read. */
    const search = (query: string) =>
      newestRun.get.pipe(
        Effect.matchEffect({
          onFailure: () => searchPageOf(query),
          onSuccess: (newest) => cache.always(`search page ${JSON.stringify(query)} ${asOf(newest)}`, searchPageOf(query))
        })
      )

    /** A region's chart now (the first region's when none is asked for), with the tabs of every region. */
    const chartNow = (asked: RegionCode | undefined) =>
      Effect.gen(function*() {
        const regions = yield* trends.regions()
        const region = asked ?? regions[0]
        const found = region === undefined ? Option.none() : yield* trends.chart(region, "all", yield* now)
        const status = asked === undefined || Option.isSome(found) ? 200 : 404
        return htmlBytes(chartPage({ regions, region, chart: Option.getOrNull(found) }).value, status)
      })

    /**
     * Kept until a run is stored: the newest chart of a region changes only then (a chart
     * is stored after it is fetched, so nothing stored is fetched later than now).
     */
    const chart = (asked: string | undefined) =>
      Either.match(asked === undefined ? Either.right(undefined) : decodeRegion(asked), {
        onLeft: () => Effect.succeed(htmlResponse(errorPage("Unknown region", `region: "${asked}" is not an ISO 3166-1 alpha-2 code, e.g. PL.`), 400)),
        onRight: (region) =>
          Effect.flatMap(newestRun.get, (newest) => cache.always(`page ${region ?? "/"} ${asOf(newest)}`, chartNow(region)))
      })

    yield* router.get(
      "/",
      Effect.gen(function*() {
        const params = yield* HttpServerRequest.ParsedSearchParams
        const query = queryParam(params, "q")
        return yield* orErrorPage(query === undefined ? chart(queryParam(params, "region")) : search(query))
      })
    )

    yield* router.get(
      "/videos/:id",
      Effect.gen(function*() {
        const { id } = yield* HttpRouter.params
        const notFound = htmlResponse(errorPage("Unknown video", `No video with the id "${id ?? ""}" is stored.`), 404)
        return yield* Either.match(decodeVideoId(id), {
          onLeft: () => Effect.succeed(notFound),
          onRight: (videoId) =>
            orErrorPage(Effect.map(trends.video(videoId), Option.match({ onNone: () => notFound, onSome: (video) => htmlResponse(videoPage(video)) })))
        })
      })
    )

    yield* router.get(
      "/overlap",
      Effect.gen(function*() {
        const raw = queryParam(yield* HttpServerRequest.ParsedSearchParams, "days") ?? "7"
        const days = Number(raw)
        if (!Number.isInteger(days) || days < 1 || days > 366) {
          return htmlResponse(errorPage("Bad period", `days: expected a whole number of days from 1 to 366, got "${raw}".`), 400)
        }
        const until = yield* now
        const since = new Date(until.getTime() - days * DAY_MS)
        const page = Effect.map(trends.overlap(since, until, "all"), (overlap) => htmlBytes(overlapPage({ overlap, since, until, days }).value, 200))
        // Named by the entries of the period (as the API's overlap) and by the minutes the page shows.
        return yield* orErrorPage(
          Effect.flatMap(trends.periodSource(since, until), (source) => cache.always(`overlap page ${days} ${minute(since)}–${minute(until)} ${periodOf(source)}`, page))
        )
      })
    )

    const docs = htmlResponse(docsPage(OpenApi.fromApi(TrendsApi)))
    yield* router.get("/docs", Effect.succeed(docs))

    // The stylesheet changes with a release: an hour of caching, revalidated after.
    yield* router.get(
      "/assets/style.css",
      Effect.succeed(HttpServerResponse.text(STYLESHEET, { contentType: "text/css; charset=utf-8", headers: { "cache-control": "public, max-age=3600" } }))
    )
  })
).pipe(Layer.provide(Layer.merge(ResponseCache.Default, NewestRun.Default)))
