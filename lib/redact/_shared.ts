/**
 * Pieces every redaction pass shares: the rules object, span edits, and the
 * tests for sensitive keys and placeholder values.
 *
 * Every scanner in `lib/redact` is linear in the input: loops move forward
 * only, and every regular expression either has disjoint alternatives or
 * bounded repetition behind a lookbehind that allows one start per run.
 */

/** What the passes need to know; built once per policy from its options. */
export interface RedactRules {
  /** Replacement text; printable ASCII without whitespace, quotes or backslash. */
  mask: string;
  /** True when an environment variable's value must be masked because of its name. */
  sensitiveEnvName(name: string): boolean;
  /** Extra patterns from the options, each global; whole matches are masked. */
  extraPatterns: readonly RegExp[];
}

/** A replacement of `text.slice(start, end)`. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies non-overlapping edits (an edit that overlaps an earlier one is
 * dropped: the earlier one already covers its start). Returns `text` itself
 * when nothing changes, so callers can compare by identity.
 */
export function applyEdits(text: string, edits: Edit[]): string {
  if (edits.length === 0) return text;
  edits.sort((a, b) => a.start - b.start || b.end - a.end);
  const parts: string[] = [];
  let at = 0;
  let changed = false;
  for (const e of edits) {
    if (e.start < at) continue;
    if (text.slice(e.start, e.end) === e.text) continue;
    parts.push(text.slice(at, e.start), e.text);
    at = e.end;
    changed = true;
  }
  if (!changed) return text;
  parts.push(text.slice(at));
  return parts.join("");
}

/** End of the line containing `i` (index of its `\r\n`, `\n`, or the text's end). */
export function lineEnd(text: string, i: number): number {
  const nl = text.indexOf("\n", i);
  const end = nl === -1 ? text.length : nl;
  return end > i && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
}

/** Start of the line containing `i`. */
export function lineStart(text: string, i: number): number {
  return text.lastIndexOf("\n", i - 1) + 1;
}

/** Leading spaces of a line. */
export function indentOf(line: string): number {
  let n = 0;
  while (n < line.length && line.charCodeAt(n) === 32) n++;
  return n;
}

/**
 * Ends of a quoted string starting at `i` (at `"`, `'` or an escaped `\"`).
 * Double-quoted strings honour backslash escapes; an escaped `\"…\"` string
 * (JSON inside a JSON string) ends at the next `\"`. A string never runs past
 * the end of its line; an unterminated one ends there.
 * Returns the content span and the index after the closing quote.
 */
export function scanQuoted(text: string, i: number): { from: number; to: number; next: number } | null {
  const c = text.charCodeAt(i);
  if (c === 92 && text.charCodeAt(i + 1) === 34) {
    const from = i + 2;
    for (let j = from; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === 10 || d === 13) return { from, to: j, next: j };
      if (d === 92) {
        if (text.charCodeAt(j + 1) === 34) return { from, to: j, next: j + 2 };
        if (text.charCodeAt(j + 1) === 92) j++;
      }
    }
    return { from, to: text.length, next: text.length };
  }
  if (c === 34) {
    const from = i + 1;
    for (let j = from; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === 10 || d === 13) return { from, to: j, next: j };
      if (d === 92) j++;
      else if (d === 34) return { from, to: j, next: j + 1 };
    }
    return { from, to: text.length, next: text.length };
  }
  if (c === 39) {
    const from = i + 1;
    for (let j = from; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === 10 || d === 13) return { from, to: j, next: j };
      if (d === 39) {
        if (text.charCodeAt(j + 1) === 39) j++;
        else return { from, to: j, next: j + 1 };
      }
    }
    return { from, to: text.length, next: text.length };
  }
  return null;
}

// Keyword suffixes of sensitive keys. ANY_PREFIX words are distinctive enough
// to count after any prefix (`dbpassword`); BOUNDED ones only as a whole word
// of the key (`client_secret`, `accessToken`, `token`, but not `tokens`,
// `TokenExpirationSeconds`, `secretName` or `oauth`).
const ANY_PREFIX = [
  "password", "passwd", "passphrase", "apikey", "api_key", "api-key", "accesskey", "access_key", "access-key",
  "secretkey", "secret_key", "secret-key", "privatekey", "private_key", "private-key", "clientsecret",
  "client_secret", "client-secret", "credential", "credentials", "key-data", "key_data", ".key",
];
// `authorization` has its own rule, which keeps the scheme (`Bearer`) and masks the credential.
const BOUNDED = ["secret", "token", "pwd", "auth", "cookie"];

/** True when a `key` in `key: value` / `key=value` / `"key": "value"` names a secret value. */
export function isSensitiveKey(key: string): boolean {
  if (key.length > 200) return false;
  const lower = key.toLowerCase();
  for (const w of ANY_PREFIX) if (lower.endsWith(w)) return true;
  for (const w of BOUNDED) {
    if (!lower.endsWith(w)) continue;
    const at = key.length - w.length;
    if (at === 0) return true;
    const before = key.charCodeAt(at - 1);
    // A separator, or a camelCase boundary: lower-case letter or digit, then an upper-case letter.
    if (before === 95 || before === 45 || before === 46) return true;
    const first = key.charCodeAt(at);
    const isUpper = first >= 65 && first <= 90;
    const beforeLowerOrDigit = (before >= 97 && before <= 122) || (before >= 48 && before <= 57);
    if (isUpper && beforeLowerOrDigit) return true;
  }
  return false;
}

const PLACEHOLDER = /^(?:true|false|null|nil|none|~|\*+|x{3,}|X{3,}|#+|\.\.\.|…|\[?(?:redacted|filtered|hidden|masked)\]?|<[^<>]{0,80}>?|\$\([A-Za-z_][A-Za-z0-9_]{0,100}\)|\$\{[A-Za-z_][A-Za-z0-9_.:-]{0,100}\}|\{\{[^{}]{0,200}\}\}|[|>][0-9+-]{0,3})$/i;

/**
 * True for values that hold no secret: empty, the mask, booleans and nulls,
 * already-masked forms (`***`, `[REDACTED]`), placeholders kubectl prints
 * (`<none>`, `<set to the key…`), and references (`$(VAR)`, `${VAR}`,
 * `{{ .Values.x }}`), and YAML block indicators.
 */
export function isPlaceholder(value: string, mask: string): boolean {
  if (value === "" || value === mask || value === `"${mask}"` || value === `'${mask}'`) return true;
  return value.length <= 220 && PLACEHOLDER.test(value);
}

/** Removes one layer of matching YAML/JSON quotes. */
export function unquote(value: string): string {
  if (value.length >= 2) {
    const a = value[0];
    if ((a === '"' || a === "'") && value[value.length - 1] === a) return value.slice(1, -1);
  }
  return value;
}

/** The annotation that holds a whole applied object, a Secret's data included. */
export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
