/**
 * Template outputs under the kubectl executor. kubectl's template engine
 * never runs: `get -o jsonpath=T` (and `jsonpath-as-json=`,
 * `custom-columns=`) is run as `get -o json`, the objects kubectl prints are
 * redacted structurally (`redactTree`: Secret values become `[REDACTED]`),
 * and Kubently's own evaluator (`lib/kube/print/templates.ts`, the one the
 * native executor prints with) renders the template on them. `--sort-by`
 * is taken off too and applied by Kubently on the redacted objects (kept on
 * a watch, where kubectl sorts no object and only warns).
 *
 * Guarantees:
 * - kubectl's raw JSON never leaves this module: every outcome (success,
 *   error, timeout, cancel, truncation, unreadable output) replaces stdout
 *   with rendered text or nothing;
 * - the rewritten argv is the parsed command respelled (`commandArgv`) and
 *   is parsed again before it runs; if it does not read back as the same
 *   command but for the output, it does not run;
 * - kubectl's JSON may be up to {@link SOURCE_BYTES} (it is larger than
 *   what the template prints); the rendered text keeps the caller's cap.
 */
import { commandArgv, parseKubectl, templateOutput, type ParsedCommand } from "../kubectl/index.ts";
import { LIMITS } from "../limits.ts";
import { redactTree } from "../kube/_redact-objects.ts";
import { createTabWriter } from "../kube/print/_tabwriter.ts";
import { printTemplate, renderTemplate, showLabelsProblem, templatePrinter, type TemplateOptions } from "../kube/print/templates.ts";
import type { ExecOptions, ExecOutput } from "./_exec.ts";

/** The most JSON kubectl may print for one templated command (the native layer reads lists up to the same size). */
export const SOURCE_BYTES = 32 * 1024 * 1024;
/** A pause in kubectl's watch output this long ends a burst of objects (its first listing). */
const QUIET_MS = 25;
/** The most JSON one watch event may take. */
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** How a templated `get` runs under kubectl. */
export interface TemplatePlan {
  /** What kubectl runs: the same command with `-o json`. */
  argv: string[];
  /** The caller's `-o` value (`jsonpath=…`). */
  output: string;
  options: TemplateOptions & { sortBy?: string };
  watch: boolean;
  /** kubectl's Validate error (`--show-labels` with a template), answered without running kubectl. */
  refuse?: string;
}

const on = (cmd: ParsedCommand, name: string) => cmd.flags.get(name) === true;

function sameCommand(a: ParsedCommand, path: readonly string[], positionals: readonly string[], flags: ReadonlyMap<string, string | true>): boolean {
  if (a.path.join(" ") !== path.join(" ") || JSON.stringify(a.positionals) !== JSON.stringify(positionals) || a.flags.size !== flags.size) return false;
  for (const [k, v] of flags) if (a.flags.get(k) !== v) return false;
  return true;
}

/**
 * The plan for `argv` when it is a `get` with a template output; null for
 * anything else (it runs as it is). An argv the grammar refuses is not
 * planned: the policies decided about it, and without a template output
 * the grammar accepts there is nothing to evaluate.
 */
