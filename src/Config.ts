import { Config, Context, Duration, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import { constants } from "node:fs"
import { access, mkdir, readFile } from "node:fs/promises"
import { homedir } from "node:os"
import { isAbsolute, join } from "node:path"
import { DEFAULT_REGIONS, RegionCode } from "./Region.js"

/** A variable that is missing or malformed. Exit code 78 (EX_CONFIG). */
export class ConfigurationError extends Schema.TaggedError<ConfigurationError>()("ConfigurationError", {
  variable: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.variable}: ${this.detail}`
  }
}

// ISO 3166-1 alpha-2, officially assigned codes.
export const ISO_REGION_CODES: ReadonlySet<string> = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
    "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
    "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
    "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" ")
)

/** `"us, gb,PL"` → `[US, GB, PL]`; duplicates are dropped, order is kept. */
export const parseRegions = (raw: string): Either.Either<ReadonlyArray<RegionCode>, string> => {
  const codes = raw
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== "")
  if (codes.length === 0) return Either.left("no region given; list ISO 3166-1 alpha-2 codes, e.g. US,GB,PL")
  const unknown = codes.filter((c) => !ISO_REGION_CODES.has(c))
  if (unknown.length > 0) {
    return Either.left(
      `unknown region code${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => `"${c}"`).join(", ")}; ` +
        "use ISO 3166-1 alpha-2 codes separated by commas, e.g. US,GB,PL"
    )
  }
  return Either.right([...new Set(codes)].map((c) => RegionCode.make(c)))
}

/** Reads one variable; any failure becomes a ConfigurationError that names it. */
export const variable = <A>(name: string, config: Config.Config<A>, check?: (a: A) => string | undefined) =>
  config.pipe(
    Effect.mapError((e) => new ConfigurationError({ variable: name, detail: describeConfigError(e.toString()) })),
    Effect.flatMap((a) => {
      const problem = check?.(a)
      return problem === undefined ? Effect.succeed(a) : new ConfigurationError({ variable: name, detail: problem })
    })
  )

const describeConfigError = (raw: string) =>
  raw.includes("Expected") ? raw.replace(/^.*?Expected/s, "expected").replace(/"\)\s*$/, "") : raw

const between = (low: number, high: number) => (n: number) =>
  n >= low && n <= high ? undefined : `must be between ${low} and ${high}, got ${n}`

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

const readCredentialFile = (directory: string) => {
  const path = join(directory, "youtube-api-key")
  return Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (e) =>
      new ConfigurationError({
        variable: "YOUTUBE_API_KEY",
        detail: `not set, and the credential file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`
      })
  })
}

/** The key: `YOUTUBE_API_KEY`, else systemd's `$CREDENTIALS_DIRECTORY/youtube-api-key`. */
const apiKey = Effect.gen(function*() {
  const fromEnv = yield* variable("YOUTUBE_API_KEY", Config.option(Config.redacted("YOUTUBE_API_KEY")))
  const credentials = yield* variable("CREDENTIALS_DIRECTORY", Config.option(Config.string("CREDENTIALS_DIRECTORY")))
  const raw = Option.isSome(fromEnv)
    ? Redacted.value(fromEnv.value)
    : Option.isSome(credentials)
    ? yield* readCredentialFile(credentials.value)
    : yield* new ConfigurationError({
      variable: "YOUTUBE_API_KEY",
      detail: "not set; export it, or give systemd LoadCredential=youtube-api-key:/path/to/key (try `demo` to run without one)"
    })
  const key = raw.trim()
  if (key === "" || /\s/.test(key)) {
    return yield* new ConfigurationError({
      variable: "YOUTUBE_API_KEY",
      detail: key === "" ? "is empty" : "contains white space; a key is one word"
    })
  }
  return Redacted.make(key)
})

const baseUrl = variable(
  "YOUTUBE_API_BASE_URL",
  Config.string("YOUTUBE_API_BASE_URL").pipe(Config.withDefault(DEFAULT_BASE_URL)),
  (url) => {
    try {
      const parsed = new URL(url)
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? undefined : "must be an http(s) URL"
    } catch {
      return `must be a URL such as ${DEFAULT_BASE_URL}, got "${url}"`
    }
  }
).pipe(Effect.map((url) => url.replace(/\/+$/, "")))

const maxResults = variable("MAX_RESULTS", Config.integer("MAX_RESULTS").pipe(Config.withDefault(25)), between(1, 200))

export class YouTubeConfig extends Context.Tag("viralvidvault/YouTubeConfig")<YouTubeConfig, YouTubeSettings>() {
  /** From the environment (or the host's ConfigProvider). */
  static readonly layer = Layer.effect(
    YouTubeConfig,
    Effect.all({ apiKey, baseUrl, maxResults }).pipe(
      Effect.map((c) => ({ ...c, requestTimeout: Duration.seconds(10), retry: defaultRetryPolicy }))
    )
  )
}

export interface IngestSettings {
  readonly regions: ReadonlyArray<RegionCode>
  /** Regions fetched at once. */
  readonly concurrency: number
}

export class IngestConfig extends Context.Tag("viralvidvault/IngestConfig")<IngestConfig, IngestSettings>() {
  static readonly layer = Layer.effect(
    IngestConfig,
    Effect.all({
      regions: variable("REGIONS", Config.string("REGIONS").pipe(Config.withDefault(DEFAULT_REGIONS.join(",")))).pipe(
        Effect.flatMap((raw) =>
          Either.match(parseRegions(raw), {
            onLeft: (detail) => new ConfigurationError({ variable: "REGIONS", detail }),
            onRight: Effect.succeed
          })
        )
      ),
      concurrency: variable(
        "FETCH_CONCURRENCY",
        Config.integer("FETCH_CONCURRENCY").pipe(Config.withDefault(3)),
        between(1, 50)
      )
    })
  )
}

export interface DatabaseSettings {
  /** `postgres://…`; none means the embedded database. */
  readonly url: Option.Option<Redacted.Redacted>
  /** Holds the embedded database (and the spool). */
  readonly stateDirectory: string
}

