/**
 * The native executor end to end, through the compiled binary: `kubently demo
 * --executor native`, and `kubently demo` (auto) on a PATH with no kubectl at
 * all, each answer `get pods -A`, `describe pod` of the crash-looping pod,
 * `logs`, a streamed and bounded `logs -f`, and `top pods` over REST, MCP
 * and A2A with the official SDK clients. `get pods -A` must equal what the
 * real kubectl prints against the demo's own simulated cluster.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Role, type Part, type StreamResponse, type Task } from "@a2a-js/sdk";
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory, type Client as A2AClient } from "@a2a-js/sdk/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type SimCluster, simKubeconfig, startSimCluster } from "../../lib/sim/index.ts";
import { runKubectl } from "../_kubectl.ts";
import { OPENSSL_FOUND, tlsFixture } from "../_tls.ts";
import { readSse } from "../_sse.ts";
import { ensureBinary, hasTool, keyedFetch, post, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([hasTool("kubectl") ? null : "kubectl is not on PATH", OPENSSL_FOUND ? null : "openssl is not on PATH", ensureBinary()]);
const KEY = "native-e2e-key-0123456789abcdef";
const keyed = keyedFetch(KEY);
const CRASHING = "checkout-6b8f9d7c5c-8wzrn";
const WEB = "web-7d4b9c8f6d-x2kqp";

/** The real kubectl's stdout against a cluster URL (asynchronously: the demo runs in another process anyway). */
function kubectl(server: string, argv: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "kubently-native-e2e-"));
  writeFileSync(join(dir, "kubeconfig"), simKubeconfig(server));
  return new Promise((resolve, reject) => {
    const child = spawn("kubectl", argv, { env: { PATH: process.env.PATH ?? "", HOME: dir, KUBECONFIG: join(dir, "kubeconfig") } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl exited ${code}`))));
  });
}

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === "text" ? c.text : "")).join("");
const partsText = (parts: Part[] | undefined) => (parts ?? []).flatMap((p) => (p.content?.$case === "text" ? [p.content.value] : [])).join("");

const MODES = [
  { name: "--executor native", args: ["--executor", "native"], env: {} },
  // An empty directory as PATH: no kubectl anywhere, the binary needs nothing else.
  { name: "auto with no kubectl on PATH", args: [], env: { PATH: mkdtempSync(join(tmpdir(), "kubently-empty-path-")) } },
] as const;

describe.skipIf(skip).each(MODES)("kubently demo, $name", (mode) => {
  let demo: Proc;
  let api = "";
  let a2aUrl = "";
  let simUrl = "";
  let mcp: Client;
  let a2a: A2AClient;

  beforeAll(async () => {
    demo = run(["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, ...mode.args], mode.env);
    api = (await demo.waitFor(/API:\s+(http:\/\/\S+)/))[1]!;
    a2aUrl = (await demo.waitFor(/A2A:\s+(http:\/\/\S+)/))[1]!;
    simUrl = (await demo.waitFor(/simulated, (http:\/\/\S+)\)/))[1]!;
    mcp = new Client({ name: "native-e2e", version: "1.0.0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${api}/mcp`), { requestInit: { headers: { "x-api-key": KEY } } }));
    a2a = await new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: keyed })], cardResolver: new DefaultAgentCardResolver({ fetchImpl: keyed }) }).createFromUrl(a2aUrl);
  });
  afterAll(async () => {
    await mcp?.close();
    await demo?.stop();
  });

  const rest = async (argv: string[]) => {
    const res = await keyed(`${api}/debug/execute`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "demo", argv }) });
    return (await res.json()) as { status: string; output: string; error: string | null; code?: string | null };
  };
  const tool = async (args: Record<string, unknown>) => (await mcp.callTool({ name: "execute_kubectl", arguments: { cluster_id: "demo", ...args } })) as CallToolResult;
  const send = async (value: Record<string, unknown>) => {
    const message = { messageId: crypto.randomUUID(), contextId: "", taskId: "", role: Role.ROLE_USER, parts: [{ content: { $case: "data", value: { cluster_id: "demo", ...value } }, mediaType: "application/json", filename: "", metadata: undefined }], metadata: undefined, extensions: [], referenceTaskIds: [] };
    return (await a2a.sendMessage({ tenant: "", message, configuration: undefined, metadata: undefined } as never)) as Task;
  };

  test("the agent reports its executor and what it answers natively", async () => {
    const detail = await (await keyed(`${api}/debug/clusters/demo`)).json();
    expect(detail.agent).toMatchObject({ executor: mode.args.length ? "native" : "auto" });
    expect(detail.agent.nativeCommands).toEqual(expect.arrayContaining(["get", "logs", "describe", "top pod"]));
  });

  test("REST: get pods -A equals the real kubectl; describe, logs and top pods answer", async () => {
    // Ages can tick between the two reads: compare once more on a mismatch.
    for (let attempt = 0; ; attempt++) {
      const got = await rest(["get", "pods", "-A"]);
      expect(got.status).toBe("success");
      const want = await kubectl(simUrl, ["get", "pods", "-A"]);
      if (got.output === want || attempt >= 1) {
        expect(got.output).toBe(want);
        break;
      }
    }
    const described = await rest(["describe", "pod", "-n", "shop", CRASHING]);
    expect(described.status).toBe("success");
    expect(described.output).toContain("CrashLoopBackOff");
    expect(described.output).toContain("Restart Count:");
    const logs = await rest(["logs", "-n", "shop", WEB, "--tail=5"]);
    expect(logs.status).toBe("success");
    expect(logs.output.trim().split("\n")).toHaveLength(5);
    const top = await rest(["top", "pods", "-n", "shop"]);
    expect(top.status).toBe("success");
    expect(top.output).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
  });

  test("REST: logs -f streams over SSE, lines before the end, and stops at its time budget", async () => {
    const res = await keyed(`${api}/debug/execute`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ cluster_id: "demo", argv: ["logs", "-f", "-n", "shop", WEB, "--tail=1"], stream: true, timeout_seconds: 3 }),
    });
    const { events } = await readSse(res);
    const chunks = events.filter((e) => e.event === "chunk");
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    expect(events.at(-1)!.at - chunks[0]!.at).toBeGreaterThan(1_000);
    expect(events.find((e) => e.event === "result")?.data).toMatchObject({ status: "success", code: "STREAM_TIME_BUDGET", truncated: true });
  });

  test("MCP: the five commands through execute_kubectl, logs -f as progress notifications", async () => {
    expect(textOf(await tool({ command: "get", resource: "pods", args: ["-A"] }))).toContain("ImagePullBackOff");
    expect(textOf(await tool({ command: "describe", resource: "pod", name: CRASHING, namespace: "shop" }))).toContain("CrashLoopBackOff");
    expect(textOf(await tool({ command: "logs", resource: "pod", name: WEB, namespace: "shop", args: ["--tail=3"] }))).toContain("HTTP/1.1");
    expect(textOf(await tool({ command: "top", resource: "pods", namespace: "shop" }))).toContain("MEMORY(bytes)");
    const notes: string[] = [];
    const followed = (await mcp.callTool({ name: "execute_kubectl", arguments: { cluster_id: "demo", command: "logs", resource: "pod", name: WEB, namespace: "shop", args: ["-f", "--tail=1"], timeout_seconds: 3 } }, undefined, {
      onprogress: (p) => void notes.push(p.message ?? ""),
      timeout: 60_000,
    })) as CallToolResult;
    expect(followed.structuredContent).toMatchObject({ status: "success", code: "STREAM_TIME_BUDGET" });
    expect(notes.length).toBeGreaterThanOrEqual(4);
  });

  test("A2A: the five commands as DataParts, logs -f as artifact-update chunks", async () => {
    for (const [value, expected] of [
      [{ command: "get", resource: "pods", args: ["-A"] }, "CrashLoopBackOff"],
      [{ command: "describe", resource: "pod", name: CRASHING, namespace: "shop" }, "Restart Count:"],
      [{ command: "logs", resource: "pod", name: WEB, namespace: "shop", args: ["--tail=3"] }, "HTTP/1.1"],
      [{ command: "top", resource: "pods", namespace: "shop" }, "CPU(cores)"],
    ] as const) {
      const task = await send(value);
      expect(JSON.stringify(task.artifacts)).toContain(expected);
    }
    const message = { messageId: crypto.randomUUID(), contextId: "", taskId: "", role: Role.ROLE_USER, parts: [{ content: { $case: "data", value: { cluster_id: "demo", command: "logs", resource: "pod", name: WEB, namespace: "shop", args: ["-f", "--tail=1"], timeout_seconds: 3 } }, mediaType: "application/json", filename: "", metadata: undefined }], metadata: undefined, extensions: [], referenceTaskIds: [] };
    const updates: string[] = [];
    for await (const event of a2a.sendMessageStream({ tenant: "", message, configuration: undefined, metadata: undefined } as never) as AsyncIterable<StreamResponse>) {
      if (event.payload?.$case === "artifactUpdate" && !event.payload.value.lastChunk) updates.push(partsText(event.payload.value.artifact?.parts));
    }
    expect(updates.length).toBeGreaterThanOrEqual(4);
    expect(updates.join("")).toContain("HTTP/1.1");
  });

  test("a command native does not implement, with no kubectl to hand it to, fails naming the command", async () => {
    const r = await rest(["get", "pods", "-n", "shop", "--server-print=false"]);
    expect(r).toMatchObject({ status: "failure", code: "EXECUTOR_UNSUPPORTED" });
    expect(r.error).toContain("kubectl get --server-print");
  });
});

