/**
 * `createKubently`: one instance of the API with the backend and policies the
 * host picks: its services, the REST app with MCP mounted at `/mcp`, the A2A
 * server on its own port, and (optionally) agents running in-process. This
 * is where the protocol edges meet; the MCP and A2A SDKs load on first use,
 * so importing the library costs neither.
 */
import { BREAKER_STATE_VALUE, type Breaker, type BreakerSnapshot } from "./breaker.ts";
import { tracedRequests } from "./http/tracing.ts";
import { memoryBackend } from "../adapters/memory/index.ts";
import type { A2AServer, A2AServerOptions } from "./a2a/server.ts";
import { startAgent, type AgentOptions, type RunningAgent } from "./agent/agent.ts";
import type { Executor } from "./agent/executors.ts";
import { localTransport } from "./agent/transports.ts";
import type { CoreContext } from "./context.ts";
import type { Backend } from "./contracts.ts";
import { createEventBus } from "./events/bus.ts";
import { withPublishingAudit } from "./events/audit.ts";
import { watchAgents } from "./events/agents.ts";
import { carryUpgrade, eventSockets } from "./wire/websocket.ts";
import { createHttpApp } from "./http/app.ts";
import { requestLog } from "./http/request-log.ts";
import { noopLogger, type Logger } from "./log/index.ts";
import { terminalSockets } from "./console/terminal/index.ts";
import { nodeListener, serve, withBasePath, type HttpServer, type MountOptions, type ServeOptions } from "./http/serve.ts";
import { createAuthenticator, mintAgentToken, type ConfiguredKey } from "./identity.ts";
import { createMetrics, instanceGauges } from "./metrics.ts";
import { createPipeline, type Policy } from "./policy.ts";
import type { LoginOptions } from "./login/index.ts";
import { createServices, type KubentlyHost, type Services } from "./services.ts";
import { alertsService, type AlertsConfig, type AlertsService } from "./alerts/index.ts";
import { KubentlyError } from "./errors.ts";
import { LIMITS } from "./limits.ts";
import { forEachLimit } from "./_utils.ts";
import { createSigner, generateSigningKeyPem, type CommandSigner } from "./signing.ts";
import { VERSION } from "./version.ts";
import { canonicalRequest } from "./wire/http.ts";

export { VERSION } from "./version.ts";

/** Options for {@link createKubently}. */
export interface KubentlyOptions {
  /** Where sessions, commands, keys and audit live. @default memoryBackend() */
  backend?: Backend;
  /**
   * Command policies, in order; the same list runs in local agents. There is
   * no implicit default: pass `[readOnly()]` from `kubently/plugins/read-only`
   * unless you mean something else.
   */
  policies: readonly Policy[];
  /** API keys from configuration. */
  apiKeys?: readonly ConfiguredKey[];
  /** Clusters to register at start, with an agent token to accept for each. */
  clusters?: readonly { id: string; token?: string }[];
  /**
   * PKCS#8 PEM Ed25519 key that signs commands; it is never stored. Replicas
   * sharing a backend must share it. With none, the backend's
   * {@link Backend.signingKey} store keeps one across restarts (SQLite: a
   * file beside the database, made by the first start); a backend without one
   * (memory, Redis) gets a fresh key per start, and commands queued before a
   * restart then fail `SIGNATURE_INVALID`.
   */
  signingKey?: string;
  /**
   * Host names besides loopback that `/mcp` answers (`"*"`: any), and
   * browser origins besides those hosts': the DNS-rebinding guard. An API
   * reached by a DNS name lists that name. @default loopback only
   */
  allowedHosts?: readonly string[];
  allowedOrigins?: readonly string[];
  /**
   * The audit outbox's reconciler, started by `ready()` (a first pass awaited
   * there, then one every `intervalMs`): it writes the terminal entry of a
   * result stored more than `graceMs` ago whose writer died before auditing
   * it. `graceMs` must exceed the time a replica takes from storing a result
   * to auditing it. On a backend no other process shares
   * (`capabilities.shared` false: memory, SQLite) the first pass takes every
   * mark at once: at start, any mark was left by a process that is gone.
   * `false`: no reconciler in this instance (another replica must run one).
   * @default { intervalMs: 10000, graceMs: 10000 }
   */
  auditReconciler?: false | { intervalMs?: number; graceMs?: number };
  /**
   * Human login to the console (docs/login.md): session length and secret,
   * cookie security, brute-force limits, OIDC. Users live in the backend's
   * `users` store (every built-in backend has one); `allowedOrigins` above
   * also counts as same-origin for cookie-authenticated changes.
   * @default { sessionTtlSeconds: 28800 } with the session key derived from the signing key
   */
  login?: LoginOptions;
  /**
   * Where the instance logs: one line per REST request, agents' command
   * lines, background failures (docs/operations.md#logs). A pino logger fits
   * as it is. Local agents use it unless given their own.
   * @default noopLogger (the library prints nothing)
   */
  logger?: Logger;
  /**
   * Alerts (docs/alerts.md): `POST /alerts/alertmanager` runs a diagnosis
   * per alerted (cluster, namespace) and sends the findings to these
   * outbound webhooks (Slack, PagerDuty Events v2, generic JSON), with
   * retries, a breaker per webhook and dead letters. Validated here:
   * a bad value throws `VALIDATION_FAILED` naming the field.
   * @default no webhooks (alerts are still diagnosed, and audited)
   */
  alerts?: AlertsConfig;
  /**
   * More circuit breakers to show in `/ready` and as `kubently_breaker_state`
   * (the binary's OTLP exporter's), besides the backend's and the alert
   * webhooks' (docs/operations.md, "Circuit breakers").
   * @default []
   */
  breakers?: readonly Breaker[];
}

