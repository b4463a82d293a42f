/**
 * kubectl's JSONPath template dialect (client-go util/jsonpath, v1.32),
 * evaluated by Kubently itself: `-o jsonpath=`, `-o jsonpath-as-json=`, the
 * cells of `-o custom-columns=` and the keys of `--sort-by`.
 *
 * Follows the client-go parser and evaluator step for step, so templates
 * print what kubectl prints and fail with kubectl's messages:
 * - text outside `{}` is printed as is; inside: `.field` (`\.` escapes a
 *   dot), `['key']`, `[n]`, `[start:end:step]` (negative indices count from
 *   the end), `[*]`, `*`, `..` recursive descent, unions `[a,b]`, filters
 *   `[?(@.x=="y")]` (`==`, `!=`, `<`, `<=`, `>`, `>=` with Go
 *   text/template's typed comparisons; `[?(@.x)]` tests existence),
 *   `"quoted"`/`'quoted'` text with Go escapes (`{"\n"}`), numbers,
 *   `true`/`false`, `$` and `@`, `{range …}…{end}`;
 * - each action's results print separated by a space: strings as they are,
 *   numbers and booleans as Go's `fmt.Print` prints them, JSON null as
 *   `null`, maps and slices as compact JSON (`json.Marshal`: keys sorted);
 *   `jsonpath-as-json` prints each action's results as one indented JSON array;
 * - a missing key is an error (`"x is not found"`) only when missing keys are
 *   not allowed (kubectl allows them unless `--allow-missing-template-keys=false`);
 * - where kubectl walks a Go map (`*` or `..` over an object) its order is
 *   random; here it is the keys' byte order.
 *
 * Nothing here reads files, runs code or touches anything but the value it
 * is given: the agent hands it objects whose Secret values are already masked.
 */
import { marshalIndent } from "./json.ts";
import { GoByte, GoFloat, type GoKind, goJson, goKind, goNumber, goQuote, goSprint, goSyntax, goTypeName, plainJson } from "./_go-values.ts";
import { compareCodePoints } from "../_gosort.ts";

/** A template kubectl (and so Kubently) rejects or fails on; `message` is kubectl's own text. */
export class JsonPathError extends Error {
  override name = "JsonPathError";
}

interface Param {
  value: number;
  known: boolean;
  derived: boolean;
}

type ListNode = { t: "list"; nodes: Node[] };
type Node =
  | ListNode
  | { t: "text"; text: string }
  | { t: "field"; value: string }
  | { t: "identifier"; name: string }
  | { t: "array"; params: [Param, Param, Param] }
  | { t: "filter"; left: ListNode; right: ListNode; op: string }
  | { t: "int"; value: number | bigint }
  | { t: "float"; value: number }
  | { t: "wildcard" }
  | { t: "recursive" }
  | { t: "union"; nodes: ListNode[] }
  | { t: "bool"; value: boolean };

const list = (): ListNode => ({ t: "list", nodes: [] });
const EOF = "";

// ---------------------------------------------------------------------------
// Parser (client-go jsonpath/parser.go)
// ---------------------------------------------------------------------------

const isSpace = (r: string) => r === " " || r === "\t";
const isEndOfLine = (r: string) => r === "\r" || r === "\n";
const isDigit = (r: string) => r !== EOF && /^\p{Nd}$/u.test(r);
const isAlphaNumeric = (r: string) => r === "_" || (r !== EOF && /^[\p{L}\p{Nd}]$/u.test(r));
const isTerminator = (r: string) => isSpace(r) || isEndOfLine(r) || r === EOF || ".,[]$@{}".includes(r);

/** `%#U`: `U+0023 '#'`. */
function goRune(r: string): string {
  const cp = r.codePointAt(0) ?? 0;
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(r) ? `${code} '${r}'` : code;
}

