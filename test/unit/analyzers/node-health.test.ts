import { describe, expect, test } from "bun:test";
import { nodeHealth } from "../../../plugins/analyzers/node-health.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

type Cond = { type: string; status: string; reason?: string; message?: string; lastHeartbeatTime?: string; lastTransitionTime?: string };

const healthyConditions = (): Cond[] => [
  { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available", lastHeartbeatTime: ago(20), lastTransitionTime: ago(86_400) },
  { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure", lastHeartbeatTime: ago(20), lastTransitionTime: ago(86_400) },
  { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available", lastHeartbeatTime: ago(20), lastTransitionTime: ago(86_400) },
  { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: ago(20), lastTransitionTime: ago(86_400) },
];

function node(name: string, o: { conditions?: Cond[]; unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[]; created?: number; status?: boolean } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-${name}`, creationTimestamp: ago(o.created ?? 30 * 86_400), labels: { "kubernetes.io/hostname": name, "node-role.kubernetes.io/worker": "" } },
    spec: { podCIDR: "10.244.1.0/24", ...(o.unschedulable ? { unschedulable: true } : {}), ...(o.taints ? { taints: o.taints } : {}) },
    ...(o.status === false
      ? {}
      : {
          status: {
            capacity: { cpu: "4", memory: "16318588Ki", pods: "110" },
            allocatable: { cpu: "3920m", memory: "15167612Ki", pods: "110" },
            conditions: o.conditions ?? healthyConditions(),
            addresses: [{ type: "InternalIP", address: "10.0.0.11" }],
            nodeInfo: { kubeletVersion: "v1.31.2", containerRuntimeVersion: "containerd://1.7.22" },
          },
        }),
  };
}

const withCondition = (type: string, patch: Partial<Cond>): Cond[] => healthyConditions().map((c) => (c.type === type ? { ...c, ...patch } : c));

function pod(name: string, namespace: string, nodeName: string, phase = "Running"): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace }, spec: { nodeName, containers: [{ name: "c", image: "x" }] }, status: { phase } };
}

describe("node-health", () => {
  test("Ready nodes give nothing", async () => {
    expect(await findingsOf(nodeHealth, [node("node-a"), node("node-b"), pod("web-1", "shop", "node-a")])).toEqual([]);
  });

  test("a namespace snapshot holds no nodes: nothing", async () => {
    expect(await findingsOf(nodeHealth, [pod("web-1", "shop", "node-a")], { namespace: "shop" })).toEqual([]);
  });

  test("NodeNotReady (Unknown: kubelet stopped posting), with heartbeat age and its pods", async () => {
    const down = node("node-b", {
      conditions: withCondition("Ready", { status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastHeartbeatTime: ago(400), lastTransitionTime: ago(360) }),
      taints: [
        { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" },
        { key: "node.kubernetes.io/unreachable", effect: "NoExecute" },
      ],
    });
    const objs = [node("node-a"), down, pod("web-1", "shop", "node-b"), pod("db-0", "data", "node-b"), pod("done", "shop", "node-b", "Succeeded"), pod("web-2", "shop", "node-a")];
    const findings = await findingsOf(nodeHealth, objs);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      id: "node-health/NodeNotReady/_/Node/node-b",
      code: "NodeNotReady",
      severity: "critical",
      namespace: null,
      resource: { kind: "Node", name: "node-b" },
      title: "Node node-b is NotReady for 6m: its kubelet stopped reporting",
    });
    expect(f.evidence).toEqual([
      "Ready=Unknown (NodeStatusUnknown): Kubelet stopped posting node status.",
      "last heartbeat 6m40s ago",
      "2 pods on it: data/db-0, shop/web-1",
      "taints: node.kubernetes.io/unreachable:NoSchedule, node.kubernetes.io/unreachable:NoExecute",
    ]);
    expect(f.confirm).toEqual([
      ["describe", "node", "node-b"],
      ["events", "--for", "node/node-b"],
    ]);
    expect(f.hint).toContain("kubelet");
    await expectWellFormed(nodeHealth, findings);
  });

  test("NodeNotReady (False), but not for a node that just joined", async () => {
    const msg = "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized";
    const notReady = withCondition("Ready", { status: "False", reason: "KubeletNotReady", message: msg, lastTransitionTime: ago(7200) });
    const [f, ...rest] = await findingsOf(nodeHealth, [node("node-c", { conditions: notReady }), node("node-new", { conditions: notReady, created: 40 })]);
    expect(rest).toEqual([]);
    expect(f!.title).toBe("Node node-c is NotReady for 120m");
    expect(f!.evidence[0]).toBe(`Ready=False (KubeletNotReady): ${msg}`);
    expect(f!.evidence).toContain("no running pods on it");
    expect(f!.hint).toContain("network plugin");
  });

  test("NodePressure: one finding per pressure condition", async () => {
    const conditions = healthyConditions().map((c) =>
      c.type === "MemoryPressure"
        ? { ...c, status: "True", reason: "KubeletHasInsufficientMemory", message: "kubelet has insufficient memory available", lastTransitionTime: ago(300) }
        : c.type === "DiskPressure"
          ? { ...c, status: "True", reason: "KubeletHasDiskPressure", message: "kubelet has disk pressure", lastTransitionTime: ago(5400) }
          : c,
    );
    const n = node("node-d", { conditions, taints: [{ key: "node.kubernetes.io/memory-pressure", effect: "NoSchedule" }, { key: "node.kubernetes.io/disk-pressure", effect: "NoSchedule" }] });
    const findings = await findingsOf(nodeHealth, [n, pod("cache-1", "shop", "node-d")]);
    expect(findings.map((f) => f.id)).toEqual(["node-health/NodePressure/_/Node/node-d/DiskPressure", "node-health/NodePressure/_/Node/node-d/MemoryPressure"]);
    const [disk, mem] = findings;
    expect(mem).toMatchObject({ code: "NodePressure", severity: "warning", namespace: null, resource: { kind: "Node", name: "node-d" }, title: "Node node-d has MemoryPressure for 5m" });
    expect(mem!.evidence).toEqual(["MemoryPressure=True (KubeletHasInsufficientMemory): kubelet has insufficient memory available", "taints: node.kubernetes.io/memory-pressure:NoSchedule", "1 pod on it: shop/cache-1"]);
    expect(mem!.hint).toContain("memory");
    expect(disk!.title).toBe("Node node-d has DiskPressure for 90m");
    expect(disk!.evidence[1]).toBe("taints: node.kubernetes.io/disk-pressure:NoSchedule");
    expect(disk!.confirm).toContainEqual(["top", "node", "node-d"]);
    await expectWellFormed(nodeHealth, findings);
  });

  test("NodeUnschedulable: cordoned, with its taints", async () => {
    const n = node("node-e", { unschedulable: true, taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }, { key: "dedicated", value: "gpu", effect: "NoSchedule" }] });
    const findings = await findingsOf(nodeHealth, [n]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ id: "node-health/NodeUnschedulable/_/Node/node-e", code: "NodeUnschedulable", severity: "info", title: "Node node-e is cordoned (unschedulable)" });
    expect(f.evidence).toEqual(["taints: node.kubernetes.io/unschedulable:NoSchedule, dedicated=gpu:NoSchedule", "no running pods on it"]);
    await expectWellFormed(nodeHealth, findings);
  });

  test("a node can be NotReady, under pressure and cordoned at once", async () => {
    const conditions = healthyConditions().map((c) => (c.type === "PIDPressure" ? { ...c, status: "True" } : c.type === "Ready" ? { ...c, status: "False" } : c));
    const findings = await findingsOf(nodeHealth, [node("node-f", { conditions, unschedulable: true })]);
    expect(findings.map((f) => `${f.severity}/${f.code}`)).toEqual(["critical/NodeNotReady", "warning/NodePressure", "info/NodeUnschedulable"]);
    await expectWellFormed(nodeHealth, findings);
  });

  test("missing status or conditions: nothing, and no throw", async () => {
    expect(await findingsOf(nodeHealth, [node("a", { status: false }), { ...node("b"), status: { conditions: "nope" } } as KubeObject, { ...node("c"), spec: { taints: "x" } } as KubeObject])).toEqual([]);
    const [f] = await findingsOf(nodeHealth, [node("d", { conditions: [{ type: "Ready", status: "Unknown" }] })]);
    expect(f!.title).toBe("Node d is NotReady: its kubelet stopped reporting");
    expect(f!.evidence).toEqual(["Ready=Unknown", "no running pods on it"]);
  });
});
