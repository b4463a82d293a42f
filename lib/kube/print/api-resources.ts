/**
 * `kubectl api-resources` and `kubectl api-versions` (kubectl v1.32,
 * pkg/cmd/apiresources) rendered from discovery data.
 *
 * How kubectl picks and orders what it prints:
 * - api-resources reads discovery through client-go's `ServerPreferredResources`:
 *   groups in the server's order (`/api` first, then `/apis`); within a group,
 *   each resource appears once, in the group's preferred version when that
 *   version serves it, otherwise in the first listed version that does
 *   ({@link preferredResources}). Subresources (`pods/log`) and resources
 *   without verbs are never printed. Stale aggregated group-versions are left
 *   out silently (kubectl's disk-cached discovery never asks for them); a
 *   group-version whose legacy document fails is reported after the table.
 * - The rows are then stably sorted by API group (`""` first), or by `--sort-by`
 *   name or kind, ties broken by resource name, in Go's byte order. Only rows
 *   equal on both keys (same name in two groups) keep discovery order, which is
 *   why the input must be in group order.
 * - api-versions prints every served group-version (all versions, not only the
 *   preferred one) sorted in byte order.
 */
import type { ResourceInfo } from "../_types.ts";
import type { DiscoveryFailure, GroupVersionResources } from "../discovery.ts";
export { type DiscoveryFailure, aggregatedGroupVersions, legacyGroupVersions, preferredResources } from "../discovery.ts";
import { compareCodePoints } from "../_gosort.ts";
import { formatTabbed } from "./_tabwriter.ts";
import type { CommandOutput } from "./events.ts";

/** The flags of `kubectl api-resources`. */
export interface ApiResourcesOptions {
  /** `-o`: `""`, `wide` or `name`; anything else is kubectl's `--output <x> is not available` error. */
  output?: string;
  noHeaders?: boolean;
  /** `--api-group`; `undefined` when the flag was not given (`""` selects the core group). */
  apiGroup?: string;
  /** `--namespaced`; `undefined` when the flag was not given (kubectl then shows both scopes). */
  namespaced?: boolean;
  /** `--verbs` values: a resource must support all of them. */
  verbs?: readonly string[];
  /** `--categories` values: a resource must belong to all of them. */
  categories?: readonly string[];
  /** `--sort-by`: `""`, `name` or `kind`. */
  sortBy?: string;
  /** Positional arguments; kubectl refuses any. */
  args?: readonly string[];
  /**
   * Group-versions whose legacy discovery document could not be read; kubectl
   * prints the table, then fails with them (`error: unable to retrieve the
   * complete list of server APIs: ...`, exit 1). Not the stale versions of
   * aggregated discovery, which kubectl skips silently.
   */
  failed?: readonly DiscoveryFailure[];
}

/**
 * `kubectl api-resources` output.
 *
 * @param resources {@link preferredResources} of the server's discovery, in group order.
 */
export function renderApiResources(resources: readonly ResourceInfo[], options: ApiResourcesOptions = {}): CommandOutput {
  const output = options.output ?? "";
  const sortBy = options.sortBy ?? "";
  if (options.args && options.args.length > 0) {
    return fail(`unexpected arguments: [${options.args.join(" ")}]\nSee 'kubectl api-resources -h' for help and examples`);
  }
  if (output !== "" && output !== "wide" && output !== "name") return fail(`--output ${output} is not available`);
  if (sortBy !== "" && sortBy !== "name" && sortBy !== "kind") return fail("--sort-by accepts only name or kind");

  const rows = resources.filter((r) => {
    if (r.verbs.length === 0) return false;
    if (options.apiGroup !== undefined && options.apiGroup !== r.group) return false;
    if (options.namespaced !== undefined && options.namespaced !== r.namespaced) return false;
    if (options.verbs && options.verbs.length > 0 && !options.verbs.every((v) => r.verbs.includes(v))) return false;
    if (options.categories && options.categories.length > 0 && !options.categories.every((c) => r.categories.includes(c))) return false;
    return true;
  });
  const key = (r: ResourceInfo) => (sortBy === "name" ? r.resource : sortBy === "kind" ? r.kind : r.group);
  // Array.prototype.sort is stable, as Go's sort.Stable; the comparator is kubectl's Less.
  rows.sort((a, b) => compareCodePoints(key(a), key(b)) || compareCodePoints(a.resource, b.resource));

  let text = "";
  if (!options.noHeaders && output !== "name") {
    text += `NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND${output === "wide" ? "\tVERBS\tCATEGORIES" : ""}\n`;
  }
  for (const r of rows) {
    const gv = r.group === "" ? r.version : `${r.group}/${r.version}`;
    if (output === "name") text += `${r.resource}${r.group === "" ? "" : `.${r.group}`}\n`;
    else {
      const cells = [r.resource, r.shortNames.join(","), gv, String(r.namespaced), r.kind];
      if (output === "wide") cells.push(r.verbs.join(","), r.categories.join(","));
      text += `${cells.join("\t")}\n`;
    }
  }
  const failed = options.failed ?? [];
  return {
    stdout: formatTabbed(text),
    stderr: failed.length > 0 ? `error: ${discoveryFailureMessage(failed)}\n` : "",
    exitCode: failed.length > 0 ? 1 : 0,
  };
}

/** client-go's `ErrGroupDiscoveryFailed` text: `unable to retrieve the complete list of server APIs: gv: err, ...` (sorted). */
export function discoveryFailureMessage(failed: readonly DiscoveryFailure[]): string {
  const parts = failed.map((f) => `${f.groupVersion}: ${f.message}`).sort(compareCodePoints);
  return `unable to retrieve the complete list of server APIs: ${parts.join(", ")}`;
}

/** The group-version strings (`v1`, `apps/v1`, ...) kubectl's api-versions lists: every served version, not only preferred ones. */
export function groupVersionNames(groupVersions: readonly Pick<GroupVersionResources, "group" | "version">[]): string[] {
  return groupVersions.map((gv) => (gv.group === "" ? gv.version : `${gv.group}/${gv.version}`));
}

/**
 * `kubectl api-versions` output: one group-version per line, sorted in byte
 * order (Go's `sort.Strings`).
 *
 * @param versions every served group-version, e.g. {@link groupVersionNames}.
 */
export function renderApiVersions(versions: readonly string[]): string {
  return [...versions].sort(compareCodePoints).map((v) => `${v}\n`).join("");
}

function fail(message: string): CommandOutput {
  return { stdout: "", stderr: `error: ${message}\n`, exitCode: 1 };
}
