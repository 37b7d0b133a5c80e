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
  it.effect("--help answers: the commands, every configuration variable, the exit codes", () =>
    Effect.gen(function*() {
      const help = yield* runCli(["--help"], env())
      expect(help.code).toBe(0)
      for (const word of ["run", "search", "migrate", "demo"]) expect(help.stdout).toContain(word)
      for (const variable of ["YOUTUBE_API_KEY", "YOUTUBE_API_BASE_URL", "DATABASE_URL", "REGIONS", "FETCH_CONCURRENCY", "MAX_RESULTS", "STATE_DIRECTORY"]) {
        expect(help.stdout).toContain(variable)
      }
      expect(help.stdout).toMatch(/75 partial/)
    }))

  it.effect("a bad command line exits 64 and opens nothing", () =>
    Effect.gen(function*() {
      const bogus = yield* runCli(["bogus"], env())
      expect(bogus.code).toBe(64)
      const empty = yield* runCli(["search", "  "], env())
      expect(empty.code).toBe(64)
      expect(empty.stderr).toContain("give at least one word")
      expect(empty.stderr).not.toContain("database")
    }))

  it.scoped("every variable malformed in turn: exit 78, a message naming it, no request sent, the key nowhere", () =>
    Effect.gen(function*() {
      const api = yield* makeSimulatedApi()
      const file = join(mkdtempSync(join(tmpdir(), "vvv-cli-")), "a-file")
      writeFileSync(file, "")
      const valid = { YOUTUBE_API_KEY: API_KEY, YOUTUBE_API_BASE_URL: api.baseUrl }
      // systemd's LoadCredential= of an empty file.
      const credentials = mkdtempSync(join(tmpdir(), "vvv-credentials-"))
      writeFileSync(join(credentials, "youtube-api-key"), "\n")
      // A variable given as undefined is unset.
      const cases: ReadonlyArray<readonly [string, Record<string, string | undefined>, string]> = [
        ["YOUTUBE_API_KEY", { YOUTUBE_API_KEY: undefined }, "not set; export it, or give systemd LoadCredential="],
        ["YOUTUBE_API_KEY", { YOUTUBE_API_KEY: "" }, "is empty"],
        ["YOUTUBE_API_KEY", { YOUTUBE_API_KEY: `${API_KEY} ${API_KEY}` }, "contains white space"],
        ["YOUTUBE_API_KEY", { YOUTUBE_API_KEY: undefined, CREDENTIALS_DIRECTORY: "/nonexistent" }, "/nonexistent/youtube-api-key cannot be read (ENOENT)"],
        ["YOUTUBE_API_KEY", { YOUTUBE_API_KEY: undefined, CREDENTIALS_DIRECTORY: credentials }, "is empty"],
        ["YOUTUBE_API_BASE_URL", { YOUTUBE_API_BASE_URL: "ftp://files.example" }, "must be an http(s) URL"],
        ["YOUTUBE_API_BASE_URL", { YOUTUBE_API_BASE_URL: "not a url" }, "must be a URL"],
        ["DATABASE_URL", { DATABASE_URL: "mysql://vvv:hunter2@db.example/vvv" }, "must be a postgres://"],
        ["REGIONS", { REGIONS: "US,XX" }, `unknown region code "XX"`],
        ["REGIONS", { REGIONS: ",, ," }, "no region given"],
        ["FETCH_CONCURRENCY", { FETCH_CONCURRENCY: "0" }, "must be between 1 and 50, got 0"],
        ["FETCH_CONCURRENCY", { FETCH_CONCURRENCY: "51" }, "must be between 1 and 50, got 51"],
        ["FETCH_CONCURRENCY", { FETCH_CONCURRENCY: "three" }, "expected an integer"],
        ["MAX_RESULTS", { MAX_RESULTS: "500" }, "must be between 1 and 200, got 500"],
        ["MAX_RESULTS", { MAX_RESULTS: "0" }, "must be between 1 and 200, got 0"],
        ["MAX_RESULTS", { MAX_RESULTS: "2.5" }, "expected an integer"],
        ["STATE_DIRECTORY", { STATE_DIRECTORY: "var/lib/viralvidvault" }, "must be an absolute path"],
        ["STATE_DIRECTORY", { STATE_DIRECTORY: file }, "a file is in the way"],
        ["STATE_DIRECTORY", { STATE_DIRECTORY: `${file}/below` }, "part of the path is a file"],
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
