import type { Option, Schema } from "effect"
import type { RegionalVideo } from "../Domain/Video.js"

/** An entry as the spool keeps it: `RegionalVideo` encoded (dates ISO 8601, what is absent left out). */
export type SpoolEntryJson = Schema.Schema.Encoded<typeof RegionalVideo>

type Field<K extends keyof SpoolEntryJson> = (video: RegionalVideo) => SpoolEntryJson[K] | undefined

const some = <A>(option: Option.Option<A>): A | undefined => (option._tag === "Some" ? option.value : undefined)
const someDate = (option: Option.Option<Date>) => (option._tag === "Some" ? option.value.toISOString() : undefined)

/**
 * Each field of the encoded entry from the entry, in the schema's order. The table's type
 * names every key of the encoded form, optional ones included: a field added to
 * `RegionalVideo` does not compile until it is written here.
 */
const FIELDS: { readonly [K in keyof SpoolEntryJson]-?: Field<K> } = {
  videoId: (v) => v.videoId,
  region: (v) => v.region,
  chart: (v) => v.chart,
  rank: (v) => v.rank,
  title: (v) => v.title,
  channelTitle: (v) => v.channelTitle,
  channelId: (v) => some(v.channelId),
  categoryId: (v) => some(v.categoryId),
  tags: (v) => v.tags,
  description: (v) => v.description,
  publishedAt: (v) => someDate(v.publishedAt),
  durationSeconds: (v) => some(v.durationSeconds),
  definition: (v) => some(v.definition),
  caption: (v) => some(v.caption),
  licensedContent: (v) => some(v.licensedContent),
  madeForKids: (v) => some(v.madeForKids),
  liveBroadcastContent: (v) => some(v.liveBroadcastContent),
  thumbnailUrl: (v) => some(v.thumbnailUrl),
  thumbnails: (v) => v.thumbnails,
  viewCount: (v) => some(v.viewCount),
  likeCount: (v) => some(v.likeCount),
  commentCount: (v) => some(v.commentCount),
  language: (v) => some(v.language),
  fetchedAt: (v) => v.fetchedAt.toISOString()
}
const KEYS = Object.keys(FIELDS) as ReadonlyArray<keyof SpoolEntryJson>

/**
 * `Schema.encode(RegionalVideo)` written out, for the spool's writer: it encodes every
 * entry of a run (22,000 at 110 regions × 200), and the schema's encoder, which checks
 * again every refinement of values it decoded itself, cost ~0.8 s of CPU there, on the
 * thread that fetches. A test holds the two equal byte for byte, and the spool is read
 * with the schema.
 */
export const encodeSpoolEntry = (video: RegionalVideo): SpoolEntryJson => {
  const json: Record<string, unknown> = {}
  for (const key of KEYS) {
    const value = FIELDS[key](video)
    if (value !== undefined) json[key] = value
  }
  return json as SpoolEntryJson
}
