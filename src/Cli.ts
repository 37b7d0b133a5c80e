import { Args, Command, HelpDoc, Options } from "@effect/cli"
import { FetchHttpClient } from "@effect/platform"
import { Console, Effect, Layer, Schema } from "effect"
import packageJson from "../package.json" with { type: "json" }
import { DatabaseConfig } from "./Config.js"
import { DemoState, OnDatabase, RunLive } from "./Cli/Layers.js"
import { periodOption, regionsOption, usage } from "./Cli/Options.js"
import { report } from "./Cli/Report.js"
import { pruneCommand } from "./Cli/Prune.js"
import { serveCommand } from "./Cli/Serve.js"
import { statusCommand } from "./Cli/Status.js"
import { demo, DemoLive } from "./Demo/Demo.js"
import { demoWorld, WORLD_BUDGET, WorldLive } from "./Demo/World.js"
import { IncompleteRun } from "./Domain/Run.js"
import { ExportFormat, exportData } from "./Export/Export.js"
import { ingest } from "./Ingest/Pipeline.js"
import { withMetricsFile } from "./Metrics.js"
import { StateDirectory } from "./State.js"
import { ExportRows } from "./Store/ExportRows.js"
import { MigrationsLive } from "./Store/Migrations.js"
import { SearchHit, validateQuery, VideoSearch } from "./Store/Search.js"
import { StoredCharts } from "./Store/StoredCharts.js"

// ---------------------------------------------------------------- what each command runs on

const MigrateLive = MigrationsLive.pipe(Layer.provide(OnDatabase), Layer.provide(StateDirectory.layer))

const SearchLive = Layer.merge(VideoSearch.Default, MigrationsLive).pipe(Layer.provide(OnDatabase))
const SearchHere = SearchLive.pipe(Layer.provide(StateDirectory.layer))
const SearchDemo = SearchLive.pipe(Layer.provide(DemoState))

const ExportLive = Layer.mergeAll(ExportRows.Default, StoredCharts.Default, MigrationsLive).pipe(
  Layer.provide(OnDatabase),
  Layer.provide(StateDirectory.layer)
)

const WorldHere = WorldLive.pipe(Layer.provide(FetchHttpClient.layer))

const DemoHere = DemoLive.pipe(
  Layer.provide(Layer.merge(FetchHttpClient.layer, DatabaseConfig.layer)),
  Layer.provide(DemoState)
)

// ---------------------------------------------------------------- commands

/** A run that did not store every region fails with its report: the exit code says how it went. */
const runOnce = ingest.pipe(
  Effect.filterOrFail((report) => report.status === "ok", (report) => new IncompleteRun({ report })),
  withMetricsFile,
  Effect.asVoid
)

const run = Command.make("run", {}, () => runOnce).pipe(
  Command.withDescription(
    "Fetch the trending charts of every configured region once, store them, and exit " +
      "(0 all stored, 75 some regions failed, 69 nothing fetched or stored, 78 configuration error)."
  ),
  Command.provide(RunLive)
)

const migrate = Command.make("migrate", {}, () => Effect.log("database schema is up to date")).pipe(
  Command.withDescription("Apply the database migrations and exit."),
  Command.provide(MigrateLive)
)


const formatHit = (hit: SearchHit, index: number): string =>
  [
    `${String(index + 1).padStart(3)}. ${hit.title}`,
    `     ${hit.channelTitle} · ${hit.regions.join(",")} · ${
      hit.viewCount === null ? "views hidden" : `${hit.viewCount.toLocaleString("en-US")} views`
    } · ${hit.language}`,
    `     ${hit.url}`
  ].join("\n")

const search = Command.make(
  "search",
  {
    query: Args.text({ name: "query" }).pipe(
      Args.repeated,
      Args.withDescription("words to look for; quotes for a phrase, `or`, and -word to exclude, as in web search"),
      Args.mapEffect((words) => Effect.mapError(validateQuery(words.join(" ")), (e) => HelpDoc.p(e.message)))
    ),
    regions: regionsOption("only videos that trended in one of these regions (ISO 3166-1 alpha-2, e.g. PL or PL,SE)"),
    limit: Options.integer("limit").pipe(
      Options.withDescription("at most this many results (1–1000)"),
      Options.withDefault(20),
      Options.mapEffect((n) =>
        n >= 1 && n <= 1000 ? Effect.succeed(n) : Effect.fail(usage(`--limit must be between 1 and 1000, got ${n}`))
      )
    ),
    json: Options.boolean("json").pipe(Options.withDescription("one JSON object per line")),
    demo: Options.boolean("demo").pipe(Options.withDescription("search the database the `demo` command filled"))
  },
  ({ json, limit, query, regions }) =>
    Effect.gen(function*() {
      const hits = yield* (yield* VideoSearch).search({ query, regions, limit })
      if (json) {
        const line = Schema.encode(Schema.parseJson(SearchHit))
        for (const hit of hits) yield* Console.log(yield* Effect.orDie(line(hit)))
      } else if (hits.length === 0) {
        yield* Console.log(`No stored video matches ${JSON.stringify(query)}.`)
      } else {
        yield* Console.log(hits.map(formatHit).join("\n"))
      }
    })
).pipe(
  Command.withDescription(
    "Search stored videos by title, channel, tags and description, each in its own language " +
      "(a Swedish `springa` finds `springer`; `lodz` finds `Łódź`)."
  ),
  Command.provide(({ demo }) => (demo ? SearchDemo : SearchHere))
)


