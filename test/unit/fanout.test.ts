/** Fan-out: one command on several clusters, over REST and MCP, with per-cluster decisions. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type AddressInfo } from "node:net";
import { Role, TaskState, type Message, type Task } from "@a2a-js/sdk";
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory } from "@a2a-js/sdk/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { startA2AServer, type A2AServer } from "../../lib/a2a/index.ts";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { definePolicy, deny } from "../../lib/policy.ts";
import { readOnly } from "../../plugins/read-only.ts";

const KEY = "fan-key-0123456789abcdef";
const SCOPED = "fan-scoped-0123456789abcdef";
let k: Kubently;
let url = "";
let a2a: A2AServer;
const post = async (path: string, body: unknown, key = KEY) => {
  const res = await fetch(`${url}${path}`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

beforeAll(async () => {
  // A policy that refuses one cluster shows the decision is made per cluster.
  const noEu = definePolicy({ id: "no-eu", before: ({ clusterId }) => (clusterId === "eu" ? deny("eu is frozen") : undefined) });
  k = createKubently({
    backend: memoryBackend(),
    policies: [readOnly(), noEu],
    apiKeys: [{ name: "fan", key: KEY }, { name: "scoped", key: SCOPED, clusters: ["us"] }],
    clusters: [{ id: "us" }, { id: "eu" }, { id: "asia" }, { id: "dark" }],
  });
  await k.ready();
  url = (await k.listen({ port: 0 })).url;
  for (const id of ["us", "eu", "asia"]) k.startLocalAgent({ clusterId: id, executor: echoExecutor() });
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  a2a = await startA2AServer(k, { publicUrl: `http://127.0.0.1:${port}/`, port });
});
afterAll(async () => {
  await a2a.close();
  await k.close();
});

describe("POST /debug/fanout", () => {
  test("runs on every cluster in parallel with one correlation id and per-cluster outcomes", async () => {
    const started = Date.now();
    const { status, body } = await post("/debug/fanout", { cluster_ids: ["us", "eu", "asia", "dark", "nope"], argv: ["get", "pods", "-A"], timeout_seconds: 1, correlation_id: "fan-1" });
    expect(status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    const by = Object.fromEntries(body.results.map((r: { cluster_id: string }) => [r.cluster_id, r]));
    expect(by.us).toMatchObject({ status: "success", output: "get pods -A\n", correlation_id: "fan-1" });
    expect(by.asia).toMatchObject({ status: "success" });
    expect(by.eu).toMatchObject({ status: "denied", policy: "no-eu" });
    expect(by.dark).toMatchObject({ status: "timeout" });
    expect(by.nope).toMatchObject({ status: "error", code: "CLUSTER_NOT_FOUND" });
    expect(body).toMatchObject({ correlation_id: "fan-1", count: 5, succeeded: 2 });
    const trail = await k.backend.audit.query({ correlationId: "fan-1", eventType: "command.queued" });
    expect(trail.map((e) => e.clusterId).sort()).toEqual(["asia", "dark", "us"]);
  });

  test("a cluster-scoped key gets errors for clusters outside its scope", async () => {
    const { body } = await post("/debug/fanout", { cluster_ids: ["us", "eu"], argv: ["version"] }, SCOPED);
    const by = Object.fromEntries(body.results.map((r: { cluster_id: string }) => [r.cluster_id, r]));
    expect(by.us.status).toBe("success");
    expect(by.eu).toMatchObject({ status: "error", code: "CLUSTER_NOT_FOUND" });
  });

  test("more than the cluster limit, or none, is a 400", async () => {
    expect((await post("/debug/fanout", { cluster_ids: [], argv: ["version"] })).status).toBe(400);
    expect((await post("/debug/fanout", { cluster_ids: Array.from({ length: 21 }, (_, i) => `c${i}`), argv: ["version"] })).status).toBe(400);
  });
});

test("MCP execute_kubectl_fanout answers one section per cluster", async () => {
  const client = new Client({ name: "fan", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { "x-api-key": KEY } } }));
  const r = (await client.callTool({ name: "execute_kubectl_fanout", arguments: { cluster_ids: ["us", "eu"], command: "get", resource: "pods", namespace: "shop" } })) as CallToolResult;
  const text = r.content.map((c) => (c.type === "text" ? c.text : "")).join("");
  expect(text).toContain("=== us: success ===\nget pods -n shop");
  expect(text).toContain("=== eu: denied (no-eu) ===");
  expect(r.structuredContent).toMatchObject({ count: 2, succeeded: 1 });
  await client.close();
});

test("A2A: a data part with cluster_ids answers one artifact per cluster", async () => {
  const keyed = Object.assign((input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("x-api-key", KEY);
    return fetch(input, { ...init, headers });
  }, { preconnect: fetch.preconnect }) as typeof fetch;
  const client = await new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: keyed })], cardResolver: new DefaultAgentCardResolver({ fetchImpl: keyed }) }).createFromUrl(a2a.url);
  const message = { messageId: crypto.randomUUID(), role: Role.ROLE_USER, parts: [{ content: { $case: "data", value: { cluster_ids: ["us", "eu", "asia"], command: "get", resource: "pods", namespace: "shop" } } }] } as unknown as Message;
  const task = (await client.sendMessage({ message } as never)) as Task;
  expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  const names = (task.artifacts ?? []).map((a) => a.name).sort();
  expect(names).toEqual(["kubectl output: asia", "kubectl output: eu", "kubectl output: us"]);
  expect(JSON.stringify(task.artifacts)).toContain("get pods -n shop");
  expect(JSON.stringify(task.artifacts)).toContain("eu is frozen");
});
