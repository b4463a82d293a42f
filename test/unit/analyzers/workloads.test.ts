import { describe, expect, test } from "bun:test";
import { workloads } from "../../../plugins/analyzers/workloads.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { NOW, ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "shop";

function deployment(name: string, o: { replicas?: number; status?: Record<string, unknown> | undefined; created?: number; selector?: Record<string, unknown> } = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NS, uid: `uid-deploy-${name}`, generation: 2, creationTimestamp: ago(o.created ?? 86_400), labels: { app: name } },
    spec: {
      ...(o.replicas === undefined ? { replicas: 3 } : { replicas: o.replicas }),
      selector: o.selector ?? { matchLabels: { app: name, tier: "frontend" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
      template: { metadata: { labels: { app: name, tier: "frontend" } }, spec: { containers: [{ name, image: `registry.example.com/${name}:1.4.2` }] } },
      progressDeadlineSeconds: 600,
    },
    ...(o.status === undefined ? {} : { status: o.status }),
  };
}

const healthyStatus = (n: number) => ({
  observedGeneration: 2,
  replicas: n,
  updatedReplicas: n,
  readyReplicas: n,
  availableReplicas: n,
  conditions: [
    { type: "Available", status: "True", lastUpdateTime: ago(3600), lastTransitionTime: ago(3600), reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." },
    { type: "Progressing", status: "True", lastUpdateTime: ago(3600), lastTransitionTime: ago(7200), reason: "NewReplicaSetAvailable", message: 'ReplicaSet "web-7d9f8c6b5" has successfully progressed.' },
  ],
});

function replicaSet(name: string, owner: KubeObject, replicas: number, status: Record<string, unknown> = { replicas, readyReplicas: replicas, availableReplicas: replicas }, revision = 1): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: NS,
      annotations: { "deployment.kubernetes.io/revision": String(revision), "deployment.kubernetes.io/desired-replicas": String(replicas) },
      uid: `uid-rs-${name}`,
      creationTimestamp: ago(7200),
      labels: { app: owner.metadata.name, "pod-template-hash": name.split("-").pop()! },
      ownerReferences: [{ apiVersion: "apps/v1", kind: owner.kind!, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true } as never],
    },
    spec: { replicas, selector: { matchLabels: { app: owner.metadata.name } } },
    status,
  };
}

function pod(name: string, owner: KubeObject, status: Record<string, unknown>, labels: Record<string, string> = { app: "web", tier: "frontend" }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: NS,
      uid: `uid-pod-${name}`,
      creationTimestamp: ago(3600),
      labels,
      ownerReferences: [{ apiVersion: "apps/v1", kind: owner.kind!, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true } as never],
    },
    spec: { nodeName: "node-a", containers: [{ name: "web", image: "registry.example.com/web:1.4.2" }] },
    status,
  };
}

const running = (container = "web") => ({
  phase: "Running",
  conditions: [
    { type: "PodScheduled", status: "True" },
    { type: "Ready", status: "True" },
  ],
  containerStatuses: [{ name: container, ready: true, restartCount: 0, image: "registry.example.com/web:1.4.2", state: { running: { startedAt: ago(3000) } } }],
});

const crashing = (container = "web") => ({
  phase: "Running",
  conditions: [
    { type: "PodScheduled", status: "True" },
    { type: "Ready", status: "False", reason: "ContainersNotReady", message: `containers with unready status: [${container}]` },
  ],
  containerStatuses: [
    {
      name: container,
      ready: false,
      restartCount: 12,
      image: "registry.example.com/web:1.4.3",
      state: { waiting: { reason: "CrashLoopBackOff", message: `back-off 5m0s restarting failed container=${container} pod=x` } },
      lastState: { terminated: { exitCode: 1, reason: "Error", startedAt: ago(400), finishedAt: ago(390) } },
    },
  ],
});

const unschedulable = {
  phase: "Pending",
  conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod." }],
};

