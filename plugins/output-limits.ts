/**
 * The `output-limits` policy: bounded answers. Before execution it gives
 * `logs` a default `--tail` when the caller set no `--tail`/`--since`/
 * `--since-time`; after execution (in the agent) it caps the output at a byte
 * limit on a UTF-8 boundary and marks the result `truncated: true`.
 */
import { parseKubectl } from "../lib/kubectl/index.ts";
import { allow, definePolicy, rewrite } from "../lib/policy.ts";

/** Options for {@link outputLimits}. */
export interface OutputLimitsOptions {
  /** Lines `logs` returns when the caller did not choose. @default 500 */
  logTail?: number;
  /** Output bytes kept; the rest is cut and the result marked truncated. @default 262144 */
  maxBytes?: number;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

/** Creates the `output-limits` policy. */
export const outputLimits = (options: OutputLimitsOptions = {}) => {
  const logTail = options.logTail ?? 500;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  if (!Number.isInteger(logTail) || logTail < 1) throw new Error("output-limits: logTail must be a positive integer");
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new Error("output-limits: maxBytes must be a positive integer");
  return definePolicy({
    id: "output-limits",
    description: `logs default to --tail=${logTail}; output is capped at ${maxBytes} bytes`,
    before: ({ argv }) => {
      const parsed = parseKubectl(argv, { restrictedResources: [] });
      if (!parsed.ok || parsed.command.path[0] !== "logs") return allow();
      const { flags } = parsed.command;
      if (flags.has("tail") || flags.has("since") || flags.has("since-time")) return allow();
      return rewrite([...argv, `--tail=${logTail}`], `logs default to the last ${logTail} lines`);
    },
    after: (_ctx, result) => {
      if (Buffer.byteLength(result.output, "utf8") <= maxBytes) return result;
      return { ...result, output: truncateUtf8(result.output, maxBytes), truncated: true };
    },
  });
};

export default outputLimits;
