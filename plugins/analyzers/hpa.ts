/**
 * The `hpa` analyzer: HorizontalPodAutoscalers that cannot do their job.
 *
 * - `HPAMissingTarget` (critical): `spec.scaleTargetRef` names a Deployment,
 *   StatefulSet or ReplicaSet the snapshot does not hold (checked only when
 *   that kind was read whole), or the controller says so itself (condition
 *   `AbleToScale` False, reason `FailedGetScale`). Nothing scales; the other
 *   two codes are not reported for that HPA, as they follow from this one.
 * - `HPAAtMaxReplicas` (warning): the HPA runs `maxReplicas` and wants more
 *   (condition `ScalingLimited` True, reason `TooManyReplicas`); for an HPA
 *   with no conditions at all, current == max and desired >= max. Load past
 *   this point is not absorbed.
 * - `HPAMetricsUnavailable` (warning): condition `ScalingActive` False for any
 *   reason but `ScalingDisabled` (the target scaled to zero, which is a
 *   choice): `FailedGetResourceMetric`, `FailedGetExternalMetric`,
 *   `FailedComputeMetricsReplicas`, `InvalidSelector`... The HPA holds its
 *   replica count whatever the load.
 *
 * Evidence: the target, min/max/current/desired replicas, each metric's
 * current value against its target (autoscaling/v2 `status.currentMetrics`),
 * the condition messages and the HPA's matching Warning events. The
 * autoscaling/v1 conditions annotation is read when `status.conditions` is absent.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { type Condition, type SnapshotKind, condition, confirm, defineAnalyzer, eventLine, finding, type Finding, warningsFor } from "../../lib/diagnose/index.ts";

const ID = "hpa";

/** Target kinds the snapshot can hold, by the kind the HPA names. */
const TARGET_KINDS: Readonly<Record<string, SnapshotKind>> = { Deployment: "deployments", StatefulSet: "statefulsets", ReplicaSet: "replicasets" };

/** Event reasons that show the target cannot be read. */
const SCALE_REASONS = new Set(["FailedGetScale"]);

/** Event reasons that show metrics cannot be read or used. */
const isMetricsReason = (reason: string) => /^FailedGet.*Metric$/.test(reason) || reason === "FailedComputeMetricsReplicas" || reason.startsWith("Invalid") || reason === "AmbiguousSelector";

type Metric = Record<string, unknown>;
type MetricTarget = { type?: string; value?: unknown; averageValue?: unknown; averageUtilization?: unknown };
type MetricCurrent = { value?: unknown; averageValue?: unknown; averageUtilization?: unknown };

const rec = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string => (typeof v === "string" || typeof v === "number" ? String(v) : "");

/** A condition by type: `status.conditions`, else the autoscaling/v1 annotation. */
function hpaCondition(hpa: KubeObject, type: string): Condition | undefined {
  const found = condition(hpa, type);
  if (found) return found;
  const raw = hpa.metadata.annotations?.["autoscaling.alpha.kubernetes.io/conditions"];
  if (!raw) return undefined;
  try {
    const list: unknown = JSON.parse(raw);
    return Array.isArray(list) ? list.find((c): c is Condition => typeof c === "object" && c !== null && (c as Condition).type === type) : undefined;
  } catch {
    return undefined;
  }
}

const hasConditions = (hpa: KubeObject) => ["AbleToScale", "ScalingActive", "ScalingLimited"].some((t) => hpaCondition(hpa, t) !== undefined);

const conditionLine = (c: Condition) => `${c.type} ${c.status}${c.reason ? ` (${c.reason})` : ""}${c.message ? `: ${c.message}` : ""}`;

