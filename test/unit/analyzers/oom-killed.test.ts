import { describe, expect, test } from "bun:test";
import { oomKilled } from "../../../plugins/analyzers/oom-killed.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "shop";
const NAME = "recommendations-84d6c9f7b8-zt5wd";

interface C {
  name?: string;
  restartCount?: number;
  state?: Record<string, unknown>;
  lastState?: Record<string, unknown>;
  resources?: Record<string, unknown>;
  init?: boolean;
}

const oom = (startedAgo: number, finishedAgo: number) => ({ terminated: { exitCode: 137, reason: "OOMKilled", startedAt: ago(startedAgo), finishedAt: ago(finishedAgo), containerID: "containerd://5e1d" } });
const LIMITED = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "128Mi" } };

function pod(cs: C[], o: { name?: string; phase?: string } = {}): KubeObject {
  const name = o.name ?? NAME;
  const status = (c: C) => ({
    name: c.name ?? "recommender",
    image: "registry.example.com/shop/recommender:2.0.1",
    imageID: "registry.example.com/shop/recommender@sha256:77c1",
    ready: Boolean(c.state && "running" in c.state),
    restartCount: c.restartCount ?? 0,
    state: c.state ?? { running: { startedAt: ago(3600) } },
    lastState: c.lastState ?? {},
  });
  const spec = (c: C) => ({ name: c.name ?? "recommender", image: "registry.example.com/shop/recommender:2.0.1", resources: c.resources ?? LIMITED });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: ago(2 * 86400), ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "recommendations-84d6c9f7b8", uid: "uid-rs", controller: true }] },
    spec: { nodeName: "node-3", initContainers: cs.filter((c) => c.init).map(spec), containers: cs.filter((c) => !c.init).map(spec) },
    status: {
      phase: o.phase ?? "Running",
      conditions: [{ type: "Ready", status: "False", reason: "ContainersNotReady" }, { type: "PodScheduled", status: "True" }],
      initContainerStatuses: cs.filter((c) => c.init).map(status),
      containerStatuses: cs.filter((c) => !c.init).map(status),
    },
  };
}

const metrics = (name: string, containers: Record<string, string>): KubeObject => ({
  apiVersion: "metrics.k8s.io/v1beta1",
  kind: "PodMetrics",
  metadata: { name, namespace: NS, creationTimestamp: ago(0) },
  timestamp: ago(15),
  window: "15s",
  containers: Object.entries(containers).map(([n, memory]) => ({ name: n, usage: { cpu: "412m", memory } })),
});

const backOff = (p: KubeObject): KubeObject => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: `${p.metadata.name}.backoff`, namespace: NS },
  involvedObject: { apiVersion: "v1", kind: "Pod", name: p.metadata.name, namespace: NS, uid: p.metadata.uid, fieldPath: "spec.containers{recommender}" },
  reason: "BackOff",
  message: `Back-off restarting failed container recommender in pod ${p.metadata.name}_shop(${p.metadata.uid})`,
  type: "Warning",
  count: 6,
  firstTimestamp: ago(5 * 3600),
  lastTimestamp: ago(60),
  source: { component: "kubelet", host: "node-3" },
});

