/**
 * The `network-policy` analyzer: NetworkPolicies that apply to nothing.
 *
 * - `NetworkPolicySelectsNoPods` (warning): `spec.podSelector` is non-empty
 *   and matches no pod of the policy's namespace, nor the pod template of any
 *   Deployment, StatefulSet, DaemonSet, Job or CronJob there (a workload
 *   scaled to zero, or a CronJob between runs, is not a fault). The isolation
 *   and the allow rules the policy was written for apply to no pod: usually a
 *   typo in the selector, or pod labels that changed under it.
 *
 * Not reported: an empty podSelector (`{}` selects every pod of the
 * namespace), default-deny policies (a pattern, not a fault), namespaces with
 * no pods and no workloads (a policy laid down ahead of its apps), and
 * anything when pods were not read whole.
 *
 * Evidence: the selector, the policy types, the number of pods in the
 * namespace, and the pod label sets that come closest to the selector (at
 * most 3; hash labels the controllers add are left out).
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { confirm, defineAnalyzer, finding, type Finding, type SnapshotKind, selectorMatches } from "../../lib/diagnose/index.ts";

const ID = "network-policy";

type Expression = { key?: string; operator?: string; values?: string[] };
type Selector = { matchLabels?: Record<string, string>; matchExpressions?: Expression[] };

/** Labels controllers add per revision or per pod: they never help to compare label sets. */
const NOISE = new Set(["pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index", "pod-template-generation", "controller-uid", "batch.kubernetes.io/controller-uid"]);

/** Workloads whose pod template counts as pods to come. */
const WORKLOADS: readonly SnapshotKind[] = ["deployments", "statefulsets", "daemonsets", "jobs", "cronjobs"];

const rec = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The pod template labels of a workload (a CronJob's through its job template). */
function templateLabels(o: KubeObject): Record<string, string> | undefined {
  const spec = rec(o.spec);
  const template = o.kind === "CronJob" || "jobTemplate" in spec ? rec(rec(rec(spec.jobTemplate).spec).template) : rec(spec.template);
  const labels = rec(template.metadata).labels;
  return labels && typeof labels === "object" ? (labels as Record<string, string>) : undefined;
}

/** `app=web, tier in (a,b), !legacy`: a selector as kubectl prints it. */
function selectorText(s: Selector): string {
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const values = (e.values ?? []).join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") parts.push(`${e.key}`);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator} (${values})`);
  }
  return parts.join(", ");
}

/** How close labels come to a selector: a point per requirement met, half a point for a key present with another value. */
function closeness(s: Selector, labels: Record<string, string>): number {
  let score = 0;
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) score += labels[k] === v ? 1 : Object.hasOwn(labels, k) ? 0.5 : 0;
  for (const e of s.matchExpressions ?? []) if (selectorMatches({ matchExpressions: [e] }, labels)) score += 1;
  return score;
}

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .filter(([k]) => !NOISE.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

export const networkPolicy = defineAnalyzer({
  id: ID,
  description: "NetworkPolicies whose podSelector matches no pod in their namespace",
  codes: { NetworkPolicySelectsNoPods: "warning" },
  kinds: ["networkpolicies", "pods", "deployments", "statefulsets", "daemonsets", "jobs", "cronjobs"],
  analyze(snapshot) {
    const out: Finding[] = [];
    if (!snapshot.kinds.includes("pods") || snapshot.unavailable.includes("pods") || snapshot.truncated.includes("pods")) return out;
    for (const np of snapshot.list("networkpolicies")) {
      const namespace = np.metadata.namespace;
      if (!namespace) continue;
      const spec = rec(np.spec);
      const selector = rec(spec.podSelector) as Selector;
      const empty = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
      if (empty) continue;
      const pods = snapshot.inNamespace("pods", namespace);
      const workloads = WORKLOADS.flatMap((k) => snapshot.inNamespace(k, namespace));
      if (pods.length === 0 && workloads.length === 0) continue;
      if (pods.some((p) => selectorMatches(selector, p.metadata.labels))) continue;
      if (workloads.some((w) => selectorMatches(selector, templateLabels(w)))) continue;

      // Label sets of the namespace's pods, closest first.
      const sets = new Map<string, { text: string; score: number; pods: string[] }>();
      for (const p of pods) {
        const labels = Object.fromEntries(Object.entries(p.metadata.labels ?? {}).filter(([k]) => !NOISE.has(k)));
        const text = labelText(labels);
        const entry = sets.get(text) ?? { text, score: closeness(selector, labels), pods: [] };
        entry.pods.push(p.metadata.name);
        sets.set(text, entry);
      }
      const closest = [...sets.values()]
        .filter((s) => s.score > 0)
        .sort((a, b) => b.score - a.score || b.pods.length - a.pods.length || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
        .slice(0, 3);
      const types = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(String) : ["Ingress", ...(spec.egress ? ["Egress"] : [])];
      const name = np.metadata.name;
      out.push(
        finding(ID, {
          code: "NetworkPolicySelectsNoPods",
          severity: "warning",
          kind: "NetworkPolicy",
          namespace,
          name,
          title: `NetworkPolicy ${name} selects no pod in namespace ${namespace}`,
          evidence: [
            `podSelector: ${selectorText(selector)}`,
            `policyTypes: ${types.join(", ")}`,
            `no pod of the ${pods.length} in namespace ${namespace} (nor any workload's pod template) matches`,
            ...closest.map((s) => `closest pod labels: ${s.text || "<none>"} (${s.pods.length} pod${s.pods.length === 1 ? "" : "s"}, e.g. ${[...s.pods].sort()[0]})`),
          ],
          confirm: [confirm.describe("networkpolicy", name, namespace), ["get", "pods", "-n", namespace, "--show-labels"]],
          hint: "Compare spec.podSelector with the labels of the pods it is meant for (a typo, or labels renamed in the workload's template): as it stands the policy isolates and allows nothing.",
        }),
      );
    }
    return out;
  },
});

export default networkPolicy;
