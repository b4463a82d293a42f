/**
 * The `cronjob` analyzer: CronJobs that do not run, or whose runs fail.
 *
 * - `CronJobSuspended` (info): `spec.suspend` is true; no Job starts until it
 *   is cleared. Often deliberate, worth knowing when a scheduled task "stopped".
 * - `CronJobFailing` (warning): the most recent finished Job of the CronJob
 *   (owned by it, newest creationTimestamp among those with a `Complete` or
 *   `Failed` condition True) failed. The next run may succeed, so a warning.
 * - `CronJobNotScheduling` (warning): not suspended, and at least two
 *   schedule times have passed (the second over a minute ago) since
 *   `status.lastScheduleTime` (or creation, for a CronJob never scheduled)
 *   without a Job being started. Two, so one late controller tick is never
 *   reported. Usual causes: `concurrencyPolicy: Forbid` behind a Job that
 *   never ends, a `startingDeadlineSeconds` shorter than the controller's
 *   delay, over 100 missed starts, or a stopped kube-controller-manager.
 *
 * Schedules are read as kube-controller-manager reads them (robfig/cron's
 * standard parser): five fields with `*`, `?`, lists, ranges, steps and
 * month/weekday names, day-of-month and day-of-week OR-ed unless one is a
 * plain `*`, and the `@hourly`...`@yearly` and `@every <duration>`
 * descriptors. Times are wall-clock in `spec.timeZone` (or a `CRON_TZ=`/`TZ=`
 * prefix), else UTC, which is the controller's zone in practically every
 * distribution. A schedule or zone that does not parse is never reported as
 * not scheduling.
 *
 * Evidence: the schedule, ages of the last schedule and last success at the
 * snapshot's clock, the last Job's failure, active Jobs and the CronJob's
 * Warning events.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { age as duration, condition, confirm, defineAnalyzer, eventLine, finding, type Finding, warningsFor } from "../../lib/diagnose/index.ts";

const ID = "cronjob";

/** How late the second missed schedule time must be before it counts. */
const GRACE_MS = 60_000;

const rec = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const time = (v: unknown): number | undefined => {
  const ms = typeof v === "string" ? Date.parse(v) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
};
const created = (o: KubeObject) => time(o.metadata.creationTimestamp) ?? 0;
const age = (ms: number, now: number) => duration(now - ms);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, "Z");

// ---------------------------------------------------------------- schedules

/** A parsed schedule: five fields, or a constant delay (`@every`). */
export type CronSchedule =
  | { kind: "fields"; minute: boolean[]; hour: boolean[]; dom: boolean[]; month: boolean[]; dow: boolean[]; domStar: boolean; dowStar: boolean }
  | { kind: "every"; ms: number };

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** One field (a step, `1-5`, `MON,WED`), robfig's way: null when invalid. */
function parseField(expr: string, min: number, max: number, names?: Record<string, number>): { bits: boolean[]; star: boolean } | null {
  const bits = new Array<boolean>(max + 1).fill(false);
  let star = false;
  const value = (s: string): number | null => (/^\d+$/.test(s) ? Number(s) : (names?.[s.toLowerCase()] ?? null));
  for (const part of expr.split(",")) {
    const rangeAndStep = part.split("/");
    if (rangeAndStep.length > 2) return null;
    const lowAndHigh = rangeAndStep[0]!.split("-");
    if (lowAndHigh.length > 2) return null;
    let start: number;
    let end: number;
    let partStar = false;
    if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
      if (lowAndHigh.length !== 1) return null;
      [start, end, partStar] = [min, max, true];
    } else {
      const lo = value(lowAndHigh[0]!);
      const hi = lowAndHigh.length === 2 ? value(lowAndHigh[1]!) : lo;
      if (lo === null || hi === null) return null;
      [start, end] = [lo, hi];
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
      if (!/^\d+$/.test(rangeAndStep[1]!)) return null;
      step = Number(rangeAndStep[1]);
      if (step < 1) return null;
      // "N/step" means "N-max/step".
      if (lowAndHigh.length === 1 && !partStar) end = max;
      if (step > 1) partStar = false;
    }
    if (start < min || end > max || start > end) return null;
    for (let i = start; i <= end; i += step) bits[i] = true;
    star ||= partStar;
  }
  return { bits, star };
}

const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (`1h30m`) in ms; null when invalid. */
function goDuration(s: string): number | null {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return null;
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * GO_UNITS[m[2]!]!;
  return ms;
}

