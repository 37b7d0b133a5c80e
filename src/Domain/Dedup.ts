import { Option } from "effect"
import { type RegionCode, regionLanguage } from "./Region.js"
import { type RegionalVideo, UniqueVideo } from "./Video.js"

/**
 * Chooses which regional record speaks for a video: its best chart position, then the
 * alphabetically first region. Any rule that does not depend on input order would do;
 * this one keeps the language of the region where the video is most popular.
 */
const speaksFor = (a: RegionalVideo, b: RegionalVideo): boolean =>
  a.rank < b.rank || (a.rank === b.rank && a.region < b.region)

interface Group {
  lead: RegionalVideo
  /** The record that speaks for the video among those that name its own language. */
  named: RegionalVideo | undefined
  regions: Set<RegionCode>
  views: number
  first: Date
  last: Date
}

/**
 * One record per video id: every region it trended in (sorted), its highest view
 * count, and its own language (from any region's record), else the language of the region that speaks for it.
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
        first: video.fetchedAt,
        last: video.fetchedAt
      })
    } else {
      group.regions.add(video.region)
      group.views = Math.max(group.views, video.viewCount)
      if (video.fetchedAt < group.first) group.first = video.fetchedAt
      if (video.fetchedAt > group.last) group.last = video.fetchedAt
      if (speaksFor(video, group.lead)) group.lead = video
      if (named !== undefined && (group.named === undefined || speaksFor(named, group.named))) group.named = named
    }
  }
  return [...groups.values()]
    .map(({ first, last, lead, named, regions, views }) =>
      UniqueVideo.make({
        videoId: lead.videoId,
        title: lead.title,
        channelTitle: lead.channelTitle,
        viewCount: views,
        regions: [...regions].sort(),
        language: Option.getOrElse(
          Option.flatMap(Option.fromNullable(named), (v) => v.language),
          () => regionLanguage(lead.region)
        ),
        publishedAt: lead.publishedAt,
        firstSeenAt: first,
        lastSeenAt: last
        // Built from RegionalVideos, which are valid: checking each field again costs more than the merge.
      }, { disableValidation: true })
    )
    .sort((a, b) => (a.videoId < b.videoId ? -1 : a.videoId > b.videoId ? 1 : 0))
}
