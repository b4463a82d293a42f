/**
 * `kubectl get -o custom-columns=HEADER:PATH,...` (kubectl's
 * CustomColumnsPrinter, v1.32), evaluated by Kubently on objects whose
 * Secret values are already masked.
 *
 * Guarantees, as kubectl prints them:
 * - the spec is split at `,`, each column at its first `:`; a path is
 *   relaxed to a JSONPath action (`.a.b`, `a.b`, `{.a.b}` and `{a.b}` all
 *   read `{.a.b}`), and kubectl's messages name a malformed spec;
 * - one row per item of a list (or for the single object), a header row
 *   first unless `--no-headers`; a cell is every value the path finds,
 *   printed as Go's `fmt.Sprint` prints it (`map[k:v]`, `[a b]`, `<nil>`),
 *   joined with `,`, or `<none>` when it finds nothing; ESC and CR are
 *   escaped (`^[`, `\r`);
 * - columns are aligned by kubectl's tab writer (minimum width 6, padding 3).
 */
import { createTabWriter, type GoTabWriter } from "./_tabwriter.ts";
import { escapeTerminal } from "./_terminal.ts";
import { goSprint } from "./_go-values.ts";
import { JsonPath, JsonPathError } from "./jsonpath.ts";

const RELAXED = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/;

/**
 * kubectl's `RelaxedJSONPathExpression`: `.a.b`, `a.b`, `{a.b}` and
 * `{.a.b}` all become `{.a.b}`. Throws with kubectl's message for anything
 * else (several actions, braces inside).
 */
export function relaxedJsonPath(expression: string): string {
  if (expression === "") return expression;
  const m = RELAXED.exec(expression);
  if (!m) {
    throw new JsonPathError("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'");
  }
  return `{.${m[1] ?? m[2] ?? ""}}`;
}

/** One column: its header and its (relaxed) JSONPath. */
export interface CustomColumn {
  header: string;
  fieldSpec: string;
}

/**
 * Parses a custom-columns spec (`NAME:.metadata.name,STATUS:.status.phase`).
 * Throws {@link JsonPathError} with kubectl's message when it is malformed.
 */
export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec.length === 0) throw new JsonPathError("custom-columns format specified but no custom columns given");
  return spec.split(",").map((part) => {
    const colon = part.indexOf(":");
    if (colon < 0) throw new JsonPathError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    return { header: part.slice(0, colon), fieldSpec: relaxedJsonPath(part.slice(colon + 1)) };
  });
}

const isList = (o: unknown): o is { items: unknown[] } => !!o && typeof o === "object" && Array.isArray((o as { items?: unknown }).items);

/**
 * A custom-columns printer. Like kubectl's, it prints the header once per
 * kind of object it is given (a watch prints it once, before the first row)
 * and keeps its columns' widths.
 */
export class CustomColumnsPrinter {
  private headerPrinted = false;

  constructor(
    readonly columns: readonly CustomColumn[],
    private readonly noHeaders = false,
  ) {}

  /**
   * kubectl's `PrintObj`: rows for a list's items or for one object, written
   * to `out` (a watch's writer, flushed by the caller) or, without one, to a
   * writer of its own that is flushed before returning. The text is what was
   * printed (with `out`, nothing: the caller flushes); `error` is kubectl's
   * error, after which nothing more is printed for this object. Rows stop
   * once more than `maxLength` characters were written (`stopped`).
   */
  printObj(obj: unknown, out?: GoTabWriter, maxLength = Number.POSITIVE_INFINITY): { text: string; error?: string; stopped?: boolean } {
    const w = out ?? createTabWriter();
    let written = 0;
    const done = (error?: string) => ({ text: out ? "" : w.flush(), ...(error !== undefined ? { error } : {}), ...(written > maxLength ? { stopped: true } : {}) });
    if (!this.noHeaders && !this.headerPrinted) {
      w.write(`${this.columns.map((c) => c.header).join("\t")}\n`);
      this.headerPrinted = true;
    }
    let parsers: JsonPath[];
    try {
      parsers = this.columns.map((c) => new JsonPath(c.fieldSpec, { allowMissingKeys: true }));
    } catch (e) {
      if (e instanceof JsonPathError) return done(e.message);
      throw e;
    }
    for (const item of isList(obj) ? obj.items : [obj]) {
      // Past the caller's cap nothing more would be kept: stop instead of building it.
      if (written > maxLength) break;
      const cells: string[] = [];
      for (const parser of parsers) {
        let values: unknown[][];
        try {
          values = parser.findResults(item);
        } catch (e) {
          if (e instanceof JsonPathError) return done(e.message);
          throw e;
        }
        const strings: string[] = values.length === 0 || values[0]!.length === 0 ? ["<none>"] : [];
        for (const group of values) for (const v of group) strings.push(escapeTerminal(goSprint(v)));
        cells.push(strings.join(","));
      }
      const row = `${cells.join("\t")}\n`;
      written += row.length;
      w.write(row);
    }
    return done();
  }
}

/**
 * The printer for `-o custom-columns=SPEC`, or kubectl's error for a spec
 * it cannot read.
 */
export function customColumnsPrinter(spec: string, options: { noHeaders?: boolean } = {}): CustomColumnsPrinter | { error: string } {
  try {
    return new CustomColumnsPrinter(parseCustomColumns(spec), options.noHeaders ?? false);
  } catch (e) {
    if (!(e instanceof JsonPathError)) throw e;
    return { error: e.message };
  }
}
