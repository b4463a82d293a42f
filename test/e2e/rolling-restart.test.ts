/**
 * A SIGTERM rolling restart of both API replicas (compiled binaries on one
 * real redis-server) under 16 callers loses no command: 20 light agents
 * (test/_fleet-agents.ts, the real agent protocol over HTTP) serve 20
 * clusters behind a simulated load balancer, each replica is stopped with
 * SIGTERM and started again on its port before the next one is stopped, and
 * every command the callers sent meanwhile ends in a success. A refused
 * connection or a `503 SHUTTING_DOWN` goes to the other replica (nothing was
 * queued; docs/replicas.md says "retry elsewhere", a load balancer does it),
 * and like a load balancer's health check the callers then leave that
 * replica out of rotation for a few seconds;
 * any other 5xx, a reset connection or a result other than success counts as
 * lost (issue 18).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";
import { fleetClusters, startCallers, startFleet, startReplicas, type Fleet, type Replica } from "../_fleet-agents.ts";
import { ensureBinary, prerequisites } from "./_harness.ts";

const { skip } = prerequisites([redisUnavailable(), ensureBinary()]);
const KEY = "rolling-key-0123456789abcdef";
const ADMIN = "rolling-admin-0123456789abcdef";
const agents = fleetClusters(20, "roll");

describe.skipIf(skip)("a SIGTERM rolling restart of two replicas on Redis", () => {
  let redis: RedisServer;
  let replicas: Replica[] = [];
  let fleet: Fleet | undefined;
  const dir = mkdtempSync(join(tmpdir(), "kubently-rolling-"));
  beforeAll(async () => {
    redis = await startRedis();
    replicas = await startReplicas({ count: 2, redisUrl: redis.url, dir, agents, apiKey: KEY, adminKey: ADMIN });
    fleet = startFleet({ urls: replicas.map((r) => r.url), agents });
    await fleet.ready();
  });
  afterAll(async () => {
    await fleet?.stop();
    for (const r of replicas) await r.term();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("16 callers lose no command while each replica in turn is stopped with SIGTERM and started again", async () => {
    const callers = startCallers({ urls: replicas.map((r) => r.url), apiKey: KEY, clusters: agents.map((a) => a.clusterId), callers: 16 });
    await Bun.sleep(1_500);
    const before = callers.tally.ok;
    const exits: (number | null)[] = [];
    for (const replica of replicas) {
      exits.push(await replica.term());
      await replica.start();
      await Bun.sleep(1_500); // the agents that moved away settle before the next replica stops
    }
    const tally = await callers.stop();
    expect(exits).toEqual([0, 0]);
    expect(before).toBeGreaterThan(0);
    expect(tally.ok).toBeGreaterThan(before);
    expect({ lost: tally.lost, reasons: tally.reasons }).toEqual({ lost: 0, reasons: {} });
    // No lease was lost on the way to an agent (a poll ended by the shutdown after it leased): such a command waits out its lease and is delivered again.
    expect(fleet!.stats()).toMatchObject({ resultsLost: 0, redelivered: 0 });
    // Both restarted replicas serve again: a command through each reaches an agent.
    for (const r of replicas) {
      const res = await fetch(`${r.url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: agents[0]!.clusterId, argv: ["version"] }) });
      expect(((await res.json()) as { status: string }).status).toBe("success");
    }
  });
});
