import { type SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { fromSql } from "./Errors.js"

/**
 * The charts that answered `unavailable` in a run started at or after `since`, labelled
 * as `unitLabel` does (`US/10`, or `US` for an overall chart). The runs' own outcomes are the record: no table of their own, and
 * a chart not asked again leaves no newer outcome, so it is asked when `since` passes it.
 */
export const unavailableCharts = (sql: SqlClient.SqlClient, since: Date) =>
  SqlSchema.findAll({
    Request: Schema.DateFromSelf,
    Result: Schema.Struct({ label: Schema.String }),
    execute: (since) =>
      sql`
        SELECT DISTINCT (o->>'region') || COALESCE('/' || NULLIF(o->>'chart', 'all'), '') AS label
        FROM ingest_runs r, jsonb_array_elements(r.regions) AS o
        WHERE r.started_at >= ${since} AND o->>'status' = 'unavailable'`
  })(since).pipe(
    fromSql("reading the unavailable charts"),
    Effect.map((rows) => new Set(rows.map((r) => r.label)) as ReadonlySet<string>)
  )
