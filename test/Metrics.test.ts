import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Fiber, Layer, Option, TestClock } from "effect"
import fc from "fast-check"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { IncompleteRun, IngestReport, RegionOutcome, RunId, TrackingReport } from "../src/Domain/Run.js"
import { CategoryId } from "../src/Domain/Video.js"
import type { ProgramError } from "../src/ExitCode.js"
import { escapeLabelValue, lastSuccessIn, renderMetrics, type RunMetrics, withMetricsFile } from "../src/Metrics.js"
import { StateDirectory } from "../src/State.js"
import { DatabaseUnavailable } from "../src/Store/Errors.js"
import { Spool } from "../src/Store/Spool.js"
import { ApiUnavailable } from "../src/YouTube/Errors.js"
import { region } from "./support/Fixtures.js"

// ---------------------------------------------------------------- the exposition format, read back

interface Family { help: string; type?: string; samples: Array<{ labels: Record<string, string>; value: number }> }

const P = "viralvidvault_"
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const VALUE = /^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/
const UNESCAPE: Record<string, string> = { "\\": "\\", "\"": "\"", n: "\n" }

/** `a="x",b="y\"z"`, character by character: a value may hold any text but its escapes. */
const parseLabels = (text: string): Record<string, string> => {
  const labels: Record<string, string> = {}
  for (let i = 0; i < text.length;) {
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*="/.exec(text.slice(i))?.[0].slice(0, -2)
    if (name === undefined || name in labels) throw new Error(`bad label in {${text}}`)
    let value = ""
    for (i += name.length + 2; text[i] !== "\""; i++) {
      if (i >= text.length) throw new Error(`unterminated label value in {${text}}`)
      if (text[i] !== "\\") value += text[i]
      else if ((text[i + 1] ?? "") in UNESCAPE) value += UNESCAPE[text[++i]!]
      else throw new Error(`bad escape in {${text}}`)
    }
    labels[name] = value
    if (++i < text.length && text[i++] !== ",") throw new Error(`expected , or } after ${name} in {${text}}`)
  }
  return labels
}

/** Every line checked: HELP, then TYPE, then the family's samples, one family at a time, no timestamps. */
const parseExposition = (text: string): Map<string, Family> => {
  if (!text.endsWith("\n")) throw new Error("does not end with a newline")
  const families = new Map<string, Family>()
  let current: string | undefined
  for (const line of text.slice(0, -1).split("\n")) {
    const [, kind, commented, rest] = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line) ?? []
    const [, sampled, labels, value] = kind === undefined ? /^([^\s{]+)(?:\{(.*)\})? (\S+)$/s.exec(line) ?? [] : []
    const name = commented ?? sampled
    if (name === undefined) throw new Error(`not a sample: ${JSON.stringify(line)}`)
    if (!METRIC_NAME.test(name)) throw new Error(`bad metric name ${name}`)
    const family = families.get(name)
    if (kind === "HELP") {
      if (family !== undefined) throw new Error(`${name} twice`)
      families.set(name, { help: rest!, samples: [] })
      current = name
    } else if (kind === "TYPE") {
      const known = /^(counter|gauge|histogram|summary|untyped)$/.test(rest!)
      if (family === undefined || name !== current || family.type !== undefined || !known) throw new Error(`bad TYPE of ${name}`)
      family.type = rest!
    } else {
      if (name !== current || family?.type === undefined) throw new Error(`sample of ${name} before its HELP and TYPE`)
      if (!VALUE.test(value!)) throw new Error(`bad value ${value}`)
      family.samples.push({ labels: parseLabels(labels ?? ""), value: Number(value) })
    }
  }
  return families
}

/** Each sample as `name` or `name{label="value"}` (the prefix left out) → its value. */
const samplesOf = (text: string): Record<string, number> =>
  Object.fromEntries([...parseExposition(text)].flatMap(([name, family]) =>
    family.samples.map(({ labels, value }) => {
      const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")
      return [`${name.slice(P.length)}${pairs === "" ? "" : `{${pairs}}`}`, value]
    })))

// ---------------------------------------------------------------- runs built by hand

const spent = { attempts: 1, durationMs: 5 }
const music = CategoryId.make("10")
const outcomes = [
  RegionOutcome.ok(region("US"), { videos: 25, malformed: 0, ...spent }),
  RegionOutcome.ok(region("PL"), { videos: 25, malformed: 1, ...spent }),
  RegionOutcome.ok(region("PL"), { videos: 17, malformed: 0, ...spent }, music),
  RegionOutcome.unavailable(region("SE"), music, { _tag: "ChartUnavailable", message: "no chart" }, spent),
  RegionOutcome.deferred(region("NO"), "all", "quota"),
  RegionOutcome.deferred(region("AT"), "all", "quota")
]
const failedOutcome = RegionOutcome.failed(region("GB"), new ApiUnavailable({ region: region("GB"), detail: "reset" }), spent)

