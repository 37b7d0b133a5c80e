import { FileSystem, Path } from "@effect/platform"
import { Config, Effect, Option, Redacted } from "effect"
import { ConfigurationError, load } from "./ConfigLoad.js"
import { apiKey as namedKey } from "./Domain/Quota.js"
import { errnoOf } from "./Files.js"

const keyProblem = (detail: string, variable = "YOUTUBE_API_KEY") => new ConfigurationError({ variable, detail })

/** A key as given: trimmed, one word. */
const checkedKey = (raw: string, variable: string) => {
  const key = raw.trim()
  if (key === "") return Effect.fail(keyProblem("is empty", variable))
  if (/\s/.test(key)) return Effect.fail(keyProblem("contains white space; a key is one word", variable))
  return Effect.succeed(Redacted.make(key))
}

/**
 * The keys, in order: `YOUTUBE_API_KEYS` (comma-separated), else `YOUTUBE_API_KEY`, else
 * every `$CREDENTIALS_DIRECTORY/youtube-api-key*` (systemd's LoadCredential), by name.
 * The same key given twice is used once.
 */
export const apiKeys = Effect.gen(function*() {
  const { credentials, many, one } = yield* load(Config.all({
    many: Config.option(Config.redacted("YOUTUBE_API_KEYS")),
    one: Config.option(Config.redacted("YOUTUBE_API_KEY")),
    credentials: Config.option(Config.string("CREDENTIALS_DIRECTORY"))
  }))
  const given: ReadonlyArray<readonly [string, string]> = Option.isSome(many)
    ? Redacted.value(many.value).split(",").map((k) => ["YOUTUBE_API_KEYS", k] as const)
    : Option.isSome(one)
    ? [["YOUTUBE_API_KEY", Redacted.value(one.value)]]
    : Option.isSome(credentials)
    ? yield* readCredentials(credentials.value)
    : yield* keyProblem(
      "not set; export it, or give systemd LoadCredential=youtube-api-key:/path/to/key (several keys: " +
        "YOUTUBE_API_KEYS=key1,key2; try `demo` to run without one)"
    )
  const keys = yield* Effect.forEach(given, ([variable, raw]) => checkedKey(raw, variable))
  const seen = new Set<string>()
  return keys.map(namedKey).filter((key) => !seen.has(key.id) && seen.add(key.id) !== undefined)
})

/** `youtube-api-key`, `youtube-api-key-2`, …: every credential whose name starts so, by name. */
const readCredentials = (directory: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const unreadable = (why: string) => keyProblem(`not set, and the credential file ${path.join(directory, "youtube-api-key")} cannot be read (${why})`)
    const names = yield* fs.readDirectory(directory).pipe(Effect.mapError((e) => unreadable(errnoOf(e) ?? e.message)))
    const files = names.filter((name) => name.startsWith("youtube-api-key")).sort()
    if (files.length === 0) return yield* unreadable("ENOENT")
    return yield* Effect.forEach(files, (name) =>
      fs.readFileString(path.join(directory, name)).pipe(
        Effect.mapError((e) => keyProblem(`not set, and the credential file ${path.join(directory, name)} cannot be read (${errnoOf(e) ?? e.message})`)),
        Effect.map((raw) => ["YOUTUBE_API_KEY", raw] as const)
      ))
  })
