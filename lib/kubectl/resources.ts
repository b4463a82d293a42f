/**
 * Resource type spellings and kubectl's resource-argument forms.
 *
 * kubectl resolves a type argument through discovery: the part before the
 * first `.` is the resource (plural, singular, kind, or short name, matched
 * case-insensitively) and the rest is `VERSION.GROUP` or `GROUP`
 * (apimachinery `ParseResourceArg`). We resolve the same first segment
 * against the built-in resources below, so every spelling of a restricted
 * resource (`secret`, `Secret`, `SECRETS`, `secrets.v1.`, `secret.v1`,
 * `Secret/foo`) maps to one canonical plural. A type we do not know is
 * accepted only when it is a plain ASCII DNS-style name (a CRD may be called
 * anything of that shape); restriction compares first segments, so a CRD
 * that reuses a restricted plural in another group is restricted too — a
 * deliberate over-match.
 */

/** A built-in API resource. */
export interface ResourceType {
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly shortNames: readonly string[];
  /** API group; `""` is the core group. */
  readonly group: string;
  readonly namespaced: boolean;
}

const r = (plural: string, singular: string, kind: string, group: string, namespaced: boolean, ...shortNames: string[]): ResourceType =>
  Object.freeze({ plural, singular, kind, group, namespaced, shortNames });

/** The resources a v1.32 cluster serves out of the box (`kubectl api-resources`). */
export const BUILTIN_RESOURCES: readonly ResourceType[] = Object.freeze([
  r("bindings", "binding", "Binding", "", true),
  r("componentstatuses", "componentstatus", "ComponentStatus", "", false, "cs"),
  r("configmaps", "configmap", "ConfigMap", "", true, "cm"),
  r("endpoints", "endpoints", "Endpoints", "", true, "ep"),
  r("events", "event", "Event", "", true, "ev"),
  r("limitranges", "limitrange", "LimitRange", "", true, "limits"),
  r("namespaces", "namespace", "Namespace", "", false, "ns"),
  r("nodes", "node", "Node", "", false, "no"),
  r("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", "", true, "pvc"),
  r("persistentvolumes", "persistentvolume", "PersistentVolume", "", false, "pv"),
  r("pods", "pod", "Pod", "", true, "po"),
  r("podtemplates", "podtemplate", "PodTemplate", "", true),
  r("replicationcontrollers", "replicationcontroller", "ReplicationController", "", true, "rc"),
  r("resourcequotas", "resourcequota", "ResourceQuota", "", true, "quota"),
  r("secrets", "secret", "Secret", "", true),
  r("serviceaccounts", "serviceaccount", "ServiceAccount", "", true, "sa"),
  r("services", "service", "Service", "", true, "svc"),
  r("mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", "admissionregistration.k8s.io", false),
  r("validatingwebhookconfigurations", "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", "admissionregistration.k8s.io", false),
  r("validatingadmissionpolicies", "validatingadmissionpolicy", "ValidatingAdmissionPolicy", "admissionregistration.k8s.io", false),
  r("validatingadmissionpolicybindings", "validatingadmissionpolicybinding", "ValidatingAdmissionPolicyBinding", "admissionregistration.k8s.io", false),
  r("customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", "apiextensions.k8s.io", false, "crd", "crds"),
  r("apiservices", "apiservice", "APIService", "apiregistration.k8s.io", false),
  r("controllerrevisions", "controllerrevision", "ControllerRevision", "apps", true),
  r("daemonsets", "daemonset", "DaemonSet", "apps", true, "ds"),
  r("deployments", "deployment", "Deployment", "apps", true, "deploy"),
  r("replicasets", "replicaset", "ReplicaSet", "apps", true, "rs"),
  r("statefulsets", "statefulset", "StatefulSet", "apps", true, "sts"),
  r("selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", "authentication.k8s.io", false),
  r("tokenreviews", "tokenreview", "TokenReview", "authentication.k8s.io", false),
  r("localsubjectaccessreviews", "localsubjectaccessreview", "LocalSubjectAccessReview", "authorization.k8s.io", true),
  r("selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", "authorization.k8s.io", false),
  r("selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview", "authorization.k8s.io", false),
  r("subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview", "authorization.k8s.io", false),
  r("horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", "autoscaling", true, "hpa"),
  r("cronjobs", "cronjob", "CronJob", "batch", true, "cj"),
  r("jobs", "job", "Job", "batch", true),
  r("certificatesigningrequests", "certificatesigningrequest", "CertificateSigningRequest", "certificates.k8s.io", false, "csr"),
  r("leases", "lease", "Lease", "coordination.k8s.io", true),
  r("endpointslices", "endpointslice", "EndpointSlice", "discovery.k8s.io", true),
  r("flowschemas", "flowschema", "FlowSchema", "flowcontrol.apiserver.k8s.io", false),
  r("prioritylevelconfigurations", "prioritylevelconfiguration", "PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io", false),
  r("ingressclasses", "ingressclass", "IngressClass", "networking.k8s.io", false),
  r("ingresses", "ingress", "Ingress", "networking.k8s.io", true, "ing"),
  r("networkpolicies", "networkpolicy", "NetworkPolicy", "networking.k8s.io", true, "netpol"),
  r("runtimeclasses", "runtimeclass", "RuntimeClass", "node.k8s.io", false),
  r("poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", "policy", true, "pdb"),
  r("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", "rbac.authorization.k8s.io", false),
  r("clusterroles", "clusterrole", "ClusterRole", "rbac.authorization.k8s.io", false),
  r("rolebindings", "rolebinding", "RoleBinding", "rbac.authorization.k8s.io", true),
  r("roles", "role", "Role", "rbac.authorization.k8s.io", true),
  r("priorityclasses", "priorityclass", "PriorityClass", "scheduling.k8s.io", false, "pc"),
  r("csidrivers", "csidriver", "CSIDriver", "storage.k8s.io", false),
  r("csinodes", "csinode", "CSINode", "storage.k8s.io", false),
  r("csistoragecapacities", "csistoragecapacity", "CSIStorageCapacity", "storage.k8s.io", true),
  r("storageclasses", "storageclass", "StorageClass", "storage.k8s.io", false, "sc"),
  r("volumeattachments", "volumeattachment", "VolumeAttachment", "storage.k8s.io", false),
]);