const DICT_KEY = /^'([^']*)'$/;
const SLICE = /^(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?$/;
const FILTER = /^([^!<>=]+)([!<>=]+)(.+?)$/;
const ATOI = /^[+-]?[0-9]+$/;
const PARSE_FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** `strconv.Atoi` on a 64-bit platform; null when it fails. */
function atoi(s: string): number | bigint | null {
  if (!ATOI.test(s)) return null;
  const v = BigInt(s);
  if (v < INT64_MIN || v > INT64_MAX) return null;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

class Parser {
  root: ListNode = list();
  private input = "";
  private pos = 0;
  private start = 0;
  private width = 0;

  parse(text: string): void {
    this.input = text;
    this.root = list();
    this.pos = 0;
    this.parseText(this.root);
  }

  private consumeText(): string {
    const value = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return value;
  }

  private next(): string {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = String.fromCodePoint(this.input.codePointAt(this.pos) ?? 0xfffd);
    this.width = r.length;
    this.pos += this.width;
    return r;
  }

  private peek(): string {
    const r = this.next();
    this.backup();
    return r;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  /** Text up to the next `{`, then the action; again until the end (parseText/parseLeftDelim/parseRightDelim). */
  private parseText(cur: ListNode): void {
    for (;;) {
      if (this.input.startsWith("{", this.pos)) {
        if (this.pos > this.start) cur.nodes.push({ t: "text", text: this.consumeText() });
        this.pos += 1;
        this.consumeText();
        const action = list();
        cur.nodes.push(action);
        this.parseInsideAction(action);
        // After the right delimiter, text goes on at the root.
        cur = this.root;
        continue;
      }
      if (this.next() === EOF) break;
    }
    if (this.pos > this.start) cur.nodes.push({ t: "text", text: this.consumeText() });
  }

  private parseInsideAction(cur: ListNode): void {
    for (;;) {
      if (this.input.startsWith("}", this.pos)) {
        this.pos += 1;
        this.consumeText();
        return;
      }
      if (this.input.startsWith("[?(", this.pos)) {
        this.parseFilter(cur);
        continue;
      }
      if (this.input.startsWith("..", this.pos)) {
        this.parseRecursive(cur);
        continue;
      }
      const r = this.next();
      if (r === EOF || isEndOfLine(r)) throw new JsonPathError("unclosed action");
      if (r === " " || r === "@" || r === "$") {
        this.consumeText();
      } else if (r === "[") {
        this.parseArray(cur);
      } else if (r === '"' || r === "'") {
        this.parseQuote(cur, r);
      } else if (r === ".") {
        this.parseField(cur);
      } else if (r === "+" || r === "-" || isDigit(r)) {
        this.backup();
        this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.backup();
        this.parseIdentifier(cur);
      } else {
        throw new JsonPathError(`unrecognized character in action: ${goRune(r)}`);
      }
    }
  }

  private parseIdentifier(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (value === "true" || value === "false") cur.nodes.push({ t: "bool", value: value === "true" });
    else cur.nodes.push({ t: "identifier", name: value });
  }

  private parseRecursive(cur: ListNode): void {
    if (cur.nodes.at(-1)?.t === "recursive") throw new JsonPathError("invalid multiple recursive descent");
    this.pos += 2;
    this.consumeText();
    cur.nodes.push({ t: "recursive" });
    if (isAlphaNumeric(this.peek())) this.parseField(cur);
  }

  private parseNumber(cur: ListNode): void {
    let r = this.peek();
    if (r === "+" || r === "-") this.next();
    for (;;) {
      r = this.next();
      if (r !== "." && !isDigit(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    const i = atoi(value);
    if (i !== null) {
      cur.nodes.push({ t: "int", value: i });
      return;
    }
    const f = PARSE_FLOAT.test(value) ? Number(value) : Number.NaN;
    if (Number.isFinite(f)) {
      cur.nodes.push({ t: "float", value: f });
      return;
    }
    throw new JsonPathError(`cannot parse number ${value}`);
  }

  private parseArray(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === "\n") throw new JsonPathError("unterminated array");
      if (r === "]") break;
    }
    let text = this.consumeText().slice(1, -1);
    if (text === "*") text = ":";

    const parts = text.split(",");
    if (parts.length > 1) {
      const union: ListNode[] = parts.map((s) => parseAction(`[${s.replace(/^ +| +$/g, "")}]`));
      cur.nodes.push({ t: "union", nodes: union });
      return;
    }
    const key = DICT_KEY.exec(text);
    if (key) {
      cur.nodes.push(...parseAction(`.${key[1]}`).nodes);
      return;
    }
    const slice = SLICE.exec(text);
    if (!slice) throw new JsonPathError(`invalid array index ${text}`);
    const params: [Param, Param, Param] = [
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
    ];
    for (let i = 0; i < 3; i++) {
      let v = slice[i + 1] ?? "";
      const p = params[i]!;
      if (v !== "") {
        if (i > 0) v = v.slice(1);
        if (i > 0 && v === "") {
          p.known = false;
        } else {
          const n = atoi(v);
          if (n === null) throw new JsonPathError(`array index ${v} is not a number`);
          p.known = true;
          p.value = Number(n);
        }
      } else if (i === 1) {
        p.known = true;
        p.value = params[0]!.value + 1;
        p.derived = true;
      } else {
        p.known = false;
        p.value = 0;
      }
    }
    cur.nodes.push({ t: "array", params });
  }

  private parseFilter(cur: ListNode): void {
    this.pos += 3;
    this.consumeText();
    let begin = false;
    let end = false;
    let pair = "";
    for (;;) {
      const r = this.next();
      if (r === EOF || r === "\n") throw new JsonPathError("unterminated filter");
      if (r === '"' || r === "'") {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== "\\" && r === pair) end = true;
      } else if (r === ")") {
        if (begin === end) break;
      }
    }
    if (this.next() !== "]") throw new JsonPathError("unclosed array expect ]");
    const text = this.consumeText().slice(0, -2);
    const m = FILTER.exec(text);
    if (!m) {
      cur.nodes.push({ t: "filter", left: parseAction(text), right: list(), op: "exists" });
      return;
    }
    cur.nodes.push({ t: "filter", left: parseAction(m[1]!), right: parseAction(m[3]!), op: m[2]! });
  }

  private parseQuote(cur: ListNode, end: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === "\n") throw new JsonPathError("unterminated quoted string");
      if (r === end && this.input[this.pos - 2] !== "\\") break;
    }
    const value = this.consumeText();
    const s = unquoteExtend(value);
    if (s === null) throw new JsonPathError(`unquote string ${value} error invalid syntax`);
    cur.nodes.push({ t: "text", text: s });
  }

  private parseField(cur: ListNode): void {
    this.consumeText();
    while (this.advance()) {
      // scan to the next unescaped terminator
    }
    const value = this.consumeText();
    if (value === "*") cur.nodes.push({ t: "wildcard" });
    else cur.nodes.push({ t: "field", value: value.replaceAll("\\", "") });
  }

  private advance(): boolean {
    const r = this.next();
    if (r === "\\") this.next();
    else if (isTerminator(r)) {
      this.backup();
      return false;
    }
    return true;
  }
}

/** client-go's parseAction: parses `{text}` and returns the action's node list. */
function parseAction(text: string): ListNode {
  const p = new Parser();
  p.parse(`{${text}}`);
  return p.root.nodes[0] as ListNode;
}

const HEX = /^[0-9a-fA-F]+$/;

/** client-go's UnquoteExtend (strconv.Unquote that also takes single quotes); null on a syntax error. */
function unquoteExtend(s: string): string | null {
  if (s.length < 2) return null;
  const quote = s[0]!;
  if (quote !== s[s.length - 1] || (quote !== '"' && quote !== "'")) return null;
  s = s.slice(1, -1);
  if (!s.includes("\\") && !s.includes(quote)) return s;
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === quote) return null;
    if (c !== "\\") {
      const cp = s.codePointAt(i)!;
      out += String.fromCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = s[i + 1];
    if (e === undefined) return null;
    i += 2;
    const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\" };
    if (e in simple) {
      out += simple[e];
    } else if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      const digits = s.slice(i, i + n);
      if (digits.length < n || !HEX.test(digits)) return null;
      i += n;
      const v = Number.parseInt(digits, 16);
      if (e === "x") out += v < 0x80 ? String.fromCharCode(v) : "\ufffd"; // a raw byte; above 0x7f it is not UTF-8 on its own
      else if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return null;
      else out += String.fromCodePoint(v);
    } else if (e >= "0" && e <= "7") {
      const digits = s.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(digits)) return null;
      i += 2;
      const v = Number.parseInt(digits, 8);
      if (v > 255) return null;
      out += v < 0x80 ? String.fromCharCode(v) : "\ufffd";
    } else if (e === "'" || e === '"') {
      if (e !== quote) return null;
      out += e;
    } else {
      return null;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Evaluation (client-go jsonpath/jsonpath.go)
// ---------------------------------------------------------------------------

/** Go's zero `reflect.Value`: what a range over no items evaluates its body on. */
const INVALID: unique symbol = Symbol("invalid reflect.Value");
type Value = unknown;
type Step = [Value[], string | null];

const isNil = (v: Value): boolean => v === null || v === undefined;
const isMap = (v: Value): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof GoByte) && !(v instanceof GoFloat);
const sortedEntries = (m: Record<string, unknown>): unknown[] => Object.keys(m).sort(compareCodePoints).map((k) => m[k]);
const utf8 = new TextEncoder();

