/**
 * How the agent schedules and posts streamed commands: a stream does not
 * hold a worker, a quiet stream's line is posted at once, and stopping the
 * agent ends its streams instead of waiting out their budgets.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { outputStreamer } from "../../lib/agent/stream.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import type { Identity } from "../../lib/schemas.ts";
import { definePolicy } from "../../lib/policy.ts";
import { outputLimits } from "../../plugins/output-limits.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { tickingExecutor } from "../_fixtures.ts";

const ADMIN: Identity = { kind: "admin", name: "admin", keyId: "k", role: "admin" };
let k: Kubently | undefined;
afterEach(async () => {
  await k?.close();
  k = undefined;
});

async function kubently(): Promise<Kubently> {
  k = createKubently({ backend: memoryBackend(), policies: [readOnly()], clusters: [{ id: "c1" }] });
  await k.ready();
  return k;
}

describe("streams and the agent's workers", () => {
  test("with one worker, two running streams do not keep a plain command waiting", async () => {
    const k = await kubently();
    k.startLocalAgent({ clusterId: "c1", executor: tickingExecutor(100), concurrency: 1 });
    const { execute } = k.services;
    const follows = [1, 2].map(() => execute.execute(ADMIN, { clusterId: "c1", argv: ["logs", "-f", "web"], stream: true, timeoutSeconds: 5, wait: false }));
    const ids = (await Promise.all(follows)).map((o) => o.commandId);
    // Both streams are running: each has posted output.
    for (const id of ids) expect((await k.backend.streams.read(id, 0, { waitMs: 3_000 })).length).toBeGreaterThan(0);
    const started = performance.now();
    const plain = await execute.execute(ADMIN, { clusterId: "c1", argv: ["get", "pods"], timeoutSeconds: 4 });
    expect(plain.status).toBe("success");
    expect(performance.now() - started).toBeLessThan(3_000);
    for (const id of ids) await execute.cancel(ADMIN, id);
  });

  test("past maxStreams, a stream runs on the worker that took it", async () => {
    const k = await kubently();
    k.startLocalAgent({ clusterId: "c1", executor: tickingExecutor(100), concurrency: 1, maxStreams: 1 });
    const { execute } = k.services;
    const first = await execute.execute(ADMIN, { clusterId: "c1", argv: ["logs", "-f", "a"], stream: true, timeoutSeconds: 2, wait: false });
    expect((await k.backend.streams.read(first.commandId, 0, { waitMs: 3_000 })).length).toBeGreaterThan(0);
    const second = await execute.execute(ADMIN, { clusterId: "c1", argv: ["logs", "-f", "b"], stream: true, timeoutSeconds: 8, wait: false });
    expect((await k.backend.streams.read(second.commandId, 0, { waitMs: 3_000 })).length).toBeGreaterThan(0);
    // The worker is busy with the second stream: a plain command waits for it to end.
    const plain = await execute.execute(ADMIN, { clusterId: "c1", argv: ["get", "pods"], timeoutSeconds: 2 });
    expect(plain.status).toBe("timeout");
    await execute.cancel(ADMIN, second.commandId);
  });

  test("stopping the agent ends its streams as cancelled, with what they sent, long before their budget", async () => {
    const k = await kubently();
    const agent = k.startLocalAgent({ clusterId: "c1", executor: tickingExecutor(100) });
    const { execute } = k.services;
    const queued = await execute.execute(ADMIN, { clusterId: "c1", argv: ["logs", "-f", "web"], stream: true, timeoutSeconds: 120, wait: false });
    await k.backend.streams.read(queued.commandId, 0, { waitMs: 3_000 });
    const started = performance.now();
    await agent.stop();
    expect(performance.now() - started).toBeLessThan(5_000);
    const result = await k.backend.queue.awaitResult(queued.commandId, { waitMs: 3_000 });
    expect(result).toMatchObject({ status: "cancelled" });
    expect(result!.output).toContain("tick 0\n");
  });

  test("a plain command is not affected: it still runs on a worker (echo)", async () => {
    const k = await kubently();
    k.startLocalAgent({ clusterId: "c1", executor: echoExecutor(), concurrency: 1 });
    expect((await k.services.execute.execute(ADMIN, { clusterId: "c1", argv: ["get", "ns"] })).result?.output).toBe("get ns\n");
  });
});

describe("edges", () => {
  const joined = async (k: Kubently, id: string) => (await k.backend.streams.read(id, 0)).map((c) => c.data).join("");

  test("a caller gone before its stream was queued cancels it at once", async () => {
    const k = await kubently();
    k.startLocalAgent({ clusterId: "c1", executor: tickingExecutor(100) });
    const gone = AbortSignal.abort();
    const started = performance.now();
    const out = await k.services.execute.streamed(ADMIN, { clusterId: "c1", argv: ["logs", "-f", "web"], timeoutSeconds: 60, signal: gone }, () => {});
    expect(out.status).toBe("cancelled");
    expect(performance.now() - started).toBeLessThan(5_000);
    // Audited like any caller that went away.
    const events = (await k.backend.audit.query({ correlationId: out.correlationId })).map((e) => e.eventType);
    expect(events).toContain("command.timeout");
  });

  test("an agent stopped while it was still checking a stream stops the stream too", async () => {
    const k = await kubently();
    const slow = definePolicy({ id: "slow", before: () => new Promise((r) => setTimeout(r, 300)) });
    const agent = k.startLocalAgent({ clusterId: "c1", executor: tickingExecutor(100), policies: [readOnly(), slow] });
    const queued = await k.services.execute.execute(ADMIN, { clusterId: "c1", argv: ["logs", "-f", "web"], stream: true, timeoutSeconds: 60, wait: false });
    await new Promise((r) => setTimeout(r, 100)); // the agent has it, and is in the slow policy
    const started = performance.now();
    await agent.stop();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await k.backend.queue.awaitResult(queued.commandId, { waitMs: 3_000 })).toMatchObject({ status: "cancelled" });
  });

  test("a streamed command whose agent died after sending output is not run again: it fails AGENT_LOST", async () => {
    const k = await kubently();
    const queued = await k.services.execute.execute(ADMIN, { clusterId: "c1", argv: ["logs", "-f", "web"], stream: true, timeoutSeconds: 30, wait: false });
    // A first agent takes it for 300 ms, sends a line, and dies.
    const first = await k.backend.queue.lease("c1", { waitMs: 1_000, leaseMs: 300 });
    expect(first?.command.id).toBe(queued.commandId);
    await k.backend.streams.append(queued.commandId, { seq: 0, data: "first run\n" });
    k.startLocalAgent({ clusterId: "c1", executor: tickingExecutor(50) });
    const result = await k.backend.queue.awaitResult(queued.commandId, { waitMs: 10_000 });
    expect(result).toMatchObject({ status: "failure", code: "AGENT_LOST" });
    expect(await joined(k, queued.commandId)).toBe("first run\n");
  });

  test("a policy that caps output (output-limits) applies to each piece; the result is exactly what was sent", async () => {
    const k = await kubently();
    k.startLocalAgent({ clusterId: "c1", executor: tickingExecutor(20), policies: [readOnly(), outputLimits({ maxBytes: 30 })] });
    const out = await k.services.execute.streamed(ADMIN, { clusterId: "c1", argv: ["logs", "-f", "web"], timeoutSeconds: 2 }, () => {});
    expect(out.result).toMatchObject({ status: "success", code: "STREAM_TIME_BUDGET" });
    const sent = await joined(k, out.commandId);
    expect(sent.length).toBeGreaterThan(30);
    expect(out.result!.output).toBe(sent);
  });
});

describe("when the agent posts", () => {
  /** A line streamer whose posts are recorded with their times. */
  function recorder(flushMs: number) {
    const posts: { at: number; data: string }[] = [];
    const streamer = outputStreamer({
      unit: "line",
      redact: async (text) => ({ text }),
      post: async (c) => (posts.push({ at: performance.now(), data: c.data }), true),
      stop: () => {},
      flushMs,
      maxPostChars: 10_000,
    });
    return { posts, streamer };
  }

  test("the first line of a quiet stream is posted at once; lines within flushMs of a post wait and go together", async () => {
    const { posts, streamer } = recorder(400);
    const started = performance.now();
    streamer.push("one\n");
    await new Promise((r) => setTimeout(r, 50));
    expect(posts.map((p) => p.data)).toEqual(["one\n"]);
    expect(posts[0]!.at - started).toBeLessThan(40);
    streamer.push("two\n");
    streamer.push("three\n");
    await new Promise((r) => setTimeout(r, 100));
    expect(posts).toHaveLength(1); // still within 400 ms of the first post
    await new Promise((r) => setTimeout(r, 500));
    expect(posts.map((p) => p.data)).toEqual(["one\n", "two\nthree\n"]);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(350);
    await streamer.finish();
  });

  test("finish sends what is left at once", async () => {
    const { posts, streamer } = recorder(10_000);
    streamer.push("a\n");
    streamer.push("b\npartial");
    const started = performance.now();
    const { output } = await streamer.finish();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(posts.map((p) => p.data).join("")).toBe("a\nb\npartial");
    expect(output).toBe("a\nb\npartial");
  });
});
