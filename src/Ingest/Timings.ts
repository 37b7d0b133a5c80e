import { FileSystem, Path } from "@effect/platform"
import { Effect, Schema } from "effect"
import { type RegionOutcome, unitLabel } from "../Domain/Run.js"
import { AtomicWriter } from "../Files.js"
import { StateDirectory } from "../State.js"

const Timings = Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.NonNegativeInt }))
const decodeTimings = Schema.decodeUnknown(Timings)
const encodeTimings = Schema.encode(Timings)

/**
 * How long each unit's fetch (a region's chart: `US`, `US/10`) took in earlier runs, so the next run can choose its
 * order. Kept in the state directory rather than the database: the order is needed
 * before the first request, and the database opens while the regions are fetched.
 * Only an optimisation: a file that cannot be read or written costs the next run its
 * ordering, nothing else.
 */
export class RegionTimings extends Effect.Service<RegionTimings>()("viralvidvault/RegionTimings", {
  effect: Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const writeFileAtomic = yield* AtomicWriter
    const file = (yield* Path.Path).join((yield* StateDirectory).path, "region-timings.json")

    /** Milliseconds per unit; empty on the first run or when the file is unreadable. */
    const load = fs.readFileString(file).pipe(
      Effect.flatMap(decodeTimings),
      Effect.map((timings) => new Map(Object.entries(timings))),
      Effect.catchAll((e) =>
        Effect.as(
          e._tag === "SystemError" && e.reason === "NotFound"
            ? Effect.void
            : Effect.logDebug(`ignoring the region timings in ${file}: ${e.message}`),
          new Map<string, number>()
        )
      )
    )

    /**
     * Keeps the duration of each unit fetched in one attempt; a unit that failed or
     * was retried keeps its figure from `previous` (what `load` gave this run): a
     * Retry-After wait says nothing of latency.
     */
    const record = (previous: ReadonlyMap<string, number>, outcomes: ReadonlyArray<RegionOutcome>) => {
      const timings = Object.fromEntries(previous)
      for (const o of outcomes) {
        if (o.status === "ok" && o.attempts === 1) timings[unitLabel(o)] = o.durationMs
      }
      return encodeTimings(timings).pipe(
        Effect.flatMap((text) => writeFileAtomic(file, text)),
        Effect.catchAll((e) => Effect.logDebug(`could not record region timings in ${file}: ${e.message}`))
      )
    }

    return { load, record } as const
  })
}) {}
