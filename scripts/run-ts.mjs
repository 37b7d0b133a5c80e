// Runs a TypeScript script of this project: bundles it with esbuild into build/ (the
// packages stay in node_modules) and imports it. `node scripts/run-ts.mjs scripts/bench.ts …`
import { build } from "esbuild"
import { basename, join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { nodeModuleOptions } from "./esbuild-node.mjs"

const [script, ...rest] = process.argv.slice(2)
if (script === undefined) {
  console.error("usage: node scripts/run-ts.mjs <script.ts> [args…]")
  process.exit(64)
}
const outfile = resolve("build", "scripts", basename(script).replace(/\.ts$/, ".mjs"))
await build({ ...nodeModuleOptions, entryPoints: [script], outfile })
process.argv = [process.argv[0], join(outfile), ...rest]
await import(pathToFileURL(outfile).href)
