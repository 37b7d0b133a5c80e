import { Option, ParseResult, Schema } from "effect"
import { RegionCode } from "../Domain/Region.js"
import { CategoryId, type ChartId, RegionalVideo, Thumbnails, VideoId } from "../Domain/Video.js"

/**
 * One item of `videos.list` with `part=snippet,statistics,contentDetails,status`, as
 * this service reads it. Counters arrive as strings; `tags`, languages, likes and
 * comments appear only when set. A field that is there but malformed costs the item.
 */

const COUNTER = /^\d{1,15}$/
const COUNTER_MESSAGE = "a counter is a string of digits"

/**
 * A decimal counter sent as a string ("1834211"); a negative or non-numeric one is malformed.
 * One transformation rather than a pattern composed with `NumberFromString`: that chain
 * took four parsing steps a counter, three counters an item, and twice the time.
 */
const Counter = Schema.transformOrFail(Schema.String, Schema.Number, {
  strict: true,
  decode: (text, _, ast) =>
    COUNTER.test(text) ? ParseResult.succeed(Number(text)) : ParseResult.fail(new ParseResult.Type(ast, text, COUNTER_MESSAGE)),
  encode: (count, _, ast) => {
    const text = String(count)
    return COUNTER.test(text) ? ParseResult.succeed(text) : ParseResult.fail(new ParseResult.Type(ast, count, COUNTER_MESSAGE))
  }
})

const ISO_DURATION = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.\d+)?S)?)?$/

/** An ISO 8601 duration as YouTube sends it (`PT4M13S`, `P1DT2H`, `P0D`), in whole seconds. */
export const DurationSeconds = Schema.transformOrFail(Schema.String, Schema.NonNegativeInt, {
  strict: true,
  decode: (text, _, ast) => {
    const match = ISO_DURATION.exec(text)
    if (match === null) {
      return ParseResult.fail(new ParseResult.Type(ast, text, `a duration is ISO 8601 (e.g. PT4M13S), got ${JSON.stringify(text)}`))
    }
    const [weeks, days, hours, minutes, seconds] = match.slice(1).map((n) => Number(n ?? 0)) as [number, number, number, number, number]
    return ParseResult.succeed((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds)
  },
  encode: (seconds) => ParseResult.succeed(`PT${seconds}S`)
})

/**
 * A field the API may leave out. Exact: JSON has no `undefined`, and `Schema.optional`'s
 * `S | undefined` is a union that every field of every item went through.
 */
const sent = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

const Snippet = Schema.Struct({
  title: Schema.String,
  channelTitle: sent(Schema.String),
  channelId: sent(Schema.String),
  description: sent(Schema.String),
  publishedAt: sent(Schema.Date),
  tags: sent(Schema.Array(Schema.String)),
  categoryId: sent(CategoryId),
  liveBroadcastContent: sent(Schema.String),
  thumbnails: sent(Thumbnails),
  defaultLanguage: sent(Schema.String),
  defaultAudioLanguage: sent(Schema.String)
}).annotations({ identifier: "Snippet" })

const ContentDetails = Schema.Struct({
  duration: sent(DurationSeconds),
  definition: sent(Schema.String),
  caption: sent(Schema.Literal("true", "false")),
  licensedContent: sent(Schema.Boolean)
}).annotations({ identifier: "ContentDetails" })

const Status = Schema.Struct({ madeForKids: sent(Schema.Boolean) }).annotations({ identifier: "Status" })

export const Statistics = Schema.Struct({
  viewCount: sent(Counter),
  likeCount: sent(Counter),
  commentCount: sent(Counter)
}).annotations({ identifier: "Statistics" })

/**
 * An item as sent, without defaults: what the client decodes. A struct with a default
 * is a transformation, and Schema validates the type side of every transformation
 * after decoding it, so `VideoItem` walks each item twice and its snippet three times;
 * this walks it once, and `toRegionalVideo` fills in what is absent.
 */
const VideoItemAsSent = Schema.Struct({
  id: VideoId,
  snippet: Snippet,
  contentDetails: sent(ContentDetails),
  status: sent(Status),
  statistics: sent(Statistics)
}).annotations({ identifier: "VideoItem" })
export type VideoItemAsSent = typeof VideoItemAsSent.Type

/** The same fields with what is absent filled in (the library's schema of an item). */
export const VideoItem = Schema.Struct({
  ...VideoItemAsSent.fields,
  snippet: Schema.Struct({
    ...Snippet.fields,
    channelTitle: Schema.optionalWith(Schema.String, { default: () => "" }),
    description: Schema.optionalWith(Schema.String, { default: () => "" })
  }),
  contentDetails: Schema.optionalWith(ContentDetails, { default: () => ({}) }),
  status: Schema.optionalWith(Status, { default: () => ({}) }),
  statistics: Schema.optionalWith(Statistics, { default: () => ({}) })
})
export type VideoItem = typeof VideoItem.Type

/** Compiled on first use (Schema keeps it), after the first request rather than before it. */
export const decodeItem = (item: unknown) => Schema.decodeUnknownEither(VideoItemAsSent)(item)

const SIZES = ["maxres", "standard", "high", "medium", "default"]

/** The largest thumbnail: by area where sizes are given, else by YouTube's size names. */
export const largestThumbnail = (thumbnails: Thumbnails): string | undefined =>
  Object.entries(thumbnails)
    .sort(([a, x], [b, y]) =>
      ((y.width ?? 0) * (y.height ?? 0)) - ((x.width ?? 0) * (x.height ?? 0)) ||
      (SIZES.indexOf(a) === -1 ? SIZES.length : SIZES.indexOf(a)) - (SIZES.indexOf(b) === -1 ? SIZES.length : SIZES.indexOf(b))
    )[0]?.[1].url

const nonEmpty = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : s.trim())

