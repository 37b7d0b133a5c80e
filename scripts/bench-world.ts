/**
 * The benchmark of issue 14, "every region, within quota, for years": a section of
 * `npm run bench` (`--no-world`, `--world-entries N`), or alone, against a PostgreSQL server
 * it may make databases on:
 *
 *   D=$(mktemp -d /tmp/pgd.XXXX); chmod 755 $D; URL=$(scripts/pg-throwaway.sh start $D/pg | tail -1)
 *   npm run bundle
 *   node scripts/run-ts.mjs scripts/bench-world.ts --database $URL [--entries N] [--repeats 3] [--fresh]
 *   scripts/pg-throwaway.sh stop $D/pg
 *
 * Every run is `node dist/main.js run` as a whole process with `REGIONS=all CHARTS=all
 * MAX_RESULTS=200 TRACK_DAYS=0`, a quota nothing is deferred by (`QUOTA_UNITS_PER_DAY=1000000`,
 * `RUN_INTERVAL=24h`), against the simulated API at zero latency (110 regions listed, 200 a
 * chart), timed from spawn to exit; fetch, spool and store times and units from its summary
 * line, peak RSS and CPU from its last debug line.
 *
 * 1. All regions on an empty database (`vvv_world_empty`, made again each time, migrated
 *    first): the first run (the region list and every region's category list besides the
 *    charts) and `repeats` steady runs.
 * 2. A history (`vvv_world_history`, synthesised by scripts/bench-serve.ts's `synthesise`:
 *    106 regions × 200 a run every 7 hours, ending about now; kept between runs and reused
 *    at the same scale), copied (`vvv_world_run`, `CREATE DATABASE … TEMPLATE`, so the kept
 *    history is never dirtied); the same first run and `repeats` steady runs on the copy,
 *    interleaved with those on the empty database (the machine's load drifts): the steady
 *    runs' median store time on the history against the empty database's, target ≤ 1.20.
 * 3. Statements: every Parse, Execute and simple Query message the process sends to
 *    PostgreSQL, counted by a TCP proxy in this process on a steady run (the whole process:
 *    start-up, the plan's reads, the store's transaction, the ledger), at 7 regions × 25
 *    (`REGIONS=US,GB,…`), at 7 × 25 with `REGIONS=all` (an API that lists those 7), and at
 *    all regions × 200 on the empty database and on the history.
 * 4. `prune --older-than Nd` on the copy, N chosen so that exactly the oldest calendar month
 *    of entries is dropped, then again for the next month when it is a whole one (what a
 *    month of the history costs): the whole process, the prune's transaction (from the
 *    schema check to its last line, against the same with `--dry-run` just before: the
 *    same counts, nothing dropped), the rows dropped; every other month's rows counted
 *    before and after. `repeats` rounds, each after the first on a fresh copy; medians.
 *    Target ≤ 1 s.
 * 5. The copies are dropped; `vvv_world_history` is kept.
 */
import { spawn } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs"
import net from "node:net"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Exit, Redacted, Scope } from "effect"
import pg from "pg"
import { makeSimulatedApi, type SimulatedApi } from "../src/Demo/SimulatedApi.js"
import { trackable } from "../src/Store/TrackingRows.js"
import { benchServerOrExit, CHART_SIZE, RUN_INTERVAL_HOURS, type ServeScale, synthesise, type SynthesisFigure, withDatabase } from "./bench-serve.js"

// ---------------------------------------------------------------------------- the scale

/** The default history: ~5 M entries (236 runs of 106 × 200, 69 days): always a whole calendar month besides the oldest and the current one. */
export const DEFAULT_WORLD_ENTRIES = 5_000_000
const EMPTY = "vvv_world_empty"
const HISTORY = "vvv_world_history"
const COPY = "vvv_world_run"
const SMALL = "vvv_world_small"
const SMALL_ALL = "vvv_world_small_all"
const SMALL_REGIONS = ["US", "GB", "PL", "NL", "SE", "NO", "AT"] as const
/** The issue's targets. */
export const WORLD_TARGETS = { processMs: 5000, peakMb: 300, storeRatio: 1.2, pruneMs: 1000 } as const

// ---------------------------------------------------------------------------- figures

export interface WorldBenchOptions {
  /** A PostgreSQL server (any database on it): the bench's databases are made beside it. */
  readonly serverUrl: string
  /** Trending entries of the history (rounded to whole runs of 106 × 200); default DEFAULT_WORLD_ENTRIES. */
  readonly entries?: number | undefined
  /** Steady runs on each database (medians taken); default 3. */
  readonly repeats?: number | undefined
  /** Synthesise the history again even when one of this scale is kept. */
  readonly fresh?: boolean | undefined
  readonly log?: ((line: string) => void) | undefined
}

