/**
 * What kubectl's printers see: the object the API server sent, decoded the way
 * apimachinery decodes unstructured JSON, with `metadata.managedFields` removed
 * unless `--show-managed-fields` was given, and (for several objects or a list
 * request) wrapped in a `v1` `List`.
 */
import { isObj, str } from "../_json.ts";

/** A JSON value as the printers walk it. `bigint` is accepted for integers beyond 2^53. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

/** Options shared by {@link printJson} and {@link printYaml}. */
export interface PrintOptions {
  /**
   * Keep `metadata.managedFields` (kubectl's `--show-managed-fields`). kubectl
   * strips them from the printed object, or from every item of a list.
   * @default false
   */
  showManagedFields?: boolean;
}

/** The `List` kubectl prints for a list request or several objects. */
export interface ListObject {
  apiVersion: "v1";
  items: unknown[];
  kind: "List";
  metadata: { resourceVersion: string };
}

/**
 * Wraps objects the way `kubectl get -o json|yaml` does when it prints more
 * than one object or answers a list request (even of one item, or none):
 * `{"apiVersion":"v1","items":[...],"kind":"List","metadata":{"resourceVersion":""}}`.
 * kubectl composes a `corev1.List` with empty ListMeta there, so the
 * resourceVersion is always `""` for `get`; the parameter exists for callers
 * that print a list they hold.
 */
export function asListObject(items: readonly unknown[], resourceVersion = ""): ListObject {
  return { apiVersion: "v1", items: [...items], kind: "List", metadata: { resourceVersion } };
}

/**
 * The object `kubectl get -o json|yaml` prints for what the builder returned
 * (kubectl's `printGeneric`): the object itself only when the command named a
 * single object (`get pod web`, `get pod/web`; `singleItemImplied`) and it was
 * found; otherwise one `List` of everything, across types (`get deploy,svc`),
 * namespaces (`-A`) and for empty results.
 */
export function getOutputObject(objects: readonly unknown[], singleItemImplied: boolean): unknown {
  return singleItemImplied && objects.length === 1 ? objects[0] : asListObject(objects);
}

/**
 * The items of a list the API server returned (`PodList`, ...), as kubectl's
 * unstructured decoding hands them to the printers: kube-apiserver leaves
 * `apiVersion` and `kind` out of the items of typed lists, and apimachinery
 * fills them from the list (`kind` without its `List` suffix) when both are
 * missing. Items are copied only when changed.
 */
export function itemsOf(list: unknown): unknown[] {
  if (!isObj(list) || !Array.isArray(list.items)) return [];
  const apiVersion = str(list.apiVersion);
  const kind = str(list.kind).replace(/List$/, "");
  return list.items.map((item) => {
    if (!isObj(item) || str(item.kind) !== "" || str(item.apiVersion) !== "") return item;
    return { ...item, apiVersion, kind };
  });
}

function withoutManagedFields(o: unknown): unknown {
  if (!isObj(o) || !isObj(o.metadata) || !("managedFields" in o.metadata)) return o;
  const { managedFields: _omit, ...metadata } = o.metadata;
  return { ...o, metadata };
}

/**
 * kubectl's OmitManagedFieldsPrinter: removes `metadata.managedFields` from a
 * list's items when the value is a list (has an `items` array), else from the
 * value itself. The input is not modified.
 */
export function omitManagedFields(value: unknown): unknown {
  if (isObj(value) && Array.isArray(value.items)) return { ...value, items: value.items.map(withoutManagedFields) };
  return withoutManagedFields(value);
}

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Go strings are UTF-8: an unpaired surrogate reaches kubectl as U+FFFD. */
export const wellFormed = (s: string): string => (SURROGATE.test(s) ? s.replace(LONE_SURROGATE, "\uFFFD") : s);

/**
 * Reduces any value to JSON data with JSON.stringify's rules (`toJSON` is
 * called; `undefined`, functions and symbols are dropped from objects and
 * become null in arrays; non-finite numbers become null) and well-formed strings.
 */
export function toJsonValue(value: unknown, key = ""): JsonValue {
  let v = value;
  if (typeof v === "object" && v !== null && typeof (v as { toJSON?: unknown }).toJSON === "function") {
    v = (v as { toJSON(k: string): unknown }).toJSON(key);
  }
  switch (typeof v) {
    case "string":
      return wellFormed(v);
    case "number":
      return Number.isFinite(v) ? v : null;
    case "boolean":
    case "bigint":
      return v;
    case "object":
      if (v === null) return null;
      if (Array.isArray(v)) return v.map((item, i) => (dropped(item) ? null : toJsonValue(item, String(i))));
      if (v instanceof Number || v instanceof String || v instanceof Boolean) return toJsonValue(v.valueOf(), key);
      {
        const out: { [key: string]: JsonValue } = {};
        for (const [k, item] of Object.entries(v)) if (!dropped(item)) out[wellFormed(k)] = toJsonValue(item, k);
        return out;
      }
    default:
      return null;
  }
}

const dropped = (v: unknown): boolean => v === undefined || typeof v === "function" || typeof v === "symbol";
