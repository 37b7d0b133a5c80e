import { ValidationError } from "@effect/cli"
import { Cause, Effect, Exit, Match, Option } from "effect"
import type { ConfigurationError } from "./Config.js"
import { type IncompleteRun, isCredentialFailure } from "./Domain/Run.js"
import type { Ending } from "./Signals.js"
import type { StoreError } from "./Store/Errors.js"
import type { ExportUnwritable } from "./Export/Export.js"
import type { InvalidQuery } from "./Store/Search.js"
import type { ServeFailed } from "./Http/Serve.js"
import type { RegionsUnknown } from "./Ingest/Regions.js"

/** sysexits(3) codes, so systemd and shells can tell outcomes apart. */
export const ExitCode = {
  ok: 0,
  defect: 1,
  /** A bad command line. */
  usage: 64,
  /** Nothing fetched, or nothing could be stored. */
  unavailable: 69,
  /** An output file cannot be created (`export --out`). */
  cantCreate: 73,
  /** Partial: some regions failed, the others are stored. */
  tempFail: 75,
  /** Configuration or credential error. */
  config: 78,
  sigint: 130,
  sigterm: 143
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Every failure a command ends with. */
export type ProgramError =
  | ValidationError.ValidationError
  | ConfigurationError
  | InvalidQuery
  | IncompleteRun
  | ExportUnwritable
  | ServeFailed
  | RegionsUnknown
  | StoreError

interface Verdict {
  readonly code: ExitCode
  /** What the operator reads about it; none when it was said already (by the run, or by the parser). */
  readonly say: Option.Option<string>
}

const verdict = (code: ExitCode, say?: string): Verdict => ({ code, say: Option.fromNullable(say) })
const withHint = (code: ExitCode) => (error: StoreError) => verdict(code, `${error.message}; ${error.hint}`)

/** The one mapping from how a command failed to its exit code, and what is said of it. */
export const verdictOf = (error: ProgramError): Verdict =>
  ValidationError.isValidationError(error) ? verdict(ExitCode.usage) : Match.value(error).pipe(
    Match.tagsExhaustive({
      ConfigurationError: (e) => verdict(ExitCode.config, `configuration: ${e.message}`),
      InvalidQuery: (e) => verdict(ExitCode.usage, e.message),
      ExportUnwritable: (e) => verdict(ExitCode.cantCreate, `${e.message}; ${e.hint}`),
      ServeFailed: (e) => verdict(ExitCode.unavailable, `${e.message}; ${e.hint}`),
      RegionsUnknown: (e) => verdict(e.isCredentialFailure ? ExitCode.config : ExitCode.unavailable, `${e.message}; ${e.hint}`),
      IncompleteRun: ({ report }) =>
        verdict(
          report.status === "partial"
            ? ExitCode.tempFail
            : report.regions.some((r) => r.errorTag !== undefined && isCredentialFailure(r.errorTag))
            ? ExitCode.config
            : ExitCode.unavailable
        ),
      DatabaseUnavailable: withHint(ExitCode.unavailable),
      DatabaseRefused: withHint(ExitCode.unavailable),
      EmbeddedDatabaseLocked: withHint(ExitCode.unavailable),
      EmbeddedDatabaseFailed: withHint(ExitCode.unavailable),
      StoreBusy: withHint(ExitCode.tempFail)
    })
  )

/**
 * How the program ended, said in the log, as an exit code: a signal's own code, a
 * failure's verdict, 1 for a defect (a bug: logged with its cause, to be reported).
 */
export const exitCodeOf = (ending: Ending<void, ProgramError>): Effect.Effect<ExitCode> => {
  if (ending._tag === "Stopped") return Effect.succeed(ending.signal === "SIGINT" ? ExitCode.sigint : ExitCode.sigterm)
  return Exit.match(ending.exit, {
    onSuccess: () => Effect.succeed(ExitCode.ok),
    onFailure: (cause) =>
      Option.match(Cause.failureOption(cause), {
        onSome: (error) => {
          const { code, say } = verdictOf(error)
          return Option.match(say, { onNone: () => Effect.succeed(code), onSome: (text) => Effect.as(Effect.logError(text), code) })
        },
        onNone: () =>
          Cause.isInterruptedOnly(cause)
            ? Effect.succeed(ExitCode.sigint)
            : Effect.as(Effect.logFatal("a bug stopped the run; please report it with this output", cause), ExitCode.defect)
      })
  })
}
