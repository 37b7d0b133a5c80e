import { SqlClient, type SqlError, SqlSchema } from "@effect/sql"
import { Context, Duration, Effect, Option, Predicate, Schema } from "effect"
import { searchConfigFor } from "../Domain/Region.js"
import { type Batch, RegionOutcome, type RunId, RunStatus } from "../Domain/Run.js"
import type { RegionalVideo, UniqueVideo } from "../Domain/Video.js"
import { RunRow } from "./Columns.js"
import { type DatabaseRefused, type DatabaseUnavailable, fromSql, StoreBusy, storeErrorOf } from "./Errors.js"

/**
 * PostgreSQL `text` cannot hold U+0000, and a lone surrogate cannot be encoded as
 * UTF-8; everything else is stored exactly as received.
 */
export const storableText = (s: string): string => s.replace(/\u0000/g, "").toWellFormed()

// By tag, not instanceof: a host application may load its own copy of @effect/sql.
const isSqlError = (u: unknown): u is SqlError.SqlError => Predicate.isTagged(u, "SqlError")

/** An arbitrary, fixed key, distinct from the migrations' lock. */
export const STORE_LOCK = 7_406_116_002

/** SQLSTATE lock_not_available: `lock_timeout` ran out. */
const LOCK_NOT_AVAILABLE = "55P03"

/** A run row: `interrupted` is the store's own status, for a run stopped by a signal. */
const RunInsert = Schema.Struct({
  batchId: Schema.NullOr(Schema.String),
  startedAt: Schema.DateFromSelf,
  finishedAt: Schema.DateFromSelf,
  status: Schema.Literal(...RunStatus.literals, "interrupted"),
  regions: Schema.parseJson(Schema.Array(RegionOutcome)),
  entries: Schema.NonNegativeInt,
  uniqueVideos: Schema.NonNegativeInt
})

export class VideoStoreOptions extends Context.Reference<VideoStoreOptions>()("viralvidvault/VideoStoreOptions", {
  /** How long a run waits for another run's store to finish. */
  defaultValue: () => ({ lockWait: Duration.seconds(60) as Duration.Duration })
}) {}

