/**
 * `kubectl auth can-i` (kubectl v1.32, pkg/cmd/auth/cani.go) from data: the
 * review kubectl sends, the warnings and errors it prints on the way, and what
 * it prints from the answer.
 *
 * Flow, as kubectl runs it:
 * 1. {@link canIResourceArg} names the TYPE to resolve (if any); the caller
 *    resolves it like kubectl (`schema.ParseResourceArg` on the lower-cased
 *    token, the REST mapper's ResourceFor for a fully specified
 *    `resource.version.group`, else for `resource[.group]`), or gets null.
 * 2. {@link planCanI} returns the review to POST (`SelfSubjectAccessReview`
 *    to `/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, or with
 *    `--list` a `SelfSubjectRulesReview` to `.../selfsubjectrulesreviews`) and
 *    the warnings already printed to stderr, or the error that ends the command.
 * 3. {@link renderCanI} / {@link renderCanIList} print the answer's `status`.
 */
import { compareCodePoints } from "../_gosort.ts";
import { arr, obj, str, strs } from "../_json.ts";
import type { ResourceInfo } from "../_types.ts";
import { formatTabbed } from "./_tabwriter.ts";
import type { CommandOutput } from "./events.ts";

const RESOURCE_VERBS = new Set(["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "use", "bind", "impersonate", "*", "approve", "sign", "escalate", "attest"]);
const NON_RESOURCE_URL_VERBS = new Set(["get", "put", "post", "head", "options", "delete", "patch", "*"]);
/** Types the server authorizes but discovery never lists (for `impersonate`). */
const NON_STANDARD_RESOURCES = new Set(["users", "groups"]);

/**
 * apimachinery's `schema.ParseResourceArg`: `resource.version.group` (three or
 * more dots-separated parts) is also a fully specified candidate; the
 * group-resource splits at the first dot.
 */
export function parseResourceArg(arg: string): {
  fullySpecified: { group: string; version: string; resource: string } | null;
  groupResource: { group: string; resource: string };
} {
  let fullySpecified: { group: string; version: string; resource: string } | null = null;
  if ((arg.match(/\./g) ?? []).length >= 2) {
    const [resource = "", version = "", ...rest] = arg.split(".");
    fullySpecified = { group: rest.join("."), version, resource };
  }
  const dot = arg.indexOf(".");
  const groupResource = dot >= 0 ? { group: arg.slice(dot + 1), resource: arg.slice(0, dot) } : { group: "", resource: arg };
  return { fullySpecified, groupResource };
}

/** The flags and arguments of `kubectl auth can-i`. */
export interface CanIOptions {
  /** Positional arguments: `VERB TYPE[/NAME]` or `VERB /url`; none with `--list`. */
  args: readonly string[];
  /** The effective namespace: `-n`, else the kubeconfig context's, else `default`. Ignored with `-A`. */
  namespace: string;
  /** `-A`. */
  allNamespaces?: boolean;
  /** `-q`: nothing on stdout, only the exit code. */
  quiet?: boolean;
  /** `--subresource`. */
  subresource?: string;
  /** `--list`. */
  list?: boolean;
  /** `--no-headers` (only valid with `--list`). */
  noHeaders?: boolean;
  /**
   * The type {@link canIResourceArg} named, resolved by the caller; null when
   * the server has no such type; omitted when nothing needed resolving.
   */
  resolved?: ResourceInfo | null;
}

/** A `SelfSubjectAccessReview` or `SelfSubjectRulesReview` request body (JSON). */
export type ReviewRequest = Record<string, unknown> & { apiVersion: "authorization.k8s.io/v1"; kind: string; spec: Record<string, unknown> };

/** What {@link planCanI} decided. */
export type CanIPlan =
  /** POST `body` to selfsubjectaccessreviews (`access`) or selfsubjectrulesreviews (`rules`); `stderr` holds warnings already printed. */
  | { kind: "access" | "rules"; body: ReviewRequest; stderr: string }
  /** The command ends here (kubectl prints `stderr` and exits `exitCode`) without asking the server. */
  | { kind: "error"; output: CommandOutput };

/**
 * The TYPE token kubectl resolves, lower-cased (`Deployments.Apps/web` →
 * `deployments.apps`), or null when nothing is resolved (`--list`, a wrong
 * number of arguments, a `/url`, `*`, an empty type: kubectl's mapper never
 * resolves those, and {@link planCanI} handles them without `resolved`).
 */
export function canIResourceArg(options: Pick<CanIOptions, "args" | "list">): string | null {
  if (options.list || options.args.length !== 2) return null;
  const target = options.args[1] as string;
  if (target.startsWith("/")) return null;
  const token = target.split("/")[0] as string;
  return token === "*" || token === "" ? null : token.toLowerCase();
}

/**
 * Validates like kubectl and builds the review to send. Warnings kubectl
 * prints before asking (unknown type, cluster-scoped type checked in a
 * namespace, unknown verb) are in `stderr` of the result, in kubectl's order
 * and format (`Warning: ...` followed by an empty line for these three).
 *
 * The access review's `spec.resourceAttributes` has `namespace` (empty with
 * `-A`), `verb`, `group`, `resource`, `subresource`, `name` (empty ones
 * omitted; kubectl never sends `version`); a `/url` yields
 * `spec.nonResourceAttributes` `{ path, verb }`. An unresolved TYPE is sent as
 * typed (original case) with no group.
 */
export function planCanI(options: CanIOptions): CanIPlan {
  let stderr = "";
  const warn = (m: string) => (stderr += `Warning: ${m}\n`);
  const error = (m: string): CanIPlan => ({ kind: "error", output: { stdout: "", stderr: `${stderr}error: ${m}\n`, exitCode: 1 } });

  if (options.list) {
    if (options.args.length !== 0) return error("list option must be specified with no arguments");
    if (options.quiet || options.allNamespaces || (options.subresource ?? "") !== "") {
      return error("list option can't be specified with neither quiet, all-namespaces nor subresource options");
    }
    return {
      kind: "rules",
      body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: options.namespace ? { namespace: options.namespace } : {} },
      stderr,
    };
  }
  if (options.args.length !== 2) {
    return error("you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.");
  }
  const verb = options.args[0] as string;
  const target = options.args[1] as string;
  const namespace = options.allNamespaces ? "" : options.namespace;
  const subresource = options.subresource ?? "";

  if (target.startsWith("/")) {
    if (subresource !== "") return error("--subresource can not be used with NonResourceURL");
    if (!NON_RESOURCE_URL_VERBS.has(verb)) warn(`verb '${verb}' is not a known verb\n`);
    if (options.noHeaders) return error("--no-headers cannot be set without --list specified");
    return {
      kind: "access",
      body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { nonResourceAttributes: { path: target, verb } } },
      stderr,
    };
  }

  const slash = target.indexOf("/");
  const token = slash >= 0 ? target.slice(0, slash) : target;
  const name = slash >= 0 ? target.slice(slash + 1) : "";
  let group = "";
  let resource = token;
  let namespaced: boolean | null = null;
  if (token === "*") namespaced = true;
  else if (options.resolved) {
    group = options.resolved.group;
    resource = options.resolved.resource;
    namespaced = options.resolved.namespaced;
  } else {
    const gr = parseResourceArg(token.toLowerCase()).groupResource;
    const qualified = gr.group === "" ? gr.resource : `${gr.resource}.${gr.group}`;
    if (!NON_STANDARD_RESOURCES.has(qualified)) {
      warn(gr.group === "" ? `the server doesn't have a resource type '${gr.resource}'\n` : `the server doesn't have a resource type '${gr.resource}' in group '${gr.group}'\n`);
    }
  }
  // kubectl skips these checks for an empty type (`can-i get ""`) and with -A.
  if ((resource !== "" || group !== "") && !options.allNamespaces) {
    if (namespaced === false) {
      warn(group === "" ? `resource '${resource}' is not namespace scoped\n` : `resource '${resource}' is not namespace scoped in group '${group}'\n`);
    }
    if (!RESOURCE_VERBS.has(verb)) warn(`verb '${verb}' is not a known verb\n`);
  }
  if (options.noHeaders) return error("--no-headers cannot be set without --list specified");

  const attributes: Record<string, string> = {};
  const put = (k: string, v: string) => {
    if (v !== "") attributes[k] = v;
  };
  put("namespace", namespace);
  put("verb", verb);
  put("group", group);
  put("resource", resource);
  put("subresource", subresource);
  put("name", name);
  return {
    kind: "access",
    body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: attributes } },
    stderr,
  };
}

