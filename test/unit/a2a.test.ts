/** The A2A server over real HTTP, driven by the official A2A SDK client (@a2a-js/sdk/client). */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Role, TaskState, type Message, type Part, type StreamResponse, type Task } from "@a2a-js/sdk";
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory, type Client } from "@a2a-js/sdk/client";
import { LegacyJsonRpcTransport } from "@a2a-js/sdk/compat/v0_3/client";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor, kubectlExecutor, type Executor } from "../../lib/agent/executors.ts";
import { startA2AServer, webSocketProtocols, type A2AServer } from "../../lib/a2a/index.ts";
import { createA2AHandler } from "../../lib/a2a/index.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { slowExecutor } from "../_fixtures.ts";
import { a2aDataOf, a2aTextOf } from "../_protocols.ts";

const KEY = "a2a-bot-key-0123456789abcdef";
const SCOPED = "a2a-scoped-key-0123456789abcdef";
const VIEWER = "a2a-viewer-key-0123456789abcdef";
const KUBECTL_FOUND = spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;

let k: Kubently;
let a2a: A2AServer;
let sim: SimCluster | undefined;
let home: string | undefined;


beforeAll(async () => {
  k = createKubently({
    backend: memoryBackend(),
    policies: [readOnly()],
    apiKeys: [
      { name: "bot", key: KEY },
      { name: "scoped", key: SCOPED, clusters: ["prod-eu"] },
      { name: "watcher", key: VIEWER, role: "viewer" },
    ],
    clusters: [{ id: "prod-eu" }, { id: "staging-us" }, { id: "slow-lane" }, ...(KUBECTL_FOUND ? [{ id: "sim" }] : [])],
  });
  await k.ready();
  k.startLocalAgent({ clusterId: "prod-eu", executor: echoExecutor() });
  k.startLocalAgent({ clusterId: "staging-us", executor: echoExecutor() });
  k.startLocalAgent({ clusterId: "slow-lane", executor: slowExecutor(5_000) });
  if (KUBECTL_FOUND) {
    sim = await startSimCluster();
    home = await mkdtemp(join(tmpdir(), "kubently-a2a-home-"));
    k.startLocalAgent({ clusterId: "sim", executor: kubectlExecutor({ kubeconfig: await sim.writeKubeconfig(), home }) });
  }
  a2a = await startA2AServer(k, { publicUrl: "http://a2a.kubently.test:8000/", port: 0 });
});

afterAll(async () => {
  await a2a.close();
  await k.close();
  await sim?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

/** A fetch that sends `key` as X-API-Key and goes to the test server whatever host the card advertises. */
function keyedFetch(key: string | null): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const target = new URL(url.pathname + url.search, a2a.url);
    const headers = new Headers(init?.headers);
    if (key) headers.set("x-api-key", key);
    return fetch(target, { ...init, headers });
  }) as typeof fetch;
}

async function connect(key: string | null = KEY): Promise<Client> {
  const fetchImpl = keyedFetch(key);
  const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })], cardResolver: new DefaultAgentCardResolver({ fetchImpl }) });
  return factory.createFromUrl(a2a.url);
}

const text = (value: string): Part => ({ content: { $case: "text", value }, mediaType: "text/plain", filename: "", metadata: undefined });
const data = (value: Record<string, unknown>): Part => ({ content: { $case: "data", value }, mediaType: "application/json", filename: "", metadata: undefined });

function message(parts: Part[], o: { contextId?: string; taskId?: string } = {}): Message {
  return { messageId: crypto.randomUUID(), contextId: o.contextId ?? "", taskId: o.taskId ?? "", role: Role.ROLE_USER, parts, metadata: undefined, extensions: [], referenceTaskIds: [] };
}

const request = (parts: Part[], o: { contextId?: string; taskId?: string; returnImmediately?: boolean } = {}) => ({
  tenant: "",
  message: message(parts, o),
  configuration: o.returnImmediately ? { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: true } : undefined,
  metadata: undefined,
});

async function send(client: Client, parts: Part[], o: { contextId?: string; taskId?: string; headers?: Record<string, string> } = {}): Promise<Task> {
  const result = await client.sendMessage(request(parts, o), o.headers ? { serviceParameters: o.headers } : undefined);
  expect("id" in result).toBe(true);
  return result as Task;
}

const textOf = (parts: Part[] | undefined) => a2aTextOf(parts, "\n");
const dataOf = a2aDataOf;

