#!/usr/bin/env bun
/**
 * The `kubently` executable: the servers (`api`, `agent`, `all`, `demo`,
 * `mcp`) and the client verbs (`exec`, `debug`, `cluster`, `key`, `audit`,
 * `manifests`; see docs/cli.md). A thin shell: configuration in, library calls out. Every adapter and plugin is imported
 * statically so `bun build --compile` bundles them.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { echoExecutor, kubectlExecutor, type Executor } from "../lib/agent/executors.ts";
import { autoExecutor, nativeExecutor } from "../lib/agent/native.ts";
import { startAgent, type RunningAgent } from "../lib/agent/agent.ts";
import { httpTransport } from "../lib/agent/transports.ts";
import { createKubently, VERSION, type Kubently } from "../lib/kubently.ts";
import type { ConfiguredKey } from "../lib/identity.ts";
import type { Policy } from "../lib/policy.ts";
import { startSimCluster } from "../lib/sim/index.ts";
import { createSigner, generateSigningKeyPem } from "../lib/signing.ts";
import { newSecret } from "../lib/_utils.ts";
import { runMcpStdio } from "../lib/mcp/index.ts";
import { createServer, type AddressInfo } from "node:net";
import { loadConfig, pairs, type Config } from "./_config.ts";
import { loadPolicies, type PluginHost } from "./_plugins.ts";
import { runVerb, type CliVerb } from "./_cli.ts";
import { debug, exec } from "./_exec.ts";
import { audit, cluster, key } from "./_admin.ts";
import { manifests } from "./_manifests.ts";
import { memoryBackend } from "../adapters/memory/index.ts";
import { sqliteBackend } from "../adapters/sqlite/index.ts";
import { redisBackend } from "../adapters/redis/index.ts";
import type { Backend } from "../lib/contracts.ts";

const USAGE = `kubently ${VERSION}: real-time, read-only Kubernetes debugging for AI agents and people

Usage: kubently <verb> [flags]

Servers:
  demo    API + agent + a simulated cluster on localhost (no cluster needed)
  api     the API server (REST on --port, default 8080)
  agent   the in-cluster agent (needs --api-url, --cluster-id, --token)
  all     API and agent in one process, against the current kubeconfig
  mcp     MCP server on stdio for a remote API (needs --api-url, --api-key)

Client verbs (talk to an API at --api-url with --api-key; "kubently VERB --help" for each):
  exec CLUSTER -- ARGS...   run one read-only kubectl command (--follow streams it)
  debug CLUSTER             an interactive debug session: kubectl command lines from stdin
  cluster list|status|token|rotate|revoke   clusters and their agent tokens (admin)
  key create|list|revoke    API keys (admin)
  audit [verify]            the audit log, and a check of its hash chain
  manifests                 Kubernetes YAML that runs the agent in a cluster (no API call)

  version print the version
  keygen  print a new signing key (PEM) on stdout and its public key on stderr

Server flags (each also as KUBENTLY_<NAME> in the environment, or camelCase in --config file.json):
  --backend NAME      memory (default), sqlite (--sqlite-file PATH) or redis (--redis-url URL)
  --port N            REST port (api/all 8080, demo 8080; 0 picks a free one)
  --host H            bind address (api/all 0.0.0.0, demo 127.0.0.1)
  --a2a-port N        A2A port (default 8000; 0 picks a free one)
  --a2a-public-url U  the URL the A2A agent card advertises (default http://<host>:<a2a-port>/)
  --disable-a2a       do not start the A2A server
  --allowed-hosts H   host names besides loopback that /mcp and the A2A WebSocket answer (comma list, * for any)
  --allowed-origins O browser origins besides those on allowed hosts (comma list)
  --api-keys LIST     service:key,service2:key2 (operator role)
  --admin-key KEY     the admin key
  --api-key KEY       demo: the key to print and accept (default: random); mcp: the key to call with
  --agent-tokens LIST cluster:token,... agent tokens the API accepts
  --plugins LIST      policies in order: built-in ids (read-only, namespaces, output-limits, rate-limit,
                      redact-secrets), module paths or package names (default: read-only,redact-secrets)
  --api-url URL       agent: where the API is
  --cluster-id ID     agent/all/demo: the cluster's id (demo: "demo", all: "local")
  --token TOKEN       agent: the cluster's agent token
  --executor NAME     auto (default: native where it covers the command, kubectl for the rest),
                      native, kubectl, or echo (benchmarks)
  --concurrency N     agent: commands run at once (default 4)
  --kubeconfig PATH   agent/all: kubeconfig for kubectl
  --kubectl PATH      agent/all: the kubectl binary (default: kubectl on PATH)
  --signing-key-file P api/all: Ed25519 PKCS#8 PEM key that signs commands (required with redis; default:
                      sqlite keeps one in <sqlite-file>.signing.pem, memory makes a fresh one per start)
  --api-public-key-file P  agent: pin the API's signing public key (default: fetched from the API)
`;

const log = (level: string, message: string) => console.error(`[kubently] ${level}: ${message}`);

/** Where the configuration was read from: relative plugin paths resolve against it. */
let configDir = process.cwd();

