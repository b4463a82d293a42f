/**
 * The cluster snapshot analyzers read: one read of every kind the running
 * analyzers need, taken at once (the lists run in parallel), indexed for the
 * lookups analyzers make (by name, by owner, events by object).
 *
 * Bounded: each list stops at the native layer's LIST_BYTES (32 MiB of JSON;
 * the kind is then named in `truncated`), events keep the newest
 * {@link MAX_SNAPSHOT_EVENTS}, and managed fields and last-applied annotations
 * are dropped on read (they are the bulk of an object and may hold Secret
 * values). Secrets and ConfigMaps are never read.
 */
import type { KubeClient, KubeObject } from "../kube/index.ts";
import { KubeApiError, releaseResponse, readBounded } from "../kube/transport.ts";

/** What a snapshot can hold, keyed by the name analyzers use. */
export const SNAPSHOT_KINDS = {
  pods: { group: "", resource: "pods", kind: "Pod", namespaced: true },
  deployments: { group: "apps", resource: "deployments", kind: "Deployment", namespaced: true },
  replicasets: { group: "apps", resource: "replicasets", kind: "ReplicaSet", namespaced: true },
  statefulsets: { group: "apps", resource: "statefulsets", kind: "StatefulSet", namespaced: true },
  daemonsets: { group: "apps", resource: "daemonsets", kind: "DaemonSet", namespaced: true },
  jobs: { group: "batch", resource: "jobs", kind: "Job", namespaced: true },
  cronjobs: { group: "batch", resource: "cronjobs", kind: "CronJob", namespaced: true },
  services: { group: "", resource: "services", kind: "Service", namespaced: true },
  endpoints: { group: "", resource: "endpoints", kind: "Endpoints", namespaced: true },
  endpointslices: { group: "discovery.k8s.io", resource: "endpointslices", kind: "EndpointSlice", namespaced: true },
  ingresses: { group: "networking.k8s.io", resource: "ingresses", kind: "Ingress", namespaced: true },
  persistentvolumeclaims: { group: "", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true },
  horizontalpodautoscalers: { group: "autoscaling", resource: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true },
  networkpolicies: { group: "networking.k8s.io", resource: "networkpolicies", kind: "NetworkPolicy", namespaced: true },
  events: { group: "", resource: "events", kind: "Event", namespaced: true },
  nodes: { group: "", resource: "nodes", kind: "Node", namespaced: false },
  /** metrics.k8s.io PodMetrics; absent (and listed in `unavailable`) without metrics-server. */
  podmetrics: { group: "metrics.k8s.io", resource: "pods", kind: "PodMetrics", namespaced: true },
  /** metrics.k8s.io NodeMetrics. */
  nodemetrics: { group: "metrics.k8s.io", resource: "nodes", kind: "NodeMetrics", namespaced: false },
} as const;

/** A kind a snapshot can hold (`pods`, `deployments`, ...). */
export type SnapshotKind = keyof typeof SNAPSHOT_KINDS;

/** Every snapshot kind, in a fixed order. */
export const ALL_SNAPSHOT_KINDS = Object.keys(SNAPSHOT_KINDS) as SnapshotKind[];

/**
 * The events a snapshot reads: every Warning, and the Normal events of
 * PersistentVolumeClaims (binding progress: WaitForFirstConsumer,
 * ExternalProvisioning). Other Normal events (Scheduled, Pulled, Started...)
 * say nothing is wrong; in a busy cluster they are most of the events, and
 * reading them would double a snapshot's memory.
 */
export const EVENT_SELECTORS = ["type=Warning", "type=Normal,involvedObject.kind=PersistentVolumeClaim"] as const;

/** Events kept per snapshot: the newest ones. */
export const MAX_SNAPSHOT_EVENTS = 10_000;

/** One read of the cluster (or of one namespace). */
export interface Snapshot {
  /** The namespace read, or null for every namespace (cluster-scoped kinds are read only then). */
  readonly namespace: string | null;
  /** When the read started (epoch ms). */
  readonly takenAt: number;
  /** The kinds that were read. */
  readonly kinds: readonly SnapshotKind[];
  /** Kinds the cluster does not serve or the agent may not read (no metrics-server, RBAC): read as empty. */
  readonly unavailable: readonly SnapshotKind[];
  /** Kinds with more objects than one snapshot holds: analyzers saw a prefix. */
  readonly truncated: readonly SnapshotKind[];
  /** Every object of a kind (empty when not read). */
  list(kind: SnapshotKind): readonly KubeObject[];
  /** One object by namespace and name (namespace null for cluster-scoped kinds). */
  get(kind: SnapshotKind, namespace: string | null, name: string): KubeObject | undefined;
  /** Objects of a kind in one namespace. */
  inNamespace(kind: SnapshotKind, namespace: string): readonly KubeObject[];
  /** Objects of a kind whose controller owner is `owner` (same namespace, matched by uid, else by kind and name). */
  ownedBy(kind: SnapshotKind, owner: KubeObject): readonly KubeObject[];
  /** Events about one object (by involvedObject kind, namespace and name), newest first. */
  eventsFor(kind: string, namespace: string | null, name: string): readonly KubeObject[];
  /** How many objects the snapshot holds. */
  readonly size: number;
}

