/**
 * The `job-failed` analyzer: Jobs that gave up.
 *
 * - `JobFailed` (critical): condition `Failed` True (`BackoffLimitExceeded`,
 *   `DeadlineExceeded`, `PodFailurePolicy`, ...). The work the Job stands for
 *   did not happen and nothing retries it (a CronJob only starts a new Job on
 *   its next schedule).
 *
 * A failed Job owned by a CronJob is skipped when a newer Job of the same
 * CronJob (later creationTimestamp) completed: the CronJob recovered and the
 * failure is history (the `cronjob` analyzer judges the CronJob as a whole).
 *
 * Evidence: the condition's reason and message, failed pods against
 * `backoffLimit`, start and failure ages, the Job's failed pods (newest first)
 * with their last exit code and reason, the Job's Warning events, and the
 * last log lines of the newest failed container.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { age as duration, condition, confirm, containerStatuses, defineAnalyzer, eventLine, finding, type Finding, phaseOf, type Terminated, warningsFor } from "../../lib/diagnose/index.ts";

const ID = "job-failed";

const rec = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const time = (v: unknown): number | undefined => {
  const ms = typeof v === "string" ? Date.parse(v) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
};
const created = (o: KubeObject) => time(o.metadata.creationTimestamp) ?? 0;

/** The age of `ms` at `now`, as kubectl prints ages. */
const age = (ms: number, now: number) => duration(now - ms);

const isTrue = (o: KubeObject, type: string) => condition(o, type)?.status === "True";

/** The CronJob controlling a Job (name and uid), if any. */
const cronJobRef = (job: KubeObject) => job.metadata.ownerReferences?.find((r) => r.controller && r.kind === "CronJob");

/** True when a newer Job of the same CronJob completed. */
function superseded(job: KubeObject, jobs: readonly KubeObject[]): boolean {
  const ref = cronJobRef(job);
  if (!ref) return false;
  const mine = created(job);
  return jobs.some((other) => {
    if (other === job) return false;
    const r = cronJobRef(other);
    if (!r || r.name !== ref.name || (r.uid && ref.uid && r.uid !== ref.uid)) return false;
    return created(other) > mine && isTrue(other, "Complete");
  });
}

/** The container instance that ended last in a pod, with whether it is the previous instance. */
function lastTerminated(pod: KubeObject): { container: string; t: Terminated; previous: boolean } | undefined {
  let best: { container: string; t: Terminated; previous: boolean } | undefined;
  for (const c of containerStatuses(pod)) {
    const cur = c.state.terminated;
    const prev = c.lastState.terminated;
    for (const [t, previous] of [
      [cur, false],
      [prev, true],
    ] as const) {
      if (!t) continue;
      // A failed instance beats a successful one (init containers that exited 0), then the later one.
      const failed = (t.exitCode ?? 0) !== 0 || Boolean(t.signal);
      const bestFailed = best ? (best.t.exitCode ?? 0) !== 0 || Boolean(best.t.signal) : false;
      if (!best || (failed && !bestFailed) || (failed === bestFailed && (time(t.finishedAt) ?? 0) > (time(best.t.finishedAt) ?? 0))) best = { container: c.name, t, previous };
    }
  }
  return best;
}

/** A pod counts as failed when it is in phase Failed or one of its containers exited non-zero. */
const podFailed = (pod: KubeObject) => phaseOf(pod) === "Failed" || containerStatuses(pod).some((c) => [c.state.terminated, c.lastState.terminated].some((t) => t && ((t.exitCode ?? 0) !== 0 || t.signal)));

/** `pod backup-x: Failed, container main exited 1 (Error) 3m ago: message`. */
function podLine(pod: KubeObject, now: number): string {
  const status = rec(pod.status);
  const last = lastTerminated(pod);
  const parts = [`pod ${pod.metadata.name}: ${phaseOf(pod) || "Unknown"}${status.reason ? ` (${String(status.reason)})` : ""}`];
  if (last) {
    const t = last.t;
    const finished = time(t.finishedAt);
    parts.push(
      `container ${last.container} exited ${t.exitCode ?? "?"}${t.signal ? ` (signal ${t.signal})` : ""}${t.reason ? ` (${t.reason})` : ""}${finished !== undefined ? ` ${age(finished, now)} ago` : ""}${t.message ? `: ${t.message.trim()}` : ""}`,
    );
  } else if (status.message) {
    parts.push(String(status.message));
  }
  return parts.join(", ");
}

