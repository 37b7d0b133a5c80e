/**
 * The latency benchmark of `serve` (issue 13): a section of `npm run bench` (`--no-serve`,
 * `--serve-entries N`), or alone, against a PostgreSQL server it may keep a database on:
 *
 *   D=$(mktemp -d /tmp/pgd.XXXX); chmod 755 $D; URL=$(scripts/pg-throwaway.sh start $D/pg | tail -1)
 *   npm run bundle
 *   node scripts/run-ts.mjs scripts/bench-serve.ts --database $URL [--entries N] [--regions N] [--fresh] [--explain]
 *       [--requests 1000] [--concurrency 8] [--warmup 100] [--page-loads 10] [--no-page] [--no-http] [--seed 13]
 *   scripts/pg-throwaway.sh stop $D/pg
 *
 * 1. Synthesises a history in a database of its own, `vvv_serve_bench`, migrated by the
 *    release under test (`dist/main.js migrate`), straight in SQL: by default the issue's
 *    year of every region (106 real regions × 200 × a run every 7 hours = 26.5 M entries),
 *    or less when the server's disk cannot hold it (said). Each region's chart has 200
 *    slots: 20 hold worldwide hits (listed in ~3/4 of the regions at once), 60 hits of the
 *    region's language (shared by the regions that speak it), 120 the region's own; a
 *    video holds its slot 1–7 days and its rank drifts down as it ages. Every video has an
 *    observation per run it is listed in and ~3 days of tracking after (`video_stats`), a
 *    revision (a quarter a second, retitled), a language, its search vector computed by
 *    the store's own function, titles, tags and descriptions of pseudo-words drawn with
 *    a Zipf-like skew per language (so a word hits a few hundred to a few thousand videos),
 *    and each region has its categories. Secondary indexes and foreign keys are dropped
 *    while loading and created again after (their definitions read from the catalogue, so
 *    the schema ends as the migrations made it; a table partitioned by month gets the
 *    history's months from the schema's own `viralvidvault_ensure_partitions`), then
 *    VACUUM ANALYZE. The scale is kept as the database's comment: a rerun at the same
 *    scale reuses it (`--fresh` rebuilds).
 * 2. `EXPLAIN (ANALYZE, BUFFERS)` of every query `serve` runs (the SQL of src/Store/Trends.ts,
 *    ChartJson.ts and Search.ts, copied, and checked against those files: a copy that no
 *    longer matches is said), with representative parameters: execution time, the indexes
 *    used, and any sequential scan of a table or partition of 10,000 rows or more flagged.
 *    `--explain` prints the plans.
 * 3. `node dist/main.js serve --port 0` on it; per endpoint a warm-up, then `--requests`
 *    requests from `--concurrency` keep-alive clients with varying parameters: p50 / p95 /
 *    p99 / max, requests a second, against the issue's targets; the CPU the server and its
 *    database connections spent a request (from /proc: it holds when other work shares the
 *    machine, which latencies do not; the load average is recorded); the server's peak RSS.
 * 4. The page's first load in Debian's Chromium (a cold cache each time): median of
 *    `--page-loads` loads of `/` to first contentful paint, against 300 ms; also a region's
 *    chart, a search, a video and the overlap page. Skipped, said, when `/` is no page.
 *
 * Returns the figures (ServeBenchResult) and a markdown table for BENCHMARKS.md.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, statfsSync } from "node:fs"
import http from "node:http"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import pg from "pg"
import { CATEGORIES } from "../src/Demo/Catalog.js"
import { ALL_SEARCH_CONFIGS, searchConfigFor } from "../src/Domain/Region.js"

// ---------------------------------------------------------------------------- the scale

/** YouTube's regions (`i18nRegions.list`, 109) less KH, LA, PG: 106, the defaults first. */
const YOUTUBE_REGIONS = [
  "US", "GB", "PL", "NL", "SE", "NO", "AT",
  "AE", "AR", "AU", "AZ", "BA", "BD", "BE", "BG", "BH", "BO", "BR", "BY", "CA", "CH", "CL", "CO", "CR", "CY", "CZ",
  "DE", "DK", "DO", "DZ", "EC", "EE", "EG", "ES", "FI", "FR", "GE", "GH", "GR", "GT", "HK", "HN", "HR", "HU", "ID",
  "IE", "IL", "IN", "IQ", "IS", "IT", "JM", "JO", "JP", "KE", "KR", "KW", "KZ", "LB", "LI", "LK", "LT", "LU", "LV",
  "LY", "MA", "ME", "MK", "MT", "MX", "MY", "NG", "NI", "NP", "NZ", "OM", "PA", "PE", "PH", "PK", "PR", "PT", "PY",
  "QA", "RO", "RS", "RU", "SA", "SG", "SI", "SK", "SN", "SV", "TH", "TN", "TR", "TW", "TZ", "UA", "UG", "UY", "VE",
  "VN", "YE", "ZA", "ZW"
] as const

/** The language most of a region's chart is in (a language's regions share part of their charts). */
const LANGUAGE_OF: Readonly<Record<string, string>> = {
  ...Object.fromEntries("US GB AU CA IE NZ JM NG KE GH UG TZ ZA ZW MT SG PH".split(" ").map((r) => [r, "en"])),
  ...Object.fromEntries("ES MX AR CO CL PE VE EC GT CR DO HN NI PA PY SV UY BO PR".split(" ").map((r) => [r, "es"])),
  ...Object.fromEntries("AE BH DZ EG IQ JO KW LB LY MA OM QA SA TN YE".split(" ").map((r) => [r, "ar"])),
  ...Object.fromEntries("DE AT CH LI".split(" ").map((r) => [r, "de"])),
  ...Object.fromEntries("RU BY KZ".split(" ").map((r) => [r, "ru"])),
  BR: "pt", PT: "pt", FR: "fr", LU: "fr", SN: "fr", NL: "nl", BE: "nl", SE: "sv", NO: "no", DK: "da", FI: "fi",
  IT: "it", PL: "pl", JP: "ja", KR: "ko", TW: "zh", HK: "zh", TR: "tr", UA: "uk", VN: "vi", TH: "th", ID: "id",
  MY: "ms", IL: "he", GR: "el", CY: "el", CZ: "cs", SK: "sk", HU: "hu", RO: "ro", BG: "bg", HR: "hr", RS: "sr",
  ME: "sr", SI: "sl", BA: "bs", MK: "mk", EE: "et", LV: "lv", LT: "lt", IS: "is", GE: "ka", AZ: "az", BD: "bn",
  NP: "ne", LK: "si", PK: "ur", IN: "hi"
}

export const CHART_SIZE = 200
export const RUN_INTERVAL_HOURS = 7
/** The issue's scale: a year of every region, a run every 7 hours. */
export const FULL_SCALE_ENTRIES = YOUTUBE_REGIONS.length * CHART_SIZE * Math.ceil((365 * 24) / RUN_INTERVAL_HOURS)
/** Bumped whenever the synthesised data changes shape: a kept database of another version is rebuilt. */
const GENERATOR_VERSION = 1
const DATABASE = "vvv_serve_bench"
/** Tracking after a video leaves the charts: TRACK_DAYS=3 at a run every 7 h. */
const TRACK_RUNS = 10
/** The pseudo-words: three syllables of these (8,000 words, two of the syllables accented). */
const SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "so", "vi", "de", "po", "la", "mu", "ri", "ze", "ba", "ko", "ni", "wa", "ló", "że"]
const WORDS = SYLLABLES.length ** 3
/** Each language's Zipf ranks start this far along the words from the previous one's: each has its own common words. */
const LANGUAGE_OFFSET = 2749
/** Real words in titles (one title in two has one): the common words a search may also ask for. */
const COMMON_WORDS = [
  "official", "video", "live", "trailer", "highlights", "reaction", "challenge", "episode", "remix", "tutorial",
  "shorts", "podcast", "interview", "concert", "gameplay", "vlog", "news", "match", "cover", "lyrics"
]
/** Bytes a synthesised entry takes with everything that comes with it (measured at 1 M entries: 0.77 GiB; ~690 at full scale). */
const BYTES_PER_ENTRY_ESTIMATE = 750

/** The issue's p95 targets, ms. */
export const TARGETS_MS = { charts: 20, videos: 30, search: 50, overlap: 200, page: 300 } as const

// ---------------------------------------------------------------------------- figures

export interface ServeBenchOptions {
  /** A PostgreSQL server (any database on it): the bench's database is made beside it. */
  readonly serverUrl: string
  /** Trending entries wanted (rounded to whole runs); default the issue's year, less when the disk cannot hold it. */
  readonly entries?: number | undefined
  /** How many of the 106 regions (default all). */
  readonly regions?: number | undefined
  /** Rebuild even when a database of this scale is kept. */
  readonly fresh?: boolean | undefined
  /** Print every plan. */
  readonly explain?: boolean | undefined
  readonly requests?: number | undefined
  readonly concurrency?: number | undefined
  readonly warmup?: number | undefined
  readonly pageLoads?: number | undefined
  /** Skip the browser. */
  readonly noPage?: boolean | undefined
  /** Synthesise and EXPLAIN only. */
  readonly noHttp?: boolean | undefined
  readonly seed?: number | undefined
  readonly log?: ((line: string) => void) | undefined
}

export interface ServeScale {
  readonly regions: number
  readonly chartSize: number
  readonly runs: number
  readonly entries: number
  readonly days: number
  readonly videos: number
  readonly observations: number
  readonly revisions: number
  readonly from: string
  readonly until: string
  /** What was asked for, when less was made (the disk). */
  readonly requestedEntries: number
  readonly note: string | null
}

export interface SynthesisFigure {
  readonly reused: boolean
  /** Of the synthesis that made the database (its own figure when reused). */
  readonly ms: number
  readonly phasesMs: Readonly<Record<string, number>>
  readonly databaseBytes: number
  readonly tableBytes: Readonly<Record<string, number>>
}

export interface PlanFigure {
  readonly name: string
  readonly parameters: string
  /** The first EXPLAIN (ANALYZE, TIMING OFF)'s execution time, then the best of two more. */
  readonly coldMs: number
  readonly warmMs: number
  readonly planningMs: number
  readonly rows: number
  readonly sharedHit: number
  readonly sharedRead: number
  readonly indexes: ReadonlyArray<string>
  readonly seqScans: ReadonlyArray<string>
  /** Sequential scans of tables (or partitions) of 10,000 rows or more. */
  readonly flagged: ReadonlyArray<string>
  readonly plan: string
}

export interface EndpointFigure {
  readonly endpoint: string
  readonly example: string
  readonly targetMs: number | null
  readonly requests: number
  readonly concurrency: number
  readonly errors: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
  readonly mean: number
  readonly requestsPerSecond: number
  readonly meanBytes: number
  /** CPU the server process spent a request (user + system; null where /proc does not say). */
  readonly serverCpuMs: number | null
  /** CPU the server's database connections spent a request (their backends, when the server is this machine). */
  readonly databaseCpuMs: number | null
  readonly met: boolean | null
}

