import { Context, Effect, Exit, Fiber, Layer, Option } from "effect"
import type { StoreError } from "./Errors.js"
import { QuotaLedger } from "./QuotaLedger.js"
import { VideoStore } from "./VideoStore.js"

/**
 * The store as the pipeline reaches it. The command line opens the database in the
 * background while the run plans, so connecting and migrating overlap the plan instead
 * of preceding it; a host hands over a store that is open already.
 */
export class StoreConnection extends Context.Tag("viralvidvault/StoreConnection")<StoreConnection, {
  /** The store, once it is open; fails as opening it failed. */
  readonly store: Effect.Effect<VideoStore, StoreError>
  /** The store if it is open by now, without waiting. */
  readonly ifOpen: Effect.Effect<Option.Option<VideoStore>>
  /** The quota ledger, once the store is open; none where the store keeps none (a test's store). */
  readonly ledger: Effect.Effect<Option.Option<QuotaLedger>, StoreError>
}>() {
  /**
   * The `VideoStore` in context, open already (building it applied the migrations), and
   * the `QuotaLedger` when the context has one.
   */
  static readonly opened = Layer.effect(
    StoreConnection,
    Effect.gen(function*() {
      const store = yield* VideoStore
      const ledger = yield* Effect.serviceOption(QuotaLedger)
      return { store: Effect.succeed(store), ifOpen: Effect.succeedSome(store), ledger: Effect.succeed(ledger) }
    })
  )

  /** Builds `layer` in the background: its resources live as long as this layer's. */
  static readonly inBackground = <E extends StoreError, R>(layer: Layer.Layer<VideoStore | QuotaLedger, E, R>) =>
    Layer.scoped(
      StoreConnection,
      Effect.gen(function*() {
        const scope = yield* Effect.scope
        const opening = yield* Layer.buildWithScope(layer, scope).pipe(Effect.forkIn(scope))
        const opened = Fiber.join(opening)
        return {
          store: Effect.map(opened, Context.get(VideoStore)),
          ifOpen: Effect.map(
            Fiber.poll(opening),
            Option.flatMap((exit) => Exit.isSuccess(exit) ? Option.some(Context.get(exit.value, VideoStore)) : Option.none())
          ),
          ledger: Effect.map(opened, (context) => Option.some(Context.get(context, QuotaLedger)))
        }
      })
    )
}
