/** `kubectl describe poddisruptionbudget`, `resourcequota` and `limitrange`. */
import { sortedStrings } from "../_gosort.ts";
import { isSet, obj } from "../_json.ts";
import { formatLabelSelector } from "../_labels.ts";
import type { KubeObject } from "../_types.ts";
import type { DescribeContext, Describer } from "./_context.ts";
import { describeWithEvents, renderEvents } from "./_events.ts";
import { int, intOrString, partsOf, printNameNamespace } from "./_format.ts";
import { type Quantity, formatQuantity, parseQuantity, quantityValue, zeroQuantity } from "./_quantity.ts";
import { LEVEL_0, LEVEL_2, tabbed } from "./_writer.ts";
import { describeLimitRangeSpec, printQuotaScopes } from "./namespace.ts";

/** Fetches the budget's events and renders it. */
export const describePodDisruptionBudget: Describer = describeWithEvents(renderPodDisruptionBudget);

/** `describePodDisruptionBudgetV1`. */
export function renderPodDisruptionBudget(pdb: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const { meta, spec, status } = partsOf(pdb);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    if (isSet(spec.minAvailable)) w.write(LEVEL_0, `Min available:\t${intOrString(spec.minAvailable)}\n`);
    else if (isSet(spec.maxUnavailable)) w.write(LEVEL_0, `Max unavailable:\t${intOrString(spec.maxUnavailable)}\n`);
    w.write(LEVEL_0, `Selector:\t${isSet(spec.selector) ? formatLabelSelector(spec.selector) : "<unset>"}\n`);
    w.write(LEVEL_0, "Status:\n");
    w.write(LEVEL_2, `Allowed disruptions:\t${int(status.disruptionsAllowed)}\n`);
    w.write(LEVEL_2, `Current:\t${int(status.currentHealthy)}\n`);
    w.write(LEVEL_2, `Desired:\t${int(status.desiredHealthy)}\n`);
    w.write(LEVEL_2, `Total:\t${int(status.expectedPods)}\n`);
    if (events) renderEvents(w, events, now);
  });
}

/** Quotas have no related objects: kubectl reads no events for them. */
export async function describeResourceQuota(q: KubeObject, _ctx: DescribeContext): Promise<string> {
  return renderResourceQuota(q);
}

/** `describeQuota`: a used value whose format differs from the hard one is reprinted, rounded up, in the hard format. */
export function renderResourceQuota(q: KubeObject): string {
  const { o, meta } = partsOf(q);
  const hard = obj(obj(o.status).hard);
  const used = obj(obj(o.status).used);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    printQuotaScopes(w, LEVEL_0, " * ", o);
    w.write(LEVEL_0, "Resource\tUsed\tHard\n");
    w.write(LEVEL_0, "--------\t----\t----\n");
    for (const name of sortedStrings(Object.keys(hard))) {
      const h = parseQuantity(hard[name]) ?? zeroQuantity("");
      let u: Quantity = parseQuantity(used[name]) ?? zeroQuantity("");
      if (h.format !== u.format) u = { mantissa: quantityValue(u), exponent: 0, format: h.format };
      w.write(LEVEL_0, `${name}\t${formatQuantity(u)}\t${formatQuantity(h)}\n`);
    }
  });
}

/** LimitRanges have no related objects: kubectl reads no events for them. */
export async function describeLimitRange(lr: KubeObject, _ctx: DescribeContext): Promise<string> {
  return renderLimitRange(lr);
}

/** `describeLimitRange` (resources of one item sorted; kubectl 1.32 prints them in Go map order). */
export function renderLimitRange(lr: KubeObject): string {
  const { o, meta } = partsOf(lr);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    w.write(LEVEL_0, "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n");
    w.write(LEVEL_0, "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n");
    describeLimitRangeSpec(w, obj(o.spec), "");
  });
}
