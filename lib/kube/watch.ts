/**
 * A watch we own the retry policy of: client-node's watches stop silently or
 * storm on reconnect (kubernetes-client/javascript #596, #958, #1933), and a
 * 410 Gone must relist (headlamp#7451). Here:
 * - the stream is read as newline-delimited JSON events;
 * - when the server ends the stream (its timeout, a proxy), the watch resumes
 *   from the last resourceVersion seen, after a jittered, doubling backoff
 *   (reset by any event);
 * - a 410 (as a status code or an ERROR event) calls `relist` after the same
 *   pause, which returns the resourceVersion to resume from; five relists in a
 *   row with no event in between end the watch with that error;
 * - any other error the server means (4xx, an ERROR event) ends it with that
 *   error, as it ends kubectl's; otherwise it ends only when `signal` aborts
 *   (cancel or budget).
 */
import type { ResourceInfo } from "./_types.ts";
import type { KubeClient } from "./client.ts";
import { resourcePath } from "./discovery.ts";
import { KubeApiError, releaseResponse } from "./transport.ts";
import { sleep } from "../_utils.ts";

/** One watch event. */
export interface WatchEvent<T = unknown> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

/** Options for {@link watchResource}. */
export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Accept header (a Table watch for printing). */
  accept?: string;
  /** Where to start; "" or "0" replays current objects as ADDED. */
  resourceVersion: string;
  signal: AbortSignal;
  /** Called for each event but bookmarks and errors. */
  onEvent(event: WatchEvent): void;
  /** Called on 410 Gone: lists again and returns the version to resume from. */
  relist(): Promise<string>;
  /** Backoff between reconnects: first delay and cap, in ms. @default 200 / 5000 */
  backoffMs?: { initial: number; max: number };
}

/** Relists in a row, with no event between them, after which the watch gives up (the server keeps expiring it). */
const MAX_RELISTS = 5;
/** The largest watch event accepted (objects are at most ~1.5 MiB in etcd). */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/**
 * Watches until the signal aborts. Throws, like kubectl ends, on an error the
 * server means (a 4xx other than 410 on the request, an ERROR event other
 * than 410, or relists that never lead to an event).
 */
export async function watchResource(client: KubeClient, r: ResourceInfo, o: WatchOptions): Promise<void> {
  let rv = o.resourceVersion;
  let quiet = 0; // reconnects in a row that brought no event
  let relists = 0;
  const { initial, max } = o.backoffMs ?? { initial: 200, max: 5_000 };
  const pause = () => sleep(initial + Math.random() * Math.min(max, initial * 2 ** Math.min(quiet, 10)), o.signal).catch(() => {});
  while (!o.signal.aborted) {
    let events = 0;
    try {
      const res = await client.stream(resourcePath(r, o.namespace), {
        query: { watch: true, resourceVersion: rv || undefined, allowWatchBookmarks: true, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector },
        ...(o.accept ? { accept: o.accept } : {}),
        signal: o.signal,
      });
      try {
        for await (const event of ndjson<WatchEvent<{ metadata?: { resourceVersion?: string }; code?: number; reason?: string; message?: string }>>(res)) {
          if (event.type === "ERROR") {
            const status = event.object ?? {};
            throw new KubeApiError(status.code ?? 500, status.reason ?? "", status.message ?? "the watch failed");
          }
          events++;
          relists = 0;
          const next = event.object?.metadata?.resourceVersion;
          if (next) rv = next;
          if (event.type !== "BOOKMARK") o.onEvent(event);
        }
      } finally {
        releaseResponse(res);
      }
    } catch (e) {
      if (o.signal.aborted) return;
      if (e instanceof KubeApiError && e.code === 410) {
        if (++relists > MAX_RELISTS) throw new KubeApiError(410, "Expired", `the watch expired ${MAX_RELISTS} times in a row without an event`);
        await pause();
        rv = await o.relist();
        continue;
      }
      // The server means it (forbidden, not found, bad request...): the command ends with its error, as kubectl's does.
      if (e instanceof KubeApiError && e.code >= 400 && e.code < 500) throw e;
    }
    // The stream ended or the connection failed: resume after a pause that grows while nothing arrives.
    quiet = events > 0 ? 0 : quiet + 1;
    await pause();
  }
}

/** Reads a response body as newline-delimited JSON values, none longer than {@link MAX_EVENT_BYTES}. */
export async function* ndjson<T>(res: Response): AsyncGenerator<T> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) yield JSON.parse(line) as T;
    }
    if (buffer.length > MAX_EVENT_BYTES) {
      await res.body.cancel().catch(() => {});
      throw new KubeApiError(0, "ResponseTooLarge", `a watch event is larger than ${MAX_EVENT_BYTES} bytes`);
    }
  }
  const rest = buffer.trim();
  if (rest) yield JSON.parse(rest) as T;
}
