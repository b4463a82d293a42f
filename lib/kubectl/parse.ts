/**
 * A kubectl argv parser that reads arguments exactly the way kubectl
 * (cobra + spf13/pflag) does, and fails closed wherever that reading could
 * be ambiguous or unsafe.
 *
 * Guarantees, given the tables in `spec.ts`:
 * - The command path is `argv[0]` (plus `argv[1]` for `top`, `rollout`,
 *   `auth`). A flag first is denied: cobra strips flags it believes take a
 *   value before looking for the command, so `-n get delete pod x` runs
 *   `delete` in kubectl.
 * - Every flag token is looked up in the verb's table; anything absent is
 *   denied, so no flag the tables do not know can ever reach kubectl.
 * - Values are consumed with pflag's rules (`--f=v`, `--f v`, `-fv`, `-f=v`,
 *   `-f v`, bundles such as `-Aw`/`-Aojson`; booleans never take the next
 *   argument; `_` equals `-` in long names; the last of repeated flags wins;
 *   `--` ends flags). In addition, a value taken from the next argument may
 *   not look like a flag (`-l --server=x`) and no value may be empty: kubectl
 *   would accept both, but a reader of the command would not see what runs.
 * - Every positional is read by the verb's argument model; a positional that
 *   starts with `-` (possible only after `--`) is denied.
 */
import {
  templateOutput,
  DEFAULT_MAX_VERBOSITY,
  DEFAULT_RESTRICTED_RESOURCES,
  DENIED_SUBCOMMANDS,
  DENIED_VERBS,
  GLOBAL_FLAGS,
  MAX_ARG_BYTES,
  MAX_ARGS,
  MAX_TOTAL_BYTES,
  VERB_GROUPS,
  VERBS,
  allowedGlobals,
  type FlagSpec,
  type Rule,
  type VerbSpec,
} from "./spec.ts";
import { isObjectName, isRestricted, resourceKey, splitResourceArgs, toRef, type ResourceRef } from "./resources.ts";
import { secretMetadataProblem, type SecretsMode } from "./secrets.ts";

/** A command the grammar accepts. */
export interface ParsedCommand {
  /** The canonical command path: `["get"]`, `["rollout", "status"]`, `["top", "pod"]`. */
  path: string[];
  /** Non-flag arguments after the path, in order. */
  positionals: string[];
  /** Flags by canonical long name; booleans are `true` or `"false"`, lists are comma-joined. */
  flags: Map<string, string | true>;
  namespace?: string;
  allNamespaces: boolean;
  /** Objects the command reads (empty for `explain`, `auth can-i` and the discovery verbs). */
  resources: ResourceRef[];
  /** The `-o` value, when given. */
  output?: string;
}

/** A denial: `rule` is a stable id from `RULES`, `reason` names the offending token. */
export interface ParseDenial {
  ok: false;
  rule: Rule;
  reason: string;
}

/** The outcome of {@link parseKubectl}. */
export type ParseResult = { ok: true; command: ParsedCommand } | ParseDenial;

/** Options for {@link parseKubectl}. */
export interface ParseOptions {
  /** Resources denied whatever their spelling. @default ["secrets"] */
  restrictedResources?: readonly string[];
  /** Highest `-v` level accepted. @default 4 */
  maxVerbosity?: number;
  /**
   * How Secrets are treated when `secrets` is restricted: `"metadata"` lets
   * the forms that print no value pass (`get` tables and `-o name`,
   * `describe`; see `secrets.ts`), `"deny"` denies them all. The grammar on
   * its own is strictest; the `read-only` policy defaults to `"metadata"`.
   * @default "deny"
   */
  secrets?: SecretsMode;
}

const fail = (rule: Rule, reason: string): ParseDenial => ({ ok: false, rule, reason });
/** Quotes a token for a reason: JSON-escaped (control characters stay visible), long ones shortened. */
const q = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** Per-verb lookup tables: the verb's flags over the global ones. */
interface FlagTable {
  long: ReadonlyMap<string, FlagSpec>;
  short: ReadonlyMap<string, FlagSpec>;
}

