import { HttpClient, HttpClientError, HttpClientResponse, type HttpClientRequest } from "@effect/platform"
import { Effect, Inspectable, Layer } from "effect"

/** One scripted answer: a response, a transport failure, or a request that never ends. */
export type Scripted =
  | { readonly status: number; readonly body: string; readonly headers?: Record<string, string> }
  | { readonly transportError: string }
  | { readonly hang: true }

export interface ScriptedHttp {
  readonly layer: Layer.Layer<HttpClient.HttpClient>
  /** Every request made, in order. */
  readonly requests: Array<{
    readonly url: URL
    readonly request: HttpClientRequest.HttpClientRequest
    /** The request as a logger or tracer in the requesting fiber would print it. */
    readonly printed: string
  }>
}

/**
 * An HttpClient that answers from a script, in order, then from `fallback`. The real
 * YouTube client runs on top of it, so its decoding, error mapping and retry are tested.
 */
export const scriptedHttp = (
  script: ReadonlyArray<Scripted>,
  fallback?: (url: URL) => Scripted
): ScriptedHttp => {
  const queue = [...script]
  const requests: ScriptedHttp["requests"] = []
  const client = HttpClient.make((request, url) =>
    Effect.withFiberRuntime<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((fiber) => {
      const printed = Inspectable.withRedactableContext(fiber.getFiberRefs(), () => Inspectable.format(request))
      requests.push({ url, request, printed })
      const next = queue.shift() ?? fallback?.(url)
      if (next === undefined) return Effect.die(new Error(`unscripted request ${url}`))
      if ("hang" in next) return Effect.never
      if ("transportError" in next) {
        return Effect.fail(
          new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error(next.transportError) })
        )
      }
      return Effect.succeed(
        HttpClientResponse.fromWeb(request, new Response(next.body, { status: next.status, headers: next.headers ?? {} }))
      )
    })
  )
  return { layer: Layer.succeed(HttpClient.HttpClient, client), requests }
}

export const respond = (status: number, body: string, headers?: Record<string, string>): Scripted =>
  headers === undefined ? { status, body } : { status, body, headers }

export const json = (status: number, body: unknown, headers?: Record<string, string>): Scripted =>
  respond(status, JSON.stringify(body), headers)
