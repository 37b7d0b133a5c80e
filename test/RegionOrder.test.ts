import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { chooseOrder, listScheduleMakespan, longestFirst } from "../src/Ingest/Order.js"

// The reference latencies (ms) of the performance issue.
const LATENCY = new Map(Object.entries({ US: 450, GB: 300, PL: 250, NL: 400, SE: 350, NO: 200, AT: 500 }))
const CONFIGURED = ["US", "GB", "PL", "NL", "SE", "NO", "AT"]

describe("region order", () => {
  it("reproduces the reference figures at concurrency 3", () => {
    const ms = (order: ReadonlyArray<string>) => listScheduleMakespan(order.map((r) => LATENCY.get(r)!), 3)
    expect(ms(CONFIGURED)).toBe(1150)
    expect(ms(longestFirst(CONFIGURED, (r) => LATENCY.get(r)!))).toBe(950)
    const chosen = chooseOrder(CONFIGURED, LATENCY, 3)
    expect(chosen.how).toBe("exhaustive")
    expect(chosen.expectedMs).toBe(850)
    expect(ms(chosen.order)).toBe(850)
    expect([...chosen.order].sort()).toEqual([...CONFIGURED].sort())
  })

  it("reaches the best schedule whatever order the regions are configured in", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(CONFIGURED, { minLength: 7 }), (configured) => {
        expect(chooseOrder(configured, LATENCY, 3).expectedMs).toBe(850)
      })
    )
  })

  it("keeps the configured order on the first run, and when every region runs at once", () => {
    expect(chooseOrder(CONFIGURED, new Map(), 3)).toMatchObject({ order: CONFIGURED, how: "configured" })
    expect(chooseOrder(CONFIGURED, LATENCY, 7)).toMatchObject({ order: CONFIGURED, expectedMs: 500 })
  })

  it("is never worse than the configured order or longest-first, and loses no region", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        (durations, workers) => {
          const regions = durations.map((_, i) => `R${i}`)
          const recorded = new Map(regions.map((r, i) => [r, durations[i]!]))
          const chosen = chooseOrder(regions, recorded, workers)
          expect([...chosen.order].sort()).toEqual([...regions].sort())
          expect(chosen.expectedMs).toBe(listScheduleMakespan(chosen.order.map((r) => recorded.get(r)!), workers))
          expect(chosen.expectedMs).toBeLessThanOrEqual(listScheduleMakespan(durations, workers))
          if (chosen.how === "exhaustive") {
            expect(chosen.expectedMs).toBeLessThanOrEqual(
              listScheduleMakespan(longestFirst(regions, (r) => recorded.get(r)!).map((r) => recorded.get(r)!), workers)
            )
          }
        }
      ),
      { numRuns: 200 }
    )
  })

  it("uses the mean for a region with no recorded duration", () => {
    const chosen = chooseOrder(["A", "B", "C"], new Map([["A", 100], ["B", 300]]), 2)
    expect(chosen.expectedMs).toBe(listScheduleMakespan(chosen.order.map((r) => ({ A: 100, B: 300, C: 200 })[r]!), 2))
  })
})
