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

// Every value of a map is masked; anything else the API would never send there (a string, a list) is masked whole.
const maskValues = (m: unknown): unknown => {
  if (m === null || m === undefined) return m;
  return typeof m === "object" && !Array.isArray(m) ? Object.fromEntries(Object.keys(m).map((k) => [k, DEFAULT_MASK])) : DEFAULT_MASK;
};

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

/**
 * {@link redactObject} applied to every object in `value` whose `kind` is
 * `Secret`, at any depth: a List's items, a watch event's `object`, a
 * Secret embedded in another object. What a template is evaluated on
 * (`-o jsonpath=`, `custom-columns=`, `--sort-by`) goes through this, so no
 * path can reach a Secret's values. Copies only what changes; `changed`
 * says whether anything was masked.
 */
export function redactTree(value: unknown): { value: unknown; changed: boolean } {
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      let out: unknown[] | null = null;
      v.forEach((item, i) => {
        const r = walk(item);
        if (r !== item) (out ??= [...v])[i] = r;
      });
      return out ?? v;
    }
    if (!v || typeof v !== "object") return v;
    let o = v as Record<string, unknown>;
    if (o.kind === "Secret") {
      const masked = redactObject(o as KubeObject) as Record<string, unknown>;
      if (masked !== o) {
        changed = true;
        o = masked;
      }
    }
    let out: Record<string, unknown> | null = null;
    for (const [k, item] of Object.entries(o)) {
      const r = walk(item);
      if (r !== item) (out ??= { ...o })[k] = r;
    }
    return out ?? o;
  };
  const out = walk(value);
  return { value: out, changed };
}