/** Options for {@link Kubently.startLocalAgent}. */
export type LocalAgentOptions = Omit<AgentOptions, "transport" | "policies"> & { executor: Executor; policies?: readonly Policy[] };

/** A Kubently API instance. */
export interface Kubently extends KubentlyHost {
  readonly backend: Backend;
  readonly services: Services;
  readonly context: CoreContext;
  /** The REST app, with MCP at `/mcp`, as a fetch handler (works on Node and Bun). */
  handle(request: Request): Promise<Response>;
  /**
   * The REST API (and `/mcp`) as a fetch handler mounted under `basePath`:
   * for Bun.serve, Deno.serve, Hono (`app.mount("/kubently", k.fetchHandler({ basePath: "/kubently" }))`).
   */
  fetchHandler(options?: MountOptions): (request: Request) => Promise<Response>;
  /**
   * The same as a `node:http` request listener, also Express/Connect
   * middleware (`app.use(k.nodeHandler({ basePath: "/kubently" }))`; mount
   * it before body parsers). Fastify: `fastify.all("/kubently/*", (req, reply) => k.nodeHandler({ basePath: "/kubently" })(req.raw, reply.raw))`.
   */
  nodeHandler(options?: MountOptions): ReturnType<typeof nodeListener>;
  /** The routes the REST app serves (method and path pattern), e.g. for a fuzzer or a gateway's config. */
  readonly routes: readonly { method: string; path: string }[];
  /** The alerts service: its webhooks' breakers (`alerts.breakers()`) for `/ready` and metrics, its dead letters. */
  readonly alerts: AlertsService;
  /** Every circuit breaker of the instance (backend, alert webhooks, the host's) and where it stands. */
  breakers(): BreakerSnapshot[];
  /** Serves the REST API (and MCP at `/mcp`). */
  listen(options?: ServeOptions): Promise<HttpServer>;
  /** Serves A2A on its own port (the agent card, JSON-RPC, and a WebSocket under Bun); `close()` stops it first. */
  listenA2A(options: A2AServerOptions): Promise<A2AServer>;
  /** Runs an agent in this process for a registered cluster (no HTTP hop). */
  startLocalAgent(options: LocalAgentOptions): RunningAgent;
  /**
   * Registers each configured cluster and token, waits for the signing key
   * kept by the backend, and starts the audit reconciler after one pass
   * (which writes what a crashed process left unaudited); idempotent. Await
   * it before serving: until the key is loaded, queuing a command fails with
   * `BACKEND_UNAVAILABLE`.
   */
  ready(): Promise<void>;
  /**
   * Stops A2A (draining its tasks), local agents and servers, then closes the
   * backend. `lameDuckMs`: keep serving (answers say `Connection: close`,
   * `/ready` 503) at least this long after the call before the servers stop,
   * for load balancers to take the process out (the binary: 1 s on SIGTERM).
   */
  close(options?: { lameDuckMs?: number }): Promise<void>;
}

/**
 * The signer of an instance: the configured key; else the key the backend
 * keeps (loading starts at once, `ready()` waits for it); else a fresh one.
 * A kept key's signer exists before the key is loaded; until then, or when
 * the load failed, using it throws `BACKEND_UNAVAILABLE`: nothing is ever
 * signed with a stand-in key that agents would refuse after a restart.
 */
