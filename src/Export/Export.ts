import { type Error as PlatformError, FileSystem, Path } from "@effect/platform"
import { Chunk, Clock, Duration, Effect, Ref, Schema, Stream } from "effect"
import type { RegionCode } from "../Domain/Region.js"
import { AtomicWriter, describeFileError } from "../Files.js"
import { type ExportSelection, ExportRows } from "../Store/ExportRows.js"
import { StoredCharts } from "../Store/StoredCharts.js"
import { categoryFile, KAGGLE_HEADER, KAGGLE_LINE } from "./Kaggle.js"
import { parquetFile } from "./Parquet.js"

/** `--out` (or a file in it) cannot be written. Exit code 73 (EX_CANTCREAT). */
export class ExportUnwritable extends Schema.TaggedError<ExportUnwritable>()("ExportUnwritable", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `cannot write the export to ${this.path}: ${this.detail}`
  }
  get hint() {
    return "choose an --out directory this user can create and write, with free space"
  }
}

export const ExportFormat = Schema.Literal("kaggle", "jsonl", "parquet")
export type ExportFormat = typeof ExportFormat.Type

export interface ExportRequest extends ExportSelection {
  readonly format: ExportFormat
  readonly out: string
  /** None: every region with data in the period. */
  readonly regions: ReadonlyArray<RegionCode>
  /** Where progress goes: a terminal gets a line that updates; anything else, nothing. */
  readonly progress: (line: string) => Effect.Effect<void>
}

/**
 * Writes the stored history as files, one (or two) per region, each streamed from the
 * database through a cursor (memory stays flat) to a temporary name and renamed when
 * whole: an interrupted export leaves no half file under a final name.
 */
export const exportData = (request: ExportRequest) =>
  Effect.gen(function*() {
    const rows = yield* ExportRows
    const charts = yield* StoredCharts
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const write = yield* AtomicWriter
    const started = yield* Clock.currentTimeMillis
    /** A file system failure names the file; the store's failures pass as they are. */
    const unwritable = (file: string) => {
      const fail = (e: PlatformError.PlatformError) => Effect.fail(new ExportUnwritable({ path: file, detail: describeFileError(e) }))
      return { SystemError: fail, BadArgument: fail }
    }

    yield* fs.makeDirectory(request.out, { recursive: true }).pipe(
      Effect.mapError((e) => new ExportUnwritable({ path: request.out, detail: describeFileError(e) }))
    )
    return yield* rows.snapshot(Effect.gen(function*() {
      const regions = yield* rows.regions(request, request.regions)
      if (regions.length === 0) {
        yield* Effect.logWarning("nothing stored in that period for those regions: no file written")
        return { regions: 0, rows: 0 }
      }
      const written = yield* Ref.make(0)
      for (const [index, region] of regions.entries()) {
        const said = (n: number) => request.progress(`${request.format}: ${region} (${index + 1}/${regions.length} regions), ${n.toLocaleString("en-US")} rows`)
        const counted = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
          Stream.mapChunksEffect(stream, (chunk) => Effect.as(Effect.flatMap(Ref.updateAndGet(written, (n) => n + Chunk.size(chunk)), said), chunk))
        const [name, content] = request.format === "kaggle"
          ? [`${region}_youtube_trending_data.csv`, Stream.concat(Stream.make(`${KAGGLE_HEADER}\n`), counted(rows.kaggle(region, request, KAGGLE_LINE)))]
          : request.format === "jsonl"
          ? [`${region}_trending_entries.jsonl`, counted(rows.entryLines(region, request))]
          : [`${region}_trending_entries.parquet`, parquetFile(counted(rows.entries(region, request)))]
        const file = path.join(request.out, name)
        yield* write(file, content, 0o644).pipe(Effect.catchTags(unwritable(file)))
        if (request.format === "kaggle") {
          const categories = path.join(request.out, `${region}_category_id.json`)
          yield* write(categories, categoryFile(yield* charts.categories(region)), 0o644).pipe(Effect.catchTags(unwritable(categories)))
        }
      }
      const total = yield* Ref.get(written)
      const elapsed = Duration.millis((yield* Clock.currentTimeMillis) - started)
      yield* request.progress("")
      yield* Effect.log(
        `exported ${total.toLocaleString("en-US")} rows of ${regions.length} region${regions.length === 1 ? "" : "s"} ` +
          `(${regions.join(",")}) as ${request.format} to ${request.out} in ${Duration.format(elapsed)}`
      )
      return { regions: regions.length, rows: total }
    }))
  }).pipe(Effect.withSpan("export", { attributes: { format: request.format } }))
