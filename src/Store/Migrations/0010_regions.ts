import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The regions `i18nRegions.list` gave last (`REGIONS=all`): kept 30 days, so the list
 * costs a unit a month rather than one a run. A region the API stops listing is removed
 * from this table only; its history stays where it is.
 */
export const m0010_regions = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE youtube_regions (
      region     text PRIMARY KEY CHECK (region ~ '^[A-Z]{2}$'),
      name       text NOT NULL,
      fetched_at timestamptz NOT NULL
    )`
})