/** What `kubectl get all` expands to (the built-in members of the `all` category). */
export const ALL_CATEGORY: readonly string[] = Object.freeze([
  "pods", "replicationcontrollers", "services", "daemonsets", "deployments",
  "replicasets", "statefulsets", "horizontalpodautoscalers", "cronjobs", "jobs",
]);

const ALIASES: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  // Later entries never override earlier ones, so core resources win like kubectl's discovery priority.
  for (const t of BUILTIN_RESOURCES) {
    for (const s of [t.plural, t.singular, t.kind.toLowerCase(), ...t.shortNames]) if (!m.has(s)) m.set(s, t.plural);
  }
  return m;
})();

const SEGMENT = "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?";
// TYPE[.VERSION][.GROUP], ASCII only, optionally ending in "." (`secrets.v1.` means core v1).
const TYPE_RE = new RegExp(`^${SEGMENT}(\\.${SEGMENT})*\\.?$`);
// Object names: DNS subdomains plus the `:` RBAC names use; never a leading `-` (it would read as a flag).
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@+~-]*$/;
/** Longest resource type or object name accepted (a DNS subdomain's limit). */
export const MAX_NAME_LENGTH = 253;

/** A resolved resource argument. `name` is absent for "every object of the type". */
export interface ResourceRef {
  /** Canonical plural for built-in types (`secrets`), else the lowercased spelling (`foos.example.com`). */
  resource: string;
  name?: string;
}

/** The outcome of resolving one spelling. */
export type ResolveResult = { ok: true; resource: string; known: boolean } | { ok: false; reason: string };

/**
 * Resolves a type spelling (`po`, `Pod`, `pods.v1.`, `deployments.apps`,
 * `all`) to its canonical plural. Non-ASCII, empty, or otherwise
 * malformed spellings fail: they are checked before lowercasing so a
 * look-alike such as the Kelvin sign cannot fold into an ASCII name.
 */
