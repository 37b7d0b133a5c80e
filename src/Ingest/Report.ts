import { Duration, Effect, LogLevel } from "effect"
import { type Batch, IngestReport, type RegionOutcome, type RunId, type RunStatus, type TrackingReport } from "../Domain/Run.js"
import type { Fetched } from "./Fetch.js"

const levelOf: Record<RunStatus, LogLevel.LogLevel> = {
  ok: LogLevel.Info,
  partial: LogLevel.Warning,
  failed: LogLevel.Error
}

/**
 * `7/7 charts in 7 regions`; with category charts, `40/42 charts (1 unavailable) in 7 regions`:
 * the units that gave their chart, of those asked for.
 */
const unitsSaid = (outcomes: ReadonlyArray<RegionOutcome>) => {
  const ok = outcomes.filter((o) => o.status === "ok").length
  const unavailable = outcomes.filter((o) => o.status === "unavailable").length
  const deferred = outcomes.filter((o) => o.status === "deferred").length
  const aside = [...(unavailable > 0 ? [`${unavailable} unavailable`] : []), ...(deferred > 0 ? [`${deferred} deferred`] : [])]
  const regions = new Set(outcomes.map((o) => o.region)).size
  return `${ok}/${outcomes.length} charts${aside.length > 0 ? ` (${aside.join(", ")})` : ""} in ${regions} region${regions === 1 ? "" : "s"}`
}

/**
 * The report stage: the run's report, and its one summary line (what an operator greps
 * for), with the stage timings as annotations.
 */
export const report = (
  batch: Batch,
  fetched: Fetched,
  tracking: TrackingReport,
  stored: { readonly runId: RunId; readonly spoolMs: number; readonly storeMs: number; readonly units: number; readonly allowance: number }
) => {
  const { allowance, runId, spoolMs, storeMs, units } = stored
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
    fetchMs,
    tracking,
    units,
    allowance
  })
  return Effect.logWithLevel(
    levelOf[batch.status],
    `run ${runId} ${batch.status}: ${unitsSaid(outcomes)}, ${result.entries} entries, ` +
      `${result.uniqueVideos} unique videos (${result.multiRegionVideos} in several regions), ` +
      (tracking.videos > 0 ? `${tracking.refreshed}/${tracking.videos} tracked (${tracking.gone} gone), ` : "") +
      `${units} unit${units === 1 ? "" : "s"}, ` +
      Duration.format(Duration.millis(batch.finishedAt.getTime() - batch.startedAt.getTime()))
  ).pipe(
    Effect.annotateLogs({ run: runId, status: batch.status, fetchMs, spoolMs, storeMs, units, allowance, fetchOrder: order.join(",") }),
    Effect.as(result)
  )
}
