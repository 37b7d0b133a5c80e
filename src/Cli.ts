import { Command } from "@effect/cli"
import { NodeHttpClient } from "@effect/platform-node"
import { Data, Effect, Layer } from "effect"
import packageJson from "../package.json" with { type: "json" }
import { exitCodeOf } from "./ExitCode.js"
import { ingest, IngestLive } from "./Ingest.js"
import { DatabaseLive, MigrationsLive } from "./Store/Database.js"

/** Ends the process with a code other than 0; what went wrong has been logged already. */
export class ExitWith extends Data.TaggedError("ExitWith")<{ readonly code: number }> {}

const RunLayer = IngestLive.pipe(Layer.provide(Layer.mergeAll(DatabaseLive, NodeHttpClient.layerUndici)))
const MigrateLayer = MigrationsLive.pipe(Layer.provide(DatabaseLive))

const runOnce = ingest.pipe(
  Effect.flatMap((report) => {
    const code = exitCodeOf(report)
    return code === 0 ? Effect.void : Effect.fail(new ExitWith({ code }))
  }),
  Effect.provide(RunLayer)
)

const run = Command.make("run", {}, () => runOnce).pipe(
  Command.withDescription(
    "Fetch the trending charts of every configured region once, store them, and exit " +
      "(0 all stored, 75 some regions failed, 69 nothing fetched or stored, 78 configuration error)."
  )
)

const migrate = Command.make("migrate", {}, () =>
  Effect.log("database schema is up to date").pipe(Effect.provide(MigrateLayer))).pipe(
    Command.withDescription("Apply the database migrations and exit.")
  )

const root = Command.make("viralvidvault", {}, () => runOnce).pipe(
  Command.withDescription(
    "Collects YouTube's trending videos for several regions into PostgreSQL. " +
      "With no command, does `run`. Configuration is read from the environment: see the README."
  ),
  Command.withSubcommands([run, migrate])
)

export const cli = Command.run(root, { name: "viralvidvault", version: packageJson.version })
