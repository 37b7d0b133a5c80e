import { Config, Context, Duration, Effect, Either, Layer, LogLevel, Option, Redacted } from "effect"
import { apiKeys } from "./ApiKeys.js"
import { between, invalid, load, variable } from "./ConfigLoad.js"
import { type ChartSelection, parseCharts } from "./Domain/Charts.js"
import { parseInterval } from "./Domain/Interval.js"
import { type ApiKey, apiKey as namedKey, DEFAULT_UNITS_PER_DAY } from "./Domain/Quota.js"
import { DEFAULT_REGIONS, isEveryRegion, parseRegions, type RegionCode } from "./Domain/Region.js"

export { ConfigurationError, load } from "./ConfigLoad.js"

/** How the client retries what is retryable. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number
  readonly baseDelay: Duration.Duration
  readonly maxDelay: Duration.Duration
  /** No retry starts once this much time has passed since the first attempt. */
  readonly maxElapsed: Duration.Duration
  /** A `Retry-After` longer than this is not waited for: the region fails instead. */
  readonly maxRetryAfter: Duration.Duration
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 4,
  baseDelay: Duration.millis(500),
  maxDelay: Duration.seconds(20),
  maxElapsed: Duration.seconds(90),
  maxRetryAfter: Duration.seconds(60)
}

export const DEFAULT_BASE_URL = "https://www.googleapis.com/youtube/v3"

export interface YouTubeSettings {
  /** In the order given: a run uses the first until it is spent, then the next. Never empty. */
  readonly apiKeys: ReadonlyArray<ApiKey>
  readonly baseUrl: string
  /** Videos per region, 1–200, fetched in pages of at most 50. */
  readonly maxResults: number
  readonly requestTimeout: Duration.Duration
  readonly retry: RetryPolicy
}

/** Settings with the defaults for what the environment does not set (the demo, the bench and tests use it too). */
export const youTubeSettings = (
  given: { readonly apiKey: Redacted.Redacted; readonly baseUrl: string } & Partial<Omit<YouTubeSettings, "baseUrl">>
): YouTubeSettings => {
  const { apiKey, ...rest } = given
  return { maxResults: 25, requestTimeout: Duration.seconds(10), retry: defaultRetryPolicy, apiKeys: [namedKey(apiKey)], ...rest }
}

const baseUrl = variable(
  "YOUTUBE_API_BASE_URL",
  Config.string().pipe(
    Config.withDefault(DEFAULT_BASE_URL),
    Config.mapOrFail((url) => {
      const parsed = URL.canParse(url) ? new URL(url) : undefined
      if (parsed === undefined) return Either.left(invalid(`must be a URL such as ${DEFAULT_BASE_URL}, got "${url}"`))
      return parsed.protocol === "http:" || parsed.protocol === "https:"
        ? Either.right(url.replace(/\/+$/, ""))
        : Either.left(invalid("must be an http(s) URL"))
    })
  )
)

const maxResults = variable("MAX_RESULTS", Config.integer().pipe(Config.withDefault(25), Config.mapOrFail(between(1, 200))))

export class YouTubeConfig extends Context.Tag("viralvidvault/YouTubeConfig")<YouTubeConfig, YouTubeSettings>() {
  /** From the environment (or the host's ConfigProvider). */
  static readonly layer = Layer.effect(
    YouTubeConfig,
    Effect.all({ apiKeys, config: load(Config.all({ baseUrl, maxResults })) }).pipe(
      Effect.map(({ apiKeys, config }): YouTubeSettings => ({ ...youTubeSettings({ apiKey: apiKeys[0]!.value, ...config }), apiKeys }))
    )
  )
}

export interface IngestSettings {
  /** The regions to collect; with `everyRegion`, those the run resolved (none before it has). */
  readonly regions: ReadonlyArray<RegionCode>
  /** `REGIONS=all`: every region `i18nRegions.list` gives (Ingest/Regions.ts resolves them at the start of each run). */
  readonly everyRegion: boolean
  /** Which charts of each region (`CHARTS`). */
  readonly charts: ChartSelection
  /** Units (a region's chart) fetched at once. */
  readonly concurrency: number
  /** For how many days after it was last in a chart a video's counters are refreshed (`TRACK_DAYS`); 0: never. */
  readonly trackDays: number
  /** Each key's budget a quota day (`QUOTA_UNITS_PER_DAY`). */
  readonly unitsPerDay: number
  /** How often runs come (`RUN_INTERVAL`): the room a run keeps for the day's later runs. */
  readonly runInterval: Duration.Duration
}

