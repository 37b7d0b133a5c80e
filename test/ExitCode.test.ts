import { HelpDoc, ValidationError } from "@effect/cli"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { ConfigurationError } from "../src/Config.js"
import { IncompleteRun, IngestReport, RegionOutcome, RunId, TrackingReport } from "../src/Domain/Run.js"
import { exitCodeOf, type ProgramError } from "../src/ExitCode.js"
import { DatabaseRefused, DatabaseUnavailable, EmbeddedDatabaseLocked, StoreBusy } from "../src/Store/Errors.js"
import { InvalidQuery } from "../src/Store/Search.js"
import { ApiUnavailable, InvalidApiKey } from "../src/YouTube/Errors.js"
import { region } from "./support/Fixtures.js"

const reportOf = (status: IngestReport["status"], regions: ReadonlyArray<RegionOutcome>) =>
  IngestReport.make({
    runId: RunId.make(1),
    status,
    startedAt: new Date(0),
    finishedAt: new Date(0),
    regions,
    entries: 0,
    units: 0,
    allowance: 0,
    uniqueVideos: 0,
    multiRegionVideos: 0,
    fetchOrder: [],
    fetchMs: 0,
    tracking: TrackingReport.none
  })

const spent = { attempts: 1, durationMs: 5 }
const ok = RegionOutcome.ok(region("PL"), { videos: 25, malformed: 0, ...spent })
const down = RegionOutcome.failed(region("SE"), new ApiUnavailable({ region: region("SE"), detail: "reset" }), spent)
const badKey = RegionOutcome.failed(region("SE"), new InvalidApiKey({ region: region("SE"), status: 400, reason: "keyInvalid" }), spent)

const failedWith = (error: ProgramError) => exitCodeOf({ _tag: "Finished", exit: Exit.fail(error) })

describe("exit codes: one mapping from how a command ended", () => {
  it.effect.each([
    ["every region stored", Effect.succeed({ _tag: "Finished", exit: Exit.void } as const), 0],
    ["SIGINT", Effect.succeed({ _tag: "Stopped", signal: "SIGINT", woundDown: true } as const), 130],
    ["SIGTERM, even past the deadline", Effect.succeed({ _tag: "Stopped", signal: "SIGTERM", woundDown: false } as const), 143]
  ] as const)("%s → %i", ([_what, ending, code]) =>
    Effect.gen(function*() {
      expect(yield* exitCodeOf(yield* ending)).toBe(code)
    }))

  it.effect.each([
    ["a partial run", new IncompleteRun({ report: reportOf("partial", [ok, down]) }), 75],
    ["a failed run", new IncompleteRun({ report: reportOf("failed", [down]) }), 69],
    ["a run failed by a rejected key", new IncompleteRun({ report: reportOf("failed", [badKey]) }), 78],
    ["a bad variable", new ConfigurationError({ variable: "REGIONS", detail: "unknown" }), 78],
    ["a bad option", ValidationError.invalidValue(HelpDoc.p("--limit must be between 1 and 1000")), 64],
    ["an unsearchable query", new InvalidQuery({ query: "the", detail: "only stop words" }), 64],
    ["an unreachable database", new DatabaseUnavailable({ operation: "connecting", detail: "refused" }), 69],
    ["a database that refuses", new DatabaseRefused({ operation: "storing videos", detail: "permission denied" }), 69],
    ["an embedded database open elsewhere", new EmbeddedDatabaseLocked({ directory: "/x", owner: 42 }), 69],
    ["another run storing", new StoreBusy({ waitedSeconds: 60 }), 75]
  ] as const)("%s → %i", ([_what, error, code]) =>
    Effect.gen(function*() {
      expect(yield* failedWith(error)).toBe(code)
    }))

  it.effect("a defect (a bug) → 1", () =>
    Effect.gen(function*() {
      expect(yield* exitCodeOf({ _tag: "Finished", exit: Exit.die(new Error("bug")) })).toBe(1)
    }))
})
