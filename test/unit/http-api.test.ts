/**
 * The REST API over real HTTP, with the memory backend, the read-only policy,
 * an in-process agent and an HTTP agent, both on the echo executor (the real
 * kubectl path is covered by the e2e suite).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { startAgent, type RunningAgent } from "../../lib/agent/agent.ts";
import { httpTransport } from "../../lib/agent/transports.ts";
import { ROUTES } from "../../lib/http/openapi.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { readOnly } from "../../plugins/read-only.ts";

const KEY = "svc-key-0123456789abcdef";
const OTHER = "other-key-0123456789abcdef";
const ADMIN = "admin-key-0123456789abcdef";
const VIEWER = "viewer-key-0123456789abcdef";
const C2_TOKEN = "c2-token-0123456789abcdef";

let k: Kubently;
let url: string;
let httpAgent: RunningAgent;

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = { "x-api-key": KEY }) =>
  fetch(`${url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
const ok = async (res: Response, status = 200) => {
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status });
  return text ? JSON.parse(text) : null;
};

beforeAll(async () => {
  k = createKubently({
    backend: memoryBackend(),
    policies: [readOnly()],
    apiKeys: [
      { name: "svc", key: KEY },
      { name: "other", key: OTHER },
      { name: "admin", key: ADMIN, role: "admin" },
      { name: "viewer", key: VIEWER, role: "viewer" },
    ],
    clusters: [{ id: "c1" }, { id: "c2", token: C2_TOKEN }, { id: "idle" }],
  });
  await k.ready();
  const server = await k.listen({ port: 0 });
  url = server.url;
  k.startLocalAgent({ clusterId: "c1", executor: echoExecutor(), concurrency: 2 });
  httpAgent = startAgent({
    clusterId: "c2",
    agentId: "http-agent",
    transport: httpTransport({ apiUrl: url, clusterId: "c2", token: C2_TOKEN, agentId: "http-agent" }),
    executor: echoExecutor(),
    policies: [readOnly()],
    pollWaitMs: 2_000,
  });
});

afterAll(async () => {
  await httpAgent.stop();
  await k.close();
});

describe("health and auth", () => {
  test("GET /health answers without a credential", async () => {
    const body = await ok(await fetch(`${url}/health`));
    expect(body).toMatchObject({ status: "healthy", backend: "memory" });
  });

  test("every other route refuses a missing or wrong credential with 401", async () => {
    for (const route of Object.keys(ROUTES)) {
      const [method, path] = route.split(" ") as [string, string];
      // Health, and the console's sign-in routes, answer without a credential.
      if (ROUTES[route]!.auth === "none") continue;
      const concrete = path.replace(/\{[^}]+\}/g, "c1");
      const attempts: Record<string, string>[] = [{}, { "x-api-key": "wrong" }, { authorization: "Bearer wrong" }, { authorization: "Bearer wrong", "x-cluster-id": "c2" }];
      for (const headers of attempts) {
        const res = await call(method, concrete, method === "POST" ? {} : undefined, headers);
        const body = await res.json();
        expect({ route, status: res.status, code: body.code }).toEqual({ route, status: 401, code: "UNAUTHENTICATED" });
        expect(body.request_id).toBeString();
      }
    }
  });

  test("Authorization: Bearer works like X-API-Key", async () => {
    const body = await ok(await call("GET", "/debug/clusters", undefined, { authorization: `Bearer ${KEY}` }));
    expect(body).toEqual({ clusters: ["c1", "c2", "idle"], count: 3 });
  });
});

describe("sessions", () => {
  test("POST /debug/session creates a session with the Kubently shape", async () => {
    const s = await ok(await call("POST", "/debug/session", { cluster_id: "c1", correlation_id: "corr-1", ttl_seconds: 120 }), 201);
    expect(s).toMatchObject({ cluster_id: "c1", status: "active", ttl_seconds: 120, correlation_id: "corr-1", service_identity: "svc" });
    expect(Date.parse(s.expires_at) - Date.parse(s.created_at)).toBe(120_000);
    const again = await ok(await call("GET", `/debug/session/${s.session_id}`));
    expect(again.session_id).toBe(s.session_id);
  });

  test("another identity cannot see or end someone's session", async () => {
    const s = await ok(await call("POST", "/debug/session", { cluster_id: "c1" }), 201);
    const res = await call("GET", `/debug/session/${s.session_id}`, undefined, { "x-api-key": OTHER });
    expect(res.status).toBe(404);
    expect((await call("DELETE", `/debug/session/${s.session_id}`, undefined, { "x-api-key": OTHER })).status).toBe(404);
  });

  test("DELETE ends the session; executing in it then answers 409 SESSION_CLOSED", async () => {
    const s = await ok(await call("POST", "/debug/session", { cluster_id: "c1" }), 201);
    expect((await call("DELETE", `/debug/session/${s.session_id}`)).status).toBe(204);
    const ended = await ok(await call("GET", `/debug/session/${s.session_id}`));
    expect(ended.status).toBe("ended");
    const body = await ok(await call("POST", "/debug/execute", { cluster_id: "c1", session_id: s.session_id, args: ["pods"] }), 409);
    expect(body.code).toBe("SESSION_CLOSED");
  });

  test("ttl_seconds outside 60-3600 is a 400 naming the field", async () => {
    const body = await ok(await call("POST", "/debug/session", { cluster_id: "c1", ttl_seconds: 5 }), 400);
    expect(body).toMatchObject({ code: "VALIDATION_FAILED" });
    expect(body.error).toContain("ttl_seconds");
  });

  test("a session on an unknown cluster is a 404 listing the known clusters", async () => {
    const body = await ok(await call("POST", "/debug/session", { cluster_id: "nope" }), 404);
    expect(body).toMatchObject({ code: "CLUSTER_NOT_FOUND", details: { known_clusters: ["c1", "c2", "idle"] } });
  });
});

describe("execute", () => {
  test("command_type + args + namespace run through the in-process agent", async () => {
    const body = await ok(await call("POST", "/debug/execute", { cluster_id: "c1", command_type: "get", args: ["pods"], namespace: "shop" }));
    expect(body).toMatchObject({ status: "success", success: true, cluster_id: "c1", exit_code: 0, truncated: false });
    expect(body.output).toBe("get pods -n shop\n");
    expect(body.command_id).toBeString();
    const trail = await k.backend.audit.query({ correlationId: body.correlation_id });
    expect(trail.map((e) => [e.eventType, e.decision ?? e.outcome])).toEqual([
      ["command.executed", "success"],
      ["command.queued", "allowed"],
    ]);
    expect(trail.every((e) => !("output" in e) && !("error" in e))).toBe(true);
  });

  test("argv runs as given, inside a session, through the HTTP agent", async () => {
    const s = await ok(await call("POST", "/debug/session", { cluster_id: "c2" }), 201);
    const body = await ok(await call("POST", "/debug/execute", { cluster_id: "c2", session_id: s.session_id, argv: ["get", "pods", "-A"] }));
    expect(body).toMatchObject({ status: "success", output: "get pods -A\n", session_id: s.session_id });
  });

  test("a denied command answers 403 with status denied, the rule, and is audited", async () => {
    const res = await call("POST", "/debug/execute", { cluster_id: "c1", argv: ["delete", "pod", "web"] }, { "x-api-key": KEY, "x-correlation-id": "deny-1" });
    const body = await ok(res, 403);
    expect(body).toMatchObject({ status: "denied", success: false, policy: "read-only", code: "POLICY_DENIED" });
    expect(body.error).toContain("delete");
    const audit = await ok(await call("GET", "/audit?event_type=command.denied"));
    const entry = audit.entries.find((e: { correlationId?: string }) => e.correlationId === "deny-1");
    expect(entry).toMatchObject({ decision: "denied", policy: "read-only", identity: "svc", argv: ["delete", "pod", "web"] });
  });

  test("X-Service-Identity and X-Correlation-ID are recorded in the audit log, and the key still decides access", async () => {
    const res = await call("POST", "/debug/execute", { cluster_id: "c1", argv: ["version"] }, { "x-api-key": KEY, "x-service-identity": "sre-copilot/v2", "x-correlation-id": "trace-42" });
    expect(res.headers.get("x-correlation-id")).toBe("trace-42");
    const entries = await k.backend.audit.query({ correlationId: "trace-42" });
    expect(entries.length).toBe(2);
    for (const e of entries) expect(e).toMatchObject({ identity: "svc", onBehalfOf: "sre-copilot/v2" });
    const bad = await call("POST", "/debug/execute", { cluster_id: "c1", argv: ["version"] }, { "x-api-key": KEY, "x-service-identity": "x".repeat(500) });
    expect(bad.status).toBe(400);
  });

  test("secret values are refused at the API", async () => {
    const body = await ok(await call("POST", "/debug/execute", { cluster_id: "c1", args: ["secrets"], namespace: "shop", extra_args: ["-o", "yaml"] }), 403);
    expect(body.status).toBe("denied");
  });

  test("wait:false answers 202 and the result is fetched later", async () => {
    const queued = await ok(await call("POST", "/debug/execute", { cluster_id: "c1", argv: ["version"], wait: false }), 202);
    expect(queued.status).toBe("queued");
    let body;
    for (let i = 0; i < 50; i++) {
      const res = await call("GET", `/debug/result/${queued.command_id}`);
      body = await res.json();
      if (res.status === 200) break;
      await Bun.sleep(20);
    }
    expect(body).toMatchObject({ status: "success", output: "version\n", command_id: queued.command_id });
  });

  test("another operator cannot read my result", async () => {
    const mine = await ok(await call("POST", "/debug/execute", { cluster_id: "c1", argv: ["version"] }));
    expect((await call("GET", `/debug/result/${mine.command_id}`, undefined, { "x-api-key": OTHER })).status).toBe(404);
    expect((await call("GET", `/debug/result/${mine.command_id}`, undefined, { "x-api-key": ADMIN })).status).toBe(200);
  });

  test("a cluster with no agent times out within its budget and the command is never run later", async () => {
    const started = Date.now();
    const body = await ok(await call("POST", "/debug/execute", { cluster_id: "idle", argv: ["version"], timeout_seconds: 1 }));
    expect(body).toMatchObject({ status: "timeout", success: false });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(await k.backend.queue.depth("idle")).toBe(0);
  });

  test("a viewer may not execute", async () => {
    const body = await ok(await call("POST", "/debug/execute", { cluster_id: "c1", argv: ["version"] }, { "x-api-key": VIEWER }), 403);
    expect(body.code).toBe("FORBIDDEN");
  });

  test("GET /debug/result of an unknown id is a 404", async () => {
    expect((await call("GET", "/debug/result/does-not-exist")).status).toBe(404);
  });
});

describe("bad input is a 4xx naming the problem", () => {
  const cases: [string, string | object, Record<string, string>, number, string][] = [
    ["malformed JSON", "{bad", { "content-type": "application/json" }, 400, "INVALID_JSON"],
    ["wrong type", { cluster_id: 42 }, { "content-type": "application/json" }, 400, "VALIDATION_FAILED"],
    ["args not strings", { cluster_id: "c1", args: [1, 2] }, { "content-type": "application/json" }, 400, "VALIDATION_FAILED"],
    ["timeout too large", { cluster_id: "c1", timeout_seconds: 999 }, { "content-type": "application/json" }, 400, "VALIDATION_FAILED"],
    ["argv and args together", { cluster_id: "c1", argv: ["version"], args: ["pods"] }, { "content-type": "application/json" }, 400, "VALIDATION_FAILED"],
    ["bad cluster id", { cluster_id: "../etc", argv: ["get", "pods"] }, { "content-type": "application/json" }, 404, "CLUSTER_NOT_FOUND"],
    ["no command", { cluster_id: "c1" }, { "content-type": "application/json" }, 400, "VALIDATION_FAILED"],
    ["not JSON content type", "a=1", { "content-type": "application/x-www-form-urlencoded" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["oversized body", { cluster_id: "c1", args: ["x".repeat(70_000)] }, { "content-type": "application/json" }, 413, "PAYLOAD_TOO_LARGE"],
    ["empty body", "", { "content-type": "application/json" }, 400, "VALIDATION_FAILED"],
  ];
  for (const [name, body, headers, status, code] of cases) {
    test(`POST /debug/execute with ${name} answers ${status} ${code}`, async () => {
      const res = await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
      const json = await res.json();
      expect({ status: res.status, code: json.code }).toEqual({ status, code });
      expect(json.error).toBeString();
    });
  }

  test("invalid UTF-8 is a 400", async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0x63, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]);
    const res = await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: bytes });
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe("INVALID_JSON");
  });

  test("an unknown route is a JSON 404", async () => {
    const res = await call("GET", "/nope");
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe("NOT_FOUND");
  });
});

describe("admin and agent endpoints", () => {
  test("token creation is admin-only, registers the cluster, and refuses a second token with 409", async () => {
    expect((await call("POST", "/admin/agents/newc/token", {})).status).toBe(403);
    const created = await ok(await call("POST", "/admin/agents/newc/token", {}, { "x-api-key": ADMIN }), 201);
    expect(created).toMatchObject({ clusterId: "newc" });
    expect(created.token.length).toBeGreaterThan(20);
    const again = await ok(await call("POST", "/admin/agents/newc/token", {}, { "x-api-key": ADMIN }), 409);
    expect(again.code).toBe("TOKEN_EXISTS");
    const agents = await ok(await call("GET", "/admin/agents", undefined, { "x-api-key": ADMIN }));
    expect(agents.clusters.map((c: { id: string }) => c.id)).toContain("newc");
  });

  test("the agent endpoints take the cluster token, and a revoked token is cut off", async () => {
    const { token } = await ok(await call("POST", "/admin/agents/revoke-me/token", {}, { "x-api-key": ADMIN }), 201);
    const agentHeaders = { authorization: `Bearer ${token}`, "x-cluster-id": "revoke-me" };
    expect((await call("GET", "/agent/commands?wait=0", undefined, agentHeaders)).status).toBe(204);
    expect((await call("GET", "/agent/commands?wait=0", undefined, { ...agentHeaders, "x-cluster-id": "c1" })).status).toBe(401);
    const beat = await ok(await call("POST", "/agent/heartbeat", { version: "t", kubectlVersion: "v1" }, agentHeaders));
    expect(beat).toEqual({ active: false });
    const status = await ok(await call("GET", "/admin/agents/revoke-me/status", undefined, { "x-api-key": ADMIN }));
    expect(status).toMatchObject({ cluster_id: "revoke-me", connected: true, agent: { kubectlVersion: "v1" }, has_token: true });
    expect((await call("DELETE", "/admin/agents/revoke-me/token", undefined, { "x-api-key": ADMIN })).status).toBe(204);
    expect((await call("GET", "/agent/commands?wait=0", undefined, agentHeaders)).status).toBe(401);
  });

  test("a result for a command the agent did not lease is rejected with 409", async () => {
    const result = { commandId: "x", clusterId: "c2", status: "success", output: "forged", truncated: false, durationMs: 1, executedAt: Date.now(), agentId: "a" };
    const body = await ok(await call("POST", "/agent/results", { result }, { authorization: `Bearer ${C2_TOKEN}`, "x-cluster-id": "c2" }), 409);
    expect(body.code).toBe("RESULT_REJECTED");
  });

  test("GET /agent/commands?wait= out of range is a 400", async () => {
    const res = await call("GET", "/agent/commands?wait=999", undefined, { authorization: `Bearer ${C2_TOKEN}`, "x-cluster-id": "c2" });
    expect(res.status).toBe(400);
  });
});

describe("observability", () => {
  test("GET /metrics serves Prometheus text with command counters", async () => {
    const res = await call("GET", "/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(/kubently_commands_total\{status="queued"\} \d+/);
    expect(text).toContain("kubently_command_duration_ms_count");
  });

  test("the OpenAPI document lists exactly the routes the app serves", async () => {
    const doc = await ok(await call("GET", "/openapi.json"));
    const served = new Set(k.routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`));
    const documented = new Set(Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
    expect([...served].sort()).toEqual([...documented].sort());
  });

  test("GET /audit is scoped to the caller unless admin, and the chain verifies", async () => {
    await call("POST", "/debug/execute", { cluster_id: "c1", argv: ["version"] }, { "x-api-key": OTHER });
    const mine = await ok(await call("GET", "/audit?limit=1000"));
    expect(mine.entries.every((e: { identity: string }) => e.identity === "svc")).toBe(true);
    const all = await ok(await call("GET", "/audit?limit=1000", undefined, { "x-api-key": ADMIN }));
    expect(all.entries.some((e: { identity: string }) => e.identity === "other")).toBe(true);
    expect(await ok(await call("GET", "/audit/verify", undefined, { "x-api-key": ADMIN }))).toMatchObject({ ok: true });
    expect((await call("GET", "/audit?since=notadate")).status).toBe(400);
  });
});
