import { Command, Options } from "@effect/cli"
import { FetchHttpClient } from "@effect/platform"
import { ConfigProvider, Duration, Effect, Either, Layer, Option } from "effect"
import { DatabaseConfig } from "../Config.js"
import { IncompleteRun } from "../Domain/Run.js"
import { IngestLive } from "../Ingest/Live.js"
import { ingest } from "../Ingest/Pipeline.js"
import { withMetricsFile } from "../Metrics.js"
import { parseInterval } from "../Domain/Interval.js"
import { runEvery } from "../Ingest/Schedule.js"
import { StateDirectory } from "../State.js"
import { DatabaseLive } from "../Store/Database.js"
import { MigrationsLive } from "../Store/Migrations.js"
import { VideoSearch } from "../Store/Search.js"
import { Trends } from "../Store/Trends.js"
import { OnDatabase } from "./Layers.js"
import { usage } from "./Options.js"

/** `serve`: the API and the page; with `--ingest-every`, the collection too, in the same process. */

/** The reads the server needs. */
const ServeLive = Layer.mergeAll(Trends.Default, VideoSearch.Default, MigrationsLive).pipe(
  Layer.provide(OnDatabase),
  Layer.provide(StateDirectory.layer)
)

/**
 * The reads and a run's services on ONE database connection: the embedded database can
 * be opened by one process once, so the server and its runs share it. The runs come
 * every `interval`: that is `RUN_INTERVAL` (what a run keeps of the day's quota for the
 * later ones) unless the environment says otherwise.
 */
const serveAndIngestLive = (interval: Duration.Duration) =>
  Layer.mergeAll(Trends.Default, VideoSearch.Default, IngestLive).pipe(
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(DatabaseLive),
    Layer.provide(Layer.merge(DatabaseConfig.layer, StateDirectory.layer)),
    Layer.provide(Layer.setConfigProvider(
      ConfigProvider.fromEnv().pipe(
        ConfigProvider.orElse(() => ConfigProvider.fromMap(new Map([["RUN_INTERVAL", `${Math.round(Duration.toSeconds(interval))}s`]])))
      )
    ))
  )

/** A run that stored less than every chart is logged by the run itself; the schedule goes on either way. */
const scheduledRun = ingest.pipe(
  Effect.filterOrFail((report) => report.status === "ok", (report) => new IncompleteRun({ report })),
  withMetricsFile
)

export const serveCommand = Command.make(
  "serve",
  {
    host: Options.text("host").pipe(
      Options.withDescription("the address to listen on; default 127.0.0.1 (this machine only)"),
      Options.withDefault("127.0.0.1")
    ),
    port: Options.integer("port").pipe(
      Options.withDescription("the port (0: any free one, said in the log)"),
      Options.withDefault(8080),
      Options.mapEffect((n) => (n >= 0 && n <= 65535 ? Effect.succeed(n) : Effect.fail(usage(`--port must be between 0 and 65535, got ${n}`))))
    ),
    ingestEvery: Options.text("ingest-every").pipe(
      Options.withDescription(
        "also collect on this interval (e.g. 7h, 90m, 1d12h), one run at a time; the first at start unless the " +
          "newest stored run is younger. Needs the run's configuration (YOUTUBE_API_KEY…). How the embedded " +
          "database gets a collector and a server; with DATABASE_URL the timer and serve can run apart instead"
      ),
      Options.optional,
      Options.mapEffect(Option.match({
        onNone: () => Effect.succeed(Option.none<Duration.Duration>()),
        onSome: (raw) => Either.match(parseInterval(raw), { onLeft: (why) => Effect.fail(usage(`--ingest-every: ${why}`)), onRight: (d) => Effect.succeedSome(d) })
      }))
    )
  },
  ({ host, ingestEvery, port }) =>
    Effect.gen(function*() {
      // Loaded when asked for: a run (what the timer starts) does not pay for the HTTP server's code.
      const http = yield* Effect.promise(() => import("../Http/Serve.js"))
      const server = http.serve({ host, port })
      if (Option.isNone(ingestEvery)) return yield* Effect.provide(server, ServeLive)
      const collecting = Effect.gen(function*() {
        const trends = yield* Trends
        const schedule = runEvery({
          interval: ingestEvery.value,
          lastRunAt: Effect.map(trends.runs(1), (newest) => Option.map(Option.fromNullable(newest[0]), (run) => run.startedAt)),
          run: scheduledRun
        })
        return yield* Effect.raceFirst(server, schedule)
      })
      return yield* Effect.provide(collecting, serveAndIngestLive(ingestEvery.value))
    })
).pipe(
  Command.withDescription(
    "Serve the archive read-only over HTTP until stopped: the web page (/), the JSON API (/api/health, /api/runs, " +
      "/api/charts/{region}, /api/search, /api/videos/{id}, /api/overlap), its OpenAPI document (/openapi.json) and " +
      "its documentation (/docs). SIGTERM: exit 143."
  )
)
