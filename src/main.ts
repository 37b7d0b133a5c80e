import { ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit } from "effect"
import { cli } from "./Cli.js"
import { ExitCode } from "./ExitCode.js"
import { LoggingLive } from "./Logging.js"

/**
 * After a signal, the program gets this long to wind down. An interruption can wait on
 * a database that stopped answering (a ROLLBACK is never interrupted); a fetched batch
 * is in the spool before it is stored, so leaving then loses nothing.
 */
const STOP_DEADLINE_MS = 3000

const stillStopping = `still stopping ${STOP_DEADLINE_MS / 1000}s after the signal (the database is not answering?); ` +
  "exiting now: a fetched batch not yet committed is in the spool"

/** Said through the program's logger (same format and level as the rest of the run). */
const sayStillStopping = Effect.logWarning(stillStopping).pipe(
  Effect.provide(LoggingLive),
  Effect.orElse(() => Effect.sync(() => process.stderr.write(`${stillStopping}\n`)))
)

// runMain interrupts the program on either signal; we remember which, for the exit code.
let signalCode: number | undefined
const onSignal = (code: number) => () => {
  if (signalCode !== undefined) return
  signalCode = code
  setTimeout(() => {
    Effect.runSync(sayStillStopping)
    process.exit(code)
  }, STOP_DEADLINE_MS).unref()
}
process.once("SIGINT", onSignal(ExitCode.sigint))
process.once("SIGTERM", onSignal(ExitCode.sigterm))

const program = Effect.suspend(() => cli(process.argv)).pipe(
  Effect.as(ExitCode.ok),
  Effect.catchAll((error): Effect.Effect<number> => {
    if (ValidationError.isValidationError(error)) return Effect.succeed(ExitCode.usage)
    switch (error._tag) {
      case "ExitWith":
        return Effect.succeed(error.code)
      case "ConfigurationError":
        return Effect.logError(`configuration: ${error.message}`).pipe(Effect.as(ExitCode.config))
      case "StoreFailed":
        return Effect.logError(`${error.message}; ${error.hint}`).pipe(Effect.as(ExitCode.unavailable))
      case "StoreBusy":
        return Effect.logError(`${error.message}; ${error.hint}`).pipe(Effect.as(ExitCode.tempFail))
      case "InvalidQuery":
        return Effect.logError(error.message).pipe(Effect.as(ExitCode.usage))
    }
  }),
  Effect.catchAllDefect((defect) =>
    Effect.logFatal("a bug stopped the run; please report it with this output", Cause.die(defect)).pipe(
      Effect.as(ExitCode.defect)
    )
  ),
  // For the benchmark and for an operator chasing memory: the peak resident set, in MB.
  Effect.tap(() => Effect.logDebug(`peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`)),
  Effect.provide(NodeContext.layer),
  // A bad LOG_LEVEL or LOG_FORMAT is a configuration error like any other.
  Effect.provide(LoggingLive),
  Effect.catchTag("ConfigurationError", (error) =>
    Effect.sync(() => process.stderr.write(`configuration: ${error.message}\n`)).pipe(Effect.as(ExitCode.config)))
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit) && typeof exit.value === "number"
        ? exit.value
        : signalCode ?? (Exit.isInterrupted(exit) ? ExitCode.sigint : ExitCode.defect)
    )
})
