import { ENGLISH, type Vocabulary, vocabularyOf } from "./Vocabulary.js"

/**
 * Deterministic, realistic chart data for the simulated API: titles in each region's
 * language (diacritics, emoji), shared videos that trend in several regions.
 */

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/** A stable 32-bit hash (FNV-1a). */
const hash = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** An 11-character id of YouTube's alphabet, stable for a seed. */
export const videoIdFor = (seed: string): string => {
  let id = ""
  let h = hash(seed)
  for (let i = 0; i < 11; i++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0
    h = hash(`${seed}:${i}:${h}`)
    id += ID_ALPHABET[h % 64]
  }
  return id
}

export interface CatalogItem {
  readonly kind: "youtube#video"
  readonly etag: string
  readonly id: string
  readonly snippet: Record<string, unknown>
  readonly contentDetails: Record<string, unknown>
  readonly status: Record<string, unknown>
  readonly statistics: Record<string, string>
}

/** The `status` part of a public, processed video. */
export const publicStatus = (madeForKids: boolean) => ({
  uploadStatus: "processed",
  privacyStatus: "public",
  license: "youtube",
  embeddable: true,
  publicStatsViewable: true,
  madeForKids
})

/** The categories videos are filed under (ids and English titles as YouTube has them). */
export const CATEGORY_IDS = ["10", "20", "24", "17", "22", "25"] as const

/** Every 20th position of every region is a video shared by all regions: about 5% overlap. */
const SHARED_EVERY = 20

const pick = <A>(list: ReadonlyArray<A>, n: number): A => list[n % list.length]!

const makeItem = (
  seed: string,
  vocabulary: Vocabulary,
  position: number,
  views: number,
  international = false,
  categoryId?: string
): CatalogItem => {
  const h = hash(seed)
  const id = videoIdFor(seed)
  const hidesLikes = h % 7 === 0
  const noComments = h % 11 === 0
  const live = h % 17 === 0
  // International hits name their language; a third of local videos leave it to the region.
  const namesLanguage = international || h % 3 !== 0
  const subject = pick(vocabulary.subjects, h)
  const channel = pick(vocabulary.channels, h >>> 12)
  const thumbnail = (name: string, width: number, height: number) => ({ url: `https://i.ytimg.com/vi/${id}/${name}.jpg`, width, height })
  return {
    kind: "youtube#video",
    etag: `etag-${h.toString(16)}`,
    id,
    snippet: {
      publishedAt: new Date(Date.UTC(2025, 8, 1 + (h % 28), h % 24, h % 60, 6)).toISOString().replace(".000", ""),
      channelId: `UC${videoIdFor(`${seed}:channel`)}${videoIdFor(`${seed}:channel2`)}`.slice(0, 24),
      title: `${subject} ${pick(vocabulary.tails, h >>> 8)} #${position}`,
      // Line breaks, quotes and commas, as real descriptions have them.
      description: `${pick(vocabulary.subjects, h >>> 4)}.\n\n"${channel}", ${position}. 🎬\nhttps://example.com/${id}`,
      thumbnails: {
        default: thumbnail("default", 120, 90),
        medium: thumbnail("mqdefault", 320, 180),
        high: thumbnail("hqdefault", 480, 360),
        ...(h % 2 === 0 ? { maxres: thumbnail("maxresdefault", 1280, 720) } : {})
      },
      channelTitle: channel,
      ...(h % 5 === 0 ? {} : { tags: [subject, channel, vocabulary.language === "en" ? "trending" : `trend ${vocabulary.language}`] }),
      categoryId: categoryId ?? pick(CATEGORY_IDS, h >>> 3),
      liveBroadcastContent: live ? "live" : "none",
      ...(namesLanguage ? { defaultLanguage: vocabulary.language, defaultAudioLanguage: vocabulary.language } : {}),
      localized: { title: subject, description: "" }
    },
    contentDetails: {
      duration: live ? "P0D" : `PT${1 + (h % 9)}M${h % 60}S`,
      dimension: "2d",
      definition: h % 4 === 0 ? "sd" : "hd",
      caption: h % 6 === 0 ? "true" : "false",
      licensedContent: h % 3 !== 1,
      contentRating: {},
      projection: "rectangular"
    },
    status: publicStatus(h % 13 === 0),
    statistics: {
      viewCount: String(views),
      ...(hidesLikes ? {} : { likeCount: String(Math.floor(views / 20)) }),
      favoriteCount: "0",
      ...(noComments ? {} : { commentCount: String(Math.floor(views / 400)) })
    }
  }
}

/** The most-popular chart of a region, `size` items in rank order. */
export const chartFor = (region: string, size: number): ReadonlyArray<CatalogItem> =>
  Array.from({ length: size }, (_, i) => {
    const position = i + 1
    // Views fall with rank; a shared video's count differs by region, so dedup has a maximum to find.
    const views = Math.floor(5_000_000 / position) + (hash(`${region}:${position}`) % 10_000)
    return position % SHARED_EVERY === 0
      ? makeItem(`shared:${position}`, ENGLISH, position, views, true)
      : makeItem(`${region}:${position}`, vocabularyOf(region), position, views)
  })

/**
 * A category's chart in a region, `size` items in rank order: the overall chart's
 * videos of that category first (as on YouTube, a category's hits are often overall
 * hits too), then videos that trend in that category alone.
 */
export const categoryChartFor = (region: string, categoryId: string, size: number): ReadonlyArray<CatalogItem> => {
  const fromOverall = chartFor(region, 200).filter((item) => item.snippet["categoryId"] === categoryId).slice(0, size)
  const own = Array.from({ length: size - fromOverall.length }, (_, i) => {
    const position = fromOverall.length + i + 1
    const views = Math.floor(800_000 / position) + (hash(`${region}:${categoryId}:${position}`) % 5_000)
    return makeItem(`${region}:c${categoryId}:${position}`, vocabularyOf(region), position, views, false, categoryId)
  })
  return [...fromOverall, ...own]
}

/** The category charts YouTube does not offer (`videoChartNotFound`), as `REGION/id`: one, so the demo and the tests meet it. */
export const CHARTS_NOT_OFFERED: ReadonlyArray<string> = ["NL/19"]

/** The categories a region lists (YouTube's ids and English titles; only some are assignable). */
export const CATEGORIES: ReadonlyArray<readonly [id: string, title: string, assignable: boolean]> = [
  ["1", "Film & Animation", true],
  ["2", "Autos & Vehicles", true],
  ["10", "Music", true],
  ["15", "Pets & Animals", true],
  ["17", "Sports", true],
  ["18", "Short Movies", false],
  ["19", "Travel & Events", true],
  ["20", "Gaming", true],
  ["22", "People & Blogs", true],
  ["23", "Comedy", true],
  ["24", "Entertainment", true],
  ["25", "News & Politics", true],
  ["26", "Howto & Style", true],
  ["27", "Education", true],
  ["28", "Science & Technology", true],
  ["30", "Movies", false],
  ["44", "Trailers", false]
]

/** `videoCategories.list?part=snippet&regionCode=…`, as the API answers it. */
export const categoriesFor = (region: string) => ({
  kind: "youtube#videoCategoryListResponse",
  etag: `etag-categories-${region}`,
  items: CATEGORIES.map(([id, title, assignable]) => ({
    kind: "youtube#videoCategory",
    etag: `etag-category-${region}-${id}`,
    id,
    snippet: { title, assignable, channelId: "UCBR8-60-B28hp2BmDPdntcQ" }
  }))
})
