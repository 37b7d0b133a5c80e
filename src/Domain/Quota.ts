import { Clock, Effect, Redacted } from "effect"
import { createHash } from "node:crypto"

/**
 * YouTube's quota, as a run plans against it (ARCHITECTURE.md, "Quota, keys and every
 * region"): every request costs a unit whatever its answer, each key has a budget a quota
 * day, and the quota day runs from midnight to midnight in America/Los_Angeles. Pure:
 * the clock and the ledger come in as values.
 */

export const QUOTA_TIME_ZONE = "America/Los_Angeles"

/** An API key and the short hash that names it in the ledger, the logs and `status`: never the key. */
export interface ApiKey {
  readonly id: string
  readonly value: Redacted.Redacted
}

/** `k-3f9a1c2e`: 32 bits of the key's SHA-256, enough to tell a handful of keys apart, useless to rebuild one. */
export const keyId = (key: Redacted.Redacted): string =>
  `k-${createHash("sha256").update(Redacted.value(key)).digest("hex").slice(0, 8)}`

export const apiKey = (value: Redacted.Redacted): ApiKey => ({ id: keyId(value), value })

/** The default budget of a key a quota day: what YouTube grants a project. */
export const DEFAULT_UNITS_PER_DAY = 10_000

const wallClock = new Intl.DateTimeFormat("en-US", {
  timeZone: QUOTA_TIME_ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit"
})

/** The time in Los Angeles at `ms`, as the parts of a date. */
const partsAt = (ms: number) => {
  const parts = Object.fromEntries(wallClock.formatToParts(new Date(ms)).map((p) => [p.type, p.value]))
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second) }
}

/** How far Los Angeles' wall clock is from UTC at `ms` (−8 h in winter, −7 h in summer), in ms. */
const offsetAt = (ms: number) => {
  const p = partsAt(ms)
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return wall - (ms - (ms % 1000 + 1000) % 1000)
}

/** The quota day `at` falls in, as its date in Los Angeles: `2026-11-28`. */
export const quotaDay = (at: Date): string => {
  const p = partsAt(at.getTime())
  return `${String(p.year).padStart(4, "0")}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`
}

/** The quota day now, by the Clock (the TestClock in tests). */
export const currentQuotaDay = Effect.map(Clock.currentTimeMillis, (ms) => quotaDay(new Date(ms)))

/** When the quota day `at` falls in ends: the next midnight in Los Angeles (23 or 25 hours away on a change of clocks). */
export const quotaDayEnd = (at: Date): Date => {
  const p = partsAt(at.getTime())
  const nextMidnightWall = Date.UTC(p.year, p.month - 1, p.day + 1)
  // The offset at midnight can differ from now's (the clocks change at 02:00): take the one in force then.
  let guess = nextMidnightWall - offsetAt(at.getTime())
  guess = nextMidnightWall - offsetAt(guess)
  return new Date(guess)
}

/** How many runs every `intervalMs` after `now` start before `end` (the current run not counted). */
export const runsDueBefore = (now: Date, end: Date, intervalMs: number): number =>
  intervalMs <= 0 ? 0 : Math.max(0, Math.ceil((end.getTime() - now.getTime()) / intervalMs) - 1)

/**
 * What this run may spend: what is left beyond what the runs still due today need at
 * `need` a run; when that is less than an equal share of what is left (the budget does
 * not cover every run), the share, so that each run gets its turn and the rotation
 * reaches every chart. Never more than what is left.
 */
export const allowance = (options: { readonly left: number; readonly need: number; readonly runsStillDue: number }): number => {
  const left = Math.max(0, options.left)
  const kept = options.runsStillDue * options.need
  const share = Math.floor(left / (options.runsStillDue + 1))
  return Math.min(left, Math.max(left - kept, share))
}

/**
 * What a request is for, in the order of its value: the list of regions, a region's
 * overall chart, its list of categories, a category chart, a look-up of tracked videos.
 * What does not fit is deferred from the end of this list.
 */
export const REQUEST_KINDS = ["regions", "chart", "categories", "categoryChart", "tracking"] as const
export type RequestKind = (typeof REQUEST_KINDS)[number]

/** Something a run would ask for: `cost` requests (a chart of 200 is 4 pages). */
export interface Wanted {
  readonly kind: RequestKind
  /** `PL`, `PL 10`, `tracking 2`: how the plan and the log name it. */
  readonly label: string
  readonly cost: number
  /**
   * When the run that last fetched it started (ms; null: never), for the rotation. Every
   * request of a run shares its run's time, so requests served together compare equal
   * and their kinds decide.
   */
  readonly lastServedAt: number | null
  /** Its place in the configuration, to break ties (the first configured region first). */
  readonly order: number
}

export interface QuotaPlan {
  readonly allowance: number
  /** What is sent, in value order. */
  readonly sent: ReadonlyArray<Wanted>
  /** What waits for a later run, in value order. */
  readonly deferred: ReadonlyArray<Wanted>
  /** The units `sent` costs. */
  readonly units: number
}

const rank = (kind: RequestKind) => REQUEST_KINDS.indexOf(kind)

/**
 * The order a run sends in: the longest unserved first (never served is longest), then by
 * value (the kinds' order), then as configured. When the budget falls short for the
 * first time, every request was served by the same run: the lowest value is deferred.
 * When it stays short, what was deferred is the longest unserved next time: the rotation
 * reaches every request over successive runs.
 */
export const byValue = (a: Wanted, b: Wanted): number =>
  (a.lastServedAt ?? Number.NEGATIVE_INFINITY) - (b.lastServedAt ?? Number.NEGATIVE_INFINITY) ||
  rank(a.kind) - rank(b.kind) ||
  a.order - b.order

/**
 * The requests this run sends within `allowance`: in the order above, as long as they
 * fit. The first that does not fit and everything after it are deferred, so a deferred
 * request has never waited longer, nor (waiting as long) more value, than a sent one.
 */
export const planRequests = (wanted: ReadonlyArray<Wanted>, allowanceUnits: number): QuotaPlan => {
  const ordered = [...wanted].sort(byValue)
  const sent: Array<Wanted> = []
  let units = 0
  let index = 0
  for (; index < ordered.length; index++) {
    const next = ordered[index]!
    if (units + next.cost > allowanceUnits) break
    sent.push(next)
    units += next.cost
  }
  return { allowance: allowanceUnits, sent, deferred: ordered.slice(index), units }
}
