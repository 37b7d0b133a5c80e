import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * The house rules of README's "How the code is laid out", checked on the sources: no
 * circle of imports, and nothing imports "upward" (the store never reaches for the
 * YouTube client, the pipeline never for the command line).
 */

const SRC = fileURLToPath(new URL("../src", import.meta.url))

const sources = (directory: string): Array<string> =>
  readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(directory, entry.name)) : entry.name.endsWith(".ts") ? [join(directory, entry.name)] : []
  )

/** `src/Store/Spool.ts` → the project files it imports (static imports and re-exports), as `src/…` paths. */
const graph = new Map(
  sources(SRC).map((file) => {
    const text = readFileSync(file, "utf8")
    const targets = [...text.matchAll(/^(?:import|export)[^"']*?from\s+["'](\.[^"']+)["']/gm)].map((m) =>
      relative(dirname(SRC), resolve(dirname(file), m[1]!)).replace(/\.js$/, ".ts")
    )
    return [relative(dirname(SRC), file), targets] as const
  })
)

const importsOf = (prefix: string) =>
  [...graph].filter(([file]) => file.startsWith(prefix)).flatMap(([file, targets]) => targets.map((t) => `${file} → ${t}`))

describe("the layout of src/", () => {
  it("reads every source file and the imports between them", () => {
    expect(graph.get("src/main.ts")).toContain("src/Cli.ts")
    expect(graph.get("src/Ingest/Pipeline.ts")).toContain("src/Ingest/Fetch.ts")
  })

  it("has no circle of imports", () => {
    const circles: Array<string> = []
    const state = new Map<string, "visiting" | "done">()
    const visit = (file: string, path: ReadonlyArray<string>) => {
      if (state.get(file) === "done") return
      if (state.get(file) === "visiting") {
        circles.push([...path.slice(path.indexOf(file)), file].join(" → "))
        return
      }
      state.set(file, "visiting")
      for (const target of graph.get(file) ?? []) visit(target, [...path, file])
      state.set(file, "done")
    }
    for (const file of graph.keys()) visit(file, [])
    expect(circles).toEqual([])
  })

  it.each([
    ["the domain imports only the domain", "src/Domain/", /^src\/(?!Domain\/)/],
    ["the store never imports the client, the pipeline or the CLI", "src/Store/", /^src\/(YouTube|Ingest|Demo|Cli)\/|^src\/(Cli|main)\.ts/],
    ["the YouTube client never imports the store or the pipeline", "src/YouTube/", /^src\/(Store|Ingest|Demo)\/|^src\/(Cli|main)\.ts/],
    ["the pipeline never imports the CLI or the demo", "src/Ingest/", /^src\/(Demo|Cli)\/|^src\/(Cli|main)\.ts/],
    ["the export never imports the client, the pipeline, the CLI or the demo", "src/Export/", /^src\/(YouTube|Ingest|Demo|Cli)\/|^src\/(Cli|main)\.ts/],
    ["the report never imports the client, the pipeline, the CLI or the demo", "src/Report/", /^src\/(YouTube|Ingest|Demo|Cli)\/|^src\/(Cli|main)\.ts/],
    ["the HTTP API never imports the client, the pipeline, the CLI or the demo", "src/Http/", /^src\/(YouTube|Ingest|Demo|Cli)\/|^src\/(Cli|main)\.ts/],
    ["the web page never imports the client, the pipeline, the CLI or the demo", "src/Web/", /^src\/(YouTube|Ingest|Demo|Cli)\/|^src\/(Cli|main)\.ts/],
    ["the library entry exports no command line", "src/index.ts", /^src\/(Demo|Cli)\/|^src\/(Cli|main|ExitCode|Signals)\.ts/]
  ])("%s", (_rule, prefix, forbidden) => {
    expect(importsOf(prefix).filter((edge) => forbidden.test(edge.split(" → ")[1]!))).toEqual([])
  })
})
