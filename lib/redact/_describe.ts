/**
 * Redaction of `kubectl describe` text, by its layout:
 * - a Secret's `Data` / `====` section lists `key:  N bytes`, except that a
 *   service-account-token Secret prints its `token:` value raw; every value
 *   there that is not `N bytes` is masked, and any line without a key too.
 *   ConfigMaps print `Data` / `====` too, but as `key:` / `----` / value
 *   blocks; that shape is left alone.
 * - a container's `Environment:` section lists `NAME:  value` (continuation
 *   lines of a multi-line value are indented deeper); values of sensitive
 *   names are masked unless they are a reference kubectl resolved to a
 *   description (`<set to the key 'k' in secret 's'>`, `(v1:metadata.name)`).
 */
import { type RedactRules, indentOf } from "./_shared.ts";

const DATA_KEY = /^([^\s:][^:]*):([ \t]*)(.*)$/;
const BYTES = /^\d+ bytes$/;
const ENV_HEADER = /^( *)Environment:[ \t]*$/;
// A reference, not a value: secret/config-map keys, field and resource references.
const ENV_REFERENCE = /^<set to the key '[^']*' (?:in secret|of config map|in file) '[^']*'>|\(v1:[^()]*\)$|\((?:limits|requests)\.[a-z-]+\)$/;

const bodyOf = (raw: string): string => (raw.endsWith("\r") ? raw.slice(0, -1) : raw);

/** True when the next non-blank line from `from` is indented deeper than `indent`. */
function continues(lines: string[], from: number, indent: number): boolean {
  for (let k = from; k < lines.length; k++) {
    const line = bodyOf(lines[k] ?? "");
    const n = indentOf(line);
    if (n < line.length) return n > indent;
  }
  return false;
}

/** Masks secret values in describe output; returns `text` itself when nothing changes. */
export function redactDescribe(text: string, rules: RedactRules): string {
  if (!text.includes("Data\n") && !text.includes("Data\r\n") && !text.includes("Environment:")) return text;
  const lines = text.split("\n");
  const { mask } = rules;
  let changed = false;
  const out: (string | null)[] = lines.slice();
  const set = (i: number, body: string) => {
    const raw = lines[i] ?? "";
    const next = raw.endsWith("\r") ? `${body}\r` : body;
    if (next !== raw) {
      out[i] = next;
      changed = true;
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const body = bodyOf(lines[i] ?? "");
    if (body === "Data" && /^=+$/.test(bodyOf(lines[i + 1] ?? ""))) {
      const first = bodyOf(lines[i + 2] ?? "");
      const second = bodyOf(lines[i + 3] ?? "");
      if (/^[^\s:][^:]*:$/.test(first) && /^-+$/.test(second)) continue; // ConfigMap layout
      let j = i + 2;
      for (; j < lines.length; j++) {
        const line = bodyOf(lines[j] ?? "");
        if (line.trim() === "") break;
        const m = DATA_KEY.exec(line);
        if (m) {
          const value = m[3] ?? "";
          if (value === "" || value === mask || BYTES.test(value)) continue;
          set(j, `${m[1]}:${m[2] || " "}${mask}`);
        } else if (line.trim() !== mask) {
          set(j, `${line.slice(0, indentOf(line))}${mask}`);
        }
      }
      i = j;
      continue;
    }

    const header = ENV_HEADER.exec(body);
    if (!header) continue;
    const headerIndent = (header[1] ?? "").length;
    let nameIndent = -1;
    let masking = false;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = bodyOf(lines[j] ?? "");
      const indent = indentOf(line);
      if (indent === line.length) continue;
      if (indent <= headerIndent) break;
      if (nameIndent === -1) nameIndent = indent;
      if (indent > nameIndent) {
        if (masking) {
          out[j] = null;
          changed = true;
        }
        continue;
      }
      masking = false;
      const colon = /:(?:[ \t]|$)/.exec(line.slice(indent));
      if (!colon) continue;
      const name = line.slice(indent, indent + colon.index);
      const valueAt = indent + colon.index + 1;
      const value = line.slice(valueAt).trim();
      if (ENV_REFERENCE.test(value) || !rules.sensitiveEnvName(name)) continue;
      // An empty first line matters only when continuation lines (the rest of a multi-line value) follow.
      if (value === "" && !continues(lines, j + 1, nameIndent)) continue;
      masking = true;
      if (value === mask) continue;
      const gap = line.slice(valueAt).length - line.slice(valueAt).trimStart().length;
      set(j, `${line.slice(0, valueAt)}${gap > 0 ? line.slice(valueAt, valueAt + gap) : " "}${mask}`);
    }
    i = j - 1;
  }
  if (!changed) return text;
  return out.filter((l): l is string => l !== null).join("\n");
}
