import { Either, type ParseResult, Schema } from "effect"
import type { ChartUnit } from "../Domain/Run.js"
import type { ReadSpooledChart } from "../Domain/SentPage.js"
import type { RegionalVideo } from "../Domain/Video.js"
import { describeParseError, VideoListPage } from "./Api.js"
import { decodeItem, toRegionalVideo } from "./Item.js"

/** Where a page's items sit: the first one's rank, and when the page came. */
export interface PagePlace extends ChartUnit {
  readonly firstRank: number
  readonly fetchedAt: Date
}

/** A page's items that decoded, in rank order, and those that did not (the item's rank, why). */
export interface PageVideos {
  readonly videos: ReadonlyArray<RegionalVideo>
  readonly malformed: ReadonlyArray<{ readonly rank: number; readonly error: ParseResult.ParseError }>
}

/** The items of a page as entries of the chart: each item decoded on its own, so one bad item costs only itself. */
export const pageVideos = (items: ReadonlyArray<unknown>, { chart, fetchedAt, firstRank, region }: PagePlace): PageVideos => {
  const videos: Array<RegionalVideo> = []
  const malformed: Array<PageVideos["malformed"][number]> = []
  for (const [i, raw] of items.entries()) {
    const rank = firstRank + i
    const item = decodeItem(raw)
    if (Either.isRight(item)) videos.push(toRegionalVideo(item.right, { region, chart, rank, fetchedAt }))
    else malformed.push({ rank, error: item.left })
  }
  return { videos, malformed }
}

/** A video listed twice keeps its first rank. */
export const firstOfEach = (videos: ReadonlyArray<RegionalVideo>): ReadonlyArray<RegionalVideo> => {
  const seen = new Set<string>()
  return videos.filter((v) => !seen.has(v.videoId) && seen.add(v.videoId) !== undefined)
}

const decodeBody = Schema.decodeUnknownEither(VideoListPage)

/**
 * A spooled chart read as its fetch read it: the same pages, the same items taken from
 * each, the same decoding, so the batch stored later is the batch the run fetched. Its
 * malformed items were logged by the fetch, and are left out again in silence.
 */
export const readSpooledChart: ReadSpooledChart = ({ chart, pages, region }) => {
  const videos: Array<RegionalVideo> = []
  for (const page of pages) {
    const body = decodeBody(page.body)
    if (Either.isLeft(body)) return Either.left(`${region}/${chart}, the page from rank ${page.firstRank}: ${describeParseError(body.left)}`)
    videos.push(...pageVideos(body.right.items.slice(0, page.take), { region, chart, ...page }).videos)
  }
  return Either.right(firstOfEach(videos))
}
