/**
 * Exactly which commands, flags and outputs the native layer implements. A
 * command that uses anything else is not covered: the `auto` executor hands
 * it to kubectl, `native` alone answers EXECUTOR_UNSUPPORTED. Covering is
 * decided from the parsed command, never guessed. This module imports no
 * implementation, so an agent can decide (and report) coverage without
 * loading the native layer.
 */
import { type ParsedCommand, templateOutput } from "../../kubectl/index.ts";

/** One covered command path. */
interface Covered {
  /** Flags implemented (canonical long names); `namespace`, `request-timeout` and `v` are always fine. */
  flags: readonly string[];
  /** `-o` values implemented; absent means the command takes none here. */
  outputs?: readonly string[];
  /** Template outputs (`-o jsonpath=…`) are implemented. */
  templates?: boolean;
  /** What else the command lacks for this combination of flags, if anything. */
  lacks?: (cmd: ParsedCommand) => string | null;
}

const ALWAYS = ["namespace", "request-timeout", "v"];

const COVERED: ReadonlyMap<string, Covered> = new Map<string, Covered>([
  [
    "get",
    {
      flags: ["all-namespaces", "allow-missing-template-keys", "chunk-size", "field-selector", "ignore-not-found", "label-columns", "no-headers", "output", "output-watch-events", "selector", "show-kind", "show-labels", "show-managed-fields", "sort-by", "watch", "watch-only"],
      outputs: ["wide", "name", "json", "yaml"],
      templates: true,
      // A watch's --sort-by (kubectl sorts the first table it prints, and warns) is left to kubectl.
      lacks: (cmd) => (cmd.flags.has("sort-by") && (cmd.flags.get("watch") === true || cmd.flags.get("watch-only") === true) ? "kubectl get --sort-by with --watch" : null),
    },
  ],
  [
    "logs",
    {
      flags: ["all-containers", "container", "follow", "ignore-errors", "limit-bytes", "max-log-requests", "prefix", "previous", "selector", "since", "since-time", "tail", "timestamps"],
    },
  ],
  ["describe", { flags: ["all-namespaces", "chunk-size", "selector", "show-events"] }],
  ["events", { flags: ["all-namespaces", "chunk-size", "for", "no-headers", "output", "show-managed-fields", "types"], outputs: ["json", "yaml", "name"] }],
  ["version", { flags: ["client", "output"], outputs: ["json", "yaml"] }],
  ["api-versions", { flags: [] }],
  ["api-resources", { flags: ["api-group", "cached", "categories", "namespaced", "no-headers", "output", "sort-by", "verbs"], outputs: ["wide", "name"] }],
  ["auth can-i", { flags: ["all-namespaces", "list", "no-headers", "quiet", "subresource"] }],
  ["auth whoami", { flags: ["output"], outputs: ["json", "yaml"] }],
  ["top pod", { flags: ["all-namespaces", "containers", "field-selector", "no-headers", "selector", "sort-by", "sum", "use-protocol-buffers"] }],
  ["top node", { flags: ["no-headers", "selector", "show-capacity", "sort-by", "use-protocol-buffers"] }],
]);

/** The command paths the native layer covers (for heartbeats and docs). */
export const NATIVE_COMMANDS: readonly string[] = [...COVERED.keys()];

/** null when the native layer implements this command exactly; else what it lacks. */
export function uncovered(cmd: ParsedCommand): string | null {
  const path = cmd.path.join(" ");
  const c = COVERED.get(path);
  if (!c) return `kubectl ${path}`;
  for (const name of cmd.flags.keys()) {
    if (!ALWAYS.includes(name) && !c.flags.includes(name)) return `kubectl ${path} --${name}`;
  }
  if (cmd.output !== undefined && !(c.outputs ?? []).includes(cmd.output) && !(c.templates && templateOutput(cmd.output))) {
    return `kubectl ${path} -o ${cmd.output}`;
  }
  return c.lacks?.(cmd) ?? null;
}

