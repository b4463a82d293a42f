/**
 * The YAML that `sigs.k8s.io/yaml` (v1.4.0, kubectl 1.32) writes: it marshals to
 * JSON, decodes that JSON with its go-yaml v2 fork (see `_go-yaml-read.ts` for
 * what that changes) and encodes the result with the same fork. This module
 * reproduces that encoder's observable rules.
 *
 * Why not the `yaml` npm package: go-yaml v2 differs from it in ways that
 * options cannot reach, and kubectl's output must match byte for byte:
 * - map keys are ordered by go-yaml's "natural" comparison (digit runs compare
 *   as numbers, non-letters before letters), not by code point;
 * - whether a string needs quotes follows go-yaml's YAML 1.1 resolver (`y`,
 *   `on`, `0b1`, `1_000`, `08`, timestamps like `2024-1-2`, base-60 `1:20`) and
 *   libyaml's scalar analysis (single quotes first, double quotes only when a
 *   character or a line break forces them);
 * - the double-quoted escapes are libyaml's (`\U0001F600` for every character
 *   above U+FFFF, `\x7F`, `\e`, `\N`, `\_`, and every character escaped when
 *   the string starts with a BOM);
 * - long plain and quoted scalars are folded once the column passes 80, and
 *   block scalars get `|2-`-style indentation and chomping indicators.
 * So this is a small emitter of exactly those rules, written from go-yaml v2's
 * encode.go, resolve.go, sorter.go and emitterc.go.
 */
import type { JsonValue } from "./_values.ts";

const BEST_INDENT = 2;
const BEST_WIDTH = 80;

// ---------------------------------------------------------------------------
// Key order (sorter.go keyList.Less on string keys)

const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;
const isLetter = (cp: number) =>
  cp < 0x80 ? (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) : LETTER.test(String.fromCodePoint(cp));
const isDigit = (cp: number) => (cp >= 0x30 && cp <= 0x39) || (cp > 0x7f && DIGIT.test(String.fromCodePoint(cp)));
function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        i++;
      }
    }
    out.push(c);
  }
  return out;
}

/** go-yaml v2's `keyList.Less` for two string keys. Digit runs are read as int64, wrapping like Go. */
export function yamlKeyLess(a: string, b: string): boolean {
  return keyLess(codePoints(a), codePoints(b));
}

function keyLess(ar: number[], br: number[]): boolean {
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i] as number;
    const y = br[i] as number;
    if (x === y) continue;
    const al = isLetter(x);
    const bl = isLetter(y);
    if (al && bl) return x < y;
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (x === 0x30 || y === 0x30) {
      for (let j = i - 1; j >= 0 && isDigit(ar[j] as number); j--) {
        if (ar[j] !== 0x30) {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai] as number); ai++) an = BigInt.asIntN(64, an * 10n + BigInt((ar[ai] as number) - 0x30));
    let bi = i;
    for (; bi < br.length && isDigit(br[bi] as number); bi++) bn = BigInt.asIntN(64, bn * 10n + BigInt((br[bi] as number) - 0x30));
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return x < y;
  }
  return ar.length < br.length;
}

/** Keys in go-yaml's order (Go's sort.Sort; for the rare sets Less does not order consistently, kubectl's own order varies). */
function sortKeys(keys: string[]): string[] {
  const decorated = keys.map((k) => ({ k, cps: codePoints(k) }));
  decorated.sort((x, y) => (keyLess(x.cps, y.cps) ? -1 : keyLess(y.cps, x.cps) ? 1 : 0));
  return decorated.map((d) => d.k);
}

// ---------------------------------------------------------------------------
// Implicit typing (resolve.go): a string that would read back as another type is quoted.

const NON_STRINGS = new Set([
  "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
  "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
  "", "~", "null", "Null", "NULL",
  ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
  // "<<" (merge) is in go-yaml's table too, but '<' is not a resolve hint, so it stays a plain string.
]);

const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_LIMIT = 1n << 63n;

