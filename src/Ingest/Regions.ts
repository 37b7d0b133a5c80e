import { Clock, type Context, Data, Duration, Effect, Option } from "effect"
import { IngestConfig } from "../Config.js"
import { ISO_REGION_CODES, type ListedRegion, type RegionCode } from "../Domain/Region.js"
import { isCredentialFailure } from "../Domain/Run.js"
import type { StoreConnection } from "../Store/Connection.js"
import type { StoredRegions } from "../Store/RegionRows.js"
import { YouTube } from "../YouTube/Client.js"
import type { YouTubeError } from "../YouTube/Errors.js"

/** A fetched region list is used for this long before it is asked for again (one unit). */
export const REGIONS_KEPT = Duration.days(30)

/** More regions than `i18nRegions.list` has ever listed (106–113): what a run may need to plan for before it knows. */
export const MOST_LISTED_REGIONS = 130

/** `REGIONS=all`, and YouTube's list of regions could not be had: none is stored, and asking failed. */
export class RegionsUnknown extends Data.TaggedError("RegionsUnknown")<{ readonly error: YouTubeError | undefined }> {
  override get message() {
    return `REGIONS=all: no region list is stored and i18nRegions.list ${
      this.error === undefined ? "listed no region" : `could not be fetched (${this.error.message})`
    }`
  }
  get hint() {
    return this.error !== undefined && isCredentialFailure(this.error._tag)
      ? this.error.hint
      : "the next run asks again; list the regions in REGIONS meanwhile to collect them"
  }
  /** A key the API refuses is a configuration error; anything else is the API being unavailable. */
  get isCredentialFailure() {
    return this.error !== undefined && isCredentialFailure(this.error._tag)
  }
}

const named = (regions: ReadonlyArray<ListedRegion>) => regions.map((r) => `${r.code} (${r.name})`).join(", ")

/** What changed between the stored list and the fetched one, said; codes ISO 3166-1 does not have, too. */
const sayChanges = (stored: StoredRegions | undefined, fetched: ReadonlyArray<ListedRegion>) =>
  Effect.gen(function*() {
    const before = new Map((stored?.regions ?? []).map((r) => [r.code as string, r]))
    const now = new Set(fetched.map((r) => r.code as string))
    const added = fetched.filter((r) => !before.has(r.code))
    const withdrawn = [...before.values()].filter((r) => !now.has(r.code))
    const unknown = fetched.filter((r) => !ISO_REGION_CODES.has(r.code))
    if (stored === undefined) yield* Effect.log(`region list: YouTube lists ${fetched.length} regions`)
    else if (added.length > 0) yield* Effect.log(`region list: newly listed by YouTube: ${named(added)}`)
    if (withdrawn.length > 0) {
      yield* Effect.logWarning(`region list: no longer listed by YouTube, not collected from now on (their history is kept): ${named(withdrawn)}`)
    }
    if (unknown.length > 0) yield* Effect.logWarning(`region list: not ISO 3166-1 codes, collected as YouTube lists them: ${named(unknown)}`)
  })

/**
 * The regions of this run. `REGIONS` as configured; for `REGIONS=all`, the list
 * `i18nRegions.list` gave, stored and used for 30 days, then asked for again (one unit,
 * from the run's quota). A list that cannot be fetched leaves the stored one in use,
 * however old; with none stored the run cannot know what to ask for, and fails with
 * `RegionsUnknown`. A region that is listed but has no chart is the fetch stage's
 * business (an `unavailable` outcome, resting 7 days).
 */
export const resolveRegions = (connection: Context.Tag.Service<StoreConnection>) =>
  Effect.gen(function*() {
    const settings = yield* IngestConfig
    if (!settings.everyRegion) return settings.regions
    const store = yield* connection.ifOpen
    const stored = Option.isSome(store)
      ? yield* store.value.listedRegions.pipe(
        Effect.tapError((e) => Effect.logWarning(`${e.message}: asking YouTube for the region list`)),
        Effect.orElseSucceed(() => undefined)
      )
      : undefined
    const now = yield* Clock.currentTimeMillis
    if (stored !== undefined && now - stored.fetchedAt.getTime() <= Duration.toMillis(REGIONS_KEPT)) {
      return stored.regions.map((r) => r.code)
    }
    const fetched = yield* (yield* YouTube).fetchRegions().pipe(
      Effect.map((list) => [...new Map(list.map((r) => [r.code, r])).values()]),
      Effect.filterOrFail((list) => list.length > 0, () => undefined),
      Effect.either
    )
    if (fetched._tag === "Left") {
      const error = fetched.left?.error
      if (stored === undefined) return yield* new RegionsUnknown({ error })
      yield* Effect.logWarning(
        `region list: ${error === undefined ? "the API listed no region" : error.message}; ` +
          `using the one stored on ${stored.fetchedAt.toISOString()}, asked for again next run`
      )
      return stored.regions.map((r) => r.code)
    }
    yield* sayChanges(stored, fetched.right)
    if (Option.isSome(store)) {
      yield* store.value.saveRegions(fetched.right, new Date(now)).pipe(
        Effect.catchAll((e) => Effect.logWarning(`${e.message}: the region list is asked for again next run`))
      )
    }
    return fetched.right.map((r): RegionCode => r.code)
  }).pipe(Effect.withSpan("Ingest.resolveRegions"))