describe("workloads: Deployments", () => {
  test("a healthy Deployment gives nothing", async () => {
    const d = deployment("web", { status: healthyStatus(3) });
    const rs = replicaSet("web-7d9f8c6b5", d, 3);
    const pods = ["a", "b", "c"].map((s) => pod(`web-7d9f8c6b5-${s}`, rs, running()));
    expect(await findingsOf(workloads, [d, rs, ...pods])).toEqual([]);
  });

  test("DeploymentUnavailable: no available replica, cause from the crashing pods", async () => {
    const d = deployment("web", {
      status: {
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 3,
        unavailableReplicas: 3,
        conditions: [
          { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." },
          { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: 'ReplicaSet "web-7d9f8c6b5" has successfully progressed.' },
        ],
      },
    });
    const rs = replicaSet("web-7d9f8c6b5", d, 3, { replicas: 3 });
    const pods = ["a", "b", "c"].map((s) => pod(`web-7d9f8c6b5-${s}`, rs, crashing()));
    const findings = await findingsOf(workloads, [d, rs, ...pods]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ code: "DeploymentUnavailable", severity: "critical", namespace: NS, resource: { kind: "Deployment", name: "web" }, id: "workloads/DeploymentUnavailable/shop/Deployment/web" });
    expect(f.title).toBe("Deployment web has no available replicas (0/3)");
    expect(f.evidence[0]).toBe("0/3 available, 3 updated, 3 unavailable");
    expect(f.evidence).toContain("condition Available=False (MinimumReplicasUnavailable): Deployment does not have minimum availability.");
    // One line for the problem the three pods share.
    expect(f.evidence).toContain("pod web-7d9f8c6b5-a: container web waiting: CrashLoopBackOff (last exit 1 Error, 12 restarts) (+2 more pods)");
    expect(f.evidence.filter((l) => l.startsWith("pod "))).toHaveLength(1);
    expect(f.confirm).toContainEqual(["describe", "deployment", "web", "-n", NS]);
    expect(f.confirm).toContainEqual(["get", "pods", "-n", NS, "-l", "app=web,tier=frontend"]);
    expect(f.confirm).toContainEqual(["rollout", "status", "deployment/web", "-n", NS, "--watch=false"]);
    expect(f.confirm).toContainEqual(["logs", "web-7d9f8c6b5-a", "-c", "web", "-n", NS, "--tail", "20", "--previous"]);
    expect(f.hint).toContain("previous logs");
    await expectWellFormed(workloads, findings);
  });

  test("DeploymentUnavailable when the Available condition is False with some replicas up; unschedulable pods named", async () => {
    const d = deployment("ledger", {
      replicas: 4,
      selector: { matchLabels: { app: "ledger" } },
      status: {
        replicas: 4,
        updatedReplicas: 4,
        availableReplicas: 1,
        unavailableReplicas: 3,
        conditions: [{ type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." }],
      },
    });
    const rs = replicaSet("ledger-5c4b", d, 4, { replicas: 4, availableReplicas: 1 });
    const objs = [d, rs, pod("ledger-5c4b-a", rs, running()), pod("ledger-5c4b-x", rs, unschedulable), pod("ledger-5c4b-y", rs, unschedulable), pod("ledger-5c4b-z", rs, unschedulable)];
    const [f, ...rest] = await findingsOf(workloads, objs);
    expect(rest).toEqual([]);
    expect(f!.code).toBe("DeploymentUnavailable");
    expect(f!.title).toBe("Deployment ledger is below its minimum availability (1/4 available)");
    expect(f!.evidence).toContain(
      "pod ledger-5c4b-x: Pending: 0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod. (+2 more pods)",
    );
    expect(f!.confirm).toContainEqual(["get", "pods", "-n", NS, "-l", "app=ledger"]);
    expect(f!.hint).toContain("No node can take the pods");
    await expectWellFormed(workloads, [f!]);
  });

  test("RolloutStuck: one finding (not Unavailable too), with how many are available", async () => {
    const d = deployment("checkout", {
      replicas: 2,
      status: {
        replicas: 3,
        updatedReplicas: 1,
        availableReplicas: 0,
        unavailableReplicas: 3,
        conditions: [
          { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." },
          { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: 'ReplicaSet "checkout-7d9f" has timed out progressing.' },
        ],
      },
    });
    const oldRs = replicaSet("checkout-5b6c", d, 2, { replicas: 2 }, 4);
    const newRs = replicaSet("checkout-7d9f", d, 1, { replicas: 1 }, 5);
    const pull = {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "True" }],
      containerStatuses: [{ name: "checkout", ready: false, restartCount: 0, image: "registry.example.com/checkout:9.9", state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "registry.example.com/checkout:9.9"' } } }],
    };
    const objs = [d, oldRs, newRs, pod("checkout-5b6c-a", oldRs, crashing("checkout")), pod("checkout-5b6c-b", oldRs, crashing("checkout")), pod("checkout-7d9f-x", newRs, pull)];
    const findings = await findingsOf(workloads, objs);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ code: "RolloutStuck", severity: "critical", resource: { kind: "Deployment", name: "checkout" } });
    expect(f.title).toBe("Deployment checkout rollout is stuck: progress deadline exceeded (0/2 available)");
    expect(f.evidence[0]).toBe("0/2 available, 1 updated, 3 unavailable");
    expect(f.evidence).toContain('condition Progressing=False (ProgressDeadlineExceeded): ReplicaSet "checkout-7d9f" has timed out progressing.');
    // The new ReplicaSet's pods first.
    expect(f.evidence.filter((l) => l.startsWith("pod "))).toEqual([
      'pod checkout-7d9f-x: container checkout waiting: ImagePullBackOff: Back-off pulling image "registry.example.com/checkout:9.9"',
      "pod checkout-5b6c-a: container checkout waiting: CrashLoopBackOff (last exit 1 Error, 12 restarts) (+1 more pod)",
    ]);
    expect(f.confirm).toContainEqual(["rollout", "history", "deployment/checkout", "-n", NS]);
    expect(f.hint).toContain("image cannot be pulled");
    await expectWellFormed(workloads, findings);
  });

  test("RolloutStuck is reported even for a young Deployment; others are not", async () => {
    const stuck = deployment("young", {
      created: 30,
      status: { replicas: 3, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "timed out" }] },
    });
    const starting = deployment("starting", { created: 30, status: { replicas: 3, unavailableReplicas: 3 } });
    const findings = await findingsOf(workloads, [stuck, starting]);
    expect(findings.map((f) => `${f.code}/${f.resource.name}`)).toEqual(["RolloutStuck/young"]);
    expect(findings[0]!.evidence).toContain("no pods found for it");
  });

  test("DeploymentDegraded: some replicas unavailable, Available still True", async () => {
    const d = deployment("web", {
      status: {
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 2,
        availableReplicas: 2,
        unavailableReplicas: 1,
        conditions: [
          { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." },
          { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: 'ReplicaSet "web-7d9f" has successfully progressed.' },
        ],
      },
    });
    const rs = replicaSet("web-7d9f", d, 3, { replicas: 3, availableReplicas: 2 });
    const notReady = {
      phase: "Running",
      conditions: [{ type: "PodScheduled", status: "True" }, { type: "Ready", status: "False", reason: "ContainersNotReady" }],
      containerStatuses: [{ name: "web", ready: false, restartCount: 0, image: "x", state: { running: { startedAt: ago(900) } } }],
    };
    const bad = pod("web-7d9f-c", rs, notReady);
    const probe: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "web-7d9f-c.17f", namespace: NS, creationTimestamp: ago(800) },
      involvedObject: { kind: "Pod", namespace: NS, name: "web-7d9f-c", fieldPath: "spec.containers{web}" },
      type: "Warning",
      reason: "Unhealthy",
      message: "Readiness probe failed: HTTP probe failed with statuscode: 503",
      count: 80,
      firstTimestamp: ago(800),
      lastTimestamp: ago(5),
    };
    const findings = await findingsOf(workloads, [d, rs, pod("web-7d9f-a", rs, running()), pod("web-7d9f-b", rs, running()), bad, probe]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ code: "DeploymentDegraded", severity: "warning" });
    expect(f.title).toBe("Deployment web is degraded: 1 of 3 replicas unavailable");
    expect(f.evidence[0]).toBe("2/3 available, 3 updated, 1 unavailable");
    expect(f.evidence).toContain("pod web-7d9f-c: container web running but not ready: Readiness probe failed: HTTP probe failed with statuscode: 503");
    expect(f.hint).toContain("readiness probe");
    await expectWellFormed(workloads, findings);
  });

  test("a rollout under way is not Degraded", async () => {
    const d = deployment("web", {
      status: {
        replicas: 4,
        updatedReplicas: 1,
        availableReplicas: 3,
        unavailableReplicas: 1,
        conditions: [
          { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
          { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: 'ReplicaSet "web-8a" is progressing.' },
        ],
      },
    });
    expect(await findingsOf(workloads, [d])).toEqual([]);
  });

  test("the FailedCreate of its ReplicaSet is the evidence when no pod exists", async () => {
    const d = deployment("api", { replicas: 2, status: { replicas: 0, unavailableReplicas: 2, conditions: [{ type: "Available", status: "False", reason: "MinimumReplicasUnavailable" }] } });
    const rs = replicaSet("api-6f", d, 2, {
      replicas: 0,
      conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: 'pods "api-6f-x" is forbidden: exceeded quota: compute-quota, requested: limits.memory=2Gi, used: limits.memory=7Gi, limited: limits.memory=8Gi' }],
    });
    const [f] = await findingsOf(workloads, [d, rs]);
    expect(f!.evidence).toContain('replicaset api-6f: FailedCreate: pods "api-6f-x" is forbidden: exceeded quota: compute-quota, requested: limits.memory=2Gi, used: limits.memory=7Gi, limited: limits.memory=8Gi');
    expect(f!.evidence).not.toContain("no pods found for it");
    expect(f!.hint).toContain("cannot create pods");
  });

  test("replicas 0, missing status, young workloads and matchExpressions selectors", async () => {
    expect(await findingsOf(workloads, [deployment("off", { replicas: 0, status: {} })])).toEqual([]);
    expect(await findingsOf(workloads, [deployment("new", { created: 60 })])).toEqual([]);
    // An old Deployment with no status at all: reported, not thrown on.
    const [f] = await findingsOf(workloads, [deployment("nostatus", { selector: { matchLabels: { app: "x" }, matchExpressions: [{ key: "tier", operator: "In", values: ["a"] }] } })]);
    expect(f).toMatchObject({ code: "DeploymentUnavailable", resource: { name: "nostatus" } });
    expect(f!.evidence[0]).toBe("0/3 available, 0 updated, 3 unavailable");
    // No -l command when the selector has matchExpressions.
    expect(f!.confirm.some((c) => c.includes("-l"))).toBe(false);
    await expectWellFormed(workloads, [f!]);
    // Garbage where status and conditions should be.
    const odd = { ...deployment("odd"), status: { conditions: "nope", availableReplicas: "3" } } as KubeObject;
    expect((await findingsOf(workloads, [odd]))[0]!.code).toBe("DeploymentUnavailable");
  });
});

