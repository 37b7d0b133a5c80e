import { Console, Context, Duration, Effect, Layer, Redacted } from "effect"
import { IngestConfig, YouTubeConfig, youTubeSettings } from "../Config.js"
import { RegionCode } from "../Domain/Region.js"
import type { IngestReport } from "../Domain/Run.js"
import { CategoryId } from "../Domain/Video.js"
import { IngestServices } from "../Ingest/Live.js"
import { ingest } from "../Ingest/Pipeline.js"
import { DatabaseLive } from "../Store/Database.js"
import { StoreConnection } from "../Store/Connection.js"
import { MigrationsLive } from "../Store/Migrations.js"
import { VideoSearch } from "../Store/Search.js"
import { StoredCharts } from "../Store/StoredCharts.js"
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

/** The category whose chart the demo collects besides each region's overall chart: Music. */
const DEMO_CATEGORY = "10"

/**
 * The simulated API the demo runs against, with something to show: a rate limit
 * honoured, a malformed item skipped, a category chart one region does not offer.
 */
export class DemoApi extends Context.Tag("viralvidvault/DemoApi")<DemoApi, SimulatedApi>() {
  static readonly layer = Layer.scoped(
    DemoApi,
    makeSimulatedApi({
      latencyMs: REFERENCE_LATENCY_MS,
      faults: { PL: [Faults.rateLimited("1")] },
      malformedAt: { NL: [7] },
      notOffered: [`NL/${DEMO_CATEGORY}`]
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
  Layer.mergeAll(StoreConnection.opened, VideoSearch.Default, StoredCharts.Default).pipe(
    Layer.provide(Layer.mergeAll(VideoStore.Default, MigrationsLive, StoredCharts.Default)),
    Layer.provide(DatabaseLive)
  )
).pipe(Layer.provide(DemoYouTube), Layer.provideMerge(DemoApi.layer))

const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - [...s].length))
const padLeft = (s: string, n: number) => " ".repeat(Math.max(0, n - [...s].length)) + s

export const formatReport = (report: IngestReport): string => {
  const header = `${pad("region", 7)}${pad("chart", 6)}${pad("status", 12)}${padLeft("videos", 7)}${padLeft("malformed", 11)}${padLeft("attempts", 10)}${padLeft("time", 10)}  note`
  const rows = report.regions.map((r) =>
    `${pad(r.region, 7)}${pad(r.chart, 6)}${pad(r.status, 12)}${padLeft(String(r.videos), 7)}${padLeft(String(r.malformed), 11)}` +
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
  const settings = yield* IngestConfig
  const charts = { ...settings.charts, overall: true, categories: [CategoryId.make(DEMO_CATEGORY)] }
  yield* Console.log(`Collecting each region's overall chart and its Music chart (CHARTS=all,${DEMO_CATEGORY})\n`)
  const report = yield* Effect.provideService(ingest, IngestConfig, { ...settings, charts })
  yield* Console.log(formatReport(report))
  const stored = yield* StoredCharts
  const showing = settings.regions.includes(RegionCode.make("PL")) ? RegionCode.make("PL") : settings.regions[0]!
  const categories = yield* stored.categories(showing)
  yield* Console.log(
    `\nCategories of ${showing}, as the API titles them there: ` +
      categories.map((c) => `${c.categoryId} ${c.title}${c.assignable ? "" : " (not assignable)"}`).join(", ")
  )
  const music = yield* stored.latest(showing, CategoryId.make(DEMO_CATEGORY), 5)
  yield* Console.log(`\nThe ${categories.find((c) => c.categoryId === DEMO_CATEGORY)?.title ?? DEMO_CATEGORY} chart of ${showing}, top ${music.length}:`)
  for (const e of music) {
    yield* Console.log(`  ${padLeft(String(e.rank), 2)}. ${e.title} — ${e.channelTitle} (${e.viewCount === null ? "views hidden" : `${e.viewCount.toLocaleString("en")} views`})`)
  }
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
