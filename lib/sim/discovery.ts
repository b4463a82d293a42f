/**
 * API discovery for the simulated cluster: the resource types it serves and the
 * documents kubectl reads to map `kubectl get po` to `/api/v1/.../pods`.
 * Both the aggregated (apidiscovery.k8s.io/v2) and the legacy per-group-version
 * documents are derived from the one table below, so they can never disagree.
 */

/** One served resource type, as discovery describes it. */
export interface ResourceType {
  /** API group; `""` is the core group. */
  group: string;
  version: string;
  /** Plural resource name used in URLs (`pods`). */
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  verbs: readonly string[];
  shortNames?: readonly string[];
  categories?: readonly string[];
  subresources?: readonly Subresource[];
}

/** A subresource such as `pods/log`. */
export interface Subresource {
  name: string;
  /** Kind returned by the subresource; the parent's kind when omitted. */
  kind?: string;
  group?: string;
  version?: string;
  verbs: readonly string[];
}

const RW = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] as const;
const RW_NO_COLLECTION = ["create", "delete", "get", "list", "patch", "update", "watch"] as const;
const CREATE = ["create"] as const;
const STATUS: Subresource = { name: "status", verbs: ["get", "patch", "update"] };
const SCALE: Subresource = { name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"] };
const ALL = ["all"] as const;
const METRICS_VERBS = ["get", "list"] as const;

function core(resource: string, kind: string, namespaced: boolean, rest: Partial<ResourceType> = {}): ResourceType {
  return { group: "", version: "v1", resource, kind, singular: kind.toLowerCase(), namespaced, verbs: RW, ...rest };
}

function grouped(group: string, version: string, resource: string, kind: string, namespaced: boolean, rest: Partial<ResourceType> = {}): ResourceType {
  return { group, version, resource, kind, singular: kind.toLowerCase(), namespaced, verbs: RW, ...rest };
}

/**
 * Every resource type the simulated cluster advertises, in the order a v1.32
 * kube-apiserver lists them, then metrics.k8s.io as metrics-server adds it.
 * Types without scenario objects answer empty lists, so `kubectl get all` and
 * `kubectl get jobs` behave as on a quiet real cluster. Every type with the
 * `get` verb answers a server-side Table (see table.ts).
 */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  core("bindings", "Binding", true, { verbs: CREATE }),
  core("configmaps", "ConfigMap", true, { shortNames: ["cm"] }),
  core("endpoints", "Endpoints", true, { singular: "endpoints", shortNames: ["ep"] }),
  core("events", "Event", true, { shortNames: ["ev"] }),
  core("limitranges", "LimitRange", true, { shortNames: ["limits"] }),
  core("namespaces", "Namespace", false, { verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: ["ns"], subresources: [{ name: "finalize", verbs: ["update"] }, STATUS] }),
  core("nodes", "Node", false, { shortNames: ["no"], subresources: [{ name: "proxy", kind: "NodeProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] }, STATUS] }),
  core("persistentvolumeclaims", "PersistentVolumeClaim", true, { shortNames: ["pvc"], subresources: [STATUS] }),
  core("persistentvolumes", "PersistentVolume", false, { shortNames: ["pv"], subresources: [STATUS] }),
  core("pods", "Pod", true, {
    shortNames: ["po"],
    categories: ALL,
    subresources: [
      { name: "attach", kind: "PodAttachOptions", verbs: ["create", "get"] },
      { name: "binding", kind: "Binding", verbs: ["create"] },
      { name: "ephemeralcontainers", verbs: ["get", "patch", "update"] },
      { name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
      { name: "exec", kind: "PodExecOptions", verbs: ["create", "get"] },
      { name: "log", verbs: ["get"] },
      { name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"] },
      { name: "proxy", kind: "PodProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] },
      { name: "resize", verbs: ["get", "patch", "update"] },
      STATUS,
    ],
  }),
  core("podtemplates", "PodTemplate", true),
  core("replicationcontrollers", "ReplicationController", true, { shortNames: ["rc"], categories: ALL, subresources: [SCALE, STATUS] }),
  core("resourcequotas", "ResourceQuota", true, { shortNames: ["quota"], subresources: [STATUS] }),
  core("secrets", "Secret", true),
  core("serviceaccounts", "ServiceAccount", true, { shortNames: ["sa"], subresources: [{ name: "token", kind: "TokenRequest", group: "authentication.k8s.io", version: "v1", verbs: ["create"] }] }),
  core("services", "Service", true, { verbs: RW_NO_COLLECTION, shortNames: ["svc"], categories: ALL, subresources: [{ name: "proxy", kind: "ServiceProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] }, STATUS] }),
  grouped("apps", "v1", "controllerrevisions", "ControllerRevision", true),
  grouped("apps", "v1", "daemonsets", "DaemonSet", true, { shortNames: ["ds"], categories: ALL, subresources: [STATUS] }),
  grouped("apps", "v1", "deployments", "Deployment", true, { shortNames: ["deploy"], categories: ALL, subresources: [SCALE, STATUS] }),
  grouped("apps", "v1", "replicasets", "ReplicaSet", true, { shortNames: ["rs"], categories: ALL, subresources: [SCALE, STATUS] }),
  grouped("apps", "v1", "statefulsets", "StatefulSet", true, { shortNames: ["sts"], categories: ALL, subresources: [SCALE, STATUS] }),
  // No short name: two resources sharing `ev` make kubectl 1.32 warn on every `get ev`.
  grouped("events.k8s.io", "v1", "events", "Event", true),
  grouped("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false, { verbs: CREATE }),
  grouped("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", false, { verbs: CREATE }),
  grouped("authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", true, { verbs: CREATE }),
  grouped("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, { verbs: CREATE }),
  grouped("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false, { verbs: CREATE }),
  grouped("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", false, { verbs: CREATE }),
  grouped("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, { shortNames: ["hpa"], categories: ALL, subresources: [STATUS] }),
  grouped("batch", "v1", "cronjobs", "CronJob", true, { shortNames: ["cj"], categories: ALL, subresources: [STATUS] }),
  grouped("batch", "v1", "jobs", "Job", true, { categories: ALL, subresources: [STATUS] }),
  grouped("networking.k8s.io", "v1", "ingressclasses", "IngressClass", false),
  grouped("networking.k8s.io", "v1", "ingresses", "Ingress", true, { shortNames: ["ing"], subresources: [STATUS] }),
  grouped("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, { shortNames: ["netpol"] }),
  grouped("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, { shortNames: ["pdb"], subresources: [STATUS] }),
  grouped("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
  grouped("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
  grouped("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
  grouped("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
  grouped("storage.k8s.io", "v1", "csidrivers", "CSIDriver", false),
  grouped("storage.k8s.io", "v1", "csinodes", "CSINode", false),
  grouped("storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity", true),
  grouped("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, { shortNames: ["sc"] }),
  grouped("storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment", false, { subresources: [STATUS] }),
  grouped("coordination.k8s.io", "v1", "leases", "Lease", true),
  grouped("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
  // Served by metrics-server through the aggregator in a real cluster: read-only,
  // no watch, and an empty singularName (clients fall back to the lower-cased kind).
  grouped("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", false, { verbs: METRICS_VERBS, singular: "" }),
  grouped("metrics.k8s.io", "v1beta1", "pods", "PodMetrics", true, { verbs: METRICS_VERBS, singular: "" }),
];

/** `group/version`, or `version` for the core group, as used in `apiVersion` fields. */
export function groupVersionOf(group: string, version: string): string {
  return group === "" ? version : `${group}/${version}`;
}

/** The resource type served at `group/version/resource`, or null. */
export function findResourceType(group: string, version: string, resource: string): ResourceType | null {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.resource === resource) ?? null;
}

/**
 * The resource type kubectl would pick for `spec`: a plural (`pods`), singular
 * (`pod`), short name (`po`) or kind (`Pod`), optionally qualified by group
 * (`deployments.apps`, `events.events.k8s.io`). Unqualified names prefer the
 * core group, then discovery order, as kubectl's RESTMapper does; null when
 * nothing matches.
 */
export function resolveResourceType(spec: string): ResourceType | null {
  const dot = spec.indexOf(".");
  const name = dot < 0 ? spec : spec.slice(0, dot);
  const group = dot < 0 ? null : spec.slice(dot + 1);
  const lower = name.toLowerCase();
  const named = (t: ResourceType) =>
    t.resource === lower || t.singular === lower || t.kind.toLowerCase() === lower || (t.shortNames ?? []).includes(lower);
  return RESOURCE_TYPES.find((t) => (group === null || t.group === group) && named(t)) ?? null;
}

/** Served non-core groups with their versions, in discovery order. */
export function apiGroups(): { name: string; versions: string[] }[] {
  const groups: { name: string; versions: string[] }[] = [];
  for (const t of RESOURCE_TYPES) {
    if (t.group === "") continue;
    let g = groups.find((x) => x.name === t.group);
    if (!g) groups.push((g = { name: t.group, versions: [] }));
    if (!g.versions.includes(t.version)) g.versions.push(t.version);
  }
  return groups;
}

/** Whether `group/version` is served (core is `("", "v1")`). */
export function isServedGroupVersion(group: string, version: string): boolean {
  return RESOURCE_TYPES.some((t) => t.group === group && t.version === version);
}

/** Legacy `GET /api` body. */
export function apiVersionsDocument(): object {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "10.0.1.10:6443" }],
  };
}

function groupDocument(g: { name: string; versions: string[] }): object {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

/** Legacy `GET /apis` body. */
export function apiGroupListDocument(): object {
  return { kind: "APIGroupList", apiVersion: "v1", groups: apiGroups().map(groupDocument) };
}

/** Legacy `GET /apis/<group>` body, or null when the group is not served. */
export function apiGroupDocument(group: string): object | null {
  const g = apiGroups().find((x) => x.name === group);
  return g ? { kind: "APIGroup", apiVersion: "v1", ...groupDocument(g) } : null;
}

/** Legacy `GET /api/v1` or `GET /apis/<group>/<version>` body, or null when not served. */
export function apiResourceListDocument(group: string, version: string): object | null {
  if (!isServedGroupVersion(group, version)) return null;
  const resources: object[] = [];
  for (const t of RESOURCE_TYPES) {
    if (t.group !== group || t.version !== version) continue;
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
    });
    for (const s of t.subresources ?? []) {
      resources.push({
        name: `${t.resource}/${s.name}`,
        singularName: "",
        namespaced: t.namespaced,
        ...(s.group ? { group: s.group, version: s.version } : {}),
        kind: s.kind ?? t.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: groupVersionOf(group, version), resources };
}

/** Media-type parameters identifying an aggregated discovery document version. */
export type AggregatedDiscoveryVersion = "v2" | "v2beta1";

/**
 * Aggregated discovery (`apidiscovery.k8s.io/v2`) for `/api` (core only) or
 * `/apis` (every other group). kubectl 1.32 asks for it first; answering it
 * saves one request per group-version.
 */
export function aggregatedDiscoveryDocument(root: "api" | "apis", version: AggregatedDiscoveryVersion): object {
  const groups = root === "api" ? [{ name: "", versions: ["v1"] }] : apiGroups();
  const items = groups.map((g) => ({
    metadata: { name: g.name, creationTimestamp: null },
    versions: g.versions.map((v) => ({
      version: v,
      resources: RESOURCE_TYPES.filter((t) => t.group === g.name && t.version === v).map((t) => ({
        resource: t.resource,
        responseKind: { group: t.group, version: t.version, kind: t.kind },
        scope: t.namespaced ? "Namespaced" : "Cluster",
        singularResource: t.singular,
        verbs: t.verbs,
        ...(t.shortNames ? { shortNames: t.shortNames } : {}),
        ...(t.categories ? { categories: t.categories } : {}),
        ...(t.subresources
          ? {
              subresources: t.subresources.map((s) => ({
                subresource: s.name,
                responseKind: { group: s.group ?? t.group, version: s.version ?? t.version, kind: s.kind ?? t.kind },
                verbs: s.verbs,
              })),
            }
          : {}),
      })),
      freshness: "Current",
    })),
  }));
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

/** Server build info for `GET /version`. */
export const VERSION_INFO = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.4",
  gitCommit: "59526cd4867447956156ae3a602fcbac10a2c335",
  gitTreeState: "clean",
  buildDate: "2025-04-22T16:03:15Z",
  goVersion: "go1.23.6",
  compiler: "gc",
  platform: "linux/amd64",
} as const;
