/**
 * The `workloads` analyzer: Deployments, StatefulSets and DaemonSets that do
 * not serve the replicas they ask for, with the reason seen in their pods.
 *
 * A workload's status says *that* it is short of replicas; its pods say *why*
 * (a container crash-looping, an image that cannot be pulled, a pod no node
 * can take). Each finding carries both: the replica counts and conditions,
 * then one line per distinct problem among its pods.
 *
 * - `RolloutStuck`: the Deployment's Progressing condition is False with
 *   ProgressDeadlineExceeded (reported even for young Deployments).
 * - `DeploymentUnavailable`: Available False, or no available replica while
 *   `spec.replicas` > 0.
 * - `DeploymentDegraded`: some but not all replicas unavailable, outside an
 *   ongoing rollout (a rollout that stays short ends as `RolloutStuck`).
 * - `StatefulSetUnavailable`: fewer ready replicas than `spec.replicas`.
 * - `DaemonSetUnavailable`: unavailable pods, or fewer ready than desired.
 *
 * One finding per workload. Workloads scaled to 0 are fine, and workloads
 * created less than 2 minutes ago are still starting (unless stuck).
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import {
  type Finding,
  type Snapshot,
  count,
  hintFromProblems,
  isDone,
  isYoung,
  labelSelectorString,
  oneLine,
  podProblems,
  type PodProblem,
  condition,
  confirm,
  containerStatuses,
  defineAnalyzer,
  eventLine,
  finding,
  phaseOf,
  warningsFor,
} from "../../lib/diagnose/index.ts";

/** Pod problem lines kept per finding. */
const MAX_POD_LINES = 6;

/** Confirm commands for the pods with a problem: logs of the first crashing container. */
function crashLogs(problems: readonly PodProblem[], namespace: string): string[][] {
  const p = problems.find((x) => x.container && ["CrashLoopBackOff", "Error", "OOMKilled", "RunContainerError"].includes(x.reason));
  return p?.container ? [confirm.logs(p.pod, p.container, namespace, true)] : [];
}

/** A condition as an evidence line, or nothing. */
function conditionLine(o: KubeObject, type: string): string[] {
  const c = condition(o, type);
  if (!c) return [];
  return [`condition ${type}=${c.status}${c.reason ? ` (${c.reason})` : ""}${c.message ? `: ${oneLine(c.message)}` : ""}`];
}

const getPods = (namespace: string, selector: unknown): string[][] => {
  const l = labelSelectorString(selector);
  return l ? [["get", "pods", "-n", namespace, "-l", l]] : [];
};

