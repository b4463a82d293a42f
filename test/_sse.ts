/** Reads a text/event-stream response in tests: each event with its name, parsed data, id and arrival time. */
import { type EventStreamEvent, readEventStream } from "../lib/_event-stream.ts";

/** One Server-Sent Event as received. */
export interface SseEvent extends EventStreamEvent {
  /** performance.now() when it arrived. */
  at: number;
}

/** Collects events until the stream ends, or until `stopWhen` says so (the body is then cancelled). */
export async function readSse(res: Response, stopWhen?: (e: SseEvent, all: SseEvent[]) => boolean): Promise<{ events: SseEvent[] }> {
  const events: SseEvent[] = [];
  for await (const e of readEventStream(res.body!)) {
    const event = { ...e, at: performance.now() };
    events.push(event);
    if (stopWhen?.(event, events)) break;
  }
  return { events };
}
