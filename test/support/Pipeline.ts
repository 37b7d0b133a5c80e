import { Error as PlatformError, FileSystem } from "@effect/platform"
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { Clock, Effect, Layer, Option, Redacted, Ref } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { IngestConfig, ingestSettings } from "../../src/Config.js"
import { apiKey } from "../../src/Domain/Quota.js"
import { Category } from "../../src/Domain/Category.js"
import type { RegionCode } from "../../src/Domain/Region.js"
import { type ChartSelection, OVERALL_ONLY } from "../../src/Domain/Charts.js"
import { type Batch, type ChartUnit, IncompleteRun, type IngestReport, RunId, unitLabel } from "../../src/Domain/Run.js"
import { CategoryId, TrackedCounters, type VideoId } from "../../src/Domain/Video.js"
import { ExitCode, verdictOf } from "../../src/ExitCode.js"
import { RegionTimings } from "../../src/Ingest/Timings.js"
import { StateDirectory } from "../../src/State.js"
import type { StoredCategories } from "../../src/Store/CategoryRows.js"
import { StoreConnection } from "../../src/Store/Connection.js"
import type { Trackable } from "../../src/Store/TrackingRows.js"
import type { DatabaseUnavailable } from "../../src/Store/Errors.js"
import { Spool } from "../../src/Store/Spool.js"
import { VideoStore } from "../../src/Store/VideoStore.js"
import { type ChartFetch, type LookUpAnswer as ClientLookUpAnswer, YouTube } from "../../src/YouTube/Client.js"
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

/** What a region's overall chart gives, one request per region. */
export type Behaviour = (region: RegionCode) => Effect.Effect<Omit<ChartFetch, "attempts" | "chart">, YouTubeError>

/** What a category chart gives. */
export type ChartBehaviour = (unit: ChartUnit) => Effect.Effect<Omit<ChartFetch, "attempts">, YouTubeError>

