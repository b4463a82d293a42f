/**
 * The REST API on Elysia (DESIGN.md section 5). Routes are thin: parse,
 * authenticate, call one service function, map the answer. Errors become
 * `{ error, code, details?, request_id }` with a 4xx status; only a bug is a 500.
 */
import type { BreakerSnapshot } from "../breaker.ts";
import { Elysia } from "elysia";
import { KubentlyError, isKubentlyError } from "../errors.ts";
import type { StreamEvent } from "../execute.ts";
import { eventQuery, sseEventsOf, withRecheck } from "../wire/events.ts";
import { checkSocketOrigin, type EventSockets } from "../wire/websocket.ts";
import type { OriginPolicy } from "../wire/http.ts";
import { requireRole } from "../identity.ts";
import { LIMITS } from "../limits.ts";
import { AgentInfoSchema, type Identity } from "../schemas.ts";
import type { KubentlyHost } from "../services.ts";
import { newId } from "../_utils.ts";
import { headerText, timeoutHeader } from "../wire/headers.ts";
import { errorResponse, jsonResponse as json, pathOf, readJsonBody } from "../wire/http.ts";
import { sseResponse, type SseEvent } from "../wire/sse.ts";
import { clusterJson, commandJson, diagnoseFanoutJson, diagnoseJson, fanoutJson, keyJson, sessionJson, storedCommandJson } from "../wire/views.ts";
import { AgentExtendBody, AgentResultBody, AgentStreamBody, CreateKeyBody, CreateSessionBody, CreateTokenBody, DiagnoseBody, ExecuteBody, ExplainBody, FanoutBody, RotateTokenBody, argvOf, parseBody } from "../wire/bodies.ts";
import { openApiDocument } from "./openapi.ts";
import { consoleRoute } from "../console/index.ts";
import type { TerminalSockets } from "../console/terminal/index.ts";
import type { RequestNotes } from "./request-log.ts";
import { alertsService, type AlertsService } from "../alerts/index.ts";

/** What the REST app serves besides its own routes. */
export interface HttpAppOptions {
  version: string;
  /** Serves `/mcp` (GET, POST, DELETE); absent: no MCP route. */
  mcp?: (request: Request) => Promise<Response>;
  /** `/events/ws`: the instance's event sockets and the browser origins they accept; absent: 501 `WEBSOCKET_UNAVAILABLE`. */
  events?: { sockets: EventSockets; origins?: OriginPolicy };
  /** `/terminal/ws`: the instance's web terminals and the browser origins they accept; absent: 501 `WEBSOCKET_UNAVAILABLE`. */
  terminal?: { sockets: TerminalSockets; origins?: OriginPolicy };
  /** Where routes note what the request's log line carries (caller, cluster, session, error code); absent: nothing noted. */
  notes?: RequestNotes;
  /** `/alerts/*`: the instance's alerts service (its webhooks, breakers, dead letters); absent: one with no webhook. */
  alerts?: AlertsService;
  /** The instance's circuit breakers, shown by `/ready` (docs/operations.md); absent: the backend's alone. */
  breakers?: () => BreakerSnapshot[];
  /** True once the instance is shutting down: `/ready` answers 503 `draining` so load balancers stop sending traffic. */
  draining?: () => boolean;
}

/** Parses a time filter given as epoch ms or an ISO date. */
function timeParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new KubentlyError("VALIDATION_FAILED", `${name} must be an ISO date or epoch milliseconds`);
  return ms;
}

function intParam(name: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new KubentlyError("VALIDATION_FAILED", `${name} must be an integer from ${min} to ${max}`);
  return n;
}


/** `X-Service-Identity`, as an execute option: recorded in the audit log, never used for access. */
const onBehalfOf = (request: Request) => {
  const who = headerText(request, "x-service-identity");
  return who ? { onBehalfOf: who } : {};
};

