import { HttpApp, HttpBody, HttpMiddleware, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { gzipSync } from "node:zlib"

/**
 * Answers of 1 KB or more go gzipped to a client that accepts it (every browser, curl
 * with `--compressed`, Node's fetch): a chart's JSON is 74 KB and 16 KB gzipped, a chart
 * page 90 KB and 15 KB, which a client on a real network feels. The kept answers
 * (Cache.ts) are the same bytes request after request, so each is compressed once: the
 * compressed copy lives as long as the answer's bytes do (BENCHMARKS.md, "Serve").
 */
const MIN_BYTES = 1024
/** zlib's level 4: ~1 ms for a chart's 74 KB, within 5 % of level 6's size. */
const LEVEL = 4

const compressed = new WeakMap<Uint8Array, Uint8Array>()

const gzipOnce = (body: Uint8Array) => {
  const kept = compressed.get(body)
  if (kept !== undefined) return kept
  const gzipped = gzipSync(body, { level: LEVEL })
  compressed.set(body, gzipped)
  return gzipped
}

/** Whether `Accept-Encoding` lists gzip (or `*`) with a weight above 0. */
export const acceptsGzip = (header: string | undefined): boolean => {
  if (header === undefined) return false
  let gzip: boolean | undefined
  let any = false
  for (const part of header.toLowerCase().split(",")) {
    const [coding = "", ...parameters] = part.split(";").map((s) => s.trim())
    const q = parameters.find((p) => p.startsWith("q="))
    const wanted = q === undefined || Number(q.slice(2)) > 0
    if (coding === "gzip" || coding === "x-gzip") gzip = wanted
    else if (coding === "*") any = wanted
  }
  return gzip ?? any
}

/** Gzips what is worth it for a client that takes it; says `Vary: Accept-Encoding` on all of it. */
export const gzipResponses = HttpMiddleware.make((app) =>
  HttpApp.withPreResponseHandler(app, (request, response) =>
    Effect.sync(() => {
      const body = response.body
      if (body._tag !== "Uint8Array" || body.body.byteLength < MIN_BYTES || response.headers["content-encoding"] !== undefined) {
        return response
      }
      const varied = HttpServerResponse.setHeader(response, "vary", "Accept-Encoding")
      return acceptsGzip(request.headers["accept-encoding"])
        ? HttpServerResponse.setBody(
          HttpServerResponse.setHeader(varied, "content-encoding", "gzip"),
          HttpBody.uint8Array(gzipOnce(body.body), body.contentType)
        )
        : varied
    })
  )
)
