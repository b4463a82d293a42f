/**
 * The memory backend's stores are bounded (issue 17, item 1: under load at
 * ~2,200 commands/s RSS rose ~4 MB/s and was not returned). Each store keeps
 * at most its count and bytes, drops its oldest first, and counts the drops in
 * `stats()`, which `/metrics` renders. Nothing here is timed.
 */
import { describe, expect, test } from "bun:test";
import { memoryAudit, memoryBackend, memoryCounters, memorySessions } from "../../adapters/memory/index.ts";
import { verifyAuditChain } from "../../lib/audit.ts";
import type { AuditLog, Backend } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import { LIMITS } from "../../lib/limits.ts";
import { createMetrics } from "../../lib/metrics.ts";
import type { AuditInput, Command, Result, Session } from "../../lib/schemas.ts";
import { testCommand } from "../_fixtures.ts";

const result = (c: Command, output = "ok\n"): Result => ({
  commandId: c.id,
  clusterId: c.clusterId,
  status: "success",
  exitCode: 0,
  output,
  truncated: false,
  durationMs: 1,
  executedAt: Date.now(),
  agentId: "agent-1",
});

/** Pushes, leases and completes one command; returns it. */
async function run(backend: Backend, output?: string): Promise<Command> {
  const c = testCommand("c1");
  await backend.queue.push(c);
  const lease = (await backend.queue.lease("c1"))!;
  await backend.queue.complete(lease, result(c, output));
  return c;
}

const entry = (i: number): AuditInput => ({ at: 1_000 + i, eventType: "command.executed", identity: "svc:load", argv: ["get", "pods"] });

const session = (over: Partial<Session> = {}): Session => {
  const now = Date.now();
  return { id: `s-${crypto.randomUUID()}`, clusterId: "c1", createdBy: "svc", createdAt: now, lastActivityAt: now, ttlMs: 60_000, status: "active", ...over };
};

async function closing<T>(backend: Backend, fn: (b: Backend) => Promise<T>): Promise<T> {
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}

