/** The four conformance suites against the in-memory backend: a fresh backend per test, closed after it. */
import { describe, expect, test } from "bun:test";
import { memoryBackend, type memoryAudit } from "../../adapters/memory/index.ts";
import type { AuditLog } from "../../lib/contracts.ts";
import { timed } from "./_harness.ts";
import { fromBackend } from "./_options.ts";
import { describeAuditLog } from "./audit-log.ts";
import { describeAuthStore } from "./auth-store.ts";
import { describeCommandQueue } from "./command-queue.ts";
import { describeCounterStore } from "./counter-store.ts";
import { describeSessionStore } from "./session-store.ts";

describeSessionStore("memory", fromBackend(() => memoryBackend(), "sessions"));
describeCommandQueue("memory", fromBackend((o: { resultTtlMs?: number }) => memoryBackend(o), "queue"));
describeAuthStore("memory", fromBackend(() => memoryBackend(), "auth"));
describeCounterStore("memory", fromBackend(() => memoryBackend(), "counters"));
describeAuditLog("memory", fromBackend(() => memoryBackend(), "audit"), {
  async tamper(log, { op, seq }) {
    // memoryBackend's audit log keeps its entries in an exposed array, for this test only.
    const entries = (log as AuditLog as ReturnType<typeof memoryAudit>).entries;
    const at = entries.findIndex((e) => e.seq === seq);
    if (at < 0) throw new Error(`no audit entry ${seq}`);
    if (op === "delete") entries.splice(at, 1);
    else entries[at]!.identity = "someone-else";
  },
});

describe("memoryBackend", () => {
  test("close() ends waiting leases and result waits", async () => {
    // Pins a bug: a waiting lease woken by close() went back to waiting until waitMs ran out.
    const backend = memoryBackend();
    const lease = timed(backend.queue.lease("c-closing", { waitMs: 5_000 }));
    const result = timed(backend.queue.awaitResult("cmd-unknown", { waitMs: 5_000 }));
    await backend.close();
    for (const { value, ms } of await Promise.all([lease, result])) {
      expect(value).toBeNull();
      expect(ms).toBeLessThan(1_000);
    }
  });
});
