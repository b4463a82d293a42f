import { describe, expect, test } from "bun:test";
import { jobFailed } from "../../../plugins/analyzers/job-failed.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "batch";

type Cond = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string };

/** A Job as the API server returns it. */
function job(name: string, o: { conditions?: Cond[]; failed?: number; succeeded?: number; cron?: string; createdAgo?: number; backoffLimit?: number; deadline?: number; status?: unknown } = {}): KubeObject {
  const createdAgo = o.createdAgo ?? 900;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      creationTimestamp: ago(createdAgo),
      labels: { "batch.kubernetes.io/job-name": name, "job-name": name },
      ...(o.cron ? { ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: o.cron, uid: `uid-${o.cron}`, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: o.backoffLimit ?? 3,
      ...(o.deadline ? { activeDeadlineSeconds: o.deadline } : {}),
      template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "registry.example.com/ops/backup:3.2" }] } },
    },
    status:
      o.status !== undefined
        ? o.status
        : {
            startTime: ago(createdAgo),
            ...(o.failed ? { failed: o.failed } : {}),
            ...(o.succeeded ? { succeeded: o.succeeded } : {}),
            conditions: o.conditions ?? [],
          },
  };
}

const failedCond = (reason = "BackoffLimitExceeded", message = "Job has reached the specified backoff limit", at = 120): Cond => ({ type: "Failed", status: "True", reason, message, lastTransitionTime: ago(at) });
const completeCond = (at = 60): Cond => ({ type: "Complete", status: "True", lastTransitionTime: ago(at) });

/** A pod of a job that ended with `exitCode`. */
function jobPod(j: KubeObject, suffix: string, exitCode: number, finishedAgo: number, o: { reason?: string; message?: string } = {}): KubeObject {
  const name = `${j.metadata.name}-${suffix}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      creationTimestamp: ago(finishedAgo + 30),
      labels: { "batch.kubernetes.io/job-name": j.metadata.name, "job-name": j.metadata.name, "batch.kubernetes.io/controller-uid": j.metadata.uid! },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: j.metadata.name, uid: j.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: { restartPolicy: "Never", containers: [{ name: "main", image: "registry.example.com/ops/backup:3.2" }] },
    status: {
      phase: exitCode === 0 ? "Succeeded" : "Failed",
      containerStatuses: [
        {
          name: "main",
          image: "registry.example.com/ops/backup:3.2",
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode, reason: o.reason ?? (exitCode === 0 ? "Completed" : "Error"), ...(o.message ? { message: o.message } : {}), startedAt: ago(finishedAgo + 25), finishedAt: ago(finishedAgo) } },
          lastState: {},
        },
      ],
    },
  };
}

function event(j: KubeObject, reason: string, message: string, lastAgo = 120): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${j.metadata.name}.${reason}`, namespace: NS, creationTimestamp: ago(lastAgo) },
    involvedObject: { apiVersion: "batch/v1", kind: "Job", name: j.metadata.name, namespace: NS, uid: j.metadata.uid },
    reason,
    message,
    type: "Warning",
    count: 1,
    firstTimestamp: ago(lastAgo),
    lastTimestamp: ago(lastAgo),
    source: { component: "job-controller" },
  };
}

