/**
 * Pattern redaction for any text: logs, describe output, events, errors, and
 * the yaml/json output after its structural pass. Each rule is one forward
 * scan; expressions either start right after a literal or behind a
 * lookbehind that allows one start per run of word characters, and every
 * repetition that could backtrack is bounded, so adversarial input (a
 * mebibyte of near-matches) stays linear.
 */
import { Buffer } from "node:buffer";
import { type Edit, LAST_APPLIED, type RedactRules, applyEdits, indentOf, isPlaceholder, isSensitiveKey, lineEnd, lineStart, scanQuoted } from "./_shared.ts";

/** Runs a global expression over `text` and applies the edits `fn` returns. */
function eachMatch(text: string, re: RegExp, fn: (m: RegExpExecArray, edits: Edit[]) => number | void): string {
  const edits: Edit[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const next = fn(m, edits);
    if (typeof next === "number" && next > re.lastIndex) re.lastIndex = next;
    else if (m[0].length === 0) re.lastIndex++;
  }
  return applyEdits(text, edits);
}

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]{0,40})PRIVATE KEY( BLOCK)?-----/g;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
// What may follow a BEGIN line when no END came (output cut off): base64, line breaks (also
// escaped ones inside JSON strings), and the `Proc-Type:`/`DEK-Info:` headers of encrypted keys.
const PEM_BODY = /[A-Za-z0-9+/=:,\-\s\\]*/y;

/** Private key blocks: the body between BEGIN and END becomes the mask (multi-line, or `\n`-escaped in JSON). */
function privateKeys(text: string, mask: string): string {
  if (!text.includes("PRIVATE KEY")) return text;
  const ends: { start: number; end: number }[] = [];
  PEM_END.lastIndex = 0;
  for (let m = PEM_END.exec(text); m; m = PEM_END.exec(text)) ends.push({ start: m.index, end: m.index + m[0].length });
  let e = 0;
  return eachMatch(text, PEM_BEGIN, (m, edits) => {
    const bodyStart = m.index + m[0].length;
    while (e < ends.length && (ends[e] as { start: number }).start < bodyStart) e++;
    const end = ends[e];
    if (end) {
      edits.push({ start: bodyStart, end: end.start, text: mask });
      return end.end;
    }
    PEM_BODY.lastIndex = bodyStart;
    PEM_BODY.exec(text);
    const stop = PEM_BODY.lastIndex;
    if (stop > bodyStart && text.slice(bodyStart, stop) !== mask) edits.push({ start: bodyStart, end: stop, text: mask });
    return stop;
  });
}

const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const CREDENTIAL_URL = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/[^\s:/@"'<>]{0,256}:)([^\s/"'<>]{1,1024})@/g;
const BEARER = /(?<![A-Za-z0-9_-])bearer([ \t]+)([A-Za-z0-9._~+/-]{1,4096}=*)/gi;
const AUTHORIZATION = /(?<![A-Za-z0-9_-])(?:proxy-)?authorization\\?["']?[ \t]*[:=][ \t]*\\?["']?(?:(?:basic|bearer|digest|token|negotiate|ntlm)[ \t]+)?/gi;
const TOKENS = new RegExp(
  [
    "(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])", // AWS access key ids
    "(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])", // GitHub tokens
    "(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,255}",
    "(?<![A-Za-z0-9])xox[abposer]-[A-Za-z0-9-]{10,250}", // Slack tokens
    "(?<![A-Za-z0-9_])(?:sk|rk)_live_[A-Za-z0-9]{16,250}", // Stripe live keys
    "(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,250}", // GitLab personal tokens
    "(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", // Google API keys
    "(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])", // npm tokens
  ].join("|"),
  "g",
);
const SLACK_WEBHOOK = /hooks\.slack\.com\/services\/([A-Za-z0-9/]{8,200})/g;

// `key` then `:` or `=`: the key may be quoted (also with escaped quotes, JSON in JSON).
// `-` may precede a key (`--password=x`); `/` may not (`checksum/secret: <hash>` is no secret).
const KEY_VALUE = /(?<![A-Za-z0-9_./\\])(\\?["']?)([A-Za-z][A-Za-z0-9_.-]{0,80})\1[ \t]*(?:=>|[:=])[ \t]*/g;

/** An unquoted value ends at whitespace or a delimiter that would end it in a query string or a list. */
function plainValueEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 44 || c === 59 || c === 38 || c === 34 || c === 39) break;
    if (c === 92 && text.charCodeAt(j + 1) === 34) break; // `\"` ends a value inside escaped JSON
    j++;
  }
  return j;
}

const XML_ELEMENT = /<([A-Za-z][A-Za-z0-9_.:-]{0,80})>([^<\r\n]{1,4096})<\/\1>/g;

/** `<password>…</password>` and other sensitive elements in XML on one line. */
function xmlElements(text: string, mask: string): string {
  return eachMatch(text, XML_ELEMENT, (m, edits) => {
    const name = (m[1] ?? "").replace(/^.*:/, "");
    const value = m[2] ?? "";
    if (!isSensitiveKey(name) || isPlaceholder(value, mask)) return;
    const start = m.index + (m[1] ?? "").length + 2;
    edits.push({ start, end: start + value.length, text: mask });
  });
}

const ENV_STYLE = /^[A-Z][A-Z0-9_]*$/;

/**
 * `password=…`, `"token": "…"`, `client_secret: …`, `--api-key=…`,
 * `aws_secret_access_key = …`, and `NAME=value` environment dumps (`env`,
 * `printenv`) where NAME is a sensitive environment variable name.
 */
function keyValues(text: string, rules: RedactRules): string {
  const { mask } = rules;
  const jsonMask = JSON.stringify(mask).slice(1, -1);
  return eachMatch(text, KEY_VALUE, (m, edits) => {
    const key = m[2] ?? "";
    const envDump = m[1] === "" && /[^>]=[ \t]*$/.test(m[0]) && ENV_STYLE.test(key) && rules.sensitiveEnvName(key);
    if (!envDump && !isSensitiveKey(key)) return;
    const at = m.index + m[0].length;
    const q = scanQuoted(text, at);
    if (q) {
      const value = text.slice(q.from, q.to);
      if (!isPlaceholder(value, mask)) edits.push({ start: q.from, end: q.to, text: text.charCodeAt(at) === 34 ? jsonMask : mask });
      return q.next;
    }
    const c = text.charCodeAt(at);
    if (c === 123 || c === 91) return; // `"secret": {` — a structure, not a value
    // After a quoted key the bare value is a JSON number or literal: `}` and `]` end it too.
    let end = plainValueEnd(text, at);
    if (m[1] === '"') {
      const close = /[}\]]/.exec(text.slice(at, end));
      if (close) end = at + close.index;
    }
    const value = text.slice(at, end);
    if (value === "") return end;
    // `password:  16 bytes` is how describe prints a Secret's size, not its value.
    if (/^\d+$/.test(value) && text.startsWith(" bytes", end)) return end;
    if (isPlaceholder(value, mask)) return end;
    // A quoted key with a bare value is JSON (`"token": 123`): keep it JSON.
    edits.push({ start: at, end, text: m[1] === '"' ? JSON.stringify(mask) : mask });
    return end;
  });
}

