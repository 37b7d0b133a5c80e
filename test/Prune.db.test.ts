import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"
import { runCli } from "./support/Cli.js"
import { DatabaseUrl, envFor, logText, reset, stateDirectory } from "./support/Run.js"
import { engine, query, testDatabaseUrl } from "./support/TestDatabase.js"

/** `prune --older-than` as an operator runs it: whole old months dropped, this month's run and every video kept. */

describe(`prune, through the process, on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("drops the months older than the cutoff (a dry run first drops nothing); the recent run, the videos and the runs stay", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const run = yield* runCli(["run"], { ...envFor(api, databaseUrl), REGIONS: "PL", MAX_RESULTS: "5" })
        expect(run.code, logText(run)).toBe(0)
        // Two years ago, the same videos were on an old chart: a run and its entries in a month of their own.
        yield* query(databaseUrl, `
          SELECT viralvidvault_ensure_partitions('trending_entries'::regclass, ARRAY[now() - interval '2 years']);
          INSERT INTO ingest_runs (started_at, finished_at, status, entries, unique_videos) VALUES (now() - interval '2 years', now() - interval '2 years', 'ok', 5, 5);
          INSERT INTO trending_entries (run_id, region, chart, video_id, rank, view_count, fetched_at)
          SELECT (SELECT max(id) FROM ingest_runs), 'PL', 'all', video_id, row_number() OVER (ORDER BY video_id), 1, now() - interval '2 years' FROM videos`)
        const env = { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() }
        const old = monthOf(new Date(Date.now() - 730 * 86_400_000))

        const dry = yield* runCli(["prune", "--older-than", "400d", "--dry-run"], env)
        expect(dry.code, dry.stderr).toBe(0)
        expect(dry.stdout).toContain(`would drop trending_entries ${old} (5 rows)`)
        expect(yield* entries(databaseUrl)).toBe(10)

        // Analysed (as autovacuum does a past month), the month's rows are the planner's estimate: no count.
        yield* query(databaseUrl, `ANALYZE trending_entries_${old.replace("-", "_")}`)
        const pruned = yield* runCli(["prune", "--older-than", "400d"], env)
        expect(pruned.code, pruned.stderr).toBe(0)
        expect(pruned.stdout).toContain(`dropped trending_entries ${old} (about 5 rows)`)
        expect(yield* entries(databaseUrl)).toBe(5)
        const [kept] = yield* query<{ videos: string; runs: string }>(databaseUrl, "SELECT (SELECT count(*) FROM videos) AS videos, (SELECT count(*) FROM ingest_runs) AS runs")
        expect(kept).toEqual({ videos: "5", runs: "2" })

        const again = yield* runCli(["prune", "--older-than", "400d"], env)
        expect(again.stdout).toContain("Nothing to drop")
        const bad = yield* runCli(["prune", "--older-than", "3h"], env)
        expect(bad.code).toBe(64)
        expect(bad.stdout + bad.stderr).toContain("--older-than: 3h is less than a day")
      }))
  })
})

const entries = (url: string) => Effect.map(query<{ n: string }>(url, "SELECT count(*) AS n FROM trending_entries"), ([row]) => Number(row!.n))

/** `2024-11`: the month (UTC) a partition is named for. */
const monthOf = (d: Date) => d.toISOString().slice(0, 7)
