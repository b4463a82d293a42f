/**
 * The first half of sigs.k8s.io/yaml's JSONToYAML: go-yaml v2 *parses* the
 * JSON that Go's encoding/json wrote. JSON is YAML, nearly: Go's encoder leaves
 * a few characters raw that YAML treats specially, and kubectl's output shows
 * it. This pass applies those effects to the data before it is emitted:
 *
 * - NEL (U+0085) is a YAML line break. Inside a double-quoted scalar a run of
 *   spaces and breaks holding one NEL folds to one space, n NELs to n-1
 *   newlines (`"a \u0085 b"` prints as `a b`).
 * - A map key that spans lines (holds a NEL) or whose JSON form is longer than
 *   1024 characters is not a valid implicit key: kubectl fails with
 *   `yaml: line N: did not find expected ',' or '}'`.
 * - A line starting with `---` or `...` and a blank inside a folded string is a
 *   document marker: `yaml: line N: found unexpected document indicator`.
 * - DEL, C1 controls other than NEL, U+FFFE and U+FFFF are not allowed in a
 *   YAML stream: `yaml: control characters are not allowed`.
 *
 * Line numbers count the raw NELs before the problem in the compact JSON (keys
 * in byte order), as go-yaml counts lines. When one object has several of
 * these problems, the one earliest in the JSON is reported; go-yaml decodes
 * ahead in 512-byte blocks, so its choice between a control character and a
 * later parse error can differ.
 */
import { KubentlyError } from "../../errors.ts";
import { compareCodePoints } from "../_gosort.ts";
import type { JsonValue } from "./_values.ts";
import { goJsonString } from "./json.ts";

const NEL = 0x85;

// Characters Go's encoding/json writes raw that go-yaml's reader refuses (the other controls are escaped).
const UNREADABLE = /[\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;

const fail = (message: string): never => {
  throw new KubentlyError("BAD_REQUEST", message);
};

/**
 * Returns `root` as go-yaml decodes Go's JSON of it, or throws the error
 * kubectl would print (after its `error: ` prefix), as a KubentlyError
 * `BAD_REQUEST`.
 */
export function readBackJson(root: JsonValue): JsonValue {
  // go-yaml's 0-based line of the current position: every raw NEL so far.
  let line = 0;

  /** Scans one double-quoted scalar the way yaml_parser_scan_flow_scalar does; returns its value. */
  const scanString = (s: string): string => {
    if (UNREADABLE.test(s)) fail("yaml: control characters are not allowed");
    if (!s.includes("\u0085")) return s;
    const v = Array.from(s, (c) => c.codePointAt(0) ?? 0);
    const rawBlank = (c: number | undefined) => c === 0x20 || c === NEL;
    let out = "";
    let i = 0;
    let atLineStart = false;
    for (;;) {
      const three = String.fromCodePoint(...v.slice(i, i + 3));
      if (atLineStart && (three === "---" || three === "...") && rawBlank(v[i + 3])) {
        fail(`yaml: line ${line + 1}: found unexpected document indicator`);
      }
      if (i >= v.length) break;
      while (i < v.length && !rawBlank(v[i])) out += String.fromCodePoint(v[i++] as number);
      if (i >= v.length) break;
      let folded = false;
      let spaces = "";
      let extraBreaks = 0;
      while (i < v.length && rawBlank(v[i])) {
        if (v[i] === NEL) {
          line++;
          atLineStart = true;
          if (folded) extraBreaks++;
          else {
            folded = true;
            spaces = "";
          }
        } else {
          atLineStart = false;
          if (!folded) spaces += " ";
        }
        i++;
      }
      out += folded ? (extraBreaks === 0 ? " " : "\n".repeat(extraBreaks)) : spaces;
    }
    return out;
  };

  const walk = (v: JsonValue): JsonValue => {
    if (typeof v === "string") return scanString(v);
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(walk);
    const start = line;
    const out: { [key: string]: JsonValue } = {};
    for (const k of Object.keys(v).sort(compareCodePoints)) {
      const before = line;
      scanString(k);
      if (line !== before || Array.from(goJsonString(k)).length > 1024) {
        // The parser's error mark is the ':' after the key; on line 0 it falls back to the mapping's '{'.
        const at = line !== 0 ? line : start;
        fail(`yaml: ${at !== 0 ? `line ${at}: ` : ""}did not find expected ',' or '}'`);
      }
      out[k] = walk(v[k] as JsonValue);
    }
    return out;
  };

  return walk(root);
}
