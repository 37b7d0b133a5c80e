import type { Chart, Overlap, Run, VideoHistory } from "../Store/Trends.js"
import { count, cut, duration, minute } from "./Format.js"

/**
 * `report` for a person at a terminal: the same answers as the HTTP API (`--json` prints
 * those), laid out to be read in 100 columns. Pure: text in, text out.
 */

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>, rightAligned: ReadonlySet<number>) => {
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...r[i]!].length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd()
  return [line(header), ...rows.map(line)].join("\n")
}

export const renderChart = (chart: Chart): string =>
  [
    `${chart.region} · chart ${chart.chart} · run ${chart.runId} · fetched ${minute(chart.fetchedAt)}`,
    table(
      ["#", "views", "likes", "length", "category", "title — channel"],
      chart.entries.map((e) => [
        String(e.rank),
        count(e.viewCount),
        count(e.likeCount),
        duration(e.durationSeconds),
        e.categoryTitle ?? e.categoryId ?? "",
        cut(`${e.title} — ${e.channelTitle}`, 60)
      ]),
      new Set([0, 1, 2, 3])
    )
  ].join("\n")

/** Each (region, chart) the video was on: its best rank, how many runs listed it, first and last time. */
const placings = (video: VideoHistory) => {
  const by = new Map<string, Array<VideoHistory["trending"][number]>>()
  for (const entry of video.trending) by.set(`${entry.region} ${entry.chart}`, [...(by.get(`${entry.region} ${entry.chart}`) ?? []), entry])
  return [...by.entries()].map(([where, entries]) => [
    where,
    `#${Math.min(...entries.map((e) => e.rank))}`,
    String(entries.length),
    minute(entries[0]!.fetchedAt),
    minute(entries.at(-1)!.fetchedAt)
  ])
}

export const renderVideo = (video: VideoHistory): string =>
  [
    `${video.title} — ${video.channelTitle}`,
    video.url,
    [
      `views ${count(video.viewCount)}`,
      `likes ${count(video.likeCount)}`,
      `comments ${count(video.commentCount)}`,
      ...(video.durationSeconds === null ? [] : [duration(video.durationSeconds)]),
      ...(video.goneAt === null ? [] : [`gone since ${minute(video.goneAt)}`])
    ].join(" · "),
    "",
    video.trending.length === 0
      ? "not on a stored chart"
      : table(["region chart", "best", "runs", "first", "last"], placings(video), new Set([1, 2])),
    "",
    table(
      ["observed", "views", "likes", "comments"],
      video.stats.slice(-10).map((s) => [minute(s.observedAt), count(s.viewCount), count(s.likeCount), count(s.commentCount)]),
      new Set([1, 2, 3])
    ),
    ...(video.stats.length > 10 ? [`(the last 10 of ${video.stats.length} observations; --json has them all)`] : []),
    ...(video.revisions.length > 1
      ? ["", "titles:", ...video.revisions.map((r) => `  ${minute(r.observedAt)}  ${cut(r.title, 70)}`)]
      : [])
  ].join("\n")

export const renderOverlap = (overlap: Overlap, since: Date, until: Date): string =>
  overlap.regions.length === 0
    ? `No chart stored between ${minute(since)} and ${minute(until)}.`
    : [
      `Videos on both regions' charts, ${minute(since)} to ${minute(until)} (the diagonal: each region's own):`,
      table(
        ["", ...overlap.regions],
        overlap.regions.map((region, i) => [region, ...overlap.shared[i]!.map(String)]),
        new Set(overlap.regions.map((_, i) => i + 1))
      )
    ].join("\n")

export const renderRuns = (runs: ReadonlyArray<Run>): string =>
  runs.length === 0 ? "No run stored yet." : table(
    ["run", "started", "status", "entries", "videos", "charts"],
    runs.map((r) => [
      String(r.id),
      minute(r.startedAt),
      r.status,
      String(r.entries),
      String(r.uniqueVideos),
      `${r.regions.filter((o) => o.status === "ok").length}/${r.regions.length}`
    ]),
    new Set([0, 3, 4])
  )
