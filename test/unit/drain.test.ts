/**
 * Draining a replica (issue 18, rolling restarts), over HTTP. When `close()`
 * begins on a shared backend (two instances on one real redis-server):
 * `/ready` answers 503 `draining`, an agent's waiting long poll ends at once
 * and new polls are refused 503 `SHUTTING_DOWN` (the agent moves to the
 * other replica), while a caller already waiting on the draining replica
 * still gets its result, leased and answered through the other one. Alone on
 * its backend (memory), a draining instance keeps handing out work, since
 * the commands in flight need its agents.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { redisBackend } from "../../adapters/redis/index.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { generateSigningKeyPem } from "../../lib/signing.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";

const KEY = "drain-key-0123456789abcdef0123";
const TOKEN = "drain-token-0123456789abcdef01";
const TOKEN2 = "drain-token-2-0123456789abcdef";
const agentHeaders = { authorization: `Bearer ${TOKEN}`, "x-cluster-id": "c1", "x-agent-id": "a1", "content-type": "application/json" };
const poll = (url: string, wait = 20) => fetch(`${url}/agent/commands?wait=${wait}`, { headers: agentHeaders });
const execute = (url: string, correlation: string) =>
  fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv: ["get", "pods"], correlation_id: correlation, timeout_seconds: 20 }) });

/** Answers one leased command the way an agent does. */
async function answer(url: string, leased: { lease_id: string; command: { id: string } }) {
  const result = { commandId: leased.command.id, clusterId: "c1", status: "success", exitCode: 0, output: "pods", truncated: false, durationMs: 1, executedAt: Date.now(), agentId: "a1" };
  return fetch(`${url}/agent/results`, { method: "POST", headers: agentHeaders, body: JSON.stringify({ lease_id: leased.lease_id, result }) });
}

const missing = redisUnavailable();

