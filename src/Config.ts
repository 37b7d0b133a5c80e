import { FileSystem, Path } from "@effect/platform"
import { Config, ConfigError, Context, Duration, Effect, Either, Layer, LogLevel, Option, Redacted, Schema } from "effect"
import { type ChartSelection, parseCharts } from "./Domain/Charts.js"
import { DEFAULT_REGIONS, parseRegions, type RegionCode } from "./Domain/Region.js"
import { errnoOf } from "./Files.js"

/** A variable that is missing or malformed. Exit code 78 (EX_CONFIG). */
export class ConfigurationError extends Schema.TaggedError<ConfigurationError>()("ConfigurationError", {
  variable: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.variable}: ${this.detail}`
  }

  /** The one place a `ConfigError` becomes a message: its first problem, under the variable's name. */
  static fromConfigError(error: ConfigError.ConfigError): ConfigurationError {
    const [first] = problems(error)
    const variable = first !== undefined && "path" in first && first.path.length > 0 ? first.path.join("_") : "configuration"
    const said = first?.message ?? String(error)
    return new ConfigurationError({ variable, detail: said.charAt(0).toLowerCase() + said.slice(1) })
  }
}

const problems = (error: ConfigError.ConfigError): Array<ConfigError.ConfigError> =>
  error._op === "And" || error._op === "Or" ? [...problems(error.left), ...problems(error.right)] : [error]

/** Reads `config`; a failure names its variable. */
export const load = <A>(config: Config.Config<A>): Effect.Effect<A, ConfigurationError> =>
  Effect.mapError(config, ConfigurationError.fromConfigError)

/** `config` read from the variable `name`: checks inside it report under that name. */
const variable = <A>(name: string, config: Config.Config<A>): Config.Config<A> => Config.nested(config, name)

const invalid = (detail: string) => ConfigError.InvalidData([], detail)

const between = (low: number, high: number) => (n: number) =>
  n >= low && n <= high ? Either.right(n) : Either.left(invalid(`must be between ${low} and ${high}, got ${n}`))

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
  readonly apiKey: Redacted.Redacted
  readonly baseUrl: string
  /** Videos per region, 1–200, fetched in pages of at most 50. */
  readonly maxResults: number
  readonly requestTimeout: Duration.Duration
  readonly retry: RetryPolicy
}

/** Settings with the defaults for what the environment does not set (the demo, the bench and tests use it too). */
export const youTubeSettings = (
  given: Pick<YouTubeSettings, "apiKey" | "baseUrl"> & Partial<YouTubeSettings>
): YouTubeSettings => ({ maxResults: 25, requestTimeout: Duration.seconds(10), retry: defaultRetryPolicy, ...given })

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

const keyProblem = (detail: string) => new ConfigurationError({ variable: "YOUTUBE_API_KEY", detail })

/** The key: `YOUTUBE_API_KEY`, else systemd's `$CREDENTIALS_DIRECTORY/youtube-api-key`. */
const apiKey = Effect.gen(function*() {
  const { credentials, fromEnv } = yield* load(Config.all({
    fromEnv: Config.option(Config.redacted("YOUTUBE_API_KEY")),
    credentials: Config.option(Config.string("CREDENTIALS_DIRECTORY"))
  }))
  const raw = Option.isSome(fromEnv)
    ? Redacted.value(fromEnv.value)
    : Option.isSome(credentials)
    ? yield* readCredential(credentials.value)
    : yield* keyProblem(
      "not set; export it, or give systemd LoadCredential=youtube-api-key:/path/to/key (try `demo` to run without one)"
    )
  const key = raw.trim()
  if (key === "") return yield* keyProblem("is empty")
  if (/\s/.test(key)) return yield* keyProblem("contains white space; a key is one word")
  return Redacted.make(key)
})

const readCredential = (directory: string) =>
  Effect.gen(function*() {
    const path = (yield* Path.Path).join(directory, "youtube-api-key")
    return yield* (yield* FileSystem.FileSystem).readFileString(path).pipe(
      Effect.mapError((e) =>
        keyProblem(`not set, and the credential file ${path} cannot be read (${errnoOf(e) ?? e.message})`)
      )
    )
  })

export class YouTubeConfig extends Context.Tag("viralvidvault/YouTubeConfig")<YouTubeConfig, YouTubeSettings>() {
  /** From the environment (or the host's ConfigProvider). */
  static readonly layer = Layer.effect(
    YouTubeConfig,
    Effect.all({ apiKey, config: load(Config.all({ baseUrl, maxResults })) }).pipe(
      Effect.map(({ apiKey, config }) => youTubeSettings({ apiKey, ...config }))
    )
  )
}

export interface IngestSettings {
  readonly regions: ReadonlyArray<RegionCode>
  /** Which charts of each region (`CHARTS`). */
  readonly charts: ChartSelection
  /** Units (a region's chart) fetched at once. */
  readonly concurrency: number
  /** For how many days after it was last in a chart a video's counters are refreshed (`TRACK_DAYS`); 0: never. */
  readonly trackDays: number
}

export class IngestConfig extends Context.Tag("viralvidvault/IngestConfig")<IngestConfig, IngestSettings>() {
  static readonly layer = Layer.effect(
    IngestConfig,
    load(Config.all({
      regions: variable(
        "REGIONS",
        Config.string().pipe(
          Config.withDefault(DEFAULT_REGIONS.join(",")),
          Config.mapOrFail((raw) => Either.mapLeft(parseRegions(raw), invalid))
        )
      ),
      charts: variable(
        "CHARTS",
        Config.string().pipe(
          Config.withDefault("all"),
          Config.mapOrFail((raw) => Either.mapLeft(parseCharts(raw), invalid))
        )
      ),
      concurrency: variable("FETCH_CONCURRENCY", Config.integer().pipe(Config.withDefault(3), Config.mapOrFail(between(1, 50)))),
      trackDays: variable("TRACK_DAYS", Config.integer().pipe(Config.withDefault(3), Config.mapOrFail(between(0, 365))))
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
