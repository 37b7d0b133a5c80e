import { FileSystem, Path } from "@effect/platform"
import { Config, Context, Effect, Layer, Option } from "effect"
import { homedir } from "node:os"
import { ConfigurationError, load } from "./Config.js"
import { errnoOf } from "./Files.js"

/**
 * The directory the service keeps its own files in: the embedded database (`pgdata/`),
 * the spool (`spool/`) and the region timings. Created if missing and checked writable
 * when the layer is built: found out later, a file or a read-only path in its place
 * would cost the fetched batch its spool copy.
 */
export class StateDirectory extends Context.Tag("viralvidvault/StateDirectory")<StateDirectory, {
  readonly path: string
}>() {
  /** systemd's `STATE_DIRECTORY` (the first, if it lists several), else the XDG state directory. */
  static readonly layer = Layer.effect(
    StateDirectory,
    Effect.gen(function*() {
      const chosen = yield* chooseDirectory
      yield* usable(chosen.path, chosen.set)
      return { path: chosen.path }
    })
  )

  /** A directory of its own under the state directory (the demo keeps its files apart). */
  static readonly within = (name: string) =>
    Layer.effect(
      StateDirectory,
      Effect.gen(function*() {
        const path = (yield* Path.Path).join((yield* StateDirectory).path, name)
        yield* usable(path, true)
        return { path }
      })
    )
}

const stateProblem = (detail: string) => new ConfigurationError({ variable: "STATE_DIRECTORY", detail })

const chooseDirectory = Effect.gen(function*() {
  const path = yield* Path.Path
  const { fromSystemd, xdg } = yield* load(Config.all({
    fromSystemd: Config.option(Config.string("STATE_DIRECTORY")),
    xdg: Config.option(Config.string("XDG_STATE_HOME"))
  }))
  const given = Option.filter(fromSystemd, (s) => s.trim() !== "")
  if (Option.isSome(given)) {
    const first = given.value.split(":")[0]!
    return path.isAbsolute(first)
      ? { path: first, set: true }
      : yield* stateProblem(`must be an absolute path, got "${first}"`)
  }
  // The XDG spec says a relative XDG_STATE_HOME is invalid and to be ignored.
  const base = Option.getOrElse(Option.filter(xdg, path.isAbsolute), () => path.join(homedir(), ".local", "state"))
  return { path: path.join(base, "viralvidvault"), set: false }
})

const fileProblems: Record<string, string> = {
  EEXIST: "a file is in the way",
  ENOTDIR: "part of the path is a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only"
}

const usable = (directory: string, set: boolean) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    yield* fs.makeDirectory(directory, { recursive: true })
    yield* fs.access(directory, { writable: true })
  }).pipe(
    Effect.mapError((e) => {
      const code = errnoOf(e) ?? e.message
      return stateProblem(
        `${set ? "" : "not set, and the default "}${directory} cannot be used as the state directory: ` +
          `${fileProblems[code] ?? "it cannot be created or written"} (${code}); point STATE_DIRECTORY at a writable directory`
      )
    })
  )
