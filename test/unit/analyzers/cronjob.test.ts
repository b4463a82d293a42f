import { describe, expect, test } from "bun:test";
import { cronjob, nextScheduleTime, parseSchedule } from "../../../plugins/analyzers/cronjob.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { NOW, ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "ops";
const HOUR = 3600;

/** A CronJob as the API server returns it. */
function cron(name: string, o: { schedule?: string; timeZone?: string; suspend?: boolean; lastScheduleAgo?: number | null; lastSuccessAgo?: number | null; createdAgo?: number; active?: string[]; concurrencyPolicy?: string; status?: unknown } = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: ago(o.createdAgo ?? 30 * 86_400) },
    spec: {
      schedule: o.schedule ?? "0 * * * *",
      ...(o.timeZone ? { timeZone: o.timeZone } : {}),
      concurrencyPolicy: o.concurrencyPolicy ?? "Allow",
      suspend: o.suspend ?? false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "registry.example.com/ops/report:1.0" }] } } } },
    },
    status:
      o.status !== undefined
        ? o.status
        : {
            ...(o.lastScheduleAgo === null ? {} : { lastScheduleTime: ago(o.lastScheduleAgo ?? 0) }),
            ...(o.lastSuccessAgo === null ? {} : { lastSuccessfulTime: ago(o.lastSuccessAgo ?? HOUR - 40) }),
            ...(o.active ? { active: o.active.map((n) => ({ apiVersion: "batch/v1", kind: "Job", name: n, namespace: NS, uid: `uid-${n}` })) } : {}),
          },
  };
}

/** A Job of a CronJob: `result` Complete, Failed or running (null). */
function job(cj: KubeObject, name: string, createdAgo: number, result: "Complete" | "Failed" | null, o: { reason?: string; message?: string } = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      creationTimestamp: ago(createdAgo),
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cj.metadata.name, uid: cj.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: { backoffLimit: 2, template: { spec: { containers: [{ name: "main", image: "registry.example.com/ops/report:1.0" }] } } },
    status: {
      startTime: ago(createdAgo),
      ...(result === "Complete" ? { succeeded: 1, completionTime: ago(createdAgo - 40) } : result === "Failed" ? { failed: 3 } : { active: 1 }),
      conditions:
        result === null
          ? []
          : [
              {
                type: result,
                status: "True",
                lastTransitionTime: ago(createdAgo - 40),
                ...(result === "Failed" ? { reason: o.reason ?? "BackoffLimitExceeded", message: o.message ?? "Job has reached the specified backoff limit" } : {}),
              },
            ],
    },
  };
}

const at = (iso: string) => Date.parse(iso);
const next = (schedule: string, after: string, tz?: string) => {
  const p = parseSchedule(schedule);
  if (!p) throw new Error(`does not parse: ${schedule}`);
  const t = nextScheduleTime(p.cron, at(after), tz ?? p.timeZone);
  return t === null ? null : new Date(t).toISOString();
};

