/** `kubectl describe daemonset`. */
import { obj, str } from "../_json.ts";
import { formatLabels, selectorString } from "../_labels.ts";
import type { KubeObject } from "../_types.ts";
import type { DescribeContext } from "./_context.ts";
import { type PodCounts, formatCounts, controllerPodCounts } from "./_controller.ts";
import { eventsFor, renderEvents } from "./_events.ts";
import { int, partsOf, printLabelsAndAnnotations } from "./_format.ts";
import { describePodTemplate } from "./_pod-spec.ts";
import { LEVEL_0, tabbed } from "./_writer.ts";

/** Counts the DaemonSet's pods (a failed list fails the describe, as in kubectl), fetches its events, renders it. */
export async function describeDaemonSet(ds: KubeObject, ctx: DescribeContext): Promise<string> {
  const pods = await controllerPodCounts(ctx, ds);
  const events = await eventsFor(ds, ctx);
  return renderDaemonSet(ds, events, pods, ctx.now);
}

/** `describeDaemonSet` (kubectl prints no Namespace line for DaemonSets). */
export function renderDaemonSet(ds: KubeObject, events: readonly KubeObject[] | null, pods: PodCounts, now: number): string {
  const { meta, spec, status } = partsOf(ds);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector)}\n`);
    w.write(LEVEL_0, `Node-Selector:\t${formatLabels(obj(obj(spec.template).spec).nodeSelector)}\n`);
    printLabelsAndAnnotations(w, meta);
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
