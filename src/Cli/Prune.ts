import { Command, Options } from "@effect/cli"
import { Clock, Console, Duration, Effect, Either, Layer } from "effect"
import { parseInterval } from "../Domain/Interval.js"
import { count } from "../Report/Format.js"
import { StateDirectory } from "../State.js"
import { MigrationsLive } from "../Store/Migrations.js"
import { Partitions } from "../Store/Partitions.js"
import { OnDatabase } from "./Layers.js"
import { usage } from "./Options.js"

/**
 * `prune --older-than 400d`: retention for those who want it (the default is to keep
 * everything). Whole months of trending entries and observations are dropped, a
 * partition at a time; the month the cutoff falls in is kept whole. Videos, their
 * revisions and the runs stay.
 */

const PruneLive = Layer.merge(Partitions.Default, MigrationsLive).pipe(Layer.provide(OnDatabase), Layer.provide(StateDirectory.layer))

export const pruneCommand = Command.make(
  "prune",
  {
    olderThan: Options.text("older-than").pipe(
      Options.withDescription("drop the months that ended longer ago than this, e.g. 400d (at least 1d)"),
      Options.mapEffect((raw) =>
        Either.match(parseInterval(raw), {
          onLeft: (why) => Effect.fail(usage(`--older-than: ${why}`)),
          onRight: (d) =>
            Duration.lessThan(d, Duration.days(1)) ? Effect.fail(usage(`--older-than: ${raw} is less than a day`)) : Effect.succeed(d)
        })
      )
    ),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("say what would be dropped, drop nothing"))
  },
  ({ dryRun, olderThan }) =>
    Effect.gen(function*() {
      const cutoff = new Date((yield* Clock.currentTimeMillis) - Duration.toMillis(olderThan))
      const dropped = yield* (yield* Partitions).prunePartitions(cutoff, { dryRun })
      const verb = dryRun ? "would drop" : "dropped"
      if (dropped.length === 0) return yield* Console.log(`Nothing to drop: no whole month ended before ${cutoff.toISOString().slice(0, 10)}.`)
      const about = (estimated: boolean) => (estimated ? "about " : "")
      for (const p of dropped) yield* Console.log(`${verb} ${p.table} ${p.month} (${about(p.estimated)}${count(p.rows)} rows)`)
      const rows = count(dropped.reduce((n, p) => n + p.rows, 0))
      const estimated = dropped.some((p) => p.estimated)
      yield* Console.log(
        `${dropped.length} partition${dropped.length === 1 ? "" : "s"} ${dryRun ? "to drop" : "dropped"}, ${about(estimated)}${rows} rows` +
          (estimated ? " (the planner's estimate where a month has been analysed)." : ".")
      )
    })
).pipe(
  Command.withDescription(
    "Drop the history older than --older-than (e.g. 400d), whole months at a time (a partition drop, not a delete); " +
      "videos, their titles and the runs stay. Default, without this command: keep everything."
  ),
  Command.provide(PruneLive)
)
