/**
 * `kubectl events` (kubectl v1.32, pkg/cmd/events) rendered from data.
 *
 * What kubectl does, and therefore what the caller must fetch:
 * - It lists **core/v1** events (`GET /api/v1/namespaces/<ns>/events`, or
 *   `GET /api/v1/events` with `-A`), never `events.k8s.io/v1`, in pages of 500
 *   (`limit=500`, following `continue`), and concatenates the pages in the
 *   order the server returned them. Pass that concatenation, unsorted.
 * - `--for TYPE/NAME` becomes a field selector on that same list request
 *   ({@link eventsForFieldSelector}); kubectl does not filter client side.
 * - `--types` is applied client side, case-insensitively
 *   ({@link validateEventTypes} for the error kubectl prints on a bad value).
 * - The table is sorted with Go's unstable `sort.Sort` by the event's time
 *   (`series.lastObservedTime`, else `lastTimestamp`, else `eventTime`); this
 *   module reproduces Go 1.23's pdqsort step for step, so events with equal
 *   times come out in kubectl's order too.
 * - With no events left, kubectl prints nothing on stdout and
 *   `No events found in <ns> namespace.` (`No events found.` with `-A`) on
 *   **stderr**, and exits 0. That holds for every output format.
 *
 * This module also hosts {@link formatTabbed}, kubectl's tab writer over raw
 * text, which the api-resources and can-i renderers share. It differs from
 * table.ts's `TabWriter` on purpose: event messages reach kubectl's writer
 * uncut, so a tab in a message adds a column and a newline ends the line (a
 * line without tabs even restarts the alignment), and only the full Go
 * algorithm reproduces that.
 */
import { humanDuration } from "../_age.ts";
import type { KubeObject } from "../_types.ts";
import { goJsonString } from "./json.ts";
import { compareCodePoints } from "./_values.ts";
import { printYaml } from "./yaml.ts";

/** What a command prints and how it exits. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

// ---------------------------------------------------------------------------
// Tab writer (cli-runtime printers.GetNewTabWriter over github.com/liggitt/tabwriter)

interface Cell {
  text: string;
  /** Width in code points (Go counts runes). */
  width: number;
}

const MIN_WIDTH = 6;
const PADDING = 3;

/**
 * Aligns tab-separated text exactly like kubectl's tab writer: minimum column
 * width 6, padding 3, space padding, `RememberWidths` (a column never gets
 * narrower than it was earlier in the same output). Cells are terminated by
 * `\t` or `\v`; the text after a line's last tab is not padded; a line without
 * tabs flushes what came before it, so alignment restarts below it (widths
 * remembered); `\f` also flushes. Widths count code points, as Go counts runes.
 */
export function formatTabbed(text: string): string {
  const out: string[] = [];
  const maxwidths: number[] = [];
  let lines: Cell[][] = [[]];
  let cur = "";
  let widths: number[] = [];

  const terminateCell = (): number => {
    const line = lines[lines.length - 1] as Cell[];
    line.push({ text: cur, width: runeCount(cur) });
    cur = "";
    return line.length;
  };

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i] as Cell[];
      for (let j = 0; j < line.length; j++) {
        const c = line[j] as Cell;
        out.push(c.text);
        if (j < widths.length) out.push(" ".repeat((widths[j] as number) - c.width));
      }
      // The last buffered line has no newline yet; its pending cell is empty at flush time.
      if (i + 1 !== lines.length) out.push("\n");
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let self = line0; self < line1; self++) {
      if (column >= (lines[self] as Cell[]).length - 1) continue;
      writeLines(line0, self);
      line0 = self;
      let width = MIN_WIDTH;
      for (; self < line1; self++) {
        const line = lines[self] as Cell[];
        if (column >= line.length - 1) break;
        const w = (line[column] as Cell).width + PADDING;
        if (w > width) width = w;
      }
      if (maxwidths.length < widths.length) maxwidths.push(...widths.slice(maxwidths.length));
      if (maxwidths.length === widths.length) maxwidths.push(width);
      else if ((maxwidths[column] as number) > width) width = maxwidths[column] as number;
      else maxwidths[column] = width;
      widths.push(width);
      format(line0, self);
      widths.pop();
      line0 = self;
    }
    writeLines(line0, line1);
  };

  const flush = (): void => {
    if (cur.length > 0) terminateCell();
    format(0, lines.length);
    lines = [[]];
    cur = "";
    widths = [];
  };

  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    // \t \v \n \f
    if (ch !== 9 && ch !== 11 && ch !== 10 && ch !== 12) continue;
    cur += text.slice(start, i);
    start = i + 1;
    const ncells = terminateCell();
    if (ch === 10 || ch === 12) {
      lines.push([]);
      if (ch === 12 || ncells === 1) flush();
    }
  }
  cur += text.slice(start);
  flush();
  return out.join("");
}

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A surrogate pair is one code point; a lone surrogate counts as one (Go sees U+FFFD).
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

