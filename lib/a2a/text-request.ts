/**
 * Turns a text message into a kubectl argv and (when named) a cluster,
 * deterministically: no model, no guessing beyond the phrasings below.
 *
 * Two forms are understood:
 * - a kubectl command line, with or without the leading `kubectl`
 *   (`kubectl get pods -n shop`, `logs web-1 --previous`), split with sh
 *   quoting rules and never run through a shell. The cluster may be named
 *   with `--context <id>` or a trailing `on cluster <id>`;
 * - a plain request such as "get pods in namespace shop on cluster prod",
 *   "show logs of checkout-abc in shop on prod", "describe deployment web
 *   in namespace shop", "last 50 lines of logs for pod web-1 container app",
 *   "top pods in shop", "which clusters can I use?";
 * - a request for a diagnosis (the `diagnose` skill): "what is wrong in
 *   namespace shop on cluster demo", "diagnose cluster prod", "any problems
 *   in payments on demo?", "why is checkout failing in shop on demo" (the
 *   object is not a filter: the namespace is diagnosed), or the Kubently
 *   command line `diagnose -n shop --analyzers a,b`.
 *
 * The argv produced is only a proposal: it goes through the policy pipeline
 * like any other command, so a phrasing that maps to something not allowed
 * is denied there, with the reason.
 */
import { DENIED_VERBS, VERB_GROUPS, VERBS, GLOBAL_FLAGS, isObjectName, resolveResourceType, verbTakesNamespace } from "../kubectl/index.ts";
import { MAX_COMMAND_LINE_LENGTH, splitCommandLine } from "../kubectl/index.ts";

/** What a text message asks for. */
export type TextRequest =
  | {
      kind: "command";
      /** kubectl arguments without the `kubectl` word. */
      argv: string[];
      /** The cluster named in the text, if any. */
      clusterId?: string;
      /** How the text was read. */
      form: "kubectl" | "phrase";
    }
  | {
      kind: "diagnose";
      /** The cluster named in the text, if any. */
      clusterId?: string;
      /** The namespace to diagnose; absent: the whole cluster (or the key's only namespace). */
      namespace?: string;
      /** Analyzer ids from `--analyzers`; absent: every analyzer the agent runs. */
      analyzers?: string[];
      form: "kubectl" | "phrase";
    }
  | { kind: "list-clusters" };

/** The outcome of {@link parseTextRequest}. */
export type TextRequestResult = { ok: true; request: TextRequest } | { ok: false; reason: string };

/** Examples shown when a text cannot be understood. */
export const TEXT_EXAMPLES: readonly string[] = [
  "get pods in namespace shop on cluster prod",
  "describe deployment web in namespace shop",
  "show logs of checkout-abc in shop on prod",
  "previous logs of checkout-xyz container app in shop",
  "kubectl get pods -n shop -o wide",
  "what is wrong in namespace shop on cluster prod",
  "which clusters can I use?",
];

const fail = (reason: string): TextRequestResult => ({
  ok: false,
  reason: `${reason}. Try, for example: ${TEXT_EXAMPLES.map((e) => `"${e}"`).join(", ")}`,
});

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Every word kubectl reads as a command (allowed or not): a text starting with one may be a command line. */
const KUBECTL_VERBS: ReadonlySet<string> = new Set([...[...VERBS.keys()].map((k) => k.split(" ")[0]!), ...VERB_GROUPS.keys(), ...DENIED_VERBS]);

/** Words that show a text is a sentence, not a command line, when they appear outside flags. */
const SENTENCE_MARKERS: ReadonlySet<string> = new Set([
  "in", "inside", "within", "on", "at", "of", "for", "from", "against", "across", "the", "me", "my", "namespace",
  "cluster", "please", "with", "and", "as", "named", "called", "previous", "last", "lines", "container", "label",
  "labels", "labeled", "labelled", "everywhere", "every", "what", "which", "show", "list",
]);

/** Words that carry no meaning for the command. */
const FILLER: ReadonlySet<string> = new Set([
  "please", "pls", "can", "could", "would", "will", "you", "me", "us", "i", "we", "want", "need", "to", "the", "a", "an",
  "is", "are", "was", "were", "there", "any", "some", "my", "our", "your", "that", "those", "these", "this", "it", "its",
  "currently", "right", "now", "just", "kindly", "give", "tell", "do", "does", "did", "have", "has", "what", "whats",
  "what's", "which", "who", "how", "many", "running", "exist", "existing", "available", "current", "info", "information",
  "about", "of", "for", "from", "and", "also", "output", "format", "lines", "line", "entries", "status", "state", "whole",
  "entire", "objects", "resources", "k8s", "kubernetes", "use", "using", "access", "may", "allowed", "let", "see", "be",
  "up", "out", "here", "into", "all", "more", "with", "label", "labels", "labeled", "labelled", "selector", "by",
]);

const GET_WORDS = new Set(["get", "list", "show", "display", "view", "fetch", "find", "check", "print", "lookup"]);
const DESCRIBE_WORDS = new Set(["describe", "details", "detail", "inspect"]);
const LOG_WORDS = new Set(["logs", "log"]);
const TOP_WORDS = new Set(["top", "usage", "utilization", "utilisation", "cpu", "memory", "consumption", "metrics"]);
const NAMESPACE_WORDS = new Set(["namespace", "ns"]);
const CLUSTER_WORDS = new Set(["cluster"]);
const PREVIOUS_WORDS = new Set(["previous", "prior", "crashed", "terminated"]);
const OUTPUTS = new Set(["yaml", "json", "wide", "name"]);
const ALL_NS_WORDS = new Set(["everywhere", "cluster-wide", "clusterwide", "all-namespaces"]);
// Short names that are also English words, never read as resource types in a sentence.
const TYPE_STOPWORDS = new Set(["no", "all", "limits", "quota", "ev", "cs"]);
const UNIT: Record<string, string> = {
  s: "s", sec: "s", secs: "s", second: "s", seconds: "s",
  m: "m", min: "m", mins: "m", minute: "m", minutes: "m",
  h: "h", hr: "h", hrs: "h", hour: "h", hours: "h",
  d: "d", day: "d", days: "d",
};

