/** `kubectl describe namespace`. */
import { compareCodePoints, goSort, sortedStrings } from "../_gosort.ts";
import { type J, arr, obj, objs, str } from "../_json.ts";
import type { KubeObject } from "../_types.ts";
import { type DescribeContext, readOptions } from "./_context.ts";
import { isNotFound } from "./_errors.ts";
import { partsOf, printLabelsAndAnnotations, rfc1123z } from "./_format.ts";
import { canonicalQuantity } from "./_quantity.ts";
import { LEVEL_0, LEVEL_1, type PrefixWriter, tabbed } from "./_writer.ts";

async function listUnlessMissing(ctx: DescribeContext, resource: string, namespace: string): Promise<KubeObject[] | null> {
  try {
    return await ctx.reader.list({ group: "", resource }, { namespace, ...readOptions(ctx) });
  } catch (err) {
    if (!ctx.signal?.aborted && isNotFound(err)) return null;
    throw err;
  }
}

/**
 * Lists the namespace's ResourceQuotas and LimitRanges (a server without them,
 * 404, leaves the section out; other errors fail the describe) and renders it.
 */
export async function describeNamespace(ns: KubeObject, ctx: DescribeContext): Promise<string> {
  const quotas = await listUnlessMissing(ctx, "resourcequotas", ns.metadata.name);
  const limits = await listUnlessMissing(ctx, "limitranges", ns.metadata.name);
  return renderNamespace(ns, quotas, limits);
}

/** `helpTextForResourceQuotaScope`. */
const SCOPE_HELP: Record<string, string> = {
  Terminating: "Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.",
  NotTerminating: "Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.",
  BestEffort: "Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.",
  NotBestEffort: "Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.",
};

/**
 * A quota's `Scopes:` line (sorted) and the help text of each scope kubectl
 * knows, behind `bullet` (`describeQuota` and `DescribeResourceQuotas` differ
 * only in level and bullet); nothing when the quota has no scopes.
 */
export function printQuotaScopes(w: PrefixWriter, level: number, bullet: string, quota: J): void {
  const scopes = sortedStrings(arr(obj(quota.spec).scopes).map(str));
  if (scopes.length === 0) return;
  w.write(level, `Scopes:\t${scopes.join(", ")}\n`);
  for (const scope of scopes) {
    const help = SCOPE_HELP[scope];
    if (help) w.write(level, `${bullet}${help}\n`);
  }
}

/** `DescribeResourceQuotas`. */
export function describeResourceQuotas(w: PrefixWriter, quotas: readonly KubeObject[]): void {
  if (quotas.length === 0) {
    w.write(LEVEL_0, "No resource quota.\n");
    return;
  }
  const sorted = goSort([...quotas], (a, b) => compareCodePoints(a.metadata.name, b.metadata.name) < 0);
  w.write(LEVEL_0, "Resource Quotas\n");
  for (const q of sorted as unknown as J[]) {
    w.write(LEVEL_1, `Name:\t${str(obj(q.metadata).name)}\n`);
    printQuotaScopes(w, LEVEL_1, "* ", q);
    w.write(LEVEL_1, "Resource\tUsed\tHard\n");
    w.write(LEVEL_1, "--------\t---\t---\n");
    const hard = obj(obj(q.status).hard);
    const used = obj(obj(q.status).used);
    for (const name of sortedStrings(Object.keys(hard))) {
      w.write(LEVEL_1, `${name}\t${canonicalQuantity(used[name])}\t${canonicalQuantity(hard[name])}\n`);
    }
  }
}

/**
 * `DescribeLimitRanges`. kubectl 1.32 iterates each item's resources in Go map
 * order (random run to run); they are printed sorted here.
 */
export function describeLimitRanges(w: PrefixWriter, ranges: readonly KubeObject[]): void {
  if (ranges.length === 0) {
    w.write(LEVEL_0, "No LimitRange resource.\n");
    return;
  }
  w.write(LEVEL_0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n");
  w.write(LEVEL_0, " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n");
  for (const lr of ranges) describeLimitRangeSpec(w, obj((lr as unknown as J).spec), " ");
}

/** `describeLimitRangeSpec`: one row per limit item and resource, `-` for unset values. */
export function describeLimitRangeSpec(w: PrefixWriter, spec: J, prefix: string): void {
  for (const item of objs(spec.limits)) {
    const maps = { max: obj(item.max), min: obj(item.min), def: obj(item.default), req: obj(item.defaultRequest), ratio: obj(item.maxLimitRequestRatio) };
    const names = new Set<string>();
    for (const m of Object.values(maps)) for (const k of Object.keys(m)) names.add(k);
    const val = (m: J, k: string) => (k in m ? canonicalQuantity(m[k]) : "-");
    for (const k of sortedStrings(names)) {
      w.write(LEVEL_0, `${prefix}${str(item.type)}\t${k}\t${val(maps.min, k)}\t${val(maps.max, k)}\t${val(maps.req, k)}\t${val(maps.def, k)}\t${val(maps.ratio, k)}\n`);
    }
  }
}

/** `describeNamespace`: `quotas`/`limits` null when the server does not serve them. */
export function renderNamespace(ns: KubeObject, quotas: readonly KubeObject[] | null, limits: readonly KubeObject[] | null): string {
  const { meta, status } = partsOf(ns);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, `Status:\t${str(status.phase)}\n`);
    const conditions = objs(status.conditions);
    if (conditions.length > 0) {
      w.write(LEVEL_0, "Conditions:\n");
      w.write(LEVEL_1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n");
      w.write(LEVEL_1, "----\t------\t------------------\t------\t-------\n");
      for (const c of conditions) {
        w.write(LEVEL_1, `${str(c.type)}\t${str(c.status)}\t${rfc1123z(c.lastTransitionTime)}\t${str(c.reason)}\t${str(c.message)}\n`);
      }
    }
    if (quotas) {
      w.write(LEVEL_0, "\n");
      describeResourceQuotas(w, quotas);
    }
    if (limits) {
      w.write(LEVEL_0, "\n");
      describeLimitRanges(w, limits);
    }
  });
}
