import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Drops the foreign keys from `trending_entries` and `video_stats` to `videos`. Each
 * checked every row a run writes: an index look-up in `videos` and a lock on the video's
 * row, ~43,000 a world run (its entries and its observations). On a year of history
 * (26.5 M entries, a 7 GB `videos` table) that was 0.4–0.5 s of a 22,000-entry insert
 * and ~0.3 s of the observations' (PostgreSQL's own EXPLAIN ANALYZE, with and without
 * the checks), and 0.26–0.37 s of a world run's store on an empty database and on the
 * year (alternated runs). Nothing ever deletes a video, and the store writes a batch's
 * videos before its entries and observations in the same transaction; it refuses a
 * batch whose entries name a video it neither carries nor finds stored (VideoStore), as
 * the key refused it. `video_revisions` (a row when text changes) keeps its key.
 */
export const m0012_entries_unchecked_videos = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE trending_entries DROP CONSTRAINT IF EXISTS trending_entries_video_id_fkey`
  yield* sql`ALTER TABLE video_stats DROP CONSTRAINT IF EXISTS video_stats_video_id_fkey`
})