/** One `node dist/main.js run`. */
export interface RunFigure {
  readonly wallMs: number
  readonly peakMb: number
  readonly cpuMs: number
  readonly fetchMs: number
  readonly spoolMs: number
  readonly storeMs: number
  readonly units: number
  readonly entries: number
  readonly regions: number
  readonly status: string
  readonly exitCode: number | null
  /** Messages the process sent PostgreSQL, when this run went through the counting proxy. */
  readonly messages?: StatementCount | undefined
}

/** What a process sent PostgreSQL: Parse, Execute and simple-Query messages; `statements` is Execute + Query. */
export interface StatementCount {
  readonly parse: number
  readonly execute: number
  readonly query: number
  readonly statements: number
  readonly connections: number
  /** The start of each Parse's and Query's text, in order (what the counts are of). */
  readonly texts: ReadonlyArray<string>
}

export interface RunSeries {
  readonly database: string
  readonly first: RunFigure
  readonly steady: ReadonlyArray<RunFigure>
  readonly median: { readonly wallMs: number; readonly peakMb: number; readonly fetchMs: number; readonly spoolMs: number; readonly storeMs: number }
}

export interface PruneSample {
  readonly wallMs: number
  readonly transactionMs: number
  readonly dryRunWallMs: number
  readonly dryRunTransactionMs: number
  readonly exitCode: number | null
  readonly othersUntouched: boolean
}

/** A month's prune: medians of its samples (each on a fresh copy of the history). */
export interface PruneFigure {
  readonly month: string
  readonly olderThanDays: number
  readonly wallMs: number
  readonly exitCode: number | null
  readonly peakMb: number
  /** From the schema check to the last line: lock, listing, counting and dropping, commit, output. */
  readonly transactionMs: number
  /** The same with --dry-run (the same counts, nothing dropped), just before. */
  readonly dryRunTransactionMs: number
  readonly dryRunWallMs: number
  /** What the prune said it dropped. */
  readonly dropped: ReadonlyArray<{ readonly table: string; readonly month: string; readonly rows: number }>
  readonly rowsDropped: number
  /** Whether every partition's row count other than the dropped month's is what it was before. */
  readonly othersUntouched: boolean
  readonly othersChecked: number
  /** Whether the dropped month was whole (the history covered it from its first to its last day). */
  readonly wholeMonth: boolean
  readonly samples: ReadonlyArray<PruneSample>
}

export interface WorldBenchResult {
  readonly machine: { readonly cpus: number; readonly loadBefore: number; readonly loadAfter: number }
  /** Regions the simulated API lists (`i18nRegions.list`). */
  readonly regionsListed: number
  readonly empty: RunSeries
  readonly history: {
    readonly database: string
    readonly scale: ServeScale
    readonly synthesis: SynthesisFigure
    readonly copyMs: number
    readonly months: ReadonlyArray<{ readonly month: string; readonly entries: number; readonly observations: number }>
  }
  readonly onHistory: RunSeries
  /** The steady runs' median store time on the history over the empty database's. */
  readonly storeRatio: number
  readonly statements: {
    /** REGIONS=US,GB,PL,NL,SE,NO,AT, MAX_RESULTS=25, a steady run. */
    readonly small: StatementCount
    /** REGIONS=all on an API that lists those 7, MAX_RESULTS=25, a steady run. */
    readonly smallAll: StatementCount
    /** REGIONS=all (110) × 200 on the empty database, a steady run. */
    readonly large: StatementCount
    /** The same on the history. */
    readonly largeOnHistory: StatementCount
    readonly runs: { readonly small: RunFigure; readonly smallAll: RunFigure; readonly large: RunFigure; readonly largeOnHistory: RunFigure }
  }
  /**
   * The read a run makes before its fetch when tracking is on (`TRACK_DAYS=3`, the default):
   * the videos listed in the last 3 days of the history and not gone. The runs above leave
   * tracking off (it would add look-ups to their work).
   */
  readonly trackingRead: { readonly videos: number; readonly ms: ReadonlyArray<number> }
  readonly prunes: ReadonlyArray<PruneFigure>
  readonly targets: ReadonlyArray<{ readonly what: string; readonly met: boolean; readonly figure: string }>
  /** The figures as text, as printed. */
  readonly lines: ReadonlyArray<string>
}