/** Reads `text` as a kubectl command line or a plain request. */
export function parseTextRequest(text: string): TextRequestResult {
  let trimmed = text.trim();
  // A copied prompt ("$ kubectl get pods") is not part of the command.
  trimmed = trimmed.replace(/^\$\s+/, "");
  if (!trimmed) return fail("the message is empty");
  // Before splitting: a question may hold an apostrophe ("what's wrong on prod") that sh quoting would refuse.
  const diagnosis = readDiagnosis(trimmed);
  if (diagnosis) return diagnosis;
  const split = splitCommandLine(trimmed);
  if (!split.ok) return fail(split.reason);
  const words = split.words;
  if (words.length === 0) return fail("the message is empty");

  if (words[0] === "kubectl") return kubectlLine(words.slice(1), true);
  if (KUBECTL_VERBS.has(words[0]!) && !looksLikeSentence(words)) return kubectlLine(words, false);
  return phrase(words);
}

/** True when a word outside flags and their values reads as English. */
function looksLikeSentence(words: readonly string[]): boolean {
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--") return false;
    if (w.startsWith("-")) {
      if (!w.includes("=") && flagTakesValue(w)) i++;
      continue;
    }
    if (SENTENCE_MARKERS.has(w.toLowerCase().replace(/[?.!,]+$/, ""))) return true;
    if (/[?!]$/.test(w)) return true;
  }
  return false;
}

const FLAG_KINDS: ReadonlyMap<string, string> = (() => {
  const kinds = new Map<string, string>();
  for (const spec of [...[...VERBS.values()].flatMap((v) => v.flags), ...GLOBAL_FLAGS]) {
    if (!kinds.has(`--${spec.name}`)) kinds.set(`--${spec.name}`, spec.kind);
    if (spec.short && !kinds.has(`-${spec.short}`)) kinds.set(`-${spec.short}`, spec.kind);
  }
  return kinds;
})();

/** True when the flag (as written, without `=value`) takes the next word as its value. */
function flagTakesValue(flag: string): boolean {
  const name = flag.replace(/_/g, "-");
  if (/^-[A-Za-z]$/.test(name) || name.startsWith("--")) {
    const kind = FLAG_KINDS.get(name);
    return kind !== undefined && kind !== "bool";
  }
  // -oyaml, -nshop: the value is attached.
  return false;
}

/** A kubectl command line; the cluster may be named with `--context` or a trailing "on cluster X". */
function kubectlLine(words: string[], hadPrefix: boolean): TextRequestResult {
  const argv: string[] = [];
  let clusterId: string | undefined;
  const setCluster = (id: string): string | null => {
    if (!DNS_LABEL.test(id)) return `"${id}" is not a cluster id`;
    if (clusterId !== undefined && clusterId !== id) return `two clusters are named (${clusterId} and ${id}); one command runs on one cluster`;
    clusterId = id;
    return null;
  };
  let rest = [...words];
  // Trailing "on cluster prod" / "on the prod cluster".
  const tail = rest.slice(-4).map((w) => w.toLowerCase());
  const preps = new Set(["on", "in", "at", "against", "for"]);
  const trailing = matchTrailingCluster(tail, preps);
  if (trailing) {
    const err = setCluster(trailing.id);
    if (err) return fail(err);
    rest = rest.slice(0, rest.length - trailing.length);
  }
  let afterDashes = false;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (afterDashes) {
      argv.push(w);
      continue;
    }
    if (w === "--") {
      afterDashes = true;
      argv.push(w);
      continue;
    }
    const m = /^--context(?:=(.*))?$/.exec(w);
    if (m) {
      const value = m[1] ?? rest[++i];
      if (value === undefined) return fail("--context needs a cluster id");
      const err = setCluster(value);
      if (err) return fail(err);
      continue;
    }
    argv.push(w);
  }
  if (argv.length === 0) return fail(hadPrefix ? "the kubectl command has no verb" : "the message is empty");
  return { ok: true, request: { kind: "command", argv, form: "kubectl", ...(clusterId ? { clusterId } : {}) } };
}

function matchTrailingCluster(tail: string[], preps: ReadonlySet<string>): { id: string; length: number } | null {
  const n = tail.length;
  const at = (k: number) => tail[n - k];
  // [prep] [the] cluster <id>
  if (n >= 3 && at(2) === "cluster" && preps.has(at(3)!)) return { id: at(1)!, length: 3 };
  if (n >= 4 && at(2) === "cluster" && at(3) === "the" && preps.has(at(4)!)) return { id: at(1)!, length: 4 };
  // [prep] [the] <id> cluster
  if (n >= 3 && at(1) === "cluster" && preps.has(at(3)!)) return { id: at(2)!, length: 3 };
  if (n >= 4 && at(1) === "cluster" && at(3) === "the" && preps.has(at(4)!)) return { id: at(2)!, length: 4 };
  return null;
}

interface Phrase {
  verb?: string;
  /** Strength of the verb: a later, stronger word wins ("show logs" is logs, "show details" is describe). */
  verbRank: number;
  sub?: string;
  types: string[];
  names: string[];
  namespace?: string;
  /** The namespace came from a bare "namespace X" (may mean the Namespace object X). */
  bareNamespace: boolean;
  allNamespaces: boolean;
  clusterId?: string;
  output?: string;
  selectors: string[];
  container?: string;
  previous: boolean;
  tail?: number;
  since?: string;
  flags: string[];
  listClusters: boolean;
  explainTarget?: string;
}

