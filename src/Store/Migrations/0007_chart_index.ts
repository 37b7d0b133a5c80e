import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * A region's chart over time, read without scanning every region's: the export reads a
 * region's entries by (region, chart) in time order, and "the chart of a region at a
 * time" is the newest `fetched_at` at or before it.
 */
export const m0007_chart_index = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE INDEX trending_entries_chart_idx ON trending_entries (region, chart, fetched_at)`
})