/** The children a wildcard or `..` visits: a map's values (in key order), a slice's items, a string's bytes. */
function children(value: Value): Value[] {
  if (Array.isArray(value)) return value;
  if (typeof value === "string") return [...utf8.encode(value)].map((b) => new GoByte(b));
  if (isMap(value)) return sortedEntries(value);
  return [];
}

/** `%v` of a reflect.Value, as in kubectl's "is not array or slice and cannot be filtered". */
const describe = (v: Value): string => (v === INVALID ? "<invalid reflect.Value>" : goSprint(v));

/** text/template's basicKind; null for kinds it cannot compare ("invalid type for comparison"). */
function basicKind(v: Value): Exclude<GoKind, "nil" | "slice" | "map"> | null {
  if (v === INVALID) return null;
  const k = goKind(v);
  return k === "nil" || k === "slice" || k === "map" ? null : k;
}

const ERR_BAD_TYPE = "invalid type for comparison";
const ERR_INCOMPATIBLE = "incompatible types for comparison";

const bigOf = (v: Value): bigint => (typeof v === "bigint" ? v : BigInt(Math.trunc(goNumber(v))));
function numLess(a: Value, b: Value, kind: "int" | "uint" | "float"): boolean {
  if (kind === "float") return goNumber(a) < goNumber(b);
  return typeof a === "bigint" || typeof b === "bigint" ? bigOf(a) < bigOf(b) : goNumber(a) < goNumber(b);
}
function numEqual(a: Value, b: Value, kind: "int" | "uint" | "float"): boolean {
  if (kind === "float") return goNumber(a) === goNumber(b);
  return typeof a === "bigint" || typeof b === "bigint" ? bigOf(a) === bigOf(b) : goNumber(a) === goNumber(b);
}

