/**
 * The simulated API's keys: which it accepts, and the units each has spent as YouTube
 * counts them (every request a key sends costs it 1 unit, whatever the answer, a
 * `quotaExceeded` one included), against an optional budget per key.
 */

export interface QuotaOptions {
  /** Every key's budget; unlimited when absent. */
  readonly unitsPerKey?: number
  /** A budget for a key of its own, over `unitsPerKey`. */
  readonly perKey?: Readonly<Record<string, number>>
}

export interface KeyOptions {
  readonly apiKey?: string
  readonly apiKeys?: ReadonlyArray<string>
  readonly quota?: QuotaOptions
}

export interface Admission {
  /** A key the server accepts (any key when none was configured). */
  readonly accepted: boolean
  /** The key had spent its budget before this request. */
  readonly spent: boolean
}

export interface Keys {
  /** Takes a unit from the key the request carries (none when it carries none). */
  readonly admit: (key: string | undefined) => Admission
  /** Units spent per key since the start (or the last `reset`), a copy. */
  readonly unitsByKey: () => ReadonlyMap<string, number>
  /** A new quota day: every key's count back to 0. */
  readonly reset: () => void
}

export const makeKeys = ({ apiKey, apiKeys, quota = {} }: KeyOptions): Keys => {
  const accepted = apiKey === undefined && apiKeys === undefined
    ? undefined
    : new Set([...(apiKey === undefined ? [] : [apiKey]), ...(apiKeys ?? [])])
  const budgets = new Map(Object.entries(quota.perKey ?? {}))
  const budgetOf = (key: string): number => budgets.get(key) ?? quota.unitsPerKey ?? Infinity
  const units = new Map<string, number>()
  return {
    admit: (key) => {
      if (key === undefined || key === "") return { accepted: false, spent: false }
      const before = units.get(key) ?? 0
      units.set(key, before + 1)
      return { accepted: accepted === undefined || accepted.has(key), spent: before >= budgetOf(key) }
    },
    unitsByKey: () => new Map(units),
    reset: () => units.clear()
  }
}
