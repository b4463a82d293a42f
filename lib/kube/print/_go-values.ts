/**
 * Go's view of decoded JSON, for the printers that evaluate paths on objects
 * (jsonpath, custom-columns, `--sort-by`): which Go kind a value has after
 * apimachinery's unstructured decoding, and how Go's `fmt` and
 * `encoding/json` print it.
 *
 * Guarantees:
 * - kinds follow unstructured JSON: an integral number is an `int64`, any
 *   other a `float64` (a `bigint` is an `int64`); a string's bytes (a
 *   wildcard over a string) are `uint8`s ({@link GoByte}); a template's own
 *   float literals stay `float64` even when integral ({@link GoFloat});
 * - `%v` ({@link goSprint}) prints maps as `map[k:v ...]` with keys in byte
 *   order (Go's fmt sorts map keys), slices as `[a b]`, nil as `<nil>`,
 *   floats in `strconv.FormatFloat(f, 'g', -1, 64)` form (`1e+06`);
 * - `%#v` ({@link goSyntax}) prints what kubectl's jsonpath errors show:
 *   `map[string]interface {}{"k":v, ...}`, `[]interface {}{...}`,
 *   `interface {}(nil)`, strings quoted as `strconv.Quote` does;
 * - {@link goJson} is `json.Marshal`: compact, keys sorted, HTML-safe escapes.
 * Every function is pure and never throws on JSON data.
 */
import { compareCodePoints } from "../_gosort.ts";
import { goJsonString } from "./json.ts";

/** A `uint8`: one byte of a string, as a wildcard or `..` over a string yields. */
export class GoByte {
  constructor(readonly value: number) {}
}

/** A `float64` written in a template (`{1.0}`, `[?(@.x>1.5)]`): a float even when integral. */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** A Go kind, as `text/template`'s comparisons and the printers tell values apart. */
export type GoKind = "nil" | "bool" | "int" | "uint" | "float" | "string" | "slice" | "map";

/** The Go kind of a decoded JSON value (anything unexpected reads as `nil`). */
export function goKind(v: unknown): GoKind {
  if (v === null || v === undefined) return "nil";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "string":
      return "string";
    case "bigint":
      return "int";
    case "number":
      return Number.isInteger(v) ? "int" : "float";
  }
  if (v instanceof GoByte) return "uint";
  if (v instanceof GoFloat) return "float";
  if (Array.isArray(v)) return "slice";
  return typeof v === "object" ? "map" : "nil";
}

/** The Go type name kubectl's messages show (`%T`, `reflect.Type.String()`). */
export function goTypeName(v: unknown): string {
  switch (goKind(v)) {
    case "nil":
      return "<nil>";
    case "bool":
      return "bool";
    case "int":
      return "int64";
    case "uint":
      return "uint8";
    case "float":
      return "float64";
    case "string":
      return "string";
    case "slice":
      return "[]interface {}";
    case "map":
      return "map[string]interface {}";
  }
}

/** A numeric value as a JS number (floats, ints, bytes); NaN for anything else. */
export function goNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof GoByte || v instanceof GoFloat) return v.value;
  return Number.NaN;
}

/** `strconv.FormatFloat(f, 'g', -1, 64)`: shortest digits, exponent form below 1e-4 and from 1e+06 (two exponent digits at least). */
export function goFloatString(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mantissa = "", expText = "0"] = Math.abs(f).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exp = Number(expText);
  const sign = f < 0 ? "-" : "";
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ""}e${exp < 0 ? "-" : "+"}${e < 10 ? `0${e}` : e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${whole}${frac ? `.${frac}` : ""}`;
}

const sortedKeys = (m: object): string[] => Object.keys(m).sort(compareCodePoints);

/** Go's `%v` (`fmt.Sprint`) of a decoded JSON value. */
export function goSprint(v: unknown): string {
  switch (goKind(v)) {
    case "nil":
      return "<nil>";
    case "bool":
      return v ? "true" : "false";
    case "string":
      return v as string;
    case "int":
    case "uint":
      return typeof v === "object" ? String((v as GoByte).value) : String(v);
    case "float":
      return goFloatString(goNumber(v));
    case "slice":
      return `[${(v as unknown[]).map(goSprint).join(" ")}]`;
    case "map": {
      const m = v as Record<string, unknown>;
      return `map[${sortedKeys(m).map((k) => `${k}:${goSprint(m[k])}`).join(" ")}]`;
    }
  }
}

// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", '"': '\\"', "\\": "\\\\" };
const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

/** `strconv.Quote`: Go-syntax double-quoted, non-printable runes escaped (`\x1b`, `\u200b`, `\U0001f600` only when not printable). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const short = SHORT[ch];
    if (short) {
      out += short;
      continue;
    }
    let cp = ch.codePointAt(0) ?? 0xfffd;
    // A lone surrogate is not UTF-8: Go decoded it as U+FFFD, which prints.
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp === 0xfffd || PRINTABLE.test(ch)) out += String.fromCodePoint(cp);
    else if (cp < 0x80) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

/** Go's `%#v` of a decoded JSON value held in an `interface{}` (what kubectl's jsonpath errors dump). */
export function goSyntax(v: unknown): string {
  switch (goKind(v)) {
    case "nil":
      return "interface {}(nil)";
    case "bool":
      return v ? "true" : "false";
    case "string":
      return goQuote(v as string);
    case "int":
      return String(v);
    case "uint":
      return `0x${(v as GoByte).value.toString(16)}`;
    case "float":
      return goFloatString(goNumber(v));
    case "slice":
      return `[]interface {}{${(v as unknown[]).map(goSyntax).join(", ")}}`;
    case "map": {
      const m = v as Record<string, unknown>;
      return `map[string]interface {}{${sortedKeys(m).map((k) => `${goQuote(k)}:${goSyntax(m[k])}`).join(", ")}}`;
    }
  }
}

/** A number as Go's encoding/json writes a float64 or an int64 (the forms agree with JSON.stringify). */
function jsonNumber(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  const n = goNumber(v);
  return Number.isFinite(n) ? JSON.stringify(n) : "null";
}

/** `json.Marshal` of a decoded JSON value: compact, map keys in byte order, strings HTML-safe. */
export function goJson(v: unknown): string {
  switch (goKind(v)) {
    case "nil":
      return "null";
    case "bool":
      return v ? "true" : "false";
    case "string":
      return goJsonString(v as string);
    case "int":
    case "uint":
    case "float":
      return jsonNumber(v);
    case "slice":
      return `[${(v as unknown[]).map(goJson).join(",")}]`;
    case "map": {
      const m = v as Record<string, unknown>;
      return `{${sortedKeys(m).filter((k) => m[k] !== undefined).map((k) => `${goJsonString(k)}:${goJson(m[k])}`).join(",")}}`;
    }
  }
}

/** The value with template-only wrappers ({@link GoByte}, {@link GoFloat}) turned into plain numbers, for JSON writers. */
export function plainJson(v: unknown): unknown {
  if (v instanceof GoByte || v instanceof GoFloat) return v.value;
  return v;
}
