import type { IngestReport } from "./Domain.js"
import { CREDENTIAL_ERROR_TAGS } from "./YouTube/Errors.js"

/** sysexits(3) codes, so systemd and shells can tell outcomes apart. */
export const ExitCode = {
  ok: 0,
  defect: 1,
  /** A bad command line. */
  usage: 64,
  /** Nothing fetched, or nothing could be stored. */
  unavailable: 69,
  /** Partial: some regions failed, the others are stored. */
  tempFail: 75,
  /** Configuration or credential error. */
  config: 78,
  sigint: 130,
  sigterm: 143
} as const

/** The exit code of a run that was stored. */
export const exitCodeOf = (report: IngestReport): number => {
  switch (report.status) {
    case "ok":
      return ExitCode.ok
    case "partial":
      return ExitCode.tempFail
    case "failed":
      return report.regions.some((r) => r.errorTag !== undefined && CREDENTIAL_ERROR_TAGS.has(r.errorTag))
        ? ExitCode.config
        : ExitCode.unavailable
  }
}
