/**
 * Read-only object store of a simulated cluster: objects indexed by resource
 * type, listed in etcd key order (namespace, then name) like kube-apiserver.
 */
import type { KubeObject } from "./_k8s.ts";
import { RESOURCE_TYPES, type ResourceType, groupVersionOf } from "./discovery.ts";
import type { ContainerLogs, Scenario } from "./scenario.ts";
import type { Selector } from "./selectors.ts";

/** Lookup over one scenario's objects. */
export interface Store {
  /** Objects of `type`, in one namespace or (`null`) across all, filtered by `selectors`. */
  list(type: ResourceType, namespace: string | null, selectors?: Selector[]): KubeObject[];
  /** One object, or null. `namespace` is ignored for cluster-scoped types. */
  get(type: ResourceType, namespace: string | null, name: string): KubeObject | null;
  /** Logs of one container, or null when the scenario recorded none. */
  logs(namespace: string, pod: string, container: string): ContainerLogs | null;
  /** The highest resourceVersion, reported as the list resourceVersion. */
  resourceVersion: string;
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

/** Indexes a scenario. Objects whose kind is not a served type are dropped. */
export function createStore(scenario: Scenario): Store {
  const byType = new Map<string, KubeObject[]>();
  let maxRv = 0;
  const put = (type: ResourceType, o: KubeObject) => {
    const list = byType.get(keyOf(type)) ?? [];
    list.push(o);
    byType.set(keyOf(type), list);
    maxRv = Math.max(maxRv, Number(o.metadata.resourceVersion) || 0);
  };
  for (const o of scenario.objects) {
    const type = RESOURCE_TYPES.find((t) => groupVersionOf(t.group, t.version) === o.apiVersion && t.kind === o.kind);
    if (!type) continue;
    put(type, o);
    if (o.kind === "Event" && o.apiVersion === "v1") {
      const v1 = RESOURCE_TYPES.find((t) => t.group === "events.k8s.io" && t.resource === "events");
      if (v1) put(v1, toEventsV1(o));
    }
  }
  const sortKey = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  const order = (a: KubeObject, b: KubeObject) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0);
  for (const list of byType.values()) list.sort(order);

  return {
    resourceVersion: String(maxRv),
    list(type, namespace, selectors = []) {
      const all = byType.get(keyOf(type)) ?? [];
      return all.filter((o) => (namespace === null || !type.namespaced || o.metadata.namespace === namespace) && selectors.every((s) => s(o)));
    },
    get(type, namespace, name) {
      const all = byType.get(keyOf(type)) ?? [];
      return all.find((o) => o.metadata.name === name && (!type.namespaced || o.metadata.namespace === namespace)) ?? null;
    },
    logs(namespace, pod, container) {
      return scenario.logs.get(`${namespace}/${pod}/${container}`) ?? null;
    },
  };
}
