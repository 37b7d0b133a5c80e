import { HttpServerResponse } from "@effect/platform"
import { Context, Deferred, Effect, Exit, Option, Schema } from "effect"
import type { DatabaseRefused, DatabaseUnavailable } from "../Store/Errors.js"
import type { PeriodSource } from "../Store/Trends.js"

/**
 * The answers of `serve` that change only when a run is stored (a chart, the overlap, a
 * search, the chart and search pages), kept as the response that was sent: its bytes,
 * encoded once. A request names its answer by what the answer is computed from, read from
 * the store in one cheap query: the run whose chart it is, or the first and last entry of
 * the period, and the newest stored run's id. A stored run raises that id, so the next
 * request names a new answer and computes it; nothing is invalidated by time, and the old
 * answers are the least recently used, the first to go when the cache is full.
 */

export class ResponseCacheOptions extends Context.Reference<ResponseCacheOptions>()("viralvidvault/ResponseCacheOptions", {
  /**
   * An answer is 100 B (an overlap of two regions) to ~600 KB (the overlap page of 110
   * regions); a chart is ~75 KB as JSON, ~90 KB as a page: 32 MiB hold every region's
   * current chart both ways, twice over.
   */
  defaultValue: () => ({ capacity: 1024, maxBytes: 32 * 1024 * 1024 })
}) {}

/** `none`: what was asked for is not stored (a 404 the handler words itself). */
type Answer = Option.Option<HttpServerResponse.HttpServerResponse>

type ReadError = DatabaseUnavailable | DatabaseRefused

/** What a kept answer costs: its body, its name, and the rest of the entry (~200 B). */
const bytesOf = (name: string, answer: Answer) =>
  2 * name.length + 200 +
  Option.match(answer, { onNone: () => 0, onSome: (response) => (response.body._tag === "Uint8Array" ? response.body.body.byteLength : 0) })

interface Entry {
  readonly answer: Deferred.Deferred<Answer, ReadError>
  bytes: number
}

/**
 * Answers by name, least recently used first (a Map iterates in insertion order; a use
 * inserts again), within `capacity` entries and `maxBytes`. Not an effect: its caller
 * runs each method whole, in one step of one fiber.
 */
class Kept {
  private readonly entries = new Map<string, Entry>()
  bytes = 0
  constructor(readonly capacity: number, readonly maxBytes: number) {}

  get size() {
    return this.entries.size
  }

  use(name: string): Entry | undefined {
    const entry = this.entries.get(name)
    if (entry !== undefined) {
      this.entries.delete(name)
      this.entries.set(name, entry)
    }
    return entry
  }

  add(name: string, answer: Entry["answer"]) {
    this.entries.set(name, { answer, bytes: 0 })
    this.evict()
  }

  /** Its size once computed. A failure is not kept, nor an answer over the whole budget (it would evict every other). */
  settle(name: string, answer: Entry["answer"], exit: Exit.Exit<Answer, ReadError>) {
    const entry = this.entries.get(name)
    if (entry?.answer !== answer) return
    const bytes = Exit.isSuccess(exit) ? bytesOf(name, exit.value) : Infinity
    if (bytes > this.maxBytes) {
      this.entries.delete(name)
      return
    }
    entry.bytes = bytes
    this.bytes += bytes
    this.evict()
  }

  private evict() {
    for (const [name, entry] of this.entries) {
      if (this.entries.size <= this.capacity && this.bytes <= this.maxBytes) return
      this.entries.delete(name)
      this.bytes -= entry.bytes
    }
  }
}

export class ResponseCache extends Effect.Service<ResponseCache>()("viralvidvault/ResponseCache", {
  effect: Effect.gen(function*() {
    const { capacity, maxBytes } = yield* ResponseCacheOptions
    const kept = new Kept(capacity, maxBytes)

    /**
     * The answer named `name`, computed by `compute` unless it is kept; requests for an
     * answer being computed wait for it instead of computing it again. It is computed in a
     * fiber of its own: a client that goes away stops waiting, and neither the others
     * waiting for it nor the answer are lost; a server that stops does not wait for it.
     */
    const get = (name: string, compute: Effect.Effect<Answer, ReadError>) =>
      Effect.fiberIdWith((fiberId) => {
        const found = kept.use(name)
        if (found !== undefined) return Deferred.await(found.answer)
        const answer = Deferred.unsafeMake<Answer, ReadError>(fiberId)
        kept.add(name, answer)
        const settle = (exit: Exit.Exit<Answer, ReadError>) =>
          Effect.zipRight(Effect.sync(() => kept.settle(name, answer, exit)), Deferred.done(answer, exit))
        const computed = compute.pipe(
          Effect.exit,
          Effect.flatMap(settle),
          Effect.onInterrupt(() => settle(Exit.interrupt(fiberId)))
        )
        return Effect.zipRight(Effect.forkDaemon(computed), Deferred.await(answer))
      })

    /** As `get`, for a question that always has an answer (a page, an overlap). */
    const always = (name: string, compute: Effect.Effect<HttpServerResponse.HttpServerResponse, ReadError>) =>
      Effect.flatMap(get(name, Effect.asSome(compute)), Option.match({ onNone: () => Effect.dieMessage(`${name}: no answer`), onSome: Effect.succeed }))

    /** How many answers are kept, and their bytes (at most the options' bounds). */
    const size = Effect.sync(() => ({ entries: kept.size, bytes: kept.bytes }))

    return { get, always, size, capacity, maxBytes } as const
  })
}) {}

/** The part of a name that says which stored state it was computed from. */
export const asOf = (newestRun: number | null) => `@${newestRun ?? "none"}`

/** The part of a name that says which entries a period holds (the same entries: the same answer). */
export const periodOf = (source: PeriodSource) => `${source.firstMicros ?? "-"}..${source.lastMicros ?? "-"} ${asOf(source.newestRun)}`

const utf8 = new TextEncoder()

/** JSON text, already in its schema's encoded form, as the response HttpApiBuilder would send. */
export const jsonBytes = (json: string) => HttpServerResponse.uint8Array(utf8.encode(json), { contentType: "application/json" })

/** The response HttpApiBuilder sends for `value` of this success schema, as bytes. */
export const jsonResponse = <A, I>(schema: Schema.Schema<A, I>) => {
  const encode = Schema.encode(schema)
  return (value: A) => Effect.map(Effect.orDie(encode(value)), (json) => jsonBytes(JSON.stringify(json)))
}

/** A page as bytes. */
export const htmlBytes = (markup: string, status: number) =>
  HttpServerResponse.uint8Array(utf8.encode(markup), { status, contentType: "text/html; charset=utf-8" })
