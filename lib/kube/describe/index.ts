/**
 * `kubectl describe` without kubectl: each object is rendered by the describer
 * kubectl would pick for its group/kind, from the object and the related
 * objects it reads through a {@link KubeReader}, byte for byte as kubectl 1.32
 * prints it.
 *
 * @example
 * const pods = await reader.list({ group: "", resource: "pods" }, { namespace: "shop" });
 * const text = await describeObjects(pods.map((p) => ({ ...p, apiVersion: "v1", kind: "Pod" })), reader, { now: Date.now() });
 */
import { KubentlyError } from "../../errors.ts";
import type { KubeObject, KubeReader } from "../_types.ts";
import type { DescribeContext, Describer } from "./_context.ts";
import { groupOf } from "./_format.ts";
import { describeCronJob, describeJob } from "./batch.ts";
import { describeConfigMap, describeSecret } from "./configmap.ts";
import { describeDaemonSet } from "./daemonset.ts";
import { describeDeployment } from "./deployment.ts";
import { describeEndpointSlice, describeEndpoints } from "./endpoints.ts";
import { describeGeneric } from "./generic.ts";
import { describeNamespace } from "./namespace.ts";
import { describeIngress, describeIngressClass } from "./networking.ts";
import { describeNode } from "./node.ts";
import { describePod } from "./pod.ts";
import { describeLimitRange, describePodDisruptionBudget, describeResourceQuota } from "./policy.ts";
import { describeReplicaSet } from "./replicaset.ts";
import { describeService } from "./service.ts";
import { describeStatefulSet } from "./statefulset.ts";
import { describePersistentVolume, describePersistentVolumeClaim, describeStorageClass } from "./storage.ts";

export type { DescribeContext, Describer } from "./_context.ts";
export { renderCronJob, renderJob } from "./batch.ts";
export { renderConfigMap, renderSecret } from "./configmap.ts";
export { renderDaemonSet } from "./daemonset.ts";
export { renderDeployment, splitReplicaSets } from "./deployment.ts";
export { renderEndpointSlice, renderEndpoints } from "./endpoints.ts";
export { renderEvents } from "./_events.ts";
export { renderGeneric } from "./generic.ts";
export { renderNamespace } from "./namespace.ts";
export { renderIngress, renderIngressClass } from "./networking.ts";
export { renderNode } from "./node.ts";
export { renderPod } from "./pod.ts";
export { renderLimitRange, renderPodDisruptionBudget, renderResourceQuota } from "./policy.ts";
export { renderReplicaSet } from "./replicaset.ts";
export { renderService } from "./service.ts";
export { renderStatefulSet } from "./statefulset.ts";
export { renderPersistentVolume, renderPersistentVolumeClaim, renderStorageClass } from "./storage.ts";

/** `group/Kind`, `""` group for core (`/Pod`, `apps/Deployment`). */
export function groupKindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

/** The describers implemented here, keyed by {@link groupKindKey}. */
export const DESCRIBERS: ReadonlyMap<string, Describer> = new Map<string, Describer>([
  [groupKindKey("", "Pod"), describePod],
  [groupKindKey("", "Service"), describeService],
  [groupKindKey("", "Node"), describeNode],
  [groupKindKey("", "Namespace"), describeNamespace],
  [groupKindKey("", "ConfigMap"), describeConfigMap],
  [groupKindKey("", "Secret"), describeSecret],
  [groupKindKey("", "Endpoints"), describeEndpoints],
  [groupKindKey("", "PersistentVolumeClaim"), describePersistentVolumeClaim],
  [groupKindKey("", "PersistentVolume"), describePersistentVolume],
  [groupKindKey("", "ResourceQuota"), describeResourceQuota],
  [groupKindKey("", "LimitRange"), describeLimitRange],
  [groupKindKey("apps", "Deployment"), describeDeployment],
  [groupKindKey("apps", "ReplicaSet"), describeReplicaSet],
  [groupKindKey("apps", "StatefulSet"), describeStatefulSet],
  [groupKindKey("apps", "DaemonSet"), describeDaemonSet],
  [groupKindKey("discovery.k8s.io", "EndpointSlice"), describeEndpointSlice],
  [groupKindKey("batch", "Job"), describeJob],
  [groupKindKey("batch", "CronJob"), describeCronJob],
  [groupKindKey("networking.k8s.io", "Ingress"), describeIngress],
  [groupKindKey("networking.k8s.io", "IngressClass"), describeIngressClass],
  [groupKindKey("policy", "PodDisruptionBudget"), describePodDisruptionBudget],
  [groupKindKey("storage.k8s.io", "StorageClass"), describeStorageClass],
]);

