/**
 * What a native command gets and gives back, and kubectl's error texts.
 */
import type { ParsedCommand } from "../../kubectl/index.ts";
import type { KubeClient } from "../client.ts";
import { KubeApiError } from "../transport.ts";
import type { VersionInfo } from "../print/version.ts";

/** The running command's surroundings. */
export interface CommandIO {
  client: KubeClient;
  /** Aborted on cancel, on the time budget, or when the output cap is reached. */
  signal: AbortSignal;
  /** Time left, in ms, for the whole command (streams end when it runs out). */
  budgetMs(): number;
  /** Writes stdout; returns false once the output cap is reached (stop writing). */
  out(text: string): boolean;
  /** Current time (ms) for ages. */
  now(): number;
  /** Records that secret material was masked before printing (the result says `redacted`). */
  markRedacted(): void;
  /** Records that a list was longer than the native layer reads: the output is a prefix (the result says `truncated`). */
  markTruncated(): void;
  /** The kubectl client version the native layer reports (`version`). */
  clientVersion: VersionInfo;
}

/** How a command ended: kubectl's exit code and stderr. */
export interface CommandOutcome {
  exitCode: number;
  stderr: string;
  /**
   * Set, before anything was written, when the command turned out to need
   * something native does not implement (a kind without a native describer):
   * what is missing. The executor answers EXECUTOR_UNSUPPORTED, or `auto`
   * hands the command to kubectl.
   */
  unsupported?: string;
  /** The command read much (a diagnosis's snapshot of thousands of objects): worth a heap collection after it. */
  heavy?: boolean;
}

/** A native implementation of one command path. */
export type NativeCommand = (cmd: ParsedCommand, io: CommandIO) => Promise<CommandOutcome>;

export const ok = (stderr = ""): CommandOutcome => ({ exitCode: 0, stderr });
export const failed = (stderr: string, exitCode = 1): CommandOutcome => ({ exitCode, stderr: stderr.endsWith("\n") ? stderr : `${stderr}\n` });

/** The namespace a command reads: `-n`, else the kubeconfig context's. */
export const namespaceOf = (cmd: ParsedCommand, io: CommandIO): string => cmd.namespace ?? io.client.namespace;

/** The text kubectl prints for an error (cmdutil.CheckErr's StandardErrorMessage). */
export function errorText(e: unknown): string {
  if (e instanceof KubeApiError) {
    if (e.code === 401) return "error: You must be logged in to the server (Unauthorized)";
    return e.reason ? `Error from server (${e.reason}): ${e.message}` : `Error from server: ${e.message}`;
  }
  const err = e as Error & { cause?: { code?: string } };
  if (err?.name === "AbortError" || err?.name === "TimeoutError") return `error: the request was cancelled: ${err.message}`;
  return `error: ${err?.message ?? String(e)}`;
}

/** kubectl's error for a type the server does not have. */
export const unknownType = (spelling: string): string => `error: the server doesn't have a resource type "${spelling}"`;

/** A flag's value as a string, if set. */
export const flag = (cmd: ParsedCommand, name: string): string | undefined => {
  const v = cmd.flags.get(name);
  return v === undefined ? undefined : v === true ? "true" : v;
};

/** True when a boolean flag is set (and not `=false`). */
export const on = (cmd: ParsedCommand, name: string): boolean => {
  const v = cmd.flags.get(name);
  return v === true || (typeof v === "string" && /^(1|t|true|TRUE|True)$/.test(v));
};
