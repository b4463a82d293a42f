/** `kubectl describe deployment`. */
import { parseTimestamp } from "../_age.ts";
import { goSort } from "../_gosort.ts";
import { isSet, obj, objs, str } from "../_json.ts";
import { selectorString } from "../_labels.ts";
import type { KubeObject } from "../_types.ts";
import { type DescribeContext, readOptions } from "./_context.ts";
import { equalIgnoreHash, isControlledBy } from "./_controller.ts";
import { eventsFor, renderEvents } from "./_events.ts";
import { int, intOrString, partsOf, printLabelsAndAnnotations, printNameNamespace, rfc1123z } from "./_format.ts";
import { describePodTemplate } from "./_pod-spec.ts";
import { LEVEL_0, tabbed } from "./_writer.ts";
import { renderControllerConditions } from "./replicaset.ts";

/** The ReplicaSets a Deployment owns, split as kubectl's `GetAllReplicaSets` splits them. */
export interface DeploymentReplicaSets {
  /** Every owned ReplicaSet but the new one, oldest first (zero-replica ones included). */
  old: KubeObject[];
  /** The ReplicaSet whose template matches the Deployment's, or null. */
  new: KubeObject | null;
}

/**
 * Splits the ReplicaSets `deployment` controls into old and new: sorted by
 * creation time then name, the first whose template equals the Deployment's
 * (ignoring `pod-template-hash`) is the new one.
 */
export function splitReplicaSets(deployment: KubeObject, replicaSets: readonly KubeObject[]): DeploymentReplicaSets {
  const owned = replicaSets.filter((rs) => isControlledBy(rs, deployment.metadata.uid));
  const created = (rs: KubeObject) => parseTimestamp(rs.metadata.creationTimestamp) ?? Number.NEGATIVE_INFINITY;
  goSort(owned, (a, b) => (created(a) === created(b) ? a.metadata.name < b.metadata.name : created(a) < created(b)));
  const template = obj(deployment.spec).template;
  const newRs = owned.find((rs) => equalIgnoreHash(obj(rs.spec).template, template)) ?? null;
  return { old: owned.filter((rs) => rs !== newRs), new: newRs };
}

/** Fetches the Deployment's events and ReplicaSets (a failed list leaves the ReplicaSet lines out) and renders it. */
export async function describeDeployment(d: KubeObject, ctx: DescribeContext): Promise<string> {
  const selector = selectorString(obj(d.spec).selector);
  const events = await eventsFor(d, ctx);
  let sets: DeploymentReplicaSets | null = null;
  try {
    const list = await ctx.reader.list({ group: "apps", resource: "replicasets" }, { namespace: d.metadata.namespace ?? "", ...(selector ? { labelSelector: selector } : {}), ...readOptions(ctx) });
    sets = splitReplicaSets(d, list);
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
  }
  return renderDeployment(d, sets, events, ctx.now);
}

function replicaSetsByLabels(list: KubeObject[]): string {
  const s = list.map((rs) => `${rs.metadata.name} (${int(obj(rs.status).replicas)}/${int(obj(rs.spec).replicas)} replicas created)`).join(", ");
  return s === "" ? "<none>" : s;
}

/** `describeDeployment`: `sets` null when the ReplicaSets could not be listed. */
export function renderDeployment(d: KubeObject, sets: DeploymentReplicaSets | null, events: readonly KubeObject[] | null, now: number): string {
  const { meta, spec, status } = partsOf(d);
  const selector = selectorString(spec.selector);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(meta.creationTimestamp)}\n`);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, `Selector:\t${selector}\n`);
    w.write(
      LEVEL_0,
      `Replicas:\t${int(spec.replicas)} desired | ${int(status.updatedReplicas)} updated | ${int(status.replicas)} total | ${int(status.availableReplicas)} available | ${int(status.unavailableReplicas)} unavailable\n`,
    );
    const strategy = obj(spec.strategy);
    w.write(LEVEL_0, `StrategyType:\t${str(strategy.type)}\n`);
    w.write(LEVEL_0, `MinReadySeconds:\t${int(spec.minReadySeconds)}\n`);
    if (isSet(strategy.rollingUpdate)) {
      const ru = obj(strategy.rollingUpdate);
      w.write(LEVEL_0, `RollingUpdateStrategy:\t${intOrString(ru.maxUnavailable)} max unavailable, ${intOrString(ru.maxSurge)} max surge\n`);
    }
    describePodTemplate(w, spec.template ?? {});
    renderControllerConditions(w, objs(status.conditions));
    if (sets && (sets.old.length > 0 || sets.new)) {
      w.write(LEVEL_0, `OldReplicaSets:\t${replicaSetsByLabels(sets.old)}\n`);
      w.write(LEVEL_0, `NewReplicaSet:\t${replicaSetsByLabels(sets.new ? [sets.new] : [])}\n`);
    }
    if (events) renderEvents(w, events, now);
  });
}
