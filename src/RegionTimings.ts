import { Effect, Either, Schema } from "effect"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { DatabaseConfig } from "./Config.js"
import type { RegionOutcome } from "./Domain.js"
import { writeFileAtomic } from "./Files.js"

const Timings = Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.NonNegativeInt }))
const decodeTimings = Schema.decodeUnknownEither(Timings)
const encodeTimings = Schema.encodeSync(Timings)

/**
 * How long each region's fetch took in earlier runs, so the next run can choose its
 * order. Kept in the state directory rather than the database: the order is needed
 * before the first request, and the database opens while the regions are fetched.
 */
export class RegionTimings extends Effect.Service<RegionTimings>()("viralvidvault/RegionTimings", {
  effect: Effect.gen(function*() {
    const { stateDirectory } = yield* DatabaseConfig
    const path = join(stateDirectory, "region-timings.json")

    /** Milliseconds per region; empty on the first run or when the file is unreadable. */
    const load = Effect.promise(() => readFile(path, "utf8").catch(() => "{}")).pipe(
      Effect.map((text) => new Map(Object.entries(Either.getOrElse(decodeTimings(text), () => ({})))))
    )

    /**
     * Keeps the duration of each region fetched in one attempt; a region that failed or
     * was retried keeps its figure from `previous` (what `load` gave this run): a
     * Retry-After wait says nothing of latency.
     */
    const record = (previous: ReadonlyMap<string, number>, outcomes: ReadonlyArray<RegionOutcome>) =>
      Effect.gen(function*() {
        const timings = Object.fromEntries(previous)
        for (const o of outcomes) {
          if (o.status === "ok" && o.attempts === 1) timings[o.region] = o.durationMs
        }
        yield* Effect.tryPromise(() => writeFileAtomic(path, encodeTimings(timings)))
      }).pipe(
        // Only an optimisation: losing it costs the next run its ordering, nothing else.
        Effect.catchAll((e) => Effect.logDebug(`could not record region timings in ${path}: ${e}`))
      )

    return { load, record } as const
  })
}) {}
