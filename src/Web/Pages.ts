import { count, duration, minute } from "../Report/Format.js"
import type { SearchHit } from "../Store/Search.js"
import type { Chart, Overlap, VideoHistory } from "../Store/Trends.js"
import { compact, lineChart, type Series, SERIES_COLOURS, shade } from "./Charts.js"
import { href, type Html, html, type Part } from "./Html.js"

/**
 * The pages of `serve`, rendered on the server from the same queries as the API. Pure:
 * data in, markup out. There is no script: the region tabs and the search are links and a
 * GET form, the charts SVG.
 */

/** The frame every page shares: the header, the search box, the stylesheet. */
export const page = (options: { readonly title: string; readonly query?: string; readonly body: Part }): Html =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · viralvidvault</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header>
<a class="brand" href="/">viralvidvault</a>
<form class="search" method="get" action="/" role="search">
<input type="search" name="q" value="${options.query ?? ""}" placeholder="Search titles, channels, tags" aria-label="Search">
<button type="submit">Search</button>
</form>
<nav><a href="/">Charts</a><a href="/overlap">Overlap</a><a href="/docs">API</a></nav>
</header>
<main>
${options.body}
</main>
</body>
</html>
`

const thumbnail = (url: string | null) =>
  url === null ? html`<span class="thumb"></span>` : html`<img class="thumb" src="${url}" alt="" loading="lazy" referrerpolicy="no-referrer">`

const regionTabs = (regions: ReadonlyArray<string>, current: string | undefined) =>
  html`<nav aria-label="Regions"><ul class="tabs">${
    regions.map((region) =>
      html`<li><a href="${href("/", { region })}"${region === current ? html` aria-current="page"` : null}>${region}</a></li>`
    )
  }</ul></nav>`

export const chartPage = (options: {
  readonly regions: ReadonlyArray<string>
  readonly region: string | undefined
  readonly chart: Chart | null
}): Html => {
  const { chart, region, regions } = options
  const body = regions.length === 0
    ? html`<h1>Nothing stored yet</h1><p>No chart is stored: run <code>viralvidvault run</code> (or <code>serve --ingest-every 7h</code>) first.</p>`
    : html`${regionTabs(regions, region)}
${
      chart === null
        ? html`<h1>${region ?? ""}</h1><p>No chart of ${region ?? ""} is stored.</p>`
        : html`<h1>Trending in ${chart.region}</h1>
<p class="meta">${chart.entries.length} videos · chart ${chart.chart} · fetched ${minute(chart.fetchedAt)} · run ${chart.runId}</p>
<div class="scroll"><table class="chart-table">
<thead><tr><th class="num">#</th><th class="wide"></th><th>Title</th><th class="num">Views</th><th class="num wide">Length</th><th class="wide">Category</th></tr></thead>
<tbody>
${
          chart.entries.map((e) =>
            html`<tr>
<td class="num">${e.rank}</td>
<td class="wide">${thumbnail(e.thumbnailUrl)}</td>
<td class="title"><a href="${href(`/videos/${e.videoId}`)}">${e.title}</a><span class="channel">${e.channelTitle}</span></td>
<td class="num">${count(e.viewCount)}</td>
<td class="num wide">${duration(e.durationSeconds)}</td>
<td class="wide">${e.categoryTitle ?? e.categoryId ?? ""}</td>
</tr>`
          )
        }
</tbody></table></div>`
    }`
  return page({ title: chart === null ? "Charts" : `Trending in ${chart.region}`, body })
}

export const searchPage = (options: {
  readonly query: string
  readonly hits: ReadonlyArray<SearchHit> | null
  readonly error?: string
}): Html =>
  page({
    title: `Search: ${options.query}`,
    query: options.query,
    body: html`<h1>Search: ${options.query}</h1>
