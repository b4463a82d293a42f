/**
 * Two API processes on one Redis and one agent, all compiled binaries: a
 * command sent to either API completes, sessions are shared, a result lands
 * for a caller waiting on the other replica, and a rate limit holds across
 * both.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";
import { readSse } from "../_sse.ts";
import { BINARY, ensureBinary, hasTool, post, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([hasTool("kubectl") ? null : "kubectl is not on PATH", redisUnavailable(), ensureBinary()]);
const KEY = "replica-key-0123456789abcdef";
const LIMITED = "replica-limited-0123456789ab";
const TOKEN = "replica-token-0123456789abcdef";
const ADMIN = "replica-admin-0123456789abcdef";

describe.skipIf(skip)("two API replicas on Redis", () => {
  let redis: RedisServer;
  let sim: SimCluster;
  const procs: Proc[] = [];
  const urls: string[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    sim = await startSimCluster();
    const dir = mkdtempSync(join(tmpdir(), "kubently-replicas-"));
    writeFileSync(join(dir, "signing.pem"), Bun.spawnSync([BINARY, "keygen"]).stdout);
    writeFileSync(join(dir, "kubently.json"), JSON.stringify({ plugins: ["read-only", "redact-secrets", { use: "rate-limit", options: { limit: 200, windowMs: 3_600_000 } }] }));
    writeFileSync(join(dir, "limited.json"), JSON.stringify({ plugins: ["read-only", { use: "rate-limit", options: { limit: 3, windowMs: 3_600_000 } }] }));
    for (let i = 0; i < 2; i++) {
      const api = run(
        ["api", "--config", join(dir, "kubently.json"), "--backend", "redis", "--redis-url", redis.url, "--redis-prefix", "e2e", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`, "--admin-key", ADMIN, "--signing-key-file", join(dir, "signing.pem")],
        { KUBENTLY_AGENT_TOKENS: `sim:${TOKEN}` },
      );
      procs.push(api);
      urls.push((await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!);
    }
    // The agent talks to replica 0 only; callers use both.
    const agent = run(["agent", "--api-url", urls[0]!, "--cluster-id", "sim", "--token", TOKEN, "--kubeconfig", await sim.writeKubeconfig(join(dir, "config"))]);
    procs.push(agent);
    await agent.waitFor(/serving cluster sim/);
    // Two more replicas with a tight shared limit, on their own prefix.
    for (let i = 0; i < 2; i++) {
      const api = run(["api", "--config", join(dir, "limited.json"), "--backend", "redis", "--redis-url", redis.url, "--redis-prefix", "lim", "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `l:${LIMITED}`, "--signing-key-file", join(dir, "signing.pem")], { KUBENTLY_AGENT_TOKENS: `sim:${TOKEN}` });
      procs.push(api);
      urls.push((await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!);
    }
  });
  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
    await sim?.close();
    await redis?.stop();
  });

  test("commands sent to either replica complete, with real kubectl output", async () => {
    for (const url of urls.slice(0, 2)) {
      const { body } = await post(`${url}/debug/execute`, KEY, { cluster_id: "sim", argv: ["get", "pods", "-n", "shop"] });
      expect(body).toMatchObject({ status: "success" });
      expect(body.output).toContain("CrashLoopBackOff");
    }
  });

  test("a session created on one replica is used on the other; the result reaches the caller waiting there", async () => {
    const session = (await post(`${urls[0]}/debug/session`, KEY, { cluster_id: "sim" })).body;
    const seen = await (await fetch(`${urls[1]}/debug/session/${session.session_id}`, { headers: { "x-api-key": KEY } })).json();
    expect(seen).toMatchObject({ session_id: session.session_id, status: "active" });
    // Replica 1 has no agent connected: the agent leases through replica 0 and the result wakes replica 1.
    const { body } = await post(`${urls[1]}/debug/execute`, KEY, { cluster_id: "sim", session_id: session.session_id, command_type: "describe", args: ["deployment", "web"], namespace: "shop" });
    expect(body).toMatchObject({ status: "success", session_id: session.session_id });
    expect(body.output).toContain("Name:");
    const result = await (await fetch(`${urls[0]}/debug/result/${body.command_id}`, { headers: { "x-api-key": KEY } })).json();
    expect(result.status).toBe("success");
  });

  test("a stream queued on one replica is followed live on the other (chunks posted through the first)", async () => {
    const queued = await post(`${urls[1]}/debug/execute`, KEY, { cluster_id: "sim", argv: ["logs", "-f", "-n", "shop", "pod/web-7d4b9c8f6d-x2kqp", "--tail=1"], stream: true, timeout_seconds: 3 });
    expect(queued.status).toBe(202);
    const { events } = await readSse(await fetch(`${urls[1]}${queued.body.stream_url}`, { headers: { "x-api-key": KEY } }));
    const chunks = events.filter((e) => e.event === "chunk");
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    expect(events.at(-1)!.at - chunks[0]!.at).toBeGreaterThan(1_000);
    const result = events.at(-1)!.data as { code: string; output: string };
    expect(result.code).toBe("STREAM_TIME_BUDGET");
    expect(chunks.map((e) => (e.data as { data: string }).data).join("")).toBe(result.output);
  });

  test("the audit chain stays one valid chain across replicas", async () => {
    await Promise.all(urls.slice(0, 2).flatMap((url) => Array.from({ length: 5 }, () => post(`${url}/debug/execute`, KEY, { cluster_id: "sim", argv: ["version"] }))));
    const audit = await (await fetch(`${urls[1]}/audit?limit=1000`, { headers: { "x-api-key": KEY } })).json();
    expect(audit.count).toBeGreaterThan(20);
    for (const url of urls.slice(0, 2)) {
      const verified = await (await fetch(`${url}/audit/verify`, { headers: { "x-api-key": ADMIN } })).json();
      expect(verified).toMatchObject({ ok: true });
      expect(verified.count).toBeGreaterThan(20);
    }
  });

  test("a rate limit holds across replicas (counters live in Redis)", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${urls[2 + (i % 2)]}/debug/execute`, { method: "POST", headers: { "x-api-key": LIMITED, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "sim", argv: ["version"], timeout_seconds: 1 }) });
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses.slice(0, 3).every((s) => s !== 429)).toBe(true);
    expect(statuses[3]).toBe(429);
  });
});