const TABLES = new Map<VerbSpec, FlagTable>();
function tableFor(spec: VerbSpec): FlagTable {
  let table = TABLES.get(spec);
  if (table) return table;
  const long = new Map<string, FlagSpec>();
  const short = new Map<string, FlagSpec>();
  const globalsOk = allowedGlobals(spec);
  for (const g of GLOBAL_FLAGS) {
    const f: FlagSpec = g.deny || globalsOk.includes(g.name) ? g : { ...g, deny: "global-flag" };
    long.set(f.name, f);
    if (f.short) short.set(f.short, f);
  }
  for (const f of spec.flags) {
    long.set(f.name, f);
    if (f.short) short.set(f.short, f);
  }
  table = { long, short };
  TABLES.set(spec, table);
  return table;
}

// Control, format (zero-width, bidi), surrogate, private-use, line/paragraph
// separator characters, and any whitespace but the plain space.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]|[^\S ]/u;
const utf8 = new TextEncoder();

/**
 * Takes one snapshot of argv (each element read exactly once, so a getter or
 * proxy cannot show the checks one thing and the parser another) and checks
 * shape, count, length and printability of every argument.
 */
function snapshot(input: unknown): string[] | ParseDenial {
  if (!Array.isArray(input)) return fail("invalid-argv", "argv must be an array of strings");
  if (input.length > MAX_ARGS) return fail("argument-limits", `${input.length} arguments; at most ${MAX_ARGS} are accepted`);
  const argv: unknown[] = Array.prototype.slice.call(input);
  let total = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg: unknown = argv[i];
    if (typeof arg !== "string") return fail("invalid-argv", `argument ${i} is not a string`);
    // UTF-16 length never exceeds UTF-8 length, so this bounds the work before encoding.
    const bytes = arg.length > MAX_ARG_BYTES ? arg.length : utf8.encode(arg).length;
    if (bytes > MAX_ARG_BYTES) return fail("argument-limits", `argument ${i} is longer than ${MAX_ARG_BYTES} bytes`);
    if (NON_PRINTABLE.test(arg)) return fail("non-printable", `argument ${i} (${q(arg)}) contains a non-printable character`);
    total += bytes;
  }
  if (total > MAX_TOTAL_BYTES) return fail("argument-limits", `arguments total ${total} bytes; at most ${MAX_TOTAL_BYTES} are accepted`);
  return argv as string[];
}

/** Finds the command path; the path words come first, nothing else may precede them. */
function resolvePath(argv: readonly string[]): { ok: true; spec: VerbSpec; rest: string[] } | ParseDenial {
  const verb = argv[0];
  if (verb === undefined || verb === "") return fail("missing-verb", "no kubectl command given");
  if (verb.startsWith("-")) {
    return fail("flag-before-verb", `the command must come first, not the flag ${q(verb)} (kubectl may read a later word as the command)`);
  }
  const group = VERB_GROUPS.get(verb);
  if (group) {
    const sub = argv[1];
    const canonical = sub === undefined ? undefined : group.allowed.get(sub);
    if (sub !== undefined && canonical !== undefined) {
      return { ok: true, spec: VERBS.get(`${verb} ${canonical}`)!, rest: argv.slice(2) };
    }
    if (sub !== undefined && group.denied.includes(sub)) return fail("denied-verb", `${q(`${verb} ${sub}`)} is not read-only`);
    const allowed = [...new Set(group.allowed.values())].join(", ");
    return fail("unknown-verb", `${q(verb)} must be followed directly by one of: ${allowed}; got ${sub === undefined ? "nothing" : q(sub)}`);
  }
  const spec = VERBS.get(verb);
  if (spec) return { ok: true, spec, rest: argv.slice(1) };
  if (DENIED_VERBS.has(verb)) return fail("denied-verb", `${q(verb)} is not a read-only command`);
  return fail("unknown-verb", `${q(verb)} is not a known kubectl command (kubectl would run a kubectl-${verb} plugin)`);
}

// Go strconv.ParseBool, which pflag uses for `--flag=value` on booleans.
const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);
const INT_RE = /^-?\d{1,18}$/;
const NEGATIVE_INT_RE = /^-\d{1,18}$/;
// Go time.ParseDuration forms (units ns/us/ms/s/m/h), plus a bare integer (kubectl reads `--request-timeout=5` as seconds).
const DURATION_RE = /^(\d{1,12}|(\d{1,12}(\.\d{1,9})?(ns|us|ms|s|m|h))+)$/;
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const TEMPLATE_OUTPUT_RE = /^(go-template|template|templatefile|jsonpath|custom-columns)/;

interface State {
  spec: VerbSpec;
  options: ParseOptions;
  flags: Map<string, string | true>;
  extraRefs: ResourceRef[];
}

