import { describe, expect, test } from "bun:test";
import { crashLoop, telling } from "../../../plugins/analyzers/crash-loop.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { NOW, ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";
import { analyze, createSnapshot } from "../../../lib/diagnose/index.ts";

const NS = "shop";

interface StatusInput {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: Record<string, unknown>;
  lastState?: Record<string, unknown>;
}

/** A pod as the API server returns it; `statuses` override the running, ready default. */
function pod(name: string, o: { rs?: string; uid?: string; phase?: string; statuses?: StatusInput[]; init?: StatusInput[]; deleting?: boolean } = {}): KubeObject {
  const statuses = o.statuses ?? [{ name: "app", ready: true, state: { running: { startedAt: ago(3600) } } }];
  const toStatus = (s: StatusInput) => ({
    name: s.name,
    image: `registry.example.com/shop/${s.name}:1.5.0`,
    imageID: `registry.example.com/shop/${s.name}@sha256:4f2a`,
    containerID: "containerd://9b1c",
    ready: s.ready ?? false,
    started: s.ready ?? false,
    restartCount: s.restartCount ?? 0,
    state: s.state ?? {},
    lastState: s.lastState ?? {},
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: NS,
      uid: o.uid ?? `uid-${name}`,
      creationTimestamp: ago(1020),
      labels: { app: "checkout" },
      ...(o.deleting ? { deletionTimestamp: ago(5) } : {}),
      ...(o.rs ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: o.rs, uid: `uid-${o.rs}`, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: {
      nodeName: "node-2",
      ...(o.init ? { initContainers: o.init.map((s) => ({ name: s.name, image: `registry.example.com/shop/${s.name}:1.5.0` })) } : {}),
      containers: statuses.map((s) => ({ name: s.name, image: `registry.example.com/shop/${s.name}:1.5.0`, resources: { requests: { cpu: "100m", memory: "128Mi" } } })),
    },
    status: {
      phase: o.phase ?? "Running",
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: ago(1020) },
        { type: "Ready", status: statuses.every((s) => s.ready) ? "True" : "False", lastTransitionTime: ago(900) },
      ],
      ...(o.init ? { initContainerStatuses: o.init.map(toStatus) } : {}),
      containerStatuses: statuses.map(toStatus),
    },
  };
}

const crashing = (name = "app", last: Record<string, unknown> = { exitCode: 1, reason: "Error", startedAt: ago(160), finishedAt: ago(151) }, restartCount = 7): StatusInput => ({
  name,
  restartCount,
  state: { waiting: { reason: "CrashLoopBackOff", message: `back-off 5m0s restarting failed container=${name} pod=web_shop(uid)` } },
  lastState: { terminated: { containerID: "containerd://77aa", ...last } },
});

