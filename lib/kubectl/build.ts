/**
 * Builds kubectl argv from the Kubently REST body shape
 * (`command_type`, `args`, `namespace`, `extra_args`). Building never
 * validates: the result goes through the policy pipeline like any argv.
 */
import { type ParsedCommand, parseKubectl } from "./parse.ts";
import { VERB_GROUPS, verbTakesNamespace } from "./spec.ts";

/** The fields of an execute request that shape argv. */
export interface BuildArgvRequest {
  /** `get`, `describe`, `logs`, `top`, `rollout`...; for `top`, `rollout` and `auth` the subcommand is `args[0]`. */
  commandType: string;
  args: readonly string[];
  /** Added as `-n <namespace>` for namespaced commands unless `args` already choose a namespace. */
  namespace?: string;
  /** Appended last. */
  extraArgs?: readonly string[];
}

// Fallback when the arguments do not parse (they will be denied anyway): any
// spelling that could set the namespace or all-namespaces counts as set.
const SETS_NAMESPACE_RE = /^(-[^-]*[nA]|--(namespace|all[-_]namespaces)(=|$))/;

/** True when `argv` (a full command) already picks a namespace or all namespaces. */
function choosesNamespace(argv: readonly string[]): boolean {
  const parsed = parseKubectl(argv, { restrictedResources: [], maxVerbosity: Number.MAX_SAFE_INTEGER });
  if (parsed.ok) return parsed.command.flags.has("namespace") || parsed.command.allNamespaces;
  const dash = argv.indexOf("--");
  return (dash < 0 ? argv : argv.slice(0, dash)).some((a) => SETS_NAMESPACE_RE.test(a));
}

/**
 * Returns `[commandType, ...args, "-n", namespace, ...extraArgs]`, with the
 * `-n` pair only when the command is namespaced (see
 * {@link verbTakesNamespace}) and neither `args` nor `extraArgs` already set
 * `-n/--namespace/-A/--all-namespaces`.
 */
export function buildArgv(req: BuildArgvRequest): string[] {
  const base = [req.commandType, ...req.args];
  const extra = [...(req.extraArgs ?? [])];
  const path = VERB_GROUPS.has(req.commandType) ? [req.commandType, req.args[0] ?? ""] : [req.commandType];
  const ns = req.namespace;
  if (ns === undefined || ns === "" || !verbTakesNamespace(path) || choosesNamespace([...base, ...extra])) {
    return [...base, ...extra];
  }
  return [...base, "-n", ns, ...extra];
}

export { verbTakesNamespace };

/**
 * The argv of a parsed command, in one canonical spelling: the command path,
 * the positionals, then every flag as `--name` (a boolean set) or
 * `--name=value` (lists comma-joined, as pflag reads them back). Parsing the
 * result gives the same command; the agent uses this to hand kubectl a
 * rewritten command (`-o json` instead of a template) without editing
 * tokens in place.
 */
export function commandArgv(cmd: Pick<ParsedCommand, "path" | "positionals" | "flags">): string[] {
  const flags = [...cmd.flags].map(([name, value]) => (value === true ? `--${name}` : `--${name}=${value}`));
  return [...cmd.path, ...cmd.positionals, ...flags];
}