/** What identifies a metric across spec and status, and how it reads. */
function metricKey(m: Metric): { key: string; label: string; target?: MetricTarget; current?: MetricCurrent } {
  const type = str(m.type);
  switch (type) {
    case "Resource": {
      const r = rec(m.resource);
      return { key: `Resource:${str(r.name)}`, label: `resource ${str(r.name)}`, target: rec(r.target), current: rec(r.current) };
    }
    case "ContainerResource": {
      const r = rec(m.containerResource);
      return { key: `ContainerResource:${str(r.name)}:${str(r.container)}`, label: `resource ${str(r.name)} of container ${str(r.container)}`, target: rec(r.target), current: rec(r.current) };
    }
    case "Pods": {
      const p = rec(m.pods);
      const name = str(rec(p.metric).name);
      return { key: `Pods:${name}`, label: `pods metric ${name}`, target: rec(p.target), current: rec(p.current) };
    }
    case "Object": {
      const o = rec(m.object);
      const d = rec(o.describedObject);
      const name = str(rec(o.metric).name);
      return { key: `Object:${str(d.kind)}/${str(d.name)}:${name}`, label: `object metric ${name} on ${str(d.kind)}/${str(d.name)}`, target: rec(o.target), current: rec(o.current) };
    }
    case "External": {
      const e = rec(m.external);
      const name = str(rec(e.metric).name);
      return { key: `External:${name}`, label: `external metric ${name}`, target: rec(e.target), current: rec(e.current) };
    }
    default:
      return { key: `${type}:`, label: `${type || "unknown"} metric` };
  }
}

/** A metric value as the target reads it: `85%`, `200m (avg)`, `30`. */
function valueOf(v: MetricTarget | MetricCurrent | undefined, type: string | undefined): string {
  if (!v) return "<unknown>";
  const util = num(v.averageUtilization);
  if (type === "Utilization" || (type === undefined && util !== undefined)) return util === undefined ? "<unknown>" : `${util}%`;
  if (type === "AverageValue" || (type === undefined && str(v.averageValue))) return str(v.averageValue) ? `${str(v.averageValue)} (avg)` : "<unknown>";
  return str(v.value) || "<unknown>";
}

/** One line per metric in the spec: `metric resource cpu: 95% / 70%`. */
function metricLines(hpa: KubeObject): string[] {
  const spec = rec(hpa.spec);
  const status = rec(hpa.status);
  const currents = new Map<string, MetricCurrent>();
  for (const m of Array.isArray(status.currentMetrics) ? status.currentMetrics : []) {
    const k = metricKey(rec(m));
    if (k.current) currents.set(k.key, k.current);
  }
  const lines: string[] = [];
  for (const m of Array.isArray(spec.metrics) ? spec.metrics : []) {
    const k = metricKey(rec(m));
    const type = k.target?.type;
    const current = currents.get(k.key);
    lines.push(`metric ${k.label}: ${current && Object.keys(current).length ? valueOf(current, type) : "<unknown>"} / ${valueOf(k.target, type)}`);
  }
  // autoscaling/v1 shape: one CPU target.
  const cpu = num(spec.targetCPUUtilizationPercentage);
  if (lines.length === 0 && cpu !== undefined) {
    const current = num(status.currentCPUUtilizationPercentage);
    lines.push(`metric resource cpu: ${current === undefined ? "<unknown>" : `${current}%`} / ${cpu}%`);
  }
  return lines;
}

