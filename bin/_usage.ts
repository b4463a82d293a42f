/**
 * What `kubently --help` and `kubently SERVER-VERB --help` print: the verbs,
 * and for each server verb (`api`, `agent`, `all`, `demo`, `mcp`) the flags
 * it takes, one line each from {@link FLAG_HELP}. docs/executable.md says the
 * same (a test compares them), and shell completion is built from here.
 */
import { VERSION } from "../lib/version.ts";
import { DEFAULT_PLUGINS, type SharedFlag } from "./_config.ts";
import { BUILTIN_POLICIES } from "./_plugins.ts";
import { BUILTIN_ANALYZERS } from "../plugins/analyzers/index.ts";

/** A flag's value placeholder (empty for a switch) and its one-line help. */
export interface FlagHelp {
  arg: string;
  help: string;
  /** What the shell may complete its value with: files, or one of these words. */
  values?: "file" | readonly string[];
}

/** Every shared flag, as `--help` describes it. */
export const FLAG_HELP: Record<SharedFlag | "config", FlagHelp> = {
  config: { arg: "FILE", help: "a JSON config file, camelCase keys (KUBENTLY_CONFIG)", values: "file" },
  backend: { arg: "NAME", help: "memory (default), sqlite (with --sqlite-file) or redis (with --redis-url)", values: ["memory", "sqlite", "redis"] },
  "sqlite-file": { arg: "PATH", help: "the SQLite file (--backend sqlite)", values: "file" },
  "redis-url": { arg: "URL", help: "Redis to use (--backend redis; default redis://127.0.0.1:6379)" },
  "redis-prefix": { arg: "P", help: "prefix of every Redis key (default kubently)" },
  "signing-key-file": {
    arg: "PATH",
    help: "Ed25519 PKCS#8 PEM key that signs commands (required with redis; sqlite keeps one in <sqlite-file>.signing.pem; memory makes one per start)",
    values: "file",
  },
  host: { arg: "H", help: "bind address (api/all: 0.0.0.0, demo: 127.0.0.1)" },
  port: { arg: "N", help: "REST port (default 8080; 0 picks a free one)" },
  "a2a-port": { arg: "N", help: "A2A port (default 8000; 0 picks a free one)" },
  "a2a-public-url": { arg: "URL", help: "the URL the A2A agent card advertises (default http://<host>:<a2a-port>/)" },
  "disable-a2a": { arg: "", help: "do not start the A2A server" },
  "allowed-hosts": { arg: "H,...", help: "host names besides loopback that /mcp and the A2A WebSocket answer (* for any)" },
  "allowed-origins": { arg: "O,...", help: "browser origins besides those on allowed hosts" },
  "api-keys": { arg: "NAME:KEY,...", help: "operator API keys" },
  "admin-key": { arg: "KEY", help: "the admin key (for kubently cluster, key and audit verify)" },
  "api-key": { arg: "KEY", help: "demo: the key it prints and accepts (default: random); mcp: the key to call with" },
  "agent-tokens": { arg: "CLUSTER:TOKEN,...", help: "agent tokens the API accepts (registers those clusters)" },
  "agent-tokens-file": { arg: "FILE", help: "more agent tokens, one CLUSTER:TOKEN a line (# comments): a fleet's, too many for argv", values: "file" },
  plugins: {
    arg: "P,...",
    help: `policies in order: built-in ids (${Object.keys(BUILTIN_POLICIES).join(", ")}), module paths or package names (default: ${DEFAULT_PLUGINS.join(",")})`,
  },
  analyzers: {
    arg: "A,...",
    help: `what diagnose runs: builtin (every built-in, the default), built-in ids (${BUILTIN_ANALYZERS.map((a) => a.id).join(", ")}), module paths or package names`,
  },
  "api-url": { arg: "URL", help: "where the API is" },
  "cluster-id": { arg: "ID", help: 'the cluster\'s id (demo: "demo", all: "local")' },
  token: { arg: "TOKEN", help: "the cluster's agent token (KUBENTLY_TOKEN)" },
  executor: {
    arg: "NAME",
    help: "auto (default: native where it covers the command, kubectl for the rest), native, kubectl, or echo (benchmarks)",
    values: ["auto", "native", "kubectl", "echo"],
  },
  concurrency: { arg: "N", help: "commands run at once (default 4)" },
  kubeconfig: { arg: "PATH", help: "the cluster's kubeconfig (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)", values: "file" },
  kubectl: { arg: "PATH", help: "the kubectl binary (default: kubectl on PATH; only for what native does not cover)", values: "file" },
  "api-public-key-file": { arg: "PATH", help: "pin the API's signing public key (default: fetched from the API)", values: "file" },
  "session-secret": { arg: "S", help: "the secret console session cookies are signed with, 32+ characters (default: derived from the signing key; replicas share either)" },
  "session-ttl": { arg: "SECONDS", help: "how long a console session lasts (default 28800, 8 hours)" },
  "secure-cookies": { arg: "", help: "always mark the session cookie Secure (default: when the request came over https)" },
  "log-format": { arg: "F", help: "log lines on stderr: pretty (default) or json (one object a line, for collectors)", values: ["pretty", "json"] },
  "log-level": { arg: "L", help: "lowest level logged: debug, info (default), warn or error", values: ["debug", "info", "warn", "error"] },
  scenario: { arg: "PATH", help: "what the simulated cluster serves: default, empty, or a scenario file (.yaml, .yml, .json) or directory of them", values: "file" },
};