// base64 of "-----BEGIN" (a kubeconfig's client-key-data, a Secret's tls.key printed elsewhere).
const BASE64_PEM = /(?<![A-Za-z0-9+/])LS0tLS1CRUdJTi[A-Za-z0-9+/]{20,}={0,2}/g;

/** base64-encoded PEM blocks whose header says PRIVATE KEY. */
function base64PrivateKeys(text: string, mask: string): string {
  if (!text.includes("LS0tLS1CRUdJTi")) return text;
  return eachMatch(text, BASE64_PEM, (m, edits) => {
    // The whole bundle, not its head: a key may follow certificates in one base64 blob.
    const decoded = Buffer.from(m[0], "base64").toString("latin1");
    if (/-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY/.test(decoded)) edits.push({ start: m.index, end: m.index + m[0].length, text: mask });
  });
}

const LONG_FLAG = /(?<![A-Za-z0-9_-])--([A-Za-z][A-Za-z0-9_.-]{0,80})[ \t]+(?=[^\s-])/g;

/** `--password hunter2`: a sensitive long flag with its value as the next word (the `=` form is a key/value pair). */
function flagValues(text: string, mask: string): string {
  return eachMatch(text, LONG_FLAG, (m, edits) => {
    if (!isSensitiveKey(m[1] ?? "")) return;
    const at = m.index + m[0].length;
    const end = plainValueEnd(text, at);
    const value = text.slice(at, end);
    if (!isPlaceholder(value, mask)) edits.push({ start: at, end, text: mask });
    return end;
  });
}

/**
 * The last-applied-configuration annotation, in any layout: a quoted value
 * (JSON) is emptied to the mask; a value on the same line, or one on the
 * following deeper-indented lines (yaml `|` blocks, describe's long form), is
 * replaced by the mask and those lines dropped.
 */