/**
 * Records one flag value. `detached` is true when the value was the next
 * argument rather than part of the flag's own token.
 */
function setFlag(st: State, flag: FlagSpec, token: string, value: string | true, detached: boolean): ParseDenial | undefined {
  if (flag.kind === "bool") {
    if (value === true || GO_TRUE.has(value)) st.flags.set(flag.name, true);
    else if (GO_FALSE.has(value)) st.flags.set(flag.name, "false");
    else return fail("invalid-value", `${q(token)}: ${q(value)} is not a boolean`);
    return undefined;
  }
  if (value === true || value === "") return fail("missing-value", `${q(token)} needs a value`);
  if (detached && value.startsWith("-") && !(flag.kind === "int" && NEGATIVE_INT_RE.test(value))) {
    return fail("missing-value", `${q(token)} needs a value, but the next argument ${q(value)} is a flag`);
  }
  const bad = (what: string) => fail("invalid-value", `${q(token)}: ${q(value)} is not ${what}`);
  switch (flag.kind) {
    case "int":
      if (!INT_RE.test(value)) return bad("an integer");
      break;
    case "duration":
      if (!DURATION_RE.test(value)) return bad("a duration such as 30s, 5m or 1h");
      break;
    case "time":
      if (!TIME_RE.test(value)) return bad("an RFC 3339 time");
      break;
    case "dns-label":
      if (!DNS_LABEL_RE.test(value)) return bad("a valid name (lowercase letters, digits and '-')");
      break;
    case "output": {
      const allowed = st.spec.outputs ?? [];
      if (allowed.includes(value)) break;
      const templates = st.spec.templateOutputs ?? [];
      const template = templateOutput(value);
      if (template && templates.includes(template.format)) break;
      const use = [...allowed, ...templates.map((t) => `${t}=${t === "custom-columns" ? "SPEC" : "TEMPLATE"}`)].join(", ");
      if ((templates as readonly string[]).includes(value.split("=", 1)[0]!)) {
        return fail("output-format", `output ${q(value)} needs a template after "="; use one of: ${use}`);
      }
      let why = "";
      if (TEMPLATE_OUTPUT_RE.test(value) || value.includes("-file")) {
        why = templates.length
          ? " (go-template, template and *-file forms are refused: kubectl would render them itself or read a local file)"
          : " (templates and *-file forms are refused)";
      }
      return fail("output-format", `output ${q(value)} is not allowed${why}; use one of: ${use}`);
    }
    case "verbosity": {
      const max = st.options.maxVerbosity ?? DEFAULT_MAX_VERBOSITY;
      if (!/^\d{1,9}$/.test(value) || Number(value) > max) {
        return fail("verbosity", `${q(token)}: verbosity ${q(value)} is above ${max} (higher levels log request and response bodies)`);
      }
      break;
    }
    case "resource-ref": {
      const split = value.includes("/") ? splitResourceArgs([value]) : undefined;
      if (!split?.ok || split.refs.length !== 1) return fail("invalid-resource", `${q(token)}: ${q(value)} must be TYPE/NAME`);
      st.extraRefs.push(...split.refs);
      break;
    }
    case "string":
    case "list":
      break;
  }
  if (flag.values && !flag.values.includes(value)) return bad(`one of ${flag.values.join(", ")}`);
  const prev = st.flags.get(flag.name);
  // pflag string slices append on repeat; every other flag keeps its last value.
  st.flags.set(flag.name, flag.kind === "list" && typeof prev === "string" ? `${prev},${value}` : value);
  return undefined;
}

const refuse = (flag: FlagSpec, token: string): ParseDenial => {
  const rule = flag.deny ?? "denied-flag";
  const why: Partial<Record<Rule, string>> = {
    "global-flag": "selects other credentials, servers or local files",
    "file-input": "reads local files or URLs",
    "raw-path": "requests an arbitrary API path",
    "output-format": "renders templates or reads template files",
  };
  return fail(rule, `flag ${q(token)} is refused: it ${why[rule] ?? "is not read-safe"}`);
};

