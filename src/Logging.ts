import { Config, Effect, Layer, Logger, LogLevel } from "effect"
import { variable } from "./Config.js"

const levelNamed = (name: string) => LogLevel.allLevels.find((l) => l.label === name.trim().toUpperCase())
const levelNames = LogLevel.allLevels.map((l) => l.label.toLowerCase()).join(", ")

/**
 * Logs go to stderr (stdout is for command output such as `search --json`): one JSON
 * object per line for journald when stderr is not a terminal, pretty on a terminal.
 * `LOG_FORMAT=json|pretty` forces one; `LOG_LEVEL` sets the threshold.
 */
export const LoggingLive = Layer.unwrapEffect(
  Effect.gen(function*() {
    const format = yield* variable(
      "LOG_FORMAT",
      Config.literal("auto", "json", "pretty")("LOG_FORMAT").pipe(Config.withDefault("auto" as const))
    )
    const levelName = yield* variable(
      "LOG_LEVEL",
      Config.string("LOG_LEVEL").pipe(Config.withDefault("info")),
      (name) => levelNamed(name) === undefined ? `expected one of (${levelNames}) but received "${name}"` : undefined
    )
    const level = levelNamed(levelName)!
    const json = format === "json" || (format === "auto" && process.stderr.isTTY !== true)
    const logger = json ? Logger.withConsoleError(Logger.jsonLogger) : Logger.prettyLogger({ stderr: true })
    return Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(level))
  })
)
