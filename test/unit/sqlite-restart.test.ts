/**
 * The SQLite backend survives a restart: everything written before close()
 * is there after reopening the same file, queued commands are delivered,
 * leases and deadlines stored before the restart are enforced after it, and
 * the audit chain still verifies (and still catches an edit made with raw SQL).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, wrapDatabase } from "../../adapters/sqlite/_driver.ts";
import { sqliteBackend } from "../../adapters/sqlite/index.ts";
import { verifyAuditChain } from "../../lib/audit.ts";
import type { Backend } from "../../lib/contracts.ts";
import type { ApiKeyRecord, Command, Session } from "../../lib/schemas.ts";

let dir = "";
let filename = "";
const open: Backend[] = [];

/** Opens the test's file; closed after the test if the test did not. */
function reopen(): Backend {
  const backend = sqliteBackend({ filename });
  open.push(backend);
  return backend;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kubently-restart-"));
  filename = join(dir, "kubently.db");
});

afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function command(clusterId: string, id: string, over: Partial<Command> = {}): Command {
  const now = Date.now();
  return {
    id,
    clusterId,
    sessionId: "sess-restart",
    argv: ["get", "pods", "-n", "default"],
    timeoutMs: 1_000,
    deadline: now + 60_000,
    requestedBy: "svc:restart",
    correlationId: `corr-${id}`,
    createdAt: now,
    ...over,
  };
}

