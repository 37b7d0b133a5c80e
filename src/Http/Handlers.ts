import { HttpApiBuilder, HttpApiError, HttpApp, HttpMiddleware, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Cause, Effect, Layer, Option } from "effect"
import { createServer } from "node:http"
import type { DatabaseRefused, DatabaseUnavailable } from "../Store/Errors.js"
import { VideoSearch } from "../Store/Search.js"
import { Overlap, Trends } from "../Store/Trends.js"
import { WebPagesLive } from "../Web/Routes.js"
import { BadRequest, DEFAULT_LIMIT, MAX_LIMIT, NotFound, SearchResult, ServerError, TrendsApi, Unavailable } from "./Api.js"
import { asOf, jsonBytes, jsonResponse, periodOf, ResponseCache } from "./Cache.js"
import { gzipResponses } from "./Compression.js"
import { NewestRun } from "./NewestRun.js"

/** What `overlap` covers when it is not told: the last seven days. */
const DEFAULT_PERIOD_MS = 7 * 24 * 60 * 60 * 1000

/**
 * A store failure as the API answers it: the operation only. The driver's `detail` can
 * name hosts, users, tables; a refusal's goes to the log, never to the client.
 */
const storeFailures = {
  DatabaseUnavailable: (e: DatabaseUnavailable) =>
    Effect.fail(new Unavailable({ error: `database unavailable while ${e.operation}; try again later` })),
  DatabaseRefused: (e: DatabaseRefused) =>
    Effect.logError("the database refused a read", e).pipe(
      Effect.zipRight(Effect.fail(new ServerError({ error: `the database refused ${e.operation}` })))
    )
}

const fromStore = <A>(effect: Effect.Effect<A, DatabaseUnavailable | DatabaseRefused>) => Effect.catchTags(effect, storeFailures)

const limitOf = (limit: number | undefined) => Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT)

const overlapJson = jsonResponse(Overlap)
const searchJson = jsonResponse(SearchResult)

export const TrendsHandlers = HttpApiBuilder.group(TrendsApi, "trends", (handlers) =>
  Effect.gen(function*() {
    const trends = yield* Trends
    const videoSearch = yield* VideoSearch
    const cache = yield* ResponseCache
    const newestRun = yield* NewestRun

    return handlers
      .handle("health", () => {
        const degraded = { status: "degraded" as const, database: "unavailable" as const, lastRun: null }
        // A monitor reads one shape: a database that refuses the read (permissions, a schema
        // not migrated) is as unusable as one that is down. The log says which it was.
        return trends.runs(1).pipe(
          Effect.map((newest) => ({ status: "ok" as const, database: "ok" as const, lastRun: newest[0] ?? null })),
          Effect.catchTags({
            DatabaseUnavailable: () => Effect.fail(degraded),
            DatabaseRefused: (e) => Effect.logError("health: the database refused a read", e).pipe(Effect.zipRight(Effect.fail(degraded)))
          })
        )
      })
      .handle("runs", ({ urlParams }) =>
        trends.runs(limitOf(urlParams.limit)).pipe(Effect.map((runs) => ({ runs })), fromStore))
      .handle("chart", ({ path, urlParams }) => {
        const chart = urlParams.chart ?? "all"
        const { at } = urlParams
        const notFound = new NotFound({
          error: `no ${chart} chart of ${path.region} is stored${at === undefined ? "" : ` at or before ${at.toISOString()}`}`
        })
        const computed = (when: Date) => Effect.map(trends.chartJson(path.region, chart, when), Option.map(jsonBytes))
        // The current chart changes only when a run is stored: it is named by the newest run,
        // as the page's is. A chart as it stood is named by the run whose chart answers, so
        // every `at` that finds that run shares it.
        const answer = at === undefined
          ? Effect.flatMap(
            newestRun.get,
            (newest) => cache.get(`chart ${path.region} ${chart} now ${asOf(newest)}`, Effect.suspend(() => computed(new Date())))
          )
          : Effect.flatMap(trends.chartSource(path.region, chart, at), (source) =>
            source.runId === null
              ? Effect.succeedNone
              : cache.get(`chart ${path.region} ${chart} run ${source.runId} ${asOf(source.newestRun)}`, computed(at)))
        return answer.pipe(
          fromStore,
          Effect.flatMap(Option.match({ onNone: () => Effect.fail(notFound), onSome: Effect.succeed }))
        )
      })
      .handle("search", ({ urlParams }) => {
        const request = { query: urlParams.q, regions: urlParams.region ?? [], limit: limitOf(urlParams.limit) }
        const searched = Effect.flatMap(
          videoSearch.search(request),
          (hits) => searchJson({ query: urlParams.q, hits: hits.map(({ lastSeenAt: _, ...hit }) => hit) })
        )
        // The hits change only when a run is stored. A query that cannot be searched for is
        // kept as none, and asked again below for its reason; so are runs that cannot be read.
        const kept = Effect.catchTag(Effect.asSome(searched), "InvalidQuery", () => Effect.succeedNone)
        const name = JSON.stringify([request.query, [...new Set(request.regions)].sort(), request.limit])
        return newestRun.get.pipe(
          Effect.matchEffect({
            onFailure: () => Effect.succeed(Option.none<HttpServerResponse.HttpServerResponse>()),
            onSuccess: (newest) => cache.get(`search ${name} ${asOf(newest)}`, kept)
          }),
          Effect.flatMap(Option.match({ onNone: () => searched, onSome: Effect.succeed })),
          Effect.catchTags({
            InvalidQuery: (e) => Effect.fail(new BadRequest({ error: `q: ${e.message}` })),
            ...storeFailures
          })
        )
      })
      .handle("video", ({ path }) =>
        trends.video(path.id).pipe(
          fromStore,
          Effect.flatMap(Option.match({
            onNone: () => Effect.fail(new NotFound({ error: `no video ${path.id} is stored` })),
            onSome: Effect.succeed
          }))
        ))
      .handle("overlap", ({ urlParams }) => {
        const until = urlParams.until ?? new Date()
        const since = urlParams.since ?? new Date(until.getTime() - DEFAULT_PERIOD_MS)
        const chart = urlParams.chart ?? "all"
        if (since.getTime() > until.getTime()) return Effect.fail(new BadRequest({ error: "since: it is after until" }))
        // Named by the entries the period holds, not by its bounds: the default period (the
        // last 7 days, to the millisecond) is answered from the cache until a run is stored
        // or its oldest entry leaves the week, and answers what it always did.
        return trends.periodSource(since, until).pipe(
          Effect.flatMap((source) => cache.always(`overlap ${chart} ${periodOf(source)}`, Effect.flatMap(trends.overlap(since, until, chart), overlapJson))),
          fromStore
        )
      })
  }))

