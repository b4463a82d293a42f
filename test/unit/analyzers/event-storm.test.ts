import { describe, expect, test } from "bun:test";
import { eventStorm } from "../../../plugins/analyzers/event-storm.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "shop";
let seq = 0;

/** A core/v1 event about `kind/name`. */
function event(kind: string, name: string, reason: string, message: string, o: { type?: string; count?: number; firstAgo?: number; lastAgo?: number; namespace?: string | null } = {}): KubeObject {
  const namespace = o.namespace === undefined ? NS : o.namespace;
  const lastAgo = o.lastAgo ?? 20;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${name}.${reason}.${++seq}`, namespace: namespace ?? "default", creationTimestamp: ago(o.firstAgo ?? lastAgo) },
    involvedObject: { apiVersion: "v1", kind, name, ...(namespace ? { namespace } : {}), uid: `uid-${name}` },
    reason,
    message,
    type: o.type ?? "Warning",
    count: o.count ?? 1,
    firstTimestamp: ago(o.firstAgo ?? lastAgo),
    lastTimestamp: ago(lastAgo),
    source: { component: "kubelet", host: "node-1" },
  };
}

/** An events.k8s.io-style event seen through core/v1: eventTime and a series, no timestamps. */
function seriesEvent(kind: string, name: string, reason: string, message: string, count: number, firstAgo: number, lastAgo: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${name}.${reason}.${++seq}`, namespace: NS, creationTimestamp: ago(firstAgo) },
    involvedObject: { apiVersion: "v1", kind, name, namespace: NS },
    reason,
    message,
    type: "Warning",
    eventTime: ago(firstAgo).replace("Z", ".000000Z"),
    firstTimestamp: null,
    lastTimestamp: null,
    series: { count, lastObservedTime: ago(lastAgo) },
    reportingComponent: "kubelet",
  };
}

const MOUNT = 'MountVolume.SetUp failed for volume "certs" : secret "shop-tls" not found';

