import { Option } from "effect"
import { publicStatus } from "../../src/Demo/Catalog.js"
import { type ChartId, RegionalVideo } from "../../src/Domain/Video.js"
import { RegionCode } from "../../src/Domain/Region.js"

/** A real-shaped item, as videos.list sends it with `part=snippet,statistics,contentDetails,status`. */
export const apiItem = (
  id: string,
  overrides: { title?: string; views?: string; snippet?: object; statistics?: object; contentDetails?: object; status?: object } = {}
) => ({
  kind: "youtube#video",
  etag: `etag-${id}`,
  id,
  snippet: {
    publishedAt: "2025-09-12T15:00:06Z",
    channelId: "UCabcdefghijklmnopqrstuv",
    title: overrides.title ?? `Video ${id}`,
    description: "Line one, with a comma.\nLine \"two\".",
    thumbnails: {
      default: { url: `https://i.ytimg.com/vi/${id}/default.jpg`, width: 120, height: 90 },
      high: { url: `https://i.ytimg.com/vi/${id}/hqdefault.jpg`, width: 480, height: 360 },
      medium: { url: `https://i.ytimg.com/vi/${id}/mqdefault.jpg`, width: 320, height: 180 }
    },
    channelTitle: "Channel",
    tags: ["music", "live"],
    categoryId: "10",
    liveBroadcastContent: "none",
    ...overrides.snippet
  },
  contentDetails: {
    duration: "PT3M41S",
    dimension: "2d",
    definition: "hd",
    caption: "false",
    licensedContent: true,
    contentRating: {},
    projection: "rectangular",
    ...overrides.contentDetails
  },
  status: { ...publicStatus(false), ...overrides.status },
  statistics: { viewCount: overrides.views ?? "1000", likeCount: "10", favoriteCount: "0", commentCount: "1", ...overrides.statistics }
})

export const page = (items: ReadonlyArray<unknown>, nextPageToken?: string) => ({
  kind: "youtube#videoListResponse",
  etag: "etag",
  items,
  ...(nextPageToken === undefined ? {} : { nextPageToken }),
  pageInfo: { totalResults: 200, resultsPerPage: items.length }
})

export const region = (code: string) => RegionCode.make(code)

export const regional = (
  videoId: string,
  regionCode: string,
  fields: Partial<{
    rank: number
    views: number
    likes: number
    comments: number
    title: string
    description: string
    tags: ReadonlyArray<string>
    language: string
    chart: ChartId
    fetchedAt: Date
  }> = {}
) =>
  RegionalVideo.make({
    videoId: videoId as RegionalVideo["videoId"],
    region: region(regionCode),
    chart: fields.chart ?? "all",
    rank: fields.rank ?? 1,
    title: fields.title ?? `Video ${videoId}`,
    channelTitle: "Channel",
    channelId: Option.none(),
    categoryId: Option.none(),
    tags: fields.tags ?? [],
    description: fields.description ?? "",
    publishedAt: Option.none(),
    durationSeconds: Option.none(),
    definition: Option.none(),
    caption: Option.none(),
    licensedContent: Option.none(),
    madeForKids: Option.none(),
    liveBroadcastContent: Option.none(),
    thumbnailUrl: Option.none(),
    thumbnails: {},
    viewCount: Option.some(fields.views ?? 1000),
    likeCount: Option.fromNullable(fields.likes),
    commentCount: Option.fromNullable(fields.comments),
    language: Option.fromNullable(fields.language),
    fetchedAt: fields.fetchedAt ?? new Date("2026-11-26T00:00:00Z")
  })
