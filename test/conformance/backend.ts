/**
 * Conformance suite for the {@link Backend} bundle itself (not one contract):
 * `ping()` while open, and `close()` ending every wait. Every adapter runs it.
 *
 * @example describeBackend("memory", () => memoryBackend());
 */
import { describe, expect, test } from "bun:test";
import type { Backend } from "../../lib/contracts.ts";
import { timed } from "./_harness.ts";

/** Registers the Backend conformance suite for one adapter; `make` gives a fresh, open backend. */
export function describeBackend(name: string, make: () => Backend | Promise<Backend>): void {
  describe(`Backend conformance: ${name}`, () => {
    test("ping() answers true while the backend is open", async () => {
      const backend = await make();
      try {
        expect(await backend.ping()).toBe(true);
      } finally {
        await backend.close();
      }
    });

    test("close() ends waiting leases, result waits and stream reads", async () => {
      // Pins a bug: a waiting lease woken by close() went back to waiting until waitMs ran out.
      const backend = await make();
      await backend.ping();
      const lease = timed(backend.queue.lease("c-closing", { waitMs: 5_000 }));
      const result = timed(backend.queue.awaitResult("cmd-unknown", { waitMs: 5_000 }));
      const chunks = timed(backend.streams.read("cmd-unknown", 0, { waitMs: 5_000 }).then((c) => (c.length ? c : null)));
      // Let both waits register (a networked backend subscribes first).
      await new Promise((r) => setTimeout(r, 100));
      await backend.close();
      for (const { value, ms } of await Promise.all([lease, result, chunks])) {
        expect(value).toBeNull();
        expect(ms).toBeLessThan(1_000);
      }
    });
  });
}
