/**
 * What analyzers of workloads share: the problems seen in a set of pods (one
 * line per distinct problem, the first pod named), the hint they point to,
 * selector strings for `-l`, and the grace a new object gets.
 */
import type { KubeObject } from "../kube/index.ts";
import { condition, containerStatuses, phaseOf, warningsFor } from "./helpers.ts";
import type { Snapshot } from "./snapshot.ts";

/** How long a new workload may be short of replicas before it is reported. */
const GRACE_MS = 2 * 60_000;

/** A non-negative count from a status field (the API omits zero counts). */
export const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

/** True when the object was created less than `ms` before `now` (an unknown creation time is not young). */
export function isYoung(o: KubeObject, now: number, ms = GRACE_MS): boolean {
  const t = typeof o.metadata.creationTimestamp === "string" ? Date.parse(o.metadata.creationTimestamp) : Number.NaN;
  return Number.isFinite(t) && now - t < ms;
}

/** `app=web,tier=frontend` from a map selector; undefined when empty. */
export function mapSelectorString(selector: unknown): string | undefined {
  if (!selector || typeof selector !== "object" || Array.isArray(selector)) return undefined;
  const entries = Object.entries(selector as Record<string, unknown>).filter(([, v]) => typeof v === "string");
  return entries.length ? entries.map(([k, v]) => `${k}=${String(v)}`).join(",") : undefined;
}

/** The `-l` string of a LabelSelector, from matchLabels only; undefined when it uses matchExpressions (or is empty). */
export function labelSelectorString(selector: unknown): string | undefined {
  if (!selector || typeof selector !== "object") return undefined;
  const s = selector as { matchLabels?: unknown; matchExpressions?: unknown };
  if (Array.isArray(s.matchExpressions) && s.matchExpressions.length > 0) return undefined;
  return mapSelectorString(s.matchLabels);
}

/** One problem seen in a pod. */
export interface PodProblem {
  /** `pod web-x: container web waiting: CrashLoopBackOff (...)`, with `(+N more pods)` when shared. */
  line: string;
  /** Short category: the waiting/terminated reason, `Unschedulable`, `NotReady`, `Failed`, `Pending`, `Terminating`. */
  reason: string;
  /** The first pod showing it. */
  pod: string;
  /** Every pod showing it, first one first. */
  pods: string[];
  container?: string;
}

/** Text on one line, whitespace runs collapsed. */
export const oneLine = (s: unknown): string => String(s ?? "").replace(/\s+/g, " ").trim();

