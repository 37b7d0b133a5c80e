import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Console, Effect } from "effect"
import { ColourOnTerminal } from "../src/Colour.js"

/** What reaches the console when @effect/cli writes coloured help, on a terminal or not. */
const printed = (options: { readonly terminal: boolean; readonly env?: Record<string, string> }) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const base = yield* Effect.console
    const capture: Console.Console = {
      ...base,
      log: (...args) => Effect.sync(() => lines.push(args.join(" "))),
      error: (...args) => Effect.sync(() => lines.push(args.join(" ")))
    }
    const streams = [process.stdout, process.stderr]
    const before = streams.map((s) => s.isTTY)
    yield* Effect.acquireUseRelease(
      Effect.sync(() => streams.forEach((s) => Object.defineProperty(s, "isTTY", { value: options.terminal, configurable: true }))),
      () =>
        Effect.zipRight(Console.log("\x1b[0;1mUSAGE\x1b[0m"), Console.error("\x1b[31mbad option\x1b[0m")).pipe(
          Effect.provide(ColourOnTerminal),
          Effect.withConsole(capture),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(options.env ?? {}))))
        ),
      () => Effect.sync(() => streams.forEach((s, i) => Object.defineProperty(s, "isTTY", { value: before[i], configurable: true })))
    )
    return lines
  })

describe("colour", () => {
  it.effect("reaches a terminal", () =>
    Effect.gen(function*() {
      expect(yield* printed({ terminal: true })).toEqual(["\x1b[0;1mUSAGE\x1b[0m", "\x1b[31mbad option\x1b[0m"])
    }))

  it.effect("never reaches a pipe or a file", () =>
    Effect.gen(function*() {
      expect(yield* printed({ terminal: false })).toEqual(["USAGE", "bad option"])
    }))

  it.effect("never reaches a terminal when NO_COLOR is set (and not empty)", () =>
    Effect.gen(function*() {
      expect(yield* printed({ terminal: true, env: { NO_COLOR: "1" } })).toEqual(["USAGE", "bad option"])
      expect(yield* printed({ terminal: true, env: { NO_COLOR: "" } })).toEqual(["\x1b[0;1mUSAGE\x1b[0m", "\x1b[31mbad option\x1b[0m"])
    }))
})
