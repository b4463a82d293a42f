/**
 * The `node-health` analyzer: nodes that cannot run pods well. A NotReady
 * node's pods are unreachable and, after the eviction timeout, rescheduled;
 * a node under pressure evicts pods and refuses new ones; a cordoned node
 * takes no new pods (often left so after maintenance).
 *
 * - `NodeNotReady`: the Ready condition is False or Unknown (the kubelet
 *   stopped reporting); nodes that joined less than 2 minutes ago are still
 *   starting.
 * - `NodePressure`: MemoryPressure, DiskPressure or PIDPressure is True; one
 *   finding per condition.
 * - `NodeUnschedulable`: `spec.unschedulable` (cordoned).
 *
 * Nodes are cluster-scoped: a snapshot of one namespace holds none, and this
 * analyzer then reports nothing.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { type Finding, age, condition, confirm, defineAnalyzer, finding, isDone } from "../../lib/diagnose/index.ts";

/** How long a new node may be NotReady before it is reported. */
const GRACE_MS = 2 * 60_000;

const PRESSURES = {
  MemoryPressure: "The node is short of memory: the kubelet evicts pods (BestEffort first) and admits no new BestEffort ones. Find the pods using the most memory, set memory requests/limits, or add capacity.",
  DiskPressure: "The node is short of disk (root or image filesystem): the kubelet garbage-collects images and evicts pods. Look for large container logs, emptyDir or writable-layer usage, and unused images; set ephemeral-storage limits.",
  PIDPressure: "The node is short of process IDs: a pod is likely forking without bound. Find it, and set the kubelet's podPidsLimit.",
} as const;

const oneLine = (s: unknown): string => String(s ?? "").replace(/\s+/g, " ").trim();

const since = (t: unknown, now: number): string | undefined => {
  const ms = typeof t === "string" ? Date.parse(t) : Number.NaN;
  return Number.isFinite(ms) ? age(now - ms) : undefined;
};

/** `key=value:Effect` for each taint. */
function taintsOf(node: KubeObject): string[] {
  const taints = ((node.spec ?? {}) as { taints?: unknown }).taints;
  return (Array.isArray(taints) ? (taints as { key?: unknown; value?: unknown; effect?: unknown }[]) : [])
    .filter((t) => typeof t?.key === "string")
    .map((t) => `${String(t.key)}${typeof t.value === "string" && t.value ? `=${t.value}` : ""}:${String(t.effect ?? "")}`);
}

export const nodeHealth = defineAnalyzer({
  id: "node-health",
  description: "Nodes NotReady, under memory/disk/PID pressure, or cordoned",
  codes: { NodeNotReady: "critical", NodePressure: "warning", NodeUnschedulable: "info" },
  kinds: ["nodes", "pods"],
  analyze(snapshot, ctx) {
    const findings: Finding[] = [];
    const nodes = snapshot.list("nodes");
    if (nodes.length === 0) return findings;
    // Pods per node, once.
    const podsOn = new Map<string, KubeObject[]>();
    for (const p of snapshot.list("pods")) {
      const node = ((p.spec ?? {}) as { nodeName?: unknown }).nodeName;
      if (typeof node !== "string" || !node || isDone(p)) continue;
      const list = podsOn.get(node);
      if (list) list.push(p);
      else podsOn.set(node, [p]);
    }
    const podsLine = (name: string): string => {
      const pods = podsOn.get(name) ?? [];
      if (pods.length === 0) return "no running pods on it";
      const names = pods.map((p) => `${p.metadata.namespace ?? ""}/${p.metadata.name}`).sort();
      return `${pods.length} pod${pods.length > 1 ? "s" : ""} on it: ${names.slice(0, 5).join(", ")}${names.length > 5 ? `, +${names.length - 5} more` : ""}`;
    };

    for (const node of nodes) {
      const name = node.metadata.name;
      const confirms = [confirm.describe("node", name), confirm.events("Node", name)];
      const taints = taintsOf(node);
      const ready = condition(node, "Ready");
      const created = typeof node.metadata.creationTimestamp === "string" ? Date.parse(node.metadata.creationTimestamp) : Number.NaN;
      const young = Number.isFinite(created) && ctx.now - created < GRACE_MS;
      if (ready && (ready.status === "False" || ready.status === "Unknown") && !young) {
        const heartbeat = since((ready as { lastHeartbeatTime?: unknown }).lastHeartbeatTime, ctx.now);
        const transition = since(ready.lastTransitionTime, ctx.now);
        const unknown = ready.status === "Unknown";
        findings.push(
          finding("node-health", {
            code: "NodeNotReady",
            severity: "critical",
            kind: "Node",
            namespace: null,
            name,
            title: `Node ${name} is NotReady${transition ? ` for ${transition}` : ""}${unknown ? ": its kubelet stopped reporting" : ""}`,
            evidence: [
              `Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ""}${ready.message ? `: ${oneLine(ready.message)}` : ""}`,
              ...(heartbeat ? [`last heartbeat ${heartbeat} ago`] : []),
              podsLine(name),
              ...(taints.length ? [`taints: ${taints.join(", ")}`] : []),
            ],
            confirm: confirms,
            hint: unknown
              ? "The control plane no longer hears from the node's kubelet: the node may be down, out of the network, or its kubelet stopped. Check the machine and the kubelet's logs there; its pods are evicted after the toleration period (5 minutes by default)."
              : "The kubelet reports the node not ready: its message says why (container runtime down, network plugin not ready, PLEG unhealthy). Check the kubelet and container runtime on the node.",
          }),
        );
      }
      for (const [type, hint] of Object.entries(PRESSURES)) {
        const c = condition(node, type);
        if (c?.status !== "True") continue;
        const sinceTransition = since(c.lastTransitionTime, ctx.now);
        const taint = taints.filter((t) => t.startsWith(`node.kubernetes.io/${type.replace("Pressure", "").toLowerCase()}-pressure`));
        findings.push(
          finding("node-health", {
            code: "NodePressure",
            severity: "warning",
            kind: "Node",
            namespace: null,
            name,
            detail: type,
            title: `Node ${name} has ${type}${sinceTransition ? ` for ${sinceTransition}` : ""}`,
            evidence: [`${type}=True${c.reason ? ` (${c.reason})` : ""}${c.message ? `: ${oneLine(c.message)}` : ""}`, ...(taint.length ? [`taints: ${taint.join(", ")}`] : []), podsLine(name)],
            confirm: [...confirms, ["top", "node", name]],
            hint,
          }),
        );
      }
      if (((node.spec ?? {}) as { unschedulable?: unknown }).unschedulable === true) {
        findings.push(
          finding("node-health", {
            code: "NodeUnschedulable",
            severity: "info",
            kind: "Node",
            namespace: null,
            name,
            title: `Node ${name} is cordoned (unschedulable)`,
            evidence: [taints.length ? `taints: ${taints.join(", ")}` : "no taints", podsLine(name)],
            confirm: confirms,
            hint: "No new pod is scheduled on a cordoned node. If its maintenance is over, it can be uncordoned (by someone with write access; this tool only reads).",
          }),
        );
      }
    }
    return findings;
  },
});

export default nodeHealth;
