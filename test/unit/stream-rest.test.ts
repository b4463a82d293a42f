/**
 * Bounded streaming over REST: `POST /debug/execute` with `stream: true`,
 * Server-Sent Events at `/debug/stream/{id}`, budgets, resume, cancel, and
 * the agent's `POST /agent/stream`. Commands run in the REAL kubectl against
 * the simulated cluster: `logs -f` of a web pod writes a line every 200 ms.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { LIMITS } from "../../lib/limits.ts";
import { type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { redactSecrets } from "../../plugins/redact-secrets.ts";
import { readSse, type SseEvent } from "../_sse.ts";
import { EXECUTOR_KINDS, simExecutor } from "../_executors.ts";

const ADMIN = "stream-admin-0123456789abcdef";
const OP = "stream-op-0123456789abcdef01";
const OTHER = "stream-other-0123456789abcdef";
const AGENT_TOKEN = "stream-agent-token-0123456789";
const FOLLOW = ["logs", "-f", "-n", "shop", "pod/web-7d4b9c8f6d-x2kqp", "--tail=1"];

let sim: SimCluster;
let k: Kubently;
let url = "";

const call = (path: string, init: { method?: string; body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) =>
  fetch(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { ...(init.key === null ? {} : { "x-api-key": init.key ?? OP }), ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

/** Queues a streamed command; returns the 202 body. */
async function startStream(body: Record<string, unknown>, key = OP) {
  const res = await call("/debug/execute", { body: { cluster_id: "sim", argv: FOLLOW, stream: true, ...body }, key });
  expect(res.status).toBe(202);
  return (await res.json()) as { command_id: string; stream_url: string; status: string };
}

const chunks = (events: SseEvent[]) => events.filter((e) => e.event === "chunk").map((e) => e.data as { seq: number; data: string });
const resultOf = (events: SseEvent[]) => events.find((e) => e.event === "result")?.data as Record<string, unknown> | undefined;