export interface PageFigure {
  readonly page: string
  readonly loads: number
  /** First contentful paint (DOMContentLoaded where the browser gives no paint timing), median and max. */
  readonly contentMs: number
  readonly contentMaxMs: number
  readonly responseEndMs: number
  readonly domContentLoadedMs: number
  readonly loadMs: number
  readonly bytes: number
  readonly targetMs: number | null
  readonly met: boolean | null
}

export interface ServeBenchResult {
  readonly scale: ServeScale
  readonly synthesis: SynthesisFigure
  readonly postgres: { readonly version: string; readonly settings: Readonly<Record<string, string>> }
  readonly searchWords: ReadonlyArray<{ readonly query: string; readonly hits: number }>
  readonly explain: ReadonlyArray<PlanFigure>
  readonly endpoints: ReadonlyArray<EndpointFigure>
  readonly server: { readonly startMs: number; readonly peakRssMb: number | null } | null
  /** The machine: its cores, and its 1-minute load average before and after the requests (other work skews latencies). */
  readonly machine: { readonly cpus: number; readonly loadBefore: number; readonly loadAfter: number }
  readonly page: { readonly skipped: string } | { readonly loads: ReadonlyArray<PageFigure> }
  readonly markdown: string
}

// ---------------------------------------------------------------------------- helpers

