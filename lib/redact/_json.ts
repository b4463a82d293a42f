/**
 * Structural redaction of kubectl's JSON output (`-o json`, Lists, several
 * concatenated objects as `-w` prints them), without `JSON.parse`: a
 * tolerant single-pass scanner records where each string value sits (its
 * object, that object's key in its parent, the object's `kind`/`name`), and
 * only those spans are rewritten, so the rest of the text stays byte for
 * byte. Truncated output (cut at the byte cap) and malformed text are read
 * as far as they go; nothing here throws on any input.
 */
import { type Edit, LAST_APPLIED, type RedactRules, applyEdits } from "./_shared.ts";

interface Container {
  isObject: boolean;
  parent: Container | null;
  /** Key of this container in its parent object; `null` in an array or at the root. */
  keyInParent: string | null;
  expectKey: boolean;
  key: string | null;
  kind?: string;
  name?: string;
  hasApiVersion: boolean;
}

interface StringValue {
  start: number;
  end: number;
  owner: Container;
  key: string | null;
}

const decodeKey = (raw: string): string => {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw.slice(1, -1);
  }
};

/** Index after the JSON string starting at `i` (at its `"`), or the text's end when unterminated. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 34) return j + 1;
  }
  return text.length;
}

/** True when an object looks like a Secret, or may be one whose `kind` was cut off. */
const maybeSecret = (o: Container | null): boolean =>
  !!o && o.isObject && (o.kind === "Secret" || (o.kind === undefined && o.hasApiVersion));

/**
 * Masks, in JSON text: every string under `data`/`stringData` of a Secret
 * (or of an object with `apiVersion` whose `kind` never came, i.e. cut off),
 * the last-applied-configuration annotation anywhere, and `value` of `env`
 * entries whose `name` is sensitive.
 */
export function redactJson(text: string, rules: RedactRules): string {
  const values: StringValue[] = [];
  let top = null as Container | null;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 123 || c === 91) {
      const keyInParent: string | null = top?.isObject ? top.key : null;
      top = { isObject: c === 123, parent: top, keyInParent, expectKey: c === 123, key: null, hasApiVersion: false };
      i++;
    } else if (c === 125 || c === 93) {
      if (top) {
        top = top.parent;
        if (top?.isObject) top.key = null;
      }
      i++;
    } else if (c === 58) {
      if (top?.isObject) top.expectKey = false;
      i++;
    } else if (c === 44) {
      if (top?.isObject) {
        top.expectKey = true;
        top.key = null;
      }
      i++;
    } else if (c === 34) {
      const end = stringEnd(text, i);
      if (top?.isObject && top.expectKey) {
        top.key = end - i <= 4096 ? decodeKey(text.slice(i, end)) : "";
      } else if (top) {
        values.push({ start: i, end, owner: top, key: top.isObject ? top.key : null });
        if (top.isObject && end - i <= 1026) {
          if (top.key === "kind") top.kind = decodeKey(text.slice(i, end));
          else if (top.key === "name") top.name = decodeKey(text.slice(i, end));
        }
      }
      if (top?.isObject && top.key === "apiVersion") top.hasApiVersion = true;
      i = end;
    } else {
      i++;
    }
  }

  const masked = JSON.stringify(rules.mask);
  const edits: Edit[] = [];
  for (const v of values) {
    const o = v.owner;
    if (!o.isObject) {
      // Array elements directly under a Secret's data are not a shape the API produces; mask them anyway.
      if ((o.keyInParent === "data" || o.keyInParent === "stringData") && maybeSecret(o.parent)) edits.push({ start: v.start, end: v.end, text: masked });
      continue;
    }
    let mask = v.key === LAST_APPLIED;
    if (!mask && (o.keyInParent === "data" || o.keyInParent === "stringData")) mask = maybeSecret(o.parent);
    if (!mask && v.key === "value" && o.name !== undefined && o.parent && !o.parent.isObject && o.parent.keyInParent === "env") {
      mask = rules.sensitiveEnvName(o.name);
    }
    if (mask) edits.push({ start: v.start, end: v.end, text: masked });
  }
  return applyEdits(text, edits);
}
