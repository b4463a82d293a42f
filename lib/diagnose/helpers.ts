/**
 * What analyzers share: reading conditions and container states, matching
 * selectors, walking owners, formatting events and building findings with
 * stable ids. Plugin authors get the same helpers from `kubently`.
 */
import type { KubeObject } from "../kube/index.ts";
import { ageSince, humanDuration } from "../kube/_age.ts";
import type { Finding, Severity } from "./analyzer.ts";
import { eventTime, type Snapshot, type SnapshotKind } from "./snapshot.ts";

/** A status condition. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** The condition of `type` on an object's status, looked up by type (never by index). */
export function condition(o: KubeObject, type: string): Condition | undefined {
  const list = (o.status as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(list)) return undefined;
  return list.find((c): c is Condition => typeof c === "object" && c !== null && (c as Condition).type === type);
}

/** A container's status as the kubelet reports it, plus whether it is an init container. */
export interface ContainerStatus {
  name: string;
  init: boolean;
  ready: boolean;
  restartCount: number;
  image: string;
  state: { running?: { startedAt?: string }; waiting?: { reason?: string; message?: string }; terminated?: Terminated };
  lastState: { terminated?: Terminated };
}

/** A terminated container instance. */
export interface Terminated {
  exitCode?: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** Init and app container statuses of a pod, init first. */
export function containerStatuses(pod: KubeObject): ContainerStatus[] {
  const status = (pod.status ?? {}) as { initContainerStatuses?: unknown; containerStatuses?: unknown };
  const read = (list: unknown, init: boolean): ContainerStatus[] =>
    (Array.isArray(list) ? list : []).filter((c): c is Record<string, unknown> => typeof c === "object" && c !== null && !Array.isArray(c)).map((c) => ({
      name: String(c.name ?? ""),
      init,
      ready: c.ready === true,
      restartCount: typeof c.restartCount === "number" ? c.restartCount : 0,
      image: String(c.image ?? ""),
      state: (c.state ?? {}) as ContainerStatus["state"],
      lastState: (c.lastState ?? {}) as ContainerStatus["lastState"],
    }));
  return [...read(status.initContainerStatuses, true), ...read(status.containerStatuses, false)];
}

/** A container's spec (init or app) by name. */
export function containerSpec(pod: KubeObject, name: string): Record<string, unknown> | undefined {
  const spec = (pod.spec ?? {}) as { containers?: Record<string, unknown>[]; initContainers?: Record<string, unknown>[] };
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])].find((c) => c.name === name);
}

/** The containers (init and app) of live pods waiting with one of `reasons`, with their pod, in snapshot order. */
export function* waitingContainers<R extends string>(snapshot: Snapshot, reasons: readonly R[]): Generator<{ pod: KubeObject; container: ContainerStatus; reason: R }> {
  for (const pod of snapshot.list("pods")) {
    if (isDone(pod)) continue;
    for (const container of containerStatuses(pod)) {
      const reason = container.state.waiting?.reason;
      if (reason !== undefined && (reasons as readonly string[]).includes(reason)) yield { pod, container, reason: reason as R };
    }
  }
}

/** The pod's phase (`Pending`, `Running`, ...). */
export const phaseOf = (pod: KubeObject): string => String((pod.status as { phase?: string } | undefined)?.phase ?? "");

/** True for a pod that finished (Succeeded/Failed) or is being deleted: analyzers of live faults skip it. */
export const isDone = (pod: KubeObject): boolean => ["Succeeded", "Failed"].includes(phaseOf(pod)) || Boolean(pod.metadata.deletionTimestamp);

/**
 * Whether labels match a LabelSelector (`matchLabels` and `matchExpressions`).
 * An empty selector matches everything; a missing one (null) matches nothing.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string> | undefined): boolean {
  if (selector === null || selector === undefined || typeof selector !== "object") return false;
  const s = selector as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  const l = labels ?? {};
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const values = e.values ?? [];
    if (e.operator === "In" && !(has && values.includes(l[e.key]!))) return false;
    if (e.operator === "NotIn" && has && values.includes(l[e.key]!)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
    if (!["In", "NotIn", "Exists", "DoesNotExist"].includes(e.operator)) return false;
  }
  return true;
}

/** Whether labels match a Service-style selector (a plain map; empty matches nothing, as a Service selects no pod). */
export function mapSelectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  if (entries.length === 0) return false;
  const l = labels ?? {};
  return entries.every(([k, v]) => l[k] === v);
}

/** The object's controller (ownerReference with controller: true), looked up in the snapshot. */
export function controllerOf(snapshot: Snapshot, o: KubeObject): KubeObject | undefined {
  const ref = o.metadata.ownerReferences?.find((r) => r.controller);
  if (!ref) return undefined;
  const kind = ({ ReplicaSet: "replicasets", Deployment: "deployments", StatefulSet: "statefulsets", DaemonSet: "daemonsets", Job: "jobs", CronJob: "cronjobs" } as const)[ref.kind];
  return kind ? snapshot.get(kind, o.metadata.namespace ?? null, ref.name) : undefined;
}

/** The workload at the top of a pod's owner chain (a Deployment over its ReplicaSet, a CronJob over its Job), else the pod. */
export function workloadOf(snapshot: Snapshot, pod: KubeObject): KubeObject {
  let current = pod;
  for (let i = 0; i < 3; i++) {
    const up = controllerOf(snapshot, current);
    if (!up) break;
    current = up;
  }
  return current;
}

