import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { FileSystem } from "@effect/platform"
import { Duration, Effect, Exit, Layer } from "effect"
import { cli } from "./Cli.js"
import { ColourOnTerminal } from "./Colour.js"
import { ExitCode, exitCodeOf } from "./ExitCode.js"
import { LoggingLive } from "./Logging.js"
import { runMain, stopOnSignal } from "./Signals.js"
import { TracingLive } from "./Telemetry.js"

/**
 * After a signal, the program gets this long to wind down. An interruption can wait on
 * a database that stopped answering (a ROLLBACK is never interrupted); a fetched batch
 * is in the spool before it is stored, so leaving then loses nothing.
 */
const STOP_DEADLINE = Duration.seconds(3)

/** What the command line and the commands take from the platform (no workers, no child processes). */
const PlatformLive = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer, ColourOnTerminal)

/**
 * The process's own peak resident set (VmHWM), in KB, where /proc says it. `maxRSS` is
 * kept across exec, so a process started by a large one (a test runner, the bench) would
 * report its parent's size at the fork instead of its own.
 */
const ownPeakKb = FileSystem.FileSystem.pipe(
  Effect.flatMap((fs) => fs.readFileString("/proc/self/status")),
  Effect.map((status) => /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]),
  Effect.map((kb) => (kb === undefined ? undefined : Number(kb))),
  Effect.orElseSucceed(() => undefined),
  Effect.provide(NodeFileSystem.layer)
)

const main = cli(process.argv).pipe(
  Effect.provide(PlatformLive),
  stopOnSignal(process, STOP_DEADLINE),
  Effect.tap((ending) =>
    ending._tag === "Stopped" && !ending.woundDown
      ? Effect.logWarning(
        `still stopping ${Duration.format(STOP_DEADLINE)} after the signal (the database is not answering?); ` +
          "exiting now: a fetched batch not yet committed is in the spool"
      )
      : Effect.void
  ),
  // Outside the signal handling: a run stopped by SIGTERM still has its spans flushed.
  Effect.provide(TracingLive),
  Effect.flatMap(exitCodeOf),
  // For the benchmark and for an operator chasing memory or time: the peak resident set, the
  // CPU spent, and whether dist/main.js could start from its code cache (a rejected one
  // doubles the start-up: a Node or V8 flag other than the build's).
  Effect.tap(() =>
    Effect.flatMap(ownPeakKb, (ownKb) => {
      const usage = process.resourceUsage()
      const peakKb = ownKb ?? usage.maxRSS
      const codeCache = (globalThis as Record<symbol, unknown>)[Symbol.for("viralvidvault/codeCache")] ?? "not used"
      return Effect.logDebug(
        `peak memory ${Math.round(peakKb / 1024)} MB, CPU ${Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000)} ms, code cache ${codeCache}`
      )
    })
  ),
  Effect.provide(LoggingLive),
  // A bad LOG_LEVEL or LOG_FORMAT leaves no logger to say so with.
  Effect.catchTag("ConfigurationError", (error) =>
    Effect.as(Effect.sync(() => process.stderr.write(`configuration: ${error.message}\n`)), ExitCode.config))
)

runMain(main, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : ExitCode.defect)
})