export const workloads = defineAnalyzer({
  id: "workloads",
  description: "Deployments, StatefulSets and DaemonSets short of available replicas, with the cause seen in their pods",
  codes: {
    RolloutStuck: "critical",
    DeploymentUnavailable: "critical",
    DeploymentDegraded: "warning",
    StatefulSetUnavailable: "critical",
    DaemonSetUnavailable: "critical",
  },
  kinds: ["deployments", "replicasets", "statefulsets", "daemonsets", "pods", "events"],
  analyze(snapshot, ctx) {
    const id = "workloads";
    const findings: Finding[] = [];

    for (const d of snapshot.list("deployments")) {
      const ns = d.metadata.namespace ?? "";
      const name = d.metadata.name;
      const spec = (d.spec ?? {}) as { replicas?: unknown; selector?: unknown; paused?: unknown };
      const status = (d.status ?? {}) as Record<string, unknown>;
      const replicas = spec.replicas === undefined ? 1 : count(spec.replicas);
      if (replicas === 0) continue;
      const available = count(status.availableReplicas);
      const updated = count(status.updatedReplicas);
      const unavailable = status.unavailableReplicas === undefined ? Math.max(0, replicas - available) : count(status.unavailableReplicas);
      const progressing = condition(d, "Progressing");
      const availableCond = condition(d, "Available");
      const stuck = progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded";
      let code: "RolloutStuck" | "DeploymentUnavailable" | "DeploymentDegraded";
      if (stuck) code = "RolloutStuck";
      else if (isYoung(d, ctx.now)) continue;
      else if (availableCond?.status === "False" || available === 0) code = "DeploymentUnavailable";
      else if (unavailable > 0 && available >= 1) {
        // A rollout under way is short of replicas by design until it ends (or hits its deadline: RolloutStuck).
        const rolling = progressing?.status === "True" && ["ReplicaSetUpdated", "NewReplicaSetCreated", "FoundNewReplicaSet"].includes(progressing.reason ?? "");
        if (rolling) continue;
        // A scale-up (an HPA's, say) does not touch Progressing: pods created in the grace period are still starting.
        const rsPods = snapshot.ownedBy("replicasets", d).flatMap((rs) => snapshot.ownedBy("pods", rs));
        const notReady = rsPods.filter((p) => !isDone(p) && condition(p, "Ready")?.status !== "True");
        if (notReady.length > 0 && notReady.every((p) => isYoung(p, ctx.now))) continue;
        code = "DeploymentDegraded";
      } else continue;

      // Newest revision first: in a rollout its pods are the ones that fail.
      const revision = (rs: KubeObject) => Number(rs.metadata.annotations?.["deployment.kubernetes.io/revision"]) || 0;
      const replicaSets = [...snapshot.ownedBy("replicasets", d)].sort((a, b) => revision(b) - revision(a) || (a.metadata.name < b.metadata.name ? -1 : 1));
      const pods = replicaSets.flatMap((rs) => snapshot.ownedBy("pods", rs));
      const problems = replicaSets.flatMap((rs) => podProblems(snapshot, snapshot.ownedBy("pods", rs))).slice(0, MAX_POD_LINES);
      const rsFailures = replicaSets.flatMap((rs) => {
        const f = condition(rs, "ReplicaFailure");
        if (f?.status === "True") return [`replicaset ${rs.metadata.name}: ${f.reason ?? "ReplicaFailure"}: ${oneLine(f.message)}`];
        const e = warningsFor(snapshot, "ReplicaSet", rs).find((x) => x.reason === "FailedCreate");
        return e ? [`replicaset ${rs.metadata.name}: ${eventLine(e, ctx.now)}`] : [];
      });
      const evidence = [
        `${available}/${replicas} available, ${updated} updated${unavailable ? `, ${unavailable} unavailable` : ""}${spec.paused === true ? " (rollout paused)" : ""}`,
        ...conditionLine(d, "Available"),
        ...conditionLine(d, "Progressing"),
        ...rsFailures.slice(0, 2),
        ...problems.map((p) => p.line),
      ];
      if (pods.length === 0 && rsFailures.length === 0) evidence.push("no pods found for it");
      const title =
        code === "RolloutStuck"
          ? `Deployment ${name} rollout is stuck: progress deadline exceeded (${available}/${replicas} available)`
          : code === "DeploymentUnavailable"
            ? available === 0
              ? `Deployment ${name} has no available replicas (0/${replicas})`
              : `Deployment ${name} is below its minimum availability (${available}/${replicas} available)`
            : `Deployment ${name} is degraded: ${unavailable} of ${replicas} replicas unavailable`;
      const fallback = rsFailures.length
        ? "The ReplicaSet cannot create pods (quota, admission, service account): see its FailedCreate message above."
        : code === "RolloutStuck"
          ? "The new ReplicaSet's pods do not become available: see their problems, fix the template, or roll back to the previous revision (rollout history)."
          : "See the pods' problems and the Deployment's events.";
      findings.push(
        finding(id, {
          code,
          severity: code === "DeploymentDegraded" ? "warning" : "critical",
          kind: "Deployment",
          namespace: ns,
          name,
          title,
          evidence,
          confirm: [
            confirm.describe("deployment", name, ns),
            ...getPods(ns, spec.selector),
            ["rollout", code === "RolloutStuck" ? "history" : "status", `deployment/${name}`, "-n", ns, ...(code === "RolloutStuck" ? [] : ["--watch=false"])],
            ...crashLogs(problems, ns),
          ],
          hint: hintFromProblems(problems, fallback),
        }),
      );
    }

    for (const s of snapshot.list("statefulsets")) {
      const ns = s.metadata.namespace ?? "";
      const name = s.metadata.name;
      const spec = (s.spec ?? {}) as { replicas?: unknown; selector?: unknown };
      const status = (s.status ?? {}) as Record<string, unknown>;
      const replicas = spec.replicas === undefined ? 1 : count(spec.replicas);
      if (replicas === 0 || isYoung(s, ctx.now)) continue;
      const ready = count(status.readyReplicas);
      if (ready >= replicas) continue;
      const pods = snapshot.ownedBy("pods", s);
      const problems = podProblems(snapshot, pods);
      const events = warningsFor(snapshot, "StatefulSet", s).slice(0, 2).map((e) => eventLine(e, ctx.now));
      findings.push(
        finding(id, {
          code: "StatefulSetUnavailable",
          severity: "critical",
          kind: "StatefulSet",
          namespace: ns,
          name,
          title: `StatefulSet ${name} has ${ready}/${replicas} ready replicas`,
          evidence: [
            `${ready}/${replicas} ready, ${count(status.currentReplicas)} current, ${count(status.updatedReplicas)} updated, ${pods.length} pods exist`,
            ...events,
            ...problems.map((p) => p.line),
          ],
          confirm: [confirm.describe("statefulset", name, ns), ...getPods(ns, spec.selector), ["rollout", "status", `statefulset/${name}`, "-n", ns, "--watch=false"], ...crashLogs(problems, ns)],
          hint: hintFromProblems(
            problems,
            events.length
              ? "The StatefulSet cannot create its pods: see its events above (a PersistentVolumeClaim, quota or admission)."
              : "Pods are created one at a time in order: the first one not ready holds the rest back; see its problems.",
          ),
        }),
      );
    }

    for (const ds of snapshot.list("daemonsets")) {
      const ns = ds.metadata.namespace ?? "";
      const name = ds.metadata.name;
      const spec = (ds.spec ?? {}) as { selector?: unknown };
      const status = (ds.status ?? {}) as Record<string, unknown>;
      const desired = count(status.desiredNumberScheduled);
      const ready = count(status.numberReady);
      const unavailable = count(status.numberUnavailable);
      if (!(unavailable > 0 || ready < desired) || isYoung(ds, ctx.now)) continue;
      const pods = snapshot.ownedBy("pods", ds);
      const problems = podProblems(snapshot, pods);
      const misscheduled = count(status.numberMisscheduled);
      const events = warningsFor(snapshot, "DaemonSet", ds).slice(0, 2).map((e) => eventLine(e, ctx.now));
      findings.push(
        finding(id, {
          code: "DaemonSetUnavailable",
          severity: "critical",
          kind: "DaemonSet",
          namespace: ns,
          name,
          title: `DaemonSet ${name} has ${ready}/${desired} pods ready${unavailable ? ` (${unavailable} unavailable)` : ""}`,
          evidence: [
            `${ready}/${desired} ready, ${unavailable} unavailable, ${count(status.updatedNumberScheduled)} up to date, ${count(status.currentNumberScheduled)} scheduled${misscheduled ? `, ${misscheduled} misscheduled` : ""}`,
            ...events,
            ...problems.map((p) => p.line),
          ],
          confirm: [confirm.describe("daemonset", name, ns), ...getPods(ns, spec.selector), ["rollout", "status", `daemonset/${name}`, "-n", ns, "--watch=false"], ...crashLogs(problems, ns)],
          hint: hintFromProblems(problems, "Some nodes do not run a ready pod of it: see the pods' problems and the nodes they are on (taints, resources)."),
        }),
      );
    }
    return findings;
  },
});

export default workloads;