${
      options.error !== undefined
        ? html`<p class="error">${options.error}</p>`
        : options.hits === null || options.hits.length === 0
        ? html`<p>No stored video matches.</p>`
        : html`<div class="scroll"><table class="hits">
<thead><tr><th>Title</th><th class="num">Views</th><th class="wide">Regions</th><th class="wide">Language</th></tr></thead>
<tbody>
${
          options.hits.map((hit) =>
            html`<tr>
<td class="title"><a href="${href(`/videos/${hit.videoId}`)}">${hit.title}</a><span class="channel">${hit.channelTitle}</span></td>
<td class="num">${count(hit.viewCount)}</td>
<td class="wide">${hit.regions.join(", ")}</td>
<td class="wide">${hit.language}</td>
</tr>`
          )
        }
</tbody></table></div>`
    }`
  })

/** Series past this many are left out of the rank chart (a video on every category chart of 100 regions). */
const MAX_RANK_SERIES = SERIES_COLOURS * 2

/** The video's rank over time, a line per region (and per category chart, labelled so). */
const rankSeries = (video: VideoHistory): ReadonlyArray<Series> => {
  const by = new Map<string, Array<{ at: Date; value: number }>>()
  for (const entry of video.trending) {
    const label = entry.chart === "all" ? entry.region : `${entry.region} · chart ${entry.chart}`
    by.set(label, [...(by.get(label) ?? []), { at: entry.fetchedAt, value: entry.rank }])
  }
  return [...by.entries()].slice(0, MAX_RANK_SERIES).map(([label, points]) => ({ label, points }))
}

const flag = (value: boolean | null, yes: string, no: string) => (value === null ? "unknown" : value ? yes : no)

export const videoPage = (video: VideoHistory): Html => {
  const ranks = rankSeries(video)
  const views = video.stats.flatMap((s) => (s.viewCount === null ? [] : [{ at: s.observedAt, value: s.viewCount }]))
  const rankChart = lineChart({ title: `Rank of ${video.title} over time`, series: ranks, invert: true, format: (n) => `#${Math.round(n)}` })
  const viewChart = lineChart({ title: `Views of ${video.title} over time`, series: [{ label: "", points: views }], format: compact })
  return page({
    title: video.title,
    body: html`<article class="video">
<h1>${video.title}</h1>
<p class="meta">${video.channelTitle} · <a href="${video.url}" rel="noreferrer noopener">watch on YouTube</a>${
      video.goneAt === null ? null : html` · gone since ${minute(video.goneAt)}`
    }</p>
${thumbnail(video.thumbnailUrl)}
<dl class="facts">
<dt>Views</dt><dd>${count(video.viewCount)}</dd>
<dt>Likes</dt><dd>${count(video.likeCount)}</dd>
<dt>Comments</dt><dd>${count(video.commentCount)}</dd>
<dt>Length</dt><dd>${duration(video.durationSeconds) || "unknown"}</dd>
<dt>Published</dt><dd>${video.publishedAt === null ? "unknown" : minute(video.publishedAt)}</dd>
<dt>Trended in</dt><dd>${video.regions.join(", ") || "no stored chart"}</dd>
<dt>First seen</dt><dd>${minute(video.firstSeenAt)}</dd>
<dt>Last seen</dt><dd>${minute(video.lastSeenAt)}</dd>
<dt>Language</dt><dd>${video.language}</dd>
<dt>Captions</dt><dd>${flag(video.caption, "yes", "no")}</dd>
<dt>Made for kids</dt><dd>${flag(video.madeForKids, "yes", "no")}</dd>
</dl>
<h2>Rank</h2>
${rankChart ?? html`<p>Not on a stored chart.</p>`}
${ranks.length < new Set(video.trending.map((e) => `${e.region} ${e.chart}`)).size ? html`<p class="muted">The first ${MAX_RANK_SERIES} charts are drawn; the API has them all.</p>` : null}
<h2>Views</h2>
${viewChart ?? html`<p>The views are hidden or were never observed.</p>`}
${
      video.tags.length === 0 ? null : html`<h2>Tags</h2><ul class="tags">${video.tags.map((tag) => html`<li>${tag}</li>`)}</ul>`
    }
${
      video.revisions.length > 1
        ? html`<h2>Titles</h2><ul>${video.revisions.map((r) => html`<li>${minute(r.observedAt)}: ${r.title}</li>`)}</ul>`
        : null
    }
${video.description === "" ? null : html`<h2>Description</h2><p class="description">${video.description}</p>`}
<p class="muted">As JSON: <a href="${href(`/api/videos/${video.videoId}`)}">/api/videos/${video.videoId}</a></p>
</article>`
  })
}

export const overlapPage = (options: { readonly overlap: Overlap; readonly since: Date; readonly until: Date; readonly days: number }): Html => {
  const { overlap } = options
  return page({
    title: "Overlap of the regions' charts",
    body: html`<h1>Overlap of the regions' charts</h1>
<p class="meta">Distinct videos on both regions' overall charts from ${minute(options.since)} to ${minute(options.until)}; the diagonal is each region's own count. Shade: the share of the smaller chart's videos.</p>
<ul class="tabs">${
      [1, 7, 30].map((days) =>
        html`<li><a href="${href("/overlap", { days: String(days) })}"${days === options.days ? html` aria-current="page"` : null}>${
          days === 1 ? "last day" : `last ${days} days`
        }</a></li>`
      )
    }</ul>
${
      overlap.regions.length === 0
        ? html`<p>No chart stored in this period.</p>`
        : html`<div class="scroll"><table class="heat">
<thead><tr><th></th>${overlap.regions.map((r) => html`<th scope="col">${r}</th>`)}</tr></thead>
<tbody>
${
          overlap.regions.map((a, i) =>
            html`<tr><th scope="row">${a}</th>${
              overlap.shared[i]!.map((n, j) =>
                i === j
                  ? html`<td class="diag" title="${a}: ${n} videos">${n}</td>`
                  : html`<td class="h${shade(n, overlap.videos[i]!, overlap.videos[j]!)}" title="${a} and ${overlap.regions[j]!}: ${n} shared">${n}</td>`
              )
            }</tr>`
          )
        }
</tbody></table></div>`
    }`
  })
}

export const errorPage = (title: string, message: string): Html =>
  page({ title, body: html`<h1>${title}</h1><p class="error">${message}</p><p><a href="/">Back to the charts</a></p>` })
