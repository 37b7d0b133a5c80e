import { Command, Options } from "@effect/cli"
import { FileSystem, Path } from "@effect/platform"
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { Clock, Console, Effect, Layer, Option, Schema } from "effect"
import { DatabaseConfig, IngestConfig } from "../Config.js"
import { quotaDay, quotaDayEnd } from "../Domain/Quota.js"
import { unitLabel } from "../Domain/Run.js"
import { count, minute } from "../Report/Format.js"
import { StateDirectory } from "../State.js"
import { MigrationsLive } from "../Store/Migrations.js"
import { QuotaLedger } from "../Store/QuotaLedger.js"
import { isSpooledBatch } from "../Store/Spool.js"
import { StoreStatus } from "../Store/Status.js"
import { Run, Trends } from "../Store/Trends.js"
import { OnDatabase } from "./Layers.js"

/**
 * `status`: what an operator checks first. The last runs, the units each key spent in
 * today's quota day and what is left, what the last run deferred, the spool's backlog,
 * the database's size. Reads only; needs no API key.
 */

export const Status = Schema.Struct({
  runs: Schema.Array(Run),
  quota: Schema.Struct({
    /** Los Angeles' date. */
    day: Schema.String,
    endsAt: Schema.Date,
    unitsPerDay: Schema.NonNegativeInt,
    keys: Schema.Array(Schema.Struct({
      keyId: Schema.String,
      units: Schema.NonNegativeInt,
      left: Schema.NonNegativeInt,
      exhausted: Schema.Boolean
    }))
  }),
  /** The charts the newest run deferred (`PL`, `PL/10`). */
  deferred: Schema.Array(Schema.String),
  /** The region list `REGIONS=all` uses (null until one was fetched), and when it was fetched. */
  regionList: Schema.NullOr(Schema.Struct({ regions: Schema.NonNegativeInt, fetchedAt: Schema.Date })),
  spool: Schema.Struct({ directory: Schema.String, batches: Schema.NonNegativeInt, bytes: Schema.NonNegativeInt }),
  database: Schema.Struct({ engine: Schema.Literal("postgresql", "embedded"), bytes: Schema.NonNegativeInt })
}).annotations({ identifier: "Status" })
export type Status = typeof Status.Type

const RUNS_SHOWN = 5

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`

/** The spool's batches waiting to be stored: the files a run writes there. */
const spoolBacklog = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const directory = path.join((yield* StateDirectory).path, "spool")
  const names = yield* fs.readDirectory(directory).pipe(Effect.orElseSucceed(() => [] as Array<string>))
  const batches = names.filter(isSpooledBatch)
  const sizes = yield* Effect.forEach(batches, (name) =>
    fs.stat(path.join(directory, name)).pipe(Effect.map((info) => Number(info.size)), Effect.orElseSucceed(() => 0)))
  return { directory, batches: batches.length, bytes: sizes.reduce((a, b) => a + b, 0) }
})

const gather = Effect.gen(function*() {
  const { unitsPerDay } = yield* IngestConfig
  const { url } = yield* DatabaseConfig
  const now = new Date(yield* Clock.currentTimeMillis)
  const day = quotaDay(now)
  const runs = yield* (yield* Trends).runs(RUNS_SHOWN)
  const usage = yield* (yield* QuotaLedger).usage(day)
  const status: Status = {
    runs,
    quota: {
      day,
      endsAt: quotaDayEnd(now),
      unitsPerDay,
      keys: [...usage.values()].map((u) => ({ ...u, left: u.exhausted ? 0 : Math.max(0, unitsPerDay - u.units) }))
    },
    deferred: (runs[0]?.regions ?? []).filter((o) => o.status === "deferred").map(unitLabel),
    regionList: yield* (yield* StoreStatus).regionList,
    spool: yield* spoolBacklog,
    database: { engine: Option.isSome(url) ? "postgresql" : "embedded", bytes: yield* (yield* StoreStatus).databaseBytes }
  }
  return status
})

const render = (status: Status): string =>
  [
    "Last runs:",
    ...(status.runs.length === 0
      ? ["  none yet"]
      : status.runs.map((r) => {
        const charts = r.regions.filter((o) => o.status === "ok").length
        return `  run ${r.id}  ${minute(r.startedAt)}  ${r.status.padEnd(11)} ${charts}/${r.regions.length} charts, ${count(r.entries)} entries`
      })),
    `Quota day ${status.quota.day} (Los Angeles), ends ${minute(status.quota.endsAt)}; ${count(status.quota.unitsPerDay)} units a key:`,
    ...(status.quota.keys.length === 0
      ? ["  no unit spent yet today"]
      : status.quota.keys.map((k) =>
        `  ${k.keyId}  spent ${count(k.units)}, ${count(k.left)} left${k.exhausted ? " (YouTube said its quota is exhausted)" : ""}`
      )),
    `Deferred by the last run: ${status.deferred.length === 0 ? "nothing" : status.deferred.join(", ")}`,
    ...(status.regionList === null
      ? []
      : [`Region list (REGIONS=all): ${status.regionList.regions} regions, fetched ${minute(status.regionList.fetchedAt)}, asked again after 30 days`]),
    `Spool: ${status.spool.batches} batch${status.spool.batches === 1 ? "" : "es"} waiting (${megabytes(status.spool.bytes)}) in ${status.spool.directory}`,
    `Database: ${status.database.engine === "embedded" ? "embedded PGlite" : "PostgreSQL"}, ${megabytes(status.database.bytes)}`
  ].join("\n")

const StatusLive = Layer.mergeAll(Trends.Default, QuotaLedger.Default, StoreStatus.Default, MigrationsLive).pipe(
  Layer.provide(OnDatabase),
  Layer.provideMerge(Layer.mergeAll(StateDirectory.layer, IngestConfig.layer, DatabaseConfig.layer, NodeFileSystem.layer, NodePath.layer))
)

export const statusCommand = Command.make(
  "status",
  { json: Options.boolean("json").pipe(Options.withDescription("one JSON object (runs, quota, deferred, spool, database)")) },
  ({ json }) =>
    Effect.flatMap(gather, (status) =>
      json
        ? Effect.flatMap(Effect.orDie(Schema.encode(Schema.parseJson(Status))(status)), Console.log)
        : Console.log(render(status)))
).pipe(
  Command.withDescription(
    "What an operator checks first: the last runs, the units each key spent today and what is left, what the last run " +
      "deferred, the spool's backlog, the database's size (69 when the database cannot be reached)."
  ),
  Command.provide(StatusLive)
)
