/**
 * The stdio MCP server (`kubently mcp`) in a child process, driven by the
 * official MCP SDK client, acting on a running REST API through httpClient.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { echoExecutor } from "../../lib/agent/executors.ts";
import type { Kubently } from "../../lib/kubently.ts";
import { clusterOutputOf, mcpTextOf, protocolApi } from "../_protocols.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const KEY = "mcp-stdio-key-0123456789abcdef";
// What `kubently mcp` will do once bin/ wires it: serve until the MCP client closes stdin.
const ENTRY = `
import { runMcpStdio } from "./lib/mcp/index.ts";
const server = await runMcpStdio({ apiUrl: process.env.KUBENTLY_API_URL, apiKey: process.env.KUBENTLY_API_KEY, headers: { "x-correlation-id": "stdio-test" } });
await server.closed;
process.stderr.write("kubently mcp: input ended\\n");
`;

let k: Kubently;
let url: string;

beforeAll(async () => {
  ({ k, url } = await protocolApi({ keys: [{ name: "desk", key: KEY }], clusters: { c1: echoExecutor() } }));
});
afterAll(() => k.close());

async function spawnServer(env: Record<string, string>) {
  const transport = new StdioClientTransport({ command: BUN, args: ["-e", ENTRY], cwd: ROOT, env, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: "kubently-stdio-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const textOf = mcpTextOf;

describe("kubently mcp (stdio)", () => {
  test("lists tools for the key's clusters and runs kubectl through the remote API", async () => {
    const { client, stderr } = await spawnServer({ KUBENTLY_API_URL: url, KUBENTLY_API_KEY: KEY });
    try {
      const { tools } = await client.listTools();
      const exec = tools.find((t) => t.name === "execute_kubectl")!;
      expect((exec.inputSchema.properties as Record<string, { enum?: string[] }>).cluster_id!.enum).toEqual(["c1"]);
      expect(await call(client, "list_clusters")).toMatchObject({ structuredContent: { clusters: [{ id: "c1", connected: true }], count: 1 } });

      const r = await call(client, "execute_kubectl", { cluster_id: "c1", command: "get", resource: "pods", args: ["-o", "wide"] });
      expect(r.isError).toBeFalsy();
      expect(clusterOutputOf(r)).toBe("get pods -n default -o wide\n");
      const view = r.structuredContent as { command_id: string; status: string; correlation_id: string };
      expect(view).toMatchObject({ status: "success", correlation_id: "stdio-test" });
      // The remote API audited it as the key's identity, with the correlation id sent by the stdio server.
      const audited = await k.backend.audit.query({ correlationId: "stdio-test" });
      const events = audited.filter((e) => e.commandId === view.command_id);
      expect(events.map((e) => e.eventType)).toContain("command.queued");
      expect(events.every((e) => e.identity === "desk")).toBe(true);

      const denied = await call(client, "execute_kubectl", { cluster_id: "c1", command: "exec", name: "web-1", args: ["--", "sh"] });
      expect(denied.isError).toBe(true);
      expect(textOf(denied)).toStartWith("denied by policy read-only:");
      expect(denied.structuredContent).toMatchObject({ status: "denied", policy: "read-only" });

      const s = await call(client, "create_debug_session", { cluster_id: "c1" });
      const sessionId = (s.structuredContent as { session_id: string }).session_id;
      expect((await call(client, "execute_kubectl", { cluster_id: "c1", command: "version", session_id: sessionId })).structuredContent).toMatchObject({ session_id: sessionId, status: "success" });
      expect((await call(client, "close_session", { session_id: sessionId })).isError).toBeFalsy();
      expect(clusterOutputOf(await call(client, "get_command_result", { command_id: view.command_id }))).toBe("get pods -n default -o wide\n");
    } finally {
      await client.close();
    }
    // Closing stdin ends the server on its own (no signal needed).
    expect(stderr()).toContain("kubently mcp: input ended");
  });

  test("a wrong key still lists the tools, and every call is a clear tool error", async () => {
    const { client } = await spawnServer({ KUBENTLY_API_URL: url, KUBENTLY_API_KEY: "not-the-key-0123456789" });
    try {
      const { tools } = await client.listTools();
      const exec = tools.find((t) => t.name === "execute_kubectl")!;
      expect((exec.inputSchema.properties as Record<string, { enum?: string[] }>).cluster_id!.enum).toBeUndefined();
      const r = await call(client, "execute_kubectl", { cluster_id: "c1", command: "get", resource: "pods" });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toStartWith(`UNAUTHENTICATED: the Kubently API at ${url} rejected the API key (check KUBENTLY_API_KEY or --api-key)`);
    } finally {
      await client.close();
    }
  });

  test("an unreachable API is a tool error naming the URL", async () => {
    const { client } = await spawnServer({ KUBENTLY_API_URL: "http://127.0.0.1:9", KUBENTLY_API_KEY: KEY });
    try {
      const r = await call(client, "list_clusters");
      expect(r.isError).toBe(true);
      expect(textOf(r)).toStartWith("BACKEND_UNAVAILABLE: cannot reach the Kubently API at http://127.0.0.1:9");
    } finally {
      await client.close();
    }
  });
});
