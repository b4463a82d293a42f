/**
 * `kubectl get`'s template outputs and `--sort-by`, as Kubently evaluates
 * them: `-o jsonpath=`, `-o jsonpath-as-json=`, `-o custom-columns=`. The
 * native executor and the kubectl executor (which asks kubectl for `-o json`
 * instead) both print through here, so they print the same text.
 *
 * The caller hands over objects already redacted (`redactTree`): a template
 * or a sort key can only ever see `[REDACTED]` where a Secret's values were.
 *
 * Follows kubectl's get (printGeneric): the printer is made first (a
 * malformed template fails before anything prints), then a list's items are
 * sorted (`--sort-by`), then printed. Errors are kubectl's texts, without
 * kubectl's `error: ` prefix.
 */
import { type TemplateFormat, templateOutput } from "../../kubectl/spec.ts";
import type { GoTabWriter } from "./_tabwriter.ts";
import { CustomColumnsPrinter, customColumnsPrinter } from "./custom-columns.ts";
import { JsonPath, jsonPathPrinter, printJsonPath } from "./jsonpath.ts";
import { SortError, sortListItems } from "./sort-by.ts";

/** How a template output prints. */
export interface TemplateOptions {
  /** `--allow-missing-template-keys` (kubectl's default is true). @default true */
  allowMissingKeys?: boolean;
  /** `--no-headers` (custom-columns). @default false */
  noHeaders?: boolean;
}

/** A template output's printer: kubectl keeps one per command (a watch reuses it for every object). */
export type TemplatePrinter = { format: TemplateFormat; jsonPath: JsonPath } | { format: "custom-columns"; columns: CustomColumnsPrinter };

/**
 * The printer for an `-o` value that is a template output, or kubectl's
 * error for a template it cannot read. Throws a TypeError when `output` is
 * not a template output (the grammar decides that first).
 */
export function templatePrinter(output: string, options: TemplateOptions = {}): TemplatePrinter | { error: string } {
  const t = templateOutput(output);
  if (!t) throw new TypeError(`not a template output: ${JSON.stringify(output)}`);
  if (t.format === "custom-columns") {
    const p = customColumnsPrinter(t.template, { noHeaders: options.noHeaders ?? false });
    return "error" in p ? p : { format: "custom-columns", columns: p };
  }
  const p = jsonPathPrinter(t.template, { allowMissingKeys: options.allowMissingKeys ?? true, outputJson: t.format === "jsonpath-as-json" });
  return "error" in p ? p : { format: t.format, jsonPath: p };
}

/**
 * kubectl's `PrintObj` of one object (a `List`, a single object, a watch
 * event). Without `w`, the text printed; with `w` (a watch's tab writer,
 * which kubectl also runs jsonpath output through) the text goes into `w`
 * and the caller flushes. `maxLength` lets printing stop early once that
 * much text exists (the caller cuts it).
 */
export function printTemplate(p: TemplatePrinter, obj: unknown, w?: GoTabWriter, maxLength?: number): Rendered {
  if ("columns" in p) return p.columns.printObj(obj, w, maxLength);
  const out: Rendered = printJsonPath(p.jsonPath, obj, maxLength);
  if (maxLength !== undefined && out.text.length > maxLength) out.stopped = true;
  if (w && out.text) {
    w.write(out.text);
    return { ...out, text: "" };
  }
  return out;
}

/** What a template printed: stdout text, and kubectl's error if it failed. */
export interface Rendered {
  text: string;
  error?: string;
  /** Printing stopped at the length the caller allowed: the text is a prefix (the caller reports `truncated`). */
  stopped?: boolean;
}

/**
 * `kubectl get -o <template> [--sort-by=PATH]` of `value` (what kubectl's
 * printGeneric prints: one object, or a `List` of everything), as kubectl
 * prints it: the printer first, then the sort of a list's items, then the
 * text.
 */
export function renderTemplate(value: unknown, output: string, options: TemplateOptions & { sortBy?: string; maxLength?: number } = {}): Rendered {
  const p = templatePrinter(output, options);
  if ("error" in p) return { text: "", error: p.error };
  let sorted = value;
  if (options.sortBy !== undefined) {
    try {
      sorted = sortListItems(value, options.sortBy);
    } catch (e) {
      if (e instanceof SortError) return { text: "", error: e.message };
      throw e;
    }
  }
  return printTemplate(p, sorted, undefined, options.maxLength);
}

/** kubectl's Validate: `--show-labels` only goes with tables. null when fine, else kubectl's error. */
export function showLabelsProblem(output: string | undefined, showLabels: boolean): string | null {
  return showLabels && output !== undefined && output !== "" && output !== "wide" ? `--show-labels option cannot be used with ${output} printer` : null;
}
