/** `kubectl describe replicaset`. */
import type { KubeObject } from "../_types.ts";
import type { DescribeContext } from "./_context.ts";
import { type PodCounts, errorText, formatCounts, podCountsFor } from "./_controller.ts";
import { eventTargetOf, renderEvents, searchEvents } from "./_events.ts";
import { type J, controllerOf, formatLabelSelector, int, obj, objs, printAnnotationsMultiline, printLabelsMultiline, selectorString, str } from "./_format.ts";
import { describePodTemplate } from "./_pod-spec.ts";
import { LEVEL_0, LEVEL_1, type PrefixWriter, tabbed } from "./_writer.ts";

/** Counts the pods the ReplicaSet controls, fetches its events, and renders it. */
export async function describeReplicaSet(rs: KubeObject, ctx: DescribeContext): Promise<string> {
  const selector = selectorString(obj(rs.spec).selector);
  let pods: PodCounts | Error;
  try {
    pods = await podCountsFor(ctx, rs.metadata.namespace ?? "", selector, rs.metadata.uid);
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    pods = err instanceof Error ? err : new Error(errorText(err));
  }
  const events = ctx.showEvents ? (await searchEvents(ctx.reader, eventTargetOf(rs), ctx.signal)).events : null;
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
  const o = rs as unknown as J;
  const meta = obj(o.metadata);
  const spec = obj(o.spec);
  const status = obj(o.status);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(meta.namespace)}\n`);
    w.write(LEVEL_0, `Selector:\t${formatLabelSelector(spec.selector)}\n`);
    printLabelsMultiline(w, "Labels", meta.labels);
    printAnnotationsMultiline(w, "Annotations", meta.annotations);
    const controlledBy = controllerOf(o);
    if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
    w.write(LEVEL_0, `Replicas:\t${int(status.replicas)} current / ${int(spec.replicas)} desired\n`);
    w.write(LEVEL_0, "Pods Status:\t");
    if (pods instanceof Error) w.write(LEVEL_0, `error in fetching pods: ${pods.message}\n`);
    else w.write(LEVEL_0, `${formatCounts(pods)}\n`);
    describePodTemplate(w, spec.template ?? {});
    renderControllerConditions(w, objs(status.conditions));
    if (events) renderEvents(w, events, now);
  });
}
