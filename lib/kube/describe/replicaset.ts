/** `kubectl describe replicaset`. */
import { type J, objs, str } from "../_json.ts";
import { formatLabelSelector } from "../_labels.ts";
import type { KubeObject } from "../_types.ts";
import type { DescribeContext } from "./_context.ts";
import { type PodCounts, errorText, formatCounts, controllerPodCounts } from "./_controller.ts";
import { eventsFor, renderEvents } from "./_events.ts";
import { int, partsOf, printControlledBy, printLabelsAndAnnotations, printNameNamespace } from "./_format.ts";
import { describePodTemplate } from "./_pod-spec.ts";
import { LEVEL_0, LEVEL_1, type PrefixWriter, tabbed } from "./_writer.ts";

/** Counts the pods the ReplicaSet controls, fetches its events, and renders it. */
export async function describeReplicaSet(rs: KubeObject, ctx: DescribeContext): Promise<string> {
  // An invalid selector throws here, outside the try: it fails the describe, as in kubectl.
  const counting = controllerPodCounts(ctx, rs);
  let pods: PodCounts | Error;
  try {
    pods = await counting;
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    pods = err instanceof Error ? err : new Error(errorText(err));
  }
  const events = await eventsFor(rs, ctx);
  return renderReplicaSet(rs, events, pods, ctx.now);
}

/** Deployment/ReplicaSet style conditions: `Type \tStatus\tReason`. */
export function renderControllerConditions(w: PrefixWriter, conditions: J[]): void {
  if (conditions.length === 0) return;
  w.write(LEVEL_0, "Conditions:\n  Type\tStatus\tReason\n");
  w.write(LEVEL_1, "----\t------\t------\n");
  for (const c of conditions) w.write(LEVEL_1, `${str(c.type)} \t${str(c.status)}\t${str(c.reason)}\n`);
}

/** `describeReplicaSet`: pod counts, or the error that kept kubectl from counting them. */
export function renderReplicaSet(rs: KubeObject, events: readonly KubeObject[] | null, pods: PodCounts | Error, now: number): string {
  const { o, meta, spec, status } = partsOf(rs);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    w.write(LEVEL_0, `Selector:\t${formatLabelSelector(spec.selector)}\n`);
    printLabelsAndAnnotations(w, meta);
    printControlledBy(w, o);
    w.write(LEVEL_0, `Replicas:\t${int(status.replicas)} current / ${int(spec.replicas)} desired\n`);
    w.write(LEVEL_0, "Pods Status:\t");
    if (pods instanceof Error) w.write(LEVEL_0, `error in fetching pods: ${pods.message}\n`);
    else w.write(LEVEL_0, `${formatCounts(pods)}\n`);
    describePodTemplate(w, spec.template ?? {});
    renderControllerConditions(w, objs(status.conditions));
    if (events) renderEvents(w, events, now);
  });
}
