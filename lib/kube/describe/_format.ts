/**
 * Field access and Go formatting helpers shared by the describers. Objects are
 * untyped JSON; these read fields the way Go's typed decoding would see them
 * (a missing string is "", a missing number is 0) and print them the way
 * `fmt` and apimachinery print them.
 */
import { ZERO_TIME, parseTimestamp } from "../_age.ts";
import { goCompare, goSort, sortedStrings } from "./_gosort.ts";
import { LEVEL_0, type PrefixWriter } from "./_writer.ts";

/** A JSON object. */
export type J = Record<string, unknown>;

/** The value as an object, or an empty one. */
export function obj(v: unknown): J {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as J) : {};
}

/** The value as an array, or an empty one. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The value as objects (non-objects dropped). */
export function objs(v: unknown): J[] {
  return arr(v).map(obj);
}

/** A string field as Go sees it: "" when missing. */
export function str(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return "";
}

/** An integer field printed with `%d`: 0 when missing. */
export function int(v: unknown): string {
  return typeof v === "number" && Number.isFinite(v) ? String(Math.trunc(v)) : "0";
}

/** A boolean field printed with `%v`. */
export function bool(v: unknown): string {
  return v === true ? "true" : "false";
}

/** True when a pointer field is set (present and not null). */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** A map of strings (labels, annotations, selectors); non-string values become "". */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) out[k] = str(val);
  return out;
}

