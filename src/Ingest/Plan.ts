import { Clock, type Context, Duration, Effect, Option } from "effect"
import { IngestConfig } from "../Config.js"
import { needsThePlan } from "../Domain/Charts.js"
import type { RegionCode } from "../Domain/Region.js"
import { type ChartUnit, unitLabel } from "../Domain/Run.js"
import { CategoryId, type ChartId } from "../Domain/Video.js"
import type { StoreConnection } from "../Store/Connection.js"
import type { VideoStore } from "../Store/VideoStore.js"
import { fetchLists, isStale } from "./Categories.js"

/** A category chart that answered `unavailable` is not asked for again for this long. */
export const UNAVAILABLE_RESTS = Duration.days(7)

/** What a run will fetch. */
export interface Plan {
  /** Region by region, in the configured order; each region's charts in `CHARTS` order. */
  readonly units: ReadonlyArray<ChartUnit>
  /** Category charts left out because they were unavailable within the last seven days. */
  readonly resting: ReadonlyArray<ChartUnit>
  /** Regions whose category list this run has asked for already (the categories stage leaves them be). */
  readonly categoriesAsked: ReadonlySet<RegionCode>
}

const overallOnly = (regions: ReadonlyArray<RegionCode>): Plan => ({
  units: regions.map((region) => ({ region, chart: "all" })),
  resting: [],
  categoriesAsked: new Set()
})

/**
 * The category lists `every` needs and the store lacks (none, or older than seven
 * days): fetched now, before the charts, and stored. A list that cannot be had costs
 * its region its category charts this run, nothing more.
 */
const assignableCategories = (store: VideoStore, regions: ReadonlyArray<RegionCode>, now: number) =>
  Effect.gen(function*() {
    const stored = yield* store.categoriesOf(regions)
    const assignable = new Map(regions.map((r) => [r as string, stored.get(r)?.assignable ?? []]))
    const due = regions.filter((r) => isStale(stored.get(r), now))
    if (due.length === 0) return { assignable, asked: new Set<RegionCode>() }
    const fetched = yield* fetchLists(
      due,
      (region) => (stored.has(region) ? "its stored list plans the charts" : "only its overall chart this run")
    )
    for (const [region, list] of fetched) assignable.set(region, list.filter((c) => c.assignable).map((c) => c.categoryId))
    const categories = [...fetched.values()].flat()
    if (categories.length > 0) {
      yield* store.saveCategories(categories, new Date(now)).pipe(
        Effect.catchAll((e) => Effect.logWarning(`categories not stored: ${e.message}; the next run asks again`))
      )
    }
    return { assignable, asked: new Set(due) }
  })

/**
 * The plan stage: the units of this run. The overall chart of every region needs
 * nothing but the configuration (the store opens meanwhile); category charts need the
 * store: which ones were unavailable lately, and, for `every`, each region's assignable
 * categories. A store that cannot be reached plans from `CHARTS` alone (the commit will
 * spool the batch).
 */
export const planUnits = (connection: Context.Tag.Service<StoreConnection>) =>
  Effect.gen(function*() {
    const { charts, everyRegion, regions } = yield* IngestConfig
    // REGIONS=all reads the store too: a listed region whose chart was refused rests a while.
    if (!needsThePlan(charts) && !everyRegion) return overallOnly(regions)
    const store = yield* connection.store.pipe(
      Effect.tapError((e) => Effect.logWarning(`${e.message}: category charts are planned from CHARTS alone this run`)),
      Effect.option
    )
    const now = yield* Clock.currentTimeMillis
    const since = new Date(now - Duration.toMillis(UNAVAILABLE_RESTS))
    const unavailable = Option.isNone(store)
      ? new Set<string>()
      : yield* store.value.unavailableCharts(since).pipe(
        Effect.tapError((e) => Effect.logWarning(`${e.message}: every planned chart is asked for`)),
        Effect.orElseSucceed(() => new Set<string>())
      )
    const every = charts.everyCategory && Option.isSome(store)
      ? yield* assignableCategories(store.value, regions, now).pipe(
        Effect.tapError((e) => Effect.logWarning(`${e.message}: only the charts CHARTS names this run`)),
        Effect.option
      )
      : Option.none()
    const units: Array<ChartUnit> = []
    const resting: Array<ChartUnit> = []
    for (const region of regions) {
      const ids = [
        ...charts.categories,
        ...Option.match(every, { onNone: () => [], onSome: ({ assignable }) => assignable.get(region) ?? [] })
      ]
      const chartsOf: Array<ChartId> = [
        ...(charts.overall ? ["all" as const] : []),
        ...[...new Set(ids)].map((id) => CategoryId.make(id))
      ]
      for (const chart of chartsOf) {
        const unit = { region, chart }
        ;(unavailable.has(unitLabel(unit)) ? resting : units).push(unit)
      }
    }
    if (resting.length > 0) {
      yield* Effect.log(`not asked this run (unavailable within 7 days): ${resting.map(unitLabel).join(", ")}`)
    }
    return {
      units,
      resting,
      categoriesAsked: Option.match(every, { onNone: () => new Set<RegionCode>(), onSome: ({ asked }) => asked })
    } satisfies Plan
  }).pipe(Effect.withSpan("Ingest.plan"))
