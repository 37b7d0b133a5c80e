import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { MigrationsLive } from "../src/Store/Migrations.js"
import { QuotaLedger } from "../src/Store/QuotaLedger.js"
import { engine, TestDatabase } from "./support/TestDatabase.js"

/** The quota ledger's reservation: what a run holds of each key while it runs, then what it spent. */

const LedgerLive = Layer.merge(QuotaLedger.Default, MigrationsLive).pipe(Layer.provideMerge(TestDatabase))
const DAY = "2026-11-29"

const unitsOf = Effect.flatMap(QuotaLedger, (ledger) => ledger.usage(DAY)).pipe(
  Effect.map((usage) => Object.fromEntries([...usage.values()].map((u) => [u.keyId, u.units])))
)

describe(`the quota ledger on ${engine}`, () => {
  it.layer(LedgerLive, { timeout: 120_000 })((it) => {
    it.effect("a reservation grows, gives back what the plan does not need (never below 0), and settles to what was spent", () =>
      Effect.gen(function*() {
        const ledger = yield* QuotaLedger
        // Another process has spent 100 of key a; this run reserves its planning share, 28 on a.
        yield* ledger.reserve(DAY, [{ keyId: "a", units: 100 }])
        yield* ledger.reserve(DAY, [{ keyId: "a", units: 28 }, { keyId: "b", units: 0 }])
        expect(yield* unitsOf).toEqual({ a: 128 })
        // The plan needs 8: 20 go back at once. Then more on b, and a give-back larger than b holds stops at 0.
        yield* ledger.reserve(DAY, [{ keyId: "a", units: -20 }])
        expect(yield* unitsOf).toEqual({ a: 108 })
        yield* ledger.reserve(DAY, [{ keyId: "b", units: 5 }])
        yield* ledger.reserve(DAY, [{ keyId: "b", units: -9 }])
        expect(yield* unitsOf).toEqual({ a: 108, b: 0 })
        // The run spent 6 of its 8 on a: the ledger keeps what was spent.
        yield* ledger.settle(DAY, [{ keyId: "a", reserved: 8, spent: 6, exhausted: false }])
        expect(yield* unitsOf).toEqual({ a: 106, b: 0 })
      }))
  })
})