export const hpa = defineAnalyzer({
  id: ID,
  description: "HorizontalPodAutoscalers whose target is missing, that are pinned at maxReplicas, or that cannot read their metrics",
  codes: { HPAMissingTarget: "critical", HPAAtMaxReplicas: "warning", HPAMetricsUnavailable: "warning" },
  kinds: ["horizontalpodautoscalers", "deployments", "statefulsets", "replicasets", "events"],
  analyze(snapshot, ctx) {
    const out: Finding[] = [];
    for (const h of snapshot.list("horizontalpodautoscalers")) {
      const namespace = h.metadata.namespace ?? null;
      const name = h.metadata.name;
      const spec = rec(h.spec);
      const status = rec(h.status);
      const ref = rec(spec.scaleTargetRef);
      const targetKind = str(ref.kind);
      const targetName = str(ref.name);
      const min = num(spec.minReplicas) ?? 1;
      const max = num(spec.maxReplicas);
      const current = num(status.currentReplicas);
      const desired = num(status.desiredReplicas);
      const replicas = `replicas: min ${min}, max ${max ?? "?"}, current ${current ?? "?"}, desired ${desired ?? "?"}`;
      const conditions = ["AbleToScale", "ScalingActive", "ScalingLimited"].map((t) => hpaCondition(h, t)).filter((c): c is Condition => c !== undefined);
      const warnings = warningsFor(snapshot, "HorizontalPodAutoscaler", h);
      const eventsWith = (keep: (reason: string) => boolean) =>
        warnings
          .filter((e) => keep(str(e.reason)))
          .slice(0, 3)
          .map((e) => eventLine(e, ctx.now));
      const confirmCmds = [confirm.describe("hpa", name, namespace), ...(targetKind && targetName ? [confirm.get(targetKind.toLowerCase(), targetName, namespace)] : [])];
      const report = (code: string, severity: "critical" | "warning", title: string, evidence: string[], hint: string) =>
        out.push(finding(ID, { code, severity, kind: "HorizontalPodAutoscaler", namespace, name, title, evidence, confirm: confirmCmds, hint }));
      const target = `${targetKind || "?"}/${targetName || "?"}`;

      // The target: absent from a kind read whole, or the controller cannot get its scale.
      const snapKind = TARGET_KINDS[targetKind];
      const readWhole = snapKind !== undefined && snapshot.kinds.includes(snapKind) && !snapshot.unavailable.includes(snapKind) && !snapshot.truncated.includes(snapKind);
      const absent = readWhole && targetName !== "" && namespace !== null && snapshot.get(snapKind, namespace, targetName) === undefined;
      const able = hpaCondition(h, "AbleToScale");
      const failedGetScale = able?.status === "False" && able.reason === "FailedGetScale";
      if (absent || failedGetScale) {
        report(
          "HPAMissingTarget",
          "critical",
          `HPA ${name} cannot find its scale target ${target}`,
          [
            absent ? `target: ${target} (not found in namespace ${namespace})` : `target: ${target}`,
            replicas,
            ...conditions.filter((c) => c.type !== "ScalingLimited").map(conditionLine),
            ...eventsWith((r) => SCALE_REASONS.has(r)),
          ],
          `Point spec.scaleTargetRef at an existing ${targetKind || "workload"} (kind, name and apiVersion must match), or create ${target}; until then this HPA scales nothing.`,
        );
        continue;
      }

      const metrics = metricLines(h);
      const active = hpaCondition(h, "ScalingActive");
      if (active?.status === "False" && active.reason !== "ScalingDisabled") {
        report(
          "HPAMetricsUnavailable",
          "warning",
          `HPA ${name} cannot compute replicas from its metrics${active.reason ? ` (${active.reason})` : ""}`,
          [`target: ${target}`, replicas, ...metrics, conditionLine(active), ...eventsWith(isMetricsReason)],
          "Check that the metrics source answers (metrics-server for resource metrics: kubectl top pods; the custom/external metrics adapter otherwise) and that the target's pods set resource requests for utilization targets; the HPA keeps the current replica count meanwhile.",
        );
      }

      const limited = hpaCondition(h, "ScalingLimited");
      const atMax =
        max !== undefined &&
        current !== undefined &&
        (hasConditions(h) ? current >= max && limited?.status === "True" && limited.reason === "TooManyReplicas" : current === max && desired !== undefined && desired >= max);
      if (atMax) {
        report(
          "HPAAtMaxReplicas",
          "warning",
          `HPA ${name} is at maxReplicas (${max}) and wants more`,
          [`target: ${target}`, replicas, ...metrics, ...(limited ? [conditionLine(limited)] : [])],
          `The metrics ask for more than ${max} replicas: raise spec.maxReplicas if the cluster has room, or find why load (or per-pod usage) grew; meanwhile each replica runs above its target.`,
        );
      }
    }
    return out;
  },
});

export default hpa;
