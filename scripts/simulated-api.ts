/**
 * The simulated YouTube API as a standalone server, for trying the service by hand:
 *   node scripts/run-ts.mjs scripts/simulated-api.ts [--port 8080] [--latency US=450,…] [--chart-size 200]
 * then YOUTUBE_API_BASE_URL=<printed URL> YOUTUBE_API_KEY=anything node dist/main.js
 */
import { Effect } from "effect"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"

const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? undefined : args[i + 1]
}
const latency = flag("latency")
const port = flag("port")

const program = Effect.gen(function*() {
  const api = yield* makeSimulatedApi({
    chartSize: Number(flag("chart-size") ?? 200),
    ...(port === undefined ? {} : { port: Number(port) }),
    ...(latency === undefined ? {} : {
      latencyMs: Object.fromEntries(latency.split(",").map((p) => [p.split("=")[0]!.toUpperCase(), Number(p.split("=")[1])]))
    })
  })
  yield* Effect.sync(() => process.stdout.write(`${api.baseUrl}\n`))
  yield* Effect.never
})

Effect.runPromise(Effect.scoped(program)).catch((e) => {
  console.error(e)
  process.exit(1)
})
process.once("SIGINT", () => process.exit(0))
process.once("SIGTERM", () => process.exit(0))
