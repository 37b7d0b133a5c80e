import { DuckDBInstance } from "@duckdb/node-api"
import { Effect } from "effect"

/**
 * A Parquet file as DuckDB reads it: an implementation independent of the writer (C++,
 * from its own npm package), as a notebook's `duckdb.read_parquet` or pandas would.
 * Timestamps come as milliseconds since the epoch (no time zone module needed), 64-bit
 * integers as decimal strings, lists as arrays, JSON columns as their text.
 */
export const readParquet = (file: string) =>
  Effect.promise(async () => {
    const instance = await DuckDBInstance.create(":memory:")
    const connection = await instance.connect()
    try {
      const from = `read_parquet('${file.replaceAll("'", "''")}')`
      const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`)).getRowObjectsJson()
      const types = Object.fromEntries(described.map((c) => [String(c["column_name"]), String(c["column_type"])]))
      const timestamps = Object.entries(types).filter(([, type]) => type.startsWith("TIMESTAMP")).map(([name]) => name)
      const select = timestamps.length === 0
        ? "*"
        : `* REPLACE (${timestamps.map((name) => `epoch_ms("${name}") AS "${name}"`).join(", ")})`
      const rows = (await connection.runAndReadAll(`SELECT ${select} FROM ${from}`)).getRowObjectsJson()
      const groups = (await connection.runAndReadAll(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${file.replaceAll("'", "''")}')`))
        .getRowObjectsJson()
      return { types, rows: rows as Array<Record<string, unknown>>, rowGroups: Number(groups[0]?.["n"]) }
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })
