import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { Category } from "../Domain/Category.js"
import { RegionCode } from "../Domain/Region.js"
import { CategoryId, ChartId, VideoId } from "../Domain/Video.js"
import { Int8 } from "./Columns.js"
import { fromSql } from "./Errors.js"

/** One entry of a stored chart, as a reader wants it: the video's title and channel, the entry's views. */
export const ChartEntry = Schema.Struct({
  rank: Schema.Int,
  videoId: VideoId,
  title: Schema.String,
  channelTitle: Schema.String,
  /** Null when the owner hides it. */
  viewCount: Schema.NullOr(Schema.NonNegativeInt),
  categoryTitle: Schema.NullOr(Schema.String)
})
export type ChartEntry = typeof ChartEntry.Type

const ChartEntryRow = Schema.Struct({ ...ChartEntry.fields, viewCount: Schema.NullOr(Int8) })

/** What is stored of charts and categories, for reading. */
export class StoredCharts extends Effect.Service<StoredCharts>()("viralvidvault/StoredCharts", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    /** A region's categories, with the titles the API gave in that region, by id. */
    const categories = SqlSchema.findAll({
      Request: RegionCode,
      Result: Schema.Struct({ region: RegionCode, categoryId: CategoryId, title: Schema.String, assignable: Schema.Boolean }),
      execute: (region) =>
        sql`SELECT region, category_id AS "categoryId", title, assignable FROM categories
            WHERE region = ${region} ORDER BY category_id::integer`
    })

    /** The newest stored chart of a region, its first `limit` entries in rank order. */
    const latest = SqlSchema.findAll({
      Request: Schema.Struct({ region: RegionCode, chart: ChartId, limit: Schema.Int }),
      Result: ChartEntryRow,
      execute: ({ chart, limit, region }) =>
        sql`
          SELECT e.rank, e.video_id AS "videoId", v.title, v.channel_title AS "channelTitle",
                 e.view_count AS "viewCount", c.title AS "categoryTitle"
          FROM trending_entries e
          JOIN videos v ON v.video_id = e.video_id
          LEFT JOIN categories c ON c.region = e.region AND c.category_id = v.category_id
          WHERE e.region = ${region} AND e.chart = ${chart}
            AND e.run_id = (SELECT max(run_id) FROM trending_entries WHERE region = ${region} AND chart = ${chart})
          ORDER BY e.rank LIMIT ${limit}`
    })

    return {
      categories: (region: RegionCode) =>
        categories(region).pipe(fromSql("reading the categories"), Effect.map((rows) => rows.map((row) => Category.make(row)))),
      latest: (region: RegionCode, chart: ChartId, limit: number) =>
        latest({ region, chart, limit }).pipe(fromSql("reading a chart"))
    } as const
  })
}) {}
