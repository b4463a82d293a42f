/**
 * Reads a `text/event-stream` body (what `POST /debug/execute` with
 * `Accept: text/event-stream` answers): one `{ event, data }` per event,
 * `data` parsed as JSON. Comment lines (keep-alives) are skipped. Lines end
 * with `\n`, as the Kubently API writes them.
 */

/** One Server-Sent Event. */
export interface EventStreamEvent {
  /** The event name; `message` when the event names none. */
  event: string;
  data: unknown;
  /** The event's `id` field, when it has one (a chunk's seq). */
  id?: string;
}

/** Yields the events of `body` as they arrive; ends with the body. */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<EventStreamEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        let id: string | undefined;
        const data: string[] = [];
        for (const line of block.split("\n")) {
          const colon = line.indexOf(":");
          if (colon === 0) continue;
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") event = value;
          else if (field === "id") id = value;
          else if (field === "data") data.push(value);
        }
        if (data.length > 0) yield { event, data: JSON.parse(data.join("\n")), ...(id !== undefined ? { id } : {}) };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
