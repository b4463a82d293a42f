import { describe, expect, test } from "bun:test";
import { networkPolicy } from "../../../plugins/analyzers/network-policy.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "shop";

function pod(name: string, labels: Record<string, string>, namespace = NS): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, uid: `uid-${name}`, creationTimestamp: ago(3600), labels },
    spec: { containers: [{ name: "app", image: "registry.example.com/shop/app:1.0" }] },
    status: { phase: "Running", podIP: "10.1.2.3" },
  };
}

function policy(name: string, podSelector: unknown, o: { namespace?: string; types?: string[] } = {}): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: o.namespace ?? NS, uid: `uid-np-${name}`, creationTimestamp: ago(86_400) },
    spec: {
      podSelector,
      policyTypes: o.types ?? ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: "frontend" } } }], ports: [{ protocol: "TCP", port: 8080 }] }],
    },
  };
}

function deployment(name: string, labels: Record<string, string>, replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: ago(86_400) },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "app", image: "registry.example.com/shop/app:1.0" }] } } },
    status: { replicas },
  };
}

const PODS = [
  pod("checkout-7d9f8-abc12", { app: "checkout", tier: "backend", "pod-template-hash": "7d9f8" }),
  pod("checkout-7d9f8-def34", { app: "checkout", tier: "backend", "pod-template-hash": "7d9f8" }),
  pod("frontend-5c6b7-xyz98", { app: "frontend", tier: "web", "pod-template-hash": "5c6b7" }),
  pod("redis-0", { app: "redis", tier: "cache", "statefulset.kubernetes.io/pod-name": "redis-0", "controller-revision-hash": "redis-6f8d" }),
];

describe("network-policy analyzer", () => {
  test("policies selecting pods, an empty podSelector and a default deny give nothing", async () => {
    const objects = [
      ...PODS,
      policy("checkout-ingress", { matchLabels: { app: "checkout" } }),
      policy("backends", { matchExpressions: [{ key: "tier", operator: "In", values: ["backend", "cache"] }] }),
      policy("default-deny", {}, { types: ["Ingress", "Egress"] }),
    ];
    expect(await findingsOf(networkPolicy, objects)).toEqual([]);
  });

  test("a selector that matches no pod is NetworkPolicySelectsNoPods (warning) with the closest label sets", async () => {
    const np = policy("checkout-ingress", { matchLabels: { app: "chekout", tier: "backend" } }, { types: ["Ingress", "Egress"] });
    const found = await findingsOf(networkPolicy, [...PODS, np, pod("elsewhere", { app: "chekout", tier: "backend" }, "other")]);
    expect(found.map((f) => [f.code, f.severity, f.resource.kind, f.resource.name, f.namespace])).toEqual([["NetworkPolicySelectsNoPods", "warning", "NetworkPolicy", "checkout-ingress", "shop"]]);
    const f = found[0]!;
    expect(f.id).toBe("network-policy/NetworkPolicySelectsNoPods/shop/NetworkPolicy/checkout-ingress");
    expect(f.title).toBe("NetworkPolicy checkout-ingress selects no pod in namespace shop");
    expect(f.evidence).toEqual([
      "podSelector: app=chekout, tier=backend",
      "policyTypes: Ingress, Egress",
      "no pod of the 4 in namespace shop (nor any workload's pod template) matches",
      "closest pod labels: app=checkout,tier=backend (2 pods, e.g. checkout-7d9f8-abc12)",
      "closest pod labels: app=frontend,tier=web (1 pod, e.g. frontend-5c6b7-xyz98)",
      "closest pod labels: app=redis,tier=cache (1 pod, e.g. redis-0)",
    ]);
    expect(f.confirm).toEqual([
      ["describe", "networkpolicy", "checkout-ingress", "-n", "shop"],
      ["get", "pods", "-n", "shop", "--show-labels"],
    ]);
    await expectWellFormed(networkPolicy, found);
  });

  test("match expressions are printed and matched", async () => {
    const np = policy("legacy", {
      matchLabels: { app: "checkout" },
      matchExpressions: [
        { key: "version", operator: "In", values: ["v1", "v2"] },
        { key: "canary", operator: "DoesNotExist" },
      ],
    });
    const found = await findingsOf(networkPolicy, [...PODS, np]);
    expect(found.map((f) => f.code)).toEqual(["NetworkPolicySelectsNoPods"]);
    expect(found[0]!.evidence[0]).toBe("podSelector: app=checkout, version in (v1,v2), !canary");
    expect(found[0]!.evidence[3]).toBe("closest pod labels: app=checkout,tier=backend (2 pods, e.g. checkout-7d9f8-abc12)");
    await expectWellFormed(networkPolicy, found);
  });

  test("a workload scaled to zero (or a CronJob between runs) whose template matches is not reported", async () => {
    const np = policy("worker", { matchLabels: { app: "worker" } });
    expect(await findingsOf(networkPolicy, [...PODS, np, deployment("worker", { app: "worker" }, 0)])).toEqual([]);
    const cron: KubeObject = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "report", namespace: NS },
      spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { metadata: { labels: { app: "worker" } }, spec: { containers: [] } } } } },
    };
    expect(await findingsOf(networkPolicy, [...PODS, np, cron])).toEqual([]);
  });

  test("empty namespaces, missing podSelector and unread pods are not judged", async () => {
    expect(await findingsOf(networkPolicy, [policy("ahead", { matchLabels: { app: "new" } }, { namespace: "staging" })])).toEqual([]);
    const noSelector: KubeObject = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "bare", namespace: NS } };
    expect(await findingsOf(networkPolicy, [...PODS, noSelector, policy("null", null)])).toEqual([]);
    expect(await findingsOf(networkPolicy, [policy("typo", { matchLabels: { app: "chekout" } })], { unavailable: ["pods"] })).toEqual([]);
  });

  test("a namespace whose pods carry no labels gets no closest lines", async () => {
    const found = await findingsOf(networkPolicy, [pod("plain", {}), policy("web", { matchLabels: { app: "web" } })]);
    expect(found.map((f) => f.code)).toEqual(["NetworkPolicySelectsNoPods"]);
    expect(found[0]!.evidence).toEqual(["podSelector: app=web", "policyTypes: Ingress", "no pod of the 1 in namespace shop (nor any workload's pod template) matches"]);
  });
});
