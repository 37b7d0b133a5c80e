import type { HttpClient } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import type { SqlClient } from "@effect/sql"
import { Layer } from "effect"
import { type ConfigurationError, IngestConfig, YouTubeConfig } from "../Config.js"
import { StateDirectory } from "../State.js"
import { StoreConnection } from "../Store/Connection.js"
import type { StoreError } from "../Store/Errors.js"
import { MigrationsLive } from "../Store/Migrations.js"
import { QuotaLedger } from "../Store/QuotaLedger.js"
import { Spool } from "../Store/Spool.js"
import { VideoStore } from "../Store/VideoStore.js"
import { YouTube } from "../YouTube/Client.js"
import { RegionTimings } from "./Timings.js"

/**
 * What `ingest` needs besides the store: its settings, the YouTube client, and the
 * state directory's spool and region timings.
 */
export const IngestServices = Layer.mergeAll(IngestConfig.layer, YouTube.Default, Spool.Default, RegionTimings.Default)

/**
 * Everything `ingest` needs, from only an `HttpClient` and a `SqlClient` (configuration
 * from the host's ConfigProvider, files through Node's). Building it applies the
 * migrations.
 */
export const IngestLive: Layer.Layer<
  IngestConfig | YouTube | Spool | RegionTimings | StoreConnection,
  ConfigurationError | StoreError,
  HttpClient.HttpClient | SqlClient.SqlClient
> = Layer.mergeAll(
  IngestServices,
  StoreConnection.opened.pipe(Layer.provide(Layer.mergeAll(VideoStore.Default, QuotaLedger.Default, MigrationsLive)))
).pipe(
  Layer.provide(Layer.merge(YouTubeConfig.layer, StateDirectory.layer)),
  Layer.provide(Layer.merge(NodeFileSystem.layer, NodePath.layer))
)