/** A streamed command's events as SSE: chunks with their seq as the event id, then the result as `view` shows it. */
async function* sseEvents(events: AsyncIterable<StreamEvent>, view: (e: Extract<StreamEvent, { type: "result" }>) => unknown): AsyncGenerator<SseEvent> {
  for await (const e of events) {
    yield e.type === "chunk" ? { event: "chunk", id: e.seq, data: { seq: e.seq, data: e.data } } : { event: "result", data: view(e) };
  }
}
const sseError = (e: unknown): SseEvent => ({ event: "error", data: { error: (e as Error).message } });

/** Builds the Elysia app for one Kubently instance. */
export function createHttpApp(host: KubentlyHost, options: HttpAppOptions) {
  // The methods each route pattern answers (filled once the app is built), for 405 and Allow.
  const patterns: { re: RegExp; method: string }[] = [];
  const methodsOf = (path: string) => [...new Set(patterns.filter((p) => p.re.test(path)).map((p) => p.method))];
  const ctx = host.context;
  const { clusters, sessions, execute, diagnose, keys, audit } = host.services;
  const requestIds = new WeakMap<Request, string>();
  const alerts = options.alerts ?? alertsService({ diagnose, clusters, audit: ctx.backend.audit, metrics: ctx.metrics });
  // API key or bearer first, else the console's session cookie with its CSRF rule (docs/login.md).
  const note = options.notes?.note ?? (() => {});
  const caller = async (request: Request): Promise<Identity> => {
    const identity = await host.services.login.authenticate(request);
    note(request, { identity: identity.name });
    return identity;
  };
  const ui = host.services.login.routes;
  /** The caller, when an admin: checked before a body is read (the services check again). */
  const admin = async (request: Request, action = "manage agents") => {
    const identity = await caller(request);
    requireRole(identity, ["admin"], action);
    return identity;
  };
  const agentCluster = async (request: Request): Promise<string> => {
    const token = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? null;
    if (!token) throw new KubentlyError("UNAUTHENTICATED", "an agent token is required (Authorization: Bearer)");
    const clusterId = request.headers.get("x-cluster-id");
    if (!clusterId) throw new KubentlyError("UNAUTHENTICATED", "agent credentials are a token plus the X-Cluster-ID header");
    await ctx.authenticator.authenticateAgent(clusterId, token);
    return clusterId;
  };
  const body = (request: Request, max = LIMITS.maxBodyBytes) => readJsonBody(request, max);
  const mcp = options.mcp ?? (async (request: Request) => {
    throw new KubentlyError("NOT_FOUND", `no route for ${request.method} /mcp (MCP is not served here)`);
  });

  const app = new Elysia()
    .onRequest(({ request, set }) => {
      const id = newId();
      requestIds.set(request, id);
      set.headers["x-request-id"] = id;
    })
    .onError(({ error, code, request }) => {
      const requestId = requestIds.get(request) ?? newId();
      if (isKubentlyError(error)) note(request, { error_code: error.code });
      if (code === "NOT_FOUND" && !isKubentlyError(error)) {
        const path = pathOf(request);
        const allowed = methodsOf(path);
        if (allowed.length === 0) return errorResponse(new KubentlyError("NOT_FOUND", `no route for ${request.method.slice(0, 16)} ${path.slice(0, 200)}`), requestId, ctx.metrics);
        const res = errorResponse(new KubentlyError("METHOD_NOT_ALLOWED", `${path.slice(0, 200)} answers ${allowed.join(", ")}, not ${request.method.slice(0, 16)}`), requestId, ctx.metrics);
        res.headers.set("allow", allowed.join(", "));
        return res;
      }
      if (code === "PARSE") return errorResponse(new KubentlyError("INVALID_JSON", "request body could not be parsed"), requestId, ctx.metrics);
      return errorResponse(error, requestId, ctx.metrics);
    })
    // Bodies are read by readJsonBody (size cap, UTF-8, JSON errors as 4xx), never by Elysia's parser.
    .onParse(() => null)
    // A path segment that is not valid percent-encoding reaches a route as null: refuse it here.
    .onBeforeHandle(({ params }) => {
      for (const [name, value] of Object.entries((params ?? {}) as Record<string, unknown>)) {
        if (typeof value !== "string") throw new KubentlyError("BAD_REQUEST", `the ${name} in the path is not valid percent-encoded UTF-8`);
      }
    })

    // The web console's shell and assets (docs/console.md): static, no credential; its data calls are authenticated.
    .get("/ui", ({ request }) => consoleRoute(request, { requestId: requestIds.get(request) })!)
    .get("/ui/index.html", ({ request }) => consoleRoute(request, { requestId: requestIds.get(request) })!)
    .get("/ui/assets/:name", ({ request }) => consoleRoute(request, { requestId: requestIds.get(request) })!)
    .get("/health", () => ({ status: "healthy", version: options.version, backend: ctx.backend.name }))
    .get("/healthz", () => ({ status: "healthy" }))
    .get("/ready", async () => {
      const breakers = () => (options.breakers?.() ?? ctx.backend.breakers?.map((b) => b.snapshot()) ?? []).map(({ name, state, opens }) => ({ name, state, opens }));
      if (options.draining?.()) return json(503, { status: "draining", backend: ctx.backend.name, breakers: breakers() });
      const ok = await ctx.backend.ping().catch(() => false);
      // Only the backend decides readiness; an open breaker elsewhere (a webhook, OTLP) is reported, not fatal.
      // The breakers are read after the ping: it may have been the trial call that closed one.
      return json(ok ? 200 : 503, { status: ok ? "ready" : "unavailable", backend: ctx.backend.name, breakers: breakers() });
    })
    .get("/metrics", async ({ request }) => {
      await caller(request);
      return new Response(await ctx.metrics.render(), { headers: { "content-type": ctx.metrics.contentType } });
    })
    .get("/openapi.json", async ({ request }) => {
      await caller(request);
      return openApiDocument(options.version);
    })

    .post("/debug/session", async ({ request }) => {
      const identity = await caller(request);
      const input = parseBody(CreateSessionBody, await body(request));
      note(request, { cluster: input.cluster_id });
      const correlationId = input.correlation_id ?? headerText(request, "x-correlation-id");
      const session = await sessions.create(identity, {
        clusterId: input.cluster_id,
        ...(correlationId ? { correlationId } : {}),
        ...(input.ttl_seconds ? { ttlSeconds: input.ttl_seconds } : {}),
      });
      return json(201, sessionJson(session));
    })
    .get("/debug/session/:id", async ({ request, params }) => sessionJson(await sessions.get(await caller(request), params.id)))
    .delete("/debug/session/:id", async ({ request, params }) => {
      const identity = await caller(request);
      await sessions.end(identity, params.id);
      return new Response(null, { status: 204 });
    })

    .post("/debug/execute", async ({ request }) => {
      const identity = await caller(request);
      const input = parseBody(ExecuteBody, await body(request));
      note(request, { cluster: input.cluster_id, ...(input.session_id ? { session_id: input.session_id } : {}) });
      const argv = argvOf(input);
      const timeoutSeconds = input.timeout_seconds ?? timeoutHeader(request);
      const correlationId = input.correlation_id ?? headerText(request, "x-correlation-id");
      const outcome = await execute.execute(identity, {
        clusterId: input.cluster_id,
        argv,
        ...(input.session_id ? { sessionId: input.session_id } : {}),
        ...(correlationId ? { correlationId } : {}),
        ...(timeoutSeconds ? { timeoutSeconds } : {}),
        wait: input.stream ? false : (input.wait ?? true),
        signal: request.signal,
        ...(input.stream ? { stream: true } : {}),
        ...(input.max_bytes !== undefined ? { maxBytes: input.max_bytes } : {}),
        ...(input.require_agent ? { requireAgent: true } : {}),
        ...onBehalfOf(request),
      });
      const headers = { "x-correlation-id": outcome.correlationId, "x-command-id": outcome.commandId };
      if (input.stream && outcome.status === "queued") {
        // Asked for the stream itself: follow it in this response; leaving before the end cancels the command.
        if (/\btext\/event-stream\b/.test(request.headers.get("accept") ?? "")) {
          const cancelOnLeave = async function* (signal: AbortSignal) {
            let ended = false;
            for await (const e of execute.follow(identity, outcome.commandId, { signal })) {
              ended ||= e.type === "result";
              yield e;
            }
            if (!ended) await execute.cancel(identity, outcome.commandId).catch(() => {});
          };
          const view = (e: { result: NonNullable<typeof outcome.result> }) => commandJson({ ...outcome, status: e.result.status, result: e.result });
          return sseResponse((signal) => sseEvents(cancelOnLeave(signal), view), { clientSignal: request.signal, onError: sseError, headers });
        }
        return json(202, { ...commandJson(outcome), stream_url: `/debug/stream/${outcome.commandId}` }, headers);
      }
      const status = outcome.status === "denied" ? 403 : outcome.status === "queued" ? 202 : 200;
      return json(status, commandJson(outcome), headers);
    })
    .get("/debug/stream/:id", async ({ request, params, query }) => {
      const identity = await caller(request);
      const { command } = await execute.result(identity, params.id);
      const resume = request.headers.get("last-event-id");
      const from = resume !== null ? intParam("Last-Event-ID", resume, 0, Number.MAX_SAFE_INTEGER, 0) + 1 : intParam("from", (query as Record<string, string | undefined>).from, 0, Number.MAX_SAFE_INTEGER, 0);
      const events = (signal: AbortSignal) => sseEvents(execute.follow(identity, command.id, { from, signal }), (e) => storedCommandJson(command, e.result));
      return sseResponse(events, { clientSignal: request.signal, onError: sseError, headers: { "x-correlation-id": command.correlationId } });
    })
    .post("/debug/fanout", async ({ request }) => {
      const identity = await caller(request);
      const input = parseBody(FanoutBody, await body(request));
      note(request, { clusters: input.cluster_ids });
      const correlationId = input.correlation_id ?? headerText(request, "x-correlation-id") ?? newId();
      const timeoutSeconds = input.timeout_seconds ?? timeoutHeader(request);
      const entries = await execute.fanout(identity, {
        clusterIds: input.cluster_ids,
        argv: argvOf(input),
        correlationId,
        ...(timeoutSeconds ? { timeoutSeconds } : {}),
        signal: request.signal,
        ...onBehalfOf(request),
      });
      return json(200, fanoutJson(correlationId, entries), { "x-correlation-id": correlationId });
    })
    .post("/debug/diagnose", async ({ request }) => {
      const identity = await caller(request);
      const input = parseBody(DiagnoseBody, await body(request));
      note(request, input.cluster_id !== undefined ? { cluster: input.cluster_id } : { clusters: input.cluster_ids });
      if ((input.cluster_id === undefined) === (input.cluster_ids === undefined)) {
        throw new KubentlyError("VALIDATION_FAILED", "name one cluster (cluster_id) or several (cluster_ids)", { details: { fields: [{ field: "cluster_id", message: "exactly one of cluster_id and cluster_ids" }] } });
      }
      const correlationId = input.correlation_id ?? headerText(request, "x-correlation-id");
      const common = {
        ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
        ...(input.analyzers ? { analyzers: input.analyzers } : {}),
        ...(input.timeout_seconds ? { timeoutSeconds: input.timeout_seconds } : {}),
        signal: request.signal,
        ...onBehalfOf(request),
      };
      if (input.cluster_ids) {
        const id = correlationId ?? newId();
        const entries = await diagnose.fanout(identity, { ...common, clusterIds: input.cluster_ids, correlationId: id });
        return json(200, diagnoseFanoutJson(id, entries), { "x-correlation-id": id });
      }
      const d = await diagnose.diagnose(identity, { ...common, clusterId: input.cluster_id!, ...(correlationId ? { correlationId } : {}), ...(input.require_agent ? { requireAgent: true } : {}) });
      const status = d.outcome.status === "denied" ? 403 : 200;
      return json(status, diagnoseJson(d), { "x-correlation-id": d.outcome.correlationId, "x-command-id": d.outcome.commandId });
    })
    .post("/debug/policy/explain", async ({ request }) => {
      const identity = await caller(request);
      const input = parseBody(ExplainBody, await body(request));
      const d = await execute.explain(identity, { clusterId: input.cluster_id, argv: argvOf(input) });
      return { decision: d.allowed ? "allow" : "deny", policy: d.policy ?? null, reason: d.reason ?? null, argv: d.argv, rewrites: d.rewrites, policies: d.policies };
    })
    .get("/debug/result/:id", async ({ request, params }) => {
      const { command, result } = await execute.result(await caller(request), params.id);
      return json(result ? 200 : 202, storedCommandJson(command, result));
    })
    .delete("/debug/command/:id", async ({ request, params }) => {
      await execute.cancel(await caller(request), params.id);
      return new Response(null, { status: 204 });
    })
    .get("/debug/clusters", async ({ request }) => {
      const list = await clusters.list(await caller(request));
      return { clusters: list.map((c) => c.id), count: list.length };
    })
    .get("/debug/clusters/:id", async ({ request, params }) => {
      const identity = await caller(request);
      const s = await clusters.status(identity, params.id);
      return clusterJson(s);
    })

    .post("/admin/agents/:cluster_id/token", async ({ request, params }) => {
      const identity = await admin(request);
      const input = parseBody(CreateTokenBody, await body(request));
      const created = await keys.createAgentToken(identity, params.cluster_id, input?.token);
      return json(201, { token: created.token, clusterId: created.clusterId, createdAt: new Date(created.createdAt).toISOString() });
    })
    .post("/admin/agents/:cluster_id/token/rotate", async ({ request, params }) => {
      const identity = await admin(request);
      const input = parseBody(RotateTokenBody, await body(request));
      const r = await keys.rotateAgentToken(identity, params.cluster_id, input?.grace_seconds ?? 300);
      return json(201, { token: r.token, clusterId: r.clusterId, createdAt: new Date(r.createdAt).toISOString(), previousValidUntil: new Date(r.previousValidUntil).toISOString() });
    })
    .post("/admin/keys", async ({ request }) => {
      const identity = await admin(request, "manage API keys");
      const input = parseBody(CreateKeyBody, await body(request));
      const { key, record } = await keys.create(identity, { name: input.name, role: input.role, ...(input.clusters ? { clusters: input.clusters } : {}), ...(input.namespaces ? { namespaces: input.namespaces } : {}) });
      return json(201, { key, ...keyJson(record) });
    })
    .get("/admin/keys", async ({ request }) => ({ keys: (await keys.list(await admin(request, "manage API keys"))).map(keyJson) }))
    .delete("/admin/keys/:id", async ({ request, params }) => {
      await keys.revoke(await admin(request, "manage API keys"), params.id);
      return new Response(null, { status: 204 });
    })
    .get("/admin/agents", async ({ request }) => {
      const list = await clusters.list(await admin(request));
      return { clusters: list.map((c) => ({ id: c.id, connected: c.connected, lastSeen: c.lastSeenAt ? new Date(c.lastSeenAt).toISOString() : null })) };
    })
    .get("/admin/agents/:cluster_id/status", async ({ request, params }) => clusterJson(await clusters.status(await admin(request), params.cluster_id)))
    .delete("/admin/agents/:cluster_id/token", async ({ request, params }) => {
      await keys.revokeAgentTokens(await admin(request), params.cluster_id);
      return new Response(null, { status: 204 });
    })
    .delete("/admin/agents/:cluster_id", async ({ request, params }) => {
      await clusters.remove(await admin(request), params.cluster_id);
      return new Response(null, { status: 204 });
    })

    // Human login (docs/login.md): the console's session cookie, and its users (admin).
    .post("/ui/login", ({ request }) => ui.login(request))
    .post("/ui/logout", ({ request }) => ui.logout(request))
    .get("/ui/session", ({ request }) => ui.session(request))
    .get("/ui/config", () => ui.config())
    .get("/ui/oidc/login", ({ request }) => ui.oidcLogin(request))
    .get("/ui/oidc/callback", ({ request }) => ui.oidcCallback(request))
    .post("/admin/users", async ({ request }) => ui.createUser(await admin(request, "manage users"), request))
    .get("/admin/users", async ({ request }) => ui.listUsers(await admin(request, "manage users")))
    .patch("/admin/users/:username", async ({ request, params }) => ui.updateUser(await admin(request, "manage users"), params.username, request))
    .delete("/admin/users/:username", async ({ request, params }) => ui.deleteUser(await admin(request, "manage users"), params.username))
    .post("/admin/users/:username/password", async ({ request, params }) => ui.setPassword(await admin(request, "manage users"), params.username, request))

    // Alerts (docs/alerts.md): an Alertmanager webhook batch, answered once queued; diagnoses and deliveries run after.
    .post("/alerts/alertmanager", async ({ request }) => {
      const identity = await caller(request);
      requireRole(identity, ["admin", "operator"], "post alerts (each one runs a diagnosis)");
      const receipt = await alerts.receive(identity, await body(request, LIMITS.maxAlertBodyBytes), onBehalfOf(request));
      note(request, { clusters: [...new Set(receipt.accepted.map((t) => t.cluster_id))] });
      return json(202, receipt);
    })
    .get("/alerts/dead-letters", async ({ request }) => alerts.deadLetters(await admin(request, "read dead letters")))

    .get("/audit", async ({ request, query }) => {
      const identity = await caller(request);
      const q = query as Record<string, string | undefined>;
      const since = timeParam("since", q.since);
      const until = timeParam("until", q.until);
      const entries = await audit.query(identity, {
        ...(q.event_type ? { eventType: q.event_type } : {}),
        ...(q.cluster_id ? { clusterId: q.cluster_id } : {}),
        ...(q.session_id ? { sessionId: q.session_id } : {}),
        ...(q.correlation_id ? { correlationId: q.correlation_id } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        limit: intParam("limit", q.limit, 1, LIMITS.maxAuditLimit, LIMITS.defaultAuditLimit),
      });
      return { entries: entries.map((e) => ({ ...e, timestamp: new Date(e.at).toISOString() })), count: entries.length, service_identity: identity.name };
    })
    .get("/audit/verify", async ({ request, query }) => {
      const identity = await caller(request);
      const q = query as Record<string, string | undefined>;
      const fromSeq = q.from_seq === undefined || q.from_seq === "" ? undefined : intParam("from_seq", q.from_seq, 1, Number.MAX_SAFE_INTEGER, 1);
      const since = timeParam("since", q.since);
      return audit.verify(identity, { ...(fromSeq !== undefined ? { fromSeq } : {}), ...(since !== undefined ? { since } : {}), signal: request.signal });
    })

    // The event stream (docs/events.md): what the caller may see, as SSE or WebSocket frames; the credential is checked again while it is open.
    .get("/events", async ({ request, query }) => {
      const identity = await caller(request);
      const subscription = host.services.events.subscribe(identity, { ...eventQuery(request, query as Record<string, string | undefined>), signal: request.signal });
      // HEAD: the headers of a stream that ends at once (a server holds a HEAD answer until its body ends).
      if (request.method === "HEAD") void subscription.return();
      const live = withRecheck(subscription, () => caller(request), LIMITS.eventRecheckMs);
      return sseResponse(() => sseEventsOf(live), { clientSignal: request.signal, onError: sseError, preamble: "kubently events" });
    })
    .get("/events/ws", async ({ request, query }) => {
      checkSocketOrigin(request, options.events?.origins);
      const identity = await caller(request);
      const input = eventQuery(request, query as Record<string, string | undefined>);
      const sockets = options.events?.sockets;
      if (!sockets) throw new KubentlyError("WEBSOCKET_UNAVAILABLE", "this app serves no event sockets: read GET /events (Server-Sent Events)");
      // No request signal: an upgraded request's signal says nothing about the socket.
      return sockets.upgrade(request, () => withRecheck(host.services.events.subscribe(identity, input), () => caller(request), LIMITS.eventRecheckMs));
    })

    // The web terminal (docs/console.md#web-terminal): refused before the upgrade for another site, no credential, or a role that cannot execute.
    .get("/terminal/ws", async ({ request }) => {
      checkSocketOrigin(request, options.terminal?.origins);
      const identity = await caller(request);
      requireRole(identity, ["admin", "operator"], "use the web terminal");
      const terminals = options.terminal?.sockets;
      if (!terminals) throw new KubentlyError("WEBSOCKET_UNAVAILABLE", "this app serves no web terminal: run commands with POST /debug/execute");
      return terminals.upgrade(request, identity, () => caller(request));
    })

    .post("/mcp", ({ request }) => mcp(request))
    .get("/mcp", ({ request }) => mcp(request))
    .delete("/mcp", ({ request }) => mcp(request))

    .get("/agent/commands", async ({ request, query }) => {
      const clusterId = await agentCluster(request);
      const wait = intParam("wait", (query as Record<string, string | undefined>).wait, 0, LIMITS.maxAgentWaitSeconds, LIMITS.defaultAgentWaitSeconds);
      const lease = await clusters.lease(clusterId, { waitMs: wait * 1000, signal: request.signal, agentId: request.headers.get("x-agent-id")?.slice(0, 64) ?? "agent" });
      if (!lease) return new Response(null, { status: 204 });
      return { lease_id: lease.leaseId, attempt: lease.attempt, budget_ms: lease.command.deadline - Date.now(), command: lease.command };
    })
    .get("/agent/config", async ({ request }) => {
      await agentCluster(request);
      return { public_keys: [ctx.signer.publicKeyPem], key_id: ctx.signer.keyId };
    })
    .post("/agent/results", async ({ request }) => {
      const clusterId = await agentCluster(request);
      const input = parseBody(AgentResultBody, await body(request, LIMITS.maxResultBodyBytes));
      await clusters.submitResult(clusterId, input.lease_id, input.result);
      return { accepted: true };
    })
    .post("/agent/stream", async ({ request }) => {
      const clusterId = await agentCluster(request);
      const input = parseBody(AgentStreamBody, await body(request, LIMITS.maxStreamBodyBytes));
      return { active: await clusters.appendChunk(clusterId, input.lease_id, input.command_id, { seq: input.seq, data: input.data }) };
    })
    .post("/agent/extend", async ({ request }) => {
      const clusterId = await agentCluster(request);
      const input = parseBody(AgentExtendBody, await body(request));
      return { active: await clusters.extend(clusterId, input.lease_id, input.command_id) };
    })
    .post("/agent/heartbeat", async ({ request }) => {
      const clusterId = await agentCluster(request);
      const raw = await body(request);
      const info = parseBody(AgentInfoSchema, raw === undefined ? {} : raw);
      return clusters.heartbeat(clusterId, info);
    });
  for (const r of app.routes) {
    const source = r.path.split("/").map((seg) => (seg.startsWith(":") ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("/");
    patterns.push({ re: new RegExp(`^${source}/?$`), method: r.method });
  }
  return app;
}
