/**
 * Go formatting helpers and the blocks every describer prints (name, labels,
 * annotations, taints, tolerations...). Objects are untyped JSON read with
 * ../_json.ts (a missing string is "", a missing number is 0); these print
 * them the way `fmt`, apimachinery and kubectl's describe package print them.
 */
import { ZERO_TIME, parseTimestamp } from "../_age.ts";
import { compareCodePoints, goSort, sortedStrings } from "../_gosort.ts";
import { type J, integer, isSet, obj, objs, str, strMap } from "../_json.ts";
import type { KubeObject } from "../_types.ts";
import { LEVEL_0, LEVEL_1, type PrefixWriter } from "./_writer.ts";

/** An integer field printed with `%d`: 0 when missing. */
export function int(v: unknown): string {
  return String(integer(v));
}

/** A boolean field printed with `%v`. */
export function bool(v: unknown): string {
  return v === true ? "true" : "false";
}

/** The parts of an API object a describer reads: the object as JSON, its metadata, spec and status (each `{}` when missing). */
export function partsOf(o: KubeObject): { o: J; meta: J; spec: J; status: J } {
  const j = o as unknown as J;
  return { o: j, meta: obj(j.metadata), spec: obj(j.spec), status: obj(j.status) };
}

/** The `Name:` line and, for a namespaced object, the `Namespace:` line kubectl's describers open with. */
export function printNameNamespace(w: PrefixWriter, meta: J): void {
  w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
  w.write(LEVEL_0, `Namespace:\t${str(meta.namespace)}\n`);
}

/** The `Labels:` and `Annotations:` blocks, in that order. */
export function printLabelsAndAnnotations(w: PrefixWriter, meta: J): void {
  printLabelsMultiline(w, "Labels", meta.labels);
  printAnnotationsMultiline(w, "Annotations", meta.annotations);
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

/**
 * The layout of kubectl's `print*MultilineWithIndent` functions: `head` (the
 * title with its indents) and the first item on one line, each further item
 * on its own line behind `continuation`, or `<none>` when there is no item.
 * `head` and `continuation` are written at `level`, items at `itemLevel`.
 */
export function printMultiline(w: PrefixWriter, level: number, head: string, continuation: string, items: readonly string[], itemLevel = LEVEL_0): void {
  w.write(level, head);
  if (items.length === 0) {
    w.line("<none>");
    return;
  }
  items.forEach((item, i) => {
    if (i !== 0) w.write(level, continuation);
    w.write(itemLevel, `${item}\n`);
  });
}

/** `printLabelsMultilineWithIndent`: `key=value` pairs sorted by key. */
export function printLabelsMultiline(
  w: PrefixWriter,
  title: string,
  labels: unknown,
  opts: { initialIndent?: string; innerIndent?: string; skip?: ReadonlySet<string> } = {},
): void {
  const initialIndent = opts.initialIndent ?? "";
  const innerIndent = opts.innerIndent ?? "\t";
  const m = strMap(labels);
  const keys = sortedStrings(Object.keys(m).filter((k) => !opts.skip?.has(k)));
  printMultiline(w, LEVEL_0, `${initialIndent}${title}:${innerIndent}`, initialIndent + innerIndent, keys.map((key) => `${key}=${m[key]}`));
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
  const list = objs(taints);
  const key = (t: J) => `${str(t.effect)},${str(t.key)}`;
  goSort(list, (a, b) => compareCodePoints(key(a), key(b)) < 0);
  printMultiline(w, LEVEL_0, `${initialIndent}${title}:${innerIndent}`, initialIndent + innerIndent, list.map(taintString));
}

/** `Toleration` as `printTolerationsMultilineWithIndent` prints it: `key=value:effect op=Exists for Ns`. */
function tolerationString(t: J): string {
  const key = str(t.key);
  const value = str(t.value);
  const effect = str(t.effect);
  let s = key;
  if (value.length) s += `=${value}`;
  if (effect.length) s += `:${effect}`;
  if (str(t.operator) === "Exists" && value.length === 0) s += key.length || effect.length ? " op=Exists" : "op=Exists";
  if (isSet(t.tolerationSeconds)) s += ` for ${int(t.tolerationSeconds)}s`;
  return s;
}

/** `printTolerationsMultilineWithIndent`: sorted by key. */
export function printTolerationsMultiline(w: PrefixWriter, title: string, tolerations: unknown, initialIndent = "", innerIndent = "\t"): void {
  const list = objs(tolerations);
  goSort(list, (a, b) => compareCodePoints(str(a.key), str(b.key)) < 0);
  printMultiline(w, LEVEL_0, `${initialIndent}${title}:${innerIndent}`, initialIndent + innerIndent, list.map(tolerationString));
}

/** `printPodsMultilineWithIndent`: pod names sorted. */
export function printPodsMultiline(w: PrefixWriter, title: string, names: string[], initialIndent = "", innerIndent = "\t"): void {
  const sorted = goSort([...names], (a, b) => compareCodePoints(a, b) < 0);
  printMultiline(w, LEVEL_0, `${initialIndent}${title}:${innerIndent}`, initialIndent + innerIndent, sorted);
}

/**
 * A `TypedLocalObjectReference` block (a claim's `DataSource:`, an
 * IngressClass's `Parameters:`): `APIGroup` when set, then `Kind` and `Name`.
 */
export function printTypedReference(w: PrefixWriter, title: string, ref: J): void {
  w.write(LEVEL_0, `${title}:\n`);
  if (isSet(ref.apiGroup)) w.write(LEVEL_1, `APIGroup:\t${str(ref.apiGroup)}\n`);
  w.write(LEVEL_1, `Kind:\t${str(ref.kind)}\n`);
  w.write(LEVEL_1, `Name:\t${str(ref.name)}\n`);
}

/** The controller owner reference as `Kind/name` (`printController`), or "". */
export function controllerOf(o: J): string {
  const ref = objs(obj(o.metadata).ownerReferences).find((r) => r.controller === true);
  return ref ? `${str(ref.kind)}/${str(ref.name)}` : "";
}

/** The `Controlled By:` line, left out when nothing controls `o`. */
export function printControlledBy(w: PrefixWriter, o: J): void {
  const controlledBy = controllerOf(o);
  if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
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
