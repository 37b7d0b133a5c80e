import { type SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { type ListedRegion, RegionCode } from "../Domain/Region.js"
import { fromSql, storeErrorOf } from "./Errors.js"

/** The region list as stored: YouTube's order is not kept (it is alphabetical by name), codes are. */
export interface StoredRegions {
  readonly regions: ReadonlyArray<ListedRegion>
  readonly fetchedAt: Date
}

const RegionRow = Schema.Struct({ region: RegionCode, name: Schema.String, fetched_at: Schema.DateFromSelf })

/** The stored region list, none when it was never fetched. */
export const listedRegions = (sql: SqlClient.SqlClient) =>
  SqlSchema.findAll({
    Request: Schema.Void,
    Result: RegionRow,
    execute: () => sql`SELECT region, name, fetched_at FROM youtube_regions ORDER BY name, region`
  })(undefined).pipe(
    fromSql("reading the region list"),
    Effect.map((rows): StoredRegions | undefined =>
      rows.length === 0
        ? undefined
        : {
          regions: rows.map((row) => ({ code: row.region, name: row.name })),
          fetchedAt: new Date(Math.min(...rows.map((row) => row.fetched_at.getTime())))
        }
    )
  )

/**
 * The list as fetched replaces the stored one, in one transaction; the codes it no
 * longer has (withdrawn by YouTube) are returned, for the log.
 */
export const saveRegions = (sql: SqlClient.SqlClient, regions: ReadonlyArray<ListedRegion>, fetchedAt: Date) =>
  sql.withTransaction(
    Effect.gen(function*() {
      regions = [...new Map(regions.map((r) => [r.code, r])).values()]
      const codes = `{${regions.map((r) => r.code).join(",")}}`
      const withdrawn = yield* sql<{ region: string }>`
        DELETE FROM youtube_regions WHERE NOT (region = ANY(${codes}::text[])) RETURNING region`
      yield* sql`
        INSERT INTO youtube_regions (region, name, fetched_at)
        SELECT r.region, r.name, ${fetchedAt}
        FROM jsonb_to_recordset(${JSON.stringify(regions.map((r) => ({ region: r.code, name: r.name })))}::jsonb)
          AS r(region text, name text)
        ON CONFLICT (region) DO UPDATE SET name = EXCLUDED.name, fetched_at = EXCLUDED.fetched_at`
      return withdrawn.map((row) => row.region).sort()
    })
  ).pipe(Effect.mapError(storeErrorOf("storing the region list")))
