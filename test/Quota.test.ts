import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import fc from "fast-check"
import {
  allowance,
  byValue,
  currentQuotaDay,
  planRequests,
  quotaDay,
  quotaDayEnd,
  REQUEST_KINDS,
  runsDueBefore,
  type Wanted
} from "../src/Domain/Quota.js"

/** The quota planner: pure functions, checked on many generated cases and on the TestClock. */

const HOUR = 3_600_000
const utc = (iso: string) => new Date(iso)

/** Up to 60 requests of any kind, cost and age (served by one of six runs, or never), each labelled apart. */
const wantedArb = fc.array(
  fc.record({
    kind: fc.constantFrom(...REQUEST_KINDS),
    cost: fc.integer({ min: 1, max: 5 }),
    lastServedAt: fc.option(fc.integer({ min: 0, max: 5 }).map((run) => run * 7 * HOUR), { nil: null }),
    order: fc.nat({ max: 200 })
  }),
  { maxLength: 60 }
).map((all) => all.map((w, i): Wanted => ({ ...w, label: `${w.kind} ${w.order} ${i}` })))

describe("the quota day", () => {
  it("is Los Angeles' date: it turns at 08:00 UTC in winter and 07:00 UTC in summer", () => {
    expect(quotaDay(utc("2026-11-28T07:59:59.999Z"))).toBe("2026-11-27")
    expect(quotaDay(utc("2026-11-28T08:00:00Z"))).toBe("2026-11-28")
    expect(quotaDay(utc("2026-07-01T06:59:59Z"))).toBe("2026-06-30")
    expect(quotaDay(utc("2026-07-01T07:00:00Z"))).toBe("2026-07-01")
  })

  it("is 23 hours long when the clocks go forward and 25 when they go back", () => {
    // 2026-03-08 and 2026-11-01 are the changes of 2026 in the United States.
    const spring = utc("2026-03-08T09:00:00Z")
    expect(quotaDayEnd(spring).toISOString()).toBe("2026-03-09T07:00:00.000Z")
    expect(quotaDayEnd(utc("2026-03-08T08:00:00Z")).getTime() - utc("2026-03-08T08:00:00Z").getTime()).toBe(23 * HOUR)
    expect(quotaDayEnd(utc("2026-11-01T07:00:00Z")).toISOString()).toBe("2026-11-02T08:00:00.000Z")
    expect(quotaDayEnd(utc("2026-11-01T07:00:00Z")).getTime() - utc("2026-11-01T07:00:00Z").getTime()).toBe(25 * HOUR)
  })

  it("ends after any instant, at the first instant of the next day", () => {
    fc.assert(
      fc.property(fc.date({ min: utc("2020-01-01T00:00:00Z"), max: utc("2035-12-31T00:00:00Z"), noInvalidDate: true }), (at) => {
        const end = quotaDayEnd(at)
        expect(end.getTime()).toBeGreaterThan(at.getTime())
        expect(end.getTime() - at.getTime()).toBeLessThanOrEqual(25 * HOUR)
        expect(quotaDay(new Date(end.getTime() - 1))).toBe(quotaDay(at))
        expect(quotaDay(end)).not.toBe(quotaDay(at))
      }),
      { numRuns: 500 }
    )
  })

  it.effect("turns on the TestClock at Los Angeles midnight, across the change of clocks", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(utc("2026-11-01T06:59:59Z").getTime())
      expect(yield* currentQuotaDay).toBe("2026-10-31")
      yield* TestClock.adjust("1 second")
      expect(yield* currentQuotaDay).toBe("2026-11-01")
      // The clocks go back at 02:00 PDT: the day lasts 25 hours, to 08:00 UTC the next day.
      yield* TestClock.adjust("24 hours")
      expect(yield* currentQuotaDay).toBe("2026-11-01")
      yield* TestClock.adjust("1 hour")
      expect(yield* currentQuotaDay).toBe("2026-11-02")
    }))
})

describe("what a run may spend", () => {
  it("what is left beyond the later runs' need; an equal share when that is less", () => {
    expect(allowance({ left: 10_000, need: 1_000, runsStillDue: 3 })).toBe(7_000)
    expect(allowance({ left: 3_000, need: 1_000, runsStillDue: 3 })).toBe(750)
    expect(allowance({ left: 300, need: 1_000, runsStillDue: 0 })).toBe(300)
    expect(allowance({ left: 0, need: 1_000, runsStillDue: 2 })).toBe(0)
    expect(allowance({ left: -5, need: 1_000, runsStillDue: 2 })).toBe(0)
  })

  it("never more than what is left; leaves the later runs their need, or at least what this one takes", () => {
    fc.assert(fc.property(fc.nat({ max: 20_000 }), fc.integer({ min: 1, max: 5_000 }), fc.nat({ max: 6 }), (left, need, runsStillDue) => {
      const mine = allowance({ left, need, runsStillDue })
      expect(mine).toBeGreaterThanOrEqual(0)
      expect(mine).toBeLessThanOrEqual(left)
      if (runsStillDue > 0) {
        const perLaterRun = (left - mine) / runsStillDue
        expect(perLaterRun >= need || perLaterRun >= mine - 1).toBe(true)
      }
    }))
  })

  it("counts the runs due before the day ends, this one not included", () => {
    const now = utc("2026-11-28T08:00:00Z") // midnight in Los Angeles: a whole day ahead
    const end = quotaDayEnd(now)
    expect(runsDueBefore(now, end, 7 * HOUR)).toBe(3) // 07:00, 14:00, 21:00
    expect(runsDueBefore(now, end, 24 * HOUR)).toBe(0)
    expect(runsDueBefore(now, end, 8 * HOUR)).toBe(2) // 08:00, 16:00 (24:00 is the next day)
  })
})