/** The problems of one pod, each with a key that is the same for the same problem on another pod. */
function problemsOfPod(snapshot: Snapshot, pod: KubeObject): (Omit<PodProblem, "pods"> & { key: string })[] {
  const name = pod.metadata.name;
  const out: (Omit<PodProblem, "pods"> & { key: string })[] = [];
  const add = (key: string, reason: string, text: string, container?: string) =>
    out.push({ key, reason, line: `pod ${name}: ${text}`, pod: name, ...(container ? { container } : {}) });
  const phase = phaseOf(pod);
  if (phase === "Succeeded") return out;
  const warnings = warningsFor(snapshot, "Pod", pod);
  const latest = (reasons: string[]) => warnings.find((e) => reasons.includes(String(e.reason ?? "")));
  if (pod.metadata.deletionTimestamp) {
    add("Terminating", "Terminating", "terminating");
    return out;
  }
  if (phase === "Failed") {
    const s = (pod.status ?? {}) as { reason?: string; message?: string };
    add(`Failed:${s.reason ?? ""}`, "Failed", `Failed${s.reason ? `: ${s.reason}` : ""}${s.message ? `: ${oneLine(s.message)}` : ""}`);
    return out;
  }
  const scheduled = condition(pod, "PodScheduled");
  if (scheduled?.status === "False") {
    const msg = oneLine(scheduled.message) || scheduled.reason || "not scheduled";
    add(`Pending:${scheduled.reason ?? ""}:${msg}`, scheduled.reason === "Unschedulable" ? "Unschedulable" : "Pending", `Pending: ${msg}`);
    return out;
  }
  const statuses = containerStatuses(pod);
  for (const c of statuses) {
    const label = `${c.init ? "init container" : "container"} ${c.name}`;
    const waiting = c.state.waiting;
    const terminated = c.state.terminated;
    const last = c.lastState.terminated;
    if (waiting?.reason && waiting.reason !== "PodInitializing") {
      let text = `${label} waiting: ${waiting.reason}`;
      if (waiting.reason === "CrashLoopBackOff") {
        const parts = [last ? `last exit ${last.exitCode ?? "?"}${last.reason ? ` ${last.reason}` : ""}` : "", `${c.restartCount} restarts`].filter(Boolean);
        text += ` (${parts.join(", ")})`;
      } else if (waiting.reason === "ContainerCreating") {
        const e = latest(["FailedMount", "FailedAttachVolume", "FailedCreatePodSandBox", "FailedScheduling"]);
        if (!e) continue; // still starting, nothing wrong seen
        text += `: ${String(e.reason)}: ${oneLine(e.message)}`;
      } else if (waiting.message) {
        text += `: ${oneLine(waiting.message)}`;
      }
      add(`${c.name}:waiting:${waiting.reason}`, last?.reason === "OOMKilled" ? "OOMKilled" : waiting.reason, text, c.name);
    } else if (terminated && (terminated.exitCode ?? 0) !== 0) {
      add(`${c.name}:terminated:${terminated.reason ?? ""}`, terminated.reason ?? "Error", `${label} terminated: ${terminated.reason ?? "Error"} (exit ${terminated.exitCode ?? "?"})`, c.name);
    } else if (c.state.running && !c.ready && !c.init) {
      const probe = warnings.find((e) => e.reason === "Unhealthy" && /readiness|startup/i.test(String(e.message ?? "")));
      add(`${c.name}:notready`, "NotReady", `${label} running but not ready${probe ? `: ${oneLine(probe.message)}` : ""}`, c.name);
    }
  }
  if (out.length === 0 && phase === "Pending" && statuses.length === 0) {
    const e = warnings[0];
    if (e) add(`Pending:${String(e.reason ?? "")}`, "Pending", `Pending: ${String(e.reason ?? "")}: ${oneLine(e.message)}`);
  }
  if (out.length === 0 && phase === "Running") {
    const ready = condition(pod, "Ready");
    if (ready?.status === "False" && statuses.every((c) => c.ready || c.init)) {
      add(`notready:${ready.reason ?? ""}`, "NotReady", `not ready${ready.reason ? ` (${ready.reason})` : ""}${ready.message ? `: ${oneLine(ready.message)}` : ""}`);
    }
  }
  return out;
}

/**
 * One line per distinct problem among pods (sorted by name): the first pod
 * showing it is named, with how many more share it. Healthy pods add nothing.
 */
export function podProblems(snapshot: Snapshot, pods: readonly KubeObject[], max = 6): PodProblem[] {
  const seen = new Map<string, PodProblem>();
  for (const pod of [...pods].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0))) {
    for (const p of problemsOfPod(snapshot, pod)) {
      const had = seen.get(p.key);
      if (had) had.pods.push(p.pod);
      else seen.set(p.key, { line: p.line, reason: p.reason, pod: p.pod, pods: [p.pod], ...(p.container ? { container: p.container } : {}) });
    }
  }
  return [...seen.values()].slice(0, max).map((p) => {
    const more = p.pods.length - 1;
    return { ...p, line: more ? `${p.line} (+${more} more pod${more > 1 ? "s" : ""})` : p.line };
  });
}

const HINTS: [readonly string[], string][] = [
  [["OOMKilled"], "A container is killed for exceeding its memory limit (OOMKilled): raise resources.limits.memory or find what uses the memory."],
  [["CrashLoopBackOff", "Error", "RunContainerError"], "A container keeps exiting: read its previous logs for the error (bad config, missing dependency, failing startup), then fix the image or its configuration."],
  [["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"], "An image cannot be pulled: check the image name and tag, that the registry is reachable, and imagePullSecrets for a private registry."],
  [["CreateContainerConfigError", "CreateContainerError"], "A container cannot be created: a referenced ConfigMap, Secret or key is likely missing; see the message above."],
  [["Unschedulable"], "No node can take the pods: lower their resource requests, add capacity, or fix nodeSelector, affinity, tolerations or volume topology."],
  [["NotReady"], "Containers run but fail their readiness probe: check the probe's path and port and the app's health endpoint."],
  [["ContainerCreating", "Pending"], "Pods are stuck starting: see the event above (volume mount or attach, network sandbox)."],
];

/** What to look at, for the first pod problem that has a hint (problems come most relevant first). */
export function hintFromProblems(problems: readonly PodProblem[], fallback: string): string {
  for (const p of problems) {
    const h = HINTS.find(([reasons]) => reasons.includes(p.reason));
    if (h) return h[1];
  }
  return fallback;
}

