/**
 * The OpenAPI document served at `/openapi.json`. A test checks that every
 * route the app serves is documented here and nothing more.
 */
import { COMMAND_TYPES } from "../wire/bodies.ts";
import { LIMITS } from "../limits.ts";

/** `session`: the console's session cookie only (docs/login.md); `key` and `admin` routes accept the cookie too. */
type Op = { summary: string; auth: "none" | "key" | "admin" | "agent" | "session"; body?: string; responses: Record<string, string> };

const ERR = { "400": "Error", "401": "Error", "403": "Error", "404": "Error" };

/** Every route: `METHOD path` (OpenAPI path syntax) to its description. */
export const ROUTES: Record<string, Op> = {
  "GET /ui": { summary: "The web console (redirects to /ui/): an HTML shell, no credential; see docs/console.md", auth: "none", responses: { "200": "text", "308": "empty" } },
  "GET /ui/config": { summary: "What the console's login page may offer: { oidc } (whether SSO sign-in is configured); no credential", auth: "none", responses: { "200": "object" } },
  "GET /ui/index.html": { summary: "The web console's HTML shell", auth: "none", responses: { "200": "text" } },
  "GET /ui/assets/{name}": { summary: "The web console's script and style (hashed names, immutable)", auth: "none", responses: { "200": "text", "404": "Error" } },
  "GET /health": { summary: "Liveness and version", auth: "none", responses: { "200": "Health" } },
  "GET /healthz": { summary: "Liveness probe", auth: "none", responses: { "200": "Health" } },
  "GET /ready": { summary: "Readiness: the backend answers", auth: "none", responses: { "200": "Health", "503": "Health" } },
  "GET /metrics": { summary: "Prometheus metrics", auth: "key", responses: { "200": "text" } },
  "GET /openapi.json": { summary: "This document", auth: "key", responses: { "200": "object" } },
  "POST /debug/session": { summary: "Create a debug session", auth: "key", body: "CreateSession", responses: { "201": "Session", ...ERR } },
  "GET /debug/session/{id}": { summary: "Get a session", auth: "key", responses: { "200": "Session", ...ERR } },
  "DELETE /debug/session/{id}": { summary: "End a session", auth: "key", responses: { "204": "empty", ...ERR } },
  "POST /debug/execute": { summary: "Run a read-only kubectl command (403 with status denied when a policy refuses it). With stream: true, 202 with stream_url; with Accept: text/event-stream too, the stream itself", auth: "key", body: "Execute", responses: { ...ERR, "200": "CommandResult", "202": "CommandResult", "403": "CommandResult" } },
  "GET /debug/stream/{id}": { summary: "Server-Sent Events of a streamed command: chunk events (id = seq; resume with Last-Event-ID or ?from=), keep-alive comments, a last result event", auth: "key", responses: { "200": "event-stream", ...ERR } },
  "POST /debug/fanout": { summary: "Run one command on several clusters in parallel (per-cluster policy, cap and timeout)", auth: "key", body: "Fanout", responses: { "200": "FanoutResult", ...ERR } },
  "POST /debug/diagnose": { summary: "Run the cluster's analyzers over one snapshot and return findings (403 with status denied when a policy refuses it); cluster_ids diagnoses several clusters in parallel", auth: "key", body: "Diagnose", responses: { ...ERR, "200": "Diagnosis", "403": "Diagnosis", "409": "Error" } },
  "POST /debug/policy/explain": { summary: "Dry-run the API-side policy decision for a command", auth: "key", body: "Explain", responses: { "200": "Explanation", ...ERR } },
  "GET /debug/result/{id}": { summary: "Result of a command (202 while pending)", auth: "key", responses: { "200": "CommandResult", "202": "CommandResult", ...ERR } },
  "DELETE /debug/command/{id}": { summary: "Cancel a command: never delivered if pending; a running one is killed in the agent within a lease renewal", auth: "key", responses: { "204": "empty", "409": "Error", ...ERR } },
  "GET /debug/clusters": { summary: "Clusters the caller may use", auth: "key", responses: { "200": "ClusterList" } },
  "GET /debug/clusters/{id}": { summary: "One cluster's status", auth: "key", responses: { "200": "ClusterStatus", ...ERR } },
  "POST /admin/agents/{cluster_id}/token": { summary: "Register a cluster and issue its agent token (shown once)", auth: "admin", body: "CreateToken", responses: { "201": "AgentToken", "409": "Error", ...ERR } },
  "POST /admin/agents/{cluster_id}/token/rotate": { summary: "Issue a new agent token; old ones work for grace_seconds (default 300)", auth: "admin", body: "RotateToken", responses: { "201": "AgentToken", ...ERR } },
  "POST /admin/keys": { summary: "Create an API key (the key is shown once)", auth: "admin", body: "CreateKey", responses: { "201": "ApiKey", ...ERR } },
  "GET /admin/keys": { summary: "List API keys (never the secrets)", auth: "admin", responses: { "200": "ApiKeyList" } },
  "DELETE /admin/keys/{id}": { summary: "Revoke an API key", auth: "admin", responses: { "204": "empty", ...ERR } },
  "GET /admin/agents": { summary: "Registered clusters and their agents", auth: "admin", responses: { "200": "AgentList" } },
  "GET /admin/agents/{cluster_id}/status": { summary: "One agent's status", auth: "admin", responses: { "200": "ClusterStatus", ...ERR } },
  "DELETE /admin/agents/{cluster_id}/token": { summary: "Revoke the cluster's agent tokens", auth: "admin", responses: { "204": "empty", ...ERR } },
  "DELETE /admin/agents/{cluster_id}": { summary: "Remove a cluster: its tokens and registration go at once, its queued commands are cancelled, its sessions ended", auth: "admin", responses: { "204": "empty", ...ERR } },
  "POST /ui/login": { summary: "Console sign-in with a user name and password: sets the HttpOnly session cookie and answers the CSRF token (401 invalid username or password; 429 after too many attempts)", auth: "none", body: "Login", responses: { "200": "ConsoleSession", "401": "Error", "403": "Error", "429": "Error", "400": "Error" } },
  "POST /ui/logout": { summary: "Console sign-out: the session is revoked on every replica and the cookie cleared (a signed-in cookie needs X-CSRF-Token)", auth: "none", body: "Logout", responses: { "204": "empty", "403": "Error", "400": "Error" } },
  "GET /ui/session": { summary: "The console session of the cookie: user, role, CSRF token, expiry (401 without one)", auth: "session", responses: { "200": "ConsoleSession", "401": "Error" } },
  "GET /ui/oidc/login": { summary: "Start an OIDC sign-in: a redirect to the provider (404 when OIDC is not configured)", auth: "none", responses: { "302": "empty", "404": "Error", "503": "Error" } },
  "GET /ui/oidc/callback": { summary: "The provider's redirect back: signs in (session cookie) and sends the browser on to /ui", auth: "none", responses: { "200": "html", "401": "Error", "404": "Error" } },
  "POST /admin/users": { summary: "Create a console user (no password: OIDC sign-in only)", auth: "admin", body: "CreateUser", responses: { "201": "User", "409": "Error", ...ERR } },
  "GET /admin/users": { summary: "List console users (never password hashes)", auth: "admin", responses: { "200": "UserList", ...ERR } },
  "PATCH /admin/users/{username}": { summary: "Change a user's role or disable/enable them (in effect at their next request)", auth: "admin", body: "UpdateUser", responses: { "200": "User", ...ERR } },
  "DELETE /admin/users/{username}": { summary: "Delete a console user", auth: "admin", responses: { "204": "empty", ...ERR } },
  "POST /admin/users/{username}/password": { summary: "Set a user's password; their open sessions end", auth: "admin", body: "SetPassword", responses: { "204": "empty", ...ERR } },
  "POST /alerts/alertmanager": { summary: "An Alertmanager webhook (payload version 4): one diagnosis per alerted (cluster, namespace), run as the posting key after the 202, its findings sent to the configured webhooks (docs/alerts.md). Operators and admins; 503 ALERTS_BUSY when the alert queue is full", auth: "key", body: "AlertmanagerWebhook", responses: { "202": "AlertsReceipt", ...ERR, "413": "Error", "503": "Error" } },
  "GET /alerts/dead-letters": { summary: "Outbound webhook deliveries that failed after their last attempt, newest first (kept in memory, bounded; docs/alerts.md#dead-letters)", auth: "admin", responses: { "200": "DeadLetters", "401": "Error", "403": "Error" } },
  "GET /audit": { summary: "Audit entries (the caller's own unless admin)", auth: "key", responses: { "200": "AuditList", ...ERR } },
  "GET /audit/verify": { summary: "Verify the audit hash chain, in pages (from_seq, since for an incremental check)", auth: "admin", responses: { "200": "AuditVerification" } },
  "GET /events": { summary: "Server-Sent Events of what happens (commands, sessions, agents, diagnoses; never output) within the caller's scope: one unnamed event each, id = event id (resume with Last-Event-ID or ?from=; a reset event when events were missed), keep-alive comments; ?types=a,b and ?cluster_id= narrow it (docs/events.md)", auth: "key", responses: { "200": "event-stream", "400": "Error", "401": "Error" } },
  "GET /events/ws": { summary: "The same events as WebSocket text frames, one event (the JSON of GET /events) per frame; a cross-site Origin is refused; 426 without an upgrade, 501 where the server cannot upgrade (Node: use GET /events)", auth: "key", responses: { "101": "empty", "400": "Error", "401": "Error", "403": "Error", "426": "Error", "501": "Error" } },
  "GET /terminal/ws": { summary: "The web terminal as a WebSocket: JSON frames open (a debug session on a cluster), line (one kubectl command line, run through the execute service; logs -f and -w stream), cancel; answered by ready, output, end, error (docs/console.md#web-terminal). Operators and admins; a cross-site Origin is refused; 426 without an upgrade, 429 past the terminals one identity may hold, 501 where the server cannot upgrade", auth: "key", responses: { "101": "empty", "400": "Error", "401": "Error", "403": "Error", "426": "Error", "429": "Error", "501": "Error" } },
  "POST /mcp": { summary: "MCP over streamable HTTP (stateless JSON-RPC; see docs/mcp.md)", auth: "key", responses: { "200": "object", ...ERR } },
  "GET /mcp": { summary: "405: the MCP endpoint is stateless (no server-initiated stream)", auth: "key", responses: { "405": "Error", "401": "Error" } },
  "DELETE /mcp": { summary: "405: the MCP endpoint is stateless (no sessions to delete)", auth: "key", responses: { "405": "Error", "401": "Error" } },
  "GET /agent/commands": { summary: "Agent long poll for the next command (204 when none)", auth: "agent", responses: { "200": "AgentLease", "204": "empty", ...ERR } },
  "GET /agent/config": { summary: "The API's command-signing public keys, for the agent to verify commands", auth: "agent", responses: { "200": "AgentConfig", ...ERR } },
  "POST /agent/extend": { summary: "Agent renews its lease on a running command; active:false means stop it", auth: "agent", body: "AgentExtend", responses: { "200": "object", ...ERR } },
  "POST /agent/stream": { summary: "Agent posts a chunk of a streamed command's output (renews the lease); active:false means stop it", auth: "agent", body: "AgentStream", responses: { "200": "object", "409": "Error", ...ERR } },
  "POST /agent/results": { summary: "Agent posts a command result", auth: "agent", body: "AgentResult", responses: { "200": "object", "409": "Error", ...ERR } },
  "POST /agent/heartbeat": { summary: "Agent heartbeat with versions and capabilities", auth: "agent", body: "AgentInfo", responses: { "200": "object", ...ERR } },
};

