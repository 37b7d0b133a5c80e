import { Duration, Effect, LogLevel } from "effect"
import { type Batch, IngestReport, type RunId, type RunStatus } from "../Domain/Run.js"
import type { Fetched } from "./Fetch.js"

const levelOf: Record<RunStatus, LogLevel.LogLevel> = {
  ok: LogLevel.Info,
  partial: LogLevel.Warning,
  failed: LogLevel.Error
}

/**
 * The report stage: the run's report, and its one summary line (what an operator greps
 * for), with the stage timings as annotations.
 */
export const report = (
  batch: Batch,
  fetched: Fetched,
  stored: { readonly runId: RunId; readonly spoolMs: number; readonly storeMs: number }
) => {
  const { runId, spoolMs, storeMs } = stored
  const { fetchMs, order, outcomes } = fetched
  const result = IngestReport.make({
    runId,
    status: batch.status,
    startedAt: batch.startedAt,
    finishedAt: batch.finishedAt,
    regions: outcomes,
    entries: batch.entries.length,
    uniqueVideos: batch.videos.length,
    multiRegionVideos: batch.videos.filter((v) => v.regions.length > 1).length,
    fetchOrder: order,
    fetchMs
  })
  const ok = outcomes.filter((o) => o.status === "ok").length
  return Effect.logWithLevel(
    levelOf[batch.status],
    `run ${runId} ${batch.status}: ${ok}/${outcomes.length} regions, ${result.entries} entries, ` +
      `${result.uniqueVideos} unique videos (${result.multiRegionVideos} in several regions), ` +
      Duration.format(Duration.millis(batch.finishedAt.getTime() - batch.startedAt.getTime()))
  ).pipe(
    Effect.annotateLogs({ run: runId, status: batch.status, fetchMs, spoolMs, storeMs, fetchOrder: order.join(",") }),
    Effect.as(result)
  )
}