/**
 * A request that does not decode answers, like every other error, `{ "_tag", "error" }`;
 * `error` starts with the parameter's name (`limit: …`), so a person can see which one.
 */
const DecodeErrorsAsBadRequest = HttpApiBuilder.middleware(TrendsApi, (app) =>
  Effect.catchAllCause(app, (cause) => {
    // The app's type says it cannot fail; a request that does not decode fails it all the same.
    const failure: Cause.Cause<unknown> = cause
    return Option.match(Option.filter(Cause.failureOption(failure), isDecodeError), {
      onNone: () => Effect.failCause(cause),
      onSome: (e) => Effect.fail(new BadRequest({ error: describeDecodeError(e) }))
    })
  }))

const isDecodeError = (u: unknown): u is HttpApiError.HttpApiDecodeError => u instanceof HttpApiError.HttpApiDecodeError

/**
 * `limit: Unable to decode "abc" into a number`, each issue led by its parameter's name.
 * An optional parameter is `X | undefined`: its "Expected undefined" issue says nothing.
 */
const describeDecodeError = (e: HttpApiError.HttpApiDecodeError) => {
  const issues = e.issues.filter((issue) => !issue.message.startsWith("Expected undefined"))
  return issues.length === 0
    ? e.message
    : issues.map((issue) => `${issue.path.length === 0 ? "request" : issue.path.join(".")}: ${issue.message}`).join("; ")
}

/** The API with its handlers: needs the store's read services. Its cache is the pages' (one layer, built once). */
export const TrendsApiLive = HttpApiBuilder.api(TrendsApi).pipe(
  Layer.provide(TrendsHandlers),
  Layer.provide(Layer.merge(ResponseCache.Default, NewestRun.Default))
)

/**
 * Sent with every answer, errors included. The pages and the JSON carry strangers' titles:
 * nothing may run as a script (the pages have none), nor the page be framed. Images: the
 * page's own and YouTube's thumbnails.
 */
export const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' https://i.ytimg.com; object-src 'none'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer"
} as const

/** As a pre-response handler, so that errors (a 404 from the router, a 500) carry them too. */
const securityHeaders = HttpMiddleware.make((app) =>
  HttpApp.withPreResponseHandler(app, (_request, response) => Effect.succeed(HttpServerResponse.setHeaders(response, SECURITY_HEADERS)))
)

/**
 * The HTTP app on whatever `HttpServer` is provided: the API, `/openapi.json`, the web
 * page and `/docs`, the security headers, gzip for clients that take it, decode errors as BadRequest. Unmatched routes and methods answer 404
 * (no route takes a POST); a HEAD is answered as its GET, without the body.
 */
export const HttpApiServe = HttpApiBuilder.serve((app) => gzipResponses(securityHeaders(app))).pipe(
  Layer.provide(HttpApiBuilder.middlewareOpenApi()),
  Layer.provide(WebPagesLive),
  Layer.provide(DecodeErrorsAsBadRequest),
  Layer.provide(TrendsApiLive)
)

/** The API served on `host:port` (port 0: any free one; `HttpServer.HttpServer` tells which). */
export const serveOn = (options: { readonly host: string; readonly port: number }) =>
  HttpApiServe.pipe(
    HttpServer.withLogAddress,
    Layer.provideMerge(NodeHttpServer.layer(createServer, { host: options.host, port: options.port }))
  )
