/** `kubectl describe daemonset`. */
import type { KubeObject } from "../_types.ts";
import type { DescribeContext } from "./_context.ts";
import { type PodCounts, formatCounts, podCountsFor } from "./_controller.ts";
import { eventTargetOf, renderEvents, searchEvents } from "./_events.ts";
import { type J, formatLabels, int, obj, printAnnotationsMultiline, printLabelsMultiline, selectorString, str } from "./_format.ts";
import { describePodTemplate } from "./_pod-spec.ts";
import { LEVEL_0, tabbed } from "./_writer.ts";

/** Counts the DaemonSet's pods (a failed list fails the describe, as in kubectl), fetches its events, renders it. */
export async function describeDaemonSet(ds: KubeObject, ctx: DescribeContext): Promise<string> {
  const selector = selectorString(obj(ds.spec).selector);
  const pods = await podCountsFor(ctx, ds.metadata.namespace ?? "", selector, ds.metadata.uid);
  const events = ctx.showEvents ? (await searchEvents(ctx.reader, eventTargetOf(ds), ctx.signal)).events : null;
  return renderDaemonSet(ds, events, pods, ctx.now);
}

/** `describeDaemonSet` (kubectl prints no Namespace line for DaemonSets). */
export function renderDaemonSet(ds: KubeObject, events: readonly KubeObject[] | null, pods: PodCounts, now: number): string {
  const o = ds as unknown as J;
  const meta = obj(o.metadata);
  const spec = obj(o.spec);
  const status = obj(o.status);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector)}\n`);
    w.write(LEVEL_0, `Node-Selector:\t${formatLabels(obj(obj(spec.template).spec).nodeSelector)}\n`);
    printLabelsMultiline(w, "Labels", meta.labels);
    printAnnotationsMultiline(w, "Annotations", meta.annotations);
    w.write(LEVEL_0, `Desired Number of Nodes Scheduled: ${int(status.desiredNumberScheduled)}\n`);
    w.write(LEVEL_0, `Current Number of Nodes Scheduled: ${int(status.currentNumberScheduled)}\n`);
    w.write(LEVEL_0, `Number of Nodes Scheduled with Up-to-date Pods: ${int(status.updatedNumberScheduled)}\n`);
    w.write(LEVEL_0, `Number of Nodes Scheduled with Available Pods: ${int(status.numberAvailable)}\n`);
    w.write(LEVEL_0, `Number of Nodes Misscheduled: ${int(status.numberMisscheduled)}\n`);
    w.write(LEVEL_0, `Pods Status:\t${formatCounts(pods)}\n`);
    describePodTemplate(w, spec.template ?? {});
    if (events) renderEvents(w, events, now);
  });
}
