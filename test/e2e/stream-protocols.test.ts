/**
 * End to end: streamed `logs -f` over MCP (progress notifications) and A2A
 * (`message/stream` artifact updates) against the running compiled binary
 * (`kubently demo`: real kubectl against the simulated cluster). Lines arrive
 * before the command ends, the stream stops at its budget, and a cancel
 * from the caller kills the kubectl process.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Role, TaskState, type StreamResponse } from "@a2a-js/sdk";
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory, type Client as A2AClient } from "@a2a-js/sdk/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { kubectlProcesses, pollUntil } from "../_fixtures.ts";
import { ensureBinary, hasTool, keyedFetch, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([hasTool("kubectl") ? null : "kubectl is not on PATH", ensureBinary()]);
const KEY = "stream-proto-key-0123456789abcdef";
const CLUSTER = "e2e-stream";
const follow = (pod: string, extra: Record<string, unknown>) => ({ cluster_id: CLUSTER, command: "logs", resource: "pod", name: `web-7d4b9c8f6d-${pod}`, namespace: "shop", args: ["-f", "--tail=1"], ...extra });

const keyed = keyedFetch(KEY);

describe.skipIf(skip)("streaming protocols against the compiled binary", () => {
  let demo: Proc;
  let api = "";
  let a2a: A2AClient;
  beforeAll(async () => {
    // The kubectl executor: these tests watch kubectl processes die (the native executor is covered by native.test.ts).
    demo = run(["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, "--cluster-id", CLUSTER, "--executor", "kubectl"]);
    api = (await demo.waitFor(/API:\s+(http:\/\/\S+)/))[1]!;
    const a2aUrl = (await demo.waitFor(/A2A:\s+(http:\/\/\S+)/))[1]!;
    a2a = await new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: keyed })], cardResolver: new DefaultAgentCardResolver({ fetchImpl: keyed }) }).createFromUrl(a2aUrl);
  });
  afterAll(async () => {
    await demo?.stop();
  });

  const mcp = async (headers: Record<string, string> = {}) => {
    const client = new Client({ name: "e2e-stream", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${api}/mcp`), { requestInit: { headers: { "x-api-key": KEY, ...headers } } }));
    return client;
  };
  const a2aStream = async (value: Record<string, unknown>, onEvent?: (e: StreamResponse) => Promise<void>) => {
    const message = { messageId: crypto.randomUUID(), contextId: "", taskId: "", role: Role.ROLE_USER, parts: [{ content: { $case: "data" as const, value }, mediaType: "application/json", filename: "", metadata: undefined }], metadata: undefined, extensions: [], referenceTaskIds: [] };
    const seen: { event: StreamResponse; at: number }[] = [];
    for await (const event of a2a.sendMessageStream({ tenant: "", message, configuration: undefined, metadata: undefined })) {
      seen.push({ event, at: performance.now() });
      await onEvent?.(event);
    }
    return seen;
  };

  test("MCP: logs -f streams lines as progress notifications, then stops at its time budget", async () => {
    const client = await mcp();
    const notes: { message: string; at: number }[] = [];
    const result = (await client.callTool({ name: "execute_kubectl", arguments: follow("x2kqp", { timeout_seconds: 4 }) }, undefined, {
      onprogress: (p) => notes.push({ message: p.message ?? "", at: performance.now() }),
    })) as CallToolResult;
    const endedAt = performance.now();
    const view = result.structuredContent as { status: string; code: string; output: string };
    expect(view).toMatchObject({ status: "success", code: "STREAM_TIME_BUDGET", truncated: true });
    expect(notes.length).toBeGreaterThanOrEqual(5);
    expect(endedAt - notes[0]!.at).toBeGreaterThan(1_500);
    expect(notes.map((n) => n.message).join("")).toBe(view.output);
    expect(view.output.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(10);
    await client.close();
  });

  test("A2A: message/stream sends lines as artifact updates, then completes at its time budget", async () => {
    const seen = await a2aStream(follow("9hvlm", { timeout_seconds: 4 }));
    const updates = seen.flatMap((s) => (s.event.payload?.$case === "artifactUpdate" ? [{ ...s.event.payload.value, at: s.at }] : []));
    const final = seen.at(-1)!.event.payload;
    expect(final?.$case === "statusUpdate" && final.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(updates.length).toBeGreaterThanOrEqual(5);
    expect(seen.at(-1)!.at - updates[0]!.at).toBeGreaterThan(1_500);
    expect(new Set(updates.map((u) => u.artifact?.artifactId)).size).toBe(1);
    const closing = updates.at(-1)!;
    expect(closing.lastChunk).toBe(true);
    const data = closing.artifact!.parts.find((p) => p.content?.$case === "data")?.content;
    expect(data?.$case === "data" && data.value).toMatchObject({ status: "success", code: "STREAM_TIME_BUDGET", truncated: true });
    const text = updates.flatMap((u) => u.artifact!.parts.flatMap((p) => (p.content?.$case === "text" ? [p.content.value] : []))).join("");
    expect(text.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(10);
  });

  test("cancelling from the caller kills kubectl: MCP abort, and A2A tasks/cancel", async () => {
    // MCP: the client aborts; its notifications/cancelled arrives on another request and still reaches the call.
    const correlationId = `e2e-stream-cancel-${crypto.randomUUID()}`;
    const client = await mcp({ "x-correlation-id": correlationId });
    const abort = new AbortController();
    let running: number[] = [];
    const call = client.callTool({ name: "execute_kubectl", arguments: follow("tq4zr", { timeout_seconds: 60 }) }, undefined, {
      signal: abort.signal,
      onprogress: () => {
        running = kubectlProcesses("web-7d4b9c8f6d-tq4zr");
        abort.abort();
      },
    });
    await expect(call).rejects.toThrow();
    expect(running.length).toBeGreaterThan(0);
    expect(await pollUntil(() => kubectlProcesses("web-7d4b9c8f6d-tq4zr"), (pids) => pids.length === 0)).toEqual([]);
    const audit = await (await keyed(`${api}/audit?correlation_id=${correlationId}&event_type=command.queued`)).json();
    const view = await pollUntil(async () => (await keyed(`${api}/debug/result/${audit.entries[0].commandId}`)).json(), (r) => r.status !== "queued");
    expect(view.status).toBe("cancelled");
    await client.close();

    // A2A: tasks/cancel mid-stream ends the task canceled.
    let inA2A: number[] | undefined;
    const seen = await a2aStream(follow("x2kqp", { timeout_seconds: 60 }), async (e) => {
      if (e.payload?.$case !== "artifactUpdate" || inA2A) return;
      inA2A = kubectlProcesses("web-7d4b9c8f6d-x2kqp");
      await a2a.cancelTask({ tenant: "", id: e.payload.value.taskId, metadata: undefined });
    });
    const final = seen.at(-1)!.event.payload;
    expect(final?.$case === "statusUpdate" && final.value.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(inA2A?.length).toBeGreaterThan(0);
    expect(await pollUntil(() => kubectlProcesses("web-7d4b9c8f6d-x2kqp"), (pids) => pids.length === 0)).toEqual([]);
  }, 30_000);
});
