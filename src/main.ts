import { ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit } from "effect"
import { cli } from "./Cli.js"
import { ExitCode } from "./ExitCode.js"
import { LoggingLive } from "./Logging.js"

// runMain interrupts the program on either signal; we remember which, for the exit code.
let signalCode: number | undefined
process.once("SIGINT", () => (signalCode ??= ExitCode.sigint))
process.once("SIGTERM", () => (signalCode ??= ExitCode.sigterm))

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
