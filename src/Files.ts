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

/** What a file write gathers before it goes to the file: few writes, and one buffer reused for all. */
const WRITE_BUFFER_BYTES = 1 << 20

/**
 * Writes files so that a reader sees the old content or the new, never a part: a
 * temporary file beside it, fsync, rename, fsync of the directory. The content is a
 * text, or a stream of texts or bytes written as they come (a large file need not be in memory
 * whole), each encoded straight into a buffer that is reused: no joined string, no copy per
 * text. A write is not cut short by an interruption: the file is either whole or absent.
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
      yield* Effect.scoped(Effect.gen(function*() {
        const file = yield* fs.open(temporary, { flag: "w", mode })
        const buffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES)
        let used = 0
        const flush = Effect.suspend(() => {
          const size = used
          used = 0
          return size === 0 ? Effect.void : file.writeAll(buffer.subarray(0, size))
        })
        const parts = typeof data === "string" ? Stream.make(data) : data
        yield* Stream.runForEachChunk(parts, (chunk) =>
          Effect.gen(function*() {
            for (const part of chunk) {
              const size = typeof part === "string" ? Buffer.byteLength(part, "utf8") : part.byteLength
              if (size > buffer.length - used) yield* flush
              if (size > buffer.length) {
                yield* file.writeAll(typeof part === "string" ? Buffer.from(part, "utf8") : part)
              } else if (typeof part === "string") {
                used += buffer.write(part, used, "utf8")
              } else {
                buffer.set(part, used)
                used += size
              }
            }
          }))
        yield* flush
        yield* file.sync
      })).pipe(
        Effect.zipRight(fs.rename(temporary, path)),
        Effect.tapError(() => fs.remove(temporary, { force: true }).pipe(Effect.ignore))
      )
      yield* Effect.scoped(Effect.flatMap(fs.open(directory, { flag: "r" }), (dir) => dir.sync))
    }).pipe(Effect.uninterruptible)
})
