/** `kubectl describe statefulset`. */
import { type J, arr, isSet, obj, objs, str } from "../_json.ts";
import { selectorString } from "../_labels.ts";
import type { KubeObject } from "../_types.ts";
import type { DescribeContext } from "./_context.ts";
import { type PodCounts, formatCounts, controllerPodCounts } from "./_controller.ts";
import { eventsFor, renderEvents } from "./_events.ts";
import { int, intOrString, partsOf, printLabelsAndAnnotations, printLabelsMultiline, printNameNamespace, rfc1123z } from "./_format.ts";
import { describePodTemplate } from "./_pod-spec.ts";
import { canonicalQuantity } from "./_quantity.ts";
import { storageClassOf } from "./_volumes.ts";
import { LEVEL_0, LEVEL_1, type PrefixWriter, tabbed } from "./_writer.ts";

/** Counts the StatefulSet's pods (a failed list fails the describe, as in kubectl), fetches its events, renders it. */
export async function describeStatefulSet(sts: KubeObject, ctx: DescribeContext): Promise<string> {
  const pods = await controllerPodCounts(ctx, sts);
  const events = await eventsFor(sts, ctx);
  return renderStatefulSet(sts, events, pods, ctx.now);
}

/** `describeVolumeClaimTemplates`. */
export function describeVolumeClaimTemplates(w: PrefixWriter, templates: J[]): void {
  if (templates.length === 0) {
    w.write(LEVEL_0, "Volume Claims:\t<none>\n");
    return;
  }
  w.write(LEVEL_0, "Volume Claims:\n");
  for (const pvc of templates) {
    const meta = obj(pvc.metadata);
    const spec = obj(pvc.spec);
    w.write(LEVEL_1, `Name:\t${str(meta.name)}\n`);
    w.write(LEVEL_1, `StorageClass:\t${storageClassOf(pvc)}\n`);
    printLabelsMultiline(w, "Labels", meta.labels, { initialIndent: "  " });
    printLabelsMultiline(w, "Annotations", meta.annotations, { initialIndent: "  " });
    const storage = obj(obj(spec.resources).requests).storage;
    w.write(LEVEL_1, `Capacity:\t${storage !== undefined ? canonicalQuantity(storage) : "<default>"}\n`);
    w.write(LEVEL_1, `Access Modes:\t[${arr(spec.accessModes).map(str).join(" ")}]\n`);
  }
}

/** `describeStatefulSet`. */
export function renderStatefulSet(sts: KubeObject, events: readonly KubeObject[] | null, pods: PodCounts, now: number): string {
  const { meta, spec, status } = partsOf(sts);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(meta.creationTimestamp)}\n`);
    w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector)}\n`);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, `Replicas:\t${int(spec.replicas)} desired | ${int(status.replicas)} total\n`);
    const strategy = obj(spec.updateStrategy);
    w.write(LEVEL_0, `Update Strategy:\t${str(strategy.type)}\n`);
    if (isSet(strategy.rollingUpdate)) {
      const ru = obj(strategy.rollingUpdate);
      if (isSet(ru.partition)) {
        w.write(LEVEL_1, `Partition:\t${int(ru.partition)}\n`);
        if (isSet(ru.maxUnavailable)) w.write(LEVEL_1, `MaxUnavailable:\t${intOrString(ru.maxUnavailable)}\n`);
      }
    }
    w.write(LEVEL_0, `Pods Status:\t${formatCounts(pods)}\n`);
    describePodTemplate(w, spec.template ?? {});
    describeVolumeClaimTemplates(w, objs(spec.volumeClaimTemplates));
    if (events) renderEvents(w, events, now);
  });
}
