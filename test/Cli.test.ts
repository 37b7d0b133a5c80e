import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runCli } from "./support/Cli.js"

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

  it.effect("a malformed variable exits 78 with a message naming it", () =>
    Effect.gen(function*() {
      for (const [variable, value] of [["REGIONS", "US,XX"], ["MAX_RESULTS", "500"], ["FETCH_CONCURRENCY", "0"], ["LOG_LEVEL", "loud"], ["LOG_FORMAT", "xml"]] as const) {
        const result = yield* runCli(["run"], { ...env(), YOUTUBE_API_KEY: "k", [variable]: value })
        expect(result.code, `${variable}=${value}`).toBe(78)
        expect(result.stderr).toContain(`${variable}: `)
      }
    }))
})
