import { describe, expect, it } from "@effect/vitest"
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"
import { startEmbedded } from "../src/Store/Embedded.js"
import { runCli } from "./support/Cli.js"

/** The embedded database as a newcomer meets it: through the CLI, no server, no key (the demo: Demo.test.ts). */

const stateDirectory = () => mkdtempSync(join(tmpdir(), "vvv-embedded-"))

describe("the embedded database", () => {
  it.scoped("keeps its data across processes: a run, then a search in a new process", () =>
    Effect.gen(function*() {
      const state = stateDirectory()
      const api = yield* makeSimulatedApi({ chartSize: 30 })
      const run = yield* runCli(["run"], { YOUTUBE_API_KEY: "k", YOUTUBE_API_BASE_URL: api.baseUrl, STATE_DIRECTORY: state, REGIONS: "SE,PL" })
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toContain(`embedded PGlite in ${join(state, "pgdata")}`)
      const search = yield* runCli(["search", "--json", "springa"], { STATE_DIRECTORY: state })
      expect(search.code, search.stderr).toBe(0)
      const hits = search.stdout.trim().split("\n").map((line) => JSON.parse(line))
      expect(hits.length).toBeGreaterThan(0)
      // Swedish words, in Swedish videos: the title matches first, then tags and descriptions.
      expect(hits[0].title).toContain("springer")
      expect(hits.every((h) => h.regions.includes("SE") && h.language === "sv")).toBe(true)
      const polish = yield* runCli(["search", "lodz", "--region", "PL"], { STATE_DIRECTORY: state })
      expect(polish.stdout).toContain("Łódź")
      expect(polish.stdout).toContain("https://www.youtube.com/watch?v=")
    }), { timeout: 90_000 })

  it.scoped("a second process opening the same directory gets a clear error, not a corrupted store", () =>
    Effect.gen(function*() {
      const state = stateDirectory()
      yield* startEmbedded(join(state, "pgdata")).pipe(Effect.provide(NodeContext.layer))
      const second = yield* runCli(["search", "anything"], { STATE_DIRECTORY: state })
      expect(second.code).toBe(69)
      expect(second.stderr).toContain(`process ${process.pid} has it open`)
    }), { timeout: 90_000 })
})