function instanceSigner(backend: Backend, configured: string | undefined): { signer: CommandSigner; loaded: Promise<CommandSigner> } {
  const store = configured ? undefined : backend.signingKey;
  if (!store) {
    const signer = createSigner(configured);
    return { signer, loaded: Promise.resolve(signer) };
  }
  let current: CommandSigner | undefined;
  let failure: unknown;
  const loaded = store.load(generateSigningKeyPem).then((pem) => {
    try {
      return (current = createSigner(pem));
    } catch (e) {
      throw new KubentlyError("VALIDATION_FAILED", `the signing key in ${store.location}: ${(e as Error).message}`, { cause: e });
    }
  });
  // Reported by ready() and by every use of the signer; not an unhandled rejection meanwhile.
  loaded.catch((e: unknown) => (failure = e));
  const use = (): CommandSigner => {
    if (current) return current;
    const why = failure ? `could not be loaded: ${(failure as Error).message}` : "is not loaded yet: await ready() before serving";
    throw new KubentlyError("BACKEND_UNAVAILABLE", `the signing key in ${store.location} ${why}`, failure ? { cause: failure } : {});
  };
  return {
    signer: {
      get keyId() {
        return use().keyId;
      },
      get publicKeyPem() {
        return use().publicKeyPem;
      },
      sign: (command) => use().sign(command),
      deriveKey: (purpose) => use().deriveKey(purpose),
    },
    loaded,
  };
}