describe("sqliteBackend restart", () => {
  test("sessions, clusters, tokens, keys, queued commands and the audit chain survive close() and reopen", async () => {
    const now = Date.now();
    const session: Session = {
      id: "sess-restart",
      clusterId: "prod-eu",
      createdBy: "svc:restart",
      createdAt: now,
      lastActivityAt: now,
      ttlMs: 3_600_000,
      status: "active",
      correlationId: "corr-1",
    };
    const key: ApiKeyRecord = { id: "key-1", hash: "hash-1", name: "ci", role: "operator", clusters: ["prod-eu"], createdAt: now };
    const token = { id: "tok-1", hash: "tok-hash-1", createdAt: now };
    const pending = command("prod-eu", "cmd-pending");

    const before = reopen();
    await before.sessions.create(session);
    expect(await before.auth.registerCluster({ id: "prod-eu", createdAt: now })).toBe(true);
    expect(await before.auth.setAgentTokens("prod-eu", [token], { ifNone: true })).toBe(true);
    await before.auth.createApiKey(key);
    await before.queue.push(pending);
    for (let i = 0; i < 3; i++) await before.audit.append({ at: now + i, eventType: "command.executed", identity: "svc:restart", argv: ["get", "pods"] });
    await before.close();

    const after = reopen();
    expect(await after.sessions.get(session.id)).toEqual(session);
    expect(await after.sessions.isClusterActive("prod-eu")).toBe(true);
    expect(await after.auth.getCluster("prod-eu")).toEqual({ id: "prod-eu", createdAt: now });
    expect(await after.auth.getAgentTokens("prod-eu")).toEqual([token]);
    // The token is still there, so a second ifNone write loses.
    expect(await after.auth.setAgentTokens("prod-eu", [{ ...token, id: "tok-2" }], { ifNone: true })).toBe(false);
    expect(await after.auth.findApiKey("hash-1")).toEqual(key);
    expect(await after.queue.depth("prod-eu")).toBe(1);
    expect(await after.queue.getCommand(pending.id)).toEqual(pending);
    const lease = await after.queue.lease("prod-eu", { waitMs: 1_000 });
    expect(lease?.command).toEqual(pending);
    expect(lease?.attempt).toBe(1);
    expect(await verifyAuditChain(after.audit)).toEqual({ ok: true, count: 3, firstSeq: 1, lastSeq: 3, partial: false });
    // The chain goes on from where it stopped.
    const next = await after.audit.append({ at: now + 3, eventType: "session.created", identity: "svc:restart" });
    expect(next.seq).toBe(4);
    expect(await verifyAuditChain(after.audit)).toEqual({ ok: true, count: 4, firstSeq: 1, lastSeq: 4, partial: false });
  });

  test("a command leased but not completed before the restart is re-delivered when its lease expires", async () => {
    const before = reopen();
    const leased = command("c-restart", "cmd-leased");
    const newer = command("c-restart", "cmd-newer");
    await before.queue.push(leased);
    const first = await before.queue.lease("c-restart", { leaseMs: 600 });
    expect(first?.attempt).toBe(1);
    await before.queue.push(newer);
    await before.close();

    const after = reopen();
    // The lease still runs: the newer command comes first.
    expect((await after.queue.lease("c-restart"))?.command.id).toBe(newer.id);
    // Nobody calls lease until the expiry: the re-armed timer puts it back in line and wakes this wait.
    const again = await after.queue.lease("c-restart", { waitMs: 3_000, leaseMs: 200 });
    expect(again?.command.id).toBe(leased.id);
    expect(again?.attempt).toBe(2);
    expect(again?.leaseId).not.toBe(first?.leaseId);
    // The old lease is worthless; the second expiry is final.
    const r = await after.queue.awaitResult(leased.id, { waitMs: 3_000 });
    expect(r?.status).toBe("failure");
    expect(r?.code).toBe("AGENT_LOST");
  });

  test("a lease that expired while the process was down is re-delivered at once after reopening", async () => {
    const before = reopen();
    const c = command("c-down", "cmd-down");
    await before.queue.push(c);
    await before.queue.lease("c-down", { leaseMs: 100 });
    await before.close();
    await sleep(250);

    const after = reopen();
    const again = await after.queue.lease("c-down");
    expect(again?.command.id).toBe(c.id);
    expect(again?.attempt).toBe(2);
  });

  test("a deadline that passes after the restart resolves with DEADLINE_EXCEEDED without any lease call", async () => {
    const before = reopen();
    const c = command("c-deadline", "cmd-deadline", { deadline: Date.now() + 400 });
    await before.queue.push(c);
    await before.close();

    const after = reopen();
    const r = await after.queue.awaitResult(c.id, { waitMs: 3_000 });
    expect(r?.status).toBe("timeout");
    expect(r?.code).toBe("DEADLINE_EXCEEDED");
    expect(await after.queue.depth("c-deadline")).toBe(0);
  });

  test("verifyAuditChain(log) reports an audit row edited with raw SQL while the backend was closed", async () => {
    const before = reopen();
    for (let i = 0; i < 5; i++) await before.audit.append({ at: 1_000 + i, eventType: "command.executed", identity: "alice" });
    await before.close();

    const raw = wrapDatabase(await openDatabase(filename));
    raw.prepare("UPDATE kubently_audit SET entry = json_set(entry, '$.identity', 'mallory') WHERE seq = 2").run();
    raw.close();

    const after = reopen();
    const v = await verifyAuditChain(after.audit);
    expect(v.ok).toBe(false);
    expect(v.brokenAt).toBe(2);
    // The edit shows in queries too: the filter columns come from the same row.
    expect((await after.audit.query({ identity: "mallory" })).map((e) => e.seq)).toEqual([2]);
  });
});

describe("group-committed audit appends", () => {
  test("appends made at once are written in call order as one valid chain, and close() writes those still waiting", async () => {
    const first = reopen();
    await first.ping();
    const appends = Array.from({ length: 50 }, (_, i) => first.audit.append({ at: i, eventType: "test.append", identity: `caller-${i}` }));
    // Closed before the batch's turn came: it is written first, not lost.
    await first.close();
    const entries = await Promise.all(appends);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    const again = reopen();
    const stored = [];
    for await (const e of again.audit.scan()) stored.push(e);
    expect(stored.map((e) => e.identity)).toEqual(entries.map((_, i) => `caller-${i}`));
    expect(await verifyAuditChain(again.audit)).toMatchObject({ ok: true, count: 50 });
  });

  test("a read sees every append made before it, even one still waiting for its batch", async () => {
    const backend = reopen();
    await backend.ping();
    const pending = backend.audit.append({ at: 1, eventType: "test.read-your-writes", identity: "me" });
    expect((await backend.audit.query({ eventType: "test.read-your-writes" })).map((e) => e.identity)).toEqual(["me"]);
    expect((await pending).seq).toBe(1);
  });
});
