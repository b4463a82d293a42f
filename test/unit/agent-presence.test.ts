/**
 * Issue 15 item 4: a cluster's "connected" tells the truth fast. An agent
 * that stops gracefully says goodbye and its cluster shows disconnected at
 * once; one that crashes is shown disconnected once it has missed a long
 * poll. Through HTTP, with a real agent over the HTTP transport.
 *
 * Issue 18: presence rides on the long polls, so heartbeats can be minutes
 * apart. An idle agent stays connected through its polls alone (each
 * refreshes the last-seen time, at most every `LIMITS.agentSeenWriteMs`);
 * results and lease renewals count too; the agent heartbeats at start, when
 * what it reports changes (a breaker opening) or the last one failed, and
 * otherwise every `heartbeatMs`. The clock is moved with `setSystemTime`.
 */
import { afterEach, expect, setSystemTime, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { startAgent, type AgentTransport } from "../../lib/agent/agent.ts";
import { echoExecutor, type Executor } from "../../lib/agent/executors.ts";
import { httpTransport } from "../../lib/agent/transports.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { LIMITS } from "../../lib/limits.ts";
import { allow, definePolicy, rewrite } from "../../lib/policy.ts";
import type { AgentInfo } from "../../lib/schemas.ts";
import { readOnly } from "../../plugins/read-only.ts";

const KEY = "presence-key-0123456789abcdef";
const TOKEN = "presence-agent-token-0123456789";
let k: Kubently | undefined;
afterEach(async () => {
  setSystemTime();
  await k?.close();
  k = undefined;
});

async function api() {
  k = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "bot", key: KEY }], clusters: [{ id: "c1", token: TOKEN }] });
  await k.ready();
  const { url } = await k.listen({ port: 0 });
  const cluster = async () => {
    const view = (await (await fetch(`${url}/debug/clusters/c1`, { headers: { "x-api-key": KEY } })).json()) as { connected: boolean; last_seen: string | null };
    return { connected: view.connected, lastSeenAt: view.last_seen ? Date.parse(view.last_seen) : undefined };
  };
  const connected = async () => (await cluster()).connected;
  return { k, url, connected, cluster };
}

test("an agent that stops gracefully shows its cluster disconnected at once, and connected again when one polls", async () => {
  const { url, connected } = await api();
  const agent = startAgent({ clusterId: "c1", executor: echoExecutor(), policies: [readOnly()], transport: httpTransport({ apiUrl: url, clusterId: "c1", token: TOKEN, agentId: "a1" }), pollWaitMs: 1_000 });
  for (let i = 0; i < 50 && !(await connected()); i++) await Bun.sleep(50);
  expect(await connected()).toBe(true);
  await agent.stop();
  expect(await connected()).toBe(false);
  const status = (await (await fetch(`${url}/debug/clusters/c1`, { headers: { "x-api-key": KEY } })).json()) as { agent: { state?: string } };
  expect(status.agent.state).toBe("stopped");
  const again = startAgent({ clusterId: "c1", executor: echoExecutor(), policies: [readOnly()], transport: httpTransport({ apiUrl: url, clusterId: "c1", token: TOKEN, agentId: "a1" }), pollWaitMs: 1_000 });
  for (let i = 0; i < 50 && !(await connected()); i++) await Bun.sleep(50);
  expect(await connected()).toBe(true);
  await again.stop();
});

test("a crashed agent (no goodbye) is shown disconnected once it misses a long poll, not before", async () => {
  const { k: kubently, connected } = await api();
  // An idle agent is seen as each poll starts: the longest poll plus room for the next must stay connected.
  expect(LIMITS.agentStaleMs).toBeGreaterThanOrEqual(LIMITS.maxAgentWaitSeconds * 1000 + 10_000);
  await kubently.backend.auth.updateCluster("c1", { lastSeenAt: Date.now() - LIMITS.maxAgentWaitSeconds * 1000 - 5_000 });
  expect(await connected()).toBe(true);
  // Unseen for longer than that: disconnected.
  await kubently.backend.auth.updateCluster("c1", { lastSeenAt: Date.now() - LIMITS.agentStaleMs - 1 });
  expect(await connected()).toBe(false);
});