const str = { type: "string" };
const strs = { type: "array", items: str };
const nullable = (s: object) => ({ ...s, nullable: true });

const SCHEMAS: Record<string, object> = {
  Error: { type: "object", required: ["error", "code", "request_id"], properties: { error: str, code: str, details: {}, request_id: str } },
  Health: { type: "object", properties: { status: str, version: str, backend: str } },
  CreateSession: {
    type: "object",
    required: ["cluster_id"],
    properties: { cluster_id: str, correlation_id: str, service_identity: str, ttl_seconds: { type: "integer", minimum: LIMITS.minSessionTtlSeconds, maximum: LIMITS.maxSessionTtlSeconds, default: LIMITS.defaultSessionTtlSeconds } },
  },
  Session: {
    type: "object",
    properties: { session_id: str, cluster_id: str, status: { enum: ["active", "ended", "expired"] }, created_at: str, last_activity_at: str, expires_at: str, ttl_seconds: { type: "integer" }, correlation_id: nullable(str), service_identity: str },
  },
  Execute: {
    type: "object",
    required: ["cluster_id"],
    properties: {
      cluster_id: str,
      session_id: str,
      correlation_id: str,
      command_type: { enum: [...COMMAND_TYPES], default: "get" },
      args: strs,
      namespace: { type: "string", default: "default" },
      timeout_seconds: { type: "integer", minimum: LIMITS.minTimeoutSeconds, maximum: LIMITS.maxStreamTimeoutSeconds, default: LIMITS.defaultTimeoutSeconds, description: `At most ${LIMITS.maxTimeoutSeconds}, or ${LIMITS.maxStreamTimeoutSeconds} when streamed (default ${LIMITS.defaultStreamTimeoutSeconds} then): the stream's time budget` },
      extra_args: strs,
      argv: { ...strs, description: "Full kubectl arguments (without 'kubectl'); instead of command_type/args" },
      wait: { type: "boolean", default: true },
      require_agent: { type: "boolean", default: false, description: "Fail at once with 409 CLUSTER_NOT_CONNECTED when the cluster has no connected agent, instead of queueing for one" },
      stream: { type: "boolean", default: false, description: "Follow the output as it is produced (logs -f, get -w) at stream_url" },
      max_bytes: { type: "integer", minimum: 1, maximum: LIMITS.maxStreamBytes, default: LIMITS.defaultStreamBytes, description: "A streamed command's byte budget" },
    },
  },
  CommandResult: {
    type: "object",
    properties: {
      command_id: str,
      session_id: nullable(str),
      cluster_id: str,
      status: { enum: ["success", "failure", "timeout", "denied", "cancelled", "queued"] },
      success: { type: "boolean" },
      correlation_id: str,
      output: str,
      error: nullable(str),
      code: nullable(str),
      policy: nullable(str),
      exit_code: nullable({ type: "integer" }),
      truncated: { type: "boolean" },
      redacted: { type: "boolean" },
      execution_time_ms: nullable({ type: "number" }),
      executed_at: nullable(str),
      argv: { type: "array", items: str, description: "What was queued, after any policy rewrote it" },
      stream_url: { type: "string", description: "Only on a 202 for stream: true" },
    },
  },
  Fanout: { type: "object", required: ["cluster_ids"], properties: { cluster_ids: { ...strs, minItems: 1, maxItems: LIMITS.maxFanoutClusters }, correlation_id: str, command_type: { enum: [...COMMAND_TYPES] }, args: strs, namespace: str, extra_args: strs, argv: strs, timeout_seconds: { type: "integer", minimum: LIMITS.minTimeoutSeconds, maximum: LIMITS.maxTimeoutSeconds } } },
  FanoutResult: { type: "object", properties: { correlation_id: str, count: { type: "integer" }, succeeded: { type: "integer" }, results: { type: "array", items: { type: "object", description: "a CommandResult, or {cluster_id, status: error, code, error}" } } } },
  Diagnose: {
    type: "object",
    properties: {
      cluster_id: { ...str, description: "One cluster; or cluster_ids" },
      cluster_ids: { ...strs, minItems: 1, maxItems: LIMITS.maxFanoutClusters, description: "Several clusters (the answer is a DiagnosisFanout: correlation_id, count, succeeded, results)" },
      namespace: { ...str, description: "One namespace; omitted: the whole cluster (a key scoped to one namespace reads that one)" },
      analyzers: { ...strs, maxItems: 64, description: "Analyzer ids to run; omitted: every analyzer the agent runs" },
      timeout_seconds: { type: "integer", minimum: LIMITS.minTimeoutSeconds, maximum: LIMITS.maxTimeoutSeconds, default: LIMITS.defaultTimeoutSeconds },
      correlation_id: str,
      require_agent: { type: "boolean", default: false },
    },
  },
  Finding: {
    type: "object",
    properties: {
      id: str,
      analyzer: str,
      code: str,
      severity: { enum: ["critical", "warning", "info"] },
      namespace: nullable(str),
      resource: { type: "object", properties: { kind: str, name: str } },
      title: str,
      evidence: strs,
      confirm: { type: "array", items: strs, description: "kubectl argv (without 'kubectl') that shows the finding; each one the read-only policy allows" },
      hint: str,
    },
  },
  Diagnosis: {
    type: "object",
    properties: {
      cluster_id: str,
      command_id: str,
      correlation_id: str,
      status: { enum: ["success", "failure", "timeout", "denied", "cancelled"] },
      success: { type: "boolean" },
      findings: { type: "array", items: { $ref: "#/components/schemas/Finding" } },
      summary: { type: "object", properties: { critical: { type: "integer" }, warning: { type: "integer" }, info: { type: "integer" }, total: { type: "integer" } } },
      analyzed: nullable({ type: "object", properties: { namespace: nullable(str), kinds: strs, objects: { type: "integer" }, analyzers: strs, unavailable: strs, truncated: strs } }),
      errors: { type: "array", items: { type: "object", properties: { analyzer: str, error: str } } },
      truncated: { type: "boolean" },
      redacted: { type: "boolean" },
      duration_ms: nullable({ type: "integer" }),
      error: nullable(str),
      code: nullable(str),
      policy: nullable(str),
    },
  },
  AlertmanagerWebhook: {
    type: "object",
    required: ["status", "receiver", "alerts"],
    properties: {
      version: { type: "string", enum: ["4"] },
      status: { enum: ["firing", "resolved"] },
      receiver: str,
      groupKey: str,
      groupLabels: { type: "object", additionalProperties: str },
      commonLabels: { type: "object", additionalProperties: str },
      commonAnnotations: { type: "object", additionalProperties: str },
      externalURL: str,
      alerts: {
        type: "array",
        minItems: 1,
        maxItems: LIMITS.maxAlertsPerRequest,
        items: { type: "object", required: ["status", "labels"], properties: { status: { enum: ["firing", "resolved"] }, labels: { type: "object", additionalProperties: str }, annotations: { type: "object", additionalProperties: str }, startsAt: str, endsAt: str, generatorURL: str, fingerprint: str } },
      },
    },
  },
  AlertsReceipt: {
    type: "object",
    properties: {
      status: { enum: ["accepted"] },
      receiver: str,
      accepted: { type: "array", items: { type: "object", description: "{id (the diagnosis' correlation id), cluster_id, namespace, alerts, workloads}" } },
      resolved: { type: "array", items: { type: "object" } },
      skipped: { type: "array", items: { type: "object", description: "targets past the per-request cap, with reason" } },
      refused: { type: "array", items: { type: "object", description: "{alertname, fingerprint, cluster_id, namespace, code, error}" } },
      webhooks: strs,
    },
  },
  DeadLetters: { type: "object", properties: { dead_letters: { type: "array", items: { type: "object" } }, count: { type: "integer" }, dropped: { type: "integer" }, total: { type: "integer" }, max: { type: "integer" } } },
  Explain: { type: "object", required: ["cluster_id"], properties: { cluster_id: str, command_type: { enum: [...COMMAND_TYPES] }, args: strs, namespace: str, extra_args: strs, argv: strs } },
  Explanation: { type: "object", properties: { decision: { enum: ["allow", "deny"] }, policy: nullable(str), reason: nullable(str), argv: strs, rewrites: { type: "array", items: { type: "object" } }, policies: strs } },
  RotateToken: { type: "object", properties: { grace_seconds: { type: "integer", minimum: 0, maximum: 86400, default: 300 } } },
  CreateKey: { type: "object", required: ["name", "role"], properties: { name: str, role: { enum: ["admin", "operator", "viewer"] }, clusters: strs, namespaces: strs } },
  ApiKey: { type: "object", properties: { key: str, id: str, name: str, role: str, clusters: nullable(strs), namespaces: nullable(strs), created_at: str, last_used_at: nullable(str), revoked_at: nullable(str) } },
  ApiKeyList: { type: "object", properties: { keys: { type: "array", items: { $ref: "#/components/schemas/ApiKey" } } } },
  ClusterList: { type: "object", properties: { clusters: strs, count: { type: "integer" } } },
  ClusterStatus: { type: "object", properties: { cluster_id: str, connected: { type: "boolean" }, created_at: str, last_seen: nullable(str), agent: nullable({ type: "object" }), active_sessions: { type: "integer" }, queue_depth: { type: "integer" }, has_token: { type: "boolean" } } },
  CreateToken: { type: "object", properties: { token: { type: "string", minLength: 16 } } },
  AgentToken: { type: "object", properties: { token: str, clusterId: str, createdAt: str } },
  AgentList: { type: "object", properties: { clusters: { type: "array", items: { type: "object", properties: { id: str, connected: { type: "boolean" }, lastSeen: nullable(str) } } } } },
  AuditList: { type: "object", properties: { entries: { type: "array", items: { type: "object" } }, count: { type: "integer" }, service_identity: str } },
  AuditVerification: {
    type: "object",
    properties: { ok: { type: "boolean" }, count: { type: "integer" }, firstSeq: { type: "integer" }, lastSeq: { type: "integer" }, partial: { type: "boolean" }, brokenAt: { type: "integer" }, reason: str, aborted: { type: "boolean" } },
  },
  AgentLease: { type: "object", properties: { lease_id: str, attempt: { type: "integer" }, budget_ms: { type: "integer" }, command: { type: "object" } } },
  AgentConfig: { type: "object", properties: { public_keys: strs, key_id: str } },
  Login: { type: "object", required: ["username", "password"], properties: { username: str, password: str } },
  Logout: { type: "object", additionalProperties: false, properties: {} },
  ConsoleSession: { type: "object", properties: { username: str, role: { enum: ["admin", "operator", "viewer"] }, csrf_token: { ...str, description: "Send as X-CSRF-Token with every cookie-authenticated request but GET, HEAD, OPTIONS" }, expires_at: str } },
  CreateUser: { type: "object", required: ["username", "role"], properties: { username: { ...str, pattern: "^[a-z0-9][a-z0-9._@-]{0,63}$" }, role: { enum: ["admin", "operator", "viewer"] }, password: { ...str, minLength: 12 } } },
  UpdateUser: { type: "object", additionalProperties: false, properties: { role: { enum: ["admin", "operator", "viewer"] }, disabled: { type: "boolean" } } },
  SetPassword: { type: "object", required: ["password"], properties: { password: { ...str, minLength: 12 } } },
  User: { type: "object", properties: { username: str, role: str, disabled: { type: "boolean" }, has_password: { type: "boolean" }, oidc: { type: "boolean" }, created_at: str, updated_at: nullable(str), last_login_at: nullable(str) } },
  UserList: { type: "object", properties: { users: { type: "array", items: { $ref: "#/components/schemas/User" } } } },
  AgentExtend: { type: "object", required: ["lease_id", "command_id"], properties: { lease_id: str, command_id: str } },
  AgentStream: { type: "object", required: ["lease_id", "command_id", "seq", "data"], properties: { lease_id: str, command_id: str, seq: { type: "integer", minimum: 0 }, data: { type: "string", maxLength: LIMITS.maxStreamPostBytes } } },
  AgentResult: { type: "object", required: ["result"], properties: { lease_id: str, result: { type: "object" } } },
  AgentInfo: { type: "object", properties: { agentId: str, version: str, kubectlVersion: str, kubernetesVersion: str, executor: str, capabilities: strs, nativeCommands: strs, analyzers: strs } },
};

