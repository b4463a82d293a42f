/**
 * `GET /api/v1/namespaces/<ns>/pods/<name>/log`: the kubelet's log endpoint as
 * seen through kube-apiserver, including its error messages.
 */
import { type KubeObject, rfc3339Nano } from "./_k8s.ts";
import type { ContainerLogs, LogLine } from "./scenario.ts";

/** Query parameters of the log endpoint that the simulated cluster honours. */
export interface LogQuery {
  container: string | null;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines: number | null;
  sinceSeconds: number | null;
  sinceTime: number | null;
  limitBytes: number | null;
}

/** Parses log query parameters; returns an error message for invalid values. */
export function parseLogQuery(q: URLSearchParams): LogQuery | string {
  const int = (name: string, min: number): number | null | string => {
    const raw = q.get(name);
    if (raw === null || raw === "") return null;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) return `${name}: Invalid value: ${raw}: must be ${min === 0 ? "greater than or equal to 0" : "greater than 0"}`;
    return n;
  };
  const bool = (name: string) => q.get(name) === "true" || q.get(name) === "1";
  const tailLines = int("tailLines", 0);
  const sinceSeconds = int("sinceSeconds", 1);
  const limitBytes = int("limitBytes", 1);
  for (const v of [tailLines, sinceSeconds, limitBytes]) if (typeof v === "string") return v;
  const sinceRaw = q.get("sinceTime");
  const sinceTime = sinceRaw ? Date.parse(sinceRaw) : null;
  if (sinceTime !== null && Number.isNaN(sinceTime)) return `sinceTime: Invalid value: "${sinceRaw}"`;
  return {
    container: q.get("container") || null,
    follow: bool("follow"),
    previous: bool("previous"),
    timestamps: bool("timestamps"),
    tailLines: tailLines as number | null,
    sinceSeconds: sinceSeconds as number | null,
    sinceTime,
    limitBytes: limitBytes as number | null,
  };
}

/** A successful log answer: lines to write now, and whether the stream then follows. */
export interface LogPlan {
  lines: LogLine[];
  /** Lines cycled after the initial ones; null keeps the stream idle (follow on a quiet container). */
  follow: string[] | null;
  /** True when the stream should stay open after the initial lines. */
  keepOpen: boolean;
  container: string;
}

/** Failure of the log endpoint: HTTP status plus the message kube-apiserver would give. */
export interface LogError {
  code: number;
  reason: string;
  message: string;
}

interface PodLike {
  spec: { containers: { name: string }[]; initContainers?: { name: string }[]; nodeName?: string };
  status: { containerStatuses?: { name: string; restartCount: number; state?: { running?: object; waiting?: { reason?: string } } }[] };
}

/**
 * Decides what the log endpoint returns for `pod`. Mirrors kube-apiserver and
 * the kubelet: a container name is required when the pod has several, a
 * previous instance must exist, containers that never started have no logs,
 * and unscheduled pods answer with an empty body.
 */
export function planLogs(pod: KubeObject, logs: (container: string) => ContainerLogs | null, q: LogQuery, now: number): LogPlan | LogError {
  const p = pod as unknown as PodLike;
  const names = [...p.spec.containers, ...(p.spec.initContainers ?? [])].map((c) => c.name);
  let container = q.container;
  if (!container) {
    if (p.spec.containers.length !== 1) {
      return { code: 400, reason: "BadRequest", message: `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(" ")}]` };
    }
    container = p.spec.containers[0]?.name ?? "";
  }
  if (!names.includes(container)) {
    return { code: 400, reason: "BadRequest", message: `container ${container} is not valid for pod ${pod.metadata.name}` };
  }
  if (!p.spec.nodeName) return { lines: [], follow: null, keepOpen: false, container };
  const status = (p.status.containerStatuses ?? []).find((c) => c.name === container);
  const source = logs(container);
  if (q.previous) {
    if (!status || status.restartCount === 0 || !source?.previous) {
      return { code: 400, reason: "BadRequest", message: `previous terminated container "${container}" in pod "${pod.metadata.name}" not found` };
    }
  } else if (source?.unavailable) {
    return { code: 400, reason: "BadRequest", message: source.unavailable };
  } else if (status?.state?.waiting && !status.restartCount) {
    return { code: 400, reason: "BadRequest", message: `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${status.state.waiting.reason ?? "ContainerCreating"}` };
  }
  let lines = (q.previous ? source?.previous : source?.current) ?? [];
  lines = lines.filter((l) => l.t <= now);
  if (q.tailLines !== null) lines = q.tailLines === 0 ? [] : lines.slice(-q.tailLines);
  const cutoff = q.sinceSeconds !== null ? now - q.sinceSeconds * 1000 : q.sinceTime;
  if (cutoff !== null) lines = lines.filter((l) => l.t >= cutoff);
  const running = !q.previous && status?.state?.running !== undefined;
  const follow = running && source?.follow?.length ? source.follow : null;
  return { lines, follow, keepOpen: q.follow && running, container };
}

/** Formats one log line as the kubelet streams it. */
export function formatLogLine(line: LogLine, timestamps: boolean): string {
  return timestamps ? `${rfc3339Nano(line.t, line.text.length * 7919)} ${line.text}\n` : `${line.text}\n`;
}
