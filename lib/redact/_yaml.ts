/**
 * Structural redaction of kubectl's YAML output, line by line, without a YAML
 * library. kubectl prints a regular subset (go-yaml v2 via sigs.k8s.io/yaml):
 * block mappings indented by two spaces, sequences (`- `) at their parent
 * key's indentation or deeper, plain or quoted scalars that may fold onto
 * deeper-indented continuation lines, and `|`/`>` block scalars. The reader
 * keeps a stack of open keys by column, groups keys into mappings (so a
 * Secret's `kind`, printed after `data`, still decides), and gives every
 * value the lines that belong to it. A masked value becomes `key: <mask>`
 * and its continuation lines are dropped.
 */
import { LAST_APPLIED, type RedactRules, indentOf, isPlaceholder, isSensitiveKey, unquote } from "./_shared.ts";

interface MapInfo {
  /** The key whose value this mapping (or sequence item) is. */
  parentKey: string | null;
  parentMap: MapInfo | null;
  isItem: boolean;
  kind?: string;
  name?: string;
  hasApiVersion: boolean;
  secretData?: boolean;
}

interface Frame {
  col: number;
  key: string;
  map: MapInfo;
}

interface Entry {
  line: number;
  map: MapInfo;
  /** `null` for a scalar sequence item. */
  key: string | null;
  /** Where the value starts in the line (after `key: ` or `- `). */
  valueStart: number;
  value: string;
  block: boolean;
  /** Lines after `line` that belong to the value (exclusive end). */
  ownedEnd: number;
}

