import { Args, Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { FetchHttpClient } from "@effect/platform"
import { Clock, Console, Effect, Either, Layer, Option, Schema } from "effect"
import packageJson from "../package.json" with { type: "json" }
import { DatabaseConfig, YouTubeConfig } from "./Config.js"
import { demo, DemoLive } from "./Demo/Demo.js"
import { parseRegions, RegionCode } from "./Domain/Region.js"
import { IncompleteRun } from "./Domain/Run.js"
import { IngestServices } from "./Ingest/Live.js"
import { ingest } from "./Ingest/Pipeline.js"
import { StateDirectory } from "./State.js"
import { StoreConnection } from "./Store/Connection.js"
import { DatabaseLive } from "./Store/Database.js"
import { MigrationsLive } from "./Store/Migrations.js"
import { SearchHit, validateQuery, VideoSearch } from "./Store/Search.js"
import { ExportRows } from "./Store/ExportRows.js"
import { StoredCharts } from "./Store/StoredCharts.js"
import { ExportFormat, exportData } from "./Export/Export.js"
import { VideoStore } from "./Store/VideoStore.js"
import { Chart, Overlap, Run, Trends, VideoHistory } from "./Store/Trends.js"
import { renderChart, renderOverlap, renderRuns, renderVideo } from "./Report/Render.js"
import { ChartId, VideoId } from "./Domain/Video.js"

// ---------------------------------------------------------------- what each command runs on

/** The database in `DATABASE_URL`, or the embedded one in the state directory given below. */
const OnDatabase = DatabaseLive.pipe(Layer.provide(DatabaseConfig.layer))

/** The demo keeps its database (when embedded), spool and timings in `demo/` under the state directory. */
const DemoState = StateDirectory.within("demo").pipe(Layer.provide(StateDirectory.layer))

/**
 * A run: the configuration is read (and refused) before any request; the database is
 * opened in the background while the regions are fetched.
 */
const RunLive = Layer.mergeAll(
  IngestServices,
  StoreConnection.inBackground(Layer.merge(VideoStore.Default, MigrationsLive).pipe(Layer.provide(DatabaseLive)))
).pipe(
  Layer.provide(Layer.mergeAll(YouTubeConfig.layer, FetchHttpClient.layer, DatabaseConfig.layer)),
  Layer.provide(StateDirectory.layer)
)

const MigrateLive = MigrationsLive.pipe(Layer.provide(OnDatabase), Layer.provide(StateDirectory.layer))

const SearchLive = Layer.merge(VideoSearch.Default, MigrationsLive).pipe(Layer.provide(OnDatabase))
const SearchHere = SearchLive.pipe(Layer.provide(StateDirectory.layer))
const SearchDemo = SearchLive.pipe(Layer.provide(DemoState))

const ExportLive = Layer.mergeAll(ExportRows.Default, StoredCharts.Default, MigrationsLive).pipe(
  Layer.provide(OnDatabase),
  Layer.provide(StateDirectory.layer)
)

const ReportLive = Layer.merge(Trends.Default, MigrationsLive).pipe(Layer.provide(OnDatabase), Layer.provide(StateDirectory.layer))

const ServeLive = Layer.mergeAll(Trends.Default, VideoSearch.Default, MigrationsLive).pipe(
  Layer.provide(OnDatabase),
  Layer.provide(StateDirectory.layer)
)

const DemoHere = DemoLive.pipe(
  Layer.provide(Layer.merge(FetchHttpClient.layer, DatabaseConfig.layer)),
  Layer.provide(DemoState)
)

// ---------------------------------------------------------------- commands

/** A run that did not store every region fails with its report: the exit code says how it went. */
const runOnce = ingest.pipe(
  Effect.filterOrFail((report) => report.status === "ok", (report) => new IncompleteRun({ report })),
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

/** A bad option, refused while the command line is parsed: before anything is opened. */
const usage = (message: string) => ValidationError.invalidValue(HelpDoc.p(message))

/** `--region PL,SE`, parsed as REGIONS is; absent: none (the command's default). */
const regionsOption = (description: string) =>
  Options.text("region").pipe(
    Options.withDescription(description),
    Options.optional,
    Options.mapEffect(Option.match({
      onNone: () => Effect.succeed([]),
      onSome: (raw) => Either.match(parseRegions(raw), { onLeft: (d) => Effect.fail(usage(`--region: ${d}`)), onRight: Effect.succeed })
    }))
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

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/** `YYYY-MM-DD`, a day that exists. */
const day = (name: string) =>
  Options.text(name).pipe(
    Options.optional,
    Options.mapEffect(Option.match({
      onNone: () => Effect.succeed(undefined),
      onSome: (raw) => {
        const match = DAY.exec(raw.trim())
        const date = match === null ? undefined : new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
        return date !== undefined && date.toISOString().startsWith(raw.trim())
          ? Effect.succeed(raw.trim())
          : Effect.fail(usage(`--${name}: expected a day as YYYY-MM-DD (UTC), e.g. 2026-11-01, got "${raw}"`))
      }
    }))
  )

/** `--since` and `--until`, UTC days, both included; refused when `--until` comes first. */
const periodOption = (sinceDefault: string, untilDefault: string) =>
  Options.all({
    since: day("since").pipe(Options.withDescription(`from this UTC day on (YYYY-MM-DD); default: ${sinceDefault}`)),
    until: day("until").pipe(Options.withDescription(`up to this UTC day, included (YYYY-MM-DD); default: ${untilDefault}`))
  }).pipe(
    Options.mapEffect((period) =>
      period.since !== undefined && period.until !== undefined && period.until < period.since
        ? Effect.fail(usage(`--until ${period.until} is before --since ${period.since}`))
        : Effect.succeed(period)
    )
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

// ---------------------------------------------------------------- report

const jsonOption = Options.boolean("json").pipe(Options.withDescription("the JSON the HTTP API answers with, on one line"))

const chartOption = Options.text("chart").pipe(
  Options.withDescription("`all` (the overall chart) or a category id, e.g. 10 for Music"),
  Options.withDefault("all"),
  Options.mapEffect((raw) =>
    Either.match(Schema.decodeUnknownEither(ChartId)(raw.trim()), {
      onLeft: () => Effect.fail(usage(`--chart: expected all or a category id (digits), got "${raw}"`)),
      onRight: Effect.succeed
    })
  )
)

/** Prints what was found, as text or as JSON (`null` when nothing is stored: a script reads the same shape). */
const answer = <A, I>(schema: Schema.Schema<A, I>, json: boolean, found: Option.Option<A>, text: (a: A) => string, none: string) =>
  json
    ? Effect.flatMap(
      Effect.orDie(Option.match(found, { onNone: () => Effect.succeed("null"), onSome: Schema.encode(Schema.parseJson(schema)) })),
      Console.log
    )
    : Console.log(Option.match(found, { onNone: () => none, onSome: text }))

const reportChart = Command.make(
  "chart",
  {
    region: Args.text({ name: "region" }).pipe(
      Args.withDescription("a region code, e.g. PL"),
      Args.mapEffect((raw) => Either.match(parseRegions(raw), { onLeft: (d) => Effect.fail(HelpDoc.p(d)), onRight: (r) => Effect.succeed(r[0]!) }))
    ),
    chart: chartOption,
    at: Options.text("at").pipe(
      Options.withDescription("the chart as it stood at this time (ISO 8601, e.g. 2026-11-20T12:00Z); default: now"),
      Options.optional,
      Options.mapEffect(Option.match({
        onNone: () => Effect.succeed(undefined),
        onSome: (raw) => Number.isNaN(Date.parse(raw)) ? Effect.fail(usage(`--at: expected an ISO 8601 time, got "${raw}"`)) : Effect.succeed(new Date(raw))
      }))
    ),
    json: jsonOption
  },
  ({ at, chart, json, region }) =>
    Effect.gen(function*() {
      const when = at ?? new Date(yield* Clock.currentTimeMillis)
      const found = yield* (yield* Trends).chart(RegionCode.make(region), chart, when)
      yield* answer(Chart, json, found, renderChart, `Nothing stored for ${region}'s chart ${chart} at ${when.toISOString()}.`)
    })
).pipe(Command.withDescription("A region's chart as it stood at a time: rank, views, likes, length, category, title."))

const reportVideo = Command.make(
  "video",
  {
    id: Args.text({ name: "id" }).pipe(
      Args.withDescription("a video id, e.g. kQ8f3Lr2ZxA"),
      Args.mapEffect((raw) => Effect.mapError(Schema.decodeUnknown(VideoId)(raw.trim()), () => HelpDoc.p(`not a video id: "${raw}"`)))
    ),
    json: jsonOption
  },
  ({ id, json }) =>
    Effect.flatMap(Effect.flatMap(Trends, (trends) => trends.video(id)), (found) =>
      answer(VideoHistory, json, found, renderVideo, `No stored video has the id ${id}.`))
).pipe(Command.withDescription("A video: its record, where and how high it trended, its counters over time, its titles."))

const reportOverlap = Command.make(
  "overlap",
  {
    period: periodOption("7 days before --until", "now"),
    chart: chartOption,
    json: jsonOption
  },
  ({ chart, json, period: { since, until } }) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const to = until === undefined ? new Date(now) : new Date(Date.parse(until) + 86_400_000)
      const from = since === undefined ? new Date(to.getTime() - 7 * 86_400_000) : new Date(Date.parse(since))
      const overlap = yield* (yield* Trends).overlap(from, to, chart)
      yield* answer(Overlap, json, Option.some(overlap), (o) => renderOverlap(o, from, to), "")
    })
).pipe(Command.withDescription("How many videos the regions' charts shared in a period: a matrix, each region's own count on the diagonal."))

const reportRuns = Command.make(
  "runs",
  {
    limit: Options.integer("limit").pipe(
      Options.withDescription("the newest this many (1–100)"),
      Options.withDefault(10),
      Options.mapEffect((n) => (n >= 1 && n <= 100 ? Effect.succeed(n) : Effect.fail(usage(`--limit must be between 1 and 100, got ${n}`))))
    ),
    json: jsonOption
  },
  ({ json, limit }) =>
    Effect.flatMap(Effect.flatMap(Trends, (trends) => trends.runs(limit)), (runs) =>
      answer(Schema.Array(Run), json, Option.some(runs), renderRuns, ""))
).pipe(Command.withDescription("The newest runs: when, how they went, what they stored."))

const report = Command.make("report").pipe(
  Command.withDescription("Read the archive in a terminal (or --json for scripts): a chart at a time, a video, the overlap of regions, the runs."),
  Command.withSubcommands([reportChart, reportVideo, reportOverlap, reportRuns]),
  Command.provide(ReportLive)
)

// ---------------------------------------------------------------- serve

const serveCommand = Command.make(
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
    )
  },
  // Loaded when asked for: a run (what the timer starts) does not pay for the HTTP server's code.
  (options) => Effect.flatMap(Effect.promise(() => import("./Http/Serve.js")), (http) => http.serve(options))
).pipe(
  Command.withDescription(
    "Serve the archive read-only over HTTP until stopped: the JSON API (/api/health, /api/runs, /api/charts/{region}, " +
      "/api/search, /api/videos/{id}, /api/overlap) and its OpenAPI document (/openapi.json). SIGTERM: exit 143."
  ),
  Command.provide(ServeLive)
)

