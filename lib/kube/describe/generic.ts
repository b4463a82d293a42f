/**
 * kubectl's generic describer, used for every kind without a dedicated one
 * (custom resources, Leases, Events...): the object's fields as a tree with
 * "smart" labels, then its events.
 */
import { sortedStrings } from "../_gosort.ts";
import { type J, obj } from "../_json.ts";
import type { KubeObject } from "../_types.ts";
import type { Describer } from "./_context.ts";
import { describeWithEvents, renderEvents } from "./_events.ts";
import { goValue, printLabelsAndAnnotations, printNameNamespace } from "./_format.ts";
import { LEVEL_0, type PrefixWriter, tabbed } from "./_writer.ts";

/** Fetches the object's events (kubectl ignores a failed search here) and renders it. */
export const describeGeneric: Describer = describeWithEvents(renderGeneric);

/** fatih/camelcase `Split`: runs of lower, upper, digit and other characters; `PDFLoader` -> `PDF`, `Loader`. */
export function camelcaseSplit(src: string): string[] {
  const runs: string[][] = [];
  let last = 0;
  for (const r of src) {
    const cls = /\p{Ll}/u.test(r) ? 1 : /\p{Lu}/u.test(r) ? 2 : /\p{Nd}/u.test(r) ? 3 : 4;
    if (cls === last && runs.length > 0) runs[runs.length - 1]?.push(r);
    else runs.push([r]);
    last = cls;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    const cur = runs[i] ?? [];
    const next = runs[i + 1] ?? [];
    if (/\p{Lu}/u.test(cur[0] ?? "") && /\p{Ll}/u.test(next[0] ?? "")) {
      const moved = cur.pop();
      if (moved !== undefined) next.unshift(moved);
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(""));
}

const ACRONYMS = new Set(["API", "URL", "UID", "OSB", "GUID"]);

/** Go's `strings.Title`: upper-cases the first letter of every word. */
function title(s: string): string {
  let out = "";
  let prevLetter = false;
  for (const ch of s) {
    const isLetter = /[\p{L}\p{N}_']/u.test(ch);
    out += !prevLetter && /\p{L}/u.test(ch) ? ch.toUpperCase() : ch;
    prevLetter = isLetter;
  }
  return out;
}

/** `smartLabelFor`: `apiVersion` -> `API Version`; fields with characters other than letters and `-` stay as they are. */
export function smartLabel(field: string): string {
  if ([...field].some((r) => !/\p{L}/u.test(r) && r !== "-")) return field;
  return camelcaseSplit(field)
    .filter((p) => p !== "_")
    .map((p) => (ACRONYMS.has(p.toUpperCase()) ? p.toUpperCase() : title(p)))
    .join(" ");
}

const SKIP = [".metadata.managedFields", ".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations"];

/** `printUnstructuredContent`: fields sorted, maps nested one level deeper, list items one level deeper without separators. */
export function printUnstructured(w: PrefixWriter, level: number, content: J, skipPrefix: string, skip: readonly string[]): void {
  for (const field of sortedStrings(Object.keys(content))) {
    const value = content[field];
    const skipExpr = `${skipPrefix}.${field}`;
    if (skip.includes(skipExpr)) continue;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      w.write(level, `${smartLabel(field)}:\n`);
      printUnstructured(w, level + 1, value as J, skipExpr, skip);
    } else if (Array.isArray(value)) {
      w.write(level, `${smartLabel(field)}:\n`);
      for (const child of value) {
        if (child !== null && typeof child === "object" && !Array.isArray(child)) printUnstructured(w, level + 1, child as J, skipExpr, skip);
        else w.write(level + 1, `${goValue(child)}\n`);
      }
    } else {
      w.write(level, `${smartLabel(field)}:\t${goValue(value)}\n`);
    }
  }
}

/** The generic describer's output for `o`. */
export function renderGeneric(o: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const meta = obj(o.metadata);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    printLabelsAndAnnotations(w, meta);
    printUnstructured(w, LEVEL_0, o as unknown as J, "", SKIP);
    if (events) renderEvents(w, events, now);
  });
}
