import { Effect, Layer, Logger } from "effect"
import { load, LoggingConfig } from "./Config.js"

/**
 * Logs go to stderr (stdout is for command output such as `search --json`): one JSON
 * object per line for journald when stderr is not a terminal, pretty on a terminal.
 * `LOG_FORMAT=json|pretty` forces one; `LOG_LEVEL` sets the threshold.
 */
export const LoggingLive = Layer.unwrapEffect(
  Effect.map(load(LoggingConfig), ({ format, level }) => {
    const json = format === "json" || (format === "auto" && process.stderr.isTTY !== true)
    const logger = json ? Logger.withConsoleError(Logger.jsonLogger) : Logger.prettyLogger({ stderr: true })
    return Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(level))
  })
)