export function resolveResourceType(spelling: string): ResolveResult {
  if (spelling.length === 0 || spelling.length > MAX_NAME_LENGTH || !TYPE_RE.test(spelling)) {
    return { ok: false, reason: `"${spelling}" is not a valid resource type` };
  }
  const lower = spelling.toLowerCase();
  const first = lower.split(".", 1)[0] ?? lower;
  if (first === "all") return { ok: true, resource: "all", known: true };
  const plural = ALIASES.get(first);
  if (plural !== undefined) return { ok: true, resource: plural, known: true };
  return { ok: true, resource: lower.endsWith(".") ? lower.slice(0, -1) : lower, known: false };
}

/** The key two spellings share when they name the same resource: the resolved first segment. */
export function resourceKey(spellingOrResource: string): string {
  const lower = spellingOrResource.toLowerCase();
  const first = lower.split(".", 1)[0] ?? lower;
  return ALIASES.get(first) ?? first;
}

/**
 * True when `resource` (a {@link ResourceRef.resource} or any spelling) is
 * one of `restricted` (any spellings). `all` is restricted when a member of
 * the `all` category is.
 */
export function isRestricted(resource: string, restricted: readonly string[]): boolean {
  const keys = new Set(restricted.map(resourceKey));
  const key = resourceKey(resource);
  if (key === "all") return ALL_CATEGORY.some((m) => keys.has(m));
  return keys.has(key);
}

/** True when `name` can be an object name. */
export const isObjectName = (name: string): boolean => name.length <= MAX_NAME_LENGTH && NAME_RE.test(name);

type Split = { ok: true; refs: ResourceRef[] } | { ok: false; reason: string };

/** A resource argument as written: the type's spelling and, when named, the object. */
export interface TypeNameArg {
  type: string;
  name?: string;
}

/**
 * Reads resource positionals the way kubectl's resource builder does
 * (`ResourceTypeOrNameArgs`): `TYPE[,TYPE...] [NAME...]`, or only
 * `TYPE/NAME` arguments (mixing the two forms is an error in kubectl, and
 * here). `pods,svc a` means `pods/a svc/a`
 * (`normalizeMultipleResourcesArgs`). Spellings are kept as written; see
 * {@link splitResourceArgs} for resolved, checked references.
 */
export function splitTypeNameArgs(args: readonly string[]): { ok: true; args: TypeNameArg[] } | { ok: false; reason: string } {
  if (args.length === 0) return { ok: true, args: [] };
  let list = [...args];
  const firstTypes = (list[0] ?? "").split(",");
  if (list.length >= 2 && new Set(firstTypes).size > 1) {
    list = [...new Set(firstTypes)].flatMap((t) => list.slice(1).map((n) => `${t}/${n}`));
  }
  const slashed = list.filter((a) => a.includes("/")).length;
  if (slashed > 0 && slashed !== list.length) {
    return { ok: false, reason: "TYPE/NAME arguments cannot be mixed with a separate TYPE" };
  }
  const out: TypeNameArg[] = [];
  if (slashed > 0) {
    for (const arg of list) {
      const parts = arg.split("/");
      const [type = "", name = ""] = parts;
      if (parts.length !== 2 || type.includes(",")) return { ok: false, reason: `"${arg}" must be a single TYPE/NAME` };
      out.push({ type, name });
    }
    return { ok: true, args: out };
  }
  const names = list.slice(1);
  for (const type of new Set(firstTypes)) {
    if (names.length === 0) out.push({ type });
    for (const name of names) out.push({ type, name });
  }
  return { ok: true, args: out };
}

/** {@link splitTypeNameArgs} with every type resolved and every name checked. */
export function splitResourceArgs(args: readonly string[]): Split {
  const split = splitTypeNameArgs(args);
  if (!split.ok) return split;
  const refs: ResourceRef[] = [];
  for (const a of split.args) {
    const ref = toRef(a.type, a.name);
    if (!ref.ok) return ref;
    refs.push(ref.ref);
  }
  return { ok: true, refs };
}

/** Resolves `TYPE` and checks `NAME` of one reference. */
export function toRef(type: string, name?: string): { ok: true; ref: ResourceRef } | { ok: false; reason: string } {
  const resolved = resolveResourceType(type);
  if (!resolved.ok) return resolved;
  if (name === undefined) return { ok: true, ref: { resource: resolved.resource } };
  if (!isObjectName(name)) return { ok: false, reason: `"${name}" is not a valid object name` };
  return { ok: true, ref: { resource: resolved.resource, name } };
}
