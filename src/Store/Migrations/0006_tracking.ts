import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Tracking (second stage): a video that left the charts has its counters refreshed for
 * `TRACK_DAYS`, found from its latest entries (an index on when they were fetched);
 * one the API no longer lists (deleted, made private) is marked gone on the day it was
 * missed, and not asked for again unless it returns to a chart.
 */
export const m0006_tracking = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE videos ADD COLUMN gone_at timestamptz`
  yield* sql`CREATE INDEX trending_entries_fetched_at_idx ON trending_entries (fetched_at)`
})
