import { Context, Effect, Ref } from "effect"
import type { ApiKey } from "../Domain/Quota.js"
import { BudgetSpent, type Subject } from "./Errors.js"

/**
 * Which key a request goes out with, and whether it may go out at all. Every request
 * costs a unit whatever its answer, so the unit is taken before the request is sent: a
 * request (or a retry) that the run's allowance does not cover is never sent.
 */

export interface Gate {
  /** A unit for one request: the key to send it with. */
  readonly take: (region: Subject) => Effect.Effect<ApiKey, BudgetSpent>
  /**
   * The key answered `quotaExceeded` (`exhausted`) or was rejected: the rest of the run
   * goes to the next. True when another key is left.
   */
  readonly retire: (keyId: string, exhausted: boolean) => Effect.Effect<boolean>
  /** What the run may spend in all, from now on (the planner settles it once it knows the run's need). */
  readonly setAllowance: (units: number) => Effect.Effect<void>
  /** Units taken this run, per key id, in the keys' order. */
  readonly taken: Effect.Effect<ReadonlyArray<{ readonly keyId: string; readonly units: number }>>
  /** Keys retired this run. */
  readonly retired: Effect.Effect<ReadonlyArray<string>>
  /** Keys YouTube said were exhausted this run. */
  readonly exhausted: Effect.Effect<ReadonlyArray<string>>
}

/** The gate of the run in progress; without one, the client uses its keys in order, unbudgeted (a host that plans nothing). */
export class QuotaGate extends Context.Tag("viralvidvault/QuotaGate")<QuotaGate, Gate>() {}

export interface KeyBudget {
  readonly key: ApiKey
  /** Units this key may still spend today (Infinity: not counted). */
  readonly left: number
}

interface GateState {
  /** Units taken per key, in the keys' order. */
  readonly taken: ReadonlyArray<number>
  readonly retired: ReadonlySet<string>
  readonly exhausted: ReadonlySet<string>
  readonly total: number
  readonly allowance: number
}

/**
 * A gate over `keys` in order: each spends until its `left` is used or it is retired,
 * then the next; never more than `allowance` units in all.
 */
export const makeGate = (keys: ReadonlyArray<KeyBudget>, allowance: number) =>
  Effect.gen(function*() {
    const state = yield* Ref.make<GateState>({ taken: keys.map(() => 0), retired: new Set(), exhausted: new Set(), total: 0, allowance })
    const take = (region: Subject) =>
      Effect.flatten(Ref.modify(state, (s): [Effect.Effect<ApiKey, BudgetSpent>, GateState] => {
        if (s.total >= s.allowance) {
          return [Effect.fail(new BudgetSpent({ region, detail: `the run's allowance of ${s.allowance} units is used` })), s]
        }
        const index = keys.findIndex((k, i) => !s.retired.has(k.key.id) && s.taken[i]! < k.left)
        if (index === -1) {
          return [Effect.fail(new BudgetSpent({ region, detail: "every API key has spent its quota for today" })), s]
        }
        const taken = s.taken.map((n, i) => (i === index ? n + 1 : n))
        return [Effect.succeed(keys[index]!.key), { ...s, taken, total: s.total + 1 }]
      }))
    const retire = (keyId: string, exhausted: boolean) =>
      Ref.modify(state, (s) => {
        const retired = new Set([...s.retired, keyId])
        const more = keys.some((k, i) => !retired.has(k.key.id) && s.taken[i]! < k.left)
        return [more, { ...s, retired, exhausted: exhausted ? new Set([...s.exhausted, keyId]) : s.exhausted }]
      })
    const gate: Gate = {
      take,
      retire,
      taken: Effect.map(Ref.get(state), (s) => keys.map((k, i) => ({ keyId: k.key.id, units: s.taken[i]! }))),
      retired: Effect.map(Ref.get(state), (s) => [...s.retired]),
      exhausted: Effect.map(Ref.get(state), (s) => [...s.exhausted]),
      setAllowance: (units) => Ref.update(state, (s) => ({ ...s, allowance: units }))
    }
    return gate
  })

/** The keys in order, unbudgeted: what the client uses when the run provides no gate. */
export const unbudgeted = (keys: ReadonlyArray<ApiKey>) => makeGate(keys.map((key) => ({ key, left: Infinity })), Infinity)