/** text/template's `eq`. */
function goEqual(a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === null || k2 === null) throw new JsonPathError(ERR_BAD_TYPE);
  if (k1 !== k2) {
    if ((k1 === "int" && k2 === "uint") || (k1 === "uint" && k2 === "int")) return numEqual(a, b, "int");
    throw new JsonPathError(ERR_INCOMPATIBLE);
  }
  if (k1 === "int" || k1 === "uint" || k1 === "float") return numEqual(a, b, k1);
  return a === b;
}

/** text/template's `lt`. */
function goLess(a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === null || k2 === null) throw new JsonPathError(ERR_BAD_TYPE);
  if (k1 !== k2) {
    if (k1 === "int" && k2 === "uint") return bigOf(a) < 0n || bigOf(a) < bigOf(b);
    if (k1 === "uint" && k2 === "int") return bigOf(b) >= 0n && bigOf(a) < bigOf(b);
    throw new JsonPathError(ERR_INCOMPATIBLE);
  }
  if (k1 === "bool") throw new JsonPathError(ERR_BAD_TYPE);
  if (k1 === "string") return compareCodePoints(a as string, b as string) < 0;
  return numLess(a, b, k1);
}

function compare(op: string, a: Value, b: Value): boolean | null {
  switch (op) {
    case "<":
      return goLess(a, b);
    case ">":
      return !(goLess(a, b) || goEqual(a, b));
    case "==":
      return goEqual(a, b);
    case "!=":
      return !goEqual(a, b);
    case "<=":
      return goLess(a, b) || goEqual(a, b);
    case ">=":
      return !goLess(a, b);
    default:
      return null;
  }
}