describe("event-storm analyzer", () => {
  test("a handful of normal and warning events give nothing", async () => {
    const objects = [
      event("Pod", "web-1", "Scheduled", "Successfully assigned shop/web-1 to node-1", { type: "Normal" }),
      event("Pod", "web-1", "Pulled", 'Container image "registry.example.com/shop/web:1.0" already present on machine', { type: "Normal", count: 40 }),
      event("Pod", "web-1", "Started", "Started container web", { type: "Normal", count: 40 }),
      event("Pod", "web-2", "FailedMount", MOUNT, { count: 3, firstAgo: 300 }),
      event("Service", "web", "FailedToUpdateEndpoint", "Failed to update endpoint shop/web: Operation cannot be fulfilled", { count: 2 }),
    ];
    expect(await findingsOf(eventStorm, objects)).toEqual([]);
  });

  test("an object over 20 warning occurrences in 10m with an unowned dominant reason is WarningEventStorm", async () => {
    const objects = [
      event("Pod", "web-2", "FailedMount", MOUNT, { count: 45, firstAgo: 540, lastAgo: 5 }),
      event("Pod", "web-2", "FailedMount", 'Unable to attach or mount volumes: unmounted volumes=[certs]: timed out waiting for the condition', { count: 4, firstAgo: 480, lastAgo: 60 }),
      event("Pod", "web-2", "BackOff", "Back-off pulling image", { count: 3, firstAgo: 100, lastAgo: 50 }),
    ];
    const found = await findingsOf(eventStorm, objects);
    expect(found.map((f) => [f.code, f.severity, f.resource.kind, f.resource.name, f.namespace])).toEqual([["WarningEventStorm", "warning", "Pod", "web-2", "shop"]]);
    const f = found[0]!;
    expect(f.id).toBe("event-storm/WarningEventStorm/shop/Pod/web-2");
    expect(f.title).toBe("Pod web-2: 52 Warning events in the last 10m (mostly FailedMount)");
    expect(f.evidence[0]).toBe("52 Warning occurrences in the last 10m");
    expect(f.evidence[1]).toBe("top reasons: FailedMount x49, BackOff x3");
    expect(f.evidence[2]).toBe(`Warning FailedMount (x45 over 9m, last 5s ago): ${MOUNT}`);
    expect(f.evidence).toHaveLength(5);
    expect(f.confirm).toEqual([["events", "-n", "shop", "--for", "pod/web-2"]]);
    await expectWellFormed(eventStorm, found);
  });

  test("storms dominated by reasons other analyzers own are left to them", async () => {
    const objects = [
      event("Pod", "api-1", "BackOff", "Back-off restarting failed container api in pod api-1", { count: 30, firstAgo: 500 }),
      event("Pod", "api-1", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", { count: 10, firstAgo: 500 }),
      event("ReplicaSet", "api-6d4f", "FailedCreate", 'Error creating: pods "api-6d4f-" is forbidden: exceeded quota', { count: 25, firstAgo: 500 }),
      event("Pod", "api-2", "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.", { count: 30, firstAgo: 500 }),
    ];
    // 95 in the namespace: under its threshold too.
    expect(await findingsOf(eventStorm, objects)).toEqual([]);
  });

  test("old events, and a long slow repeat, do not count as a storm", async () => {
    const objects = [
      event("Pod", "web-3", "FailedMount", MOUNT, { count: 200, firstAgo: 7200, lastAgo: 900 }), // last seen 15m ago
      event("Pod", "web-4", "FailedMount", MOUNT, { count: 300, firstAgo: 2 * 86_400, lastAgo: 30 }), // ~1 per 10m
    ];
    expect(await findingsOf(eventStorm, objects)).toEqual([]);
    // Pro-rated: 300 over 100 minutes is 30 in the last 10.
    const found = await findingsOf(eventStorm, [event("Pod", "web-4", "FailedMount", MOUNT, { count: 300, firstAgo: 6000, lastAgo: 0 })]);
    expect(found[0]!.evidence[0]).toBe("30 Warning occurrences in the last 10m");
  });

  test("events.k8s.io series count by series.count and series.lastObservedTime", async () => {
    const found = await findingsOf(eventStorm, [seriesEvent("Pod", "dns-1", "DNSConfigForming", "Nameserver limits were exceeded, some nameservers have been omitted", 24, 300, 10)]);
    expect(found.map((f) => [f.code, f.resource.name])).toEqual([["WarningEventStorm", "dns-1"]]);
    expect(found[0]!.evidence[1]).toBe("top reasons: DNSConfigForming x24");
    // First seen 20m ago (eventTime), last 10s ago: in the window, pro-rated (60 x 600 / 1190, rounded up).
    const long = await findingsOf(eventStorm, [seriesEvent("Pod", "dns-2", "DNSConfigForming", "Nameserver limits were exceeded", 60, 1200, 10)]);
    expect(long.map((f) => f.evidence[1])).toEqual(["top reasons: DNSConfigForming x31"]);
  });

  test("a cluster-scoped object's storm has no namespace", async () => {
    const found = await findingsOf(eventStorm, [event("Node", "node-3", "NodeNotReady", "Node node-3 status is now: NodeNotReady", { count: 22, firstAgo: 400, namespace: null })]);
    expect(found.map((f) => [f.resource.kind, f.resource.name, f.namespace])).toEqual([["Node", "node-3", null]]);
    expect(found[0]!.id).toBe("event-storm/WarningEventStorm/_/Node/node-3");
    expect(found[0]!.confirm).toEqual([["events", "--for", "node/node-3"]]);
    await expectWellFormed(eventStorm, found);
  });

  test("a namespace over 100 warning occurrences in 10m is reported whatever the reasons", async () => {
    const objects = [
      ...Array.from({ length: 6 }, (_, i) => event("Pod", `api-${i}`, "BackOff", "Back-off restarting failed container api", { count: 15, firstAgo: 500, lastAgo: 10 + i })),
      ...Array.from({ length: 3 }, (_, i) => event("Pod", `api-${i}`, "Unhealthy", "Liveness probe failed: connection refused", { count: 5, firstAgo: 500, lastAgo: 40 + i })),
      event("Pod", "old", "BackOff", "Back-off", { count: 500, firstAgo: 7200, lastAgo: 3000 }),
      event("Pod", "other-ns", "BackOff", "Back-off", { count: 150, firstAgo: 500, namespace: "payments" }),
    ];
    const found = await findingsOf(eventStorm, objects);
    const ns = found.filter((f) => f.resource.kind === "Namespace");
    expect(ns.map((f) => [f.code, f.severity, f.namespace, f.resource.name])).toEqual([
      ["WarningEventStorm", "warning", "payments", "payments"],
      ["WarningEventStorm", "warning", "shop", "shop"],
    ]);
    const shop = ns.find((f) => f.namespace === "shop")!;
    expect(shop.id).toBe("event-storm/WarningEventStorm/shop/Namespace/shop/namespace");
    expect(shop.title).toBe("Namespace shop: 105 Warning events in the last 10m");
    expect(shop.evidence.slice(0, 3)).toEqual(["105 Warning occurrences in the last 10m over 6 objects", "top reasons: BackOff x90, Unhealthy x15", "busiest objects: Pod/api-0 x20, Pod/api-1 x20, Pod/api-2 x20"]);
    expect(shop.evidence[3]).toStartWith("Warning BackOff (x15 over 8m20s, last 10s ago)");
    expect(shop.confirm).toEqual([["events", "-n", "shop", "--types", "Warning"]]);
    // Per-object storms here are BackOff-dominated: left to the pod analyzers.
    expect(found.filter((f) => f.resource.kind !== "Namespace")).toEqual([]);
    await expectWellFormed(eventStorm, found);
  });

  test("malformed events do not throw", async () => {
    const odd: KubeObject[] = [
      { apiVersion: "v1", kind: "Event", metadata: { name: "a", namespace: NS }, type: "Warning" },
      { apiVersion: "v1", kind: "Event", metadata: { name: "b", namespace: NS }, type: "Warning", involvedObject: { kind: "Pod", name: "x" }, lastTimestamp: "garbage", count: "many" },
      { apiVersion: "v1", kind: "Event", metadata: { name: "c", namespace: NS, creationTimestamp: ago(5) }, type: "Warning", involvedObject: { kind: "Pod", name: "y" }, count: -4, series: "x" },
    ];
    expect(await findingsOf(eventStorm, odd)).toEqual([]);
  });
});
