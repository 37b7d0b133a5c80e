import { Context, Effect, Exit, Fiber, Layer, Option } from "effect"
import type { StoreError } from "./Errors.js"
import { VideoStore } from "./VideoStore.js"

/**
 * The store as the pipeline reaches it. The command line opens the database in the
 * background while the regions are fetched, so connecting and migrating overlap the
 * fetch instead of preceding it; a host hands over a store that is open already.
 */
export class StoreConnection extends Context.Tag("viralvidvault/StoreConnection")<StoreConnection, {
  /** The store, once it is open; fails as opening it failed. */
  readonly store: Effect.Effect<VideoStore, StoreError>
  /** The store if it is open by now, without waiting. */
  readonly ifOpen: Effect.Effect<Option.Option<VideoStore>>
}>() {
  /** The `VideoStore` in context, open already (building it applied the migrations). */
  static readonly opened = Layer.effect(
    StoreConnection,
    Effect.map(VideoStore, (store) => ({ store: Effect.succeed(store), ifOpen: Effect.succeedSome(store) }))
  )

  /** Builds `layer` in the background: its resources live as long as this layer's. */
  static readonly inBackground = <E extends StoreError, R>(layer: Layer.Layer<VideoStore, E, R>) =>
    Layer.scoped(
      StoreConnection,
      Effect.gen(function*() {
        const scope = yield* Effect.scope
        const opening = yield* Layer.buildWithScope(layer, scope).pipe(
          Effect.map(Context.get(VideoStore)),
          Effect.forkIn(scope)
        )
        return {
          store: Fiber.join(opening),
          ifOpen: Effect.map(Fiber.poll(opening), Option.flatMap((exit) => Exit.isSuccess(exit) ? Option.some(exit.value) : Option.none()))
        }
      })
    )
}
