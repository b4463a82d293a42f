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
 * The table goes through kubectl's tab writer (./_tabwriter.ts) with event
 * messages uncut, as kubectl writes them: a tab in a message adds a column
 * and a newline ends the line.
 */
import { type Instant, eventAge, isBefore, parseInstant } from "../_age.ts";
import { escapeFieldValue, goTrimSpace } from "../_go-strings.ts";
import { compareCodePoints, goSort } from "../_gosort.ts";
import { integer, obj, str } from "../_json.ts";
import type { KubeObject } from "../_types.ts";
import { formatTabbed } from "./_tabwriter.ts";
import { escapeTerminal } from "./_terminal.ts";
import { marshalIndent } from "./json.ts";
import { printYaml } from "./yaml.ts";

/** What a command prints and how it exits. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
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
  return [
    `involvedObject.kind=${escapeFieldValue(target.kind)}`,
    `involvedObject.apiVersion=${escapeFieldValue(target.apiVersion)}`,
    `involvedObject.name=${escapeFieldValue(target.name)}`,
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
    let text = "";
  if (!options.noHeaders) text += `${options.allNamespaces ? "NAMESPACE\t" : ""}LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n`;
  for (const e of sorted) {
    const involved = obj(e.involvedObject);
    if (options.allNamespaces) text += `${str(e.metadata?.namespace)}\t`;
    text += [
      eventAge(e, options.now),
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
  // Struct fields keep their order; only Go maps (labels, annotations) come out sorted.
  const json = () => `${marshalIndent(list, { indent: "    ", sortKeys: (o) => GO_MAPS.has(o) })}\n`;
  const stdout = options.output === "json" ? json() : printYaml(list, { showManagedFields: true });
  return { stdout, stderr: "", exitCode: 0 };
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
  if (e.series !== undefined && e.series !== null) return parseInstant(obj(e.series).lastObservedTime);
  return parseInstant(e.lastTimestamp) ?? parseInstant(e.eventTime);
}

// ---------------------------------------------------------------------------
// Typed (Go struct) shape of core/v1 Event for -o json|yaml

function typedEvent(e: KubeObject, showManagedFields: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: "Event", apiVersion: "v1" };
  out.metadata = typedObjectMeta(obj(e.metadata), showManagedFields);
  out.involvedObject = typedObjectReference(obj(e.involvedObject));
  putString(out, "reason", e.reason);
  putString(out, "message", e.message);
  const source = obj(e.source);
  const src: Record<string, unknown> = {};
  putString(src, "component", source.component);
  putString(src, "host", source.host);
  out.source = src;
  out.firstTimestamp = typedTime(e.firstTimestamp, false);
  out.lastTimestamp = typedTime(e.lastTimestamp, false);
  if (integer(e.count) !== 0) out.count = integer(e.count);
  putString(out, "type", e.type);
  out.eventTime = typedTime(e.eventTime, true);
  if (e.series !== undefined && e.series !== null) {
    const s = obj(e.series);
    const series: Record<string, unknown> = {};
    if (integer(s.count) !== 0) series.count = integer(s.count);
    series.lastObservedTime = typedTime(s.lastObservedTime, true);
    out.series = series;
  }
  putString(out, "action", e.action);
  if (e.related !== undefined && e.related !== null) out.related = typedObjectReference(obj(e.related));
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
      const r = obj(o);
      const ref: Record<string, unknown> = { apiVersion: str(r.apiVersion), kind: str(r.kind), name: str(r.name), uid: str(r.uid) };
      if (typeof r.controller === "boolean") ref.controller = r.controller;
      if (typeof r.blockOwnerDeletion === "boolean") ref.blockOwnerDeletion = r.blockOwnerDeletion;
      return ref;
    });
  }
  if (Array.isArray(m.finalizers) && m.finalizers.length > 0) out.finalizers = m.finalizers;
  if (showManagedFields && Array.isArray(m.managedFields) && m.managedFields.length > 0) {
    out.managedFields = m.managedFields.map((f) => {
      const r = obj(f);
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

function formatInstant(t: Instant, micro: boolean): string {
  const iso = new Date(t.sec * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z for years 0..9999
  const base = iso.slice(0, 19);
  return micro ? `${base}.${String(Math.floor(t.nsec / 1000)).padStart(6, "0")}Z` : `${base}Z`;
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

function asciiEqualFold(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return lower(a) === lower(b);
}
