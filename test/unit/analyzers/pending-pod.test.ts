import { describe, expect, test } from "bun:test";
import { pendingPod } from "../../../plugins/analyzers/pending-pod.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "payments";

interface PodInput {
  createdAgo?: number;
  phase?: string;
  scheduled?: { status: string; reason?: string; message?: string } | null;
  nodeName?: string;
  containers?: { name: string; requests?: Record<string, string> }[];
  init?: { name: string; requests?: Record<string, string> }[];
  volumes?: unknown[];
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  schedulerName?: string;
}

function pod(name: string, o: PodInput = {}): KubeObject {
  const containers = o.containers ?? [{ name: "reconciler", requests: { cpu: "2", memory: "64Gi" } }];
  const toSpec = (c: { name: string; requests?: Record<string, string> }) => ({ name: c.name, image: `registry.example.com/payments/${c.name}:1.0.0`, resources: c.requests ? { requests: c.requests, limits: { memory: c.requests.memory ?? "1Gi" } } : {} });
  const scheduled = o.scheduled === undefined ? { status: "False", reason: "Unschedulable", message: "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod." } : o.scheduled;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: ago(o.createdAgo ?? 1500), ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "ledger-reconciler-6c5d8f7b9a", uid: "uid-rs", controller: true }] },
    spec: {
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.schedulerName ? { schedulerName: o.schedulerName } : { schedulerName: "default-scheduler" }),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.init ? { initContainers: o.init.map(toSpec) } : {}),
      containers: containers.map(toSpec),
      tolerations: o.tolerations ?? [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
      ...(o.volumes ? { volumes: o.volumes } : {}),
    },
    status: {
      phase: o.phase ?? "Pending",
      qosClass: "Burstable",
      ...(scheduled ? { conditions: [{ type: "PodScheduled", lastProbeTime: null, lastTransitionTime: ago(o.createdAgo ?? 1500), ...scheduled }] } : {}),
    },
  };
}

const node = (name: string, allocatable: Record<string, string>, unschedulable = false): KubeObject => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name, uid: `uid-${name}`, labels: { "kubernetes.io/hostname": name } },
  spec: unschedulable ? { unschedulable: true } : {},
  status: { capacity: allocatable, allocatable, conditions: [{ type: "Ready", status: "True" }] },
});

const NODES = [node("node-1", { cpu: "4", memory: "15991268Ki", pods: "110" }), node("node-2", { cpu: "4", memory: "7940Mi", pods: "110" }), node("node-3", { cpu: "8", memory: "31Gi", pods: "110" }, true)];

const failedScheduling = (p: KubeObject, message: string, count = 40): KubeObject => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: `${p.metadata.name}.fs`, namespace: NS },
  involvedObject: { apiVersion: "v1", kind: "Pod", name: p.metadata.name, namespace: NS, uid: p.metadata.uid },
  reason: "FailedScheduling",
  message,
  type: "Warning",
  count,
  firstTimestamp: ago(1500),
  lastTimestamp: ago(30),
  source: { component: "default-scheduler" },
});

const pvc = (name: string, phase: string, storageClassName = "fast-ssd"): KubeObject => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace: NS, uid: `uid-${name}` },
  spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: "10Gi" } }, volumeMode: "Filesystem" },
  status: { phase },
});