export class VideoStore extends Effect.Service<VideoStore>()("viralvidvault/VideoStore", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const options = yield* VideoStoreOptions

    /** The new run's id; none when a run with this batch id is stored already. */
    const insertRun = SqlSchema.findOne({
      Request: RunInsert,
      Result: RunRow,
      execute: (run) =>
        sql`
          INSERT INTO ingest_runs (started_at, finished_at, status, regions, entries, unique_videos, batch_id)
          VALUES (${run.startedAt}, ${run.finishedAt}, ${run.status}, ${run.regions}::jsonb,
                  ${run.entries}, ${run.uniqueVideos}, ${run.batchId})
          ON CONFLICT (batch_id) DO NOTHING
          RETURNING id`
    })

    const storedRunOf = SqlSchema.single({
      Request: Schema.String,
      Result: RunRow,
      execute: (batchId) => sql`SELECT id FROM ingest_runs WHERE batch_id = ${batchId}`
    })

    // One statement for all videos: the rows travel as one JSON parameter.
    const upsertVideos = (runId: RunId, videos: ReadonlyArray<UniqueVideo>) => {
      const rows = videos.map((v) => ({
        video_id: v.videoId,
        title: storableText(v.title),
        channel_title: storableText(v.channelTitle),
        view_count: v.viewCount,
        primary_language: storableText(v.language),
        search_config: searchConfigFor(v.language),
        regions: v.regions,
        published_at: Option.getOrNull(Option.map(v.publishedAt, (d) => d.toISOString())),
        first_seen_at: v.firstSeenAt.toISOString(),
        last_seen_at: v.lastSeenAt.toISOString()
      }))
      return sql`
        INSERT INTO videos AS old (video_id, title, channel_title, view_count, primary_language, search_config,
                                   regions, published_at, first_seen_at, last_seen_at, last_run_id)
        SELECT v.video_id, v.title, v.channel_title, v.view_count, v.primary_language, v.search_config::regconfig,
               ARRAY(SELECT jsonb_array_elements_text(v.regions) ORDER BY 1), v.published_at,
               v.first_seen_at, v.last_seen_at, ${runId}
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(
          video_id text, title text, channel_title text, view_count bigint, primary_language text,
          search_config text, regions jsonb, published_at timestamptz, first_seen_at timestamptz,
          last_seen_at timestamptz)
        ON CONFLICT (video_id) DO UPDATE SET
          -- A batch older than what is stored (a late retry) adds its regions but changes nothing else.
          title            = CASE WHEN EXCLUDED.last_seen_at >= old.last_seen_at THEN EXCLUDED.title ELSE old.title END,
          channel_title    = CASE WHEN EXCLUDED.last_seen_at >= old.last_seen_at THEN EXCLUDED.channel_title ELSE old.channel_title END,
          view_count       = CASE WHEN EXCLUDED.last_seen_at >= old.last_seen_at THEN EXCLUDED.view_count ELSE old.view_count END,
          primary_language = CASE WHEN EXCLUDED.last_seen_at >= old.last_seen_at THEN EXCLUDED.primary_language ELSE old.primary_language END,
          search_config    = CASE WHEN EXCLUDED.last_seen_at >= old.last_seen_at THEN EXCLUDED.search_config ELSE old.search_config END,
          last_run_id      = CASE WHEN EXCLUDED.last_seen_at >= old.last_seen_at THEN EXCLUDED.last_run_id ELSE old.last_run_id END,
          regions          = ARRAY(SELECT DISTINCT r FROM unnest(old.regions || EXCLUDED.regions) AS r ORDER BY r),
          published_at     = COALESCE(EXCLUDED.published_at, old.published_at),
          first_seen_at    = LEAST(old.first_seen_at, EXCLUDED.first_seen_at),
          last_seen_at     = GREATEST(old.last_seen_at, EXCLUDED.last_seen_at)`
        .pipe(Effect.mapError(storeErrorOf("storing videos")))
    }

    const insertEntries = (runId: RunId, entries: ReadonlyArray<RegionalVideo>) => {
      const rows = entries.map((e) => ({
        region: e.region,
        video_id: e.videoId,
        rank: e.rank,
        view_count: e.viewCount,
        fetched_at: e.fetchedAt.toISOString()
      }))
      return sql`
        INSERT INTO trending_entries (run_id, region, video_id, rank, view_count, fetched_at)
        SELECT ${runId}, e.region, e.video_id, e.rank, e.view_count, e.fetched_at
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS e(
          region text, video_id text, rank integer, view_count bigint, fetched_at timestamptz)`
        .pipe(Effect.mapError(storeErrorOf("storing trending entries")))
    }

    /**
     * One run stores at a time: a transaction-scoped advisory lock, waited for at most
     * `lockWait` (lock_timeout applies to advisory locks too).
     */
    const takeStoreLock = Effect.zipRight(
      sql.unsafe(`SET LOCAL lock_timeout = '${Math.round(Duration.toMillis(options.lockWait))}ms'`),
      sql`SELECT pg_advisory_xact_lock(${STORE_LOCK})`
    ).pipe(
      Effect.catchTag("SqlError", (e): Effect.Effect<never, StoreBusy | DatabaseUnavailable | DatabaseRefused> =>
        Predicate.hasProperty(e.cause, "code") && e.cause.code === LOCK_NOT_AVAILABLE
          ? Effect.fail(new StoreBusy({ waitedSeconds: Duration.toSeconds(options.lockWait) }))
          : Effect.fail(storeErrorOf("waiting for the store lock")(e)))
    )

    /** Stores one run in one transaction: all of it, or (on failure) none of it. */
    const saveRun = Effect.fn("VideoStore.saveRun")(function*(run: Batch) {
      return yield* sql.withTransaction(
        Effect.gen(function*() {
          yield* takeStoreLock
          const inserted = yield* insertRun({
            batchId: run.batchId ?? null,
            startedAt: run.startedAt,
            finishedAt: run.finishedAt,
            status: run.status,
            regions: run.outcomes,
            entries: run.entries.length,
            uniqueVideos: run.videos.length
          }).pipe(fromSql("recording the run"))
          if (Option.isNone(inserted)) {
            yield* Effect.logWarning(`batch ${run.batchId} was stored before; not storing it again`)
            return (yield* storedRunOf(run.batchId!).pipe(fromSql("looking up the stored batch"))).id
          }
          const runId: RunId = inserted.value.id
          if (run.videos.length > 0) yield* upsertVideos(runId, run.videos)
          if (run.entries.length > 0) yield* insertEntries(runId, run.entries)
          return runId
        })
      ).pipe(
        Effect.catchTag("SqlError", (e) => Effect.fail(storeErrorOf("committing")(e))),
        // @effect/sql treats a failed COMMIT or ROLLBACK as a defect; here it is the
        // connection lost mid-transaction, which the run reports (and spools) like any other.
        Effect.catchSomeDefect((defect) =>
          isSqlError(defect) ? Option.some(Effect.fail(storeErrorOf("ending the transaction")(defect))) : Option.none()
        )
      )
    })

    /** A run stopped by a signal: its row says so, and nothing else of it is stored. */
    const recordInterrupted = Effect.fn("VideoStore.recordInterrupted")(
      function*(startedAt: Date, finishedAt: Date, outcomes: ReadonlyArray<RegionOutcome>) {
        const inserted = yield* insertRun({
          batchId: null,
          startedAt,
          finishedAt,
          status: "interrupted",
          regions: outcomes,
          entries: 0,
          uniqueVideos: 0
        }).pipe(fromSql("recording the interrupted run"))
        return (yield* Effect.orDieWith(inserted, () => new Error("an INSERT … RETURNING id returned no row"))).id
      }
    )

    return { saveRun, recordInterrupted } as const
  })
}) {}
