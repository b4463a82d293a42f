/**
 * Scenario files: what a simulated cluster serves, written as Kubernetes
 * objects the way `kubectl get -o yaml` prints them, plus one optional side
 * document (`apiVersion: kubently.io/v1`, `kind: Scenario`) with container
 * logs, metric overrides and the faults the scenario contains. The format is
 * documented in docs/simulated-cluster.md ("Scenario files").
 *
 * Guarantees:
 * - Invalid input is a {@link ScenarioError} whose one-line message names the
 *   file, the document (and List item) and what is wrong; never a stack trace
 *   from the parser.
 * - Parsing and normalizing are separate: a parsed {@link ScenarioSource} is
 *   never changed, so it can be cached and anchored at any server start.
 * - With `capturedAt`, every RFC 3339 string in the objects and every log
 *   time moves by (server start - capturedAt), keeping its precision; without
 *   it nothing moves.
 * - Bounded: {@link MAX_SCENARIO_FILE_BYTES} per file and
 *   {@link MAX_SCENARIO_OBJECTS} objects per scenario.
 */
import { Buffer } from "node:buffer";
import { readFile, readdir, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { type KubeObject, rfc3339, uidOf } from "./_k8s.ts";
import { RESOURCE_TYPES, type ResourceType, groupVersionOf } from "./discovery.ts";
import { formatBytes, formatCpu, parseQuantity } from "./metrics.ts";
import type { ContainerLogs, LogLine, MetricOverrides, ResourceUsage, Scenario, ScenarioExpectation, ScenarioMeta } from "./_scenario-types.ts";
import { typeOfObject } from "./store.ts";

/** Largest scenario file read, in bytes (64 MiB). */
export const MAX_SCENARIO_FILE_BYTES = 64 * 1024 * 1024;

/** Most objects one scenario may hold (List items count one each). */
export const MAX_SCENARIO_OBJECTS = 50_000;

/** apiVersion and kind of the side document. */
const SIDE_API_VERSION = "kubently.io/v1";
const SIDE_KIND = "Scenario";

/** File name extensions read from a directory, and how. */
const EXTENSIONS: Record<string, "yaml" | "json"> = { ".yaml": "yaml", ".yml": "yaml", ".json": "json" };

/** A scenario that cannot be loaded: the message names the file, the document and the problem. */
export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
  constructor(
    /** The file (or scenario) at fault. */
    readonly file: string,
    /** 1-based document number, or null when the problem is not in one document. */
    readonly document: number | null,
    /** What is wrong. */
    readonly problem: string,
  ) {
    super(`${file}${document !== null ? `: document ${document}` : ""}: ${problem}`);
  }
}

/** One document of a parsed file: its number and its value (null for an empty document). */
interface SourceDocument {
  index: number;
  value: unknown;
}

/** A parsed scenario file, before anchoring: see {@link scenarioFromSources}. */
export interface ScenarioSource {
  file: string;
  documents: readonly SourceDocument[];
}

/** Options for {@link parseScenario}. */
export interface ParseScenarioOptions {
  /** How to read `text`. @default "yaml" (JSON is read as JSON when the name ends in .json) */
  format?: "yaml" | "json";
  /** The file name, used in error messages and as the scenario's default name. @default "scenario" */
  name?: string;
  /** Server start (epoch ms) that `capturedAt` maps to. @default Date.now() */
  startedAt?: number;
}

/** Options for {@link loadScenarioPath}. */
export interface LoadScenarioOptions {
  /** Server start (epoch ms) that `capturedAt` maps to. @default Date.now() */
  startedAt?: number;
}

const firstLine = (s: string) => (s.split("\n")[0] ?? "").replace(/:\s*$/, "").trim();
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
const describe = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a mapping" : `${typeof v} ${JSON.stringify(v)}`);