const demoCommand = Command.make("demo", {}, () => demo).pipe(
  Command.withDescription(
    "A full run against a built-in simulated YouTube API (with a rate limit and a malformed item to show), " +
      "on its own embedded database (or DATABASE_URL): needs no key and no network."
  ),
  Command.provide(DemoHere)
)

const root = Command.make("viralvidvault").pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p("Collects YouTube's trending videos for several regions into PostgreSQL. With no command, does `run`."),
      HelpDoc.p(
        "Configuration (environment): YOUTUBE_API_KEY (or $CREDENTIALS_DIRECTORY/youtube-api-key), " +
          "YOUTUBE_API_BASE_URL, DATABASE_URL (unset: the embedded database), REGIONS (US,GB,PL,NL,SE,NO,AT), " +
          "CHARTS (all; or category ids, or every), FETCH_CONCURRENCY (3), MAX_RESULTS (25), TRACK_DAYS (3; 0 off), " +
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
  Command.withSubcommands([run, search, report, exportCommand, serveCommand, migrate, demoCommand])
)

const parse = Command.run(root, { name: "viralvidvault", version: packageJson.version })

/** `node dist/main.js …`; with no arguments at all, it does `run` (what the timer starts). */
export const cli = (argv: ReadonlyArray<string>) => parse(argv.length > 2 ? argv : [...argv, "run"])
