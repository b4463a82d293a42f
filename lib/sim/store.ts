/**
 * Object store of a simulated cluster: objects indexed by resource type, listed
 * in etcd key order (namespace, then name) like kube-apiserver, with the
 * change history watches read.
 *
 * Guarantees:
 * - Objects handed out are never mutated afterwards: a write stores a new
 *   object, so a list taken before a change keeps describing the old state
 *   (and watch history can hold both versions).
 * - Every write takes the next resourceVersion of one cluster-wide counter,
 *   as etcd revisions do; `resourceVersion` is the latest.
 * - The history keeps the last {@link HISTORY_LIMIT} changes. A watch may
 *   resume from any resourceVersion at or after {@link Store.oldestResourceVersion};
 *   older ones are "too old" (410 Expired), like a compacted etcd.
 * - core/v1 and events.k8s.io/v1 Events are one storage, as in kube-apiserver:
 *   a write to a core Event changes its events.k8s.io view at the same
 *   resourceVersion. (Only that direction: an events.k8s.io object written
 *   directly stays in that view.)
 * - metrics.k8s.io types are computed from pods and nodes when read
 *   (see metrics.ts), with the scenario's overrides; they cannot be written.
 */
import type { KubeObject } from "./_k8s.ts";
import { RESOURCE_TYPES, type ResourceType, groupVersionOf } from "./discovery.ts";
import { nodeMetrics, podMetrics } from "./metrics.ts";
import type { ContainerLogs, Scenario } from "./_scenario-types.ts";
import type { Selector } from "./selectors.ts";

/** What a write did, as watch events name it. */
export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

/** One write, as kept in the history and sent to subscribers. */
export interface StoreChange {
  type: ChangeType;
  resource: ResourceType;
  /** The object after the write; for DELETED, its last state carrying the deletion's resourceVersion. */
  object: KubeObject;
  /** The object before the write (MODIFIED, DELETED). */
  previous?: KubeObject;
  /** The write's resourceVersion. */
  resourceVersion: number;
}

/** How many changes the history keeps (kube-apiserver's watch cache keeps a similar bounded window). */
export const HISTORY_LIMIT = 1000;

/** Lookup and writes over one scenario's objects. */
export interface Store {
  /** Objects of `type`, in one namespace or (`null`) across all, filtered by `selectors`. */
  list(type: ResourceType, namespace: string | null, selectors?: Selector[]): KubeObject[];
  /** One object, or null. `namespace` is ignored for cluster-scoped types. */
  get(type: ResourceType, namespace: string | null, name: string): KubeObject | null;
  /** Logs of one container, or null when the scenario recorded none. */
  logs(namespace: string, pod: string, container: string): ContainerLogs | null;
  /** The highest resourceVersion, reported as the list resourceVersion. */
  readonly resourceVersion: string;
  /** The oldest resourceVersion a watch can resume from. */
  readonly oldestResourceVersion: number;
  /** Stores a new object; throws when it exists or its type cannot be written. */
  create(type: ResourceType, obj: KubeObject): KubeObject;
  /** Replaces an existing object (same name and namespace); throws when it is missing. */
  replace(type: ResourceType, obj: KubeObject): KubeObject;
  /** Deletes an object and returns its last state; throws when it is missing. */
  delete(type: ResourceType, namespace: string | null, name: string): KubeObject;
  /** Changes after `resourceVersion`, oldest first; null when the history no longer reaches back that far. */
  changesSince(resourceVersion: number): StoreChange[] | null;
  /** Calls `listener` after every write; returns the unsubscribe function. */
  subscribe(listener: (change: StoreChange) => void): () => void;
}

/**
 * The events.k8s.io/v1 view of a core/v1 Event. kube-apiserver serves both from
 * one storage, so the simulated cluster derives one from the other.
 */
export function toEventsV1(e: KubeObject): KubeObject {
  const src = e as KubeObject & { involvedObject: object; source: object; message: string; reason: string; type: string; count: number; firstTimestamp: string; lastTimestamp: string; reportingComponent?: string; reportingInstance?: string };
  return {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: e.metadata,
    eventTime: null,
    reportingController: src.reportingComponent ?? "",
    reportingInstance: src.reportingInstance ?? "",
    regarding: src.involvedObject,
    reason: src.reason,
    note: src.message,
    type: src.type,
    deprecatedSource: src.source,
    deprecatedFirstTimestamp: src.firstTimestamp,
    deprecatedLastTimestamp: src.lastTimestamp,
    deprecatedCount: src.count,
  };
}

const keyOf = (t: Pick<ResourceType, "group" | "version" | "resource">) => `${t.group}/${t.version}/${t.resource}`;
const sortKey = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
const find = (group: string, resource: string) => RESOURCE_TYPES.find((t) => t.group === group && t.resource === resource);

/** The resource type serving objects of `obj.apiVersion` and `obj.kind`, or null. */
export function typeOfObject(obj: Pick<KubeObject, "apiVersion" | "kind">): ResourceType | null {
  return RESOURCE_TYPES.find((t) => groupVersionOf(t.group, t.version) === obj.apiVersion && t.kind === obj.kind) ?? null;
}

