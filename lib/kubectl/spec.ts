/**
 * The kubectl grammar as data: which command paths exist, which of them are
 * read-only, and for each allowed path the exact flags (from the real
 * `kubectl <verb> --help` of kubectl v1.32) with the kind of value each takes.
 *
 * Guarantees the tables encode:
 * - Every flag the parser accepts is listed here with its arity. A flag is a
 *   boolean (pflag `NoOptDefVal = "true"`: never consumes the next argument)
 *   or takes exactly one value; getting this wrong would let a value be read
 *   as a flag or a flag as a value, so each entry mirrors `--help`
 *   (`--watch=false` means boolean, `--selector=''` means value).
 * - Flags a verb really has but that read local files, hit raw API paths or
 *   render templates are listed with `deny` so the denial names the reason.
 * - Global flags are denied except `--namespace` (namespaced verbs only),
 *   `--request-timeout` and a low `-v`.
 */

/** Stable, kebab-case ids of every rule the grammar can deny with. */
export const RULES = [
  "invalid-argv",
  "argument-limits",
  "non-printable",
  "missing-verb",
  "flag-before-verb",
  "unknown-verb",
  "denied-verb",
  "unknown-flag",
  "denied-flag",
  "global-flag",
  "file-input",
  "raw-path",
  "output-format",
  "verbosity",
  "missing-value",
  "invalid-value",
  "unexpected-argument",
  "invalid-resource",
  "restricted-resource",
  "internal-error",
] as const;

/** One of {@link RULES}. */
export type Rule = (typeof RULES)[number];

/** At most this many arguments (the verb included). */
export const MAX_ARGS = 64;
/** At most this many UTF-8 bytes in one argument. */
export const MAX_ARG_BYTES = 1024;
/** At most this many UTF-8 bytes across all arguments. */
export const MAX_TOTAL_BYTES = 8 * 1024;
/** Default highest `-v` level: from 5 up kubectl logs request/response bodies, Secrets included. */
export const DEFAULT_MAX_VERBOSITY = 4;
/** Resources denied by default whatever their spelling. */
export const DEFAULT_RESTRICTED_RESOURCES: readonly string[] = Object.freeze(["secrets"]);

/**
 * What a flag's value must look like.
 * - `bool`: no separate value; `--f=<bool>` accepts Go `strconv.ParseBool` spellings.
 * - `string`: any printable text. `list`: a pflag string slice (repeats append).
 * - `int`, `duration`, `time`: numbers, Go durations, RFC 3339 times.
 * - `dns-label`: a namespace or container name.
 * - `output`: one of the verb's safe output formats.
 * - `verbosity`: a klog level, capped.
 * - `resource-ref`: `TYPE/NAME`, resolved and checked like a positional.
 */
export type FlagKind =
  | "bool"
  | "string"
  | "list"
  | "int"
  | "duration"
  | "time"
  | "dns-label"
  | "output"
  | "verbosity"
  | "resource-ref";

/** One flag of one verb (or a global flag). */
export interface FlagSpec {
  /** Canonical long name, without dashes. */
  readonly name: string;
  /** One-letter shorthand, if any. */
  readonly short?: string;
  readonly kind: FlagKind;
  /** When set, the only values accepted. */
  readonly values?: readonly string[];
  /** When set, the flag exists in kubectl but is refused with this rule. */
  readonly deny?: Rule;
}

/**
 * How a verb's positional arguments are read.
 * - `none`: no positional at all.
 * - `resources`: kubectl's resource builder (`TYPE[,TYPE] [NAME...]` or `TYPE/NAME...`).
 * - `logs`: `POD | TYPE/NAME`, then an optional container.
 * - `name`: at most one object name (`top pod NAME`).
 * - `explain`: one `TYPE[.field...]`.
 * - `can-i`: `VERB [TYPE | TYPE/NAME | /url] [NAME]`.
 */
export type ArgModel = "none" | "resources" | "logs" | "name" | "explain" | "can-i";

/** An allowed command path and everything it accepts. */
export interface VerbSpec {
  readonly path: readonly string[];
  /** Accepts `-n/--namespace` (and gets one from `buildArgv`). */
  readonly namespaced: boolean;
  readonly args: ArgModel;
  /** Resource used for `name` / `logs` positionals (`top pod NAME` names a pod). */
  readonly defaultResource?: string;
  /** Read-safe `-o` values; absent means the verb has no `-o`. */
  readonly outputs?: readonly string[];
  /**
   * Template outputs (`-o FORMAT=TEMPLATE`) the verb accepts. Kubently
   * evaluates them itself on redacted objects (`lib/kube/print`); kubectl's
   * template engine never sees one.
   */
  readonly templateOutputs?: readonly TemplateFormat[];
  readonly flags: readonly FlagSpec[];
  /**
   * A Kubently command, not a kubectl one: the agent answers it itself
   * (`diagnose` runs the analyzers) and no executor ever hands it to kubectl,
   * which would look for a `kubectl-<verb>` plugin on PATH and run it.
   */
  readonly kubently?: true;
}

