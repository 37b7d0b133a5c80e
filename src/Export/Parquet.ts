import { ByteWriter, type ColumnSource, ParquetWriter, type SchemaElement } from "hyparquet-writer"
import { Chunk, Effect, Stream } from "effect"
import type { EntryRow } from "../Store/ExportRows.js"

/**
 * `XX_trending_entries.parquet`: the JSON lines' records with typed columns — counters and
 * run ids 64-bit integers, dates timestamps (milliseconds, UTC), tags and regions lists of
 * strings, absent values null — written by hyparquet-writer (pure JavaScript, no native or
 * WebAssembly part to ship; README, "Export"), a row group at a time.
 */

type Element = SchemaElement

const text = (name: string, optional = false): Element => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: optional ? "OPTIONAL" : "REQUIRED"
})
const int64 = (name: string, optional = false): Element => ({ name, type: "INT64", repetition_type: optional ? "OPTIONAL" : "REQUIRED" })
const int32 = (name: string, optional = false): Element => ({ name, type: "INT32", repetition_type: optional ? "OPTIONAL" : "REQUIRED" })
const bool = (name: string): Element => ({ name, type: "BOOLEAN", repetition_type: "OPTIONAL" })
const timestamp = (name: string, optional = false): Element => ({
  name,
  type: "INT64",
  repetition_type: optional ? "OPTIONAL" : "REQUIRED",
  logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" }
})
/** The standard three-level list (`<name> LIST { repeated list { required element } }`), as pyarrow and DuckDB write it. */
const textList = (name: string): ReadonlyArray<Element> => [
  { name, repetition_type: "REQUIRED", converted_type: "LIST", logical_type: { type: "LIST" }, num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" }
]

const long = (n: number) => BigInt(n)
const longOrNull = (n: number | null) => (n === null ? null : BigInt(n))
const millis = (iso: string) => BigInt(Date.parse(iso))
const millisOrNull = (iso: string | null) => (iso === null ? null : BigInt(Date.parse(iso)))

/** Each column: its schema, and its values taken from a group of rows (in `EntryRow`'s order). */
const COLUMNS: ReadonlyArray<readonly [ReadonlyArray<Element>, (rows: ReadonlyArray<EntryRow>) => ColumnSource["data"]]> = [
  [[text("videoId")], (rows) => rows.map((r) => r.videoId)],
  [[text("region")], (rows) => rows.map((r) => r.region)],
  [[text("chart")], (rows) => rows.map((r) => r.chart)],
  [[int64("runId")], (rows) => rows.map((r) => long(r.runId))],
  [[int32("rank")], (rows) => rows.map((r) => r.rank)],
  [[timestamp("fetchedAt")], (rows) => rows.map((r) => millis(r.fetchedAt))],
  [[int64("viewCount", true)], (rows) => rows.map((r) => longOrNull(r.viewCount))],
  [[int64("likeCount", true)], (rows) => rows.map((r) => longOrNull(r.likeCount))],
  [[int64("commentCount", true)], (rows) => rows.map((r) => longOrNull(r.commentCount))],
  [[text("title")], (rows) => rows.map((r) => r.title)],
  [[text("channelTitle")], (rows) => rows.map((r) => r.channelTitle)],
  [[text("channelId", true)], (rows) => rows.map((r) => r.channelId)],
  [[text("categoryId", true)], (rows) => rows.map((r) => r.categoryId)],
  [textList("tags"), (rows) => rows.map((r) => r.tags)],
  [[text("description")], (rows) => rows.map((r) => r.description)],
  [[timestamp("publishedAt", true)], (rows) => rows.map((r) => millisOrNull(r.publishedAt))],
  [[int32("durationSeconds", true)], (rows) => rows.map((r) => r.durationSeconds)],
  [[text("definition", true)], (rows) => rows.map((r) => r.definition)],
  [[bool("caption")], (rows) => rows.map((r) => r.caption)],
  [[bool("licensedContent")], (rows) => rows.map((r) => r.licensedContent)],
  [[bool("madeForKids")], (rows) => rows.map((r) => r.madeForKids)],
  [[text("liveBroadcastContent", true)], (rows) => rows.map((r) => r.liveBroadcastContent)],
  [[text("thumbnailUrl", true)], (rows) => rows.map((r) => r.thumbnailUrl)],
  // The sizes YouTube sends, as the JSON it sent (a column of JSON text; the writer serialises each value).
  [[{ ...text("thumbnails", true), converted_type: "JSON" }], (rows) => rows.map((r) => r.thumbnails)],
  [[text("language")], (rows) => rows.map((r) => r.language)],
  [textList("regions"), (rows) => rows.map((r) => r.regions)],
  [[timestamp("firstSeenAt")], (rows) => rows.map((r) => millis(r.firstSeenAt))],
  [[timestamp("lastSeenAt")], (rows) => rows.map((r) => millis(r.lastSeenAt))],
  [[timestamp("goneAt", true)], (rows) => rows.map((r) => millisOrNull(r.goneAt))]
]

export const PARQUET_SCHEMA: Array<SchemaElement> = [
  { name: "schema", num_children: COLUMNS.length },
  ...COLUMNS.flatMap(([elements]) => elements)
]

/**
 * Rows in a row group: a few megabytes of column data in memory at a time, and groups large
 * enough for a reader to skip by their statistics.
 */
const ROWS_A_GROUP = 5_000

/**
 * A region's rows as the bytes of a Parquet file, a row group at a time (the file is
 * written as it is made: memory holds one group, whatever the history's size).
 */
export const parquetFile = <E, R>(rows: Stream.Stream<EntryRow, E, R>): Stream.Stream<Uint8Array, E, R> =>
  Stream.suspend(() => {
    const bytes = new ByteWriter()
    const writer = new ParquetWriter({ writer: bytes, schema: PARQUET_SCHEMA, codec: "SNAPPY", createdBy: "viralvidvault" })
    /** What the writer has made since the last call; the writer's buffer is then reused. */
    const made = () => {
      const out = bytes.getBytes().slice()
      bytes.index = 0
      return out
    }
    const group = (chunk: Chunk.Chunk<EntryRow>) =>
      Effect.promise(async () => {
        const rows = Chunk.toReadonlyArray(chunk)
        await writer.write({
          columnData: COLUMNS.map(([[element], values]) => ({ name: element!.name, data: values(rows) })),
          rowGroupSize: rows.length
        })
        return made()
      })
    return Stream.concat(
      Stream.make(made()), // the magic number the writer starts with
      rows.pipe(Stream.grouped(ROWS_A_GROUP), Stream.mapEffect(group))
    ).pipe(Stream.concat(Stream.fromEffect(Effect.promise(async () => {
      await writer.finish()
      return made()
    }))))
  })
