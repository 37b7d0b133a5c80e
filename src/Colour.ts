import { Config, Console, Effect, Layer, Option } from "effect"

const SGR = /\x1b\[[0-9;]*m/g
const plain = (args: ReadonlyArray<unknown>) => args.map((a) => (typeof a === "string" ? a.replace(SGR, "") : a))

/**
 * @effect/cli colours its help and usage errors whatever they are written to: piped to
 * a file or `less`, they would be full of escape codes. Colour reaches a terminal only,
 * and never when `NO_COLOR` is set (no-color.org), as for the logs and `search`.
 */
export const ColourOnTerminal = Layer.unwrapEffect(
  Effect.gen(function*() {
    const noColor = Option.exists(yield* Config.option(Config.string("NO_COLOR")), (value) => value !== "")
    const toStdout = !noColor && process.stdout.isTTY === true
    const toStderr = !noColor && process.stderr.isTTY === true
    if (toStdout && toStderr) return Layer.empty
    const underlying = yield* Effect.console
    return Console.setConsole({
      ...underlying,
      log: (...args) => underlying.log(...(toStdout ? args : plain(args))),
      error: (...args) => underlying.error(...(toStderr ? args : plain(args)))
    })
  }).pipe(Effect.orElseSucceed(() => Layer.empty))
)