/** `postgres://…/postgres` → the same server, another database. */
export const withDatabase = (url: string, name: string) => {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** Database `name` on that server, dropped first if it exists and created empty: its URL. */
export const freshDatabase = async (serverUrl: string, name: string) => {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`)
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  return withDatabase(serverUrl, name)
}
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`
const int = (n: number) => Math.round(n).toLocaleString("en-US")
const ms1 = (n: number) => n.toFixed(n < 10 ? 2 : 1)

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
const median = (xs: ReadonlyArray<number>) => percentile([...xs].sort((a, b) => a - b), 50)

/** A seeded generator: the same parameters every run. */
const mulberry32 = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`

// ---------------------------------------------------------------------------- synthesis

interface Recorded {
  readonly version: number
  readonly regions: number
  readonly runs: number
  readonly chartSize: number
  readonly complete: boolean
  readonly ms: number
  readonly phasesMs: Record<string, number>
  readonly from: string
  readonly until: string
}

const SYLLABLE_ARRAY = `'{${SYLLABLES.join(",")}}'::text[]`

/** Pseudo-word number `column` (0 ≤ n < 8,000), inline. */
const wordOf = (column: string) =>
  `(${SYLLABLE_ARRAY})[${column} % 20 + 1] || (${SYLLABLE_ARRAY})[(${column} / 20) % 20 + 1] || (${SYLLABLE_ARRAY})[${column} / 400 + 1]`

/**
 * A lateral giving the word numbers `alias.w<i>` of a text, for each position i: Zipf-skewed
 * (word k with probability ∝ k^(-2/3)), shifted by the language's offset so that each
 * language has its own common words. Not flattened (OFFSET 0): each number is computed
 * once, and the words built from it stay inline expressions.
 */
const wordNumbers = (alias: string, seed: string, offset: string, positions: ReadonlyArray<number>) =>
  `CROSS JOIN LATERAL (SELECT ${
    positions.map((i) => `((${WORDS} * pg_temp.u(${seed} || ':${i}') ^ 3)::int + ${offset}) % ${WORDS} AS w${i}`).join(", ")
  } OFFSET 0) ${alias}`

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i)
const TITLE_WORDS = range(1, 7)
const DESCRIPTION_WORDS = range(20, 25)
const TAG_WORDS = range(60, 6)

/**
 * Session helpers, each one expression (inlined by the planner):
 * u(text) a uniform [0,1) hash; vid(text) an 11-character YouTube-like id.
 */
const helpers = [
  `CREATE FUNCTION pg_temp.u(text) RETURNS float8 LANGUAGE sql IMMUTABLE AS
     $$ SELECT (hashtextextended($1, 0) & 4503599627370495)::float8 / 4503599627370496 $$`,
  `CREATE FUNCTION pg_temp.vid(text) RETURNS text LANGUAGE sql IMMUTABLE AS
     $$ SELECT translate(rtrim(encode(int8send(hashtextextended($1, 7)), 'base64'), '='), '+/', '-_') $$`,
  // A video's views `age` runs after it first charted; likes and comments hidden for some.
  `CREATE FUNCTION pg_temp.views(text, int) RETURNS bigint LANGUAGE sql IMMUTABLE AS
     $$ SELECT (5000 + pg_temp.u($1 || ':b') * 2000000 + pg_temp.u($1 || ':r') * 400000 * $2)::bigint $$`,
  `CREATE FUNCTION pg_temp.likes(text, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS
     $$ SELECT CASE WHEN pg_temp.u($1 || ':lh') < 0.08 THEN NULL ELSE $2 / (15 + (pg_temp.u($1 || ':lr') * 60)::int) END $$`,
  `CREATE FUNCTION pg_temp.comments(text, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS
     $$ SELECT CASE WHEN pg_temp.u($1 || ':ch') < 0.05 THEN NULL ELSE $2 / (150 + (pg_temp.u($1 || ':cr') * 600)::int) END $$`
]

/** `initcap`ped 3–7 words (numbered by `wordNumbers(words, seed, …, TITLE_WORDS)`), one title in two a common word, one in ten an emoji. */
const titleSql = (seed: string, words: string) =>
  `initcap(concat_ws(' ', ${[1, 2, 3].map((i) => wordOf(`${words}.w${i}`)).join(", ")}, ` +
  [4, 5, 6, 7].map((i) => `CASE WHEN pg_temp.u(${seed} || ':n') * 5 >= ${i - 3} THEN ${wordOf(`${words}.w${i}`)} END`).join(", ") +
  `, CASE WHEN pg_temp.u(${seed} || ':c') < 0.5 THEN (ARRAY[${COMMON_WORDS.map(quote).join(",")}])[1 + floor(pg_temp.u(${seed} || ':cw') * ${COMMON_WORDS.length})::int] END))` +
  ` || CASE WHEN pg_temp.u(${seed} || ':e') < 0.1 THEN ' 🔥' ELSE '' END`

const descriptionSql = (words: string, channelId: string) =>
  `concat_ws(' ', ${DESCRIPTION_WORDS.map((i) => wordOf(`${words}.w${i}`)).join(", ")}) || '.' || chr(10) || chr(10) ||
   'Subscribe: https://www.youtube.com/channel/' || ${channelId} || chr(10) ||
   'Follow us, turn on notifications, and leave a comment with what you want to see next!'`

const tagsSql = (seed: string, words: string) =>
  `CASE WHEN pg_temp.u(${seed} || ':nt') < 0.1 THEN '{}'::text[] ELSE
     (ARRAY[${TAG_WORDS.map((i) => wordOf(`${words}.w${i}`)).join(", ")}])[1:2 + floor(pg_temp.u(${seed} || ':tn') * 5)::int] END`

/** A quarter of the videos (charted more than one run) were retitled: the title now is the second. */
const TITLE_SEED = `b.video_id || CASE WHEN pg_temp.u(b.video_id || ':rev') < 0.25 AND b.last_n > b.first_n THEN ':t1' ELSE ':t0' END`

const channelIdSql = (c: string) =>
  `'UC' || pg_temp.vid('ch:' || ${c}) || pg_temp.vid('ch2:' || ${c})`

const ASSIGNABLE = CATEGORIES.filter(([, , assignable]) => assignable).map(([id]) => id)

interface Slots {
  /** Text of the SQL that inserts the entries, observations and run counts of runs [$1, $2]. */
  readonly entries: string
}

/**
 * A chart slot's occupant for run n of region g: class by slot (world 0,10,20…; the
 * language's 1–3,11–13…; the region's own the rest), an epoch of `len` runs shifted per
 * slot, and the video of (class, slot, epoch). A worldwide hit is replaced in a region by
 * a video of its own one time in four. Ranks: slot order, the video's age in its epoch
 * and noise.
 */
const slots = (minRunId: number): Slots => ({
  entries: `
    WITH e AS (
      INSERT INTO trending_entries (run_id, region, chart, video_id, rank, view_count, like_count, comment_count, fetched_at)
      SELECT x.run_id, x.region, 'all', x.video_id, x.rank, x.views, pg_temp.likes(x.video_id, x.views),
             pg_temp.comments(x.video_id, x.views),
             x.started_at + x.gi * interval '310 milliseconds' + ((x.rank - 1) / 50) * interval '90 milliseconds'
      FROM (
        SELECT s.*, row_number() OVER (PARTITION BY s.run_id, s.gi ORDER BY s.score, s.k)::int AS rank,
               pg_temp.views(s.video_id, s.pos) AS views
        FROM (
          SELECT r.id AS run_id, r.started_at, g.i AS gi, g.region, k, q.pos, v.video_id,
                 0.5 * k + 100.0 * q.pos / p.len + 40 * pg_temp.u(v.video_id || ':' || r.id) AS score
          FROM (SELECT id, (id - ${minRunId})::int AS n, started_at FROM ingest_runs WHERE id BETWEEN $1 AND $2) r
          CROSS JOIN bench_regions g
          CROSS JOIN generate_series(0, ${CHART_SIZE - 1}) k
          CROSS JOIN LATERAL (
            SELECT CASE WHEN k % 10 = 0 THEN 8 + (k * 7) % 17
                        WHEN k % 10 <= 3 THEN 6 + (k * 11 + g.cluster * 5) % 19
                        ELSE 4 + (k * 17 + g.i * 29) % 21 END AS len,
                   CASE WHEN k % 10 = 0 THEN k * 13
                        WHEN k % 10 <= 3 THEN k * 3 + g.cluster * 7
                        ELSE k * 5 + g.i * 11 END AS shift
          ) p
          CROSS JOIN LATERAL (SELECT (r.n + p.shift) / p.len AS epoch, (r.n + p.shift) % p.len AS pos) q
          CROSS JOIN LATERAL (
            SELECT pg_temp.vid(CASE
              WHEN k % 10 = 0 AND pg_temp.u('f:' || g.i || ':' || k || ':' || q.epoch) < 0.25 THEN 'f:' || g.i || ':' || k || ':' || q.epoch
              WHEN k % 10 = 0 THEN 'w:' || k || ':' || q.epoch
              WHEN k % 10 <= 3 THEN 'c:' || g.cluster || ':' || k || ':' || q.epoch
              ELSE 'l:' || g.i || ':' || k || ':' || q.epoch END) AS video_id
          ) v
        ) s
      ) x
      RETURNING run_id, video_id, view_count, like_count, comment_count, fetched_at
    ),
    stats AS (
      INSERT INTO video_stats (video_id, observed_at, view_count, like_count, comment_count)
      SELECT video_id, max(fetched_at), max(view_count), max(like_count), max(comment_count) FROM e GROUP BY run_id, video_id
    )
    UPDATE ingest_runs r SET unique_videos = c.n
    FROM (SELECT run_id, count(DISTINCT video_id)::int AS n FROM e GROUP BY run_id) c
    WHERE r.id = c.run_id`
})

const LARGE_TABLES = ["videos", "trending_entries", "video_stats", "video_revisions"] as const

/** The tables that hold the rows of `t`: its leaf partitions, or itself when it has none (`pg_partition_tree` lists nothing for a plain table). */
const leavesOf = (t: string) =>
  `LATERAL (SELECT p.relid FROM pg_partition_tree(${t}::regclass) p WHERE p.isleaf
            UNION ALL SELECT ${t}::regclass WHERE NOT EXISTS (SELECT 1 FROM pg_partition_tree(${t}::regclass))) p`

interface Definition {
  readonly table: string
  readonly name: string
  readonly definition: string
}

/**
 * Synthesises the history in `vvv_serve_bench`, or in `database` when given (or keeps the one
 * there, when it is of this scale and complete). Returns its URL, the scale and how long it took.
 */
export const synthesise = async (
  serverUrl: string,
  wanted: { readonly entries: number; readonly regions: number; readonly fresh: boolean },
  log: (line: string) => void,
  database: string = DATABASE
): Promise<{ url: string; scale: ServeScale; synthesis: SynthesisFigure }> => {
  const regions = YOUTUBE_REGIONS.slice(0, Math.max(1, Math.min(YOUTUBE_REGIONS.length, wanted.regions)))
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  let runs = Math.max(1, Math.ceil(wanted.entries / (regions.length * CHART_SIZE)))
  let note: string | null = null

  // What the server's disk holds, when it is this machine's.
  const dataDirectory = (await admin.query<{ d: string }>("SELECT current_setting('data_directory') AS d").catch(() => null))?.rows[0]?.d
  if (dataDirectory !== undefined && existsSync(dataDirectory)) {
    const fs = statfsSync(dataDirectory)
    const free = fs.bavail * fs.bsize
    const kept = await admin.query<{ n: string }>("SELECT pg_database_size(datname)::text AS n FROM pg_database WHERE datname = $1", [database])
    const room = (free + Number(kept.rows[0]?.n ?? 0)) * 0.7
    const fits = Math.floor(room / BYTES_PER_ENTRY_ESTIMATE / (regions.length * CHART_SIZE))
    if (fits < runs) {
      note = `the disk of ${dataDirectory} has ${gib(free)} free: ${int(runs * regions.length * CHART_SIZE)} entries ` +
        `(~${gib(runs * regions.length * CHART_SIZE * BYTES_PER_ENTRY_ESTIMATE)}) do not fit in 70 % of it; made ${int(fits * regions.length * CHART_SIZE)}`
      log(`serve bench: ${note}`)
      runs = Math.max(1, fits)
    }
  }

  const existing = await admin.query<{ comment: string | null }>(
    "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
    [database]
  )
  const recorded = ((): Recorded | null => {
    try {
      return JSON.parse(existing.rows[0]?.comment ?? "null") as Recorded | null
    } catch {
      return null
    }
  })()
  const url = withDatabase(serverUrl, database)
  const migrate = () => {
    const state = mkdtempSync(join(tmpdir(), "vvv-bench-serve-state-"))
    try {
      execFileSync(process.execPath, ["dist/main.js", "migrate"], {
        env: { PATH: process.env.PATH ?? "", DATABASE_URL: url, STATE_DIRECTORY: state },
        stdio: ["ignore", "ignore", "pipe"]
      })
    } finally {
      rmSync(state, { recursive: true, force: true })
    }
  }
  const reuse = !wanted.fresh && recorded !== null && recorded.complete && recorded.version === GENERATOR_VERSION &&
    recorded.regions === regions.length && recorded.runs === runs && recorded.chartSize === CHART_SIZE
  const phases: Record<string, number> = {}
  let totalMs: number
  let from: string
  let until: string
  if (reuse) {
    await admin.end()
    migrate() // the release under test may have added one; nothing otherwise
    log(`serve bench: reusing ${database} (${regions.length} regions × ${CHART_SIZE} × ${runs} runs, made in ${sec(recorded.ms)}); --fresh rebuilds it`)
    Object.assign(phases, recorded.phasesMs)
    totalMs = recorded.ms
    from = recorded.from
    until = recorded.until
  } else {
    const t0 = performance.now()
    let mark = t0
    const phase = (name: string) => {
      const now = performance.now()
      phases[name] = now - mark
      mark = now
      return now - t0
    }
    await admin.query(`DROP DATABASE IF EXISTS ${database}`)
    await admin.query(`CREATE DATABASE ${database}`)
    await admin.end()
    migrate()
    phase("create and migrate")
    const db = new pg.Client({ connectionString: url })
    await db.connect()
    const q = (text: string, values: Array<unknown> = []) => db.query(text, values)
    try {
      await q("SET maintenance_work_mem = '1GB'")
      await q("SET work_mem = '256MB'")
      await q("SET synchronous_commit = off")
      for (const h of helpers) await q(h)

      // The regions, their languages and search configurations; each language a cluster.
      const languages = [...new Set(regions.map((r) => LANGUAGE_OF[r] ?? "en"))]
      await q(`CREATE TEMP TABLE bench_langs (lang text PRIMARY KEY, cluster int, off int, cfg regconfig)`)
      await q(
        `INSERT INTO bench_langs SELECT l, i - 1, ((i - 1) * ${LANGUAGE_OFFSET}) % ${WORDS}, c::regconfig FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x (l, c, i)`,
        [languages, languages.map((l) => searchConfigFor(l))]
      )
      await q(`CREATE TEMP TABLE bench_regions (i int PRIMARY KEY, region text UNIQUE, lang text, cluster int)`)
      await q(
        `INSERT INTO bench_regions SELECT i - 1, r, l.lang, l.cluster FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x (r, lang, i)
         JOIN bench_langs l USING (lang)`,
        [regions, regions.map((r) => LANGUAGE_OF[r] ?? "en")]
      )
      await q("ANALYZE bench_regions")

      // The secondary indexes and the foreign keys go while loading, and come back after.
      const tables = `{${LARGE_TABLES.join(",")}}`
      const constraints = await db.query<Definition & { kind: string }>(
        `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition, contype AS kind
         FROM pg_constraint WHERE conrelid = ANY($1::regclass[]) AND contype IN ('p', 'f', 'u')`,
        [tables]
      )
      const indexes = await db.query<Definition>(
        `SELECT indrelid::regclass::text AS table, indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition
         FROM pg_index i WHERE indrelid = ANY($1::regclass[])
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))`,
        [tables]
      )
      const foreign = constraints.rows.filter((c) => c.kind === "f")
      const keys = constraints.rows.filter((c) => c.kind !== "f")
      for (const c of foreign) await q(`ALTER TABLE ${c.table} DROP CONSTRAINT ${c.name}`)
      for (const i of indexes.rows) await q(`DROP INDEX ${i.name}`)
      for (const c of keys) await q(`ALTER TABLE ${c.table} DROP CONSTRAINT ${c.name}`)

      // The runs: ending at the last whole hour, a run every 7 hours; every unit ok.
      const end = await db.query<{ end: Date }>("SELECT date_trunc('hour', now()) - interval '1 hour' AS end")
      const endAt = end.rows[0]!.end
      await q(
        `INSERT INTO ingest_runs (started_at, finished_at, status, regions, entries, unique_videos, units)
         SELECT $1::timestamptz - ($2::int - 1 - n) * interval '${RUN_INTERVAL_HOURS} hours',
                $1::timestamptz - ($2::int - 1 - n) * interval '${RUN_INTERVAL_HOURS} hours' + interval '4 seconds',
                'ok', o.outcomes, $3::int, 0, $4::int
         FROM generate_series(0, $2::int - 1) n
         CROSS JOIN LATERAL (
           SELECT jsonb_agg(jsonb_build_object('region', region, 'chart', 'all', 'status', 'ok', 'videos', ${CHART_SIZE},
                            'malformed', 0, 'attempts', ${CHART_SIZE / 50}, 'durationMs', 200 + (pg_temp.u(region || n) * 600)::int) ORDER BY i) AS outcomes
           FROM bench_regions
         ) o`,
        [endAt, runs, regions.length * CHART_SIZE, regions.length * (CHART_SIZE / 50)]
      )
      const ids = await db.query<{ lo: string; hi: string; from: Date; until: Date }>(
        "SELECT min(id)::text AS lo, max(id)::text AS hi, min(started_at) AS from, max(started_at) AS until FROM ingest_runs"
      )
      const lo = Number(ids.rows[0]!.lo)
      const hi = Number(ids.rows[0]!.hi)
      from = ids.rows[0]!.from.toISOString()
      until = ids.rows[0]!.until.toISOString()
      // A schema that partitions a table by month (migration 9) has this month's and the
      // next: the history's months are made by its own function, as the store makes them.
      const partitioned = await db.query<{ t: string }>(
        `SELECT c.relname AS t FROM pg_class c WHERE c.oid = ANY($1::regclass[]) AND c.relkind = 'p'`,
        [tables]
      )
      if (partitioned.rows.length > 0) {
        if ((await db.query<{ f: string | null }>("SELECT to_regproc('viralvidvault_ensure_partitions')::text AS f")).rows[0]?.f == null) {
          throw new Error(`${partitioned.rows.map((r) => r.t).join(", ")} partitioned, and no viralvidvault_ensure_partitions to make its months`)
        }
        for (const { t } of partitioned.rows) {
          await q(
            `SELECT viralvidvault_ensure_partitions($1::regclass,
               ARRAY(SELECT g FROM generate_series($2::timestamptz, $3::timestamptz, interval '1 month') g) || $3::timestamptz)`,
            [t, from, until]
          )
        }
      }
      // No autovacuum while loading (of the leaves: a partitioned table has no storage of its own).
      const leaves = (await db.query<{ leaf: string }>(
        `SELECT p.relid::regclass::text AS leaf FROM unnest($1::regclass[]) AS t, ${leavesOf("t")}`,
        [tables]
      )).rows.map((r) => r.leaf)
      for (const leaf of leaves) await q(`ALTER TABLE ${leaf} SET (autovacuum_enabled = false)`)
      phase("runs")

      // The entries and their observations, about a million entries a statement.
      const sql = slots(lo)
      const perChunk = Math.max(1, Math.floor(1_000_000 / (regions.length * CHART_SIZE)))
      for (let a = lo; a <= hi; a += perChunk) {
        const b = Math.min(hi, a + perChunk - 1)
        await q(sql.entries, [a, b])
        const done = (b - lo + 1) * regions.length * CHART_SIZE
        const elapsed = performance.now() - mark
        if (b < hi) log(`  entries: ${int(done)} / ${int(runs * regions.length * CHART_SIZE)} (${int(done / (elapsed / 1000))} a second)`)
      }
      phase("entries and chart observations")

      // Each video from its entries: when, where (the regions as a bit mask), its best-ranked region.
      await q(`
        CREATE TEMP TABLE bench_videos AS
        SELECT e.video_id, min(e.fetched_at) AS first_seen, max(e.fetched_at) AS last_seen,
               (min(e.run_id) - ${lo})::int AS first_n, (max(e.run_id) - ${lo})::int AS last_n, max(e.run_id) AS last_run,
               bit_or(set_bit(B'0'::bit(128), g.i, 1)) AS mask, (min(e.rank * 1000 + g.i) % 1000)::int AS best,
               max(e.view_count) AS views
        FROM trending_entries e JOIN bench_regions g ON g.region = e.region
        GROUP BY e.video_id`)
      await q("ANALYZE bench_videos")
      phase("videos: aggregate")
      await q(`
        INSERT INTO videos (video_id, title, channel_title, view_count, like_count, comment_count, primary_language, search_config,
                            regions, published_at, first_seen_at, last_seen_at, last_run_id, channel_id, category_id, tags,
                            description, duration_seconds, definition, caption, licensed_content, made_for_kids,
                            live_broadcast_content, thumbnail_url, thumbnails, record_hash, gone_at, search)
        SELECT t.*, viralvidvault_search_vector(t.search_config, t.title, t.channel_title, t.tags, t.description)
        FROM (
          SELECT b.video_id,
                 ${titleSql(TITLE_SEED, "tw")} AS title,
                 initcap(${wordOf("cw.w1")} || ' ' || ${wordOf("cw.w2")}) ||
                   CASE WHEN c.n % 7 = 0 THEN ' TV' WHEN c.n % 11 = 0 THEN ' Official' ELSE '' END AS channel_title,
                 tv.views AS view_count, pg_temp.likes(b.video_id, tv.views) AS like_count,
                 pg_temp.comments(b.video_id, tv.views) AS comment_count,
                 l.lang AS primary_language, l.cfg AS search_config,
                 CASE WHEN bit_count(b.mask) = 1 THEN ARRAY[best.region]
                      ELSE ARRAY(SELECT region FROM bench_regions WHERE get_bit(b.mask, i) = 1 ORDER BY region) END AS regions,
                 b.first_seen - (pg_temp.u(b.video_id || ':p') * 60) * interval '1 hour' AS published_at,
                 b.first_seen, b.last_seen, b.last_run, ${channelIdSql("c.n")} AS channel_id,
                 (ARRAY[${ASSIGNABLE.map(quote).join(",")}])[1 + floor(pg_temp.u(b.video_id || ':cat') * ${ASSIGNABLE.length})::int] AS category_id,
                 ${tagsSql("b.video_id", "dw")} AS tags,
                 ${descriptionSql("dw", channelIdSql("c.n"))} AS description,
                 CASE WHEN pg_temp.u(b.video_id || ':live') < 0.02 THEN 0 ELSE 15 + (pg_temp.u(b.video_id || ':d') * 3600)::int END AS duration_seconds,
                 CASE WHEN pg_temp.u(b.video_id || ':sd') < 0.05 THEN 'sd' ELSE 'hd' END AS definition,
                 pg_temp.u(b.video_id || ':cap') < 0.3 AS caption, pg_temp.u(b.video_id || ':lic') < 0.6 AS licensed_content,
                 pg_temp.u(b.video_id || ':kid') < 0.03 AS made_for_kids, 'none' AS live_broadcast_content,
                 'https://i.ytimg.com/vi/' || b.video_id || '/maxresdefault.jpg' AS thumbnail_url,
                 jsonb_build_object(
                   'default', jsonb_build_object('url', 'https://i.ytimg.com/vi/' || b.video_id || '/default.jpg', 'width', 120, 'height', 90),
                   'medium', jsonb_build_object('url', 'https://i.ytimg.com/vi/' || b.video_id || '/mqdefault.jpg', 'width', 320, 'height', 180),
                   'high', jsonb_build_object('url', 'https://i.ytimg.com/vi/' || b.video_id || '/hqdefault.jpg', 'width', 480, 'height', 360),
                   'standard', jsonb_build_object('url', 'https://i.ytimg.com/vi/' || b.video_id || '/sddefault.jpg', 'width', 640, 'height', 480),
                   'maxres', jsonb_build_object('url', 'https://i.ytimg.com/vi/' || b.video_id || '/maxresdefault.jpg', 'width', 1280, 'height', 720)) AS thumbnails,
                 md5(b.video_id) AS record_hash,
                 CASE WHEN tr.gone AND b.last_n + 4 <= ${hi - lo}
                      THEN $1::timestamptz + (b.last_n + 4) * interval '${RUN_INTERVAL_HOURS} hours' + interval '3 minutes' END AS gone_at
          FROM bench_videos b
          JOIN bench_regions best ON best.i = b.best
          JOIN bench_langs l ON l.lang = CASE WHEN bit_count(b.mask) > 20 THEN 'en' ELSE best.lang END
          CROSS JOIN LATERAL (SELECT pg_temp.u(b.video_id || ':gone') < 0.02 AS gone) tr
          CROSS JOIN LATERAL (SELECT LEAST(CASE WHEN tr.gone THEN 3 ELSE ${TRACK_RUNS} END, ${hi - lo} - b.last_n) AS runs) k
          CROSS JOIN LATERAL (SELECT (b.views + k.runs * pg_temp.u(b.video_id || ':r') * 100000)::bigint AS views) tv
          CROSS JOIN LATERAL (SELECT (pg_temp.u(b.video_id || ':chn') * ${Math.max(500, runs * 120)})::int AS n) c
          ${wordNumbers("tw", TITLE_SEED, "l.off", TITLE_WORDS)}
          ${wordNumbers("dw", "b.video_id", "l.off", [...DESCRIPTION_WORDS, ...TAG_WORDS])}
          ${wordNumbers("cw", "'ch:' || c.n", "l.off", [1, 2])}
        ) t`, [from])
      phase("videos: insert")
      // Tracking: ~3 days of observations after a video's last chart (3 runs when it went).
      await q(`
        INSERT INTO video_stats (video_id, observed_at, view_count, like_count, comment_count)
        SELECT b.video_id, $1::timestamptz + (b.last_n + j) * interval '${RUN_INTERVAL_HOURS} hours' + interval '3 minutes',
               v.views, pg_temp.likes(b.video_id, v.views), pg_temp.comments(b.video_id, v.views)
        FROM bench_videos b
        CROSS JOIN LATERAL generate_series(1, LEAST(CASE WHEN pg_temp.u(b.video_id || ':gone') < 0.02 THEN 3 ELSE ${TRACK_RUNS} END, ${hi - lo} - b.last_n)) j
        CROSS JOIN LATERAL (SELECT (b.views + j * pg_temp.u(b.video_id || ':r') * 100000)::bigint AS views) v`, [from])
      phase("tracking observations")
      // A revision when first seen; a quarter retitled halfway through their charting.
      await q(`
        INSERT INTO video_revisions (video_id, observed_at, title, description, thumbnail_url, tags)
        SELECT v.video_id, v.first_seen_at, v.title, v.description, v.thumbnail_url, v.tags
        FROM videos v JOIN bench_videos b USING (video_id)
        WHERE NOT (pg_temp.u(v.video_id || ':rev') < 0.25 AND b.last_n > b.first_n)
        UNION ALL
        SELECT v.video_id, v.first_seen_at, ${titleSql(`v.video_id || ':t0'`, "tw")}, v.description, v.thumbnail_url, v.tags
        FROM videos v JOIN bench_videos b USING (video_id) JOIN bench_langs l ON l.lang = v.primary_language
        ${wordNumbers("tw", `v.video_id || ':t0'`, "l.off", TITLE_WORDS)}
        WHERE pg_temp.u(v.video_id || ':rev') < 0.25 AND b.last_n > b.first_n
        UNION ALL
        SELECT v.video_id, $1::timestamptz + ((b.first_n + b.last_n + 1) / 2) * interval '${RUN_INTERVAL_HOURS} hours' + interval '2 seconds',
               v.title, v.description, v.thumbnail_url, v.tags
        FROM videos v JOIN bench_videos b USING (video_id)
        WHERE pg_temp.u(v.video_id || ':rev') < 0.25 AND b.last_n > b.first_n`, [from])
      await q(
        `INSERT INTO categories (region, category_id, title, assignable, fetched_at)
         SELECT g.region, c.id, c.title, c.assignable, $4::timestamptz FROM bench_regions g
         CROSS JOIN unnest($1::text[], $2::text[], $3::boolean[]) AS c (id, title, assignable)`,
        [CATEGORIES.map(([id]) => id), CATEGORIES.map(([, title]) => title), CATEGORIES.map(([, , a]) => a), until]
      )
      phase("revisions and categories")
      for (const c of keys) await q(`ALTER TABLE ${c.table} ADD CONSTRAINT ${c.name} ${c.definition}`)
      // An index of a partitioned table reads `ON ONLY t`, which would index no partition.
      for (const i of indexes.rows) await q(i.definition.replace(" ON ONLY ", " ON "))
      phase("primary keys and indexes")
      for (const c of foreign) await q(`ALTER TABLE ${c.table} ADD CONSTRAINT ${c.name} ${c.definition}`)
      phase("foreign keys")
      for (const leaf of leaves) await q(`ALTER TABLE ${leaf} RESET (autovacuum_enabled)`)
      await q("VACUUM (ANALYZE)")
      totalMs = phase("vacuum analyze")
      const record: Recorded = { version: GENERATOR_VERSION, regions: regions.length, runs, chartSize: CHART_SIZE, complete: true, ms: totalMs, phasesMs: phases, from, until }
      await q(`COMMENT ON DATABASE ${database} IS ${quote(JSON.stringify(record))}`)
    } finally {
      await db.end()
    }
  }

  const db = new pg.Client({ connectionString: url })
  await db.connect()
  const counts = await db.query<{ entries: string; videos: string; stats: string; revisions: string; size: string }>(
    // Estimates (ANALYZE's), summed over partitions where a table has them.
    `WITH n AS (
       SELECT t, sum(GREATEST(c.reltuples, 0))::bigint::text AS n
       FROM unnest(ARRAY['trending_entries', 'videos', 'video_stats', 'video_revisions']) AS t, ${leavesOf("t")}
       JOIN pg_class c ON c.oid = p.relid GROUP BY t
     )
     SELECT (SELECT n FROM n WHERE t = 'trending_entries') AS entries, (SELECT n FROM n WHERE t = 'videos') AS videos,
            (SELECT n FROM n WHERE t = 'video_stats') AS stats, (SELECT n FROM n WHERE t = 'video_revisions') AS revisions,
            pg_database_size(current_database())::text AS size`
  )
  const sizes = await db.query<{ t: string; n: string }>(
    `SELECT t, sum(pg_total_relation_size(p.relid))::text AS n FROM unnest($1::text[]) AS t, ${leavesOf("t")} GROUP BY t ORDER BY sum(pg_total_relation_size(p.relid)) DESC`,
    [[...LARGE_TABLES, "ingest_runs", "categories"]]
  )
  await db.end()
  const c = counts.rows[0]!
  const scale: ServeScale = {
    regions: regions.length,
    chartSize: CHART_SIZE,
    runs,
    entries: Number(c.entries),
    days: Math.round((runs * RUN_INTERVAL_HOURS) / 24),
    videos: Number(c.videos),
    observations: Number(c.stats),
    revisions: Number(c.revisions),
    from,
    until,
    requestedEntries: wanted.entries,
    note
  }
  const synthesis: SynthesisFigure = {
    reused: reuse,
    ms: totalMs,
    phasesMs: phases,
    databaseBytes: Number(c.size),
    tableBytes: Object.fromEntries(sizes.rows.map((r) => [r.t, Number(r.n)]))
  }
  return { url, scale, synthesis }
}

// ---------------------------------------------------------------------------- the queries, as the store sends them

const CONFIGS = `{${ALL_SEARCH_CONFIGS.join(",")}}`

/** src/Store/ChartJson.ts `chartJsonQuery`: $1 region, $2 chart, $3 at, $4 region, $5 chart, $6 region, $7 chart. */
const CHART_SQL = `
          WITH run AS (
            SELECT run_id FROM trending_entries
            WHERE region = $1 AND chart = $2 AND fetched_at <= $3
            ORDER BY fetched_at DESC, run_id DESC
            LIMIT 1
          ), entries AS (
            SELECT e.run_id, e.fetched_at, e.rank,
                   '{"rank":' || e.rank || ',"videoId":' || to_json(e.video_id) || ',"title":' || to_json(v.title) ||
                   ',"channelTitle":' || to_json(v.channel_title) ||
                   ',"viewCount":' || COALESCE(e.view_count::text, 'null') ||
                   ',"likeCount":' || COALESCE(e.like_count::text, 'null') ||
                   ',"commentCount":' || COALESCE(e.comment_count::text, 'null') ||
                   ',"durationSeconds":' || COALESCE(v.duration_seconds::text, 'null') ||
                   ',"categoryId":' || COALESCE(to_json(v.category_id)::text, 'null') ||
                   ',"categoryTitle":' || COALESCE(to_json(c.title)::text, 'null') ||
                   ',"thumbnailUrl":' || COALESCE(to_json(v.thumbnail_url)::text, 'null') ||
                   ',"url":' || to_json('https://www.youtube.com/watch?v=' || e.video_id) || '}' AS entry
            FROM run
            JOIN trending_entries e ON e.run_id = run.run_id AND e.region = $4 AND e.chart = $5
            JOIN videos v ON v.video_id = e.video_id
            LEFT JOIN categories c ON c.region = e.region AND c.category_id = v.category_id
          )
          SELECT '{"region":' || to_json($6::text) || ',"chart":' || to_json($7::text) ||
                 ',"runId":' || min(run_id) ||
                 ',"fetchedAt":"' || to_char(min(fetched_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ||
                 '","entries":[' || string_agg(entry, ',' ORDER BY rank) || ']}' AS json
          FROM entries
          HAVING count(*) > 0`

/** src/Store/Trends.ts `videoRow`: $1 the id. */
const VIDEO_SQL = `
          SELECT v.video_id AS "videoId", v.title, v.channel_title AS "channelTitle", v.channel_id AS "channelId",
                 v.category_id AS "categoryId", v.tags, v.description, v.published_at AS "publishedAt",
                 v.duration_seconds AS "durationSeconds", v.definition, v.caption,
                 v.licensed_content AS "licensedContent", v.made_for_kids AS "madeForKids",
                 v.live_broadcast_content AS "liveBroadcastContent", v.thumbnail_url AS "thumbnailUrl", v.thumbnails,
                 v.primary_language AS language, v.regions,
                 v.view_count AS "viewCount", v.like_count AS "likeCount", v.comment_count AS "commentCount",
                 v.first_seen_at AS "firstSeenAt", v.last_seen_at AS "lastSeenAt", v.gone_at AS "goneAt",
                 'https://www.youtube.com/watch?v=' || v.video_id AS url,
                 COALESCE((
                   SELECT json_agg(json_build_object(
                            'region', e.region, 'chart', e.chart, 'runId', e.run_id, 'fetchedAt', e.fetched_at, 'rank', e.rank)
                          ORDER BY e.fetched_at, e.region, e.chart)
                   FROM trending_entries e WHERE e.video_id = v.video_id
                 ), '[]') AS trending,
                 COALESCE((
                   SELECT json_agg(json_build_object(
                            'observedAt', s.observed_at, 'viewCount', s.view_count,
                            'likeCount', s.like_count, 'commentCount', s.comment_count)
                          ORDER BY s.observed_at)
                   FROM video_stats s WHERE s.video_id = v.video_id
                 ), '[]') AS stats,
                 COALESCE((
                   SELECT json_agg(json_build_object('observedAt', r.observed_at, 'title', r.title) ORDER BY r.observed_at)
                   FROM video_revisions r WHERE r.video_id = v.video_id
                 ), '[]') AS revisions
          FROM videos v
          WHERE v.video_id = $1`

/** src/Store/Trends.ts `overlapRows`: $1 chart, $2 since, $3 until. */
const OVERLAP_SQL = `
          WITH listed AS (
            SELECT DISTINCT region, video_id FROM trending_entries
            WHERE chart = $1 AND fetched_at >= $2 AND fetched_at < $3
          )
          SELECT a.region AS a, b.region AS b, count(*)::integer AS shared
          FROM listed a JOIN listed b ON b.video_id = a.video_id AND b.region >= a.region
          GROUP BY a.region, b.region
          ORDER BY a.region, b.region`

/** src/Store/Trends.ts `runRows`: $1 limit. */
const RUNS_SQL = `
          SELECT id, started_at AS "startedAt", finished_at AS "finishedAt", status, entries,
                 unique_videos AS "uniqueVideos", regions
          FROM ingest_runs
          ORDER BY started_at DESC, id DESC
          LIMIT $1`

/** src/Store/Trends.ts `regionRows` (the page's tabs). */
const REGIONS_SQL = `
          WITH RECURSIVE r AS (
            (SELECT region FROM trending_entries ORDER BY region LIMIT 1)
            UNION ALL
            SELECT (SELECT e.region FROM trending_entries e WHERE e.region > r.region ORDER BY e.region LIMIT 1)
            FROM r WHERE r.region IS NOT NULL
          )
          SELECT region FROM r WHERE region IS NOT NULL`

/** src/Store/Search.ts `matches`: $1 configs, $2 query, $3 regions, $4 regions, $5 limit. */
const SEARCH_SQL = `
          WITH q AS MATERIALIZED (
            SELECT cfg, websearch_to_tsquery(cfg, $2) AS query
            FROM unnest($1::regconfig[]) AS cfg
          ), hits AS (
            SELECT v.*, (SELECT q.query FROM q WHERE q.cfg = v.search_config) AS own
            FROM videos v
            WHERE v.search @@ (SELECT string_agg(DISTINCT '(' || query::text || ')', ' | ')::tsquery FROM q WHERE numnode(query) > 0)
              AND (cardinality($3::text[]) = 0 OR v.regions && $4::text[])
          )
          SELECT h.video_id AS "videoId", h.title, h.channel_title AS "channelTitle", h.regions,
                 h.view_count::text AS "viewCount", h.primary_language AS language,
                 ts_rank(h.search, h.own)::float8 AS score, h.last_seen_at AS "lastSeenAt",
                 'https://www.youtube.com/watch?v=' || h.video_id AS url
          FROM hits h
          WHERE h.search @@ h.own
          ORDER BY score DESC, h.view_count DESC NULLS LAST, h.video_id
          LIMIT $5`

/** The hits of a query, as `matches` finds them, without the limit. */
const SEARCH_COUNT_SQL = `
          WITH q AS MATERIALIZED (SELECT cfg, websearch_to_tsquery(cfg, $2) AS query FROM unnest($1::regconfig[]) AS cfg)
          SELECT count(*)::int AS n FROM videos v
          WHERE v.search @@ (SELECT string_agg(DISTINCT '(' || query::text || ')', ' | ')::tsquery FROM q WHERE numnode(query) > 0)
            AND v.search @@ (SELECT q.query FROM q WHERE q.cfg = v.search_config)`

/**
 * The copies above against the store's sources: each `${…}` there and `$n` here read as
 * one placeholder, whitespace collapsed. The names of the copies that no longer match.
 */
export const staleCopies = (): ReadonlyArray<string> => {
  const normalise = (text: string) => {
    let out = ""
    for (let i = 0; i < text.length; i++) {
      if (text[i] === "$" && text[i + 1] === "{") {
        let depth = 0
        for (i = i + 1; i < text.length; i++) {
          if (text[i] === "{") depth++
          else if (text[i] === "}" && --depth === 0) break
        }
        out += "?"
      } else out += text[i]
    }
    return out.replace(/\$\d+/g, "?").replace(/\s+/g, " ").trim()
  }
  const read = (file: string) => (existsSync(file) ? normalise(readFileSync(file, "utf8")) : null)
  const trends = read("src/Store/Trends.ts")
  const chartJson = read("src/Store/ChartJson.ts")
  const search = read("src/Store/Search.ts")
  const copies: ReadonlyArray<readonly [string, string, string | null]> = [
    ["chartJsonQuery", CHART_SQL, chartJson], ["videoRow", VIDEO_SQL, trends], ["overlapRows", OVERLAP_SQL, trends],
    ["runRows", RUNS_SQL, trends], ["regionRows", REGIONS_SQL, trends],
    ["matches", SEARCH_SQL, search]
  ]
  return copies.filter(([, copy, source]) => source !== null && !source.includes(normalise(copy))).map(([name]) => name)
}

interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string
  readonly "Index Name"?: string
  readonly "Actual Rows"?: number
  readonly "Actual Loops"?: number
  readonly "Shared Hit Blocks"?: number
  readonly "Shared Read Blocks"?: number
  readonly Plans?: ReadonlyArray<PlanNode>
}
interface Explained {
  readonly Plan: PlanNode
  readonly "Planning Time": number
  readonly "Execution Time": number
}

const walk = (node: PlanNode, visit: (n: PlanNode) => void) => {
  visit(node)
  for (const child of node.Plans ?? []) walk(child, visit)
}

const explainOne = async (
  db: pg.Client,
  name: string,
  parameters: string,
  sql: string,
  values: ReadonlyArray<unknown>
): Promise<PlanFigure> => {
  const run = async () => {
    // Without per-node timing, which costs a clock reading a row and node: the time is the query's.
    const r = await db.query<{ "QUERY PLAN": ReadonlyArray<Explained> }>(`EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) ${sql}`, [...values])
    return r.rows[0]!["QUERY PLAN"][0]!
  }
  const cold = await run()
  const warm = [await run(), await run()].sort((a, b) => a["Execution Time"] - b["Execution Time"])[0]!
  // A monthly partition (`trending_entries_2026_11`, its `trending_entries_2026_11_video_id_fetched_at_idx`) counts as its table's.
  const month = (name: string) => name.replace(/_\d{4}_\d{2}(?=_|$)/, "_YYYY_MM")
  const indexes = new Map<string, number>()
  const scanned = new Set<string>()
  walk(warm.Plan, (n) => {
    if (n["Index Name"] !== undefined) {
      const key = `${n["Node Type"]} ${month(n["Index Name"])}`
      indexes.set(key, (indexes.get(key) ?? 0) + 1)
    }
    if (n["Node Type"] === "Seq Scan" && n["Relation Name"] !== undefined) scanned.add(n["Relation Name"])
  })
  // A sequential scan matters when its table is large: not an empty month's partition, nor a few hundred runs.
  const sizes = await db.query<{ name: string; rows: number }>(
    "SELECT relname AS name, GREATEST(reltuples, 0)::float8 AS rows FROM pg_class WHERE relname = ANY($1::text[]) AND relkind = 'r'",
    [[...scanned]]
  )
  const rowsOf = new Map(sizes.rows.map((r) => [r.name, r.rows]))
  const seqScans = [...scanned].map((name) => `${name} (${int(rowsOf.get(name) ?? 0)} rows)`)
  const flagged = [...scanned].filter((name) => (rowsOf.get(name) ?? 0) >= 10_000).map((name) => `${name} (${int(rowsOf.get(name) ?? 0)} rows)`)
  const text = await db.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, [...values])
  return {
    name,
    parameters,
    coldMs: cold["Execution Time"],
    warmMs: warm["Execution Time"],
    planningMs: warm["Planning Time"],
    rows: warm.Plan["Actual Rows"] ?? 0,
    sharedHit: warm.Plan["Shared Hit Blocks"] ?? 0,
    sharedRead: cold.Plan["Shared Read Blocks"] ?? 0,
    indexes: [...indexes].map(([name, count]) => (count > 1 ? `${name} ×${count}` : name)),
    seqScans,
    flagged,
    plan: text.rows.map((r) => r["QUERY PLAN"]).join("\n")
  }
}

/** What the load and the EXPLAINs ask for: the history's regions, times, videos and search words. */
interface Parameters {
  readonly regions: ReadonlyArray<string>
  readonly from: Date
  readonly until: Date
  readonly currentVideos: ReadonlyArray<string>
  readonly pastVideos: ReadonlyArray<string>
  readonly heaviestVideo: string
  readonly searches: ReadonlyArray<{ readonly query: string; readonly hits: number }>
  readonly commonWord: { readonly query: string; readonly hits: number }
}

const sampleParameters = async (db: pg.Client, log: (line: string) => void): Promise<Parameters> => {
  const regions = (await db.query<{ region: string }>("SELECT DISTINCT region FROM categories ORDER BY region")).rows.map((r) => r.region)
  const span = (await db.query<{ from: Date; until: Date }>("SELECT min(fetched_at) AS from, max(fetched_at) AS until FROM trending_entries")).rows[0]!
  const current = (await db.query<{ video_id: string }>(
    "SELECT DISTINCT video_id FROM trending_entries WHERE run_id = (SELECT max(id) FROM ingest_runs) ORDER BY video_id LIMIT 2000"
  )).rows.map((r) => r.video_id)
  // Pages sampled, not rows (BERNOULLI would read the whole table, gigabytes at full scale).
  const total = Number((await db.query<{ n: string }>("SELECT GREATEST(reltuples, 1)::bigint::text AS n FROM pg_class WHERE oid = 'videos'::regclass")).rows[0]!.n)
  const percent = Math.min(100, (6000 / total) * 100)
  const past = (await db.query<{ video_id: string }>(
    `SELECT video_id FROM videos TABLESAMPLE SYSTEM (${percent}) REPEATABLE (13) ORDER BY video_id LIMIT 2000`
  )).rows.map((r) => r.video_id)
  // The heaviest of the current charts: a worldwide hit, listed in most regions for days.
  const heaviest = (await db.query<{ video_id: string }>(
    "SELECT video_id FROM videos WHERE video_id = ANY($1::text[]) ORDER BY cardinality(regions) DESC, last_seen_at - first_seen_at DESC, video_id LIMIT 1",
    [current]
  )).rows[0]!.video_id

  // Search words: pseudo-words across the Zipf ranks of a few languages, kept where they hit
  // a few hundred to a few thousand videos (else the nearest to a thousand).
  // The offsets of the first three languages (bench_langs: the i-th language's is i × 2749 mod 8000).
  const langs = [0, 1, 2].map((i) => (i * LANGUAGE_OFFSET) % WORDS)
  const syllable = (i: number) => SYLLABLES[i % 20]! + SYLLABLES[Math.floor(i / 20) % 20]! + SYLLABLES[Math.floor(i / 400) % 20]!
  // Rarest first; a language's more common words are left once its words hit over 20,000 (each count costs what its hits do).
  const ranks = [3000, 2000, 1400, 900, 600, 400, 260, 180, 120, 80, 55, 35, 22, 14, 9, 5, 2]
  const counted: Array<{ query: string; hits: number }> = []
  for (const off of langs) {
    for (const rank of ranks) {
      const word = syllable((rank + off) % WORDS)
      if (counted.some((c) => c.query === word)) continue
      const r = await db.query<{ n: number }>(SEARCH_COUNT_SQL, [CONFIGS, word])
      counted.push({ query: word, hits: r.rows[0]!.n })
      if (r.rows[0]!.n > 20_000) break
    }
  }
  // Six spread over the band (its rarest to its most common), else the six nearest to a thousand hits.
  const inBand = counted.filter((c) => c.hits >= 200 && c.hits <= 5000).sort((a, b) => a.hits - b.hits)
  const words = inBand.length >= 4
    ? [...new Set([0, 1, 2, 3, 4, 5].map((k) => inBand[Math.round((k * (inBand.length - 1)) / 5)]!))]
    : [...counted].sort((a, b) => Math.abs(Math.log((a.hits + 1) / 1000)) - Math.abs(Math.log((b.hits + 1) / 1000))).slice(0, 6)
  // Queries as people type them: words, two words, a phrase, an `or`, an exclusion.
  const w = (i: number) => words[i % words.length]!.query
  const composite = [`${w(0)} ${w(1)}`, `"${w(2)} ${w(3)}"`, `${w(1)} or ${w(4)}`, `${w(2)} -${w(0)}`]
  const searches = [...words]
  for (const query of composite) {
    const r = await db.query<{ n: number }>(SEARCH_COUNT_SQL, [CONFIGS, query])
    searches.push({ query, hits: r.rows[0]!.n })
  }
  const common = await db.query<{ n: number }>(SEARCH_COUNT_SQL, [CONFIGS, "official"])
  log(`search words (hits): ${searches.map((s) => `${s.query} (${int(s.hits)})`).join(", ")}; common word: official (${int(common.rows[0]!.n)})`)
  return {
    regions,
    from: span.from,
    until: span.until,
    currentVideos: current,
    pastVideos: past,
    heaviestVideo: heaviest,
    searches,
    commonWord: { query: "official", hits: common.rows[0]!.n }
  }
}

const explainAll = async (db: pg.Client, p: Parameters): Promise<ReadonlyArray<PlanFigure>> => {
  const day = 24 * 3600 * 1000
  const weekAgo = new Date(Math.max(p.from.getTime(), p.until.getTime() - 7 * day))
  const middle = new Date((p.from.getTime() + p.until.getTime()) / 2)
  const region = p.regions.includes("US") ? "US" : p.regions[0]!
  const other = p.regions[Math.floor(p.regions.length / 2)]!
  const word = p.searches[Math.floor(p.searches.length / 3)] ?? p.searches[0]!
  const typical = p.currentVideos[Math.floor(p.currentVideos.length / 2)]!
  const end = new Date(p.until.getTime() + 1000)
  const plans: Array<PlanFigure> = []
  const add = async (name: string, parameters: string, sql: string, values: ReadonlyArray<unknown>) =>
    plans.push(await explainOne(db, name, parameters, sql, values))
  await add("chart, now", `region ${region}, chart all, at now`, CHART_SQL, [region, "all", new Date(), region, "all", region, "all"])
  await add("chart, at a time", `region ${other}, at ${middle.toISOString()}`, CHART_SQL, [other, "all", middle, other, "all", other, "all"])
  await add("video, typical", `id ${typical} (on the current chart)`, VIDEO_SQL, [typical])
  await add("video, heaviest", `id ${p.heaviestVideo} (most regions, longest)`, VIDEO_SQL, [p.heaviestVideo])
  await add("search, a word", `q ${word.query} (${int(word.hits)} hits), limit 20`, SEARCH_SQL, [CONFIGS, word.query, "{}", "{}", 20])
  await add("search, a word in 2 regions", `q ${word.query}, region ${region},${other}`, SEARCH_SQL, [CONFIGS, word.query, `{${region},${other}}`, `{${region},${other}}`, 20])
  await add("search, a common word", `q ${p.commonWord.query} (${int(p.commonWord.hits)} hits)`, SEARCH_SQL, [CONFIGS, p.commonWord.query, "{}", "{}", 20])
  await add("overlap, the last week", `chart all, ${weekAgo.toISOString().slice(0, 10)} – ${end.toISOString().slice(0, 10)}`, OVERLAP_SQL, ["all", weekAgo, end])
  await add("runs (health: 1)", "limit 1", RUNS_SQL, [1])
  await add("regions (the page's tabs)", "", REGIONS_SQL, [])
  return plans
}

// ---------------------------------------------------------------------------- the server and the load

interface Served {
  readonly base: string
  readonly child: ChildProcess
  readonly startMs: number
  readonly stderr: () => string
  readonly state: string
}

const startServer = (url: string): Promise<Served> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const state = mkdtempSync(join(tmpdir(), "vvv-bench-serve-"))
    const child = spawn(process.execPath, ["dist/main.js", "serve", "--host", "127.0.0.1", "--port", "0"], {
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: url, STATE_DIRECTORY: state },
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    let found = false
    child.stderr!.on("data", (d: Buffer) => {
      if (stderr.length < 1_000_000) stderr += d.toString()
      const m = /Listening on (http:\/\/[0-9.:]+)/.exec(stderr)
      if (m !== null && !found) {
        found = true
        resolve({ base: m[1]!, child, startMs: performance.now() - t0, stderr: () => stderr, state })
      }
    })
    child.on("exit", (code) => {
      if (!found) {
        rmSync(state, { recursive: true, force: true })
        reject(new Error(`serve exited ${code} before listening:\n${stderr}`))
      }
    })
  })

const stopServer = (served: Served): Promise<number | null> =>
  new Promise<number | null>((resolve) => {
    if (served.child.exitCode !== null) return resolve(served.child.exitCode)
    served.child.on("exit", (code) => resolve(code))
    served.child.kill("SIGTERM")
  }).finally(() => rmSync(served.state, { recursive: true, force: true }))

/** User + system CPU of a process so far, ms; null where /proc does not say. */
const cpuMsOf = (pid: number | undefined): number | null => {
  try {
    // After the command's closing parenthesis: state is field 3, utime 14, stime 15 (clock ticks, 100 a second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return null
  }
}

/** The CPU of the server's database backends so far (those readable here), keyed by pid. */
const backendCpu = async (db: pg.Client): Promise<Map<number, number>> => {
  const pids = await db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'viralvidvault'")
  return new Map(pids.rows.flatMap((r) => {
    const ms = cpuMsOf(r.pid)
    return ms === null ? [] : [[r.pid, ms] as const]
  }))
}
const cpuSpent = (before: Map<number, number>, after: Map<number, number>): number | null =>
  after.size === 0 ? null : [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0)

/** VmHWM of a process, MB; null where /proc does not say. */
const peakRssMb = (pid: number | undefined): number | null => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return m === null ? null : Math.round(Number(m[1]) / 1024)
  } catch {
    return null
  }
}

interface Answer {
  readonly status: number
  readonly ms: number
  readonly bytes: number
  readonly type: string
}

/**
 * One request as a browser or Node's fetch makes it: gzip accepted, and undone when the
 * answer comes gzipped (inside the time measured). `bytes`: what came over the socket.
 */
const get = (agent: http.Agent, url: string): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const req = http.get(url, { agent, headers: { "accept-encoding": "gzip" } }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => {
        const body = Buffer.concat(chunks)
        if (res.headers["content-encoding"] === "gzip") gunzipSync(body)
        resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, bytes: body.length, type: String(res.headers["content-type"] ?? "") })
      })
      res.on("error", reject)
    })
    req.on("error", reject)
  })

const waitHealthy = async (base: string) => {
  const agent = new http.Agent({ keepAlive: false })
  for (let i = 0; i < 300; i++) {
    const ok = await get(agent, `${base}/api/health`).then((a) => a.status === 200, () => false)
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error("serve: /api/health did not answer 200 within 30 s")
}

/** `requests` requests from `concurrency` clients, each waiting for its answer before the next. */
const load = async (base: string, next: () => string, requests: number, concurrency: number) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  const ms: Array<number> = []
  let errors = 0
  let bytes = 0
  let sent = 0
  const firstErrors: Array<string> = []
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (sent < requests) {
      sent++
      const path = next()
      const a = await get(agent, `${base}${path}`).catch((e: unknown) => ({ status: 0, ms: NaN, bytes: 0, type: String(e) }))
      if (a.status !== 200) {
        errors++
        if (firstErrors.length < 3) firstErrors.push(`${a.status} ${path}`)
      } else {
        ms.push(a.ms)
        bytes += a.bytes
      }
    }
  }))
  const wall = performance.now() - t0
  agent.destroy()
  const sorted = ms.sort((a, b) => a - b)
  return {
    errors,
    firstErrors,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    requestsPerSecond: requests / (wall / 1000),
    meanBytes: bytes / Math.max(1, sorted.length)
  }
}

const cpu = (ms: number | null) => (ms === null ? "?" : ms1(ms))

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z")

const endpointMixes = (p: Parameters, random: () => number) => {
  const pick = <A>(xs: ReadonlyArray<A>) => xs[Math.floor(random() * xs.length)]!
  const span = p.until.getTime() - p.from.getTime()
  const week = 7 * 24 * 3600 * 1000
  const at = () => new Date(p.from.getTime() + random() * span)
  return [
    {
      endpoint: "/api/charts/{region}",
      targetMs: TARGETS_MS.charts,
      // Two in three the current chart (what the page shows), one a chart as it stood.
      next: () => (random() < 2 / 3 ? `/api/charts/${pick(p.regions)}` : `/api/charts/${pick(p.regions)}?at=${iso(at())}`)
    },
    // The mix's two halves apart, judged by no target of their own: what a site showing the
    // current charts gets (answers kept until a run lands), and what a chart as it stood at a
    // random time costs (a different run almost every time: computed, compressed, sent).
    {
      endpoint: "/api/charts/{region} (current)",
      targetMs: null,
      next: () => `/api/charts/${pick(p.regions)}`
    },
    {
      endpoint: "/api/charts/{region}?at=",
      targetMs: null,
      next: () => `/api/charts/${pick(p.regions)}?at=${iso(at())}`
    },
    {
      endpoint: "/api/videos/{id}",
      targetMs: TARGETS_MS.videos,
      // Half from the current charts (clicked from the page), half anything stored.
      next: () => `/api/videos/${random() < 0.5 ? pick(p.currentVideos) : pick(p.pastVideos)}`
    },
    {
      endpoint: "/api/search",
      targetMs: TARGETS_MS.search,
      next: () => {
        const q = pick(p.searches).query
        const r = random()
        const regions = r < 0.25 ? `&region=${pick(p.regions)},${pick(p.regions)}` : ""
        return `/api/search?q=${encodeURIComponent(q)}${regions}`
      }
    },
    {
      endpoint: "/api/overlap (a week)",
      targetMs: TARGETS_MS.overlap,
      next: () => {
        const since = span <= week ? p.from : new Date(p.from.getTime() + random() * (span - week))
        const until = new Date(Math.min(since.getTime() + week, p.until.getTime() + 1000))
        return `/api/overlap?since=${iso(since)}&until=${iso(until)}`
      }
    }
  ]
}

// ---------------------------------------------------------------------------- the page in a browser

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const BROWSER_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"
]

interface Timing {
  readonly responseEnd: number
  readonly domContentLoaded: number
  readonly load: number
  readonly fcp: number | null
  readonly bytes: number
}

/**
 * Read in the page: the navigation's timing (ms from its start) and first contentful paint,
 * waited for (a headless browser may record the paint after the load event), 2 s at most.
 */
const TIMING_SCRIPT = `new Promise((resolve) => {
  const done = (fcp) => {
    const n = performance.getEntriesByType("navigation")[0];
    resolve(JSON.stringify({ responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd,
                             fcp, bytes: n.transferSize }));
  };
  new PerformanceObserver((list) => {
    const fcp = list.getEntriesByName("first-contentful-paint")[0];
    if (fcp) done(fcp.startTime);
  }).observe({ type: "paint", buffered: true });
  setTimeout(() => done(null), 2000);
})`

/**
 * Each page `loads` times, each a first load: the browser's cache cleared and a new tab.
 * Thumbnails (i.ytimg.com, unreachable here) are refused at once, as an offline browser would.
 */
const measurePages = async (
  base: string,
  pages: ReadonlyArray<{ readonly page: string; readonly targetMs: number | null }>,
  loads: number,
  log: (line: string) => void
): Promise<ReadonlyArray<PageFigure>> => {
  const { chromium } = await import("playwright-core")
  const profile = mkdtempSync(join(tmpdir(), "vvv-bench-chromium-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: BROWSER_ARGS,
    viewport: { width: 1200, height: 900 }
  })
  try {
    await context.route("https://i.ytimg.com/**", (route) => route.abort())
    const once = async (path: string): Promise<Timing> => {
      const page = await context.newPage()
      const cdp = await context.newCDPSession(page)
      await cdp.send("Network.clearBrowserCache")
      const response = await page.goto(`${base}${path}`, { waitUntil: "load" })
      if (response === null || response.status() !== 200) throw new Error(`${path} answered ${response?.status()}`)
      const timing = JSON.parse(await page.evaluate<string>(TIMING_SCRIPT)) as Timing
      await cdp.detach()
      await page.close()
      return timing
    }
    await once(pages[0]!.page) // the browser's own start-up is not the page's
    const figures: Array<PageFigure> = []
    for (const { page, targetMs } of pages) {
      const timings: Array<Timing> = []
      for (let i = 0; i < loads; i++) timings.push(await once(page))
      const content = timings.map((t) => t.fcp ?? t.domContentLoaded)
      const contentMs = median(content)
      const figure: PageFigure = {
        page,
        loads,
        contentMs,
        contentMaxMs: Math.max(...content),
        responseEndMs: median(timings.map((t) => t.responseEnd)),
        domContentLoadedMs: median(timings.map((t) => t.domContentLoaded)),
        loadMs: median(timings.map((t) => t.load)),
        bytes: median(timings.map((t) => t.bytes)),
        targetMs,
        met: targetMs === null ? null : contentMs <= targetMs
      }
      if (timings.some((t) => t.fcp === null)) log(`  (${page}: no paint timing from the browser; DOMContentLoaded used)`)
      figures.push(figure)
    }
    return figures
  } finally {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------- the bench

const markdownOf = (r: Omit<ServeBenchResult, "markdown">): string => {
  const lines: Array<string> = []
  const s = r.scale
  lines.push(
    `Database: ${s.regions} regions × ${s.chartSize} × ${int(s.runs)} runs (every ${RUN_INTERVAL_HOURS} h, ${s.days} days) = ` +
      `${int(s.entries)} trending entries, ${int(s.videos)} videos, ${int(s.observations)} observations, ${int(s.revisions)} revisions; ` +
      `${gib(r.synthesis.databaseBytes)} on ${r.postgres.version} (shared_buffers ${r.postgres.settings["shared_buffers"]}, ` +
      `work_mem ${r.postgres.settings["work_mem"]}), synthesised in ${sec(r.synthesis.ms)}.` + (s.note === null ? "" : ` Note: ${s.note}.`)
  )
  if (r.endpoints.length > 0) {
    lines.push(
      "",
      `| endpoint | requests × clients | p50 ms | p95 ms | p99 ms | max ms | req/s | server CPU ms/req | database CPU ms/req | target p95 | |`,
      `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |`
    )
    for (const e of r.endpoints) {
      lines.push(
        `| \`${e.endpoint}\` | ${int(e.requests)} × ${e.concurrency} | ${ms1(e.p50)} | ${ms1(e.p95)} | ${ms1(e.p99)} | ${ms1(e.max)} | ` +
          `${int(e.requestsPerSecond)} | ${cpu(e.serverCpuMs)} | ${cpu(e.databaseCpuMs)} | ${e.targetMs === null ? "" : `≤ ${e.targetMs}`} | ${e.met === null ? "" : e.met ? "met" : "**missed**"}${e.errors > 0 ? ` (${e.errors} errors)` : ""} |`
      )
    }
    if (r.server !== null) {
      lines.push(
        "",
        `Server: listening ${int(r.server.startMs)} ms after spawn; peak RSS ${r.server.peakRssMb ?? "?"} MB. Client, server and database on the same ` +
          `${r.machine.cpus} cores; load average ${r.machine.loadBefore.toFixed(1)} before, ${r.machine.loadAfter.toFixed(1)} after.`
      )
    }
  }
  if ("loads" in r.page) {
    lines.push("", `| page (first load, cold cache) | loads | to content (FCP) median | max | response end | DOMContentLoaded | load | target | |`, `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |`)
    for (const p of r.page.loads) {
      lines.push(
        `| \`${p.page}\` | ${p.loads} | ${ms1(p.contentMs)} | ${ms1(p.contentMaxMs)} | ${ms1(p.responseEndMs)} | ${ms1(p.domContentLoadedMs)} | ${ms1(p.loadMs)} | ` +
          `${p.targetMs === null ? "" : `≤ ${p.targetMs}`} | ${p.met === null ? "" : p.met ? "met" : "**missed**"} |`
      )
    }
  } else {
    lines.push("", `Page: not measured (${r.page.skipped}).`)
  }
  lines.push("", `| query (EXPLAIN ANALYZE) | parameters | cold ms | warm ms | rows | indexes used | seq scans |`, `| --- | --- | ---: | ---: | ---: | --- | --- |`)
  for (const p of r.explain) {
    lines.push(
      `| ${p.name} | ${p.parameters} | ${ms1(p.coldMs)} | ${ms1(p.warmMs)} | ${int(p.rows)} | ${p.indexes.join(", ") || "—"} | ` +
        `${p.seqScans.length === 0 ? "—" : p.seqScans.map((t) => (p.flagged.includes(t) ? `**${t}**` : t)).join(", ")} |`
    )
  }
  return lines.join("\n")
}

