/**
 * Circuit breakers through the compiled binary (issue 14 item 6): `kubently
 * api` on a real redis-server that this test kills. While Redis is away the
 * Redis breaker opens: requests fail at once with 503 BACKEND_UNAVAILABLE
 * naming the open circuit, `/ready` answers 503 showing it, `/metrics`
 * exports its state; once Redis is back a trial call closes it and the API
 * serves again.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";
import { pollUntil } from "../_fixtures.ts";
import { BINARY, ensureBinary, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([redisUnavailable(), ensureBinary()]);
const KEY = "breaker-e2e-key-0123456789abcdef";

describe.skipIf(skip)("the Redis circuit breaker, through the binary", () => {
  let redis: RedisServer;
  let api: Proc;
  let url = "";
  beforeAll(async () => {
    redis = await startRedis();
    const key = join(mkdtempSync(join(tmpdir(), "kubently-breakers-")), "signing.pem");
    writeFileSync(key, Bun.spawnSync([BINARY, "keygen"]).stdout);
    api = run(["api", "--backend", "redis", "--redis-url", redis.url, "--redis-prefix", "brk", "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`, "--admin-key", KEY, "--signing-key-file", key]);
    url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
  });
  afterAll(async () => {
    await api?.stop();
    await redis?.stop();
  });

  const ready = async () => {
    const res = await fetch(`${url}/ready`);
    return { status: res.status, body: (await res.json()) as { status: string; backend: string; breakers: { name: string; state: string; opens: number }[] } };
  };
  const clusters = async () => {
    const res = await fetch(`${url}/debug/clusters`, { headers: { "x-api-key": KEY } });
    return { status: res.status, body: (await res.json()) as { code?: string; error?: string } };
  };
  const metric = async () => (await (await fetch(`${url}/metrics`, { headers: { "x-api-key": KEY } })).text()).match(/^kubently_breaker_state\{breaker="redis"\} (\d+)$/m)?.[1];

  test("Redis killed: the breaker opens, calls fail at once naming it, /ready and /metrics show it; Redis back: it closes", async () => {
    expect(await ready()).toEqual({ status: 200, body: { status: "ready", backend: "redis", breakers: [{ name: "redis", state: "closed", opens: 0 }] } });
    expect((await clusters()).status).toBe(200);
    await redis.stop();
    // Concurrent callers, as under load: each fails with BACKEND_UNAVAILABLE; together they open the circuit.
    const failed = await Promise.all(Array.from({ length: 8 }, clusters));
    for (const f of failed) expect(f).toMatchObject({ status: 503, body: { code: "BACKEND_UNAVAILABLE" } });
    const open = await pollUntil(ready, (r) => r.body.breakers[0]?.state === "open");
    expect(open.status).toBe(503);
    expect(open.body).toMatchObject({ status: "unavailable", breakers: [{ name: "redis", state: "open", opens: 1 }] });
    expect(await metric()).toBe("2");
    const fast = await clusters();
    expect(fast).toMatchObject({ status: 503, body: { code: "BACKEND_UNAVAILABLE" } });
    expect(fast.body.error).toContain("circuit open");
    await redis.start();
    const back = await pollUntil(ready, (r) => r.status === 200, 20_000);
    expect(back.body.breakers).toEqual([{ name: "redis", state: "closed", opens: 1 }]);
    expect((await clusters()).status).toBe(200);
    expect(await metric()).toBe("0");
  });
});