// ---------------------------------------------------------------------------
// Durations and timestamps

/** An instant with Go's precision; `null` is Go's zero time. */
interface Instant {
  /** Seconds since the Unix epoch. */
  sec: number;
  nsec: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp as the API sends it; `null` for absent, null, unparsable or Go's zero time. */
function parseInstant(v: unknown): Instant | null {
  if (typeof v !== "string") return null;
  const m = RFC3339.exec(v);
  if (!m) return null;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  let sec = Math.floor(d.getTime() / 1000);
  const zone = m[8] as string;
  if (zone !== "Z" && zone !== "z") {
    const off = Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60;
    sec += zone[0] === "+" ? -off : off;
  }
  const nsec = Number(((m[7] ?? "") + "000000000").slice(0, 9));
  // 0001-01-01T00:00:00Z is Go's zero time, which kubectl treats as unset.
  if (sec === -62135596800 && nsec === 0) return null;
  return { sec, nsec };
}

function isBefore(a: Instant | null, b: Instant | null): boolean {
  if (a === null) return b !== null;
  if (b === null) return false;
  return a.sec < b.sec || (a.sec === b.sec && a.nsec < b.nsec);
}

function toNow(now: number | Date): Instant {
  const ms = typeof now === "number" ? now : now.getTime();
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

/** `time.Since(t)` rendered by HumanDuration, or `<unknown>` for a zero time. */
function since(t: Instant | null, now: Instant): string {
  if (t === null) return "<unknown>";
  let sec = now.sec - t.sec;
  let nsec = now.nsec - t.nsec;
  // Truncate toward zero, as int(d.Seconds()) does.
  if (sec > 0 && nsec < 0) {
    sec -= 1;
    nsec += 1e9;
  } else if (sec < 0 && nsec > 0) {
    sec += 1;
    nsec -= 1e9;
  }
  // Whole seconds are all HumanDuration looks at.
  return humanDuration(sec * 1000);
}

function formatInstant(t: Instant, micro: boolean): string {
  const iso = new Date(t.sec * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z for years 0..9999
  const base = iso.slice(0, 19);
  return micro ? `${base}.${String(Math.floor(t.nsec / 1000)).padStart(6, "0")}Z` : `${base}Z`;
}

// ---------------------------------------------------------------------------
// Go's sort.Sort (pdqsort, Go 1.23) so ties land where kubectl puts them

type Less = (i: number, j: number) => boolean;

/**
 * Sorts `items` in place exactly as Go 1.23's `sort.Sort` would with the given
 * `less`: the same pdqsort, pivots, pattern breaking (xorshift 13/17/5 on a
 * uint64) and heapsort fallback, hence the same order among equal elements.
 */
function goSort<T>(items: T[], lessItems: (a: T, b: T) => boolean): void {
  const n = items.length;
  if (n <= 1) return;
  const less: Less = (i, j) => lessItems(items[i] as T, items[j] as T);
  const swap = (i: number, j: number): void => {
    const t = items[i] as T;
    items[i] = items[j] as T;
    items[j] = t;
  };
  pdqsort(less, swap, 0, n, bitLen(n));
}

function bitLen(n: number): number {
  return n === 0 ? 0 : Math.floor(Math.log2(n)) + 1;
}

/** pdqsort's sortedHint (plain constants: Node's type stripping has no enums). */
const Hint = { Unknown: 0, Increasing: 1, Decreasing: 2 } as const;
type Hint = (typeof Hint)[keyof typeof Hint];

type Swap = (i: number, j: number) => void;

function insertionSort(less: Less, swap: Swap, a: number, b: number): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && less(j, j - 1); j--) swap(j, j - 1);
  }
}

