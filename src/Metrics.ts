import { FileSystem, Path } from "@effect/platform"
import { Cause, Clock, Config, Effect, Exit, Option } from "effect"
import { type ConfigurationError, load } from "./Config.js"
import { IncompleteRun, type IngestReport, RegionStatus, RunStatus } from "./Domain/Run.js"
import { ExitCode, type ProgramError, verdictOf } from "./ExitCode.js"
import { describeFileError } from "./Files.js"
import { isSpooledBatch, Spool } from "./Store/Spool.js"

/**
 * `METRICS_FILE`: how the last run went, in the Prometheus text format, for
 * node_exporter's textfile collector. Rewritten whole after every run, so every
 * metric is a gauge of the last run; only the last success is carried over from the
 * file before, so that an alert can tell how long the runs have been failing.
 */

/** How a run ended, as the metrics file tells it. */
export interface RunMetrics {
  /** Epoch milliseconds. */
  readonly finishedAt: number
  readonly durationMs: number
  readonly status: RunStatus
  /** What `run` exits with (or would have, under `serve --ingest-every`). */
  readonly exitCode: number
  /** None: the run failed before it had one (a database that cannot be reached, a bug). */
  readonly report: Option.Option<IngestReport>
  /** None: the spool could not be read. */
  readonly spoolBacklog: Option.Option<number>
  /** Epoch milliseconds of the newest run whose status was ok, this one or an earlier one. */
  readonly lastSuccessAt: Option.Option<number>
}

const PREFIX = "viralvidvault_"

export const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const formatValue = (n: number): string =>
  Number.isNaN(n) ? "NaN" : n === Infinity ? "+Inf" : n === -Infinity ? "-Inf" : String(n)

interface Sample {
  readonly labels?: Readonly<Record<string, string>>
  readonly value: number
}

interface Family {
  readonly name: string
  readonly help: string
  readonly samples: ReadonlyArray<Sample>
}

const gauge = (name: string, help: string, value: number): Family => ({ name, help, samples: [{ value }] })

const renderFamily = ({ help, name, samples }: Family): string => {
  const full = PREFIX + name
  const lines = [`# HELP ${full} ${escapeHelp(help)}`, `# TYPE ${full} gauge`]
  for (const { labels, value } of samples) {
    const pairs = Object.entries(labels ?? {}).map(([label, v]) => `${label}="${escapeLabelValue(v)}"`)
    lines.push(`${full}${pairs.length === 0 ? "" : `{${pairs.join(",")}}`} ${formatValue(value)}`)
  }
  return lines.join("\n")
}

const fromReport = (report: IngestReport): ReadonlyArray<Family> => {
  const count = (status: RegionStatus) => report.regions.filter((outcome) => outcome.status === status).length
  return [
    gauge("last_run_quota_units", "YouTube quota units the last run spent (requests sent, retries included).", report.units),
    gauge("last_run_entries", "Trending entries the last run fetched, over all charts.", report.entries),
    gauge("last_run_unique_videos", "Distinct videos the last run fetched.", report.uniqueVideos),
    {
      name: "last_run_charts",
      help: "Units of the last run (a region's chart) by outcome.",
      samples: RegionStatus.literals.map((outcome) => ({ labels: { outcome }, value: count(outcome) }))
    },
    gauge("last_run_deferred_charts", "Charts the last run left for a later one: the day's quota did not cover them.", count("deferred"))
  ]
}

/** The metrics file's text: every family with its HELP and TYPE, ending with a newline. */
export const renderMetrics = (run: RunMetrics): string => {
  const families: Array<Family> = [
    gauge("last_run_timestamp_seconds", "When the last run finished, in seconds since the epoch.", run.finishedAt / 1000),
    gauge("last_run_duration_seconds", "How long the last run took.", run.durationMs / 1000),
    gauge("last_run_success", "1 when the last run's status is ok (no chart failed; deferred charts are counted apart), else 0.", run.status === "ok" ? 1 : 0),
    {
      name: "last_run_status",
      help: "The last run's status: 1 for the one it had, 0 for the others.",
      samples: RunStatus.literals.map((status) => ({ labels: { status }, value: status === run.status ? 1 : 0 }))
    },
    gauge(
      "last_run_exit_code",
      "The exit code of the last run (0 ok, 75 partial, 69 unavailable, 78 configuration or key, 1 a bug).",
      run.exitCode
    ),
    ...Option.match(run.report, { onNone: () => [], onSome: fromReport }),
    ...Option.match(run.spoolBacklog, {
      onNone: () => [],
      onSome: (batches) => [gauge("spool_backlog_batches", "Fetched batches waiting in the spool to be stored.", batches)]
    }),
    ...Option.match(run.lastSuccessAt, {
      onNone: () => [],
      onSome: (at) => [
        gauge("last_success_timestamp_seconds", "When the newest run with status ok finished, in seconds since the epoch.", at / 1000)
      ]
    })
  ]
  return families.map(renderFamily).join("\n") + "\n"
}

