import type { SpanExporter } from "@opentelemetry/sdk-trace-base"
import { Config, Duration, Effect, Either, Layer, Option } from "effect"
import packageJson from "../package.json" with { type: "json" }

/**
 * Traces over OTLP/HTTP (JSON) when `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set: every span the program makes (the run,
 * its units, the YouTube calls, each HTTP attempt) goes to the collector in batches.
 * Unset, nothing is loaded: the OpenTelemetry SDK is imported only when it is used, so
 * a start without tracing costs what it did before.
 */

/**
 * How long the end of a process waits for its last spans. A collector that is down or
 * does not answer costs a run at most this (and a warning), never its exit code.
 */
const FLUSH_DEADLINE = Duration.seconds(2)

const DEFAULT_SERVICE_NAME = "viralvidvault"

/** The standard OpenTelemetry variables this reads; the exporter reads the rest (headers, certificates, compression). */
const TracingConfig = Config.all({
  endpoint: Config.string("OTEL_EXPORTER_OTLP_ENDPOINT").pipe(Config.withDefault("")),
  tracesEndpoint: Config.string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").pipe(Config.withDefault("")),
  serviceName: Config.string("OTEL_SERVICE_NAME").pipe(Config.withDefault("")),
  // The specification's boolean: only "true" (any case) is true.
  disabled: Config.string("OTEL_SDK_DISABLED").pipe(Config.map((v) => v.trim().toLowerCase() === "true"), Config.withDefault(false)),
  timeoutSet: Config.all([
    Config.string("OTEL_EXPORTER_OTLP_TIMEOUT").pipe(Config.withDefault("")),
    Config.string("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT").pipe(Config.withDefault(""))
  ]).pipe(Config.map((values) => values.some((v) => v.trim() !== "")))
})

type TracingSettings = Config.Config.Success<typeof TracingConfig>

/** Where the spans go, as the specification says: the traces endpoint as it is, else `${endpoint}/v1/traces`. */
export const tracesUrl = ({ endpoint, tracesEndpoint }: Pick<TracingSettings, "endpoint" | "tracesEndpoint">): Option.Option<string> => {
  const url = tracesEndpoint.trim() !== ""
    ? tracesEndpoint.trim()
    : endpoint.trim() !== ""
    ? `${endpoint.trim().replace(/\/+$/, "")}/v1/traces`
    : undefined
  return url !== undefined && URL.canParse(url) && /^https?:$/.test(new URL(url).protocol) ? Option.some(url) : Option.none()
}

const reasonOf = (cause: unknown) => cause instanceof Error ? cause.message : String(cause)

/** The collector's address without credentials or path, for a log line. */
const shown = (url: string) => new URL(url).origin

/** The last thing that went wrong delivering spans during the program, for the warning at its end. */
interface Failures {
  last: string | undefined
}

/** `ExportResultCode.SUCCESS` of @opentelemetry/core, which is not worth a dependency for one constant. */
const EXPORT_SUCCESS = 0

/** The exporter, with each failed export noted (the SDK's own diagnostics are off, so nothing would say it). */
const noting = (exporter: SpanExporter, failures: Failures): SpanExporter => ({
  export: (spans, done) =>
    exporter.export(spans, (result) => {
      if (result.code !== EXPORT_SUCCESS) failures.last = result.error?.message ?? "the export failed"
      done(result)
    }),
  shutdown: () => exporter.shutdown(),
  forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve()
})

/** Loaded on first use only, so that a start without tracing neither reads nor runs them. */
const loadSdk = Effect.tryPromise({
  try: () =>
    Promise.all([
      import("@effect/opentelemetry/Resource"),
      import("@effect/opentelemetry/Tracer"),
      import("@opentelemetry/sdk-trace-base"),
      import("@opentelemetry/exporter-trace-otlp-http")
    ]),
  catch: reasonOf
})

const exporting = (settings: TracingSettings, url: string): Effect.Effect<Layer.Layer<never>> =>
  Effect.map(loadSdk, ([Resource, Tracer, { BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }]) => {
    const ResourceLive = Resource.layerFromEnv(
      Resource.configToAttributes({
        serviceName: settings.serviceName.trim() === "" ? DEFAULT_SERVICE_NAME : settings.serviceName.trim(),
        serviceVersion: packageJson.version
      })
    )
    const ProviderLive = Layer.scoped(
      Tracer.OtelTracerProvider,
      Effect.gen(function*() {
        const resource = yield* Resource.Resource
        const failures: Failures = { last: undefined }
        // Without a timeout of the operator's, an export gives up (retries included) by the flush deadline.
        const exporter = new OTLPTraceExporter({
          url,
          ...(settings.timeoutSet ? {} : { timeoutMillis: Duration.toMillis(FLUSH_DEADLINE) })
        })
        return yield* Effect.acquireRelease(
          Effect.sync(() => new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(noting(exporter, failures))] })),
          (provider) =>
            Effect.tryPromise({ try: () => provider.shutdown(), catch: reasonOf }).pipe(
              Effect.interruptible,
              Effect.timeoutFail({ duration: FLUSH_DEADLINE, onTimeout: () => `no answer within ${Duration.format(FLUSH_DEADLINE)}` }),
              Effect.either,
              Effect.flatMap((ended) => {
                const reason = Either.isLeft(ended) ? ended.left : failures.last
                return reason === undefined
                  ? Effect.void
                  : Effect.logWarning(`traces: spans not delivered to ${shown(url)}: ${reason}; they are lost`)
              })
            )
        )
      })
    )
    return Tracer.layer.pipe(Layer.provide(ProviderLive), Layer.provide(ResourceLive))
  }).pipe(
    // A broken install costs the traces, not the run.
    Effect.catchAll((error) =>
      Effect.as(Effect.logWarning(`traces: the OpenTelemetry SDK could not be loaded (${error}); running without`), Layer.empty)
    )
  )

/**
 * Traces to the collector the environment names, flushed when the program ends (also
 * after a stop signal, when provided outside the signal handling); nothing otherwise.
 */
export const TracingLive: Layer.Layer<never> = Layer.unwrapEffect(
  Effect.gen(function*() {
    const settings = yield* Effect.orDie(TracingConfig)
    if (settings.disabled) return Layer.empty
    const url = tracesUrl(settings)
    if (Option.isNone(url)) {
      if (settings.endpoint.trim() !== "" || settings.tracesEndpoint.trim() !== "") {
        yield* Effect.logWarning("traces: OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is not an http(s) URL; running without")
      }
      return Layer.empty
    }
    return yield* exporting(settings, url.value)
  })
)