describe("oom-killed", () => {
  test("a container terminated OOMKilled right now is critical, with limit, request, restarts and the kill", async () => {
    const p = pod([{ restartCount: 4, state: oom(95, 20), lastState: oom(24 * 60, 19 * 60 + 50) }]);
    const findings = await findingsOf(oomKilled, [p], { unavailable: ["podmetrics"] });
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      id: `oom-killed/OOMKilled/shop/Pod/${NAME}/recommender`,
      code: "OOMKilled",
      severity: "critical",
      namespace: "shop",
      resource: { kind: "Pod", name: NAME },
      title: `Pod ${NAME}: container recommender was OOMKilled at its 128Mi memory limit and is down (4 restarts)`,
    });
    expect(f.evidence).toEqual([
      "state: OOMKilled, exit code 137, ran 75s, finished 20s ago",
      "memory limit 128Mi, request 128Mi",
      "no metrics (metrics-server not installed)",
      "restarts: 4",
    ]);
    expect(f.hint).toContain("128Mi limit");
    expect(f.confirm).toContainEqual(["logs", NAME, "-c", "recommender", "-n", "shop", "--tail", "20"]);
    expect(f.confirm.some((argv) => argv[0] === "top")).toBe(false);
    await expectWellFormed(oomKilled, findings);
  });

  test("a container in CrashLoopBackOff after an OOM kill is critical and shows usage against the limit", async () => {
    const p = pod([{ restartCount: 9, state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container" } }, lastState: oom(400, 250) }]);
    const findings = await findingsOf(oomKilled, [p, backOff(p), metrics(NAME, { recommender: "125829120" })]);
    const f = findings[0]!;
    expect([f.code, f.severity]).toEqual(["OOMKilled", "critical"]);
    expect(f.evidence).toContain("last state: OOMKilled, exit code 137, ran 2m30s, finished 4m10s ago");
    expect(f.evidence).toContain("now: waiting (CrashLoopBackOff)");
    expect(f.evidence).toContain("usage 120Mi of 128Mi limit (94%)");
    expect(f.evidence).toContain("restarts: 9");
    expect(f.evidence.some((l) => l.startsWith("Warning BackOff (x6 over 5h"))).toBe(true);
    expect(f.confirm).toContainEqual(["logs", NAME, "-c", "recommender", "-n", "shop", "--tail", "20", "--previous"]);
    expect(f.confirm).toContainEqual(["top", "pod", NAME, "-n", "shop", "--containers"]);
    await expectWellFormed(oomKilled, findings);
  });

  test("a container running again after a recent OOM kill is a warning", async () => {
    const p = pod([{ restartCount: 1, state: { running: { startedAt: ago(1800) } }, lastState: oom(7200, 1800), resources: { requests: { memory: "1Gi" }, limits: { memory: "2Gi" } } }]);
    const findings = await findingsOf(oomKilled, [p, metrics(NAME, { recommender: "1288490189" })]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ code: "OOMKilledRecently", severity: "warning", title: `Pod ${NAME}: container recommender was OOMKilled at its 2Gi memory limit 30m ago and runs again` });
    expect(f.evidence).toContain("now: running");
    expect(f.evidence).toContain("memory limit 2Gi, request 1Gi");
    expect(f.evidence).toContain("usage 1.2Gi of 2Gi limit (60%)");
    expect(f.evidence.some((l) => l.startsWith("Warning"))).toBe(false);
    await expectWellFormed(oomKilled, findings);
  });

  test("an OOM kill more than a day ago on a container that runs again is not reported", async () => {
    const p = pod([{ restartCount: 1, state: { running: { startedAt: ago(2 * 86400) } }, lastState: oom(3 * 86400, 2 * 86400) }]);
    expect(await findingsOf(oomKilled, [p])).toEqual([]);
  });

  test("without a memory limit it says the node ran out of memory", async () => {
    const p = pod([{ restartCount: 2, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: oom(200, 100), resources: {} }]);
    const [f] = await findingsOf(oomKilled, [p, metrics(NAME, {})]);
    expect(f!.title).toBe(`Pod ${NAME}: container recommender was OOMKilled and is down (2 restarts)`);
    expect(f!.evidence).toContain("memory limit: none, request: none");
    expect(f!.evidence).toContain("no metrics for this container (it is not running)");
    expect(f!.hint).toContain("No memory limit");
  });

  test("reports an init container killed for memory", async () => {
    const p = pod([{ name: "warm-cache", init: true, restartCount: 3, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: oom(90, 60) }, { state: { waiting: { reason: "PodInitializing" } } }], { phase: "Pending" });
    const findings = await findingsOf(oomKilled, [p]);
    expect(findings.map((f) => f.id)).toEqual([`oom-killed/OOMKilled/shop/Pod/${NAME}/warm-cache`]);
    expect(findings[0]!.title).toContain("init container warm-cache");
    await expectWellFormed(oomKilled, findings);
  });

  test("other terminations (exit 1, Error) are not OOM kills", async () => {
    const p = pod([{ restartCount: 3, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 1, reason: "Error" } } }]);
    expect(await findingsOf(oomKilled, [p])).toEqual([]);
  });

  test("a healthy pod gives no finding", async () => {
    expect(await findingsOf(oomKilled, [pod([{}])])).toEqual([]);
  });

  test("a pod that is done gives no finding", async () => {
    expect(await findingsOf(oomKilled, [pod([{ state: oom(95, 20) }], { phase: "Failed" })])).toEqual([]);
  });

  test("malformed pods and metrics do not throw", async () => {
    const bare: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "bare", namespace: NS } };
    const noSpec: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "nospec", namespace: NS }, status: { phase: "Running", containerStatuses: [{ name: "x", state: { terminated: { reason: "OOMKilled" } } }] } };
    const badMetrics: KubeObject = { apiVersion: "metrics.k8s.io/v1beta1", kind: "PodMetrics", metadata: { name: "nospec", namespace: NS }, containers: [{ name: "x", usage: { memory: "lots" } }] };
    const findings = await findingsOf(oomKilled, [bare, noSpec, badMetrics]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.evidence[0]).toBe("state: OOMKilled, exit code ?");
    expect(findings[0]!.evidence).toContain("no metrics for this container (it is not running)");
  });
});
