/**
 * `?watch=true`: a stream of newline-delimited JSON watch events
 * (`{"type":"ADDED","object":{...}}`), with kube-apiserver's semantics:
 *
 * - `resourceVersion` unset or `"0"`: an ADDED event for every matching
 *   object first (the synthetic initial state), then changes.
 * - a specific `resourceVersion`: only changes after it; one the history no
 *   longer reaches sends a single ERROR event carrying a 410 Expired Status and
 *   ends the stream, so the client knows to relist.
 * - `sendInitialEvents=true` (watch-list): the initial ADDED events whatever the
 *   resourceVersion, then, with `allowWatchBookmarks=true`, a BOOKMARK annotated
 *   `k8s.io/initial-events-end: "true"`.
 * - `allowWatchBookmarks=true`: periodic BOOKMARK events carrying only the
 *   current resourceVersion.
 * - label and field selectors are evaluated on both sides of a change, as the
 *   watch cache does: an object that starts matching arrives as ADDED, one that
 *   stops matching as DELETED (its last matching state, at the change's
 *   resourceVersion).
 * - `timeoutSeconds` ends the stream; closing the server ends it too.
 * - `Accept: ...;as=Table;g=meta.k8s.io`: each event's object is a one-row
 *   Table; only the first carries columnDefinitions (later ones send null), as
 *   kube-apiserver saves that bandwidth and kubectl reuses the last columns.
 *   ERROR Status objects are never converted.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type KubeObject, statusFailure } from "./_k8s.ts";
import { type ResourceType, groupVersionOf } from "./discovery.ts";
import type { Selector } from "./selectors.ts";
import type { Store, StoreChange } from "./store.ts";
import { type IncludeObject, toTable } from "./table.ts";

/** How event objects are encoded, from the request's Accept header. */
export type WatchFormat = { as: "Object" } | { as: "PartialObjectMetadata" } | { as: "Table"; include: IncludeObject };

/** One watch request, parsed. */
export interface WatchRequest {
  type: ResourceType;
  /** null: all namespaces (or a cluster-scoped type). */
  namespace: string | null;
  selectors: Selector[];
  /** The `resourceVersion` parameter as sent; null when absent. */
  resourceVersion: string | null;
  sendInitialEvents: boolean;
  allowWatchBookmarks: boolean;
  /** Seconds until the server ends the stream. */
  timeoutSeconds: number;
  format: WatchFormat;
}

/** Server-side settings of watch streams. */
export interface WatchSettings {
  /** Pause between periodic BOOKMARK events of watches that allow them. */
  bookmarkIntervalMs: number;
  /** Registers a cleanup that must run when the server closes; returns its unregister function. */
  onStream(stop: () => void): () => void;
}

/** Event type names of the watch protocol. */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** The annotation that marks the end of the initial events of a watch-list. */
export const INITIAL_EVENTS_END = "k8s.io/initial-events-end";

/**
 * Checks the resourceVersion before the stream starts: returns the Status to
 * answer instead (400 for a malformed value), or null.
 */
export function validateWatch(w: WatchRequest): ReturnType<typeof statusFailure> | null {
  const rv = w.resourceVersion;
  if (rv !== null && rv !== "" && !/^\d+$/.test(rv)) {
    return statusFailure(400, "BadRequest", `resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
  }
  return null;
}

/** Streams watch events for `w` on `res` until the timeout, the client leaving or the server closing. */
export function serveWatch(store: Store, w: WatchRequest, settings: WatchSettings, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
  res.flushHeaders();

  const matches = (o: KubeObject) =>
    (w.namespace === null || !w.type.namespaced || o.metadata.namespace === w.namespace) && w.selectors.every((s) => s(o));
  let columnsSent = false;
  const encode = (o: KubeObject): unknown => {
    if (w.format.as === "PartialObjectMetadata") return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
    if (w.format.as === "Object") return o;
    const table = toTable(w.type.kind, [o], o.metadata.resourceVersion, w.format.include) as { columnDefinitions: unknown };
    if (columnsSent) table.columnDefinitions = null;
    columnsSent = true;
    return table;
  };
  const send = (type: WatchEventType, object: unknown) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const bookmark = (initialEnd = false) => {
    const metadata = { resourceVersion: store.resourceVersion, ...(initialEnd ? { annotations: { [INITIAL_EVENTS_END]: "true" } } : {}) };
    send("BOOKMARK", w.format.as === "Table"
      ? { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata, columnDefinitions: null, rows: [] }
      : { kind: w.type.kind, apiVersion: groupVersionOf(w.type.group, w.type.version), metadata });
  };
  /** Translates one store change into what this watcher sees, or nothing. */
  const onChange = (c: StoreChange) => {
    if (c.resource !== w.type) return;
    const now = c.type !== "DELETED" && matches(c.object);
    const before = c.previous !== undefined && matches(c.previous);
    if (now && !before) send("ADDED", encode(c.object));
    else if (now && before) send("MODIFIED", encode(c.object));
    else if (!now && before) {
      const last = c.type === "DELETED" ? c.object : { ...(c.previous as KubeObject), metadata: { ...(c.previous as KubeObject).metadata, resourceVersion: String(c.resourceVersion) } };
      send("DELETED", encode(last));
    }
  };

  let unsubscribe = () => {};
  let unregister = () => {};
  let bookmarkTimer: ReturnType<typeof setInterval> | undefined;
  const timeout = setTimeout(() => stop(), w.timeoutSeconds * 1000);
  const stop = () => {
    clearTimeout(timeout);
    clearInterval(bookmarkTimer);
    unsubscribe();
    unregister();
    if (!res.writableEnded) res.end();
  };
  unregister = settings.onStream(stop);
  req.on("close", stop);
  res.on("close", stop);

  const rv = w.resourceVersion;
  const initial = w.sendInitialEvents || rv === null || rv === "" || rv === "0";
  if (initial) {
    for (const o of store.list(w.type, w.namespace, w.selectors)) send("ADDED", encode(o));
    if (w.sendInitialEvents && w.allowWatchBookmarks) bookmark(true);
  } else {
    const changes = store.changesSince(Number(rv));
    if (changes === null) {
      send("ERROR", statusFailure(410, "Expired", `too old resource version: ${rv} (${store.oldestResourceVersion})`));
      return stop();
    }
    for (const c of changes) onChange(c);
  }
  // Registered after the replay: store writes are synchronous, so none can fall between the two.
  unsubscribe = store.subscribe(onChange);
  if (w.allowWatchBookmarks) bookmarkTimer = setInterval(() => bookmark(), settings.bookmarkIntervalMs);
}
