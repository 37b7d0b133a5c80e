import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { dedup } from "../src/Domain/Dedup.js"
import { RegionOutcome } from "../src/Domain/Run.js"
import { RegionCode } from "../src/Domain/Region.js"
import { MigrationsLive } from "../src/Store/Migrations.js"
import { VideoSearch } from "../src/Store/Search.js"
import { VideoStore } from "../src/Store/VideoStore.js"
import { regional } from "./support/Fixtures.js"
import { emptyStore, engine, TestDatabase } from "./support/TestDatabase.js"

const SearchLive = Layer.mergeAll(VideoSearch.Default, VideoStore.Default, MigrationsLive).pipe(
  Layer.provideMerge(TestDatabase)
)

const VIDEOS = [
  regional("sv-run", "SE", { rank: 1, title: "Tjejerna springer", language: "sv" }),
  regional("en-spring", "GB", { rank: 1, title: "Spring break in Brighton", language: "en" }),
  regional("en-run", "US", { rank: 1, title: "Running the London marathon", language: "en" }),
  regional("pl-lodz", "PL", { rank: 1, title: "Żółta Łódź – Księżyc 🌙" }),
  regional("de-berg", "AT", { rank: 1, title: "Österreichs schönste Berge" }),
  regional("nl-fiets", "NL", { rank: 1, title: "Fietsers door Utrecht" }),
  regional("no-fjell", "NO", { rank: 1, title: "Fjellturen til Tromsø" }),
  // The same word in two regions, and once only in a channel name.
  regional("pl-gdansk", "PL", { rank: 2, title: "Księżyc nad Gdańskiem", views: 10 }),
  regional("se-gdansk", "SE", { rank: 2, title: "Księżyc", language: "pl", views: 5 }),
  regional("hostile", "US", { rank: 2, title: "'); DROP TABLE videos; -- 100% _under_ back\\slash" }),
  // One word, in the title of one, the tags of another, the description of a third.
  regional("in-desc", "GB", { rank: 3, title: "Late show", description: "Tonight:\nkaraoke with friends", language: "en", views: 900 }),
  regional("in-tags", "GB", { rank: 4, title: "Friday songs", tags: ["karaoke", "pub"], language: "en", views: 10 }),
  regional("in-title", "GB", { rank: 5, title: "Karaoke night", language: "en", views: 1 }),
  // A word that German drops as a stop word and English keeps.
  regional("en-die", "US", { rank: 6, title: "Die another day", language: "en" }),
  regional("de-die", "AT", { rank: 6, title: "Die Kinder spielen", language: "de" })
]

const seed = Effect.gen(function*() {
  yield* emptyStore
  const outcomes = [...new Set(VIDEOS.map((v) => v.region))].map((region) =>
    RegionOutcome.make({ region, status: "ok", videos: 1, malformed: 0, attempts: 1, durationMs: 1 })
  )
  const now = new Date()
  yield* (yield* VideoStore).saveRun({ startedAt: now, finishedAt: now, status: "ok", outcomes, entries: VIDEOS, videos: dedup(VIDEOS) })
})

const find = (query: string, options: { regions?: ReadonlyArray<string>; limit?: number } = {}) =>
  Effect.flatMap(VideoSearch, (s) =>
    s.search({ query, regions: (options.regions ?? []).map((r) => RegionCode.make(r)), limit: options.limit ?? 20 })).pipe(
    Effect.map((hits) => hits.map((h) => h.videoId))
  )

