/**
 * Secret values as needles for leak tests: every form a value can take in
 * output, and the simulated cluster's Secrets in all of them.
 */
import { buildScenario } from "../lib/sim/scenario.ts";
import type { KubeObject } from "../lib/sim/index.ts";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** Every form a secret value can take in output: itself, base64, decoded JSON strings, JWT segments, PEM body lines, long prefixes and suffixes. */
export function formsOf(plain: string, encoded?: string): string[] {
  const forms = new Set<string>([plain]);
  if (encoded) forms.add(encoded);
  const nested = (v: unknown) => {
    if (typeof v === "string") forms.add(v);
    else if (v && typeof v === "object") for (const x of Object.values(v)) nested(x);
  };
  try {
    nested(JSON.parse(plain));
  } catch {
    // not JSON
  }
  for (const s of [...forms]) {
    if (/^[A-Za-z0-9+/]{8,}={0,2}$/.test(s) && s.length % 4 === 0) {
      const decoded = Buffer.from(s, "base64").toString("utf8");
      if (/^[\x20-\x7e]+$/.test(decoded)) forms.add(decoded); // `auth` in a docker config is base64 of user:password
    }
    for (const seg of s.split(".")) if (s.startsWith("eyJ") && seg.length >= 16) forms.add(seg);
    for (const line of s.split("\n")) if (line.length >= 16 && !line.startsWith("-----")) forms.add(line.trim());
  }
  for (const s of [...forms]) if (s.length >= 32) forms.add(s.slice(0, 24)).add(s.slice(-24));
  return [...forms].filter((s) => s.length >= 4);
}

/** What a Secret shows as metadata: everything but its values (and the annotation that repeats them). */
function metadataOf(s: KubeObject): unknown {
  const { [LAST_APPLIED]: _applied, ...annotations } = (s.metadata.annotations ?? {}) as Record<string, string>;
  return { apiVersion: s.apiVersion, kind: s.kind, metadata: { ...s.metadata, annotations }, type: s.type, keys: Object.keys((s.data ?? {}) as object) };
}

/** Every key and string value in `v`, one per line, unescaped (so a multi-line value is found as printed). */
function stringsOf(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(k), stringsOf(x, out);
  return out;
}

/** Every form of the values of one Secret (or manifest): `data` base64 and decoded, `stringData` plain and base64. */
function valueForms(s: { [field: string]: unknown }): string[] {
  const data = Object.values((s.data ?? {}) as Record<string, string>).flatMap((encoded) => formsOf(Buffer.from(encoded, "base64").toString("utf8"), encoded));
  const plain = Object.values((s.stringData ?? {}) as Record<string, string>).flatMap((v) => formsOf(v, Buffer.from(v).toString("base64")));
  return [...data, ...plain];
}

/**
 * The values of `secrets` in every form ({@link formsOf}): each `data` and
 * `stringData` value, and the last-applied annotation whole and each value
 * of the manifest it holds. Forms that `publicText` (or the Secrets' own
 * metadata) shows anyway are left out and returned as `public`: a username
 * that is also a Deployment's name cannot be said to leak.
 */
export function secretNeedles(secrets: readonly KubeObject[], publicText: string): { needles: string[]; public: string[] } {
  const shown = `${publicText}\n${stringsOf(secrets.map(metadataOf)).join("\n")}`;
  const all = new Set<string>();
  for (const s of secrets) {
    for (const f of valueForms(s)) all.add(f);
    const applied = (s.metadata.annotations as Record<string, string> | undefined)?.[LAST_APPLIED];
    if (applied === undefined) continue;
    all.add(applied.trimEnd());
    try {
      for (const f of valueForms(JSON.parse(applied))) all.add(f);
    } catch {
      // not JSON: the whole annotation is the needle
    }
  }
  const needles = [...all].filter((f) => !shown.includes(f));
  return { needles, public: [...all].filter((f) => shown.includes(f)) };
}

/** The default scenario's Secrets, and their values as {@link secretNeedles} (every other object is public). */
export function simSecrets(): { secrets: KubeObject[]; needles: string[]; public: string[] } {
  const objects = buildScenario("default").objects;
  const secrets = objects.filter((o) => o.kind === "Secret");
  return { secrets, ...secretNeedles(secrets, stringsOf(objects.filter((o) => o.kind !== "Secret")).join("\n")) };
}
