/**
 * HTML built from templates whose every interpolated string is escaped. Titles, channels,
 * tags and descriptions are written by strangers: the only way to put markup into a page
 * is an `Html` value, which only `html` (and `raw`, for the page's own constants) makes.
 */
export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value
  }
}

/** What a template takes: text (escaped), numbers, markup, lists of these; nothing for null, undefined, false. */
export type Part = Html | string | number | null | undefined | false | ReadonlyArray<Part>

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }

/** Text as it must appear in an element or a quoted attribute. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

const render = (part: Part): string =>
  part === null || part === undefined || part === false
    ? ""
    : part instanceof Html
    ? part.value
    : typeof part === "string"
    ? escapeHtml(part)
    : typeof part === "number"
    ? String(part)
    : part.map(render).join("")

export const html = (strings: TemplateStringsArray, ...parts: ReadonlyArray<Part>): Html =>
  new Html(strings.reduce((out, s, i) => out + s + (i < parts.length ? render(parts[i]!) : ""), ""))

/** Markup the page itself wrote (a constant), never anything that came from the archive. */
export const raw = (markup: string) => new Html(markup)

/** A link into the page with its query, every value encoded (`/videos/a?b=c`). */
export const href = (path: string, query: Record<string, string | undefined> = {}) => {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(name, value)
  const search = params.toString()
  return search === "" ? path : `${path}?${search}`
}
