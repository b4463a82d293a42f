import { describe, expect, test } from "bun:test";
import { hpa } from "../../../plugins/analyzers/hpa.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "shop";

function deployment(name: string, replicas = 3): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: ago(86_400), labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: `registry.example.com/shop/${name}:2.1.0` }] } } },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas },
  };
}

const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastTransitionTime: ago(600) });

const HEALTHY_CONDITIONS = [
  cond("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"),
  cond("ScalingActive", "True", "ValidMetricFound", "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"),
  cond("ScalingLimited", "False", "DesiredWithinRange", "the desired count is within the acceptable range"),
];

/** An autoscaling/v2 HPA on CPU utilization. */
function autoscaler(
  name: string,
  o: { target?: string; targetKind?: string; min?: number; max?: number; current?: number; desired?: number; cpu?: number | null; conditions?: unknown[] | null; status?: unknown } = {},
): KubeObject {
  const target = o.target ?? name;
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name, namespace: NS, uid: `uid-hpa-${name}`, creationTimestamp: ago(86_400) },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: o.targetKind ?? "Deployment", name: target },
      minReplicas: o.min ?? 2,
      maxReplicas: o.max ?? 10,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
    },
    status:
      o.status !== undefined
        ? o.status
        : {
            currentReplicas: o.current ?? 3,
            desiredReplicas: o.desired ?? o.current ?? 3,
            ...(o.cpu === null ? {} : { currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: o.cpu ?? 45, averageValue: "90m" } } }] }),
            ...(o.conditions === null ? {} : { conditions: o.conditions ?? HEALTHY_CONDITIONS }),
          },
  };
}

