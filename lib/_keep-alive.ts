/**
 * Keeps a quiet Server-Sent Events response open: a stream may wait minutes
 * for output (`logs -f` of a silent pod, up to its time budget), longer than
 * proxies and load balancers keep an idle connection.
 */
import { LIMITS } from "./limits.ts";

const COMMENT = new TextEncoder().encode(": keep-alive\n\n");

/**
 * Passes an SSE body through, adding a comment line (`: keep-alive`, which
 * SSE readers ignore) after every `everyMs` without data. Comments go only
 * between the source's chunks, which must each hold whole events (as the
 * MCP SDK and the A2A handler write them).
 */
export function withKeepAlive(body: ReadableStream<Uint8Array>, everyMs: number = LIMITS.streamKeepAliveMs): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let pending: ReturnType<typeof reader.read> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      pending ??= reader.read();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const quiet = new Promise<"quiet">((resolve) => (timer = setTimeout(() => resolve("quiet"), everyMs)));
      const next = await Promise.race([pending, quiet]).finally(() => clearTimeout(timer));
      if (next === "quiet") return controller.enqueue(COMMENT);
      pending = null;
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
