/**
 * Pods the scheduler cannot place. A Pending pod whose PodScheduled condition
 * is False with reason Unschedulable is reported:
 *
 * - `PodPendingVolume` when the scheduler waits on its PersistentVolumeClaims
 *   (unbound, missing, or no volume to bind), naming the pod's claims that are
 *   Pending or missing in the snapshot, with each claim's newest Warning event;
 * - `PodUnschedulable` otherwise, with the scheduler's message, the pod's
 *   effective requests and a hint per cause the message names (insufficient
 *   resources against the largest node's allocatable, untolerated taints,
 *   node selector/affinity, pod affinity, host ports, cordoned nodes).
 *
 * A Pending pod with no node and no Unschedulable verdict is reported as
 * `PodUnschedulable` only after 60 seconds (until then it is just starting):
 * no scheduler has acted on it. Scheduled pods still creating containers and
 * pods held by scheduling gates are left alone.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { formatBytes, type Finding, age, readWhole, type Snapshot, condition, confirm, defineAnalyzer, eventLine, finding, isDone, phaseOf, warningsFor, sameObject, parseQuantity } from "../../lib/diagnose/index.ts";

const ID = "pending-pod";

/** A Pending pod younger than this with no scheduler verdict is just starting. */
const GRACE_MS = 60_000;

const VOLUME = /unbound immediate PersistentVolumeClaims|pod has unbound|persistentvolumeclaim "[^"]*" not found|didn't find available persistent volumes to bind/i;