/** Walks the arguments after the command path with pflag's rules (`FlagSet.parseArgs`). */
function scan(st: State, rest: readonly string[]): { ok: true; positionals: string[] } | ParseDenial {
  const table = tableFor(st.spec);
  const positionals: string[] = [];
  let i = 0;
  while (i < rest.length) {
    const s = rest[i++]!;
    if (s.length < 2 || s[0] !== "-") {
      positionals.push(s);
      continue;
    }
    if (s[1] === "-") {
      if (s.length === 2) {
        positionals.push(...rest.slice(i));
        break;
      }
      const body = s.slice(2);
      if (body[0] === "-" || body[0] === "=") return fail("unknown-flag", `bad flag syntax ${q(s)}`);
      const eq = body.indexOf("=");
      const raw = eq < 0 ? body : body.slice(0, eq);
      // kubectl's flag normalizer (WordSepNormalizeFunc) turns `_` into `-`.
      const flag = table.long.get(raw.replaceAll("_", "-"));
      if (!flag) return fail("unknown-flag", `unknown flag ${q(`--${raw}`)} for ${q(st.spec.path.join(" "))}`);
      // Name the flag without its value: a refused `--token=...` must not echo the token into reasons and audit.
      if (flag.deny) return refuse(flag, `--${raw}`);
      let value: string | true = true;
      let detached = false;
      if (eq >= 0) value = body.slice(eq + 1);
      else if (flag.kind !== "bool") {
        if (i >= rest.length) return fail("missing-value", `${q(s)} needs a value`);
        value = rest[i++]!;
        detached = true;
      }
      const err = setFlag(st, flag, s, value, detached);
      if (err) return err;
      continue;
    }
    // A bundle of shorthands (pflag parseShortArg / parseSingleShortArg).
    let shorts = s.slice(1);
    while (shorts.length > 0) {
      const c = String.fromCodePoint(shorts.codePointAt(0)!);
      const flag = table.short.get(c);
      if (!flag) return fail("unknown-flag", `unknown shorthand flag ${q(`-${c}`)} in ${q(s)} for ${q(st.spec.path.join(" "))}`);
      if (flag.deny) return refuse(flag, `-${c}`);
      let value: string | true = true;
      let detached = false;
      if (shorts.length > 2 && shorts[1] === "=") {
        value = shorts.slice(2); // -o=json, -w=false
        shorts = "";
      } else if (flag.kind === "bool") {
        shorts = shorts.slice(1); // -A, and the next letter is another shorthand
      } else if (shorts.length === 2 && shorts[1] === "=") {
        // pflag would take "=" itself as the value of `-n=`; say what is missing instead.
        return fail("missing-value", `${q(s)} has an empty value`);
      } else if (shorts.length > 1) {
        value = shorts.slice(1); // -ojson, -nkube-system
        shorts = "";
      } else if (i < rest.length) {
        value = rest[i++]!; // -o json
        detached = true;
        shorts = "";
      } else {
        return fail("missing-value", `${q(`-${c}`)} needs a value`);
      }
      const err = setFlag(st, flag, `-${c}`, value, detached);
      if (err) return err;
    }
  }
  return { ok: true, positionals };
}

