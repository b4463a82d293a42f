/**
 * The Redis backend's idle cost at fleet scale (issue 18), on a real
 * redis-server:
 * - a waiting lease costs Redis nothing while it waits (no periodic
 *   re-check: the channel wakes it), counted by Redis itself;
 * - an idle cluster gets no BullMQ stalled check, yet a job orphaned by a
 *   crash between activating and leasing is moved back by the sweeper's
 *   stalled check (run for clusters with commands in flight) and a waiting
 *   lease takes it;
 * - the agent watch reads only the clusters that just went stale;
 * - a cluster's BullMQ objects are released once unused, and the cluster
 *   works as before when used again (the shared connection is untouched).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createConnection } from "node:net";
import { redisBackend } from "../../adapters/redis/index.ts";
import type { Backend } from "../../lib/contracts.ts";
import { createEventBus, watchAgents } from "../../lib/events/index.ts";
import { LIMITS } from "../../lib/limits.ts";
import type { Command } from "../../lib/schemas.ts";
import { testCommand } from "../_fixtures.ts";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";

const missing = redisUnavailable();
const uid = () => Math.random().toString(36).slice(2, 10);
const command = (clusterId: string): Command => testCommand(clusterId, { timeoutMs: 20_000, deadline: Date.now() + 60_000 });

/** One raw RESP command on its own connection (so our own clients' traffic is not mixed in). */
function resp(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    let out = "";
    socket.on("data", (d) => {
      out += d.toString();
      const m = /^\$(\d+)\r\n/.exec(out);
      if (out.startsWith("+") || out.startsWith(":") || out.startsWith("-") || (m && out.length >= m[0].length + Number(m[1]) + 2)) {
        socket.end();
        resolve(out);
      }
    });
    socket.on("error", reject);
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
  });
}

/** Calls of one command Redis has run so far (top level and inside scripts). */
async function calls(port: number, command: string): Promise<number> {
  return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m").exec(await resp(port, "INFO", "commandstats"))?.[1] ?? 0);
}

/** HGETALL calls Redis has run so far (one per cluster record read). */
const hashReads = (port: number) => calls(port, "hgetall");