/** What {@link createSnapshot} builds from. */
export interface SnapshotInput {
  namespace?: string | null;
  takenAt?: number;
  objects: Partial<Record<SnapshotKind, readonly KubeObject[]>>;
  unavailable?: readonly SnapshotKind[];
  truncated?: readonly SnapshotKind[];
}

const keyOf = (namespace: string | null | undefined, name: string) => `${namespace ?? ""}/${name}`;

/** The time an event last happened (epoch ms; 0 when it says nothing). */
export function eventTime(e: KubeObject): number {
  // A series' eventTime is its first occurrence: its last one is series.lastObservedTime.
  const t = (e.lastTimestamp ?? (e.series as { lastObservedTime?: string } | undefined)?.lastObservedTime ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp) as string | undefined;
  const ms = t ? Date.parse(t) : Number.NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/** Builds a snapshot over objects already read (tests, scenario files, the loader below). */
export function createSnapshot(input: SnapshotInput): Snapshot {
  const lists = new Map<SnapshotKind, readonly KubeObject[]>();
  const byName = new Map<SnapshotKind, Map<string, KubeObject>>();
  const byNamespace = new Map<SnapshotKind, Map<string, KubeObject[]>>();
  const byOwner = new Map<SnapshotKind, Map<string, KubeObject[]>>();
  let size = 0;
  for (const kind of Object.keys(input.objects) as SnapshotKind[]) {
    let items = input.objects[kind] ?? [];
    if (kind === "events") items = [...items].sort((a, b) => eventTime(b) - eventTime(a)).slice(0, MAX_SNAPSHOT_EVENTS);
    lists.set(kind, items);
    size += items.length;
  }
  const index = <V>(cache: Map<SnapshotKind, Map<string, V>>, kind: SnapshotKind, build: (items: readonly KubeObject[]) => Map<string, V>) => {
    let m = cache.get(kind);
    if (!m) cache.set(kind, (m = build(lists.get(kind) ?? [])));
    return m;
  };
  let events: Map<string, KubeObject[]> | null = null;
  const eventIndex = () => {
    if (events) return events;
    events = new Map();
    for (const e of lists.get("events") ?? []) {
      const o = (e.involvedObject ?? e.regarding ?? {}) as { kind?: string; namespace?: string; name?: string };
      const k = `${o.kind ?? ""}|${keyOf(o.namespace || e.metadata.namespace || null, o.name ?? "")}`;
      const list = events.get(k);
      if (list) list.push(e);
      else events.set(k, [e]);
    }
    return events;
  };
  const read = Object.keys(input.objects) as SnapshotKind[];
  return {
    namespace: input.namespace ?? null,
    takenAt: input.takenAt ?? Date.now(),
    kinds: ALL_SNAPSHOT_KINDS.filter((k) => read.includes(k)),
    unavailable: [...(input.unavailable ?? [])],
    truncated: [...(input.truncated ?? [])],
    size,
    list: (kind) => lists.get(kind) ?? [],
    get(kind, namespace, name) {
      const m = index(byName, kind, (items) => new Map(items.map((o) => [keyOf(o.metadata.namespace, o.metadata.name), o])));
      return m.get(keyOf(namespace, name));
    },
    inNamespace(kind, namespace) {
      const m = index(byNamespace, kind, (items) => {
        const out = new Map<string, KubeObject[]>();
        for (const o of items) {
          const ns = o.metadata.namespace ?? "";
          const list = out.get(ns);
          if (list) list.push(o);
          else out.set(ns, [o]);
        }
        return out;
      });
      return m.get(namespace) ?? [];
    },
    ownedBy(kind, owner) {
      const m = index(byOwner, kind, (items) => {
        const out = new Map<string, KubeObject[]>();
        for (const o of items) {
          for (const ref of o.metadata.ownerReferences ?? []) {
            if (!ref.controller) continue;
            for (const k of [`uid:${ref.uid}`, `name:${o.metadata.namespace ?? ""}/${ref.kind}/${ref.name}`]) {
              const list = out.get(k);
              if (list) list.push(o);
              else out.set(k, [o]);
            }
          }
        }
        return out;
      });
      const byUid = owner.metadata.uid ? m.get(`uid:${owner.metadata.uid}`) : undefined;
      if (byUid) return byUid;
      return (m.get(`name:${owner.metadata.namespace ?? ""}/${owner.kind ?? ""}/${owner.metadata.name}`) ?? []).filter((o) => {
        const ref = o.metadata.ownerReferences?.find((r) => r.controller);
        return !owner.metadata.uid || !ref?.uid || ref.uid === owner.metadata.uid;
      });
    },
    eventsFor(kind, namespace, name) {
      return eventIndex().get(`${kind}|${keyOf(namespace, name)}`) ?? [];
    },
  };
}

/** Drops what analyzers never read and what may hold secret values. */
function slim(o: KubeObject): KubeObject {
  const { managedFields: _m, annotations, ...metadata } = o.metadata as KubeObject["metadata"] & { managedFields?: unknown };
  if (annotations && "kubectl.kubernetes.io/last-applied-configuration" in annotations) {
    const { "kubectl.kubernetes.io/last-applied-configuration": _l, ...rest } = annotations;
    return { ...o, metadata: { ...metadata, annotations: rest } };
  }
  return { ...o, metadata: annotations ? { ...metadata, annotations } : metadata };
}

/** Options for {@link loadSnapshot}. */
export interface LoadSnapshotOptions {
  /** One namespace, or null/absent for every namespace (cluster-scoped kinds are read only then). */
  namespace?: string | null;
  /** The kinds to read. */
  kinds: readonly SnapshotKind[];
  signal?: AbortSignal;
  /** Deadline of each list request. @default 20000 */
  timeoutMs?: number;
}

/** Reads a snapshot from the cluster; a kind that cannot be read is listed in `unavailable`, not an error. */
export async function loadSnapshot(client: KubeClient, options: LoadSnapshotOptions): Promise<Snapshot> {
  const takenAt = Date.now();
  const namespace = options.namespace ?? null;
  const resources = await client.discovery.preferredResources(options.signal);
  const wanted = options.kinds.filter((k) => namespace === null || SNAPSHOT_KINDS[k].namespaced);
  const objects: Partial<Record<SnapshotKind, KubeObject[]>> = {};
  const unavailable: SnapshotKind[] = [];
  const truncated: SnapshotKind[] = [];
  const readKind = async (kind: SnapshotKind) => {
      const spec = SNAPSHOT_KINDS[kind];
      const r = resources.find((x) => x.group === spec.group && x.resource === spec.resource);
      if (!r) {
        objects[kind] = [];
        unavailable.push(kind);
        return;
      }
      try {
        const read = (fieldSelector?: string) =>
          client.list(r, { ...(spec.namespaced && namespace ? { namespace } : {}), ...(fieldSelector ? { fieldSelector } : {}), ...(options.signal ? { signal: options.signal } : {}), timeoutMs: options.timeoutMs ?? 20_000 });
        const lists = kind === "events" ? await Promise.all(EVENT_SELECTORS.map(read)) : [await read()];
        objects[kind] = lists.flatMap((l) => l.items.map(slim));
        if (lists.some((l) => l.truncated)) truncated.push(kind);
      } catch (e) {
        // Forbidden or not served: the analyzers that need it see nothing (and say so in the answer). Anything else fails the run.
        if (e instanceof KubeApiError && (e.code === 403 || e.code === 404 || e.code === 503)) {
          objects[kind] = [];
          unavailable.push(kind);
          return;
        }
        throw e;
      }
  };
  await Promise.all(wanted.map(readKind));
  const order = (ks: SnapshotKind[]) => ALL_SNAPSHOT_KINDS.filter((k) => ks.includes(k));
  return createSnapshot({ namespace, takenAt, objects, unavailable: order(unavailable), truncated: order(truncated) });
}

/**
 * The last lines of a container's log (`previous` for the instance that
 * ended), at most `tail`: what analyzers get as `context.logTail`.
 */
export type LogTail = (ref: { namespace: string; pod: string; container: string; previous?: boolean; tail?: number }) => Promise<string[]>;

/** Log reads one diagnosis may make, and the bytes each may return. */
export const LOG_BUDGET = { reads: 20, bytes: 16 * 1024, maxTail: 20 } as const;

/** The log reader analyzers get: bounded reads, failures read as no lines. */
export function clusterLogTail(client: KubeClient, signal?: AbortSignal): LogTail {
  let reads = 0;
  return async ({ namespace, pod, container, previous, tail }) => {
    if (reads >= LOG_BUDGET.reads || signal?.aborted) return [];
    reads++;
    const lines = Math.max(1, Math.min(tail ?? 5, LOG_BUDGET.maxTail));
    try {
      const res = await client.transport.request(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`, {
        query: { container, tailLines: lines, limitBytes: LOG_BUDGET.bytes, ...(previous ? { previous: true } : {}) },
        accept: "*/*",
        timeoutMs: 5_000,
        ...(signal ? { signal } : {}),
      });
      if (!res.ok) {
        releaseResponse(res);
        await res.body?.cancel().catch(() => {});
        return [];
      }
      const text = await readBounded(res, LOG_BUDGET.bytes + 1024);
      return text.split("\n").filter((l) => l.trim() !== "").slice(-lines);
    } catch {
      return [];
    }
  };
}