/** The most values one evaluation may produce (the sum over every step), so a template cannot exhaust the agent. */
export const MAX_VALUES = 5_000_000;

/** Options of a {@link JsonPath}. */
export interface JsonPathOptions {
  /**
   * A missing field or key reads as nothing instead of failing with
   * `"<key> is not found"`. kubectl allows them unless
   * `--allow-missing-template-keys=false`; custom-columns and `--sort-by` always do.
   * @default false (client-go's default)
   */
  allowMissingKeys?: boolean;
  /** Print each action's results as one indented JSON array (`-o jsonpath-as-json`). @default false */
  outputJson?: boolean;
}

/**
 * One parsed template, with client-go's evaluation state. Like client-go's
 * `JSONPath`, an instance keeps its range state between executions: kubectl
 * reuses one printer for every object of a watch, and so does Kubently.
 */
export class JsonPath {
  private nodes: Node[] = [];
  /** Where the template's root list starts now: client-go re-slices it while ranging and never restores it. */
  private rootStart = 0;
  private beginRange = 0;
  private inRange = 0;
  private endRange = 0;
  private lastEndNode: number | null = null;
  private readonly allowMissingKeys: boolean;
  private readonly outputJson: boolean;
  /** Values produced by the current evaluation. */
  private values = 0;

  /** Parses `template`; throws {@link JsonPathError} with kubectl's message when it is malformed. */
  constructor(readonly template: string, options: JsonPathOptions = {}) {
    const p = new Parser();
    p.parse(template);
    this.nodes = p.root.nodes;
    this.allowMissingKeys = options.allowMissingKeys ?? false;
    this.outputJson = options.outputJson ?? false;
  }

  /**
   * client-go's `Execute`: the text the template prints for `data`; throws
   * {@link JsonPathError}. Printing stops once the text is longer than
   * `maxLength` (the caller cuts it at its cap).
   */
  execute(data: unknown, maxLength = Number.POSITIVE_INFINITY): string {
    let text = "";
    for (const r of this.findResults(data)) {
      text += this.printResults(r, maxLength - text.length);
      if (text.length > maxLength) break;
    }
    return text;
  }

  /**
   * client-go's `FindResults`: each action's results, ranges expanded;
   * throws {@link JsonPathError}. Unlike client-go, evaluation is bounded:
   * past {@link MAX_VALUES} values (nested ranges over `..` can ask for
   * billions) it fails instead of exhausting the agent.
   */
  findResults(data: unknown): Value[][] {
    this.values = 0;
    return this.find(data);
  }

  private find(data: unknown): Value[][] {
    const cur: Value[] = [data];
    const start = this.rootStart;
    const count = this.nodes.length - start;
    const full: Value[][] = [];
    for (let i = 0; i < count; i++) {
      const [results, err] = this.walk(cur, this.nodes[start + i]!);
      if (err !== null) throw new JsonPathError(err);
      // An end node closes the current block.
      if (this.endRange > 0 && this.endRange <= this.inRange) {
        this.endRange--;
        this.lastEndNode = start + i;
        break;
      }
      // A range node: the nodes after it run once per result.
      if (this.beginRange > 0) {
        this.beginRange--;
        this.inRange++;
        if (results.length > 0) {
          for (const value of results) {
            this.rootStart = start + i + 1;
            for (const r of this.find(value)) full.push(r);
          }
        } else {
          // No items: the body still runs (on nothing) so the position reaches its end node.
          this.rootStart = start + i + 1;
          this.find(INVALID);
        }
        this.inRange--;
        for (let k = i + 1; k < count; k++) {
          if (start + k === this.lastEndNode) {
            i = k;
            break;
          }
        }
        continue;
      }
      full.push(results);
    }
    return full;
  }