describe(`search on ${engine}`, () => {
  it.layer(SearchLive, { timeout: 120_000 })((it) => {
    it.effect("stems each video in its own language", () =>
      Effect.gen(function*() {
        yield* seed
        // Swedish: springa → spring, which the English video does not share as a Swedish word.
        expect(yield* find("springa")).toEqual(["sv-run"])
        expect(yield* find("runs")).toEqual(["en-run"])
        expect(yield* find("Berg")).toEqual(["de-berg"])
        expect(yield* find("fietser")).toEqual(["nl-fiets"])
        expect(yield* find("fjelltur")).toEqual(["no-fjell"])
        // Each video by its own language's query: German drops "die" as a stop word, English keeps it.
        expect(yield* find("die")).toEqual(["en-die"])
        expect(yield* find("die kinder")).toEqual(["de-die"])
        expect(yield* find("die another")).toEqual(["en-die"])
      }))

    it.effect("folds accents for Polish: lodz finds Łódź, zolta finds Żółta", () =>
      Effect.gen(function*() {
        yield* seed
        expect(yield* find("lodz")).toEqual(["pl-lodz"])
        expect(yield* find("ZOLTA lodz")).toEqual(["pl-lodz"])
        expect(yield* find("Łódź")).toEqual(["pl-lodz"])
      }))

    it.effect("web-search syntax: phrases, or, exclusion", () =>
      Effect.gen(function*() {
        yield* seed
        expect(yield* find("\"żółta łódź\"")).toEqual(["pl-lodz"])
        expect((yield* find("lodz or fietsers")).sort()).toEqual(["nl-fiets", "pl-lodz"])
        expect((yield* find("ksiezyc -gdanskiem")).sort()).toEqual(["pl-lodz", "se-gdansk"])
      }))

    it.effect("the region filter keeps videos that trended there", () =>
      Effect.gen(function*() {
        yield* seed
        expect(yield* find("gdanskiem")).toEqual(["pl-gdansk"])
        expect(yield* find("ksiezyc", { regions: ["SE"] })).toEqual(["se-gdansk"])
        expect((yield* find("ksiezyc", { regions: ["PL"] })).sort()).toEqual(["pl-gdansk", "pl-lodz"])
        expect(yield* find("ksiezyc", { regions: ["US"] })).toEqual([])
        // Several regions: a video that trended in any of them.
        expect((yield* find("ksiezyc", { regions: ["SE", "US"] })).sort()).toEqual(["se-gdansk"])
        expect((yield* find("ksiezyc", { regions: ["PL", "SE"] })).sort()).toEqual(["pl-gdansk", "pl-lodz", "se-gdansk"])
        expect(yield* find("ksiezyc", { limit: 1 })).toHaveLength(1)
      }))

    it.effect("tags and descriptions are searched too, below the title (then tags, then description), whatever the views", () =>
      Effect.gen(function*() {
        yield* seed
        expect(yield* find("karaoke")).toEqual(["in-title", "in-tags", "in-desc"])
      }))

    it.effect("injection-shaped queries are words, never SQL", () =>
      Effect.gen(function*() {
        yield* seed
        expect(yield* find("'); DROP TABLE videos; --")).toEqual(["hostile"])
        expect(yield* find("100% _under_")).toEqual(["hostile"])
        expect(yield* find("\"unbalanced quote lodz")).toEqual([])
        expect(yield* find("back\\slash")).toEqual(["hostile"])
        expect(yield* find("lodz")).toEqual(["pl-lodz"]) // the table is still there
      }))

    it.effect("an empty query, or one with no searchable word, is a clear error", () =>
      Effect.gen(function*() {
        yield* seed
        for (const query of ["", "   ", "!!! ---", "&|()"]) {
          const error = yield* Effect.flip(find(query))
          expect(error._tag).toBe("InvalidQuery")
          expect(error.message).toMatch(/cannot search for/)
        }
      }))

    it.effect("returns what a user needs: title, channel, regions, views, the watch URL", () =>
      Effect.gen(function*() {
        yield* seed
        const [hit] = yield* Effect.flatMap(VideoSearch, (s) => s.search({ query: "lodz", regions: [], limit: 5 }))
        expect(hit).toMatchObject({
          videoId: "pl-lodz",
          title: "Żółta Łódź – Księżyc 🌙",
          channelTitle: "Channel",
          regions: ["PL"],
          viewCount: 1000,
          language: "pl",
          url: "https://www.youtube.com/watch?v=pl-lodz"
        })
      }))
  })
})
