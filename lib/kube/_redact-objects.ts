/**
 * Structural redaction of objects before the native layer prints them as
 * JSON or YAML. kubectl prints whatever the server sent and leaves masking to
 * a text pass; here the objects are at hand, so the values that must never
 * leave the cluster are masked on the data itself, and the agent's text
 * redaction (`redact-secrets`) still runs over the printed result.
 *
 * Masked, whatever policies are configured: a Secret's `data` and
 * `stringData` values, and the last-applied-configuration annotation of a
 * Secret (it holds the applied Secret, data included). The mask is
 * `[REDACTED]`, a fixed point of the text redaction.
 */
import { DEFAULT_MASK } from "../redact/index.ts";
import { LAST_APPLIED } from "../redact/_shared.ts";
import type { KubeObject } from "./_types.ts";

const maskValues = (m: unknown): unknown =>
  m && typeof m === "object" && !Array.isArray(m) ? Object.fromEntries(Object.keys(m).map((k) => [k, DEFAULT_MASK])) : m;

/** A copy of `o` with secret material masked (the same object when there is none). */
export function redactObject(o: KubeObject): KubeObject {
  if (o.kind !== "Secret") return o;
  const out: KubeObject = { ...o };
  if ("data" in o) out.data = maskValues(o.data);
  if ("stringData" in o) out.stringData = maskValues(o.stringData);
  const annotations = o.metadata?.annotations;
  if (annotations && LAST_APPLIED in annotations) {
    out.metadata = { ...o.metadata, annotations: { ...annotations, [LAST_APPLIED]: DEFAULT_MASK } };
  }
  return out;
}
