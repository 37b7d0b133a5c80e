import { Option } from "effect"
import { type RegionCode, regionLanguage } from "./Region.js"
import { type RegionalVideo, UniqueVideo } from "./Video.js"

/**
 * Chooses which regional record speaks for a video: its best chart position, then the
 * alphabetically first region. Any rule that does not depend on input order would do;
 * this one keeps the language of the region where the video is most popular.
 */
const speaksFor = (a: RegionalVideo, b: RegionalVideo): boolean =>
  a.rank < b.rank || (a.rank === b.rank && (a.region < b.region || (a.region === b.region && a.chart < b.chart)))

/** The higher of two counters; a hidden one (none) yields to one that is shown. */
const higher = (a: Option.Option<number>, b: Option.Option<number>): Option.Option<number> =>
  Option.isNone(a) ? b : Option.isNone(b) ? a : Option.some(Math.max(a.value, b.value))

interface Group {
  lead: RegionalVideo
  /** The record that speaks for the video among those that name its own language. */
  named: RegionalVideo | undefined
  regions: Set<RegionCode>
  views: Option.Option<number>
  likes: Option.Option<number>
  comments: Option.Option<number>
  first: Date
  last: Date
}

/**
 * One record per video id: every region it trended in (sorted), its record as the
 * entry that ranks it best gives it, its highest counters (each on its own), and its own
 * language (from any entry), else the language of the region that speaks for it.
 * Pure, and independent of the order of its input.
 */
export const dedup = (videos: Iterable<RegionalVideo>): ReadonlyArray<UniqueVideo> => {
  const groups = new Map<string, Group>()
  for (const video of videos) {
    const group = groups.get(video.videoId)
    const named = Option.isSome(video.language) ? video : undefined
    if (group === undefined) {
      groups.set(video.videoId, {
        lead: video,
        named,
        regions: new Set([video.region]),
        views: video.viewCount,
        likes: video.likeCount,
        comments: video.commentCount,
        first: video.fetchedAt,
        last: video.fetchedAt
      })
    } else {
      group.regions.add(video.region)
      group.views = higher(group.views, video.viewCount)
      group.likes = higher(group.likes, video.likeCount)
      group.comments = higher(group.comments, video.commentCount)
      if (video.fetchedAt < group.first) group.first = video.fetchedAt
      if (video.fetchedAt > group.last) group.last = video.fetchedAt
      if (speaksFor(video, group.lead)) group.lead = video
      if (named !== undefined && (group.named === undefined || speaksFor(named, group.named))) group.named = named
    }
  }
  return [...groups.values()]
    .map(({ comments, first, last, lead, likes, named, regions, views }) =>
      UniqueVideo.make({
        videoId: lead.videoId,
        title: lead.title,
        channelTitle: lead.channelTitle,
        channelId: lead.channelId,
        categoryId: lead.categoryId,
        tags: lead.tags,
        description: lead.description,
        publishedAt: lead.publishedAt,
        durationSeconds: lead.durationSeconds,
        definition: lead.definition,
        caption: lead.caption,
        licensedContent: lead.licensedContent,
        madeForKids: lead.madeForKids,
        liveBroadcastContent: lead.liveBroadcastContent,
        thumbnailUrl: lead.thumbnailUrl,
        thumbnails: lead.thumbnails,
        viewCount: views,
        likeCount: likes,
        commentCount: comments,
        regions: [...regions].sort(),
        language: Option.getOrElse(
          Option.flatMap(Option.fromNullable(named), (v) => v.language),
          () => regionLanguage(lead.region)
        ),
        firstSeenAt: first,
        lastSeenAt: last
        // Built from RegionalVideos, which are valid: checking each field again costs more than the merge.
      }, { disableValidation: true })
    )
    .sort((a, b) => (a.videoId < b.videoId ? -1 : a.videoId > b.videoId ? 1 : 0))
}
