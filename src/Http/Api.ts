import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Either, ParseResult, Schema } from "effect"
import { ISO_REGION_CODES, parseRegions, RegionCode } from "../Domain/Region.js"
import { ChartId, VideoId } from "../Domain/Video.js"
import { SearchHit } from "../Store/Search.js"
import { Chart, Overlap, Run, VideoHistory } from "../Store/Trends.js"

/**
 * The read-only JSON API of `serve` (ARCHITECTURE.md, "HTTP API and web page"). Every
 * parameter is decoded here, so a handler only sees valid values and the OpenAPI
 * document says what each one accepts.
 */

/** How many runs or hits a request gets when it names no `limit`, and the most it can get. */
export const DEFAULT_LIMIT = 20
export const MAX_LIMIT = 100

// ---- errors: every one answers `{ "_tag", "error" }`, `error` saying what is wrong ----

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { error: Schema.String }, HttpApiSchema.annotations({ status: 404 })) {}

export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  { error: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

/** The database cannot be reached: nothing wrong with the request, try again later. */
export class Unavailable extends Schema.TaggedError<Unavailable>()(
  "Unavailable",
  { error: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** The database answered and refused: a fault of the server, not of the request. */
export class ServerError extends Schema.TaggedError<ServerError>()(
  "ServerError",
  { error: Schema.String },
  HttpApiSchema.annotations({ status: 500 })
) {}

// ---- parameters ----

/** A positive whole number; above MAX_LIMIT is read as MAX_LIMIT (a cap, not a mistake). */
const Limit = Schema.NumberFromString.pipe(
  Schema.int({ message: () => "limit must be a whole number" }),
  Schema.between(1, Number.MAX_SAFE_INTEGER, { message: () => "limit must be at least 1" }),
  Schema.annotations({ description: `How many to answer with, at most ${MAX_LIMIT} (default ${DEFAULT_LIMIT})` })
)

/**
 * An ISO 8601 date or date-time. `Date.parse` alone would take "1" as the year 2001, so
 * the shape is checked first.
 */
const Instant = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/, {
    message: () => "an ISO 8601 date or date-time is expected, e.g. 2026-11-26T12:00:00Z"
  }),
  Schema.compose(Schema.Date, { strict: false })
).annotations({ description: "ISO 8601, e.g. 2026-11-26T12:00:00Z" })

/** A region code in any case (`pl` is `PL`); only ISO 3166-1 alpha-2 codes. */
export const RegionParam = Schema.transformOrFail(Schema.String, RegionCode, {
  strict: true,
  decode: (raw, _, ast) => {
    const code = raw.trim().toUpperCase()
    return ISO_REGION_CODES.has(code)
      ? ParseResult.succeed(code)
      : ParseResult.fail(new ParseResult.Type(ast, raw, `unknown region code "${raw}"; use an ISO 3166-1 alpha-2 code, e.g. PL`))
  },
  encode: ParseResult.succeed
}).annotations({ description: "ISO 3166-1 alpha-2 region code, e.g. PL" })

/** `US,gb,PL`: regions to search in. */
const RegionsParam = Schema.transformOrFail(Schema.String, Schema.Array(RegionCode), {
  strict: true,
  decode: (raw, _, ast) =>
    Either.match(parseRegions(raw), {
      onLeft: (why) => ParseResult.fail(new ParseResult.Type(ast, raw, why)),
      onRight: ParseResult.succeed
    }),
  encode: (codes) => ParseResult.succeed(codes.join(","))
}).annotations({ description: "Comma-separated ISO 3166-1 alpha-2 codes, e.g. US,GB,PL" })

const ChartParam = ChartId.annotations({ description: "`all` (the overall chart, default) or a category id, e.g. 10" })

// ---- answers ----

export const Health = Schema.Struct({
  status: Schema.Literal("ok", "degraded"),
  database: Schema.Literal("ok", "unavailable"),
  lastRun: Schema.NullOr(Run)
}).annotations({ identifier: "Health" })

/** Health when the database cannot be reached: the same shape as Health, answered with 503. */
export const Degraded = Schema.Struct({
  status: Schema.Literal("degraded"),
  database: Schema.Literal("unavailable"),
  lastRun: Schema.Null
}).annotations(HttpApiSchema.annotations({ status: 503, identifier: "Degraded" }))

export const Runs = Schema.Struct({ runs: Schema.Array(Run) }).annotations({ identifier: "Runs" })

/** A hit as the API answers with it (the stored hit less `lastSeenAt`, which the contract leaves out). */
export const Hit = SearchHit.pipe(Schema.omit("lastSeenAt")).annotations({ identifier: "SearchHit" })

export const SearchResult = Schema.Struct({ query: Schema.String, hits: Schema.Array(Hit) }).annotations({
  identifier: "SearchResult"
})

// ---- endpoints ----

const health = HttpApiEndpoint.get("health", "/api/health")
  .addSuccess(Health)
  .addError(Degraded)

const runs = HttpApiEndpoint.get("runs", "/api/runs")
  .setUrlParams(Schema.Struct({ limit: Schema.optional(Limit) }))
  .addSuccess(Runs)

const chart = HttpApiEndpoint.get("chart", "/api/charts/:region")
  .setPath(Schema.Struct({ region: RegionParam }))
  .setUrlParams(Schema.Struct({ chart: Schema.optional(ChartParam), at: Schema.optional(Instant) }))
  .addSuccess(Chart.annotations({ identifier: "Chart" }))
  .addError(NotFound)

const search = HttpApiEndpoint.get("search", "/api/search")
  .setUrlParams(Schema.Struct({ q: Schema.String, region: Schema.optional(RegionsParam), limit: Schema.optional(Limit) }))
  .addSuccess(SearchResult)

const video = HttpApiEndpoint.get("video", "/api/videos/:id")
  .setPath(Schema.Struct({ id: VideoId }))
  .addSuccess(VideoHistory.annotations({ identifier: "VideoHistory" }))
  .addError(NotFound)

const overlap = HttpApiEndpoint.get("overlap", "/api/overlap")
  .setUrlParams(Schema.Struct({ since: Schema.optional(Instant), until: Schema.optional(Instant), chart: Schema.optional(ChartParam) }))
  .addSuccess(Overlap.annotations({ identifier: "Overlap" }))

export class TrendsGroup extends HttpApiGroup.make("trends")
  .add(health)
  .add(runs)
  .add(chart)
  .add(search)
  .add(video)
  .add(overlap)
{}

export class TrendsApi extends HttpApi.make("viralvidvault")
  .add(TrendsGroup)
  // API-wide, so that the middleware turning decode errors into BadRequest may fail with it.
  .addError(BadRequest)
  .addError(Unavailable)
  .addError(ServerError)
  .annotate(OpenApi.Title, "viralvidvault")
  .annotate(OpenApi.Description, "YouTube's trending charts as they stood, read-only")
{}
