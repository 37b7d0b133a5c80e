import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runCli } from "./support/Cli.js"

/**
 * `demo` as a newcomer meets it: the whole job on the embedded database and the simulated
 * API, no server, no key. (A file of its own: its two runs take a worker for half a minute.)
 */

const stateDirectory = () => mkdtempSync(join(tmpdir(), "vvv-demo-"))


describe("demo", () => {
  it.scoped("runs the whole job with no key and no network, and exits 0", () =>
    Effect.gen(function*() {
      const result = yield* runCli(["demo"], { STATE_DIRECTORY: stateDirectory() })
      expect(result.code, result.stderr).toBe(0)
      for (const region of ["US", "GB", "PL", "NL", "SE", "NO", "AT"]) {
        expect(result.stdout).toMatch(new RegExp(`^${region}\\s+all\\s+ok\\s+2[45]\\s`, "m"))
      }
      expect(result.stdout).toMatch(/^PL\s+all\s+ok\s+25\s+0\s+2\s/m) // the rate limit, honoured
      expect(result.stdout).toMatch(/^NL\s+all\s+ok\s+24\s+1\s+1\s/m) // the malformed item, skipped
      // Each region's Music chart, but NL's, which YouTube does not offer there: not a failure.
      for (const region of ["US", "GB", "PL", "SE", "NO", "AT"]) expect(result.stdout).toMatch(new RegExp(`^${region}\\s+10\\s+ok\\s+25\\s`, "m"))
      expect(result.stdout).toMatch(/^NL\s+10\s+unavailable\s+0\s.*offers no chart of category 10 here/m)
      expect(result.stdout).toContain("run 1: ok, 324 entries")
      // The categories as stored, with the region's titles, and the Music chart as stored.
      expect(result.stdout).toMatch(/Categories of PL, as the API titles them there: 1 Film & Animation, .*10 Music, .*18 Short Movies \(not assignable\)/)
      expect(result.stdout).toMatch(/The Music chart of PL, top 5:\n {3}1\. .+ — .+ \([\d,]+ views\)\n/)
      expect(result.stdout).toContain("Cross-region overlap: 324 entries are 296 unique videos")
      expect(result.stdout).toMatch(/search "springa" --region SE: 3 shown\n {2}Tjejerna springer/)
    }), { timeout: 90_000 })

  it.scoped("--world: every region the API lists, on 40 units a day, reached by rotation in three quota days", () =>
    Effect.gen(function*() {
      const result = yield* runCli(["demo", "--world"], { STATE_DIRECTORY: stateDirectory() })
      expect(result.code, result.stderr).toBe(0)
      const days = [...result.stdout.matchAll(/^quota day (\d{4}-\d\d-\d\d): (\d+) of 40 units spent; (\d+) charts fetched, (\d+) deferred$/gm)]
      expect(days).toHaveLength(3)
      expect(new Set(days.map((d) => d[1])).size).toBe(3)
      for (const day of days) {
        expect(Number(day[2])).toBeLessThanOrEqual(40)
        expect(Number(day[3]) + Number(day[4])).toBe(110)
      }
      // The first day spends one unit on the region list; what it defers goes first the next day.
      expect(days.map((d) => Number(d[3]))).toEqual([39, 40, 31])
      const fetched = [...result.stdout.matchAll(/^ {2}fetched: {2}(.*)$/gm)].map((m) => m[1]!.split(" "))
      expect(new Set(fetched.flat()).size).toBe(110)
      // Each day spends the whole budget: on the third, what the 31 charts leave goes to the
      // oldest of the 110 category lists, each a unit of its own (all of them as one item
      // never fit, and once first in line would have kept every chart behind it).
      expect(days.map((d) => Number(d[2]))).toEqual([40, 40, 40])
      expect(result.stderr).toMatch(/categories of (\w\w, ){8}\w\w refreshed/)
      expect(result.stderr).toContain("101 category lists deferred")
      expect(result.stdout).toContain("After 3 days: 110 of 110 regions collected, never a request past the budget (the simulated API counted 120 units)")
    }), { timeout: 120_000 })
})
