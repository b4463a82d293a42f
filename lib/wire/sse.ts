/**
 * The one Server-Sent Events writer: REST streams (`chunk` and `result`
 * events, the chunk's seq as the event id so a client resumes with
 * `Last-Event-ID`) and A2A's JSON-RPC stream (unnamed `data` events) both
 * map their items to {@link SseEvent}s and hand them here. A comment line
 * keeps a quiet stream open; the client going away stops the source.
 */
import { withKeepAlive } from "../_keep-alive.ts";

/** One event: `data` is written as JSON on one line. */
export interface SseEvent {
  event?: string;
  id?: number | string;
  data: unknown;
}

const encoder = new TextEncoder();

/** One event in the wire format. */
export const sseFrame = (e: SseEvent) => `${e.id === undefined ? "" : `id: ${e.id}\n`}${e.event ? `event: ${e.event}\n` : ""}data: ${JSON.stringify(e.data)}\n\n`;

/**
 * A `text/event-stream` response of `open(signal)`'s events. The signal
 * aborts when the client goes away or cancels the body; `onError` maps a
 * failure of the source to a last event (the stream then ends). `preamble`
 * (a comment line) is written at once: a stream whose first event may be
 * long in coming still sends its headers now (a server holds them until
 * the first bytes of the body).
 */
export function sseResponse(open: (signal: AbortSignal) => AsyncIterable<SseEvent>, options: { clientSignal?: AbortSignal; onError: (e: unknown) => SseEvent; headers?: Record<string, string>; preamble?: string }): Response {
  const cancelled = new AbortController();
  const signal = options.clientSignal ? AbortSignal.any([options.clientSignal, cancelled.signal]) : cancelled.signal;
  const events = open(signal)[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (options.preamble) controller.enqueue(encoder.encode(`: ${options.preamble.replace(/[\r\n]+/g, " ")}\n\n`));
    },
    async pull(controller) {
      try {
        const next = await events.next();
        if (next.done) return controller.close();
        controller.enqueue(encoder.encode(sseFrame(next.value)));
      } catch (e) {
        controller.enqueue(encoder.encode(sseFrame(options.onError(e))));
        controller.close();
      }
    },
    cancel() {
      cancelled.abort();
      void events.return?.(undefined)?.catch(() => {});
    },
  });
  return new Response(withKeepAlive(body), {
    status: 200,
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no", ...options.headers },
  });
}
