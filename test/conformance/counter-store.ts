/**
 * Conformance suite for {@link CounterStore} (shared rate-limit counters):
 * every adapter runs it unchanged.
 *
 * @example describeCounterStore("memory", () => memoryBackend().counters!);
 */
import { describe, expect } from "bun:test";
import type { CounterStore } from "../../lib/contracts.ts";
import { harness, sleep, uid } from "./_harness.ts";
import type { ConformanceOptions, Make } from "./_options.ts";

/** Registers the CounterStore conformance suite for one adapter. */
export function describeCounterStore(name: string, make: Make<CounterStore>, options: ConformanceOptions = {}): void {
  describe(`CounterStore conformance: ${name}`, () => {
    const h = harness(options);
    const fresh = () => h.make(make, {});
    const it = h.test;

    it("hit(key, windowMs) counts 1, 2, 3 within a window and says when it ends", async () => {
      const c = await fresh();
      const key = `k-${uid()}`;
      const windowMs = 3_600_000;
      const counts = [];
      for (let i = 0; i < 3; i++) counts.push(await c.hit(key, windowMs));
      expect(counts.map((x) => x.count)).toEqual([1, 2, 3]);
      const end = (Math.floor(Date.now() / windowMs) + 1) * windowMs;
      expect(counts.every((x) => x.resetAt === end)).toBe(true);
    });

    it("hit(key) keeps keys apart", async () => {
      const c = await fresh();
      const [a, b] = [`a-${uid()}`, `b-${uid()}`];
      await c.hit(a, 60_000);
      await c.hit(a, 60_000);
      expect((await c.hit(b, 60_000)).count).toBe(1);
    });

    it("hit(key, windowMs) starts again at 1 in the next window", async () => {
      const c = await fresh();
      const key = `k-${uid()}`;
      const first = await c.hit(key, 200);
      await sleep(Math.max(0, first.resetAt - Date.now()) + 20);
      const next = await c.hit(key, 200);
      expect(next.count).toBe(1);
      expect(next.resetAt).toBeGreaterThan(first.resetAt);
    });

    it("hit(key) by 50 concurrent callers counts each exactly once", async () => {
      const c = await fresh();
      const key = `k-${uid()}`;
      const all = await Promise.all(Array.from({ length: 50 }, () => c.hit(key, 3_600_000)));
      expect(all.map((x) => x.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });
  });
}