describe.each(EXECUTOR_KINDS)("%s executor", (kind) => {
  beforeAll(async () => {
    sim = await startSimCluster();
    const kubeconfig = await sim.writeKubeconfig();
    k = createKubently({
      backend: memoryBackend(),
      policies: [readOnly(), redactSecrets()],
      apiKeys: [
        { name: "admin", key: ADMIN, role: "admin" },
        { name: "op", key: OP },
        { name: "other", key: OTHER },
      ],
      clusters: [{ id: "sim", token: AGENT_TOKEN }],
    });
    await k.ready();
    url = (await k.listen({ port: 0 })).url;
    k.startLocalAgent({ clusterId: "sim", executor: simExecutor(kind, kubeconfig) });
  });
  afterAll(async () => {
    await k.close();
    await sim.close();
  });

  describe("a streamed logs -f over SSE", () => {
    test("delivers lines as kubectl writes them, then stops at its time budget", async () => {
      const queued = await startStream({ timeout_seconds: 3 });
      expect(queued.status).toBe("queued");
      expect(queued.stream_url).toBe(`/debug/stream/${queued.command_id}`);
      const res = await call(queued.stream_url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/event-stream");
      const { events } = await readSse(res);
      const got = chunks(events);
      const result = resultOf(events)!;
      // A line every 200 ms for ~3 s, posted as they come: many chunks, the first long before the end.
      expect(got.length).toBeGreaterThanOrEqual(4);
      expect(events.at(-1)!.at - events.find((e) => e.event === "chunk")!.at).toBeGreaterThan(1_000);
      expect(got.map((c) => c.seq)).toEqual(got.map((_, i) => i));
      expect(events.filter((e) => e.event === "chunk").map((e) => e.id)).toEqual(got.map((c) => String(c.seq)));
      expect(result).toMatchObject({ command_id: queued.command_id, status: "success", code: "STREAM_TIME_BUDGET", truncated: true });
      expect(got.map((c) => c.data).join("")).toBe(result.output as string);
      expect((result.output as string).split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(10);
      expect(result.output).toContain("HTTP/1.1");
    });

    test("stops at its byte budget, long before its time budget", async () => {
      const started = performance.now();
      const queued = await startStream({ timeout_seconds: 60, max_bytes: 600 });
      const { events } = await readSse(await call(queued.stream_url));
      const result = resultOf(events)!;
      expect(result).toMatchObject({ status: "success", code: "STREAM_BYTE_BUDGET", truncated: true });
      expect(Buffer.byteLength(result.output as string)).toBeLessThanOrEqual(600);
      expect(chunks(events).map((c) => c.data).join("")).toBe(result.output as string);
      expect(performance.now() - started).toBeLessThan(30_000);
    });

    test("a follower resumes with Last-Event-ID or ?from, and replays after the end", async () => {
      const queued = await startStream({ timeout_seconds: 2 });
      const all = chunks((await readSse(await call(queued.stream_url))).events);
      expect(all.length).toBeGreaterThanOrEqual(3);
      const resumed = (await readSse(await call(queued.stream_url, { headers: { "last-event-id": "1" } }))).events;
      expect(chunks(resumed)).toEqual(all.slice(2));
      expect(resultOf(resumed)).toMatchObject({ code: "STREAM_TIME_BUDGET" });
      expect(chunks((await readSse(await call(`${queued.stream_url}?from=0`))).events)).toEqual(all);
      const bad = await call(queued.stream_url, { headers: { "last-event-id": "x" } });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toContain("Last-Event-ID");
    });

    test("two followers at once both get every chunk", async () => {
      const queued = await startStream({ timeout_seconds: 2 });
      const [a, b] = await Promise.all([readSse(await call(queued.stream_url)), readSse(await call(queued.stream_url, { key: ADMIN }))]);
      expect(chunks(a.events)).toEqual(chunks(b.events));
      expect(chunks(a.events).length).toBeGreaterThanOrEqual(3);
    });

    test("a command that ends on its own streams its output, then its result", async () => {
      const queued = await startStream({ argv: ["get", "pods", "-n", "shop"] });
      const { events } = await readSse(await call(queued.stream_url));
      const result = resultOf(events)!;
      expect(result).toMatchObject({ status: "success", truncated: false, code: null, exit_code: 0 });
      expect(chunks(events).map((c) => c.data).join("")).toBe(result.output as string);
      expect(result.output).toContain("web-7d4b9c8f6d-x2kqp");
    });

    test("the stream of a command that was not streamed is just its result", async () => {
      const res = await call("/debug/execute", { body: { cluster_id: "sim", argv: ["get", "ns"] } });
      const done = await res.json();
      const { events } = await readSse(await call(`/debug/stream/${done.command_id}`));
      expect(events.map((e) => e.event)).toEqual(["result"]);
      expect(resultOf(events)).toMatchObject({ status: "success", output: done.output });
    });
  });

  describe("cancelling a stream kills kubectl", () => {
    test("DELETE /debug/command/{id} ends the stream with cancelled, long before its budget", async () => {
      const queued = await startStream({ timeout_seconds: 60 });
      const started = performance.now();
      const reading = readSse(await call(queued.stream_url), (e, all) => {
        if (e.event === "chunk" && chunks(all).length === 2) void call(`/debug/command/${queued.command_id}`, { method: "DELETE" });
        return false;
      });
      const { events } = await reading;
      expect(resultOf(events)).toMatchObject({ status: "cancelled" });
      expect(performance.now() - started).toBeLessThan(20_000);
      // Killed in the agent: no more output lands after the cancel took effect.
      const count = chunks(events).length;
      await new Promise((r) => setTimeout(r, 1_000));
      expect(chunks((await readSse(await call(`${queued.stream_url}?from=0`))).events).length).toBe(count);
    });

    test("POST with Accept: text/event-stream streams in the response; leaving early cancels the command", async () => {
      const res = await call("/debug/execute", { body: { cluster_id: "sim", argv: FOLLOW, stream: true, timeout_seconds: 60 }, headers: { accept: "text/event-stream" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/event-stream");
      const { events } = await readSse(res, (_e, all) => chunks(all).length >= 2);
      expect(chunks(events).length).toBe(2);
      const lines = await fetchResultUntil(events, (r) => r.status !== "queued");
      expect(lines).toMatchObject({ status: "cancelled" });
    });

    /** Polls GET /debug/result for the command the events belong to. */
    async function fetchResultUntil(events: SseEvent[], done: (r: Record<string, unknown>) => boolean) {
      const audit = await (await call(`/audit?limit=20`, { key: ADMIN })).json();
      const id = audit.entries.find((e: { eventType: string; argv?: string[] }) => e.eventType === "command.queued" && e.argv?.includes("--tail=1"))?.commandId;
      expect(events.length).toBeGreaterThan(0);
      for (let i = 0; i < 100; i++) {
        const r = await (await call(`/debug/result/${id}`)).json();
        if (done(r)) return r;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error("no result");
    }
  });

  describe("denied and invalid streams", () => {
    test("a denied command answers 403 denied at once, with no stream", async () => {
      for (const argv of [["delete", "pod", "x"], ["get", "secrets", "-w", "-o", "yaml"]]) {
        const res = await call("/debug/execute", { body: { cluster_id: "sim", argv, stream: true } });
        expect(res.status).toBe(403);
        const body = await res.json();
        expect(body).toMatchObject({ status: "denied", policy: "read-only" });
        expect(body.stream_url).toBeUndefined();
      }
    });

    test.each([
      [{ timeout_seconds: 31 }, "timeout_seconds must be 1 to 30 (up to 300 for a streamed command)"],
      [{ stream: true, timeout_seconds: LIMITS.maxStreamTimeoutSeconds + 1 }, "timeout_seconds"],
      [{ max_bytes: 100 }, "max_bytes applies only to a streamed command"],
      [{ stream: true, max_bytes: 0 }, "max_bytes"],
      [{ stream: true, max_bytes: LIMITS.maxStreamBytes + 1 }, "max_bytes"],
      [{ stream: "yes" }, "stream"],
    ])("%j is a 400 naming the problem", async (extra, message) => {
      const res = await call("/debug/execute", { body: { cluster_id: "sim", argv: ["get", "pods"], ...extra } });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.code).toBe("VALIDATION_FAILED");
      expect(body.error).toContain(message);
    });

    test("X-Request-Timeout above the plain maximum is accepted for a stream and refused otherwise", async () => {
      const ok = await call("/debug/execute", { body: { cluster_id: "sim", argv: ["get", "ns"], stream: true }, headers: { "x-request-timeout": "120" } });
      expect(ok.status).toBe(202);
      const plain = await call("/debug/execute", { body: { cluster_id: "sim", argv: ["get", "ns"] }, headers: { "x-request-timeout": "120" } });
      expect(plain.status).toBe(400);
    });
  });

  describe("who may follow a stream", () => {
    test("no credential is a 401; another operator's command is a 404; an admin may follow it", async () => {
      const queued = await startStream({ argv: ["get", "ns"] });
      expect((await call(queued.stream_url, { key: null })).status).toBe(401);
      expect((await call(queued.stream_url, { key: OTHER })).status).toBe(404);
      const { events } = await readSse(await call(queued.stream_url, { key: ADMIN }));
      expect(resultOf(events)).toMatchObject({ status: "success" });
      expect((await call("/debug/stream/no-such-command")).status).toBe(404);
    });
  });

  describe("POST /agent/stream", () => {
    const agentPost = (body: unknown, token: string | null = AGENT_TOKEN) =>
      fetch(`${url}/agent/stream`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-cluster-id": "sim", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });

    test("needs the cluster's agent token", async () => {
      expect((await agentPost({ lease_id: "l", command_id: "c", seq: 0, data: "x" }, null)).status).toBe(401);
      expect((await agentPost({ lease_id: "l", command_id: "c", seq: 0, data: "x" }, "wrong-token-0123456789")).status).toBe(401);
    });

    test("a chunk under a lease that is not current stores nothing and says stop", async () => {
      const queued = await startStream({ timeout_seconds: 2 });
      const res = await agentPost({ lease_id: "not-the-lease", command_id: queued.command_id, seq: 0, data: "forged line\n" });
      expect(await res.json()).toEqual({ active: false });
      const { events } = await readSse(await call(queued.stream_url));
      expect(chunks(events).some((c) => c.data.includes("forged"))).toBe(false);
      expect((await (await agentPost({ lease_id: "l", command_id: "unknown", seq: 0, data: "x" })).json())).toEqual({ active: false });
    });

    test("/metrics counts chunks, bytes and streams the API stopped", async () => {
      const text = await (await call("/metrics", { key: ADMIN })).text();
      const value = (name: string) => Number(text.match(new RegExp(`^${name.replace(/[{}]/g, "\\$&")} (\\d+)$`, "m"))?.[1] ?? "0");
      expect(value("kubently_stream_chunks_total")).toBeGreaterThan(10);
      expect(value("kubently_stream_bytes_total")).toBeGreaterThan(1_000);
      // The forged post above was refused: its lease was not current.
      expect(value('kubently_streams_stopped_total{reason="lease"}')).toBeGreaterThanOrEqual(1);
    });

    test("a chunk for a command that is not streamed is a 409; a bad body a 400", async () => {
      const res = await call("/debug/execute", { body: { cluster_id: "sim", argv: ["get", "ns"] } });
      const { command_id } = await res.json();
      expect((await agentPost({ lease_id: "l", command_id, seq: 0, data: "x" })).status).toBe(409);
      expect((await agentPost({ lease_id: "l", command_id, seq: -1, data: "x" })).status).toBe(400);
      expect((await agentPost({ lease_id: "l", command_id, seq: 0, data: "x".repeat(LIMITS.maxStreamPostBytes + 1) })).status).toBe(400);
    });
  });

  describe("streamed output is redacted in the agent", () => {
    test("get secrets -w -o json streams no Secret value (real kubectl, a policy that allows Secrets)", async () => {
      const open = createKubently({
        backend: memoryBackend(),
        policies: [readOnly({ restrictedResources: [] }), redactSecrets()],
        apiKeys: [{ name: "op", key: OP }],
        clusters: [{ id: "sim" }],
      });
      await open.ready();
      const server = await open.listen({ port: 0 });
      open.startLocalAgent({ clusterId: "sim", executor: simExecutor(kind, await sim.writeKubeconfig()) });
      try {
        const res = await fetch(`${server.url}/debug/execute`, {
          method: "POST",
          headers: { "x-api-key": OP, "content-type": "application/json", accept: "text/event-stream" },
          body: JSON.stringify({ cluster_id: "sim", argv: ["get", "secrets", "-n", "shop", "-w", "-o", "json"], stream: true, timeout_seconds: 2 }),
        });
        const { events } = await readSse(res);
        const sent = chunks(events).map((c) => c.data).join("");
        expect(sent).toContain('"kind": "Secret"');
        expect(sent).toContain("[REDACTED]");
        for (const secret of ["Sup3r-S3cret-pg!", Buffer.from("Sup3r-S3cret-pg!").toString("base64"), "c2ltdWxhdGVkLXNpZ25hdHVyZS1ub3QtdmFsaWQ"]) expect(sent).not.toContain(secret);
        expect(resultOf(events)).toMatchObject({ redacted: true, code: "STREAM_TIME_BUDGET" });
      } finally {
        await open.close();
      }
    });
  });
});
