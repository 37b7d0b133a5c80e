import { Option, Schema } from "effect"
import { TrackedCounters, VideoId } from "../Domain/Video.js"
import { Statistics } from "./Item.js"

/** An item of `videos.list?id=…&part=statistics`: its id and its counters (absent ones stay absent). */
export const LookupItem = Schema.Struct({ id: VideoId, statistics: Schema.optional(Statistics) })

export const decodeLookupItem = Schema.decodeUnknownEither(LookupItem)

export const toTrackedCounters = (item: typeof LookupItem.Type, observedAt: Date): TrackedCounters =>
  TrackedCounters.make({
    videoId: item.id,
    observedAt,
    viewCount: Option.fromNullable(item.statistics?.viewCount),
    likeCount: Option.fromNullable(item.statistics?.likeCount),
    commentCount: Option.fromNullable(item.statistics?.commentCount)
  })

/** The id an item names, when it names one: an item that does not decode still says the video exists. */
export const idOf = (raw: unknown): string | undefined =>
  typeof raw === "object" && raw !== null && "id" in raw && typeof raw.id === "string" ? raw.id : undefined