describe("memoryBackend() bounds", () => {
  test("defaults come from LIMITS", () =>
    closing(memoryBackend(), async (b) => {
      expect(b.stats!()).toEqual({
        dropped: { results: 0, commands: 0, audit: 0, sessions: 0, streams: 0, counters: 0 },
        kept: {
          results: { count: 0, bytes: 0 },
          commands: { count: 0 },
          audit: { count: 0, bytes: 0 },
          sessions: { count: 0 },
          streams: { count: 0, bytes: 0 },
          counters: { count: 0 },
        },
      });
      expect(LIMITS.memoryMaxResults).toBeGreaterThan(0);
    }));

  test("results: past maxResults the oldest result and its command are dropped and counted", () =>
    closing(memoryBackend({ maxResults: 3 }), async (b) => {
      const commands: Command[] = [];
      for (let i = 0; i < 5; i++) commands.push(await run(b));
      for (const c of commands.slice(0, 2)) {
        expect(await b.queue.getResult(c.id)).toBeNull();
        expect(await b.queue.getCommand(c.id)).toBeNull();
      }
      for (const c of commands.slice(2)) expect((await b.queue.getResult(c.id))?.output).toBe("ok\n");
      expect(b.stats!().dropped.results).toBe(2);
      expect(b.stats!().kept.results!.count).toBe(3);
    }));

  test("results: past maxResultBytes the oldest results go until the rest fit", () =>
    closing(memoryBackend({ maxResultBytes: 5_000 }), async (b) => {
      const big = "x".repeat(2_000);
      const commands: Command[] = [];
      for (let i = 0; i < 4; i++) commands.push(await run(b, big));
      const kept = b.stats!().kept.results!;
      expect(kept.bytes).toBeLessThanOrEqual(5_000);
      expect(kept.count).toBe(2);
      expect(await b.queue.getResult(commands[0]!.id)).toBeNull();
      expect((await b.queue.getResult(commands[3]!.id))?.output).toBe(big);
      expect(b.stats!().dropped.results).toBe(2);
    }));

  test("results: a result expired by its TTL is not counted as dropped", () =>
    closing(memoryBackend({ resultTtlMs: 1, maxResults: 100 }), async (b) => {
      const first = await run(b);
      await new Promise((r) => setTimeout(r, 5));
      await run(b); // landing sweeps the expired one from the front
      expect(await b.queue.getCommand(first.id)).toBeNull();
      expect(b.stats!().dropped.results).toBe(0);
      expect(b.stats!().kept.results!.count).toBeLessThanOrEqual(1);
    }));

  test("commands: past maxQueuedCommands a push is refused with BACKEND_UNAVAILABLE, and counted", () =>
    closing(memoryBackend({ maxQueuedCommands: 2 }), async (b) => {
      await b.queue.push(testCommand("c1"));
      await b.queue.push(testCommand("c2"));
      const refused = await b.queue.push(testCommand("c1")).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(KubentlyError);
      expect((refused as KubentlyError).code).toBe("BACKEND_UNAVAILABLE");
      expect(b.stats!().dropped.commands).toBe(1);
      // A resolved command frees its place.
      const lease = (await b.queue.lease("c1"))!;
      await b.queue.complete(lease, result(lease.command));
      await b.queue.push(testCommand("c1"));
      expect(b.stats!().kept.commands!.count).toBe(2);
    }));

  test("audit: past maxAuditEntries the log keeps a window of the newest entries, and still verifies as partial", async () => {
    const log = memoryAudit({ maxEntries: 5 });
    for (let i = 0; i < 12; i++) await log.append(entry(i));
    expect(log.windowed).toBe(true);
    expect((await log.read()).map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
    expect((await log.query()).map((e) => e.seq)).toEqual([12, 11, 10, 9, 8]);
    expect((await log.read({ fromSeq: 2, limit: 2 })).map((e) => e.seq)).toEqual([8, 9]);
    expect(await verifyAuditChain(log)).toEqual({ ok: true, count: 5, firstSeq: 8, lastSeq: 12, partial: true });
    expect(log.stats()).toMatchObject({ count: 5, dropped: 7 });
    // The chain goes on unbroken past the window.
    const next = await log.append(entry(12));
    expect(next.seq).toBe(13);
    expect(next.prevHash).toBe((await log.read({ fromSeq: 12 }))[0]!.hash);
  });

  test("audit: past maxAuditBytes the oldest entries go", async () => {
    const log = memoryAudit({ maxBytes: 2_000 });
    for (let i = 0; i < 20; i++) await log.append({ ...entry(i), reason: "r".repeat(300) });
    const { count, bytes, dropped } = log.stats();
    expect(bytes).toBeLessThanOrEqual(2_000);
    expect(count + dropped).toBe(20);
    expect(dropped).toBeGreaterThan(0);
    expect((await verifyAuditChain(log)).ok).toBe(true);
  });

  test("audit: entries the window drops while a verify runs are not reported missing", async () => {
    const inner = memoryAudit({ maxEntries: 30 });
    for (let i = 0; i < 30; i++) await inner.append(entry(i));
    // The first three page reads are each followed by 25 appends: the window moves past the next page's start.
    let n = 30;
    let rounds = 0;
    const log: AuditLog = {
      windowed: true,
      append: (e) => inner.append(e),
      query: (q) => inner.query(q),
      scan: () => inner.scan(),
      async read(o) {
        const page = await inner.read(o);
        if (o?.limit !== 1 && rounds++ < 3) for (let i = 0; i < 25; i++) await inner.append(entry(n++));
        return page;
      },
    };
    const v = await verifyAuditChain(log, { pageSize: 10 });
    expect(v).toMatchObject({ ok: true, partial: true, firstSeq: 1 });
    expect(v.lastSeq).toBe(n);
  });

  test("sessions: past maxSessions expired sessions go first, then the oldest created (counted)", async () => {
    const store = memorySessions({ maxSessions: 2 });
    const expired = session({ lastActivityAt: Date.now() - 120_000 });
    const a = session();
    await store.create(expired);
    await store.create(a);
    const b = session();
    await store.create(b);
    expect(store.stats()).toEqual({ count: 2, dropped: 0 });
    const c = session();
    await store.create(c);
    expect(store.stats()).toEqual({ count: 2, dropped: 1 });
    expect(await store.get(a.id)).toBeNull();
    expect((await store.list()).map((s) => s.id)).toEqual([b.id, c.id]);
  });

  test("streams: past maxStreams the least recently appended stream is dropped", () =>
    closing(memoryBackend({ maxStreams: 2 }), async (b) => {
      await b.streams.append("a", { seq: 0, data: "a0" });
      await b.streams.append("b", { seq: 0, data: "b0" });
      await b.streams.append("a", { seq: 1, data: "a1" }); // a is now the most recent
      await b.streams.append("c", { seq: 0, data: "c0" });
      expect(await b.streams.read("b", 0)).toEqual([]);
      expect((await b.streams.read("a", 0)).map((c) => c.data)).toEqual(["a0", "a1"]);
      expect((await b.streams.read("c", 0)).map((c) => c.data)).toEqual(["c0"]);
      expect(b.stats!().dropped.streams).toBe(1);
    }));

  test("streams: past maxStreamBytes older streams go, never the one being appended to", () =>
    closing(memoryBackend({ maxStreamBytes: 10 }), async (b) => {
      await b.streams.append("a", { seq: 0, data: "123456" });
      await b.streams.append("b", { seq: 0, data: "123456" });
      expect(await b.streams.read("a", 0)).toEqual([]);
      await b.streams.append("b", { seq: 1, data: "123456" }); // alone and over: kept
      expect((await b.streams.read("b", 0)).length).toBe(2);
      expect(b.stats!()).toMatchObject({ dropped: { streams: 1 }, kept: { streams: { count: 1, bytes: 12 } } });
    }));

  test("counters: past maxCounterWindows the oldest key is dropped, never the one hit", async () => {
    const counters = memoryCounters({ maxWindows: 3 });
    for (const k of ["k1", "k2", "k3", "k4", "k5"]) await counters.hit(k, 60_000);
    expect(counters.stats()).toEqual({ count: 3, dropped: 2 });
    expect((await counters.hit("k5", 60_000)).count).toBe(2);
    expect((await counters.hit("k1", 60_000)).count).toBe(1);
  });

  test("/metrics renders the drops and sizes of a backend with stats", () =>
    closing(memoryBackend({ maxResults: 1 }), async (b) => {
      await run(b);
      await run(b);
      const text = await createMetrics({ backend: b }).render();
      expect(text).toContain("# TYPE kubently_backend_dropped_total counter");
      expect(text).toContain('kubently_backend_dropped_total{backend="memory",store="results"} 1');
      expect(text).toContain('kubently_backend_entries{backend="memory",store="results"} 1');
      expect(text).toMatch(/kubently_backend_bytes\{backend="memory",store="results"\} \d+/);
      expect(await createMetrics().render()).not.toContain("kubently_backend_");
    }));
});
