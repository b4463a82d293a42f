/** `kubectl describe poddisruptionbudget`, `resourcequota` and `limitrange`. */
import type { KubeObject } from "../_types.ts";
import type { DescribeContext } from "./_context.ts";
import { eventTargetOf, renderEvents, searchEvents } from "./_events.ts";
import { type J, arr, formatLabelSelector, int, intOrString, isSet, obj, str } from "./_format.ts";
import { sortedStrings } from "./_gosort.ts";
import { type Quantity, formatQuantity, parseQuantity, quantityValue, zeroQuantity } from "./_quantity.ts";
import { LEVEL_0, LEVEL_2, tabbed } from "./_writer.ts";
import { describeLimitRangeSpec } from "./namespace.ts";

/** Fetches the budget's events and renders it. */
export async function describePodDisruptionBudget(pdb: KubeObject, ctx: DescribeContext): Promise<string> {
  const events = ctx.showEvents ? (await searchEvents(ctx.reader, eventTargetOf(pdb), ctx.signal)).events : null;
  return renderPodDisruptionBudget(pdb, events, ctx.now);
}

/** `describePodDisruptionBudgetV1`. */
export function renderPodDisruptionBudget(pdb: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const o = pdb as unknown as J;
  const meta = obj(o.metadata);
  const spec = obj(o.spec);
  const status = obj(o.status);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(meta.namespace)}\n`);
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

const SCOPE_HELP: Record<string, string> = {
  Terminating: "Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.",
  NotTerminating: "Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.",
  BestEffort: "Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.",
  NotBestEffort: "Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.",
};

/** Quotas have no related objects: kubectl reads no events for them. */
export async function describeResourceQuota(q: KubeObject, _ctx: DescribeContext): Promise<string> {
  return renderResourceQuota(q);
}

/** `describeQuota`: a used value whose format differs from the hard one is reprinted, rounded up, in the hard format. */
export function renderResourceQuota(q: KubeObject): string {
  const o = q as unknown as J;
  const meta = obj(o.metadata);
  const hard = obj(obj(o.status).hard);
  const used = obj(obj(o.status).used);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(meta.namespace)}\n`);
    const scopes = sortedStrings(arr(obj(o.spec).scopes).map(str));
    if (scopes.length > 0) {
      w.write(LEVEL_0, `Scopes:\t${scopes.join(", ")}\n`);
      for (const scope of scopes) {
        const help = SCOPE_HELP[scope];
        if (help) w.write(LEVEL_0, ` * ${help}\n`);
      }
    }
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
  const o = lr as unknown as J;
  const meta = obj(o.metadata);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(meta.namespace)}\n`);
    w.write(LEVEL_0, "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n");
    w.write(LEVEL_0, "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n");
    describeLimitRangeSpec(w, obj(o.spec), "");
  });
}