export const pendingPod = defineAnalyzer({
  id: ID,
  description: "Pending pods the scheduler cannot place: insufficient resources, taints, node selectors and affinity, unbound volumes",
  codes: { PodUnschedulable: "critical", PodPendingVolume: "critical" },
  kinds: ["pods", "events", "nodes", "persistentvolumeclaims"],
  analyze(snapshot, ctx) {
    const out: Finding[] = [];
    for (const pod of snapshot.list("pods")) {
      if (isDone(pod) || phaseOf(pod) !== "Pending") continue;
      const spec = (pod.spec ?? {}) as { nodeName?: string; schedulerName?: string };
      const scheduled = condition(pod, "PodScheduled");
      if (scheduled?.status === "True" || spec.nodeName) continue;
      const namespace = pod.metadata.namespace ?? "";
      const name = pod.metadata.name;
      const events = warningsFor(snapshot, "Pod", pod).filter((e) => e.reason === "FailedScheduling" && sameObject(e, pod));
      const base = { severity: "critical" as const, kind: "Pod", namespace, name };
      const describePod = confirm.describe("pod", name, namespace);
      const podEvents = confirm.events("Pod", name, namespace);

      if (scheduled?.status !== "False" || scheduled.reason !== "Unschedulable") {
        if (scheduled?.reason === "SchedulingGated") continue;
        const created = Date.parse(String(pod.metadata.creationTimestamp ?? ""));
        if (!Number.isFinite(created) || ctx.now - created < GRACE_MS) continue;
        const scheduler = spec.schedulerName ?? "default-scheduler";
        out.push(
          finding(ID, {
            ...base,
            code: "PodUnschedulable",
            title: `Pod ${name} has not been scheduled for ${age(ctx.now - created)}`,
            evidence: [
              scheduled ? `PodScheduled=${scheduled.status}${scheduled.reason ? ` (${scheduled.reason})` : ""}${scheduled.message ? `: ${scheduled.message}` : ""}` : "no PodScheduled condition: no scheduler has looked at it",
              `schedulerName: ${scheduler}`,
              ...events.slice(0, 2).map((e) => eventLine(e, ctx.now)),
            ],
            confirm: [describePod, podEvents],
            hint: `No scheduler has placed it: check that ${scheduler === "default-scheduler" ? "kube-scheduler" : `the scheduler "${scheduler}" named in spec.schedulerName`} runs and is healthy (its logs and leader election).`,
          }),
        );
        continue;
      }

      const message = (scheduled.message ?? String(events[0]?.message ?? "")).trim();
      const schedulerLine = `PodScheduled=False (Unschedulable): ${message || "no message"}`;
      const eventLines = events.slice(0, 1).map((e) => eventLine(e, ctx.now));

      if (VOLUME.test(message)) {
        const claims = claimsOf(pod);
        const readPvcs = readWhole(snapshot, "persistentvolumeclaims");
        const stuck = claims.filter((c) => {
          const pvc = snapshot.get("persistentvolumeclaims", namespace, c);
          return pvc ? phaseOf(pvc) !== "Bound" : readPvcs;
        });
        const named = stuck.length ? stuck : claims;
        const pvcLines = named.flatMap((c) => pvcEvidence(snapshot, namespace, c, readPvcs, ctx.now));
        out.push(
          finding(ID, {
            ...base,
            code: "PodPendingVolume",
            title: `Pod ${name} cannot be scheduled: ${named.length ? `PersistentVolumeClaim${named.length > 1 ? "s" : ""} ${named.join(", ")} not bound` : "its PersistentVolumeClaims are not bound"}`,
            evidence: [schedulerLine, ...pvcLines, ...eventLines],
            confirm: [describePod, ...named.slice(0, 2).map((c) => confirm.describe("pvc", c, namespace)), podEvents],
            hint: volumeHint(snapshot, namespace, named),
          }),
        );
        continue;
      }

      const causes = causesOf(message);
      const requests = requestsOf(pod);
      const evidence = [schedulerLine, ...eventLines, `requests: ${requests.size ? [...requests].map(([r, v]) => `${r} ${format(r, v)}`).join(", ") : "none"}`];
      const hints: string[] = [];
      // The largest node is only known when every node was read (a namespace's diagnosis reads none).
      const allNodes = readWhole(snapshot, "nodes");
      const nodes = allNodes ? snapshot.list("nodes").filter((n) => !(n.spec as { unschedulable?: boolean } | undefined)?.unschedulable) : [];
      for (const resource of causes.insufficient) {
        const want = requests.get(resource);
        const largest = largestAllocatable(nodes, resource);
        if (largest) evidence.push(`largest allocatable ${resource}: ${format(resource, largest.value)} (${largest.node}, of ${nodes.length} schedulable node${nodes.length === 1 ? "" : "s"})`);
        else if (nodes.length) evidence.push(`no schedulable node has ${resource} allocatable`);
        if (want !== undefined && largest && want > largest.value)
          hints.push(`No node can ever fit it: its ${resource} request ${format(resource, want)} exceeds the largest node's allocatable ${format(resource, largest.value)}; lower the request or add larger nodes.`);
        else hints.push(`The nodes lack free ${resource} for its request${want !== undefined ? ` (${format(resource, want)})` : ""}: lower the request, free capacity (other pods' requests), or add nodes (a cluster autoscaler adds them if it can).`);
      }
      const podSpec = (pod.spec ?? {}) as { nodeSelector?: Record<string, string>; tolerations?: unknown[] };
      if (causes.taints.length || causes.taint) {
        evidence.push(`tolerations: ${Array.isArray(podSpec.tolerations) ? podSpec.tolerations.length : 0}`);
        hints.push(`Nodes carry taints it does not tolerate${causes.taints.length ? ` (${causes.taints.join(", ")})` : ""}: add a matching toleration, or make sure untainted nodes have room.`);
      }
      if (causes.selector) {
        const selector = Object.entries(podSpec.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`);
        if (selector.length) evidence.push(`nodeSelector: ${selector.join(", ")}`);
        hints.push("No node has the labels its nodeSelector or required node affinity asks for: fix the selector or label the nodes (`kubectl get nodes --show-labels`).");
      }
      if (causes.podAffinity) hints.push("Its pod affinity or anti-affinity rules exclude every node (e.g. one replica per node with more replicas than nodes): relax the rules or add nodes.");
      if (causes.spread) hints.push("Its topology spread constraints cannot be met: relax maxSkew or whenUnsatisfiable, or add nodes in the missing zones.");
      if (causes.ports) hints.push("The hostPort it asks for is taken on every fitting node: drop hostPort or run fewer replicas than nodes.");
      if (causes.cordoned) hints.push("Some nodes are cordoned (unschedulable): uncordon them when their maintenance is over.");
      if (causes.volumeZone) hints.push("Its volumes are bound to a zone or node it cannot run in (volume node affinity conflict): use a StorageClass with volumeBindingMode WaitForFirstConsumer, or schedule it in the volume's zone.");
      if (causes.tooManyPods) hints.push("The nodes reached their pod limit (max pods): add nodes or raise the kubelet's maxPods.");
      if (causes.noNodes) hints.push("The cluster has no nodes the scheduler can use: check that nodes are registered and Ready.");
      if (!hints.length) hints.push("The scheduler found no node for it; the message above names each node's reason.");
      const nodeCheck = causes.selector && !causes.insufficient.length && !causes.taint ? ["get", "nodes", "--show-labels"] : ["describe", "nodes"];
      out.push(
        finding(ID, {
          ...base,
          code: "PodUnschedulable",
          title: `Pod ${name} cannot be scheduled: ${summaryOf(causes)}`,
          evidence,
          confirm: [describePod, podEvents, nodeCheck],
          hint: hints.join(" "),
        }),
      );
    }
    return out;
  },
});

export default pendingPod;

/** What the scheduler's message (`0/3 nodes are available: 1 node(s) had untolerated taint {...}, 2 Insufficient memory.`) names. */
interface Causes {
  insufficient: string[];
  taint: boolean;
  taints: string[];
  selector: boolean;
  podAffinity: boolean;
  spread: boolean;
  ports: boolean;
  cordoned: boolean;
  volumeZone: boolean;
  tooManyPods: boolean;
  noNodes: boolean;
}

function causesOf(message: string): Causes {
  // Preemption's own verdict ("preemption: 0/3 nodes are available: 3 No preemption victims found") repeats nothing new.
  const m = message.split(/\bpreemption:/)[0] ?? "";
  return {
    insufficient: [...new Set([...m.matchAll(/Insufficient ([\w./-]+)/g)].map((x) => x[1]!.replace(/\.+$/, "")))],
    taint: /untolerated taint|had taint/i.test(m),
    taints: [...new Set([...m.matchAll(/taints?\(?s?\)?\s*\{([^}]*)\}/g)].map((x) => `{${x[1]!.trim()}}`))],
    selector: /didn't match Pod's node affinity|didn't match node selector|node affinity\/selector/i.test(m),
    podAffinity: /pod affinity|pod anti-affinity|anti-affinity rules/i.test(m),
    spread: /topology spread constraints/i.test(m),
    ports: /didn't have free ports/i.test(m),
    cordoned: /were unschedulable|node\(s\) were unschedulable/i.test(m),
    volumeZone: /volume node affinity conflict/i.test(m),
    tooManyPods: /Too many pods/i.test(m),
    noNodes: /no nodes available|^0\/0 nodes/i.test(m),
  };
}

function summaryOf(c: Causes): string {
  const parts = [
    ...(c.insufficient.length ? [`insufficient ${c.insufficient.join(", ")}`] : []),
    ...(c.taint ? ["untolerated taints"] : []),
    ...(c.selector ? ["no node matches its node selector/affinity"] : []),
    ...(c.podAffinity ? ["pod affinity/anti-affinity"] : []),
    ...(c.spread ? ["topology spread constraints"] : []),
    ...(c.ports ? ["host port in use"] : []),
    ...(c.cordoned ? ["nodes cordoned"] : []),
    ...(c.volumeZone ? ["volume node affinity conflict"] : []),
    ...(c.tooManyPods ? ["too many pods"] : []),
    ...(c.noNodes ? ["no nodes available"] : []),
  ];
  return parts.length ? parts.join("; ") : "no node fits";
}

/** Claim names of the pod's volumes (generic ephemeral volumes are `<pod>-<volume>`). */
function claimsOf(pod: KubeObject): string[] {
  const volumes = (pod.spec as { volumes?: { name?: string; persistentVolumeClaim?: { claimName?: string }; ephemeral?: unknown }[] } | undefined)?.volumes;
  const out: string[] = [];
  for (const v of Array.isArray(volumes) ? volumes : []) {
    if (v?.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v?.ephemeral && v.name) out.push(`${pod.metadata.name}-${v.name}`);
  }
  return [...new Set(out)];
}

function pvcEvidence(snapshot: Snapshot, namespace: string, claim: string, readPvcs: boolean, now: number): string[] {
  const pvc = snapshot.get("persistentvolumeclaims", namespace, claim);
  if (!pvc) return [readPvcs ? `PersistentVolumeClaim ${claim}: not found` : `PersistentVolumeClaim ${claim}`];
  const spec = (pvc.spec ?? {}) as { storageClassName?: string; accessModes?: string[]; resources?: { requests?: { storage?: string } } };
  const facts = [phaseOf(pvc) || "no phase", `storageClass ${spec.storageClassName ?? "(default)"}`, spec.resources?.requests?.storage, ...(spec.accessModes ?? [])].filter(Boolean);
  const warning = warningsFor(snapshot, "PersistentVolumeClaim", pvc)[0];
  return [`PersistentVolumeClaim ${claim}: ${facts.join(", ")}`, ...(warning ? [eventLine(warning, now)] : [])];
}

function volumeHint(snapshot: Snapshot, namespace: string, claims: string[]): string {
  const missing = claims.filter((c) => !snapshot.get("persistentvolumeclaims", namespace, c));
  const classes = [...new Set(claims.map((c) => (snapshot.get("persistentvolumeclaims", namespace, c)?.spec as { storageClassName?: string } | undefined)?.storageClassName).filter((s): s is string => Boolean(s)))];
  const readPvcs = readWhole(snapshot, "persistentvolumeclaims");
  const parts: string[] = [];
  if (missing.length && readPvcs) parts.push(`Create PersistentVolumeClaim ${missing.join(", ")} or fix claimName in the pod's volumes.`);
  parts.push(
    `A claim stays Pending when nothing provides its volume: check that ${classes.length ? `StorageClass ${classes.join(", ")} exists` : "its StorageClass exists (or that a default StorageClass is set)"} and its provisioner works (the claim's events say why provisioning fails), or that a PersistentVolume matches its size and access modes.`,
  );
  return parts.join(" ");
}

const CPU = new Set(["cpu"]);
const BYTES = new Set(["memory", "ephemeral-storage", "storage"]);

/** Effective requests: per resource, the larger of the app containers' sum and the biggest init container's request. */
function requestsOf(pod: KubeObject): Map<string, number> {
  const spec = (pod.spec ?? {}) as { containers?: unknown[]; initContainers?: unknown[] };
  const req = (c: unknown) => ((c as { resources?: { requests?: Record<string, unknown> } } | null)?.resources?.requests ?? {}) as Record<string, unknown>;
  const sum = new Map<string, number>();
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) {
    for (const [r, q] of Object.entries(req(c))) {
      const v = parseQuantity(q);
      if (v !== undefined) sum.set(r, (sum.get(r) ?? 0) + v);
    }
  }
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) {
    for (const [r, q] of Object.entries(req(c))) {
      const v = parseQuantity(q);
      if (v !== undefined && v > (sum.get(r) ?? 0)) sum.set(r, v);
    }
  }
  return new Map([...sum].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function largestAllocatable(nodes: readonly KubeObject[], resource: string): { node: string; value: number } | undefined {
  let best: { node: string; value: number } | undefined;
  for (const n of nodes) {
    const v = parseQuantity((n.status as { allocatable?: Record<string, unknown> } | undefined)?.allocatable?.[resource]);
    if (v !== undefined && (!best || v > best.value)) best = { node: n.metadata.name, value: v };
  }
  return best;
}


/** A resource amount as people read it: cpu `2` or `1500m`, bytes `64Gi` or `512Mi`, counts as numbers. */
function format(resource: string, v: number): string {
  if (CPU.has(resource)) return Number.isInteger(v) ? String(v) : `${Math.round(v * 1000)}m`;
  if (BYTES.has(resource)) return formatBytes(v);
  return String(Number(v.toFixed(3)));
}

