import { describe, expect, it } from "@effect/vitest"
import type { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { ConfigProvider, Duration, Effect, Either, Layer, Redacted } from "effect"
import { mkdtempSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ConfigurationError, DatabaseConfig, IngestConfig, YouTubeConfig } from "../src/Config.js"
import { parseCharts } from "../src/Domain/Charts.js"
import { parseRegions } from "../src/Domain/Region.js"
import { StateDirectory } from "../src/State.js"

/** The environment `env`, and Node's file system (the key's credential file, the state directory). */
const withEnv = (env: Record<string, string>) =>
  Layer.merge(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))), NodeContext.layer)

/** The error building `layer` fails with, under `env`. */
const failureOf = <A, E>(layer: Layer.Layer<A, E, FileSystem.FileSystem | Path.Path>, env: Record<string, string>) =>
  Effect.scoped(Layer.build(layer.pipe(Layer.provide(withEnv(env))))).pipe(Effect.flip)

describe("configuration", () => {
  it.effect("defaults: the seven regions' overall charts, 3 at once, 25 videos, tracked 3 days, 10,000 units a key every 7 h, Google's API", () =>
    Effect.gen(function*() {
      const ingest = yield* Effect.provide(IngestConfig, IngestConfig.layer.pipe(Layer.provide(withEnv({}))))
      expect(ingest).toEqual({
        regions: ["US", "GB", "PL", "NL", "SE", "NO", "AT"],
        charts: { overall: true, categories: [], everyCategory: false },
        concurrency: 3,
        trackDays: 3,
        unitsPerDay: 10_000,
        runInterval: Duration.hours(7),
        everyRegion: false
      })
      const youtube = yield* Effect.provide(YouTubeConfig, YouTubeConfig.layer.pipe(Layer.provide(withEnv({ YOUTUBE_API_KEY: "k" }))))
      expect(youtube.maxResults).toBe(25)
      expect(youtube.baseUrl).toBe("https://www.googleapis.com/youtube/v3")
    }))

  it("parses CHARTS: all, every, category ids; anything else is named with what is expected", () => {
    expect(parseCharts(" 10, ALL,10")).toEqual(Either.right({ overall: true, categories: ["10"], everyCategory: false }))
    expect(parseCharts("20")).toEqual(Either.right({ overall: false, categories: ["20"], everyCategory: false }))
    expect(parseCharts("every")).toEqual(Either.right({ overall: true, categories: [], everyCategory: true }))
    expect(parseCharts("all,music,-1")).toEqual(Either.left(
      `not a chart: "music", "-1"; use all (the overall chart), every (all and every assignable category), or category ids (digits), comma-separated, e.g. all,10,20`
    ))
    expect(Either.isLeft(parseCharts(" ,"))).toBe(true)
  })

  it.effect("REGIONS=all (any case): every region YouTube lists, resolved by each run", () =>
    Effect.gen(function*() {
      const ingest = yield* Effect.provide(IngestConfig, IngestConfig.layer.pipe(Layer.provide(withEnv({ REGIONS: " All " }))))
      expect(ingest).toMatchObject({ regions: [], everyRegion: true })
      const error = yield* failureOf(IngestConfig.layer, { REGIONS: "US,alll" })
      expect(error.message).toContain(`unknown region code "ALLL"`)
      expect(error.message).toContain("or all, for every region YouTube lists")
    }))

  it("parses REGIONS leniently but refuses unknown codes, naming them", () => {
    expect(parseRegions(" pl, se ,PL,")).toEqual(Either.right(["PL", "SE"]))
    expect(parseRegions("US,XX,UK")).toEqual(Either.left(
      `unknown region codes "XX", "UK"; use ISO 3166-1 alpha-2 codes separated by commas, e.g. US,GB,PL`
    ))
    expect(Either.isLeft(parseRegions(" , "))).toBe(true)
  })

  // Both configuration layers in one table: the variable, and the layer that reads it.
  type Reads = Layer.Layer<never, ConfigurationError, FileSystem.FileSystem | Path.Path>
  const ingestLayer: Reads = IngestConfig.layer
  const youtubeLayer: Reads = YouTubeConfig.layer
  // Every malformed value a variable can have, and what the message says of it. The
  // process test (Cli.test.ts) checks a few of these end to end: exit 78, no request.
  it.effect.each([
    [{ REGIONS: "US,XX" }, "REGIONS", ingestLayer, `unknown region code "XX"`],
    [{ REGIONS: ",, ," }, "REGIONS", ingestLayer, "no region given"],
    [{ FETCH_CONCURRENCY: "0" }, "FETCH_CONCURRENCY", ingestLayer, "must be between 1 and 50, got 0"],
    [{ FETCH_CONCURRENCY: "51" }, "FETCH_CONCURRENCY", ingestLayer, "must be between 1 and 50, got 51"],
    [{ FETCH_CONCURRENCY: "three" }, "FETCH_CONCURRENCY", ingestLayer, "expected an integer"],
    [{ CHARTS: "music" }, "CHARTS", ingestLayer, `not a chart: "music"`],
    [{ CHARTS: "all,music" }, "CHARTS", ingestLayer, `not a chart: "music"`],
    [{ TRACK_DAYS: "-1" }, "TRACK_DAYS", ingestLayer, "must be between 0 and 365, got -1"],
    [{ TRACK_DAYS: "a week" }, "TRACK_DAYS", ingestLayer, "expected an integer"],
    [{ QUOTA_UNITS_PER_DAY: "0" }, "QUOTA_UNITS_PER_DAY", ingestLayer, "must be between 1 and 100000000, got 0"],
    [{ QUOTA_UNITS_PER_DAY: "10k" }, "QUOTA_UNITS_PER_DAY", ingestLayer, "expected an integer"],
    [{ RUN_INTERVAL: "weekly" }, "RUN_INTERVAL", ingestLayer, `expected a duration such as 7h, 90m or 1d12h, got "weekly"`],
    [{ RUN_INTERVAL: "30s" }, "RUN_INTERVAL", ingestLayer, "30s is too short"],
    [{ YOUTUBE_API_KEY: "k", MAX_RESULTS: "0" }, "MAX_RESULTS", youtubeLayer, "must be between 1 and 200, got 0"],
    [{ YOUTUBE_API_KEY: "k", MAX_RESULTS: "201" }, "MAX_RESULTS", youtubeLayer, "must be between 1 and 200, got 201"],
    [{ YOUTUBE_API_KEY: "k", MAX_RESULTS: "2.5" }, "MAX_RESULTS", youtubeLayer, "expected an integer"],
    [{ YOUTUBE_API_KEY: "k", YOUTUBE_API_BASE_URL: "ftp://x" }, "YOUTUBE_API_BASE_URL", youtubeLayer, "must be an http(s) URL"],
    [{ YOUTUBE_API_KEY: "k", YOUTUBE_API_BASE_URL: "not a url" }, "YOUTUBE_API_BASE_URL", youtubeLayer, "must be a URL"],
    [{}, "YOUTUBE_API_KEY", youtubeLayer, "not set; export it, or give systemd LoadCredential="],
    [{ YOUTUBE_API_KEY: "" }, "YOUTUBE_API_KEY", youtubeLayer, "is empty"],
    [{ YOUTUBE_API_KEY: "  " }, "YOUTUBE_API_KEY", youtubeLayer, "is empty"],
    [{ YOUTUBE_API_KEY: "AIza-one AIza-two" }, "YOUTUBE_API_KEY", youtubeLayer, "contains white space"],
    [{ CREDENTIALS_DIRECTORY: "/nonexistent" }, "YOUTUBE_API_KEY", youtubeLayer, "/nonexistent/youtube-api-key cannot be read (ENOENT)"]
  ] as const)("%o is refused with a message naming %s", ([env, variable, layer, says]) =>
    Effect.gen(function*() {
      const error = yield* failureOf(layer, env)
      expect(error._tag).toBe("ConfigurationError")
      expect(error.message.startsWith(`${variable}: `)).toBe(true)
      expect(error.message).toContain(says)
    }))

  it.effect("systemd's credential file of the key, empty, is refused as empty", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "vvv-cred-"))
      writeFileSync(join(dir, "youtube-api-key"), "\n")
      const error = yield* failureOf(YouTubeConfig.layer, { CREDENTIALS_DIRECTORY: dir })
      expect(error.message.startsWith("YOUTUBE_API_KEY: ")).toBe(true)
      expect(error.message).toContain("is empty")
    }))

  it.effect("reads the key from systemd's credential directory, trimmed", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "vvv-cred-"))
      writeFileSync(join(dir, "youtube-api-key"), "AIza-from-file\n")
      const youtube = yield* Effect.provide(
        YouTubeConfig,
        YouTubeConfig.layer.pipe(Layer.provide(withEnv({ CREDENTIALS_DIRECTORY: dir })))
      )
      expect(youtube.apiKeys.map((k) => Redacted.value(k.value))).toEqual(["AIza-from-file"])
      // A redacted key prints as such.
      expect(String(youtube.apiKeys[0]!.value)).not.toContain("AIza")
    }))

  it.effect("several keys: YOUTUBE_API_KEYS in order, each used once, named by a short hash that is not the key", () =>
    Effect.gen(function*() {
      const read = (env: Record<string, string>) => Effect.provide(YouTubeConfig, YouTubeConfig.layer.pipe(Layer.provide(withEnv(env))))
      const youtube = yield* read({ YOUTUBE_API_KEYS: " AIza-one, AIza-two ,AIza-one", YOUTUBE_API_KEY: "AIza-ignored" })
      expect(youtube.apiKeys.map((k) => Redacted.value(k.value))).toEqual(["AIza-one", "AIza-two"])
      expect(youtube.apiKeys.map((k) => k.id)).toEqual([expect.stringMatching(/^k-[0-9a-f]{8}$/), expect.stringMatching(/^k-[0-9a-f]{8}$/)])
      expect(youtube.apiKeys[0]!.id).not.toBe(youtube.apiKeys[1]!.id)
      expect(JSON.stringify(youtube.apiKeys)).not.toContain("AIza")
      const empty = yield* failureOf(YouTubeConfig.layer, { YOUTUBE_API_KEYS: "AIza-one,,AIza-two" })
      expect(empty.message).toBe("YOUTUBE_API_KEYS: is empty")

      const dir = mkdtempSync(join(tmpdir(), "vvv-cred-"))
      writeFileSync(join(dir, "youtube-api-key-2"), "AIza-second\n")
      writeFileSync(join(dir, "youtube-api-key"), "AIza-first\n")
      writeFileSync(join(dir, "database-password"), "not a key\n")
      const fromFiles = yield* read({ CREDENTIALS_DIRECTORY: dir })
      expect(fromFiles.apiKeys.map((k) => Redacted.value(k.value))).toEqual(["AIza-first", "AIza-second"])
    }))

  it.effect("DATABASE_URL must be a postgres URL, and the error does not echo it", () =>
    Effect.gen(function*() {
      const error = yield* failureOf(DatabaseConfig.layer, { DATABASE_URL: "mysql://root:hunter2@db/x" })
      expect(error.message.startsWith("DATABASE_URL: ")).toBe(true)
      expect(error.message).toContain("must be a postgres://")
      expect(error.message).not.toContain("hunter2")
    }))

  it.effect("the state directory is systemd's when it sets one, else the XDG state directory; it is created", () =>
    Effect.gen(function*() {
      const root = mkdtempSync(join(tmpdir(), "vvv-state-"))
      const read = (env: Record<string, string>) =>
        Effect.provide(StateDirectory, StateDirectory.layer.pipe(Layer.provide(withEnv(env))))
      const systemd = yield* read({ STATE_DIRECTORY: `${root}/lib/viralvidvault:${root}/lib/other` })
      expect(systemd.path).toBe(`${root}/lib/viralvidvault`)
      expect(statSync(systemd.path).isDirectory()).toBe(true)
      const xdg = yield* read({ XDG_STATE_HOME: `${root}/.state` })
      expect(xdg.path).toBe(`${root}/.state/viralvidvault`)
    }))

  it.effect("a state directory that cannot be used is a configuration error naming STATE_DIRECTORY", () =>
    Effect.gen(function*() {
      const file = join(mkdtempSync(join(tmpdir(), "vvv-state-")), "a-file")
      writeFileSync(file, "")
      const error = yield* failureOf(StateDirectory.layer, { STATE_DIRECTORY: file })
      expect(error.message).toBe(
        `STATE_DIRECTORY: ${file} cannot be used as the state directory: a file is in the way (EEXIST); point STATE_DIRECTORY at a writable directory`
      )
      const relative = yield* failureOf(StateDirectory.layer, { STATE_DIRECTORY: "state" })
      expect(relative.message).toBe(`STATE_DIRECTORY: must be an absolute path, got "state"`)
      const below = yield* failureOf(StateDirectory.layer, { STATE_DIRECTORY: `${file}/below` })
      expect(below.message.startsWith("STATE_DIRECTORY: ")).toBe(true)
      expect(below.message).toContain("part of the path is a file")
    }))
})