function statefulSet(name: string, replicas: number, status?: Record<string, unknown>, created = 86_400): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: NS, uid: `uid-sts-${name}`, creationTimestamp: ago(created) },
    spec: { replicas, serviceName: name, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "postgres:16" }] } } },
    ...(status ? { status } : {}),
  };
}

describe("workloads: StatefulSets", () => {
  test("all ready: nothing; scaled to 0: nothing", async () => {
    expect(await findingsOf(workloads, [statefulSet("db", 3, { replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3 })])).toEqual([]);
    expect(await findingsOf(workloads, [statefulSet("db", 0, { replicas: 0 })])).toEqual([]);
    expect(await findingsOf(workloads, [statefulSet("db", 2, { replicas: 0 }, 30)])).toEqual([]);
  });

  test("StatefulSetUnavailable with the pod that holds it back", async () => {
    const s = statefulSet("db", 3, { replicas: 2, readyReplicas: 1, currentReplicas: 2, updatedReplicas: 2 });
    const p0 = pod("db-0", s, running("db"), { app: "db" });
    const p1 = pod("db-1", s, unschedulable, { app: "db" });
    const findings = await findingsOf(workloads, [s, p0, p1]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ code: "StatefulSetUnavailable", severity: "critical", resource: { kind: "StatefulSet", name: "db" }, namespace: NS });
    expect(f.title).toBe("StatefulSet db has 1/3 ready replicas");
    expect(f.evidence[0]).toBe("1/3 ready, 2 current, 2 updated, 2 pods exist");
    expect(f.evidence).toContain(
      "pod db-1: Pending: 0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
    expect(f.confirm).toContainEqual(["get", "pods", "-n", NS, "-l", "app=db"]);
    expect(f.confirm).toContainEqual(["rollout", "status", "statefulset/db", "-n", NS, "--watch=false"]);
    await expectWellFormed(workloads, findings);
  });

  test("missing status on an old StatefulSet: reported without throwing", async () => {
    const [f] = await findingsOf(workloads, [statefulSet("db", 1)]);
    expect(f!.evidence[0]).toBe("0/1 ready, 0 current, 0 updated, 0 pods exist");
  });
});