/** Group of an `apiVersion` (`apps/v1` -> `apps`, `v1` -> ``). */
export function groupOf(apiVersion: unknown): string {
  const s = str(apiVersion);
  const i = s.indexOf("/");
  return i < 0 ? "" : s.slice(0, i);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Length in bytes (Go's `len` on a string). */
export function byteLength(s: string): number {
  return encoder.encode(s).length;
}

/** Go's `s[:n]` on bytes; a cut multi-byte character decodes to U+FFFD, as a reader of Go's output sees it. */
export function byteSlice(s: string, n: number): string {
  const bytes = encoder.encode(s);
  return bytes.length <= n ? s : decoder.decode(bytes.subarray(0, n));
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * A `metav1.Time` formatted with Go's `time.RFC1123Z` in the local time zone,
 * as kubectl prints it (`Mon, 02 Jan 2006 15:04:05 -0700`); an unset time
 * prints Go's zero time.
 */
export function rfc1123z(v: unknown): string {
  const t = parseTimestamp(v);
  if (t === null || t === ZERO_TIME) return "Mon, 01 Jan 0001 00:00:00 +0000";
  const d = new Date(t);
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? "-" : "+";
  const a = Math.abs(off);
  return `${DAYS[d.getDay()]}, ${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${pad(d.getFullYear(), 4)} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

/** An `intstr.IntOrString` printed with `String()`; `nil` for an unset pointer. */
export function intOrString(v: unknown, unsetText = "<nil>"): string {
  if (typeof v === "number") return String(Math.trunc(v));
  if (typeof v === "string") return v;
  return unsetText;
}

/** `stringOrNone`. */
export function orNone(s: string): string {
  return s.length > 0 ? s : "<none>";
}

/** `labels.FormatLabels`: `k=v,k2=v2` sorted, or `<none>`. */
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
  goSort(reqs, (a, b) => goCompare(a.key, b.key) < 0);
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

/** `printLabelsMultilineWithIndent`. */
export function printLabelsMultiline(
  w: PrefixWriter,
  title: string,
  labels: unknown,
  opts: { initialIndent?: string; innerIndent?: string; skip?: ReadonlySet<string> } = {},
): void {
  const initialIndent = opts.initialIndent ?? "";
  const innerIndent = opts.innerIndent ?? "\t";
  const m = strMap(labels);
  w.write(LEVEL_0, `${initialIndent}${title}:${innerIndent}`);
  const keys = sortedStrings(Object.keys(m).filter((k) => !opts.skip?.has(k)));
  if (keys.length === 0) {
    w.line("<none>");
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) {
      w.write(LEVEL_0, initialIndent);
      w.write(LEVEL_0, innerIndent);
    }
    w.write(LEVEL_0, `${key}=${m[key]}\n`);
  });
}

const SKIP_ANNOTATIONS = new Set(["kubectl.kubernetes.io/last-applied-configuration"]);
const MAX_ANNOTATION_LEN = 140;

/** `printAnnotationsMultiline`: long or multi-line values go on their own lines, cut at 140 bytes. */
export function printAnnotationsMultiline(w: PrefixWriter, title: string, annotations: unknown): void {
  const m = strMap(annotations);
  w.write(LEVEL_0, `${title}:\t`);
  const keys = sortedStrings(Object.keys(m).filter((k) => !SKIP_ANNOTATIONS.has(k)));
  if (keys.length === 0) {
    w.line("<none>");
    return;
  }
  const indent = "\t";
  keys.forEach((key, i) => {
    if (i !== 0) w.write(LEVEL_0, indent);
    const value = (m[key] ?? "").replace(/\n$/, "");
    if (byteLength(value) + byteLength(key) + 2 > MAX_ANNOTATION_LEN || value.includes("\n")) {
      w.write(LEVEL_0, `${key}:\n`);
      for (const s of value.split("\n")) w.write(LEVEL_0, `${indent}  ${shorten(s, MAX_ANNOTATION_LEN - 2)}\n`);
    } else {
      w.write(LEVEL_0, `${key}: ${value}\n`);
    }
  });
}

/** `shorten`: the first `max` bytes and `...` when longer. */
export function shorten(s: string, max: number): string {
  return byteLength(s) > max ? `${byteSlice(s, max)}...` : s;
}

/** `Taint.ToString`. */
export function taintString(t: J): string {
  const value = str(t.value);
  return value.length === 0 ? `${str(t.key)}:${str(t.effect)}` : `${str(t.key)}=${value}:${str(t.effect)}`;
}

/** `printTaintsMultilineWithIndent`: sorted by effect then key. */
export function printTaintsMultiline(w: PrefixWriter, title: string, taints: unknown, initialIndent = "", innerIndent = "\t"): void {
  w.write(LEVEL_0, `${initialIndent}${title}:${innerIndent}`);
  const list = objs(taints);
  if (list.length === 0) {
    w.line("<none>");
    return;
  }
  const key = (t: J) => `${str(t.effect)},${str(t.key)}`;
  goSort(list, (a, b) => goCompare(key(a), key(b)) < 0);
  list.forEach((t, i) => {
    if (i !== 0) {
      w.write(LEVEL_0, initialIndent);
      w.write(LEVEL_0, innerIndent);
    }
    w.write(LEVEL_0, `${taintString(t)}\n`);
  });
}

/** `printTolerationsMultilineWithIndent`: sorted by key. */
export function printTolerationsMultiline(w: PrefixWriter, title: string, tolerations: unknown, initialIndent = "", innerIndent = "\t"): void {
  w.write(LEVEL_0, `${initialIndent}${title}:${innerIndent}`);
  const list = objs(tolerations);
  if (list.length === 0) {
    w.line("<none>");
    return;
  }
  goSort(list, (a, b) => goCompare(str(a.key), str(b.key)) < 0);
  list.forEach((t, i) => {
    if (i !== 0) {
      w.write(LEVEL_0, initialIndent);
      w.write(LEVEL_0, innerIndent);
    }
    const key = str(t.key);
    const value = str(t.value);
    const effect = str(t.effect);
    let s = key;
    if (value.length) s += `=${value}`;
    if (effect.length) s += `:${effect}`;
    if (str(t.operator) === "Exists" && value.length === 0) s += key.length || effect.length ? " op=Exists" : "op=Exists";
    if (isSet(t.tolerationSeconds)) s += ` for ${int(t.tolerationSeconds)}s`;
    w.write(LEVEL_0, `${s}\n`);
  });
}

/** `printPodsMultilineWithIndent`: pod names sorted. */
export function printPodsMultiline(w: PrefixWriter, title: string, names: string[], initialIndent = "", innerIndent = "\t"): void {
  w.write(LEVEL_0, `${initialIndent}${title}:${innerIndent}`);
  if (names.length === 0) {
    w.line("<none>");
    return;
  }
  const sorted = goSort([...names], (a, b) => goCompare(a, b) < 0);
  sorted.forEach((name, i) => {
    if (i !== 0) {
      w.write(LEVEL_0, initialIndent);
      w.write(LEVEL_0, innerIndent);
    }
    w.write(LEVEL_0, `${name}\n`);
  });
}

/** The controller owner reference as `Kind/name` (`printController`), or "". */
export function controllerOf(o: J): string {
  const ref = objs(obj(o.metadata).ownerReferences).find((r) => r.controller === true);
  return ref ? `${str(ref.kind)}/${str(ref.name)}` : "";
}

/** Go's `%v` of a JSON value decoded into `interface{}` (unstructured content). */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return goNumber(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  const o = v as J;
  return `map[${sortedStrings(Object.keys(o))
    .map((k) => `${k}:${goValue(o[k])}`)
    .join(" ")}]`;
}

/**
 * A JSON number as unstructured decoding keeps it: integers as int64, others
 * as float64 printed with `%v` (`strconv.FormatFloat(f, 'g', -1, 64)`).
 */
export function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN";
  const [mant = "", expText = "0"] = n.toExponential().split("e");
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? "-" : "+"}${e < 10 ? `0${e}` : e}`;
  }
  return String(n);
}
