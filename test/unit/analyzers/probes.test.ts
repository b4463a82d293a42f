import { describe, expect, test } from "bun:test";
import { probes } from "../../../plugins/analyzers/probes.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "shop";

interface C {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
}

const READINESS = { httpGet: { path: "/ready", port: 8080, scheme: "HTTP" }, periodSeconds: 5, timeoutSeconds: 2, successThreshold: 1, failureThreshold: 3 };
const LIVENESS = { httpGet: { path: "/healthz", port: 8080 }, initialDelaySeconds: 15 };

function pod(name: string, cs: C[], o: { phase?: string; uid?: string } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, uid: o.uid ?? `uid-${name}`, creationTimestamp: ago(7200), ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "frontend-7d9c", uid: "uid-rs", controller: true }] },
    spec: {
      nodeName: "node-1",
      containers: cs.map((c) => ({
        name: c.name,
        image: `registry.example.com/shop/${c.name}:4.2.0`,
        ports: [{ containerPort: 8080 }],
        resources: { requests: { cpu: "100m", memory: "128Mi" } },
        ...(c.readinessProbe ? { readinessProbe: c.readinessProbe } : {}),
        ...(c.livenessProbe ? { livenessProbe: c.livenessProbe } : {}),
      })),
    },
    status: {
      phase: o.phase ?? "Running",
      conditions: [
        { type: "Ready", status: cs.every((c) => c.ready) ? "True" : "False" },
        { type: "ContainersReady", status: cs.every((c) => c.ready) ? "True" : "False" },
        { type: "PodScheduled", status: "True" },
      ],
      containerStatuses: cs.map((c) => ({
        name: c.name,
        image: `registry.example.com/shop/${c.name}:4.2.0`,
        ready: c.ready ?? false,
        started: true,
        restartCount: c.restartCount ?? 0,
        state: c.state ?? { running: { startedAt: ago(3600) } },
        lastState: {},
      })),
    },
  };
}

