/**
 * The page's one stylesheet, served at `/assets/style.css` (a file, not a `<style>`: the
 * Content-Security-Policy allows no inline style either). System fonts only: the page
 * loads nothing from elsewhere but the thumbnails.
 */
export const STYLESHEET = `
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #dadce0; --accent: #c4302b; --bg: #fff; --band: #f6f6f7; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; color: var(--accent); text-decoration: none; font-size: 1.1rem; }
header nav a { margin-right: .8rem; color: var(--muted); }
form.search { display: flex; gap: .4rem; flex: 1 1 16rem; max-width: 32rem; }
form.search input[type=search] { flex: 1; min-width: 0; padding: .4rem .6rem; font: inherit; border: 1px solid var(--line); border-radius: 6px; }
form.search button { padding: .4rem .8rem; font: inherit; border: 1px solid var(--line); border-radius: 6px; background: var(--band); }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.35rem; margin: .2rem 0 .6rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
a { color: #1a0dab; }
.muted, figcaption, .meta { color: var(--muted); }
.error { padding: .6rem .8rem; border: 1px solid #e0a3a0; background: #fdf0ef; border-radius: 6px; }
.tabs { display: flex; flex-wrap: wrap; gap: .3rem; margin: 0 0 .8rem; padding: 0; list-style: none; }
.tabs a { display: inline-block; padding: .25rem .6rem; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; color: var(--fg); }
.tabs a[aria-current=page] { background: var(--fg); color: var(--bg); border-color: var(--fg); }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.title { overflow-wrap: anywhere; }
td.title .channel { display: block; color: var(--muted); font-size: .88rem; }
img.thumb { width: 120px; height: 68px; object-fit: cover; background: var(--band); border-radius: 4px; display: block; }
.scroll { overflow-x: auto; }
figure.chart { margin: .5rem 0 1rem; }
figure.chart svg { width: 100%; height: auto; max-width: 48rem; display: block; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .grid { stroke: var(--line); stroke-width: 1; stroke-dasharray: 3 3; }
svg .tick { fill: var(--muted); font-size: 12px; }
svg .line { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
.legend { display: flex; flex-wrap: wrap; gap: .2rem 1rem; list-style: none; padding: 0; margin: .3rem 0; font-size: .9rem; }
.legend li::before { content: ""; display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; border-radius: 2px; vertical-align: -1px; background: currentColor; }
.s0 { stroke: #1f77b4; fill: #1f77b4; color: #1f77b4; } .s1 { stroke: #d62728; fill: #d62728; color: #d62728; }
.s2 { stroke: #2ca02c; fill: #2ca02c; color: #2ca02c; } .s3 { stroke: #9467bd; fill: #9467bd; color: #9467bd; }
.s4 { stroke: #ff7f0e; fill: #ff7f0e; color: #ff7f0e; } .s5 { stroke: #17becf; fill: #17becf; color: #17becf; }
.s6 { stroke: #8c564b; fill: #8c564b; color: #8c564b; } .s7 { stroke: #e377c2; fill: #e377c2; color: #e377c2; }
polyline.line { fill: none; }
.legend li { color: var(--fg); }
.legend li.s0::before { background: #1f77b4; } .legend li.s1::before { background: #d62728; } .legend li.s2::before { background: #2ca02c; }
.legend li.s3::before { background: #9467bd; } .legend li.s4::before { background: #ff7f0e; } .legend li.s5::before { background: #17becf; }
.legend li.s6::before { background: #8c564b; } .legend li.s7::before { background: #e377c2; }
table.heat td, table.heat th { text-align: center; padding: .3rem; min-width: 2.6rem; border: 1px solid var(--bg); }
table.heat td { font-variant-numeric: tabular-nums; }
.h0 { background: #f7fbff; } .h1 { background: #deebf7; } .h2 { background: #c6dbef; } .h3 { background: #9ecae1; }
.h4 { background: #6baed6; } .h5 { background: #4292c6; color: #fff; } .h6 { background: #2171b5; color: #fff; }
.h7 { background: #08519c; color: #fff; } .h8 { background: #08306b; color: #fff; } .h9 { background: #041c40; color: #fff; }
td.diag { background: var(--band); font-weight: 600; }
.tags { display: flex; flex-wrap: wrap; gap: .3rem; list-style: none; padding: 0; }
.tags li { background: var(--band); border-radius: 4px; padding: .05rem .45rem; font-size: .88rem; overflow-wrap: anywhere; }
.description { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--band); padding: .6rem .8rem; border-radius: 6px; max-height: 18rem; overflow: auto; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .4rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code { background: var(--band); padding: 0 .25rem; border-radius: 3px; }
.endpoint { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; margin: .6rem 0; }
.endpoint h3 { margin: 0 0 .3rem; font-size: 1rem; overflow-wrap: anywhere; }
.method { font-weight: 700; color: #0b6b2b; margin-right: .4rem; }
@media (max-width: 40rem) {
  main { padding: .6rem; }
  .wide { display: none; }
  img.thumb { width: 72px; height: 41px; }
  th, td { padding: .3rem .3rem; }
}
`
