/**
 * The `replicaset-create` analyzer: ReplicaSets the API server refuses pods
 * to. Admission rejects the pod before it exists, so no pod shows the fault:
 * only the ReplicaSet's ReplicaFailure condition and its FailedCreate events
 * say why (a ResourceQuota spent, Pod Security admission, a ServiceAccount
 * that does not exist, a webhook).
 *
 * - `ReplicaSetCreateFailed`: ReplicaFailure True or a FailedCreate warning,
 *   while the ReplicaSet has fewer pods than it wants.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { type Finding, condition, confirm, defineAnalyzer, eventLine, finding, warningsFor } from "../../lib/diagnose/index.ts";

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);
const oneLine = (s: unknown): string => String(s ?? "").replace(/\s+/g, " ").trim();

/** What a FailedCreate message says, for the title, hint and extra confirm commands. */
interface Cause {
  title: string;
  hint: string;
  confirm: string[][];
}

function causeOf(message: string, namespace: string): Cause | undefined {
  const exceeded = /exceeded quota: ([^,\s]+)/.exec(message);
  const failed = /failed quota: ([^:\s]+): must specify ([^\s"]+)/.exec(message);
  const quota = exceeded?.[1] ?? failed?.[1];
  if (quota) {
    return {
      title: exceeded ? `exceeded quota ${quota}` : `quota ${quota} requires ${failed?.[2] ?? "resources"} on every container`,
      hint: exceeded
        ? `The namespace's ResourceQuota ${quota} is spent: lower the pod template's requests/limits, scale down other workloads in the namespace, or have the quota raised.`
        : `ResourceQuota ${quota} requires every container to set ${failed?.[2] ?? "these resources"}: add them to the pod template (or a LimitRange that defaults them).`,
      confirm: [confirm.describe("resourcequota", quota, namespace)],
    };
  }
  if (/violates PodSecurity/i.test(message)) {
    const level = /violates PodSecurity "([^"]+)"/.exec(message)?.[1];
    return {
      title: `rejected by Pod Security admission${level ? ` (${level})` : ""}`,
      hint: "The pod template breaks the namespace's Pod Security level (label pod-security.kubernetes.io/enforce): fix its securityContext as the message lists (runAsNonRoot, allowPrivilegeEscalation: false, dropped capabilities, seccompProfile).",
      confirm: [["get", "namespace", namespace, "--show-labels"]],
    };
  }
  const sa = /serviceaccount "([^"]+)" not found/i.exec(message)?.[1];
  if (sa) {
    return {
      title: `service account ${sa} not found`,
      hint: `The pod template names ServiceAccount ${sa}, which does not exist in the namespace: create it or fix spec.template.spec.serviceAccountName.`,
      confirm: [["get", "serviceaccounts", "-n", namespace]],
    };
  }
  if (/admission webhook "([^"]+)" denied/i.test(message)) {
    const hook = /admission webhook "([^"]+)" denied/i.exec(message)?.[1];
    return {
      title: `denied by admission webhook ${hook}`,
      hint: `Admission webhook ${hook} rejects the pod: change the pod template to satisfy its policy, as the message says.`,
      confirm: [],
    };
  }
  return undefined;
}

export const replicasetCreate = defineAnalyzer({
  id: "replicaset-create",
  description: "ReplicaSets whose pods the API server rejects (quota, Pod Security, missing service account, webhooks)",
  codes: { ReplicaSetCreateFailed: "critical" },
  kinds: ["replicasets", "events"],
  analyze(snapshot, ctx) {
    const findings: Finding[] = [];
    for (const rs of snapshot.list("replicasets")) {
      const ns = rs.metadata.namespace ?? "";
      const name = rs.metadata.name;
      const spec = (rs.spec ?? {}) as { replicas?: unknown };
      const status = (rs.status ?? {}) as { replicas?: unknown };
      const wanted = spec.replicas === undefined ? 1 : count(spec.replicas);
      const have = count(status.replicas);
      if (have >= wanted) continue;
      const failure = condition(rs, "ReplicaFailure");
      const failed = failure?.status === "True" ? failure : undefined;
      const events: KubeObject[] = [];
      const seenMessages = new Set<string>();
      for (const e of warningsFor(snapshot, "ReplicaSet", rs)) {
        if (e.reason !== "FailedCreate") continue;
        const m = oneLine(e.message);
        if (seenMessages.has(m)) continue;
        seenMessages.add(m);
        events.push(e);
      }
      if (!failed && events.length === 0) continue;
      const messages = [...(failed?.message ? [oneLine(failed.message)] : []), ...events.map((e) => oneLine(e.message))];
      const cause = messages.map((m) => causeOf(m, ns)).find((c) => c !== undefined);
      const owner = rs.metadata.ownerReferences?.find((r) => r.controller);
      const evidence = [
        `${have}/${wanted} pods created${owner ? ` (owned by ${owner.kind} ${owner.name})` : ""}`,
        ...(failed && !seenMessages.has(oneLine(failed.message)) ? [`condition ReplicaFailure=True${failed.reason ? ` (${failed.reason})` : ""}: ${oneLine(failed.message)}`] : []),
        ...events.slice(0, 4).map((e) => eventLine(e, ctx.now)),
      ];
      findings.push(
        finding("replicaset-create", {
          code: "ReplicaSetCreateFailed",
          severity: "critical",
          kind: "ReplicaSet",
          namespace: ns,
          name,
          title: `ReplicaSet ${name} cannot create pods${cause ? `: ${cause.title}` : ""}`,
          evidence,
          confirm: [confirm.describe("replicaset", name, ns), confirm.events("ReplicaSet", name, ns), ...(cause?.confirm ?? [])],
          hint: cause?.hint ?? "The API server rejects the ReplicaSet's pods: the message above says why (admission, quota, an invalid template).",
        }),
      );
    }
    return findings;
  },
});

export default replicasetCreate;
