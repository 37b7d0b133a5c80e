import { Option } from "effect"
import { RegionalVideo } from "../../src/Domain/Video.js"
import { RegionCode } from "../../src/Domain/Region.js"

/** A real-shaped item, as videos.list sends it. */
export const apiItem = (id: string, overrides: { title?: string; views?: string; snippet?: object; statistics?: object } = {}) => ({
  kind: "youtube#video",
  etag: `etag-${id}`,
  id,
  snippet: {
    publishedAt: "2025-09-12T15:00:06Z",
    channelId: "UCabcdefghijklmnopqrstuv",
    title: overrides.title ?? `Video ${id}`,
    description: "…",
    thumbnails: { default: { url: "https://i.ytimg.com/vi/x/default.jpg", width: 120, height: 90 } },
    channelTitle: "Channel",
    categoryId: "10",
    liveBroadcastContent: "none",
    ...overrides.snippet
  },
  contentDetails: { duration: "PT3M41S", dimension: "2d", definition: "hd", caption: "false", licensedContent: true, contentRating: {}, projection: "rectangular" },
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
  fields: Partial<{ rank: number; views: number; title: string; language: string; fetchedAt: Date }> = {}
) =>
  RegionalVideo.make({
    videoId: videoId as RegionalVideo["videoId"],
    region: region(regionCode),
    rank: fields.rank ?? 1,
    title: fields.title ?? `Video ${videoId}`,
    channelTitle: "Channel",
    viewCount: fields.views ?? 1000,
    language: Option.fromNullable(fields.language),
    publishedAt: Option.none(),
    fetchedAt: fields.fetchedAt ?? new Date("2026-11-26T00:00:00Z")
  })
