import { dedup } from "../../src/Domain/Dedup.js"
import { type Batch, RegionOutcome, runStatus } from "../../src/Domain/Run.js"
import type { RegionalVideo } from "../../src/Domain/Video.js"

/** 2026-11-26 at `hour` UTC. */
export const at = (hour: number) => new Date(Date.UTC(2026, 10, 26, hour))

/** A batch as the pipeline builds it from these entries: every region ok, the videos merged. */
export const batchOf = (entries: ReadonlyArray<RegionalVideo>, hour = 0): Batch => {
  const regions = [...new Set(entries.map((e) => e.region))]
  const outcomes = regions.map((region) =>
    RegionOutcome.ok(region, { videos: entries.filter((e) => e.region === region).length, malformed: 0, attempts: 1, durationMs: 10 })
  )
  return { startedAt: at(hour), finishedAt: at(hour), status: runStatus(outcomes), outcomes, entries, videos: dedup(entries) }
}
