/**
 * The event bus across API replicas on a real redis-server (adapters/redis/events.ts):
 * two `createKubently` over `redisBackend` with one prefix. A command run
 * through replica A (its agent is A's) is seen by a subscriber of replica B,
 * once; agent.connected and agent.lost travel the same way; a stale agent's
 * loss noticed by both replicas' watches is published once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { redisBackend } from "../../adapters/redis/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { readEventStream } from "../../lib/_event-stream.ts";
import { createEventBus, watchAgents, type KubentlyEvent } from "../../lib/events/index.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { LIMITS } from "../../lib/limits.ts";
import { generateSigningKeyPem } from "../../lib/signing.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";

const missing = redisUnavailable();
const KEY = "redis-events-key-0123456789abcdef";
const uid = () => Math.random().toString(36).slice(2, 10);

type Received = KubentlyEvent & { cluster_id?: string; arrived: number };

/** Follows `GET /events` of `base`; events land in the returned array as they arrive. */
async function follow(base: string, query = "") {
  const stop = new AbortController();
  const res = await fetch(`${base}/events${query}`, { headers: { "x-api-key": KEY }, signal: stop.signal });
  expect(res.status).toBe(200);
  const events: Received[] = [];
  void (async () => {
    try {
      for await (const e of readEventStream(res.body!)) events.push({ ...(e.data as KubentlyEvent), arrived: performance.now() });
    } catch {
      // aborted
    }
  })();
  const waitFor = async (pred: (e: Received) => boolean, ms = 5_000): Promise<Received> => {
    for (const end = Date.now() + ms; ; await Bun.sleep(5)) {
      const found = events.find(pred);
      if (found) return found;
      if (Date.now() > end) throw new Error(`no matching event within ${ms} ms; got ${JSON.stringify(events.map((e) => [e.type, e.cluster_id]))}`);
    }
  };
  return { events, waitFor, close: () => stop.abort() };
}

