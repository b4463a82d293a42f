/**
 * Streaming over MCP: `execute_kubectl` with a progress token streams the
 * output as `notifications/progress`, bounded by its time and byte budgets;
 * cancelling the call kills kubectl. Driven by the official MCP SDK client
 * over streamable HTTP (and over stdio through `httpClient`), with the REAL
 * kubectl against the simulated cluster: `logs -f` of a web pod writes a
 * line every 200 ms.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { serve, type HttpServer } from "../../lib/http/serve.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { LIMITS } from "../../lib/limits.ts";
import { withKeepAlive } from "../../lib/_keep-alive.ts";
import { mcpHttpHandler } from "../../lib/mcp/index.ts";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { pollUntil } from "../_fixtures.ts";
import { EXECUTOR_KINDS, liveReaders, simExecutor } from "../_executors.ts";
import { readSse } from "../_sse.ts";
import { clusterOutputOf } from "../_protocols.ts";

const KEY = "mcp-stream-key-0123456789abcdef";
const OTHER = "mcp-stream-other-0123456789abcdef";
const POD = "web-7d4b9c8f6d-x2kqp";
const FOLLOW = { cluster_id: "sim", command: "logs", resource: "pod", name: POD, namespace: "shop", args: ["-f", "--tail=1"] };
const ROOT = resolve(import.meta.dir, "../..");

let sim: SimCluster;
let k: Kubently;
let url = "";
let jsonServer: HttpServer;
const clients: Client[] = [];

describe.each(EXECUTOR_KINDS)("%s executor", (kind) => {
  beforeAll(async () => {
    sim = await startSimCluster();
    k = createKubently({
      backend: memoryBackend(),
      policies: [readOnly()],
      apiKeys: [{ name: "bot", key: KEY }, { name: "other", key: OTHER }],
      clusters: [{ id: "sim" }],
    });
    await k.ready();
    url = (await k.listen({ port: 0 })).url;
    k.startLocalAgent({ clusterId: "sim", executor: simExecutor(kind, await sim.writeKubeconfig()) });
    const json = mcpHttpHandler(k, { jsonResponse: true });
    jsonServer = await serve((req) => json(req));
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await jsonServer.close();
    await k.close();
    await sim.close();
  });

  async function connect(headers: Record<string, string> = {}, base = url): Promise<Client> {
    const client = new Client({ name: "kubently-stream-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { "x-api-key": KEY, ...headers } } }));
    clients.push(client);
    return client;
  }

  interface Note {
    progress: number;
    message: string;
    at: number;
  }

  /** Calls execute_kubectl asking for progress; every notification is kept with its arrival time. */
  async function streamed(client: Client, args: Record<string, unknown>, o: { signal?: AbortSignal; onNote?: (n: Note, all: Note[]) => void } = {}) {
    const notes: Note[] = [];
    const call = client.callTool({ name: "execute_kubectl", arguments: args }, undefined, {
      onprogress: (p) => {
        const note = { progress: p.progress, message: p.message ?? "", at: performance.now() };
        notes.push(note);
        o.onNote?.(note, notes);
      },
      timeout: 120_000,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const result = (await call) as CallToolResult;
    return { result, notes, endedAt: performance.now() };
  }

  const viewOf = (r: CallToolResult) => r.structuredContent as { command_id: string; status: string; code: string | null; truncated: boolean; output: string; policy: string | null };
  const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === "text" ? c.text : "")).join("");
  const bytesOf = (notes: Note[]) => notes.map((n) => n.message).join("");
  const queuedCommand = async (correlationId: string) => (await k.backend.audit.query({ correlationId })).find((e) => e.eventType === "command.queued")?.commandId;

  describe("execute_kubectl with a progress token streams", () => {
    test("logs -f: lines arrive as notifications while kubectl runs, then the call stops at its time budget", async () => {
      const { result, notes, endedAt } = await streamed(await connect(), { ...FOLLOW, timeout_seconds: 3 });
      const view = viewOf(result);
      expect(result.isError).toBeFalsy();
      expect(view).toMatchObject({ status: "success", code: "STREAM_TIME_BUDGET", truncated: true });
      // A line every 200 ms for ~3 s, posted as they come: several notifications, the first long before the end.
      expect(notes.length).toBeGreaterThanOrEqual(4);
      expect(endedAt - notes[0]!.at).toBeGreaterThan(1_000);
      // progress counts the bytes received so far: it only grows, by each message's size.
      let sum = 0;
      for (const n of notes) expect(n.progress).toBe((sum += Buffer.byteLength(n.message)));
      expect(bytesOf(notes)).toBe(view.output);
      expect(view.output.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(8);
      expect(view.output).toContain("HTTP/1.1");
      expect(clusterOutputOf(result)).toBe(view.output);
      expect(textOf(result)).toEndWith(">>>\n[output truncated]\n");
    });

    test("logs -f stops at a small byte budget (max_bytes), long before its time budget", async () => {
      const started = performance.now();
      const { result, notes } = await streamed(await connect(), { ...FOLLOW, timeout_seconds: 60, max_bytes: 300 });
      const view = viewOf(result);
      expect(view).toMatchObject({ status: "success", code: "STREAM_BYTE_BUDGET", truncated: true });
      expect(Buffer.byteLength(view.output)).toBeLessThanOrEqual(300);
      expect(notes.length).toBeGreaterThanOrEqual(1);
      expect(bytesOf(notes)).toBe(view.output);
      expect(performance.now() - started).toBeLessThan(30_000);
    });

    test("a command that ends on its own streams its output, then answers as usual", async () => {
      const { result, notes } = await streamed(await connect(), { cluster_id: "sim", command: "get", resource: "pods", namespace: "shop" });
      const view = viewOf(result);
      expect(view).toMatchObject({ status: "success", code: null, truncated: false });
      expect(bytesOf(notes)).toBe(view.output);
      expect(view.output).toContain(POD);
    });

    test("a denied command is a denial at once and streams nothing", async () => {
      const client = await connect();
      for (const args of [
        { cluster_id: "sim", command: "delete", resource: "pod", name: "x", namespace: "shop" },
        { cluster_id: "sim", command: "get", resource: "secrets", namespace: "shop", args: ["-w", "-o", "yaml"] },
      ]) {
        const { result, notes } = await streamed(client, args);
        expect(result.isError).toBe(true);
        expect(viewOf(result)).toMatchObject({ status: "denied", policy: "read-only" });
        expect(textOf(result)).toStartWith("denied by policy read-only:");
        expect(notes).toEqual([]);
      }
    });

    test("budgets out of bounds are tool errors naming the field", async () => {
      const client = await connect();
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ timeout_seconds: LIMITS.maxStreamTimeoutSeconds + 1 }, /^VALIDATION_FAILED: .*timeout_seconds/],
        [{ max_bytes: 0 }, /^VALIDATION_FAILED: .*max_bytes/],
        [{ max_bytes: LIMITS.maxStreamBytes + 1 }, /^VALIDATION_FAILED: .*max_bytes/],
      ];
      for (const [extra, message] of cases) {
        const { result, notes } = await streamed(client, { ...FOLLOW, ...extra });
        expect(result.isError).toBe(true);
        expect(textOf(result)).toMatch(message);
        expect(notes).toEqual([]);
      }
    });
  });

  describe("execute_kubectl without a progress token does not stream", () => {
    test("the plain timeout bounds apply, and max_bytes is refused", async () => {
      const client = await connect();
      const call = async (args: Record<string, unknown>) => (await client.callTool({ name: "execute_kubectl", arguments: args })) as CallToolResult;
      const long = await call({ ...FOLLOW, timeout_seconds: 60 });
      expect(long.isError).toBe(true);
      expect(textOf(long)).toBe(`VALIDATION_FAILED: timeout_seconds must be 1 to ${LIMITS.maxTimeoutSeconds} (up to ${LIMITS.maxStreamTimeoutSeconds} for a streamed command)`);
      const bytes = await call({ ...FOLLOW, timeout_seconds: 2, max_bytes: 300 });
      expect(textOf(bytes)).toMatch(/^VALIDATION_FAILED: max_bytes applies only to a streamed command/);
      // As before streaming existed: logs -f runs until its timeout kills it.
      const plain = await call({ ...FOLLOW, timeout_seconds: 2 });
      expect(plain.isError).toBe(true);
      expect(viewOf(plain).status).toBe("timeout");
    });

    test("in JSON response mode a progress token is ignored (no notification could reach the client)", async () => {
      const { result, notes } = await streamed(await connect({}, jsonServer.url), { ...FOLLOW, timeout_seconds: 60 });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^VALIDATION_FAILED: timeout_seconds must be 1 to 30/);
      expect(notes).toEqual([]);
    });
  });

  describe("cancelling a streamed call", () => {
    test("aborting callTool cancels the command and kubectl is killed, long before its budget", async () => {
      const correlationId = `mcp-cancel-${crypto.randomUUID()}`;
      const abort = new AbortController();
      let running = 0;
      const call = streamed(await connect({ "x-correlation-id": correlationId }), { ...FOLLOW, name: "web-7d4b9c8f6d-9hvlm", timeout_seconds: 60 }, {
        signal: abort.signal,
        onNote: (_n, all) => {
          if (all.length !== 2) return;
          running = liveReaders(kind, sim, "web-7d4b9c8f6d-9hvlm");
          abort.abort();
        },
      });
      await expect(call).rejects.toThrow();
      const aborted = performance.now();
      expect(running).toBeGreaterThan(0);
      const id = (await queuedCommand(correlationId))!;
      const result = await pollUntil(() => k.backend.queue.getResult(id), (r) => r !== null);
      expect(result?.status).toBe("cancelled");
      expect(performance.now() - aborted).toBeLessThan(15_000);
      // Killed in the agent: the process is gone and no more output lands.
      expect(await pollUntil(() => liveReaders(kind, sim, "web-7d4b9c8f6d-9hvlm"), (n) => n === 0)).toBe(0);
      const stored = (await k.backend.streams.read(id, 0)).length;
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await k.backend.streams.read(id, 0)).length).toBe(stored);
    }, 30_000);

    test("notifications/cancelled reaches the call on another request of the same caller only; the call then ends unanswered", async () => {
      const correlationId = `mcp-raw-cancel-${crypto.randomUUID()}`;
      const post = (key: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${url}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": key, ...headers }, body: JSON.stringify(body) });
      const cancel = (key: string) => post(key, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 4242, reason: "test" } });
      const res = await post(KEY, { jsonrpc: "2.0", id: 4242, method: "tools/call", params: { name: "execute_kubectl", arguments: { ...FOLLOW, name: "web-7d4b9c8f6d-tq4zr", timeout_seconds: 60 }, _meta: { progressToken: "p-1" } } }, { "x-correlation-id": correlationId });
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      const started = performance.now();
      const sent: Promise<Response>[] = [];
      let running = 0;
      const { events } = await readSse(res, (_e, all) => {
        // After 2 notifications another caller cancels request 4242 (nothing happens), after 6 this caller does.
        if (all.length === 2) sent.push(cancel(OTHER));
        if (all.length === 6) {
          running = liveReaders(kind, sim, "web-7d4b9c8f6d-tq4zr");
          sent.push(cancel(KEY));
        }
        return false;
      });
      expect(running).toBeGreaterThan(0);
      expect((await Promise.all(sent)).map((r) => r.status)).toEqual([202, 202]);
      const messages = events.map((e) => e.data as { method?: string; id?: number; params?: { progressToken: string; progress: number } });
      expect(messages.length).toBeGreaterThanOrEqual(6);
      expect(messages.every((m) => m.method === "notifications/progress" && m.params?.progressToken === "p-1")).toBe(true);
      expect(messages.some((m) => m.id === 4242)).toBe(false);
      expect(performance.now() - started).toBeLessThan(20_000);
      const id = (await queuedCommand(correlationId))!;
      expect((await pollUntil(() => k.backend.queue.getResult(id), (r) => r !== null))?.status).toBe("cancelled");
      expect(await pollUntil(() => liveReaders(kind, sim, "web-7d4b9c8f6d-tq4zr"), (n) => n === 0)).toBe(0);
    }, 30_000);
  });

  describe("kubently mcp (stdio) streams through the REST API", () => {
    // The stdio server of `kubently mcp`, acting on the API above with httpClient.
    const ENTRY = `
  import { runMcpStdio } from "./lib/mcp/index.ts";
  const server = await runMcpStdio({ apiUrl: process.env.KUBENTLY_API_URL, apiKey: process.env.KUBENTLY_API_KEY });
  await server.closed;
  `;
    const stdio = async () => {
      const client = new Client({ name: "kubently-stdio-stream-test", version: "1.0.0" });
      const transport = new StdioClientTransport({ command: resolve(ROOT, "node_modules/.bin/bun"), args: ["-e", ENTRY], cwd: ROOT, env: { PATH: process.env.PATH ?? "", KUBENTLY_API_URL: url, KUBENTLY_API_KEY: KEY }, stderr: "ignore" });
      await client.connect(transport);
      clients.push(client);
      return client;
    };

    test("logs -f streams as progress, stops at its budget; a cancel kills kubectl", async () => {
      const client = await stdio();
      const { result, notes, endedAt } = await streamed(client, { ...FOLLOW, timeout_seconds: 3 });
      expect(viewOf(result)).toMatchObject({ status: "success", code: "STREAM_TIME_BUDGET", truncated: true });
      expect(notes.length).toBeGreaterThanOrEqual(4);
      expect(endedAt - notes[0]!.at).toBeGreaterThan(1_000);
      expect(bytesOf(notes)).toBe(viewOf(result).output);

      const abort = new AbortController();
      const since = Date.now();
      let running = 0;
      const onNote = (_n: Note, all: Note[]) => {
        if (all.length !== 2) return;
        running = liveReaders(kind, sim, POD);
        abort.abort();
      };
      const cancelled = streamed(client, { ...FOLLOW, timeout_seconds: 60, max_bytes: 100_000 }, { signal: abort.signal, onNote });
      await expect(cancelled).rejects.toThrow();
      expect(running).toBeGreaterThan(0);
      const id = (await k.backend.audit.query({ eventType: "command.queued", since }))[0]!.commandId!;
      expect((await pollUntil(() => k.backend.queue.getResult(id), (r) => r !== null))?.status).toBe("cancelled");
      expect(await pollUntil(() => liveReaders(kind, sim, POD), (n) => n === 0)).toBe(0);
    }, 30_000);
  });

  describe("withKeepAlive(body, everyMs)", () => {
    test("adds SSE comments while the source is quiet, passes its events through whole, and ends with it", async () => {
      const encoder = new TextEncoder();
      const source = new ReadableStream<Uint8Array>({
        async start(controller) {
          await new Promise((r) => setTimeout(r, 300));
          controller.enqueue(encoder.encode("event: message\ndata: {}\n\n"));
          controller.close();
        },
      });
      const text = await new Response(withKeepAlive(source, 50)).text();
      const blocks = text.split("\n\n").filter(Boolean);
      expect(blocks.at(-1)).toBe("event: message\ndata: {}");
      expect(blocks.slice(0, -1).length).toBeGreaterThanOrEqual(2);
      expect(blocks.slice(0, -1).every((b) => b === ": keep-alive")).toBe(true);
    });

    test("cancelling it cancels the source", async () => {
      let cancelled = false;
      const source = new ReadableStream<Uint8Array>({ cancel: () => void (cancelled = true) });
      const reader = withKeepAlive(source, 50).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe(": keep-alive\n\n");
      await reader.cancel();
      expect(cancelled).toBe(true);
    });
  });
});