function event(name: string, reason: string, message: string, o: { count?: number; lastAgo?: number } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${name}.${reason}`, namespace: NS, creationTimestamp: ago(3600) },
    involvedObject: { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", name, namespace: NS, uid: `uid-hpa-${name}` },
    reason,
    message,
    type: "Warning",
    count: o.count ?? 1,
    firstTimestamp: ago(3600),
    lastTimestamp: ago(o.lastAgo ?? 30),
    source: { component: "horizontal-pod-autoscaler" },
  };
}

describe("hpa analyzer", () => {
  test("an HPA in range with metrics, and one whose target scaled to zero, give nothing", async () => {
    const idle = autoscaler("batch", {
      current: 0,
      desired: 0,
      cpu: null,
      conditions: [cond("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale"), cond("ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")],
    });
    expect(await findingsOf(hpa, [deployment("web"), autoscaler("web"), deployment("batch", 0), idle])).toEqual([]);
  });

  test("a target absent from the snapshot is HPAMissingTarget (critical), and nothing else", async () => {
    const h = autoscaler("api", {
      target: "api-server",
      current: 2,
      desired: 2,
      cpu: null,
      conditions: [
        cond("AbleToScale", "False", "FailedGetScale", 'the HPA controller was unable to get the target\'s current scale: deployments/scale.apps "api-server" not found'),
        cond("ScalingActive", "False", "FailedGetResourceMetric", "the HPA was unable to compute the replica count"),
      ],
    });
    const found = await findingsOf(hpa, [deployment("api"), h, event("api", "FailedGetScale", 'deployments/scale.apps "api-server" not found', { count: 120 })]);
    expect(found.map((f) => [f.code, f.severity, f.resource.kind, f.resource.name])).toEqual([["HPAMissingTarget", "critical", "HorizontalPodAutoscaler", "api"]]);
    const [f] = found;
    expect(f!.id).toBe("hpa/HPAMissingTarget/shop/HorizontalPodAutoscaler/api");
    expect(f!.evidence).toContain("target: Deployment/api-server (not found in namespace shop)");
    expect(f!.evidence).toContain("replicas: min 2, max 10, current 2, desired 2");
    expect(f!.evidence.some((l) => l.startsWith("AbleToScale False (FailedGetScale): the HPA controller was unable to get"))).toBe(true);
    expect(f!.evidence).toContain('Warning FailedGetScale (x120 over 60m, last 30s ago): deployments/scale.apps "api-server" not found');
    expect(f!.confirm).toEqual([
      ["describe", "hpa", "api", "-n", "shop"],
      ["get", "deployment", "api-server", "-n", "shop"],
    ]);
    await expectWellFormed(hpa, found);
  });

  test("FailedGetScale alone (a kind the snapshot does not hold) is HPAMissingTarget", async () => {
    const h = autoscaler("rollout", {
      targetKind: "Rollout",
      conditions: [cond("AbleToScale", "False", "FailedGetScale", 'rollouts.argoproj.io "rollout" not found')],
    });
    const found = await findingsOf(hpa, [h]);
    expect(found.map((f) => f.code)).toEqual(["HPAMissingTarget"]);
    expect(found[0]!.evidence[0]).toBe("target: Rollout/rollout");
    expect(found[0]!.confirm[1]).toEqual(["get", "rollout", "rollout", "-n", "shop"]);
    await expectWellFormed(hpa, found);
  });

  test("a missing target is not judged when the target kind was not read whole", async () => {
    const found = await findingsOf(hpa, [autoscaler("web")], { unavailable: ["deployments"] });
    expect(found).toEqual([]);
  });

  test("at maxReplicas and wanting more is HPAAtMaxReplicas (warning) with metrics against targets", async () => {
    const h = autoscaler("web", {
      current: 10,
      desired: 10,
      cpu: 185,
      conditions: [
        cond("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"),
        cond("ScalingActive", "True", "ValidMetricFound", "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"),
        cond("ScalingLimited", "True", "TooManyReplicas", "the desired replica count is more than the maximum replica count"),
      ],
    });
    const found = await findingsOf(hpa, [deployment("web", 10), h]);
    expect(found.map((f) => [f.code, f.severity])).toEqual([["HPAAtMaxReplicas", "warning"]]);
    expect(found[0]!.title).toBe("HPA web is at maxReplicas (10) and wants more");
    expect(found[0]!.evidence).toEqual([
      "target: Deployment/web",
      "replicas: min 2, max 10, current 10, desired 10",
      "metric resource cpu: 185% / 70%",
      "ScalingLimited True (TooManyReplicas): the desired replica count is more than the maximum replica count",
    ]);
    await expectWellFormed(hpa, found);
  });

  test("at max without TooManyReplicas (within range at the top) is not reported", async () => {
    const found = await findingsOf(hpa, [deployment("web", 10), autoscaler("web", { current: 10, desired: 10, cpu: 68 })]);
    expect(found).toEqual([]);
  });

  test("without conditions, current == max and desired >= max is HPAAtMaxReplicas", async () => {
    const found = await findingsOf(hpa, [deployment("web", 5), autoscaler("web", { max: 5, current: 5, desired: 5, conditions: null })]);
    expect(found.map((f) => f.code)).toEqual(["HPAAtMaxReplicas"]);
    expect(await findingsOf(hpa, [deployment("web", 4), autoscaler("web", { max: 5, current: 4, desired: 5, conditions: null })])).toEqual([]);
  });

  test("metrics the HPA cannot read are HPAMetricsUnavailable (warning), with the failing events", async () => {
    const h = autoscaler("web", {
      cpu: null,
      conditions: [
        cond("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale"),
        cond("ScalingActive", "False", "FailedGetResourceMetric", "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API"),
      ],
    });
    const found = await findingsOf(hpa, [
      deployment("web"),
      h,
      event("web", "FailedGetResourceMetric", "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API", { count: 40 }),
      event("web", "FailedComputeMetricsReplicas", "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value", { count: 40, lastAgo: 31 }),
    ]);
    expect(found.map((f) => [f.code, f.severity, f.resource.name])).toEqual([["HPAMetricsUnavailable", "warning", "web"]]);
    const f = found[0]!;
    expect(f.title).toBe("HPA web cannot compute replicas from its metrics (FailedGetResourceMetric)");
    expect(f.evidence).toContain("metric resource cpu: <unknown> / 70%");
    expect(f.evidence.some((l) => l.startsWith("ScalingActive False (FailedGetResourceMetric): the HPA was unable to compute"))).toBe(true);
    expect(f.evidence.filter((l) => l.startsWith("Warning FailedGetResourceMetric (x40")).length).toBe(1);
    expect(f.evidence.filter((l) => l.startsWith("Warning FailedComputeMetricsReplicas (x40")).length).toBe(1);
    await expectWellFormed(hpa, found);
  });

  test("pods, object and external metrics read against their targets", async () => {
    const h = autoscaler("queue", {
      conditions: [cond("ScalingActive", "False", "FailedGetExternalMetric", "unable to get external metric shop/sqs_backlog")],
    });
    (h.spec as Record<string, unknown>).metrics = [
      { type: "Pods", pods: { metric: { name: "requests_per_second" }, target: { type: "AverageValue", averageValue: "100" } } },
      { type: "Object", object: { describedObject: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "main" }, metric: { name: "hits" }, target: { type: "Value", value: "2k" } } },
      { type: "External", external: { metric: { name: "sqs_backlog" }, target: { type: "AverageValue", averageValue: "30" } } },
    ];
    (h.status as Record<string, unknown>).currentMetrics = [
      { type: "Pods", pods: { metric: { name: "requests_per_second" }, current: { averageValue: "87" } } },
      { type: "Object", object: { describedObject: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "main" }, metric: { name: "hits" }, current: { value: "1500" } } },
    ];
    const found = await findingsOf(hpa, [deployment("queue"), h]);
    expect(found.map((f) => f.code)).toEqual(["HPAMetricsUnavailable"]);
    expect(found[0]!.evidence).toEqual(
      expect.arrayContaining(["metric pods metric requests_per_second: 87 (avg) / 100 (avg)", "metric object metric hits on Ingress/main: 1500 / 2k", "metric external metric sqs_backlog: <unknown> / 30 (avg)"]),
    );
  });

  test("autoscaling/v1 conditions in the annotation are read", async () => {
    const h: KubeObject = {
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: {
        name: "web",
        namespace: NS,
        uid: "uid-hpa-web",
        annotations: { "autoscaling.alpha.kubernetes.io/conditions": JSON.stringify([cond("ScalingActive", "False", "FailedGetResourceMetric", "missing request for cpu")]) },
      },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 80 },
      status: { currentReplicas: 1, desiredReplicas: 1 },
    };
    const found = await findingsOf(hpa, [deployment("web", 1), h]);
    expect(found.map((f) => f.code)).toEqual(["HPAMetricsUnavailable"]);
    expect(found[0]!.evidence).toContain("metric resource cpu: <unknown> / 80%");
  });

  test("missing or malformed status does not throw", async () => {
    const bare: KubeObject = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "bare", namespace: NS }, spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, maxReplicas: 3 } };
    const odd = autoscaler("odd", { status: { conditions: "nope", currentMetrics: [null, 3, { type: "Resource" }] } });
    const noSpec: KubeObject = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "nospec", namespace: NS } };
    expect(await findingsOf(hpa, [deployment("web"), deployment("odd"), bare, odd, noSpec])).toEqual([]);
  });
});