const bool = (name: string, short?: string): FlagSpec => (short ? { name, short, kind: "bool" } : { name, kind: "bool" });
const val = (name: string, kind: Exclude<FlagKind, "bool">, short?: string, values?: readonly string[]): FlagSpec => ({
  name,
  kind,
  ...(short ? { short } : {}),
  ...(values ? { values } : {}),
});
const denied = (name: string, rule: Rule, kind: FlagKind, short?: string): FlagSpec => ({
  name,
  kind,
  deny: rule,
  ...(short ? { short } : {}),
});

// Flags shared by several verbs, spelled once.
const ALL_NAMESPACES = bool("all-namespaces", "A");
const SELECTOR = val("selector", "string", "l");
const FIELD_SELECTOR = val("field-selector", "string");
const NO_HEADERS = bool("no-headers");
// Page size of list requests: the agent keeps kubectl's default (500); a caller could otherwise make
// every list one giant request (0) or thousands of tiny ones.
const CHUNK_SIZE = denied("chunk-size", "denied-flag", "int");
const OUTPUT = val("output", "output", "o");
const SHOW_MANAGED_FIELDS = bool("show-managed-fields");
const WATCH = bool("watch", "w");
// -f/-k read local files or URLs (and kustomize can run plugins); -R only matters with -f.
const FILE_FLAGS: readonly FlagSpec[] = [
  denied("filename", "file-input", "list", "f"),
  denied("kustomize", "file-input", "string", "k"),
  denied("recursive", "denied-flag", "bool", "R"),
];
// --template names a template string or file; it is only meaningful with template outputs.
const TEMPLATE_FLAGS: readonly FlagSpec[] = [
  denied("template", "output-format", "string"),
  denied("allow-missing-template-keys", "denied-flag", "bool"),
];

/** Read-safe outputs of resource printers: no template, jsonpath or custom-columns form (they read files or run templates). */
export const SAFE_OUTPUTS: readonly string[] = ["wide", "name", "json", "yaml"];

/**
 * The template outputs Kubently evaluates itself: `-o jsonpath=TEMPLATE`,
 * `-o jsonpath-as-json=TEMPLATE`, `-o custom-columns=SPEC`. Never
 * `go-template`/`template` (Go's text/template, kubectl's engine), nor the
 * `*-file` forms (they read a file on the agent).
 */
export const TEMPLATE_OUTPUTS = ["jsonpath", "jsonpath-as-json", "custom-columns"] as const;

/** One of {@link TEMPLATE_OUTPUTS}. */
export type TemplateFormat = (typeof TEMPLATE_OUTPUTS)[number];

/**
 * Splits an `-o` value of a template output (`jsonpath={.x}`) into its
 * format and template, as kubectl reads it (the text after the first `=`);
 * null for any other output, and for a format without `=` or with an empty
 * template (kubectl: "template format specified but no template given").
 */
export function templateOutput(output: string | undefined): { format: TemplateFormat; template: string } | null {
  if (output === undefined) return null;
  const eq = output.indexOf("=");
  if (eq <= 0 || eq === output.length - 1) return null;
  const format = output.slice(0, eq);
  return (TEMPLATE_OUTPUTS as readonly string[]).includes(format) ? { format: format as TemplateFormat, template: output.slice(eq + 1) } : null;
}