/** A CronJob schedule and the zone a `CRON_TZ=`/`TZ=` prefix names; null when it does not parse. */
export function parseSchedule(schedule: string): { cron: CronSchedule; timeZone?: string } | null {
  let text = schedule.trim();
  let timeZone: string | undefined;
  const prefix = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(text);
  if (prefix) {
    timeZone = prefix[1];
    text = text.slice(prefix[0].length).trim();
  }
  const tz = timeZone ? { timeZone } : {};
  if (text.startsWith("@every ")) {
    const d = goDuration(text.slice(7).trim());
    if (d === null) return null;
    // robfig: at least a second, whole seconds.
    const ms = Math.max(1000, d - (d % 1000));
    return { cron: { kind: "every", ms }, ...tz };
  }
  if (text.startsWith("@")) {
    const expanded = DESCRIPTORS[text.toLowerCase()];
    if (!expanded) return null;
    text = expanded;
  }
  const f = text.split(/\s+/);
  if (f.length !== 5) return null;
  const minute = parseField(f[0]!, 0, 59);
  const hour = parseField(f[1]!, 0, 23);
  const dom = parseField(f[2]!, 1, 31);
  const month = parseField(f[3]!, 1, 12, MONTHS);
  const dow = parseField(f[4]!, 0, 6, DAYS);
  if (!minute || !hour || !dom || !month || !dow) return null;
  return { cron: { kind: "fields", minute: minute.bits, hour: hour.bits, dom: dom.bits, month: month.bits, dow: dow.bits, domStar: dom.star, dowStar: dow.star }, ...tz };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of a zone from UTC at an instant (ms); throws RangeError for an unknown zone. */
function offsetMs(utc: number, timeZone: string): number {
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return 0;
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(utc)) if (part.type !== "literal") p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
  return wall - Math.floor(utc / 1000) * 1000;
}

/** The first schedule time strictly after `after` (epoch ms), or null within five years. */
export function nextScheduleTime(cron: CronSchedule, after: number, timeZone = "UTC"): number | null {
  if (cron.kind === "every") return after - (after % 1000) + cron.ms;
  // Walk wall-clock time (as a UTC date) skipping whole months, days and hours that cannot match.
  let wall = Math.floor((after + offsetMs(after, timeZone)) / 60_000) * 60_000 + 60_000;
  const limit = wall + 5 * 366 * 86_400_000;
  while (wall < limit) {
    const d = new Date(wall);
    const [y, mo, day, h] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()];
    if (!cron.month[mo + 1]) {
      wall = Date.UTC(y, mo + 1, 1);
      continue;
    }
    const domMatch = cron.dom[day] === true;
    const dowMatch = cron.dow[d.getUTCDay()] === true;
    if (!(cron.domStar || cron.dowStar ? domMatch && dowMatch : domMatch || dowMatch)) {
      wall = Date.UTC(y, mo, day + 1);
      continue;
    }
    if (!cron.hour[h]) {
      wall = Date.UTC(y, mo, day, h + 1);
      continue;
    }
    if (!cron.minute[d.getUTCMinutes()]) {
      wall += 60_000;
      continue;
    }
    const utc = wall - offsetMs(wall - offsetMs(wall, timeZone), timeZone);
    if (utc > after) return utc;
    wall += 60_000;
  }
  return null;
}

// ---------------------------------------------------------------- analyzer

const finished = (job: KubeObject) => condition(job, "Complete")?.status === "True" || condition(job, "Failed")?.status === "True";

