import { describe, expect, test } from "bun:test";
import { serviceEndpoints } from "../../../plugins/analyzers/service-endpoints.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "shop";

function service(name: string, selector: Record<string, string> | undefined, o: { namespace?: string; type?: string; created?: number } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: o.namespace ?? NS, uid: `uid-svc-${name}`, creationTimestamp: ago(o.created ?? 86_400) },
    spec: {
      type: o.type ?? "ClusterIP",
      ...(selector ? { selector } : {}),
      ...(o.type === "ExternalName" ? { externalName: "db.example.com" } : { clusterIP: "10.96.14.7", clusterIPs: ["10.96.14.7"], ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 8080 }] }),
      sessionAffinity: "None",
    },
    status: { loadBalancer: {} },
  };
}

function pod(name: string, labels: Record<string, string>, ready: boolean, status?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: ago(3600), labels },
    spec: { nodeName: "node-a", containers: [{ name: "web", image: "web:2", ports: [{ containerPort: 8080 }] }] },
    status: status ?? {
      phase: "Running",
      podIP: "10.244.1.5",
      conditions: [
        { type: "PodScheduled", status: "True" },
        { type: "Ready", status: ready ? "True" : "False", ...(ready ? {} : { reason: "ContainersNotReady", message: "containers with unready status: [web]" }) },
      ],
      containerStatuses: [{ name: "web", ready, restartCount: 0, image: "web:2", state: { running: { startedAt: ago(3000) } } }],
    },
  };
}