/** Every allowed command path, keyed by its words joined with a space. */
export const VERBS: ReadonlyMap<string, VerbSpec> = new Map(
  (
    [
      {
        path: ["get"],
        namespaced: true,
        args: "resources",
        outputs: SAFE_OUTPUTS,
        templateOutputs: TEMPLATE_OUTPUTS,
        flags: [
          ALL_NAMESPACES,
          // Only changes what a template prints for a missing key (an error instead of nothing).
          bool("allow-missing-template-keys"),
          CHUNK_SIZE,
          FIELD_SELECTOR,
          bool("ignore-not-found"),
          val("label-columns", "list", "L"),
          NO_HEADERS,
          OUTPUT,
          bool("output-watch-events"),
          SELECTOR,
          bool("server-print"),
          bool("show-kind"),
          bool("show-labels"),
          SHOW_MANAGED_FIELDS,
          // Only sorts the listing; the value is a JSONPath expression evaluated on already-fetched objects.
          val("sort-by", "string"),
          // `--subresource=token` etc. could reach more than status/scale; only these two are plain reads.
          val("subresource", "string", undefined, ["status", "scale"]),
          WATCH,
          bool("watch-only"),
          denied("raw", "raw-path", "string"),
          ...FILE_FLAGS,
          denied("template", "output-format", "string"),
        ],
      },
      {
        path: ["describe"],
        namespaced: true,
        args: "resources",
        flags: [ALL_NAMESPACES, CHUNK_SIZE, SELECTOR, bool("show-events"), ...FILE_FLAGS],
      },
      {
        path: ["logs"],
        namespaced: true,
        args: "logs",
        defaultResource: "pods",
        flags: [
          bool("all-containers"),
          bool("all-pods"),
          val("container", "dns-label", "c"),
          bool("follow", "f"),
          bool("ignore-errors"),
          val("limit-bytes", "int"),
          // Concurrent log streams one follow may open: at most kubectl's default (5).
          val("max-log-requests", "int", undefined, ["1", "2", "3", "4", "5"]),
          val("pod-running-timeout", "duration"),
          bool("prefix"),
          bool("previous", "p"),
          SELECTOR,
          val("since", "duration"),
          val("since-time", "time"),
          val("tail", "int"),
          bool("timestamps"),
          // Turns off kubelet certificate checks for the log stream.
          denied("insecure-skip-tls-verify-backend", "denied-flag", "bool"),
        ],
      },
      {
        path: ["top", "pod"],
        namespaced: true,
        args: "name",
        defaultResource: "pods",
        flags: [
          ALL_NAMESPACES,
          bool("containers"),
          FIELD_SELECTOR,
          NO_HEADERS,
          SELECTOR,
          val("sort-by", "string", undefined, ["cpu", "memory"]),
          bool("sum"),
          bool("use-protocol-buffers"),
        ],
      },
      {
        path: ["top", "node"],
        namespaced: false,
        args: "name",
        defaultResource: "nodes",
        flags: [
          NO_HEADERS,
          SELECTOR,
          bool("show-capacity"),
          val("sort-by", "string", undefined, ["cpu", "memory"]),
          bool("use-protocol-buffers"),
        ],
      },
      {
        path: ["events"],
        namespaced: true,
        args: "none",
        outputs: ["json", "yaml", "name"],
        flags: [
          ALL_NAMESPACES,
          CHUNK_SIZE,
          val("for", "resource-ref"),
          NO_HEADERS,
          OUTPUT,
          SHOW_MANAGED_FIELDS,
          val("types", "list"),
          WATCH,
          ...TEMPLATE_FLAGS,
        ],
      },
      {
        path: ["explain"],
        namespaced: false,
        args: "explain",
        outputs: ["plaintext", "plaintext-openapiv2"],
        flags: [val("api-version", "string"), OUTPUT, bool("recursive")],
      },
      {
        path: ["api-resources"],
        namespaced: false,
        args: "none",
        outputs: ["wide", "name"],
        flags: [
          val("api-group", "string"),
          bool("cached"),
          val("categories", "list"),
          bool("namespaced"),
          NO_HEADERS,
          OUTPUT,
          val("sort-by", "string", undefined, ["name", "kind"]),
          val("verbs", "list"),
        ],
      },
      { path: ["api-versions"], namespaced: false, args: "none", flags: [] },
      { path: ["version"], namespaced: false, args: "none", outputs: ["json", "yaml"], flags: [bool("client"), OUTPUT] },
      { path: ["cluster-info"], namespaced: false, args: "none", flags: [] },
      {
        path: ["auth", "can-i"],
        namespaced: true,
        args: "can-i",
        flags: [ALL_NAMESPACES, bool("list"), NO_HEADERS, bool("quiet", "q"), val("subresource", "string")],
      },
      // Who the agent is to the API server (a SelfSubjectReview): a read.
      { path: ["auth", "whoami"], namespaced: false, args: "none", outputs: ["json", "yaml"], flags: [OUTPUT, SHOW_MANAGED_FIELDS, ...TEMPLATE_FLAGS] },
      {
        path: ["rollout", "status"],
        namespaced: true,
        args: "resources",
        flags: [val("revision", "int"), SELECTOR, val("timeout", "duration"), WATCH, ...FILE_FLAGS],
      },
      // Kubently's diagnostics (lib/diagnose): the analyzers over one read of the namespace (or, with -A, the cluster).
      {
        path: ["diagnose"],
        namespaced: true,
        args: "none",
        outputs: ["json"],
        flags: [ALL_NAMESPACES, OUTPUT, val("analyzers", "list")],
        kubently: true,
      },
      {
        path: ["rollout", "history"],
        namespaced: true,
        args: "resources",
        outputs: ["json", "yaml", "name"],
        flags: [OUTPUT, val("revision", "int"), SELECTOR, SHOW_MANAGED_FIELDS, ...FILE_FLAGS, ...TEMPLATE_FLAGS],
      },
    ] satisfies VerbSpec[]
  ).map((spec) => [spec.path.join(" "), Object.freeze(spec)] as const),
);

