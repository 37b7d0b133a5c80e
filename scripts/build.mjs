// Bundles the CLI into dist/main.cjs, started by dist/main.js (unbundled Effect imports
// cost over a second of start-up), and the library entry into dist/index.js.
// `npm run build` adds the .d.ts.
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { readFile, rm, writeFile } from "node:fs/promises"
import { nodeModuleOptions } from "./esbuild-node.mjs"

await rm("dist", { recursive: true, force: true })

/**
 * @effect/cli can read options from YAML and TOML files; we never ask it to, and the two
 * parsers are a fifth of the bundle that every start would compile. They are replaced
 * by a stub that says so if it is ever reached.
 */
const noConfigFileParsers = {
  name: "no-config-file-parsers",
  setup(build) {
    build.onResolve({ filter: /^(yaml|toml)$/ }, (args) => ({ path: args.path, namespace: "unused-parser" }))
    build.onLoad({ filter: /.*/, namespace: "unused-parser" }, (args) => ({
      contents: `const unused = () => { throw new Error("${args.path} files are not supported by viralvidvault") }
export const parse = unused
export default { parse: unused }`,
      loader: "js"
    }))
  }
}

/**
 * Two packages that every start evaluated for nothing. undici (a quarter of the bundle) is
 * there only because @effect/platform-node's HTTP server module imports its HTTP client
 * for `layerTest`; we use the FetchHttpClient, never that client. msgpackr-extract is
 * msgpackr's optional native decoder (never used: we speak no MessagePack), which probed
 * the system's libc at start; msgpackr falls back to its JavaScript when it throws.
 */
const unusedPackages = {
  name: "unused-packages",
  setup(build) {
    build.onResolve({ filter: /^(undici|msgpackr-extract)$/ }, (args) => ({ path: args.path, namespace: "unused-package" }))
    build.onLoad({ filter: /.*/, namespace: "unused-package" }, (args) => ({
      contents: args.path === "undici"
        ? `const unused = () => { throw new Error("undici is not bundled in viralvidvault (its HTTP client is the fetch one)") }
export default { Agent: unused, getGlobalDispatcher: unused }`
        : `throw new Error("msgpackr-extract is not bundled in viralvidvault")`,
      loader: "js"
    }))
  }
}

/**
 * pg asks, when it is loaded, whether it runs in a Cloudflare Worker: on Node 20 (which has
 * no `navigator`) by constructing a fetch `Response`, which loads Node's undici, ~35 ms of
 * every start, commands that never fetch included (status, prune, serve, export). This
 * bundle runs on Node only, so the probe answers no without looking.
 */
const pgOnNode = {
  name: "pg-on-node",
  setup(build) {
    build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8")
      const probe = "function isCloudflareRuntime() {"
      if (!source.includes(probe)) throw new Error(`${args.path} has no isCloudflareRuntime() any more: review the pg-on-node plugin`)
      return { contents: source.replace(probe, `${probe}\n  return false`), loader: "js" }
    })
  }
}

await build({
  entryPoints: { main: "src/main.ts" },
  plugins: [noConfigFileParsers, unusedPackages, pgOnNode],
  // CommonJS, so that the launcher below can compile it with V8's code cache (Node 20
  // has no compile cache for ES modules); dynamic imports become require()s for the same reason.
  outfile: "dist/main.cjs",
  bundle: true,
  // Less source for V8 to compile at every start (a run is one short process).
  minify: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  supported: { "dynamic-import": false },
  sourcemap: true,
  // pg-native is an optional peer of pg that we never load; PGlite finds its WASM
  // and data files next to its own modules, so it stays in node_modules. The
  // OpenTelemetry SDK is loaded only when traces are exported (src/Telemetry.ts): left
  // in node_modules, it costs a start without tracing nothing, not even its source.
  external: ["pg-native", "@electric-sql/*", "@opentelemetry/*"],
  logLevel: "warning"
})

/**
 * dist/main.js: compiles dist/main.cjs with the code cache made at build time, when V8
 * accepts it (same Node, same flags), and without it otherwise. This halves the time
 * from process start to the first request. `VIRALVIDVAULT_WRITE_CODE_CACHE=1` writes
 * the cache when the process exits. Whether the cache was taken is left on a global
 * symbol for main's last debug line ("code cache accepted").
 *
 * The heap flag: a run holds its batch (~70 MB at 100 regions × 200) while it parses
 * pages, encodes the spool and the store's rows, garbage of the same size again and
 * again. V8 sizes the heap for a long-lived program, letting it grow to up to ~4 times
 * what the last full collection kept, so the peak resident set was set by when that
 * collection happened to fall: 277–348 MB for the same run. Growing by half at most keeps
 * the peak near what is live (201–241 MB) for ~7 % more CPU. V8 reads the flag at each
 * collection, so it applies to a heap already set up. It is set once the bundle is
 * evaluated: before, the extra collections slowed every start by ~50 ms (the bundle
 * allocates ~40 MB as it is evaluated). And the cache is written with the flag back at
 * its default: V8 takes a cache only from a process with the same flags (written with the
 * flag in force, every start rejected it: first request 166 → 816 ms).
 * `node --heap-growing-percent=N dist/main.js` chooses otherwise (and starts without the cache).
 */
await writeFile(
  "dist/main.js",
  `#!/usr/bin/env node
import { readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { setFlagsFromString } from "node:v8"
import { Script } from "node:vm"

const filename = fileURLToPath(new URL("./main.cjs", import.meta.url))
const cacheFile = filename + ".cache"
let cachedData
try {
  cachedData = readFileSync(cacheFile)
} catch {}
const script = new Script(
  "(function (exports, require, module, __filename, __dirname) {" + readFileSync(filename, "utf8") + "\\n})",
  { filename, cachedData }
)
if (process.env.VIRALVIDVAULT_WRITE_CODE_CACHE === "1") {
  // Under the flags a start compiles with (V8's default growth, 0), or no start would take it.
  process.once("exit", () => {
    setFlagsFromString("--heap-growing-percent=0")
    writeFileSync(cacheFile, script.createCachedData())
  })
}
globalThis[Symbol.for("viralvidvault/codeCache")] =
  cachedData === undefined ? "absent" : script.cachedDataRejected ? "rejected" : "accepted"
const module = { exports: {} }
script.runInThisContext()(module.exports, createRequire(filename), module, filename, dirname(filename))
// The bundle is evaluated and the program started: from here on, the heap grows by half at most.
if (!process.execArgv.some((flag) => /^--heap[-_]growing[-_]percent/.test(flag))) {
  setFlagsFromString("--heap-growing-percent=50")
}
`,
  { mode: 0o755 }
)
// The cache holds what a start compiles: the modules' top level and the command line.
execFileSync(process.execPath, ["dist/main.js", "--version"], {
  env: { ...process.env, VIRALVIDVAULT_WRITE_CODE_CACHE: "1" },
  stdio: "ignore"
})

// The library entry: the host application brings its own effect and @effect/* packages.
await build({ ...nodeModuleOptions, entryPoints: { index: "src/index.ts" }, outdir: "dist" })