/** A plain-language request. */
function phrase(words: string[]): TextRequestResult {
  const raw = words.map((w) => (w.startsWith("-") ? w : w.replace(/[?.!,;:]+$/, ""))).filter((w) => w !== "");
  const low = raw.map((w) => w.toLowerCase());
  const p: Phrase = { verbRank: 0, types: [], names: [], bareNamespace: false, allNamespaces: false, selectors: [], previous: false, flags: [], listClusters: false };
  let expectName = false;

  const setVerb = (verb: string, rank: number, sub?: string) => {
    if (rank > p.verbRank) {
      p.verb = verb;
      p.verbRank = rank;
      if (sub) p.sub = sub;
      else delete p.sub;
    }
  };
  const setOnce = (field: "namespace" | "clusterId" | "container" | "output", value: string, what: string): string | null => {
    const current = p[field];
    if (current !== undefined && current !== value) return `two ${what}s are named (${current} and ${value})`;
    p[field] = value;
    return null;
  };
  const isKeyword = (w: string | undefined) =>
    w === undefined || FILLER.has(w) || NAMESPACE_WORDS.has(w) || CLUSTER_WORDS.has(w) || w === "container" || GET_WORDS.has(w) || LOG_WORDS.has(w);
  // Namespaces, clusters and containers are DNS labels, so "Shop" can only mean "shop".
  const check = (id: string | undefined, what: string): string | null => {
    if (id === undefined) return `the ${what} is missing`;
    if (!DNS_LABEL.test(id.toLowerCase())) return `"${id}" is not a valid ${what} name`;
    return null;
  };
  const resourceOf = (w: string): string | null => {
    if (TYPE_STOPWORDS.has(w) || w.includes("/") || w.includes("=")) return null;
    const r = resolveResourceType(w);
    return r.ok && r.known ? w : null;
  };

  // A leading kubectl verb we do not phrase ourselves (delete, exec...) is taken literally; the policy decides.
  if (KUBECTL_VERBS.has(low[0]!) && !["get", "describe", "logs", "top", "events", "rollout", "version", "explain", "api-resources", "api-versions", "cluster-info", "auth"].includes(low[0]!)) {
    setVerb(low[0]!, 10);
    raw.shift();
    low.shift();
    expectName = false;
  }

  for (let i = 0; i < raw.length; i++) {
    const w = low[i]!;
    const orig = raw[i]!;
    const next = low[i + 1];
    const skipThe = (k: number) => (low[k] === "the" ? k + 1 : k);
    let err: string | null = null;

    // Flags written inside a sentence keep their kubectl meaning.
    if (orig.startsWith("-") && orig.length > 1) {
      const [flag, attached] = orig.includes("=") ? [orig.slice(0, orig.indexOf("=")), orig.slice(orig.indexOf("=") + 1)] : [orig, undefined];
      const takesValue = flagTakesValue(flag);
      const value = attached ?? (takesValue ? raw[++i] : undefined);
      if (takesValue && value === undefined) return fail(`${flag} needs a value`);
      switch (flag) {
        case "-n":
        case "--namespace":
          err = check(value, "namespace") ?? setOnce("namespace", value!, "namespace");
          break;
        case "-A":
        case "--all-namespaces":
          p.allNamespaces = true;
          break;
        case "--context":
          if (value === undefined) return fail("--context needs a cluster id");
          err = check(value, "cluster") ?? setOnce("clusterId", value, "cluster");
          break;
        case "-o":
        case "--output":
          err = setOnce("output", value!, "output format");
          break;
        case "-l":
        case "--selector":
          p.selectors.push(value!);
          break;
        case "-c":
        case "--container":
          err = check(value, "container") ?? setOnce("container", value!, "container");
          break;
        case "-p":
        case "--previous":
          p.previous = true;
          break;
        case "--tail":
          p.tail = Number(value);
          if (!Number.isInteger(p.tail)) return fail(`--tail needs a number, not "${value}"`);
          break;
        case "--since":
          p.since = value!;
          break;
        default:
          if (/^-[a-z]{2,}$/i.test(flag) || flag.startsWith("--")) p.flags.push(attached !== undefined ? orig : flag, ...(value !== undefined && attached === undefined ? [value] : []));
          else p.flags.push(orig, ...(value !== undefined && attached === undefined ? [value] : []));
      }
      if (err) return fail(err);
      expectName = false;
      continue;
    }

    // Multi-word commands first.
    if (w === "api-resources" || (w === "api" && (next === "resources" || next === "resource")) || (w === "resource" && next === "types")) {
      setVerb("api-resources", 8);
      if (w !== "api-resources") i++;
      continue;
    }
    if (w === "api-versions" || (w === "api" && next === "versions")) {
      setVerb("api-versions", 8);
      if (w !== "api-versions") i++;
      continue;
    }
    if (w === "cluster-info" || (w === "cluster" && (next === "info" || next === "information"))) {
      setVerb("cluster-info", 8);
      if (w !== "cluster-info") i++;
      continue;
    }
    if (w === "version" || w === "versions") {
      setVerb("version", 1);
      continue;
    }
    if (w === "explain") {
      if (raw[i + 1] === undefined) return fail("explain needs a resource type, e.g. \"explain pods.spec.containers\"");
      setVerb("explain", 9);
      p.explainTarget = raw[++i]!;
      continue;
    }
    if (w === "rollout" || w === "rollouts") {
      const sub = next === "history" ? "history" : "status";
      setVerb("rollout", 7, sub);
      if (next === "history" || next === "status") i++;
      expectName = false;
      continue;
    }
    if (w === "history" && p.verbRank <= 2) {
      setVerb("rollout", 7, "history");
      continue;
    }
    if (w === "clusters") {
      p.listClusters = true;
      continue;
    }

    // Prepositions that introduce a namespace, a cluster, a container, a time window or a format.
    if (["in", "inside", "within", "on", "at", "against", "across", "from", "over", "during"].includes(w)) {
      let k = skipThe(i + 1);
      const a = low[k];
      const b = low[k + 1];
      if (a === undefined) continue;
      if (a === "last" || a === "past") {
        i = k - 1; // "in the last 10 minutes": read by the "last" rule.
        continue;
      }
      if ((a === "all" || a === "every" || a === "any") && (b === "namespaces" || b === "namespace")) {
        p.allNamespaces = true;
        i = k + 1;
        continue;
      }
      if (w === "across" && (a === "namespaces" || CLUSTER_WORDS.has(a))) {
        p.allNamespaces = true;
        i = k;
        continue;
      }
      if (NAMESPACE_WORDS.has(a)) {
        err = check(raw[k + 1], "namespace") ?? setOnce("namespace", low[k + 1]!, "namespace");
        if (err) return fail(err);
        i = k + 1;
        continue;
      }
      if (CLUSTER_WORDS.has(a)) {
        err = check(raw[k + 1], "cluster") ?? setOnce("clusterId", low[k + 1]!, "cluster");
        if (err) return fail(err);
        i = k + 1;
        continue;
      }
      if (a === "container") {
        err = check(raw[k + 1], "container") ?? setOnce("container", low[k + 1]!, "container");
        if (err) return fail(err);
        i = k + 1;
        continue;
      }
      if (b !== undefined && NAMESPACE_WORDS.has(b) && !isKeyword(a)) {
        err = check(raw[k], "namespace") ?? setOnce("namespace", a, "namespace");
        if (err) return fail(err);
        i = k + 1;
        continue;
      }
      if (b !== undefined && CLUSTER_WORDS.has(b) && !isKeyword(a)) {
        err = check(raw[k], "cluster") ?? setOnce("clusterId", a, "cluster");
        if (err) return fail(err);
        i = k + 1;
        continue;
      }
      if (OUTPUTS.has(a) && (w === "in" || w === "as")) {
        err = setOnce("output", a, "output format");
        if (err) return fail(err);
        i = k;
        continue;
      }
      if (["in", "inside", "within"].includes(w) && !isKeyword(a) && !resourceOf(a)) {
        err = check(raw[k], "namespace") ?? setOnce("namespace", a, "namespace");
        if (err) return fail(err);
        i = k;
        continue;
      }
      if (["on", "at", "against"].includes(w) && !isKeyword(a) && !resourceOf(a)) {
        err = check(raw[k], "cluster") ?? setOnce("clusterId", a, "cluster");
        if (err) return fail(err);
        i = k;
        continue;
      }
      // "from pod x", "from the logs": the preposition itself means nothing.
      expectName = w === "from";
      continue;
    }
    if (w === "as" && next !== undefined && OUTPUTS.has(next)) {
      err = setOnce("output", next, "output format");
      if (err) return fail(err);
      i++;
      continue;
    }
    if (OUTPUTS.has(w) && w !== "name") {
      err = setOnce("output", w, "output format");
      if (err) return fail(err);
      continue;
    }

    // Time windows and line counts: "last 50 lines", "last 10 minutes", "past hour", "tail 100", "since 5m", "200 lines".
    if (w === "last" || w === "past" || w === "latest" || w === "tail" || w === "since" || w === "recent") {
      const n = next;
      if (n !== undefined && /^\d+$/.test(n)) {
        const unit = low[i + 2] !== undefined ? UNIT[low[i + 2]!] : undefined;
        if (unit && w !== "tail") {
          p.since = toDuration(Number(n), unit);
          i += 2;
        } else {
          p.tail = Number(n);
          i += 1;
        }
        continue;
      }
      if (n !== undefined && /^\d+[smhd]$/.test(n)) {
        p.since = toDuration(Number(n.slice(0, -1)), n.slice(-1));
        i += 1;
        continue;
      }
      if (n !== undefined && UNIT[n] && (w === "last" || w === "past")) {
        p.since = toDuration(1, UNIT[n]!);
        i += 1;
        continue;
      }
      continue;
    }
    if (/^\d+$/.test(w) && next !== undefined && (next === "lines" || next === "line" || next === "entries")) {
      p.tail = Number(w);
      i++;
      continue;
    }

    // Keywords naming the namespace, the cluster or the container without a preposition.
    if (NAMESPACE_WORDS.has(w) || CLUSTER_WORDS.has(w) || w === "container") {
      const field = NAMESPACE_WORDS.has(w) ? "namespace" : CLUSTER_WORDS.has(w) ? "clusterId" : "container";
      const what = field === "clusterId" ? "cluster" : field;
      const k = skipThe(i + 1);
      const value = low[k];
      if (value !== undefined && !isKeyword(value) && !resourceOf(value) && DNS_LABEL.test(value)) {
        err = setOnce(field, value, what);
        if (err) return fail(err);
        if (field === "namespace") p.bareNamespace = true;
        i = k;
        continue;
      }
      // "the shop namespace": the word just before was the value.
      const prev = p.names.at(-1);
      if (field !== "container" && prev !== undefined && raw[i - 1] === prev && DNS_LABEL.test(prev)) {
        p.names.pop();
        err = setOnce(field, prev, what);
        if (err) return fail(err);
        continue;
      }
      if (field === "namespace") {
        p.types.push("namespaces");
        expectName = true;
        continue;
      }
      if (field === "container") continue;
      return fail(`"${orig}" is not followed by a cluster id`);
    }
    if ((w === "all" || w === "every" || w === "any") && (next === "namespaces" || next === "namespace")) {
      p.allNamespaces = true;
      i++;
      continue;
    }
    if (ALL_NS_WORDS.has(w)) {
      p.allNamespaces = true;
      continue;
    }
    if (PREVIOUS_WORDS.has(w)) {
      p.previous = true;
      continue;
    }
    if (w === "named" || w === "called") {
      expectName = true;
      continue;
    }

    // Verbs.
    if (LOG_WORDS.has(w)) {
      setVerb("logs", 6);
      expectName = true;
      continue;
    }
    if (DESCRIBE_WORDS.has(w)) {
      setVerb("describe", 5);
      expectName = true;
      continue;
    }
    if (TOP_WORDS.has(w)) {
      setVerb("top", 4);
      continue;
    }
    if (GET_WORDS.has(w)) {
      setVerb("get", 2);
      continue;
    }

    // Selectors: "app=web", "with label tier!=db".
    if (/^[A-Za-z0-9][A-Za-z0-9._/-]*(!?=|==)[A-Za-z0-9._-]*$/.test(orig)) {
      p.selectors.push(orig);
      continue;
    }

    // "everything", or "get all" with no type after it: kubectl's `all` category.
    if (w === "everything" || (w === "all" && p.verb !== undefined && p.types.length === 0 && (next === undefined || !resourceOf(next)))) {
      p.types.push("all");
      expectName = false;
      continue;
    }
    if (orig.includes("/") && !orig.startsWith("/")) {
      const [type, name] = [orig.slice(0, orig.indexOf("/")), orig.slice(orig.indexOf("/") + 1)];
      const r = resolveResourceType(type);
      if (r.ok && isObjectName(name)) {
        p.types.push(type.toLowerCase());
        p.names.push(name);
        expectName = true;
        continue;
      }
      return fail(`"${orig}" is not a TYPE/NAME reference`);
    }
    const type = resourceOf(w);
    if (type && !(expectName && p.types.length > 0 && p.names.length === 0 && type === p.types.at(-1))) {
      if (!p.types.includes(type)) p.types.push(type);
      expectName = true;
      continue;
    }

    if (FILLER.has(w)) {
      if (w === "of" || w === "for" || w === "about") expectName = true;
      continue;
    }

    // Object names: trusted when they look like generated names, or right after a type, a verb that takes one, "named"...
    if (isObjectName(orig) && (expectName || /[-.\d:]/.test(orig))) {
      p.names.push(orig);
      expectName = true;
      continue;
    }
    return fail(`I did not understand "${orig}"`);
  }

  return assemble(p);
}