function siftDown(less: Less, swap: Swap, lo: number, hi: number, first: number): void {
  let root = lo;
  for (;;) {
    let child = 2 * root + 1;
    if (child >= hi) return;
    if (child + 1 < hi && less(first + child, first + child + 1)) child++;
    if (!less(first + root, first + child)) return;
    swap(first + root, first + child);
    root = child;
  }
}

function heapSort(less: Less, swap: Swap, a: number, b: number): void {
  const first = a;
  const hi = b - a;
  for (let i = Math.trunc((hi - 1) / 2); i >= 0; i--) siftDown(less, swap, i, hi, first);
  for (let i = hi - 1; i >= 0; i--) {
    swap(first, first + i);
    siftDown(less, swap, 0, i, first);
  }
}

function pdqsort(less: Less, swap: Swap, a: number, b: number, limit: number): void {
  const maxInsertion = 12;
  let wasBalanced = true;
  let wasPartitioned = true;
  for (;;) {
    const length = b - a;
    if (length <= maxInsertion) {
      insertionSort(less, swap, a, b);
      return;
    }
    if (limit === 0) {
      heapSort(less, swap, a, b);
      return;
    }
    if (!wasBalanced) {
      breakPatterns(swap, a, b);
      limit--;
    }
    let [pivot, hint]: [number, Hint] = choosePivot(less, a, b);
    if (hint === Hint.Decreasing) {
      reverseRange(swap, a, b);
      pivot = b - 1 - (pivot - a);
      hint = Hint.Increasing;
    }
    if (wasBalanced && wasPartitioned && hint === Hint.Increasing) {
      if (partialInsertionSort(less, swap, a, b)) return;
    }
    if (a > 0 && !less(a - 1, pivot)) {
      a = partitionEqual(less, swap, a, b, pivot);
      continue;
    }
    const [mid, alreadyPartitioned] = partition(less, swap, a, b, pivot);
    wasPartitioned = alreadyPartitioned;
    const leftLen = mid - a;
    const rightLen = b - mid;
    const balanceThreshold = Math.trunc(length / 8);
    if (leftLen < rightLen) {
      wasBalanced = leftLen >= balanceThreshold;
      pdqsort(less, swap, a, mid, limit);
      a = mid + 1;
    } else {
      wasBalanced = rightLen >= balanceThreshold;
      pdqsort(less, swap, mid + 1, b, limit);
      b = mid;
    }
  }
}

function partition(less: Less, swap: Swap, a: number, b: number, pivot: number): [number, boolean] {
  swap(a, pivot);
  let i = a + 1;
  let j = b - 1;
  while (i <= j && less(i, a)) i++;
  while (i <= j && !less(j, a)) j--;
  if (i > j) {
    swap(j, a);
    return [j, true];
  }
  swap(i, j);
  i++;
  j--;
  for (;;) {
    while (i <= j && less(i, a)) i++;
    while (i <= j && !less(j, a)) j--;
    if (i > j) break;
    swap(i, j);
    i++;
    j--;
  }
  swap(j, a);
  return [j, false];
}

function partitionEqual(less: Less, swap: Swap, a: number, b: number, pivot: number): number {
  swap(a, pivot);
  let i = a + 1;
  let j = b - 1;
  for (;;) {
    while (i <= j && !less(a, i)) i++;
    while (i <= j && less(a, j)) j--;
    if (i > j) break;
    swap(i, j);
    i++;
    j--;
  }
  return i;
}