const reportWith = (status: IngestReport["status"], regions: ReadonlyArray<RegionOutcome>) =>
  IngestReport.make({
    runId: RunId.make(12), status, startedAt: new Date(0), finishedAt: new Date(0), regions, fetchOrder: [], fetchMs: 900,
    entries: 67, units: 27, allowance: 40, uniqueVideos: 60, multiRegionVideos: 3, tracking: TrackingReport.none
  })
const partial = new IncompleteRun({ report: reportWith("partial", [...outcomes, failedOutcome]) })

const NOW = Date.UTC(2026, 10, 28, 7, 0, 0)
const okRun: RunMetrics = {
  finishedAt: NOW, durationMs: 2_125, status: "ok", exitCode: 0, report: Option.some(reportWith("ok", outcomes)),
  spoolBacklog: Option.some(2), lastSuccessAt: Option.some(NOW)
}

describe("renderMetrics", () => {
  it("every metric a gauge with its HELP, with the report's values", () => {
    const text = renderMetrics(okRun)
    for (const [name, family] of parseExposition(text)) {
      expect([family.type, family.help.length > 10, name.startsWith(P), /_total$/.test(name)], name).toEqual(["gauge", true, true, false])
    }
    expect(samplesOf(text)).toEqual({
      last_run_timestamp_seconds: NOW / 1000, last_run_duration_seconds: 2.125, last_run_success: 1,
      "last_run_status{status=\"ok\"}": 1, "last_run_status{status=\"partial\"}": 0, "last_run_status{status=\"failed\"}": 0,
      last_run_exit_code: 0, last_run_quota_units: 27, last_run_entries: 67, last_run_unique_videos: 60,
      "last_run_charts{outcome=\"ok\"}": 3, "last_run_charts{outcome=\"failed\"}": 0, "last_run_charts{outcome=\"skipped\"}": 0,
      "last_run_charts{outcome=\"unavailable\"}": 1, "last_run_charts{outcome=\"deferred\"}": 2, last_run_deferred_charts: 2,
      spool_backlog_batches: 2, last_success_timestamp_seconds: NOW / 1000
    })
  })

  it("a partial run: success 0, its status 1, the failed chart counted, an earlier success", () => {
    const earlier = NOW - 7 * 3600_000
    expect(samplesOf(renderMetrics({ ...okRun, status: "partial", exitCode: 75, report: Option.some(partial.report), lastSuccessAt: Option.some(earlier) })))
      .toMatchObject({
        last_run_success: 0, "last_run_status{status=\"ok\"}": 0, "last_run_status{status=\"partial\"}": 1, last_run_exit_code: 75,
        "last_run_charts{outcome=\"failed\"}": 1, last_success_timestamp_seconds: earlier / 1000
      })
  })

  it("a run that failed without a report: what is known, nothing made up", () => {
    const none = Option.none()
    expect(samplesOf(renderMetrics({ ...okRun, status: "failed", exitCode: 69, report: none, spoolBacklog: none, lastSuccessAt: none }))).toEqual({
      last_run_timestamp_seconds: NOW / 1000, last_run_duration_seconds: 2.125, last_run_success: 0, last_run_exit_code: 69,
      "last_run_status{status=\"ok\"}": 0, "last_run_status{status=\"partial\"}": 0, "last_run_status{status=\"failed\"}": 1
    })
  })

  it("label values escaped: backslash, quote, newline survive a reading back", () => {
    expect(escapeLabelValue("a\\b\"c\nd")).toBe("a\\\\b\\\"c\\nd")
    const awkward = fc.string({ unit: fc.constantFrom("\\", "\"", "\n", "\r", "\\n", "}", ",", "=", " ", "a", "é", "🙂") })
    fc.assert(fc.property(fc.oneof(awkward, fc.string({ unit: "grapheme" })), (value) => {
      const families = parseExposition(`# HELP x a metric\n# TYPE x gauge\nx{label="${escapeLabelValue(value)}"} 1\n`)
      expect(families.get("x")!.samples[0]!.labels["label"]).toBe(value)
    }))
  })

  it("the reader used here refuses what the format does not allow", () => {
    const family = (sample: string) => `# HELP x h\n# TYPE x gauge\n${sample}\n`
    expect(() => parseExposition("x 1\n")).toThrow(/before its HELP/)
    expect(() => parseExposition(family("x{l=\"a\"b\"} 1"))).toThrow(/after l/)
    expect(() => parseExposition(family("x{l=\"a\\tb\"} 1"))).toThrow(/escape/)
    expect(() => parseExposition(family("x one"))).toThrow(/value/)
    expect(() => parseExposition(family("x 1 1764316800000"))).toThrow(/not a sample/)
    expect(() => parseExposition("# HELP 1x h\n")).toThrow(/name/)
    expect(() => parseExposition(family("x 1").slice(0, -1))).toThrow(/newline/)
  })

  it("the last success is read back from the file written before", () => {
    expect(lastSuccessIn(renderMetrics(okRun))).toEqual(Option.some(NOW))
    expect(lastSuccessIn(renderMetrics({ ...okRun, lastSuccessAt: Option.none() }))).toEqual(Option.none())
    expect(lastSuccessIn("garbage")).toEqual(Option.none())
  })
})