/** strconv's `lower`: ASCII letters only, by setting the 0x20 bit. */
const lower = (c: number) => c | 0x20;

/** Go's strconv.ParseUint(s, base, 64) for digits only (no sign, no underscores); null on error. */
function parseUintDigits(s: string, base: number): bigint | null {
  if (s === "") return null;
  let n = 0n;
  const b = BigInt(base);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : lower(c) >= 0x61 && lower(c) <= 0x7a ? lower(c) - 0x61 + 10 : 99;
    if (d >= base) return null;
    n = n * b + BigInt(d);
    if (n > UINT64_MAX) return null;
  }
  return n;
}

/** strconv.ParseUint(s, 0, 64) on a string without underscores. */
function parseUintBase0(s: string): bigint | null {
  if (s === "") return null;
  if (s[0] === "0") {
    const p = lower(s.charCodeAt(1));
    if (s.length >= 3 && p === 0x62) return parseUintDigits(s.slice(2), 2);
    if (s.length >= 3 && p === 0x6f) return parseUintDigits(s.slice(2), 8);
    if (s.length >= 3 && p === 0x78) return parseUintDigits(s.slice(2), 16);
    return s.length === 1 ? 0n : parseUintDigits(s.slice(1), 8);
  }
  return parseUintDigits(s, 10);
}

/** strconv.ParseInt(s, base, 64), base 0 or an explicit base; null on error. */
function parseInt64(s: string, base: number): bigint | null {
  const neg = s[0] === "-";
  const body = s[0] === "+" || s[0] === "-" ? s.slice(1) : s;
  const un = base === 0 ? parseUintBase0(body) : parseUintDigits(body, base);
  if (un === null || un > INT64_LIMIT || (!neg && un === INT64_LIMIT)) return null;
  return neg ? -un : un;
}

/** `(value, rest)` of Go's time getnum: one or two digits. */
function getnum(s: string, fixed: boolean): [number, string] | null {
  const d0 = s.charCodeAt(0) - 48;
  if (!(d0 >= 0 && d0 <= 9)) return null;
  const d1 = s.charCodeAt(1) - 48;
  if (!(d1 >= 0 && d1 <= 9)) return fixed ? null : [d0, s.slice(1)];
  return [d0 * 10 + d1, s.slice(2)];
}

const daysIn = (month: number, year: number) =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

type TimeElem = "year" | "month" | "day" | "hour" | "minute" | "second" | "frac" | "zone" | { lit: string };
const lit = (s: string): TimeElem => ({ lit: s });
const DATE: TimeElem[] = ["year", lit("-"), "month", lit("-"), "day"];
const CLOCK: TimeElem[] = ["hour", lit(":"), "minute", lit(":"), "second", "frac"];
// go-yaml's allowedTimestampFormats, as Go time layouts.
const TIMESTAMP_LAYOUTS: TimeElem[][] = [
  [...DATE, lit("T"), ...CLOCK, "zone"], // 2006-1-2T15:4:5.999999999Z07:00
  [...DATE, lit("t"), ...CLOCK, "zone"], // 2006-1-2t15:4:5.999999999Z07:00
  [...DATE, lit(" "), ...CLOCK], // 2006-1-2 15:4:5.999999999
  DATE, // 2006-1-2
];

