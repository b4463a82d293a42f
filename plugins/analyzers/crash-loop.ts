/**
 * Containers (init or app) the kubelet keeps restarting: waiting with reason
 * `CrashLoopBackOff`. One finding per pod and container, so every crashing
 * replica is listed; the evidence says how the last instance ended (exit
 * code, reason, signal, how long it ran), the restart count, the newest
 * BackOff events and the last lines the previous instance logged.
 *
 * A container whose last instance was OOMKilled belongs to `oom-killed` and
 * is not reported here, so one fault gives one finding. Log reads are bounded:
 * the previous instance's log is read for one pod per owning workload and
 * container (replicas of one Deployment crash the same way), the first pod by
 * namespace and name, so the same snapshot reads the same logs.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { type Finding, age, type Snapshot, type Terminated, confirm, containerStatuses, defineAnalyzer, eventLine, finding, isDone, warningsFor, workloadOf, aboutContainer, sameObject } from "../../lib/diagnose/index.ts";

const ID = "crash-loop";

/** Log lines of the previous instance shown per finding. */
const LOG_LINES = 5;
/** Lines read from the end of the previous instance's log to find them. */
const LOG_TAIL = 20;

/** A line that names what went wrong (not a stack frame or a field of a dumped error). */
const HEADLINE = /\b(?:fatal|panic|exception|traceback|refused|denied|failed|failure|cannot|could not|unable to|not found|no such|timed? ?out|killed|oom)\b|\berror\b[:\s=]|\berror$/i;

/**
 * The log lines worth quoting from the end of a crashed instance's log: all
 * of a short one; else the last few distinct lines that name an error (a retry repeated with another
 * counter counts once), then the very last line; only the last lines when
 * none names an error. A stack trace's frames and a dumped error's fields are
 * what kubectl logs --previous shows in full.
 */
export function telling(lines: readonly string[]): string[] {
  const kept = lines.filter((l) => l.trim() !== "");
  // A short log says it all.
  if (kept.length <= LOG_LINES) return kept;
  const shape = (l: string) => l.replace(/\d+/g, "#");
  const heads: string[] = [];
  for (const l of kept) {
    if (/^\s+at\s/.test(l) || !HEADLINE.test(l)) continue;
    const i = heads.findIndex((h) => shape(h) === shape(l));
    if (i >= 0) heads.splice(i, 1);
    heads.push(l);
  }
  if (heads.length === 0) return kept.slice(-LOG_LINES);
  const last = kept[kept.length - 1]!;
  const out = heads.slice(-(LOG_LINES - 1));
  return out.includes(last) ? out : [...out, last];
}

export const crashLoop = defineAnalyzer({
  id: ID,
  description: "Containers restarting in CrashLoopBackOff: how the last instance exited and what it logged",
  codes: { CrashLoopBackOff: "critical" },
  kinds: ["pods", "events", "replicasets", "deployments"],
  async analyze(snapshot, ctx) {
    const out: Finding[] = [];
    const logsRead = new Set<string>();
    const pods = [...snapshot.list("pods")].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    for (const pod of pods) {
      if (isDone(pod)) continue;
      const namespace = pod.metadata.namespace ?? "";
      const name = pod.metadata.name;
      for (const c of containerStatuses(pod)) {
        if (c.state.waiting?.reason !== "CrashLoopBackOff") continue;
        const last = c.lastState.terminated;
        if (last?.reason === "OOMKilled") continue; // oom-killed reports it
        const what = `${c.init ? "init container" : "container"} ${c.name}`;
        const evidence: string[] = [];
        if (c.state.waiting.message) evidence.push(`waiting: ${c.state.waiting.message}`);
        evidence.push(last ? `last exit: ${describeExit(last, ctx.now)}` : "last exit: not recorded");
        evidence.push(`restarts: ${c.restartCount}`);
        const backoffs = warningsFor(snapshot, "Pod", pod).filter((e) => e.reason === "BackOff" && aboutContainer(e, c.name) && sameObject(e, pod));
        for (const e of backoffs.slice(0, 2)) evidence.push(eventLine(e, ctx.now));
        const group = `${workloadKey(snapshot, pod)}|${c.name}`;
        if (!logsRead.has(group)) {
          logsRead.add(group);
          const lines = await ctx.logTail({ namespace, pod: name, container: c.name, previous: true, tail: LOG_TAIL });
          for (const line of telling(lines)) evidence.push(`log: ${line}`);
        }
        const code = last?.exitCode;
        out.push(
          finding(ID, {
            code: "CrashLoopBackOff",
            severity: "critical",
            kind: "Pod",
            namespace,
            name,
            detail: c.name,
            title: `Pod ${name}: ${what} is in CrashLoopBackOff (${[code !== undefined ? `exit code ${code}` : "", plural(c.restartCount, "restart")].filter(Boolean).join(", ")})`,
            evidence,
            confirm: [confirm.describe("pod", name, namespace), confirm.logs(name, c.name, namespace, true), confirm.events("Pod", name, namespace)],
            hint: hintFor(last, c.init),
          }),
        );
      }
    }
    return out;
  },
});

