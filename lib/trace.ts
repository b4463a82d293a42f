/**
 * Tracing through OpenTelemetry's API (docs/operations.md, "Tracing"). Like
 * any library, Kubently depends on `@opentelemetry/api` alone: without a
 * tracer provider registered (by the binary when `OTEL_*` asks for it, or by
 * a host's own SDK) every span here is OpenTelemetry's no-op and nothing of
 * an SDK is loaded.
 *
 * The trace of a command: the caller's W3C `traceparent` (a header on REST)
 * parents the API's request span; `execute` and its `policy` and
 * `queue.push` spans follow; the command carries the context through the
 * queue (`traceparent`/`tracestate` fields, not signed: they choose no
 * behaviour), so the agent's `command` span and its `executor` span join the
 * same trace; the agent posts the result with the context in its headers,
 * so the API's span for that request closes the loop.
 */
import { type Attributes, type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, context, propagation, trace } from "@opentelemetry/api";
import { VERSION } from "./version.ts";

export { SpanKind };

/** A trace context as W3C headers (a command carries these). */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** What a valid `traceparent` looks like (version 00; others are parsed by the propagator too). */
export const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

const tracer = () => trace.getTracer("kubently", VERSION);

/** The context a carrier (headers, a command) holds, under the root; the root when it holds none. */
export function contextFrom(carrier: TraceCarrier | Headers): Context {
  const headers: TraceCarrier = carrier instanceof Headers ? { traceparent: carrier.get("traceparent") ?? undefined, tracestate: carrier.get("tracestate") ?? undefined } : carrier;
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** The active context as a carrier: empty when there is no recording span (tracing off). */
export function currentCarrier(): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const out: TraceCarrier = {};
  if (carrier.traceparent && TRACEPARENT.test(carrier.traceparent)) out.traceparent = carrier.traceparent;
  if (out.traceparent && carrier.tracestate) out.tracestate = carrier.tracestate.slice(0, 512);
  return out;
}

/** Options for {@link inSpan}. */
export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent; the active context when absent. */
  parent?: Context;
}

/**
 * Runs `fn` in a new active span that ends when `fn` settles: a throw is
 * recorded on the span (and rethrown). `fn` may set attributes or an error
 * status on the span it gets.
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(name, { ...(options.kind !== undefined ? { kind: options.kind } : {}), ...(options.attributes ? { attributes: options.attributes } : {}) }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.recordException(e instanceof Error ? e : String(e));
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message.slice(0, 200) : String(e).slice(0, 200) });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed with a short reason (for outcomes that are not exceptions: a denial, a failed command). */
export function failSpan(span: Span, message: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: message.slice(0, 200) });
}
