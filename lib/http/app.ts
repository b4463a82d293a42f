/**
 * The REST API on Elysia (DESIGN.md section 5). Routes are thin: parse,
 * authenticate, call one service function, map the answer. Errors become
 * `{ error, code, details?, request_id }` with a 4xx status; only a bug is a 500.
 */
import { Elysia } from "elysia";
import { verifyAuditChain } from "../audit.ts";
import type { ClusterService } from "../clusters.ts";
import type { CoreContext } from "../context.ts";
import { KubentlyError, isKubentlyError } from "../errors.ts";
import type { ExecuteService } from "../execute.ts";
import { presentedSecret, requireRole } from "../identity.ts";
import { LIMITS } from "../limits.ts";
import { AgentInfoSchema, type Identity } from "../schemas.ts";
import type { SessionService } from "../sessions.ts";
import { newId } from "../_utils.ts";
import type { KeyService, KeyView } from "../keys.ts";
import { AgentExtendBody, AgentResultBody, AgentStreamBody, CreateKeyBody, FanoutBody, fanoutJson, CreateSessionBody, CreateTokenBody, ExecuteBody, ExplainBody, RotateTokenBody, argvOf, commandJson, parseBody, sessionJson } from "./bodies.ts";
import { mcpHttpHandler } from "../mcp/http.ts";
import { headerText, timeoutHeader } from "./headers.ts";
import { sseResponse } from "./sse.ts";
import { openApiDocument } from "./openapi.ts";

