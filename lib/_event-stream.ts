/**
 * Reads a `text/event-stream` body (what `POST /debug/execute` with
 * `Accept: text/event-stream` answers): one `{ event, data }` per event,
 * `data` parsed as JSON. Comment lines (keep-alives) are skipped.
 */

/** One Server-Sent Event. */
export interface EventStreamEvent {
  /** The event name; `message` when the event names none. */
  event: string;
  data: unknown;
}

/** Yields the events of `body` as they arrive; ends with the body. */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<EventStreamEvent> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, "\n");
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          const colon = line.indexOf(":");
          if (colon === 0) continue;
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") event = value;
          else if (field === "data") data.push(value);
        }
        if (data.length > 0) yield { event, data: JSON.parse(data.join("\n")) };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
