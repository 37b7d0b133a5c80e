import { Clock, Effect, Option } from "effect"
import { allowance, planRequests, type Wanted } from "../Domain/Quota.js"
import type { RegionCode } from "../Domain/Region.js"
import { type ChartUnit, RegionOutcome, unitLabel } from "../Domain/Run.js"
import { YouTube } from "../YouTube/Client.js"
import type { ListDue } from "./Categories.js"
import type { Fetched } from "./Fetch.js"
import { reserveExactly, type RunQuota } from "./Quota.js"

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
/** A region's category list, as the plan and the log name it. */
const listLabel = (region: RegionCode) => `${region} categories`

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
        label: listLabel(list.region),
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
    const listsSent = due.categoryLists.map((list) => list.region).filter((region) => !deferredLabels.has(listLabel(region)))
    return {
      send: units.filter((unit) => !deferredLabels.has(unitLabel(unit))),
      deferred: plan.deferred.flatMap((w) => (byLabel.has(w.label) ? [byLabel.get(w.label)!] : [])),
      tracking: !deferredLabels.has(TRACKING),
      categoryLists: listsSent,
      categoryListsDeferred: due.categoryLists.length - listsSent.length,
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