/** The canonical plural of a type spelling (`po` -> `pods`), or null. */
function canonical(type: string): string | null {
  const r = resolveResourceType(type);
  return r.ok ? r.resource : null;
}

function toDuration(n: number, unit: string): string {
  return unit === "d" ? `${n * 24}h` : `${n}${unit}`;
}

/** Builds argv from what the sentence said. */
function assemble(p: Phrase): TextRequestResult {
  const cluster = p.clusterId ? { clusterId: p.clusterId } : {};
  if (p.listClusters && p.types.length === 0 && p.names.length === 0 && (p.verb === undefined || p.verb === "get")) {
    return { ok: true, request: { kind: "list-clusters" } };
  }
  // "describe namespace shop": the bare namespace was the object.
  if (p.bareNamespace && p.types.length === 0 && p.namespace !== undefined && (p.verb === "describe" || p.verb === "get")) {
    p.types.push("namespace");
    p.names.push(p.namespace);
    delete p.namespace;
  }
  let verb = p.verb ?? (p.types.length > 0 ? "get" : undefined);
  if (verb === undefined) {
    if (p.names.length > 0) return fail(`say what kind of object ${p.names[0]} is, e.g. "describe pod ${p.names[0]}"`);
    return fail("I could not tell which command to run");
  }
  const argv: string[] = [];
  const path: string[] = [verb];

  switch (verb) {
    case "logs": {
      const name = p.names[0];
      const type = p.types.find((t) => t !== "logs");
      if (p.names.length > 1) return fail(`logs are read from one object at a time, not ${p.names.join(", ")}`);
      argv.push("logs");
      // A pod is named alone; any other type (deployment, job...) as TYPE/NAME.
      if (name) argv.push(type && canonical(type) !== "pods" ? `${type}/${name}` : name);
      else if (p.selectors.length === 0) return fail('say whose logs to read, e.g. "logs of pod web-1 in namespace shop"');
      if (p.container) argv.push("-c", p.container);
      if (p.previous) argv.push("--previous");
      if (p.tail !== undefined) argv.push(`--tail=${p.tail}`);
      if (p.since) argv.push(`--since=${p.since}`);
      break;
    }
    case "top": {
      const type = p.types[0] ?? "pods";
      const sub = canonical(type) === "nodes" ? "node" : canonical(type) === "pods" ? "pod" : null;
      if (!sub) return fail(`top shows pods or nodes, not ${type}`);
      argv.push("top", sub, ...p.names);
      path.push(sub);
      break;
    }
    case "rollout": {
      const sub = p.sub ?? "status";
      const type = p.types[0] ?? "deployment";
      if (p.names.length === 0) return fail(`say which ${type} to check, e.g. "rollout ${sub} of deployment web in namespace shop"`);
      argv.push("rollout", sub, ...p.names.map((n) => `${type}/${n}`));
      path.push(sub);
      break;
    }
    case "explain":
      argv.push("explain", p.explainTarget!);
      break;
    case "version":
    case "api-resources":
    case "api-versions":
    case "cluster-info":
      if (p.types.length > 0 && verb === "version") {
        verb = "get";
        path[0] = "get";
        argv.push("get", p.types.join(","), ...p.names);
        break;
      }
      argv.push(verb);
      break;
    default: {
      // get, describe, and verbs taken literally.
      const types = p.types.length > 0 ? p.types : [];
      if (types.length === 0 && (verb === "get" || verb === "describe")) {
        if (p.names.length > 0) return fail(`say what kind of object ${p.names[0]} is, e.g. "${verb} pod ${p.names[0]}"`);
        return fail(`say what to ${verb}, e.g. "${verb} pods in namespace shop"`);
      }
      argv.push(verb);
      if (types.length > 0) argv.push(types.join(","));
      argv.push(...p.names);
    }
  }

  if (p.allNamespaces) {
    if (verbTakesNamespace(path) || !VERBS.has(path.join(" "))) argv.push("-A");
  } else if (p.namespace !== undefined && (verbTakesNamespace(path) || !VERBS.has(path.join(" ")))) {
    argv.push("-n", p.namespace);
  }
  if (verb !== "logs") {
    if (p.container) return fail(`a container only applies to logs`);
    if (p.previous) return fail(`"previous" only applies to logs`);
    if (p.tail !== undefined) return fail(`a number of lines only applies to logs`);
    if (p.since !== undefined && verb !== "events") return fail(`a time window only applies to logs`);
  }
  if (p.output) argv.push("-o", p.output);
  if (p.selectors.length > 0) argv.push("-l", p.selectors.join(","));
  argv.push(...p.flags);
  return { ok: true, request: { kind: "command", argv, form: "phrase", ...cluster } };
}

