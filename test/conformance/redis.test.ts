/**
 * The conformance suites (sessions, queue, auth, audit, counters, streams) against the Redis backend on a real
 * redis-server (started once for this file on a free port). Each test gets a
 * fresh backend under its own random key prefix, closed after the test (two
 * backends on one prefix for the cross-replica stream test). The
 * audit tamper hook edits or deletes the stored stream entry with a raw
 * ioredis client, behind the backend's back.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Redis } from "ioredis";
import { redisBackend, type RedisBackendOptions } from "../../adapters/redis/index.ts";
import { verifyAuditChain } from "../../lib/audit.ts";
import type { AuditLog, Backend } from "../../lib/contracts.ts";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";
import { uid } from "./_harness.ts";
import type { BackendPart, Make } from "./_options.ts";
import { describeAuditLog } from "./audit-log.ts";
import { describeBackend } from "./backend.ts";
import { describeAuthStore } from "./auth-store.ts";
import { describeCommandQueue } from "./command-queue.ts";
import { describeCounterStore } from "./counter-store.ts";
import { describeOutputStreams } from "./output-streams.ts";
import { describeSessionStore } from "./session-store.ts";
import { describeUserStore } from "./user-store.ts";

const missing = redisUnavailable();
let server: RedisServer | undefined;
let raw: Redis | undefined;

/** The key prefix behind each audit log made here, for the tamper hook. */
const prefixes = new WeakMap<AuditLog, string>();

/** A fresh backend under a fresh prefix per test; closed after it. */
function fresh<K extends BackendPart, O extends Partial<RedisBackendOptions> = object>(part: K): Make<NonNullable<Backend[K]>, O> {
  return (context) => {
    const { onTeardown, ...options } = context;
    const prefix = `kt-${uid()}`;
    const backend = redisBackend({ ...options, url: server!.url, prefix });
    onTeardown(() => backend.close());
    if (part === "audit") prefixes.set(backend.audit, prefix);
    return backend[part]!;
  };
}

if (missing) {
  console.warn(`skipping the Redis conformance suites: ${missing}`);
  test.skip(`Redis conformance [skipped: ${missing}]`, () => {});
} else {
  beforeAll(async () => {
    server = await startRedis();
    raw = new Redis(server.url);
  });
  afterAll(async () => {
    await raw?.quit();
    await server?.close();
  });

  describeSessionStore("redis", fresh("sessions"));
  describeCommandQueue("redis", fresh<"queue", { resultTtlMs?: number }>("queue"));
  describeAuthStore("redis", fresh("auth"));
  describeCounterStore("redis", fresh("counters"));
  describeUserStore("redis", fresh("users"));
  describeAuditLog("redis", fresh("audit"), {
    async tamper(log, { op, seq }) {
      const stream = `${prefixes.get(log)}:audit`;
      if (op === "delete") {
        if ((await raw!.xdel(stream, `${seq}-0`)) !== 1) throw new Error(`no audit entry ${seq}`);
        return;
      }
      // A stream entry cannot be changed in place: rewrite the stream with the same ids, one entry altered.
      const entries = await raw!.xrange(stream, "-", "+");
      if (!entries.some(([id]) => id === `${seq}-0`)) throw new Error(`no audit entry ${seq}`);
      const rewrite = raw!.multi().del(stream);
      for (const [id, fields] of entries) {
        const entry = JSON.parse(fields[1]!) as { identity: string };
        if (id === `${seq}-0`) entry.identity = "someone-else";
        rewrite.xadd(stream, id, "e", JSON.stringify(entry));
      }
      await rewrite.exec();
    },
  });

  describeOutputStreams("redis", fresh<"streams", { resultTtlMs?: number }>("streams"), {
    // Two replicas on one Redis: the reader is woken through the shared channel.
    makePair(context) {
      const prefix = `kt-${uid()}`;
      const [one, two] = [redisBackend({ url: server!.url, prefix }), redisBackend({ url: server!.url, prefix })];
      context.onTeardown(() => one.close());
      context.onTeardown(() => two.close());
      return [one.streams, two.streams];
    },
  });

  describeBackend("redis", () => redisBackend({ url: server!.url, prefix: `kt-${uid()}` }));

  // The private key never enters Redis: whoever can write the queue must not be able to sign
  // (docs/security.md); replicas share a configured signingKey. The absence is tested below.

  describe("redisBackend", () => {
    test("sessions.create() prunes expired sessions from an index nobody lists (issue 17)", async () => {
      // The all-sessions index was pruned only by an unfiltered list(): without one it grew forever.
      const prefix = `kt-${uid()}`;
      const backend = redisBackend({ url: server!.url, prefix });
      try {
        const session = (ttlMs: number) => {
          const now = Date.now();
          return { id: `s-${uid()}`, clusterId: "c1", createdBy: "svc", createdAt: now, lastActivityAt: now, ttlMs, status: "active" as const };
        };
        for (let i = 0; i < 20; i++) await backend.sessions.create(session(30));
        // Let Redis expire those 20 hashes; their index members stay behind.
        await new Promise((r) => setTimeout(r, 150));
        for (let i = 0; i < 40; i++) await backend.sessions.create(session(60_000));
        // Each create samples 4 members of each index and drops the expired ones: some of the 20 are gone.
        expect(await raw!.zcard(`${prefix}:sessions`)).toBeLessThan(60);
        expect(await raw!.zcard(`${prefix}:sessions:c1`)).toBeLessThan(60);
        expect((await backend.sessions.list()).length).toBe(40);
      } finally {
        await backend.close();
      }
    });

    test("signingKey is absent: Redis never holds the signing key (issue 17)", async () => {
      const backend = redisBackend({ url: server!.url, prefix: `kt-${uid()}` });
      try {
        expect(backend.signingKey).toBeUndefined();
      } finally {
        await backend.close();
      }
    });

    test("ping() answers false once closed", async () => {
      const backend = redisBackend({ url: server!.url, prefix: `kt-${uid()}` });
      await backend.close();
      expect(await backend.ping()).toBe(false);
    });

    test("append(entry) from two backends on one Redis forms one valid chain", async () => {
      // Two replicas append concurrently: the compare-and-set script makes them take turns at the chain end.
      const prefix = `kt-${uid()}`;
      const a = redisBackend({ url: server!.url, prefix });
      const b = redisBackend({ url: server!.url, prefix });
      try {
        const input = (i: number) => ({ at: 1_000 + i, eventType: "command.executed", identity: `svc-${i % 2 ? "a" : "b"}` });
        const appended = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).audit.append(input(i))));
        expect(appended.map((e) => e.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
        expect(await verifyAuditChain(a.audit)).toEqual({ ok: true, count: 60, firstSeq: 1, lastSeq: 60, partial: false });
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });
}
