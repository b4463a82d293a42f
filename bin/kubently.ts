#!/usr/bin/env bun
/**
 * The `kubently` executable: the servers (`api`, `agent`, `all`, `demo`,
 * `mcp`) and the client verbs (`exec`, `debug`, `cluster`, `key`, `user`, `audit`,
 * `manifests`; see docs/cli.md). A thin shell: configuration in, library calls out. Every adapter and plugin is imported
 * statically so `bun build --compile` bundles them.
 */
import { startTracing, type Tracing } from "./_tracing.ts";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { echoExecutor, kubectlExecutor, type Executor } from "../lib/agent/executors.ts";
import { autoExecutor, nativeExecutor } from "../lib/agent/native.ts";
import { startAgent, type RunningAgent } from "../lib/agent/agent.ts";
import { LIMITS } from "../lib/limits.ts";
import { httpTransport } from "../lib/agent/transports.ts";
import { createKubently, VERSION, type Kubently } from "../lib/kubently.ts";
import type { ConfiguredKey } from "../lib/identity.ts";
import type { Policy } from "../lib/policy.ts";
import { startSimCluster } from "../lib/sim/index.ts";
import { createSigner, generateSigningKeyPem } from "../lib/signing.ts";
import { newSecret } from "../lib/_utils.ts";
import { runMcpStdio } from "../lib/mcp/index.ts";
import { createServer, type AddressInfo } from "node:net";
import { agentTokensFrom, DEFAULT_PLUGINS, FLAG_TYPES, loadConfig, pairs, type Config } from "./_config.ts";
import { closest, loadAnalyzers, loadPolicies, type PluginHost } from "./_plugins.ts";
import { EXIT, UsageError, paint, print, printErr, runVerb, type CliVerb } from "./_cli.ts";
import { debug, exec } from "./_exec.ts";
import { diagnose } from "./_diagnose.ts";
import { audit, cluster, key } from "./_admin.ts";
import { init } from "./_init.ts";
import { user } from "./_users.ts";
import { manifests } from "./_manifests.ts";
import { dashboard } from "./_dashboard.ts";
import { completionScript, SHELLS, type CompletionVerb, type Shell } from "./_completion.ts";
import { FLAG_HELP, SERVER_VERBS, serverUsage, USAGE } from "./_usage.ts";
import { backendSummary, bindNote, boundUrl, clusterAccess, executorSummary, refuseOwnPort, type ClusterAccess } from "./_startup.ts";
import { memoryBackend } from "../adapters/memory/index.ts";
import { sqliteBackend } from "../adapters/sqlite/index.ts";
import { redisBackend } from "../adapters/redis/index.ts";
import type { Backend } from "../lib/contracts.ts";
import { isKubentlyError } from "../lib/errors.ts";
import type { Logger } from "../lib/log/index.ts";
import { createLogger } from "./_log.ts";

/** The process's logger: pretty at info until the configuration says otherwise (`--log-format`, `--log-level`). */
let logger: Logger = createLogger();
const log = (level: "info" | "warn" | "error", message: string) => logger[level]({}, message);

/** Where the configuration was read from: relative plugin paths resolve against it. */
let configDir = process.cwd();
/** OpenTelemetry, when `OTEL_*` asks for it (docs/operations.md, "Tracing"); flushed at shutdown. */
let tracing: Tracing | null = null;

const policiesFrom = (config: Config, host: PluginHost): Promise<Policy[]> => loadPolicies(config.plugins ?? [...DEFAULT_PLUGINS], configDir, host);

function apiKeysFrom(config: Config): ConfiguredKey[] {
  const keys: ConfiguredKey[] = pairs(config.apiKeys).map(([name, key]) => ({ name, key, role: "operator" }));
  if (config.adminKey) keys.push({ name: "admin", key: config.adminKey, role: "admin" });
  return keys;
}