function slice(service: string, endpoints: { ip: string; ready: boolean | undefined; pod: string }[]): KubeObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${service}-abc12`, namespace: NS, labels: { "kubernetes.io/service-name": service, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" } },
    addressType: "IPv4",
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: e.ready === undefined ? {} : { ready: e.ready, serving: e.ready, terminating: false },
      targetRef: { kind: "Pod", namespace: NS, name: e.pod },
      nodeName: "node-a",
    })),
  };
}

describe("service-endpoints", () => {
  test("a Service with ready endpoints gives nothing", async () => {
    const objs = [service("web", { app: "web" }), pod("web-1", { app: "web" }, true), pod("web-2", { app: "web" }, false), slice("web", [{ ip: "10.244.1.5", ready: true, pod: "web-1" }, { ip: "10.244.1.6", ready: false, pod: "web-2" }])];
    expect(await findingsOf(serviceEndpoints, objs)).toEqual([]);
    // A nil ready condition counts as ready.
    expect(await findingsOf(serviceEndpoints, [service("web", { app: "web" }), pod("web-1", { app: "web" }, false), slice("web", [{ ip: "10.244.1.5", ready: undefined, pod: "web-1" }])])).toEqual([]);
  });

  test("selector-less, ExternalName, default/kubernetes and young Services are skipped", async () => {
    const objs = [
      service("manual", undefined),
      service("empty", {}),
      service("ext", undefined, { type: "ExternalName" }),
      service("kubernetes", undefined, { namespace: "default" }),
      service("kubernetes", { component: "apiserver" }, { namespace: "default" }),
      service("new", { app: "new" }, { created: 30 }),
    ];
    expect(await findingsOf(serviceEndpoints, objs)).toEqual([]);
  });

  test("ServiceNoEndpoints from EndpointSlices, with why the pods are not ready", async () => {
    const probe: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "web-1.1", namespace: NS },
      involvedObject: { kind: "Pod", namespace: NS, name: "web-1" },
      type: "Warning",
      reason: "Unhealthy",
      message: "Readiness probe failed: Get \"http://10.244.1.5:8080/healthz\": dial tcp 10.244.1.5:8080: connect: connection refused",
      count: 40,
      firstTimestamp: ago(1800),
      lastTimestamp: ago(10),
    };
    const crash = {
      phase: "Running",
      conditions: [{ type: "Ready", status: "False", reason: "ContainersNotReady" }],
      containerStatuses: [{ name: "web", ready: false, restartCount: 9, image: "web:2", state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 2, reason: "Error" } } }],
    };
    const objs = [
      service("web", { app: "web", tier: "frontend" }),
      pod("web-1", { app: "web", tier: "frontend" }, false),
      pod("web-2", { app: "web", tier: "frontend" }, false, crash),
      pod("other", { app: "api" }, true),
      probe,
      slice("web", [{ ip: "10.244.1.5", ready: false, pod: "web-1" }, { ip: "10.244.1.6", ready: false, pod: "web-2" }]),
    ];
    const findings = await findingsOf(serviceEndpoints, objs);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      id: "service-endpoints/ServiceNoEndpoints/shop/Service/web",
      code: "ServiceNoEndpoints",
      severity: "critical",
      namespace: NS,
      resource: { kind: "Service", name: "web" },
      title: "Service web has no ready endpoints: 2 matching pods, none ready",
    });
    expect(f.evidence).toEqual([
      "selector: app=web,tier=frontend",
      "EndpointSlices: 0 ready, 2 not ready addresses",
      'pod web-1: container web running but not ready: Readiness probe failed: Get "http://10.244.1.5:8080/healthz": dial tcp 10.244.1.5:8080: connect: connection refused',
      "pod web-2: container web waiting: CrashLoopBackOff (last exit 2 Error, 9 restarts)",
    ]);
    expect(f.confirm).toEqual([
      ["describe", "service", "web", "-n", NS],
      ["get", "endpointslices", "-n", NS, "-l", "kubernetes.io/service-name=web"],
      ["get", "pods", "-n", NS, "-l", "app=web,tier=frontend"],
    ]);
    await expectWellFormed(serviceEndpoints, findings);
  });

  test("ServiceNoEndpoints from legacy Endpoints, and from the pods when neither is readable", async () => {
    const ep: KubeObject = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "web", namespace: NS },
      subsets: [{ notReadyAddresses: [{ ip: "10.244.1.5", targetRef: { kind: "Pod", name: "web-1" } }], ports: [{ name: "http", port: 8080 }] }],
    };
    const base = [service("web", { app: "web" }), pod("web-1", { app: "web" }, false)];
    const [f] = await findingsOf(serviceEndpoints, [...base, ep], { unavailable: ["endpointslices"] });
    expect(f!.code).toBe("ServiceNoEndpoints");
    expect(f!.evidence[1]).toBe("Endpoints: 0 ready, 1 not ready addresses");
    expect(f!.evidence[2]).toBe("pod web-1: container web running but not ready");
    const [g] = await findingsOf(serviceEndpoints, base, { unavailable: ["endpointslices", "endpoints"] });
    expect(g!.evidence[1]).toBe("no EndpointSlices or Endpoints found for it; pods read instead");
    // Ready pods with no endpoint objects readable: fine.
    expect(await findingsOf(serviceEndpoints, [service("web", { app: "web" }), pod("web-1", { app: "web" }, true)], { unavailable: ["endpointslices", "endpoints"] })).toEqual([]);
  });

  test("ServiceNoEndpoints for pods with no recognised problem names their phase", async () => {
    const pending = { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }, { type: "Ready", status: "False", reason: "ContainersNotReady" }] };
    const [f] = await findingsOf(serviceEndpoints, [service("web", { app: "web" }), pod("web-1", { app: "web" }, false, pending), pod("web-2", { app: "web" }, false, {})]);
    expect(f!.evidence.slice(2)).toEqual(["pod web-1: Pending, Ready=False (ContainersNotReady)", "pod web-2: Unknown"]);
  });

  test("ServiceSelectorNoMatch names the pods that nearly match", async () => {
    const objs = [
      service("web", { app: "web", tier: "frontend" }),
      pod("web-frontend-7d-a", { app: "web-frontend", tier: "frontend" }, true),
      pod("web-frontend-7d-b", { app: "web-frontend", tier: "frontend" }, true),
      pod("web-old", { app: "web" }, true),
      pod("api-1", { app: "api", tier: "backend" }, true),
    ];
    const findings = await findingsOf(serviceEndpoints, objs);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      id: "service-endpoints/ServiceSelectorNoMatch/shop/Service/web",
      code: "ServiceSelectorNoMatch",
      severity: "critical",
      resource: { kind: "Service", name: "web" },
      title: "Service web selects no pods (app=web,tier=frontend)",
    });
    expect(f.evidence).toEqual([
      "selector: app=web,tier=frontend",
      "none of the 4 pods in namespace shop matches",
      "pod web-frontend-7d-a has app=web-frontend (selector wants app=web) (+1 more pod)",
      "pod web-old has no label tier (selector wants tier=frontend)",
    ]);
    expect(f.hint).toContain("differ by one label");
    expect(f.confirm).toContainEqual(["get", "pods", "-n", NS, "--show-labels"]);
    await expectWellFormed(serviceEndpoints, findings);
  });

  test("ServiceSelectorNoMatch with a one-label selector: a pod without the key is not a near miss", async () => {
    const [f] = await findingsOf(serviceEndpoints, [service("web", { app: "web" }), pod("x", { run: "x" }, true), pod("web-v2", { app: "webv2" }, true)]);
    expect(f!.evidence.slice(2)).toEqual(["pod web-v2 has app=webv2 (selector wants app=web)"]);
    const [g] = await findingsOf(serviceEndpoints, [service("web", { app: "web" })]);
    expect(g!.evidence).toEqual(["selector: app=web", "no pods in namespace shop"]);
    expect(g!.hint).toContain("No pod carries these labels");
  });

  test("a Service in front of a workload scaled to 0 is a warning only when a failing pod points at it; one whose workload has no pods says so", async () => {
    const deploy = (replicas: number): KubeObject => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: NS, creationTimestamp: ago(86_400) },
      spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web", tier: "frontend" } }, spec: { containers: [{ name: "web", image: "web:2" }] } } },
      status: {},
    });
    // Scaled to 0 and nobody failing for it: a deliberate scale-down.
    expect(await findingsOf(serviceEndpoints, [service("web", { app: "web" }), deploy(0)])).toEqual([]);
    const crashing = (name: string, env: { name: string; value: string }[] = []): KubeObject => ({
      ...pod(name, { app: "client" }, false, {
        phase: "Running",
        containerStatuses: [{ name: "app", ready: false, restartCount: 6, image: "client:1", state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 1 } } }],
      }),
      spec: { containers: [{ name: "app", image: "client:1", env }] },
    });
    // A crash-looping client names it in its env: the scale-down is its root cause.
    const byEnv = await findingsOf(serviceEndpoints, [service("web", { app: "web" }), deploy(0), crashing("client-1", [{ name: "UPSTREAM", value: `http://web.${NS}.svc.cluster.local:8080` }])]);
    expect(byEnv.map((f) => [f.code, f.severity, f.title])).toEqual([["ServiceBackendScaledToZero", "warning", "Service web has no endpoints: Deployment web is scaled to 0"]]);
    expect(byEnv[0]!.evidence).toEqual(["selector: app=web", "Deployment web: spec.replicas 0 (its pod template matches the selector)", `pod client-1 (CrashLoopBackOff) points at it: env UPSTREAM=http://web.${NS}.svc.cluster.local:8080`]);
    expect(byEnv[0]!.confirm).toContainEqual(["get", "deployment", "web", "-n", NS]);
    await expectWellFormed(serviceEndpoints, byEnv);
    // ...or in the last lines its crashed instance logged; a name that merely contains "web" does not count.
    const byLog = await findingsOf(serviceEndpoints, [service("web", { app: "web" }), deploy(0), crashing("client-1")], { logs: { [`${NS}/client-1/app/previous`]: ["connecting to web:8080", "fatal: connect ECONNREFUSED"] } });
    expect(byLog[0]!.evidence.at(-1)).toBe("pod client-1 (CrashLoopBackOff) fails to reach it: log: connecting to web:8080");
    const unrelated = await findingsOf(serviceEndpoints, [service("web", { app: "web" }), deploy(0), crashing("client-1", [{ name: "HOST", value: "webshop-db" }])], { logs: { [`${NS}/client-1/app/previous`]: ["cannot reach api.web.example.com"] } });
    expect(unrelated).toEqual([]);
    const [f] = await findingsOf(serviceEndpoints, [service("web", { app: "web" }), deploy(3)]);
    expect(f!.code).toBe("ServiceSelectorNoMatch");
    expect(f!.evidence).toContain("Deployment web has a matching pod template and wants 3 replicas, but none of its pods exists");
    expect(f!.hint).toContain("Deployment web has no pods");
  });

  test("malformed objects do not throw", async () => {
    const odd = { ...service("odd", { app: "odd" }), spec: { selector: { app: "odd", bad: 3 } } } as KubeObject;
    const brokenSlice = { ...slice("odd", []), endpoints: "nope" } as KubeObject;
    const [f] = await findingsOf(serviceEndpoints, [odd, pod("odd-1", { app: "odd" }, false, { phase: "Running" }), brokenSlice]);
    expect(f!.code).toBe("ServiceNoEndpoints");
    expect(f!.evidence[0]).toBe("selector: app=odd");
  });
});
