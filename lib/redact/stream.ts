/**
 * Where streamed output may be cut. The agent redacts streamed output one
 * piece at a time, so a piece must hold everything a redaction rule needs
 * to see at once: a whole JSON or YAML document, a whole describe, and for
 * line-oriented output (tables, logs) whole lines, kept together with the
 * lines that follow a line that opens a multi-line secret (a private key
 * block, a Secret manifest or JSON object, a last-applied annotation) until
 * that block ends. Output whose structure we cannot see (templates, unknown
 * printers, anything that reads Secrets in text form) is never cut: it goes
 * out whole when the command ends.
 */
import { parseKubectl } from "../kubectl/index.ts";
import { outputShape } from "./_argv.ts";

/** How a command's output is cut: by line, by JSON or YAML document, or not at all. */
export type StreamUnit = "line" | "json" | "yaml" | "whole";

/** The unit for a command's output (argv without the `kubectl` word). Never throws. */
export function streamUnit(argv: readonly string[]): StreamUnit {
  const shape = outputShape(argv);
  if (shape.format === "json") return "json";
  if (shape.format === "yaml") return "yaml";
  if (shape.format === "template" || shape.format === "unknown" || shape.readsSecrets) return "whole";
  const parsed = parseKubectl(argv, { restrictedResources: [], maxVerbosity: 10 });
  // describe prints sections (Data, Environment) that are read as a whole.
  if (!parsed.ok || parsed.command.path[0] === "describe") return "whole";
  return "line";
}

/**
 * How much of `text` (output not yet sent) can be cut off and redacted on
 * its own now: 0 when nothing can. At the end of the output everything can,
 * so callers do not ask then.
 */
export function safeCut(text: string, unit: StreamUnit): number {
  switch (unit) {
    case "whole":
      return 0;
    case "json":
      // kubectl prints JSON indented: a document ends with a `}` alone at column 0.
      return lastMatchEnd(text, /^\}\r?\n/gm);
    case "yaml": {
      // Documents are separated by a `---` line; cut before the last one.
      const starts = [...text.matchAll(/^---\r?\n/gm)].map((m) => m.index);
      return starts.filter((i) => i > 0).at(-1) ?? 0;
    }
    case "line":
      return lineCut(text);
  }
}

function lastMatchEnd(text: string, re: RegExp): number {
  let end = 0;
  for (const m of text.matchAll(re)) end = m.index + m[0].length;
  return end;
}

/**
 * A line that may be the first of a multi-line secret: a private key block,
 * a YAML `data:`/`stringData:` map or Secret kind, a JSON `"data"` object,
 * a last-applied-configuration annotation (folded over lines in YAML).
 */
const OPENS_BLOCK = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY|^[ \t]*(?:data|stringData|kind):|\\?"(?:data|stringData|kind)\\?"[ \t]*:|last-applied-configuration/m;
/** A line that continues a block: indented, blank, or a YAML key at column 0 (`kind: Secret` comes after `data:`). */
const CONTINUES = /^(?:[ \t\r\n]|[A-Za-z_][\w.-]*:(?:[ \t]|\r?\n|$)|$)/;

/** Open private key blocks in `text`: BEGIN lines not yet matched by an END. */
const openKeys = (text: string): number =>
  (text.match(/-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY/g)?.length ?? 0) - (text.match(/-----END [A-Z0-9 ]{0,40}PRIVATE KEY/g)?.length ?? 0);

/**
 * Whole lines, except that from a line opening a block, the cut waits for
 * a line that starts a new top-level entry (column 0, not a YAML key) with
 * no private key block open: only then is the block known to be complete.
 */
function lineCut(text: string): number {
  let cut = 0;
  for (;;) {
    const rest = text.slice(cut);
    const complete = rest.lastIndexOf("\n") + 1;
    const opener = rest.slice(0, complete).search(OPENS_BLOCK);
    if (opener < 0) return cut + complete;
    const blockStart = rest.lastIndexOf("\n", opener) + 1;
    let end = -1;
    // Judge a line only once it is complete: "d" may yet become "data:".
    for (let nl = rest.indexOf("\n", opener); nl >= 0 && rest.indexOf("\n", nl + 1) > 0; nl = rest.indexOf("\n", nl + 1)) {
      const next = rest.slice(nl + 1, rest.indexOf("\n", nl + 1) + 1);
      if (!CONTINUES.test(next) && openKeys(rest.slice(blockStart, nl + 1)) <= 0) {
        end = nl + 1;
        break;
      }
    }
    if (end < 0) return cut + blockStart;
    cut += end;
  }
}
