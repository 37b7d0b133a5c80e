// Bundles the CLI into dist/main.js (unbundled Effect imports cost over a second of
// start-up) and the library entry into dist/index.js. `npm run build` adds the .d.ts.
import { build } from "esbuild"
import { rm } from "node:fs/promises"

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

await build({
  entryPoints: { main: "src/main.ts" },
  plugins: [noConfigFileParsers],
  outdir: "dist",
  bundle: true,
  // Less source for V8 to compile at every start (a run is one short process).
  minify: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  // pg-native is an optional peer of pg that we never load; PGlite finds its WASM
  // and data files next to its own modules, so it stays in node_modules.
  external: ["pg-native", "@electric-sql/*"],
  // Some CommonJS dependencies require() Node built-ins; give the ESM bundle a require.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
  },
  logLevel: "warning"
})

// The library entry: the host application brings its own effect and @effect/* packages.
await build({
  entryPoints: { index: "src/index.ts" },
  outdir: "dist",
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning"
})
