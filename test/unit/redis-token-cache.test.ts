/**
 * Issue 18: each Redis replica keeps the agent tokens it read, so an agent's
 * poll costs no Redis read for them, and a change is never missed: a set or
 * a delete announces itself in the same script, every replica drops its copy
 * on the message, nothing is kept while the subscriber is away, and a read
 * that a change overtook is not kept. The rules on their own first, then on
 * a real redis-server with two backends, and through HTTP on two replicas:
 * a token revoked on one is refused by the other at once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createConnection } from "node:net";
import { AgentTokenCache } from "../../adapters/redis/_token-cache.ts";
import { redisBackend } from "../../adapters/redis/index.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import type { AgentTokenRecord } from "../../lib/schemas.ts";
import { generateSigningKeyPem } from "../../lib/signing.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";

const token = (id: string, hash = `h-${id}`): AgentTokenRecord => ({ id, hash, createdAt: 1 });

describe("AgentTokenCache", () => {
  test("keeps what a read returned and gives it back until the ttl", () => {
    const c = new AgentTokenCache(1_000);
    expect(c.get("c1", 0)).toBeUndefined();
    c.keep("c1", c.stamp(), [token("a")], 0);
    expect(c.get("c1", 999)).toEqual([token("a")]);
    expect(c.get("c1", 1_000)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  test("a change drops the cluster's copy, and a read it overtook is not kept", () => {
    const c = new AgentTokenCache();
    c.keep("c1", c.stamp(), [token("a")]);
    c.keep("c2", c.stamp(), [token("b")]);
    c.changed("c1");
    expect(c.get("c1")).toBeUndefined();
    expect(c.get("c2")).toEqual([token("b")]);
    // A read of c1 started, then a change came before its answer: the old answer is not kept.
    const stamp = c.stamp();
    c.changed("c1");
    c.keep("c1", stamp, [token("old")]);
    expect(c.get("c1")).toBeUndefined();
  });

  test("nothing is kept while the subscriber is away, and everything kept before is dropped", () => {
    const c = new AgentTokenCache();
    c.keep("c1", c.stamp(), [token("a")]);
    c.lost();
    expect(c.get("c1")).toBeUndefined();
    c.keep("c1", c.stamp(), [token("a")]);
    expect(c.get("c1")).toBeUndefined();
    // A read that started before the subscriber came back is not kept either.
    const stamp = c.stamp();
    c.resubscribed();
    c.keep("c1", stamp, [token("a")]);
    expect(c.get("c1")).toBeUndefined();
    c.keep("c1", c.stamp(), [token("a")]);
    expect(c.get("c1")).toEqual([token("a")]);
  });

  test("a cluster without tokens is not kept (unknown ids callers send cannot grow it)", () => {
    const c = new AgentTokenCache();
    for (let i = 0; i < 1_000; i++) c.keep(`nobody-${i}`, c.stamp(), []);
    expect(c.size).toBe(0);
  });
});

/** One raw RESP command on its own connection, answered as text. */
function resp(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    let out = "";
    socket.on("data", (d) => {
      out += d.toString();
      if (/\r\n$/.test(out) && (out[0] !== "$" || out.split("\r\n").length >= 3)) socket.end();
    });
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
  });
}

/** How many GETs Redis has run so far. */
const gets = async (port: number) => Number((await resp(port, "INFO", "commandstats")).match(/^cmdstat_get:calls=(\d+)/m)?.[1] ?? 0);

const until = async (what: () => Promise<boolean>, ms = 2_000) => {
  for (const end = performance.now() + ms; performance.now() < end; await Bun.sleep(10)) if (await what()) return true;
  return what();
};

const missing = redisUnavailable();

