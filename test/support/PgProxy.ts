import { Effect } from "effect"
import { createServer, Socket } from "node:net"

/**
 * A TCP proxy in front of the test database that can misbehave on cue: when a client
 * sends a statement containing `marker`, it cuts that connection (the database "drops
 * mid-transaction") or holds it (the database "stops answering"). `blackhole` accepts
 * connections and never forwards a byte. Works the same for PostgreSQL and PGlite.
 */
export type ProxyMode =
  | { readonly _tag: "Pass" }
  | { readonly _tag: "CutAt"; readonly marker: string }
  | { readonly _tag: "HoldAt"; readonly marker: string }
  | { readonly _tag: "Blackhole" }

export interface PgProxy {
  /** DATABASE_URL through the proxy. */
  readonly url: string
  /** The marker was seen (and acted on). */
  readonly triggered: () => boolean
}

export const makePgProxy = (databaseUrl: string, mode: ProxyMode) =>
  Effect.gen(function*() {
    const target = new URL(databaseUrl)
    let triggered = false
    const sockets = new Set<Socket>()

    const server = createServer((client) => {
      sockets.add(client)
      client.on("close", () => sockets.delete(client))
      client.on("error", () => undefined)
      if (mode._tag === "Blackhole") return
      const upstream = new Socket()
      sockets.add(upstream)
      upstream.on("error", () => client.destroy())
      upstream.on("close", () => client.destroy())
      client.on("close", () => upstream.destroy())
      upstream.connect(Number(target.port || 5432), target.hostname)
      upstream.on("data", (data) => client.write(data))
      let held = false
      client.on("data", (data) => {
        if (held) return
        if (mode._tag !== "Pass" && data.toString("latin1").includes(mode.marker)) {
          triggered = true
          if (mode._tag === "CutAt") {
            client.destroy()
            upstream.destroy()
            return
          }
          // Held: this statement and everything after it never reach the database.
          held = true
          return
        }
        upstream.write(data)
      })
    })

    const port = yield* Effect.acquireRelease(
      Effect.async<number>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as { port: number }).port)))
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    const url = new URL(databaseUrl)
    url.hostname = "127.0.0.1"
    url.port = String(port)
    return { url: url.toString(), triggered: () => triggered } satisfies PgProxy
  })
