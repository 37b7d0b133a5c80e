import { type Error as PlatformError, FileSystem, Path } from "@effect/platform"
import { Effect, Predicate, Stream } from "effect"

/** The errno code (`ENOSPC`, `EEXIST`…) behind a file system failure, when there is one. */
export const errnoOf = (error: PlatformError.PlatformError): string | undefined =>
  error._tag === "SystemError" && Predicate.hasProperty(error.cause, "code") && Predicate.isString(error.cause.code)
    ? error.cause.code
    : undefined

/** What went wrong, in the system's words ("ENOSPC: no space left on device, write"), without the call's name. */
export const describeFileError = (error: PlatformError.PlatformError): string =>
  error._tag === "SystemError" && error.description !== undefined ? error.description : error.message

/**
 * Lines as one UTF-8 buffer, each encoded straight into its place: no joined string, no
 * second copy (a large export writes hundreds of megabytes this way).
 */
export const utf8Lines = (lines: ReadonlyArray<string>): Uint8Array => {
  let size = 0
  for (const line of lines) size += Buffer.byteLength(line, "utf8")
  const bytes = Buffer.allocUnsafe(size)
  let at = 0
  for (const line of lines) at += bytes.write(line, at, "utf8")
  return bytes
}

/**
 * Writes files so that a reader sees the old content or the new, never a part: a
 * temporary file beside it, fsync, rename, fsync of the directory. The content is a
 * text, or a stream of texts or bytes written as they come (a large file need not be in memory
 * whole). A write is not cut short by an interruption: the file is either whole or absent.
 */
export const AtomicWriter = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const paths = yield* Path.Path
  return <E = never>(
    path: string,
    data: string | Stream.Stream<string | Uint8Array, E>,
    mode = 0o600
  ): Effect.Effect<void, PlatformError.PlatformError | E> =>
    Effect.gen(function*() {
      const directory = paths.dirname(path)
      yield* fs.makeDirectory(directory, { recursive: true })
      const temporary = paths.join(directory, `.${paths.basename(path)}.${process.pid}.tmp`)
      const encoder = new TextEncoder()
      yield* Effect.scoped(Effect.gen(function*() {
        const file = yield* fs.open(temporary, { flag: "w", mode })
        yield* Stream.runForEach(typeof data === "string" ? Stream.make(data) : data, (part) => file.writeAll(typeof part === "string" ? encoder.encode(part) : part))
        yield* file.sync
      })).pipe(
        Effect.zipRight(fs.rename(temporary, path)),
        Effect.tapError(() => fs.remove(temporary, { force: true }).pipe(Effect.ignore))
      )
      yield* Effect.scoped(Effect.flatMap(fs.open(directory, { flag: "r" }), (dir) => dir.sync))
    }).pipe(Effect.uninterruptible)
})
