/**
 * The export benchmark (a section of `npm run bench`, or alone:
 * `node scripts/run-ts.mjs scripts/bench-export.ts [--entries 1000000] [--database postgres://…]`).
 *
 * Synthesises a history of trending entries in a database of its own on the bench's
 * PostgreSQL (7 regions × 200 a chart, 3 runs a day, a video trending for 5 days; every
 * video with its first revision, tags, a description with a line break, a comma and a
 * quote), then times `node dist/main.js export` in each format as a whole process: wall
 * time, rows a second and peak RSS.
 */
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { freshDatabase } from "./bench-serve.js"

const REGIONS = ["US", "GB", "PL", "NL", "SE", "NO", "AT"]
const CHART = 200
const RUNS_A_DAY = 3
/** A video stays on a chart for this many runs (5 days); the charts of two regions overlap. */
const RUNS_ON_CHART = 15
const POOL = 300

/** The formats the bench times, in this order. */
export const EXPORT_FORMATS = ["kaggle", "jsonl", "parquet"] as const

export interface ExportFigure {
  readonly format: string
  readonly rows: number
  readonly ms: number
  readonly rowsPerSecond: number
  readonly peakMb: number
  /** User + system CPU of the export process. */
  readonly cpuMs: number
  readonly bytes: number
  readonly code: number | null
}

/**
 * A fresh database `vvv_export_bench` holding `entries` trending entries (rounded to whole
 * runs), migrated by the release under test (`dist/main.js migrate`). Returns its URL.
 */
export const synthesise = async (serverUrl: string, entries: number): Promise<{ url: string; entries: number; days: number }> => {
  const url = await freshDatabase(serverUrl, "vvv_export_bench")
  execFileSync(process.execPath, ["dist/main.js", "migrate"], {
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: url, STATE_DIRECTORY: mkdtempSync(join(tmpdir(), "vvv-bench-export-state-")) },
    stdio: ["ignore", "ignore", "pipe"]
  })
  const runs = Math.ceil(entries / (REGIONS.length * CHART))
  const db = new pg.Client({ connectionString: url })
  await db.connect()
  const q = (text: string, values: Array<unknown> = []) => db.query(text, values)
  await q(`INSERT INTO ingest_runs (started_at, finished_at, status, entries, unique_videos)
           SELECT timestamptz '2025-01-01 05:00Z' + n * interval '8 hours', timestamptz '2025-01-01 05:00:05Z' + n * interval '8 hours',
                  'ok', $1::int, $1::int FROM generate_series(0, $2::int - 1) n`, [REGIONS.length * CHART, runs])
  // The pool of a block of runs: POOL videos, of which each region's chart shows 200.
  const blocks = Math.ceil(runs / RUNS_ON_CHART)
  await q(`INSERT INTO videos (video_id, title, channel_title, view_count, like_count, comment_count, primary_language, search_config,
                               regions, published_at, first_seen_at, last_seen_at, channel_id, category_id, tags, description,
                               duration_seconds, definition, caption, licensed_content, made_for_kids, live_broadcast_content,
                               thumbnail_url, thumbnails)
           SELECT 'v' || lpad(n::text, 10, '0'),
                  'Synthesised video number ' || n || ', with a comma and a "quote" in its title',
                  'Channel ' || (n % 997), 1000 + n * 37, CASE WHEN n % 10 = 0 THEN NULL ELSE 10 + n END,
                  CASE WHEN n % 17 = 0 THEN NULL ELSE n END, 'en', 'simple', $1::text[],
                  timestamptz '2024-12-31 12:00Z' + (n / $2::int) * interval '40 hours', timestamptz '2025-01-01 05:00Z' + (n / $2::int) * interval '40 hours',
                  timestamptz '2025-01-01 05:00Z' + (n / $2::int + 1) * interval '40 hours', 'UC' || lpad((n % 997)::text, 22, '0'),
                  (10 + n % 20)::text, CASE WHEN n % 9 = 0 THEN '{}' ELSE ARRAY['tag ' || n % 50, 'music', 'official video', 'trending', 'n' || n] END,
                  'The first line of a description.' || chr(10) || 'A second line, with a comma; a "quoted" word and ' ||
                    repeat('more words that make a description of a realistic length ', 7),
                  60 + n % 3600, 'hd', n % 2 = 0, true, false, 'none',
                  'https://i.ytimg.com/vi/v' || lpad(n::text, 10, '0') || '/hqdefault.jpg',
                  jsonb_build_object('default', jsonb_build_object('url', 'https://i.ytimg.com/vi/x/default.jpg', 'width', 120, 'height', 90))
           FROM generate_series(0, $3::int * $2::int - 1) n`, [`{${REGIONS.join(",")}}`, POOL, blocks])
  await q(`INSERT INTO video_revisions (video_id, observed_at, title, description, thumbnail_url, tags)
           SELECT video_id, first_seen_at, title, description, thumbnail_url, tags FROM videos`)
  // trending_entries is partitioned by month (migration 9): the months of the history first, as a run makes them.
  await q(`SELECT viralvidvault_ensure_partitions('trending_entries'::regclass,
             ARRAY(SELECT generate_series(min(started_at), max(started_at) + interval '1 month', interval '1 month') FROM ingest_runs))`)
  await q(`INSERT INTO trending_entries (run_id, region, chart, video_id, rank, view_count, like_count, comment_count, fetched_at)
           SELECT r.id, g.region, 'all', 'v' || lpad(((r.n / $3::int) * $4::int + (k + g.i * 17) % $4::int)::text, 10, '0'), k + 1,
                  1000 + r.n * 11 + k, CASE WHEN k % 10 = 0 THEN NULL ELSE 10 + k END, k, r.started_at + interval '2 seconds'
           FROM (SELECT id, started_at, row_number() OVER (ORDER BY id) - 1 AS n FROM ingest_runs) r
           CROSS JOIN (SELECT region, i - 1 AS i FROM unnest($1::text[]) WITH ORDINALITY AS x (region, i)) g
           CROSS JOIN generate_series(0, $2::int - 1) k`, [`{${REGIONS.join(",")}}`, CHART, RUNS_ON_CHART, POOL])
  await q("ANALYZE")
  const { rows } = await q("SELECT count(*)::int AS n FROM trending_entries")
  await db.end()
  return { url, entries: rows[0].n as number, days: Math.ceil(runs / RUNS_A_DAY) }
}