describe("pending-pod", () => {
  test("Insufficient memory: the scheduler's message, the requests and the largest schedulable node's allocatable", async () => {
    const p = pod("ledger-reconciler-6c5d8f7b9a-q2x7l");
    const findings = await findingsOf(pendingPod, [p, failedScheduling(p, "0/3 nodes are available: 3 Insufficient memory."), ...NODES]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      id: "pending-pod/PodUnschedulable/payments/Pod/ledger-reconciler-6c5d8f7b9a-q2x7l",
      code: "PodUnschedulable",
      severity: "critical",
      namespace: "payments",
      resource: { kind: "Pod", name: "ledger-reconciler-6c5d8f7b9a-q2x7l" },
      title: "Pod ledger-reconciler-6c5d8f7b9a-q2x7l cannot be scheduled: insufficient memory",
    });
    expect(f.evidence[0]).toBe("PodScheduled=False (Unschedulable): 0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
    expect(f.evidence[1]).toStartWith("Warning FailedScheduling (x40 over 25m");
    expect(f.evidence).toContain("requests: cpu 2, memory 64Gi");
    expect(f.evidence).toContain("largest allocatable memory: 15.3Gi (node-1, of 2 schedulable nodes)");
    expect(f.hint).toContain("No node can ever fit it: its memory request 64Gi exceeds the largest node's allocatable 15.3Gi");
    expect(f.confirm).toContainEqual(["describe", "nodes"]);
    await expectWellFormed(pendingPod, findings);
  });

  test("Insufficient cpu that a node could hold says the nodes are full, and counts init containers in the requests", async () => {
    const p = pod("batch-1", {
      containers: [{ name: "a", requests: { cpu: "1500m", memory: "1Gi" } }, { name: "b", requests: { cpu: "1", memory: "512Mi" } }],
      init: [{ name: "setup", requests: { cpu: "500m", memory: "4Gi" } }],
      scheduled: { status: "False", reason: "Unschedulable", message: "0/2 nodes are available: 2 Insufficient cpu." },
    });
    const [f] = await findingsOf(pendingPod, [p, ...NODES]);
    expect(f!.evidence).toContain("requests: cpu 2500m, memory 4Gi");
    expect(f!.evidence).toContain("largest allocatable cpu: 4 (node-1, of 2 schedulable nodes)");
    expect(f!.hint).toContain("The nodes lack free cpu for its request (2500m)");
  });

  test("untolerated taints and a node selector are both named", async () => {
    const message = "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    const p = pod("gpu-job-1", { nodeSelector: { "accelerator": "nvidia-a100" }, scheduled: { status: "False", reason: "Unschedulable", message } });
    const findings = await findingsOf(pendingPod, [p, ...NODES]);
    const f = findings[0]!;
    expect(f.title).toBe("Pod gpu-job-1 cannot be scheduled: untolerated taints; no node matches its node selector/affinity");
    expect(f.evidence).toContain("nodeSelector: accelerator=nvidia-a100");
    expect(f.evidence).toContain("tolerations: 2");
    expect(f.hint).toContain("{node-role.kubernetes.io/control-plane:}");
    expect(f.hint).toContain("nodeSelector");
    await expectWellFormed(pendingPod, findings);
  });

  test("a selector mismatch alone is confirmed with the node labels", async () => {
    const p = pod("web-1", { nodeSelector: { disktype: "ssd" }, scheduled: { status: "False", reason: "Unschedulable", message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector." } });
    const [f] = await findingsOf(pendingPod, [p]);
    expect(f!.confirm).toContainEqual(["get", "nodes", "--show-labels"]);
    await expectWellFormed(pendingPod, [f!]);
  });

  test("unbound PersistentVolumeClaims give PodPendingVolume naming the Pending claim and its warning", async () => {
    const p = pod("postgres-0", {
      containers: [{ name: "postgres", requests: { cpu: "250m", memory: "512Mi" } }],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data-postgres-0" } }, { name: "backup", persistentVolumeClaim: { claimName: "backup" } }, { name: "cfg", configMap: { name: "pg" } }],
      scheduled: { status: "False", reason: "Unschedulable", message: "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling." },
    });
    const claim = pvc("data-postgres-0", "Pending");
    const provisioning: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "data-postgres-0.pf", namespace: NS },
      involvedObject: { apiVersion: "v1", kind: "PersistentVolumeClaim", name: "data-postgres-0", namespace: NS, uid: "uid-data-postgres-0" },
      reason: "ProvisioningFailed",
      message: 'storageclass.storage.k8s.io "fast-ssd" not found',
      type: "Warning",
      count: 12,
      firstTimestamp: ago(1400),
      lastTimestamp: ago(60),
    };
    const findings = await findingsOf(pendingPod, [p, claim, pvc("backup", "Bound"), provisioning]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ code: "PodPendingVolume", severity: "critical", title: "Pod postgres-0 cannot be scheduled: PersistentVolumeClaim data-postgres-0 not bound" });
    expect(f.evidence).toContain("PersistentVolumeClaim data-postgres-0: Pending, storageClass fast-ssd, 10Gi, ReadWriteOnce");
    expect(f.evidence.some((l) => l.startsWith("Warning ProvisioningFailed (x12") && l.endsWith('storageclass.storage.k8s.io "fast-ssd" not found'))).toBe(true);
    expect(f.evidence.some((l) => l.includes("backup"))).toBe(false);
    expect(f.confirm).toContainEqual(["describe", "pvc", "data-postgres-0", "-n", "payments"]);
    expect(f.hint).toContain("StorageClass fast-ssd exists");
    await expectWellFormed(pendingPod, findings);
  });

  test("a claim missing from the namespace is named as not found", async () => {
    const p = pod("app-1", { volumes: [{ name: "data", persistentVolumeClaim: { claimName: "app-data" } }], scheduled: { status: "False", reason: "Unschedulable", message: '0/3 nodes are available: persistentvolumeclaim "app-data" not found.' } });
    const [f] = await findingsOf(pendingPod, [p]);
    expect(f!.code).toBe("PodPendingVolume");
    expect(f!.evidence).toContain("PersistentVolumeClaim app-data: not found");
    expect(f!.hint).toContain("Create PersistentVolumeClaim app-data");
  });

  test("without the nodes and claims (not readable) it claims no largest node and no missing claim", async () => {
    const p = pod("app-2", { volumes: [{ name: "data", persistentVolumeClaim: { claimName: "app-data" } }], scheduled: { status: "False", reason: "Unschedulable", message: "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims." } });
    const q = pod("big-1");
    const findings = await findingsOf(pendingPod, [p, q], { unavailable: ["nodes", "persistentvolumeclaims"] });
    const volume = findings.find((f) => f.code === "PodPendingVolume")!;
    expect(volume.evidence).toContain("PersistentVolumeClaim app-data");
    expect(volume.hint).not.toContain("Create PersistentVolumeClaim");
    const big = findings.find((f) => f.code === "PodUnschedulable")!;
    expect(big.evidence.some((l) => l.includes("allocatable"))).toBe(false);
    expect(big.hint).toContain("The nodes lack free memory for its request (64Gi)");
    await expectWellFormed(pendingPod, findings);
  });

  test("a pod Pending under a minute without a scheduler verdict is just starting", async () => {
    expect(await findingsOf(pendingPod, [pod("new-1", { createdAgo: 20, scheduled: null })])).toEqual([]);
  });

  test("a pod Pending for minutes with no PodScheduled condition says no scheduler acted on it", async () => {
    const findings = await findingsOf(pendingPod, [pod("lost-1", { createdAgo: 600, scheduled: null, schedulerName: "my-scheduler" })]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: "PodUnschedulable", title: "Pod lost-1 has not been scheduled for 10m" });
    expect(findings[0]!.evidence).toContain("schedulerName: my-scheduler");
    expect(findings[0]!.hint).toContain('"my-scheduler"');
    await expectWellFormed(pendingPod, findings);
  });

  test("pods held by scheduling gates are left alone", async () => {
    expect(await findingsOf(pendingPod, [pod("gated-1", { scheduled: { status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates" } })])).toEqual([]);
  });

  test("a scheduled pod still creating containers is left to others", async () => {
    expect(await findingsOf(pendingPod, [pod("creating-1", { nodeName: "node-1", scheduled: { status: "True" } })])).toEqual([]);
  });

  test("running and done pods give no finding", async () => {
    expect(await findingsOf(pendingPod, [pod("run-1", { phase: "Running", nodeName: "node-1", scheduled: { status: "True" } })])).toEqual([]);
    expect(await findingsOf(pendingPod, [pod("done-1", { phase: "Failed" })])).toEqual([]);
  });

  test("malformed pods (no spec, no status, no creation time) do not throw", async () => {
    const bare: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "bare", namespace: NS } };
    const pendingNoSpec: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "nospec", namespace: NS }, status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] } };
    const noTime: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "notime", namespace: NS }, spec: {}, status: { phase: "Pending" } };
    const findings = await findingsOf(pendingPod, [bare, pendingNoSpec, noTime]);
    expect(findings.map((f) => f.title)).toEqual(["Pod nospec cannot be scheduled: no node fits"]);
    expect(findings[0]!.evidence).toContain("requests: none");
  });
});
