import { Args, Command, HelpDoc, Options } from "@effect/cli"
import { FetchHttpClient } from "@effect/platform"
import { Console, Context, Data, Effect, Either, Layer, Option } from "effect"
import packageJson from "../package.json" with { type: "json" }
import { DatabaseConfig, IngestConfig, parseRegions, YouTubeConfig } from "./Config.js"
import { demo } from "./Demo/Demo.js"
import { exitCodeOf } from "./ExitCode.js"
import { ingestWith, StateServices } from "./Ingest.js"
import { databaseLayer, DatabaseLive, MigrationsLive } from "./Store/Database.js"
import { InvalidQuery, type SearchHit, validateQuery, VideoSearch } from "./Store/Search.js"
import { VideoStore } from "./Store/VideoStore.js"
import { YouTube } from "./YouTube/Client.js"

/** Ends the process with a code other than 0; what went wrong has been logged already. */
export class ExitWith extends Data.TaggedError("ExitWith")<{ readonly code: number }> {}

/** The demo keeps its simulated videos out of the real embedded database. */
const DemoDatabase = databaseLayer("demo-pgdata")

/** What a run needs before it can fetch; the database is opened during the fetch. */
const FetchLayer = Layer.mergeAll(IngestConfig.layer, YouTube.Default, StateServices).pipe(
  Layer.provide(Layer.mergeAll(YouTubeConfig.layer, FetchHttpClient.layer, DatabaseConfig.layer))
)
const StoreLayer = Layer.mergeAll(VideoStore.Default, MigrationsLive).pipe(Layer.provide(DatabaseLive))
const openStore = Effect.map(Layer.build(StoreLayer), Context.get(VideoStore))
const MigrateLayer = MigrationsLive.pipe(Layer.provide(DatabaseLive))
const searchLayer = (database: typeof DatabaseLive) =>
  Layer.mergeAll(VideoSearch.Default, MigrationsLive).pipe(Layer.provide(database))
const SearchLayer = searchLayer(DatabaseLive)
const DemoSearchLayer = searchLayer(DemoDatabase)
const DemoLayer = Layer.mergeAll(DemoSearchLayer, DemoDatabase, FetchHttpClient.layer, DatabaseConfig.layer)

const runOnce = ingestWith(openStore).pipe(
  Effect.flatMap((report) => {
    const code = exitCodeOf(report)
    return code === 0 ? Effect.void : Effect.fail(new ExitWith({ code }))
  }),
  Effect.scoped,
  Effect.provide(FetchLayer)
)

const run = Command.make("run", {}, () => runOnce).pipe(
  Command.withDescription(
    "Fetch the trending charts of every configured region once, store them, and exit " +
      "(0 all stored, 75 some regions failed, 69 nothing fetched or stored, 78 configuration error)."
  )
)

const migrate = Command.make("migrate", {}, () =>
  Effect.log("database schema is up to date").pipe(Effect.provide(MigrateLayer))).pipe(
    Command.withDescription("Apply the database migrations and exit.")
  )

const formatHit = (hit: SearchHit, index: number): string =>
  [
    `${String(index + 1).padStart(3)}. ${hit.title}`,
    `     ${hit.channelTitle} · ${hit.regions.join(",")} · ${hit.viewCount.toLocaleString("en-US")} views · ${hit.language}`,
    `     ${hit.url}`
  ].join("\n")

const search = Command.make(
  "search",
  {
    words: Args.text({ name: "query" }).pipe(
      Args.repeated,
      Args.withDescription("words to look for; quotes for a phrase, `or`, and -word to exclude, as in web search")
    ),
    region: Options.text("region").pipe(
      Options.withDescription("only videos that trended in one of these regions (ISO 3166-1 alpha-2, e.g. PL or PL,SE)"),
      Options.optional
    ),
    limit: Options.integer("limit").pipe(Options.withDescription("at most this many results (1–1000)"), Options.withDefault(20)),
    json: Options.boolean("json").pipe(Options.withDescription("one JSON object per line")),
    demo: Options.boolean("demo").pipe(Options.withDescription("search the database the `demo` command filled"))
  },
  ({ demo: inDemo, json, limit, region, words }) =>
    Effect.gen(function*() {
      const query = yield* validateQuery(words.join(" "))
      const regions = yield* Option.match(region, {
        onNone: () => Effect.succeed([]),
        onSome: (raw) =>
          Either.match(parseRegions(raw), {
            onLeft: (detail) => new InvalidQuery({ query, detail: `--region: ${detail}` }),
            onRight: Effect.succeed
          })
      })
      if (limit < 1 || limit > 1000) {
        return yield* new InvalidQuery({ query, detail: `--limit must be between 1 and 1000, got ${limit}` })
      }
      const hits = yield* Effect.flatMap(VideoSearch, (s) => s.search({ query, regions, limit })).pipe(
        Effect.provide(inDemo ? DemoSearchLayer : SearchLayer)
      )
      if (json) {
        for (const hit of hits) {
          yield* Console.log(JSON.stringify({ ...hit, lastSeenAt: hit.lastSeenAt.toISOString() }))
        }
      } else if (hits.length === 0) {
        yield* Console.log(`No stored video matches ${JSON.stringify(query)}.`)
      } else {
        yield* Console.log(hits.map(formatHit).join("\n"))
      }
    })
).pipe(
  Command.withDescription(
    "Search stored videos by title and channel, each in its own language " +
      "(a Swedish `springa` finds `springer`; `lodz` finds `Łódź`)."
  )
)

const demoCommand = Command.make("demo", {}, () => Effect.scoped(demo).pipe(Effect.provide(DemoLayer), Effect.asVoid)).pipe(
  Command.withDescription(
    "A full run against a built-in simulated YouTube API (with a rate limit and a malformed item to show), " +
      "on its own embedded database (or DATABASE_URL): needs no key and no network."
  )
)

const root = Command.make("viralvidvault", {}, () => runOnce).pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p("Collects YouTube's trending videos for several regions into PostgreSQL. With no command, does `run`."),
      HelpDoc.p(
        "Configuration (environment): YOUTUBE_API_KEY (or $CREDENTIALS_DIRECTORY/youtube-api-key), " +
          "YOUTUBE_API_BASE_URL, DATABASE_URL (unset: the embedded database), REGIONS (US,GB,PL,NL,SE,NO,AT), " +
          "FETCH_CONCURRENCY (3), MAX_RESULTS (25), STATE_DIRECTORY, LOG_FORMAT (auto|json|pretty), LOG_LEVEL (info; or trace, debug, warn, error, off)."
      ),
      HelpDoc.p(
        "Exit codes: 0 all stored, 75 partial, 69 nothing fetched or stored, 78 configuration or credential error, " +
          "64 bad command line, 130/143 interrupted, 1 a bug."
      )
    ])
  ),
  Command.withSubcommands([run, search, migrate, demoCommand])
)

export const cli = Command.run(root, { name: "viralvidvault", version: packageJson.version })
