import type { Category } from "../Domain/Category.js"
import type { KaggleRow } from "../Store/ExportRows.js"

/**
 * The layout of the public "YouTube Trending Video Dataset" (ARCHITECTURE.md, "Export"):
 * a notebook that reads its CSV files with `pandas.read_csv` reads ours with the same call.
 */

export const KAGGLE_HEADER =
  "video_id,title,publishedAt,channelId,channelTitle,categoryId,trending_date,tags,view_count,likes,dislikes," +
  "comment_count,thumbnail_link,comments_disabled,ratings_disabled,description"

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
export const csvField = (text: string): string => /[",\r\n]/.test(text) ? `"${text.replaceAll("\"", "\"\"")}"` : text

/** Python's spelling, as the public files have it. */
const flag = (b: boolean) => (b ? "True" : "False")

/**
 * One row, with its line end. Hidden likes or comments are `0` with the matching
 * `ratings_disabled` / `comments_disabled` `True`; the API has sent no dislikes since
 * 2021-12-13 (`0`); a hidden view count is `0` too (the public files never lack one, and an
 * empty cell would turn the column's dtype to float).
 */
export const kaggleLine = (row: KaggleRow): string =>
  [
    row.video_id,
    row.title,
    row.published_at ?? "",
    row.channel_id ?? "",
    row.channel_title,
    row.category_id ?? "",
    `${row.trending_date}T00:00:00Z`,
    row.tags.length === 0 ? "[None]" : row.tags.join("|"),
    String(row.view_count ?? 0),
    String(row.like_count ?? 0),
    "0",
    String(row.comment_count ?? 0),
    `https://i.ytimg.com/vi/${row.video_id}/default.jpg`,
    flag(row.comment_count === null),
    flag(row.like_count === null),
    row.description
  ].map(csvField).join(",") + "\n"

/** `XX_category_id.json`: the shape of a `videoCategories.list` response. */
export const categoryFile = (categories: ReadonlyArray<Category>): string =>
  JSON.stringify({
    kind: "youtube#videoCategoryListResponse",
    items: categories.map((c) => ({
      kind: "youtube#videoCategory",
      id: c.categoryId,
      snippet: { title: c.title, assignable: c.assignable }
    }))
  }) + "\n"
