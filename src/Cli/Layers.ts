import { FetchHttpClient } from "@effect/platform"
import { Layer } from "effect"
import { DatabaseConfig, YouTubeConfig } from "../Config.js"
import { IngestServices } from "../Ingest/Live.js"
import { StateDirectory } from "../State.js"
import { StoreConnection } from "../Store/Connection.js"
import { DatabaseLive } from "../Store/Database.js"
import { MigrationsLive } from "../Store/Migrations.js"
import { QuotaLedger } from "../Store/QuotaLedger.js"
import { VideoStore } from "../Store/VideoStore.js"

/** What the commands run on: the composition root of the command line. */

/** The database in `DATABASE_URL`, or the embedded one in the state directory given below. */
export const OnDatabase = DatabaseLive.pipe(Layer.provide(DatabaseConfig.layer))

/** The demo keeps its database (when embedded), spool and timings in `demo/` under the state directory. */
export const DemoState = StateDirectory.within("demo").pipe(Layer.provide(StateDirectory.layer))

/**
 * A run: the configuration is read (and refused) before any request; the database is
 * opened in the background while the regions are fetched.
 */
export const RunLive = Layer.mergeAll(
  IngestServices,
  StoreConnection.inBackground(Layer.mergeAll(VideoStore.Default, QuotaLedger.Default, MigrationsLive).pipe(Layer.provide(DatabaseLive)))
).pipe(
  Layer.provide(Layer.mergeAll(YouTubeConfig.layer, FetchHttpClient.layer, DatabaseConfig.layer)),
  Layer.provide(StateDirectory.layer)
)