/**
 * kubectl's answer to a `SelfSubjectAccessReview`: `yes`, or
 * `no[ - <reason>][ - <evaluationError>]`, on stdout (nothing with `quiet`);
 * exit code 1 on "no" (kubectl exits without an error message).
 *
 * @param status the review's `status` (`allowed`, `reason`, `evaluationError`).
 */
export function renderCanI(status: unknown, options: { quiet?: boolean; stderr?: string } = {}): CommandOutput {
  const s = obj(status);
  const allowed = s.allowed === true;
  let line = allowed ? "yes" : "no";
  if (!allowed) {
    if (str(s.reason) !== "") line += ` - ${str(s.reason)}`;
    if (str(s.evaluationError) !== "") line += ` - ${str(s.evaluationError)}`;
  }
  return { stdout: options.quiet ? "" : `${line}\n`, stderr: options.stderr ?? "", exitCode: allowed ? 0 : 1 };
}

interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

/**
 * `kubectl auth can-i --list` from a `SelfSubjectRulesReview` status: rules
 * broken down to one verb each, simple ones merged per group/resource/name,
 * sorted by kubectl's key (the Go `PolicyRule.String()`, which starts with the
 * verbs), printed as Resources / Non-Resource URLs / Resource Names / Verbs
 * with Go's `[a b]` list formatting. `incomplete` adds kubectl's
 * `Warning: the list may be incomplete: <evaluationError>` on stderr.
 *
 * @param status the review's `status` (`resourceRules`, `nonResourceRules`, `incomplete`, `evaluationError`).
 */
