/**
 * A2A and MCP with their official SDK clients against the running compiled
 * binary (`kubently demo`: real kubectl against the simulated cluster), and
 * `kubently mcp` over stdio pointed at it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Role, TaskState, type Message, type Task } from "@a2a-js/sdk";
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory } from "@a2a-js/sdk/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { BINARY, ensureBinary, hasTool, keyedFetch, prerequisites, run, type Proc } from "./_harness.ts";
import { clusterOutputOf } from "../_protocols.ts";

const { skip } = prerequisites([hasTool("kubectl") ? null : "kubectl is not on PATH", ensureBinary()]);
const KEY = "proto-key-0123456789abcdef";

const keyed = keyedFetch(KEY);

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === "text" ? c.text : "")).join("");

describe.skipIf(skip)("protocols against the compiled binary", () => {
  let demo: Proc;
  let api = "";
  let a2a = "";
  beforeAll(async () => {
    demo = run(["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, "--cluster-id", "zz-cluster-7"]);
    api = (await demo.waitFor(/API:\s+(http:\/\/\S+)/))[1]!;
    a2a = (await demo.waitFor(/A2A:\s+(http:\/\/\S+)/))[1]!;
  });
  afterAll(async () => {
    await demo?.stop();
  });

  test("A2A: the agent card, then a plain-English request answered with real kubectl output", async () => {
    const card = await (await fetch(`${a2a}/.well-known/agent-card.json`)).json();
    expect(card.capabilities.streaming).toBe(true);
    expect(JSON.stringify(card)).not.toContain("0.0.0.0");
    expect(JSON.stringify(card)).not.toContain("zz-cluster-7");
    const client = await new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: keyed })], cardResolver: new DefaultAgentCardResolver({ fetchImpl: keyed }) }).createFromUrl(a2a);
    const message: Message = { messageId: crypto.randomUUID(), role: Role.ROLE_USER, parts: [{ content: { $case: "text", value: "get pods in namespace shop on cluster zz-cluster-7" } }] } as unknown as Message;
    const task = (await client.sendMessage({ message } as never)) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(JSON.stringify(task.artifacts)).toContain("CrashLoopBackOff");
    // The output came from the cluster: the artifact says it is data, not instructions.
    expect(task.artifacts?.[0]?.metadata).toMatchObject({ "kubently/untrusted": true });
  });

  test("MCP over HTTP: tools listed with the caller's clusters; execute_kubectl runs kubectl; a denial is a tool error", async () => {
    const client = new Client({ name: "e2e", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${api}/mcp`), { requestInit: { headers: { "x-api-key": KEY } } }));
    const { tools } = await client.listTools();
    const exec = tools.find((t) => t.name === "execute_kubectl")!;
    expect(JSON.stringify(exec.inputSchema)).toContain('"zz-cluster-7"');
    const ok = (await client.callTool({ name: "execute_kubectl", arguments: { cluster_id: "zz-cluster-7", command: "describe", resource: "deployment", name: "web", namespace: "shop" } })) as CallToolResult;
    expect(ok.isError).toBeFalsy();
    expect(clusterOutputOf(ok)).toContain("Name:");
    expect(ok.structuredContent).toMatchObject({ status: "success" });
    const denied = (await client.callTool({ name: "execute_kubectl", arguments: { cluster_id: "zz-cluster-7", command: "get", resource: "secrets", namespace: "shop", args: ["-o", "yaml"] } })) as CallToolResult;
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toContain("read-only");
    await client.close();
  });

  test("MCP over stdio: `kubently mcp` against the running API", async () => {
    const client = new Client({ name: "e2e-stdio", version: "1.0.0" });
    await client.connect(new StdioClientTransport({ command: BINARY, args: ["mcp"], env: { PATH: process.env.PATH ?? "", KUBENTLY_API_URL: api, KUBENTLY_API_KEY: KEY }, stderr: "ignore" }));
    const clusters = (await client.callTool({ name: "list_clusters", arguments: {} })) as CallToolResult;
    expect(textOf(clusters)).toContain("zz-cluster-7");
    const logs = (await client.callTool({ name: "execute_kubectl", arguments: { cluster_id: "zz-cluster-7", command: "get", resource: "pods", args: ["-A"] } })) as CallToolResult;
    expect(clusterOutputOf(logs)).toContain("ImagePullBackOff");
    await client.close();
  });
});
