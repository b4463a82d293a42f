/**
 * `kubectl get -o json`: cli-runtime's JSONPrinter runs `json.MarshalIndent(obj,
 * "", "    ")` on an unstructured object and adds a newline. Go marshals maps
 * with keys sorted by bytes, escapes `<`, `>`, `&`, U+2028 and U+2029 (HTML-safe
 * output), uses `\b \f \n \r \t` and lower-case `\u00xx` for other control
 * characters, and prints `{}`/`[]` for empty containers.
 *
 * The writer, {@link marshalIndent}, also prints typed objects (struct field
 * order, any indent) for `kubectl events -o json` and `kubectl version -o json`.
 */
import { compareCodePoints } from "../_gosort.ts";
import { type PrintOptions, omitManagedFields, toJsonValue } from "./_values.ts";

export { type ListObject, type PrintOptions, asListObject, getOutputObject, itemsOf } from "./_values.ts";

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

// Everything Go's encodeState.string escapes with escapeHTML set; DEL (U+007F) and other non-ASCII stay raw.
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029]/g;

/** A string as Go's encoding/json writes it. */
export function goJsonString(s: string): string {
  return `"${s.replace(NEEDS_ESCAPE, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

/**
 * A number as Go writes what apimachinery decoded: int64 for integer literals,
 * float64 otherwise. Go picks exponent form below 1e-6 and from 1e21, as
 * JavaScript does, and writes `1e-7` (not `1e-07`), so the texts agree.
 */
function goJsonNumber(n: number | bigint): string {
  return typeof n === "bigint" ? n.toString() : JSON.stringify(n);
}

/** How {@link marshalIndent} lays a value out. */
export interface MarshalOptions {
  /** One level of indentation (`json.MarshalIndent`'s `indent` argument). */
  indent: string;
  /**
   * Whether an object's keys come out sorted, as Go writes a map's; otherwise
   * they keep their order, as Go writes a struct's fields.
   */
  sortKeys: (o: object) => boolean;
}

function write(v: unknown, indent: string, o: MarshalOptions, out: string[]): void {
  if (v === null || v === undefined) return void out.push("null");
  switch (typeof v) {
    case "string":
      return void out.push(goJsonString(v));
    case "number":
      return void out.push(Number.isFinite(v) ? goJsonNumber(v) : "null");
    case "bigint":
      return void out.push(goJsonNumber(v));
    case "boolean":
      return void out.push(v ? "true" : "false");
  }
  const inner = indent + o.indent;
  if (Array.isArray(v)) {
    if (v.length === 0) return void out.push("[]");
    out.push("[");
    v.forEach((item, i) => {
      out.push(i === 0 ? "\n" : ",\n", inner);
      write(item, inner, o, out);
    });
    return void out.push("\n", indent, "]");
  }
  const m = v as Record<string, unknown>;
  // An undefined field is left out, as an omitempty nil would be.
  const keys = Object.keys(m).filter((k) => m[k] !== undefined);
  if (o.sortKeys(m)) keys.sort(compareCodePoints);
  if (keys.length === 0) return void out.push("{}");
  out.push("{");
  keys.forEach((k, i) => {
    out.push(i === 0 ? "\n" : ",\n", inner, goJsonString(k), ": ");
    write(m[k], inner, o, out);
  });
  out.push("\n", indent, "}");
}

/**
 * Go's `json.MarshalIndent(v, "", indent)` of JSON-like data: strings escaped
 * as {@link goJsonString}, non-finite numbers and undefined array items as
 * `null`, undefined fields left out, `{}`/`[]` for empty containers. No
 * trailing newline.
 */
export function marshalIndent(v: unknown, options: MarshalOptions): string {
  const out: string[] = [];
  write(v, "", options, out);
  return out.join("");
}

const SORTED: MarshalOptions = { indent: "    ", sortKeys: () => true };

/**
 * Prints `value` exactly as `kubectl get -o json` prints that object (or
 * {@link asListObject} list) as the API server returned it, trailing newline
 * included. Integers beyond 2^53 keep their digits only when given as bigint.
 */
export function printJson(value: unknown, options: PrintOptions = {}): string {
  return `${marshalIndent(toJsonValue(options.showManagedFields ? value : omitManagedFields(value)), SORTED)}\n`;
}
