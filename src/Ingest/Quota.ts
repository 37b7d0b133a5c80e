import { Clock, type Context, Data, Duration, Effect, Option, Ref } from "effect"
import { IngestConfig } from "../Config.js"
import {
  allowance,
  type ApiKey,
  planRequests,
  quotaDay,
  quotaDayEnd,
  runsDueBefore,
  type Wanted
} from "../Domain/Quota.js"
import { type ChartUnit, RegionOutcome, unitLabel } from "../Domain/Run.js"
import type { StoreConnection } from "../Store/Connection.js"
import type { QuotaLedger } from "../Store/QuotaLedger.js"
import { YouTube } from "../YouTube/Client.js"
import { type Gate, type KeyBudget, makeGate } from "../YouTube/Quota.js"
import type { RegionCode } from "../Domain/Region.js"
import type { ListDue } from "./Categories.js"
import type { Fetched } from "./Fetch.js"
import { MOST_LISTED_REGIONS } from "./Regions.js"

/**
 * The quota of one run (ARCHITECTURE.md, "Quota, keys and every region"): what each key
 * has left today by the ledger, the room kept for the day's later runs, the gate every
 * request goes through, and the ledger's reservation, settled when the run ends.
 */

export interface RunQuota {
  readonly day: string
  readonly gate: Gate
  readonly keys: ReadonlyArray<KeyBudget>
  /** Units left today over every key, before this run. */
  readonly left: number
  readonly runsStillDue: number
  readonly ledger: Option.Option<QuotaLedger>
  /** Where the ledger comes from when it could not be read at the start. */
  readonly connection: Context.Tag.Service<StoreConnection>
  /** Units reserved in the ledger so far, per key, in the keys' order. */
  readonly reserved: Ref.Ref<ReadonlyArray<number>>
}

/** `total` units over the keys in order, each up to what it has left. */
const split = (keys: ReadonlyArray<KeyBudget>, total: number) => {
  let rest = total
  return keys.map((k) => {
    const units = Math.min(rest, Number.isFinite(k.left) ? k.left : rest)
    rest -= units
    return units
  })
}

/**
 * Sets the run's reservation in the ledger to `total` units over the keys in order (never
 * below what a key has spent already): what it adds, or gives back. When the plan is made,
 * what the planning share held beyond the run's allowance goes back at once, so other
 * processes planning meanwhile see what is really left.
 */
const reserveExactly = (quota: RunQuota, total: number) =>
  Effect.gen(function*() {
    const before = yield* Ref.get(quota.reserved)
    const spent = yield* quota.gate.taken
    const after = split(quota.keys, total).map((units, i) => Math.max(units, spent[i]?.units ?? 0))
    const change = quota.keys.map((k, i) => ({ keyId: k.key.id, units: after[i]! - before[i]! }))
    yield* Ref.set(quota.reserved, after)
    if (Option.isSome(quota.ledger)) yield* quota.ledger.value.reserve(quota.day, change)
  })

/** How long a run waits for the database to open before it plans without the ledger. */
const LEDGER_WAIT = Duration.seconds(3)

class LedgerLate extends Data.TaggedError("LedgerLate") {
  override get message() {
    return `the database has not opened within ${Duration.format(LEDGER_WAIT)}`
  }
}

/**
 * Opens the run's quota: the ledger's count of today (waiting for the store to open:
 * nothing is sent before the plan knows what is left), and a gate allowing what the
 * planning may ask for until the plan knows the run's need. Without a ledger (the store cannot
 * be reached, or keeps none) it plans against the whole budget, and says so.
 */
