import { Option, type Schema } from "effect"
import type { RegionalVideo } from "../Domain/Video.js"

/** An entry as the spool keeps it: `RegionalVideo` encoded (dates ISO 8601, what is absent left out). */
export type SpoolEntryJson = Schema.Schema.Encoded<typeof RegionalVideo>

type Field<K extends keyof SpoolEntryJson> = (video: RegionalVideo) => SpoolEntryJson[K] | undefined

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
  channelId: (v) => Option.getOrUndefined(v.channelId),
  categoryId: (v) => Option.getOrUndefined(v.categoryId),
  tags: (v) => v.tags,
  description: (v) => v.description,
  publishedAt: (v) => someDate(v.publishedAt),
  durationSeconds: (v) => Option.getOrUndefined(v.durationSeconds),
  definition: (v) => Option.getOrUndefined(v.definition),
  caption: (v) => Option.getOrUndefined(v.caption),
  licensedContent: (v) => Option.getOrUndefined(v.licensedContent),
  madeForKids: (v) => Option.getOrUndefined(v.madeForKids),
  liveBroadcastContent: (v) => Option.getOrUndefined(v.liveBroadcastContent),
  thumbnailUrl: (v) => Option.getOrUndefined(v.thumbnailUrl),
  thumbnails: (v) => v.thumbnails,
  viewCount: (v) => Option.getOrUndefined(v.viewCount),
  likeCount: (v) => Option.getOrUndefined(v.likeCount),
  commentCount: (v) => Option.getOrUndefined(v.commentCount),
  language: (v) => Option.getOrUndefined(v.language),
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
