/**
 * viralvidvault as a library: embed the ingest pipeline (and search) in an Effect application.
 *
 *   import { ingest, IngestLive } from "viralvidvault"
 *   ingest.pipe(Effect.provide(IngestLive), Effect.provide(myHttpClient), Effect.provide(mySqlClient))
 *
 * and serve the archive from the host's own HTTP server (examples/serve.ts):
 *
 *   HttpApiServe.pipe(Layer.provide(Layer.merge(Trends.Default, VideoSearch.Default)), Layer.provide(mySqlClient))
 */
export { ingest } from "./Ingest/Pipeline.js"
export { IngestLive } from "./Ingest/Live.js"
export { RegionsUnknown } from "./Ingest/Regions.js"
export { renderMetrics, withMetricsFile, writeMetrics } from "./Metrics.js"
export type { RunMetrics } from "./Metrics.js"
export { Category } from "./Domain/Category.js"
export { dedup } from "./Domain/Dedup.js"
export { DEFAULT_REGIONS, isEveryRegion, parseRegions, RegionCode, searchConfigFor } from "./Domain/Region.js"
export type { ListedRegion } from "./Domain/Region.js"
export { parseCharts } from "./Domain/Charts.js"
export type { ChartSelection } from "./Domain/Charts.js"
export {
  CategoryId,
  ChartId,
  GoneVideo,
  RegionalVideo,
  Thumbnails,
  TrackedCounters,
  UniqueVideo,
  VideoId
} from "./Domain/Video.js"
export {
  FailureTag,
  IncompleteRun,
  IngestReport,
  RegionOutcome,
  RegionStatus,
  RunId,
  RunStatus,
  TrackingReport,
  unitLabel
} from "./Domain/Run.js"
export type { ChartUnit } from "./Domain/Run.js"
export { ConfigurationError } from "./Config.js"
export {
  DatabaseRefused,
  DatabaseUnavailable,
  EmbeddedDatabaseFailed,
  EmbeddedDatabaseLocked,
  StoreBusy
} from "./Store/Errors.js"
export type { StoreError } from "./Store/Errors.js"
export { InvalidQuery, SearchHit, VideoSearch } from "./Store/Search.js"
export { ChartEntry, StoredCharts } from "./Store/StoredCharts.js"
export type { SearchRequest } from "./Store/Search.js"
export { migrations, MIGRATIONS_TABLE, MigrationsLive, runMigrations } from "./Store/Migrations.js"
export { VideoListPage } from "./YouTube/Api.js"
export { RegionItem, VideoItem } from "./YouTube/Item.js"
export {
  AccessDenied,
  ApiUnavailable,
  ChartUnavailable,
  DecodeFailed,
  InvalidApiKey,
  QuotaExceeded,
  RateLimited,
  RequestRejected,
  Subject
} from "./YouTube/Errors.js"
export type { YouTubeError } from "./YouTube/Errors.js"
export { BadRequest, NotFound, ServerError, TrendsApi, TrendsGroup, Unavailable } from "./Http/Api.js"
export { HttpApiServe, SECURITY_HEADERS, TrendsApiLive, TrendsHandlers } from "./Http/Handlers.js"
export { WebPagesLive } from "./Web/Routes.js"
export { Chart, Observation, Overlap, RankedVideo, Revision, Run, TrendingEntry, Trends, VideoHistory } from "./Store/Trends.js"