describe.skipIf(missing !== null)("agent tokens on Redis, kept per replica", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  test("a second read costs no GET; a change or a delete through another replica reaches this one's next read at once", async () => {
    const prefix = `tc-${crypto.randomUUID()}`;
    const [a, b] = [redisBackend({ url: redis.url, prefix }), redisBackend({ url: redis.url, prefix })];
    try {
      await a.auth.registerCluster({ id: "c1", createdAt: 1 });
      await b.auth.setAgentTokens("c1", [token("t1")]);
      await Bun.sleep(100); // B's announcement has reached A (it would drop what A keeps next)
      expect(await a.auth.getAgentTokens("c1")).toEqual([token("t1")]);
      const before = await gets(redis.port);
      expect(await a.auth.getAgentTokens("c1")).toEqual([token("t1")]);
      expect(await a.auth.getAgentTokens("c1")).toEqual([token("t1")]);
      expect(await gets(redis.port)).toBe(before);
      // Rotated through B: A sees it within the message's trip, not the 60 s ttl.
      await b.auth.setAgentTokens("c1", [token("t2")]);
      expect(await until(async () => (await a.auth.getAgentTokens("c1"))[0]?.id === "t2")).toBe(true);
      // Revoked through B (all tokens gone), then the cluster removed: A's next reads say so.
      await b.auth.setAgentTokens("c1", [token("t3")]);
      expect(await until(async () => (await a.auth.getAgentTokens("c1"))[0]?.id === "t3")).toBe(true);
      await b.auth.setAgentTokens("c1", []);
      expect(await until(async () => (await a.auth.getAgentTokens("c1")).length === 0)).toBe(true);
      await b.auth.setAgentTokens("c1", [token("t4")]);
      expect(await until(async () => (await a.auth.getAgentTokens("c1")).length === 1)).toBe(true);
      await b.auth.deleteCluster("c1");
      expect(await until(async () => (await a.auth.getAgentTokens("c1")).length === 0)).toBe(true);
      // The writer's own copy goes at once, with no message needed.
      await a.auth.registerCluster({ id: "c2", createdAt: 1 });
      await a.auth.setAgentTokens("c2", [token("u1")]);
      expect(await a.auth.getAgentTokens("c2")).toEqual([token("u1")]);
      await a.auth.setAgentTokens("c2", [token("u2")]);
      expect(await a.auth.getAgentTokens("c2")).toEqual([token("u2")]);
      // A caller changing what it got back changes nothing kept.
      (await a.auth.getAgentTokens("c2"))[0]!.hash = "tampered";
      expect((await a.auth.getAgentTokens("c2"))[0]!.hash).toBe("h-u2");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 30_000);

  test("when the subscriber's connection drops, the copies go: a change made meanwhile is read from Redis", async () => {
    const prefix = `tc-${crypto.randomUUID()}`;
    const a = redisBackend({ url: redis.url, prefix });
    try {
      await a.auth.registerCluster({ id: "c1", createdAt: 1 });
      await a.auth.setAgentTokens("c1", [token("t1")]);
      expect(await a.auth.getAgentTokens("c1")).toEqual([token("t1")]);
      // Cut every subscriber (A's) and change the tokens behind A's back, as if the message were lost.
      await resp(redis.port, "CLIENT", "KILL", "TYPE", "pubsub");
      await resp(redis.port, "SET", `${prefix}:tokens:c1`, JSON.stringify([token("behind")]));
      expect(await until(async () => (await a.auth.getAgentTokens("c1"))[0]?.id === "behind")).toBe(true);
      // Back and subscribed: kept again (a second read costs no GET).
      await Bun.sleep(300);
      await a.auth.getAgentTokens("c1");
      const before = await gets(redis.port);
      await a.auth.getAgentTokens("c1");
      expect(await gets(redis.port)).toBe(before);
    } finally {
      await a.close();
    }
  }, 30_000);

  test("through HTTP on two replicas: an agent token revoked on one is refused by the other at once", async () => {
    const ADMIN = "tc-admin-key-0123456789abcdef012";
    const signingKey = generateSigningKeyPem();
    const prefix = `tc-${crypto.randomUUID()}`;
    const replicas: Kubently[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const k = createKubently({ backend: redisBackend({ url: redis.url, prefix }), policies: [readOnly()], apiKeys: [{ name: "admin", key: ADMIN, role: "admin" }], clusters: [{ id: "c1" }], signingKey, auditReconciler: false });
        await k.ready();
        replicas.push(k);
      }
      const [a, b] = await Promise.all(replicas.map(async (k) => (await k.listen({ port: 0 })).url));
      const admin = { "x-api-key": ADMIN, "content-type": "application/json" };
      const created = (await (await fetch(`${a}/admin/agents/c1/token`, { method: "POST", headers: admin, body: "{}" })).json()) as { token: string };
      const poll = (url: string) => fetch(`${url}/agent/commands?wait=0`, { headers: { authorization: `Bearer ${created.token}`, "x-cluster-id": "c1" } });
      expect((await poll(a!)).status).toBe(204);
      expect((await poll(a!)).status).toBe(204); // served from A's copy
      expect((await fetch(`${b}/admin/agents/c1/token`, { method: "DELETE", headers: admin })).status).toBe(204);
      const refusedAt = performance.now();
      expect(await until(async () => (await poll(a!)).status === 401, 1_000)).toBe(true);
      expect(performance.now() - refusedAt).toBeLessThan(1_000);
      expect((await poll(b!)).status).toBe(401);
    } finally {
      for (const k of replicas) await k.close();
    }
  }, 30_000);
});