function partialInsertionSort(less: Less, swap: Swap, a: number, b: number): boolean {
  const maxSteps = 5;
  const shortestShifting = 50;
  let i = a + 1;
  for (let step = 0; step < maxSteps; step++) {
    while (i < b && !less(i, i - 1)) i++;
    if (i === b) return true;
    if (b - a < shortestShifting) return false;
    swap(i, i - 1);
    if (i - a >= 2) {
      for (let j = i - 1; j >= 1; j--) {
        if (!less(j, j - 1)) break;
        swap(j, j - 1);
      }
    }
    if (b - i >= 2) {
      for (let j = i + 1; j < b; j++) {
        if (!less(j, j - 1)) break;
        swap(j, j - 1);
      }
    }
  }
  return false;
}

const U64 = (1n << 64n) - 1n;

function breakPatterns(swap: Swap, a: number, b: number): void {
  const length = b - a;
  if (length < 8) return;
  let random = BigInt(length);
  const modulus = 2 ** bitLen(length);
  for (let idx = a + Math.trunc(length / 4) * 2 - 1; idx <= a + Math.trunc(length / 4) * 2 + 1; idx++) {
    // Go 1.23's generator: x ^= x<<13; x ^= x>>17; x ^= x<<5 on a uint64.
    random ^= (random << 13n) & U64;
    random ^= random >> 17n;
    random ^= (random << 5n) & U64;
    let other = Number(random & BigInt(modulus - 1));
    if (other >= length) other -= length;
    swap(idx, a + other);
  }
}

function choosePivot(less: Less, a: number, b: number): [number, Hint] {
  const shortestNinther = 50;
  const maxSwaps = 4 * 3;
  const l = b - a;
  const swaps = { n: 0 };
  let i = a + Math.trunc(l / 4) * 1;
  let j = a + Math.trunc(l / 4) * 2;
  let k = a + Math.trunc(l / 4) * 3;
  if (l >= 8) {
    if (l >= shortestNinther) {
      i = median(less, i - 1, i, i + 1, swaps);
      j = median(less, j - 1, j, j + 1, swaps);
      k = median(less, k - 1, k, k + 1, swaps);
    }
    j = median(less, i, j, k, swaps);
  }
  if (swaps.n === 0) return [j, Hint.Increasing];
  if (swaps.n === maxSwaps) return [j, Hint.Decreasing];
  return [j, Hint.Unknown];
}

function median(less: Less, a: number, b: number, c: number, swaps: { n: number }): number {
  // order2(a, b); order2(b, c); order2(a, b); return b
  if (less(b, a)) {
    swaps.n++;
    [a, b] = [b, a];
  }
  if (less(c, b)) {
    swaps.n++;
    [b, c] = [c, b];
  }
  if (less(b, a)) {
    swaps.n++;
    [a, b] = [b, a];
  }
  return b;
}

function reverseRange(swap: Swap, a: number, b: number): void {
  let i = a;
  let j = b - 1;
  while (i < j) {
    swap(i, j);
    i++;
    j--;
  }
}

// ---------------------------------------------------------------------------
// Events

/** What `kubectl events` was asked, besides the events themselves. */
export interface EventsOptions {
  /** The namespace listed: `-n`, else the kubeconfig context's, else `default`. Named in the empty message. */
  namespace: string;
  /** `-A`: adds the NAMESPACE column and changes the empty message. */
  allNamespaces?: boolean;
  /**
   * `--types`, as the flag's comma-separated values (pflag splits them like CSV).
   * Matched case-insensitively; validate first with {@link validateEventTypes}.
   */
  types?: readonly string[];
  /** `--no-headers` (table only). */
  noHeaders?: boolean;
  /** The current time, for the LAST SEEN ages. Take it right after the list returns. */
  now: number | Date;
}