export const jobFailed = defineAnalyzer({
  id: ID,
  description: "Jobs that failed (backoff limit, deadline, pod failure policy), unless a newer run of their CronJob succeeded",
  codes: { JobFailed: "critical" },
  kinds: ["jobs", "pods", "events"],
  async analyze(snapshot, ctx) {
    const out: Finding[] = [];
    const jobs = snapshot.list("jobs");
    for (const job of jobs) {
      const failed = condition(job, "Failed");
      if (failed?.status !== "True") continue;
      if (superseded(job, jobs)) continue;
      const namespace = job.metadata.namespace ?? null;
      const name = job.metadata.name;
      const spec = rec(job.spec);
      const status = rec(job.status);
      const backoffLimit = num(spec.backoffLimit) ?? 6;
      const evidence: string[] = [`Failed True${failed.reason ? ` (${failed.reason})` : ""}${failed.message ? `: ${failed.message}` : ""}`];
      const counts = [`failed pods: ${num(status.failed) ?? 0} (backoffLimit ${backoffLimit})`, `succeeded ${num(status.succeeded) ?? 0} of ${num(spec.completions) ?? 1}`];
      if (num(spec.activeDeadlineSeconds) !== undefined) counts.push(`activeDeadlineSeconds ${num(spec.activeDeadlineSeconds)}`);
      evidence.push(counts.join(", "));
      const started = time(status.startTime);
      const failedAt = time(failed.lastTransitionTime);
      if (started !== undefined || failedAt !== undefined) {
        evidence.push([started !== undefined ? `started ${age(started, ctx.now)} ago` : "", failedAt !== undefined ? `failed ${age(failedAt, ctx.now)} ago` : ""].filter(Boolean).join(", "));
      }
      const cron = cronJobRef(job);
      if (cron) evidence.push(`owned by CronJob ${cron.name}; no newer run of it has completed`);

      const pods = [...snapshot.ownedBy("pods", job)].filter(podFailed).sort((a, b) => created(b) - created(a) || (a.metadata.name < b.metadata.name ? -1 : 1));
      for (const pod of pods.slice(0, 3)) evidence.push(podLine(pod, ctx.now));
      if (pods.length > 3) evidence.push(`... and ${pods.length - 3} more failed pods`);
      for (const e of warningsFor(snapshot, "Job", job).slice(0, 2)) evidence.push(eventLine(e, ctx.now));

      const newest = pods[0];
      const last = newest ? lastTerminated(newest) : undefined;
      if (newest && last && namespace) {
        const lines = await ctx.logTail({ namespace, pod: newest.metadata.name, container: last.container, previous: last.previous, tail: 5 });
        for (const line of lines.slice(-4)) evidence.push(`log ${newest.metadata.name}/${last.container}: ${line}`);
      }

      const label = pods.some((p) => p.metadata.labels?.["batch.kubernetes.io/job-name"] !== undefined) ? "batch.kubernetes.io/job-name" : "job-name";
      const reason = failed.reason ?? "Failed";
      out.push(
        finding(ID, {
          code: "JobFailed",
          severity: "critical",
          kind: "Job",
          namespace,
          name,
          title: `Job ${name} failed (${reason})`,
          evidence,
          confirm: [confirm.describe("job", name, namespace), ["get", "pods", ...(namespace ? ["-n", namespace] : []), "-l", `${label}=${name}`], ["logs", `job/${name}`, ...(namespace ? ["-n", namespace] : []), "--tail", "20"]],
          hint:
            reason === "DeadlineExceeded"
              ? "The Job ran past spec.activeDeadlineSeconds: find what made it slow (logs, resource limits, a dependency), or raise the deadline. Rerun it by recreating the Job (or waiting for its CronJob's next run)."
              : "Read the failed pods' exit codes and logs to see why each attempt failed, fix the cause (command, image, config, a dependency), then rerun by recreating the Job; raising backoffLimit only retries the same failure.",
        }),
      );
    }
    return out;
  },
});

export default jobFailed;
