/**
 * The simulated YouTube API as a standalone server, for trying the service by hand:
 *   node scripts/run-ts.mjs scripts/simulated-api.ts [--port 8080] [--latency US=450,…] [--chart-size 200]
 * then YOUTUBE_API_BASE_URL=<printed URL> YOUTUBE_API_KEY=anything node dist/main.js
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { parseArgs } from "node:util"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    latency: { type: "string" },
    "chart-size": { type: "string", default: "200" }
  }
})

const latencyMs = values.latency === undefined ? undefined : Object.fromEntries(
  values.latency.split(",").map((pair) => {
    const [region = "", ms = ""] = pair.split("=")
    return [region.trim().toUpperCase(), Number(ms)]
  })
)

const program = Effect.gen(function*() {
  const api = yield* makeSimulatedApi({
    chartSize: Number(values["chart-size"]),
    ...(values.port === undefined ? {} : { port: Number(values.port) }),
    ...(latencyMs === undefined ? {} : { latencyMs })
  })
  yield* Console.log(api.baseUrl)
  yield* Effect.never
})

// Until SIGINT or SIGTERM: runMain interrupts it, and the server closes.
NodeRuntime.runMain(Effect.scoped(program))
