import { createHash } from "node:crypto";

/** The metadata fields the simulated cluster sets and reads. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
}

/** A link from a dependent object to its controller (pod -> replicaset -> deployment). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any object the simulated cluster serves; kind-specific fields stay untyped JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** A `metav1.Status` body, the shape kubectl expects for every error. */
export interface KubeStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string };
  code: number;
}

/** Builds a `Status` failure; kubectl prints it as `Error from server (<reason>): <message>`. */
export function statusFailure(
  code: number,
  reason: string,
  message: string,
  details?: KubeStatus["details"],
): KubeStatus {
  const body: KubeStatus = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
  if (details) body.details = details;
  return body;
}

/** Deterministic hex digest, so names, uids and ids are stable across restarts. */
export function hexOf(key: string, length = 64): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${i}:${key}`).digest("hex");
  return out.slice(0, length);
}

/** A stable RFC 4122-shaped (version 4) uid derived from `key`. */
export function uidOf(key: string): string {
  const h = hexOf(`uid:${key}`, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[parseInt(h[16] ?? "0", 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** RFC 3339 with second precision, the format of `metav1.Time`. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** RFC 3339 with nanoseconds, the format of kubelet log timestamps and `metav1.MicroTime`. */
export function rfc3339Nano(ms: number, nanosSalt = 0): string {
  const base = new Date(ms).toISOString().slice(0, 19);
  const millis = Math.floor(ms % 1000);
  const nanos = String(millis * 1_000_000 + (Math.abs(nanosSalt) % 1_000_000)).padStart(9, "0");
  return `${base}.${nanos}Z`;
}

export { humanDuration } from "../_duration.ts";
import { humanDuration } from "../_duration.ts";

/** Time since an RFC 3339 timestamp as kube-apiserver prints it; `<unknown>` when unset. */
export function since(timestamp: string | undefined | null, now = Date.now()): string {
  if (!timestamp) return "<unknown>";
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? "<unknown>" : humanDuration(now - t);
}

/** Reads a dotted path (`status.phase`, `involvedObject.name`) out of a JSON object. */
export function pathValue(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