/**
 * The agent's executor: `auto` unless configured (`home` is kubectl's HOME,
 * for the demo's own), with the configured analyzers for `diagnose` (loaded
 * here, so a bad one stops the start).
 */
async function executorFrom(config: Config, kubeconfig?: string, home?: string): Promise<Executor> {
  if (config.executor === "echo") return echoExecutor();
  const path = kubeconfig ?? config.kubeconfig;
  const kubectl = { ...(config.kubectl ? { binary: config.kubectl } : {}), ...(home ? { home } : {}) };
  if (config.executor === "kubectl") return kubectlExecutor({ ...kubectl, ...(path ? { kubeconfig: path } : {}) });
  const analyzers = await loadAnalyzers(config.analyzers, configDir);
  if (config.executor === "native") return nativeExecutor({ analyzers, ...(path ? { kubeconfig: path } : {}) });
  return autoExecutor({ kubectl, analyzers, ...(path ? { kubeconfig: path } : {}) });
}

/**
 * How long after a first signal a second one counts as the same event: a
 * terminal's Ctrl-C reaches both kubently and a launcher in front of it
 * (npx, a shell), which may pass it on again.
 */
const SAME_SIGNAL_MS = 500;

/**
 * Stops everything on SIGTERM, SIGINT or SIGHUP, letting commands in flight
 * finish; a second signal (after {@link SAME_SIGNAL_MS}) exits at once.
 */
function onShutdown(stop: () => Promise<void>): void {
  let first = 0;
  const handler = (signal: string) => {
    if (first) {
      if (Date.now() - first < SAME_SIGNAL_MS) return;
      process.exit(1);
    }
    first = Date.now();
    log("info", `${signal}: draining and shutting down`);
    stop()
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (e) => {
          log("error", String(e));
          process.exit(1);
        },
      );
  };
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => handler(signal));
}

/** The backend the configuration names; fails fast when it does not answer. */
async function backendFrom(config: Config): Promise<Backend> {
  const kind = config.backend ?? "memory";
  if (kind === "memory") return memoryBackend();
  if (kind === "sqlite") {
    if (!config.sqliteFile) throw new Error("--backend sqlite needs --sqlite-file (KUBENTLY_SQLITE_FILE)");
    const backend = sqliteBackend({ filename: config.sqliteFile });
    if (!(await backend.ping())) throw new Error(`cannot open the SQLite file ${config.sqliteFile}`);
    return backend;
  }
  const backend = redisBackend({ url: config.redisUrl ?? "redis://127.0.0.1:6379", ...(config.redisPrefix ? { prefix: config.redisPrefix } : {}) });
  if (!(await backend.ping().catch(() => false))) {
    await backend.close();
    throw new Error(`cannot reach Redis at ${config.redisUrl ?? "redis://127.0.0.1:6379"} (--redis-url / KUBENTLY_REDIS_URL)`);
  }
  return backend;
}