const LAST_SUCCESS = new RegExp(`^${PREFIX}last_success_timestamp_seconds (\\S+)$`, "m")

/** The last success a metrics file written before records, in epoch milliseconds. */
export const lastSuccessIn = (text: string): Option.Option<number> =>
  Option.fromNullable(LAST_SUCCESS.exec(text)?.[1]).pipe(
    Option.map(Number),
    Option.filter((seconds) => Number.isFinite(seconds) && seconds > 0),
    Option.map((seconds) => Math.round(seconds * 1000))
  )

/** `METRICS_FILE`; unset or blank: no metrics file. */
export const metricsFile = load(Config.option(Config.nested(Config.string(), "METRICS_FILE"))).pipe(
  Effect.map(Option.filter((path) => path.trim() !== ""))
)

/**
 * Writes `run` to `path` so that the collector reads the old file or the new, never a
 * part: a temporary file beside it (a name the collector skips: it reads `*.prom`),
 * renamed over it. Readable by all, whatever the umask (the unit's is 0077): node_exporter
 * runs as a user of its own. A failure is a warning, never the run's: the metrics must not
 * turn a stored run into a failed one.
 */
export const writeMetrics = Effect.fn("writeMetrics")(function*(path: string, run: RunMetrics) {
  const fs = yield* FileSystem.FileSystem
  const paths = yield* Path.Path
  const temporary = paths.join(paths.dirname(path), `.${paths.basename(path)}.${process.pid}.tmp`)
  yield* fs.writeFileString(temporary, renderMetrics(run)).pipe(
    Effect.zipRight(fs.chmod(temporary, 0o644)),
    Effect.zipRight(fs.rename(temporary, path)),
    Effect.tapError(() => fs.remove(temporary, { force: true }).pipe(Effect.ignore)),
    Effect.catchAll((error) =>
      Effect.logWarning(
        `could not write the metrics file ${path} (METRICS_FILE): ${describeFileError(error)}; ` +
          "check that its directory exists and is writable by this service"
      )
    )
  )
})

/** What the file written before says of the last success; none when there is no such file. */
const previousSuccess = (path: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path)).pipe(
    Effect.map(lastSuccessIn),
    Effect.orElseSucceed(() => Option.none<number>())
  )

/** As `status` counts them: the files a run writes there, whether or not another run is storing one. */
const spoolBacklog = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const names = yield* fs.readDirectory((yield* Spool).directory)
  return Option.some(names.filter(isSpooledBatch).length)
}).pipe(
  Effect.catchAll((error) =>
    Effect.succeed(error._tag === "SystemError" && error.reason === "NotFound" ? Option.some(0) : Option.none())
  )
)

/** What the process exits with after `exit`; none for an interruption (a signal says its own code). */
const exitCodeAfter = <E extends ProgramError>(exit: Exit.Exit<IngestReport, E>): Option.Option<number> =>
  Exit.match(exit, {
    onSuccess: () => Option.some(ExitCode.ok),
    onFailure: (cause) =>
      Option.match(Cause.failureOption(cause), {
        onSome: (error) => Option.some(verdictOf(error).code),
        onNone: () => Cause.isInterruptedOnly(cause) ? Option.none() : Option.some(ExitCode.defect)
      })
  })

const reportOf = <E>(exit: Exit.Exit<IngestReport, E>): Option.Option<IngestReport> =>
  Exit.match(exit, {
    onSuccess: Option.some,
    onFailure: (cause) =>
      Option.flatMap(Cause.failureOption(cause), (error) =>
        error instanceof IncompleteRun ? Option.some(error.report) : Option.none())
  })

/**
 * Writes the metrics file after `run`, however it ended but by a signal, when
 * `METRICS_FILE` is set; does nothing else.
 */
export const withMetricsFile = <E extends ProgramError, R>(
  run: Effect.Effect<IngestReport, E, R>
): Effect.Effect<IngestReport, E | ConfigurationError, R | Spool | FileSystem.FileSystem | Path.Path> =>
  Effect.flatMap(metricsFile, (file) => {
    if (Option.isNone(file)) return run
    return Effect.flatMap(Clock.currentTimeMillis, (startedAt) =>
      Effect.onExit(run, (exit) =>
        Option.match(exitCodeAfter(exit), {
          onNone: () => Effect.void,
          onSome: (exitCode) =>
            Effect.gen(function*() {
              const finishedAt = yield* Clock.currentTimeMillis
              const report = reportOf(exit)
              const status: RunStatus = Option.match(report, { onNone: () => "failed", onSome: (r) => r.status })
              yield* writeMetrics(file.value, {
                finishedAt,
                durationMs: finishedAt - startedAt,
                status,
                exitCode,
                report,
                spoolBacklog: yield* spoolBacklog,
                lastSuccessAt: status === "ok" ? Option.some(finishedAt) : yield* previousSuccess(file.value)
              })
            })
        })))
  })
