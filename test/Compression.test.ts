import { describe, expect, it } from "@effect/vitest"
import { acceptsGzip } from "../src/Http/Compression.js"

describe("Accept-Encoding", () => {
  it("gzip when the client lists it (or *) with a weight above 0", () => {
    expect(acceptsGzip("gzip, deflate, br")).toBe(true)
    expect(acceptsGzip("br;q=1.0, GZIP;q=0.5")).toBe(true)
    expect(acceptsGzip("*")).toBe(true)
    expect(acceptsGzip("x-gzip")).toBe(true)
  })

  it("not when it is absent, weighed 0, or only other codings are named", () => {
    expect(acceptsGzip(undefined)).toBe(false)
    expect(acceptsGzip("")).toBe(false)
    expect(acceptsGzip("identity")).toBe(false)
    expect(acceptsGzip("deflate, br")).toBe(false)
    expect(acceptsGzip("gzip;q=0, *")).toBe(false)
    expect(acceptsGzip("gzip;q=0.000")).toBe(false)
    expect(acceptsGzip("*;q=0")).toBe(false)
  })
})