function unhealthy(p: KubeObject, message: string, o: { container?: string | null; count?: number; firstAgo?: number; lastAgo?: number; uid?: string; type?: string } = {}): KubeObject {
  const container = o.container === undefined ? "frontend" : o.container;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${p.metadata.name}.${message.length}.${o.lastAgo ?? 15}`, namespace: NS },
    involvedObject: { apiVersion: "v1", kind: "Pod", name: p.metadata.name, namespace: NS, uid: o.uid ?? p.metadata.uid, ...(container ? { fieldPath: `spec.containers{${container}}` } : {}) },
    reason: "Unhealthy",
    message,
    type: o.type ?? "Warning",
    count: o.count ?? 1,
    firstTimestamp: ago(o.firstAgo ?? 1800),
    lastTimestamp: ago(o.lastAgo ?? 15),
    source: { component: "kubelet", host: "node-1" },
  };
}

describe("probes", () => {
  test("a failing readiness probe on a running, unready container: probe definition, failure count and messages", async () => {
    const p = pod("frontend-7d9c-abcde", [{ name: "frontend", readinessProbe: READINESS, livenessProbe: LIVENESS }]);
    const objects = [p, unhealthy(p, "Readiness probe failed: HTTP probe failed with statuscode: 503", { count: 40 }), unhealthy(p, "Readiness probe failed: Get \"http://10.244.1.9:8080/ready\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", { count: 2, lastAgo: 400 })];
    const findings = await findingsOf(probes, objects);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      id: "probes/ReadinessProbeFailing/shop/Pod/frontend-7d9c-abcde/frontend",
      code: "ReadinessProbeFailing",
      severity: "warning",
      namespace: "shop",
      resource: { kind: "Pod", name: "frontend-7d9c-abcde" },
      title: "Pod frontend-7d9c-abcde: container frontend fails its readiness probe",
    });
    expect(f.evidence[0]).toBe("readinessProbe: httpGet http :8080/ready, period 5s, timeout 2s, failureThreshold 3");
    expect(f.evidence[1]).toBe("container frontend: running, not ready");
    expect(f.evidence[2]).toBe("42 failures reported, the newest 15s ago");
    expect(f.evidence[3]).toStartWith("Warning Unhealthy (x40 over 30m");
    expect(f.evidence[3]).toEndWith("statuscode: 503");
    expect(f.evidence[4]).toContain("context deadline exceeded");
    expect(f.hint).toContain("HTTP 503");
    expect(f.hint).toContain("endpoints");
    await expectWellFormed(probes, findings);
  });

  test("a failing liveness probe is critical, with restarts and the previous log to confirm", async () => {
    const p = pod("frontend-7d9c-fghij", [{ name: "frontend", restartCount: 6, livenessProbe: LIVENESS, state: { waiting: { reason: "CrashLoopBackOff" } } }]);
    const objects = [p, unhealthy(p, 'Liveness probe failed: Get "http://10.244.1.9:8080/healthz": dial tcp 10.244.1.9:8080: connect: connection refused', { count: 18, lastAgo: 70 })];
    const findings = await findingsOf(probes, objects);
    const f = findings[0]!;
    expect(f).toMatchObject({ code: "LivenessProbeFailing", severity: "critical", title: "Pod frontend-7d9c-fghij: container frontend fails its liveness probe (6 restarts)" });
    expect(f.evidence[0]).toBe("livenessProbe: httpGet http :8080/healthz, initialDelay 15s, period 10s, timeout 1s, failureThreshold 3");
    expect(f.evidence).toContain("container frontend: waiting (CrashLoopBackOff), not ready, 6 restarts");
    expect(f.evidence).toContain("18 failures reported, the newest 70s ago");
    expect(f.hint).toContain("Nothing answers on the probed port");
    expect(f.hint).toContain("restarts the container");
    expect(f.confirm).toContainEqual(["logs", "frontend-7d9c-fghij", "-c", "frontend", "-n", "shop", "--tail", "20", "--previous"]);
    await expectWellFormed(probes, findings);
  });

  test("readiness and liveness failures on one container give one finding each", async () => {
    const p = pod("web-1", [{ name: "frontend", readinessProbe: READINESS, livenessProbe: LIVENESS, restartCount: 2 }]);
    const objects = [p, unhealthy(p, "Readiness probe failed: HTTP probe failed with statuscode: 500"), unhealthy(p, "Liveness probe failed: HTTP probe failed with statuscode: 500")];
    const findings = await findingsOf(probes, objects);
    expect(findings.map((f) => [f.code, f.severity])).toEqual([["LivenessProbeFailing", "critical"], ["ReadinessProbeFailing", "warning"]]);
    await expectWellFormed(probes, findings);
  });

  test("the finding names the container the event's fieldPath names, and has no detail when it names none", async () => {
    const p = pod("web-2", [{ name: "frontend", readinessProbe: READINESS }, { name: "proxy", ready: true, readinessProbe: { tcpSocket: { port: 15001 } } }]);
    const named = await findingsOf(probes, [p, unhealthy(p, "Readiness probe failed: dial tcp 10.0.0.1:15001: connect: connection refused", { container: "proxy" })]);
    expect(named[0]!.id).toBe("probes/ReadinessProbeFailing/shop/Pod/web-2/proxy");
    expect(named[0]!.evidence[0]).toBe("readinessProbe: tcpSocket :15001, period 10s, timeout 1s, failureThreshold 3");
    const q = pod("web-3", [{ name: "frontend", readinessProbe: { exec: { command: ["sh", "-c", "pg_isready -h localhost"] } } }]);
    const unnamed = await findingsOf(probes, [q, unhealthy(q, "Readiness probe failed: localhost:5432 - no response", { container: null })]);
    expect(unnamed[0]!.id).toBe("probes/ReadinessProbeFailing/shop/Pod/web-3");
    expect(unnamed[0]!.evidence[0]).toBe("readinessProbe: exec sh -c pg_isready -h localhost, period 10s, timeout 1s, failureThreshold 3");
    await expectWellFormed(probes, [...named, ...unnamed]);
  });

  test("a readiness probe that recovered (ready now, newest failure over 10 minutes old) is not reported", async () => {
    const p = pod("web-4", [{ name: "frontend", ready: true, readinessProbe: READINESS }]);
    expect(await findingsOf(probes, [p, unhealthy(p, "Readiness probe failed: HTTP probe failed with statuscode: 503", { lastAgo: 660, count: 5 })])).toEqual([]);
  });

  test("a ready container whose readiness failed minutes ago (flapping) is still reported", async () => {
    const p = pod("web-5", [{ name: "frontend", ready: true, readinessProbe: READINESS }]);
    const findings = await findingsOf(probes, [p, unhealthy(p, "Readiness probe failed: HTTP probe failed with statuscode: 503", { lastAgo: 120 })]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.evidence[1]).toBe("container frontend: running, ready");
  });

  test("readiness failures of a container that is not running are left to the analyzers of its state", async () => {
    const p = pod("web-6", [{ name: "frontend", readinessProbe: READINESS, state: { waiting: { reason: "CrashLoopBackOff" } } }]);
    expect(await findingsOf(probes, [p, unhealthy(p, "Readiness probe failed: HTTP probe failed with statuscode: 503")])).toEqual([]);
  });

  test("events about an earlier pod of the same name, other reasons and Normal events are ignored", async () => {
    const p = pod("db-0", [{ name: "frontend", ready: true, readinessProbe: READINESS }]);
    const objects = [
      p,
      unhealthy(p, "Readiness probe failed: HTTP probe failed with statuscode: 503", { uid: "uid-previous-db-0" }),
      unhealthy(p, "Readiness probe failed: HTTP probe failed with statuscode: 503", { type: "Normal" }),
      { ...unhealthy(p, "Startup probe failed: HTTP probe failed with statuscode: 503"), metadata: { name: "db-0.startup", namespace: NS } },
    ];
    expect(await findingsOf(probes, objects)).toEqual([]);
  });

  test("a healthy pod gives no finding", async () => {
    expect(await findingsOf(probes, [pod("web-7", [{ name: "frontend", ready: true, readinessProbe: READINESS, livenessProbe: LIVENESS }])])).toEqual([]);
  });

  test("a pod that is done gives no finding", async () => {
    const p = pod("job-1", [{ name: "frontend", livenessProbe: LIVENESS, state: { terminated: { exitCode: 0, reason: "Completed" } } }], { phase: "Succeeded" });
    expect(await findingsOf(probes, [p, unhealthy(p, "Liveness probe failed: HTTP probe failed with statuscode: 500")])).toEqual([]);
  });

  test("malformed pods (no spec, no status) with probe events do not throw", async () => {
    const bare: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "bare", namespace: NS } };
    const findings = await findingsOf(probes, [bare, unhealthy(bare, "Liveness probe failed: timeout", { container: null })]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.title).toBe("Pod bare: a container fails its liveness probe");
    expect(findings[0]!.evidence[0]).toBe("livenessProbe: not in the container spec");
  });
});
