import { describe, expect, it } from "@effect/vitest"
import { Either, Option, Schema } from "effect"
import { chartFor } from "../src/Demo/Catalog.js"
import { decodeItem, toRegionalVideo, VideoItem } from "../src/YouTube/Item.js"
import { apiItem, region } from "./support/Fixtures.js"

/**
 * The client decodes items with a schema without defaults (`decodeItem`) and fills in
 * what is absent itself (`toRegionalVideo`); the library's `VideoItem` has the defaults.
 * The two must agree on every item, or a host and the collector would read one item
 * two ways.
 */

const at = { region: region("PL"), chart: "all" as const, rank: 1, fetchedAt: new Date(0) }

const sparse = (() => {
  const { contentDetails: _c, statistics: _s, status: _t, ...rest } = apiItem("sparse00001")
  const { channelTitle: _ch, description: _d, tags: _g, ...snippet } = rest.snippet
  return { ...rest, snippet }
})()

describe("the item schemas", () => {
  it("decodeItem and VideoItem read every item alike: each field, absent parts and fields filled in the same way", () => {
    for (const raw of [...chartFor("PL", 60), apiItem("full0000001"), sparse]) {
      const fast = decodeItem(raw)
      const library = Schema.decodeUnknownEither(VideoItem)(raw)
      expect(Either.isRight(fast) && Either.isRight(library)).toBe(true)
      if (Either.isLeft(fast) || Either.isLeft(library)) continue
      const video = toRegionalVideo(fast.right, at)
      const item = library.right
      expect([video.title, video.channelTitle, video.description]).toEqual([item.snippet.title, item.snippet.channelTitle, item.snippet.description])
      expect(Option.getOrUndefined(video.viewCount)).toEqual(item.statistics.viewCount)
      expect(Option.getOrUndefined(video.likeCount)).toEqual(item.statistics.likeCount)
      expect(Option.getOrUndefined(video.commentCount)).toEqual(item.statistics.commentCount)
      expect(Option.getOrUndefined(video.durationSeconds)).toEqual(item.contentDetails.duration)
      expect(Option.getOrUndefined(video.madeForKids)).toEqual(item.status.madeForKids)
    }
    const filled = toRegionalVideo(Either.getOrThrow(decodeItem(sparse)), at)
    expect([filled.channelTitle, filled.description, filled.tags]).toEqual(["", "", []])
    expect([filled.viewCount, filled.likeCount, filled.durationSeconds]).toEqual([Option.none(), Option.none(), Option.none()])
  })

  it("both refuse the same malformed items", () => {
    const bad = [
      apiItem("a0000000001", { views: "-1" }),
      apiItem("a0000000002", { contentDetails: { duration: "P1Y" } }),
      apiItem("a0000000003", { snippet: { categoryId: "music" } }),
      apiItem("a0000000004", { snippet: { tags: ["ok", 3] } }),
      { ...apiItem("a0000000005"), statistics: 0 },
      { ...apiItem("a0000000006"), snippet: null }
    ]
    for (const raw of bad) {
      expect(Either.isLeft(decodeItem(raw))).toBe(true)
      expect(Either.isLeft(Schema.decodeUnknownEither(VideoItem)(raw))).toBe(true)
    }
  })
})
