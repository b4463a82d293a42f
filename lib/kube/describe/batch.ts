/** `kubectl describe job` and `kubectl describe cronjob`. */
import { humanDuration, parseTimestamp } from "../_age.ts";
import { type J, isSet, obj, objs, str } from "../_json.ts";
import { selectorString } from "../_labels.ts";
import type { KubeObject } from "../_types.ts";
import type { Describer } from "./_context.ts";
import { errorText } from "./_controller.ts";
import { describeWithEvents, renderEvents } from "./_events.ts";
import { bool, int, partsOf, printControlledBy, printLabelsAndAnnotations, printNameNamespace, rfc1123z } from "./_format.ts";
import { describePodTemplate } from "./_pod-spec.ts";
import { LEVEL_0, type PrefixWriter, tabbed } from "./_writer.ts";

/** Fetches the Job's events and renders it. */
export const describeJob: Describer = describeWithEvents(renderJob);

function selectorLine(sel: unknown): string {
  try {
    return `Selector:\t${selectorString(sel)}\n`;
  } catch (err) {
    return `Selector:\tFailed to get selector: ${errorText(err)}\n`;
  }
}

/** `capIndexesListOrNone`: the completed indexes, cut after the first comma past 50 characters. */
function capIndexes(indexes: string, softLimit: number): string {
  if (indexes.length === 0) return "<none>";
  let ix = softLimit;
  while (ix < indexes.length && indexes[ix] !== ",") ix++;
  return ix >= indexes.length ? indexes : `${indexes.slice(0, ix + 1)}...`;
}

/** `describeJob`. */
export function renderJob(job: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const { o, meta, spec, status } = partsOf(job);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    w.write(LEVEL_0, selectorLine(spec.selector));
    printLabelsAndAnnotations(w, meta);
    printControlledBy(w, o);
    if (isSet(spec.parallelism)) w.write(LEVEL_0, `Parallelism:\t${int(spec.parallelism)}\n`);
    w.write(LEVEL_0, `Completions:\t${isSet(spec.completions) ? int(spec.completions) : "<unset>"}\n`);
    if (isSet(spec.completionMode)) w.write(LEVEL_0, `Completion Mode:\t${str(spec.completionMode)}\n`);
    if (isSet(spec.suspend)) w.write(LEVEL_0, `Suspend:\t${bool(spec.suspend)}\n`);
    if (isSet(spec.backoffLimit)) w.write(LEVEL_0, `Backoff Limit:\t${int(spec.backoffLimit)}\n`);
    if (isSet(spec.ttlSecondsAfterFinished)) w.write(LEVEL_0, `TTL Seconds After Finished:\t${int(spec.ttlSecondsAfterFinished)}\n`);
    if (isSet(status.startTime)) w.write(LEVEL_0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
    if (isSet(status.completionTime)) w.write(LEVEL_0, `Completed At:\t${rfc1123z(status.completionTime)}\n`);
    if (isSet(status.startTime) && isSet(status.completionTime)) {
      const d = (parseTimestamp(status.completionTime) ?? 0) - (parseTimestamp(status.startTime) ?? 0);
      w.write(LEVEL_0, `Duration:\t${humanDuration(d)}\n`);
    }
    if (isSet(spec.activeDeadlineSeconds)) w.write(LEVEL_0, `Active Deadline Seconds:\t${int(spec.activeDeadlineSeconds)}s\n`);
    if (!isSet(status.ready)) w.write(LEVEL_0, `Pods Statuses:\t${int(status.active)} Active / ${int(status.succeeded)} Succeeded / ${int(status.failed)} Failed\n`);
    else w.write(LEVEL_0, `Pods Statuses:\t${int(status.active)} Active (${int(status.ready)} Ready) / ${int(status.succeeded)} Succeeded / ${int(status.failed)} Failed\n`);
    if (str(spec.completionMode) === "Indexed") w.write(LEVEL_0, `Completed Indexes:\t${capIndexes(str(status.completedIndexes), 50)}\n`);
    describePodTemplate(w, spec.template ?? {});
    if (events) renderEvents(w, events, now);
  });
}

/** Fetches the CronJob's events and renders it. */
export const describeCronJob: Describer = describeWithEvents(renderCronJob);

function describeJobTemplate(w: PrefixWriter, template: J): void {
  const spec = obj(template.spec);
  if (isSet(spec.selector)) w.write(LEVEL_0, selectorLine(spec.selector));
  else w.write(LEVEL_0, "Selector:\t<unset>\n");
  w.write(LEVEL_0, `Parallelism:\t${isSet(spec.parallelism) ? int(spec.parallelism) : "<unset>"}\n`);
  w.write(LEVEL_0, `Completions:\t${isSet(spec.completions) ? int(spec.completions) : "<unset>"}\n`);
  if (isSet(spec.activeDeadlineSeconds)) w.write(LEVEL_0, `Active Deadline Seconds:\t${int(spec.activeDeadlineSeconds)}s\n`);
  describePodTemplate(w, spec.template ?? {});
}

/** `describeCronJob`. */
export function renderCronJob(cj: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const { meta, spec, status } = partsOf(cj);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, `Schedule:\t${str(spec.schedule)}\n`);
    w.write(LEVEL_0, `Concurrency Policy:\t${str(spec.concurrencyPolicy)}\n`);
    w.write(LEVEL_0, `Suspend:\t${isSet(spec.suspend) ? (spec.suspend === true ? "True" : "False") : "<unset>"}\n`);
    w.write(LEVEL_0, `Successful Job History Limit:\t${isSet(spec.successfulJobsHistoryLimit) ? int(spec.successfulJobsHistoryLimit) : "<unset>"}\n`);
    w.write(LEVEL_0, `Failed Job History Limit:\t${isSet(spec.failedJobsHistoryLimit) ? int(spec.failedJobsHistoryLimit) : "<unset>"}\n`);
    w.write(LEVEL_0, `Starting Deadline Seconds:\t${isSet(spec.startingDeadlineSeconds) ? `${int(spec.startingDeadlineSeconds)}s` : "<unset>"}\n`);
    describeJobTemplate(w, obj(spec.jobTemplate));
    w.write(LEVEL_0, `Last Schedule Time:\t${isSet(status.lastScheduleTime) ? rfc1123z(status.lastScheduleTime) : "<unset>"}\n`);
    const active = objs(status.active);
    w.write(LEVEL_0, "Active Jobs:\t");
    if (active.length === 0) w.line("<none>");
    else {
      active.forEach((j, i) => {
        if (i !== 0) w.write(LEVEL_0, ", ");
        w.write(LEVEL_0, str(j.name));
      });
      w.line("");
    }
    if (events) renderEvents(w, events, now);
  });
}
