/**
 * Conformance suite for {@link SessionStore}: every adapter runs it unchanged.
 *
 * @example describeSessionStore("memory", fromBackend(() => memoryBackend(), "sessions"));
 */
import { describe, expect } from "bun:test";
import type { SessionStore } from "../../lib/contracts.ts";
import type { Session } from "../../lib/schemas.ts";
import { harness, sleep, uid } from "./_harness.ts";
import type { ConformanceOptions, Make } from "./_options.ts";

const clusterId = () => `c-${uid()}`;

/** A session as the core builds it: active, last activity now, one hour TTL unless overridden. */
function session(cluster: string, over: Partial<Session> = {}): Session {
  const now = Date.now();
  return {
    id: `sess-${uid()}`,
    clusterId: cluster,
    createdBy: "svc:tester",
    createdAt: now,
    lastActivityAt: now,
    ttlMs: 3_600_000,
    status: "active",
    correlationId: `corr-${uid()}`,
    ...over,
  };
}

/** Registers the SessionStore conformance suite for one adapter. */
export function describeSessionStore(name: string, make: Make<SessionStore>, options: ConformanceOptions = {}): void {
  describe(`SessionStore conformance: ${name}`, () => {
    const h = harness(options);
    const fresh = () => h.make(make, {});
    const it = h.test;

    it("create(session) then get(id) returns it", async () => {
      const s = await fresh();
      const x = session(clusterId());
      await s.create(x);
      expect(await s.get(x.id)).toEqual(x);
    });

    it("create(session) keeps optional fields absent", async () => {
      const s = await fresh();
      const { correlationId: _, ...x } = session(clusterId());
      await s.create(x);
      // toEqual tells a missing field from `null`, which the schema does not allow.
      expect(await s.get(x.id)).toEqual(x);
    });

    it("get(id) of an unknown session returns null", async () => {
      const s = await fresh();
      expect(await s.get(`sess-${uid()}`)).toBeNull();
    });

    it("get(id) never returns an expired session", async () => {
      const s = await fresh();
      const x = session(clusterId(), { ttlMs: 100 });
      await s.create(x);
      expect(await s.get(x.id)).not.toBeNull();
      await sleep(300);
      expect(await s.get(x.id)).toBeNull();
    });

    it("get(id) returns null for a session created already past its TTL", async () => {
      const s = await fresh();
      const x = session(clusterId(), { lastActivityAt: Date.now() - 10_000, createdAt: Date.now() - 10_000, ttlMs: 1_000 });
      await s.create(x);
      expect(await s.get(x.id)).toBeNull();
      expect(await s.list()).toEqual([]);
      expect(await s.isClusterActive(x.clusterId)).toBe(false);
    });

    it("touch(id) slides the TTL", async () => {
      const s = await fresh();
      const x = session(clusterId(), { ttlMs: 150 });
      await s.create(x);
      // Touched every 50 ms for 3x its TTL: still alive.
      for (let i = 0; i < 9; i++) {
        await sleep(50);
        const touched = await s.touch(x.id);
        expect(touched?.id).toBe(x.id);
      }
      expect(await s.get(x.id)).not.toBeNull();
      expect(await s.isClusterActive(x.clusterId)).toBe(true);
      await sleep(450);
      expect(await s.get(x.id)).toBeNull();
    });

    it("touch(id, now) sets lastActivityAt and returns the session", async () => {
      const s = await fresh();
      const x = session(clusterId(), { lastActivityAt: Date.now() - 1_000 });
      await s.create(x);
      const now = Date.now();
      const touched = await s.touch(x.id, now);
      expect(touched).toEqual({ ...x, lastActivityAt: now });
      expect((await s.get(x.id))?.lastActivityAt).toBe(now);
      const before = Date.now();
      const again = await s.touch(x.id);
      expect(again!.lastActivityAt).toBeGreaterThanOrEqual(before);
    });

    it("touch(id) of an unknown, expired or ended session returns null", async () => {
      const s = await fresh();
      expect(await s.touch(`sess-${uid()}`)).toBeNull();
      const expiring = session(clusterId(), { ttlMs: 100 });
      await s.create(expiring);
      await sleep(300);
      expect(await s.touch(expiring.id)).toBeNull();
      const ended = session(clusterId());
      await s.create(ended);
      await s.end(ended.id);
      expect(await s.touch(ended.id)).toBeNull();
      expect((await s.get(ended.id))?.status).toBe("ended");
    });

    it("end(id) marks the session ended; get(id) still returns it", async () => {
      const s = await fresh();
      const x = session(clusterId());
      await s.create(x);
      expect(await s.end(x.id)).toBe(true);
      expect(await s.get(x.id)).toEqual({ ...x, status: "ended" });
    });

    it("end(id) of an unknown or expired session returns false", async () => {
      const s = await fresh();
      expect(await s.end(`sess-${uid()}`)).toBe(false);
      const x = session(clusterId(), { ttlMs: 100 });
      await s.create(x);
      await sleep(300);
      expect(await s.end(x.id)).toBe(false);
    });

    it("list() returns active sessions oldest first, without ended or expired ones", async () => {
      const s = await fresh();
      const cluster = clusterId();
      const now = Date.now();
      const newest = session(cluster, { createdAt: now - 1_000 });
      const oldest = session(cluster, { createdAt: now - 3_000 });
      const middle = session(clusterId(), { createdAt: now - 2_000 });
      const ended = session(cluster, { createdAt: now - 2_500 });
      const expiring = session(cluster, { createdAt: now - 4_000, ttlMs: 100 });
      for (const x of [newest, oldest, middle, ended, expiring]) await s.create(x);
      await s.end(ended.id);
      await sleep(300);
      expect((await s.list()).map((x) => x.id)).toEqual([oldest.id, middle.id, newest.id]);
      expect((await s.list({})).map((x) => x.id)).toEqual([oldest.id, middle.id, newest.id]);
    });

    it("list({ clusterId }) returns only that cluster's active sessions", async () => {
      const s = await fresh();
      const a = clusterId();
      const now = Date.now();
      const a1 = session(a, { createdAt: now - 2_000 });
      const a2 = session(a, { createdAt: now - 1_000 });
      await s.create(a2);
      await s.create(session(clusterId()));
      await s.create(a1);
      expect(await s.list({ clusterId: a })).toEqual([a1, a2]);
      expect(await s.list({ clusterId: clusterId() })).toEqual([]);
    });

    it("isClusterActive(cluster) follows create, end and expiry", async () => {
      const s = await fresh();
      const cluster = clusterId();
      expect(await s.isClusterActive(cluster)).toBe(false);
      const one = session(cluster);
      const two = session(cluster, { ttlMs: 100 });
      await s.create(one);
      expect(await s.isClusterActive(cluster)).toBe(true);
      expect(await s.isClusterActive(clusterId())).toBe(false);
      await s.create(two);
      await s.end(one.id);
      // `two` still keeps the cluster active until it expires.
      expect(await s.isClusterActive(cluster)).toBe(true);
      await sleep(300);
      expect(await s.isClusterActive(cluster)).toBe(false);
    });

    it("get(id) and list() do not share objects with the caller", async () => {
      const s = await fresh();
      const x = session(clusterId());
      const stored = structuredClone(x);
      await s.create(x);
      x.status = "ended";
      const got = (await s.get(x.id))!;
      got.clusterId = "elsewhere";
      (await s.list())[0]!.ttlMs = 1;
      expect(await s.get(x.id)).toEqual(stored);
    });

    h.done();
  });
}