/**
 * kubectl's check of `--types`: every value must equal `Normal` or `Warning`
 * ignoring ASCII case. Returns the message kubectl prints as `error: <message>`
 * (stderr, exit 1), or null when valid. kubectl checks this after resolving
 * `--for` and the output format, before listing.
 */
export function validateEventTypes(types: readonly string[]): string | null {
  for (const t of types) {
    if (!asciiEqualFold(t, "Normal") && !asciiEqualFold(t, "Warning")) return "valid --types are Normal or Warning";
  }
  return null;
}

/**
 * Splits `--for` the way kubectl does before resolving it. Returns the
 * lower-cased resource part (resolve it like kubectl: `schema.ParseResourceArg`,
 * then the REST mapper's ResourceFor and KindFor) and the name, or the error
 * kubectl prints as `error: <message>`. Note: `--for pod/` yields an empty
 * name, and kubectl then lists every event (no field selector).
 */
export function parseEventsFor(value: string): { resource: string; name: string } | { error: string } {
  if (!value.includes("/")) return { error: "--for must be in resource/name form" };
  const seg = value.split("/");
  if (seg.length !== 2) return { error: "arguments in resource/name form may not have more than one slash" };
  return { resource: (seg[0] as string).toLowerCase(), name: seg[1] as string };
}

/**
 * The field selector kubectl sends for `--for`, from the resolved kind, its
 * preferred group-version (`v1`, `apps/v1`) and the name. Returns null for an
 * empty name (kubectl sends no selector then). Values are escaped as
 * apimachinery's `fields.EscapeValue` does (`\` `,` `=`).
 */
export function eventsForFieldSelector(target: { kind: string; apiVersion: string; name: string }): string | null {
  if (target.name === "") return null;
  const esc = (v: string) => v.replace(/[\\,=]/g, (c) => `\\${c}`);
  return [
    `involvedObject.kind=${esc(target.kind)}`,
    `involvedObject.apiVersion=${esc(target.apiVersion)}`,
    `involvedObject.name=${esc(target.name)}`,
  ].join(",");
}

/** Output formats `kubectl events -o` accepts, as its error message lists them. */
export const EVENTS_OUTPUT_FORMATS = [
  "go-template", "go-template-file", "json", "jsonpath", "jsonpath-as-json", "jsonpath-file", "name", "template", "templatefile", "yaml",
] as const;

const TEMPLATE_FORMATS = new Set(["go-template", "go-template-file", "jsonpath", "jsonpath-as-json", "jsonpath-file", "template", "templatefile"]);

/**
 * The error kubectl prints (as `error: <message>`, exit 1) for a `-o` value
 * it refuses, or null when it accepts it. `json`, `yaml` and `name` match in
 * any case; `wide` and `custom-columns` are refused; the template formats
 * (case-sensitive) need `=<template>`. The templates themselves are not
 * rendered natively: hand those commands to kubectl.
 */
export function eventsOutputFormatError(format: string): string | null {
  if (format === "") return null;
  const lower = format.toLowerCase();
  if (lower === "json" || lower === "yaml" || lower === "name") return null;
  const eq = format.indexOf("=");
  if (TEMPLATE_FORMATS.has(eq >= 0 ? format.slice(0, eq) : format)) {
    return eq >= 0 && eq < format.length - 1 ? null : "template format specified but no template given";
  }
  return `unable to match a printer suitable for the output format "${format}", allowed formats are: ${EVENTS_OUTPUT_FORMATS.join(",")}`;
}