export function renderCanIList(status: unknown, options: { noHeaders?: boolean } = {}): CommandOutput {
  const s = obj(status);
  const stderr = s.incomplete === true ? `Warning: the list may be incomplete: ${str(s.evaluationError)}\n` : "";

  const rules: PolicyRule[] = [];
  for (const r of arr(s.resourceRules)) {
    const x = obj(r);
    rules.push({ verbs: strs(x.verbs), apiGroups: strs(x.apiGroups), resources: strs(x.resources), resourceNames: strs(x.resourceNames), nonResourceURLs: [] });
  }
  for (const r of arr(s.nonResourceRules)) {
    const x = obj(r);
    rules.push({ verbs: strs(x.verbs), apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: strs(x.nonResourceURLs) });
  }

  // rbac BreakdownRule: one rule per group x resource x verb (x name), and per URL x verb.
  const broken: PolicyRule[] = [];
  for (const r of rules) {
    for (const g of r.apiGroups) {
      for (const res of r.resources) {
        for (const v of r.verbs) {
          if (r.resourceNames.length > 0) {
            for (const n of r.resourceNames) broken.push({ verbs: [v], apiGroups: [g], resources: [res], resourceNames: [n], nonResourceURLs: [] });
          } else broken.push({ verbs: [v], apiGroups: [g], resources: [res], resourceNames: [], nonResourceURLs: [] });
        }
      }
    }
    for (const url of r.nonResourceURLs) {
      for (const v of r.verbs) broken.push({ verbs: [v], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [url] });
    }
  }

  // rbac CompactRules: simple resource rules merge their verbs; the rest stay as they are.
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of broken) {
    if (r.nonResourceURLs.length > 0) {
      compacted.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups[0], r.resources[0], r.resourceNames.length > 0, r.resourceNames[0] ?? ""]);
    const existing = simple.get(key);
    if (!existing) simple.set(key, { ...r, verbs: [...r.verbs] });
    else for (const v of r.verbs) if (!existing.verbs.includes(v)) existing.verbs.push(v);
  }
  compacted.push(...simple.values());
  // sort.Stable by PolicyRule.String(); stability only matters for identical rules.
  const keyed = compacted.map((r) => ({ r, k: policyRuleString(r) }));
  keyed.sort((a, b) => compareCodePoints(a.k, b.k));

  let text = options.noHeaders ? "" : "Resources\tNon-Resource URLs\tResource Names\tVerbs\n";
  for (const { r } of keyed) {
    text += `${combineResourceGroup(r.resources, r.apiGroups)}\t${goList(r.nonResourceURLs)}\t${goList(r.resourceNames)}\t${goList(r.verbs)}\n`;
  }
  return { stdout: formatTabbed(text), stderr, exitCode: 0 };
}

/** The gogo-protobuf `String()` of rbac/v1 PolicyRule, kubectl's sort key. */
function policyRuleString(r: PolicyRule): string {
  return `&PolicyRule{Verbs:${goList(r.verbs)},APIGroups:${goList(r.apiGroups)},Resources:${goList(r.resources)},ResourceNames:${goList(r.resourceNames)},NonResourceURLs:${goList(r.nonResourceURLs)},}`;
}

/** kubectl describe's `CombineResourceGroup`: `pods/log` in `apps` is `pods.apps/log`. */
function combineResourceGroup(resources: readonly string[], groups: readonly string[]): string {
  const first = resources[0];
  if (first === undefined) return "";
  const slash = first.indexOf("/");
  let out = slash >= 0 ? first.slice(0, slash) : first;
  if (groups[0] !== undefined && groups[0] !== "") out += `.${groups[0]}`;
  if (slash >= 0) out += `/${first.slice(slash + 1)}`;
  return out;
}

/** Go's `%v` of a `[]string`. */
function goList(items: readonly string[]): string {
  return `[${items.join(" ")}]`;
}