export const cronjob = defineAnalyzer({
  id: ID,
  description: "CronJobs that are suspended, whose last run failed, or that stopped starting Jobs on schedule",
  codes: { CronJobSuspended: "info", CronJobFailing: "warning", CronJobNotScheduling: "warning" },
  kinds: ["cronjobs", "jobs", "events"],
  analyze(snapshot, ctx) {
    const out: Finding[] = [];
    for (const cj of snapshot.list("cronjobs")) {
      const namespace = cj.metadata.namespace ?? null;
      const name = cj.metadata.name;
      const spec = rec(cj.spec);
      const status = rec(cj.status);
      const schedule = typeof spec.schedule === "string" ? spec.schedule : "";
      const specZone = typeof spec.timeZone === "string" && spec.timeZone ? spec.timeZone : undefined;
      const lastSchedule = time(status.lastScheduleTime);
      const lastSuccess = time(status.lastSuccessfulTime);
      const scheduleLine = `schedule "${schedule}"${specZone ? ` (timeZone ${specZone})` : ""}`;
      const historyLine = [
        lastSchedule !== undefined ? `last scheduled ${age(lastSchedule, ctx.now)} ago (${iso(lastSchedule)})` : "never scheduled",
        lastSuccess !== undefined ? `last successful ${age(lastSuccess, ctx.now)} ago` : "no recorded success",
      ].join(", ");
      const active = (Array.isArray(status.active) ? status.active : []).map((r) => String(rec(r).name ?? "")).filter(Boolean);
      const jobs = [...snapshot.ownedBy("jobs", cj)].sort((a, b) => created(b) - created(a) || (a.metadata.name < b.metadata.name ? 1 : -1));
      const activeLines = active.slice(0, 3).map((jobName) => {
        const job = jobs.find((j) => j.metadata.name === jobName);
        const started = job ? (time(rec(job.status).startTime) ?? created(job)) : undefined;
        return `active job ${jobName}${started ? ` (started ${age(started, ctx.now)} ago)` : ""}`;
      });
      const events = warningsFor(snapshot, "CronJob", cj)
        .slice(0, 2)
        .map((e) => eventLine(e, ctx.now));
      const base = { kind: "CronJob", namespace, name } as const;
      const cmds = [confirm.describe("cronjob", name, namespace), ["get", "jobs", ...(namespace ? ["-n", namespace] : [])]];

      if (spec.suspend === true) {
        out.push(
          finding(ID, {
            ...base,
            code: "CronJobSuspended",
            severity: "info",
            title: `CronJob ${name} is suspended`,
            evidence: ["suspend: true", scheduleLine, historyLine, ...activeLines],
            confirm: cmds,
            hint: "No Job starts while spec.suspend is true; if the task should run, clear it (schedules missed meanwhile are not all made up: at most the latest one runs, within startingDeadlineSeconds).",
          }),
        );
      }

      const last = jobs.find(finished);
      const failed = last ? condition(last, "Failed") : undefined;
      if (last && failed?.status === "True") {
        const finishedJobs = jobs.filter(finished);
        const failedCount = finishedJobs.filter((j) => condition(j, "Failed")?.status === "True").length;
        out.push(
          finding(ID, {
            ...base,
            code: "CronJobFailing",
            severity: "warning",
            title: `CronJob ${name}: its last run (Job ${last.metadata.name}) failed`,
            evidence: [
              `last finished job ${last.metadata.name}: Failed${failed.reason ? ` (${failed.reason})` : ""}${failed.message ? `: ${failed.message}` : ""}`,
              `finished jobs kept: ${failedCount} failed, ${finishedJobs.length - failedCount} succeeded`,
              scheduleLine,
              historyLine,
              ...activeLines,
              ...warningsFor(snapshot, "Job", last)
                .slice(0, 2)
                .map((e) => eventLine(e, ctx.now)),
              ...events,
            ],
            confirm: [...cmds, confirm.describe("job", last.metadata.name, namespace)],
            hint: `Read Job ${last.metadata.name}'s failed pods (exit codes, logs) to see why the run failed; fix the cause and the next scheduled run picks it up.`,
          }),
        );
      }

      if (spec.suspend !== true && schedule) {
        const parsed = parseSchedule(schedule);
        const zone = specZone ?? parsed?.timeZone ?? "UTC";
        // A lastScheduleTime that does not parse says nothing: it is not "never scheduled".
        const from = status.lastScheduleTime !== undefined && status.lastScheduleTime !== null ? lastSchedule : time(cj.metadata.creationTimestamp);
        if (!parsed || from === undefined) continue;
        let missed: number[];
        try {
          missed = [];
          for (let t = nextScheduleTime(parsed.cron, from, zone); t !== null && t <= ctx.now - GRACE_MS && missed.length < 100; t = nextScheduleTime(parsed.cron, t, zone)) missed.push(t);
        } catch {
          // An unknown time zone: the controller cannot schedule it either, but that is not for us to guess.
          continue;
        }
        if (missed.length < 2) continue;
        const forbid = spec.concurrencyPolicy === "Forbid" && active.length > 0;
        const deadline = typeof spec.startingDeadlineSeconds === "number" ? spec.startingDeadlineSeconds : undefined;
        out.push(
          finding(ID, {
            ...base,
            code: "CronJobNotScheduling",
            severity: "warning",
            title: `CronJob ${name} has not started a Job for ${missed.length >= 100 ? "100+" : missed.length} scheduled times`,
            evidence: [
              scheduleLine,
              historyLine,
              `${missed.length >= 100 ? "100+" : missed.length} schedule times passed since ${lastSchedule !== undefined ? "the last one" : "creation"}: first ${iso(missed[0]!)} (${age(missed[0]!, ctx.now)} ago)${missed.length < 100 ? `, latest ${iso(missed.at(-1)!)}` : ""}`,
              `concurrencyPolicy ${typeof spec.concurrencyPolicy === "string" ? spec.concurrencyPolicy : "Allow"}${deadline !== undefined ? `, startingDeadlineSeconds ${deadline}` : ""}`,
              ...activeLines,
              ...events,
            ],
            confirm: cmds,
            hint: forbid
              ? `concurrencyPolicy Forbid skips every run while a Job is still active: find why ${active[0]} does not finish (spec.activeDeadlineSeconds bounds a run).`
              : "Look at the CronJob's events: a startingDeadlineSeconds shorter than the controller's delay, or more than 100 missed starts, stops scheduling; if there are no events at all, check that kube-controller-manager runs.",
          }),
        );
      }
    }
    return out;
  },
});

export default cronjob;