export function templatePlan(argv: readonly string[]): TemplatePlan | { error: string } | null {
  const parsed = parseKubectl(argv, { restrictedResources: [], maxVerbosity: Number.MAX_SAFE_INTEGER });
  if (!parsed.ok) return null;
  const cmd = parsed.command;
  const output = cmd.output;
  if (cmd.path.join(" ") !== "get" || output === undefined || !templateOutput(output)) return null;
  const watch = on(cmd, "watch") || on(cmd, "watch-only");
  const flags = new Map(cmd.flags);
  flags.set("output", "json");
  flags.delete("allow-missing-template-keys");
  const sortBy = cmd.flags.get("sort-by");
  if (!watch) flags.delete("sort-by");
  const rewritten = commandArgv({ path: cmd.path, positionals: cmd.positionals, flags });
  const check = parseKubectl(rewritten, { restrictedResources: [], maxVerbosity: Number.MAX_SAFE_INTEGER });
  if (!check.ok || !sameCommand(check.command, cmd.path, cmd.positionals, flags)) {
    return { error: "the command could not be respelled with -o json; it was not run" };
  }
  const labels = showLabelsProblem(output, on(cmd, "show-labels"));
  return {
    argv: rewritten,
    output,
    options: {
      allowMissingKeys: cmd.flags.get("allow-missing-template-keys") !== "false",
      noHeaders: on(cmd, "no-headers"),
      ...(typeof sortBy === "string" && !watch ? { sortBy } : {}),
    },
    watch,
    // After Complete's "You must specify the type of resource", as kubectl orders them.
    ...(labels && (watch || cmd.positionals.length > 0) ? { refuse: labels } : {}),
  };
}

const utf8 = new TextEncoder();

/** Cuts `text` to at most `cap` UTF-8 bytes, never inside a character. */
function cut(text: string, cap: number): { text: string; cut: boolean } {
  if (text.length <= cap / 3 || utf8.encode(text).length <= cap) return { text, cut: false };
  return { text: Buffer.from(text).subarray(0, cap).toString("utf8").replace(/\uFFFD$/, ""), cut: true };
}

const failure = (started: number, stderr: string, extra: Partial<ExecOutput> = {}): ExecOutput => ({
  exitCode: 1,
  stdout: "",
  stderr,
  truncated: false,
  timedOut: false,
  cancelled: false,
  durationMs: Date.now() - started,
  ...extra,
});

/**
 * Runs a planned templated `get` with `run` (the kubectl executor's own
 * runner) and answers what kubectl would print for the template, evaluated
 * by Kubently on redacted objects.
 */
export async function runTemplated(plan: TemplatePlan, o: ExecOptions, run: (argv: readonly string[], o: ExecOptions) => Promise<ExecOutput>): Promise<ExecOutput> {
  const started = Date.now();
  if (plan.refuse) return failure(started, `error: ${plan.refuse}\n`);
  const cap = o.maxOutputBytes ?? LIMITS.maxOutputBytes;
  if (plan.watch) return runWatch(plan, o, run, cap, started);

  const out = await run(plan.argv, { timeoutMs: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}), maxOutputBytes: SOURCE_BYTES });
  const base = { stderr: out.stderr, truncated: false, timedOut: out.timedOut, cancelled: out.cancelled, durationMs: Date.now() - started };
  if (out.timedOut || out.cancelled) return { ...base, exitCode: out.exitCode, stdout: "" };
  if (out.truncated) {
    return { ...base, exitCode: null, stdout: "", truncated: true, stderr: `${out.stderr}error: the objects are larger than ${SOURCE_BYTES} bytes; the template was not evaluated (narrow the query: a name, -l, --field-selector, -n)\n` };
  }
  // Nothing printed (a failed read, nothing left by --ignore-not-found): kubectl's answer as it is.
  if (out.stdout.trim() === "") return { ...base, exitCode: out.exitCode, stdout: "" };
  let value: unknown;
  try {
    value = JSON.parse(out.stdout);
  } catch {
    return { ...base, exitCode: 1, stdout: "", stderr: `${out.stderr}error: kubectl's -o json output could not be read; the template was not evaluated\n` };
  }
  const tree = redactTree(value);
  const rendered = renderTemplate(tree.value, plan.output, { ...plan.options, maxLength: cap });
  const kept = cut(rendered.text, cap);
  if (kept.text) o.onOutput?.(kept.text);
  return {
    ...base,
    exitCode: rendered.error !== undefined ? 1 : out.exitCode,
    stdout: kept.text,
    stderr: rendered.error !== undefined ? `${out.stderr}error: ${rendered.error.replace(/\n?$/, "\n")}` : out.stderr,
    truncated: kept.cut || rendered.stopped === true,
    ...(kept.cut || rendered.stopped ? { exitCode: null } : {}),
    ...(tree.changed ? { redacted: true } : {}),
  };
}

