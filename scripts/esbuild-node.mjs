/** esbuild options for an ES module run by Node 20 with its packages left in node_modules. */
export const nodeModuleOptions = {
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning"
}