describe("agent card", () => {
  test("GET /.well-known/agent-card.json (v1.0) names the public URL, streaming and skills with examples", async () => {
    const res = await fetch(`${a2a.url}/.well-known/agent-card.json`, { headers: { "A2A-Version": "1.0" } });
    expect(res.status).toBe(200);
    const card = await res.json();
    expect(card.name).toBe("Kubently");
    expect(card.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(card.capabilities).toMatchObject({ streaming: true, extendedAgentCard: true });
    expect(card.supportedInterfaces).toContainEqual({ url: "http://a2a.kubently.test:8000/", protocolBinding: "JSONRPC", protocolVersion: "1.0" });
    expect(JSON.stringify(card)).not.toContain("0.0.0.0");
    expect(card.skills.map((s: { id: string }) => s.id)).toEqual(["kubectl", "logs", "diagnose", "clusters"]);
    const examples = card.skills.flatMap((s: { examples: string[] }) => s.examples);
    expect(examples).toContain("get pods in namespace shop on cluster prod");
    expect(examples).toContain("describe pod web-1 -n shop");
    expect(examples).toContain("logs checkout-xyz --previous");
    expect(card.securitySchemes.apiKey.apiKeySecurityScheme).toMatchObject({ location: "header", name: "X-API-Key" });
    expect(card.securitySchemes.bearer.httpAuthSecurityScheme).toMatchObject({ scheme: "Bearer" });
  });

  test("the v0.3 card (no A2A-Version, or /.well-known/agent.json) has url, protocolVersion and streaming", async () => {
    for (const path of ["/.well-known/agent-card.json", "/.well-known/agent.json"]) {
      const card = await (await fetch(`${a2a.url}${path}`)).json();
      expect(card).toMatchObject({ url: "http://a2a.kubently.test:8000/", protocolVersion: "0.3", preferredTransport: "JSONRPC", capabilities: { streaming: true } });
      expect(card.securitySchemes.apiKey).toMatchObject({ type: "apiKey", in: "header", name: "X-API-Key" });
      expect(card.skills.length).toBe(4);
    }
  });

  test("an anonymous card lists no cluster; a keyed one lists the caller's clusters only", async () => {
    for (const headers of [{ "A2A-Version": "1.0" }, {}] as Record<string, string>[]) {
      const anon = await (await fetch(`${a2a.url}/.well-known/agent-card.json`, { headers })).text();
      for (const id of ["prod-eu", "staging-us", "slow-lane"]) expect(anon).not.toContain(id);
    }
    const scoped = await fetch(`${a2a.url}/.well-known/agent-card.json`, { headers: { "x-api-key": SCOPED, "A2A-Version": "1.0" } });
    expect(scoped.headers.get("cache-control")).toContain("private");
    const body = await scoped.text();
    expect(body).toContain("prod-eu");
    expect(body).not.toContain("staging-us");
  });

  test("the authenticated extended card (GetExtendedAgentCard) lists the caller's clusters", async () => {
    const client = await connect(SCOPED);
    const card = await client.getAgentCard();
    expect(card.skills.map((s) => s.description).join(" ")).toContain("prod-eu (connected)");
    expect(JSON.stringify(card)).not.toContain("staging-us");
    await expect((await connect(null)).getAgentCard()).rejects.toThrow();
  });

  test("a presented but unknown key on the card is refused with 401", async () => {
    const res = await fetch(`${a2a.url}/.well-known/agent-card.json`, { headers: { "x-api-key": "nope-nope-nope" } });
    expect(res.status).toBe(401);
  });

  test("createA2AHandler refuses a wildcard publicUrl", () => {
    expect(() => createA2AHandler(k, { publicUrl: "http://0.0.0.0:8000/" })).toThrow(/0\.0\.0\.0/);
    expect(() => createA2AHandler(k, { publicUrl: "not a url" })).toThrow();
  });
});

describe("authentication", () => {
  test("JSON-RPC without a key is refused with HTTP 401 and a JSON-RPC error", async () => {
    const res = await fetch(a2a.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "x" } }) });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(await res.json()).toMatchObject({ jsonrpc: "2.0", error: { data: { code: "UNAUTHENTICATED" } } });
  });

  test("the SDK client without a key (or with a wrong one) cannot send", async () => {
    const anon = await connect(null);
    await expect(send(anon, [text("get pods on prod-eu")])).rejects.toThrow();
    const wrong = await fetch(a2a.url, { method: "POST", headers: { "content-type": "application/json", "x-api-key": "wrong-key-wrong-key" }, body: "{}" });
    expect(wrong.status).toBe(401);
  });

  test("Authorization: Bearer works like X-API-Key", async () => {
    const res = await fetch(a2a.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, "A2A-Version": "1.0" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "SendMessage", params: { message: { messageId: "m1", role: "ROLE_USER", parts: [{ text: "get pods on prod-eu" }] } } }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.id).toBe(7);
    expect(body.result.task.status.state).toBe("TASK_STATE_COMPLETED");
  });

  test("a viewer key (may not execute) gets a rejected task, not output", async () => {
    const task = await send(await connect(VIEWER), [text("get pods on prod-eu")]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(textOf(task.status?.message?.parts)).toMatch(/^role viewer may not /);
    expect(task.artifacts).toEqual([]);
  });

  test("tasks are private to the identity that created them", async () => {
    const task = await send(await connect(KEY), [text("get pods on prod-eu")]);
    await expect((await connect(SCOPED)).getTask({ tenant: "", id: task.id })).rejects.toThrow(/not found/i);
  });

  test("oversized bodies are refused with 413", async () => {
    const res = await fetch(a2a.url, { method: "POST", headers: { "content-type": "application/json", "x-api-key": KEY }, body: JSON.stringify({ pad: "x".repeat(70_000) }) });
    expect(res.status).toBe(413);
  });
});