export const benchServe = async (options: ServeBenchOptions): Promise<ServeBenchResult> => {
  const log = options.log ?? ((line: string) => process.stdout.write(line + "\n"))
  const requests = options.requests ?? 1000
  const concurrency = options.concurrency ?? 8
  const warmup = options.warmup ?? 100
  const random = mulberry32(options.seed ?? 13)

  const { scale, synthesis, url } = await synthesise(
    options.serverUrl,
    { entries: options.entries ?? FULL_SCALE_ENTRIES, regions: options.regions ?? YOUTUBE_REGIONS.length, fresh: options.fresh === true },
    log
  )
  log(
    `serve bench database ${DATABASE}: ${scale.regions} regions × ${scale.chartSize} × ${int(scale.runs)} runs (${scale.days} days, ` +
      `${scale.from.slice(0, 10)} – ${scale.until.slice(0, 10)}) = ${int(scale.entries)} entries, ${int(scale.videos)} videos, ` +
      `${int(scale.observations)} observations, ${int(scale.revisions)} revisions; ${gib(synthesis.databaseBytes)}` +
      `${synthesis.reused ? `; kept (made in ${sec(synthesis.ms)})` : `; synthesised in ${sec(synthesis.ms)}`}`
  )
  log(`  phases: ${Object.entries(synthesis.phasesMs).map(([k, v]) => `${k} ${sec(v)}`).join(", ")}`)
  log(`  tables (with indexes): ${Object.entries(synthesis.tableBytes).map(([k, v]) => `${k} ${mib(v)}`).join(", ")}`)

  const db = new pg.Client({ connectionString: url })
  await db.connect()
  let parameters: Parameters
  let explain: ReadonlyArray<PlanFigure>
  let postgres: ServeBenchResult["postgres"]
  try {
    const settings = await db.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM unnest(ARRAY['shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit', 'max_parallel_workers_per_gather']) AS name`
    )
    postgres = {
      version: `PostgreSQL ${(await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v.split(" ")[0]}`,
      settings: Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]))
    }
    parameters = await sampleParameters(db, log)
    explain = await explainAll(db, parameters)
  } finally {
    await db.end()
  }
  log("\nEXPLAIN (ANALYZE, BUFFERS) of the queries of serve at this scale (cold: first execution; warm: best of two more):")
  const stale = staleCopies()
  if (stale.length > 0) log(`  warning: the SQL of ${stale.join(", ")} in src/Store/ has changed since it was copied here: update the copies`)
  for (const p of explain) {
    log(
      `  ${p.name.padEnd(28)} ${ms1(p.coldMs).padStart(8)} / ${ms1(p.warmMs).padStart(7)} ms  ${int(p.rows).padStart(6)} rows  ` +
        `${p.indexes.join(", ") || "no index"}${p.seqScans.length > 0 ? `; Seq Scan on ${p.seqScans.join(", ")}` : ""}` +
        `${p.flagged.length > 0 ? `  <-- sequential scan of ${p.flagged.join(", ")}` : ""}`
    )
    if (options.explain === true) log(`    ${p.parameters}\n${p.plan.split("\n").map((l) => `      ${l}`).join("\n")}`)
  }

  const endpoints: Array<EndpointFigure> = []
  const loadBefore = loadavg()[0]!
  if (options.noHttp !== true && loadBefore > cpus().length) {
    log(`\nwarning: the machine's load average is ${loadBefore.toFixed(1)} on ${cpus().length} cores: other work shares the CPU, latencies will be high`)
  }
  let server: ServeBenchResult["server"] = null
  let page: ServeBenchResult["page"] = { skipped: "--no-http" }
  if (options.noHttp !== true) {
    const served = await startServer(url)
    try {
      await waitHealthy(served.base)
      log(`\nnode dist/main.js serve on ${served.base} (listening ${int(served.startMs)} ms after spawn); ${int(requests)} requests at ${concurrency} clients per endpoint after ${warmup} to warm up:`)
      log(`  ${"endpoint".padEnd(24)}${"p50".padStart(8)}${"p95".padStart(8)}${"p99".padStart(8)}${"max".padStart(8)}${"req/s".padStart(8)}${"bytes".padStart(9)}${"srv CPU".padStart(8)}${"db CPU".padStart(8)}  target p95 (ms; CPU a request)`)
      const watcher = new pg.Client({ connectionString: url })
      await watcher.connect()
      for (const mix of endpointMixes(parameters, random)) {
        await load(served.base, mix.next, warmup, concurrency)
        const serverBefore = cpuMsOf(served.child.pid)
        const backendsBefore = await backendCpu(watcher)
        const f = await load(served.base, mix.next, requests, concurrency)
        const serverAfter = cpuMsOf(served.child.pid)
        const database = cpuSpent(backendsBefore, await backendCpu(watcher))
        const figure: EndpointFigure = {
          endpoint: mix.endpoint,
          example: mix.next(),
          targetMs: mix.targetMs,
          requests,
          concurrency,
          errors: f.errors,
          p50: f.p50,
          p95: f.p95,
          p99: f.p99,
          max: f.max,
          mean: f.mean,
          requestsPerSecond: f.requestsPerSecond,
          meanBytes: f.meanBytes,
          serverCpuMs: serverBefore === null || serverAfter === null ? null : (serverAfter - serverBefore) / requests,
          databaseCpuMs: database === null ? null : database / requests,
          met: mix.targetMs === null ? null : f.errors === 0 && f.p95 <= mix.targetMs
        }
        endpoints.push(figure)
        log(
          `  ${mix.endpoint.padEnd(24)}${ms1(f.p50).padStart(8)}${ms1(f.p95).padStart(8)}${ms1(f.p99).padStart(8)}${ms1(f.max).padStart(8)}` +
            `${int(f.requestsPerSecond).padStart(8)}${int(f.meanBytes).padStart(9)}${cpu(figure.serverCpuMs).padStart(8)}${cpu(figure.databaseCpuMs).padStart(8)}` +
            (mix.targetMs === null ? "  (no target of its own)" : `  ≤ ${mix.targetMs} ms: ${figure.met ? "met" : "MISSED"}`) +
            `${f.errors > 0 ? `; ${f.errors} errors, e.g. ${f.firstErrors.join(", ")}` : ""}`
        )
      }
      await watcher.end()
      server = { startMs: served.startMs, peakRssMb: peakRssMb(served.child.pid) }
      log(`  server peak RSS (VmHWM): ${server.peakRssMb ?? "?"} MB`)

      // -- the page: measured only where `/` is the page (it is being written as this bench is).
      const front = await get(new http.Agent({ keepAlive: false }), `${served.base}/`).catch(() => null)
      if (options.noPage === true) page = { skipped: "--no-page" }
      else if (front === null || front.status !== 200 || !front.type.startsWith("text/html")) {
        page = { skipped: `GET / answered ${front?.status ?? "nothing"}${front === null ? "" : ` ${front.type}`}, not the page` }
        log(`\npage: not measured, ${page.skipped}`)
      } else if (!existsSync(CHROMIUM)) {
        page = { skipped: `no browser at ${CHROMIUM} (CHROMIUM_PATH)` }
        log(`\npage: not measured, ${page.skipped}`)
      } else {
        const loads = options.pageLoads ?? 10
        const region = parameters.regions[Math.floor(parameters.regions.length / 3)]!
        const video = parameters.currentVideos[0]!
        const figures = await measurePages(
          served.base,
          [
            { page: "/", targetMs: TARGETS_MS.page },
            { page: `/?region=${region}`, targetMs: null },
            { page: `/?q=${encodeURIComponent(parameters.searches[0]!.query)}`, targetMs: null },
            { page: `/videos/${video}`, targetMs: null },
            { page: "/overlap?days=7", targetMs: null }
          ],
          loads,
          log
        )
        page = { loads: figures }
        log(`\nthe page's first load in ${CHROMIUM} (cold cache, thumbnails refused), median of ${loads}:`)
        for (const p of figures) {
          log(
            `  ${p.page.padEnd(26)} content (FCP) ${ms1(p.contentMs).padStart(6)} ms (max ${ms1(p.contentMaxMs)}), response end ${ms1(p.responseEndMs)}, ` +
              `DOMContentLoaded ${ms1(p.domContentLoadedMs)}, load ${ms1(p.loadMs)}, ${int(p.bytes)} bytes` +
              `${p.targetMs === null ? "" : `; ≤ ${p.targetMs} ms: ${p.met === true ? "met" : "MISSED"}`}`
          )
        }
      }
    } finally {
      const code = await stopServer(served)
      if (code !== 143 && code !== 0) log(`serve exited ${code}:\n${served.stderr().slice(-4000)}`)
    }
  }

  const machine = { cpus: cpus().length, loadBefore, loadAfter: loadavg()[0]! }
  const result = { scale, synthesis, postgres, searchWords: parameters.searches, explain, endpoints, server, machine, page }
  return { ...result, markdown: markdownOf(result) }
}

// ---------------------------------------------------------------------------- alone

/**
 * The PostgreSQL server a bench run alone works on (`--database`, or BENCH_DATABASE_URL);
 * without one, how to start one, and exit 64. `makes`: what the bench creates there.
 */
export const benchServerOrExit = (bench: string, given: string | undefined, makes: string): string => {
  const server = given ?? process.env.BENCH_DATABASE_URL
  if (server !== undefined) return server
  process.stderr.write(
    `${bench} alone needs --database postgres://… (a server it may create ${makes} on; npm run bench starts one):\n` +
      "  D=$(mktemp -d /tmp/pgd.XXXX); chmod 755 $D; URL=$(scripts/pg-throwaway.sh start $D/pg | tail -1)\n"
  )
  return process.exit(64)
}

const isMain = process.argv[1]?.endsWith("bench-serve.mjs") === true
if (isMain) {
  const { parseArgs } = await import("node:util")
  const { values } = parseArgs({
    options: {
      database: { type: "string" },
      entries: { type: "string" },
      regions: { type: "string" },
      fresh: { type: "boolean", default: false },
      explain: { type: "boolean", default: false },
      requests: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "8" },
      warmup: { type: "string", default: "100" },
      "page-loads": { type: "string", default: "10" },
      "no-page": { type: "boolean", default: false },
      "no-http": { type: "boolean", default: false },
      seed: { type: "string", default: "13" }
    }
  })
  const server = benchServerOrExit("bench-serve", values.database, "vvv_serve_bench")
  const result = await benchServe({
    serverUrl: server,
    entries: values.entries === undefined ? undefined : Number(values.entries),
    regions: values.regions === undefined ? undefined : Number(values.regions),
    fresh: values.fresh,
    explain: values.explain,
    requests: Number(values.requests),
    concurrency: Number(values.concurrency),
    warmup: Number(values.warmup),
    pageLoads: Number(values["page-loads"]),
    noPage: values["no-page"],
    noHttp: values["no-http"],
    seed: Number(values.seed)
  })
  process.stdout.write(`\nFor BENCHMARKS.md:\n\n${result.markdown}\n`)
}