describe("the plan of a run's requests", () => {
  it("never goes over the allowance, and sends or defers every request exactly once", () => {
    fc.assert(fc.property(wantedArb, fc.nat({ max: 120 }), (wanted, budget) => {
      const plan = planRequests(wanted, budget)
      expect(plan.units).toBeLessThanOrEqual(budget)
      expect(plan.sent.reduce((sum, w) => sum + w.cost, 0)).toBe(plan.units)
      expect([...plan.sent, ...plan.deferred].map((w) => w.label).sort()).toEqual(wanted.map((w) => w.label).sort())
    }))
  })

  it("defers in order: nothing deferred waited longer, or as long with more value, than anything sent", () => {
    fc.assert(fc.property(wantedArb, fc.nat({ max: 120 }), (wanted, budget) => {
      const plan = planRequests(wanted, budget)
      for (const sent of plan.sent) for (const deferred of plan.deferred) expect(byValue(sent, deferred)).toBeLessThanOrEqual(0)
    }))
  })

  it("defers tracking first, then category charts, then categories, then overall charts, when all were served together", () => {
    const served = 1_000
    const wanted: Array<Wanted> = [
      { kind: "tracking", label: "tracking 1", cost: 1, lastServedAt: served, order: 0 },
      { kind: "categoryChart", label: "PL 10", cost: 2, lastServedAt: served, order: 0 },
      { kind: "chart", label: "SE", cost: 2, lastServedAt: served, order: 1 },
      { kind: "categories", label: "PL categories", cost: 1, lastServedAt: served, order: 0 },
      { kind: "chart", label: "PL", cost: 2, lastServedAt: served, order: 0 },
      { kind: "regions", label: "regions", cost: 1, lastServedAt: served, order: 0 }
    ]
    const labels = (budget: number) => planRequests(wanted, budget).sent.map((w) => w.label)
    expect(labels(9)).toEqual(["regions", "PL", "SE", "PL categories", "PL 10", "tracking 1"])
    expect(labels(8)).toEqual(["regions", "PL", "SE", "PL categories", "PL 10"])
    expect(labels(6)).toEqual(["regions", "PL", "SE", "PL categories"])
    expect(labels(5)).toEqual(["regions", "PL", "SE"])
    expect(labels(3)).toEqual(["regions", "PL"])
  })

  it("rotates: with a budget for a part of the requests, ⌈needed/budget⌉ runs reach every one", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...REQUEST_KINDS), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 40 }),
        (kinds, budget) => {
          let wanted: Array<Wanted> = kinds.map((kind, order) => ({ kind, label: `${kind} ${order}`, cost: 1, lastServedAt: null, order }))
          const reached = new Set<string>()
          const runs = Math.ceil(wanted.length / budget)
          for (let run = 0; run < runs; run++) {
            const at = (run + 1) * 7 * HOUR
            const plan = planRequests(wanted, budget)
            for (const w of plan.sent) reached.add(w.label)
            const sentNow = new Set(plan.sent.map((w) => w.label))
            wanted = wanted.map((w) => (sentNow.has(w.label) ? { ...w, lastServedAt: at } : w))
          }
          expect(reached.size).toBe(kinds.length)
        }
      )
    )
  })

  it("three runs on a third of the budget cover every region and chart", () => {
    const regions = ["US", "GB", "PL", "NL", "SE", "NO", "AT", "DE", "FR"]
    let wanted: Array<Wanted> = regions.flatMap((region, order) => [
      { kind: "chart" as const, label: `${region} all`, cost: 4, lastServedAt: null, order },
      { kind: "categoryChart" as const, label: `${region} 10`, cost: 4, lastServedAt: null, order }
    ])
    const need = wanted.reduce((sum, w) => sum + w.cost, 0)
    const covered = new Set<string>()
    for (let run = 1; run <= 3; run++) {
      const plan = planRequests(wanted, need / 3)
      expect(plan.units).toBeLessThanOrEqual(need / 3)
      for (const w of plan.sent) covered.add(w.label)
      wanted = wanted.map((w) => (plan.sent.includes(w) ? { ...w, lastServedAt: run } : w))
    }
    expect(covered.size).toBe(wanted.length)
  })
})