/** What runs when the configuration names no policies: the grammar, and redaction in the agent. */
const DEFAULT_PLUGINS = ["read-only", "redact-secrets"];

const policiesFrom = (config: Config, host: PluginHost): Promise<Policy[]> => loadPolicies(config.plugins ?? DEFAULT_PLUGINS, configDir, host);

function apiKeysFrom(config: Config): ConfiguredKey[] {
  const keys: ConfiguredKey[] = pairs(config.apiKeys).map(([name, key]) => ({ name, key, role: "operator" }));
  if (config.adminKey) keys.push({ name: "admin", key: config.adminKey, role: "admin" });
  return keys;
}

/** The agent's executor: `auto` unless configured (`home` is kubectl's HOME, for the demo's own). */
function executorFrom(config: Config, kubeconfig?: string, home?: string): Executor {
  if (config.executor === "echo") return echoExecutor();
  const path = kubeconfig ?? config.kubeconfig;
  const kubectl = { ...(config.kubectl ? { binary: config.kubectl } : {}), ...(home ? { home } : {}) };
  if (config.executor === "kubectl") return kubectlExecutor({ ...kubectl, ...(path ? { kubeconfig: path } : {}) });
  if (config.executor === "native") return nativeExecutor(path ? { kubeconfig: path } : {});
  return autoExecutor({ kubectl, ...(path ? { kubeconfig: path } : {}) });
}

/** Stops everything on SIGTERM/SIGINT, letting commands in flight finish. */
function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log("info", `${signal}: draining and shutting down`);
    stop().then(
      () => process.exit(0),
      (e) => {
        log("error", String(e));
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => handler("SIGTERM"));
  process.on("SIGINT", () => handler("SIGINT"));
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
  a2aUrl?: string;
}

async function startApi(config: Config, extra: { clusters?: { id: string; token?: string }[]; defaultHost: string }): Promise<RunningApi> {
  const clusters = [...pairs(config.agentTokens).map(([id, token]) => ({ id, token })), ...(extra.clusters ?? [])];
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
  const kubently = createKubently({
    backend,
    policies,
    apiKeys: apiKeysFrom(config),
    clusters,
    ...(signingKey ? { signingKey } : {}),
    ...(config.allowedHosts ? { allowedHosts: config.allowedHosts } : {}),
    ...(config.allowedOrigins ? { allowedOrigins: config.allowedOrigins } : {}),
  });
  await kubently.ready();
  if (!signingKey && backend.signingKey) log("info", `commands are signed with the key kept in ${backend.signingKey.location} (keep it secret)`);
  const hostname = config.host ?? extra.defaultHost;
  if (!config.allowedHosts && !["127.0.0.1", "localhost", "::1"].includes(hostname)) {
    log("warn", `listening on ${hostname}: /mcp answers only loopback Host names until --allowed-hosts lists the names clients use (DNS-rebinding guard)`);
  }
  const server = await kubently.listen({ port: config.port ?? 8080, hostname });
  if (config.disableA2a) return { kubently, url: server.url };
  let a2aPort = config.a2aPort ?? 8000;
  if (a2aPort === 0) a2aPort = await freePort(hostname);
  const shown = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname;
  if (!config.a2aPublicUrl && hostname === "0.0.0.0") log("warn", `--a2a-public-url not set: the agent card advertises http://localhost:${a2aPort}/`);
  const a2a = await kubently.listenA2A({ publicUrl: config.a2aPublicUrl ?? `http://${shown}:${a2aPort}/`, port: a2aPort, hostname });
  return { kubently, url: server.url, a2aUrl: a2a.url };
}

async function api(config: Config) {
  if (!config.apiKeys && !config.adminKey) log("warn", "no API keys configured (--api-keys / --admin-key): every call but health will be refused");
  const running = await startApi(config, { defaultHost: "0.0.0.0" });
  log("info", `API listening on ${running.url} (backend ${running.kubently.backend.name})`);
  if (running.a2aUrl) log("info", `A2A listening on ${running.a2aUrl}`);
  onShutdown(() => running.kubently.close());
}

