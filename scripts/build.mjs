// Bundles the CLI into dist/main.js (unbundled Effect imports cost over a second of
// start-up) and the library entry into dist/index.js. `npm run build` adds the .d.ts.
import { build } from "esbuild"
import { rm } from "node:fs/promises"

await rm("dist", { recursive: true, force: true })

await build({
  entryPoints: { main: "src/main.ts" },
  outdir: "dist",
  bundle: true,
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
