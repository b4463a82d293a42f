/**
 * What one target's alerts and diagnosis become before any outbound format:
 * our own documented JSON (docs/alerts.md#the-json-message), sent as it is to
 * `json` webhooks and kept in dead letters; Slack and PagerDuty bodies are
 * rendered from it. It holds no secret (no webhook URL, no routing key).
 */
import type { ClusterDiagnosis } from "../diagnose/service.ts";
import type { Finding } from "../diagnose/analyzer.ts";
import { LIMITS } from "../limits.ts";
import { type Alert, type AlertTarget, type Workload, workloadsOf } from "./payload.ts";

/** The schema id every message carries. */
export const MESSAGE_SCHEMA = "kubently.alert-diagnosis/v1";

/** One alert, as a message carries it. */
export interface MessageAlert {
  alertname: string | null;
  status: "firing" | "resolved";
  /** The alert's `severity` label, if any. */
  severity: string | null;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  starts_at: string | null;
  ends_at: string | null;
  generator_url: string | null;
}

/** The diagnosis part of a message. */
export interface MessageDiagnosis {
  /** How the diagnosis command ended: `success`, or `failure`/`timeout`/`denied`/`cancelled` with `error`. */
  status: string;
  command_id: string | null;
  correlation_id: string;
  error: string | null;
  code: string | null;
  /** Over every finding of the diagnosis, not only those sent. */
  summary: { critical: number; warning: number; info: number; total: number };
  /** Findings about the alerts' workloads (all findings when no alert names one), most severe first, at most `alertFindingsPerMessage`. */
  findings: Finding[];
  /** Other findings in the same namespace, most severe first, at most `alertFindingsPerMessage`. */
  also_seen: Finding[];
  /** How many other findings there were in all. */
  also_seen_total: number;
  /** True when findings or also_seen were cut to the cap (or the diagnosis itself was). */
  truncated: boolean;
}

/** One target's message. */
export interface AlertMessage {
  schema: typeof MESSAGE_SCHEMA;
  /** The target's id, as answered by `POST /alerts/alertmanager`; the diagnosis' correlation id. */
  id: string;
  status: "firing" | "resolved";
  receiver: string;
  external_url: string | null;
  cluster_id: string;
  namespace: string | null;
  workloads: Workload[];
  alerts: MessageAlert[];
  /** null for resolved alerts (nothing is diagnosed). */
  diagnosis: MessageDiagnosis | null;
}

/** Whether a finding is about `w` (the workload itself or, by the controllers' naming, its pods and ReplicaSets). */
export function findingIsAbout(f: Pick<Finding, "resource">, w: Workload): boolean {
  const { kind, name } = f.resource;
  if (kind === w.kind && name === w.name) return true;
  if (w.kind === "Pod") return false;
  if (w.kind === "StatefulSet") return kind === "Pod" && new RegExp(`^${w.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d+$`).test(name);
  return (kind === "Pod" || (w.kind === "Deployment" && kind === "ReplicaSet")) && name.startsWith(`${w.name}-`);
}

/** Splits findings into those about the workloads (all, when none is named) and the rest. */
export function splitFindings(findings: readonly Finding[], workloads: readonly Workload[]): { about: Finding[]; others: Finding[] } {
  if (workloads.length === 0) return { about: [...findings], others: [] };
  const about: Finding[] = [];
  const others: Finding[] = [];
  for (const f of findings) (workloads.some((w) => findingIsAbout(f, w)) ? about : others).push(f);
  return { about, others };
}

const messageAlert = (a: Alert): MessageAlert => ({
  alertname: a.labels.alertname ?? null,
  status: a.status,
  severity: a.labels.severity ?? null,
  fingerprint: a.fingerprint,
  labels: a.labels,
  annotations: a.annotations,
  starts_at: a.startsAt ?? null,
  ends_at: a.endsAt ?? null,
  generator_url: a.generatorURL ?? null,
});

/** The distinct workloads the target's alerts name. */
export function targetWorkloads(target: Pick<AlertTarget, "alerts">): Workload[] {
  const seen = new Map<string, Workload>();
  for (const a of target.alerts) for (const w of workloadsOf(a)) seen.set(`${w.kind}/${w.name}`, w);
  return [...seen.values()];
}

/** Builds a target's message from its alerts and, for firing ones, its diagnosis. */
export function buildMessage(input: { id: string; receiver: string; externalUrl?: string | undefined; target: AlertTarget; diagnosis?: ClusterDiagnosis; correlationId?: string }): AlertMessage {
  const { target } = input;
  const workloads = targetWorkloads(target);
  const status = target.alerts.every((a) => a.status === "resolved") ? "resolved" : "firing";
  let diagnosis: MessageDiagnosis | null = null;
  if (input.diagnosis) {
    const d = input.diagnosis;
    const all = d.diagnosis?.findings ?? [];
    const { about, others } = splitFindings(all, workloads);
    const cap = LIMITS.alertFindingsPerMessage;
    diagnosis = {
      status: d.outcome.status,
      command_id: d.outcome.commandId ?? null,
      correlation_id: d.outcome.correlationId ?? input.correlationId ?? input.id,
      error: d.error?.message ?? null,
      code: d.error?.code ?? null,
      summary: d.diagnosis?.summary ?? { critical: 0, warning: 0, info: 0, total: 0 },
      findings: about.slice(0, cap),
      also_seen: others.slice(0, cap),
      also_seen_total: others.length,
      truncated: about.length > cap || others.length > cap || Boolean(d.diagnosis?.truncated),
    };
  }
  return {
    schema: MESSAGE_SCHEMA,
    id: input.id,
    status,
    receiver: input.receiver,
    external_url: input.externalUrl ?? null,
    cluster_id: target.clusterId,
    namespace: target.namespace,
    workloads,
    alerts: target.alerts.map(messageAlert),
    diagnosis,
  };
}