// ---- diagnosis requests -----------------------------------------------------

/** Words that make a text a request for a diagnosis ("what is wrong", "any problems", "is anything broken"). */
const DIAGNOSE_TRIGGERS: ReadonlySet<string> = new Set([
  "diagnose", "diagnosis", "diagnostic", "diagnostics", "troubleshoot", "wrong", "problem", "problems", "issue", "issues",
  "broken", "failing", "failed", "failure", "failures", "unhealthy", "healthy", "health", "healthcheck", "health-check",
  "crashing", "crashloop", "crashlooping", "stuck", "error", "errors",
]);
const NEGATIONS: ReadonlySet<string> = new Set(["not", "isnt", "arent", "doesnt", "dont", "wont", "never"]);
/** Verbs after which a bare word is the target: "diagnose prod", "check prod for problems". */
const DIAGNOSE_VERBS: ReadonlySet<string> = new Set(["diagnose", "troubleshoot", "check", "scan"]);
/** Words a diagnosis request may hold that say nothing about where to look (besides {@link FILLER}). */
const DIAGNOSE_FILLER: ReadonlySet<string> = new Set([
  "whats", "wheres", "why", "whys", "anything", "something", "everything", "going", "happening", "run", "help", "quick",
  "show", "list", "find", "look", "looking", "check", "checks", "scan", "report", "not", "isnt", "arent", "doesnt", "dont",
  "wont", "never", "working", "ready", "overall", "general", "should", "know", "else", "or", "if",
]);
/** Words that ask for another skill (a listing, logs, usage...): such a text is a command, not a diagnosis. */
const DIAGNOSE_ELSEWHERE: ReadonlySet<string> = new Set([
  "get", "fetch", "print", "lookup", "display", ...DESCRIBE_WORDS, ...LOG_WORDS, "top", "usage", "utilization", "utilisation",
  "consumption", "metrics", "events", "rollout", "rollouts", "explain", "version", "clusters",
]);
const DIAGNOSE_PREPOSITIONS: ReadonlySet<string> = new Set(["in", "inside", "within", "on", "at", "against", "across", "of", "for"]);