// ---------------------------------------------------------------- withMetricsFile, on real files

const setUp = () => {
  const root = mkdtempSync(join(tmpdir(), "vvv-metrics-"))
  const metrics = join(root, "textfile")
  mkdirSync(metrics)
  const layer = Spool.Default.pipe(
    Layer.provide(Layer.succeed(StateDirectory, { path: join(root, "state") })),
    Layer.provideMerge(Layer.merge(NodeFileSystem.layer, NodePath.layer))
  )
  /** `run` wrapped, with `METRICS_FILE` set to `file` (unset: undefined), a run of `ms` in virtual time. */
  const wrapped = <E extends ProgramError>(file: string | undefined, run: Effect.Effect<IngestReport, E>, ms = 0) =>
    withMetricsFile(Effect.zipRight(TestClock.adjust(ms), run)).pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(file === undefined ? [] : [["METRICS_FILE", file]]))),
      Effect.provide(layer),
      Effect.exit
    )
  return { root, metrics, file: join(metrics, "viralvidvault.prom"), wrapped }
}

describe("withMetricsFile", () => {
  it.effect("after a run that stored everything: ok, exit 0, its duration, the backlog; no temporary file left", () =>
    Effect.gen(function*() {
      const { file, metrics, root, wrapped } = setUp()
      mkdirSync(join(root, "state", "spool"), { recursive: true })
      writeFileSync(join(root, "state", "spool", "run-1-1.json"), "{}")
      yield* TestClock.setTime(NOW)
      const report = reportWith("ok", outcomes)
      // Its mode under a restrictive umask is checked on the built process (Metrics.db.test.ts):
      // a worker thread cannot set the umask.
      expect(yield* wrapped(file, Effect.succeed(report), 1500)).toEqual(Exit.succeed(report))
      expect(samplesOf(readFileSync(file, "utf8"))).toMatchObject({
        last_run_success: 1, last_run_exit_code: 0, last_run_duration_seconds: 1.5, last_run_timestamp_seconds: NOW / 1000 + 1.5,
        last_run_entries: 67, spool_backlog_batches: 1, last_success_timestamp_seconds: NOW / 1000 + 1.5
      })
      expect(readdirSync(metrics)).toEqual(["viralvidvault.prom"])
    }))

  it.effect("a partial run: its exit code (75), its report, and the last success carried over from the file before", () =>
    Effect.gen(function*() {
      const { file, wrapped } = setUp()
      yield* TestClock.setTime(NOW)
      yield* wrapped(file, Effect.succeed(reportWith("ok", outcomes)), 1000)
      expect(yield* wrapped(file, Effect.fail(partial), 1000)).toEqual(Exit.fail(partial))
      expect(samplesOf(readFileSync(file, "utf8"))).toMatchObject({
        last_run_success: 0, last_run_exit_code: 75, "last_run_status{status=\"partial\"}": 1, "last_run_charts{outcome=\"failed\"}": 1,
        last_run_timestamp_seconds: NOW / 1000 + 2, last_success_timestamp_seconds: NOW / 1000 + 1
      })
    }))

  it.effect.each([
    ["an unreachable database", 69, Effect.fail(new DatabaseUnavailable({ operation: "connecting", detail: "refused" }))],
    ["a bug", 1, Effect.die(new Error("boom"))]
  ] as const)("%s: failed, exit %i, no report's metrics", ([_what, code, end]) =>
    Effect.gen(function*() {
      const { file, wrapped } = setUp()
      expect(Exit.isFailure(yield* wrapped(file, end))).toBe(true)
      const samples = samplesOf(readFileSync(file, "utf8"))
      expect(samples).toMatchObject({ "last_run_status{status=\"failed\"}": 1, last_run_exit_code: code, spool_backlog_batches: 0 })
      expect(samples["last_run_entries"]).toBeUndefined()
    }))

  it.effect("an interrupted run writes nothing (the signal says how it ended)", () =>
    Effect.gen(function*() {
      const { file, metrics, wrapped } = setUp()
      const fiber = yield* Effect.fork(wrapped(file, Effect.never))
      yield* TestClock.adjust(1000)
      yield* Fiber.interrupt(fiber)
      expect(readdirSync(metrics)).toEqual([])
    }))

  it.effect("METRICS_FILE unset (or blank): nothing written, the run as it was", () =>
    Effect.gen(function*() {
      const { root, wrapped } = setUp()
      expect(yield* wrapped(undefined, Effect.fail(partial))).toEqual(Exit.fail(partial))
      expect(yield* wrapped(" ", Effect.fail(partial))).toEqual(Exit.fail(partial))
      expect([readdirSync(root), readdirSync(join(root, "textfile"))]).toEqual([["textfile"], []])
    }))
})