/** Whether the terminal gets a progress line: only stderr on a terminal, never a pipe or a file. */
const progressLine = (line: string) =>
  Effect.sync(() => {
    if (process.stderr.isTTY) process.stderr.write(line === "" ? "\r\x1b[K" : `\r\x1b[K${line}`)
  })

const exportCommand = Command.make(
  "export",
  {
    format: Options.choice("format", ExportFormat.literals).pipe(
      Options.withDescription(
        "kaggle: per region XX_youtube_trending_data.csv and XX_category_id.json, the public dataset's layout " +
          "(one row per video and UTC day of the overall chart); jsonl: per region XX_trending_entries.jsonl, " +
          "one object per trending entry of every chart with every stored field; parquet: per region " +
          "XX_trending_entries.parquet, the same records as typed columns (64-bit counters, UTC timestamps, lists)"
      )
    ),
    out: Options.text("out").pipe(Options.withDescription("the directory to write into (created if missing)")),
    regions: regionsOption("only these regions (ISO 3166-1 alpha-2, e.g. PL or PL,SE); default: every region with data"),
    period: periodOption("the first stored", "the last stored")
  },
  ({ format, out, period, regions }) =>
    exportData({ format, out, regions, ...period, progress: progressLine }).pipe(Effect.asVoid)
).pipe(
  Command.withDescription(
    "Write the stored history as files, e.g. `export --format kaggle --out ./trending --region PL,SE --since 2026-11-01`: " +
      "streamed from the database, each file written under a temporary name and renamed when whole " +
      "(0 done, 64 bad options, 69 database unreachable, 73 --out cannot be written)."
  ),
  Command.provide(ExportLive)
)

const demoCommand = Command.make(
  "demo",
  {
    world: Options.boolean("world").pipe(
      Options.withDescription(
        `every region YouTube lists (REGIONS=all) on a budget of ${WORLD_BUDGET} units a day, over three quota days: ` +
          "what the planner sends, defers, and reaches by rotation (on a fresh embedded database of its own)"
      )
    )
  },
  ({ world }) => (world ? Effect.provide(demoWorld, WorldHere) : Effect.provide(demo, DemoHere))
).pipe(
  Command.withDescription(
    "A full run against a built-in simulated YouTube API (with a rate limit and a malformed item to show), " +
      "on its own embedded database (or DATABASE_URL): needs no key and no network."
  )
)

const root = Command.make("viralvidvault").pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p("Collects YouTube's trending videos for several regions into PostgreSQL. With no command, does `run`."),
      HelpDoc.p(
        "Configuration (environment): YOUTUBE_API_KEY (or $CREDENTIALS_DIRECTORY/youtube-api-key), YOUTUBE_API_KEYS (several, comma-separated), " +
          "YOUTUBE_API_BASE_URL, DATABASE_URL (unset: the embedded database), REGIONS (US,GB,PL,NL,SE,NO,AT; or all), " +
          "CHARTS (all; or category ids, or every), FETCH_CONCURRENCY (3), MAX_RESULTS (25), TRACK_DAYS (3; 0 off), " +
          "QUOTA_UNITS_PER_DAY (10000 a key), RUN_INTERVAL (7h), METRICS_FILE (a Prometheus text file after each run), " +
          "OTEL_EXPORTER_OTLP_ENDPOINT (traces over OTLP/HTTP; unset: none), " +
          "STATE_DIRECTORY, LOG_FORMAT (auto|json|pretty), " +
          "LOG_LEVEL (info; or trace, debug, warn, error, fatal, off, all), NO_COLOR."
      ),
      HelpDoc.p(
        "Exit codes: 0 all stored, 75 partial, 69 nothing fetched or stored, 78 configuration or credential error, " +
          "64 bad command line, 73 an output that cannot be written (export), 69 also a port serve cannot take, " +
          "130/143 interrupted, 1 a bug."
      )
    ])
  ),
  Command.withSubcommands([run, statusCommand, search, report, exportCommand, serveCommand, pruneCommand, migrate, demoCommand])
)

const parse = Command.run(root, { name: "viralvidvault", version: packageJson.version })

/** `node dist/main.js …`; with no arguments at all, it does `run` (what the timer starts). */
export const cli = (argv: ReadonlyArray<string>) => parse(argv.length > 2 ? argv : [...argv, "run"])