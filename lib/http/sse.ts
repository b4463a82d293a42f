/**
 * Server-Sent Events for streamed commands: `chunk` events (the event id is
 * the chunk's seq, so a client resumes with `Last-Event-ID`), a comment
 * line as keep-alive, and a last `result` event carrying the command's
 * answer as `GET /debug/result/{id}` shows it. Then the response ends.
 */
import type { StreamEvent } from "../execute.ts";
import type { Result } from "../schemas.ts";
import { withKeepAlive } from "../_keep-alive.ts";

const encoder = new TextEncoder();

/** One event in the SSE wire format; `data` is JSON on one line. */
const frame = (event: string, data: unknown, id?: number) => `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * The SSE response for a stream of events. `open(signal)` starts following;
 * the signal ends when the client goes away (or the response is cancelled),
 * and `onResult` maps the final result to its JSON view.
 */
export function sseResponse(open: (signal: AbortSignal) => AsyncIterable<StreamEvent>, onResult: (result: Result) => unknown, clientSignal: AbortSignal, headers: Record<string, string> = {}): Response {
  const cancelled = new AbortController();
  const signal = AbortSignal.any([clientSignal, cancelled.signal]);
  const events = open(signal)[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await events.next().catch((e: unknown) => ({ done: false as const, value: { type: "error" as const, message: (e as Error).message } }));
      if (next.done) return controller.close();
      const e = next.value;
      if (e.type === "chunk") controller.enqueue(encoder.encode(frame("chunk", { seq: e.seq, data: e.data }, e.seq)));
      else if (e.type === "result") controller.enqueue(encoder.encode(frame("result", onResult(e.result))));
      else {
        controller.enqueue(encoder.encode(frame("error", { error: e.message })));
        controller.close();
      }
    },
    cancel() {
      cancelled.abort();
      void events.return?.(undefined).catch(() => {});
    },
  });
  return new Response(withKeepAlive(body), {
    status: 200,
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no", ...headers },
  });
}