/**
 * Splits kubectl's watch output (one JSON document after another) into
 * documents as the text arrives: string-aware brace counting, linear.
 */
function documentSplitter(onDocument: (text: string) => void): { push(chunk: string): void; overflow: boolean } {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let doc = "";
  const state = {
    overflow: false,
    push(chunk: string) {
      let start = 0;
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk.charCodeAt(i);
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 92) escaped = true;
          else if (c === 34) inString = false;
          continue;
        }
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if ((c === 125 || c === 93) && depth > 0) {
          depth--;
          if (depth === 0) {
            onDocument(doc + chunk.slice(start, i + 1));
            doc = "";
            start = i + 1;
          }
        }
      }
      doc += chunk.slice(start);
      if (depth === 0 && doc.trim() === "") doc = "";
      if (doc.length > MAX_DOCUMENT_BYTES) {
        state.overflow = true;
        doc = "";
      }
    },
  };
  return state;
}

async function runWatch(plan: TemplatePlan, o: ExecOptions, run: (argv: readonly string[], o: ExecOptions) => Promise<ExecOutput>, cap: number, started: number): Promise<ExecOutput> {
  const printer = templatePrinter(plan.output, plan.options);
  if ("error" in printer) return failure(started, `error: ${printer.error}\n`);
  const stop = new AbortController();
  const w = createTabWriter();
  const chunks: string[] = [];
  let bytes = 0;
  let truncated = false;
  let redacted = false;
  let problem: string | null = null;
  const emit = (text: string) => {
    if (!text || truncated) return;
    const room = cap - bytes;
    const kept = cut(text, room);
    if (kept.text) {
      chunks.push(kept.text);
      bytes += Buffer.byteLength(kept.text);
      o.onOutput?.(kept.text);
    }
    if (kept.cut) {
      truncated = true;
      stop.abort();
    }
  };
  const splitter = documentSplitter((doc) => {
    if (stop.signal.aborted) return;
    let value: unknown;
    try {
      value = JSON.parse(doc);
    } catch {
      problem = "kubectl's -o json output could not be read";
      stop.abort();
      return;
    }
    const tree = redactTree(value);
    if (tree.changed) redacted = true;
    const { error } = printTemplate(printer, tree.value, w);
    if (error !== undefined) {
      problem = `unable to output the provided object: ${error}`;
      stop.abort();
    }
  });
  // kubectl aligns its watch output (it goes through a tab writer) once after the first listing and once
  // after each event. Its JSON gives no sign of where the listing ends, but a listing arrives in one burst
  // and events apart: text is aligned once nothing more came for a moment.
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flushSoon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      emit(w.flush());
    }, QUIET_MS);
  };
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  const out = await run(plan.argv, {
    timeoutMs: o.timeoutMs,
    signal,
    maxOutputBytes: SOURCE_BYTES,
    onOutput: (text) => {
      splitter.push(text);
      flushSoon();
      if (splitter.overflow && !stop.signal.aborted) {
        problem = `a watch event is larger than ${MAX_DOCUMENT_BYTES} bytes`;
        stop.abort();
      }
    },
  });
  if (timer) clearTimeout(timer);
  emit(w.flush());
  const cancelled = o.signal?.aborted === true;
  return {
    exitCode: problem !== null ? 1 : truncated || out.truncated ? null : cancelled ? null : out.exitCode,
    stdout: chunks.join(""),
    stderr: problem !== null ? `${out.stderr}error: ${problem}\n` : out.stderr,
    truncated: truncated || out.truncated,
    timedOut: out.timedOut,
    cancelled,
    durationMs: Date.now() - started,
    ...(redacted ? { redacted } : {}),
  };
}
