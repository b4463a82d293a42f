/**
 * Issue 15 item 4: a cluster's "connected" tells the truth fast. An agent
 * that stops gracefully says goodbye and its cluster shows disconnected at
 * once; one that crashes is shown disconnected once it has missed a long
 * poll (its presence rides on its polls, issue 18). Through HTTP, with a
 * real agent over the HTTP transport.
 */
import { afterEach, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { startAgent } from "../../lib/agent/agent.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { httpTransport } from "../../lib/agent/transports.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { LIMITS } from "../../lib/limits.ts";
import { allow, definePolicy, rewrite } from "../../lib/policy.ts";
import { readOnly } from "../../plugins/read-only.ts";

const KEY = "presence-key-0123456789abcdef";
const TOKEN = "presence-agent-token-0123456789";
let k: Kubently | undefined;
afterEach(async () => {
  await k?.close();
  k = undefined;
});

async function api() {
  k = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "bot", key: KEY }], clusters: [{ id: "c1", token: TOKEN }] });
  await k.ready();
  const { url } = await k.listen({ port: 0 });
  const connected = async () => ((await (await fetch(`${url}/debug/clusters/c1`, { headers: { "x-api-key": KEY } })).json()) as { connected: boolean }).connected;
  return { k, url, connected };
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
