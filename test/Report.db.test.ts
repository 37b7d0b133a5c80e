import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { chartFor } from "../src/Demo/Catalog.js"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"
import { runCli } from "./support/Cli.js"
import { DatabaseUrl, envFor, logText, reset, stateDirectory } from "./support/Run.js"
import { engine, testDatabaseUrl } from "./support/TestDatabase.js"

/** `report`, through node dist/main.js, after a run against the simulated API: what a person at a terminal and a script read. */

type Item = ReturnType<typeof chartFor>[number]

describe(`report, node dist/main.js on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("a chart, a video, the overlap and the runs, as text and as the API's JSON", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const run = yield* runCli(["run"], { ...envFor(api, databaseUrl), REGIONS: "PL,SE", MAX_RESULTS: "10" })
        expect(run.code, logText(run)).toBe(0)
        const report = (...args: ReadonlyArray<string>) =>
          runCli(["report", ...args], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() })
        const sent = chartFor("PL", 10) as ReadonlyArray<Item>
        const first = sent[0]!
        const title = (first.snippet as { title: string }).title

        const text = yield* report("chart", "pl")
        expect(text.code, text.stderr).toBe(0)
        const lines = text.stdout.trimEnd().split("\n")
        expect(lines[0]).toMatch(/^PL · chart all · run 1 · fetched \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/)
        expect(lines).toHaveLength(2 + 10)
        expect(lines[2]).toMatch(new RegExp(`^ *1 +${Number(first.statistics["viewCount"]).toLocaleString("en-US")} `))
        expect(lines[2]).toContain(title.slice(0, 20))

        const chart = JSON.parse((yield* report("chart", "PL", "--json")).stdout)
        expect(chart).toMatchObject({ region: "PL", chart: "all", runId: 1 })
        expect(chart.entries.map((e: { videoId: string }) => e.videoId)).toEqual(sent.map((i) => i.id))
        expect(chart.entries[0]).toMatchObject({ rank: 1, title, viewCount: Number(first.statistics["viewCount"]), url: `https://www.youtube.com/watch?v=${first.id}` })

        const video = JSON.parse((yield* report("video", first.id, "--json")).stdout)
        expect(video).toMatchObject({ videoId: first.id, title })
        expect(video.trending).toEqual([{ region: "PL", chart: "all", runId: 1, fetchedAt: chart.fetchedAt, rank: 1 }])
        expect(video.stats).toHaveLength(1)
        const videoText = (yield* report("video", first.id)).stdout
        expect(videoText).toContain(`https://www.youtube.com/watch?v=${first.id}`)
        expect(videoText).toMatch(/PL all +#1 +1 /)

        const overlap = JSON.parse((yield* report("overlap", "--json")).stdout)
        expect(overlap.regions).toEqual(["PL", "SE"])
        expect(overlap.videos).toEqual([10, 10])
        expect(overlap.shared[0][1]).toBe(overlap.shared[1][0])
        expect(overlap.shared[0][0]).toBe(10)

        const runs = JSON.parse((yield* report("runs", "--json")).stdout)
        expect(runs).toHaveLength(1)
        expect(runs[0]).toMatchObject({ id: 1, status: "ok", entries: 20 })
        expect((yield* report("runs")).stdout).toMatch(/^ +1 +\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC +ok +20 /m)

        // Nothing stored then, an unknown video: said plainly, `null` for a script, exit 0.
        const before = yield* report("chart", "SE", "--at", "2020-01-01T00:00:00Z")
        expect([before.code, before.stdout.trim()]).toEqual([0, "Nothing stored for SE's chart all at 2020-01-01T00:00:00.000Z."])
        expect((yield* report("video", "zzzzzzzzzzz", "--json")).stdout.trim()).toBe("null")
      }))

    // The options are refused before a database is opened: checked once, on PGlite.
    it.scoped.skipIf(engine === "postgresql")("bad options exit 64, saying which and why", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        const report = (...args: ReadonlyArray<string>) =>
          runCli(["report", ...args], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() })
        for (const [args, says] of [
          [["chart", "XX"], "unknown region code \"XX\""],
          [["chart", "PL", "--at", "yesterday"], "--at: expected an ISO 8601 time"],
          [["chart", "PL", "--chart", "music"], "--chart: expected all or a category id"],
          [["video", "not an id!"], "not a video id"],
          [["runs", "--limit", "0"], "--limit must be between 1 and 100"],
          [["overlap", "--since", "2026-11-10", "--until", "2026-11-01"], "--until 2026-11-01 is before --since 2026-11-10"]
        ] as const) {
          const bad = yield* report(...args)
          expect(bad.code, `${args.join(" ")}: ${bad.stderr}`).toBe(64)
          expect(bad.stdout + bad.stderr, args.join(" ")).toContain(says)
        }
      }))
  })
})