export const openQuota = (connection: Context.Tag.Service<StoreConnection>) =>
  Effect.gen(function*() {
    const { runInterval, unitsPerDay } = yield* IngestConfig
    const { keys: apiKeys, maxRetries } = yield* YouTube
    const now = new Date(yield* Clock.currentTimeMillis)
    const day = quotaDay(now)
    // A database slow to open (another process migrating, a server far away) does not
    // hold the run: past LEDGER_WAIT it plans against the whole budget, and the units are
    // recorded when the run ends, by then the store is open or the batch spooled.
    const ledger = yield* connection.ledger.pipe(
      Effect.timeoutFail({ duration: LEDGER_WAIT, onTimeout: () => new LedgerLate() }),
      Effect.tapError((e) =>
        Effect.logWarning(
          `${e.message}: the quota ledger cannot be read; planning against the whole budget of each key` +
            (e._tag === "LedgerLate" ? ", recording this run's units when the database opens" : "")
        )
      ),
      Effect.orElseSucceed(() => Option.none<QuotaLedger>())
    )
    const usage = Option.isSome(ledger)
      ? yield* ledger.value.usage(day).pipe(
        Effect.tapError((e) => Effect.logWarning(`${e.message}: planning against the whole budget of each key`)),
        Effect.orElseSucceed(() => new Map())
      )
      : new Map()
    const keys: ReadonlyArray<KeyBudget> = apiKeys.map((key: ApiKey) => {
      const used = usage.get(key.id)
      return { key, left: used === undefined ? unitsPerDay : used.exhausted ? 0 : Math.max(0, unitsPerDay - used.units) }
    })
    const left = keys.reduce((sum, k) => sum + k.left, 0)
    const runsStillDue = runsDueBefore(now, quotaDayEnd(now), Duration.toMillis(runInterval))
    // Until the plan knows the run's need, what planning itself may ask for: the region
    // list (REGIONS=all) and a category list per region (CHARTS=every), with their retries,
    // within an equal share of what is left.
    const { everyRegion, regions } = yield* IngestConfig
    const lists = everyRegion ? 1 + MOST_LISTED_REGIONS : regions.length
    const share = Math.min(Math.floor(left / (runsStillDue + 1)), lists * (1 + maxRetries))
    const quota: RunQuota = {
      day,
      gate: yield* makeGate(keys, share),
      keys,
      left,
      runsStillDue,
      ledger,
      connection,
      reserved: yield* Ref.make<ReadonlyArray<number>>(keys.map(() => 0))
    }
    yield* reserveExactly(quota, share).pipe(
      Effect.catchAll((e) => Effect.logWarning(`${e.message}: the units of this run are not in the ledger`))
    )
    return quota
  })

/** The plan of a run within its allowance: the charts to fetch and those deferred; whether tracking fits; which category lists do. */
export interface RunPlan {
  readonly send: ReadonlyArray<ChartUnit>
  readonly deferred: ReadonlyArray<ChartUnit>
  readonly tracking: boolean
  /** The regions whose category list (due by age) this run asks for. */
  readonly categoryLists: ReadonlyArray<RegionCode>
  /** How many lists due by age wait for a later run. */
  readonly categoryListsDeferred: number
  /** What the run may spend in all (retries included). */
  readonly allowance: number
}

const TRACKING = "tracking"
const CATEGORIES = "categories"

/**
 * Plans the run's requests against what is left today: its charts (the rotation reads
 * when each was fetched last), the category lists due, the tracking look-ups. What does
 * not fit is deferred (Domain/Quota.ts says in which order). The run may spend up to
 * what every request and all its retries could take, within its allowance: retries get
 * what the plan leaves, when it leaves anything. The gate is set to that, and the
 * ledger's reservation too (up from the planning share, or down to it).
 */