test("a policy that rewrites argv tells the caller: the answer carries the argv that ran (issue 15 item 4)", async () => {
  const tail = definePolicy({ id: "tail-cap", description: "caps logs to 100 lines", before: ({ argv }) => (argv[0] === "logs" && !argv.includes("--tail") ? rewrite([...argv, "--tail", "100"], "logs are capped") : allow()) });
  k = createKubently({ backend: memoryBackend(), policies: [readOnly(), tail], apiKeys: [{ name: "bot", key: KEY }], clusters: [{ id: "c1" }] });
  await k.ready();
  k.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
  const { url } = await k.listen({ port: 0 });
  const res = await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv: ["logs", "web-1", "-n", "shop"] }) });
  const view = (await res.json()) as { argv: string[]; output: string; command_id: string };
  expect(view.argv).toEqual(["logs", "web-1", "-n", "shop", "--tail", "100"]);
  expect(view.output).toBe("logs web-1 -n shop --tail 100\n");
  const again = (await (await fetch(`${url}/debug/result/${view.command_id}`, { headers: { "x-api-key": KEY } })).json()) as { argv: string[] };
  expect(again.argv).toEqual(view.argv);
});

const until = async (what: () => Promise<boolean> | boolean, ms = 3_000) => {
  for (const end = performance.now() + ms; performance.now() < end; await Bun.sleep(20)) if (await what()) return true;
  return what();
};

test("an idle agent stays connected on its polls alone, long past agentStaleMs, with one heartbeat", async () => {
  const { url, cluster } = await api();
  let beats = 0;
  const http = httpTransport({ apiUrl: url, clusterId: "c1", token: TOKEN, agentId: "a1" });
  const transport: AgentTransport = { ...http, heartbeat: async (info) => void (("state" in info && info.state === "stopped") || beats++, await http.heartbeat(info)) };
  const agent = startAgent({ clusterId: "c1", executor: echoExecutor(), policies: [readOnly()], transport, pollWaitMs: 100 });
  try {
    expect(await until(async () => (await cluster()).connected)).toBe(true);
    let clock = Date.now();
    // Two and a half stale windows go by in steps of a little more than one write interval.
    const step = LIMITS.agentSeenWriteMs + 1_000;
    for (let moved = 0; moved < 2.5 * LIMITS.agentStaleMs; moved += step) {
      clock += step;
      setSystemTime(new Date(clock));
      // The next poll (each ends after 100 ms) writes the moved time.
      expect(await until(async () => ((await cluster()).lastSeenAt ?? 0) >= clock)).toBe(true);
      expect((await cluster()).connected).toBe(true);
    }
    expect(beats).toBe(1);
  } finally {
    await agent.stop();
  }
});

test("a poll refreshes the last-seen time at most once per agentSeenWriteMs, not on every call", async () => {
  const { k: kubently, url } = await api();
  const headers = { authorization: `Bearer ${TOKEN}`, "x-cluster-id": "c1", "x-agent-id": "a1" };
  const poll = async () => expect((await fetch(`${url}/agent/commands?wait=0`, { headers })).status).toBe(204);
  const start = Date.now();
  setSystemTime(new Date(start));
  await poll();
  expect((await kubently.backend.auth.getCluster("c1"))?.lastSeenAt).toBe(start);
  setSystemTime(new Date(start + LIMITS.agentSeenWriteMs - 1));
  await poll();
  expect((await kubently.backend.auth.getCluster("c1"))?.lastSeenAt).toBe(start);
  setSystemTime(new Date(start + LIMITS.agentSeenWriteMs));
  await poll();
  expect((await kubently.backend.auth.getCluster("c1"))?.lastSeenAt).toBe(start + LIMITS.agentSeenWriteMs);
});

