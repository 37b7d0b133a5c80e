import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The quota ledger and what each run planned. `quota_usage`: the units each key spent
 * each quota day (Los Angeles' date), `key_id` a short hash of the key, never the key;
 * `exhausted` when YouTube said `quotaExceeded` before our count reached the budget (the
 * key is shared, or the project's quota is lower than configured). `ingest_runs` gains
 * the units a run spent, its allowance, and what it deferred. A first-stage row has
 * none: NULL and `[]`.
 */
export const m0008_quota = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE quota_usage (
      key_id    text NOT NULL,
      quota_day date NOT NULL,
      units     integer NOT NULL DEFAULT 0 CHECK (units >= 0),
      exhausted boolean NOT NULL DEFAULT false,
      PRIMARY KEY (key_id, quota_day)
    )`
  yield* sql`
    ALTER TABLE ingest_runs
      ADD COLUMN units     integer CHECK (units >= 0),
      ADD COLUMN allowance integer CHECK (allowance >= 0),
      ADD COLUMN deferred  jsonb NOT NULL DEFAULT '[]'`
})
