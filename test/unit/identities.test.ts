/**
 * Identities over real HTTP: admin-created keys (shown once, hashed, revocable,
 * last-used), roles, cluster and namespace scopes, agent-token rotation with a
 * grace period, and policy explain.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { redisBackend } from "../../adapters/redis/index.ts";
import { sqliteBackend } from "../../adapters/sqlite/index.ts";
import type { Backend } from "../../lib/contracts.ts";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { hashSecret } from "../../lib/_utils.ts";
import { readOnly } from "../../plugins/read-only.ts";

const ADMIN = "admin-key-0123456789abcdef";
function identitiesSuite(name: string, makeBackend: () => Backend) {
let k: Kubently;
let url: string;

const call = async (method: string, path: string, key: string, body?: unknown, extra: Record<string, string> = {}) => {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { "x-api-key": key, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...extra },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};
const newKey = async (spec: object) => {
  const r = await call("POST", "/admin/keys", ADMIN, spec);
  expect(r.status).toBe(201);
  return r.body as { key: string; id: string };
};

beforeAll(async () => {
  k = createKubently({ backend: makeBackend(), policies: [readOnly()], apiKeys: [{ name: "admin", key: ADMIN, role: "admin" }], clusters: [{ id: "prod" }, { id: "staging" }] });
  await k.ready();
  url = (await k.listen({ port: 0 })).url;
  k.startLocalAgent({ clusterId: "prod", executor: echoExecutor() });
  k.startLocalAgent({ clusterId: "staging", executor: echoExecutor() });
});
afterAll(() => k.close());

describe(`API keys (${name})`, () => {
  test("an admin creates a key that is shown once, stored hashed, works, records last use, and dies when revoked", async () => {
    const created = await newKey({ name: "sre-bot", role: "operator" });
    expect(created.key).toMatch(/^kbt_/);
    const stored = await k.backend.auth.listApiKeys();
    const rec = stored.find((r) => r.id === created.id)!;
    expect(rec.hash).toBe(hashSecret(created.key));
    expect(JSON.stringify(stored)).not.toContain(created.key);

    const listed = await call("GET", "/admin/keys", ADMIN);
    const row = listed.body.keys.find((r: { id: string }) => r.id === created.id);
    expect(row).toMatchObject({ name: "sre-bot", role: "operator", revoked_at: null });
    expect(JSON.stringify(listed.body)).not.toContain(created.key);
    expect(JSON.stringify(listed.body)).not.toContain(rec.hash);

    expect((await call("POST", "/debug/execute", created.key, { cluster_id: "prod", argv: ["version"] })).body.status).toBe("success");
    await Bun.sleep(10);
    expect((await k.backend.auth.listApiKeys()).find((r) => r.id === created.id)!.lastUsedAt).toBeNumber();

    expect((await call("DELETE", `/admin/keys/${created.id}`, ADMIN)).status).toBe(204);
    expect((await call("GET", "/debug/clusters", created.key)).status).toBe(401);
    const audit = await k.backend.audit.query({ eventType: "key.revoked" });
    expect(audit[0]!.reason).toContain(created.id);
  });

  test("only admins manage keys, and bad specs are 400s naming the field", async () => {
    const op = await newKey({ name: "op", role: "operator" });
    expect((await call("POST", "/admin/keys", op.key, { name: "x", role: "admin" })).status).toBe(403);
    expect((await call("GET", "/admin/keys", op.key)).status).toBe(403);
    const bad = await call("POST", "/admin/keys", ADMIN, { name: "x", role: "root" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("role");
    expect((await call("DELETE", "/admin/keys/nope", ADMIN)).status).toBe(404);
  });

  test("a viewer reads but cannot execute", async () => {
    const viewer = await newKey({ name: "auditor", role: "viewer" });
    expect((await call("GET", "/debug/clusters", viewer.key)).body.clusters).toEqual(["prod", "staging"]);
    expect((await call("GET", "/audit", viewer.key)).status).toBe(200);
    const r = await call("POST", "/debug/execute", viewer.key, { cluster_id: "prod", argv: ["version"] });
    expect(r).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
  });

  test("a cluster-scoped key neither sees nor targets other clusters", async () => {
    const scoped = await newKey({ name: "staging-bot", role: "operator", clusters: ["staging"] });
    expect((await call("GET", "/debug/clusters", scoped.key)).body).toEqual({ clusters: ["staging"], count: 1 });
    const r = await call("POST", "/debug/execute", scoped.key, { cluster_id: "prod", argv: ["version"] });
    expect(r).toMatchObject({ status: 404, body: { code: "CLUSTER_NOT_FOUND", details: { known_clusters: ["staging"] } } });
    expect((await call("GET", "/debug/clusters/prod", scoped.key)).status).toBe(404);
    expect((await call("POST", "/debug/session", scoped.key, { cluster_id: "prod" })).status).toBe(404);
  });

  test("a namespace-scoped key may read only its namespaces", async () => {
    const scoped = await newKey({ name: "shop-team", role: "operator", namespaces: ["shop"] });
    const run = (argv: string[]) => call("POST", "/debug/execute", scoped.key, { cluster_id: "prod", argv });
    expect((await run(["get", "pods", "-n", "shop"])).body.status).toBe("success");
    expect((await call("POST", "/debug/execute", scoped.key, { cluster_id: "prod", command_type: "logs", args: ["web-1"], namespace: "shop" })).body.status).toBe("success");
    expect((await run(["version"])).body.status).toBe("success");
    for (const argv of [["get", "pods", "-A"], ["get", "pods", "-n", "kube-system"], ["get", "pods"], ["get", "nodes"], ["describe", "namespace", "shop"], ["top", "node"], ["get", "widgets", "-n", "shop"]]) {
      const r = await run(argv);
      expect({ argv, status: r.status, policy: r.body.policy }).toEqual({ argv, status: 403, policy: "identity-scope" });
    }
  });
});

describe(`agent tokens (${name})`, () => {
  test("rotation issues a new token and keeps the old one working only for the grace period", async () => {
    const { body: first } = await call("POST", "/admin/agents/edge/token", ADMIN, {});
    const poll = (token: string) => fetch(`${url}/agent/commands?wait=0`, { headers: { authorization: `Bearer ${token}`, "x-cluster-id": "edge" } });
    expect((await poll(first.token)).status).toBe(204);
    const rotated = await call("POST", "/admin/agents/edge/token/rotate", ADMIN, { grace_seconds: 1 });
    expect(rotated.status).toBe(201);
    expect(rotated.body.token).not.toBe(first.token);
    expect((await poll(first.token)).status).toBe(204);
    expect((await poll(rotated.body.token)).status).toBe(204);
    await Bun.sleep(1_100);
    expect((await poll(first.token)).status).toBe(401);
    expect((await poll(rotated.body.token)).status).toBe(204);
    const cut = await call("POST", "/admin/agents/edge/token/rotate", ADMIN, { grace_seconds: 0 });
    expect((await poll(rotated.body.token)).status).toBe(401);
    expect((await poll(cut.body.token)).status).toBe(204);
    expect((await k.backend.audit.query({ eventType: "agent.token.rotated" })).length).toBe(2);
  });

  test("rotating a token of an unknown cluster is a 404; a bad grace is a 400", async () => {
    expect((await call("POST", "/admin/agents/ghost/token/rotate", ADMIN, {})).status).toBe(404);
    expect((await call("POST", "/admin/agents/prod/token/rotate", ADMIN, { grace_seconds: -1 })).status).toBe(400);
  });
});

describe(`POST /debug/policy/explain (${name})`, () => {
  test("says which policy decided and why, without running anything", async () => {
    const before = await k.backend.audit.query({ limit: 1000 });
    const deny = await call("POST", "/debug/policy/explain", ADMIN, { cluster_id: "prod", argv: ["get", "secrets", "-n", "shop", "-o", "yaml"] });
    expect(deny.body).toMatchObject({ decision: "deny", policy: "read-only", policies: ["read-only"] });
    expect(deny.body.reason).toContain("restricted-resource");
    const allow = await call("POST", "/debug/policy/explain", ADMIN, { cluster_id: "prod", command_type: "get", args: ["pods"], namespace: "shop" });
    expect(allow.body).toMatchObject({ decision: "allow", policy: null, argv: ["get", "pods", "-n", "shop"] });
    expect((await k.backend.audit.query({ limit: 1000 })).length).toBe(before.length);
  });

  test("applies the key's namespace scope too", async () => {
    const scoped = await newKey({ name: "explainer", role: "viewer", namespaces: ["shop"] });
    const r = await call("POST", "/debug/policy/explain", scoped.key, { cluster_id: "prod", argv: ["get", "pods", "-A"] });
    expect(r.body).toMatchObject({ decision: "deny", policy: "identity-scope" });
  });
});
}

const redisMissing = redisUnavailable();
if (redisMissing && process.env.CI === "true") throw new Error(`redis-server is required under CI: ${redisMissing}`);
let redis: RedisServer | undefined;
beforeAll(async () => {
  if (!redisMissing) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

identitiesSuite("memory", () => memoryBackend());
identitiesSuite("sqlite", () => sqliteBackend({ filename: join(mkdtempSync(join(tmpdir(), "kubently-ids-")), "k.db") }));
if (!redisMissing) identitiesSuite("redis", () => redisBackend({ url: redis!.url, prefix: `ids${Math.random().toString(36).slice(2, 8)}` }));