// ---------------------------------------------------------------------------- helpers

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const int = (n: number) => Math.round(n).toLocaleString("en-US")
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`

interface LogLine {
  readonly message: string
  readonly timestamp?: string
  readonly annotations?: Record<string, unknown>
}

interface Spawned {
  readonly wallMs: number
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly lines: ReadonlyArray<LogLine>
  readonly peakMb: number
  readonly cpuMs: number
}

/**
 * The release under test, copied out of dist/ when the bench starts (others may rebuild dist/
 * meanwhile): the launcher, the bundle and its code cache, in build/ so that the bundle's
 * external packages still resolve from node_modules. Waits for a build in progress to end.
 */
const RELEASE = join("build", "bench-world-dist")
const snapshotRelease = async () => {
  const files = ["main.js", "main.cjs", "main.cjs.cache"]
  // dist/index.js is the build's last file.
  const complete = () => ["index.js", ...files].every((f) => existsSync(join("dist", f)))
  for (let waited = 0; ; waited += 1000) {
    const before = complete() ? statSync(join("dist", "index.js")).mtimeMs : NaN
    await new Promise((resolve) => setTimeout(resolve, 1000))
    if (complete() && statSync(join("dist", "index.js")).mtimeMs === before) break
    if (waited > 120_000) throw new Error("world bench: no complete build in dist/ (npm run bundle)")
  }
  rmSync(RELEASE, { recursive: true, force: true })
  mkdirSync(RELEASE, { recursive: true })
  for (const f of files) copyFileSync(join("dist", f), join(RELEASE, f))
}

/** `node dist/main.js …args` (the snapshot of it), timed from spawn to exit, its JSON log lines parsed. */
const spawnMain = (args: ReadonlyArray<string>, env: Record<string, string>): Promise<Spawned> =>
  new Promise((resolve) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [join(RELEASE, "main.js"), ...args], {
      env: { PATH: process.env.PATH ?? "", LOG_FORMAT: "json", LOG_LEVEL: "Debug", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("close", (code) => {
      const wallMs = performance.now() - t0
      const lines = stderr.trim().split("\n").flatMap((l): Array<LogLine> => {
        try {
          return [JSON.parse(l) as LogLine]
        } catch {
          return []
        }
      })
      const peak = lines.map((l) => /^peak memory (\d+) MB, CPU (\d+) ms/.exec(l.message)).find((m) => m !== null)
      resolve({ wallMs, code, stdout, stderr, lines, peakMb: Number(peak?.[1] ?? NaN), cpuMs: Number(peak?.[2] ?? NaN) })
    })
  })

/** The run's figures from its summary line (`run N ok: …`). */
const runFigureOf = (p: Spawned, messages?: StatementCount): RunFigure => {
  const summary = p.lines.find((l) => /^run \d+ /.test(l.message))
  const a = summary?.annotations ?? {}
  return {
    wallMs: p.wallMs,
    peakMb: p.peakMb,
    cpuMs: p.cpuMs,
    fetchMs: Number(a["fetchMs"] ?? NaN),
    spoolMs: Number(a["spoolMs"] ?? NaN),
    storeMs: Number(a["storeMs"] ?? NaN),
    units: Number(a["units"] ?? NaN),
    entries: Number(/(\d+) entries/.exec(summary?.message ?? "")?.[1] ?? NaN),
    regions: Number(/ in (\d+) regions?/.exec(summary?.message ?? "")?.[1] ?? NaN),
    status: String(a["status"] ?? "?"),
    exitCode: p.code,
    ...(messages === undefined ? {} : { messages })
  }
}

/**
 * A TCP proxy to PostgreSQL that counts what clients send: the messages of the wire
 * protocol (a type byte and a length, after the untyped start-up), by type. Needs a
 * connection without TLS (the throwaway cluster's); with TLS it counts nothing useful.
 */
const countingProxy = async (serverUrl: string) => {
  const target = new URL(serverUrl)
  const host = target.hostname === "" ? "127.0.0.1" : target.hostname
  const port = Number(target.port === "" ? 5432 : target.port)
  const counts = new Map<string, number>()
  let texts: Array<string> = []
  let connections = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    connections++
    const upstream = net.connect({ host, port })
    sockets.add(client)
    sockets.add(upstream)
    let typed = false
    let pending: Buffer = Buffer.alloc(0)
    let skip = 0
    const count = (chunk: Buffer) => {
      let buf = chunk
      if (skip >= buf.length) {
        skip -= buf.length
        return
      }
      buf = buf.subarray(skip)
      skip = 0
      pending = pending.length === 0 ? buf : Buffer.concat([pending, buf])
      for (;;) {
        let total: number
        if (!typed) {
          if (pending.length < 8) break
          total = pending.readInt32BE(0)
          // StartupMessage (protocol 3.0); an SSLRequest or GSSENCRequest comes before it, untyped too.
          if (pending.readInt32BE(4) === 196608) typed = true
        } else {
          if (pending.length < 5) break
          const type = String.fromCharCode(pending[0]!)
          counts.set(type, (counts.get(type) ?? 0) + 1)
          total = 1 + pending.readInt32BE(1)
          if (type === "P" || type === "Q") {
            // Parse: a statement name, then its text; Query: its text (as much as this chunk holds).
            let body = pending.subarray(5, Math.min(total, 5 + 400))
            if (type === "P") body = body.subarray(body.indexOf(0) + 1)
            const end = body.indexOf(0)
            texts.push(body.subarray(0, end < 0 ? body.length : end).toString("utf8").replace(/\s+/g, " ").trim().slice(0, 120))
          }
        }
        if (pending.length >= total) {
          pending = pending.subarray(total)
        } else {
          skip = total - pending.length
          pending = Buffer.alloc(0)
          break
        }
      }
      // Keep only what is not yet read, not the chunk it came in.
      if (pending.length > 0) pending = Buffer.from(pending)
    }
    client.on("data", (chunk: Buffer) => {
      count(chunk)
      upstream.write(chunk)
    })
    upstream.on("data", (chunk: Buffer) => client.write(chunk))
    const close = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on("close", close)
    upstream.on("close", close)
    client.on("error", close)
    upstream.on("error", close)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address() as net.AddressInfo
  const proxied = new URL(serverUrl)
  proxied.hostname = "127.0.0.1"
  proxied.port = String(address.port)
  return {
    /** `serverUrl` through the proxy (its database replaced by `withDatabase` as usual). */
    url: proxied.toString(),
    reset: () => {
      counts.clear()
      texts = []
      connections = 0
    },
    read: (): StatementCount => {
      const parse = counts.get("P") ?? 0
      const execute = counts.get("E") ?? 0
      const query = counts.get("Q") ?? 0
      return { parse, execute, query, statements: execute + query, connections, texts }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}

// ---------------------------------------------------------------------------- the bench

export const benchWorld = async (options: WorldBenchOptions): Promise<WorldBenchResult> => {
  const log = options.log ?? ((line: string) => process.stdout.write(line + "\n"))
  const repeats = Math.max(1, options.repeats ?? 3)
  const wantedEntries = options.entries ?? DEFAULT_WORLD_ENTRIES
  const loadBefore = loadavg()[0]!
  const lines: Array<string> = []
  const say = (line: string) => {
    lines.push(line)
    log(line)
  }

  // The simulated APIs live in this process until the bench ends.
  const scope = Effect.runSync(Scope.make())
  const states: Array<string> = []
  const stateDirectory = () => {
    const dir = mkdtempSync(join(tmpdir(), "vvv-bench-world-"))
    states.push(dir)
    return dir
  }
  await snapshotRelease()
  const admin = new pg.Client({ connectionString: options.serverUrl })
  await admin.connect()
  const proxy = await countingProxy(options.serverUrl)
  const recreate = async (name: string, template?: string) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`)
    if (template === undefined) return admin.query(`CREATE DATABASE ${name}`)
    // A block-by-block copy of the files (PostgreSQL 15's default copies through the WAL, far slower at this size).
    return admin.query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`).catch(() =>
      admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`)
    )
  }
  const migrate = async (name: string) => {
    const p = await spawnMain(["migrate"], { DATABASE_URL: withDatabase(options.serverUrl, name), STATE_DIRECTORY: stateDirectory() })
    if (p.code !== 0) throw new Error(`world bench: migrate of ${name} exited ${p.code}:\n${p.stderr}`)
  }

  try {
    const api: SimulatedApi = await Effect.runPromise(Scope.extend(makeSimulatedApi({ chartSize: CHART_SIZE }), scope))
    const smallApi: SimulatedApi = await Effect.runPromise(
      Scope.extend(makeSimulatedApi({ chartSize: CHART_SIZE, regions: SMALL_REGIONS }), scope)
    )
    const regionsListed = ((await (await fetch(`${api.baseUrl}/i18nRegions?part=snippet`, { headers: { "x-goog-api-key": "bench-key" } })).json()) as {
      items: Array<unknown>
    }).items.length

    const runEnv = (database: string, state: string, base: string = options.serverUrl, overrides: Record<string, string> = {}) => ({
      REGIONS: "all",
      CHARTS: "all",
      MAX_RESULTS: "200",
      TRACK_DAYS: "0",
      QUOTA_UNITS_PER_DAY: "1000000",
      RUN_INTERVAL: "24h",
      YOUTUBE_API_KEY: "bench-key",
      YOUTUBE_API_BASE_URL: api.baseUrl,
      DATABASE_URL: withDatabase(base, database),
      STATE_DIRECTORY: state,
      ...overrides
    })
    const run = async (env: Record<string, string>, counted = false): Promise<RunFigure> => {
      if (counted) proxy.reset()
      const p = await spawnMain(["run"], env)
      const figure = runFigureOf(p, counted ? proxy.read() : undefined)
      if (p.code !== 0) log(`world bench: a run exited ${p.code}:\n${p.stderr.split("\n").slice(-20).join("\n")}`)
      return figure
    }

    say(
      `Every region (issue 14): node dist/main.js run, REGIONS=all (the simulated API lists ${regionsListed}) × ${CHART_SIZE}, CHARTS=all, ` +
        `zero latency; ${repeats} steady runs each; load average ${loadBefore.toFixed(1)} on ${cpus().length} cores at the start`
    )

    // -- the history, then its copy and an empty database
    const t0 = performance.now()
    const { scale, synthesis, url: historyUrl } = await synthesise(
      options.serverUrl,
      { entries: wantedEntries, regions: Number.MAX_SAFE_INTEGER, fresh: options.fresh === true },
      (line) => log(`  ${line}`),
      HISTORY
    )
    const synthesisWallMs = performance.now() - t0
    const historyDb = new pg.Client({ connectionString: historyUrl })
    await historyDb.connect()
    const byMonth = await historyDb.query<{ month: string; entries: string; observations: string }>(
      `SELECT month, sum(e)::text AS entries, sum(o)::text AS observations FROM (
         SELECT to_char(fetched_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS e, 0 AS o FROM trending_entries GROUP BY 1
         UNION ALL
         SELECT to_char(observed_at AT TIME ZONE 'UTC', 'YYYY-MM'), 0, count(*) FROM video_stats GROUP BY 1
       ) x GROUP BY month ORDER BY month`
    )
    await historyDb.end()
    const months = byMonth.rows.map((r) => ({ month: r.month, entries: Number(r.entries), observations: Number(r.observations) }))
    say(
      `  history ${HISTORY}: ${scale.regions} regions × ${scale.chartSize} × ${int(scale.runs)} runs every ${RUN_INTERVAL_HOURS} h ` +
        `(${scale.days} days, ${scale.from.slice(0, 10)} – ${scale.until.slice(0, 10)}) = ${int(scale.entries)} entries, ${int(scale.videos)} videos, ` +
        `${int(scale.observations)} observations; ${gib(synthesis.databaseBytes)}; ` +
        (synthesis.reused ? `kept (made in ${sec(synthesis.ms)})` : `synthesised in ${sec(synthesisWallMs)}`) +
        (scale.note === null ? "" : `; ${scale.note}`)
    )
    say(`  entries by month: ${months.map((m) => `${m.month} ${int(m.entries)}`).join(", ")}`)

    const tc = performance.now()
    await recreate(COPY, HISTORY)
    const copyMs = performance.now() - tc
    await recreate(EMPTY)
    await migrate(EMPTY)
    say(`  copied to ${COPY} in ${sec(copyMs)}; ${EMPTY} made and migrated`)

    // -- first runs, then steady runs interleaved
    const emptyState = stateDirectory()
    const copyState = stateDirectory()
    const emptyFirst = await run(runEnv(EMPTY, emptyState))
    const copyFirst = await run(runEnv(COPY, copyState))
    const emptySteady: Array<RunFigure> = []
    const copySteady: Array<RunFigure> = []
    for (let i = 0; i < repeats; i++) {
      emptySteady.push(await run(runEnv(EMPTY, emptyState)))
      copySteady.push(await run(runEnv(COPY, copyState)))
    }
    const series = (database: string, first: RunFigure, steady: ReadonlyArray<RunFigure>): RunSeries => ({
      database,
      first,
      steady,
      median: {
        wallMs: median(steady.map((r) => r.wallMs)),
        peakMb: median(steady.map((r) => r.peakMb)),
        fetchMs: median(steady.map((r) => r.fetchMs)),
        spoolMs: median(steady.map((r) => r.spoolMs)),
        storeMs: median(steady.map((r) => r.storeMs))
      }
    })
    const empty = series(EMPTY, emptyFirst, emptySteady)
    const onHistory = series(COPY, copyFirst, copySteady)
    const storeRatio = onHistory.median.storeMs / empty.median.storeMs

    // -- statements, counted at the proxy
    const largeCounted = await run(runEnv(EMPTY, emptyState, proxy.url), true)
    const historyCounted = await run(runEnv(COPY, copyState, proxy.url), true)
    await recreate(SMALL)
    await migrate(SMALL)
    const smallState = stateDirectory()
    const smallEnv = (base?: string) => runEnv(SMALL, smallState, base, { REGIONS: SMALL_REGIONS.join(","), MAX_RESULTS: "25" })
    await run(smallEnv())
    const smallCounted = await run(smallEnv(proxy.url), true)
    await recreate(SMALL_ALL)
    await migrate(SMALL_ALL)
    const smallAllState = stateDirectory()
    const smallAllEnv = (base?: string) => runEnv(SMALL_ALL, smallAllState, base, { MAX_RESULTS: "25", YOUTUBE_API_BASE_URL: smallApi.baseUrl })
    await run(smallAllEnv())
    const smallAllCounted = await run(smallAllEnv(proxy.url), true)

    const row = (label: string, r: RunFigure) =>
      `  ${label.padEnd(22)}${sec(r.wallMs).padStart(9)}${`${r.peakMb} MB`.padStart(9)}${sec(r.fetchMs).padStart(9)}${sec(r.spoolMs).padStart(9)}` +
      `${sec(r.storeMs).padStart(9)}${String(r.units).padStart(7)}${int(r.entries).padStart(9)}${String(r.regions).padStart(8)}${String(r.exitCode).padStart(6)}`
    say(`  ${"run".padEnd(22)}${"process".padStart(9)}${"peak".padStart(9)}${"fetch".padStart(9)}${"spool".padStart(9)}${"store".padStart(9)}${"units".padStart(7)}${"entries".padStart(9)}${"regions".padStart(8)}${"exit".padStart(6)}`)
    say(row("empty db, first", empty.first))
    empty.steady.forEach((r, i) => say(row(`empty db, steady ${i + 1}`, r)))
    say(row("history, first", onHistory.first))
    onHistory.steady.forEach((r, i) => say(row(`history, steady ${i + 1}`, r)))
    say(
      `  steady medians: empty ${sec(empty.median.wallMs)} process, ${empty.median.peakMb} MB, store ${sec(empty.median.storeMs)}; ` +
        `history ${sec(onHistory.median.wallMs)}, ${onHistory.median.peakMb} MB, store ${sec(onHistory.median.storeMs)}: ` +
        `store on the history / on the empty database = ${storeRatio.toFixed(3)} (target ≤ ${WORLD_TARGETS.storeRatio.toFixed(3)})`
    )
    const said = (c: StatementCount) => `${c.statements} (${c.query} simple, ${c.execute} extended; ${c.parse} parses, ${c.connections} connections)`
    say(
      `  statements a steady run sends (whole process, counted at a proxy): 7 × 25 ${said(smallCounted.messages!)}; ` +
        `7 × 25 REGIONS=all ${said(smallAllCounted.messages!)}; ${largeCounted.regions} × 200 ${said(largeCounted.messages!)}; ` +
        `${historyCounted.regions} × 200 on the history ${said(historyCounted.messages!)}`
    )
    const difference = (a: StatementCount, b: StatementCount) => {
      const left = [...a.texts]
      const extra: Array<string> = []
      for (const t of b.texts) {
        const i = left.indexOf(t)
        if (i >= 0) left.splice(i, 1)
        else extra.push(t)
      }
      return { missing: left, extra }
    }
    for (const [label, a, b] of [
      ["7 × 25 → 7 × 25 REGIONS=all", smallCounted, smallAllCounted],
      ["7 × 25 REGIONS=all → every region × 200", smallAllCounted, largeCounted],
      ["every region × 200: empty → history", largeCounted, historyCounted]
    ] as const) {
      const d = difference(a.messages!, b.messages!)
      if (d.missing.length + d.extra.length > 0) {
        say(`    ${label}: ${[...d.extra.map((t) => `+ ${t}`), ...d.missing.map((t) => `- ${t}`)].join("; ")}`)
      }
    }

    // -- the tracking read on the history (the store's own function, three times: cold, then warm)
    const copyUrl = withDatabase(options.serverUrl, COPY)
    const trackingRead = await Effect.runPromise(
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [newest] = yield* sql<{ newest: Date }>`SELECT max(fetched_at) AS newest FROM trending_entries`
        const since = new Date(newest!.newest.getTime() - 3 * 24 * 3600 * 1000)
        const ms: Array<number> = []
        let videos = 0
        for (let i = 0; i < 3; i++) {
          const t0 = performance.now()
          videos = (yield* trackable(sql, since)).length
          ms.push(Math.round(performance.now() - t0))
        }
        return { videos, ms }
      }).pipe(Effect.scoped, Effect.provide(PgClient.layer({ url: Redacted.make(copyUrl), maxConnections: 1 })))
    )
    say(`  tracking read before a fetch (TRACK_DAYS=3) on the history: ${int(trackingRead.videos)} videos in ${trackingRead.ms.join(", ")} ms (cold, then warm)`)

    // -- prune: on the copy the runs used, then again on fresh copies (a drop cannot be repeated)
    const pruneState = stateDirectory()
    const pruneEnv = { DATABASE_URL: copyUrl, STATE_DIRECTORY: pruneState }
    const transactionMs = (p: Spawned) => {
      const at = (pattern: RegExp) => {
        const l = p.lines.filter((x) => pattern.test(x.message)).at(-1)
        return l?.timestamp === undefined ? NaN : Date.parse(l.timestamp)
      }
      return at(/^peak memory/) - at(/^(database schema is up to date|applied migrations)/)
    }
    const newestEntryMonth = months.filter((m) => m.entries > 0).at(-1)?.month
    const samples = new Map<string, { figure: Omit<PruneFigure, "samples" | "wallMs" | "transactionMs" | "dryRunTransactionMs" | "dryRunWallMs">; samples: Array<PruneSample> }>()
    for (let round = 0; round < repeats; round++) {
      if (round > 0) await recreate(COPY, HISTORY)
      const copyDb = new pg.Client({ connectionString: copyUrl })
      await copyDb.connect()
      const partitionRows = async () => {
        const r = await copyDb.query<{ table: string; partition: string; month: string; until: Date }>(
          `WITH p AS (
             SELECT parent.relname AS "table", part.relname AS partition,
                    substring(pg_get_expr(part.relpartbound, part.oid) FROM 'FROM [(]''([^'']+)''[)]')::timestamptz AS "from",
                    substring(pg_get_expr(part.relpartbound, part.oid) FROM 'TO [(]''([^'']+)''[)]')::timestamptz AS until
             FROM pg_inherits i JOIN pg_class parent ON parent.oid = i.inhparent JOIN pg_class part ON part.oid = i.inhrelid
             WHERE i.inhparent IN ('trending_entries'::regclass, 'video_stats'::regclass)
           )
           SELECT "table", partition, to_char("from" AT TIME ZONE 'UTC', 'YYYY-MM') AS month, until FROM p
           WHERE "from" IS NOT NULL ORDER BY "from", "table"`
        )
        const counted: Array<{ table: string; partition: string; month: string; until: Date; rows: number }> = []
        for (const p of r.rows) {
          const n = await copyDb.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${p.partition}`)
          counted.push({ ...p, rows: Number(n.rows[0]!.n) })
        }
        return counted
      }
      try {
        for (let i = 0; i < 2; i++) {
          const before = await partitionRows()
          const entryMonths = before.filter((p) => p.table === "trending_entries" && p.rows > 0)
          const oldest = entryMonths[0]
          if (oldest === undefined) break
          const wholeMonth = scale.from <= `${oldest.month}-01T00:00:00.000Z` && oldest.until.getTime() <= Date.parse(scale.until)
          // The second prune only of a month that is neither the history's last nor the current one.
          const current = new Date().toISOString().slice(0, 7)
          if (i > 0 && (oldest.month === newestEntryMonth || oldest.month === current || entryMonths.length < 2)) break
          // A month is dropped when it ended at or before now − N days: N the whole days since it ended (the next one ends ≥ 28 days later).
          const olderThanDays = Math.floor((Date.now() - oldest.until.getTime()) / 86_400_000)
          if (olderThanDays < 1) break
          const args = ["prune", "--older-than", `${olderThanDays}d`]
          const dry = await spawnMain([...args, "--dry-run"], pruneEnv)
          const real = await spawnMain(args, pruneEnv)
          if (real.code !== 0) log(`world bench: prune exited ${real.code}:\n${real.stderr}`)
          const dropped = [...real.stdout.matchAll(/^dropped (\S+) (\d{4}-\d{2}) \((?:about )?([\d,]+) rows\)/gm)].map((m) => ({
            table: m[1]!,
            month: m[2]!,
            rows: Number(m[3]!.replaceAll(",", ""))
          }))
          const after = await partitionRows()
          const others = before.filter((p) => p.month !== oldest.month)
          const othersUntouched = others.every((p) => after.find((a) => a.partition === p.partition)?.rows === p.rows) &&
            after.every((a) => a.month !== oldest.month)
          const sample: PruneSample = {
            wallMs: real.wallMs,
            transactionMs: transactionMs(real),
            dryRunWallMs: dry.wallMs,
            dryRunTransactionMs: transactionMs(dry),
            exitCode: real.code,
            othersUntouched
          }
          const kept = samples.get(oldest.month)
          if (kept === undefined) {
            samples.set(oldest.month, {
              figure: {
                month: oldest.month,
                olderThanDays,
                exitCode: real.code,
                peakMb: real.peakMb,
                dropped,
                rowsDropped: dropped.reduce((n, d) => n + d.rows, 0),
                othersUntouched,
                othersChecked: others.length,
                wholeMonth
              },
              samples: [sample]
            })
          } else kept.samples.push(sample)
          log(
            `  prune round ${round + 1}, --older-than ${olderThanDays}d: ${dropped.map((d) => `${d.table} ${d.month} (${int(d.rows)} rows)`).join(", ") || "nothing"}; ` +
              `process ${sec(sample.wallMs)}, transaction ${sample.transactionMs} ms (--dry-run ${sample.dryRunTransactionMs} ms); ` +
              `${others.length} other partitions ${othersUntouched ? "untouched" : "CHANGED"}`
          )
        }
      } finally {
        await copyDb.end()
      }
    }
    const prunes: Array<PruneFigure> = [...samples.values()].map(({ figure, samples }) => ({
      ...figure,
      exitCode: samples.find((s) => s.exitCode !== 0)?.exitCode ?? 0,
      othersUntouched: samples.every((s) => s.othersUntouched),
      wallMs: median(samples.map((s) => s.wallMs)),
      transactionMs: median(samples.map((s) => s.transactionMs)),
      dryRunWallMs: median(samples.map((s) => s.dryRunWallMs)),
      dryRunTransactionMs: median(samples.map((s) => s.dryRunTransactionMs)),
      samples
    }))
    for (const p of prunes) {
      say(
        `  prune --older-than ${p.olderThanDays}d: dropped ${p.dropped.map((d) => `${d.table} ${d.month} (${int(d.rows)} rows)`).join(", ") || "nothing"}` +
          `${p.wholeMonth ? " (a whole month)" : " (the history's first, partial month)"}; medians of ${p.samples.length} (each on a fresh copy): ` +
          `process ${sec(p.wallMs)} (--dry-run ${sec(p.dryRunWallMs)}), its transaction ${p.transactionMs} ms ` +
          `(--dry-run, the same counts without the drops: ${p.dryRunTransactionMs} ms); ` +
          `the other ${p.othersChecked} partitions ${p.othersUntouched ? "untouched (rows counted before and after)" : "CHANGED"}; exit ${p.exitCode}`
      )
    }

    say(`  load average ${loadavg()[0]!.toFixed(1)} at the end (${cpus().length} cores)`)

    // -- targets
    const steadyLarge = empty.median
    const targets: Array<{ what: string; met: boolean; figure: string }> = [
      {
        what: `every region (${empty.first.regions}) × 200, CHARTS=all: whole process ≤ 5 s at zero latency (steady runs, median)`,
        met: steadyLarge.wallMs <= WORLD_TARGETS.processMs,
        figure: `${sec(steadyLarge.wallMs)} (fetch ${sec(steadyLarge.fetchMs)}, spool ${sec(steadyLarge.spoolMs)}, store ${sec(steadyLarge.storeMs)}); ` +
          `first run ${sec(empty.first.wallMs)}, ${empty.first.units} units`
      },
      {
        what: "every region × 200: peak RSS ≤ 300 MB (steady runs, median)",
        met: steadyLarge.peakMb <= WORLD_TARGETS.peakMb,
        figure: `${steadyLarge.peakMb} MB (steady ${empty.steady.map((r) => r.peakMb).join(", ")}; first run ${empty.first.peakMb} MB)`
      },
      {
        what: "every region: statements independent of size (a steady run, 7 × 25 and every region × 200, REGIONS=all both)",
        met: smallAllCounted.messages!.statements === largeCounted.messages!.statements &&
          largeCounted.messages!.statements === historyCounted.messages!.statements,
        figure: `${smallAllCounted.messages!.statements}, ${largeCounted.messages!.statements} and ${historyCounted.messages!.statements} on the history ` +
          `(REGIONS=US,GB,PL,NL,SE,NO,AT × 25: ${smallCounted.messages!.statements})`
      },
      {
        what: `store time on ${int(scale.entries)} entries of history ≤ 1.20 × on an empty database (steady runs, medians)`,
        met: storeRatio <= WORLD_TARGETS.storeRatio,
        figure: `${storeRatio.toFixed(3)} (${sec(onHistory.median.storeMs)} vs ${sec(empty.median.storeMs)})`
      },
      ...prunes.map((p) => ({
        what: `prune of a month ≤ 1 s (${p.month}, ${int(p.rowsDropped)} rows${p.wholeMonth ? ", whole" : ", partial"}; the whole process)`,
        met: p.wallMs <= WORLD_TARGETS.pruneMs && p.exitCode === 0 && p.othersUntouched,
        figure: `${sec(p.wallMs)} (median of ${p.samples.length}); its transaction ${p.transactionMs} ms, --dry-run's ${p.dryRunTransactionMs} ms; ` +
          `other months ${p.othersUntouched ? "untouched" : "CHANGED"}`
      }))
    ]

    return {
      machine: { cpus: cpus().length, loadBefore, loadAfter: loadavg()[0]! },
      regionsListed,
      empty,
      history: { database: HISTORY, scale, synthesis, copyMs, months },
      onHistory,
      storeRatio,
      statements: {
        small: smallCounted.messages!,
        smallAll: smallAllCounted.messages!,
        large: largeCounted.messages!,
        largeOnHistory: historyCounted.messages!,
        runs: { small: smallCounted, smallAll: smallAllCounted, large: largeCounted, largeOnHistory: historyCounted }
      },
      trackingRead,
      prunes,
      targets,
      lines
    }
  } finally {
    await proxy.close()
    for (const name of [COPY, EMPTY, SMALL, SMALL_ALL]) {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`).catch((e: unknown) => log(`world bench: could not drop ${name}: ${String(e)}`))
    }
    await admin.end()
    await Effect.runPromise(Scope.close(scope, Exit.void))
    for (const dir of states) rmSync(dir, { recursive: true, force: true })
    rmSync(RELEASE, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------- alone

const isMain = process.argv[1]?.endsWith("bench-world.mjs") === true
if (isMain) {
  const { parseArgs } = await import("node:util")
  const { values } = parseArgs({
    options: {
      database: { type: "string" },
      entries: { type: "string" },
      repeats: { type: "string", default: "3" },
      fresh: { type: "boolean", default: false },
      json: { type: "string" }
    }
  })
  const server = benchServerOrExit("bench-world", values.database, "vvv_world_* databases")
  const result = await benchWorld({
    serverUrl: server,
    entries: values.entries === undefined ? undefined : Number(values.entries),
    repeats: Number(values.repeats),
    fresh: values.fresh
  })
  process.stdout.write("\nTargets:\n")
  for (const t of result.targets) process.stdout.write(`  ${t.met ? "met   " : "missed"}  ${t.what}: ${t.figure}\n`)
  if (values.json !== undefined) {
    const { writeFileSync } = await import("node:fs")
    writeFileSync(values.json, JSON.stringify(result, null, 2) + "\n")
  }
}
