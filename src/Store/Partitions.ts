import { SqlClient, type SqlError, SqlSchema } from "@effect/sql"
import { Duration, Effect, Option, Predicate, Schema } from "effect"
import type { Batch } from "../Domain/Run.js"
import { Int8 } from "./Columns.js"
import { fromSql, storeErrorOf } from "./Errors.js"
import { takeStoreLock } from "./Locks.js"

/**
 * The monthly partitions of `trending_entries` (by `fetched_at`) and `video_stats` (by
 * `observed_at`), months in UTC (migration 9). A run creates the months it needs before
 * it writes (`ensurePartitions`); retention drops whole months (`prunePartitions`).
 */

/** The partitioned tables, each with the column it is partitioned by. */
export const PartitionedTable = Schema.Literal("trending_entries", "video_stats")
export type PartitionedTable = typeof PartitionedTable.Type

/** The first instant (UTC) of the month `offset` months after the one `time` is in. */
const monthStart = (time: Date, offset = 0) => new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth() + offset, 1))

/** The months of these times, and the month after the latest: as a `timestamptz[]` literal. */
const monthsOf = (times: Iterable<Date>): string => {
  const months = new Set<number>()
  let latest: Date | undefined
  for (const time of times) {
    months.add(monthStart(time).getTime())
    if (latest === undefined || time > latest) latest = time
  }
  if (latest !== undefined) months.add(monthStart(latest, 1).getTime())
  return `{${[...months].sort((a, b) => a - b).map((ms) => new Date(ms).toISOString()).join(",")}}`
}

/** When a batch's rows fall: its entries' `fetched_at`, its observations' `observed_at`. */
export interface PartitionTimes {
  readonly entries: Iterable<Date>
  readonly stats: Iterable<Date>
}

/**
 * A batch's rows' times: its entries; its videos' observations (`video_stats.observed_at`
 * is the video's `lastSeenAt` in the batch) and its tracked observations.
 */
export const partitionTimesOf = (batch: Pick<Batch, "entries" | "videos" | "tracked">): PartitionTimes => ({
  entries: batch.entries.map((e) => e.fetchedAt),
  stats: [...batch.videos.map((v) => v.lastSeenAt), ...(batch.tracked ?? []).map((t) => t.observedAt)]
})

/**
 * Creates the monthly partitions these rows need, and the month after the latest of
 * each table, where they do not exist; returns the partitions it created (none, on
 * almost every run). One statement whatever the batch's size (the months are computed
 * here, a few at most), idempotent; run it in the transaction that then writes the rows,
 * so that they never miss their month. A month is created as a table of its own and
 * attached, which locks the partitioned table SHARE UPDATE EXCLUSIVE only: readers and
 * the other writers are not held up.
 */
export const ensurePartitions = (sql: SqlClient.SqlClient, times: PartitionTimes) =>
  SqlSchema.single({
    Request: Schema.Struct({ entries: Schema.String, stats: Schema.String }),
    Result: Schema.Struct({ created: Schema.Array(Schema.String) }),
    execute: ({ entries, stats }) =>
      sql`
        SELECT viralvidvault_ensure_partitions('trending_entries', ${entries}::timestamptz[]) ||
               viralvidvault_ensure_partitions('video_stats', ${stats}::timestamptz[]) AS created`
  })({ entries: monthsOf(times.entries), stats: monthsOf(times.stats) }).pipe(
    fromSql("creating the monthly partitions"),
    Effect.map((row) => row.created),
    Effect.tap((created) => created.length > 0 ? Effect.logInfo(`created partitions ${created.join(", ")}`) : Effect.void),
    Effect.withSpan("Partitions.ensure")
  )

/** A monthly partition: its table, its name, its month (`YYYY-MM`, UTC) and its bounds [from, until). */
export const MonthlyPartition = Schema.Struct({
  table: PartitionedTable,
  partition: Schema.String,
  month: Schema.String,
  from: Schema.DateFromSelf,
  until: Schema.DateFromSelf
})
export type MonthlyPartition = typeof MonthlyPartition.Type

/**
 * A partition `prunePartitions` dropped (or, in a dry run, would drop), with the rows it
 * held: the planner's estimate (`estimated`) where the partition has been analysed, else
 * counted.
 */
export const DroppedPartition = Schema.Struct({
  table: PartitionedTable,
  partition: Schema.String,
  month: Schema.String,
  rows: Schema.NonNegativeInt,
  estimated: Schema.Boolean
})
export type DroppedPartition = typeof DroppedPartition.Type

/** How long a prune waits for a run's store, as a run waits for another by default. */
const LOCK_WAIT = Duration.seconds(60)

// By tag, not instanceof: a host application may load its own copy of @effect/sql.
const isSqlError = (u: unknown): u is SqlError.SqlError => Predicate.isTagged(u, "SqlError")