/** `node dist/main.js export --format F` on that database, timed from spawn to exit. */
export const timeExport = (url: string, format: string): Promise<ExportFigure> =>
  new Promise((resolve) => {
    const out = mkdtempSync(join(tmpdir(), `vvv-bench-export-${format}-`))
    const t0 = performance.now()
    const child = spawn(process.execPath, ["dist/main.js", "export", "--format", format, "--out", out], {
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: url, LOG_FORMAT: "json", LOG_LEVEL: "Debug", STATE_DIRECTORY: out },
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (d) => (stderr += d))
    child.on("exit", (code) => {
      const ms = performance.now() - t0
      const rows = Number(/exported ([\d,]+) rows/.exec(stderr)?.[1]?.replaceAll(",", "") ?? NaN)
      const usage = /peak memory (\d+) MB, CPU (\d+) ms/.exec(stderr)
      const peakMb = Number(usage?.[1] ?? NaN)
      const cpuMs = Number(usage?.[2] ?? NaN)
      const bytes = readdirSync(out).reduce((sum, f) => sum + statSync(join(out, f)).size, 0)
      if (code !== 0) process.stderr.write(stderr)
      rmSync(out, { recursive: true, force: true })
      resolve({ format, rows, ms, rowsPerSecond: rows / (ms / 1000), peakMb, cpuMs, bytes, code })
    })
  })

const isMain = process.argv[1]?.endsWith("bench-export.mjs") === true
if (isMain) {
  const { parseArgs } = await import("node:util")
  const { values } = parseArgs({
    options: { entries: { type: "string", default: "1000000" }, database: { type: "string" }, formats: { type: "string", default: EXPORT_FORMATS.join(",") } }
  })
  const server = values.database ?? process.env.BENCH_DATABASE_URL
  if (server === undefined) throw new Error("bench-export alone needs --database postgres://… (npm run bench starts one)")
  const t0 = performance.now()
  const db = await synthesise(server, Number(values.entries))
  process.stdout.write(`synthesised ${db.entries.toLocaleString("en-US")} entries over ${db.days} days in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
  for (const format of values.formats.split(",")) {
    const f = await timeExport(db.url, format)
    process.stdout.write(`${format}: ${f.rows.toLocaleString("en-US")} rows in ${(f.ms / 1000).toFixed(2)} s = ${Math.round(f.rowsPerSecond).toLocaleString("en-US")} rows/s, peak RSS ${f.peakMb} MB, CPU ${(f.cpuMs / 1000).toFixed(2)} s, ${(f.bytes / 2 ** 20).toFixed(0)} MiB (exit ${f.code})\n`)
  }
}
