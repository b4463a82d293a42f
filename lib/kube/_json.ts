/**
 * Readers for untyped JSON (API objects, discovery documents, review
 * statuses). A missing or mistyped field reads as its zero value (`{}`, `[]`,
 * `""`, `0`), as a field the API server left out reads after Go's typed
 * decoding; they never throw, so a malformed object degrades the same way in
 * every printer and describer.
 */

/** A JSON object. */
export type J = Record<string, unknown>;

/** True for a JSON object: not null, not an array. */
export function isObj(v: unknown): v is J {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The value as an object, or an empty one. */
export function obj(v: unknown): J {
  return isObj(v) ? v : {};
}

/** The value as an array, or an empty one. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The value as an array of objects; an item that is not an object reads as an empty one. */
export function objs(v: unknown): J[] {
  return arr(v).map(obj);
}

/** The value if it is a string, else `""`. */
export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** The string items of an array (other items dropped), or an empty array. */
export function strs(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === "string");
}

/** The value as a Go integer: a finite number truncated toward zero, else 0. */
export function integer(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : 0;
}

/** True when a pointer field is set: present and not null. */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** A map of strings (labels, annotations, selectors); a value that is not a string reads as `""`. */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) out[k] = str(val);
  return out;
}