/**
 * A real cluster's shape: the API server over HTTPS with its own CA, and the
 * compiled agent authenticating with a client certificate, then with a bearer
 * token (under Bun, client-node's own transport would drop the CA and the
 * certificate; the native layer hands them to Bun's fetch).
 */
describe.skipIf(skip)("the compiled agent against an HTTPS cluster with a private CA", () => {
  const TOKEN = "native-https-agent-token-0123456789";
  const CLUSTER_TOKEN = "native-https-cluster-token-0123456789";
  let sim: SimCluster;
  let api: Proc;
  let url = "";
  const agents: Proc[] = [];

  beforeAll(async () => {
    const tls = await tlsFixture();
    sim = await startSimCluster({ tls: { cert: tls.server.cert, key: tls.server.key, ca: tls.ca }, auth: { tokens: [CLUSTER_TOKEN], clientCa: tls.ca } });
    api = run(["api", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `e2e:${KEY}`], { KUBENTLY_AGENT_TOKENS: `https:${TOKEN}` });
    url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
  });
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await api?.stop();
    await sim?.close();
  });

  for (const [label, credentials] of [
    ["a client certificate", async () => ({ clientCertificate: (await tlsFixture()).client.cert, clientKey: (await tlsFixture()).client.key })],
    ["a bearer token", async () => ({ token: CLUSTER_TOKEN })],
  ] as const) {
    test(`native reads with ${label} equal the real kubectl's`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "kubently-https-"));
      const kubeconfig = await sim.writeKubeconfig(join(dir, "config"), { credentials: await credentials() });
      for (const a of agents.splice(0)) await a.stop();
      const agent = run(["agent", "--api-url", url, "--cluster-id", "https", "--kubeconfig", kubeconfig, "--executor", "native"], { KUBENTLY_TOKEN: TOKEN });
      agents.push(agent);
      await agent.waitFor(/serving cluster https/);
      // Ages can tick between the two reads: compare once more on a mismatch.
      for (let attempt = 0; ; attempt++) {
        const { body } = await post(`${url}/debug/execute`, KEY, { cluster_id: "https", argv: ["get", "pods", "-A"] });
        expect(body.status).toBe("success");
        const want = await runKubectl(["get", "pods", "-A"], { home: dir, kubeconfig });
        expect(want.code).toBe(0);
        if (body.output === want.stdout || attempt >= 1) {
          expect(body.output).toBe(want.stdout);
          break;
        }
      }
    });
  }
});
