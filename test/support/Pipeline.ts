import { Error as PlatformError, FileSystem } from "@effect/platform"
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { Effect, Layer, Ref } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { IngestConfig } from "../../src/Config.js"
import { Category } from "../../src/Domain/Category.js"
import type { RegionCode } from "../../src/Domain/Region.js"
import { type Batch, IncompleteRun, type IngestReport, RunId } from "../../src/Domain/Run.js"
import { CategoryId } from "../../src/Domain/Video.js"
import { ExitCode, verdictOf } from "../../src/ExitCode.js"
import { RegionTimings } from "../../src/Ingest/Timings.js"
import { StateDirectory } from "../../src/State.js"
import type { StoredCategories } from "../../src/Store/CategoryRows.js"
import { StoreConnection } from "../../src/Store/Connection.js"
import type { DatabaseUnavailable } from "../../src/Store/Errors.js"
import { Spool } from "../../src/Store/Spool.js"
import { VideoStore } from "../../src/Store/VideoStore.js"
import { type RegionFetch, YouTube } from "../../src/YouTube/Client.js"
import { FetchFailed, type YouTubeError } from "../../src/YouTube/Errors.js"
import { region, regional } from "./Fixtures.js"

/**
 * The pipeline on stand-ins for its edges: a scripted YouTube client (one request a
 * region), a store that records what it is given, the real spool and timings on disk.
 */

/** The spool and region timings in a state directory (a fresh temporary one when none is given), on Node's file system. */
export const stateIn = (path = mkdtempSync(join(tmpdir(), "vvv-spool-")), files: Layer.Layer<FileSystem.FileSystem> = NodeFileSystem.layer) =>
  Layer.merge(Spool.Default, RegionTimings.Default).pipe(
    Layer.provide(Layer.succeed(StateDirectory, { path })),
    Layer.provide(Layer.merge(files, NodePath.layer))
  )

/** A disk with no space left: nothing can be written, nothing is there to read. */
export const fullDisk = FileSystem.layerNoop({
  makeDirectory: () => Effect.void,
  remove: () => Effect.void,
  open: (path) =>
    Effect.fail(new PlatformError.SystemError({
      reason: "Unknown",
      module: "FileSystem",
      method: "open",
      pathOrDescriptor: path,
      description: "ENOSPC: no space left on device, open"
    })),
  readDirectory: (path) =>
    Effect.fail(new PlatformError.SystemError({ reason: "NotFound", module: "FileSystem", method: "readDirectory", pathOrDescriptor: path })),
  readFileString: (path) =>
    Effect.fail(new PlatformError.SystemError({ reason: "NotFound", module: "FileSystem", method: "readFile", pathOrDescriptor: path }))
})

/** The exit code `run` ends with for this report. */
export const exitCodeOf = (report: IngestReport) =>
  report.status === "ok" ? ExitCode.ok : verdictOf(new IncompleteRun({ report })).code

export const SEVEN = ["US", "GB", "PL", "NL", "SE", "NO", "AT"].map(region)

/** What a region's fetch gives, one request per region. */
export type Behaviour = (region: RegionCode) => Effect.Effect<Omit<RegionFetch, "attempts">, YouTubeError>

/** A chart of `n` videos; every region shares "shared". */
export const chart = (code: RegionCode, n = 3): Omit<RegionFetch, "attempts"> => ({
  region: code,
  malformed: 0,
  videos: [
    regional("shared", code, { rank: 1, views: code.charCodeAt(0) * 10 }),
    ...Array.from({ length: n - 1 }, (_, i) => regional(`${code}-${i}`, code, { rank: i + 2 }))
  ]
})

interface HarnessOptions {
  readonly regions?: ReadonlyArray<RegionCode>
  readonly concurrency?: number
  /** Replaces the recording store. */
  readonly store?: VideoStore
  /** The state directory holding the spool; a fresh one when absent. */
  readonly state?: string
  /** The file system under it; Node's when absent. */
  readonly files?: Layer.Layer<FileSystem.FileSystem>
  /** What `videoCategories.list` gives; two assignable categories when absent. */
  readonly categories?: (region: RegionCode) => Effect.Effect<ReadonlyArray<Category>, YouTubeError>
  /** The categories "stored" so far: pass the same one to the runs of one test, as one database. */
  readonly storedCategories?: Ref.Ref<ReadonlyMap<string, StoredCategories>>
}

/** Two assignable categories, as a region lists them. */
export const twoCategories = (code: RegionCode): ReadonlyArray<Category> =>
  [["10", "Music"], ["20", "Gaming"]].map(([id, title]) =>
    Category.make({ region: code, categoryId: CategoryId.make(id!), title: title!, assignable: true })
  )

export const failingStore = (error: DatabaseUnavailable) =>
  VideoStore.make({
    saveRun: () => Effect.fail(error),
    recordInterrupted: () => Effect.succeed(RunId.make(1)),
    categoriesOf: () => Effect.fail(error),
    saveCategories: () => Effect.fail(error)
  })

/**
 * The run reads its timings file (real I/O) before it fetches: move the test clock only
 * once the first `n` requests are asleep in it, or their sleeps would start after it moved.
 */
export const untilRequested = (requested: Ref.Ref<ReadonlyArray<RegionCode>>, n: number) =>
  Effect.gen(function*() {
    while ((yield* Ref.get(requested)).length < n) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
    yield* Effect.yieldNow()
  })

export const harness = (behaviour: Behaviour, options: HarnessOptions = {}) =>
  Effect.gen(function*() {
    const requested = yield* Ref.make<ReadonlyArray<RegionCode>>([])
    const askedCategories = yield* Ref.make<ReadonlyArray<RegionCode>>([])
    const saved = yield* Ref.make<ReadonlyArray<Batch>>([])
    const storedCategories = options.storedCategories ?? (yield* Ref.make<ReadonlyMap<string, StoredCategories>>(new Map()))
    const youtube = YouTube.make({
      fetchRegion: (code: RegionCode) =>
        Ref.update(requested, (r) => [...r, code]).pipe(
          Effect.zipRight(behaviour(code)),
          Effect.map((fetched) => ({ ...fetched, attempts: 1 })),
          Effect.mapError((error) => new FetchFailed({ error, attempts: 1 }))
        ),
      fetchCategories: (code: RegionCode) =>
        Ref.update(askedCategories, (r) => [...r, code]).pipe(
          Effect.zipRight((options.categories ?? ((c) => Effect.succeed(twoCategories(c))))(code)),
          Effect.mapError((error) => new FetchFailed({ error, attempts: 1 }))
        )
    })
    const store = VideoStore.make({
      saveRun: (run: Batch) => Ref.updateAndGet(saved, (s) => [...s, run]).pipe(Effect.map((s) => RunId.make(s.length))),
      recordInterrupted: () => Effect.succeed(RunId.make(1)),
      categoriesOf: () => Ref.get(storedCategories),
      saveCategories: (categories, fetchedAt) =>
        Ref.update(storedCategories, (stored) => {
          const next = new Map(stored)
          for (const c of categories) {
            next.set(c.region, { ids: new Set([...(next.get(c.region)?.ids ?? []), c.categoryId]), fetchedAt })
          }
          return next
        })
    })
    const layer = Layer.mergeAll(
      Layer.succeed(YouTube, youtube),
      StoreConnection.opened.pipe(Layer.provide(Layer.succeed(VideoStore, options.store ?? store))),
      Layer.succeed(IngestConfig, { regions: options.regions ?? SEVEN, concurrency: options.concurrency ?? 3 }),
      stateIn(options.state, options.files)
    )
    return { layer, requested, saved, askedCategories, storedCategories }
  })