/** A free TCP port on the host (for a server whose public URL must be known before it starts). */
async function freePort(hostname: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, hostname, resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface RunningApi {
  kubently: Kubently;
  url: string;
  /** The address the REST server is bound to, e.g. `http://0.0.0.0:8080`. */
  bound: string;
  a2aUrl?: string;
  /** The address the A2A server is bound to. */
  a2aBound?: string;
}

/** The hint every "no API key" refusal ends with. */
const KEY_HINT = 'give one with --api-keys NAME:KEY (operator) or --admin-key KEY (or KUBENTLY_API_KEYS / KUBENTLY_ADMIN_KEY), e.g. --admin-key "$(openssl rand -hex 24)"; kubently demo makes its own';

/**
 * Opens the backend, loads the policies and refuses to go on without an API
 * key; then `before` runs (the verb's own checks and its start-up line) and
 * only after it do the REST and A2A servers listen.
 */
async function startApi(
  config: Config,
  extra: { clusters?: { id: string; token?: string }[]; defaultHost: string; before?: (api: { url: string; policies: Policy[] }) => Promise<void> | void },
): Promise<RunningApi> {
  // A fleet's tokens come from --agent-tokens-file: thousands do not fit in one argument (E2BIG).
  const clusters = [...agentTokensFrom(config, configDir, (m) => log("warn", m)), ...(extra.clusters ?? [])];
  if (config.backend === "redis" && !config.signingKeyFile) {
    // Redis keeps no signing key (whoever can write the queue must not be able to sign), and replicas must share one.
    throw new Error(
      "--backend redis needs --signing-key-file (KUBENTLY_SIGNING_KEY_FILE), the same file on every replica: " +
        "Kubently does not keep the private key in Redis. Make one with: kubently keygen > signing.pem 2> public.pem",
    );
  }
  const signingKey = config.signingKeyFile ? readFileSync(config.signingKeyFile, "utf8") : undefined;
  const backend = await backendFrom(config);
  const policies = await policiesFrom(config, { side: "api", ...(backend.counters ? { counters: backend.counters } : {}) });
  const apiKeys = apiKeysFrom(config);
  const kubently = createKubently({
    logger,
    ...(tracing ? { breakers: [tracing.breaker] } : {}),
    backend,
    policies,
    apiKeys,
    clusters,
    ...(signingKey ? { signingKey } : {}),
    ...(config.allowedHosts ? { allowedHosts: config.allowedHosts } : {}),
    ...(config.allowedOrigins ? { allowedOrigins: config.allowedOrigins } : {}),
    login: {
      ...(config.sessionSecret ? { sessionSecret: config.sessionSecret } : {}),
      ...(config.sessionTtl ? { sessionTtlSeconds: config.sessionTtl } : {}),
      ...(config.secureCookies ? { secureCookies: true } : {}),
      ...(config.oidc ? { oidc: config.oidc } : {}),
    },
    ...(config.alerts ? { alerts: config.alerts } : {}),
  });
  await kubently.ready();
  // Keys created with `kubently key create` and kept by the backend count too (a restart without the bootstrap key).
  if (apiKeys.length === 0 && !(await backend.auth.listApiKeys()).some((k) => !k.revokedAt)) {
    await kubently.close();
    throw new Error(`no API key configured, so every call but /health would be refused: ${KEY_HINT}`);
  }
  const hostname = config.host ?? extra.defaultHost;
  const port = config.port ?? 8080;
  try {
    if (extra.before) await extra.before({ url: boundUrl(hostname, port), policies });
  } catch (e) {
    await kubently.close();
    throw e;
  }
  if (!signingKey && backend.signingKey) log("info", `commands are signed with the key kept in ${backend.signingKey.location} (keep it secret)`);
  if (!config.allowedHosts && !["127.0.0.1", "localhost", "::1"].includes(hostname)) {
    log("warn", `listening on ${hostname}: /mcp answers only loopback Host names until --allowed-hosts lists the names clients use (DNS-rebinding guard)`);
  }
  const server = await kubently.listen({ port, hostname });
  const bound = boundUrl(hostname, server.port);
  if (config.disableA2a) return { kubently, url: server.url, bound };
  let a2aPort = config.a2aPort ?? 8000;
  if (a2aPort === 0) a2aPort = await freePort(hostname);
  const shown = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname;
  if (!config.a2aPublicUrl && hostname === "0.0.0.0") log("warn", `--a2a-public-url not set: the agent card advertises http://localhost:${a2aPort}/`);
  const a2a = await kubently.listenA2A({ publicUrl: config.a2aPublicUrl ?? `http://${shown}:${a2aPort}/`, port: a2aPort, hostname });
  return { kubently, url: server.url, bound, a2aUrl: a2a.url, a2aBound: boundUrl(hostname, a2aPort) };
}

/** The one start-up line: version, backend, policies in order, executor (and the cluster, for an agent). */
function startupLine(verb: string, parts: { backend: string; policies: readonly Policy[]; executor: string; cluster?: ClusterAccess }): void {
  const ids = parts.policies.map((p) => p.id);
  log(
    "info",
    `kubently ${verb} ${VERSION}: backend ${parts.backend}; policies ${ids.length ? ids.join(", ") : "none"}; executor ${parts.executor}` +
      (parts.cluster ? `; cluster ${parts.cluster.server} from ${parts.cluster.source}` : ""),
  );
}

/** `API listening on http://0.0.0.0:8080 (every IPv4 interface; http://127.0.0.1:8080 from this host)`, up to `end`. */
function listeningLine(running: RunningApi, end: string): void {
  const hostname = new URL(running.bound).hostname.replace(/^\[|\]$/g, "");
  const notes = [bindNote(hostname), running.bound === running.url ? "" : `${running.url} from this host`].filter(Boolean);
  log("info", `API listening on ${running.bound}${end}${notes.length ? ` (${notes.join("; ")})` : ""}`);
  if (running.a2aBound) log("info", `A2A listening on ${running.a2aBound}`);
}

async function api(config: Config) {
  const running = await startApi(config, {
    defaultHost: "0.0.0.0",
    before: ({ policies }) => startupLine("api", { backend: backendSummary(config), policies, executor: "none here (agents run the commands)" }),
  });
  // Handlers first: whoever reads the line below may signal at once.
  onShutdown(() => running.kubently.close({ lameDuckMs: LIMITS.shutdownLameDuckMs }));
  listeningLine(running, "");
}

async function agent(config: Config) {
  const missing = (["apiUrl", "clusterId", "token"] as const).filter((k) => !config[k]);
  if (missing.length) throw new Error(`agent needs ${missing.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")}`);
  const executorLine = executorSummary(config);
  const access = config.executor === "echo" ? undefined : await clusterAccess(config.kubeconfig);
  if (access) refuseOwnPort(access, config.apiUrl!, "the Kubently API at --api-url");
  const policies = await policiesFrom(config, { side: "agent" });
  startupLine("agent", { backend: `none here (the API at ${config.apiUrl} keeps the state)`, policies, executor: executorLine, ...(access ? { cluster: access } : {}) });
  const agentId = `agent-${config.clusterId}-${process.pid}`;
  const running: RunningAgent = startAgent({
    clusterId: config.clusterId!,
    agentId,
    transport: httpTransport({ apiUrl: config.apiUrl!, clusterId: config.clusterId!, token: config.token!, agentId }),
    executor: await executorFrom(config),
    policies,
    concurrency: config.concurrency ?? 4,
    version: VERSION,
    logger,
    ...(config.apiPublicKeyFile ? { trustedKeys: [readFileSync(config.apiPublicKeyFile, "utf8")] } : {}),
  });
  onShutdown(() => running.stop());
}

async function all(config: Config) {
  const clusterId = config.clusterId ?? "local";
  const executor = await executorFrom(config);
  const executorLine = executorSummary(config);
  const running = await startApi(config, {
    clusters: [{ id: clusterId }],
    defaultHost: "0.0.0.0",
    // Checked before anything listens: an agent without a cluster would talk to http://localhost:8080, this very API.
    before: async ({ url, policies }) => {
      const access = config.executor === "echo" ? undefined : await clusterAccess(config.kubeconfig);
      if (access) refuseOwnPort(access, url, "this API's own address");
      startupLine("all", { backend: backendSummary(config), policies, executor: executorLine, ...(access ? { cluster: access } : {}) });
    },
  });
  running.kubently.startLocalAgent({ clusterId, executor, concurrency: config.concurrency ?? 4, version: VERSION, logger });
  onShutdown(() => running.kubently.close({ lameDuckMs: LIMITS.shutdownLameDuckMs }));
  listeningLine(running, `; agent for cluster "${clusterId}" running in-process`);
}

async function demo(config: Config) {
  const clusterId = config.clusterId ?? "demo";
  const apiKey = config.apiKey ?? newSecret("kdemo");
  // `cluster`, `key` and `audit verify` need an admin: the demo has one too (or the one configured).
  const adminKey = config.adminKey ?? newSecret("kdemo_admin");
  const executorLine = executorSummary(config);
  // kubectl's HOME and the simulated cluster's kubeconfig: removed however the process ends.
  const home = mkdtempSync(join(tmpdir(), "kubently-demo-"));
  process.on("exit", () => rmSync(home, { recursive: true, force: true }));
  // A bad scenario file stops here, before anything listens: one line naming the file and document, exit code 2.
  const sim = await startSimCluster({ scenario: config.scenario ?? "default" });
  const scenarioLine = `${sim.scenario.name}${sim.scenario.description ? `: ${sim.scenario.description}` : ""}`;
  const kubeconfig = await sim.writeKubeconfig(join(home, "kubeconfig"));
  const executor = await executorFrom(config, kubeconfig, home).catch(async (e) => {
    await sim.close();
    throw e;
  });
  const running = await startApi(
    { ...config, adminKey, apiKeys: [`demo:${apiKey}`, ...pairs(config.apiKeys).map((p) => p.join(":"))] },
    {
      clusters: [{ id: clusterId }],
      defaultHost: "127.0.0.1",
      before: ({ policies }) => startupLine("demo", { backend: backendSummary(config), policies, executor: executorLine, cluster: { source: `the simulated cluster (scenario ${sim.scenario.name})`, server: sim.url } }),
    },
  ).catch(async (e) => {
    await sim.close();
    throw e;
  });
  const { kubently, url } = running;
  const consolePassword = await demoConsoleUser(kubently);
  kubently.startLocalAgent({ clusterId, executor, concurrency: config.concurrency ?? 4, version: VERSION, logger });
  onShutdown(async () => {
    await running.kubently.close();
    await sim.close();
  });
  const bold = (text: string) => paint(process.stdout, "bold", text);
  console.log(`${bold("Kubently demo is running.")}

  API:        ${url}${running.bound === url ? "" : ` (bound to ${running.bound})`}
  API key:    ${apiKey}
  Admin key:  ${adminKey} (for \`kubently cluster|key|user|audit\`)
  Console:    ${url}/ui
  Console login: admin / ${consolePassword}
  Cluster:    ${clusterId} (simulated, ${sim.url})
  Scenario:   ${scenarioLine}
  MCP:        ${url}/mcp (streamable HTTP, same key)
  A2A:        ${running.a2aUrl ? `${running.a2aUrl} (agent card at /.well-known/agent-card.json)` : "disabled"}
  Executor:   ${executorLine}
  Needs:      ${config.executor === "kubectl" ? "kubectl (--executor kubectl)" : "nothing else: no cluster, no kubectl (the native executor reads the simulated cluster)"}

Try it:

  curl -s -X POST ${url}/debug/execute \\
    -H 'X-API-Key: ${apiKey}' -H 'Content-Type: application/json' \\
    -d '{"cluster_id":"${clusterId}","argv":["get","pods","-A"]}'

  KUBENTLY_API_URL=${url} KUBENTLY_API_KEY=${apiKey} ${selfCommand()} exec ${clusterId} -- get pods -A

Press Ctrl+C to stop.`);
}

/**
 * The demo's console user `admin` with a fresh random password (set anew
 * when a kept backend already has the user), made through the user service
 * so it is audited like any other.
 */
async function demoConsoleUser(kubently: Kubently): Promise<string> {
  const password = randomBytes(12).toString("base64url");
  const demo = { kind: "admin", name: "demo", keyId: "demo", role: "admin" } as const;
  const { users } = kubently.services.login;
  try {
    await users.create(demo, { username: "admin", role: "admin", password });
  } catch (e) {
    if (!isKubentlyError(e, "CONFLICT")) throw e;
    await users.setPassword(demo, "admin", password);
  }
  return password;
}

/** How to run this kubently again: `npx kubently` from a checkout (Bun running the source), else the executable's path. */
const selfCommand = (): string => (Bun.main.endsWith(".ts") ? "npx kubently" : process.execPath);

/** MCP over stdio for a remote API; stdout belongs to the protocol, logs go to stderr. */
async function mcp(config: Config) {
  const apiUrl = config.apiUrl;
  const apiKey = config.apiKey;
  if (!apiUrl || !apiKey) throw new Error("mcp needs --api-url and --api-key (or KUBENTLY_API_URL / KUBENTLY_API_KEY)");
  const server = await runMcpStdio({ apiUrl, apiKey });
  await server.closed;
}

const VERBS: Record<keyof typeof SERVER_VERBS, (config: Config) => Promise<void>> = { api, agent, all, demo, mcp };

/** `kubently keygen`: a new signing key (PEM) on stdout, its public key on stderr. */
const keygen: CliVerb = {
  summary: "print a new signing key (PEM) on stdout and its public key on stderr",
  usage: `Usage: kubently keygen > signing.pem 2> public.pem

Prints a new Ed25519 signing key (PKCS#8 PEM) on stdout and its public key on
stderr. The API signs commands with the private key (--signing-key-file);
agents may pin the public one (--api-public-key-file).`,
  shared: [],
  async run({ args }) {
    if (args.length) throw new UsageError(`unexpected argument "${args[0]}" (see kubently keygen --help)`);
    const pem = generateSigningKeyPem();
    await print(pem.trim());
    await printErr(createSigner(pem).publicKeyPem.trim());
    return EXIT.ok;
  },
};

/** `kubently version`. */
const version: CliVerb = {
  summary: "print the version",
  usage: "Usage: kubently version\n\nPrints the version.",
  shared: [],
  async run({ args }) {
    if (args.length) throw new UsageError(`unexpected argument "${args[0]}" (see kubently version --help)`);
    await print(VERSION);
    return EXIT.ok;
  },
};

/** `kubently completion bash|zsh|fish`. */
const completion: CliVerb = {
  summary: "print a shell completion script",
  usage: `Usage: kubently completion bash|zsh|fish

Prints a completion script for the shell: verbs, subcommands, flags, and
flag values that are files or one of a few words.

  source <(kubently completion bash)     # bash, this shell
  source <(kubently completion zsh)      # zsh, after compinit
  kubently completion fish | source      # fish`,
  shared: [],
  async run({ args }) {
    const shell = args[0];
    if (!shell) throw new UsageError(`missing the shell: kubently completion ${SHELLS.join("|")}`);
    if (!(SHELLS as readonly string[]).includes(shell)) {
      const guess = closest(shell, SHELLS);
      throw new UsageError(`unknown shell "${shell}"${guess ? `; did you mean "${guess}"?` : ""} (${SHELLS.join(", ")})`);
    }
    if (args.length > 1) throw new UsageError(`unexpected argument "${args[1]}" (see kubently completion --help)`);
    await print(completionScript(shell as Shell, completionVerbs()));
    return EXIT.ok;
  },
};

/** The client verbs and the other verbs that parse their own flags: each answers an exit code. */
const CLI_VERBS: Record<string, CliVerb> = { init, exec, debug, diagnose, cluster, key, user, audit, manifests, dashboard, keygen, version, completion };

/** Subcommands, for completion. */
const SUBCOMMANDS: Record<string, readonly string[]> = {
  cluster: ["list", "status", "token", "rotate", "revoke", "add", "remove"],
  key: ["create", "list", "revoke"],
  user: ["add", "list", "passwd", "set", "remove"],
  audit: ["verify"],
  manifests: ["helm", "docker"],
  completion: SHELLS,
  help: [...Object.keys(SERVER_VERBS), ...Object.keys(CLI_VERBS)],
};

/** Values a client verb's own flag takes, for completion. */
const VERB_FLAG_VALUES: Record<string, readonly string[]> = { role: ["admin", "operator", "viewer"] };

/** Every verb with its flags, as the shell completes them. */
function completionVerbs(): CompletionVerb[] {
  const shared = (f: keyof typeof FLAG_HELP) => ({ name: f, takesValue: FLAG_TYPES[f] === "string", ...(FLAG_HELP[f].values ? { values: FLAG_HELP[f].values } : {}) });
  const help = { name: "help", short: "h", takesValue: false };
  const servers = Object.entries(SERVER_VERBS).map(([name, spec]) => ({ name, summary: spec.summary, flags: [shared("config"), ...spec.flags.map(shared), help] }));
  const clients = Object.entries(CLI_VERBS).map(([name, verb]) => ({
    name,
    summary: verb.summary,
    flags: [
      ...(verb.shared ?? ["api-url", "api-key"]).map(shared),
      ...Object.entries(verb.flags ?? {}).map(([f, o]) => ({ name: f, takesValue: o.type === "string", ...(o.short ? { short: o.short } : {}), ...(VERB_FLAG_VALUES[f] ? { values: VERB_FLAG_VALUES[f] } : {}) })),
      ...((verb.shared ?? ["api-url", "api-key"]).length ? [shared("config")] : []),
      help,
    ],
    ...(SUBCOMMANDS[name] ? { subcommands: SUBCOMMANDS[name] } : {}),
  }));
  return [...servers, ...clients, { name: "help", summary: "this help, or a verb's", flags: [], subcommands: SUBCOMMANDS.help! }];
}

/** `kubently help VERB` and `kubently VERB --help` for any verb; null for an unknown one. */
function usageOf(verb: string): string | null {
  if (verb in SERVER_VERBS) return serverUsage(verb as keyof typeof SERVER_VERBS);
  return CLI_VERBS[verb]?.usage ?? null;
}

/** `unknown verb "exce"; did you mean "exec"?` */
function unknownVerb(verb: string): UsageError {
  const guess = closest(verb, [...Object.keys(SERVER_VERBS), ...Object.keys(CLI_VERBS), "help"]);
  return new UsageError(`unknown verb "${verb}"${guess ? `; did you mean "${guess}"?` : ""} (see kubently --help)`);
}

async function main(argv: string[]) {
  const [verb, ...rest] = argv;
  if (!verb || verb === "--help" || verb === "-h") return void (await print(USAGE));
  if (verb === "--version") return void (await print(VERSION));
  if (verb === "help") {
    const [topic, ...more] = rest;
    if (more.length) throw new UsageError(`unexpected argument "${more[0]}" (kubently help [VERB])`);
    if (!topic || ["help", "--help", "-h"].includes(topic)) return void (await print(USAGE));
    const text = usageOf(topic);
    if (!text) throw unknownVerb(topic);
    return void (await print(text));
  }
  const cli = CLI_VERBS[verb];
  if (cli) return void process.exit(await runVerb(verb, cli, rest));
  if (!(verb in VERBS)) throw unknownVerb(verb);
  const name = verb as keyof typeof VERBS;
  const { config, help, baseDir, positionals } = loadConfig(rest, process.env, { name, shared: SERVER_VERBS[name].flags });
  if (help) return void (await print(serverUsage(name)));
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" (see kubently ${name} --help)`);
  configDir = baseDir;
  logger = createLogger({ format: config.logFormat ?? "pretty", level: config.logLevel ?? "info" });
  if (name !== "mcp") {
    tracing = await startTracing(process.env, `kubently-${name}`, log);
    if (tracing) log("info", `tracing: spans go to ${tracing.endpoint} (OTLP ${tracing.protocol})`);
  }
  await VERBS[name](config);
}

main(process.argv.slice(2)).catch(async (e) => {
  if (e instanceof UsageError) {
    await printErr(paint(process.stderr, "red", `error: ${e.message}`));
    process.exit(EXIT.error);
  }
  log("error", (e as Error).message);
  process.exit(2);
});
