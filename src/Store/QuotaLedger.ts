import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { fromSql } from "./Errors.js"

/**
 * The units each key spent each quota day. A run reserves its whole allowance before it
 * sends anything and settles what it really spent when it ends, so a run that crashes
 * midway leaves its reservation counted: a crash can over-count the day's units, never
 * lose one. One statement each, however many keys.
 */

export const KeyUsage = Schema.Struct({
  keyId: Schema.String,
  units: Schema.NonNegativeInt,
  exhausted: Schema.Boolean
})
export type KeyUsage = typeof KeyUsage.Type

/** What a run reserved of a key, and what it spent. */
export interface Settlement {
  readonly keyId: string
  readonly reserved: number
  readonly spent: number
  /** YouTube answered `quotaExceeded` for it this run. */
  readonly exhausted: boolean
}

export class QuotaLedger extends Effect.Service<QuotaLedger>()("viralvidvault/QuotaLedger", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const usageRows = SqlSchema.findAll({
      Request: Schema.String,
      Result: KeyUsage,
      execute: (day) =>
        sql`SELECT key_id AS "keyId", units, exhausted FROM quota_usage WHERE quota_day = ${day}::date ORDER BY key_id`
    })

    /** Each key's units of the quota day (`YYYY-MM-DD`); a key not listed has spent none. */
    const usage = Effect.fn("QuotaLedger.usage")(function*(day: string) {
      const rows = yield* usageRows(day).pipe(fromSql("reading the quota ledger"))
      return new Map(rows.map((row) => [row.keyId, row]))
    })

    /**
     * Adds `units` to each key's count of the day, before any of them is sent; a negative
     * number gives back what a reservation held beyond what the run may spend.
     */
    const reserve = Effect.fn("QuotaLedger.reserve")(function*(day: string, units: ReadonlyArray<{ readonly keyId: string; readonly units: number }>) {
      const rows = units.filter((u) => u.units !== 0)
      if (rows.length === 0) return
      yield* sql`
        WITH r AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ key_id: r.keyId, units: r.units })))}::jsonb)
                   AS r(key_id text, units integer)
        ), given_back AS (
          UPDATE quota_usage q SET units = GREATEST(0, q.units + r.units)
          FROM r WHERE r.units < 0 AND q.key_id = r.key_id AND q.quota_day = ${day}::date
        )
        INSERT INTO quota_usage (key_id, quota_day, units)
        SELECT r.key_id, ${day}::date, r.units FROM r WHERE r.units > 0
        ON CONFLICT (key_id, quota_day) DO UPDATE SET units = quota_usage.units + EXCLUDED.units`.pipe(
        fromSql("reserving quota units")
      )
    })

    /** Replaces each key's reservation by what it spent; marks the keys YouTube said were exhausted. */
    const settle = Effect.fn("QuotaLedger.settle")(function*(day: string, settlements: ReadonlyArray<Settlement>) {
      const rows = settlements.filter((s) => s.reserved > 0 || s.spent > 0 || s.exhausted)
      if (rows.length === 0) return
      const given = JSON.stringify(rows.map((r) => ({ key_id: r.keyId, reserved: r.reserved, spent: r.spent, exhausted: r.exhausted })))
      yield* sql`
        WITH r AS (
          SELECT * FROM jsonb_to_recordset(${given}::jsonb) AS r(key_id text, reserved integer, spent integer, exhausted boolean)
        ), settled AS (
          UPDATE quota_usage q
          SET units = GREATEST(0, q.units - r.reserved + r.spent), exhausted = q.exhausted OR r.exhausted
          FROM r WHERE q.key_id = r.key_id AND q.quota_day = ${day}::date
          RETURNING q.key_id
        )
        INSERT INTO quota_usage (key_id, quota_day, units, exhausted)
        SELECT r.key_id, ${day}::date, r.spent, r.exhausted FROM r
        WHERE r.key_id NOT IN (SELECT key_id FROM settled)
        ON CONFLICT (key_id, quota_day) DO NOTHING`.pipe(fromSql("settling quota units"))
    })

    /**
     * When the run that stored each unit's newest entries started (ms), for the planner's
     * rotation: one probe of the (region, chart, fetched_at) index a unit. A unit never
     * stored is absent.
     */
    const servedRows = SqlSchema.findAll({
      Request: Schema.Array(Schema.Struct({ region: Schema.String, chart: Schema.String })),
      Result: Schema.Struct({ region: Schema.String, chart: Schema.String, servedAt: Schema.DateFromSelf }),
      execute: (units) =>
        sql`
          SELECT u.region, u.chart, r.started_at AS "servedAt"
          FROM jsonb_to_recordset(${JSON.stringify(units)}::jsonb) AS u(region text, chart text)
          CROSS JOIN LATERAL (
            SELECT e.run_id FROM trending_entries e
            WHERE e.region = u.region AND e.chart = u.chart
            ORDER BY e.fetched_at DESC LIMIT 1
          ) newest
          JOIN ingest_runs r ON r.id = newest.run_id`
    })

    const lastServed = Effect.fn("QuotaLedger.lastServed")(function*(units: ReadonlyArray<{ readonly region: string; readonly chart: string }>) {
      if (units.length === 0) return new Map<string, number>()
      const rows = yield* servedRows(units).pipe(fromSql("reading when each chart was fetched last"))
      return new Map(rows.map((row) => [`${row.region} ${row.chart}`, row.servedAt.getTime()]))
    })

    /** What a stored run spent, could spend, and deferred (`PL`, `PL/10`), on its row. */
    const recordRun = Effect.fn("QuotaLedger.recordRun")(
      function*(runId: number, spent: { readonly units: number; readonly allowance: number; readonly deferred: ReadonlyArray<string> }) {
        yield* sql`
          UPDATE ingest_runs SET units = ${spent.units}, allowance = ${spent.allowance}, deferred = ${JSON.stringify(spent.deferred)}::jsonb
          WHERE id = ${runId}`.pipe(fromSql("recording the run's units"))
      }
    )

    return { usage, reserve, settle, lastServed, recordRun } as const
  })
}) {}
