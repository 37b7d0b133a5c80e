import { HelpDoc, Options, ValidationError } from "@effect/cli"
import { Effect, Either, Option, Schema } from "effect"
import { parseRegions } from "../Domain/Region.js"
import { ChartId } from "../Domain/Video.js"

/** Options more than one command takes, each refused while the command line is parsed. */

/** A bad option, refused while the command line is parsed: before anything is opened. */
export const usage = (message: string) => ValidationError.invalidValue(HelpDoc.p(message))

/** `--region PL,SE`, parsed as REGIONS is; absent: none (the command's default). */
export const regionsOption = (description: string) =>
  Options.text("region").pipe(
    Options.withDescription(description),
    Options.optional,
    Options.mapEffect(Option.match({
      onNone: () => Effect.succeed([]),
      onSome: (raw) => Either.match(parseRegions(raw), { onLeft: (d) => Effect.fail(usage(`--region: ${d}`)), onRight: Effect.succeed })
    }))
  )

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/** `YYYY-MM-DD`, a day that exists. */
export const day = (name: string) =>
  Options.text(name).pipe(
    Options.optional,
    Options.mapEffect(Option.match({
      onNone: () => Effect.succeed(undefined),
      onSome: (raw) => {
        const match = DAY.exec(raw.trim())
        const date = match === null ? undefined : new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
        return date !== undefined && date.toISOString().startsWith(raw.trim())
          ? Effect.succeed(raw.trim())
          : Effect.fail(usage(`--${name}: expected a day as YYYY-MM-DD (UTC), e.g. 2026-11-01, got "${raw}"`))
      }
    }))
  )

/** `--since` and `--until`, UTC days, both included; refused when `--until` comes first. */
export const periodOption = (sinceDefault: string, untilDefault: string) =>
  Options.all({
    since: day("since").pipe(Options.withDescription(`from this UTC day on (YYYY-MM-DD); default: ${sinceDefault}`)),
    until: day("until").pipe(Options.withDescription(`up to this UTC day, included (YYYY-MM-DD); default: ${untilDefault}`))
  }).pipe(
    Options.mapEffect((period) =>
      period.since !== undefined && period.until !== undefined && period.until < period.since
        ? Effect.fail(usage(`--until ${period.until} is before --since ${period.since}`))
        : Effect.succeed(period)
    )
  )

export const jsonOption = Options.boolean("json").pipe(Options.withDescription("the JSON the HTTP API answers with, on one line"))

export const chartOption = Options.text("chart").pipe(
  Options.withDescription("`all` (the overall chart) or a category id, e.g. 10 for Music"),
  Options.withDefault("all"),
  Options.mapEffect((raw) =>
    Either.match(Schema.decodeUnknownEither(ChartId)(raw.trim()), {
      onLeft: () => Effect.fail(usage(`--chart: expected all or a category id (digits), got "${raw}"`)),
      onRight: Effect.succeed
    })
  )
)
