import { type KubeObject, pathValue } from "./_k8s.ts";

/** A compiled selector; `null` from a parser means the selector text is invalid. */
export type Selector = (obj: KubeObject) => boolean;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && i + 1 < text.length) {
      cur += ch + text[i + 1];
      i++;
      continue;
    }
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/**
 * Parses a label selector (`app=web`, `tier!=db`, `env in (a,b)`, `env notin (a)`,
 * `app`, `!app`). Returns null when the text is not a valid selector.
 */
export function parseLabelSelector(text: string | null): Selector | null {
  if (!text) return () => true;
  const tests: Selector[] = [];
  for (const term of splitTopLevel(text)) {
    let m: RegExpMatchArray | null;
    const labels = (o: KubeObject) => o.metadata.labels ?? {};
    if ((m = term.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const [, key = "", op, list = ""] = m;
      const values = list.split(",").map((v) => v.trim());
      tests.push(op === "in"
        ? (o) => key in labels(o) && values.includes(labels(o)[key] ?? "")
        : (o) => !(key in labels(o)) || !values.includes(labels(o)[key] ?? ""));
    } else if ((m = term.match(/^([\w./-]+)\s*(!=|==|=)\s*([\w.-]*)$/))) {
      const [, key = "", op, value = ""] = m;
      tests.push(op === "!=" ? (o) => labels(o)[key] !== value : (o) => labels(o)[key] === value);
    } else if ((m = term.match(/^!\s*([\w./-]+)$/))) {
      const key = m[1] ?? "";
      tests.push((o) => !(key in labels(o)));
    } else if ((m = term.match(/^([\w./-]+)$/))) {
      const key = m[1] ?? "";
      tests.push((o) => key in labels(o));
    } else return null;
  }
  return (o) => tests.every((t) => t(o));
}

function unescapeFieldValue(v: string): string {
  return v.replace(/\\(.)/g, "$1");
}

function fieldText(obj: KubeObject, path: string): string {
  const v = pathValue(obj, path);
  if (v === undefined || v === null) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/**
 * Parses a field selector (`metadata.name=x,status.phase!=Failed`). Unlike
 * kube-apiserver, which allows a fixed list of fields per kind, any dotted
 * path is accepted, so describe's `involvedObject.*` and `spec.nodeName`
 * queries work for every kind. Returns null when the text is invalid.
 */
export function parseFieldSelector(text: string | null): Selector | null {
  if (!text) return () => true;
  const tests: Selector[] = [];
  for (const term of splitTopLevel(text)) {
    const m = term.match(/^([\w.]+)\s*(!=|==|=)(.*)$/);
    if (!m) return null;
    const [, path = "", op, raw = ""] = m;
    const value = unescapeFieldValue(raw);
    tests.push(op === "!=" ? (o) => fieldText(o, path) !== value : (o) => fieldText(o, path) === value);
  }
  return (o) => tests.every((t) => t(o));
}