if (missing) {
  console.warn(`skipping the Redis event tests: ${missing}`);
  test.skip(`Redis event tests [skipped: ${missing}]`, () => {});
} else {
  let redis: RedisServer;
  let a: Kubently;
  let b: Kubently;
  let urlA = "";
  let urlB = "";

  beforeAll(async () => {
    redis = await startRedis();
    const prefix = `ev-${uid()}`;
    const signingKey = generateSigningKeyPem();
    const replica = () =>
      createKubently({
        backend: redisBackend({ url: redis.url, prefix }),
        policies: [readOnly()],
        signingKey,
        apiKeys: [{ name: "ops", key: KEY, role: "admin" }],
        clusters: [{ id: "c1" }, { id: "c2" }],
        auditReconciler: false,
      });
    a = replica();
    b = replica();
    await a.ready();
    await b.ready();
    urlA = (await a.listen({ port: 0 })).url;
    urlB = (await b.listen({ port: 0 })).url;
    a.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.close();
  });

  describe("events on the Redis backend", () => {
    test("a command run on replica A is seen, once, by a subscriber of replica B (and of A)", async () => {
      const onB = await follow(urlB, "?types=command.queued,command.finished");
      const onA = await follow(urlA, "?types=command.queued,command.finished");
      const res = await fetch(`${urlA}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv: ["get", "pods", "-n", "shop"] }) });
      const { command_id } = (await res.json()) as { command_id: string };
      for (const s of [onB, onA]) {
        await s.waitFor((e) => e.type === "command.finished" && e.data.command_id === command_id);
        expect(s.events.filter((e) => e.data.command_id === command_id).map((e) => e.type)).toEqual(["command.queued", "command.finished"]);
      }
      const finished = onB.events.find((e) => e.type === "command.finished")!;
      expect(finished).toMatchObject({ cluster_id: "c1", namespace: "shop", identity: "ops", data: { status: "success", exit_code: 0 } });
      expect(JSON.stringify(onB.events)).not.toContain("get pods -n shop\\n");
      onA.close();
      onB.close();
    });

    test("a command posted to replica B, run by A's agent: both replicas' subscribers see it; delay from POST to B's event printed", async () => {
      const onB = await follow(urlB, "?types=command.queued");
      const onA = await follow(urlA, "?types=command.queued");
      const delays: number[] = [];
      for (let i = 0; i < 20; i++) {
        const sent = performance.now();
        const posted = fetch(`${urlA}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv: ["get", "pods"], correlation_id: `r-${i}` }) });
        const e = await onB.waitFor((x) => x.data.correlation_id === `r-${i}`);
        delays.push(e.arrived - sent);
        await posted;
      }
      delays.sort((x, y) => x - y);
      console.log(`[events] redis: POST to replica A -> command.queued on replica B's SSE: p50 ${delays[10]!.toFixed(2)} ms, max ${delays.at(-1)!.toFixed(2)} ms (20 commands)`);
      const res = await fetch(`${urlB}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv: ["version"], correlation_id: "via-b" }) });
      expect(res.status).toBe(200);
      await onA.waitFor((x) => x.data.correlation_id === "via-b");
      await onB.waitFor((x) => x.data.correlation_id === "via-b");
      onA.close();
      onB.close();
    });

    test("agent.connected and agent.lost of an agent on replica A reach replica B", async () => {
      const onB = await follow(urlB, "?types=agent.connected,agent.lost&cluster_id=c2");
      const agent = a.startLocalAgent({ clusterId: "c2", executor: echoExecutor(), agentId: "agent-c2" });
      const connected = await onB.waitFor((e) => e.type === "agent.connected");
      expect(connected).toMatchObject({ cluster_id: "c2" });
      await agent.stop();
      const lost = await onB.waitFor((e) => e.type === "agent.lost");
      expect(lost).toMatchObject({ cluster_id: "c2", data: { reason: "stopped" } });
      expect(onB.events.map((e) => e.type)).toEqual(["agent.connected", "agent.lost"]);
      onB.close();
    });

    test("when Redis comes back after a restart, subscribers are told they may have missed events (reset, gap)", async () => {
      const onB = await follow(urlB);
      await redis.restart();
      const reset = await onB.waitFor((e) => e.type === "reset", 15_000);
      expect(reset.data).toEqual({ reason: "gap" });
      // And the replicas share events again (this Redis keeps nothing across a restart: register the clusters again).
      await a.ready();
      const res = await fetch(`${urlA}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv: ["get", "pods"], correlation_id: "after-restart" }) });
      expect(res.status).toBe(200);
      await onB.waitFor((e) => e.data.correlation_id === "after-restart", 5_000);
      onB.close();
    }, 30_000);

    test("a stale agent noticed by the watches of two replicas is one agent.lost", async () => {
      const prefix = `ev-${uid()}`;
      const backends = [redisBackend({ url: redis.url, prefix }), redisBackend({ url: redis.url, prefix })];
      const buses = backends.map((be) => createEventBus({ channel: be.events! }));
      const watches = backends.map((be, i) => watchAgents(be.auth, buses[i]!, { intervalMs: 0 }));
      const seen = buses.map((bus) => bus.subscribe({ filter: (e) => e.type === "agent.lost" }));
      try {
        await backends[0]!.auth.registerCluster({ id: "s1", createdAt: Date.now() });
        const now = Date.now();
        await backends[0]!.auth.updateCluster("s1", { lastSeenAt: now });
        await Promise.all(watches.map((w) => w.check(now)));
        await watches[0]!.check(now + LIMITS.agentStaleMs + 1_000);
        // The loss reaches replica 2 over Redis before its own watch looks.
        const first = await seen[1]!.next();
        expect(first.value).toMatchObject({ type: "agent.lost", clusterId: "s1", data: { reason: "stale", last_seen_at: now } });
        await watches[1]!.check(now + LIMITS.agentStaleMs + 2_000);
        await watches[0]!.check(now + LIMITS.agentStaleMs + 3_000);
        await Bun.sleep(50);
        expect(buses.map((bus) => bus.stats().published)).toEqual([1, 1]);
      } finally {
        for (const w of watches) w.stop();
        for (const bus of buses) bus.close();
        await Promise.all(backends.map((be) => be.close()));
      }
    });
  });
}
