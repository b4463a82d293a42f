/**
 * Typed reads over the transport and discovery: server-side Tables, object
 * lists and gets, log and watch streams, and the one POST a reader needs
 * (self access reviews). Every call takes an AbortSignal and has a deadline.
 */
import type { KubeObject, KubeReader, ListOptions, ResourceInfo } from "./_types.ts";
import { type KubeConnectionOptions, loadConnection } from "./config.ts";
import { type Discovery, type DiscoveryOptions, apiVersionOf, createDiscovery, resourcePath } from "./discovery.ts";
import type { Breaker } from "../breaker.ts";
import { type KubeTransport, KubeApiError, apiError, createTransport, guardTransport, readBounded, readJson } from "./transport.ts";
import { ageSince } from "./_age.ts";

type ListDoc = { kind?: string; items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } };

/**
 * A Table from what the server sent. A server that cannot print (an
 * aggregated API answering plain JSON to the Table request) gets kubectl's
 * default columns: NAME and AGE from each object's metadata.
 */
function asTable(doc: KubeTable | ListDoc | KubeObject, now = Date.now()): KubeTable {
  if ((doc as { kind?: string }).kind === "Table") {
    const t = doc as KubeTable;
    return { ...t, rows: t.rows ?? [] };
  }
  const items = "items" in doc && Array.isArray(doc.items) ? doc.items : "metadata" in doc && (doc as KubeObject).metadata?.name ? [doc as KubeObject] : [];
  return {
    columnDefinitions: [
      { name: "Name", type: "string", format: "name", priority: 0 },
      { name: "Age", type: "string", priority: 0 },
    ],
    rows: items.map((o) => ({ cells: [o.metadata.name, ageSince(o.metadata.creationTimestamp, now)], object: { metadata: o.metadata } })),
    metadata: { resourceVersion: (doc as ListDoc).metadata?.resourceVersion ?? "" },
  };
}

/** A server-side Table (meta.k8s.io/v1). */
export interface KubeTable {
  columnDefinitions: { name: string; type: string; format?: string; priority?: number }[];
  rows: { cells: unknown[]; object?: { metadata?: KubeObject["metadata"] } }[];
  metadata?: { resourceVersion?: string; continue?: string };
  /** Set by the client when paging stopped at {@link LIST_BYTES}: more objects exist than were read. */
  truncated?: boolean;
}

/** The most bytes one response body may have. */
export const RESPONSE_BYTES = 32 * 1024 * 1024;
/**
 * The most bytes a paged list reads in all: past it paging stops and the
 * answer says `truncated` (its printed form would pass the output cap long
 * before; kubectl would print it all, and be cut by the same cap).
 */
export const LIST_BYTES = 32 * 1024 * 1024;

/** Asks for a Table, falling back to plain JSON on servers that cannot print one (as kubectl asks). */
export const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/** A page size for lists, like kubectl's default `--chunk-size`. */
const CHUNK = 500;

/** A list's objects. */
export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  /** Paging stopped at {@link LIST_BYTES}. */
  truncated?: boolean;
}

/** Options for {@link createKubeClient}. */
export interface KubeClientOptions extends KubeConnectionOptions {
  discovery?: DiscoveryOptions;
  /** Deadline of one non-streaming request. @default 30000 */
  timeoutMs?: number;
  /** A circuit breaker every request goes through (see {@link kubeBreaker}). @default none */
  breaker?: Breaker;
}

/** Reads of one cluster. */
export interface KubeClient {
  readonly transport: KubeTransport;
  readonly discovery: Discovery;
  /** Reads related objects by group and plural (for renderers). */
  readonly reader: KubeReader;
  /** The context's default namespace. */
  readonly namespace: string;
  /** Lists (or gets one object, with `name`) as a server-side Table; pages are joined. */
  table(r: ResourceInfo, options: ListOptions & { name?: string; includeObject?: "Metadata" | "Object"; timeoutMs?: number; now?: number }): Promise<KubeTable>;
  /** Lists objects; pages are joined; each item gets the list's apiVersion and kind (kubectl shows them). */
  list(r: ResourceInfo, options?: ListOptions & { timeoutMs?: number }): Promise<ListResult>;
  /** Lists a collection path's items as the server sent them (no kind on items); pages are joined. */
  listPath(path: string, options?: Omit<ListOptions, "namespace"> & { timeoutMs?: number }): Promise<ListResult>;
  /** One object, or null when it does not exist. */
  get(r: ResourceInfo, name: string, namespace?: string, signal?: AbortSignal): Promise<KubeObject | null>;
  /** GET of any path as JSON; a failure throws {@link KubeApiError}. */
  getJson<T>(path: string, options?: { query?: Record<string, string | number | boolean | undefined>; signal?: AbortSignal; accept?: string }): Promise<T>;
  /** POST of a JSON body; a failure throws {@link KubeApiError}. */
  postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
  /** Opens a streaming GET (logs, watches): the response once its headers arrived; a failure throws. */
  /** The caller's signal ends the stream; `releaseResponse` frees it once read to its end. */
  stream(path: string, options: { query?: Record<string, string | number | boolean | undefined>; accept?: string; signal: AbortSignal }): Promise<Response>;
  close(): Promise<void>;
}