function daemonSet(name: string, status?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: "kube-system", uid: `uid-ds-${name}`, creationTimestamp: ago(86_400) },
    spec: { selector: { matchLabels: { "k8s-app": name } }, template: { metadata: { labels: { "k8s-app": name } }, spec: { containers: [{ name, image: "fluent-bit:3" }] } } },
    ...(status ? { status } : {}),
  };
}

describe("workloads: DaemonSets", () => {
  test("all ready: nothing; nothing desired: nothing", async () => {
    const ok = { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, numberAvailable: 3, updatedNumberScheduled: 3, numberMisscheduled: 0 };
    expect(await findingsOf(workloads, [daemonSet("logs", ok), daemonSet("none", { desiredNumberScheduled: 0 }), daemonSet("nostatus")])).toEqual([]);
  });

  test("DaemonSetUnavailable with the failing pod", async () => {
    const ds = daemonSet("logs", { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, numberAvailable: 2, numberUnavailable: 1, updatedNumberScheduled: 3 });
    const oom = {
      phase: "Running",
      containerStatuses: [
        { name: "logs", ready: false, restartCount: 7, image: "fluent-bit:3", state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 137, reason: "OOMKilled" } } },
      ],
    };
    const p = { ...pod("logs-abcde", ds, oom, { "k8s-app": "logs" }), metadata: { ...pod("logs-abcde", ds, oom).metadata, namespace: "kube-system" } } as KubeObject;
    const findings = await findingsOf(workloads, [ds, p]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ code: "DaemonSetUnavailable", severity: "critical", namespace: "kube-system", resource: { kind: "DaemonSet", name: "logs" } });
    expect(f.title).toBe("DaemonSet logs has 2/3 pods ready (1 unavailable)");
    expect(f.evidence[0]).toBe("2/3 ready, 1 unavailable, 3 up to date, 3 scheduled");
    expect(f.evidence).toContain("pod logs-abcde: container logs waiting: CrashLoopBackOff (last exit 137 OOMKilled, 7 restarts)");
    expect(f.hint).toContain("OOMKilled");
    expect(f.confirm).toContainEqual(["logs", "logs-abcde", "-c", "logs", "-n", "kube-system", "--tail", "20", "--previous"]);
    await expectWellFormed(workloads, findings);
  });

  test("numberReady below desired without numberUnavailable is reported too", async () => {
    const [f] = await findingsOf(workloads, [daemonSet("logs", { desiredNumberScheduled: 3, numberReady: 1 })]);
    expect(f!.title).toBe("DaemonSet logs has 1/3 pods ready");
  });

  test("findings are deterministic", async () => {
    expect(NOW).toBe(Date.parse("2026-06-01T12:00:00Z"));
    const objs = [daemonSet("a", { desiredNumberScheduled: 2 }), statefulSet("b", 2), deployment("c")];
    expect(await findingsOf(workloads, objs)).toEqual(await findingsOf(workloads, [...objs].reverse()));
  });
});