/** Go's time.Parse(layout, s) == nil for the layouts above. */
function parsesAsTime(layout: TimeElem[], input: string): boolean {
  let v = input;
  let year = 0;
  let month = 1;
  let day = 1;
  for (const e of layout) {
    if (typeof e === "object") {
      for (const c of e.lit) {
        if (c === " ") {
          if (v.length > 0 && v[0] !== " ") return false;
          v = v.replace(/^ +/, "");
        } else {
          if (v[0] !== c) return false;
          v = v.slice(1);
        }
      }
      continue;
    }
    switch (e) {
      case "year":
        if (!/^[0-9]{4}/.test(v)) return false;
        year = Number(v.slice(0, 4));
        v = v.slice(4);
        break;
      case "frac": {
        if (v.length < 2 || (v[0] !== "." && v[0] !== ",") || !(v[1] && v[1] >= "0" && v[1] <= "9")) break;
        let i = 1;
        while (i < v.length && (v[i] as string) >= "0" && (v[i] as string) <= "9") i++;
        v = v.slice(i);
        break;
      }
      case "zone": {
        if (v[0] === "Z") {
          v = v.slice(1);
          break;
        }
        if (v.length < 6 || v[3] !== ":") return false;
        const hr = getnum(v.slice(1, 3), true);
        const mm = getnum(v.slice(4, 6), true);
        if (!hr || !mm || hr[0] > 24 || mm[0] > 60 || (v[0] !== "+" && v[0] !== "-")) return false;
        v = v.slice(6);
        break;
      }
      default: {
        const got = getnum(v, false);
        if (!got) return false;
        const [n, rest] = got;
        v = rest;
        if (e === "month") {
          if (n <= 0 || n > 12) return false;
          month = n;
        } else if (e === "day") day = n;
        else if ((e === "hour" && n >= 24) || n >= 60) return false;
      }
    }
  }
  return v.length === 0 && day >= 1 && day <= daysIn(month, year);
}

function isTimestamp(s: string): boolean {
  const m = /^[0-9]*/.exec(s)?.[0].length ?? 0;
  if (m !== 4 || s[4] !== "-") return false;
  return TIMESTAMP_LAYOUTS.some((l) => parsesAsTime(l, s));
}

/** True when go-yaml's `resolve("", s)` types the plain scalar `s` as a string. */
export function resolvesAsString(s: string): boolean {
  if (NON_STRINGS.has(s)) return false;
  const c = s[0] ?? "";
  if (c === ".") return !(/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s) && Number.isFinite(Number(s)));
  if (!(c === "+" || c === "-" || (c >= "0" && c <= "9"))) return true;
  if (isTimestamp(s)) return false;
  const plain = s.replaceAll("_", "");
  if (parseInt64(plain, 0) !== null || (plain[0] !== "+" && plain[0] !== "-" && parseUintBase0(plain) !== null)) return false;
  if (YAML_FLOAT.test(plain) && Number.isFinite(Number(plain))) return false;
  if (plain.startsWith("0b")) return parseInt64(plain.slice(2), 2) === null && parseUintDigits(plain.slice(2), 2) === null;
  if (plain.startsWith("-0b")) return parseInt64(`-${plain.slice(3)}`, 2) === null;
  return true;
}

function isBase60Float(s: string): boolean {
  const c = s[0] ?? "";
  return (c === "+" || c === "-" || (c >= "0" && c <= "9")) && s.includes(":") && BASE60_FLOAT.test(s);
}

// ---------------------------------------------------------------------------
// Numbers (encode.go intv/uintv/floatv after resolve.go typed the JSON text)

/** strconv.FormatFloat(n, 'g', -1, 64). */
export function goFormatFloat(n: number): string {
  if (Number.isNaN(n)) return ".nan";
  if (!Number.isFinite(n)) return n > 0 ? ".inf" : "-.inf";
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const [mantissa = "", e = "0"] = Math.abs(n).toExponential().split("e");
  const exp = Number(e);
  let text: string;
  if (exp < -4 || exp >= 6) {
    const abs = Math.abs(exp);
    text = `${mantissa}e${exp < 0 ? "-" : "+"}${abs < 10 ? "0" : ""}${abs}`;
  } else text = String(Math.abs(n));
  return n < 0 ? `-${text}` : text;
}

/**
 * How a JSON number comes out of sigs.k8s.io/yaml: Go wrote it as JSON text,
 * go-yaml read that back as int, uint64 or (with '.', an exponent or overflow)
 * float64, and prints floats in %g form (`1e+06`, `1e-05`).
 */