/** Scripts Redis has run so far (EVALSHA and EVAL calls; every look for work is one). */
async function scriptsRun(port: number): Promise<number> {
  const stats = await resp(port, "INFO", "commandstats");
  return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

if (missing) {
  test.skip(`Redis fleet tests [skipped: ${missing}]`, () => {});
} else {
  describe("redisBackend at fleet scale", () => {
    let redis: RedisServer;
    const open: Backend[] = [];
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis.close();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });
    const backend = (options: Parameters<typeof redisBackend>[0] = {}) => {
      const b = redisBackend({ url: redis.url, prefix: `fl-${uid()}`, ...options });
      open.push(b);
      return b;
    };

    test("a waiting lease costs Redis nothing while it waits: one cheap look when it starts, then the channel (it used to look again every 10 s)", async () => {
      // The sweeper is the only other traffic: slowed down here so the count is the lease's alone.
      const b = backend({ sweepIntervalMs: 600_000 });
      const cluster = `c-${uid()}`;
      expect(await b.queue.lease(cluster, { waitMs: 1 })).toBeNull(); // connected
      await Bun.sleep(300); // the sweeper's first pass, at connect, is over (the next is 600 s away)
      const [scripts, lens] = [await scriptsRun(redis.port), await calls(redis.port, "llen")];
      const waited = await b.queue.lease(cluster, { waitMs: 12_000 });
      expect(waited).toBeNull();
      // The lease's single look when it starts (one LLEN of the empty queue, no script), nothing in the 12 s after.
      expect((await calls(redis.port, "llen")) - lens).toBe(1);
      expect((await scriptsRun(redis.port)) - scripts).toBe(0);
      // And a push still wakes a waiting lease at once.
      const waiting = b.queue.lease(cluster, { waitMs: 20_000 });
      const c = command(cluster);
      await b.queue.push(c);
      expect((await waiting)?.command.id).toBe(c.id);
    }, 30_000);

    test("a job orphaned by a crash between activating and leasing is moved back by the stalled check (run for clusters with commands in flight) and leased again", async () => {
      const b = backend({ housekeeping: { intervalMs: 300, idleEvictMs: 600_000 } });
      const cluster = `c-${uid()}`;
      // An orphan: a job activated by a process that "crashed" before writing the lease (BullMQ directly, short lock).
      const orphan = command(cluster);
      await b.queue.push(orphan);
      const [{ Worker }, { Redis }] = await Promise.all([import("bullmq"), import("ioredis")]);
      const rt = await (b.queue as unknown as { rt: () => Promise<{ bullPrefix: string }> }).rt();
      const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
      const crashed = new Worker(cluster, null, { connection, prefix: rt.bullPrefix, autorun: false, lockDuration: 200 });
      const taken = await crashed.getNextJob("crashed-token", { block: false });
      expect(taken?.id).toBe(orphan.id);
      await crashed.close(true).catch(() => {});
      await connection.quit();
      // A waiting lease (of this replica, which never saw the activation) gets the orphan once the
      // sweeper's stalled check has moved it back (two passes).
      const again = await b.queue.lease(cluster, { waitMs: 10_000 });
      expect(again?.command.id).toBe(orphan.id);
    }, 30_000);

    test("an idle replica sweeps only every idleSweepMs, with no stalled checks: with 50 clusters known and nothing in flight", async () => {
      const b = backend({ sweepIntervalMs: 100, housekeeping: { intervalMs: 100, idleEvictMs: 600_000, idleSweepMs: 1_000 } });
      for (let i = 0; i < 50; i++) expect(await b.queue.lease(`idle-${i}`, { waitMs: 1 })).toBeNull();
      await Bun.sleep(200);
      const before = await scriptsRun(redis.port);
      await Bun.sleep(3_000);
      const during = (await scriptsRun(redis.port)) - before;
      // Three idle sweeps of one script each; every 100 ms it would be 30, a stalled check per cluster per tick about 1,500.
      expect(during).toBeGreaterThanOrEqual(2);
      expect(during).toBeLessThanOrEqual(4);
    }, 30_000);

    test("a sweep comes when a deadline or lease end comes due, not at the idle pace: a command nobody takes ends at its deadline", async () => {
      const b = backend({ sweepIntervalMs: 100, housekeeping: { intervalMs: 30_000, idleEvictMs: 600_000, idleSweepMs: 60_000 } });
      const cluster = `c-${uid()}`;
      await b.queue.lease(cluster, { waitMs: 1 }); // connected, first sweep done
      const c = { ...command(cluster), timeoutMs: 1_000, deadline: Date.now() + 1_000 };
      await b.queue.push(c);
      const ended = await b.queue.awaitResult(c.id, { waitMs: 5_000 });
      expect(ended?.code).toBe("DEADLINE_EXCEEDED");
      expect(Date.now() - c.deadline).toBeLessThan(1_000);
      // A lease whose agent vanished: handed out again at its end, not at the idle pace.
      const d = command(cluster);
      await b.queue.push(d);
      const first = await b.queue.lease(cluster, { waitMs: 1_000, leaseMs: 500 });
      expect(first?.command.id).toBe(d.id);
      const second = await b.queue.lease(cluster, { waitMs: 5_000 });
      expect(second?.command.id).toBe(d.id);
      expect(second?.attempt).toBe(2);
    }, 30_000);

    test("the agent watch reads only the clusters whose agent just went stale, not the fleet", async () => {
      const b = backend();
      const bus = createEventBus({});
      const lost = bus.subscribe({ filter: (e) => e.type === "agent.lost" });
      const now = Date.now();
      for (let i = 0; i < 200; i++) {
        await b.auth.registerCluster({ id: `live-${i}`, createdAt: now });
        await b.auth.updateCluster(`live-${i}`, { lastSeenAt: now });
      }
      await b.auth.registerCluster({ id: "gone", createdAt: now });
      // Fresh when the watch starts, stale two seconds later.
      await b.auth.updateCluster("gone", { lastSeenAt: Date.now() - LIMITS.agentStaleMs + 1_000 });
      const watch = watchAgents(b.auth, bus, { intervalMs: 0 });
      try {
        await watch.check();
        const before = await hashReads(redis.port);
        await watch.check(Date.now() + 2_000);
        // One hash read (the cluster that crossed the stale threshold), not 201.
        expect((await hashReads(redis.port)) - before).toBe(1);
        expect((await lost.next()).value).toMatchObject({ type: "agent.lost", clusterId: "gone", data: { reason: "stale" } });
      } finally {
        watch.stop();
        bus.close();
      }
    });

    test("an idle poll makes no BullMQ objects; a used cluster's are released once unused, and it works as before when used again", async () => {
      const b = backend({ housekeeping: { intervalMs: 100, idleEvictMs: 300 } });
      const cluster = `c-${uid()}`;
      const cached = () => (b.queue as unknown as { clusters: Map<string, unknown> }).clusters;
      const roundTrip = async () => {
        const c = command(cluster);
        await b.queue.push(c);
        expect(cached().has(cluster)).toBe(true);
        const lease = await b.queue.lease(cluster, { waitMs: 5_000 });
        expect(lease?.command.id).toBe(c.id);
        expect(await b.queue.complete(lease!, { commandId: c.id, clusterId: cluster, status: "success", exitCode: 0, output: "ok", truncated: false, durationMs: 1, executedAt: Date.now(), agentId: "a" })).toBe(true);
        expect((await b.queue.getResult(c.id))?.output).toBe("ok");
      };
      // An empty queue's poll is one LLEN: nothing is made for the cluster.
      expect(await b.queue.lease(cluster, { waitMs: 1 })).toBeNull();
      expect(cached().has(cluster)).toBe(false);
      await roundTrip();
      const until = Date.now() + 10_000;
      while (cached().has(cluster) && Date.now() < until) await Bun.sleep(50);
      expect(cached().has(cluster)).toBe(false);
      await roundTrip();
      expect(await b.ping()).toBe(true);
    }, 30_000);
  });
}
