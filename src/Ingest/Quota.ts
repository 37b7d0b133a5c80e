import { Clock, type Context, Data, Duration, Effect, Option, Ref } from "effect"
import { IngestConfig } from "../Config.js"
import { type ApiKey, quotaDay, quotaDayEnd, runsDueBefore } from "../Domain/Quota.js"
import type { StoreConnection } from "../Store/Connection.js"
import type { QuotaLedger } from "../Store/QuotaLedger.js"
import { YouTube } from "../YouTube/Client.js"
import { type Gate, type KeyBudget, makeGate } from "../YouTube/Quota.js"
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
export const reserveExactly = (quota: RunQuota, total: number) =>
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