function event(p: KubeObject, o: { reason: string; message: string; type?: string; count?: number; firstAgo: number; lastAgo: number; container?: string; uid?: string }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${p.metadata.name}.${o.reason}.${o.lastAgo}`, namespace: NS, creationTimestamp: ago(o.firstAgo) },
    involvedObject: { apiVersion: "v1", kind: "Pod", name: p.metadata.name, namespace: NS, uid: o.uid ?? p.metadata.uid, ...(o.container ? { fieldPath: `spec.containers{${o.container}}` } : {}) },
    reason: o.reason,
    message: o.message,
    type: o.type ?? "Warning",
    count: o.count ?? 1,
    firstTimestamp: ago(o.firstAgo),
    lastTimestamp: ago(o.lastAgo),
    source: { component: "kubelet", host: "node-2" },
  };
}

const deployment = (name: string): KubeObject => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: NS, uid: `uid-${name}` }, spec: {}, status: {} });
const replicaSet = (name: string, deploy: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name, namespace: NS, uid: `uid-${name}`, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: deploy, uid: `uid-${deploy}`, controller: true }] },
  spec: {},
  status: {},
});

describe("crash-loop", () => {
  test("reports a container in CrashLoopBackOff with its last exit, restarts, BackOff events and previous log lines (blank ones dropped)", async () => {
    const p = pod("checkout-6b8f9d7c5c-8wzrn", { rs: "checkout-6b8f9d7c5c", statuses: [crashing("checkout")] });
    const objects = [
      p,
      event(p, { reason: "BackOff", message: "Back-off restarting failed container checkout in pod checkout-6b8f9d7c5c-8wzrn_shop(uid)", count: 71, firstAgo: 980, lastAgo: 12, container: "checkout" }),
      event(p, { reason: "Started", message: "Started container checkout", type: "Normal", firstAgo: 1000, lastAgo: 160, container: "checkout" }),
    ];
    const logs = { "shop/checkout-6b8f9d7c5c-8wzrn/checkout/previous": ["starting checkout 1.5.0", "connecting to postgres:5432", "", "FATAL: could not connect to postgres: connection refused"] };
    const findings = await findingsOf(crashLoop, objects, { logs });
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      id: "crash-loop/CrashLoopBackOff/shop/Pod/checkout-6b8f9d7c5c-8wzrn/checkout",
      code: "CrashLoopBackOff",
      severity: "critical",
      namespace: "shop",
      resource: { kind: "Pod", name: "checkout-6b8f9d7c5c-8wzrn" },
    });
    expect(f.title).toBe("Pod checkout-6b8f9d7c5c-8wzrn: container checkout is in CrashLoopBackOff (exit code 1, 7 restarts)");
    expect(f.evidence).toContain("last exit: code 1 (Error) after 9s, 2m31s ago");
    expect(f.evidence).toContain("restarts: 7");
    expect(f.evidence[0]).toStartWith("waiting: back-off 5m0s restarting failed container=checkout");
    expect(f.evidence.some((l) => l.startsWith("Warning BackOff (x71 over") && l.includes("Back-off restarting failed container checkout"))).toBe(true);
    expect(f.evidence.some((l) => l.includes("Started container"))).toBe(false);
    expect(f.evidence.filter((l) => l.startsWith("log:"))).toEqual(["log: starting checkout 1.5.0", "log: connecting to postgres:5432", "log: FATAL: could not connect to postgres: connection refused"]);
    expect(f.confirm).toContainEqual(["logs", "checkout-6b8f9d7c5c-8wzrn", "-c", "checkout", "-n", "shop", "--tail", "20", "--previous"]);
    expect(f.confirm).toContainEqual(["describe", "pod", "checkout-6b8f9d7c5c-8wzrn", "-n", "shop"]);
    expect(f.confirm).toContainEqual(["events", "-n", "shop", "--for", "pod/checkout-6b8f9d7c5c-8wzrn"]);
    expect(f.hint).toContain("Exit code 1");
    await expectWellFormed(crashLoop, findings);
  });

  test("reports a crashing init container, naming it as such", async () => {
    const p = pod("api-0", { phase: "Pending", init: [crashing("migrate", { exitCode: 2, reason: "Error", startedAt: ago(40), finishedAt: ago(38) }, 3)], statuses: [{ name: "api", state: { waiting: { reason: "PodInitializing" } } }] });
    const findings = await findingsOf(crashLoop, [p]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.title).toBe("Pod api-0: init container migrate is in CrashLoopBackOff (exit code 2, 3 restarts)");
    expect(findings[0]!.id).toEndWith("/api-0/migrate");
    expect(findings[0]!.evidence).toContain("last exit: code 2 (Error) after 2s, 38s ago");
    await expectWellFormed(crashLoop, findings);
  });

  test("reports each crashing container of one pod separately", async () => {
    const p = pod("web-1", { statuses: [crashing("web"), crashing("sidecar", { exitCode: 139, reason: "Error" }, 2)] });
    const findings = await findingsOf(crashLoop, [p]);
    expect(findings.map((f) => f.id).sort()).toEqual(["crash-loop/CrashLoopBackOff/shop/Pod/web-1/sidecar", "crash-loop/CrashLoopBackOff/shop/Pod/web-1/web"]);
    expect(findings.find((f) => f.id.endsWith("sidecar"))!.hint).toContain("segmentation fault");
    await expectWellFormed(crashLoop, findings);
  });

  test("names the signal and explains exit code 137 and 143", async () => {
    const killed = await findingsOf(crashLoop, [pod("w-1", { statuses: [crashing("app", { exitCode: 137, reason: "Error", signal: 9, startedAt: ago(400), finishedAt: ago(270) })] })]);
    expect(killed[0]!.evidence).toContain("last exit: code 137 (Error, signal 9) after 2m10s, 4m30s ago");
    expect(killed[0]!.hint).toContain("SIGKILL");
    const termed = await findingsOf(crashLoop, [pod("w-2", { statuses: [crashing("app", { exitCode: 143, reason: "Error" })] })]);
    expect(termed[0]!.evidence).toContain("last exit: code 143 (Error)");
    expect(termed[0]!.hint).toContain("SIGTERM");
    const clean = await findingsOf(crashLoop, [pod("w-3", { statuses: [crashing("app", { exitCode: 0, reason: "Completed" })] })]);
    expect(clean[0]!.hint).toContain("Exit code 0");
  });

  test("leaves a container whose last instance was OOMKilled to oom-killed", async () => {
    const p = pod("recs-1", { statuses: [crashing("recommender", { exitCode: 137, reason: "OOMKilled", startedAt: ago(400), finishedAt: ago(300) })] });
    expect(await findingsOf(crashLoop, [p])).toEqual([]);
  });

  test("says so when the last exit is not recorded", async () => {
    const p = pod("w-1", { statuses: [{ name: "app", restartCount: 1, state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 10s restarting failed container" } } }] });
    const findings = await findingsOf(crashLoop, [p]);
    expect(findings[0]!.title).toBe("Pod w-1: container app is in CrashLoopBackOff (1 restart)");
    expect(findings[0]!.evidence).toContain("last exit: not recorded");
    await expectWellFormed(crashLoop, findings);
  });

  test("reads the previous log of one pod per workload and container, but reports every pod", async () => {
    const objects = [
      deployment("checkout"),
      replicaSet("checkout-6b8f9d7c5c", "checkout"),
      replicaSet("checkout-58d9c7b6f4", "checkout"),
      pod("checkout-6b8f9d7c5c-b", { rs: "checkout-6b8f9d7c5c", statuses: [crashing("checkout")] }),
      pod("checkout-6b8f9d7c5c-a", { rs: "checkout-6b8f9d7c5c", statuses: [crashing("checkout")] }),
      pod("checkout-58d9c7b6f4-c", { rs: "checkout-58d9c7b6f4", statuses: [crashing("checkout")] }),
      pod("worker-0", { statuses: [crashing("worker")] }),
    ];
    const reads: string[] = [];
    const snapshot = createSnapshot({ takenAt: NOW, objects: { pods: objects.filter((o) => o.kind === "Pod"), replicasets: objects.filter((o) => o.kind === "ReplicaSet"), deployments: objects.filter((o) => o.kind === "Deployment"), events: [] } });
    const d = await analyze(snapshot, [crashLoop], {
      now: NOW,
      logTail: async (ref) => {
        reads.push(`${ref.pod}/${ref.container}/${ref.previous ? "previous" : "current"}/${ref.tail}`);
        return ["panic: nil map"];
      },
    });
    expect(d.findings).toHaveLength(4);
    expect(reads).toEqual(["checkout-58d9c7b6f4-c/checkout/previous/20", "worker-0/worker/previous/20"]);
    const withLogs = d.findings.filter((f) => f.evidence.includes("log: panic: nil map")).map((f) => f.resource.name);
    expect(withLogs.sort()).toEqual(["checkout-58d9c7b6f4-c", "worker-0"]);
  });

  test("groups by the ReplicaSet reference when the owners were not read", async () => {
    const reads: string[] = [];
    const pods = [pod("a-1", { rs: "a-7f", statuses: [crashing()] }), pod("a-2", { rs: "a-7f", statuses: [crashing()] }), pod("b-1", { rs: "b-7f", statuses: [crashing()] })];
    const snapshot = createSnapshot({ takenAt: NOW, objects: { pods, events: [] } });
    await analyze(snapshot, [crashLoop], { now: NOW, logTail: async (ref) => (reads.push(ref.pod), []) });
    expect(reads).toEqual(["a-1", "b-1"]);
  });

  test("ignores BackOff events about another container or an earlier pod of the same name", async () => {
    const p = pod("web-0", { statuses: [crashing("web"), { name: "proxy", ready: true, state: { running: {} } }] });
    const objects = [
      p,
      event(p, { reason: "BackOff", message: "Back-off restarting failed container proxy", firstAgo: 7200, lastAgo: 7000, container: "proxy" }),
      event(p, { reason: "BackOff", message: "Back-off restarting failed container web (old pod)", firstAgo: 600, lastAgo: 500, container: "web", uid: "uid-old" }),
      event(p, { reason: "BackOff", message: "Back-off restarting failed container web", firstAgo: 300, lastAgo: 30, count: 9, container: "web" }),
    ];
    const [f] = await findingsOf(crashLoop, objects);
    const events = f!.evidence.filter((l) => l.startsWith("Warning BackOff"));
    expect(events).toHaveLength(1);
    expect(events[0]).toEndWith("Back-off restarting failed container web");
  });

  test("a healthy pod gives no finding", async () => {
    expect(await findingsOf(crashLoop, [pod("web-1")])).toEqual([]);
  });

  test("a pod that is done or being deleted gives no finding", async () => {
    expect(await findingsOf(crashLoop, [pod("job-1", { phase: "Failed", statuses: [crashing()] })])).toEqual([]);
    expect(await findingsOf(crashLoop, [pod("web-2", { deleting: true, statuses: [crashing()] })])).toEqual([]);
  });

  test("malformed pods without status or states do not throw", async () => {
    const bare: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "bare", namespace: NS } };
    const odd: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "odd", namespace: NS }, status: { phase: "Running", containerStatuses: [{ name: "x" }, { name: "y", state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: {} } }] } };
    const findings = await findingsOf(crashLoop, [bare, odd]);
    expect(findings.map((f) => f.id)).toEqual(["crash-loop/CrashLoopBackOff/shop/Pod/odd/y"]);
    expect(findings[0]!.evidence).toContain("last exit: code ?");
  });
});

describe("telling", () => {
  test("quotes a short log whole", () => {
    expect(telling(["starting", "", "connecting", "FATAL: refused"])).toEqual(["starting", "connecting", "FATAL: refused"]);
  });
  test("quotes the distinct lines naming an error and the last line, not stack frames or a dumped error's fields", () => {
    const log = [
      '{"level":"warn","msg":"postgres:5432 connection refused, retrying in 2s","attempt":2}',
      '{"level":"warn","msg":"postgres:5432 connection refused, retrying in 2s","attempt":3}',
      '{"level":"fatal","msg":"could not connect to postgres:5432 after 3 attempts; exiting"}',
      "/app/node_modules/pg-pool/index.js:45",
      "    Error.captureStackTrace(err)",
      "Error: connect ECONNREFUSED 10.96.112.34:5432",
      "    at /app/node_modules/pg-pool/index.js:45:11",
      "    at async bootstrap (/app/dist/server.js:41:5) {",
      "  code: 'ECONNREFUSED',",
      "  port: 5432",
      "}",
      "Node.js v20.18.1",
    ];
    expect(telling(log)).toEqual([log[1]!, log[2]!, log[5]!, "Node.js v20.18.1"]);
  });
  test("without an error line, the last lines", () => {
    const log = Array.from({ length: 9 }, (_, i) => `line ${i}`);
    expect(telling(log)).toEqual(log.slice(-5));
  });
});