/** A server verb: what it runs and which shared flags it takes (any other is an unknown flag). */
export interface ServerVerbSpec {
  summary: string;
  usage: string;
  flags: readonly SharedFlag[];
}

const API: readonly SharedFlag[] = [
  "backend", "sqlite-file", "redis-url", "redis-prefix", "signing-key-file",
  "host", "port", "a2a-port", "a2a-public-url", "disable-a2a", "allowed-hosts", "allowed-origins",
  "api-keys", "admin-key", "agent-tokens", "agent-tokens-file", "plugins", "session-secret", "session-ttl", "secure-cookies", "log-format", "log-level",
];
const AGENT_SIDE: readonly SharedFlag[] = ["executor", "concurrency", "kubeconfig", "kubectl", "analyzers"];

/** The servers, in the order `--help` lists them. */
export const SERVER_VERBS: Record<"demo" | "api" | "agent" | "all" | "mcp", ServerVerbSpec> = {
  demo: {
    summary: "API + agent + a simulated cluster on localhost (no cluster, no kubectl needed)",
    usage: `Runs the API, an agent and a simulated cluster on 127.0.0.1, and prints the URL,
an API key, an admin key and a curl to try. Needs nothing else: the native
executor answers the simulated cluster (kubectl, when on PATH, runs what
native does not cover). --scenario serves your own objects, logs and metrics
from a scenario file (docs/simulated-cluster.md).`,
    flags: [...API, "api-key", "cluster-id", "scenario", "executor", "concurrency", "kubectl", "analyzers"],
  },
  api: {
    summary: "the API server (REST and MCP on --port, A2A on --a2a-port)",
    usage: `The API server: REST (MCP at /mcp) on --port, A2A on --a2a-port. Refuses to
start without an API key (--api-keys or --admin-key, or keys kept by the
backend): it would refuse every call.`,
    flags: API,
  },
  agent: {
    summary: "the in-cluster agent (needs --api-url, --cluster-id, --token)",
    usage: `The in-cluster agent: polls the API at --api-url (outbound only) for the
commands of --cluster-id and runs them against the cluster of its kubeconfig
or in-cluster service account. Refuses to start when it finds neither.`,
    flags: ["api-url", "cluster-id", "token", "api-public-key-file", "plugins", ...AGENT_SIDE, "log-format", "log-level"],
  },
  all: {
    summary: "API and agent in one process, against the current kubeconfig",
    usage: `The API and an agent in one process, the agent serving --cluster-id through
the current kubeconfig (or in-cluster service account). Refuses to start
without an API key or without cluster credentials.`,
    flags: [...API, "cluster-id", ...AGENT_SIDE],
  },
  mcp: {
    summary: "MCP server on stdio for a remote API (needs --api-url, --api-key)",
    usage: `An MCP server on stdio (for an AI client that starts it) calling a remote
Kubently API; stdout belongs to the protocol, logs go to stderr.`,
    flags: ["api-url", "api-key", "log-format", "log-level"],
  },
};

/** Wraps `text` at `width` columns, later lines indented by `indent` spaces. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width - indent) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

/** Flag lines, aligned and wrapped at 100 columns: `  --port N   REST port ...`. */
export function flagLines(flags: readonly (SharedFlag | "config")[]): string {
  const left = flags.map((f) => `--${f}${FLAG_HELP[f].arg ? ` ${FLAG_HELP[f].arg}` : ""}`);
  const width = Math.max(...left.map((l) => l.length));
  return flags.map((f, i) => `  ${left[i]!.padEnd(width)}  ${wrap(FLAG_HELP[f].help, 100, width + 4)}`).join("\n");
}

/** `kubently VERB --help` for a server verb. */
export function serverUsage(verb: keyof typeof SERVER_VERBS): string {
  const spec = SERVER_VERBS[verb];
  const example = `KUBENTLY_${spec.flags[0]!.replace(/-/g, "_").toUpperCase()}`;
  return `Usage: kubently ${verb} [flags]

${spec.usage}

Flags (each also KUBENTLY_<NAME> in the environment, e.g. ${example}, or a camelCase
key in the --config file; flags win over the environment, which wins over the file):
${flagLines(["config", ...spec.flags])}`;
}

/** `kubently --help`. */
export const USAGE = `kubently ${VERSION}: real-time, read-only Kubernetes debugging for AI agents and people

Usage: kubently <verb> [flags]        "kubently VERB --help" for a verb's flags

Servers:
${Object.entries(SERVER_VERBS).map(([verb, spec]) => `  ${verb.padEnd(7)} ${spec.summary}`).join("\n")}

Setup:
  init                      write a first config file with a new admin key and signing key

Client verbs (talk to an API at --api-url with --api-key):
  exec CLUSTER -- ARGS...   run one read-only kubectl command (--follow streams it)
  debug CLUSTER             an interactive debug session: kubectl command lines, with history
  cluster list|status|token|rotate|revoke|add|remove   clusters and their agent tokens (admin)
  key create|list|revoke    API keys (admin)
  user add|list|passwd|set|remove   console users (admin)
  audit [verify]            the audit log, and a check of its hash chain
  manifests                 Kubernetes YAML that runs the agent in a cluster (no API call)

Other:
  dashboard [--out FILE]    a Grafana dashboard (JSON) for /metrics (no API call)
  keygen                    print a new signing key (PEM) on stdout and its public key on stderr
  completion bash|zsh|fish  print a shell completion script
  version                   print the version
  help [VERB]               this help, or a verb's

Colors only on a terminal, never with NO_COLOR set.`;
