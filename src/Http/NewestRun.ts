import { Deferred, Effect } from "effect"
import type { DatabaseRefused, DatabaseUnavailable } from "../Store/Errors.js"
import { Trends } from "../Store/Trends.js"

type Read = Deferred.Deferred<number | null, DatabaseUnavailable | DatabaseRefused>

/**
 * The newest stored run's id, which names most of `serve`'s kept answers (Cache.ts): read
 * once for all the requests that ask while a read is under way. Each request still gets an
 * id read after it arrived: one that comes while a read runs waits for the next read, which
 * starts when that one ends. So an answer is never older than its request, and under load
 * the server asks the database once a round trip rather than once a request.
 */
export class NewestRun extends Effect.Service<NewestRun>()("viralvidvault/NewestRun", {
  effect: Effect.gen(function*() {
    const trends = yield* Trends
    /** The read under way, and the one the requests that came during it wait for. */
    let running: Read | undefined
    let waiting: Read | undefined

    /**
     * Reads into `read` in a fiber of its own (a client that goes away does not stop the
     * read the others wait for), then starts the waiting read, if any.
     */
    const start = (read: Read): Effect.Effect<void> =>
      Effect.forkDaemon(
        trends.newestRun().pipe(
          Effect.exit,
          Effect.flatMap((exit) => Deferred.done(read, exit)),
          Effect.zipRight(Effect.suspend(() => {
            running = waiting
            waiting = undefined
            return running === undefined ? Effect.void : start(running)
          }))
        )
      ).pipe(Effect.asVoid)

    const get: Effect.Effect<number | null, DatabaseUnavailable | DatabaseRefused> = Effect.fiberIdWith((fiberId) => {
      if (running === undefined) {
        const read = Deferred.unsafeMake<number | null, DatabaseUnavailable | DatabaseRefused>(fiberId)
        running = read
        return Effect.zipRight(start(read), Deferred.await(read))
      }
      if (waiting === undefined) waiting = Deferred.unsafeMake(fiberId)
      return Deferred.await(waiting)
    })

    return { get } as const
  })
}) {}
