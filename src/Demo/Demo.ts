import { Console, Context, Duration, Effect, Layer, Redacted } from "effect"
import { YouTubeConfig, youTubeSettings } from "../Config.js"
import { RegionCode } from "../Domain/Region.js"
import type { IngestReport } from "../Domain/Run.js"
import { IngestServices } from "../Ingest/Live.js"
import { ingest } from "../Ingest/Pipeline.js"
import { DatabaseLive } from "../Store/Database.js"
import { StoreConnection } from "../Store/Connection.js"
import { MigrationsLive } from "../Store/Migrations.js"
import { VideoSearch } from "../Store/Search.js"
import { VideoStore } from "../Store/VideoStore.js"
import { Faults } from "./Faults.js"
import { makeSimulatedApi, type SimulatedApi } from "./SimulatedApi.js"

/**
 * The network latency per region of the reference article's measurements (ms):
 * what a real fetch from Europe looks like.
 */
export const REFERENCE_LATENCY_MS: Readonly<Record<string, number>> = {
  US: 450,
  GB: 300,
  PL: 250,
  NL: 400,
  SE: 350,
  NO: 200,
  AT: 500
}

/** The simulated API the demo runs against, with something to show: a rate limit honoured, a malformed item skipped. */
export class DemoApi extends Context.Tag("viralvidvault/DemoApi")<DemoApi, SimulatedApi>() {
  static readonly layer = Layer.scoped(
    DemoApi,
    makeSimulatedApi({
      latencyMs: REFERENCE_LATENCY_MS,
      faults: { PL: [Faults.rateLimited("1")] },
      malformedAt: { NL: [7] }
    })
  )
}

const DemoYouTube = Layer.effect(
  YouTubeConfig,
  Effect.map(DemoApi, (api) => youTubeSettings({ apiKey: Redacted.make("demo-key"), baseUrl: api.baseUrl }))
)

/**
 * What the demo runs on: the ingest's services against the simulated API, and search,
 * on the database the service would use (its own directory when embedded).
 */
export const DemoLive = Layer.mergeAll(
  IngestServices,
  Layer.merge(StoreConnection.opened, VideoSearch.Default).pipe(
    Layer.provide(Layer.merge(VideoStore.Default, MigrationsLive)),
    Layer.provide(DatabaseLive)
  )
).pipe(Layer.provide(DemoYouTube), Layer.provideMerge(DemoApi.layer))

const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - [...s].length))
const padLeft = (s: string, n: number) => " ".repeat(Math.max(0, n - [...s].length)) + s

export const formatReport = (report: IngestReport): string => {
  const header = `${pad("region", 7)}${pad("status", 9)}${padLeft("videos", 7)}${padLeft("malformed", 11)}${padLeft("attempts", 10)}${padLeft("time", 10)}  note`
  const rows = report.regions.map((r) =>
    `${pad(r.region, 7)}${pad(r.status, 9)}${padLeft(String(r.videos), 7)}${padLeft(String(r.malformed), 11)}` +
    `${padLeft(String(r.attempts), 10)}${padLeft(`${r.durationMs} ms`, 10)}  ${r.error ?? ""}`
  )
  const elapsed = Duration.format(Duration.millis(report.finishedAt.getTime() - report.startedAt.getTime()))
  return [header, ...rows, "", `run ${report.runId}: ${report.status}, ${report.entries} entries in ${elapsed}`].join("\n")
}

/** A full run against the built-in simulated API: no key, no network. */
export const demo = Effect.gen(function*() {
  const api = yield* DemoApi
  const latencies = Object.entries(REFERENCE_LATENCY_MS).map(([r, ms]) => `${r} ${ms} ms`).join(", ")
  yield* Console.log(`Simulated YouTube API on ${api.baseUrl} (latencies ${latencies})\n`)
  const report = yield* ingest
  yield* Console.log(formatReport(report))
  yield* Console.log(
    `\nCross-region overlap: ${report.entries} entries are ${report.uniqueVideos} unique videos; ` +
      `${report.multiRegionVideos} of them trend${report.multiRegionVideos === 1 ? "s" : ""} in more than one region ` +
      `(${((100 * (report.entries - report.uniqueVideos)) / Math.max(1, report.entries)).toFixed(1)}% of entries are repeats).`
  )
  const search = yield* VideoSearch
  for (const [query, region] of [["springa", "SE"], ["lodz", "PL"], ["berge", undefined]] as const) {
    const hits = yield* search.search({ query, regions: region === undefined ? [] : [RegionCode.make(region)], limit: 3 })
    yield* Console.log(`\nsearch ${JSON.stringify(query)}${region === undefined ? "" : ` --region ${region}`}: ${hits.length} shown`)
    for (const hit of hits) yield* Console.log(`  ${hit.title} — ${hit.channelTitle} [${hit.regions.join(",")}] ${hit.url}`)
  }
  yield* Console.log("\nSearch the demo's data yourself: node dist/main.js search --demo <words>")
})
