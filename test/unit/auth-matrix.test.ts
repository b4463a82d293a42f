/**
 * Every route x every kind of caller, and every route given hostile bodies:
 * the answer is the documented 2xx/4xx, never a 5xx.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { ROUTES } from "../../lib/http/openapi.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { readOnly } from "../../plugins/read-only.ts";

const KEYS = { admin: "admin-0123456789abcdef", operator: "op-0123456789abcdef", viewer: "view-0123456789abcdef" };
const TOKEN = "agent-token-0123456789abcdef";
let k: Kubently;
let url: string;
let sessionId = "no-such-session";

/** Routes that need more than the viewer role among the `key` ones. */
const OPERATOR_ONLY = new Set(["POST /debug/session", "POST /debug/execute", "DELETE /debug/command/{id}", "GET /terminal/ws", "POST /alerts/alertmanager"]);
// A fan-out reports per-cluster errors (a viewer's FORBIDDEN included) inside a 200.
const ANSWERS_PER_CLUSTER = new Set(["POST /debug/fanout"]);

type Caller = "anonymous" | "wrong" | "viewer" | "operator" | "admin" | "agent";
const headersFor = (who: Caller): Record<string, string> => {
  switch (who) {
    case "anonymous":
      return {};
    case "wrong":
      return { "x-api-key": "not-a-key" };
    case "agent":
      return { authorization: `Bearer ${TOKEN}`, "x-cluster-id": "c1" };
    default:
      return { "x-api-key": KEYS[who] };
  }
};

/** Whether a caller passes authentication and role checks on a route. */
function allowed(route: string, who: Caller): boolean {
  const auth = ROUTES[route]!.auth;
  if (auth === "none") return true;
  if (auth === "agent") return who === "agent";
  // The console's session cookie only: no caller here has one (test/unit/login.test.ts covers it).
  if (auth === "session") return false;
  if (who === "anonymous" || who === "wrong" || who === "agent") return false;
  if (auth === "admin") return who === "admin";
  if (OPERATOR_ONLY.has(route)) return who !== "viewer";
  if (ANSWERS_PER_CLUSTER.has(route)) return true;
  return true;
}

const validBody: Record<string, unknown> = {
  "POST /debug/session": { cluster_id: "c1" },
  "POST /debug/execute": { cluster_id: "c1", argv: ["version"], timeout_seconds: 2 },
  "POST /debug/policy/explain": { cluster_id: "c1", argv: ["version"] },
  "POST /debug/fanout": { cluster_ids: ["c1"], argv: ["version"], timeout_seconds: 2 },
  "POST /admin/agents/{cluster_id}/token": {},
  "POST /admin/agents/{cluster_id}/token/rotate": { grace_seconds: 60 },
  "POST /admin/keys": { name: "matrix", role: "viewer" },
  "POST /agent/results": { lease_id: "x", result: {} },
  "POST /agent/heartbeat": {},
};

// Admin agent routes work on a cluster of their own, so revoking its token leaves c1's agent alone.
const concrete = (path: string) =>
  path.replace("{cluster_id}", "adm").replace("{id}", path.startsWith("/debug/session") ? sessionId : "unknown-id");

beforeAll(async () => {
  k = createKubently({
    backend: memoryBackend(),
    policies: [readOnly()],
    apiKeys: [
      { name: "admin", key: KEYS.admin, role: "admin" },
      { name: "operator", key: KEYS.operator, role: "operator" },
      { name: "viewer", key: KEYS.viewer, role: "viewer" },
    ],
    clusters: [{ id: "c1", token: TOKEN }],
  });
  await k.ready();
  url = (await k.listen({ port: 0 })).url;
  k.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
});
afterAll(() => k.close());

