import { Effect, Layer, Schema } from "effect"
import { serveOn } from "./Handlers.js"

/** The port cannot be listened on (taken, or not this user's to take). Exit 69. */
export class ServeFailed extends Schema.TaggedError<ServeFailed>()("ServeFailed", {
  address: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `cannot listen on ${this.address}: ${this.detail}`
  }
  get hint() {
    return "choose another --port (or --host), or stop what listens there"
  }
}

const describe = (cause: unknown) =>
  cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause)

/**
 * `serve`: the API on `host:port` until a signal stops it (the server's scope closes:
 * it stops accepting, answers what it was answering, and the process exits 143).
 */
export const serve = (options: { readonly host: string; readonly port: number }) =>
  Layer.launch(serveOn(options)).pipe(
    Effect.catchTag("ServeError", (e) => Effect.fail(new ServeFailed({ address: `${options.host}:${options.port}`, detail: describe(e.cause) })))
  )
