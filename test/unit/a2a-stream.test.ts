/**
 * Streaming over A2A: in `message/stream` a command on one cluster sends its
 * output as artifact updates while kubectl runs, bounded by its time and
 * byte budgets; `tasks/cancel` kills kubectl. Driven by the official A2A SDK
 * client over real HTTP, with the REAL kubectl against the simulated
 * cluster: `logs -f` of a web pod writes a line every 200 ms.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Role, TaskState, type Part, type StreamResponse, type TaskArtifactUpdateEvent } from "@a2a-js/sdk";
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory, type Client } from "@a2a-js/sdk/client";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { startA2AServer, webSocketProtocols, type A2AServer } from "../../lib/a2a/index.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { LIMITS } from "../../lib/limits.ts";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { pollUntil } from "../_fixtures.ts";
import { EXECUTOR_KINDS, liveReaders, simExecutor } from "../_executors.ts";
import { readSse } from "../_sse.ts";
import { a2aDataOf, a2aTextOf } from "../_protocols.ts";

const KEY = "a2a-stream-key-0123456789abcdef";
const POD = "web-7d4b9c8f6d-x2kqp";
const FOLLOW = { cluster_id: "sim", command: "logs", resource: "pod", name: POD, namespace: "shop", args: ["-f", "--tail=1"] };

let sim: SimCluster;
let k: Kubently;
let a2a: A2AServer;
let client: Client;

describe.each(EXECUTOR_KINDS)("%s executor", (kind) => {
  beforeAll(async () => {
    sim = await startSimCluster();
    k = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "bot", key: KEY }], clusters: [{ id: "sim" }] });
    await k.ready();
    k.startLocalAgent({ clusterId: "sim", executor: simExecutor(kind, await sim.writeKubeconfig()) });
    a2a = await startA2AServer(k, { publicUrl: "http://a2a-stream.kubently.test:8000/", port: 0 });
    // The card advertises its public URL; send every call to the test server, with the key.
    const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      const headers = new Headers(init?.headers);
      headers.set("x-api-key", KEY);
      return fetch(new URL(url.pathname + url.search, a2a.url), { ...init, headers });
    }) as typeof fetch;
    client = await new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })], cardResolver: new DefaultAgentCardResolver({ fetchImpl }) }).createFromUrl(a2a.url);
  });

  afterAll(async () => {
    await a2a.close();
    await k.close();
    await sim.close();
  });

  const part = (content: Part["content"]): Part => ({ content, mediaType: content?.$case === "data" ? "application/json" : "text/plain", filename: "", metadata: undefined });
  const request = (content: Part["content"]) => ({
    tenant: "",
    message: { messageId: crypto.randomUUID(), contextId: "", taskId: "", role: Role.ROLE_USER, parts: [part(content)], metadata: undefined, extensions: [], referenceTaskIds: [] },
    configuration: undefined,
    metadata: undefined,
  });
  const data = (value: Record<string, unknown>) => request({ $case: "data", value });

  interface Seen {
    event: StreamResponse;
    at: number;
  }

  /** Runs message/stream, keeping every event with its arrival time; `onEvent` may act mid-stream. */
  async function stream(req: ReturnType<typeof request>, onEvent?: (e: StreamResponse, all: Seen[]) => void | Promise<void>) {
    const seen: Seen[] = [];
    for await (const event of client.sendMessageStream(req)) {
      seen.push({ event, at: performance.now() });
      await onEvent?.(event, seen);
    }
    const updates = seen.flatMap((s) => (s.event.payload?.$case === "artifactUpdate" ? [{ ...s.event.payload.value, at: s.at }] : []));
    const states = seen.flatMap((s) => (s.event.payload?.$case === "statusUpdate" ? [s.event.payload.value.status!] : []));
    return { seen, updates, states, final: states.at(-1)! };
  }

  const textOf = a2aTextOf;
  const dataOf = a2aDataOf;
  /** The output streamed: the text parts of the chunk updates, in order. */
  const streamedText = (updates: TaskArtifactUpdateEvent[]) => updates.filter((u) => !u.lastChunk).map((u) => textOf(u.artifact?.parts)).join("");

  /** One artifact: the first update starts it, the others append, only the last closes it with the data part. */
  function expectOneStreamedArtifact(updates: TaskArtifactUpdateEvent[]) {
    const id = updates[0]!.artifact!.artifactId;
    expect(updates.every((u) => u.artifact?.artifactId === id)).toBe(true);
    expect(updates.map((u) => u.append)).toEqual(updates.map((_, i) => i > 0));
    expect(updates.map((u) => u.lastChunk)).toEqual(updates.map((_, i) => i === updates.length - 1));
    // Every piece carries cluster output, so every update says it is data, not instructions.
    expect(updates.every((u) => u.artifact?.metadata?.["kubently/untrusted"] === true)).toBe(true);
    const closing = updates.at(-1)!;
    expect(textOf(closing.artifact?.parts)).toBe("");
    const data = dataOf(closing.artifact?.parts)!;
    // Named after the command, as in message/send.
    expect(id).toBe(data.command_id as string);
    return data;
  }

  describe("message/stream streams a command's output as artifact updates", () => {
    test("logs -f: lines arrive while kubectl runs, then the task completes at its time budget", async () => {
      const { seen, updates, final } = await stream(data({ ...FOLLOW, timeout_seconds: 3 }));
      expect(seen[0]!.event.payload?.$case).toBe("task");
      expect(final.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(textOf(final.message?.parts)).toContain("succeeded (output truncated)");
      // A line every 200 ms for ~3 s, posted as they come: several updates, the first long before the end.
      expect(updates.length).toBeGreaterThanOrEqual(5);
      expect(seen.at(-1)!.at - updates[0]!.at).toBeGreaterThan(1_000);
      const result = expectOneStreamedArtifact(updates);
      expect(result).toMatchObject({ status: "success", code: "STREAM_TIME_BUDGET", truncated: true, argv: ["logs", `pod/${POD}`, "-f", "--tail=1", "-n", "shop"] });
      expect(result.output).toBeUndefined();
      // The streamed text is the command's output, as the API keeps it and as the task stores it.
      const output = (await k.backend.queue.getResult(result.command_id as string))!.output;
      expect(streamedText(updates)).toBe(output);
      expect(output.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(8);
      const task = await client.getTask({ tenant: "", id: updates[0]!.taskId });
      expect(task.artifacts).toHaveLength(1);
      expect(textOf(task.artifacts[0]!.parts)).toBe(output);
      expect(dataOf(task.artifacts[0]!.parts)).toMatchObject({ code: "STREAM_TIME_BUDGET" });
    });

    test("logs -f stops at a small byte budget (max_bytes)", async () => {
      const started = performance.now();
      const { updates, final } = await stream(data({ ...FOLLOW, timeout_seconds: 60, max_bytes: 300 }));
      expect(final.state).toBe(TaskState.TASK_STATE_COMPLETED);
      const result = expectOneStreamedArtifact(updates);
      expect(result).toMatchObject({ status: "success", code: "STREAM_BYTE_BUDGET", truncated: true });
      expect(Buffer.byteLength(streamedText(updates))).toBeLessThanOrEqual(300);
      expect(streamedText(updates)).toBe((await k.backend.queue.getResult(result.command_id as string))!.output);
      expect(performance.now() - started).toBeLessThan(30_000);
    });

    test("a plain request streams too, and ends as it would unstreamed", async () => {
      const { updates, final } = await stream(request({ $case: "text", value: "get pods in namespace shop on cluster sim" }));
      expect(final.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(expectOneStreamedArtifact(updates)).toMatchObject({ status: "success", code: null, truncated: false });
      expect(streamedText(updates)).toMatch(/^NAME\s+READY\s+STATUS/);
      expect(streamedText(updates)).toContain(POD);
    });

    test("a denied command ends rejected and streams nothing", async () => {
      for (const req of [request({ $case: "text", value: "kubectl delete pod x -n shop --context sim" }), data({ cluster_id: "sim", command: "get", resource: "secrets", namespace: "shop", args: ["-w", "-o", "json"] })]) {
        const { updates, final } = await stream(req);
        expect(final.state).toBe(TaskState.TASK_STATE_REJECTED);
        expect(textOf(final.message?.parts)).toStartWith("Denied by policy read-only:");
        expect(dataOf(final.message?.parts)).toMatchObject({ status: "denied", policy: "read-only" });
        expect(updates).toEqual([]);
      }
    });
  });

  describe("tasks/cancel while streaming", () => {
    test("ends the task canceled and kills kubectl, long before its budget", async () => {
      const pod = "web-7d4b9c8f6d-9hvlm";
      let canceledAt = 0;
      let running = 0;
      const { updates, final, seen } = await stream(data({ ...FOLLOW, name: pod, timeout_seconds: 60 }), async (e, all) => {
        if (e.payload?.$case === "artifactUpdate" && all.filter((s) => s.event.payload?.$case === "artifactUpdate").length === 2) {
          running = liveReaders(kind, sim, pod);
          canceledAt = performance.now();
          const task = await client.cancelTask({ tenant: "", id: e.payload.value.taskId, metadata: undefined });
          expect(task.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
        }
      });
      expect(final.state).toBe(TaskState.TASK_STATE_CANCELED);
      expect(running).toBeGreaterThan(0);
      expect(seen.at(-1)!.at - canceledAt).toBeLessThan(10_000);
      // The artifact is closed with the cancelled command's data part.
      const result = expectOneStreamedArtifact(updates);
      expect(result.status).toBe("cancelled");
      expect((await k.backend.queue.getResult(result.command_id as string))?.status).toBe("cancelled");
      expect(await pollUntil(() => liveReaders(kind, sim, pod), (n) => n === 0)).toBe(0);
    }, 30_000);
  });

  describe("budgets", () => {
    const send = async (req: ReturnType<typeof request>) => {
      const task = await client.sendMessage(req);
      return "id" in task ? task.status! : undefined;
    };

    test("message/send does not stream: max_bytes and the stream timeout are refused naming the field", async () => {
      const bytes = await send(data({ ...FOLLOW, max_bytes: 300 }));
      expect(bytes?.state).toBe(TaskState.TASK_STATE_FAILED);
      expect(textOf(bytes?.message?.parts)).toContain("max_bytes applies only to a streamed command");
      const long = await send(data({ ...FOLLOW, timeout_seconds: 60 }));
      expect(textOf(long?.message?.parts)).toContain(`timeout_seconds must be 1 to ${LIMITS.maxTimeoutSeconds} (up to ${LIMITS.maxStreamTimeoutSeconds} for a streamed command`);
    });

    test("message/stream refuses budgets past the maximums, and a fan-out keeps the plain bounds", async () => {
      for (const [value, field] of [
        [{ ...FOLLOW, timeout_seconds: LIMITS.maxStreamTimeoutSeconds + 1 }, "timeout_seconds"],
        [{ ...FOLLOW, max_bytes: LIMITS.maxStreamBytes + 1 }, "max_bytes"],
        [{ ...FOLLOW, max_bytes: 0 }, "max_bytes"],
        [{ cluster_ids: ["sim", "other"], command: "get", resource: "pods", timeout_seconds: 60 }, "a fan-out does not stream"],
      ] as const) {
        const { updates, final } = await stream(data(value));
        expect(final.state).toBe(TaskState.TASK_STATE_FAILED);
        expect(textOf(final.message?.parts)).toContain(field);
        expect(updates).toEqual([]);
      }
    });
  });

  describe("A2A v0.3 wire format", () => {
    test("message/stream sends artifact-update events with append and lastChunk", async () => {
      const res = await fetch(a2a.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": KEY },
        body: JSON.stringify({ jsonrpc: "2.0", id: "s1", method: "message/stream", params: { message: { kind: "message", messageId: "m1", role: "user", parts: [{ kind: "data", data: { ...FOLLOW, timeout_seconds: 2 } }] } } }),
      });
      const { events } = await readSse(res);
      const results = events.map((e) => (e.data as { result: { kind: string; append?: boolean; lastChunk?: boolean; artifact?: { parts: { kind: string; text?: string }[] }; status?: { state: string } } }).result);
      const updates = results.filter((r) => r.kind === "artifact-update");
      expect(updates.length).toBeGreaterThanOrEqual(3);
      expect(updates.map((u) => u.append ?? false)).toEqual(updates.map((_, i) => i > 0));
      expect(updates.map((u) => u.lastChunk ?? false)).toEqual(updates.map((_, i) => i === updates.length - 1));
      expect(updates[0]!.artifact!.parts[0]).toMatchObject({ kind: "text", text: expect.stringContaining("HTTP/1.1") });
      expect(updates.at(-1)!.artifact!.parts).toEqual([expect.objectContaining({ kind: "data" })]);
      expect(results.at(-1)).toMatchObject({ kind: "status-update", status: { state: "completed" } });
    });
  });

  describe("WebSocket /a2a/ws", () => {
    test("SendStreamingMessage streams the artifact updates as frames while kubectl runs", async () => {
      const ws = await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`${a2a.url.replace(/^http/, "ws")}/a2a/ws`, webSocketProtocols(KEY));
        socket.onopen = () => resolve(socket);
        socket.onerror = () => reject(new Error("WebSocket refused"));
      });
      const frames: { at: number; result?: Record<string, { append?: boolean; lastChunk?: boolean; status?: { state: string } }> }[] = [];
      const done = new Promise<void>((resolve) => {
        ws.onmessage = (e) => {
          const frame = JSON.parse(String(e.data));
          frames.push({ ...frame, at: performance.now() });
          if (frame.result?.statusUpdate?.status?.state === "TASK_STATE_COMPLETED") resolve();
        };
      });
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "SendStreamingMessage", params: { message: { messageId: "ws-follow", role: "ROLE_USER", parts: [{ data: { ...FOLLOW, timeout_seconds: 3 } }] } } }));
      await done;
      ws.close();
      const updates = frames.filter((f) => f.result?.artifactUpdate);
      expect(updates.length).toBeGreaterThanOrEqual(4);
      expect(updates.map((f) => f.result!.artifactUpdate!.append ?? false)).toEqual(updates.map((_, i) => i > 0));
      expect(updates.at(-1)!.result!.artifactUpdate!.lastChunk).toBe(true);
      // The first lines came well before the end.
      expect(frames.at(-1)!.at - updates[0]!.at).toBeGreaterThan(1_000);
    });
  });
});
