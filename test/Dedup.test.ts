import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import * as fc from "fast-check"
import { dedup } from "../src/Domain/Dedup.js"
import type { RegionalVideo } from "../src/Domain/Video.js"
import { regional } from "./support/Fixtures.js"

const REGIONS = ["US", "GB", "PL", "NL", "SE", "NO", "AT"] as const

/** Charts as the client returns them: one entry per (region, video), ranks unique within a region. */
const charts = fc
  .array(
    fc.record({
      region: fc.constantFrom(...REGIONS),
      id: fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h"),
      views: fc.nat({ max: 10_000_000 }),
      likes: fc.option(fc.nat({ max: 1_000_000 }), { nil: undefined }),
      language: fc.option(fc.constantFrom("pl", "en", "sv", "de-AT"), { nil: undefined }),
      hour: fc.integer({ min: 0, max: 23 })
    }),
    { maxLength: 40 }
  )
  .map((rows) => {
    const seen = new Set<string>()
    const rank = new Map<string, number>()
    const out: Array<RegionalVideo> = []
    for (const row of rows) {
      const key = `${row.region}/${row.id}`
      if (seen.has(key)) continue
      seen.add(key)
      const next = (rank.get(row.region) ?? 0) + 1
      rank.set(row.region, next)
      out.push(regional(row.id, row.region, {
        rank: next,
        views: row.views,
        ...(row.likes === undefined ? {} : { likes: row.likes }),
        title: `title of ${row.id}`,
        fetchedAt: new Date(Date.UTC(2026, 10, 26, row.hour)),
        ...(row.language === undefined ? {} : { language: row.language })
      }))
    }
    return out
  })

describe("dedup", () => {
  it("merges a video trending in several regions into one record with all regions and the highest views", () => {
    const result = dedup([
      regional("x", "PL", { rank: 3, views: 100 }),
      regional("y", "PL", { rank: 1, views: 5 }),
      regional("x", "SE", { rank: 1, views: 300 }),
      regional("x", "NL", { rank: 9, views: 200 })
    ])
    expect(result).toHaveLength(2)
    const x = result.find((v) => v.videoId === "x")!
    expect(x.regions).toEqual(["NL", "PL", "SE"])
    expect(x.viewCount).toEqual(Option.some(300))
  })

  it("takes the video's own language, else the language of the region where it ranks best", () => {
    const [own] = dedup([regional("x", "PL", { rank: 1 }), regional("x", "SE", { rank: 2, language: "en" })])
    expect(own!.language).toBe("en")
    const [fromRegion] = dedup([regional("x", "PL", { rank: 4 }), regional("x", "SE", { rank: 2 })])
    expect(fromRegion!.language).toBe("sv")
  })

  it("does not depend on the order of its input", () => {
    fc.assert(
      fc.property(charts.chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray(c, { minLength: c.length }))), ([a, b]) => {
        expect(dedup(b)).toEqual(dedup(a))
      })
    )
  })

  it("loses no region and no video, and keeps the highest counters", () => {
    fc.assert(
      fc.property(charts, (entries) => {
        const result = dedup(entries)
        expect(new Set(result.map((v) => v.videoId))).toEqual(new Set(entries.map((e) => e.videoId)))
        for (const video of result) {
          const mine = entries.filter((e) => e.videoId === video.videoId)
          expect(video.regions).toEqual([...new Set(mine.map((e) => e.region))].sort())
          expect(video.viewCount).toEqual(Option.some(Math.max(...mine.map((e) => Option.getOrThrow(e.viewCount)))))
          // Likes hidden in one region and shown in another: the shown count; hidden everywhere: none.
          const likes = mine.flatMap((e) => Option.toArray(e.likeCount))
          expect(video.likeCount).toEqual(likes.length === 0 ? Option.none() : Option.some(Math.max(...likes)))
          expect(video.firstSeenAt.getTime()).toBe(Math.min(...mine.map((e) => e.fetchedAt.getTime())))
        }
      })
    )
  })

  it("is idempotent: merging the merged records again changes nothing", () => {
    fc.assert(
      fc.property(charts, (entries) => {
        const once = dedup(entries)
        const again = dedup(
          once.flatMap((v) =>
            v.regions.map((r) =>
              regional(v.videoId, r, { rank: 1, views: Option.getOrThrow(v.viewCount), title: v.title, language: v.language, fetchedAt: v.firstSeenAt })
            )
          )
        )
        expect(again.map((v) => [v.videoId, v.regions, v.viewCount, v.language])).toEqual(
          once.map((v) => [v.videoId, v.regions, v.viewCount, v.language])
        )
      })
    )
  })
})
