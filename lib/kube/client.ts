/**
 * Typed reads over the transport and discovery: server-side Tables, object
 * lists and gets, log and watch streams, and the one POST a reader needs
 * (self access reviews). Every call takes an AbortSignal and has a deadline.
 */
import type { KubeObject, KubeReader, ListOptions, ResourceInfo } from "./_types.ts";
import { type KubeConnectionOptions, loadConnection } from "./config.ts";
import { type Discovery, type DiscoveryOptions, createDiscovery, resourcePath } from "./discovery.ts";
import { type KubeTransport, KubeApiError, apiError, createTransport } from "./transport.ts";

/** A server-side Table (meta.k8s.io/v1). */
export interface KubeTable {
  columnDefinitions: { name: string; type: string; format?: string; priority?: number }[];
  rows: { cells: unknown[]; object?: { metadata?: KubeObject["metadata"] } }[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** Asks for a Table, falling back to plain JSON on servers that cannot print one (as kubectl asks). */
export const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/** A page size for lists, like kubectl's default `--chunk-size`. */
const CHUNK = 500;

/** Options for {@link createKubeClient}. */
export interface KubeClientOptions extends KubeConnectionOptions {
  discovery?: DiscoveryOptions;
  /** Deadline of one non-streaming request. @default 30000 */
  timeoutMs?: number;
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
  table(r: ResourceInfo, options: ListOptions & { name?: string; includeObject?: "Metadata" | "Object"; timeoutMs?: number }): Promise<KubeTable>;
  /** Lists objects; pages are joined; each item gets the list's apiVersion and kind (kubectl shows them). */
  list(r: ResourceInfo, options?: ListOptions & { timeoutMs?: number }): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** Lists a collection path's items as the server sent them (no kind on items); pages are joined. */
  listPath(path: string, options?: Omit<ListOptions, "namespace"> & { timeoutMs?: number }): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** One object, or null when it does not exist. */
  get(r: ResourceInfo, name: string, namespace?: string, signal?: AbortSignal): Promise<KubeObject | null>;
  /** GET of any path as JSON; a failure throws {@link KubeApiError}. */
  getJson<T>(path: string, options?: { query?: Record<string, string | number | boolean | undefined>; signal?: AbortSignal; accept?: string }): Promise<T>;
  /** POST of a JSON body; a failure throws {@link KubeApiError}. */
  postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
  /** Opens a streaming GET (logs, watches): the response once its headers arrived; a failure throws. */
  stream(path: string, options: { query?: Record<string, string | number | boolean | undefined>; accept?: string; signal: AbortSignal; timeoutMs: number }): Promise<Response>;
  close(): Promise<void>;
}

/** Connects to the cluster the options (or kubectl's defaults) name. */
export async function createKubeClient(options: KubeClientOptions = {}): Promise<KubeClient> {
  const transport = await createTransport(await loadConnection(options));
  return kubeClientOver(transport, options);
}

/** A client over an open transport. */
export function kubeClientOver(transport: KubeTransport, options: Pick<KubeClientOptions, "discovery" | "timeoutMs"> = {}): KubeClient {
  const discovery = createDiscovery(transport, options.discovery);
  const timeoutMs = options.timeoutMs ?? 30_000;

  const getJson = async <T>(path: string, o: { query?: Record<string, string | number | boolean | undefined>; signal?: AbortSignal; accept?: string; timeoutMs?: number } = {}): Promise<T> => {
    const res = await transport.request(path, { timeoutMs: o.timeoutMs ?? timeoutMs, ...(o.query ? { query: o.query } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(o.accept ? { accept: o.accept } : {}) });
    if (!res.ok) throw await apiError(res);
    return (await res.json()) as T;
  };

  /** Follows `continue` tokens, joining what `join` takes from each page. */
  async function paged<P extends { metadata?: { resourceVersion?: string; continue?: string } }>(path: string, query: Record<string, string | number | undefined>, o: { signal?: AbortSignal; accept?: string; timeoutMs?: number }, join: (page: P) => void): Promise<P> {
    let first: P | undefined;
    let cont: string | undefined;
    do {
      const page = await getJson<P>(path, { ...o, query: { ...query, limit: CHUNK, ...(cont ? { continue: cont } : {}) } });
      first ??= page;
      if (page !== first) join(page);
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return first!;
  }

  const selectors = (o: ListOptions) => ({ labelSelector: o.labelSelector || undefined, fieldSelector: o.fieldSelector || undefined });

  const client: KubeClient = {
    transport,
    discovery,
    namespace: transport.namespace,
    async table(r, o) {
      const path = resourcePath(r, o.namespace, o.name);
      const common = { accept: TABLE_ACCEPT, ...(o.signal ? { signal: o.signal } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) };
      if (o.name !== undefined) return getJson<KubeTable>(path, { ...common, ...(o.includeObject ? { query: { includeObject: o.includeObject } } : {}) });
      const first = await paged<KubeTable>(path, { ...selectors(o), includeObject: o.includeObject }, common, (page) => first.rows.push(...(page.rows ?? [])));
      first.rows ??= [];
      return first;
    },
    async listPath(path, o = {}) {
      type ListDoc = { items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } };
      const first = await paged<ListDoc>(path, selectors(o), { ...(o.signal ? { signal: o.signal } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) }, (page) => first.items!.push(...(page.items ?? [])));
      return { items: first.items ?? [], resourceVersion: first.metadata?.resourceVersion ?? "" };
    },
    async list(r, o = {}) {
      const { items, resourceVersion } = await client.listPath(resourcePath(r, o.namespace), o);
      const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
      return { items: items.map((item) => ({ apiVersion, kind: r.kind, ...item })), resourceVersion };
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
      return (await res.json()) as T;
    },
    async stream(path, o) {
      const res = await transport.request(path, { timeoutMs: o.timeoutMs, signal: o.signal, ...(o.query ? { query: o.query } : {}), ...(o.accept ? { accept: o.accept } : {}) });
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