/** A chart of `n` videos; every region shares "shared". */
export const chart = (code: RegionCode, n = 3): Omit<ChartFetch, "attempts" | "chart"> => ({
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
  /** `CHARTS`; the overall chart alone when absent. */
  readonly charts?: ChartSelection
  /** What a category chart gives; absent: a chart of two videos of that category. */
  readonly categoryCharts?: ChartBehaviour
  /** The runs "stored" so far: pass the same one to the runs of one test, as one database. */
  readonly saved?: Ref.Ref<ReadonlyArray<Batch>>
  /** `TRACK_DAYS`; 0 (off) when absent. */
  readonly trackDays?: number
  /** What a look-up by id gives; absent: every id found, its views 7. */
  readonly lookUp?: (region: RegionCode, ids: ReadonlyArray<VideoId>) => Effect.Effect<LookUpAnswer, YouTubeError>
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
  /** Replaces the scripted client (the behaviours above then go unused): the real one, on a scripted HttpClient. */
  readonly youtube?: Layer.Layer<YouTube>
}

/** Two assignable categories, as a region lists them. */
export const twoCategories = (code: RegionCode): ReadonlyArray<Category> =>
  [["10", "Music"], ["20", "Gaming"]].map(([id, title]) =>
    Category.make({ region: code, categoryId: CategoryId.make(id!), title: title!, assignable: true })
  )

/** A look-up's answer, as the client gives it (but for its requests). */
export type LookUpAnswer = Omit<ClientLookUpAnswer, "attempts">

/** Every id found, its views 7: what a look-up gives when a test does not say. */
const everyIdFound = (_: RegionCode, ids: ReadonlyArray<VideoId>) =>
  Effect.map(Clock.currentTimeMillis, (ms): LookUpAnswer => {
    const observedAt = new Date(ms)
    return {
      found: ids.map((videoId) =>
        TrackedCounters.make({ videoId, observedAt, viewCount: Option.some(7), likeCount: Option.none(), commentCount: Option.none() })
      ),
      missing: [],
      observedAt
    }
  })

export const failingStore = (error: DatabaseUnavailable) =>
  VideoStore.make({
    saveRun: () => Effect.fail(error),
    recordInterrupted: () => Effect.succeed(RunId.make(1)),
    categoriesOf: () => Effect.fail(error),
    saveCategories: () => Effect.fail(error),
    unavailableCharts: () => Effect.fail(error),
    trackable: () => Effect.fail(error),
    listedRegions: Effect.fail(error),
    saveRegions: () => Effect.fail(error)
  })

/** Two videos of the unit's category. */
export const categoryChart = (unit: ChartUnit): Omit<ChartFetch, "attempts"> => ({
  ...unit,
  malformed: 0,
  videos: [1, 2].map((rank) => regional(`${unit.region}-c${unit.chart}-${rank}`, unit.region, { rank, chart: unit.chart }))
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
    const requestedCharts = yield* Ref.make<ReadonlyArray<string>>([])
    const askedCategories = yield* Ref.make<ReadonlyArray<RegionCode>>([])
    const lookedUp = yield* Ref.make<ReadonlyArray<ReadonlyArray<VideoId>>>([])
    const saved = options.saved ?? (yield* Ref.make<ReadonlyArray<Batch>>([]))
    const storedCategories = options.storedCategories ?? (yield* Ref.make<ReadonlyMap<string, StoredCategories>>(new Map()))
    const fetchChart = (unit: ChartUnit) =>
      Ref.update(requestedCharts, (r) => [...r, unitLabel(unit)]).pipe(
        Effect.zipRight(
          unit.chart === "all"
            ? Ref.update(requested, (r) => [...r, unit.region]).pipe(
              Effect.zipRight(behaviour(unit.region)),
              Effect.map((fetched): Omit<ChartFetch, "attempts"> => ({ ...fetched, chart: "all" }))
            )
            : (options.categoryCharts ?? ((u: ChartUnit) => Effect.succeed(categoryChart(u))))(unit)
        ),
        Effect.map((fetched) => ({ ...fetched, attempts: 1 })),
        Effect.mapError((error) => new FetchFailed({ error, attempts: 1 }))
      )
    const youtube = YouTube.make({
      fetchChart,
      fetchRegion: (region: RegionCode) => fetchChart({ region, chart: "all" }),
      fetchRegions: () => Effect.succeed([]),
      fetchCategories: (code: RegionCode) =>
        Ref.update(askedCategories, (r) => [...r, code]).pipe(
          Effect.zipRight((options.categories ?? ((c) => Effect.succeed(twoCategories(c))))(code)),
          Effect.mapError((error) => new FetchFailed({ error, attempts: 1 }))
        ),
      lookUp: (code: RegionCode, ids: ReadonlyArray<VideoId>) =>
        Ref.update(lookedUp, (l) => [...l, ids]).pipe(
          Effect.zipRight((options.lookUp ?? everyIdFound)(code, ids)),
          Effect.map((answer) => ({ ...answer, attempts: 1 })),
          Effect.mapError((error) => new FetchFailed({ error, attempts: 1 }))
        ),
      keys: [apiKey(Redacted.make("AIza-scripted-pipeline-key"))],
      pagesPerChart: 1,
      maxRetries: 0
    })
    const store = VideoStore.make({
      saveRun: (run: Batch) => Ref.updateAndGet(saved, (s) => [...s, run]).pipe(Effect.map((s) => RunId.make(s.length))),
      recordInterrupted: () => Effect.succeed(RunId.make(1)),
      categoriesOf: () => Ref.get(storedCategories),
      saveCategories: (categories, fetchedAt) =>
        Ref.update(storedCategories, (stored) => {
          const next = new Map(stored)
          for (const c of categories) {
            const known = next.get(c.region)
            next.set(c.region, {
              ids: new Set([...(known?.ids ?? []), c.categoryId]),
              assignable: [...(known?.assignable ?? []), ...(c.assignable ? [c.categoryId] : [])],
              fetchedAt
            })
          }
          return next
        }),
      // As the database answers it: from the stored runs' outcomes.
      unavailableCharts: (since) =>
        Effect.map(Ref.get(saved), (runs) =>
          new Set(
            runs.filter((run) => run.startedAt >= since).flatMap((run) =>
              run.outcomes.filter((o) => o.status === "unavailable").map(unitLabel)
            )
          ) as ReadonlySet<string>),
      // As the database answers it: the latest region of each video listed since then, not gone
      // (the scripted charts' entries carry a fixed date: a run's start stands for when they were fetched).
      trackable: (since) =>
        Effect.map(Ref.get(saved), (runs) => {
          const gone = new Set(runs.flatMap((run) => (run.gone ?? []).map((g) => g.videoId)))
          const latest = new Map<string, Trackable>()
          for (const run of runs.filter((run) => run.startedAt >= since)) {
            for (const e of run.entries) if (!gone.has(e.videoId)) latest.set(e.videoId, { videoId: e.videoId, region: e.region })
          }
          return [...latest.values()]
        }),
      listedRegions: Effect.succeed(undefined),
      saveRegions: () => Effect.succeed([])
    })
    const layer = Layer.mergeAll(
      options.youtube ?? Layer.succeed(YouTube, youtube),
      StoreConnection.opened.pipe(Layer.provide(Layer.succeed(VideoStore, options.store ?? store))),
      Layer.succeed(IngestConfig, ingestSettings({
        regions: options.regions ?? SEVEN,
        charts: options.charts ?? OVERALL_ONLY,
        concurrency: options.concurrency ?? 3,
        trackDays: options.trackDays ?? 0
      })),
      stateIn(options.state, options.files)
    )
    return { layer, requested, requestedCharts, saved, askedCategories, storedCategories, lookedUp }
  })

