import { Effect, Either, ParseResult, Schema } from "effect"
import { type Batch, RegionOutcome, RunStatus } from "../Domain/Run.js"
import { RegionCode } from "../Domain/Region.js"
import type { FetchedChart, ReadSpooledChart } from "../Domain/SentPage.js"
import { ChartId, RegionalVideo } from "../Domain/Video.js"
import { encodeSpoolEntry } from "./SpoolEntry.js"

/**
 * What a spool file holds: the batch's header, and what it fetched, a unit at a time in
 * the order the units came in. Since version 2, a unit is its pages as the API sent them
 * (read again as the fetch read them: `ReadSpooledChart`), or, from a host's client that
 * keeps no pages, its entries; version 1 (the first stage) kept every unit's entries in
 * one list. The merged videos are derived again (`dedup` is pure).
 */
const headerFields = {
  batchId: Schema.optional(Schema.String),
  startedAt: Schema.Date,
  finishedAt: Schema.Date,
  status: RunStatus,
  outcomes: Schema.Array(RegionOutcome)
}
const BatchHeader = Schema.Struct({ ...headerFields, version: Schema.Literal(2) })
const SpooledPageJson = Schema.Struct({
  firstRank: Schema.Int.pipe(Schema.positive()),
  take: Schema.NonNegativeInt,
  fetchedAt: Schema.Date,
  body: Schema.Unknown
})
const SentUnitJson = Schema.Struct({ region: RegionCode, chart: ChartId, pages: Schema.Array(SpooledPageJson) })
const EntriesJson = Schema.Struct({ entries: Schema.Array(RegionalVideo) })
const BatchFile = Schema.parseJson(Schema.Union(
  Schema.Struct({ ...headerFields, version: Schema.Literal(1), entries: Schema.Array(RegionalVideo) }),
  Schema.Struct({ ...headerFields, version: Schema.Literal(2), units: Schema.Array(Schema.Union(SentUnitJson, EntriesJson)) })
))

// Compiled on first use (and then memoised by Schema), not at start-up: the spool is
// needed after the fetch, and start-up is on the way to the first request.
const HeaderJson = Schema.parseJson(BatchHeader)
const decodeFile = (text: string) => Schema.decodeUnknownEither(BatchFile)(text)

/** The entries a file holds, its units read as their fetch read them; why not, when a unit's pages are no pages. */
const entriesOf = (file: typeof BatchFile.Type, readChart: ReadSpooledChart): Either.Either<ReadonlyArray<RegionalVideo>, string> => {
  if (file.version === 1) return Either.right(file.entries)
  const entries: Array<RegionalVideo> = []
  for (const unit of file.units) {
    if ("entries" in unit) entries.push(...unit.entries)
    else {
      const read = readChart(unit)
      if (Either.isLeft(read)) return Either.left(read.left)
      entries.push(...read.right)
    }
  }
  return Either.right(entries)
}

/** A unit's entries (from a client that keeps no pages) are encoded a slice at a time: the file is written as it is encoded, never whole in memory. */
const SLICE = 500

/**
 * A unit as the file keeps it: the elements of `units` it makes (its pages, one element:
 * their bytes as they came, between the few bytes that say what they are; a client's
 * entries, an element a slice), each as the parts to write in order.
 */
export const unitElements = (unit: FetchedChart): ReadonlyArray<ReadonlyArray<string | Uint8Array>> => {
  if (unit.sent === undefined || unit.sent.length === 0) {
    const elements: Array<ReadonlyArray<string>> = []
    for (let i = 0; i < unit.videos.length; i += SLICE) {
      elements.push([`{"entries":${JSON.stringify(unit.videos.slice(i, i + SLICE).map(encodeSpoolEntry))}}`])
    }
    return elements
  }
  const parts: Array<string | Uint8Array> = [`{"region":${JSON.stringify(unit.region)},"chart":${JSON.stringify(unit.chart)},"pages":[`]
  unit.sent.forEach((page, i) => {
    parts.push(`${i === 0 ? "" : ","}{"firstRank":${page.firstRank},"take":${page.take},"fetchedAt":"${page.fetchedAt.toISOString()}","body":`)
    parts.push(page.body)
    parts.push("}")
  })
  parts.push("]}")
  return [parts]
}

/** How a file begins: the header comes last, once the fetch has ended. */
export const FILE_START = `{"units":[`

/** The rest of the file after its units: the batch's header (`],"version":2,…}`). */
export const headerText = (batch: Batch) =>
  Schema.encode(HeaderJson)({ version: 2, ...batch }).pipe(Effect.map((json) => `],${json.slice(1)}`))

/** A file's batch (without its merged videos), or why it cannot be read: its first problem. */
export const readBatchFile = (text: string, readChart: ReadSpooledChart) =>
  Either.flatMap(
    Either.mapLeft(decodeFile(text), (e) => ParseResult.TreeFormatter.formatErrorSync(e).split("\n")[0]!),
    (file) =>
      Either.map(entriesOf(file, readChart), (entries) => ({
        batchId: file.batchId,
        startedAt: file.startedAt,
        finishedAt: file.finishedAt,
        status: file.status,
        outcomes: file.outcomes,
        entries
      }))
  )