const SECURITY = { none: [], key: [{ apiKey: [] }, { bearer: [] }, { sessionCookie: [] }], admin: [{ apiKey: [] }, { bearer: [] }, { sessionCookie: [] }], agent: [{ agentToken: [] }], session: [{ sessionCookie: [] }] };

/** Builds the document. */
export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, object>> = {};
  for (const [route, op] of Object.entries(ROUTES)) {
    const [method, path] = route.split(" ") as [string, string];
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: str }));
    const content = (name: string) => (name === "empty" ? undefined : name === "text" ? { "text/plain": { schema: str } } : name === "event-stream" ? { "text/event-stream": { schema: str } } : name === "html" ? { "text/html": { schema: str } } : { "application/json": { schema: name === "object" ? { type: "object" } : { $ref: `#/components/schemas/${name}` } } });
    (paths[path] ??= {})[method.toLowerCase()] = {
      summary: op.summary,
      security: SECURITY[op.auth],
      ...(params.length ? { parameters: params } : {}),
      ...(op.body ? { requestBody: { required: op.body !== "CreateToken" && op.body !== "Logout", content: content(op.body) } } : {}),
      responses: Object.fromEntries(Object.entries(op.responses).map(([code, schema]) => [code, { description: schema, ...(content(schema) ? { content: content(schema) } : {}) }])),
    };
  }
  return {
    openapi: "3.0.3",
    info: { title: "Kubently API", version, description: "Real-time, read-only Kubernetes debugging for AI agents and people." },
    paths,
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        sessionCookie: { type: "apiKey", in: "cookie", name: "kubently_session", description: "The console's session (docs/login.md); any method but GET, HEAD, OPTIONS also needs X-CSRF-Token and a same-origin Origin" },
        bearer: { type: "http", scheme: "bearer" },
        agentToken: { type: "http", scheme: "bearer", description: "Per-cluster agent token, with X-Cluster-ID" },
      },
    },
  };
}