/** True unless the event names another container of the pod (`spec.containers{web}` in its fieldPath). */
export function aboutContainer(e: KubeObject, container: string): boolean {
  const fieldPath = (e.involvedObject as { fieldPath?: string } | undefined)?.fieldPath ?? "";
  const m = /\{([^}]+)\}/.exec(fieldPath);
  return !m || m[1] === container;
}

/** False for an event about an earlier object of the same name (another uid: a recreated pod). */
export function sameObject(e: KubeObject, o: KubeObject): boolean {
  const uid = (e.involvedObject as { uid?: string } | undefined)?.uid;
  return !uid || !o.metadata.uid || uid === o.metadata.uid;
}

/** Events about this very pod (not an earlier one of its name), and about `container` when given, newest first. */
export const podEvents = (snapshot: Snapshot, pod: KubeObject, container?: string): KubeObject[] =>
  snapshot.eventsFor("Pod", pod.metadata.namespace ?? null, pod.metadata.name).filter((e) => sameObject(e, pod) && (container === undefined || aboutContainer(e, container)));

/** Events about an object with type Warning, newest first. */
export const warningsFor = (snapshot: Snapshot, kind: string, o: KubeObject): readonly KubeObject[] =>
  snapshot.eventsFor(kind, o.metadata.namespace ?? null, o.metadata.name).filter((e) => e.type === "Warning");

/** One event as an evidence line: `Warning BackOff (x12 over 5m, last 20s ago): Back-off restarting failed container`. */
export function eventLine(e: KubeObject, now: number): string {
  const count = typeof e.count === "number" ? e.count : ((e.series as { count?: number } | undefined)?.count ?? 1);
  const first = e.firstTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
  const last = eventTime(e);
  const when = count > 1 && first ? `x${count} over ${ageSince(first, now)}, last ${last ? humanDuration(Math.max(0, now - last)) : "?"} ago` : `${last ? humanDuration(Math.max(0, now - last)) : "?"} ago`;
  return `${String(e.type ?? "Normal")} ${String(e.reason ?? "")} (${when}): ${String(e.message ?? e.note ?? "").trim()}`;
}

/** Evidence kept per finding, and characters per line. */
export const EVIDENCE_LIMITS = { lines: 12, chars: 400 } as const;

const cut = (line: string) => {
  const one = line.replace(/[\r\n]+/g, " ").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "");
  return one.length > EVIDENCE_LIMITS.chars ? `${one.slice(0, EVIDENCE_LIMITS.chars - 1)}…` : one;
};

/** What {@link finding} builds a Finding from. */
export interface FindingInput {
  code: string;
  severity: Severity;
  /** The object it is about: its kind (as the API spells it), namespace and name. */
  kind: string;
  namespace: string | null | undefined;
  name: string;
  /** Distinguishes two findings of one code on one object (a container name). */
  detail?: string;
  title: string;
  evidence?: readonly string[];
  confirm?: readonly (readonly string[])[];
  hint: string;
}

/** Builds a finding with its stable id; evidence is cut to {@link EVIDENCE_LIMITS}, empty lines dropped. */
export function finding(analyzer: string, f: FindingInput): Finding {
  const namespace = f.namespace ?? null;
  return {
    id: [analyzer, f.code, namespace ?? "_", f.kind, f.name, ...(f.detail ? [f.detail] : [])].join("/"),
    analyzer,
    code: f.code,
    severity: f.severity,
    namespace,
    resource: { kind: f.kind, name: f.name },
    title: cut(f.title),
    evidence: (f.evidence ?? []).map(cut).filter((l) => l.trim() !== "").slice(0, EVIDENCE_LIMITS.lines),
    confirm: (f.confirm ?? []).map((argv) => [...argv]),
    hint: f.hint,
  };
}

/** A duration as kubectl prints ages (`45s`, `3m12s`, `5h4m`, `2d3h`). */
export const age = (ms: number): string => humanDuration(Math.max(0, ms));

/** True when the snapshot read every object of a kind (it was served, readable and not cut). */
export const readWhole = (snapshot: Snapshot, kind: SnapshotKind): boolean =>
  snapshot.kinds.includes(kind) && !snapshot.unavailable.includes(kind) && !snapshot.truncated.includes(kind);

/** `-n NS` for confirm commands (nothing for cluster-scoped objects). */
const ns = (namespace: string | null | undefined): string[] => (namespace ? ["-n", namespace] : []);

/** Read commands that show an object: describe and its events. */
export const confirm = {
  describe: (resource: string, name: string, namespace?: string | null): string[] => ["describe", resource, name, ...ns(namespace)],
  get: (resource: string, name: string, namespace?: string | null, output?: string): string[] => ["get", resource, name, ...ns(namespace), ...(output ? ["-o", output] : [])],
  logs: (pod: string, container: string, namespace: string, previous = false): string[] => ["logs", pod, "-c", container, ...ns(namespace), "--tail", "20", ...(previous ? ["--previous"] : [])],
  events: (kind: string, name: string, namespace?: string | null): string[] => ["events", ...ns(namespace), "--for", `${kind.toLowerCase()}/${name}`],
};