export default crashLoop;

const key = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `code 137 (Error, signal 9) after 2m10s, 31s ago`. */
function describeExit(t: Terminated, now: number): string {
  const why = [t.reason, t.signal ? `signal ${t.signal}` : ""].filter(Boolean).join(", ");
  const started = Date.parse(t.startedAt ?? "");
  const finished = Date.parse(t.finishedAt ?? "");
  const ran = Number.isFinite(started) && Number.isFinite(finished) ? ` after ${age(finished - started)}` : "";
  const when = Number.isFinite(finished) ? `, ${age(now - finished)} ago` : "";
  const message = t.message ? `: ${t.message.trim()}` : "";
  return `code ${t.exitCode ?? "?"}${why ? ` (${why})` : ""}${ran}${when}${message}`;
}

/** What the exit code usually means, and where to look next. */
function hintFor(last: Terminated | undefined, init: boolean): string {
  const code = last?.exitCode;
  const meaning =
    code === undefined ? "The last exit was not recorded; read the previous instance's log and the pod's events."
    : code === 0 ? `Exit code 0: the process ended on its own, but ${init ? "init containers must succeed once and the pod keeps retrying it" : "an app container must keep running"}; check the command/args (a command that finishes or forks to the background).`
    : code === 126 || code === 127 ? `Exit code ${code}: the command could not be run (${code === 127 ? "not found" : "not executable"}); check command/args and the image's entrypoint.`
    : code === 137 ? "Exit code 137: killed with SIGKILL (a failing liveness probe, or memory pressure outside the container's limit); check the probe events and the node."
    : code === 139 ? "Exit code 139: segmentation fault in the process; check the image build and native dependencies."
    : code === 143 ? "Exit code 143: stopped with SIGTERM (the kubelet restarting it after liveness probe failures, or the process shutting itself down)."
    : `Exit code ${code}: the application failed; the previous instance's last log lines usually name the error.`;
  return `${meaning} Crashes at startup usually come from configuration (env, mounted files) or a dependency it connects to first (database, another Service); the kubelet keeps retrying with a growing back-off, up to 5 minutes.`;
}

/** The workload the pod belongs to: its top owner in the snapshot, else its controller reference, else the pod. */
function workloadKey(snapshot: Snapshot, pod: KubeObject): string {
  const ns = pod.metadata.namespace ?? "";
  const top = workloadOf(snapshot, pod);
  if (top !== pod) return `${ns}/${String(top.kind ?? "")}/${top.metadata.name}`;
  const ref = pod.metadata.ownerReferences?.find((r) => r.controller);
  return ref ? `${ns}/${ref.kind}/${ref.name}` : `${ns}/Pod/${pod.metadata.name}`;
}