describe("job-failed analyzer", () => {
  test("complete and running jobs give nothing", async () => {
    const done = job("migrate", { conditions: [{ type: "SuccessCriteriaMet", status: "True" }, completeCond()], succeeded: 1 });
    const running = job("reindex", { failed: 1 });
    expect(await findingsOf(jobFailed, [done, jobPod(done, "x1", 0, 70), running, jobPod(running, "a1", 1, 40)])).toEqual([]);
  });

  test("BackoffLimitExceeded is JobFailed (critical) with the failed pods, exit codes, events and logs", async () => {
    const j = job("backup", { conditions: [{ type: "FailureTarget", status: "True", reason: "BackoffLimitExceeded" }, failedCond()], failed: 4 });
    const pods = [jobPod(j, "aaaa1", 1, 700), jobPod(j, "bbbb2", 1, 500), jobPod(j, "cccc3", 1, 300), jobPod(j, "dddd4", 2, 130, { message: "pg_dump: connection refused" })];
    const found = await findingsOf(jobFailed, [j, ...pods, event(j, "BackoffLimitExceeded", "Job has reached the specified backoff limit")], {
      logs: { "batch/backup-dddd4/main": ["starting backup of db shop", "pg_dump: error: connection to server at \"db\" (10.0.3.4), port 5432 failed: Connection refused"] },
    });
    expect(found.map((f) => [f.code, f.severity, f.resource.kind, f.resource.name, f.namespace])).toEqual([["JobFailed", "critical", "Job", "backup", "batch"]]);
    const f = found[0]!;
    expect(f.id).toBe("job-failed/JobFailed/batch/Job/backup");
    expect(f.title).toBe("Job backup failed (BackoffLimitExceeded)");
    expect(f.evidence).toEqual([
      "Failed True (BackoffLimitExceeded): Job has reached the specified backoff limit",
      "failed pods: 4 (backoffLimit 3), succeeded 0 of 1",
      "started 15m ago, failed 2m ago",
      "pod backup-dddd4: Failed, container main exited 2 (Error) 2m10s ago: pg_dump: connection refused",
      "pod backup-cccc3: Failed, container main exited 1 (Error) 5m ago",
      "pod backup-bbbb2: Failed, container main exited 1 (Error) 8m20s ago",
      "... and 1 more failed pods",
      "Warning BackoffLimitExceeded (2m ago): Job has reached the specified backoff limit",
      "log backup-dddd4/main: starting backup of db shop",
      'log backup-dddd4/main: pg_dump: error: connection to server at "db" (10.0.3.4), port 5432 failed: Connection refused',
    ]);
    expect(f.confirm).toEqual([
      ["describe", "job", "backup", "-n", "batch"],
      ["get", "pods", "-n", "batch", "-l", "batch.kubernetes.io/job-name=backup"],
      ["logs", "job/backup", "-n", "batch", "--tail", "20"],
    ]);
    await expectWellFormed(jobFailed, found);
  });

  test("DeadlineExceeded names the deadline, and pods without the new label get job-name", async () => {
    const j = job("report", { conditions: [failedCond("DeadlineExceeded", "Job was active longer than specified deadline", 30)], failed: 1, deadline: 600 });
    const p = jobPod(j, "zz9", 137, 31, { reason: "Error" });
    delete p.metadata.labels!["batch.kubernetes.io/job-name"];
    (p.status as Record<string, unknown>).reason = "DeadlineExceeded";
    const found = await findingsOf(jobFailed, [j, p]);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence).toContain("failed pods: 1 (backoffLimit 3), succeeded 0 of 1, activeDeadlineSeconds 600");
    expect(found[0]!.evidence).toContain("pod report-zz9: Failed (DeadlineExceeded), container main exited 137 (Error) 31s ago");
    expect(found[0]!.confirm[1]).toEqual(["get", "pods", "-n", "batch", "-l", "job-name=report"]);
    expect(found[0]!.hint).toContain("activeDeadlineSeconds");
    await expectWellFormed(jobFailed, found);
  });

  test("a CronJob's failed job superseded by a newer success is skipped", async () => {
    const old = job("nightly-29100", { cron: "nightly", createdAgo: 7200, conditions: [failedCond("BackoffLimitExceeded", "Job has reached the specified backoff limit", 6000)], failed: 4 });
    const newer = job("nightly-29160", { cron: "nightly", createdAgo: 3600, conditions: [completeCond(3000)], succeeded: 1 });
    expect(await findingsOf(jobFailed, [old, newer])).toEqual([]);
  });

  test("a CronJob's failed job is reported when the newer one failed too, or is still running, or belongs to another CronJob", async () => {
    const old = job("nightly-29100", { cron: "nightly", createdAgo: 7200, conditions: [failedCond()], failed: 4 });
    const running = job("nightly-29160", { cron: "nightly", createdAgo: 3600 });
    const otherCron = job("weekly-29160", { cron: "weekly", createdAgo: 3600, conditions: [completeCond()] });
    const found = await findingsOf(jobFailed, [old, running, otherCron]);
    expect(found.map((f) => f.resource.name)).toEqual(["nightly-29100"]);
    expect(found[0]!.evidence).toContain("owned by CronJob nightly; no newer run of it has completed");

    // An older success does not excuse a newer failure.
    const olderSuccess = job("nightly-29040", { cron: "nightly", createdAgo: 10_800, conditions: [completeCond(10_000)] });
    expect((await findingsOf(jobFailed, [old, olderSuccess])).map((f) => f.resource.name)).toEqual(["nightly-29100"]);
  });

  test("missing status or malformed conditions do not throw", async () => {
    const bare: KubeObject = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "bare", namespace: NS } };
    const odd = job("odd", { status: { conditions: "Failed" } });
    const failedNoDetail = job("terse", { status: { conditions: [{ type: "Failed", status: "True" }] } });
    const found = await findingsOf(jobFailed, [bare, odd, failedNoDetail]);
    expect(found.map((f) => [f.resource.name, f.title])).toEqual([["terse", "Job terse failed (Failed)"]]);
    expect(found[0]!.evidence.slice(0, 2)).toEqual(["Failed True", "failed pods: 0 (backoffLimit 3), succeeded 0 of 1"]);
    await expectWellFormed(jobFailed, found);
  });
});