async function agent(config: Config) {
  const missing = (["apiUrl", "clusterId", "token"] as const).filter((k) => !config[k]);
  if (missing.length) throw new Error(`agent needs ${missing.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")}`);
  const agentId = `agent-${config.clusterId}-${process.pid}`;
  const running: RunningAgent = startAgent({
    clusterId: config.clusterId!,
    agentId,
    transport: httpTransport({ apiUrl: config.apiUrl!, clusterId: config.clusterId!, token: config.token!, agentId }),
    executor: executorFrom(config),
    policies: await policiesFrom(config, { side: "agent" }),
    concurrency: config.concurrency ?? 4,
    version: VERSION,
    log,
    ...(config.apiPublicKeyFile ? { trustedKeys: [readFileSync(config.apiPublicKeyFile, "utf8")] } : {}),
  });
  onShutdown(() => running.stop());
}

async function all(config: Config) {
  const clusterId = config.clusterId ?? "local";
  const running = await startApi(config, { clusters: [{ id: clusterId }], defaultHost: "0.0.0.0" });
  running.kubently.startLocalAgent({ clusterId, executor: executorFrom(config), concurrency: config.concurrency ?? 4, version: VERSION, log });
  log("info", `API listening on ${running.url}; agent for cluster "${clusterId}" running in-process`);
  if (running.a2aUrl) log("info", `A2A listening on ${running.a2aUrl}`);
  onShutdown(() => running.kubently.close());
}

async function demo(config: Config) {
  const clusterId = config.clusterId ?? "demo";
  const apiKey = config.apiKey ?? newSecret("kdemo");
  // `cluster`, `key` and `audit verify` need an admin: the demo has one too (or the one configured).
  const adminKey = config.adminKey ?? newSecret("kdemo_admin");
  const sim = await startSimCluster();
  const home = mkdtempSync(join(tmpdir(), "kubently-demo-"));
  const kubeconfig = await sim.writeKubeconfig(join(home, "kubeconfig"));
  const running = await startApi(
    { ...config, adminKey, apiKeys: [`demo:${apiKey}`, ...pairs(config.apiKeys).map((p) => p.join(":"))] },
    { clusters: [{ id: clusterId }], defaultHost: "127.0.0.1" },
  );
  const { kubently, url } = running;
  const executor = executorFrom(config, kubeconfig, home);
  kubently.startLocalAgent({ clusterId, executor, concurrency: config.concurrency ?? 4, version: VERSION, log });
  console.log(`Kubently demo is running.

  API:        ${url}
  API key:    ${apiKey}
  Admin key:  ${adminKey} (for \`kubently cluster|key|audit\`)
  Cluster:    ${clusterId} (simulated, ${sim.url})
  MCP:        ${url}/mcp (streamable HTTP, same key)
  A2A:        ${running.a2aUrl ? `${running.a2aUrl} (agent card at /.well-known/agent-card.json)` : "disabled"}

Try it:

  curl -s -X POST ${url}/debug/execute \\
    -H 'X-API-Key: ${apiKey}' -H 'Content-Type: application/json' \\
    -d '{"cluster_id":"${clusterId}","argv":["get","pods","-A"]}'

Press Ctrl+C to stop.`);
  onShutdown(async () => {
    await running.kubently.close();
    await sim.close();
  });
}

/** MCP over stdio for a remote API; stdout belongs to the protocol, logs go to stderr. */
async function mcp(config: Config) {
  const apiUrl = config.apiUrl;
  const apiKey = config.apiKey;
  if (!apiUrl || !apiKey) throw new Error("mcp needs --api-url and --api-key (or KUBENTLY_API_URL / KUBENTLY_API_KEY)");
  const server = await runMcpStdio({ apiUrl, apiKey });
  await server.closed;
}

const VERBS: Record<string, (config: Config) => Promise<void>> = { api, agent, all, demo, mcp };

/** The client verbs: each parses its own flags and answers an exit code. */
const CLI_VERBS: Record<string, CliVerb> = { exec, debug, cluster, key, audit, manifests };

async function main(argv: string[]) {
  const [verb, ...rest] = argv;
  if (!verb || verb === "help" || verb === "--help" || verb === "-h") return void console.log(USAGE);
  if (verb === "version" || verb === "--version") return void console.log(VERSION);
  if (verb === "keygen") {
    const pem = generateSigningKeyPem();
    console.log(pem.trim());
    console.error(createSigner(pem).publicKeyPem.trim());
    return;
  }
  const cli = CLI_VERBS[verb];
  if (cli) return void process.exit(await runVerb(verb, cli, rest));
  const run = VERBS[verb];
  if (!run) throw new Error(`unknown verb "${verb}"\n\n${USAGE}`);
  const { config, help, baseDir } = loadConfig(rest);
  configDir = baseDir;
  if (help) return void console.log(USAGE);
  await run(config);
}

main(process.argv.slice(2)).catch((e) => {
  log("error", (e as Error).message);
  process.exit(2);
});
