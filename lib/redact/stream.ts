/**
 * Where streamed output may be cut. The agent redacts streamed output one
 * piece at a time, so a piece must hold everything a redaction rule needs
 * to see at once: a whole JSON or YAML document, a whole describe, and for
 * line-oriented output (tables, logs) whole lines, until a line that may
 * start something read over several lines (a private key block, a Secret
 * manifest, describe's Environment or Data section...): from there the rest
 * goes out whole when the command ends. Output whose structure we cannot see
 * (templates, unknown printers) is never cut, nor is text from a command
 * other than `get` that reads Secrets (a Secret table or name list holds no
 * value, so `get secrets -w` streams by line).
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
  if (shape.format === "template" || shape.format === "unknown") return "whole";
  const parsed = parseKubectl(argv, { restrictedResources: [], maxVerbosity: 10 });
  // describe prints sections (Data, Environment) that are read as a whole.
  if (!parsed.ok || parsed.command.path[0] === "describe") return "whole";
  // A table or a name list of Secrets holds no value; any other text that reads them is read whole.
  if (shape.readsSecrets && parsed.command.path[0] !== "get") return "whole";
  return "line";
}

/** Where to cut: before `cut` now; with `holdRest`, nothing after it until the output ends. */
export interface Cut {
  cut: number;
  holdRest: boolean;
}

/**
 * How much of `text` (output not yet sent) can be cut off and redacted on
 * its own now (`cut`: 0 when nothing can), and whether the rest must wait
 * for the end of the output (`holdRest`). At the end everything goes, so
 * callers do not ask then.
 */
export function safeCut(text: string, unit: StreamUnit): Cut {
  switch (unit) {
    case "whole":
      return { cut: 0, holdRest: true };
    case "json":
      // kubectl prints JSON indented, a document ending with a `}` alone at column 0; watch events
      // (`--output-watch-events`) come compact, one whole document per line.
      return { cut: lastMatchEnd(text, /^(?:\}|\{.*\})\r?\n/gm), holdRest: false };
    case "yaml": {
      // Documents are separated by a `---` line; cut before the last one.
      const starts = [...text.matchAll(/^---\r?\n/gm)].map((m) => m.index);
      return { cut: starts.filter((i) => i > 0).at(-1) ?? 0, holdRest: false };
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
 * A line from which redaction may read several lines (or the rest of the
 * output) at once: a private key block, a YAML `data:`/`stringData:` map, a
 * Secret's `kind` (YAML or JSON, which makes the whole text read as holding
 * Secret data), a JSON `"data": {` object opened at the end of a line, a
 * last-applied-configuration annotation (folded over lines in YAML), and
 * describe's `Environment:` and `Data` sections.
 */
const HOLDS =
  /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY|^[ \t]*(?:data|stringData)[ \t]*:[ \t]*\r?$|kind\\?["']?[ \t]*:[ \t]*\\?["']?Secret\b|\\?"(?:data|stringData)\\?"[ \t]*:[ \t]*\{[ \t]*\r?$|last-applied-configuration|^[ \t]*Environment:[ \t]*\r?$|^[ \t]*Data[ \t]*\r?$/m;

/**
 * Whole lines, up to the first line that {@link HOLDS}: from there on
 * nothing is cut, and the rest is redacted as one piece when the output
 * ends. Secrets that span lines are therefore always read whole, at the
 * cost of holding back the rest of such an output.
 */
function lineCut(text: string): Cut {
  const complete = text.lastIndexOf("\n") + 1;
  const hold = text.slice(0, complete).search(HOLDS);
  if (hold < 0) return { cut: complete, holdRest: false };
  return { cut: text.lastIndexOf("\n", hold) + 1, holdRest: true };
}
