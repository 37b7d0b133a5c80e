import type { HttpClientError, HttpClientResponse } from "@effect/platform"
import { Chunk, Effect, Predicate, Stream } from "effect"
import { describeParseError } from "./Api.js"
import { DecodeFailed, type Subject } from "./Errors.js"

/**
 * A page of 50 videos with every field at its longest (5,000-character descriptions,
 * tags, localizations) is well under 2 MB. A bigger body is not a video list, and is
 * not read further: a misbehaving proxy cannot make a run buffer without bound.
 */
export const MAX_BODY_BYTES = 4 * 1024 * 1024

const tooLarge = (region: Subject, how: string) =>
  new DecodeFailed({
    region,
    detail: `the body is larger than the ${MAX_BODY_BYTES / 1024 / 1024} MB a page of videos can be (${how}); not read further`
  })

/** The body's bytes, or `DecodeFailed` as soon as it passes `MAX_BODY_BYTES`. */
export const readBody = (region: Subject, response: HttpClientResponse.HttpClientResponse): Effect.Effect<Buffer, DecodeFailed | HttpClientError.ResponseError> => {
  const declared = Number(response.headers["content-length"])
  if (declared > MAX_BODY_BYTES) return Effect.fail(tooLarge(region, `Content-Length: ${declared}`))
  return response.stream.pipe(
    Stream.runFoldEffect({ chunks: Chunk.empty<Uint8Array>(), bytes: 0 }, (read, chunk) => {
      const bytes = read.bytes + chunk.length
      return bytes > MAX_BODY_BYTES
        ? Effect.fail(tooLarge(region, `stopped after ${bytes} bytes`))
        : Effect.succeed({ chunks: Chunk.append(read.chunks, chunk), bytes })
    }),
    Effect.map(({ chunks }) => Buffer.concat(Chunk.toReadonlyArray(chunks)))
  )
}

/** Why a 2xx body is not a video list, without echoing a whole HTML page into the log. */
export const describeBody = (body: string, error: Parameters<typeof describeParseError>[0]): string => {
  const start = body.trimStart().slice(0, 1)
  if (body.trim() === "") return "the body is empty"
  if (start !== "{" && start !== "[") return `the body is not JSON (it starts with ${JSON.stringify(body.trimStart().slice(0, 40))})`
  return describeParseError(error)
}

const TRANSPORT_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed while sending",
  ETIMEDOUT: "connection timed out",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed (temporarily)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_SOCKET: "the connection closed before the response was complete",
  UND_ERR_CONNECT_TIMEOUT: "connecting timed out"
}

/**
 * `fetch` reports every network failure as "TypeError: fetch failed" and keeps the
 * reason in its `cause` chain: the operator wants "connection refused (ECONNREFUSED
 * 127.0.0.1:443)", not the wrapper.
 */
export const describeTransportError = (error: unknown): string => {
  let deepest: unknown = error
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) deepest = e
  const code = Predicate.hasProperty(deepest, "code") && Predicate.isString(deepest.code) ? deepest.code : undefined
  const message = Predicate.hasProperty(deepest, "message") && Predicate.isString(deepest.message) && deepest.message !== ""
    ? deepest.message
    : String(deepest)
  if (code === undefined) return message
  const words = TRANSPORT_CODES[code]
  return words === undefined ? `${message} (${code})` : `${words} (${message})`
}