  /** client-go's `PrintResults`: one action's results as text (stopping once longer than `maxLength`). */
  printResults(results: Value[], maxLength = Number.POSITIVE_INFINITY): string {
    if (this.outputJson) {
      return `${marshalIndent(results.map((r) => (r === INVALID ? null : plainJson(r))), { indent: "    ", sortKeys: () => true })}\n`;
    }
    let text = "";
    for (let i = 0; i < results.length && text.length <= maxLength; i++) {
      const r = results[i];
      const k = r === INVALID ? "nil" : goKind(r);
      text += (i > 0 ? " " : "") + (k === "map" || k === "slice" ? goJson(r) : this.toText(r));
    }
    return text;
  }

  private toText(v: Value): string {
    if (v === INVALID) return "<no value>";
    if (isNil(v)) return "null";
    return goSprint(v);
  }

  private walk(value: Value[], node: Node): Step {
    const step = this.step(value, node);
    this.values += step[0].length;
    if (this.values > MAX_VALUES) throw new JsonPathError(`the template produced more than ${MAX_VALUES} values; narrow it (Kubently's limit)`);
    return step;
  }

  private step(value: Value[], node: Node): Step {
    switch (node.t) {
      case "list":
        return this.evalList(value, node);
      case "text":
        return [[node.text], null];
      case "field":
        return this.evalField(value, node.value);
      case "array":
        return this.evalArray(value, node.params);
      case "filter":
        return this.evalFilter(value, node);
      case "int":
        return [value.map(() => node.value), null];
      case "bool":
        return [value.map(() => node.value), null];
      case "float":
        return [value.map(() => new GoFloat(node.value)), null];
      case "wildcard":
        return [value.filter((v) => !isNil(v)).flatMap(children), null];
      case "recursive":
        return this.evalRecursive(value);
      case "union":
        return this.evalUnion(value, node.nodes);
      case "identifier":
        return this.evalIdentifier(value, node.name);
    }
  }

  private evalList(value: Value[], node: ListNode): Step {
    let cur = value;
    for (const n of node.nodes) {
      const [next, err] = this.walk(cur, n);
      cur = next;
      if (err !== null) return [cur, err];
    }
    return [cur, null];
  }

  private evalIdentifier(input: Value[], name: string): Step {
    if (name === "range") {
      this.beginRange++;
      return [input, null];
    }
    if (name === "end") {
      if (this.inRange > 0) {
        this.endRange++;
        return [[], null];
      }
      return [[], "not in range, nothing to end"];
    }
    return [input, `unrecognized identifier ${name}`];
  }

  private evalField(input: Value[], key: string): Step {
    const results: Value[] = [];
    if (input.length === 0) return [results, null];
    for (const value of input) {
      if (isNil(value)) continue;
      if (isMap(value) && Object.hasOwn(value, key)) results.push(value[key]);
    }
    if (results.length === 0 && !this.allowMissingKeys) return [results, `${key} is not found`];
    return [results, null];
  }

  private evalArray(input: Value[], template: [Param, Param, Param]): Step {
    const result: Value[] = [];
    for (const value of input) {
      if (isNil(value)) continue;
      if (!Array.isArray(value)) {
        return [input, value === INVALID ? "<invalid Value> is not array or slice" : `${goTypeName(value)} is not array or slice`];
      }
      const params = template.map((p) => ({ ...p }));
      const [p0, p1, p2] = params as [Param, Param, Param];
      const len = value.length;
      if (!p0.known) p0.value = 0;
      if (p0.value < 0) p0.value += len;
      if (!p1.known) p1.value = len;
      if (p1.value < 0 || (p1.value === 0 && p1.derived)) p1.value += len;
      if (p1.value === p0.value) return [result, null]; // zero elements requested: allowed through
      if (p0.value >= len || p0.value < 0) return [input, `array index out of bounds: index ${p0.value}, length ${len}`];
      if (p1.value > len || p1.value < 0) return [input, `array index out of bounds: index ${p1.value - 1}, length ${len}`];
      if (p0.value > p1.value) return [input, `starting index ${p0.value} is greater than ending index ${p1.value}`];
      const slice = value.slice(p0.value, p1.value);
      let step = 1;
      if (p2.known) {
        if (p2.value <= 0) return [input, "step must be > 0"];
        step = p2.value;
      }
      for (let i = 0; i < slice.length; i += step) result.push(slice[i]);
    }
    return [result, null];
  }

