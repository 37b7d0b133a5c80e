import type { ServerResponse } from "node:http"

/**
 * How the simulated API writes its answers, and the pieces of `videos.list` that are
 * plain data (page tokens, `part`), kept apart from its routing.
 */

/** The most items (or ids) a `videos.list` request takes. */
export const PAGE_LIMIT = 50

export const pageToken = (offset: number) => Buffer.from(`offset:${offset}`).toString("base64url")

export const offsetOf = (token: string | null): number | undefined => {
  if (token === null || token === "") return 0
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, "base64url").toString())
  return match === null ? undefined : Number(match[1])
}

const PARTS = ["snippet", "statistics", "contentDetails", "status"]

/** As the API does: an item carries only the parts asked for (`part=snippet,statistics,…`). */
export const onlyParts = (part: string) => (item: unknown): unknown => {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return item
  const asked = new Set(part.split(",").map((p) => p.trim()))
  return Object.fromEntries(Object.entries(item).filter(([key]) => !PARTS.includes(key) || asked.has(key)))
}

export const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers })
  res.end(body)
}

/** `{"items":[…],"padding":"xxxx…"}` in 64 KB chunks, as long as the client keeps reading. */
export const sendHuge = (
  res: ServerResponse,
  items: ReadonlyArray<unknown>,
  bytes: number,
  onSent: (bytes: number) => void
) => {
  res.writeHead(200, { "content-type": "application/json; charset=UTF-8" })
  const chunk = "x".repeat(64 * 1024)
  let sent = 0
  const pump = () => {
    let ok = true
    while (ok && sent < bytes) {
      ok = res.write(sent === 0 ? `{"kind":"youtube#videoListResponse","items":${JSON.stringify(items)},"padding":"` : chunk)
      sent += chunk.length
      onSent(sent)
    }
    if (sent >= bytes) res.end(`"}`)
    else res.once("drain", pump)
  }
  res.on("error", () => undefined)
  pump()
}

/** A page of a chart, `size` items from `offset`, with the tokens of the pages around it. */
export const chartPage = (
  items: ReadonlyArray<unknown>,
  { category, offset, part, region, size }: { region: string; category: string; offset: number; size: number; part: string }
) => {
  const next = offset + size < items.length ? pageToken(offset + size) : undefined
  return {
    kind: "youtube#videoListResponse",
    etag: `etag-${region}-${category}-${offset}`,
    items: items.slice(offset, offset + size).map(onlyParts(part)),
    ...(next === undefined ? {} : { nextPageToken: next }),
    ...(offset > 0 ? { prevPageToken: pageToken(Math.max(0, offset - size)) } : {}),
    pageInfo: { totalResults: items.length, resultsPerPage: size }
  }
}

/** A look-up by id: the videos found, in the order asked, with only the parts asked for. */
export const lookupPage = (asked: number, found: ReadonlyArray<unknown>, part: string) => {
  const items = found.map(onlyParts(part))
  return {
    kind: "youtube#videoListResponse",
    etag: `etag-lookup-${asked}`,
    items,
    pageInfo: { totalResults: items.length, resultsPerPage: items.length }
  }
}