describe("message/send", () => {
  test("a DataPart shaped like execute_kubectl runs the command and answers with output and a CommandView", async () => {
    const task = await send(await connect(), [data({ cluster_id: "prod-eu", command: "get", resource: "pods", namespace: "shop" })]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const artifact = task.artifacts[0]!;
    expect(textOf(artifact.parts)).toBe("get pods -n shop\n");
    expect(dataOf(artifact.parts)).toMatchObject({ status: "success", exit_code: 0, truncated: false, cluster_id: "prod-eu", argv: ["get", "pods", "-n", "shop"] });
    expect(dataOf(artifact.parts)?.command_id).toBeString();
    expect(dataOf(artifact.parts)).not.toHaveProperty("output");
    // Command output came from the cluster: the artifact marks it as data, never instructions.
    expect(artifact.metadata).toEqual({ "kubently/untrusted": true, "kubently/source": "cluster-output" });
  });

  test("a DataPart with argv runs it as given", async () => {
    const task = await send(await connect(), [data({ cluster_id: "prod-eu", argv: ["get", "deploy", "-A"] })]);
    expect(textOf(task.artifacts[0]?.parts)).toBe("get deploy -A\n");
  });

  test("a kubectl command line (with or without kubectl, quotes honoured) runs as argv", async () => {
    const client = await connect();
    const a = await send(client, [text("kubectl get pods -n shop --context prod-eu")]);
    expect(textOf(a.artifacts[0]?.parts)).toBe("get pods -n shop\n");
    const b = await send(client, [text("describe pod web-1 -n shop on cluster staging-us")]);
    expect(b.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(dataOf(b.artifacts[0]?.parts)).toMatchObject({ cluster_id: "staging-us", argv: ["describe", "pod", "web-1", "-n", "shop"] });
    const c = await send(client, [text("kubectl get pods -l 'app=web' -n shop"), data({ cluster_id: "prod-eu" })]);
    expect(textOf(c.artifacts[0]?.parts)).toBe("get pods -l app=web -n shop\n");
  });

  test("a plain English request is mapped to argv and a cluster", async () => {
    const client = await connect();
    const a = await send(client, [text("get pods in namespace shop on cluster prod-eu")]);
    expect(textOf(a.artifacts[0]?.parts)).toBe("get pods -n shop\n");
    const b = await send(client, [text("show logs of checkout-abc in shop on staging-us")]);
    expect(dataOf(b.artifacts[0]?.parts)).toMatchObject({ cluster_id: "staging-us", argv: ["logs", "checkout-abc", "-n", "shop"] });
  });

  test("with no cluster named: one available cluster is used; several give input-required listing them, and the reply continues", async () => {
    const scoped = await send(await connect(SCOPED), [text("get pods -n shop")]);
    expect(scoped.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(dataOf(scoped.artifacts[0]?.parts)?.cluster_id).toBe("prod-eu");

    const client = await connect(KEY);
    const asked = await send(client, [text("describe deployment web in namespace shop")]);
    expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const question = textOf(asked.status?.message?.parts);
    for (const id of ["prod-eu", "staging-us", "slow-lane"]) expect(question).toContain(id);
    const answered = await send(client, [text("staging-us")], { taskId: asked.id, contextId: asked.contextId });
    expect(answered.id).toBe(asked.id);
    expect(answered.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(answered.artifacts[0]?.parts)).toBe("describe deployment web -n shop\n");
  });

  test("two replies racing to an input-required task: exactly one runs", async () => {
    const client = await connect(KEY);
    const asked = await send(client, [text("get pods -n shop")]);
    expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const replies = await Promise.allSettled([0, 1].map(() => send(client, [text("prod-eu")], { taskId: asked.id, contextId: asked.contextId })));
    expect(replies.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await client.getTask({ tenant: "", id: asked.id })).artifacts.length).toBe(1);
  });

  test("one Kubently session per A2A context, and the context remembers its cluster", async () => {
    const client = await connect();
    const contextId = `ctx-${crypto.randomUUID()}`;
    const first = await send(client, [text("get pods on prod-eu")], { contextId });
    const second = await send(client, [text("get services -n shop")], { contextId });
    const s1 = dataOf(first.artifacts[0]?.parts)?.session_id;
    expect(s1).toBeString();
    expect(dataOf(second.artifacts[0]?.parts)).toMatchObject({ session_id: s1, cluster_id: "prod-eu" });
    const other = await send(client, [text("get pods on prod-eu")]);
    expect(dataOf(other.artifacts[0]?.parts)?.session_id).not.toBe(s1);
  });

  test("a denied command ends rejected with the policy id and reason in the status message", async () => {
    const task = await send(await connect(), [text("delete pod web-1 in shop on prod-eu")]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(task.artifacts).toEqual([]);
    expect(textOf(task.status?.message?.parts)).toMatch(/^Denied by policy read-only: /);
    expect(dataOf(task.status?.message?.parts)).toMatchObject({ status: "denied", policy: "read-only" });
    const secrets = await send(await connect(), [data({ cluster_id: "prod-eu", command: "get", resource: "secrets", namespace: "shop", args: ["-o", "yaml"] })]);
    expect(secrets.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
  });

  test("an unknown cluster fails and lists the caller's clusters", async () => {
    const task = await send(await connect(SCOPED), [text("get pods on cluster staging-us")]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(textOf(task.status?.message?.parts)).toContain("clusters you may use: prod-eu");
  });

  test("a text that cannot be understood fails with examples; shell syntax is refused", async () => {
    const client = await connect();
    const a = await send(client, [text("why is everything on fire")]);
    expect(a.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(textOf(a.status?.message?.parts)).toContain("Try, for example");
    const b = await send(client, [text("kubectl get pods -n shop | grep web")]);
    expect(textOf(b.status?.message?.parts)).toContain("shell syntax");
  });

  test("which clusters can I use? answers from the caller's scope", async () => {
    const task = await send(await connect(SCOPED), [text("which clusters can I use?")]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(dataOf(task.artifacts[0]?.parts)).toEqual({ clusters: [{ id: "prod-eu", connected: true }] });
  });
});

describe("message/stream, tasks/get, tasks/cancel", () => {
  test("the stream delivers the task, working, the output as it streams, the closing artifact update, then completed, in order", async () => {
    const client = await connect();
    const events: StreamResponse[] = [];
    for await (const event of client.sendMessageStream(request([text("get pods -n shop on prod-eu")]))) events.push(event);
    const kinds = events.map((e) => (e.payload?.$case === "statusUpdate" ? `status:${TaskState[e.payload.value.status!.state]}` : e.payload?.$case));
    expect(kinds).toEqual(["task", "status:TASK_STATE_WORKING", "artifactUpdate", "artifactUpdate", "status:TASK_STATE_COMPLETED"]);
    const [chunk, closing] = [events[2]!, events[3]!].map((e) => (e.payload?.$case === "artifactUpdate" ? e.payload.value : undefined));
    expect(textOf(chunk?.artifact?.parts)).toBe("get pods -n shop\n");
    expect(chunk).toMatchObject({ append: false, lastChunk: false });
    expect(closing).toMatchObject({ append: true, lastChunk: true, artifact: { artifactId: chunk!.artifact!.artifactId } });
    expect(textOf(closing?.artifact?.parts)).toBe("");
    expect(dataOf(closing?.artifact?.parts)).toMatchObject({ status: "success", argv: ["get", "pods", "-n", "shop"] });
  });

  test("events arrive as they happen (working well before the slow command completes)", async () => {
    const client = await connect();
    const seen: { kind: string; at: number }[] = [];
    const started = Date.now();
    for await (const event of client.sendMessageStream(request([data({ cluster_id: "slow-lane", command: "get", resource: "pods" })]))) {
      const kind = event.payload?.$case === "statusUpdate" ? TaskState[event.payload.value.status!.state]! : event.payload!.$case;
      seen.push({ kind, at: Date.now() - started });
    }
    const working = seen.find((s) => s.kind === "TASK_STATE_WORKING")!;
    const done = seen.find((s) => s.kind === "TASK_STATE_COMPLETED")!;
    expect(done.at - working.at).toBeGreaterThan(3_000);
  }, 15_000);

  test("tasks/get returns the finished task with its artifact", async () => {
    const client = await connect();
    const task = await send(client, [text("get nodes on prod-eu")]);
    const got = await client.getTask({ tenant: "", id: task.id });
    expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(got.artifacts[0]?.parts)).toBe("get nodes\n");
  });

  test("tasks/cancel on a running task ends it canceled and cancels the queued command", async () => {
    const client = await connect();
    const started = await client.sendMessage(request([data({ cluster_id: "slow-lane", command: "get", resource: "pods" })], { returnImmediately: true }));
    const id = (started as Task).id;
    await Bun.sleep(300);
    const t0 = Date.now();
    const canceled = await client.cancelTask({ tenant: "", id, metadata: undefined });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const view = dataOf(canceled.status?.message?.parts);
    expect(view?.status).toBe("cancelled");
    expect((await k.backend.queue.getResult(view!.command_id as string))?.status).toBe("cancelled");
    expect((await client.getTask({ tenant: "", id })).status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  }, 15_000);

  test("a running task cannot be continued with a second message", async () => {
    const client = await connect();
    const started = (await client.sendMessage(request([data({ cluster_id: "slow-lane", command: "get", resource: "pods" })], { returnImmediately: true }))) as Task;
    await expect(send(client, [text("get pods on prod-eu")], { taskId: started.id, contextId: started.contextId })).rejects.toThrow(/still running/);
    expect((await client.cancelTask({ tenant: "", id: started.id, metadata: undefined })).status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  }, 15_000);

  test("a finished task cannot be canceled", async () => {
    const client = await connect();
    const task = await send(client, [text("get pods on prod-eu")]);
    await expect(client.cancelTask({ tenant: "", id: task.id, metadata: undefined })).rejects.toThrow(/cancel/i);
  });
});

describe("correlation and timeouts", () => {
  test("X-Correlation-ID reaches the command and the audit log", async () => {
    const correlationId = `a2a-corr-${crypto.randomUUID()}`;
    const task = await send(await connect(), [text("get pods on prod-eu")], { headers: { "X-Correlation-ID": correlationId } });
    expect(dataOf(task.artifacts[0]?.parts)?.correlation_id).toBe(correlationId);
    const entries = await k.backend.audit.query({ correlationId });
    expect(entries.map((e) => e.eventType)).toContain("command.queued");
    expect(entries.every((e) => e.identity === "bot")).toBe(true);
  });

  test("without the header, the A2A contextId is the correlation id", async () => {
    const contextId = `ctx-${crypto.randomUUID()}`;
    await send(await connect(), [text("get pods on prod-eu")], { contextId });
    expect((await k.backend.audit.query({ correlationId: contextId })).length).toBeGreaterThan(0);
  });

  test("X-Request-Timeout is honoured (and validated)", async () => {
    const task = await send(await connect(), [data({ cluster_id: "slow-lane", command: "get", resource: "pods" })], { headers: { "X-Request-Timeout": "1" } });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(dataOf(task.status?.message?.parts)?.status).toBe("timeout");
    const bad = await fetch(a2a.url, { method: "POST", headers: { "content-type": "application/json", "x-api-key": KEY, "x-request-timeout": "999" }, body: "{}" });
    expect(bad.status).toBe(400);
  }, 15_000);
});

describe("A2A v0.3 clients", () => {
  test("message/send over raw JSON-RPC answers a v0.3 task with text and data parts", async () => {
    const res = await fetch(a2a.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY },
      body: JSON.stringify({ jsonrpc: "2.0", id: "r1", method: "message/send", params: { message: { kind: "message", messageId: "m1", role: "user", parts: [{ kind: "text", text: "get pods in shop on prod-eu" }] } } }),
    });
    const body = await res.json();
    expect(body.result).toMatchObject({ kind: "task", status: { state: "completed" } });
    expect(body.result.artifacts[0].parts).toEqual([
      { kind: "text", text: "get pods -n shop\n" },
      expect.objectContaining({ kind: "data", data: expect.objectContaining({ status: "success" }) }),
    ]);
  });

  test("message/stream and tasks/get through the SDK's v0.3 transport", async () => {
    const legacy = new LegacyJsonRpcTransport({ endpoint: a2a.url, fetchImpl: keyedFetch(KEY) });
    const states: string[] = [];
    let taskId = "";
    for await (const event of legacy.sendMessageStream(request([text("describe deployment web -n shop on prod-eu")]))) {
      if (event.payload?.$case === "task") taskId = event.payload.value.id;
      if (event.payload?.$case === "statusUpdate") states.push(TaskState[event.payload.value.status!.state]!);
    }
    expect(states).toEqual(["TASK_STATE_WORKING", "TASK_STATE_COMPLETED"]);
    expect((await legacy.getTask({ tenant: "", id: taskId })).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});

describe("WebSocket /a2a/ws", () => {
  const wsUrl = () => `${a2a.url.replace(/^http/, "ws")}/a2a/ws`;
  const open = (protocols?: string[]) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(wsUrl(), protocols);
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error("WebSocket refused"));
    });

  test("authenticates with the key subprotocol and streams events as frames", async () => {
    expect(a2a.websocket).toBe(true);
    const ws = await open(webSocketProtocols(KEY));
    expect(ws.protocol).toBe("a2a.jsonrpc");
    const frames: { id: unknown; result?: Record<string, unknown> }[] = [];
    const done = new Promise<void>((resolve) => {
      ws.onmessage = (e) => {
        const frame = JSON.parse(String(e.data));
        frames.push(frame);
        if (frame.result?.statusUpdate?.status?.state === "TASK_STATE_COMPLETED") resolve();
      };
    });
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 42, method: "SendStreamingMessage", params: { message: { messageId: "w1", role: "ROLE_USER", parts: [{ text: "get pods -n shop on prod-eu" }] } } }));
    await done;
    expect(frames.every((f) => f.id === 42)).toBe(true);
    expect(frames.map((f) => Object.keys(f.result ?? {})[0])).toEqual(["task", "statusUpdate", "artifactUpdate", "artifactUpdate", "statusUpdate"]);
    const taskId = (frames[0]!.result!.task as { id: string }).id;
    const got = new Promise<{ id: unknown; result: { status: { state: string } } }>((resolve) => (ws.onmessage = (e) => resolve(JSON.parse(String(e.data)))));
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: "g", method: "tasks/get", params: { id: taskId } }));
    expect(await got).toMatchObject({ id: "g", result: { status: { state: "completed" } } });
    ws.close();
  });

  test("an upgrade without a valid key is refused before any frame", async () => {
    await expect(open(["a2a.jsonrpc"])).rejects.toThrow();
    await expect(open(webSocketProtocols("not-a-key-at-all"))).rejects.toThrow();
    const res = await fetch(`${a2a.url}/a2a/ws?api_key=${KEY}`, { headers: { upgrade: "websocket", connection: "upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } });
    expect(res.status).toBe(401);
  });
});

describe.skipIf(!KUBECTL_FOUND)("real kubectl against the simulated cluster", () => {
  test("a plain request returns kubectl's real table output", async () => {
    const task = await send(await connect(), [text("get pods in namespace shop on cluster sim")]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const out = textOf(task.artifacts[0]?.parts);
    expect(out.split("\n")[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    expect(out).toContain("CrashLoopBackOff");
  });

  test("a kubectl error ends the task failed with kubectl's message", async () => {
    const task = await send(await connect(), [text("kubectl get pod does-not-exist -n shop --context sim")]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(textOf(task.status?.message?.parts)).toMatch(/NotFound|not found/);
    expect(dataOf(task.artifacts[0]?.parts)).toMatchObject({ status: "failure", exit_code: 1 });
  });
});

if (!KUBECTL_FOUND) {
  if (process.env.CI === "true") {
    test("kubectl is on PATH (required when CI=true)", () => {
      throw new Error("kubectl not found on PATH: the A2A simulated-cluster tests need the real kubectl binary");
    });
  } else {
    console.warn("[a2a.test] skipping the kubectl tests: kubectl not found on PATH");
  }
}
