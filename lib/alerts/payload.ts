/**
 * Alertmanager's webhook payload (version 4) and how its alerts become
 * diagnosis targets: one per (cluster, namespace), so a batch of alerts about
 * one namespace runs one diagnosis. Parsed with valibot; bad input is a
 * `VALIDATION_FAILED` naming the field.
 */
import * as v from "valibot";
import { KubentlyError } from "../errors.ts";
import { LIMITS } from "../limits.ts";
import { describeIssues } from "../schemas.ts";

const labels = v.pipe(
  v.record(v.pipe(v.string(), v.maxLength(256)), v.pipe(v.string("label values must be strings"), v.maxLength(16 * 1024))),
  v.check((r) => Object.keys(r).length <= 128, "at most 128 labels"),
);
const text = (max: number) => v.pipe(v.string(), v.maxLength(max));

/** One alert of the payload. */
export const AlertSchema = v.object({
  status: v.picklist(["firing", "resolved"], 'must be "firing" or "resolved"'),
  labels,
  annotations: v.optional(labels, {}),
  startsAt: v.optional(text(64)),
  endsAt: v.optional(text(64)),
  generatorURL: v.optional(text(4096)),
  /** Alertmanager's id of the alert (a hash of its labels); absent: computed the same way from the labels. */
  fingerprint: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be up to 128 letters, digits or . _ : -"))),
});

/** The webhook body Alertmanager POSTs (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export const AlertmanagerPayloadSchema = v.object({
  version: v.optional(v.literal("4", 'only version "4" of the webhook payload is understood')),
  groupKey: v.optional(text(16 * 1024)),
  truncatedAlerts: v.optional(v.number()),
  status: v.picklist(["firing", "resolved"], 'must be "firing" or "resolved"'),
  receiver: text(1024),
  groupLabels: v.optional(labels, {}),
  commonLabels: v.optional(labels, {}),
  commonAnnotations: v.optional(labels, {}),
  externalURL: v.optional(text(4096)),
  alerts: v.pipe(
    v.array(AlertSchema),
    v.minLength(1, "must hold at least one alert"),
    v.maxLength(LIMITS.maxAlertsPerRequest, `at most ${LIMITS.maxAlertsPerRequest} alerts in one request (set max_alerts in Alertmanager's webhook_config)`),
  ),
});

/** A parsed payload. */
export type AlertmanagerPayload = v.InferOutput<typeof AlertmanagerPayloadSchema>;
/** One parsed alert, with its fingerprint. */
export type Alert = v.InferOutput<typeof AlertSchema> & { fingerprint: string };

/** Parses a body or throws `VALIDATION_FAILED` with each failing field in `details.fields`. */
export function parseAlertmanagerPayload(input: unknown): AlertmanagerPayload & { alerts: Alert[] } {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new KubentlyError("VALIDATION_FAILED", "request body must be a JSON object (an Alertmanager webhook payload, version 4)");
  }
  const parsed = v.safeParse(AlertmanagerPayloadSchema, input);
  if (!parsed.success) {
    throw new KubentlyError("VALIDATION_FAILED", describeIssues(parsed.issues), {
      details: { fields: parsed.issues.slice(0, 20).map((i) => ({ field: v.getDotPath(i) ?? "body", message: i.message })) },
    });
  }
  return { ...parsed.output, alerts: parsed.output.alerts.map((a) => ({ ...a, fingerprint: a.fingerprint ?? fingerprintOf(a.labels) })) };
}

/** A stable 16-hex id of a label set (FNV-1a over the sorted pairs): Alertmanager sends its own, this stands in when it is absent. */
export function fingerprintOf(l: Record<string, string>): string {
  let h = 0xcbf29ce484222325n;
  for (const [k, val] of Object.entries(l).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const ch of `${k}\u00ff${val}\u00ff`) {
      h ^= BigInt(ch.codePointAt(0)!);
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  }
  return h.toString(16).padStart(16, "0");
}

/** The workload an alert names, from kube-state-metrics style labels. */
export interface Workload {
  kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "Pod";
  name: string;
}

/**
 * Labels naming a workload, most specific last. `job_name`, not `job`: in
 * Prometheus `job` is the scrape job (`kube-state-metrics`), while
 * kube-state-metrics names a Kubernetes Job in `job_name`.
 */
const WORKLOAD_LABELS: readonly [string, Workload["kind"]][] = [
  ["deployment", "Deployment"],
  ["statefulset", "StatefulSet"],
  ["daemonset", "DaemonSet"],
  ["job_name", "Job"],
  ["pod", "Pod"],
];

/** The workloads an alert's labels name (a pod alert from kube-state-metrics may name both the pod and, elsewhere, its owner). */
export function workloadsOf(alert: Pick<Alert, "labels">): Workload[] {
  return WORKLOAD_LABELS.filter(([label]) => alert.labels[label]).map(([label, kind]) => ({ kind, name: alert.labels[label]! }));
}

/** One diagnosis to run: a cluster, a namespace (null: the whole cluster) and the firing alerts about it. */
export interface AlertTarget {
  clusterId: string;
  namespace: string | null;
  alerts: Alert[];
}

/** An alert that maps to no target, and why. */
export interface RefusedAlert {
  alert: Alert;
  code: "VALIDATION_FAILED";
  message: string;
}

const NAMESPACE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Groups alerts per (cluster, namespace): firing ones into `targets` (one diagnosis each), resolved ones into `resolved` (no diagnosis). */
export function targetsOf(alerts: readonly Alert[], options: { clusterLabel: string; defaultCluster?: string }): { targets: AlertTarget[]; resolved: AlertTarget[]; refused: RefusedAlert[] } {
  const targets = new Map<string, AlertTarget>();
  const resolved = new Map<string, AlertTarget>();
  const refused: RefusedAlert[] = [];
  for (const alert of alerts) {
    const clusterId = alert.labels[options.clusterLabel] ?? options.defaultCluster;
    if (!clusterId) {
      refused.push({ alert, code: "VALIDATION_FAILED", message: `alert ${alert.labels.alertname ?? alert.fingerprint} has no "${options.clusterLabel}" label and no default cluster is configured` });
      continue;
    }
    const namespace = alert.labels.namespace || null;
    if (namespace !== null && !NAMESPACE.test(namespace)) {
      refused.push({ alert, code: "VALIDATION_FAILED", message: `alert ${alert.labels.alertname ?? alert.fingerprint}: label namespace is not a DNS label` });
      continue;
    }
    const into = alert.status === "resolved" ? resolved : targets;
    const key = `${clusterId}\u0000${namespace ?? ""}`;
    const target = into.get(key) ?? { clusterId, namespace, alerts: [] };
    target.alerts.push(alert);
    into.set(key, target);
  }
  return { targets: [...targets.values()], resolved: [...resolved.values()], refused };
}