/**
 * Group/kinds kubectl 1.32 describes with a dedicated describer (its
 * `describerMap`). For these the generic fallback would not match kubectl, so
 * kinds here without an entry in {@link DESCRIBERS} are not describable natively.
 */
export const KUBECTL_DEDICATED: ReadonlySet<string> = new Set(
  [
    ["", "Pod"], ["", "ReplicationController"], ["", "Secret"], ["", "Service"], ["", "ServiceAccount"], ["", "Node"],
    ["", "LimitRange"], ["", "ResourceQuota"], ["", "PersistentVolume"], ["", "PersistentVolumeClaim"], ["", "Namespace"],
    ["", "Endpoints"], ["", "ConfigMap"], ["", "PriorityClass"],
    ["discovery.k8s.io", "EndpointSlice"], ["autoscaling", "HorizontalPodAutoscaler"],
    ["extensions", "Ingress"], ["networking.k8s.io", "Ingress"], ["networking.k8s.io", "IngressClass"],
    ["networking.k8s.io", "ServiceCIDR"], ["networking.k8s.io", "IPAddress"], ["networking.k8s.io", "NetworkPolicy"],
    ["batch", "Job"], ["batch", "CronJob"],
    ["apps", "StatefulSet"], ["apps", "Deployment"], ["apps", "DaemonSet"], ["apps", "ReplicaSet"],
    ["certificates.k8s.io", "CertificateSigningRequest"],
    ["storage.k8s.io", "StorageClass"], ["storage.k8s.io", "CSINode"], ["storage.k8s.io", "VolumeAttributesClass"],
    ["policy", "PodDisruptionBudget"],
    ["rbac.authorization.k8s.io", "Role"], ["rbac.authorization.k8s.io", "ClusterRole"],
    ["rbac.authorization.k8s.io", "RoleBinding"], ["rbac.authorization.k8s.io", "ClusterRoleBinding"],
    ["scheduling.k8s.io", "PriorityClass"],
  ].map(([g = "", k = ""]) => groupKindKey(g, k)),
);

/**
 * The describer kubectl's output for `group`/`kind` comes from: a dedicated
 * one, the generic one for kinds kubectl has no dedicated describer for, or
 * null when kubectl has a dedicated describer that is not implemented here
 * (callers then run the real kubectl).
 */
export function describerFor(group: string, kind: string): Describer | null {
  const key = groupKindKey(group, kind);
  const own = DESCRIBERS.get(key);
  if (own) return own;
  return KUBECTL_DEDICATED.has(key) ? null : describeGeneric;
}

/** True when objects of `group`/`kind` can be described natively with kubectl's exact output. */
export function canDescribe(group: string, kind: string): boolean {
  return describerFor(group, kind) !== null;
}

/** Options for {@link describeObjects}. */
export interface DescribeObjectsOptions {
  /** The clock ages are computed against (epoch ms); pass `Date.now()` for live output. */
  now: number;
  /** Print the Events section (`--show-events`). @default true */
  showEvents?: boolean;
  /** Aborts the related reads. */
  signal?: AbortSignal;
  /** How many objects fetch their related objects at once; output order is unaffected. @default 8 */
  concurrency?: number;
}

/**
 * Renders `objects` as `kubectl describe` prints them: each through its
 * describer, separated by two blank lines (kubectl writes `"\n\n"` between
 * outputs that already end in a newline). Objects must carry `apiVersion` and
 * `kind` (list items from the API server do not: set them from the list type).
 *
 * @throws KubentlyError `VALIDATION_FAILED` when an object lacks `kind`, or
 * `BAD_REQUEST` when kubectl has a dedicated describer for its kind that is
 * not implemented here (check {@link canDescribe} first). A failing read
 * rejects with the reader's error.
 */
export async function describeObjects(objects: readonly KubeObject[], reader: KubeReader, options: DescribeObjectsOptions): Promise<string> {
  const describers = objects.map((o) => {
    if (!o.kind) throw new KubentlyError("VALIDATION_FAILED", `object ${o.metadata?.name ?? "?"} has no kind; set apiVersion and kind before describing`);
    const group = groupOf(o.apiVersion);
    const d = describerFor(group, o.kind);
    if (!d) {
      throw new KubentlyError("BAD_REQUEST", `no native describer for ${o.kind}${group ? `.${group}` : ""}`, { details: { group, kind: o.kind } });
    }
    return d;
  });
  const ctx: DescribeContext = { reader, now: options.now, showEvents: options.showEvents ?? true, ...(options.signal ? { signal: options.signal } : {}) };
  const outputs: string[] = new Array(objects.length);
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const i = next++;
      const o = objects[i] as KubeObject;
      outputs[i] = await (describers[i] as Describer)(o, ctx);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 8, objects.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outputs.join("\n\n");
}