const VERB_WORD_RE = /^(\*|[A-Za-z][A-Za-z-]*)$/;
const NON_RESOURCE_URL_RE = /^\/[A-Za-z0-9/_.*~-]*$/;
const EXPLAIN_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** Reads positionals with the verb's argument model and returns the objects they name. */
function readPositionals(spec: VerbSpec, args: readonly string[]): { ok: true; refs: ResourceRef[] } | ParseDenial {
  for (const a of args) {
    if (a === "" || a.startsWith("-")) {
      return fail("unexpected-argument", `argument ${q(a)} is not a valid name (after "--" kubectl reads it as a name, not a flag)`);
    }
  }
  const verb = q(spec.path.join(" "));
  const tooMany = (max: number) => fail("unexpected-argument", `${verb} takes at most ${max} argument(s); unexpected ${q(args[max]!)}`);
  const ref = (r: ReturnType<typeof toRef>) => (r.ok ? { ok: true as const, refs: [r.ref] } : fail("invalid-resource", r.reason));
  switch (spec.args) {
    case "none": {
      const a = args[0];
      if (a === undefined) return { ok: true, refs: [] };
      if (DENIED_SUBCOMMANDS.get(spec.path.join(" "))?.includes(a)) return fail("denied-verb", `${q(`${spec.path.join(" ")} ${a}`)} is not read-only`);
      return fail("unexpected-argument", `${verb} takes no arguments; unexpected ${q(a)}`);
    }
    case "resources": {
      const split = splitResourceArgs(args);
      return split.ok ? split : fail("invalid-resource", split.reason);
    }
    case "name": {
      if (args.length > 1) return tooMany(1);
      if (args[0] === undefined) return { ok: true, refs: [{ resource: spec.defaultResource ?? "" }] };
      return ref(toRef(spec.defaultResource ?? "", args[0]));
    }
    case "logs": {
      if (args.length > 2) return tooMany(2);
      const [target, container] = args;
      if (container !== undefined && !DNS_LABEL_RE.test(container)) return fail("invalid-value", `container ${q(container)} is not a valid name`);
      if (target === undefined) return { ok: true, refs: [{ resource: spec.defaultResource ?? "pods" }] };
      if (!target.includes("/")) return ref(toRef(spec.defaultResource ?? "pods", target));
      const split = splitResourceArgs([target]);
      return split.ok ? split : fail("invalid-resource", split.reason);
    }
    case "explain": {
      if (args.length > 1) return tooMany(1);
      const a = args[0];
      if (a !== undefined && !EXPLAIN_RE.test(a)) return fail("invalid-resource", `${q(a)} is not a resource or field path`);
      return { ok: true, refs: [] };
    }
    case "can-i": {
      // Asks the authorizer only; it reads no object, so nothing is restricted here.
      if (args.length > 3) return tooMany(3);
      const [action, target, name] = args;
      if (action !== undefined && !VERB_WORD_RE.test(action)) return fail("unexpected-argument", `${q(action)} is not an API verb`);
      if (target !== undefined && target !== "*" && !NON_RESOURCE_URL_RE.test(target)) {
        const split = target.includes("/") ? splitResourceArgs([target]) : (() => {
          const r = toRef(target);
          return r.ok ? { ok: true as const, refs: [r.ref] } : r;
        })();
        if (!split.ok) return fail("invalid-resource", split.reason);
      }
      if (name !== undefined && !isObjectName(name)) return fail("invalid-resource", `${q(name)} is not a valid object name`);
      return { ok: true, refs: [] };
    }
  }
}

function parse(argv: unknown, options: ParseOptions): ParseResult {
  const args = snapshot(argv);
  if (!Array.isArray(args)) return args;
  const path = resolvePath(args);
  if (!path.ok) return path;
  const st: State = { spec: path.spec, options, flags: new Map(), extraRefs: [] };
  const scanned = scan(st, path.rest);
  if (!scanned.ok) return scanned;
  const read = readPositionals(path.spec, scanned.positionals);
  if (!read.ok) return read;
  const resources = [...read.refs, ...st.extraRefs];
  const namespace = st.flags.get("namespace");
  const output = st.flags.get("output");
  const command: ParsedCommand = {
    path: [...path.spec.path],
    positionals: scanned.positionals,
    flags: st.flags,
    allNamespaces: st.flags.get("all-namespaces") === true,
    resources,
  };
  if (typeof namespace === "string") command.namespace = namespace;
  if (typeof output === "string") command.output = output;
  const restricted = options.restrictedResources ?? DEFAULT_RESTRICTED_RESOURCES;
  for (const ref of resources) {
    if (!isRestricted(ref.resource, restricted)) continue;
    const what = q(ref.name === undefined ? ref.resource : `${ref.resource}/${ref.name}`);
    if (options.secrets === "metadata" && resourceKey(ref.resource) === "secrets") {
      const problem = secretMetadataProblem(command);
      if (problem === null) continue;
      return fail("restricted-resource", `${what} is a restricted resource readable only as metadata: ${problem}`);
    }
    return fail("restricted-resource", `${what} is a restricted resource`);
  }
  return { ok: true, command };
}

/**
 * Parses kubectl arguments (without the `kubectl` word) and decides whether
 * they form an allowed read-only command. Never throws: anything unexpected,
 * including a bug here, is a denial (`internal-error`).
 */
export function parseKubectl(argv: readonly string[], options: ParseOptions = {}): ParseResult {
  try {
    return parse(argv, options);
  } catch (err) {
    return fail("internal-error", `the command could not be parsed: ${(err as Error)?.message ?? String(err)}`);
  }
}

/**
 * True when the command does not end on its own and needs a time budget:
 * `logs -f`, `get/events -w` or `--watch-only`, and `rollout status` unless
 * `--watch=false` (its watch defaults to true).
 */
export function isStreaming(command: ParsedCommand): boolean {
  const { flags } = command;
  if (flags.get("follow") === true || flags.get("watch-only") === true) return true;
  if (command.path.join(" ") === "rollout status") return flags.get("watch") !== "false";
  return flags.get("watch") === true;
}
