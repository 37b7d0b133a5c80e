import type { Category } from "../Domain/Category.js"

/**
 * The layout of the public "YouTube Trending Video Dataset" (ARCHITECTURE.md, "Export"):
 * a notebook that reads its CSV files with `pandas.read_csv` reads ours with the same call.
 *
 * The database renders each line (the export's query selects `KAGGLE_LINE` over its row):
 * this process then only moves bytes, which is most of what makes a large export fast.
 * Each column is its header and its SQL, side by side, so the two cannot drift apart.
 */

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
const csv = (text: string) =>
  `CASE WHEN ${text} ~ ('[",' || chr(10) || chr(13) || ']') THEN '"' || replace(${text}, '"', '""') || '"' ELSE ${text} END`

/** Python's spelling, as the public files have it. */
const flag = (condition: string) => `CASE WHEN ${condition} THEN 'True' ELSE 'False' END`

/**
 * Hidden likes or comments are `0` with the matching `ratings_disabled` /
 * `comments_disabled` `True`; the API has sent no dislikes since 2021-12-13 (`0`); a hidden
 * view count is `0` too (the public files never lack one, and an empty cell would turn the
 * column's dtype to float).
 */
const COLUMNS: ReadonlyArray<readonly [header: string, sql: string]> = [
  ["video_id", csv("video_id")],
  ["title", csv("title")],
  ["publishedAt", "coalesce(published_at, '')"],
  ["channelId", csv("coalesce(channel_id, '')")],
  ["channelTitle", csv("channel_title")],
  ["categoryId", csv("coalesce(category_id, '')")],
  ["trending_date", "trending_date || 'T00:00:00Z'"],
  ["tags", csv("CASE WHEN cardinality(tags) = 0 THEN '[None]' ELSE array_to_string(tags, '|') END")],
  ["view_count", "coalesce(view_count, 0)::text"],
  ["likes", "coalesce(like_count, 0)::text"],
  ["dislikes", "'0'"],
  ["comment_count", "coalesce(comment_count, 0)::text"],
  ["thumbnail_link", "'https://i.ytimg.com/vi/' || video_id || '/default.jpg'"],
  ["comments_disabled", flag("comment_count IS NULL")],
  ["ratings_disabled", flag("like_count IS NULL")],
  ["description", csv("description")]
]

export const KAGGLE_HEADER = COLUMNS.map(([header]) => header).join(",")

/**
 * One row of the layout with its line end, as SQL over the columns `video_id`, `title`,
 * `published_at` (text, `YYYY-MM-DDTHH:MM:SSZ`), `channel_id`, `channel_title`,
 * `category_id`, `trending_date` (text, `YYYY-MM-DD`), `tags` (text[]), `view_count`,
 * `like_count`, `comment_count`, `description`.
 */
export const KAGGLE_LINE = `concat_ws(',', ${COLUMNS.map(([, sql]) => sql).join(", ")}) || chr(10)`

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
