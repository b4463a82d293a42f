/**
 * apimachinery's label formatting, shared by the table printer (`--show-labels`)
 * and the describers: label sets and label selectors printed as kubectl prints
 * them, sorted in Go's byte order.
 */
import { compareCodePoints, goSort, sortedStrings } from "./_gosort.ts";
import { arr, isSet, obj, objs, str, strMap } from "./_json.ts";

/** `labels.FormatLabels`: `k=v,k2=v2` (the `k=v` pairs sorted), or `<none>`. */
export function formatLabels(m: unknown): string {
  const parts = Object.entries(strMap(m)).map(([k, v]) => `${k}=${v}`);
  return parts.length ? sortedStrings(parts).join(",") : "<none>";
}

/**
 * `metav1.LabelSelectorAsSelector(sel).String()`: requirements sorted by key;
 * `""` for an empty or missing selector (Go's `labels.Everything()` and
 * `labels.Nothing()` both print ""). Throws on an unknown operator, as Go
 * returns an error.
 */
export function selectorString(sel: unknown): string {
  if (!isSet(sel)) return "";
  const s = obj(sel);
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(strMap(s.matchLabels))) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of objs(s.matchExpressions)) {
    const key = str(e.key);
    const values = arr(e.values).map(str);
    const list = values.length === 1 ? (values[0] ?? "") : sortedStrings(values).join(",");
    switch (str(e.operator)) {
      case "In":
        reqs.push({ key, text: `${key} in (${list})` });
        break;
      case "NotIn":
        reqs.push({ key, text: `${key} notin (${list})` });
        break;
      case "Exists":
        reqs.push({ key, text: key });
        break;
      case "DoesNotExist":
        reqs.push({ key, text: `!${key}` });
        break;
      default:
        throw new Error(`"${str(e.operator)}" is not a valid label selector operator`);
    }
  }
  goSort(reqs, (a, b) => compareCodePoints(a.key, b.key) < 0);
  return reqs.map((r) => r.text).join(",");
}

/** `metav1.FormatLabelSelector`: the selector string, `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(sel: unknown): string {
  let s: string;
  try {
    s = selectorString(sel);
  } catch {
    return "<error>";
  }
  return s.length ? s : "<none>";
}
