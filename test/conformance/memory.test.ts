/** The conformance suites against the in-memory backend: a fresh backend per test, closed after it. */
import { expect, test } from "bun:test";
import { memoryBackend, type memoryAudit } from "../../adapters/memory/index.ts";
import type { AuditLog } from "../../lib/contracts.ts";
import { fromBackend } from "./_options.ts";
import { describeAuditLog } from "./audit-log.ts";
import { describeBackend } from "./backend.ts";
import { describeAuthStore } from "./auth-store.ts";
import { describeCommandQueue } from "./command-queue.ts";
import { describeCounterStore } from "./counter-store.ts";
import { describeOutputStreams } from "./output-streams.ts";
import { describeSessionStore } from "./session-store.ts";
import { describeUserStore } from "./user-store.ts";

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

describeOutputStreams("memory", fromBackend(() => memoryBackend(), "streams"));
describeUserStore("memory", fromBackend(() => memoryBackend(), "users"));

describeBackend("memory", () => memoryBackend());

// Nothing survives a restart: createKubently makes a fresh signing key per start.
test("signingKey is absent on the memory backend (issue 17)", async () => {
  const backend = memoryBackend();
  expect(backend.signingKey).toBeUndefined();
  await backend.close();
});
