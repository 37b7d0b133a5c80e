import { type SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import type { Category } from "../Domain/Category.js"
import type { RegionCode } from "../Domain/Region.js"
import { fromSql, storeErrorOf } from "./Errors.js"

/** What is stored of a region's categories: their ids, those that have charts, and when its list was last fetched. */
export interface StoredCategories {
  readonly ids: ReadonlySet<string>
  /** The assignable ones (only they have charts), in id order. */
  readonly assignable: ReadonlyArray<string>
  readonly fetchedAt: Date
}

const CategoryRow = Schema.Struct({
  region: Schema.String,
  category_id: Schema.String,
  assignable: Schema.Boolean,
  fetched_at: Schema.DateFromSelf
})

/** Each of these regions' stored categories; a region with none is not in the map. */
export const categoriesOf = (sql: SqlClient.SqlClient, regions: ReadonlyArray<RegionCode>) =>
  SqlSchema.findAll({
    Request: Schema.Array(Schema.String),
    Result: CategoryRow,
    execute: (regions) =>
      sql`SELECT region, category_id, assignable, fetched_at FROM categories
          WHERE region = ANY(${`{${regions.join(",")}}`}::text[]) ORDER BY region, category_id::integer`
  })(regions).pipe(
    fromSql("reading the categories"),
    Effect.map((rows) => {
      const stored = new Map<string, { ids: Set<string>; assignable: Array<string>; fetchedAt: Date }>()
      for (const row of rows) {
        const region = stored.get(row.region) ?? { ids: new Set(), assignable: [], fetchedAt: row.fetched_at }
        region.ids.add(row.category_id)
        if (row.assignable) region.assignable.push(row.category_id)
        if (row.fetched_at > region.fetchedAt) region.fetchedAt = row.fetched_at
        stored.set(row.region, region)
      }
      return stored as ReadonlyMap<string, StoredCategories>
    })
  )

/** A region's list as fetched: its categories' titles and flags replaced; one it no longer lists is kept as it was. */
export const saveCategories = (sql: SqlClient.SqlClient, categories: ReadonlyArray<Category>, fetchedAt: Date) =>
  sql`
    INSERT INTO categories (region, category_id, title, assignable, fetched_at)
    SELECT c.region, c.category_id, c.title, c.assignable, ${fetchedAt}
    FROM jsonb_to_recordset(${
    JSON.stringify(categories.map((c) => ({ region: c.region, category_id: c.categoryId, title: c.title, assignable: c.assignable })))
  }::jsonb) AS c(region text, category_id text, title text, assignable boolean)
    ON CONFLICT (region, category_id) DO UPDATE SET
      title = EXCLUDED.title, assignable = EXCLUDED.assignable, fetched_at = EXCLUDED.fetched_at`
    .pipe(Effect.asVoid, Effect.mapError(storeErrorOf("storing the categories")))