/**
 * The `kubectl events` table (no `-o`): LAST SEEN, TYPE, REASON, OBJECT,
 * MESSAGE (NAMESPACE first with `-A`), sorted as kubectl sorts, or the
 * "No events found" message on stderr.
 *
 * @param events core/v1 Events as `GET /api/v1[/namespaces/<ns>]/events` returned
 *   them (pages concatenated, unsorted, already narrowed by the `--for` field
 *   selector). Fields read: `metadata.namespace`, `type`, `reason`, `message`,
 *   `involvedObject.kind`, `involvedObject.name`, `count`, `firstTimestamp`,
 *   `lastTimestamp`, `eventTime`, `series.count`, `series.lastObservedTime`.
 *
 * LAST SEEN is FIRST, the age of `eventTime` (else of `firstTimestamp`,
 * `<unknown>` when unset); with a series it is
 * `<age of series.lastObservedTime> (x<series.count> over FIRST)`; with
 * `count > 1`, `<age of lastTimestamp> (x<count> over FIRST)`.
 */
export function renderEvents(events: readonly KubeObject[], options: EventsOptions): CommandOutput {
  const sorted = selectEvents(events, options);
  if (sorted.length === 0) return noEvents(options);
  const now = toNow(options.now);
  let text = "";
  if (!options.noHeaders) text += `${options.allNamespaces ? "NAMESPACE\t" : ""}LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n`;
  for (const e of sorted) {
    const involved = record(e.involvedObject);
    if (options.allNamespaces) text += `${str(e.metadata?.namespace)}\t`;
    text += [
      interval(e, now),
      escapeTerminal(str(e.type)),
      escapeTerminal(str(e.reason)),
      `${escapeTerminal(str(involved.kind))}/${escapeTerminal(str(involved.name))}`,
      escapeTerminal(goTrimSpace(str(e.message))),
    ].join("\t");
    text += "\n";
  }
  return { stdout: formatTabbed(text), stderr: "", exitCode: 0 };
}

/**
 * The object `kubectl events -o json|yaml` prints: a core/v1 `EventList`
 * (`kind`, `apiVersion: v1`, `metadata: {}`, `items`), items filtered by
 * `--types` and sorted like the table, each re-shaped as kubectl's typed Go
 * struct serializes it (field order of `corev1.Event`, `kind`/`apiVersion`
 * first, `firstTimestamp`/`lastTimestamp`/`eventTime`/`metadata.creationTimestamp`
 * always present and `null` when unset, `reportingComponent`/`reportingInstance`
 * always present, empty optional fields dropped, unknown fields dropped,
 * timestamps normalized to UTC, `managedFields` dropped unless
 * `showManagedFields`). Print it with Go's `json.MarshalIndent(obj, "", "    ")`
 * plus a newline for JSON, or sigs.k8s.io/yaml (sorted keys) for YAML.
 *
 * Returns `list: null` and the stderr message when no events are left; kubectl
 * then prints nothing on stdout and exits 0.
 */
export function eventsListObject(
  events: readonly KubeObject[],
  options: Omit<EventsOptions, "noHeaders" | "now"> & { showManagedFields?: boolean },
): { list: Record<string, unknown> | null; stderr: string } {
  const sorted = selectEvents(events, options);
  if (sorted.length === 0) return { list: null, stderr: noEvents(options).stderr };
  return {
    list: { kind: "EventList", apiVersion: "v1", metadata: {}, items: sorted.map((e) => typedEvent(e, options.showManagedFields === true)) },
    stderr: "",
  };
}

/**
 * `kubectl events -o json|yaml` output: {@link eventsListObject} printed as
 * kubectl prints it. JSON keeps the typed field order (`json.MarshalIndent`
 * with four spaces), unlike `kubectl get -o json`, whose unstructured objects
 * come out with sorted keys; YAML sorts keys either way. Lower-case the
 * format first: kubectl accepts `-o JSON`.
 */
export function renderEventsOutput(
  events: readonly KubeObject[],
  options: Omit<EventsOptions, "noHeaders" | "now"> & { output: "json" | "yaml"; showManagedFields?: boolean },
): CommandOutput {
  const { list, stderr } = eventsListObject(events, options);
  if (list === null) return { stdout: "", stderr, exitCode: 0 };
  const stdout = options.output === "json" ? `${orderedGoJson(list, "")}\n` : printYaml(list, { showManagedFields: true });
  return { stdout, stderr: "", exitCode: 0 };
}