/** `item` is decoded already; validating the record again would double the cost of a page. */
export const toRegionalVideo = (
  item: VideoItemAsSent,
  at: { readonly region: RegionCode; readonly chart: ChartId; readonly rank: number; readonly fetchedAt: Date }
): RegionalVideo => {
  const { snippet } = item
  const details = item.contentDetails ?? {}
  const statistics = item.statistics ?? {}
  const thumbnails = snippet.thumbnails ?? {}
  return RegionalVideo.make({
    videoId: item.id,
    ...at,
    title: snippet.title,
    channelTitle: snippet.channelTitle ?? "",
    channelId: Option.fromNullable(snippet.channelId),
    categoryId: Option.fromNullable(snippet.categoryId),
    tags: snippet.tags ?? [],
    description: snippet.description ?? "",
    publishedAt: Option.fromNullable(snippet.publishedAt),
    durationSeconds: Option.fromNullable(details.duration),
    definition: Option.fromNullable(details.definition),
    caption: Option.map(Option.fromNullable(details.caption), (c) => c === "true"),
    licensedContent: Option.fromNullable(details.licensedContent),
    madeForKids: Option.fromNullable(item.status?.madeForKids),
    liveBroadcastContent: Option.fromNullable(snippet.liveBroadcastContent),
    thumbnailUrl: Option.fromNullable(largestThumbnail(thumbnails)),
    thumbnails,
    viewCount: Option.fromNullable(statistics.viewCount),
    likeCount: Option.fromNullable(statistics.likeCount),
    commentCount: Option.fromNullable(statistics.commentCount),
    language: Option.fromNullable(nonEmpty(snippet.defaultAudioLanguage) ?? nonEmpty(snippet.defaultLanguage))
  }, { disableValidation: true })
}

/** One item of `videoCategories.list?part=snippet`. */
export const CategoryItem = Schema.Struct({
  id: CategoryId,
  snippet: Schema.Struct({ title: Schema.String, assignable: Schema.optionalWith(Schema.Boolean, { default: () => false }) })
})

/** Compiled on first use: categories are asked for after the charts. */
export const decodeCategory = (item: unknown) => Schema.decodeUnknownEither(CategoryItem)(item)

/** One item of `i18nRegions.list?part=snippet`: `gl` is the code a chart is asked for with. */
export const RegionItem = Schema.Struct({
  snippet: Schema.Struct({ gl: RegionCode, name: Schema.String })
})

export const decodeRegion = (item: unknown) => Schema.decodeUnknownEither(RegionItem)(item)