describe("auth matrix", () => {
  const callers: Caller[] = ["anonymous", "wrong", "viewer", "operator", "admin", "agent"];
  for (const route of Object.keys(ROUTES)) {
    test(`${route}: only the right callers get through`, async () => {
      const [method, path] = route.split(" ") as [string, string];
      for (const who of callers) {
        // Sessions are private to their creator; make one per caller so the route can answer for it.
        if (path.startsWith("/debug/session/") && ["operator", "admin"].includes(who)) {
          const s = await fetch(`${url}/debug/session`, { method: "POST", headers: { ...headersFor(who), "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1" }) });
          sessionId = (await s.json()).session_id;
        }
        const body = validBody[route];
        const res = await fetch(`${url}${concrete(path)}`, {
          method,
          headers: { ...headersFor(who), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(route === "POST /admin/keys" ? { ...(body as object), name: `m-${who}` } : body) } : {}),
        });
        // An event stream (GET /events) never ends: its status is the answer.
        const text = /^text\/event-stream/.test(res.headers.get("content-type") ?? "") ? (await res.body?.cancel(), "") : await res.text();
        expect(res.status).toBeLessThan(500);
        const denied = res.status === 401 || (res.status === 403 && !text.includes('"status":"denied"'));
        expect({ route, who, passed: !denied, status: res.status }).toEqual({ route, who, passed: allowed(route, who), status: res.status });
        if (res.status === 401) expect(JSON.parse(text).code).toBe("UNAUTHENTICATED");
      }
    });
  }
});

describe("hostile bodies never cause a 5xx", () => {
  const hostile: [string, BodyInit, Record<string, string>][] = [
    ["malformed JSON", "{\"cluster_id\":", { "content-type": "application/json" }],
    ["a JSON string", "\"hello\"", { "content-type": "application/json" }],
    ["a JSON array", "[1,2,3]", { "content-type": "application/json" }],
    ["null", "null", { "content-type": "application/json" }],
    ["wrong types", JSON.stringify({ cluster_id: ["c1"], argv: "get pods", ttl_seconds: "60", name: 5, role: true, result: "x", lease_id: 7, grace_seconds: "1", token: 5, version: 1, capabilities: "x" }), { "content-type": "application/json" }],
    ["deep nesting", "[".repeat(5_000) + "]".repeat(5_000), { "content-type": "application/json" }],
    ["a huge body", JSON.stringify({ cluster_id: "c1", pad: "x".repeat(3 * 1024 * 1024) }), { "content-type": "application/json" }],
    ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), { "content-type": "application/json" }],
    ["a form body", "a=1&b=2", { "content-type": "application/x-www-form-urlencoded" }],
    ["prototype pollution", JSON.stringify({ __proto__: { role: "admin" }, constructor: { prototype: { role: "admin" } }, cluster_id: "c1" }), { "content-type": "application/json" }],
  ];
  const posts = Object.keys(ROUTES).filter((r) => r.startsWith("POST "));
  for (const route of posts) {
    test(`${route} answers every hostile body with a 4xx JSON error`, async () => {
      const path = concrete(route.slice(5));
      const auth = ROUTES[route]!.auth === "agent" ? headersFor("agent") : headersFor("admin");
      for (const [name, body, headers] of hostile) {
        const res = await fetch(`${url}${path}`, { method: "POST", headers: { ...auth, ...headers }, body });
        const json = await res.json().catch(() => null);
        expect({ route, name, below500: res.status < 500 }).toEqual({ route, name, below500: true });
        // A polluted-but-valid body may succeed; every other one is a 4xx with a code.
        if (name === "prototype pollution") continue;
        expect({ route, name, status: res.status >= 400 && res.status < 500 }).toEqual({ route, name, status: true });
        // REST answers { code: "UPPER_SNAKE" }; MCP answers a JSON-RPC error { error: { code: -32xxx } }.
        const code = route === "POST /mcp" ? typeof json?.error?.code : typeof json?.code;
        expect({ route, name, code }).toEqual({ route, name, code: route === "POST /mcp" ? "number" : "string" });
      }
    });
  }

  test("nothing was polluted: a fresh object has no role", () => {
    expect(({} as { role?: string }).role).toBeUndefined();
  });
});