describe.skipIf(missing !== null)("draining a replica on a shared backend (Redis)", () => {
  let redis: RedisServer;
  const signingKey = generateSigningKeyPem();
  let a: Kubently;
  let b: Kubently;
  let urlA = "";
  let urlB = "";
  beforeAll(async () => {
    redis = await startRedis();
    const make = () => createKubently({ backend: redisBackend({ url: redis.url, prefix: "drain" }), policies: [readOnly()], apiKeys: [{ name: "t", key: KEY }], clusters: [{ id: "c1", token: TOKEN }, { id: "c2", token: TOKEN2 }], signingKey, auditReconciler: false });
    a = make();
    b = make();
    await a.ready();
    await b.ready();
    urlA = (await a.listen({ port: 0 })).url;
    urlB = (await b.listen({ port: 0 })).url;
  });
  afterAll(async () => {
    await b?.close();
    await redis?.close();
  });

  test("the draining replica ends long polls and refuses new ones, reports draining, and its waiting caller still gets the result through the other replica", async () => {
    expect((await fetch(`${urlA}/ready`)).status).toBe(200);
    // A caller on A waits for a command on c1, which no agent polls yet; c2's agent long-polls A.
    const late = execute(urlA, "late");
    await Bun.sleep(100);
    const c2Poll = fetch(`${urlA}/agent/commands?wait=20`, { headers: { ...agentHeaders, authorization: `Bearer ${TOKEN2}`, "x-cluster-id": "c2" } });
    await Bun.sleep(100);
    const closing = a.close();
    // The drain waits for the caller, but c2's poll ends at once and A says it is draining.
    expect((await c2Poll).status).toBe(204);
    const ready = await fetch(`${urlA}/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { status: string }).status).toBe("draining");
    const refused = await poll(urlA);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe("SHUTTING_DOWN");
    // New callers are refused on A (they go to B).
    expect((await execute(urlA, "refused")).status).toBe(503);
    // c1's agent polls B, gets the command queued through A, and answers there: A's caller gets its result.
    const leased = await poll(urlB);
    expect(leased.status).toBe(200);
    expect((await answer(urlB, (await leased.json()) as { lease_id: string; command: { id: string } })).status).toBe(200);
    expect(((await (await late).json()) as { status: string }).status).toBe("success");
    await closing;
    // B serves on: a command through B, answered through B.
    const onB = execute(urlB, "on-b");
    const next = await poll(urlB);
    expect((await answer(urlB, (await next.json()) as { lease_id: string; command: { id: string } })).status).toBe(200);
    expect(((await (await onB).json()) as { status: string }).status).toBe("success");
  }, 60_000);

  test("the polls a draining replica holds end as a stream at drainPollsPerSecond, and one still held meanwhile gets work", async () => {
    const c = createKubently({ backend: redisBackend({ url: redis.url, prefix: "drain" }), policies: [readOnly()], apiKeys: [{ name: "t", key: KEY }], clusters: [{ id: "c1", token: TOKEN }, { id: "c2", token: TOKEN2 }], signingKey, auditReconciler: false });
    await c.ready();
    const urlC = (await c.listen({ port: 0 })).url;
    try {
      const started = performance.now();
      const ended: number[] = [];
      const held = Array.from({ length: 10 }, (_, i) =>
        fetch(`${urlC}/agent/commands?wait=20`, { headers: { ...agentHeaders, "x-agent-id": `a${i}` } }).then(async (res) => {
          ended.push(performance.now() - started);
          return res.status;
        }),
      );
      await Bun.sleep(150);
      // c2's poll is the last one held, so the last one ended.
      const c2Poll = fetch(`${urlC}/agent/commands?wait=20`, { headers: { ...agentHeaders, authorization: `Bearer ${TOKEN2}`, "x-cluster-id": "c2" } });
      await Bun.sleep(150);
      const drainStarted = performance.now() - started;
      // 10 polls a second: eleven held polls end over about a second.
      const drained = c.services.clusters.drain(10);
      // New polls are refused at once, while held ones are still being ended.
      const refused = await fetch(`${urlC}/agent/commands?wait=20`, { headers: { ...agentHeaders, "x-agent-id": "late" } });
      expect(refused.status).toBe(503);
      // A command for c2 queued through B meanwhile goes to c2's poll, still held by the draining replica.
      await Bun.sleep(200);
      const caller = fetch(`${urlB}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c2", argv: ["get", "pods"], timeout_seconds: 20 }) });
      const leased = await c2Poll;
      expect(leased.status).toBe(200);
      const lease = (await leased.json()) as { lease_id: string; command: { id: string } };
      // Its result is taken by the draining replica too.
      const result = { commandId: lease.command.id, clusterId: "c2", status: "success", exitCode: 0, output: "pods", truncated: false, durationMs: 1, executedAt: Date.now(), agentId: "a2" };
      const posted = await fetch(`${urlC}/agent/results`, { method: "POST", headers: { ...agentHeaders, authorization: `Bearer ${TOKEN2}`, "x-cluster-id": "c2" }, body: JSON.stringify({ lease_id: lease.lease_id, result }) });
      expect(posted.status).toBe(200);
      expect(((await (await caller).json()) as { status: string }).status).toBe("success");
      expect(await Promise.all(held)).toEqual(Array(10).fill(204));
      await drained;
      // Spread, not all at once: the first ended right after the drain began, the tenth most of a second later.
      const sorted = ended.sort((x, y) => x - y).map((t) => t - drainStarted);
      expect(sorted[0]!).toBeLessThan(250);
      expect(sorted[9]! - sorted[0]!).toBeGreaterThan(700);
    } finally {
      await c.close();
    }
  }, 60_000);
});

describe("draining alone on its backend (memory)", () => {
  test("polls are still served while the drain waits for the commands in flight, which then finish", async () => {
    const k = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "t", key: KEY }], clusters: [{ id: "c1", token: TOKEN }], signingKey: generateSigningKeyPem() });
    await k.ready();
    const { url } = await k.listen({ port: 0 });
    const caller = execute(url, "alone");
    await Bun.sleep(100);
    const closing = k.close();
    expect((await fetch(`${url}/ready`)).status).toBe(503);
    const leased = await poll(url, 5);
    expect(leased.status).toBe(200);
    expect((await answer(url, (await leased.json()) as { lease_id: string; command: { id: string } })).status).toBe(200);
    expect(((await (await caller).json()) as { status: string }).status).toBe("success");
    await closing;
  }, 30_000);
});

