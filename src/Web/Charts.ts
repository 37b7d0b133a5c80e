import { type Html, html } from "./Html.js"

/**
 * Charts drawn on the server as SVG: no script on the page, so none to allow in its
 * Content-Security-Policy. Colours are classes (`s0`…`s7`, `h0`…`h9`) the stylesheet
 * paints, for the same reason: no inline style.
 */

export interface Point {
  readonly at: Date
  readonly value: number
}

export interface Series {
  readonly label: string
  readonly points: ReadonlyArray<Point>
}

/** As many colours as the stylesheet has; more series than that reuse them, labelled apart. */
export const SERIES_COLOURS = 8

const WIDTH = 640
const HEIGHT = 220
const LEFT = 64
const RIGHT = 12
const TOP = 12
const BOTTOM = 28

/** `1.2M`, `35K`, `980`: tick labels that fit the margin. */
export const compact = (n: number) =>
  n >= 1e9 ? `${+(n / 1e9).toFixed(1)}B` : n >= 1e6 ? `${+(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}K` : String(Math.round(n))

/** The time axis' ends: days, or minutes when the series spans less than three days. */
const when = (d: Date, spanMs: number) => spanMs < 3 * 86_400_000 ? d.toISOString().slice(0, 16).replace("T", " ") : d.toISOString().slice(0, 10)

const round = (n: number) => Math.round(n * 10) / 10

/** A rank axis shows at least #1 to #10, so that a video that stayed at #1 reads as the top, not as a flat line. */
const MIN_RANK_SPAN = 10

/**
 * A line per series over time. `invert`: a rank (#1 at the top, the axis from #1).
 * One point alone is drawn as a dot. Null when there is nothing to draw.
 */
export const lineChart = (options: {
  readonly title: string
  readonly series: ReadonlyArray<Series>
  readonly invert?: boolean
  readonly format?: (n: number) => string
}): Html | null => {
  const points = options.series.flatMap((s) => s.points)
  if (points.length === 0) return null
  const format = options.format ?? compact
  const times = points.map((p) => p.at.getTime())
  const values = points.map((p) => p.value)
  const t0 = Math.min(...times)
  const t1 = Math.max(...times)
  const low = options.invert ? 1 : Math.min(0, ...values)
  const high = options.invert ? Math.max(MIN_RANK_SPAN, ...values) : Math.max(...values)
  const x = (t: number) => round(t1 === t0 ? (LEFT + WIDTH - RIGHT) / 2 : LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - RIGHT))
  const span = high === low ? 1 : high - low
  const y = (v: number) => {
    const share = (v - low) / span
    return round(TOP + (options.invert ? share : 1 - share) * (HEIGHT - TOP - BOTTOM))
  }
  const ticks = high === low ? [low] : [low, low + span / 2, high]
  return html`<figure class="chart">
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${options.title}" xmlns="http://www.w3.org/2000/svg">
<title>${options.title}</title>
<line class="axis" x1="${LEFT}" y1="${HEIGHT - BOTTOM}" x2="${WIDTH - RIGHT}" y2="${HEIGHT - BOTTOM}"/>
<line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${HEIGHT - BOTTOM}"/>
${
    ticks.map((v) =>
      html`<text class="tick" x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end">${format(v)}</text><line class="grid" x1="${LEFT}" y1="${
        y(v)
      }" x2="${WIDTH - RIGHT}" y2="${y(v)}"/>`
    )
  }
<text class="tick" x="${LEFT}" y="${HEIGHT - 8}">${when(new Date(t0), t1 - t0)}</text>
<text class="tick" x="${WIDTH - RIGHT}" y="${HEIGHT - 8}" text-anchor="end">${when(new Date(t1), t1 - t0)}</text>
${
    options.series.map((s, i) => {
      const at = s.points.map((p) => `${x(p.at.getTime())},${y(p.value)}`)
      const colour = `s${i % SERIES_COLOURS}`
      return s.points.length === 1
        ? html`<circle class="${colour}" cx="${x(s.points[0]!.at.getTime())}" cy="${y(s.points[0]!.value)}" r="4"><title>${s.label}</title></circle>`
        : html`<polyline class="line ${colour}" points="${at.join(" ")}"><title>${s.label}</title></polyline>`
    })
  }
</svg>
${
    options.series.length > 1 || options.series[0]!.label !== ""
      ? html`<figcaption><ul class="legend">${options.series.map((s, i) => html`<li class="s${i % SERIES_COLOURS}">${s.label}</li>`)}</ul></figcaption>`
      : null
  }
</figure>`
}

/** How strongly a pair of charts overlap, as one of ten shades: the share of the smaller chart's videos. */
export const shade = (shared: number, a: number, b: number) => {
  const smaller = Math.min(a, b)
  return smaller === 0 ? 0 : Math.min(9, Math.floor((shared / smaller) * 10))
}