export function yamlNumber(n: number | bigint): string {
  let int: bigint | null = typeof n === "bigint" ? n : null;
  if (typeof n === "number") {
    if (!Number.isFinite(n)) return "null";
    if (Number.isInteger(n) && Math.abs(n) < 1e21) int = BigInt(n);
  }
  if (int !== null) {
    if (int >= -INT64_LIMIT && int <= UINT64_MAX) return int.toString();
    return goFormatFloat(Number(int));
  }
  return goFormatFloat(n as number);
}

// ---------------------------------------------------------------------------
// Characters, as emitterc.go / yamlprivateh.go classify them

const isPrintable = (c: number) =>
  c === 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff);
const isBreak = (c: number | undefined) => c === 0x0d || c === 0x0a || c === 0x85 || c === 0x2028 || c === 0x2029;
const isSpace = (c: number | undefined) => c === 0x20;
const isBlank = (c: number | undefined) => c === 0x20 || c === 0x09;
const isBlankZ = (c: number | undefined) => isBlank(c) || isBreak(c) || c === 0 || c === undefined;

function utf8Length(s: string): number {
  let n = 0;
  for (const c of s) {
    const cp = c.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

// ---------------------------------------------------------------------------
// Scalar analysis (yaml_emitter_analyze_scalar)

interface Analysis {
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
  block: boolean;
}

const codes = (chars: string) => new Set(Array.from(chars, (c) => c.charCodeAt(0)));
/** Indicators that make a scalar start unsafe as plain in any context. */
const FIRST_INDICATORS = codes("#,[]{}&*!|>'\"%@`");
/** Indicators past the first character that rule out flow-plain (only block context matters here; libyaml computes both). */
const FLOW_INDICATORS = codes(",?[]{}");

function analyze(v: number[]): Analysis {
  if (v.length === 0) return { multiline: false, flowPlain: false, blockPlain: true, singleQuoted: true, block: false };
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  const startsWith3 = (c: number) => v.length >= 3 && v[0] === c && v[1] === c && v[2] === c;
  if (startsWith3(0x2d) || startsWith3(0x2e)) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  for (let i = 0; i < v.length; i++) {
    const c = v[i] as number;
    const followedByWhitespace = i + 1 >= v.length || isBlank(v[i + 1]);
    if (i === 0) {
      if (FIRST_INDICATORS.has(c)) {
        flowIndicators = true;
        blockIndicators = true;
      } else if (c === 0x3f || c === 0x3a) {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      } else if (c === 0x2d && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else if (FLOW_INDICATORS.has(c)) {
      flowIndicators = true;
    } else if (c === 0x3a) {
      flowIndicators = true;
      if (followedByWhitespace) blockIndicators = true;
    } else if (c === 0x23 && precededByWhitespace) {
      flowIndicators = true;
      blockIndicators = true;
    }
    if (!isPrintable(c)) special = true;
    if (isSpace(c)) {
      if (i === 0) leadingSpace = true;
      if (i === v.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === v.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankZ(c);
  }
  const a: Analysis = { multiline: lineBreaks, flowPlain: true, blockPlain: true, singleQuoted: true, block: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.flowPlain = a.blockPlain = false;
  if (trailingSpace) a.block = false;
  if (breakSpace) a.flowPlain = a.blockPlain = a.singleQuoted = false;
  if (spaceBreak || special) a.flowPlain = a.blockPlain = a.singleQuoted = a.block = false;
  if (lineBreaks) a.flowPlain = a.blockPlain = false;
  if (flowIndicators) a.flowPlain = false;
  if (blockIndicators) a.blockPlain = false;
  return a;
}

// ---------------------------------------------------------------------------
// The emitter

type Style = "plain" | "single" | "double" | "literal";

interface Scalar {
  text: string;
  style: Style;
}

/** The style encode.go asks for; the emitter may still fall back to quotes. */
function scalarOf(v: null | boolean | number | bigint | string): Scalar {
  if (v === null) return { text: "null", style: "plain" };
  if (typeof v === "boolean") return { text: v ? "true" : "false", style: "plain" };
  if (typeof v !== "string") return { text: yamlNumber(v), style: "plain" };
  if (v.includes("\n")) return { text: v, style: "literal" };
  return { text: v, style: resolvesAsString(v) && !isBase60Float(v) ? "plain" : "double" };
}

interface Context {
  mapping?: boolean;
  simpleKey?: boolean;
}

const hex = (c: number, digits: number) => c.toString(16).toUpperCase().padStart(digits, "0");

const ESCAPES: Record<number, string> = {
  0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0a: "n", 0x0b: "v", 0x0c: "f", 0x0d: "r", 0x1b: "e",
  0x22: '"', 0x5c: "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P",
};

/** Emits one document holding `root`, as go-yaml v2's `Marshal` of the decoded JSON. */
export function emitYaml(root: JsonValue): string {
  const out: string[] = [];
  let column = 0;
  let whitespace = true;
  let indention = true;
  let indent = -1;
  const indents: number[] = [];

  const put = (s: string) => {
    out.push(s);
    column += s.length;
  };
  const putBreak = () => {
    out.push("\n");
    column = 0;
  };
  const write = (c: number) => {
    out.push(String.fromCodePoint(c));
    column++;
  };
  const writeBreak = (c: number) => {
    if (c === 0x0a) return putBreak();
    write(c);
    column = 0;
  };
  const writeIndent = () => {
    const want = Math.max(indent, 0);
    if (!indention || column > want || (column === want && !whitespace)) putBreak();
    if (column < want) put(" ".repeat(want - column));
    whitespace = true;
    indention = true;
  };
  const writeIndicator = (text: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean) => {
    if (needWhitespace && !whitespace) put(" ");
    put(text);
    whitespace = isWhitespace;
    indention = indention && isIndention;
  };
  const increaseIndent = (flow: boolean, indentless: boolean) => {
    indents.push(indent);
    if (indent < 0) indent = flow ? BEST_INDENT : 0;
    else if (!indentless) indent += BEST_INDENT;
  };
  const popIndent = () => {
    indent = indents.pop() ?? -1;
  };

  const writePlain = (v: number[], text: string, allowBreaks: boolean) => {
    if (!whitespace) put(" ");
    // Plain scalars hold no line breaks; without a space past column 80 there is nothing to fold.
    if (!allowBreaks || column + v.length <= BEST_WIDTH + 1 || !text.includes(" ")) {
      out.push(text);
      column += v.length;
      whitespace = false;
      indention = false;
      return;
    }
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < v.length; i++) {
      const c = v[i] as number;
      if (isSpace(c)) {
        if (allowBreaks && !spaces && column > BEST_WIDTH && !isSpace(v[i + 1])) writeIndent();
        else write(c);
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === 0x0a) putBreak();
        writeBreak(c);
        indention = true;
        breaks = true;
      } else {
        if (breaks) writeIndent();
        write(c);
        indention = false;
        spaces = false;
        breaks = false;
      }
    }
    whitespace = false;
    indention = false;
  };

  const writeSingleQuoted = (v: number[], allowBreaks: boolean) => {
    writeIndicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < v.length; i++) {
      const c = v[i] as number;
      if (isSpace(c)) {
        if (allowBreaks && !spaces && column > BEST_WIDTH && i > 0 && i < v.length - 1 && !isSpace(v[i + 1])) writeIndent();
        else write(c);
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === 0x0a) putBreak();
        writeBreak(c);
        indention = true;
        breaks = true;
      } else {
        if (breaks) writeIndent();
        if (c === 0x27) put("'");
        write(c);
        indention = false;
        spaces = false;
        breaks = false;
      }
    }
    writeIndicator("'", false, false, false);
    whitespace = false;
    indention = false;
  };

  const writeDoubleQuoted = (v: number[], allowBreaks: boolean) => {
    // libyaml's is_bom looks at the start of the value, not at position i: after a leading BOM every character is escaped.
    const bom = v[0] === 0xfeff;
    writeIndicator('"', true, false, false);
    let spaces = false;
    for (let i = 0; i < v.length; i++) {
      const c = v[i] as number;
      if (!isPrintable(c) || bom || isBreak(c) || c === 0x22 || c === 0x5c) {
        const short = ESCAPES[c];
        put(`\\${short ?? (c <= 0xff ? `x${hex(c, 2)}` : c <= 0xffff ? `u${hex(c, 4)}` : `U${hex(c, 8)}`)}`);
        spaces = false;
      } else if (isSpace(c)) {
        if (allowBreaks && !spaces && column > BEST_WIDTH && i > 0 && i < v.length - 1) {
          writeIndent();
          if (isSpace(v[i + 1])) put("\\");
        } else write(c);
        spaces = true;
      } else {
        write(c);
        spaces = false;
      }
    }
    writeIndicator('"', false, false, false);
    whitespace = false;
    indention = false;
  };

  const writeLiteral = (v: number[]) => {
    writeIndicator("|", true, false, false);
    if (isSpace(v[0]) || isBreak(v[0])) writeIndicator(String(BEST_INDENT), false, false, false);
    const last = v.length - 1;
    let chomp = "";
    if (v.length === 0 || !isBreak(v[last])) chomp = "-";
    else if (last === 0 || isBreak(v[last - 1])) chomp = "+";
    if (chomp) writeIndicator(chomp, false, false, false);
    putBreak();
    indention = true;
    whitespace = true;
    let breaks = true;
    for (const c of v) {
      if (isBreak(c)) {
        writeBreak(c);
        indention = true;
        breaks = true;
      } else {
        if (breaks) writeIndent();
        write(c);
        indention = false;
        breaks = false;
      }
    }
  };

  const emitScalar = (s: Scalar, v: number[], a: Analysis, ctx: Context) => {
    // yaml_emitter_select_scalar_style, block context (flow level 0).
    let style = s.style;
    if (ctx.simpleKey && a.multiline) style = "double";
    if (style === "plain" && (!a.blockPlain || (v.length === 0 && ctx.simpleKey))) style = "single";
    if (style === "single" && !a.singleQuoted) style = "double";
    if (style === "literal" && (!a.block || ctx.simpleKey)) style = "double";
    increaseIndent(true, false);
    const allowBreaks = !ctx.simpleKey;
    if (style === "plain") writePlain(v, s.text, allowBreaks);
    else if (style === "single") writeSingleQuoted(v, allowBreaks);
    else if (style === "double") writeDoubleQuoted(v, allowBreaks);
    else writeLiteral(v);
    popIndent();
  };

  const emitNode = (node: JsonValue, ctx: Context): void => {
    if (Array.isArray(node)) {
      if (node.length === 0) {
        writeIndicator("[", true, true, false);
        writeIndicator("]", false, false, false);
        return;
      }
      increaseIndent(false, !!ctx.mapping && !indention);
      for (const item of node) {
        writeIndent();
        writeIndicator("-", true, false, true);
        emitNode(item, {});
      }
      popIndent();
      return;
    }
    if (node !== null && typeof node === "object") {
      const keys = sortKeys(Object.keys(node));
      if (keys.length === 0) {
        writeIndicator("{", true, true, false);
        writeIndicator("}", false, false, false);
        return;
      }
      increaseIndent(false, false);
      for (const k of keys) {
        writeIndent();
        const key = scalarOf(k);
        const kv = codePoints(key.text);
        const ka = analyze(kv);
        if (!ka.multiline && utf8Length(key.text) <= 128) {
          emitScalar(key, kv, ka, { mapping: true, simpleKey: true });
          writeIndicator(":", false, false, false);
        } else {
          writeIndicator("?", true, false, true);
          emitScalar(key, kv, ka, { mapping: true });
          writeIndent();
          writeIndicator(":", true, false, true);
        }
        emitNode(node[k] as JsonValue, { mapping: true });
      }
      popIndent();
      return;
    }
    const s = scalarOf(node);
    const v = codePoints(s.text);
    emitScalar(s, v, analyze(v), ctx);
  };

  emitNode(root, {});
  writeIndent();
  return out.join("");
}