/** Connects to the cluster the options (or kubectl's defaults) name. */
export async function createKubeClient(options: KubeClientOptions = {}): Promise<KubeClient> {
  const transport = await createTransport(await loadConnection(options));
  return kubeClientOver(options.breaker ? guardTransport(transport, options.breaker) : transport, options);
}

/** A client over an open transport. */
export function kubeClientOver(transport: KubeTransport, options: Pick<KubeClientOptions, "discovery" | "timeoutMs"> = {}): KubeClient {
  const discovery = createDiscovery(transport, options.discovery);
  const timeoutMs = options.timeoutMs ?? 30_000;

  const getJson = async <T>(path: string, o: { query?: Record<string, string | number | boolean | undefined>; signal?: AbortSignal; accept?: string; timeoutMs?: number } = {}): Promise<T> => {
    const res = await transport.request(path, { timeoutMs: o.timeoutMs ?? timeoutMs, ...(o.query ? { query: o.query } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(o.accept ? { accept: o.accept } : {}) });
    if (!res.ok) throw await apiError(res);
    return readJson<T>(res, RESPONSE_BYTES);
  };

  /**
   * Reads every page of a list (`continue` tokens), handing each to `take`,
   * until the last page or {@link LIST_BYTES}. Returns the first page's
   * metadata and whether paging stopped early.
   */
  async function paged<P extends { metadata?: { resourceVersion?: string; continue?: string } }>(
    path: string,
    query: Record<string, string | number | undefined>,
    o: { signal?: AbortSignal; accept?: string; timeoutMs?: number },
    take: (page: P) => void,
  ): Promise<{ first: P; truncated: boolean }> {
    let first: P | undefined;
    let cont: string | undefined;
    let bytes = 0;
    do {
      const res = await transport.request(path, { timeoutMs: o.timeoutMs ?? timeoutMs, query: { ...query, limit: CHUNK, ...(cont ? { continue: cont } : {}) }, ...(o.signal ? { signal: o.signal } : {}), ...(o.accept ? { accept: o.accept } : {}) });
      if (!res.ok) throw await apiError(res);
      const text = await readBounded(res, RESPONSE_BYTES);
      bytes += text.length;
      const page = JSON.parse(text) as P;
      first ??= page;
      take(page);
      cont = page.metadata?.continue || undefined;
      if (cont && bytes >= LIST_BYTES) return { first, truncated: true };
    } while (cont);
    return { first: first!, truncated: false };
  }

  const selectors = (o: ListOptions) => ({ labelSelector: o.labelSelector || undefined, fieldSelector: o.fieldSelector || undefined });

  const client: KubeClient = {
    transport,
    discovery,
    namespace: transport.namespace,
    async table(r, o) {
      const path = resourcePath(r, o.namespace, o.name);
      const common = { accept: TABLE_ACCEPT, ...(o.signal ? { signal: o.signal } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) };
      if (o.name !== undefined) return asTable(await getJson<KubeTable | KubeObject>(path, { ...common, ...(o.includeObject ? { query: { includeObject: o.includeObject } } : {}) }), o.now);
      const rows: KubeTable["rows"] = [];
      const { first, truncated } = await paged<KubeTable | ListDoc>(path, { ...selectors(o), includeObject: o.includeObject }, common, (page) => rows.push(...asTable(page, o.now).rows));
      return { ...asTable(first, o.now), rows, ...(truncated ? { truncated } : {}) };
    },
    async listPath(path, o = {}) {
      const items: KubeObject[] = [];
      const { first, truncated } = await paged<ListDoc>(path, selectors(o), { ...(o.signal ? { signal: o.signal } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) }, (page) => items.push(...(page.items ?? [])));
      return { items, resourceVersion: first.metadata?.resourceVersion ?? "", ...(truncated ? { truncated } : {}) };
    },
    async list(r, o = {}) {
      const listed = await client.listPath(resourcePath(r, o.namespace), o);
      const apiVersion = apiVersionOf(r);
      return { ...listed, items: listed.items.map((item) => ({ apiVersion, kind: r.kind, ...item })) };
    },
    async get(r, name, namespace, signal) {
      try {
        return await getJson<KubeObject>(resourcePath(r, namespace, name), signal ? { signal } : {});
      } catch (e) {
        if (e instanceof KubeApiError && e.code === 404) return null;
        throw e;
      }
    },
    getJson,
    async postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
      const res = await transport.request(path, { method: "POST", body, timeoutMs, ...(signal ? { signal } : {}) });
      if (!res.ok) throw await apiError(res);
      return readJson<T>(res, RESPONSE_BYTES);
    },
    async stream(path, o) {
      const res = await transport.request(path, { timeoutMs: 0, signal: o.signal, ...(o.query ? { query: o.query } : {}), ...(o.accept ? { accept: o.accept } : {}) });
      if (!res.ok) throw await apiError(res);
      return res;
    },
    reader: {
      async get(type, name, namespace, signal) {
        const r = await preferred(type, signal);
        return r ? client.get(r, name, namespace, signal) : null;
      },
      async list(type, options = {}) {
        const r = await preferred(type, options.signal);
        return r ? (await client.list(r, options)).items : [];
      },
    },
    close: () => transport.close(),
  };

  async function preferred(type: { group: string; resource: string }, signal?: AbortSignal): Promise<ResourceInfo | null> {
    const all = await discovery.preferredResources(signal);
    return all.find((r) => r.group === type.group && r.resource === type.resource) ?? null;
  }
  return client;
}