export const planRun = (
  quota: RunQuota,
  units: ReadonlyArray<ChartUnit>,
  due: { readonly trackingLookups: number; readonly categoryLists: ReadonlyArray<ListDue> }
) =>
  Effect.gen(function*() {
    const { maxRetries, pagesPerChart } = yield* YouTube
    const now = yield* Clock.currentTimeMillis
    const served = Option.isSome(quota.ledger)
      ? yield* quota.ledger.value.lastServed(units).pipe(Effect.orElseSucceed(() => new Map<string, number>()))
      : new Map<string, number>()
    const wanted: Array<Wanted> = [
      ...units.map((unit, order): Wanted => ({
        kind: unit.chart === "all" ? "chart" : "categoryChart",
        label: unitLabel(unit),
        cost: pagesPerChart,
        lastServedAt: served.get(`${unit.region} ${unit.chart}`) ?? null,
        order
      })),
      // A list each, rotating like the charts: all of them as one item would never fit a
      // small budget, and once first in line (never served) would keep everything behind it.
      ...due.categoryLists.map((list, order): Wanted => ({
        kind: "categories",
        label: `${list.region} ${CATEGORIES}`,
        cost: 1,
        lastServedAt: list.fetchedAt,
        order
      })),
      // Tracking waits behind every chart, whenever they were served: it only extends series.
      ...(due.trackingLookups > 0 ? [{ kind: "tracking" as const, label: TRACKING, cost: due.trackingLookups, lastServedAt: now, order: 0 }] : [])
    ]
    const spentSoFar = (yield* quota.gate.taken).reduce((sum, k) => sum + k.units, 0)
    const need = wanted.reduce((sum, w) => sum + w.cost, 0)
    const worstCase = (spentSoFar + need) * (1 + maxRetries)
    const runAllowance = Math.min(worstCase, allowance({ left: quota.left, need: spentSoFar + need, runsStillDue: quota.runsStillDue }))
    const plan = planRequests(wanted, Math.max(0, runAllowance - spentSoFar))
    yield* quota.gate.setAllowance(runAllowance)
    yield* reserveExactly(quota, runAllowance).pipe(
      Effect.catchAll((e) => Effect.logWarning(`${e.message}: the units of this run are not in the ledger`))
    )
    const deferredLabels = new Set(plan.deferred.map((w) => w.label))
    if (deferredLabels.size > 0) {
      yield* Effect.logWarning(
        `quota: ${quota.left} units left today over ${quota.keys.length} key${quota.keys.length === 1 ? "" : "s"}, ` +
          `${quota.runsStillDue} more run${quota.runsStillDue === 1 ? "" : "s"} due before the quota day ends; ` +
          `this run may spend ${runAllowance} of the ${spentSoFar + need} it wants; deferred: ` +
          `${[...deferredLabels].slice(0, 12).join(", ")}${deferredLabels.size > 12 ? `, … (${deferredLabels.size} in all)` : ""}`
      )
    }
    const byLabel = new Map(units.map((unit) => [unitLabel(unit), unit]))
    return {
      send: units.filter((unit) => !deferredLabels.has(unitLabel(unit))),
      deferred: plan.deferred.flatMap((w) => (byLabel.has(w.label) ? [byLabel.get(w.label)!] : [])),
      tracking: !deferredLabels.has(TRACKING),
      categoryLists: due.categoryLists.filter((list) => !deferredLabels.has(`${list.region} ${CATEGORIES}`)).map((list) => list.region),
      categoryListsDeferred: due.categoryLists.filter((list) => deferredLabels.has(`${list.region} ${CATEGORIES}`)).length,
      allowance: runAllowance
    } satisfies RunPlan
  })

/** The fetch's outcomes with the deferred charts', in the planned order. */
export const withDeferred = (planned: ReadonlyArray<ChartUnit>, fetched: Fetched, deferred: ReadonlyArray<ChartUnit>, why: string): Fetched => {
  if (deferred.length === 0) return fetched
  const byLabel = new Map(fetched.outcomes.map((o) => [unitLabel(o), o]))
  for (const unit of deferred) byLabel.set(unitLabel(unit), RegionOutcome.deferred(unit.region, unit.chart, why))
  return { ...fetched, outcomes: planned.map((unit) => byLabel.get(unitLabel(unit))!) }
}

/** The run's units on its row (`ingest_runs`); a store that keeps no ledger, or fails, costs only that. */
export const recordUnits = (
  connection: Context.Tag.Service<StoreConnection>,
  runId: number,
  spent: { readonly units: number; readonly allowance: number; readonly deferred: ReadonlyArray<string> }
) =>
  connection.ledger.pipe(
    Effect.flatMap((ledger) => (Option.isSome(ledger) ? ledger.value.recordRun(runId, spent) : Effect.void)),
    Effect.catchAll((e) => Effect.logWarning(`${e.message}: the run's units are not on its row`))
  )

/** What the run spent, per key; the ledger's reservation replaced by it. */
export const settleQuota = (quota: RunQuota) =>
  Effect.gen(function*() {
    const taken = yield* quota.gate.taken
    const exhausted = new Set(yield* quota.gate.exhausted)
    const reserved = yield* Ref.get(quota.reserved)
    // Read late (the database was slow to open): what was spent is recorded now, nothing having been reserved.
    const ledger = Option.isSome(quota.ledger)
      ? quota.ledger
      : yield* quota.connection.ledger.pipe(Effect.timeout(LEDGER_WAIT), Effect.orElseSucceed(() => Option.none<QuotaLedger>()))
    if (Option.isSome(ledger)) {
      yield* ledger.value.settle(
        quota.day,
        taken.map((t, i) => ({ keyId: t.keyId, reserved: reserved[i]!, spent: t.units, exhausted: exhausted.has(t.keyId) }))
      ).pipe(Effect.catchAll((e) => Effect.logWarning(`${e.message}: the ledger keeps this run's reservation instead of its spending`)))
    }
    return taken.reduce((sum, t) => sum + t.units, 0)
  })
