/** Reads a text/event-stream response in tests: each event with its name, parsed data, id and arrival time. */

/** One Server-Sent Event as received. */
export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
  /** performance.now() when it arrived. */
  at: number;
}

/** Collects events until the stream ends (or `stopWhen` says so, then the body is cancelled). */
export async function readSse(res: Response, stopWhen?: (e: SseEvent, all: SseEvent[]) => boolean): Promise<{ events: SseEvent[]; comments: number }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let comments = 0;
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith(":")) {
        comments++;
        continue;
      }
      const fields = Object.fromEntries(block.split("\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trimStart()]));
      const e: SseEvent = { event: fields.event ?? "message", data: JSON.parse(fields.data ?? "null"), at: performance.now(), ...(fields.id !== undefined ? { id: fields.id } : {}) };
      events.push(e);
      if (stopWhen?.(e, events)) {
        await reader.cancel();
        return { events, comments };
      }
    }
  }
  return { events, comments };
}