const isTrigger = (w: string, prev: string | undefined) => DIAGNOSE_TRIGGERS.has(w) || (w === "working" && prev !== undefined && NEGATIONS.has(prev));
const isDiagnoseWord = (w: string) =>
  FILLER.has(w) || DIAGNOSE_FILLER.has(w) || DIAGNOSE_TRIGGERS.has(w) || DIAGNOSE_PREPOSITIONS.has(w) || NAMESPACE_WORDS.has(w) || CLUSTER_WORDS.has(w) ||
  ALL_NS_WORDS.has(w) || ["namespaces", "clusters", "all", "every"].includes(w);
function isResourceType(w: string): boolean {
  if (TYPE_STOPWORDS.has(w)) return false;
  const r = resolveResourceType(w);
  return r.ok && r.known;
}
/** A word that can name a namespace or a cluster: a DNS label that is neither a word of the request nor a resource type. */
const isPlace = (w: string | undefined): boolean => w !== undefined && DNS_LABEL.test(w) && !isDiagnoseWord(w) && !isResourceType(w);

/** Where `diagnose`'s flags put what they say. Each setter answers a reason when the value is refused. */
interface DiagnoseSink {
  namespace(value: string): string | null;
  allNamespaces(): void;
  analyzers(ids: string[]): void;
  /** `--context`: only in text. */
  cluster?(value: string): string | null;
}

/**
 * Reads the `diagnose` flag at `words[i]` (`-n NS`, `--namespace=NS`, `-A`,
 * `--analyzers a,b`, `-o json`, and `--context ID` when the sink takes a
 * cluster). Answers the index of the last word it used, or the reason.
 */
function diagnoseFlag(words: readonly string[], i: number, sink: DiagnoseSink): number | string {
  const word = words[i]!;
  const eq = word.indexOf("=");
  let flag = eq > 0 ? word.slice(0, eq) : word;
  let value: string | undefined = eq > 0 ? word.slice(eq + 1) : undefined;
  // -nshop, -ojson: a short flag's value may be attached.
  if (value === undefined && /^-[no][^-]/.test(flag)) {
    value = flag.slice(2);
    flag = flag.slice(0, 2);
  }
  if (flag === "-A" || flag === "--all-namespaces") {
    if (value !== undefined && value !== "true") return `${flag} takes no value`;
    sink.allNamespaces();
    return i;
  }
  const known = ["-n", "--namespace", "--analyzers", "-o", "--output", ...(sink.cluster ? ["--context"] : [])];
  if (!known.includes(flag)) return `diagnose takes -n NAMESPACE, -A and --analyzers a,b, not ${flag}`;
  if (value === undefined) {
    value = words[i + 1];
    if (value === undefined || value.startsWith("-")) return `${flag} needs a value`;
    i++;
  }
  value = value.replace(/[?.!,;:]+$/, "");
  switch (flag) {
    case "-n":
    case "--namespace":
      return sink.namespace(value) ?? i;
    case "--analyzers": {
      const ids = value.split(",").map((id) => id.trim()).filter((id) => id !== "");
      if (ids.length === 0) return "--analyzers needs analyzer ids, e.g. --analyzers crash-loop,image-pull";
      sink.analyzers(ids);
      return i;
    }
    case "-o":
    case "--output":
      // The answer always carries the findings as text and as JSON.
      return value === "json" ? i : `diagnose answers text and JSON at once; -o takes only json, not ${value}`;
    default:
      return sink.cluster!(value) ?? i;
  }
}

