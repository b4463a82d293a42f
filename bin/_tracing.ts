/**
 * OpenTelemetry for the binary (docs/operations.md, "Tracing"): when the
 * standard `OTEL_*` variables ask for traces, a tracer provider exports
 * Kubently's spans over OTLP/HTTP; otherwise nothing of the SDK is loaded
 * and every span is the API's no-op.
 *
 * On when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`
 * is set, unless `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER` names no
 * `otlp`. The exporter itself reads the rest (headers, timeout, compression,
 * `OTEL_EXPORTER_OTLP_*PROTOCOL`: `http/protobuf`, the default, or
 * `http/json`; `grpc` is refused at start-up), the provider reads
 * `OTEL_TRACES_SAMPLER*`, the resource `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES`. Export goes through a circuit breaker: a
 * collector that is away costs a failed batch, not a queue of retries, and
 * the breaker's state shows in `/ready` and `/metrics`.
 */
import { createBreaker, type Breaker } from "../lib/breaker.ts";

/** Tracing as started: its breaker, and a flush for shutdown. */
export interface Tracing {
  /** Where spans go, for the start-up line. */
  endpoint: string;
  protocol: "http/protobuf" | "http/json";
  breaker: Breaker;
  /** Exports what is buffered and stops; at most a few seconds. */
  shutdown(): Promise<void>;
}

type Env = Record<string, string | undefined>;

/** What the environment asks for: null when tracing stays off. */
export function tracingWanted(env: Env): { endpoint: string; protocol: Tracing["protocol"] } | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return null;
  const exporters = env.OTEL_TRACES_EXPORTER?.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (exporters?.length && !exporters.includes("otlp")) return null;
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const general = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!specific && !general) return null;
  // The general endpoint is a base URL: the exporter appends /v1/traces; a traces endpoint is used as given.
  const endpoint = specific || `${general!.replace(/\/+$/, "")}/v1/traces`;
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) throw new Error(`OTEL_EXPORTER_OTLP_${specific ? "TRACES_" : ""}ENDPOINT must be an http(s) URL, not "${endpoint.slice(0, 200)}"`);
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf").trim();
  if (protocol !== "http/protobuf" && protocol !== "http/json") throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL "${protocol.slice(0, 40)}" is not supported: use http/protobuf or http/json (grpc is not built in)`);
  return { endpoint, protocol };
}

/** Starts tracing when the environment asks for it (else null); `service` names the process when `OTEL_SERVICE_NAME` does not. */
export async function startTracing(env: Env, service: string, log: (level: "info" | "warn", message: string) => void): Promise<Tracing | null> {
  const wanted = tracingWanted(env);
  if (!wanted) return null;
  // String literals, so `bun build --compile` bundles them; loaded only here.
  const [api, core, hooks, resources, sdk, exporterModule] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/core"),
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/sdk-trace-base"),
    wanted.protocol === "http/json" ? import("@opentelemetry/exporter-trace-otlp-http") : import("@opentelemetry/exporter-trace-otlp-proto"),
  ]);
  const exporter = new exporterModule.OTLPTraceExporter();
  const breaker = createBreaker({
    name: "otlp",
    failures: 3,
    halfOpenAfterMs: { initial: 5_000, max: 60_000 },
    onStateChange: (s) => log(s.state === "closed" ? "info" : "warn", `OTLP export circuit ${s.state}${s.state === "open" ? ` (${s.lastFailure ?? "export failed"}); spans are dropped until a trial export succeeds` : ""}`),
  });
  type Spans = Parameters<typeof exporter.export>[0];
  type Done = Parameters<typeof exporter.export>[1];
  // Each batch goes through the breaker: while the collector is away, batches are dropped at once.
  const guarded: typeof exporter = Object.assign(Object.create(exporter) as typeof exporter, {
    export(spans: Spans, done: Done) {
      breaker
        .execute(
          () =>
            new Promise<void>((resolve, reject) =>
              exporter.export(spans, (r) => (r.code === core.ExportResultCode.SUCCESS ? resolve() : reject(r.error ?? new Error("OTLP export failed")))),
            ),
        )
        .then(
          () => done({ code: core.ExportResultCode.SUCCESS }),
          (error: Error) => done({ code: core.ExportResultCode.FAILED, error }),
        );
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  });
  const resource = resources.defaultResource().merge(resources.resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME?.trim() || service })).merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [new sdk.BatchSpanProcessor(guarded)] });
  api.context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(provider);
  return {
    ...wanted,
    breaker,
    async shutdown() {
      await Promise.race([provider.shutdown(), new Promise((r) => setTimeout(r, 5_000).unref?.())]).catch(() => {});
    },
  };
}
