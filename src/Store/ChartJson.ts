import { type SqlClient, SqlSchema } from "@effect/sql"
import { Schema } from "effect"
import { RegionCode } from "../Domain/Region.js"
import { ChartId } from "../Domain/Video.js"

/**
 * A region's chart as it stood at `at`, as the API's JSON, one row or none (`Trends.chart`
 * and `Trends.chartJson`).
 *
 * The run is the one whose entries of this chart were fetched last at or before `at`
 * (a backward scan of the (region, chart, fetched_at) index, one row), not the highest
 * id: a spooled batch stored late has a higher id and older entries. A run's pages are
 * fetched a moment apart, so the chart's time is its first page's.
 *
 * The database writes the chart as the API's JSON (`Chart` encoded: keys in its order,
 * the time as `toISOString` writes it), so that `serve` sends it as it comes: decoding
 * 200 rows and encoding them again cost the server ~3 ms of its ~10 ms a chart. Joined
 * as text, each string through `to_json`: `row_to_json` or `json_agg` doubled the
 * query's time (3 → 6 ms at the bench's scale). `chart` decodes the same text with the
 * schema, and a test holds that encoding it again gives it back byte for byte.
 */
export const chartJsonQuery = (sql: SqlClient.SqlClient) =>
  SqlSchema.findOne({
    Request: Schema.Struct({ region: RegionCode, chart: ChartId, at: Schema.DateFromSelf }),
    Result: Schema.Struct({ json: Schema.String }),
    execute: ({ at, chart, region }) =>
      sql`
        WITH run AS (
          SELECT run_id FROM trending_entries
          WHERE region = ${region} AND chart = ${chart} AND fetched_at <= ${at}
          ORDER BY fetched_at DESC, run_id DESC
          LIMIT 1
        ), entries AS (
          SELECT e.run_id, e.fetched_at, e.rank,
                 '{"rank":' || e.rank || ',"videoId":' || to_json(e.video_id) || ',"title":' || to_json(v.title) ||
                 ',"channelTitle":' || to_json(v.channel_title) ||
                 ',"viewCount":' || COALESCE(e.view_count::text, 'null') ||
                 ',"likeCount":' || COALESCE(e.like_count::text, 'null') ||
                 ',"commentCount":' || COALESCE(e.comment_count::text, 'null') ||
                 ',"durationSeconds":' || COALESCE(v.duration_seconds::text, 'null') ||
                 ',"categoryId":' || COALESCE(to_json(v.category_id)::text, 'null') ||
                 ',"categoryTitle":' || COALESCE(to_json(c.title)::text, 'null') ||
                 ',"thumbnailUrl":' || COALESCE(to_json(v.thumbnail_url)::text, 'null') ||
                 ',"url":' || to_json('https://www.youtube.com/watch?v=' || e.video_id) || '}' AS entry
          FROM run
          JOIN trending_entries e ON e.run_id = run.run_id AND e.region = ${region} AND e.chart = ${chart}
          JOIN videos v ON v.video_id = e.video_id
          LEFT JOIN categories c ON c.region = e.region AND c.category_id = v.category_id
        )
        SELECT '{"region":' || to_json(${region}::text) || ',"chart":' || to_json(${chart}::text) ||
               ',"runId":' || min(run_id) ||
               ',"fetchedAt":"' || to_char(min(fetched_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ||
               '","entries":[' || string_agg(entry, ',' ORDER BY rank) || ']}' AS json
        FROM entries
        HAVING count(*) > 0`
  })
