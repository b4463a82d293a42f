/**
 * Containers the kernel killed for memory (termination reason `OOMKilled`).
 *
 * - `OOMKilled` (critical): the container is down because of it now: its
 *   current state is terminated OOMKilled, or it is waiting (CrashLoopBackOff)
 *   after an OOMKilled instance.
 * - `OOMKilledRecently` (warning): it runs again, but its last instance was
 *   OOMKilled within the last 24 hours (older kills are history, not a fault).
 *
 * The evidence puts the kill next to the memory limit and request from the
 * container spec and, when metrics-server answers, the current usage against
 * the limit. This analyzer owns OOM kills: `crash-loop` skips containers
 * whose last instance was OOMKilled.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { type Finding, age, readWhole, type Snapshot, type Terminated, confirm, containerSpec, containerStatuses, defineAnalyzer, eventLine, finding, isDone, warningsFor, aboutContainer, sameObject, parseQuantity, formatBytes } from "../../lib/diagnose/index.ts";

const ID = "oom-killed";

/** How long after a kill a container that runs again is still reported. */
const RECENT_MS = 24 * 3600_000;

export const oomKilled = defineAnalyzer({
  id: ID,
  description: "Containers killed for exceeding their memory (OOMKilled), with the limit and current usage",
  codes: { OOMKilled: "critical", OOMKilledRecently: "warning" },
  kinds: ["pods", "events", "podmetrics"],
  analyze(snapshot, ctx) {
    const out: Finding[] = [];
    for (const pod of snapshot.list("pods")) {
      if (isDone(pod)) continue;
      const namespace = pod.metadata.namespace ?? "";
      const name = pod.metadata.name;
      for (const c of containerStatuses(pod)) {
        const nowKilled = c.state.terminated?.reason === "OOMKilled";
        const lastKilled = c.lastState.terminated?.reason === "OOMKilled";
        if (!nowKilled && !lastKilled) continue;
        const kill = (nowKilled ? c.state.terminated : c.lastState.terminated) as Terminated;
        const finished = Date.parse(kill.finishedAt ?? "");
        const down = nowKilled || !c.state.running;
        if (!down && Number.isFinite(finished) && ctx.now - finished > RECENT_MS) continue;
        const what = `${c.init ? "init container" : "container"} ${c.name}`;
        const resources = (containerSpec(pod, c.name)?.resources ?? {}) as { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
        const limit = quantityText(resources.limits?.memory);
        const request = quantityText(resources.requests?.memory);
        const evidence = [
          `${nowKilled ? "state" : "last state"}: OOMKilled, exit code ${kill.exitCode ?? "?"}${ranFor(kill)}${Number.isFinite(finished) ? `, finished ${age(ctx.now - finished)} ago` : ""}`,
          ...(!nowKilled ? [`now: ${c.state.waiting ? `waiting (${c.state.waiting.reason ?? "no reason"})` : c.state.running ? "running" : "not running"}`] : []),
          `memory ${limit ? `limit ${limit}` : "limit: none"}, ${request ? `request ${request}` : "request: none"}`,
          usageLine(snapshot, pod, c.name, limit, Boolean(c.state.running)),
          `restarts: ${c.restartCount}`,
        ];
        if (down) {
          const backoff = warningsFor(snapshot, "Pod", pod).find((e) => e.reason === "BackOff" && aboutContainer(e, c.name) && sameObject(e, pod));
          if (backoff) evidence.push(eventLine(backoff, ctx.now));
        }
        const metricsRead = snapshot.kinds.includes("podmetrics") && !snapshot.unavailable.includes("podmetrics");
        out.push(
          finding(ID, {
            code: down ? "OOMKilled" : "OOMKilledRecently",
            severity: down ? "critical" : "warning",
            kind: "Pod",
            namespace,
            name,
            detail: c.name,
            title: down
              ? `Pod ${name}: ${what} was OOMKilled${limit ? ` at its ${limit} memory limit` : ""} and is down (${plural(c.restartCount, "restart")})`
              : `Pod ${name}: ${what} was OOMKilled${limit ? ` at its ${limit} memory limit` : ""} ${Number.isFinite(finished) ? `${age(ctx.now - finished)} ago` : "recently"} and runs again`,
            evidence,
            confirm: [
              confirm.describe("pod", name, namespace),
              // The instance that was killed: the current one while it stays terminated, else the previous one.
              confirm.logs(name, c.name, namespace, !nowKilled),
              ...(metricsRead ? [["top", "pod", name, "-n", namespace, "--containers"]] : []),
            ],
            hint: limit
              ? `The container needed more memory than its ${limit} limit. Raise the limit (and the request) above its real peak, or bound the process below the limit (JVM -XX:MaxRAMPercentage or -Xmx, Node --max-old-space-size, cache and worker sizes); usage that grows until every kill points to a leak.`
              : "No memory limit is set: the kernel killed it while the node ran out of memory. Set a memory request (and limit) that matches its real use so the scheduler places it where memory is free.",
          }),
        );
      }
    }
    return out;
  },
});

export default oomKilled;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The container's current memory use against its limit, or why it is not known. */
function usageLine(snapshot: Snapshot, pod: KubeObject, container: string, limit: string | undefined, running: boolean): string {
  if (snapshot.unavailable.includes("podmetrics")) return "no metrics (metrics-server not installed)";
  const metrics = snapshot.get("podmetrics", pod.metadata.namespace ?? null, pod.metadata.name);
  const entry = ((metrics?.containers as { name?: string; usage?: { memory?: unknown } }[] | undefined) ?? []).find((m) => m?.name === container);
  const used = parseQuantity(entry?.usage?.memory);
  if (used === undefined && !readWhole(snapshot, "podmetrics")) return "no metrics (not read in full)";
  if (used === undefined) return running ? "no metrics for this container yet" : "no metrics for this container (it is not running)";
  const max = parseQuantity(limit);
  return max ? `usage ${formatBytes(used)} of ${limit} limit (${Math.round((used / max) * 100)}%)` : `usage ${formatBytes(used)} (no limit)`;
}

/** `, ran 4m10s` from the instance's start and finish. */
function ranFor(t: Terminated): string {
  const started = Date.parse(t.startedAt ?? "");
  const finished = Date.parse(t.finishedAt ?? "");
  return Number.isFinite(started) && Number.isFinite(finished) ? `, ran ${age(finished - started)}` : "";
}

const quantityText = (q: unknown): string | undefined => (typeof q === "string" && q.trim() ? q.trim() : typeof q === "number" ? String(q) : undefined);


