import { Schema } from "effect"
import { RunId } from "../Domain/Run.js"

/**
 * How column values arrive through `pg`. A `bigint` comes as a string: decoded to a
 * number only where the number holds it exactly (a count past 2^53 is refused, not
 * rounded).
 */
export const Int8 = Schema.NumberFromString.pipe(Schema.int(), Schema.between(0, Number.MAX_SAFE_INTEGER))

/** `ingest_runs.id`, a bigint. */
const RunIdColumn = Schema.compose(Int8, RunId)

/** `RETURNING id` of an `ingest_runs` row. */
export const RunRow = Schema.Struct({ id: RunIdColumn })