/** Indexes a scenario. Objects whose kind is not a served type are dropped. */
export function createStore(scenario: Scenario): Store {
  const byType = new Map<string, KubeObject[]>();
  const coreEvents = find("", "events");
  const eventsV1 = find("events.k8s.io", "events");
  const pods = find("", "pods");
  const nodes = find("", "nodes");
  let rv = 0;
  const listOf = (type: ResourceType): KubeObject[] => {
    let list = byType.get(keyOf(type));
    if (!list) byType.set(keyOf(type), (list = []));
    return list;
  };
  const indexOf = (list: KubeObject[], key: string): number => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sortKey(list[mid] as KubeObject) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const at = (type: ResourceType, namespace: string | null, name: string): { list: KubeObject[]; i: number } | null => {
    const list = listOf(type);
    const i = indexOf(list, `${type.namespaced ? (namespace ?? "") : ""}/${name}`);
    const o = list[i];
    return o && o.metadata.name === name && (!type.namespaced || o.metadata.namespace === namespace) ? { list, i } : null;
  };

  for (const o of scenario.objects) {
    const type = typeOfObject(o);
    if (!type) continue;
    listOf(type).push(o);
    rv = Math.max(rv, Number(o.metadata.resourceVersion) || 0);
    if (type === coreEvents && eventsV1) listOf(eventsV1).push(toEventsV1(o));
  }
  for (const list of byType.values()) list.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));

  const history: StoreChange[] = [];
  let oldest = rv;
  const listeners = new Set<(c: StoreChange) => void>();

  const writable = (type: ResourceType) => {
    if (type.group === "metrics.k8s.io") throw new Error(`${type.resource}.${type.group} is computed from pods and nodes and cannot be written`);
  };
  const record = (change: StoreChange) => {
    history.push(change);
    if (history.length > HISTORY_LIMIT) oldest = (history.shift() as StoreChange).resourceVersion;
    for (const l of [...listeners]) l(change);
  };
  /** Applies one write to `type` (and the events.k8s.io view of a core Event) at resourceVersion `version`. */
  const apply = (type: ResourceType, kind: ChangeType, next: KubeObject, version: number): void => {
    const ns = type.namespaced ? (next.metadata.namespace ?? null) : null;
    const found = at(type, ns, next.metadata.name);
    const previous = found ? found.list[found.i] : undefined;
    if (kind === "DELETED") found?.list.splice(found.i, 1);
    else if (found) found.list[found.i] = next;
    else {
      const list = listOf(type);
      list.splice(indexOf(list, sortKey(next)), 0, next);
    }
    record({ type: kind, resource: type, object: next, ...(previous ? { previous } : {}), resourceVersion: version });
    if (type === coreEvents && eventsV1) apply(eventsV1, kind, toEventsV1(next), version);
  };
  const stamp = (o: KubeObject, version: number): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: String(version) } });

  const list = (type: ResourceType, namespace: string | null, selectors: Selector[] = []): KubeObject[] => {
    let all: KubeObject[];
    if (type.group === "metrics.k8s.io") {
      const now = Date.now();
      const podList = pods ? listOf(pods) : [];
      all = type.resource === "pods"
        ? podList.map((p) => podMetrics(p, now, scenario.metrics)).filter((m): m is KubeObject => m !== null)
        : (nodes ? listOf(nodes) : []).map((n) => nodeMetrics(n, podList, now, scenario.metrics));
    } else all = listOf(type);
    return all.filter((o) => (namespace === null || !type.namespaced || o.metadata.namespace === namespace) && selectors.every((s) => s(o)));
  };

  return {
    get resourceVersion() {
      return String(rv);
    },
    get oldestResourceVersion() {
      return oldest;
    },
    list,
    get(type, namespace, name) {
      if (type.group === "metrics.k8s.io") return list(type, type.namespaced ? namespace : null).find((o) => o.metadata.name === name) ?? null;
      const found = at(type, namespace, name);
      return found ? (found.list[found.i] as KubeObject) : null;
    },
    logs(namespace, pod, container) {
      return scenario.logs.get(`${namespace}/${pod}/${container}`) ?? null;
    },
    create(type, obj) {
      writable(type);
      if (at(type, obj.metadata.namespace ?? null, obj.metadata.name)) {
        throw new Error(`${type.resource} "${obj.metadata.name}" already exists`);
      }
      const next = stamp(obj, ++rv);
      apply(type, "ADDED", next, rv);
      return next;
    },
    replace(type, obj) {
      writable(type);
      if (!at(type, obj.metadata.namespace ?? null, obj.metadata.name)) throw new Error(`${type.resource} "${obj.metadata.name}" not found`);
      const next = stamp(obj, ++rv);
      apply(type, "MODIFIED", next, rv);
      return next;
    },
    delete(type, namespace, name) {
      writable(type);
      const found = at(type, namespace, name);
      if (!found) throw new Error(`${type.resource} "${name}" not found`);
      const last = stamp(found.list[found.i] as KubeObject, ++rv);
      apply(type, "DELETED", last, rv);
      return last;
    },
    changesSince(resourceVersion) {
      if (resourceVersion < oldest) return null;
      return history.filter((c) => c.resourceVersion > resourceVersion);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