/** `response` with `Connection: close` (a copy when its headers are immutable). */
function withConnectionClose(response: Response): Response {
  try {
    response.headers.set("connection", "close");
    return response;
  } catch {
    const headers = new Headers(response.headers);
    headers.set("connection", "close");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

/** Creates a Kubently instance. Await `ready()` before serving. */
export function createKubently(options: KubentlyOptions): Kubently {
  const backend = options.backend ?? memoryBackend();
  const { signer, loaded: signerLoaded } = instanceSigner(backend, options.signingKey);
  // The event bus (docs/events.md): shared between replicas when the backend carries events (Redis).
  const events = createEventBus({ windowSize: LIMITS.eventWindowSize, subscriberBuffer: LIMITS.eventSubscriberBuffer, ...(backend.events ? { channel: backend.events } : {}) });
  const context: CoreContext = {
    // Every audit entry the services append is also published as its event.
    backend: withPublishingAudit(backend, (e) => events.publish(e)),
    events,
    pipeline: createPipeline(options.policies, "api"),
    authenticator: createAuthenticator(backend.auth, options.apiKeys ?? []),
    metrics: createMetrics({ backend }),
    signer,
  };
  instanceGauges(context.metrics, backend, { version: VERSION });
  const services = createServices(context, { login: { ...options.login, ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}) } });
  const { clusters, execute } = services;
  const host: KubentlyHost = { context, services };
  const origins = { ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}), ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}) };
  // MCP over streamable HTTP, as the caller's identity; loaded with its SDK on the first /mcp request.
  let mcp: Promise<(request: Request) => Promise<Response>> | undefined;
  const serveMcp = async (request: Request) => (await (mcp ??= import("./mcp/http.ts").then((m) => m.mcpHttpHandler(host, origins))))(request);
  const sockets = eventSockets();
  const terminals = terminalSockets(host);
  const logger = options.logger ?? noopLogger;
  const requests = requestLog(logger, context.metrics);
  const alerts = alertsService({ diagnose: services.diagnose, clusters, audit: context.backend.audit, metrics: context.metrics, logger }, options.alerts);
  const breakers = (): BreakerSnapshot[] => [...(backend.breakers ?? []), ...alerts.breakers(), ...(options.breakers ?? [])].map((b) => b.snapshot());
  context.metrics.gauge("kubently_breaker_state", "Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open.", () => breakers().map((b) => ({ labels: { breaker: b.name }, value: BREAKER_STATE_VALUE[b.state] })), ["breaker"]);
  context.metrics.gauge("kubently_breaker_opens", "Times each circuit breaker opened since the process started.", () => breakers().map((b) => ({ labels: { breaker: b.name }, value: b.opens })), ["breaker"]);
  const app = createHttpApp(host, { version: VERSION, mcp: serveMcp, events: { sockets, origins }, terminal: { sockets: terminals, origins }, notes: requests, alerts, breakers, draining: () => closing });
  // agent.lost for agents that vanish without a goodbye; stopped by close().
  const agentWatch = watchAgents(backend.auth, events);
  const agents = new Set<RunningAgent>();
  const servers = new Set<HttpServer>();
  const a2aServers = new Set<A2AServer>();
  // Routing reads the path alone: every request is rebuilt on a fixed origin first.
  const answer = requests.wrap(tracedRequests((request) => Promise.resolve(app.handle(request))));
  // Once closing, every answer says `Connection: close`: no client sends another request on a connection
  // this process is about to close (it would be reset, and the caller could not tell whether it landed).
  const handle = async (request: Request): Promise<Response> => {
    const response = await answer(carryUpgrade(request, canonicalRequest(request)));
    return closing && response && response.status !== 101 ? withConnectionClose(response) : response;
  };
  const reconciler = options.auditReconciler === false ? undefined : { intervalMs: 10_000, graceMs: 10_000, ...options.auditReconciler };
  let reconcileTimer: ReturnType<typeof setInterval> | undefined;
  let closing = false;
  let reconciling: Promise<void> | undefined;
  /** One reconciler pass at a time; a failure is logged and the next tick tries again. */
  const reconcile = (graceMs: number): Promise<void> =>
    (reconciling ??= clusters
      .reconcileAudit({ olderThanMs: graceMs })
      .then(
        () => {},
        (e: unknown) => logger.error({}, `audit reconciler: ${e instanceof Error ? e.message : String(e)}`),
      )
      .finally(() => (reconciling = undefined)));

  return {
    backend,
    context,
    services,
    routes: app.routes.map((r) => ({ method: r.method, path: r.path })),
    alerts,
    breakers,
    handle,
    fetchHandler: (mount) => withBasePath(handle, mount),
    nodeHandler: (mount) => nodeListener(handle, mount),
    async listen(serveOptions) {
      const server = await serve(handle, serveOptions, { websocket: terminals.alongside(sockets.handler) });
      servers.add(server);
      return server;
    },
    async listenA2A(a2aOptions) {
      const { startA2AServer } = await import("./a2a/server.ts");
      // The same request lines (and spans) as REST: A2A calls run commands too.
      const server = await startA2AServer(host, { ...origins, wrap: (h) => requests.wrap(tracedRequests(h, "A2A")), ...a2aOptions });
      a2aServers.add(server);
      return server;
    },
    startLocalAgent(agentOptions) {
      const agentId = agentOptions.agentId ?? `local-${agentOptions.clusterId}`;
      const agent = startAgent({
        ...(agentOptions.log ? {} : { logger }),
        ...agentOptions,
        agentId,
        policies: agentOptions.policies ?? options.policies,
        // Asked when the first command arrives: a kept key may still be loading when the agent starts.
        transport: localTransport(clusters, agentOptions.clusterId, agentId, async () => [(await signerLoaded).publicKeyPem]),
      });
      agents.add(agent);
      return agent;
    },
    async ready() {
      await signerLoaded;
      // A fleet (thousands of clusters) registers LIMITS.startupRegisterConcurrency at a time, not one round trip
      // after another; each cluster's two writes stay in order (registered before its token is set).
      await forEachLimit(options.clusters ?? [], LIMITS.startupRegisterConcurrency, async (c) => {
        await clusters.register(c.id);
        if (c.token) {
          // Configured tokens are the operator's statement of truth: replace whatever is stored.
          await backend.auth.setAgentTokens(c.id, [mintAgentToken(c.token).record]);
        }
      });
      if (reconciler && !reconcileTimer && !closing) {
        const { intervalMs, graceMs } = reconciler;
        reconcileTimer = setInterval(() => void reconcile(graceMs), Math.max(10, intervalMs));
        (reconcileTimer as { unref?: () => void }).unref?.();
        // Unshared, nobody else is writing: what is marked now was left by a process that died.
        await reconcile(backend.capabilities.shared ? graceMs : 0);
      }
    },
    async close(closeOptions = {}) {
      closing = true;
      const closeStarted = Date.now();
      // Order matters: refuse new commands at once (before any await), let A2A tasks and local agents finish and
      // post what they run, wait for callers in flight to get their answers, then stop serving and end long polls.
      const drained = execute.drain();
      // On a shared backend new polls are refused and held ones end as a stream (agents move to another replica); /ready answers 503.
      const pollsMoved = clusters.drain();
      // Alert work next: its diagnoses and deliveries are cancelled, nothing new is taken.
      await alerts.close();
      clearInterval(reconcileTimer);
      // Web terminals end first: their running commands are cancelled and their sessions ended while the backend is there.
      await terminals.closeAll();
      await Promise.allSettled([...a2aServers].map((s) => s.close()));
      await Promise.allSettled([...agents].map((a) => a.stop()));
      await drained;
      await pollsMoved;
      // The commands in flight have their answers and the agents have moved: no agent needs to poll this process any more.
      clusters.stopPolls();
      // Event streams end before their servers close: SSE responses finish, sockets get 1001.
      agentWatch.stop();
      sockets.closeAll();
      events.close();
      // Lame duck: serving (every answer with `Connection: close`, /ready 503) until load balancers have
      // taken this process out, so no caller's new connection meets a closed port mid-request.
      const lameDuck = closeOptions.lameDuckMs ?? 0;
      if (servers.size > 0 && Date.now() - closeStarted < lameDuck) await new Promise((r) => setTimeout(r, lameDuck - (Date.now() - closeStarted)));
      await Promise.allSettled([...servers].map((s) => s.close()));
      await reconciling;
      await backend.close();
    },
  };
}
