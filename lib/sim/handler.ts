/**
 * HTTP routing of the simulated kube-apiserver. Read-only over HTTP: every write
 * answers 405 MethodNotAllowed, except the self-review endpoints that only ask
 * questions (`kubectl auth can-i`, `kubectl auth whoami`). Changes come from the
 * process that owns the cluster (`SimCluster.update()` and friends) and reach
 * clients through watches.
 */
import { Buffer } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type KubeObject, statusFailure } from "./_k8s.ts";
import { UNAUTHORIZED } from "./auth.ts";
import {
  type AggregatedDiscoveryVersion,
  type ResourceType,
  VERSION_INFO,
  aggregatedDiscoveryDocument,
  apiGroupDocument,
  apiGroupListDocument,
  apiResourceListDocument,
  apiVersionsDocument,
  findResourceType,
  groupVersionOf,
} from "./discovery.ts";
import { decodeReviewSpec } from "./_protobuf.ts";
import { formatLogLine, parseLogQuery, planLogs } from "./logs.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import type { Store } from "./store.ts";
import { type IncludeObject, toTable } from "./table.ts";
import { type WatchFormat, serveWatch, validateWatch } from "./watch.ts";

/** One handled request, for observers such as tests. */
export interface RequestInfo {
  method: string;
  path: string;
  query: string;
  accept: string;
  status: number;
}

/** Settings of {@link createHandler}. */
export interface HandlerOptions {
  /** Pause between streamed lines of `logs -f`. */
  logFollowIntervalMs: number;
  /** Pause between periodic BOOKMARK events of watches that ask for them. */
  watchBookmarkIntervalMs: number;
  /** Whether a request carries accepted credentials; refused ones get a 401 Status before any routing. */
  authenticate(req: IncomingMessage): boolean;
  /** Registers a cleanup that must run when the server closes (open streams). */
  onStream(stop: () => void): () => void;
  onRequest?: (info: RequestInfo) => void;
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string | undefined): MediaRange[] {
  return (header ?? "").split(",").map((part) => {
    const [type = "", ...params] = part.split(";").map((s) => s.trim());
    return { type: type.toLowerCase(), params: Object.fromEntries(params.map((p) => p.split("=").map((s) => s.trim()) as [string, string])) };
  });
}

function wants(accept: MediaRange[], as: string, group: string, versions: string[]): string | null {
  for (const m of accept) {
    if ((m.type === "application/json" || m.type === "*/*") && m.params.as === as && m.params.g === group && versions.includes(m.params.v ?? "")) return m.params.v ?? null;
  }
  return null;
}

const NOT_FOUND = statusFailure(404, "NotFound", "the server could not find the requested resource");

