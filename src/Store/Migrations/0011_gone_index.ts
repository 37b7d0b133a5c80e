import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The videos a look-up found gone, by id: the few the tracking read leaves out. Without
 * it the read before each fetch probed every video of its window (or the planner read
 * the whole `videos` table): 4 s at 5 M entries of history. Partial, so a run's updates
 * of videos that are not gone never touch it.
 */
export const m0011_gone_index = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE INDEX IF NOT EXISTS videos_gone_idx ON videos (video_id) WHERE gone_at IS NOT NULL`
})