/**
 * Verbs that take a subcommand right after them, with the allowed
 * subcommands (and their cobra aliases, e.g. `top pods`, `top no`) mapped to
 * the canonical word, plus the subcommands kubectl has that stay denied.
 */
export const VERB_GROUPS: ReadonlyMap<string, { allowed: ReadonlyMap<string, string>; denied: readonly string[] }> = new Map([
  [
    "top",
    {
      allowed: new Map([
        ["pod", "pod"], ["pods", "pod"], ["po", "pod"],
        ["node", "node"], ["nodes", "node"], ["no", "node"],
      ]),
      denied: [],
    },
  ],
  ["rollout", { allowed: new Map([["status", "status"], ["history", "history"]]), denied: ["restart", "undo", "pause", "resume"] }],
  ["auth", { allowed: new Map([["can-i", "can-i"], ["whoami", "whoami"]]), denied: ["reconcile"] }],
]);

/**
 * Every other command kubectl v1.32 knows (including cobra's `help` and the
 * hidden `__complete`, which lists object names through the API). These are
 * denied as `denied-verb`; anything else is `unknown-verb`, because kubectl
 * would look for a `kubectl-<verb>` plugin on PATH and run it.
 */
export const DENIED_VERBS: ReadonlySet<string> = new Set([
  "create", "expose", "run", "set", "edit", "delete", "scale", "autoscale", "certificate",
  "cordon", "uncordon", "drain", "taint", "attach", "exec", "port-forward", "proxy", "cp",
  "debug", "diff", "apply", "patch", "replace", "wait", "kustomize", "label", "annotate",
  "completion", "alpha", "config", "plugin", "options", "help", "__complete", "__completeNoDesc",
]);

/** Subcommands of allowed leaf verbs that are denied (`cluster-info dump` writes files and dumps every log). */
export const DENIED_SUBCOMMANDS: ReadonlyMap<string, readonly string[]> = new Map([["cluster-info", ["dump"]]]);

/**
 * kubectl's global flags (`kubectl options`, plus klog flags older builds
 * expose). Only `namespace`, `request-timeout` and `v` may be accepted; the
 * rest select other credentials, servers or files, or write local files.
 */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  val("namespace", "dns-label", "n"),
  val("request-timeout", "duration"),
  val("v", "verbosity", "v"),
  ...(
    [
      ["as", "string"], ["as-group", "list"], ["as-uid", "string"], ["cache-dir", "string"],
      ["certificate-authority", "string"], ["client-certificate", "string"], ["client-key", "string"],
      ["cluster", "string"], ["context", "string"], ["disable-compression", "bool"],
      ["insecure-skip-tls-verify", "bool"], ["kubeconfig", "string"], ["log-flush-frequency", "duration"],
      ["match-server-version", "bool"], ["password", "string"], ["profile", "string"],
      ["profile-output", "string"], ["tls-server-name", "string"], ["token", "string"], ["user", "string"],
      ["username", "string"], ["vmodule", "string"], ["warnings-as-errors", "bool"],
      ["log-file", "string"], ["log-dir", "string"], ["log-file-max-size", "int"], ["logtostderr", "bool"],
      ["alsologtostderr", "bool"], ["one-output", "bool"], ["skip-headers", "bool"], ["skip-log-headers", "bool"],
      ["stderrthreshold", "string"], ["add-dir-header", "bool"], ["log-backtrace-at", "string"],
    ] as const
  ).map(([name, kind]) => denied(name, "global-flag", kind)),
  denied("server", "global-flag", "string", "s"),
];

/** True when argv runs a Kubently command (`diagnose`), which no executor may hand to kubectl. */
export function isKubentlyCommand(argv: readonly string[]): boolean {
  const first = argv.find((a) => !a.startsWith("-"));
  return first !== undefined && VERBS.get(first)?.kubently === true;
}

/** The global flags a verb accepts: the namespace only where the verb is namespaced. */
export const allowedGlobals = (spec: VerbSpec): readonly string[] =>
  spec.namespaced ? ["namespace", "request-timeout", "v"] : ["request-timeout", "v"];

/**
 * True when `path` is an allowed command that takes `-n/--namespace`.
 * `path` is the canonical command path (`["top", "pod"]`); cobra aliases of
 * subcommands (`["top", "pods"]`) are accepted too.
 */
export function verbTakesNamespace(path: readonly string[]): boolean {
  const [verb, sub] = path;
  if (verb === undefined) return false;
  const group = VERB_GROUPS.get(verb);
  const canonical = group ? [verb, (sub !== undefined && group.allowed.get(sub)) || ""] : [verb];
  return VERBS.get(canonical.join(" "))?.namespaced ?? false;
}