/** Creates the request listener for a simulated cluster over `store`. */
export function createHandler(store: Store, opts: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://sim.invalid");
    const accept = parseAccept(req.headers.accept);
    const method = req.method ?? "GET";
    const send = (code: number, body: unknown, contentType = "application/json") => {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(code, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private" });
      res.end(method === "HEAD" ? undefined : text);
      opts.onRequest?.({ method, path: url.pathname, query: url.search, accept: req.headers.accept ?? "", status: code });
    };
    const fail = (s: ReturnType<typeof statusFailure>) => send(s.code, s);
    if (!opts.authenticate(req)) return fail(UNAUTHORIZED);
    try {
      if (method === "POST") return void handlePost(req, url.pathname, send, fail);
      if (method !== "GET" && method !== "HEAD") {
        return fail(statusFailure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
      }
      routeGet(url, accept, store, opts, send, fail, req, res);
    } catch (err) {
      fail(statusFailure(500, "InternalError", `an error on the server ("${(err as Error).message}") has prevented the request from succeeding`));
    }
  };
}

type Send = (code: number, body: unknown, contentType?: string) => void;
type Fail = (s: ReturnType<typeof statusFailure>) => void;

function routeGet(url: URL, accept: MediaRange[], store: Store, opts: HandlerOptions, send: Send, fail: Fail, req: IncomingMessage, res: ServerResponse): void {
  const path = url.pathname.replace(/\/+$/, "") || "/";
  const seg = path.split("/").filter(Boolean);
  if (path === "/version") return send(200, VERSION_INFO);
  if (path === "/healthz" || path === "/livez" || path === "/readyz") return send(200, "ok", "text/plain; charset=utf-8");
  if (path === "/api" || path === "/apis") {
    const v = wants(accept, "APIGroupDiscoveryList", "apidiscovery.k8s.io", ["v2", "v2beta1"]) as AggregatedDiscoveryVersion | null;
    if (v) {
      return send(200, aggregatedDiscoveryDocument(path === "/api" ? "api" : "apis", v), `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
    }
    return send(200, path === "/api" ? apiVersionsDocument() : apiGroupListDocument());
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === "api" && seg.length >= 2) {
    group = "";
    version = seg[1] ?? "";
    rest = seg.slice(2);
  } else if (seg[0] === "apis" && seg.length >= 2) {
    group = seg[1] ?? "";
    if (seg.length === 2) {
      const doc = apiGroupDocument(group);
      return doc ? send(200, doc) : fail(NOT_FOUND);
    }
    version = seg[2] ?? "";
    rest = seg.slice(3);
  } else return fail(NOT_FOUND);
  if (rest.length === 0) {
    const doc = apiResourceListDocument(group, version);
    return doc ? send(200, doc) : fail(NOT_FOUND);
  }

  // Deprecated `/api/v1/watch/...` paths: the same watch as `?watch=true`, a name becoming a field selector.
  const legacyWatch = rest[0] === "watch";
  if (legacyWatch) rest = rest.slice(1);
  let namespace: string | null = null;
  let i = 0;
  if (rest[0] === "namespaces" && rest.length >= 3 && findResourceType(group, version, rest[2] ?? "")?.namespaced) {
    namespace = rest[1] ?? null;
    i = 2;
  }
  const type = findResourceType(group, version, rest[i] ?? "");
  const name = rest[i + 1];
  const sub = rest[i + 2];
  if (!type || rest.length > i + 3 || (type.namespaced && name !== undefined && namespace === null)) return fail(NOT_FOUND);
  if (legacyWatch && sub !== undefined) return fail(NOT_FOUND);
  if (!type.verbs.includes("get")) {
    return fail(statusFailure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
  }
  const include = (url.searchParams.get("includeObject") as IncludeObject | null) ?? "Metadata";
  const table = wants(accept, "Table", "meta.k8s.io", ["v1", "v1beta1"]) !== null;

  const watch = legacyWatch || url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1";
  if (name === undefined || legacyWatch) {
    const labels = parseLabelSelector(url.searchParams.get("labelSelector"));
    const fields = parseFieldSelector(url.searchParams.get("fieldSelector"));
    if (!labels) return fail(statusFailure(400, "BadRequest", `unable to parse requirement: invalid label selector "${url.searchParams.get("labelSelector")}"`));
    if (!fields) return fail(statusFailure(400, "BadRequest", `invalid field selector "${url.searchParams.get("fieldSelector")}"`));
    const selectors = [labels, fields];
    if (name !== undefined) selectors.push((o) => o.metadata.name === name);
    if (watch) {
      if (!type.verbs.includes("watch")) {
        return fail(statusFailure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
      }
      const format = watchFormat(accept, table, include);
      const bool = (p: string) => url.searchParams.get(p) === "true" || url.searchParams.get(p) === "1";
      const request = {
        type, namespace, selectors, format,
        resourceVersion: url.searchParams.get("resourceVersion"),
        sendInitialEvents: bool("sendInitialEvents"),
        allowWatchBookmarks: bool("allowWatchBookmarks"),
        // kube-apiserver's default is a random 30-60 min (--min-request-timeout); the sim uses the low end and caps requests at 1h.
        timeoutSeconds: Math.min(Number(url.searchParams.get("timeoutSeconds")) || 1800, 3600),
      };
      const invalid = validateWatch(request);
      if (invalid) return fail(invalid);
      serveWatch(store, request, { bookmarkIntervalMs: opts.watchBookmarkIntervalMs, onStream: opts.onStream }, req, res);
      opts.onRequest?.({ method: "GET", path: url.pathname, query: url.search, accept: req.headers.accept ?? "", status: 200 });
      return;
    }
    const all = store.list(type, namespace, selectors);
    // Pages as kube-apiserver serves them: `limit` objects, then a `continue` token for the rest.
    const page = pageOf(all, url.searchParams.get("limit"), url.searchParams.get("continue"));
    if (typeof page === "string") return fail(statusFailure(410, "Expired", page));
    const items = page.items;
    // metrics-server lists are computed per request and carry no resourceVersion.
    const listRv = type.group === "metrics.k8s.io" ? undefined : store.resourceVersion;
    const listMeta = { ...(listRv === undefined ? {} : { resourceVersion: listRv }), ...(page.continue ? { continue: page.continue, remainingItemCount: page.remaining } : {}) };
    if (table) return send(200, { ...toTable(type.kind, items, listRv, include), metadata: listMeta }, "application/json;as=Table;v=v1;g=meta.k8s.io");
    if (wants(accept, "PartialObjectMetadataList", "meta.k8s.io", ["v1", "v1beta1"])) {
      return send(200, { kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", metadata: listMeta, items: items.map(partial) });
    }
    return send(200, { kind: `${type.kind}List`, apiVersion: groupVersionOf(type.group, type.version), metadata: listMeta, items });
  }

  const obj = store.get(type, namespace, name);
  if (!obj) return fail(notFound(type, name, namespace));
  if (sub === undefined || sub === "status") {
    if (table) return send(200, toTable(type.kind, [obj], obj.metadata.resourceVersion, include), "application/json;as=Table;v=v1;g=meta.k8s.io");
    if (wants(accept, "PartialObjectMetadata", "meta.k8s.io", ["v1", "v1beta1"])) return send(200, partial(obj));
    return send(200, obj);
  }
  if (type.resource === "pods" && sub === "log") return servePodLogs(obj, url, store, opts, send, fail, req, res);
  return fail(NOT_FOUND);
}

/** How a watch encodes its objects: Tables, metadata only (metadata informers), or whole objects. */
function watchFormat(accept: MediaRange[], table: boolean, include: IncludeObject): WatchFormat {
  if (table) return { as: "Table", include };
  const metadataOnly = ["PartialObjectMetadata", "PartialObjectMetadataList"].some((as) => wants(accept, as, "meta.k8s.io", ["v1", "v1beta1"]));
  return metadataOnly ? { as: "PartialObjectMetadata" } : { as: "Object" };
}

/**
 * One page of a list: all of it without a `limit`; else `limit` objects from
 * the offset the `continue` token names, and a token for the rest. A token
 * that cannot be read is refused as kube-apiserver refuses a stale one (410).
 */
function pageOf(all: KubeObject[], limit: string | null, token: string | null): { items: KubeObject[]; continue?: string; remaining?: number } | string {
  let offset = 0;
  if (token) {
    try {
      offset = (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { offset: number }).offset;
    } catch {
      offset = Number.NaN;
    }
    if (!Number.isInteger(offset) || offset < 0) return "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.";
  }
  const n = Number(limit);
  if (!limit || !Number.isInteger(n) || n <= 0) return { items: all.slice(offset) };
  const items = all.slice(offset, offset + n);
  const next = offset + n;
  return next < all.length ? { items, continue: Buffer.from(JSON.stringify({ offset: next })).toString("base64url"), remaining: all.length - next } : { items };
}

function partial(o: KubeObject): object {
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}

function notFound(type: ResourceType, name: string, namespace: string | null): ReturnType<typeof statusFailure> {
  if (type.group === "metrics.k8s.io") {
    // metrics-server names the kind and, for pods, the namespace in its message.
    const resource = type.kind.toLowerCase();
    const shown = type.namespaced ? `${namespace ?? ""}/${name}` : name;
    return statusFailure(404, "NotFound", `${resource}.${type.group} "${shown}" not found`, { name: shown, group: type.group, kind: resource });
  }
  const qualified = type.group ? `${type.resource}.${type.group}` : type.resource;
  return statusFailure(404, "NotFound", `${qualified} "${name}" not found`, { name, ...(type.group ? { group: type.group } : {}), kind: type.resource });
}

function servePodLogs(pod: KubeObject, url: URL, store: Store, opts: HandlerOptions, send: Send, fail: Fail, req: IncomingMessage, res: ServerResponse): void {
  const q = parseLogQuery(url.searchParams);
  if (typeof q === "string") return fail(statusFailure(400, "BadRequest", q));
  const ns = pod.metadata.namespace ?? "";
  const plan = planLogs(pod, (c) => store.logs(ns, pod.metadata.name, c), q, Date.now());
  if ("code" in plan) return fail(statusFailure(plan.code, plan.reason, plan.message));
  let body = plan.lines.map((l) => formatLogLine(l, q.timestamps)).join("");
  if (q.limitBytes !== null) body = Buffer.from(body).subarray(0, q.limitBytes).toString("utf8");
  if (!plan.keepOpen) return send(200, body, "text/plain");

  res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
  if (body) res.write(body);
  else res.flushHeaders();
  opts.onRequest?.({ method: "GET", path: url.pathname, query: url.search, accept: req.headers.accept ?? "", status: 200 });
  let seq = 0;
  let written = Buffer.byteLength(body);
  let unregister = () => {};
  const stop = () => {
    clearInterval(timer);
    unregister();
    if (!res.writableEnded) res.end();
  };
  const follow = plan.follow;
  const timer = setInterval(() => {
    if (!follow || res.writableEnded || res.destroyed) return;
    const now = Date.now();
    const chunk = formatLogLine({ t: now, text: follow[seq++ % follow.length] ?? "" }, q.timestamps);
    written += Buffer.byteLength(chunk);
    res.write(chunk);
    if (q.limitBytes !== null && written >= q.limitBytes) stop();
  }, opts.logFollowIntervalMs);
  unregister = opts.onStream(stop);
  req.on("close", stop);
  res.on("close", stop);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const READ_VERBS = ["get", "list", "watch"];

async function handlePost(req: IncomingMessage, path: string, send: Send, fail: Fail): Promise<void> {
  const review = path.match(/^\/apis\/(authorization|authentication)\.k8s\.io\/v1\/(selfsubjectaccessreviews|selfsubjectrulesreviews|selfsubjectreviews)$/);
  if (!review) return fail(statusFailure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
  let body: { spec?: { resourceAttributes?: { verb?: string }; nonResourceAttributes?: { verb?: string } } };
  try {
    const raw = await readBody(req);
    if ((req.headers["content-type"] ?? "").includes("protobuf")) {
      body = review[2] === "selfsubjectreviews" ? {} : { spec: decodeReviewSpec(raw, review[2] === "selfsubjectaccessreviews" ? "access" : "rules") };
    } else body = JSON.parse(raw.toString("utf8") || "{}");
  } catch {
    return fail(statusFailure(400, "BadRequest", "the object provided is unrecognized"));
  }
  const meta = { creationTimestamp: null };
  switch (review[2]) {
    case "selfsubjectaccessreviews": {
      const verb = body.spec?.resourceAttributes?.verb ?? body.spec?.nonResourceAttributes?.verb ?? "";
      const allowed = READ_VERBS.includes(verb);
      return send(201, {
        kind: "SelfSubjectAccessReview", apiVersion: "authorization.k8s.io/v1", metadata: meta, spec: body.spec ?? {},
        status: allowed ? { allowed: true, reason: "the simulated cluster allows reads" } : { allowed: false, reason: "the simulated cluster is read-only" },
      });
    }
    case "selfsubjectrulesreviews":
      return send(201, {
        kind: "SelfSubjectRulesReview", apiVersion: "authorization.k8s.io/v1", metadata: meta, spec: body.spec ?? {},
        status: { resourceRules: [{ verbs: READ_VERBS, apiGroups: ["*"], resources: ["*"] }], nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["*"] }], incomplete: false },
      });
    default:
      return send(201, {
        kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1", metadata: meta,
        status: { userInfo: { username: "kubently-sim", groups: ["system:authenticated"] } },
      });
  }
}
