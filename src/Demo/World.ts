import { FileSystem } from "@effect/platform"
import { Clock, Console, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { DatabaseConfig, IngestConfig, ingestSettings, YouTubeConfig, youTubeSettings } from "../Config.js"
import { quotaDay } from "../Domain/Quota.js"
import type { IngestReport } from "../Domain/Run.js"
import { IngestServices } from "../Ingest/Live.js"
import { ingest } from "../Ingest/Pipeline.js"
import { StateDirectory } from "../State.js"
import { StoreConnection } from "../Store/Connection.js"
import { DatabaseLive } from "../Store/Database.js"
import { MigrationsLive } from "../Store/Migrations.js"
import { QuotaLedger } from "../Store/QuotaLedger.js"
import { VideoStore } from "../Store/VideoStore.js"
import { YOUTUBE_REGIONS } from "./Regions.js"
import { makeSimulatedApi, type SimulatedApi } from "./SimulatedApi.js"

/**
 * `demo --world`: every region YouTube lists (`REGIONS=all`) on a budget that covers
 * about a third of them, over three quota days: what the planner sends, what it defers,
 * and how the rotation reaches every region. The runs are dated two days ago, yesterday
 * and today (a clock shifted for them), so each has a quota day of its own; they use a
 * fresh embedded database of their own, never DATABASE_URL.
 */

/** Units a key may spend a day in the world demo: the region list and a third of the charts, or so. */
export const WORLD_BUDGET = 40

const DAYS = [2, 1, 0] as const

class WorldApi extends Context.Tag("viralvidvault/WorldApi")<WorldApi, SimulatedApi>() {}

/** The default clock, moved `ms` milliseconds (back, when negative): a quota day of the run's own. */
const shiftedClock = (ms: number): Clock.Clock => {
  const base = Clock.make()
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => base.unsafeCurrentTimeMillis() + ms,
    currentTimeMillis: Effect.sync(() => base.unsafeCurrentTimeMillis() + ms),
    unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos() + BigInt(ms) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => base.unsafeCurrentTimeNanos() + BigInt(ms) * 1_000_000n),
    sleep: (duration) => base.sleep(duration)
  }
}

/** The world demo's own state: `demo-world/` under the state directory, emptied first. */
const FreshState = Layer.unwrapEffect(
  Effect.gen(function*() {
    const parent = yield* StateDirectory
    const path = `${parent.path}/demo-world`
    // Whatever cannot be removed, StateDirectory.within says of the directory, with its cause.
    yield* (yield* FileSystem.FileSystem).remove(path, { recursive: true }).pipe(Effect.ignore)
    return StateDirectory.within("demo-world")
  })
).pipe(Layer.provide(StateDirectory.layer))

export const WorldLive = Layer.mergeAll(
  IngestServices,
  StoreConnection.opened.pipe(
    Layer.provideMerge(Layer.mergeAll(VideoStore.Default, QuotaLedger.Default, MigrationsLive)),
    Layer.provide(DatabaseLive),
    Layer.provide(Layer.succeed(DatabaseConfig, { url: Option.none() }))
  )
).pipe(
  Layer.provide(Layer.effect(YouTubeConfig, Effect.map(WorldApi, (api) => youTubeSettings({ apiKey: Redacted.make("demo-key"), baseUrl: api.baseUrl })))),
  Layer.provideMerge(Layer.scoped(WorldApi, makeSimulatedApi({}))),
  Layer.provideMerge(FreshState)
)

const line = (report: IngestReport, day: string) => {
  const sent = report.regions.filter((r) => r.status !== "deferred")
  const deferred = report.regions.filter((r) => r.status === "deferred")
  return [
    `quota day ${day}: ${report.units ?? 0} of ${WORLD_BUDGET} units spent; ${sent.length} charts fetched, ${deferred.length} deferred`,
    `  fetched:  ${sent.map((r) => r.region).join(" ")}`,
    ...(deferred.length > 0 ? [`  deferred: ${deferred.map((r) => r.region).join(" ")}`] : [])
  ].join("\n")
}

export const demoWorld = Effect.gen(function*() {
  const api = yield* WorldApi
  const settings = ingestSettings({
    ...(yield* IngestConfig),
    regions: [],
    everyRegion: true,
    trackDays: 0,
    unitsPerDay: WORLD_BUDGET,
    runInterval: Duration.hours(24)
  })
  yield* Console.log(
    `Simulated YouTube API on ${api.baseUrl}: i18nRegions.list lists ${YOUTUBE_REGIONS.length} regions.\n` +
      `REGIONS=all, CHARTS=all, QUOTA_UNITS_PER_DAY=${WORLD_BUDGET}, RUN_INTERVAL=24h: one run a day, ` +
      `each with a budget for about a third of the charts.\n`
  )
  const reached = new Set<string>()
  for (const daysAgo of DAYS) {
    const clock = shiftedClock(-daysAgo * Duration.toMillis(Duration.days(1)))
    const report = yield* ingest.pipe(Effect.provideService(IngestConfig, settings), Effect.withClock(clock))
    for (const r of report.regions) if (r.status === "ok") reached.add(r.region)
    yield* Console.log(line(report, quotaDay(new Date(clock.unsafeCurrentTimeMillis()))) + "\n")
  }
  yield* Console.log(
    `After ${DAYS.length} days: ${reached.size} of ${YOUTUBE_REGIONS.length} regions collected, never a request past the budget ` +
      `(the simulated API counted ${[...api.unitsByKey().values()].reduce((a, b) => a + b, 0)} units). ` +
      "The charts deferred one day are the first asked the next: the least recently fetched go first."
  )
})