/** `json.MarshalIndent(v, "", "    ")` of a value whose object keys are already in the struct's order. */
function orderedGoJson(v: unknown, indent: string): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return goJsonString(v);
  if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v) : "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  const inner = `${indent}    `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[\n${v.map((x) => inner + orderedGoJson(x, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (GO_MAPS.has(v)) entries.sort(([a], [b]) => compareCodePoints(a, b));
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, x]) => `${inner}${goJsonString(k)}: ${orderedGoJson(x, inner)}`).join(",\n")}\n${indent}}`;
}

/**
 * `kubectl events -o name`: kubectl's name printer refuses typed lists and
 * kubectl ignores that error, so stdout is always empty and the exit code 0;
 * only the "No events found" message (stderr) appears when nothing matched.
 */
export function renderEventsName(events: readonly KubeObject[], options: Omit<EventsOptions, "noHeaders" | "now">): CommandOutput {
  const sorted = selectEvents(events, options);
  return sorted.length === 0 ? noEvents(options) : { stdout: "", stderr: "", exitCode: 0 };
}

function noEvents(options: { namespace: string; allNamespaces?: boolean }): CommandOutput {
  const stderr = options.allNamespaces ? "No events found.\n" : `No events found in ${options.namespace} namespace.\n`;
  return { stdout: "", stderr, exitCode: 0 };
}

/** Filters by `--types` and sorts as kubectl does. */
function selectEvents(events: readonly KubeObject[], options: { types?: readonly string[] }): KubeObject[] {
  // kubectl dedups and sorts the values first; matching is unaffected by that.
  const types = options.types ?? [];
  const kept = events.filter((e) => types.length === 0 || types.some((t) => asciiEqualFold(t, str(e.type))));
  const keyed = kept.map((e) => ({ e, t: sortTime(e) }));
  goSort(keyed, (a, b) => isBefore(a.t, b.t));
  return keyed.map((k) => k.e);
}

function sortTime(e: KubeObject): Instant | null {
  if (e.series !== undefined && e.series !== null) return parseInstant(record(e.series).lastObservedTime);
  return parseInstant(e.lastTimestamp) ?? parseInstant(e.eventTime);
}

function interval(e: KubeObject, now: Instant): string {
  const eventTime = parseInstant(e.eventTime);
  const first = since(eventTime ?? parseInstant(e.firstTimestamp), now);
  if (e.series !== undefined && e.series !== null) {
    const s = record(e.series);
    return `${since(parseInstant(s.lastObservedTime), now)} (x${int(s.count)} over ${first})`;
  }
  const count = int(e.count);
  if (count > 1) return `${since(parseInstant(e.lastTimestamp), now)} (x${count} over ${first})`;
  return first;
}

// ---------------------------------------------------------------------------
// Typed (Go struct) shape of core/v1 Event for -o json|yaml

function typedEvent(e: KubeObject, showManagedFields: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: "Event", apiVersion: "v1" };
  out.metadata = typedObjectMeta(record(e.metadata), showManagedFields);
  out.involvedObject = typedObjectReference(record(e.involvedObject));
  putString(out, "reason", e.reason);
  putString(out, "message", e.message);
  const source = record(e.source);
  const src: Record<string, unknown> = {};
  putString(src, "component", source.component);
  putString(src, "host", source.host);
  out.source = src;
  out.firstTimestamp = typedTime(e.firstTimestamp, false);
  out.lastTimestamp = typedTime(e.lastTimestamp, false);
  if (int(e.count) !== 0) out.count = int(e.count);
  putString(out, "type", e.type);
  out.eventTime = typedTime(e.eventTime, true);
  if (e.series !== undefined && e.series !== null) {
    const s = record(e.series);
    const series: Record<string, unknown> = {};
    if (int(s.count) !== 0) series.count = int(s.count);
    series.lastObservedTime = typedTime(s.lastObservedTime, true);
    out.series = series;
  }
  putString(out, "action", e.action);
  if (e.related !== undefined && e.related !== null) out.related = typedObjectReference(record(e.related));
  out.reportingComponent = str(e.reportingComponent);
  out.reportingInstance = str(e.reportingInstance);
  return out;
}

function typedObjectReference(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"]) putString(out, k, r[k]);
  return out;
}

function typedObjectMeta(m: Record<string, unknown>, showManagedFields: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion"]) putString(out, k, m[k]);
  if (typeof m.generation === "number" && m.generation !== 0) out.generation = m.generation;
  out.creationTimestamp = typedTime(m.creationTimestamp, false);
  const deletion = typedTime(m.deletionTimestamp, false);
  if (deletion !== null) out.deletionTimestamp = deletion;
  if (typeof m.deletionGracePeriodSeconds === "number") out.deletionGracePeriodSeconds = m.deletionGracePeriodSeconds;
  for (const k of ["labels", "annotations"]) {
    const map = m[k];
    if (map && typeof map === "object" && Object.keys(map).length > 0) out[k] = sortedMap(map as Record<string, unknown>);
  }
  if (Array.isArray(m.ownerReferences) && m.ownerReferences.length > 0) {
    out.ownerReferences = m.ownerReferences.map((o) => {
      const r = record(o);
      const ref: Record<string, unknown> = { apiVersion: str(r.apiVersion), kind: str(r.kind), name: str(r.name), uid: str(r.uid) };
      if (typeof r.controller === "boolean") ref.controller = r.controller;
      if (typeof r.blockOwnerDeletion === "boolean") ref.blockOwnerDeletion = r.blockOwnerDeletion;
      return ref;
    });
  }
  if (Array.isArray(m.finalizers) && m.finalizers.length > 0) out.finalizers = m.finalizers;
  if (showManagedFields && Array.isArray(m.managedFields) && m.managedFields.length > 0) {
    out.managedFields = m.managedFields.map((f) => {
      const r = record(f);
      const entry: Record<string, unknown> = {};
      for (const k of ["manager", "operation", "apiVersion"]) putString(entry, k, r[k]);
      const t = typedTime(r.time, false);
      if (t !== null) entry.time = t;
      putString(entry, "fieldsType", r.fieldsType);
      if (r.fieldsV1 !== undefined && r.fieldsV1 !== null) entry.fieldsV1 = r.fieldsV1;
      putString(entry, "subresource", r.subresource);
      return entry;
    });
  }
  return out;
}

/** metav1.Time (seconds) or metav1.MicroTime (microseconds) as Go marshals them: UTC, truncated, `null` when zero. */
function typedTime(v: unknown, micro: boolean): string | null {
  const t = parseInstant(v);
  return t === null ? null : formatInstant(t, micro);
}

/**
 * Objects that are Go maps (labels, annotations): encoding/json writes their
 * keys in byte order, which a JS object cannot hold for integer-like keys
 * (`"10"` before `"9"`), so the JSON writer sorts these itself.
 */
const GO_MAPS = new WeakSet<object>();

function sortedMap(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(m).sort(compareCodePoints)) out[k] = m[k];
  GO_MAPS.add(out);
  return out;
}

function putString(out: Record<string, unknown>, key: string, v: unknown): void {
  if (typeof v === "string" && v !== "") out[key] = v;
}

// ---------------------------------------------------------------------------
// Small Go-compatible helpers

/** cli-runtime's `printers.EscapeTerminal`: ESC becomes `^[`, CR becomes `\r`. */
export function escapeTerminal(s: string): string {
  return s.replace(/[\x1b\r]/g, (c) => (c === "\r" ? "\\r" : "^["));
}

const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** Go's `strings.TrimSpace` (Unicode White_Space; unlike `String.prototype.trim`, keeps U+FEFF and trims U+0085). */
function goTrimSpace(s: string): string {
  return s.replace(GO_SPACE, "");
}

function asciiEqualFold(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return lower(a) === lower(b);
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function int(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : 0;
}
