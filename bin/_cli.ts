/**
 * What the client verbs (`exec`, `debug`, `cluster`, `key`, `audit`,
 * `manifests`) share: how a verb is declared, the connection to a remote API,
 * exit codes, and printing. The verbs are thin shells: every decision
 * (policy, scope, validation of ranges) is the API's.
 */
import { httpClient, restCaller, type KubentlyClient } from "../lib/client.ts";
import { isKubentlyError } from "../lib/errors.ts";
import { loadConfig, type Config, type SharedFlag, type VerbFlag } from "./_config.ts";

/**
 * Exit codes of the client verbs: 0 done; 1 the command ran and failed, timed
 * out or was cancelled (or `audit verify` found a broken chain); 2 kubently
 * could not do what was asked (usage, connection, an API error); 3 a policy
 * denied the command.
 */
export const EXIT = { ok: 0, failed: 1, error: 2, denied: 3 } as const;

/** A mistake in how the verb was called: printed as `error: ...`, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** What a verb gets when it runs. */
export interface VerbInput {
  config: Config;
  /** The verb's own flags (see {@link CliVerb.flags}). */
  flags: Record<string, string | boolean | undefined>;
  /** Positional arguments before `--`. */
  args: string[];
  /** Everything after the first `--`, untouched. */
  rest: string[];
}

/** A client verb: its help text, flags, and what it does; answers the exit code. */
export interface CliVerb {
  /** One line for lists (shell completion). */
  summary: string;
  usage: string;
  flags?: Record<string, VerbFlag>;
  /** The shared flags it accepts. @default the connection: api-url, api-key */
  shared?: readonly SharedFlag[];
  /** Added to the message about an unknown flag. */
  unknownFlagHint?: string;
  run(input: VerbInput): Promise<number>;
}

/** The connection flags every verb that calls the API takes. */
export const CONNECTION_USAGE = `Connection (flags > environment > --config file):
  --api-url URL   the Kubently API (KUBENTLY_API_URL; default http://127.0.0.1:8080)
  --api-key KEY   the API key to call with (KUBENTLY_API_KEY)`;

/** Runs a client verb with `argv` (what follows the verb); prints errors; answers the exit code. */
export async function runVerb(name: string, verb: CliVerb, argv: string[]): Promise<number> {
  try {
    const dash = argv.indexOf("--");
    const before = dash < 0 ? argv : argv.slice(0, dash);
    const { config, flags, positionals, help } = loadConfig(before, process.env, {
      name,
      flags: verb.flags ?? {},
      shared: verb.shared ?? ["api-url", "api-key"],
      ...(verb.unknownFlagHint ? { unknownFlagHint: verb.unknownFlagHint } : {}),
    });
    if (help) {
      await print(verb.usage);
      return EXIT.ok;
    }
    return await verb.run({ config, flags, args: positionals, rest: dash < 0 ? [] : argv.slice(dash + 1) });
  } catch (e) {
    await printErr(paint(process.stderr, "red", errorLine(e)));
    return EXIT.error;
  }
}

const COLORS = { red: 31, yellow: 33, bold: 1, dim: 2, green: 32, cyan: 36 } as const;

/**
 * True when `stream` may get ANSI colors: a terminal, `NO_COLOR` unset or
 * empty (https://no-color.org), and `TERM` not `dumb`. Pipes, files and CI
 * logs never get escape codes.
 */
export function colorsOn(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
}

/** `text` in a color when {@link colorsOn} says `stream` takes colors, else as is. */
export const paint = (stream: { isTTY?: boolean }, color: keyof typeof COLORS, text: string): string =>
  colorsOn(stream) ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text;

/** How an error reads on stderr: `error (CODE): message` for the API's errors, `error: message` for the rest. */
export const errorLine = (e: unknown): string => (isKubentlyError(e) ? `error (${e.code}): ${e.message}` : `error: ${(e as Error).message}`);

/** The API URL and key for a verb that calls the API. */
export function connection(config: Config): { apiUrl: string; apiKey: string } {
  if (!config.apiKey) throw new UsageError("no API key: pass --api-key or set KUBENTLY_API_KEY");
  return { apiUrl: config.apiUrl ?? "http://127.0.0.1:8080", apiKey: config.apiKey };
}

/** The library's REST client for the configured API. */
export const clientFor = (config: Config): KubentlyClient => httpClient(connection(config));

/** One call to an admin or audit endpoint, which the KubentlyClient does not cover. */
export const request = <T>(config: Config, method: string, path: string, body?: unknown): Promise<T> => restCaller(connection(config)).call<T>(method, path, body);

/** The one positional a verb needs, or a usage error naming it. */
export function required(args: string[], index: number, what: string, verb: string): string {
  const value = args[index];
  if (!value) throw new UsageError(`missing ${what}; see kubently ${verb} --help`);
  return value;
}

/** Refuses positionals past the ones a verb takes. */
export function noMore(args: string[], count: number, verb: string): void {
  if (args.length > count) throw new UsageError(`unexpected argument "${args[count]}" (see kubently ${verb} --help)`);
}

/** A whole number given as a flag value, or a usage error naming the flag; undefined when absent. */
export function intFlag(flags: VerbInput["flags"], name: string): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a whole number, not "${String(raw)}"`);
  return n;
}

/** A comma-separated flag value as a list; undefined when absent. */
export const listFlag = (flags: VerbInput["flags"], name: string): string[] | undefined =>
  typeof flags[name] === "string" ? (flags[name] as string).split(",").map((s) => s.trim()).filter(Boolean) : undefined;

const write = (stream: NodeJS.WriteStream, text: string): Promise<void> =>
  text === "" ? Promise.resolve() : new Promise((resolve) => stream.write(text, () => resolve()));

/** Writes `text` to stdout with a final newline, and waits until it is written (exit does not cut it). */
export const print = (text: string): Promise<void> => write(process.stdout, text.endsWith("\n") ? text : `${text}\n`);
/** Writes `text` to stdout as is. */
export const printRaw = (text: string): Promise<void> => write(process.stdout, text);
/** Writes `text` to stderr with a final newline. */
export const printErr = (text: string): Promise<void> => write(process.stderr, text.endsWith("\n") ? text : `${text}\n`);

/** Prints `value` as indented JSON. */
export const printJson = (value: unknown): Promise<void> => print(JSON.stringify(value, null, 2));

/** Prints `value` as JSON and answers exit code 0. */
export async function printJsonOk(value: unknown): Promise<number> {
  await printJson(value);
  return EXIT.ok;
}

/** `name: value` lines with the values aligned. */
export function details(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`).join("\n");
}

/** A plain-text table: columns padded to their widest cell, two spaces apart. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [headers, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}
