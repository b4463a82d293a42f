/**
 * A watch we own the retry policy of: client-node's watches stop silently or
 * storm on reconnect (kubernetes-client/javascript #596, #958, #1933), and a
 * 410 Gone must relist (headlamp#7451). Here:
 * - the stream is read as newline-delimited JSON events;
 * - when the server ends the stream (its timeout, a proxy), the watch resumes
 *   from the last resourceVersion seen, after a jittered, doubling backoff
 *   (reset by any event);
 * - a 410 (as a status code or an ERROR event) calls `relist`, which returns
 *   the resourceVersion to resume from;
 * - it ends when `signal` aborts (cancel or budget), never on its own.
 */
import type { ResourceInfo } from "./_types.ts";
import type { KubeClient } from "./client.ts";
import { resourcePath } from "./discovery.ts";
import { KubeApiError } from "./transport.ts";
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

/** Watches until the signal aborts. */
export async function watchResource(client: KubeClient, r: ResourceInfo, o: WatchOptions): Promise<void> {
  let rv = o.resourceVersion;
  let failures = 0;
  const { initial, max } = o.backoffMs ?? { initial: 200, max: 5_000 };
  while (!o.signal.aborted) {
    try {
      const res = await client.stream(resourcePath(r, o.namespace), {
        query: { watch: true, resourceVersion: rv || undefined, allowWatchBookmarks: true, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector },
        ...(o.accept ? { accept: o.accept } : {}),
        signal: o.signal,
        timeoutMs: 24 * 3600_000,
      });
      for await (const event of ndjson<WatchEvent<{ metadata?: { resourceVersion?: string }; code?: number }>>(res)) {
        failures = 0;
        if (event.type === "ERROR") {
          if (event.object?.code === 410) throw new KubeApiError(410, "Expired", "the watch's resourceVersion is too old");
          continue;
        }
        const next = event.object?.metadata?.resourceVersion;
        if (next) rv = next;
        if (event.type !== "BOOKMARK") o.onEvent(event);
      }
    } catch (e) {
      if (o.signal.aborted) return;
      if (e instanceof KubeApiError && e.code === 410) {
        rv = await o.relist();
        continue;
      }
      failures++;
    }
    // The stream ended (or failed): resume after a pause that grows while nothing arrives.
    await sleep(Math.random() * Math.min(max, initial * 2 ** Math.min(failures, 10)), o.signal).catch(() => {});
  }
}

/** Reads a response body as newline-delimited JSON values. */
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
  }
  const rest = buffer.trim();
  if (rest) yield JSON.parse(rest) as T;
}
