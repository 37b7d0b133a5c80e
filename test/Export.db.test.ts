import { describe, expect, it } from "@effect/vitest"
import { NodeContext } from "@effect/platform-node"
import { parse } from "csv-parse/sync"
import { Effect, Layer, Stream } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chartFor } from "../src/Demo/Catalog.js"
import { makeSimulatedApi } from "../src/Demo/SimulatedApi.js"
import { exportData } from "../src/Export/Export.js"
import { RegionCode } from "../src/Domain/Region.js"
import { DatabaseUnavailable } from "../src/Store/Errors.js"
import { ExportRows } from "../src/Store/ExportRows.js"
import { MigrationsLive } from "../src/Store/Migrations.js"
import { StoredCharts } from "../src/Store/StoredCharts.js"
import { VideoStore } from "../src/Store/VideoStore.js"
import { batchOf } from "./support/Batches.js"
import { MAIN, runCli, startProcess } from "./support/Cli.js"
import { regional } from "./support/Fixtures.js"
import { readParquet } from "./support/Parquet.js"
import { DatabaseUrl, envFor, logText, reset, stateDirectory } from "./support/Run.js"
import { engine, TestDatabase, testDatabaseUrl } from "./support/TestDatabase.js"

/** `export`: the public dataset's layout and JSON lines, read back with independent parsers. */

const HEADER = [
  "video_id", "title", "publishedAt", "channelId", "channelTitle", "categoryId", "trending_date", "tags", "view_count", "likes",
  "dislikes", "comment_count", "thumbnail_link", "comments_disabled", "ratings_disabled", "description"
]

/** The CSV as a notebook reads it: RFC 4180, by a parser that is not ours. */
const readCsv = (file: string) => {
  const text = readFileSync(file, "utf8")
  expect(text.charCodeAt(0)).not.toBe(0xfeff)
  return parse(text, { columns: true }) as Array<Record<string, string>>
}

const exportTo = (databaseUrl: string, args: ReadonlyArray<string>) => {
  const out = join(mkdtempSync(join(tmpdir(), "vvv-export-")), "out")
  return Effect.map(
    runCli(["export", "--out", out, ...args], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() }),
    (result) => ({ result, out })
  )
}

type Item = ReturnType<typeof chartFor>[number]

/** Debian's Python, where its python3-pandas package installs (not a pyenv or venv one). */
const PYTHON = "/usr/bin/python3"
const PANDAS = spawnSync(PYTHON, ["-c", "import pandas"]).status === 0
const READ_WITH_PANDAS = `
import json, sys
import pandas as pd
df = pd.read_csv(sys.argv[1])
print(json.dumps({
  "dtypes": {name: str(dtype) for name, dtype in df.dtypes.items()},
  "rows": json.loads(df.to_json(orient="records")),
}))
`

