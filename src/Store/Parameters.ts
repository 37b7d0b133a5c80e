/**
 * How a batch's rows travel to the store's statements (VideoRows.ts). Whole records travel
 * as one JSON parameter (`json_to_recordset`: as `json`, the text is only checked, then
 * read once; as `jsonb` it was parsed into a tree first, twice the time). What every run
 * writes for every video and entry, counters and sightings, travels as one array
 * parameter a column (`unnest`): PostgreSQL reads an array of numbers or short strings
 * far faster than JSON (20,000 entries inserted in 390–420 ms against 715–765 ms).
 */

/**
 * PostgreSQL `text` (and `jsonb`) cannot hold U+0000, and a lone surrogate cannot be
 * encoded as UTF-8; everything else is stored exactly as received.
 */
const storableText = (s: string): string => s.replace(/\u0000/g, "").toWellFormed()

const storable = (_key: string, value: unknown) => (typeof value === "string" ? storableText(value) : value)

/**
 * The rows as one JSON array in UTF-8 (every string in them storable, absent values
 * `null`), encoded a row at a time and sent as bytes (`$1::text::json`): a batch's rows are
 * tens of megabytes of JSON, and as one JavaScript string they were held twice over (two
 * bytes a character once a title is not Latin-1), then copied again into UTF-8.
 */
export const asJson = (rows: ReadonlyArray<object>): Uint8Array => {
  const parts: Array<Buffer> = [Buffer.from("[")]
  for (const [i, row] of rows.entries()) parts.push(Buffer.from((i === 0 ? "" : ",") + JSON.stringify(row, storable), "utf8"))
  parts.push(Buffer.from("]"))
  return Buffer.concat(parts)
}

/** A PostgreSQL array literal of these values (`{"US","GB",NULL}`), each string quoted, and storable. */
export const pgArray = (values: ReadonlyArray<string | number | null>): string => {
  const elements = values.map((value) =>
    value === null
      ? "NULL"
      : typeof value === "number"
      ? String(value)
      : `"${storableText(value).replace(/["\\]/g, "\\$&")}"`
  )
  return `{${elements.join(",")}}`
}
