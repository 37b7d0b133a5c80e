import { describe, expect, it } from "@effect/vitest"
import { staleCopies } from "../scripts/bench-serve.js"

/**
 * `npm run bench` EXPLAINs serve's queries from copies of their SQL (it runs them with
 * `psql`-style parameters, outside the store). A copy that no longer matches its source
 * would measure a query serve no longer sends; the bench only warns, so this fails.
 */
describe("the bench's copies of serve's queries", () => {
  it("match the store's SQL, statement by statement", () => {
    expect(staleCopies()).toEqual([])
  })
})