/** Parses one file's text into documents; throws a {@link ScenarioError} on a syntax error or when too large. */
export function parseScenarioSource(text: string, opts: { file: string; format?: "yaml" | "json" }): ScenarioSource {
  const file = opts.file;
  if (Buffer.byteLength(text, "utf8") > MAX_SCENARIO_FILE_BYTES) throw new ScenarioError(file, null, `larger than ${MAX_SCENARIO_FILE_BYTES / 1024 / 1024} MiB`);
  const format = opts.format ?? (extname(file).toLowerCase() === ".json" ? "json" : "yaml");
  if (format === "json") {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new ScenarioError(file, null, `invalid JSON: ${firstLine((e as Error).message)}`);
    }
    const values = Array.isArray(value) ? value : [value];
    return { file, documents: values.map((v, i) => ({ index: i + 1, value: v })) };
  }
  const documents: SourceDocument[] = [];
  const parsed = parseAllDocuments(text, { merge: true, uniqueKeys: true });
  const docs = Array.isArray(parsed) ? parsed : [];
  docs.forEach((doc, i) => {
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      throw new ScenarioError(file, i + 1, `invalid YAML: ${firstLine(error.message.replace(/ at line \d+, column \d+/, ""))}${at ? ` (line ${at.line}, column ${at.col})` : ""}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new ScenarioError(file, i + 1, `invalid YAML: ${firstLine((e as Error).message)}`);
    }
    documents.push({ index: i + 1, value });
  });
  return { file, documents };
}

/**
 * Parses a scenario from text (one file's worth) and anchors it at
 * `startedAt`. Throws a {@link ScenarioError} for invalid input.
 */
export function parseScenario(text: string, opts: ParseScenarioOptions = {}): Scenario {
  const file = opts.name ?? "scenario";
  const source = parseScenarioSource(text, { file, ...(opts.format ? { format: opts.format } : {}) });
  return scenarioFromSources([source], { name: baseName(file), startedAt: opts.startedAt ?? Date.now() });
}

const baseName = (path: string) => basename(path).replace(/\.(ya?ml|json)$/i, "");

/**
 * Reads a scenario file (`.yaml`, `.yml`, `.json`) or a directory of them
 * (read in name order, not recursively, and merged) and anchors it at
 * `startedAt`. Throws a {@link ScenarioError} when it cannot be read or is
 * invalid.
 */
export async function loadScenarioPath(path: string, opts: LoadScenarioOptions = {}): Promise<Scenario> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new ScenarioError(path, null, e.code === "ENOENT" ? "no such file or directory" : `cannot read: ${e.message}`);
  });
  let files: string[];
  if (info.isDirectory()) {
    const names = await readdir(path).catch((e: Error) => {
      throw new ScenarioError(path, null, `cannot read the directory: ${e.message}`);
    });
    files = names.filter((n) => EXTENSIONS[extname(n).toLowerCase()] !== undefined).sort().map((n) => join(path, n));
    const checked: string[] = [];
    for (const f of files) if ((await stat(f)).isFile()) checked.push(f);
    files = checked;
    if (files.length === 0) throw new ScenarioError(path, null, "the directory has no .yaml, .yml or .json file");
  } else files = [path];
  const sources: ScenarioSource[] = [];
  for (const f of files) {
    const size = f === path ? info.size : (await stat(f)).size;
    if (size > MAX_SCENARIO_FILE_BYTES) throw new ScenarioError(f, null, `larger than ${MAX_SCENARIO_FILE_BYTES / 1024 / 1024} MiB`);
    const text = await readFile(f, "utf8").catch((e: Error) => {
      throw new ScenarioError(f, null, `cannot read: ${e.message}`);
    });
    const format = EXTENSIONS[extname(f).toLowerCase()];
    sources.push(parseScenarioSource(text, { file: f, ...(format ? { format } : {}) }));
  }
  return scenarioFromSources(sources, { name: baseName(path.replace(/[\\/]+$/, "")), startedAt: opts.startedAt ?? Date.now(), label: path });
}

/** Where a value came from, for messages. */
interface Where {
  file: string;
  document: number;
  /** 1-based item of a List. */
  item?: number;
}

const fail = (w: Where, problem: string): never => {
  throw new ScenarioError(w.file, w.document, w.item !== undefined ? `item ${w.item} of the List: ${problem}` : problem);
};
const whereText = (w: Where) => `${w.file} document ${w.document}${w.item !== undefined ? ` item ${w.item}` : ""}`;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an RFC 3339 timestamp (sub-millisecond digits dropped), or NaN. */
export function parseRfc3339(s: string): number {
  const m = RFC3339.exec(s);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, sec, frac = "", zone = "Z"] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number(frac.slice(0, 3).padEnd(3, "0")));
  const check = new Date(ms);
  if (check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return Number.NaN;
  const offset = zone.toUpperCase() === "Z" ? 0 : (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  return ms - offset;
}

/** `s` moved by `shift` ms, in UTC with as many fraction digits as it had; `s` itself when it is no timestamp. */
function shiftTimestamp(s: string, shift: number): string {
  const m = RFC3339.exec(s);
  if (!m) return s;
  const t = parseRfc3339(s);
  if (Number.isNaN(t)) return s;
  const frac = m[7] ?? "";
  const iso = new Date(t + shift).toISOString(); // ...SS.mmmZ
  const ms = iso.slice(20, 23);
  const digits = frac.length === 0 ? "" : `.${frac.length <= 3 ? ms.slice(0, frac.length) : ms + frac.slice(3)}`;
  return `${iso.slice(0, 19)}${digits}Z`;
}

/** A deep copy of `v` with every timestamp string moved by `shift` (YAML 1.1 dates become strings). */
function copyShifted(v: unknown, shift: number): unknown {
  if (typeof v === "string") return shift ? shiftTimestamp(v, shift) : v;
  if (v instanceof Date) return rfc3339(v.getTime() + shift);
  if (Array.isArray(v)) return v.map((x) => copyShifted(x, shift));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = copyShifted(x, shift);
    return out;
  }
  return v;
}

/** Why no served type has this apiVersion and kind, with a hint when the kind exists under another apiVersion. */
function unknownKind(apiVersion: string, kind: string): string {
  const same = RESOURCE_TYPES.filter((t) => t.kind === kind && t.group !== "metrics.k8s.io" && t.verbs.includes("list"));
  const hint = same.length ? `; it serves ${kind} as ${same.map((t) => groupVersionOf(t.group, t.version)).join(" or ")}` : "; see docs/simulated-cluster.md for the kinds it serves";
  return `the simulated cluster cannot serve ${apiVersion} ${kind}${hint}`;
}

/** The side document, validated. */
interface Side {
  where: Where;
  name: string | null;
  description: string | null;
  capturedAt: number | null;
  logs: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  expect: ScenarioExpectation[];
}

const SIDE_FIELDS = ["apiVersion", "kind", "metadata", "capturedAt", "logs", "metrics", "expect"];

function readSide(doc: Record<string, unknown>, where: Where): Side {
  const unknown = Object.keys(doc).filter((k) => !SIDE_FIELDS.includes(k));
  if (unknown.length) fail(where, `unknown field "${unknown[0]}" in the Scenario document (it has ${SIDE_FIELDS.slice(2).join(", ")})`);
  const meta = doc.metadata ?? {};
  if (!isObject(meta)) return fail(where, `metadata must be a mapping, not ${describe(meta)}`);
  for (const k of ["name", "description"] as const) {
    if (meta[k] !== undefined && typeof meta[k] !== "string") fail(where, `metadata.${k} must be a string, not ${describe(meta[k])}`);
  }
  let capturedAt: number | null = null;
  if (doc.capturedAt !== undefined) {
    const raw = doc.capturedAt instanceof Date ? doc.capturedAt.toISOString() : doc.capturedAt;
    capturedAt = typeof raw === "string" ? parseRfc3339(raw) : Number.NaN;
    if (Number.isNaN(capturedAt)) fail(where, `capturedAt: ${JSON.stringify(raw)} is not an RFC 3339 timestamp (like "2026-03-01T12:00:00Z")`);
  }
  const logs = doc.logs ?? {};
  if (!isObject(logs)) return fail(where, `logs must be a mapping keyed "<namespace>/<pod>/<container>", not ${describe(logs)}`);
  const metrics = doc.metrics ?? null;
  if (metrics !== null && !isObject(metrics)) return fail(where, `metrics must be a mapping with pods and nodes, not ${describe(metrics)}`);
  const expect = doc.expect ?? [];
  if (!Array.isArray(expect)) return fail(where, `expect must be a list, not ${describe(expect)}`);
  expect.forEach((e, i) => {
    if (!isObject(e) || typeof e.analyzer !== "string" || typeof e.code !== "string") fail(where, `expect[${i}] must be a mapping with string analyzer and code`);
  });
  return {
    where,
    name: (meta.name as string | undefined) ?? null,
    description: (meta.description as string | undefined) ?? null,
    capturedAt,
    logs,
    metrics,
    expect: expect as ScenarioExpectation[],
  };
}

const LOG_FIELDS = ["current", "previous", "follow", "unavailable"];

/** The side document's logs, with times anchored: `{time, text}` items moved by `shift`, strings one second apart ending at `end`. */
function readLogs(side: Side, shift: number, end: number): Map<string, ContainerLogs> {
  const out = new Map<string, ContainerLogs>();
  for (const [key, entry] of Object.entries(side.logs)) {
    const parts = key.split("/");
    if (parts.length !== 3 || parts.some((p) => p === "")) fail(side.where, `logs: key "${key}" is not of the form <namespace>/<pod>/<container>`);
    if (!isObject(entry)) return fail(side.where, `logs["${key}"] must be a mapping with current, previous, follow or unavailable, not ${describe(entry)}`);
    const unknown = Object.keys(entry).filter((k) => !LOG_FIELDS.includes(k));
    if (unknown.length) fail(side.where, `logs["${key}"]: unknown field "${unknown[0]}" (it has ${LOG_FIELDS.join(", ")})`);
    const lines = (field: "current" | "previous"): LogLine[] | undefined => {
      const raw = entry[field];
      if (raw === undefined || raw === null) return undefined;
      if (!Array.isArray(raw)) return fail(side.where, `logs["${key}"].${field} must be a list of lines, not ${describe(raw)}`);
      return raw.map((item, i) => {
        const at = end - (raw.length - 1 - i) * 1000;
        if (typeof item === "string") return { t: at, text: item };
        if (!isObject(item) || typeof item.text !== "string") return fail(side.where, `logs["${key}"].${field}[${i}] must be a string or {time, text}`);
        if (item.time === undefined) return { t: at, text: item.text };
        const time = item.time instanceof Date ? item.time.getTime() : typeof item.time === "string" ? parseRfc3339(item.time) : Number.NaN;
        if (Number.isNaN(time)) fail(side.where, `logs["${key}"].${field}[${i}].time: ${JSON.stringify(item.time)} is not an RFC 3339 timestamp`);
        return { t: time + shift, text: item.text };
      });
    };
    const logs: ContainerLogs = { current: lines("current") ?? [] };
    const previous = lines("previous");
    if (previous) logs.previous = previous;
    if (entry.follow !== undefined && entry.follow !== null) {
      if (!Array.isArray(entry.follow) || entry.follow.some((l) => typeof l !== "string")) fail(side.where, `logs["${key}"].follow must be a list of strings`);
      logs.follow = entry.follow as string[];
    }
    if (entry.unavailable !== undefined) {
      if (typeof entry.unavailable !== "string") fail(side.where, `logs["${key}"].unavailable must be a string (the kubelet's message)`);
      logs.unavailable = entry.unavailable as string;
    }
    out.set(key, logs);
  }
  return out;
}

function readUsage(where: Where, path: string, v: unknown): ResourceUsage {
  if (!isObject(v)) return fail(where, `${path} must be a mapping with cpu and memory, not ${describe(v)}`);
  const q = (field: "cpu" | "memory") => {
    const raw = v[field];
    const n = typeof raw === "number" ? raw : typeof raw === "string" ? parseQuantity(raw) : Number.NaN;
    if (!Number.isFinite(n) || n < 0) fail(where, `${path}.${field}: ${raw === undefined ? "missing" : `${JSON.stringify(raw)} is not a quantity (like "250m" or "128Mi")`}`);
    return n;
  };
  return { cpu: formatCpu(q("cpu") * 1e9), memory: formatBytes(q("memory")) };
}

function readMetrics(side: Side): MetricOverrides | undefined {
  const m = side.metrics;
  if (!m) return undefined;
  const unknown = Object.keys(m).filter((k) => k !== "pods" && k !== "nodes");
  if (unknown.length) fail(side.where, `metrics: unknown field "${unknown[0]}" (it has pods, nodes)`);
  const out: MetricOverrides = { pods: new Map(), nodes: new Map() };
  const pods = m.pods ?? {};
  if (!isObject(pods)) return fail(side.where, `metrics.pods must be a mapping keyed "<namespace>/<pod>"`);
  for (const [key, containers] of Object.entries(pods)) {
    const parts = key.split("/");
    if (parts.length !== 2 || parts.some((p) => p === "")) fail(side.where, `metrics.pods: key "${key}" is not of the form <namespace>/<pod>`);
    if (!isObject(containers)) return fail(side.where, `metrics.pods["${key}"] must map container names to {cpu, memory}`);
    const usage: Record<string, ResourceUsage> = {};
    for (const [c, u] of Object.entries(containers)) usage[c] = readUsage(side.where, `metrics.pods["${key}"].${c}`, u);
    out.pods.set(key, usage);
  }
  const nodes = m.nodes ?? {};
  if (!isObject(nodes)) return fail(side.where, "metrics.nodes must be a mapping keyed by node name");
  for (const [name, u] of Object.entries(nodes)) out.nodes.set(name, readUsage(side.where, `metrics.nodes["${name}"]`, u));
  return out;
}

/** An object to serve and where it was written. */
interface Entry {
  where: Where;
  value: unknown;
}

/**
 * Merges parsed files into one scenario anchored at `startedAt`: validates
 * every document, shifts timestamps by (startedAt - capturedAt), fills in the
 * defaults (uid, resourceVersion, creationTimestamp, namespace `default`,
 * undeclared Namespaces) and reads the side document. Never changes `sources`.
 */
export function scenarioFromSources(sources: readonly ScenarioSource[], opts: { name: string; startedAt: number; label?: string }): Scenario {
  const label = opts.label ?? (sources.length === 1 ? (sources[0]?.file ?? opts.name) : opts.name);
  let side: Side | null = null;
  const entries: Entry[] = [];
  for (const source of sources) {
    for (const doc of source.documents) {
      const where: Where = { file: source.file, document: doc.index };
      const v = doc.value;
      if (v === null || v === undefined) continue;
      if (!isObject(v)) fail(where, `expected a Kubernetes object, a List or the Scenario document, not ${describe(v)}`);
      const o = v as Record<string, unknown>;
      if (o.apiVersion === SIDE_API_VERSION && o.kind === SIDE_KIND) {
        if (side) fail(where, `a second Scenario document (the first is ${whereText(side.where)}); a scenario has at most one`);
        side = readSide(o, where);
      } else if (o.kind === "List") {
        if (!Array.isArray(o.items)) fail(where, "a List needs items (a list of objects)");
        (o.items as unknown[]).forEach((item, i) => entries.push({ where: { ...where, item: i + 1 }, value: item }));
      } else entries.push({ where, value: o });
      if (entries.length > MAX_SCENARIO_OBJECTS) throw new ScenarioError(label, null, `more than ${MAX_SCENARIO_OBJECTS} objects`);
    }
  }
  const s = side as Side | null;
  const shift = s?.capturedAt != null ? opts.startedAt - s.capturedAt : 0;
  const defaultCreated = rfc3339(opts.startedAt - 3600_000);

  const objects: KubeObject[] = [];
  const seen = new Map<string, Where>();
  let maxVersion = 0;
  const missingVersion: KubeObject[] = [];
  for (const { where, value } of entries) {
    if (!isObject(value)) fail(where, `expected a Kubernetes object, not ${describe(value)}`);
    const raw = value as Record<string, unknown>;
    if (typeof raw.apiVersion !== "string" || !raw.apiVersion) fail(where, "missing apiVersion");
    if (typeof raw.kind !== "string" || !raw.kind) fail(where, "missing kind");
    if (raw.kind === "List") fail(where, "a List inside a List");
    if (raw.apiVersion === SIDE_API_VERSION && raw.kind === SIDE_KIND) fail(where, "the Scenario document cannot be a List item");
    const apiVersion = raw.apiVersion as string;
    const kind = raw.kind as string;
    const type: ResourceType | null = typeOfObject({ apiVersion, kind });
    if (!type || !type.verbs.includes("list")) fail(where, unknownKind(apiVersion, kind));
    if (type!.group === "metrics.k8s.io") fail(where, `${kind} is computed from the pods and nodes; give usage in the Scenario document's metrics instead`);
    const meta = raw.metadata;
    if (!isObject(meta)) return fail(where, `${kind}: missing metadata`);
    if (typeof meta.name !== "string" || !meta.name) fail(where, `${kind}: missing metadata.name`);
    if (meta.namespace !== undefined && meta.namespace !== null && typeof meta.namespace !== "string") fail(where, `${kind} ${meta.name}: metadata.namespace must be a string`);
    const obj = copyShifted(raw, shift) as KubeObject;
    const m = obj.metadata;
    if (type!.namespaced) m.namespace ||= "default";
    else delete m.namespace;
    const key = `${type!.group}/${type!.resource}/${m.namespace ?? ""}/${m.name}`;
    const first = seen.get(key);
    if (first) fail(where, `duplicate ${kind} ${m.namespace ? `${m.namespace}/` : ""}${m.name} (also ${whereText(first)})`);
    seen.set(key, where);
    m.uid ||= uidOf(`${kind}/${m.namespace ?? ""}/${m.name}`);
    m.creationTimestamp ||= defaultCreated;
    if (m.resourceVersion === undefined || m.resourceVersion === null || m.resourceVersion === "") missingVersion.push(obj);
    else {
      m.resourceVersion = String(m.resourceVersion);
      if (/^\d+$/.test(m.resourceVersion)) maxVersion = Math.max(maxVersion, Number(m.resourceVersion));
    }
    objects.push(obj);
  }

  // Namespaces that objects live in but no document declares: a real cluster cannot hold those objects without them.
  const declared = new Set(objects.filter((o) => o.kind === "Namespace" && o.apiVersion === "v1").map((o) => o.metadata.name));
  const oldest = new Map<string, string>();
  for (const o of objects) {
    const ns = o.metadata.namespace;
    if (!ns || declared.has(ns)) continue;
    const created = o.metadata.creationTimestamp;
    const prev = oldest.get(ns);
    oldest.set(ns, prev === undefined || parseRfc3339(created) < parseRfc3339(prev) ? created : prev);
  }
  for (const [name, created] of oldest) {
    const ns: KubeObject = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name,
        uid: uidOf(`Namespace//${name}`),
        resourceVersion: "",
        creationTimestamp: parseRfc3339(created) < parseRfc3339(defaultCreated) ? created : defaultCreated,
        labels: { "kubernetes.io/metadata.name": name },
      },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    };
    missingVersion.push(ns);
    objects.push(ns);
  }
  for (const o of missingVersion) o.metadata.resourceVersion = String(++maxVersion);

  const meta: ScenarioMeta = { name: s?.name ?? opts.name, description: s?.description ?? null, expect: s ? structuredClone(s.expect) : [] };
  const logs = s ? readLogs(s, shift, opts.startedAt) : new Map<string, ContainerLogs>();
  const metrics = s ? readMetrics(s) : undefined;
  return { startedAt: opts.startedAt, objects, logs, ...(metrics ? { metrics } : {}), meta };
}
