/**
 * `kubectl get -o json`: cli-runtime's JSONPrinter runs `json.MarshalIndent(obj,
 * "", "    ")` on an unstructured object and adds a newline. Go marshals maps
 * with keys sorted by bytes, escapes `<`, `>`, `&`, U+2028 and U+2029 (HTML-safe
 * output), uses `\b \f \n \r \t` and lower-case `\u00xx` for other control
 * characters, and prints `{}`/`[]` for empty containers.
 */
import { type JsonValue, type PrintOptions, compareCodePoints, omitManagedFields, toJsonValue } from "./_values.ts";

export { type ListObject, type PrintOptions, asListObject, getOutputObject, itemsOf } from "./_values.ts";

const INDENT = "    ";

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

function write(v: JsonValue, indent: string, out: string[]): void {
  if (v === null) return void out.push("null");
  switch (typeof v) {
    case "string":
      return void out.push(goJsonString(v));
    case "number":
    case "bigint":
      return void out.push(goJsonNumber(v));
    case "boolean":
      return void out.push(v ? "true" : "false");
  }
  const inner = indent + INDENT;
  if (Array.isArray(v)) {
    if (v.length === 0) return void out.push("[]");
    out.push("[");
    v.forEach((item, i) => {
      out.push(i === 0 ? "\n" : ",\n", inner);
      write(item, inner, out);
    });
    return void out.push("\n", indent, "]");
  }
  const keys = Object.keys(v).sort(compareCodePoints);
  if (keys.length === 0) return void out.push("{}");
  out.push("{");
  keys.forEach((k, i) => {
    out.push(i === 0 ? "\n" : ",\n", inner, goJsonString(k), ": ");
    write(v[k] as JsonValue, inner, out);
  });
  out.push("\n", indent, "}");
}

/**
 * Prints `value` exactly as `kubectl get -o json` prints that object (or
 * {@link asListObject} list) as the API server returned it, trailing newline
 * included. Integers beyond 2^53 keep their digits only when given as bigint.
 */
export function printJson(value: unknown, options: PrintOptions = {}): string {
  const out: string[] = [];
  write(toJsonValue(options.showManagedFields ? value : omitManagedFields(value)), "", out);
  out.push("\n");
  return out.join("");
}
