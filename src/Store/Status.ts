import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { Int8 } from "./Columns.js"
import { fromSql } from "./Errors.js"
import { listedRegions } from "./RegionRows.js"

/** What `status` reads of the database beyond the runs and the ledger: its size, the region list. */
export class StoreStatus extends Effect.Service<StoreStatus>()("viralvidvault/StoreStatus", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const size = SqlSchema.single({
      Request: Schema.Void,
      Result: Schema.Struct({ bytes: Int8 }),
      execute: () => sql`SELECT pg_database_size(current_database()) AS bytes`
    })
    /** The database's size on disk, in bytes. */
    const databaseBytes = Effect.map(size(undefined).pipe(fromSql("reading the database's size")), (row) => row.bytes)
    /** The stored region list's size and age (REGIONS=all), null when none was fetched. */
    const regionList = Effect.map(listedRegions(sql), (list) =>
      list === undefined ? null : { regions: list.regions.length, fetchedAt: list.fetchedAt })
    return { databaseBytes, regionList } as const
  })
}) {}
