import { Clock, type Context, Duration, Effect, Either, Option } from "effect"
import { IngestConfig } from "../Config.js"
import type { Category } from "../Domain/Category.js"
import type { RegionCode } from "../Domain/Region.js"
import { type Batch, isRunStopping } from "../Domain/Run.js"
import type { StoredCategories } from "../Store/CategoryRows.js"
import type { StoreConnection } from "../Store/Connection.js"
import type { VideoStore } from "../Store/VideoStore.js"
import { YouTube } from "../YouTube/Client.js"

/** A region's category list is fetched again when it is older than this. */
const CATEGORIES_KEPT = Duration.days(7)

/** A region's list is due by age: none is stored, or the stored one is older than seven days. */
export const isStale = (known: StoredCategories | undefined, now: number): boolean =>
  known === undefined || now - known.fetchedAt.getTime() > Duration.toMillis(CATEGORIES_KEPT)

/**
 * The category lists of `due` (one unit each), `concurrency` at once: those fetched, by
 * region. Each that could not be is said, with what that costs (`missing` says it).
 */
export const fetchLists = (due: ReadonlyArray<RegionCode>, missing: (region: RegionCode) => string) =>
  Effect.gen(function*() {
    const youtube = yield* YouTube
    const { concurrency } = yield* IngestConfig
    const lists = yield* Effect.forEach(due, (region) => Effect.either(youtube.fetchCategories(region)), { concurrency })
    const fetched = new Map<RegionCode, ReadonlyArray<Category>>()
    for (const [i, list] of lists.entries()) {
      if (Either.isRight(list)) fetched.set(due[i]!, list.right)
      else yield* Effect.logWarning(`categories of ${due[i]} not fetched: ${list.left.message}; ${missing(due[i]!)}`)
    }
    return fetched
  })

/** A region whose category list is due by age, and when it was fetched last (null: never). */
export interface ListDue {
  readonly region: RegionCode
  readonly fetchedAt: number | null
}

/**
 * The category lists due by age, for the quota's plan: the regions whose stored list is
 * missing or stale, less those the plan asked for already (a video naming an unknown
 * category can add one: the room left for retries covers it). Every region while the
 * store is not open (the plan does not wait for it).
 */
export const listsDue = (connection: Context.Tag.Service<StoreConnection>, regions: ReadonlyArray<RegionCode>, askedAlready: ReadonlySet<RegionCode>) =>
  Effect.gen(function*() {
    const candidates = regions.filter((region) => !askedAlready.has(region))
    const open = yield* connection.ifOpen
    if (Option.isNone(open)) return candidates.map((region): ListDue => ({ region, fetchedAt: null }))
    if (candidates.length === 0) return []
    const stored = yield* open.value.categoriesOf(candidates)
    const now = yield* Clock.currentTimeMillis
    return candidates.flatMap((region): Array<ListDue> => {
      const known = stored.get(region)
      return isStale(known, now) ? [{ region, fetchedAt: known?.fetchedAt.getTime() ?? null }] : []
    })
  }).pipe(Effect.orElseSucceed((): ReadonlyArray<ListDue> => []))

/**
 * The categories stage, after the commit: the lists the quota's plan gave room to (due by
 * age: none stored, or older than seven days), and the list of each region the run
 * collected where a video names a category the stored list does not have (unless the
 * plan asked for it already this run). One unit each. A list that cannot be fetched or
 * stored is said, and asked for again by the next run: the charts are stored already,
 * and nothing else needed it.
 */
export const refreshCategories = (
  store: VideoStore,
  batch: Batch,
  askedAlready: ReadonlySet<RegionCode>,
  planned: ReadonlyArray<RegionCode>
) =>
  Effect.gen(function*() {
    if (batch.outcomes.some((o) => o.errorTag !== undefined && isRunStopping(o.errorTag))) return
    const collected = [...new Set(batch.outcomes.filter((o) => o.status === "ok").map((o) => o.region))]
      .filter((region) => !askedAlready.has(region))
    const stored = yield* store.categoriesOf([...new Set([...planned, ...collected])])
    const now = yield* Clock.currentTimeMillis
    /** The category ids each region's videos name, gathered in one pass over the entries. */
    const named = new Map<string, Set<string>>()
    for (const entry of batch.entries) {
      if (Option.isSome(entry.categoryId)) named.set(entry.region, (named.get(entry.region) ?? new Set()).add(entry.categoryId.value))
    }
    const unknownNamed = collected.filter((region) => {
      const known = stored.get(region)
      return known !== undefined && !isStale(known, now) && [...(named.get(region) ?? [])].some((id) => !known.ids.has(id))
    })
    // Still due: another process may have fetched a planned list meanwhile.
    const due = [...planned.filter((region) => isStale(stored.get(region), now)), ...unknownNamed]
    if (due.length === 0) return
    const fetched = yield* fetchLists(due, () => "the next run asks again")
    const categories = [...fetched.values()].flat()
    if (categories.length === 0) return
    yield* store.saveCategories(categories, new Date(now))
    yield* Effect.log(`categories of ${[...fetched.keys()].join(", ")} refreshed (${categories.length} categories)`)
  }).pipe(
    Effect.catchAll((e) => Effect.logWarning(`categories not stored: ${e.message}; the next run asks again`)),
    Effect.withSpan("Ingest.refreshCategories")
  )