test("a lease renewal and a result post count as presence (a busy agent with every worker running is not shown lost)", async () => {
  const { k: kubently, url } = await api();
  const headers = { authorization: `Bearer ${TOKEN}`, "x-cluster-id": "c1", "x-agent-id": "a1", "content-type": "application/json" };
  const seen = async () => (await kubently.backend.auth.getCluster("c1"))?.lastSeenAt;
  const start = Date.now();
  setSystemTime(new Date(start));
  const extend = await fetch(`${url}/agent/extend`, { method: "POST", headers, body: JSON.stringify({ lease_id: "l-unknown", command_id: "cmd-unknown" }) });
  expect(await extend.json()).toEqual({ active: false });
  expect(await until(async () => (await seen()) === start)).toBe(true);
  setSystemTime(new Date(start + LIMITS.agentSeenWriteMs));
  const result = { commandId: "cmd-unknown", clusterId: "c1", status: "success", exitCode: 0, output: "", truncated: false, durationMs: 1, executedAt: Date.now(), agentId: "a1" };
  const posted = await fetch(`${url}/agent/results`, { method: "POST", headers, body: JSON.stringify({ lease_id: "l-unknown", result }) });
  expect(posted.status).toBe(409); // no such lease: refused, but the agent was there
  expect(await until(async () => (await seen()) === start + LIMITS.agentSeenWriteMs)).toBe(true);
  // A wrong token is not presence.
  setSystemTime(new Date(start + 3 * LIMITS.agentSeenWriteMs));
  const refused = await fetch(`${url}/agent/extend`, { method: "POST", headers: { ...headers, authorization: "Bearer wrong-token-0123456789abcdef" }, body: JSON.stringify({ lease_id: "l", command_id: "c" }) });
  expect(refused.status).toBe(401);
  await Bun.sleep(50);
  expect(await seen()).toBe(start + LIMITS.agentSeenWriteMs);
});

test("the agent heartbeats at start, at once when its breakers change, again after a failure, and every heartbeatMs otherwise", async () => {
  const beats: AgentInfo[] = [];
  let fail = false;
  let describes = 0;
  const transport: AgentTransport = {
    lease: async ({ signal }) => {
      await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
      return null;
    },
    submit: async () => {},
    heartbeat: async (info) => {
      if (info.state === "stopped") return;
      if (fail) throw new Error("API unreachable");
      beats.push(info);
    },
    config: async () => ({ publicKeys: [] }),
    extend: async () => true,
  };
  let state: "closed" | "open" = "closed";
  let opens = 0;
  const executor: Executor = {
    ...echoExecutor(),
    describe: async () => ({ kubectlVersion: `v1.${++describes}` }),
    breakers: () => [{ name: "kube-api", state, opens }],
  };
  const agent = startAgent({ clusterId: "c1", transport, executor, policies: [readOnly()], concurrency: 1, heartbeatMs: 60_000, heartbeatCheckMs: 20, random: () => 0.5 });
  try {
    expect(await until(() => beats.length === 1)).toBe(true);
    expect(beats[0]!.breakers).toEqual([{ name: "kube-api", state: "closed", opens: 0 }]);
    // Nothing changed: twenty checks, no heartbeat.
    await Bun.sleep(400);
    expect(beats.length).toBe(1);
    // The breaker opens: the next check sends it.
    state = "open";
    opens = 1;
    expect(await until(() => beats.length === 2, 1_000)).toBe(true);
    expect(beats[1]!.breakers).toEqual([{ name: "kube-api", state: "open", opens: 1 }]);
    // Versions are asked at full beats only, not at every check.
    expect(describes).toBe(1);
    // A change while the API is unreachable is sent once it answers again.
    fail = true;
    state = "closed";
    await Bun.sleep(200);
    expect(beats.length).toBe(2);
    fail = false;
    expect(await until(() => beats.length === 3, 1_000)).toBe(true);
    expect(beats[2]!.breakers).toEqual([{ name: "kube-api", state: "closed", opens: 1 }]);
    await Bun.sleep(200);
    expect(beats.length).toBe(3);
  } finally {
    await agent.stop();
  }
  // And the full beat: with heartbeatMs short, one goes every interval with versions asked again.
  beats.length = 0;
  const again = startAgent({ clusterId: "c1", transport, executor, policies: [readOnly()], concurrency: 1, heartbeatMs: 100, heartbeatCheckMs: 5_000, random: () => 0.5 });
  try {
    expect(await until(() => beats.length >= 4, 2_000)).toBe(true);
    expect(new Set(beats.map((b) => b.kubectlVersion)).size).toBe(beats.length);
  } finally {
    await again.stop();
  }
});