/** The services the HTTP layer calls. */
export interface HttpServices {
  ctx: CoreContext;
  clusters: ClusterService;
  sessions: SessionService;
  execute: ExecuteService;
  keys: KeyService;
  version: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads a JSON body within the size cap; rejects bad UTF-8 and bad JSON with a 4xx. */
async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new KubentlyError("PAYLOAD_TOO_LARGE", `request body is over the ${maxBytes}-byte limit`);
  const type = request.headers.get("content-type");
  if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new KubentlyError("UNSUPPORTED_MEDIA_TYPE", `content-type must be application/json, not ${type.slice(0, 60)}`);
  }
  const bytes = await readCapped(request, maxBytes);
  if (bytes.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new KubentlyError("INVALID_JSON", "request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new KubentlyError("INVALID_JSON", `request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Reads the body, stopping as soon as it passes `maxBytes` (a missing or lying content-length included). */
async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new KubentlyError("PAYLOAD_TOO_LARGE", `request body is over the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
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

/** Builds the Elysia app for one Kubently instance. */
export function createHttpApp(services: HttpServices) {
  const { ctx, clusters, sessions, execute, keys } = services;
  const requestIds = new WeakMap<Request, string>();
  const caller = (request: Request): Promise<Identity> => ctx.authenticator.authenticate(presentedSecret(request.headers));
  const admin = async (request: Request) => {
    const identity = await caller(request);
    requireRole(identity, ["admin"], "manage agents");
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
  const body = (request: Request, max = LIMITS.maxBodyBytes) => readJson(request, max);
  // MCP over streamable HTTP, as the caller's identity; the handler reads the body itself.
  const mcp = mcpHttpHandler({ context: ctx, services: { clusters, sessions, execute, keys } });

  return new Elysia()
    .onRequest(({ request, set }) => {
      const id = newId();
      requestIds.set(request, id);
      set.headers["x-request-id"] = id;
    })
    .onError(({ error, code, request }) => {
      const request_id = requestIds.get(request) ?? newId();
      const headers = { "x-request-id": request_id };
      if (isKubentlyError(error)) {
        ctx.metrics.inc("kubently_http_errors_total", { code: error.code });
        const extra: Record<string, string> = error.code === "RATE_LIMITED" ? { "retry-after": String((error.details as { retry_after?: number })?.retry_after ?? 1) } : {};
        return json(error.status, { error: error.message, code: error.code, ...(error.details !== undefined ? { details: error.details } : {}), request_id }, { ...headers, ...extra });
      }
      if (code === "NOT_FOUND") return json(404, { error: `no route for ${request.method} ${new URL(request.url).pathname}`, code: "NOT_FOUND", request_id }, headers);
      if (code === "PARSE") return json(400, { error: "request body could not be parsed", code: "INVALID_JSON", request_id }, headers);
      ctx.metrics.inc("kubently_http_errors_total", { code: "INTERNAL" });
      console.error(`[kubently] request ${request_id} failed:`, error);
      return json(500, { error: "internal error", code: "INTERNAL", request_id }, headers);
    })
    // Bodies are read by readJson (size cap, UTF-8, JSON errors as 4xx), never by Elysia's parser.
    .onParse(() => null)

    .get("/health", () => ({ status: "healthy", version: services.version, backend: ctx.backend.name }))
    .get("/healthz", () => ({ status: "healthy" }))
    .get("/ready", async () => {
      const ok = await ctx.backend.ping().catch(() => false);
      return json(ok ? 200 : 503, { status: ok ? "ready" : "unavailable", backend: ctx.backend.name });
    })
    .get("/metrics", async ({ request }) => {
      await caller(request);
      return new Response(ctx.metrics.render(), { headers: { "content-type": "text/plain; version=0.0.4" } });
    })
    .get("/openapi.json", async ({ request }) => {
      await caller(request);
      return openApiDocument(services.version);
    })

    .post("/debug/session", async ({ request }) => {
      const identity = await caller(request);
      const input = parseBody(CreateSessionBody, await body(request));
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
      const argv = argvOf(input);
      if (input.max_bytes !== undefined && !input.stream) throw new KubentlyError("VALIDATION_FAILED", "max_bytes applies only with stream: true");
      const timeoutSeconds = input.timeout_seconds ?? timeoutHeader(request);
      const correlationId = input.correlation_id ?? headerText(request, "x-correlation-id");
      const outcome = await execute.execute(identity, {
        clusterId: input.cluster_id,
        argv,
        ...(input.session_id ? { sessionId: input.session_id } : {}),
        ...(correlationId ? { correlationId } : {}),
        ...(timeoutSeconds ? { timeoutMs: timeoutSeconds * 1000 } : {}),
        wait: input.stream ? false : (input.wait ?? true),
        signal: request.signal,
        ...(input.stream ? { stream: input.max_bytes ? { maxBytes: input.max_bytes } : {} } : {}),
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
          return sseResponse(cancelOnLeave, (r) => commandJson({ ...outcome, status: r.status, result: r }), request.signal, headers);
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
      const view = (r: Parameters<typeof commandJson>[0]["result"]) =>
        commandJson({ commandId: command.id, clusterId: command.clusterId, correlationId: command.correlationId, status: r?.status ?? "queued", result: r ?? null, ...(command.sessionId ? { sessionId: command.sessionId } : {}) });
      return sseResponse((signal) => execute.follow(identity, command.id, { from, signal }), view, request.signal, { "x-correlation-id": command.correlationId });
    })
    .post("/debug/fanout", async ({ request }) => {
      const identity = await caller(request);
      const input = parseBody(FanoutBody, await body(request));
      const correlationId = input.correlation_id ?? headerText(request, "x-correlation-id") ?? newId();
      const timeoutSeconds = input.timeout_seconds ?? timeoutHeader(request);
      const entries = await execute.fanout(identity, {
        clusterIds: input.cluster_ids,
        argv: argvOf(input),
        correlationId,
        ...(timeoutSeconds ? { timeoutMs: timeoutSeconds * 1000 } : {}),
        signal: request.signal,
        ...onBehalfOf(request),
      });
      return json(200, fanoutJson(correlationId, entries), { "x-correlation-id": correlationId });
    })
    .post("/debug/policy/explain", async ({ request }) => {
      const identity = await caller(request);
      const input = parseBody(ExplainBody, await body(request));
      const d = await execute.explain(identity, { clusterId: input.cluster_id, argv: argvOf(input) });
      return { decision: d.allowed ? "allow" : "deny", policy: d.policy ?? null, reason: d.reason ?? null, argv: d.argv, rewrites: d.rewrites, policies: d.policies };
    })
    .get("/debug/result/:id", async ({ request, params }) => {
      const { command, result } = await execute.result(await caller(request), params.id);
      const view = commandJson({ commandId: command.id, clusterId: command.clusterId, correlationId: command.correlationId, status: result?.status ?? "queued", result, ...(command.sessionId ? { sessionId: command.sessionId } : {}) });
      return json(result ? 200 : 202, view);
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
      const created = await clusters.createToken(params.cluster_id, input?.token);
      await ctx.backend.audit.append({ at: created.createdAt, eventType: "agent.token.created", identity: identity.name, role: identity.role, clusterId: created.clusterId });
      return json(201, { token: created.token, clusterId: created.clusterId, createdAt: new Date(created.createdAt).toISOString() });
    })
    .post("/admin/agents/:cluster_id/token/rotate", async ({ request, params }) => {
      const identity = await admin(request);
      const input = parseBody(RotateTokenBody, await body(request));
      const r = await keys.rotateAgentToken(identity, params.cluster_id, input?.grace_seconds ?? 300);
      return json(201, { token: r.token, clusterId: r.clusterId, createdAt: new Date(r.createdAt).toISOString(), previousValidUntil: new Date(r.previousValidUntil).toISOString() });
    })
    .post("/admin/keys", async ({ request }) => {
      const identity = await admin(request);
      const input = parseBody(CreateKeyBody, await body(request));
      const { key, record } = await keys.create(identity, { name: input.name, role: input.role, ...(input.clusters ? { clusters: input.clusters } : {}), ...(input.namespaces ? { namespaces: input.namespaces } : {}) });
      return json(201, { key, ...keyJson(record) });
    })
    .get("/admin/keys", async ({ request }) => ({ keys: (await keys.list(await admin(request))).map(keyJson) }))
    .delete("/admin/keys/:id", async ({ request, params }) => {
      await keys.revoke(await admin(request), params.id);
      return new Response(null, { status: 204 });
    })
    .get("/admin/agents", async ({ request }) => {
      const list = await clusters.list(await admin(request));
      return { clusters: list.map((c) => ({ id: c.id, connected: c.connected, lastSeen: c.lastSeenAt ? new Date(c.lastSeenAt).toISOString() : null })) };
    })
    .get("/admin/agents/:cluster_id/status", async ({ request, params }) => clusterJson(await clusters.status(await admin(request), params.cluster_id)))
    .delete("/admin/agents/:cluster_id/token", async ({ request, params }) => {
      const identity = await admin(request);
      await clusters.revokeToken(params.cluster_id);
      await ctx.backend.audit.append({ at: Date.now(), eventType: "agent.token.revoked", identity: identity.name, role: identity.role, clusterId: params.cluster_id });
      return new Response(null, { status: 204 });
    })

    .get("/audit", async ({ request, query }) => {
      const identity = await caller(request);
      const q = query as Record<string, string | undefined>;
      const since = timeParam("since", q.since);
      const until = timeParam("until", q.until);
      const entries = await ctx.backend.audit.query({
        ...(q.event_type ? { eventType: q.event_type } : {}),
        ...(q.cluster_id ? { clusterId: q.cluster_id } : {}),
        ...(q.session_id ? { sessionId: q.session_id } : {}),
        ...(q.correlation_id ? { correlationId: q.correlation_id } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        // Only admins read everyone's entries.
        ...(identity.role === "admin" ? {} : { identity: identity.name }),
        limit: intParam("limit", q.limit, 1, LIMITS.maxAuditLimit, LIMITS.defaultAuditLimit),
      });
      return { entries: entries.map((e) => ({ ...e, timestamp: new Date(e.at).toISOString() })), count: entries.length, service_identity: identity.name };
    })
    .get("/audit/verify", async ({ request }) => {
      await admin(request);
      return verifyAuditChain(ctx.backend.audit);
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
}

function keyJson(k: KeyView) {
  const iso = (ms?: number) => (ms === undefined ? null : new Date(ms).toISOString());
  return { id: k.id, name: k.name, role: k.role, clusters: k.clusters ?? null, namespaces: k.namespaces ?? null, created_at: iso(k.createdAt), last_used_at: iso(k.lastUsedAt), revoked_at: iso(k.revokedAt) };
}

function clusterJson(s: Awaited<ReturnType<ClusterService["status"]>>) {
  const c = s.cluster;
  return {
    cluster_id: c.id,
    connected: c.connected,
    created_at: new Date(c.createdAt).toISOString(),
    last_seen: c.lastSeenAt ? new Date(c.lastSeenAt).toISOString() : null,
    agent: c.agent ?? null,
    active_sessions: s.activeSessions,
    queue_depth: s.queueDepth,
    has_token: s.hasToken,
  };
}

