/**
 * The one mapping from what a caller says it wants run to kubectl argv,
 * shared by the REST body, the MCP tools and the A2A data part (and so by
 * anything that speaks their snake_case shape). The argv it builds is never
 * trusted: it goes through the policy pipeline like any other.
 */
import { KubentlyError } from "../errors.ts";
import { buildArgv, splitCommandLine } from "../kubectl/index.ts";

/** The fields of an execute request that shape argv (all optional; see {@link argvOfSpec}). */
export interface ExecuteSpec {
  /** Full kubectl arguments without the `kubectl` word. */
  argv?: readonly string[] | null;
  /** The verb with its subcommand for grouped verbs (`get`, `top pod`), or a whole command line (`get pods -n shop`). */
  command?: string | null;
  /** The REST API's name for `command`. */
  command_type?: string | null;
  /** Resource type, or `type/name`. */
  resource?: string | null;
  /** Object name; with `resource` the two are joined as `resource/name`. */
  name?: string | null;
  /** Added as `-n` for namespaced commands unless the arguments choose one. @default "default" (not with `argv`) */
  namespace?: string | null;
  all_namespaces?: boolean | null;
  args?: readonly string[] | null;
  /** Appended last. */
  extra_args?: readonly string[] | null;
}

const invalid = (message: string) => new KubentlyError("VALIDATION_FAILED", message);

/**
 * The argv `spec` asks for, or undefined when it names no command at all
 * (no argv, verb, resource, name or args). Throws `VALIDATION_FAILED` for a
 * spec that contradicts itself or a command line that cannot be split.
 */
export function argvOfSpec(spec: ExecuteSpec): string[] | undefined {
  const allNamespaces = spec.all_namespaces ? ["-A"] : [];
  const extraArgs = [...(spec.extra_args ?? []), ...allNamespaces];
  if (spec.argv) {
    if (spec.command || spec.command_type || spec.args || spec.resource || spec.name) {
      throw invalid("give either argv, or command (command_type) with its arguments, not both");
    }
    if (spec.argv[0] === "kubectl") throw invalid("argv is kubectl's arguments without the word kubectl");
    return buildArgv({ commandType: spec.argv[0]!, args: spec.argv.slice(1), ...(spec.namespace ? { namespace: spec.namespace } : {}), extraArgs });
  }
  if (spec.command && spec.command_type && spec.command.trim() !== spec.command_type.trim()) {
    throw invalid("give command or command_type, not both");
  }
  let verb = (spec.command ?? spec.command_type)?.trim();
  let lead: string[] = [];
  if (verb !== undefined && /\s/.test(verb)) {
    const split = splitCommandLine(verb);
    if (!split.ok) throw invalid(split.reason);
    lead = split.words[0] === "kubectl" ? split.words.slice(1) : split.words;
    verb = lead.shift();
  }
  if (verb === undefined) {
    if (!spec.resource && !spec.name && !spec.args?.length) return undefined;
    verb = "get";
  }
  if (verb === "" || verb === "kubectl") throw invalid('command is the kubectl verb, e.g. "get"');
  // resource and name join as resource/name (so `logs pod/web-1` never reads web-1 as a container).
  const target = spec.resource && spec.name ? [`${spec.resource}/${spec.name}`] : [spec.resource ?? spec.name].filter((x): x is string => !!x);
  return buildArgv({ commandType: verb, args: [...lead, ...target, ...(spec.args ?? [])], namespace: spec.namespace ?? "default", extraArgs });
}