/** Settings with the defaults for what is not given (the bench and tests build them by hand). */
export const ingestSettings = (
  given: Pick<IngestSettings, "regions" | "charts" | "concurrency" | "trackDays"> & Partial<IngestSettings>
): IngestSettings => ({ unitsPerDay: DEFAULT_UNITS_PER_DAY, runInterval: Duration.hours(7), everyRegion: false, ...given })

export class IngestConfig extends Context.Tag("viralvidvault/IngestConfig")<IngestConfig, IngestSettings>() {
  static readonly layer = Layer.effect(
    IngestConfig,
    load(Config.all({
      regions: variable(
        "REGIONS",
        Config.string().pipe(
          Config.withDefault(DEFAULT_REGIONS.join(",")),
          Config.mapOrFail((raw) =>
            isEveryRegion(raw) ? Either.right([]) : Either.mapLeft(parseRegions(raw), (why) => invalid(`${why}; or all, for every region YouTube lists`))
          )
        )
      ),
      everyRegion: Config.string("REGIONS").pipe(Config.map(isEveryRegion), Config.withDefault(false)),
      charts: variable(
        "CHARTS",
        Config.string().pipe(
          Config.withDefault("all"),
          Config.mapOrFail((raw) => Either.mapLeft(parseCharts(raw), invalid))
        )
      ),
      concurrency: variable("FETCH_CONCURRENCY", Config.integer().pipe(Config.withDefault(3), Config.mapOrFail(between(1, 50)))),
      trackDays: variable("TRACK_DAYS", Config.integer().pipe(Config.withDefault(3), Config.mapOrFail(between(0, 365)))),
      unitsPerDay: variable(
        "QUOTA_UNITS_PER_DAY",
        Config.integer().pipe(Config.withDefault(DEFAULT_UNITS_PER_DAY), Config.mapOrFail(between(1, 100_000_000)))
      ),
      runInterval: variable(
        "RUN_INTERVAL",
        Config.string().pipe(
          Config.withDefault("7h"),
          Config.mapOrFail((raw) => Either.mapLeft(parseInterval(raw), invalid))
        )
      )
    }))
  )
}

export interface DatabaseSettings {
  /** `postgres://…`; none means the embedded database. */
  readonly url: Option.Option<Redacted.Redacted>
}

export class DatabaseConfig extends Context.Tag("viralvidvault/DatabaseConfig")<DatabaseConfig, DatabaseSettings>() {
  static readonly layer = Layer.effect(
    DatabaseConfig,
    load(Config.all({
      url: Config.option(variable(
        "DATABASE_URL",
        Config.redacted().pipe(Config.mapOrFail((url) =>
          /^postgres(ql)?:\/\//.test(Redacted.value(url))
            ? Either.right(url)
            : Either.left(invalid("must be a postgres:// or postgresql:// URL"))
        ))
      ))
    }))
  )
}

const LogFormat = Config.literal("auto", "json", "pretty")

const levelNames = LogLevel.allLevels.map((l) => l.label.toLowerCase()).join(", ")

/**
 * `Config.logLevel`, with a message that lists the names it takes (an operator who
 * wrote `Warning` learns that it is `warn`).
 */
const logLevel = Config.string().pipe(Config.mapOrFail((name) => {
  const level = LogLevel.allLevels.find((l) => l.label === name.trim().toUpperCase())
  return level === undefined
    ? Either.left(invalid(`expected one of (${levelNames}) but received "${name}"`))
    : Either.right(level)
}))

export const LoggingConfig = Config.all({
  format: variable("LOG_FORMAT", LogFormat().pipe(Config.withDefault("auto" as const))),
  level: variable("LOG_LEVEL", logLevel.pipe(Config.withDefault(LogLevel.Info)))
})