describe("cron schedules", () => {
  test("fields, steps, ranges, lists and names", () => {
    expect(next("*/15 * * * *", "2026-06-01T12:00:00Z")).toBe("2026-06-01T12:15:00.000Z");
    expect(next("*/15 * * * *", "2026-06-01T12:07:30Z")).toBe("2026-06-01T12:15:00.000Z");
    expect(next("5/20 * * * *", "2026-06-01T12:30:00Z")).toBe("2026-06-01T12:45:00.000Z");
    expect(next("0 3 * * 1-5", "2026-06-05T04:00:00Z")).toBe("2026-06-08T03:00:00.000Z"); // Friday after 3 -> Monday
    expect(next("30 2 * JAN,jul SUN", "2026-06-01T00:00:00Z")).toBe("2026-07-05T02:30:00.000Z");
    expect(next("0 0 29 2 *", "2026-03-01T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
    expect(next("0 12 ? * *", "2026-06-01T12:00:00Z")).toBe("2026-06-02T12:00:00.000Z");
  });

  test("day-of-month and day-of-week are OR-ed unless one is *", () => {
    // 2026-06-01 is a Monday; the 13th is a Saturday.
    expect(next("0 0 13 * FRI", "2026-06-01T00:00:00Z")).toBe("2026-06-05T00:00:00.000Z");
    expect(next("0 0 13 * *", "2026-06-01T00:00:00Z")).toBe("2026-06-13T00:00:00.000Z");
    expect(next("0 0 */2 * MON", "2026-06-01T00:00:00Z")).toBe("2026-06-03T00:00:00.000Z");
  });

  test("descriptors and @every", () => {
    expect(next("@hourly", "2026-06-01T12:00:00Z")).toBe("2026-06-01T13:00:00.000Z");
    expect(next("@daily", "2026-06-01T12:00:00Z")).toBe("2026-06-02T00:00:00.000Z");
    expect(next("@weekly", "2026-06-01T12:00:00Z")).toBe("2026-06-07T00:00:00.000Z");
    expect(next("@monthly", "2026-06-01T12:00:00Z")).toBe("2026-07-01T00:00:00.000Z");
    expect(next("@yearly", "2026-06-01T12:00:00Z")).toBe("2027-01-01T00:00:00.000Z");
    expect(next("@every 1h30m", "2026-06-01T12:00:00Z")).toBe("2026-06-01T13:30:00.000Z");
  });

  test("time zones: spec.timeZone and a CRON_TZ prefix", () => {
    // 03:00 in New York in June is 07:00 UTC (EDT); in January 08:00 UTC (EST).
    expect(next("0 3 * * *", "2026-06-01T12:00:00Z", "America/New_York")).toBe("2026-06-02T07:00:00.000Z");
    expect(next("0 3 * * *", "2026-01-10T12:00:00Z", "America/New_York")).toBe("2026-01-11T08:00:00.000Z");
    expect(next("CRON_TZ=Asia/Kolkata 30 9 * * *", "2026-06-01T00:00:00Z")).toBe("2026-06-01T04:00:00.000Z");
    expect(parseSchedule("TZ=Europe/Paris 0 1 * * *")?.timeZone).toBe("Europe/Paris");
  });

  test("invalid schedules do not parse", () => {
    for (const s of ["", "* * * *", "* * * * * *", "61 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 7", "*/0 * * * *", "5-1 * * * *", "@sometimes", "@every soon", "a b c d e", "1-2-3 * * * *"]) {
      expect({ s, parsed: parseSchedule(s) }).toEqual({ s, parsed: null });
    }
  });
});

describe("cronjob analyzer", () => {
  test("a CronJob on schedule whose last job succeeded gives nothing", async () => {
    // Hourly, last run at 12:00 (now), the one before failed and is superseded.
    const cj = cron("report", { lastScheduleAgo: 0, lastSuccessAgo: HOUR - 40 });
    const objects = [cj, job(cj, "report-29637480", 2 * HOUR, "Failed"), job(cj, "report-29637540", HOUR, "Complete"), job(cj, "report-29637600", 0, null)];
    expect(await findingsOf(cronjob, objects)).toEqual([]);
  });

  test("spec.suspend is CronJobSuspended (info)", async () => {
    const cj = cron("cleanup", { suspend: true, lastScheduleAgo: 5 * 86_400, lastSuccessAgo: 5 * 86_400 - 60 });
    const found = await findingsOf(cronjob, [cj]);
    expect(found.map((f) => [f.code, f.severity, f.resource.kind, f.resource.name])).toEqual([["CronJobSuspended", "info", "CronJob", "cleanup"]]);
    expect(found[0]!.evidence).toEqual(["suspend: true", 'schedule "0 * * * *"', "last scheduled 5d ago (2026-05-27T12:00:00Z), last successful 4d23h ago"]);
    expect(found[0]!.confirm).toEqual([
      ["describe", "cronjob", "cleanup", "-n", "ops"],
      ["get", "jobs", "-n", "ops"],
    ]);
    await expectWellFormed(cronjob, found);
  });

  test("a failed most recent finished job is CronJobFailing (warning), even with a newer one running", async () => {
    const cj = cron("report", { lastScheduleAgo: 0, lastSuccessAgo: 3 * HOUR - 40, active: ["report-29637600"] });
    const objects = [cj, job(cj, "report-29637420", 3 * HOUR, "Complete"), job(cj, "report-29637540", HOUR, "Failed", { message: "Job has reached the specified backoff limit" }), job(cj, "report-29637600", 0, null)];
    const found = await findingsOf(cronjob, objects);
    expect(found.map((f) => [f.code, f.severity, f.resource.name])).toEqual([["CronJobFailing", "warning", "report"]]);
    const f = found[0]!;
    expect(f.id).toBe("cronjob/CronJobFailing/ops/CronJob/report");
    expect(f.title).toBe("CronJob report: its last run (Job report-29637540) failed");
    expect(f.evidence).toEqual([
      "last finished job report-29637540: Failed (BackoffLimitExceeded): Job has reached the specified backoff limit",
      "finished jobs kept: 1 failed, 1 succeeded",
      'schedule "0 * * * *"',
      "last scheduled 0s ago (2026-06-01T12:00:00Z), last successful 179m ago",
      "active job report-29637600 (started 0s ago)",
    ]);
    expect(f.confirm).toContainEqual(["describe", "job", "report-29637540", "-n", "ops"]);
    await expectWellFormed(cronjob, found);
  });

  test("jobs are matched to their CronJob, not by name prefix", async () => {
    const cj = cron("report", { lastScheduleAgo: 0 });
    const other = cron("report-eu", { lastScheduleAgo: 0 });
    const objects = [cj, other, job(cj, "report-29637540", HOUR, "Complete"), job(other, "report-eu-29637590", 600, "Failed")];
    expect((await findingsOf(cronjob, objects)).map((f) => [f.code, f.resource.name])).toEqual([["CronJobFailing", "report-eu"]]);
  });

  test("schedule times passing without a run are CronJobNotScheduling (warning); Forbid behind a stuck job says so", async () => {
    const stuck = job(cron("sync"), "sync-29637300", 5 * HOUR, null);
    const cj = cron("sync", { schedule: "*/30 * * * *", concurrencyPolicy: "Forbid", lastScheduleAgo: 5 * HOUR, lastSuccessAgo: 6 * HOUR, active: ["sync-29637300"] });
    const found = await findingsOf(cronjob, [cj, stuck]);
    expect(found.map((f) => [f.code, f.severity, f.resource.name])).toEqual([["CronJobNotScheduling", "warning", "sync"]]);
    const f = found[0]!;
    expect(f.title).toBe("CronJob sync has not started a Job for 9 scheduled times");
    expect(f.evidence).toEqual([
      'schedule "*/30 * * * *"',
      "last scheduled 5h ago (2026-06-01T07:00:00Z), last successful 6h ago",
      "9 schedule times passed since the last one: first 2026-06-01T07:30:00Z (4h30m ago), latest 2026-06-01T11:30:00Z",
      "concurrencyPolicy Forbid",
      "active job sync-29637300 (started 5h ago)",
    ]);
    expect(f.hint).toContain("Forbid");
    await expectWellFormed(cronjob, found);
  });

  test("one late tick is not reported; two are", async () => {
    // Every 5 minutes; last 7 minutes ago: one tick (5m ago) missed, the next is now.
    expect(await findingsOf(cronjob, [cron("tick", { schedule: "*/5 * * * *", lastScheduleAgo: 7 * 60 })])).toEqual([]);
    // The second tick passed 30s ago: within the grace minute.
    expect(await findingsOf(cronjob, [cron("tick", { schedule: "@every 5m", status: { lastScheduleTime: new Date(NOW - 10 * 60_000 - 30_000).toISOString() } })])).toEqual([]);
    expect((await findingsOf(cronjob, [cron("tick", { schedule: "@every 5m", status: { lastScheduleTime: new Date(NOW - 11 * 60_000 - 30_000).toISOString() } })])).map((f) => f.code)).toEqual(["CronJobNotScheduling"]);
    const found = await findingsOf(cronjob, [cron("tick", { schedule: "*/5 * * * *", lastScheduleAgo: 15 * 60 })]);
    expect(found.map((f) => f.code)).toEqual(["CronJobNotScheduling"]);
    expect(found[0]!.hint).toContain("startingDeadlineSeconds");
  });

  test("a CronJob never scheduled counts from its creation; a daily one is judged in its time zone", async () => {
    expect((await findingsOf(cronjob, [cron("fresh", { schedule: "*/10 * * * *", createdAgo: 35 * 60, lastScheduleAgo: null, lastSuccessAgo: null })])).map((f) => f.code)).toEqual(["CronJobNotScheduling"]);
    expect(await findingsOf(cronjob, [cron("fresh", { schedule: "*/10 * * * *", createdAgo: 15 * 60, lastScheduleAgo: null, lastSuccessAgo: null })])).toEqual([]);
    // Daily at 03:00 New York (07:00 UTC); last run yesterday 07:00 UTC: on schedule at 12:00 UTC.
    expect(await findingsOf(cronjob, [cron("daily", { schedule: "0 3 * * *", timeZone: "America/New_York", lastScheduleAgo: 29 * HOUR })])).toEqual([]);
    // The same two days late is reported.
    expect((await findingsOf(cronjob, [cron("daily", { schedule: "0 3 * * *", timeZone: "America/New_York", lastScheduleAgo: 53 * HOUR })])).map((f) => f.code)).toEqual(["CronJobNotScheduling"]);
  });

  test("unparseable schedules, unknown zones and suspended CronJobs are never NotScheduling", async () => {
    const objects = [
      cron("odd", { schedule: "every day", lastScheduleAgo: 30 * 86_400 }),
      cron("zone", { schedule: "0 * * * *", timeZone: "Mars/Olympus_Mons", lastScheduleAgo: 30 * 86_400 }),
      cron("paused", { suspend: true, lastScheduleAgo: 30 * 86_400 }),
    ];
    expect((await findingsOf(cronjob, objects)).map((f) => [f.code, f.resource.name])).toEqual([["CronJobSuspended", "paused"]]);
  });

  test("missing status or spec does not throw", async () => {
    const bare: KubeObject = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "bare", namespace: NS } };
    const odd = cron("odd", { status: { lastScheduleTime: "yesterday", active: "x" } });
    expect(await findingsOf(cronjob, [bare, odd])).toEqual([]);
  });
});
