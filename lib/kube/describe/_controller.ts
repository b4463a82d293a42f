/** Helpers for describers of pod controllers (ReplicaSet, Deployment, StatefulSet, DaemonSet). */
import { type J, obj, objs, str } from "../_json.ts";
import { selectorString } from "../_labels.ts";
import type { KubeObject } from "../_types.ts";
import { type DescribeContext, readOptions } from "./_context.ts";
import { compareQuantity, parseQuantity } from "./_quantity.ts";

/** Pod phase counts of a controller (`getPodStatusForController`). */
export interface PodCounts {
  running: number;
  waiting: number;
  succeeded: number;
  failed: number;
}

/** True when `o`'s controller owner reference points at `uid` (`metav1.IsControlledBy`). */
export function isControlledBy(o: KubeObject | J, uid: string | undefined): boolean {
  const ref = objs(obj((o as J).metadata).ownerReferences).find((r) => r.controller === true);
  return ref !== undefined && uid !== undefined && str(ref.uid) === uid;
}

/** Counts the phases of the pods in `pods` whose controller is `ownerUid`. */
export function countPods(pods: readonly KubeObject[], ownerUid: string | undefined): PodCounts {
  const counts: PodCounts = { running: 0, waiting: 0, succeeded: 0, failed: 0 };
  for (const p of pods) {
    if (!isControlledBy(p, ownerUid)) continue;
    switch (str(obj(p.status).phase)) {
      case "Running":
        counts.running++;
        break;
      case "Pending":
        counts.waiting++;
        break;
      case "Succeeded":
        counts.succeeded++;
        break;
      case "Failed":
        counts.failed++;
        break;
    }
  }
  return counts;
}

/** Lists the pods in `namespace` matching `labelSelector` and counts those `ownerUid` controls. */
export async function podCountsFor(ctx: DescribeContext, namespace: string, labelSelector: string, ownerUid: string | undefined): Promise<PodCounts> {
  const pods = await ctx.reader.list({ group: "", resource: "pods" }, { namespace, ...(labelSelector ? { labelSelector } : {}), ...readOptions(ctx) });
  return countPods(pods, ownerUid);
}

/**
 * `getPodStatusForController` for a controller: lists the pods its selector
 * matches in its namespace and counts those it controls. An invalid selector
 * throws at once, before the promise (kubectl fails the describe then).
 */
export function controllerPodCounts(ctx: DescribeContext, controller: KubeObject): Promise<PodCounts> {
  const selector = selectorString(obj(controller.spec).selector);
  return podCountsFor(ctx, controller.metadata.namespace ?? "", selector, controller.metadata.uid);
}

/** `N Running / N Waiting / N Succeeded / N Failed`. */
export function formatCounts(c: PodCounts): string {
  return `${c.running} Running / ${c.waiting} Waiting / ${c.succeeded} Succeeded / ${c.failed} Failed`;
}

/** The message of a failed read, for lines such as `error in fetching pods: ...`. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const QUANTITY_PARENTS = new Set(["limits", "requests", "overhead"]);

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === "" || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.values(v as J).every(isEmpty);
  return false;
}

/**
 * apimachinery's `Semantic.DeepEqual` on two pod templates as typed decoding
 * would see them: a missing field equals its zero value, nil equals empty, and
 * quantities compare by value (`1000m` = `1`). Pointers to zero values also
 * compare equal to unset ones here; kubectl would tell them apart.
 */
export function semanticEqual(a: unknown, b: unknown, key = "", parent = ""): boolean {
  if (a === b) return true;
  if (isEmpty(a) && isEmpty(b)) return true;
  if (typeof a === "string" && typeof b === "string") {
    if (QUANTITY_PARENTS.has(parent) || key === "sizeLimit") {
      const x = parseQuantity(a);
      const y = parseQuantity(b);
      return x !== null && y !== null && compareQuantity(x, y) === 0;
    }
    return false;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => semanticEqual(x, b[i], "", key));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual((a as J)[k], (b as J)[k], k, key)) return false;
    return true;
  }
  return false;
}

/** Pod templates equal once the `pod-template-hash` label is ignored (`equalIgnoreHash`). */
export function equalIgnoreHash(t1: unknown, t2: unknown): boolean {
  const strip = (t: unknown): J => {
    const o = obj(t);
    const meta = obj(o.metadata);
    const labels = { ...obj(meta.labels) };
    delete labels["pod-template-hash"];
    return { ...o, metadata: { ...meta, labels } };
  };
  return semanticEqual(strip(t1), strip(t2));
}