function lastApplied(text: string, mask: string): string {
  if (!text.includes(LAST_APPLIED)) return text;
  const re = /kubectl\.kubernetes\.io\/last-applied-configuration(\\?["']?)[ \t]*[:=]([ \t]*)/g;
  const jsonMask = JSON.stringify(mask).slice(1, -1);
  return eachMatch(text, re, (m, edits) => {
    const at = m.index + m[0].length;
    const q = scanQuoted(text, at);
    // A quoted value closed on its line; an unclosed one (a folded yaml scalar) goes by lines below.
    if (q && q.next > q.to) {
      if (text.slice(q.from, q.to) !== mask && text.slice(q.from, q.to) !== jsonMask) {
        edits.push({ start: q.from, end: q.to, text: text.charCodeAt(at) === 34 ? jsonMask : mask });
      }
      return q.next;
    }
    // The value's lines: the rest of this one, and every following line indented deeper than the key.
    const keyCol = m.index - lineStart(text, m.index);
    let end = lineEnd(text, at);
    const inline = text.slice(at, end).trim();
    let next = text.indexOf("\n", end);
    while (next !== -1) {
      const from = next + 1;
      const to = lineEnd(text, from);
      const line = text.slice(from, to);
      const indent = indentOf(line);
      if (indent === line.length) {
        next = text.indexOf("\n", to);
        continue;
      }
      if (indent <= keyCol) break;
      end = to;
      next = text.indexOf("\n", to);
    }
    if (inline === mask && end === lineEnd(text, at)) return end;
    if (inline === "" && end === lineEnd(text, at)) return end;
    edits.push({ start: m.index + m[0].length - (m[2] ?? "").length, end, text: ` ${mask}` });
    return end;
  });
}

/** Strings after `:` inside `"data": {…}` / `"stringData": {…}` objects (plain or escaped JSON), when the text holds a Secret. */
function embeddedSecretData(text: string, mask: string): string {
  if (!/\\?"kind\\?"[ \t]*:[ \t]*\\?"Secret\\?"/.test(text)) return text;
  const re = /\\?"(?:data|stringData)\\?"[ \t]*:[ \t]*\{/g;
  const jsonMask = JSON.stringify(mask).slice(1, -1);
  return eachMatch(text, re, (m, edits) => {
    let i = m.index + m[0].length;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      // The end of the object, or a nested one (not flat); line breaks are blanks, so a pretty-printed Secret is read too.
      if (c === 125 || c === 123) return i;
      if (c === 58) {
        let j = i + 1;
        while (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9) j++;
        const q = scanQuoted(text, j);
        if (q && text.charCodeAt(j) !== 39) {
          const value = text.slice(q.from, q.to);
          if (value !== mask && value !== jsonMask) edits.push({ start: q.from, end: q.to, text: text.charCodeAt(j) === 34 ? jsonMask : mask });
          i = q.next;
          continue;
        }
        i = j;
        continue;
      }
      if (c === 34 || c === 92) {
        const q = scanQuoted(text, i);
        i = q ? Math.max(q.next, i + 1) : i + 1;
        continue;
      }
      i++;
    }
    return i;
  });
}

/** `{"name":"DB_PASSWORD","value":"…"}` pairs (env printed as JSON by jsonpath or in logs). */
function envPairs(text: string, rules: RedactRules): string {
  const re = /"name"[ \t]*:[ \t]*"([^"\\\n]{1,256})"[ \t]*,[ \t]*"value"[ \t]*:[ \t]*(?=")/g;
  const jsonMask = JSON.stringify(rules.mask).slice(1, -1);
  return eachMatch(text, re, (m, edits) => {
    const at = m.index + m[0].length;
    const q = scanQuoted(text, at);
    if (!q || !rules.sensitiveEnvName(m[1] ?? "")) return;
    const value = text.slice(q.from, q.to);
    if (value !== "" && value !== jsonMask) edits.push({ start: q.from, end: q.to, text: jsonMask });
    return q.next;
  });
}

/** Applies every pattern rule; `structured` says a structural pass already covered Secret data and env. */
export function redactPatterns(text: string, rules: RedactRules, structured: boolean): string {
  const { mask } = rules;
  let out = privateKeys(text, mask);
  out = eachMatch(out, JWT, (m, edits) => {
    edits.push({ start: m.index, end: m.index + m[0].length, text: mask });
  });
  out = eachMatch(out, CREDENTIAL_URL, (m, edits) => {
    const start = m.index + (m[1] ?? "").length;
    const password = m[2] ?? "";
    if (!isPlaceholder(password, mask)) edits.push({ start, end: start + password.length, text: mask });
  });
  out = eachMatch(out, BEARER, (m, edits) => {
    const token = m[2] ?? "";
    // A word after "bearer" (`bearer authentication`) is prose; tokens are long and mixed.
    if (token.length < 8 || /^[a-z]+$/.test(token) || token === mask) return;
    const start = m.index + 6 + (m[1] ?? "").length;
    edits.push({ start, end: start + token.length, text: mask });
  });
  out = eachMatch(out, AUTHORIZATION, (m, edits) => {
    const at = m.index + m[0].length;
    const end = plainValueEnd(out, at);
    const value = out.slice(at, end);
    if (value.length > 0 && !isPlaceholder(value, mask)) edits.push({ start: at, end, text: mask });
    return end;
  });
  out = eachMatch(out, TOKENS, (m, edits) => {
    edits.push({ start: m.index, end: m.index + m[0].length, text: mask });
  });
  out = eachMatch(out, SLACK_WEBHOOK, (m, edits) => {
    const start = m.index + m[0].length - (m[1] ?? "").length;
    if (m[1] !== mask) edits.push({ start, end: m.index + m[0].length, text: mask });
  });
  out = keyValues(out, rules);
  out = base64PrivateKeys(out, mask);
  out = flagValues(out, mask);
  out = xmlElements(out, mask);
  out = lastApplied(out, mask);
  if (!structured) {
    out = embeddedSecretData(out, mask);
    out = envPairs(out, rules);
  }
  for (const re of rules.extraPatterns) {
    out = eachMatch(out, re, (m, edits) => {
      if (m[0].length > 0 && m[0] !== mask) edits.push({ start: m.index, end: m.index + m[0].length, text: mask });
    });
  }
  return out;
}