export class Partitions extends Effect.Service<Partitions>()("viralvidvault/Partitions", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    /**
     * Every monthly partition of both tables, oldest first, its bounds read from the
     * catalogue (not from its name). The bound's text is in the session's TimeZone, with
     * its offset, and is read back in the same session.
     */
    const monthlyRows = SqlSchema.findAll({
      Request: Schema.Void,
      Result: MonthlyPartition,
      execute: () =>
        sql`
          WITH p AS (
            SELECT parent.relname AS "table", part.relname AS partition,
                   substring(pg_get_expr(part.relpartbound, part.oid) FROM 'FROM [(]''([^'']+)''[)]')::timestamptz AS "from",
                   substring(pg_get_expr(part.relpartbound, part.oid) FROM 'TO [(]''([^'']+)''[)]')::timestamptz AS until
            FROM pg_inherits i
            JOIN pg_class parent ON parent.oid = i.inhparent
            JOIN pg_class part ON part.oid = i.inhrelid
            WHERE i.inhparent IN ('trending_entries'::regclass, 'video_stats'::regclass)
          )
          SELECT "table", partition, to_char("from" AT TIME ZONE 'UTC', 'YYYY-MM') AS month, "from", until
          FROM p WHERE "from" IS NOT NULL AND until IS NOT NULL
          ORDER BY "from", "table"`
    })

    /**
     * The rows a partition holds. Counting a month of a year's history reads every row of
     * it (0.3–0.5 s a month at the bench's scale, most of a prune), so the planner's
     * `reltuples` is used where the partition has been analysed (a past month has been, by
     * autovacuum); a partition never analysed (or empty) is counted, which is then cheap
     * or exact. The count runs only when the CASE reaches it.
     */
    const rowsIn = SqlSchema.single({
      Request: Schema.String,
      Result: Schema.Struct({ rows: Int8, estimated: Schema.Boolean }),
      execute: (partition) =>
        sql`
          SELECT CASE WHEN c.reltuples > 0 THEN c.reltuples::int8 ELSE (SELECT count(*) FROM ${sql(partition)}) END AS rows,
                 c.reltuples > 0 AS estimated
          FROM pg_class c WHERE c.oid = ${partition}::regclass`
    })

    /** The monthly partitions of both tables, oldest first. */
    const listPartitions = Effect.fn("Partitions.list")(function*() {
      const partitions: ReadonlyArray<MonthlyPartition> = yield* monthlyRows(undefined).pipe(
        fromSql("reading the monthly partitions")
      )
      return partitions
    })

    /**
     * Drops, from both tables, every monthly partition that lies entirely before
     * `olderThan` (its month ends at or before it), and returns them with the rows each
     * held, oldest first. A month that straddles the cutoff is kept whole: rows are never
     * deleted one by one, so a prune costs the same whatever a month holds (a `DROP TABLE`,
     * and the planner's count of its rows). The videos, their revisions and the runs are kept. In one
     * transaction, under the store's lock (a run storing meanwhile finishes first, or the
     * prune waits for it). `dryRun`: what would be dropped, nothing dropped.
     */
    const prunePartitions = Effect.fn("Partitions.prune")(function*(olderThan: Date, options?: { readonly dryRun?: boolean }) {
      return yield* sql.withTransaction(
        Effect.gen(function*() {
          yield* takeStoreLock(sql, LOCK_WAIT)
          const all = yield* monthlyRows(undefined).pipe(fromSql("reading the monthly partitions"))
          const dropped: Array<DroppedPartition> = []
          for (const p of all.filter((p) => p.until.getTime() <= olderThan.getTime())) {
            const { estimated, rows } = yield* rowsIn(p.partition).pipe(fromSql(`counting the rows of ${p.partition}`))
            if (options?.dryRun !== true) {
              yield* sql`DROP TABLE ${sql(p.partition)}`.pipe(fromSql(`dropping ${p.partition}`))
            }
            dropped.push({ table: p.table, partition: p.partition, month: p.month, rows, estimated })
          }
          if (dropped.length > 0 && options?.dryRun !== true) {
            yield* Effect.logInfo(`dropped partitions ${dropped.map((d) => `${d.partition} (${d.estimated ? "about " : ""}${d.rows} rows)`).join(", ")}`)
          }
          return dropped as ReadonlyArray<DroppedPartition>
        })
      ).pipe(
        Effect.catchTag("SqlError", (e) => Effect.fail(storeErrorOf("pruning")(e))),
        // As the store's commit: a failed COMMIT is the connection lost, not a defect.
        Effect.catchSomeDefect((defect) =>
          isSqlError(defect) ? Option.some(Effect.fail(storeErrorOf("ending the transaction")(defect))) : Option.none()
        )
      )
    })

    return { listPartitions, prunePartitions } as const
  })
}) {}
