/**
 * The agent's circuit breaker in front of the Kubernetes API server (issue
 * 14 item 6): the native executor against the simulated cluster behind a
 * gate this test opens and shuts. Shut, the gate answers 503 (an overloaded
 * API server) or is gone altogether (connection refused); five failures in a
 * row open the circuit, after which commands fail at once without reaching
 * the server, and the state reaches the API in heartbeats
 * (`/admin/agents/{id}/status`). A trial request closes it once the server
 * is back. Caller mistakes (404s) never open it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { startAgent } from "../../lib/agent/agent.ts";
import { nativeExecutor } from "../../lib/agent/native.ts";
import { httpTransport } from "../../lib/agent/transports.ts";
import { createKubently } from "../../lib/kubently.ts";
import { type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { pollUntil } from "../_fixtures.ts";

let sim: SimCluster;
let mode: "up" | "503" = "up";
let reached = 0;
let gate: ReturnType<typeof Bun.serve>;
let port = 0;

/** A gate in front of the simulated API server: forwards, or answers 503, or is stopped. */
function openGate() {
  gate = Bun.serve({
    port,
    hostname: "127.0.0.1",
    async fetch(req) {
      reached++;
      if (mode === "503") return new Response('{"kind":"Status","status":"Failure","reason":"ServiceUnavailable","code":503,"message":"overloaded"}', { status: 503, headers: { "content-type": "application/json" } });
      const url = new URL(req.url);
      const res = await fetch(`${sim.url}${url.pathname}${url.search}`, { headers: req.headers });
      return new Response(res.body, { status: res.status, headers: res.headers });
    },
  });
  port = gate.port!;
}

let kubeconfigText = "";
beforeAll(async () => {
  sim = await startSimCluster();
  openGate();
  kubeconfigText = sim.kubeconfig().replace(sim.url, `http://127.0.0.1:${port}`);
});
afterAll(async () => {
  gate.stop(true);
  await sim.close();
});

const GET = ["get", "pods", "-n", "shop"];
const halfOpen = { initial: 50, max: 100 };

test("5 failures in a row (503s) open the circuit: commands then fail at once naming it, without reaching the server; a trial closes it once the server is back", async () => {
  const ex = nativeExecutor({ kubeconfigText, circuitBreaker: { failures: 5, halfOpenAfterMs: halfOpen } });
  expect((await ex.run(GET, { timeoutMs: 5_000 })).exitCode).toBe(0);
  expect(ex.breakers!()).toEqual([{ name: "kubernetes", state: "closed", opens: 0 }]);
  mode = "503";
  for (let i = 0; i < 5; i++) {
    const out = await ex.run(GET, { timeoutMs: 5_000 });
    expect(out.exitCode).toBe(1);
    expect(out.stderr).not.toContain("circuit open");
  }
  expect(ex.breakers!()[0]).toMatchObject({ state: "open", opens: 1 });
  const before = reached;
  const out = await ex.run(GET, { timeoutMs: 5_000 });
  expect(out.exitCode).toBe(1);
  expect(out.stderr).toMatch(/kubernetes is unavailable: circuit open after repeated failures \(last: .*\); next try/);
  expect(reached).toBe(before);
  mode = "up";
  expect((await pollUntil(() => ex.run(GET, { timeoutMs: 5_000 }), (out) => out.exitCode === 0)).exitCode).toBe(0);
  expect(ex.breakers!()[0]).toMatchObject({ state: "closed", opens: 1 });
  await ex.close!();
});

test("the server gone (connection refused) opens it too; it closes when the server is listening again", async () => {
  const ex = nativeExecutor({ kubeconfigText, circuitBreaker: { failures: 5, halfOpenAfterMs: halfOpen } });
  expect((await ex.run(GET, { timeoutMs: 5_000 })).exitCode).toBe(0);
  await ex.close!();
  gate.stop(true);
  try {
    for (let i = 0; i < 5; i++) expect((await ex.run(GET, { timeoutMs: 5_000 })).exitCode).toBe(1);
    expect(ex.breakers!()[0]!.state).toBe("open");
    expect((await ex.run(GET, { timeoutMs: 5_000 })).stderr).toContain("circuit open");
  } finally {
    openGate();
  }
  expect((await pollUntil(() => ex.run(GET, { timeoutMs: 5_000 }), (out) => out.exitCode === 0)).exitCode).toBe(0);
  expect(ex.breakers!()[0]!.state).toBe("closed");
  await ex.close!();
});

test("caller mistakes (404 for a pod that does not exist) never open it", async () => {
  const ex = nativeExecutor({ kubeconfigText, circuitBreaker: { failures: 2, halfOpenAfterMs: halfOpen } });
  for (let i = 0; i < 6; i++) {
    const out = await ex.run(["get", "pod", "no-such-pod", "-n", "shop"], { timeoutMs: 5_000 });
    expect(out.stderr).toContain("NotFound");
  }
  expect(ex.breakers!()[0]!.state).toBe("closed");
  await ex.close!();
});

test("the agent reports the breaker in heartbeats: /admin/agents/{id}/status shows it open while the server is away", async () => {
  const KEY = "breaker-admin-key-0123456789abcdef";
  const TOKEN = "breaker-agent-token-0123456789";
  const k = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "root", key: KEY, role: "admin" }], clusters: [{ id: "c1", token: TOKEN }] });
  await k.ready();
  const { url } = await k.listen({ port: 0 });
  const executor = nativeExecutor({ kubeconfigText, circuitBreaker: { failures: 2, halfOpenAfterMs: { initial: 60_000, max: 60_000 } } });
  const agent = startAgent({ clusterId: "c1", executor, policies: [readOnly()], transport: httpTransport({ apiUrl: url, clusterId: "c1", token: TOKEN, agentId: "a1" }), pollWaitMs: 500, heartbeatMs: 100 });
  const headers = { "x-api-key": KEY, "content-type": "application/json" };
  const status = async () => ((await (await fetch(`${url}/admin/agents/c1/status`, { headers })).json()) as { agent: { breakers?: { name: string; state: string; opens: number }[] } | null }).agent?.breakers;
  try {
    expect((await pollUntil(status, (b) => b?.[0]?.state === "closed"))?.[0]?.state).toBe("closed");
    mode = "503";
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${url}/debug/execute`, { method: "POST", headers, body: JSON.stringify({ cluster_id: "c1", argv: ["get", "pods", "-n", "shop"] }) });
      expect(res.status).toBe(200);
    }
    await pollUntil(status, (b) => b?.[0]?.state === "open");
    expect(await status()).toEqual([{ name: "kubernetes", state: "open", opens: 1 }]);
    // And `kubently cluster status` prints it.
    // (Spawned without blocking: the API it asks runs in this process.)
    const cli = Bun.spawn([process.execPath, join(import.meta.dir, "../../bin/kubently.ts"), "cluster", "status", "c1", "--api-url", url, "--api-key", KEY], { env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" }, stdout: "pipe" });
    expect(await new Response(cli.stdout).text()).toMatch(/^breakers:\s+kubernetes open$/m);
  } finally {
    mode = "up";
    await agent.stop();
    await executor.close!();
    await k.close();
  }
});