const QUOTED_DQ = /^"((?:[^"\\]|\\.)*)"[ \t]*:(?=[ \t]|$)/;
const QUOTED_SQ = /^'((?:[^']|'')*)'[ \t]*:(?=[ \t]|$)/;
const PLAIN_KEY = /^([^\s"'#{[\]][^:]*):(?=[ \t]|$)/;
const BLOCK = /^[|>][0-9+-]{0,3}$/;

function parseKey(rest: string): { key: string; after: number } | null {
  let m = QUOTED_DQ.exec(rest);
  if (m) {
    let key: string;
    try {
      key = JSON.parse(`"${m[1]}"`) as string;
    } catch {
      key = m[1] ?? "";
    }
    return { key, after: m[0].length };
  }
  m = QUOTED_SQ.exec(rest);
  if (m) return { key: (m[1] ?? "").replaceAll("''", "'"), after: m[0].length };
  m = PLAIN_KEY.exec(rest);
  if (m) return { key: (m[1] ?? "").trimEnd(), after: m[0].length };
  return null;
}

/** Whether a mapping lies under `data`/`stringData` of a Secret (or of a cut-off object that may be one). */
function underSecretData(map: MapInfo): boolean {
  if (map.secretData !== undefined) return map.secretData;
  let result = false;
  const parent = map.parentMap;
  if (parent) {
    if (map.parentKey === "data" || map.parentKey === "stringData") {
      result = parent.kind === "Secret" || (parent.kind === undefined && parent.hasApiVersion);
    }
    if (!result) result = underSecretData(parent);
  }
  map.secretData = result;
  return result;
}

/**
 * Masks, in kubectl YAML: Secret `data`/`stringData` values, the
 * last-applied-configuration annotation, `value` of `env` items with a
 * sensitive `name`, and any value of a sensitive key (`password:`,
 * `token:`...) including block and folded scalars.
 */
export function redactYaml(text: string, rules: RedactRules): string {
  const lines = text.split("\n");
  const entries: Entry[] = [];
  let stack: Frame[] = [];
  let owner: Entry | null = null;
  let ownerCol = 0;

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const body = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const indent = indentOf(body);
    const blank = indent === body.length;
    if (owner) {
      // Blank lines inside a value belong to it only when a deeper line follows.
      if (blank) continue;
      if (indent > ownerCol) {
        owner.ownedEnd = i + 1;
        continue;
      }
      owner = null;
    }
    if (blank) continue;
    if (body === "---" || body === "...") {
      stack = [];
      continue;
    }
    if (body.charCodeAt(indent) === 35) continue; // comment

    let col = indent;
    let rest = body.slice(indent);
    let item: MapInfo | null = null;
    let dashCol = -1;
    // Sequence markers: each `- ` opens a new item of the sequence owned by the nearest shallower key.
    while (rest === "-" || rest.startsWith("- ")) {
      dashCol = col;
      while (stack.length > 0 && (stack[stack.length - 1] as Frame).col > col) stack.pop();
      const parent = stack[stack.length - 1];
      item = { parentKey: parent?.key ?? null, parentMap: parent?.map ?? null, isItem: true, hasApiVersion: false };
      let skip = 1;
      while (skip < rest.length && rest.charCodeAt(skip) === 32) skip++;
      col += skip;
      rest = rest.slice(skip);
      if (rest === "") break;
      // A nested sequence item (`- - x`) belongs to a sequence with no key of its own.
      if (rest === "-" || rest.startsWith("- ")) stack.push({ col: dashCol, key: "", map: item });
    }

    const parsed = rest === "" ? null : parseKey(rest);
    if (!parsed) {
      if (item && rest !== "") {
        // A scalar sequence item: its continuation lines are its own.
        const e: Entry = { line: i, map: item, key: null, valueStart: col, value: rest.trimEnd(), block: BLOCK.test(rest.trimEnd()), ownedEnd: i + 1 };
        entries.push(e);
        owner = e;
        ownerCol = dashCol;
      }
      continue;
    }

    let sibling: Frame | undefined;
    while (stack.length > 0 && (stack[stack.length - 1] as Frame).col >= col) {
      const f = stack.pop() as Frame;
      if (f.col === col) sibling = f;
    }
    let map: MapInfo;
    if (item) map = item;
    else if (sibling) map = sibling.map;
    else {
      const parent = stack[stack.length - 1];
      map = { parentKey: parent?.key ?? null, parentMap: parent?.map ?? null, isItem: false, hasApiVersion: false };
    }
    const { key } = parsed;
    let valueStart = col + parsed.after;
    while (valueStart < body.length && (body.charCodeAt(valueStart) === 32 || body.charCodeAt(valueStart) === 9)) valueStart++;
    const value = body.slice(valueStart).trimEnd();
    stack.push({ col, key, map });
    if (key === "kind" && map.kind === undefined) map.kind = unquote(value);
    else if (key === "name" && map.name === undefined) map.name = unquote(value);
    else if (key === "apiVersion") map.hasApiVersion = true;
    if (value !== "") {
      const e: Entry = { line: i, map, key, valueStart, value, block: BLOCK.test(value), ownedEnd: i + 1 };
      entries.push(e);
      owner = e;
      ownerCol = col;
    }
  }

  const mask = rules.mask;
  let changed = false;
  const out: (string | null)[] = lines.slice();
  for (const e of entries) {
    let hide = false;
    if (e.key === LAST_APPLIED) hide = true;
    else if (underSecretData(e.map)) hide = e.value !== "{}" && e.value !== "[]";
    else if (e.key === "value" && e.map.isItem && e.map.parentKey === "env" && e.map.name !== undefined) hide = rules.sensitiveEnvName(e.map.name);
    if (!hide && e.key !== null && isSensitiveKey(e.key)) {
      // A block scalar, or a plain/quoted one (possibly folded over several lines) that is not a placeholder.
      const folded = e.ownedEnd > e.line + 1;
      hide = e.block || (!/^[{[]/.test(e.value) && (folded || !isPlaceholder(unquote(e.value), mask)));
    }
    if (!hide) continue;
    if (e.value === mask && e.ownedEnd === e.line + 1) continue;
    const raw = lines[e.line] ?? "";
    const cr = raw.endsWith("\r") ? "\r" : "";
    out[e.line] = `${raw.slice(0, e.valueStart)}${mask}${cr}`;
    for (let j = e.line + 1; j < e.ownedEnd; j++) out[j] = null;
    changed = true;
  }
  if (!changed) return text;
  return out.filter((l): l is string => l !== null).join("\n");
}
