import type { EntryRow } from "../Store/ExportRows.js"

/**
 * `XX_trending_entries.jsonl`: one object a trending entry of any chart, camelCase; the
 * counters are the entry's (the video's later ones are in its series, `video_stats`),
 * dates ISO 8601 in UTC, what is absent `null`.
 */
export const jsonlLine = (row: EntryRow): string =>
  JSON.stringify({
    videoId: row.video_id,
    region: row.region,
    chart: row.chart,
    runId: row.run_id,
    rank: row.rank,
    fetchedAt: row.fetched_at,
    viewCount: row.view_count,
    likeCount: row.like_count,
    commentCount: row.comment_count,
    title: row.title,
    channelTitle: row.channel_title,
    channelId: row.channel_id,
    categoryId: row.category_id,
    tags: row.tags,
    description: row.description,
    publishedAt: row.published_at,
    durationSeconds: row.duration_seconds,
    definition: row.definition,
    caption: row.caption,
    licensedContent: row.licensed_content,
    madeForKids: row.made_for_kids,
    liveBroadcastContent: row.live_broadcast_content,
    thumbnailUrl: row.thumbnail_url,
    thumbnails: row.thumbnails,
    language: row.primary_language,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    goneAt: row.gone_at
  }) + "\n"
