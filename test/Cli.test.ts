import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"
import { runCli } from "./support/Cli.js"
import { API_KEY, logText } from "./support/Run.js"

const env = () => ({ STATE_DIRECTORY: mkdtempSync(join(tmpdir(), "vvv-cli-")) })

describe("the command line", () => {
  it.effect("--help answers, in plain text when piped: each command with what it does, each variable with its default, the exit codes", () =>
    Effect.gen(function*() {
      const help = yield* runCli(["--help"], env())
      expect(help.code).toBe(0)
      expect(help.stdout).not.toContain("\x1b[")
      const lines = help.stdout.split("\n")
      const commandLine = (name: string) => lines.find((line) => line.trimStart().startsWith(`- ${name} `))
      expect(commandLine("run")).toMatch(/Fetch the trending charts of every configured region once, store them, and exit/)
      expect(commandLine("search")).toMatch(/\[--region text\] \[--limit integer\] \[--json\] \[--demo\] <query>\.\.\.\s+Search stored videos/)
      expect(commandLine("migrate")).toMatch(/Apply the database migrations and exit/)
      expect(commandLine("serve")).toMatch(/\[--host text\] \[--port integer\] \[--ingest-every text\]\s+Serve the archive read-only over HTTP until stopped: the web page/)
      expect(commandLine("report")).toMatch(/Read the archive in a terminal/)
      expect(commandLine("demo")).toMatch(/simulated YouTube API .* needs no key and no network/)
      const configuration = lines.find((line) => line.startsWith("Configuration (environment): "))
      for (
        const said of [
          "YOUTUBE_API_KEY (or $CREDENTIALS_DIRECTORY/youtube-api-key)",
          "YOUTUBE_API_BASE_URL",
          "DATABASE_URL (unset: the embedded database)",
          "REGIONS (US,GB,PL,NL,SE,NO,AT; or all)",
          "CHARTS (all; or category ids, or every)",
          "FETCH_CONCURRENCY (3)",
          "MAX_RESULTS (25)",
          "TRACK_DAYS (3; 0 off)",
          "METRICS_FILE (a Prometheus text file after each run)",
          "OTEL_EXPORTER_OTLP_ENDPOINT (traces over OTLP/HTTP; unset: none)",
          "STATE_DIRECTORY",
          "LOG_FORMAT (auto|json|pretty)",
          "LOG_LEVEL (info; or trace, debug, warn, error, fatal, off, all)"
        ]
      ) expect(configuration).toContain(said)
      expect(lines).toContain(
        "Exit codes: 0 all stored, 75 partial, 69 nothing fetched or stored, 78 configuration or credential error, " +
          "64 bad command line, 73 an output that cannot be written (export), 69 also a port serve cannot take, " +
          "130/143 interrupted, 1 a bug."
      )
    }))

  it.effect("the built program starts from the code cache made at build time (a rejected cache doubles every start)", () =>
    Effect.gen(function*() {
      const version = yield* runCli(["--version"], { ...env(), LOG_LEVEL: "debug", LOG_FORMAT: "json" })
      expect(version.code).toBe(0)
      expect(version.stderr).toMatch(/peak memory \d+ MB, CPU \d+ ms, code cache accepted/)
    }))

  it.effect("a bad command line exits 64, says what is wrong, and opens nothing", () =>
    Effect.gen(function*() {
      const bogus = yield* runCli(["bogus"], env())
      expect(bogus.code).toBe(64)
      for (
        const [args, says] of [
          [["search", "  "], "give at least one word"],
          [["search", "x", "--limit", "0"], "--limit must be between 1 and 1000, got 0"],
          [["search", "x", "--region", "PL,XX"], `--region: unknown region code "XX"`]
        ] as const
      ) {
        const result = yield* runCli(args, env())
        expect(result.code, args.join(" ")).toBe(64)
        expect(result.stderr).toContain(says)
        expect(result.stderr).not.toContain("\x1b[")
        expect(result.stderr).not.toContain("database")
      }
    }))

  it.scoped("a malformed variable of each kind: exit 78, a message naming it, no request sent, the key nowhere", () =>
    Effect.gen(function*() {
      const api = yield* makeSimulatedApi()
      const file = join(mkdtempSync(join(tmpdir(), "vvv-cli-")), "a-file")
      writeFileSync(file, "")
      const valid = { YOUTUBE_API_KEY: API_KEY, YOUTUBE_API_BASE_URL: api.baseUrl }
      // systemd's LoadCredential= of an empty file.
      const credentials = mkdtempSync(join(tmpdir(), "vvv-credentials-"))
      writeFileSync(join(credentials, "youtube-api-key"), "\n")
      // One malformed variable of each kind the process reads at start (the message of
      // every malformed value is in Config.test.ts): the key unset, and from an empty
      // credential file; a URL; a password that must not be echoed; a list; a number; a
      // path; the log settings, read before any layer. A variable given as undefined is unset.
      const cases: ReadonlyArray<readonly [string, Record<string, string | undefined>, string]> = [
        ["YOUTUBE_API_KEY", { YOUTUBE_API_KEY: undefined }, "not set; export it, or give systemd LoadCredential="],
        ["YOUTUBE_API_KEY", { YOUTUBE_API_KEY: undefined, CREDENTIALS_DIRECTORY: credentials }, "is empty"],
        ["YOUTUBE_API_BASE_URL", { YOUTUBE_API_BASE_URL: "ftp://files.example" }, "must be an http(s) URL"],
        ["DATABASE_URL", { DATABASE_URL: "mysql://vvv:hunter2@db.example/vvv" }, "must be a postgres://"],
        ["REGIONS", { REGIONS: "US,XX" }, `unknown region code "XX"`],
        ["MAX_RESULTS", { MAX_RESULTS: "500" }, "must be between 1 and 200, got 500"],
        ["QUOTA_UNITS_PER_DAY", { QUOTA_UNITS_PER_DAY: "lots" }, "expected an integer"],
        ["RUN_INTERVAL", { RUN_INTERVAL: "weekly" }, `got "weekly"`],
        ["STATE_DIRECTORY", { STATE_DIRECTORY: file }, "a file is in the way"],
        ["LOG_LEVEL", { LOG_LEVEL: "loud" }, "loud"],
        ["LOG_FORMAT", { LOG_FORMAT: "xml" }, "xml"]
      ]
      for (const [variable, bad, says] of cases) {
        const what = `${variable} in ${JSON.stringify(bad)}`
        const given = Object.entries({ ...env(), ...valid, ...bad }).filter((e): e is [string, string] => e[1] !== undefined)
        const result = yield* runCli(["run"], Object.fromEntries(given))
        expect(result.code, what).toBe(78)
        expect(logText(result), what).toContain(`${variable}: `)
        expect(logText(result), what).toContain(says)
        expect(result.stdout + result.stderr, what).not.toContain(API_KEY)
        expect(result.stderr, what).not.toContain("hunter2")
      }
      expect(api.requests).toEqual([])
    }), 120_000)
})