/** systemd's `StateDirectory=` (the first, if it lists several), else the XDG state directory. */
const chosenStateDirectory = Effect.gen(function*() {
  const fromSystemd = yield* variable("STATE_DIRECTORY", Config.option(Config.string("STATE_DIRECTORY")))
  if (Option.isSome(fromSystemd) && fromSystemd.value.trim() !== "") {
    const first = fromSystemd.value.split(":")[0]!
    return isAbsolute(first)
      ? { directory: first, from: "set" as const }
      : yield* new ConfigurationError({ variable: "STATE_DIRECTORY", detail: `must be an absolute path, got "${first}"` })
  }
  // The XDG spec says a relative XDG_STATE_HOME is invalid and to be ignored.
  const xdg = yield* variable("XDG_STATE_HOME", Config.option(Config.string("XDG_STATE_HOME")))
  const base = Option.isSome(xdg) && isAbsolute(xdg.value) ? xdg.value : join(homedir(), ".local", "state")
  return { directory: join(base, "viralvidvault"), from: "default" as const }
})

const fileProblems: Record<string, string> = {
  EEXIST: "a file is in the way",
  ENOTDIR: "part of the path is a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only"
}

/**
 * The state directory, created if missing and checked writable now: found out later,
 * a file or a read-only path in its place would cost the fetched batch its spool copy.
 */
const stateDirectory = Effect.gen(function*() {
  const { directory, from } = yield* chosenStateDirectory
  yield* Effect.tryPromise({
    try: async () => {
      await mkdir(directory, { recursive: true })
      await access(directory, constants.W_OK | constants.X_OK)
    },
    catch: (e) => {
      const code = (e as NodeJS.ErrnoException).code ?? String(e)
      return new ConfigurationError({
        variable: "STATE_DIRECTORY",
        detail: `${from === "set" ? "" : "not set, and the default "}${directory} cannot be used as the state directory: ` +
          `${fileProblems[code] ?? "it cannot be created or written"} (${code}); point STATE_DIRECTORY at a writable directory`
      })
    }
  })
  return directory
})

export class DatabaseConfig extends Context.Tag("viralvidvault/DatabaseConfig")<DatabaseConfig, DatabaseSettings>() {
  static readonly layer = Layer.effect(
    DatabaseConfig,
    variable("DATABASE_URL", Config.option(Config.redacted("DATABASE_URL")), (url) =>
      Option.match(url, {
        onNone: () => undefined,
        onSome: (u) =>
          /^postgres(ql)?:\/\//.test(Redacted.value(u)) ? undefined : "must be a postgres:// or postgresql:// URL"
      })).pipe(Effect.zip(stateDirectory), Effect.map(([url, stateDirectory]) => ({ url, stateDirectory })))
  )
}
