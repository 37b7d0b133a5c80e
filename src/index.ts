/**
 * viralvidvault as a library: embed the ingest pipeline in an Effect application.
 *
 *   import { ingest, IngestLive } from "viralvidvault"
 *   ingest.pipe(Effect.provide(IngestLive), Effect.provide(myHttpClient), Effect.provide(mySqlClient))
 */
export { ingest, IngestCore, IngestLive, ingestWith, StateServices } from "./Ingest.js"
export { dedup } from "./Dedup.js"
export { IngestReport, RegionalVideo, RegionOutcome, RunStatus, UniqueVideo, VideoId } from "./Domain.js"
export { ConfigurationError, DatabaseConfig, IngestConfig, YouTubeConfig } from "./Config.js"
export type { DatabaseSettings, IngestSettings, RetryPolicy, YouTubeSettings } from "./Config.js"
export { DEFAULT_REGIONS, RegionCode, searchConfigFor } from "./Region.js"
export { ExitCode, exitCodeOf } from "./ExitCode.js"
export { migrations, MIGRATIONS_TABLE, runMigrations } from "./Store/Migrations.js"
export { MigrationsLive } from "./Store/Database.js"
export { StoreBusy, StoreFailed, VideoStore } from "./Store/VideoStore.js"
export { Spool } from "./Store/Spool.js"
export { RegionTimings } from "./RegionTimings.js"
export { chooseOrder, listScheduleMakespan } from "./RegionOrder.js"
export type { RunToSave } from "./Store/VideoStore.js"
export { YouTube } from "./YouTube/Client.js"
export type { RegionFetch } from "./YouTube/Client.js"
export { VideoItem, VideoListPage } from "./YouTube/Api.js"
export {
  AccessDenied,
  ApiUnavailable,
  ChartUnavailable,
  DecodeFailed,
  InvalidApiKey,
  QuotaExceeded,
  RateLimited,
  RequestRejected
} from "./YouTube/Errors.js"
export type { YouTubeError } from "./YouTube/Errors.js"