/** What `diagnose`'s arguments say. */
export interface DiagnoseArgs {
  namespace?: string;
  allNamespaces: boolean;
  analyzers: string[];
}

/**
 * Reads the arguments of `diagnose` (without the verb) as the grammar has
 * them: `[-n NS | -A] [--analyzers a,b] [-o json]`. Used for data parts
 * (`{"command": "diagnose", "args": [...]}`); positional words are refused.
 */
export function readDiagnoseArgs(args: readonly string[]): { ok: true; args: DiagnoseArgs } | { ok: false; reason: string } {
  const out: DiagnoseArgs = { allNamespaces: false, analyzers: [] };
  const sink: DiagnoseSink = {
    namespace: (value) => {
      if (!DNS_LABEL.test(value)) return `"${value}" is not a valid namespace name`;
      if (out.namespace !== undefined && out.namespace !== value) return `two namespaces are named (${out.namespace} and ${value})`;
      out.namespace = value;
      return null;
    },
    allNamespaces: () => void (out.allNamespaces = true),
    analyzers: (ids) => void out.analyzers.push(...ids),
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-") || a.length === 1) return { ok: false, reason: `diagnose takes no names or resources (got "${a}"): it reads a whole namespace, or the cluster with -A` };
    const r = diagnoseFlag(args, i, sink);
    if (typeof r === "string") return { ok: false, reason: r };
    i = r;
  }
  if (out.namespace !== undefined && out.allNamespaces) return { ok: false, reason: "name one namespace or all namespaces (-A), not both" };
  return { ok: true, args: out };
}