  private evalUnion(input: Value[], nodes: ListNode[]): Step {
    const result: Value[] = [];
    for (const n of nodes) {
      const [values, err] = this.evalList(input, n);
      if (err !== null) return [input, err];
      for (const v of values) result.push(v);
    }
    return [result, null];
  }

  private evalRecursive(input: Value[]): Step {
    const result: Value[] = [];
    for (const value of input) {
      if (isNil(value)) continue;
      const kids = children(value);
      if (kids.length !== 0) {
        result.push(value);
        const [output] = this.evalRecursive(kids);
        for (const v of output) result.push(v);
      }
    }
    return [result, null];
  }

  private evalFilter(input: Value[], node: Extract<Node, { t: "filter" }>): Step {
    const results: Value[] = [];
    for (const value of input) {
      if (!Array.isArray(value)) return [input, `${describe(value)} is not array or slice and cannot be filtered`];
      for (const item of value) {
        const temp = [item];
        const [lefts, err] = this.evalList(temp, node.left);
        if (node.op === "exists") {
          if (lefts.length > 0) results.push(item);
          continue;
        }
        if (err !== null) return [input, err];
        if (lefts.length === 0) continue;
        if (lefts.length > 1) return [input, "can only compare one element at a time"];
        const [rights, err2] = this.evalList(temp, node.right);
        if (err2 !== null) return [input, err2];
        if (rights.length === 0) continue;
        if (rights.length > 1) return [input, "can only compare one element at a time"];
        let pass: boolean | null;
        try {
          pass = compare(node.op, lefts[0], rights[0]);
        } catch (e) {
          return [results, (e as Error).message];
        }
        if (pass === null) return [results, `unrecognized filter operator ${node.op}`];
        if (pass) results.push(item);
      }
    }
    return [results, null];
  }
}

/**
 * kubectl's `JSONPathPrinter.PrintObj` for one object (a single object, a
 * `List`, a watch event): the printed text, or kubectl's error, which
 * includes the template and (Go `%#v`) the object it was given. The object
 * must already be redacted: the error repeats it.
 */
export function printJsonPath(path: JsonPath, obj: unknown, maxLength?: number): { text: string; error?: string } {
  try {
    return { text: path.execute(obj, maxLength) };
  } catch (e) {
    if (!(e instanceof JsonPathError)) throw e;
    let dump = goSyntax(obj);
    // kubectl dumps the whole object; a list can make that megabytes of stderr. Keep kubectl's stderr cap.
    if (dump.length > MAX_ERROR_DUMP) dump = `${dump.slice(0, MAX_ERROR_DUMP)}...`;
    const detail =
      `Error executing template: ${e.message}. Printing more information for debugging the template:\n` +
      `\ttemplate was:\n\t\t${path.template}\n` +
      `\tobject given to jsonpath engine was:\n\t\t${dump}\n\n`;
    return { text: "", error: `error executing jsonpath ${goQuote(path.template)}: ${detail}\n` };
  }
}

/** How much of the object a jsonpath error repeats (kubectl repeats all of it; the kubectl executor keeps 64 KiB of stderr). */
const MAX_ERROR_DUMP = 60 * 1024;

/**
 * The printer for `-o jsonpath=TEMPLATE` (or `jsonpath-as-json`), or
 * kubectl's error for a template it cannot parse
 * (`error parsing jsonpath {.x, unclosed action`).
 */
export function jsonPathPrinter(template: string, options: JsonPathOptions): JsonPath | { error: string } {
  try {
    return new JsonPath(template, options);
  } catch (e) {
    if (!(e instanceof JsonPathError)) throw e;
    return { error: `error parsing jsonpath ${template}, ${e.message}` };
  }
}