describe(`export, node dist/main.js on ${engine}`, () => {
  it.layer(Layer.scoped(DatabaseUrl, testDatabaseUrl), { timeout: 120_000 })((it) => {
    it.scoped("kaggle: after a run, every column of every row as the simulated API sent it, and each region's categories", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const run = yield* runCli(["run"], { ...envFor(api, databaseUrl), REGIONS: "PL,SE", MAX_RESULTS: "40" })
        expect(run.code, logText(run)).toBe(0)
        const today = new Date().toISOString().slice(0, 10)
        const { out, result } = yield* exportTo(databaseUrl, ["--format", "kaggle"])
        expect(result.code, logText(result)).toBe(0)
        expect(logText(result)).toContain("exported 80 rows of 2 regions (PL,SE) as kaggle")
        // On a pipe: no progress line, only the log.
        expect(result.stdout).toBe("")
        expect(readdirSync(out).sort()).toEqual(["PL_category_id.json", "PL_youtube_trending_data.csv", "SE_category_id.json", "SE_youtube_trending_data.csv"])
        // UTF-8 without a byte-order mark, `\n` line ends (no field of this catalogue has a CR).
        const text = readFileSync(join(out, "PL_youtube_trending_data.csv"), "utf8")
        expect(text.split("\n")[0]).toBe(HEADER.join(","))
        expect(text).not.toContain("\r")
        for (const region of ["PL", "SE"]) {
          const rows = readCsv(join(out, `${region}_youtube_trending_data.csv`))
          const sent = chartFor(region, 40) as ReadonlyArray<Item>
          expect(rows.map((r) => r["video_id"])).toEqual(sent.map((i) => i.id))
          for (const [i, row] of rows.entries()) {
            const item = sent[i]!
            const snippet = item.snippet as { title: string; channelTitle: string; channelId: string; categoryId: string; publishedAt: string; tags?: Array<string>; description: string }
            expect(row, item.id).toEqual({
              video_id: item.id,
              title: snippet.title,
              publishedAt: snippet.publishedAt,
              channelId: snippet.channelId,
              channelTitle: snippet.channelTitle,
              categoryId: snippet.categoryId,
              trending_date: `${today}T00:00:00Z`,
              tags: snippet.tags === undefined ? "[None]" : snippet.tags.join("|"),
              view_count: item.statistics["viewCount"],
              likes: item.statistics["likeCount"] ?? "0",
              dislikes: "0",
              comment_count: item.statistics["commentCount"] ?? "0",
              thumbnail_link: `https://i.ytimg.com/vi/${item.id}/default.jpg`,
              comments_disabled: item.statistics["commentCount"] === undefined ? "True" : "False",
              ratings_disabled: item.statistics["likeCount"] === undefined ? "True" : "False",
              description: snippet.description
            })
          }
          // The catalogue has each case: hidden likes, hidden comments, no tags, a description with a line break, a comma and a quote.
          expect(rows.some((r) => r["ratings_disabled"] === "True" && r["likes"] === "0")).toBe(true)
          expect(rows.some((r) => r["comments_disabled"] === "True")).toBe(true)
          expect(rows.some((r) => r["tags"] === "[None]")).toBe(true)
          expect(rows.every((r) => /\n/.test(r["description"]!) && /"/.test(r["description"]!) && /,/.test(r["description"]!))).toBe(true)
          const categories = JSON.parse(readFileSync(join(out, `${region}_category_id.json`), "utf8"))
          expect(categories.kind).toBe("youtube#videoCategoryListResponse")
          expect(categories.items).toContainEqual({ kind: "youtube#videoCategory", id: "10", snippet: { title: "Music", assignable: true } })
        }
      }))

    // Debian's python3-pandas (.ci/run installs it): the call the public dataset's notebooks make.
    it.scoped.skipIf(!PANDAS && process.env["CI"] !== "true")("pandas.read_csv reads the kaggle file with the public dataset's dtypes and our values", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const run = yield* runCli(["run"], { ...envFor(api, databaseUrl), REGIONS: "PL", MAX_RESULTS: "40" })
        expect(run.code, logText(run)).toBe(0)
        const { out, result } = yield* exportTo(databaseUrl, ["--format", "kaggle"])
        expect(result.code, logText(result)).toBe(0)
        const read = yield* Effect.scoped(Effect.flatMap(
          startProcess(PYTHON, ["-c", READ_WITH_PANDAS, join(out, "PL_youtube_trending_data.csv")], {}),
          (running) => running.exit
        ))
        expect(read.code, read.stderr).toBe(0)
        const { dtypes, rows } = JSON.parse(read.stdout) as { dtypes: Record<string, string>; rows: Array<Record<string, unknown>> }
        expect(dtypes).toEqual({
          video_id: "object", title: "object", publishedAt: "object", channelId: "object", channelTitle: "object",
          categoryId: "int64", trending_date: "object", tags: "object", view_count: "int64", likes: "int64",
          dislikes: "int64", comment_count: "int64", thumbnail_link: "object", comments_disabled: "bool",
          ratings_disabled: "bool", description: "object"
        })
        const sent = chartFor("PL", 40) as ReadonlyArray<Item>
        expect(rows.map((r) => r["video_id"])).toEqual(sent.map((i) => i.id))
        for (const [i, row] of rows.entries()) {
          const item = sent[i]!
          const snippet = item.snippet as { title: string; description: string; categoryId: string }
          expect(row, item.id).toMatchObject({
            title: snippet.title,
            description: snippet.description,
            categoryId: Number(snippet.categoryId),
            view_count: Number(item.statistics["viewCount"]),
            likes: Number(item.statistics["likeCount"] ?? 0),
            ratings_disabled: item.statistics["likeCount"] === undefined
          })
        }
      }))

    it.scoped("hostile titles and descriptions survive kaggle, jsonl and parquet unchanged (but the characters the store cannot hold)", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const [base] = chartFor("US", 1) as ReadonlyArray<Item>
        const hostile: ReadonlyArray<readonly [string, string, string]> = [
          ["quote000001", "He said \"hi\", then, \"bye\"\r\nnext line", "He said \"hi\", then, \"bye\"\r\nnext line"],
          ["emoji000001", "🔥 Świętujemy 👨‍👩‍👧‍👦 | tags|pipes", "🔥 Świętujemy 👨‍👩‍👧‍👦 | tags|pipes"],
          ["rtl00000001", "مرحبا — שלום\u2028sep", "مرحبا — שלום\u2028sep"],
          ["nul00000001", "Null\u0000Byte", "NullByte"],
          ["surrogate01", "Broken \ud83d half", "Broken \ufffd half"],
          ["sql00000001", "'); DROP TABLE videos; -- \\N ,;", "'); DROP TABLE videos; -- \\N ,;"]
        ]
        const items = hostile.map(([id, title]) => ({ ...base!, id, snippet: { ...base!.snippet, title, description: `${title}\n\n"desc", end` } }))
        const api = yield* makeSimulatedApi({ items: { US: items } })
        const run = yield* runCli(["run"], { ...envFor(api, databaseUrl), REGIONS: "US" })
        expect(run.code, logText(run)).toBe(0)
        const kaggle = yield* exportTo(databaseUrl, ["--format", "kaggle", "--region", "US"])
        expect(kaggle.result.code, logText(kaggle.result)).toBe(0)
        const rows = readCsv(join(kaggle.out, "US_youtube_trending_data.csv"))
        const jsonl = yield* exportTo(databaseUrl, ["--format", "jsonl", "--region", "us"])
        expect(jsonl.result.code, logText(jsonl.result)).toBe(0)
        const lines = readFileSync(join(jsonl.out, "US_trending_entries.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l))
        const parquet = yield* exportTo(databaseUrl, ["--format", "parquet", "--region", "US"])
        expect(parquet.result.code, logText(parquet.result)).toBe(0)
        const records = (yield* readParquet(join(parquet.out, "US_trending_entries.parquet"))).rows
        for (const [id, , stored] of hostile) {
          expect(records.find((r) => r["videoId"] === id)?.["title"], id).toBe(stored)
          expect(records.find((r) => r["videoId"] === id)?.["description"], id).toBe(`${stored}\n\n"desc", end`)
          expect(rows.find((r) => r["video_id"] === id)?.["title"], id).toBe(stored)
          expect(rows.find((r) => r["video_id"] === id)?.["description"], id).toBe(`${stored}\n\n"desc", end`)
          expect(lines.find((l) => l.videoId === id)?.title, id).toBe(stored)
          expect(lines.find((l) => l.videoId === id)?.description, id).toBe(`${stored}\n\n"desc", end`)
        }
      }))

    it.scoped("jsonl: one object per entry of every chart, every stored field, camelCase, ISO 8601 dates; parquet: the same records, typed", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const run = yield* runCli(["run"], { ...envFor(api, databaseUrl), REGIONS: "SE", CHARTS: "all,10", MAX_RESULTS: "5" })
        expect(run.code, logText(run)).toBe(0)
        const { out, result } = yield* exportTo(databaseUrl, ["--format", "jsonl"])
        expect(result.code, logText(result)).toBe(0)
        const lines = readFileSync(join(out, "SE_trending_entries.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l))
        expect(lines).toHaveLength(10)
        expect(new Set(lines.map((l) => l.chart))).toEqual(new Set(["all", "10"]))
        const first = lines.find((l) => l.chart === "all" && l.rank === 1)
        const item = (chartFor("SE", 1) as ReadonlyArray<Item>)[0]!
        expect(first).toMatchObject({
          videoId: item.id,
          region: "SE",
          runId: 1,
          viewCount: Number(item.statistics["viewCount"]),
          title: (item.snippet as { title: string }).title,
          publishedAt: `${(item.snippet as { publishedAt: string }).publishedAt.slice(0, -1)}.000Z`,
          language: "sv",
          regions: ["SE"],
          goneAt: null
        })
        expect(Object.keys(first)).toEqual([
          "videoId", "region", "chart", "runId", "rank", "fetchedAt", "viewCount", "likeCount", "commentCount", "title",
          "channelTitle", "channelId", "categoryId", "tags", "description", "publishedAt", "durationSeconds", "definition",
          "caption", "licensedContent", "madeForKids", "liveBroadcastContent", "thumbnailUrl", "thumbnails", "language",
          "regions", "firstSeenAt", "lastSeenAt", "goneAt"
        ])
        expect(first.fetchedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)

        const parquet = yield* exportTo(databaseUrl, ["--format", "parquet"])
        expect(parquet.result.code, logText(parquet.result)).toBe(0)
        expect(logText(parquet.result)).toContain("exported 10 rows of 1 region (SE) as parquet")
        expect(readdirSync(parquet.out)).toEqual(["SE_trending_entries.parquet"])
        const read = yield* readParquet(join(parquet.out, "SE_trending_entries.parquet"))
        const timestamp = "TIMESTAMP WITH TIME ZONE"
        expect(read.types).toEqual({
          videoId: "VARCHAR", region: "VARCHAR", chart: "VARCHAR", runId: "BIGINT", rank: "INTEGER", fetchedAt: timestamp,
          viewCount: "BIGINT", likeCount: "BIGINT", commentCount: "BIGINT", title: "VARCHAR", channelTitle: "VARCHAR",
          channelId: "VARCHAR", categoryId: "VARCHAR", tags: "VARCHAR[]", description: "VARCHAR", publishedAt: timestamp,
          durationSeconds: "INTEGER", definition: "VARCHAR", caption: "BOOLEAN", licensedContent: "BOOLEAN",
          madeForKids: "BOOLEAN", liveBroadcastContent: "VARCHAR", thumbnailUrl: "VARCHAR", thumbnails: "JSON",
          language: "VARCHAR", regions: "VARCHAR[]", firstSeenAt: timestamp, lastSeenAt: timestamp, goneAt: timestamp
        })
        // Every value of every row as the JSON lines have it, once the reader's spellings are undone.
        const asJson = (row: Record<string, unknown>) =>
          Object.fromEntries(Object.entries(row).map(([name, value]) => {
            const type = read.types[name]!
            if (value === null) return [name, null]
            if (type === "BIGINT") return [name, Number(value)]
            if (type === timestamp) return [name, new Date(Number(value)).toISOString()]
            if (type === "JSON") return [name, JSON.parse(String(value))]
            return [name, value]
          }))
        expect(read.rows.map(asJson)).toEqual(lines)
      }))

    // What the terminal shows does not depend on the engine: checked once, on PGlite.
    it.scoped.skipIf(engine === "postgresql")("on a terminal, a progress line (region, regions done, rows) before the summary; on a pipe, none", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        yield* reset(databaseUrl)
        const api = yield* makeSimulatedApi({})
        const run = yield* runCli(["run"], { ...envFor(api, databaseUrl), REGIONS: "PL,SE", MAX_RESULTS: "5" })
        expect(run.code, logText(run)).toBe(0)
        const out = join(mkdtempSync(join(tmpdir(), "vvv-export-")), "out")
        // util-linux's `script` gives the process a pseudo-terminal, as a person at a shell has.
        const terminal = yield* Effect.scoped(Effect.flatMap(
          startProcess(
            "script",
            ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} export --format kaggle --out ${JSON.stringify(out)}`, "/dev/null"],
            { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory(), NO_COLOR: "1" }
          ),
          (running) => running.exit
        ))
        expect(terminal.code, terminal.stdout).toBe(0)
        expect(terminal.stdout).toContain("kaggle: PL (1/2 regions), 5 rows")
        expect(terminal.stdout).toContain("kaggle: SE (2/2 regions), 10 rows")
        expect(terminal.stdout).toContain("exported 10 rows of 2 regions (PL,SE) as kaggle")
        const piped = yield* exportTo(databaseUrl, ["--format", "kaggle"])
        expect(piped.result.stdout + piped.result.stderr).not.toContain("regions), ")
      }))

    // The options are refused before a database is opened: checked once, on PGlite.
    it.scoped.skipIf(engine === "postgresql")("bad options exit 64 and open nothing; an --out that cannot be written exits 73 naming it; no database, 69", () =>
      Effect.gen(function*() {
        const databaseUrl = yield* DatabaseUrl
        for (
          const [args, says] of [
            [["--format", "csv"], "kaggle, jsonl, parquet"],
            [["--format", "kaggle", "--since", "2026-13-01"], "--since: expected a day as YYYY-MM-DD"],
            [["--format", "kaggle", "--since", "2026-02-30"], "--since"],
            [["--format", "kaggle", "--since", "2026-11-02", "--until", "2026-11-01"], "--until 2026-11-01 is before --since 2026-11-02"],
            [["--format", "kaggle", "--region", "XX"], "unknown region code \"XX\""]
          ] as const
        ) {
          const { result } = yield* exportTo("postgres://nobody@127.0.0.1:1/none", args)
          expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(64)
          expect(result.stdout + result.stderr, args.join(" ")).toContain(says)
        }
        const file = join(mkdtempSync(join(tmpdir(), "vvv-export-")), "a-file")
        writeFileSync(file, "")
        const blocked = yield* runCli(["export", "--format", "kaggle", "--out", join(file, "below")], { DATABASE_URL: databaseUrl, STATE_DIRECTORY: stateDirectory() })
        expect(blocked.code, blocked.stderr).toBe(73)
        expect(logText(blocked)).toContain(`cannot write the export to ${join(file, "below")}`)
        const down = yield* exportTo("postgres://nobody@127.0.0.1:1/none", ["--format", "kaggle"])
        expect(down.result.code, down.result.stderr).toBe(69)
      }))
  })
})

describe(`export of days on ${engine}`, () => {
  const StoreLive = Layer.mergeAll(VideoStore.Default, MigrationsLive, ExportRows.Default, StoredCharts.Default).pipe(
    Layer.provideMerge(TestDatabase),
    Layer.provideMerge(NodeContext.layer)
  )
  it.layer(StoreLive, { timeout: 120_000 })((it) => {
    it.effect("several runs on one UTC day give one row a video and day, with that day's last observation; two days, two rows", () =>
      Effect.gen(function*() {
        const store = yield* VideoStore
        const at = (day: number, hour: number) => new Date(Date.UTC(2026, 10, day, hour))
        const seen = (day: number, hour: number, views: number, rank: number) => [
          regional("aaaaaaaaaaa", "PL", { fetchedAt: at(day, hour), views, rank, title: `A at ${day}/${hour}` }),
          regional("bbbbbbbbbbb", "PL", { fetchedAt: at(day, hour), views: 5, rank: 3 - rank })
        ]
        for (const [day, hour, views, rank] of [[20, 1, 100, 1], [20, 8, 150, 2], [20, 23, 180, 1], [21, 0, 200, 2]] as const) {
          yield* store.saveRun({ ...batchOf(seen(day, hour, views, rank)), startedAt: at(day, hour), finishedAt: at(day, hour) })
        }
        const out = mkdtempSync(join(tmpdir(), "vvv-export-days-"))
        const done = yield* exportData({ format: "kaggle", out, regions: [], since: undefined, until: undefined, progress: () => Effect.void })
        expect(done).toEqual({ regions: 1, rows: 4 })
        const rows = readCsv(join(out, "PL_youtube_trending_data.csv"))
        expect(rows.map((r) => [r["trending_date"], r["video_id"], r["view_count"], r["title"]])).toEqual([
          ["2026-11-20T00:00:00Z", "aaaaaaaaaaa", "180", "A at 20/23"],
          ["2026-11-20T00:00:00Z", "bbbbbbbbbbb", "5", "Video bbbbbbbbbbb"],
          ["2026-11-21T00:00:00Z", "bbbbbbbbbbb", "5", "Video bbbbbbbbbbb"],
          ["2026-11-21T00:00:00Z", "aaaaaaaaaaa", "200", "A at 21/0"]
        ])
        const oneDay = mkdtempSync(join(tmpdir(), "vvv-export-days-"))
        yield* exportData({ format: "kaggle", out: oneDay, regions: [], since: "2026-11-21", until: "2026-11-21", progress: () => Effect.void })
        expect(readCsv(join(oneDay, "PL_youtube_trending_data.csv")).map((r) => r["trending_date"])).toEqual([
          "2026-11-21T00:00:00Z",
          "2026-11-21T00:00:00Z"
        ])
      }))

    it.effect("an export cut short by the database leaves the files it finished, and nothing of the one it was writing", () =>
      Effect.gen(function*() {
        const out = mkdtempSync(join(tmpdir(), "vvv-export-cut-"))
        const lost = new DatabaseUnavailable({ operation: "reading the rows to export", detail: "connection lost" })
        const cut = ExportRows.make({
          regions: () => Effect.succeed([RegionCode.make("PL"), RegionCode.make("SE")]),
          snapshot: (use) => use,
          kaggle: () => Stream.empty,
          entries: () => Stream.empty,
          entryLines: (region) =>
            region === "PL"
              ? Stream.make("{\"videoId\":\"aaaaaaaaaaa\"}\n")
              : Stream.concat(Stream.make("{\"videoId\":\"bbbbbbbbbbb\"}\n"), Stream.fail(lost))
        })
        const failed = yield* exportData({ format: "jsonl", out, regions: [], since: undefined, until: undefined, progress: () => Effect.void }).pipe(
          Effect.provideService(ExportRows, cut),
          Effect.flip
        )
        expect(failed).toEqual(lost)
        // PL is whole; SE's half file was removed with its temporary name, never renamed.
        expect(readdirSync(out)).toEqual(["PL_trending_entries.jsonl"])
        expect(readFileSync(join(out, "PL_trending_entries.jsonl"), "utf8")).toBe("{\"videoId\":\"aaaaaaaaaaa\"}\n")
      }))
  })
})