/** A diagnosis request's words: flags as written, other words lower-cased, without punctuation or apostrophes ("what's" is "whats"). */
function diagnosisWords(text: string): { raw: string[]; low: string[] } | null {
  // Shell syntax, double quotes, control characters, overlong text: not a question; the command-line reader refuses or reads it.
  if (text.length > MAX_COMMAND_LINE_LENGTH || /[|&;<>$`\\"(){}\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return null;
  const raw = text
    .split(/\s+/)
    .map((w) => (w.startsWith("-") && w.length > 1 ? w : w.replace(/[?.!,:]+$/, "").replace(/^['‘’]+|['‘’]+$/g, "").replace(/[?.!,:]+$/, "").replace(/['‘’]/g, "")))
    .filter((w) => w !== "");
  return { raw, low: raw.map((w) => (w.startsWith("-") && w.length > 1 ? w : w.toLowerCase())) };
}

/**
 * Reads a request for a diagnosis, or answers null when `text` is not one
 * (then it is read as a command). A text is a diagnosis when it starts with
 * `diagnose` (`kubectl diagnose -n shop` too), or holds a word such as
 * "wrong", "problems", "broken", "failing", "health" and starts with no
 * other kubectl verb. Where to look: `in [namespace] X` is the namespace,
 * `on [cluster] X` the cluster, `X namespace`/`X cluster` likewise; a bare
 * word after `diagnose`/`check`/`of`/`for` is the cluster, or the namespace
 * when a cluster is named too ("diagnose shop on prod"). Other words
 * ("why is checkout failing in shop") are not filters: the namespace is
 * diagnosed, so such a text must say where to look.
 */
function readDiagnosis(text: string): TextRequestResult | null {
  const words = diagnosisWords(text);
  if (!words || words.raw.length === 0) return null;
  const { raw, low } = words;
  const start = low[0] === "kubectl" ? 1 : 0;
  let first = start;
  while (first < low.length && FILLER.has(low[first]!)) first++;
  const lead = low[first];
  if (lead === undefined) return null;
  const explicit = lead === "diagnose";
  if (!explicit) {
    // `kubectl get ...`, "delete the broken pods": another command, judged by its own reader and the policies.
    if (start === 1 || (KUBECTL_VERBS.has(lead) && lead !== "run" && lead !== "help")) return null;
    if (!low.some((w, i) => isTrigger(w, low[i - 1]))) return null;
    if (low.some((w) => DIAGNOSE_ELSEWHERE.has(w))) return null;
  }

  const d: { namespace?: string; clusterId?: string; all: boolean; analyzers: string[]; bare?: string; objects: string[] } = { all: false, analyzers: [], objects: [] };
  const setOnce = (field: "namespace" | "clusterId", value: string): string | null => {
    const what = field === "clusterId" ? "cluster" : "namespace";
    const id = value.toLowerCase();
    if (!DNS_LABEL.test(id)) return `"${value}" is not a valid ${what} name`;
    const current = d[field];
    if (current !== undefined && current !== id) return field === "clusterId" ? `two clusters are named (${current} and ${id}); one diagnosis runs on one cluster (send cluster_ids in a data part for several)` : `two namespaces are named (${current} and ${id})`;
    d[field] = id;
    return null;
  };
  const sink: DiagnoseSink = {
    namespace: (value) => setOnce("namespace", value),
    allNamespaces: () => void (d.all = true),
    analyzers: (ids) => void d.analyzers.push(...ids),
    cluster: (value) => setOnce("clusterId", value),
  };
  const skipThe = (k: number) => (low[k] === "the" ? k + 1 : k);
  let expectBare = false;
  let prose = false;

  for (let i = first; i < raw.length; i++) {
    const w = low[i]!;
    const orig = raw[i]!;
    let err: string | null = null;
    if (orig.startsWith("-") && orig.length > 1) {
      const r = diagnoseFlag(raw, i, sink);
      if (typeof r === "string") return fail(r);
      i = r;
      expectBare = false;
      continue;
    }
    if (i > first) prose = true;

    if (DIAGNOSE_PREPOSITIONS.has(w)) {
      expectBare = false;
      const k = skipThe(i + 1);
      const a = low[k];
      const b = low[k + 1];
      if (a === undefined || a.startsWith("-")) continue;
      if ((a === "all" || a === "every" || a === "any") && (b === "namespaces" || b === "namespace")) {
        d.all = true;
        i = k + 1;
        continue;
      }
      if (w === "across" && (a === "namespaces" || a === "cluster" || a === "clusters")) {
        d.all = true;
        i = k;
        continue;
      }
      if (NAMESPACE_WORDS.has(a) || CLUSTER_WORDS.has(a)) {
        const field = NAMESPACE_WORDS.has(a) ? "namespace" : "clusterId";
        const value = low[k + 1];
        if (isPlace(value)) {
          err = setOnce(field, value!);
          if (err) return fail(err);
          i = k + 1;
          continue;
        }
        // "in the cluster": the whole cluster.
        if (field === "clusterId" && (value === undefined || isDiagnoseWord(value))) {
          i = k;
          continue;
        }
        return fail(value === undefined || isDiagnoseWord(value) ? `the ${a === "ns" ? "namespace" : a} name is missing` : `"${raw[k + 1]}" is not a valid ${field === "clusterId" ? "cluster" : "namespace"} name`);
      }
      if (isPlace(a) && b !== undefined && (NAMESPACE_WORDS.has(b) || CLUSTER_WORDS.has(b))) {
        err = setOnce(NAMESPACE_WORDS.has(b) ? "namespace" : "clusterId", a);
        if (err) return fail(err);
        i = k + 1;
        continue;
      }
      if (isPlace(a)) {
        if (w === "in" || w === "inside" || w === "within") err = setOnce("namespace", a);
        else if (w === "on" || w === "at" || w === "against") err = setOnce("clusterId", a);
        else if (d.bare === undefined) d.bare = a;
        else d.objects.push(a);
        if (err) return fail(err);
        i = k;
        continue;
      }
      if (!isDiagnoseWord(a) && !isResourceType(a) && (w === "in" || w === "on")) return fail(`"${raw[k]}" is not a valid ${w === "in" ? "namespace" : "cluster"} name`);
      // "for problems", "of pods": the preposition says nothing.
      continue;
    }

    if (NAMESPACE_WORDS.has(w) || CLUSTER_WORDS.has(w)) {
      expectBare = false;
      const field = NAMESPACE_WORDS.has(w) ? "namespace" : "clusterId";
      const k = skipThe(i + 1);
      const value = low[k];
      if (isPlace(value)) {
        err = setOnce(field, value!);
        if (err) return fail(err);
        i = k;
        continue;
      }
      if (value !== undefined && !value.startsWith("-") && !isDiagnoseWord(value) && !isResourceType(value)) return fail(`"${raw[k]}" is not a valid ${field === "clusterId" ? "cluster" : "namespace"} name`);
      // "the shop namespace", "the prod cluster": the word before was the value.
      const prev = low[i - 1];
      if (prev !== undefined && (prev === d.bare || prev === d.objects.at(-1)) && isPlace(prev)) {
        if (prev === d.bare) delete d.bare;
        else d.objects.pop();
        err = setOnce(field, prev);
        if (err) return fail(err);
        continue;
      }
      // "diagnose the cluster": the whole cluster.
      if (field === "clusterId") continue;
      return fail(`"${orig}" is not followed by a namespace name`);
    }
    if ((w === "all" || w === "every") && (low[i + 1] === "namespaces" || low[i + 1] === "namespace")) {
      d.all = true;
      i++;
      continue;
    }
    if (ALL_NS_WORDS.has(w)) {
      d.all = true;
      continue;
    }
    if (DIAGNOSE_VERBS.has(w)) {
      expectBare = true;
      continue;
    }
    if (isDiagnoseWord(w)) {
      if (w !== "the" && !FILLER.has(w)) expectBare = false;
      continue;
    }
    if (expectBare && d.bare === undefined && isPlace(w)) {
      d.bare = w;
      expectBare = false;
      continue;
    }
    expectBare = false;
    // Names of objects ("checkout", "pods", "web-1"): not a filter.
    if (/^[a-z0-9][a-z0-9._/:-]*$/.test(w)) {
      d.objects.push(w);
      continue;
    }
    return explicit ? fail(`I did not understand "${orig}"`) : null;
  }

  if (d.bare !== undefined) {
    if (d.clusterId === undefined) d.clusterId = d.bare;
    else if (d.namespace === undefined) d.namespace = d.bare;
    else d.objects.push(d.bare);
  }
  if (d.namespace !== undefined && d.all) return fail("name one namespace or all namespaces, not both");
  if (d.objects.length > 0 && d.namespace === undefined && d.clusterId === undefined) {
    // "why is my app broken": no place to look. Not read as a diagnosis; the command reader gives its reason.
    return explicit ? fail(`say where to look, e.g. "diagnose namespace shop on cluster prod" (diagnose reads a whole namespace or cluster, not "${d.objects[0]}")`) : null;
  }
  return {
    ok: true,
    request: {
      kind: "diagnose",
      form: explicit && !prose ? "kubectl" : "phrase",
      ...(d.clusterId ? { clusterId: d.clusterId } : {}),
      ...(d.namespace ? { namespace: d.namespace } : {}),
      ...(d.analyzers.length ? { analyzers: [...new Set(d.analyzers)] } : {}),
    },
  };
}

/**
 * Reads a short reply to "which cluster?" ("prod", "use prod", "on cluster
 * prod") and returns the cluster id, or null when the reply is something
 * else (for example a whole new request).
 */
export function parseClusterReply(text: string): string | null {
  const words = text
    .trim()
    .toLowerCase()
    .replace(/[?.!,;:]+$/, "")
    .split(/\s+/)
    .filter((w) => w && !["use", "on", "in", "the", "cluster", "please", "run", "it", "try", "with", "against", "at"].includes(w));
  return words.length === 1 && DNS_LABEL.test(words[0]!) ? words[0]! : null;
}
