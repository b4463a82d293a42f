/**
 * Issue 17 item 5: an API killed between storing a result and auditing it
 * must not leave a command that ran with no terminal audit entry, nor get a
 * second one. The queue stores every result (but a cancel's) marked "not yet
 * audited" in the same atomic step (the audit outbox); the writer clears the
 * mark after its entry; the reconciler (`ready()`, then every interval)
 * writes the entry of a mark left behind unless the log already has it.
 *
 * The kill is simulated by a backend wrapper: an audit append that rejects
 * (nothing after it runs, as if the process died there) or a `markAudited`
 * that does nothing (died after the entry). Then a new instance on the same
 * SQLite file, or another replica on the same Redis, reconciles.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { openDatabase, wrapDatabase } from "../../adapters/sqlite/_driver.ts";
import { sqliteBackend } from "../../adapters/sqlite/index.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "../../adapters/sqlite/schema.ts";
import { redisBackend } from "../../adapters/redis/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { TERMINAL_EVENT_TYPES } from "../../lib/clusters.ts";
import type { Backend, CommandQueue } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import { createKubently, type Kubently, type KubentlyOptions } from "../../lib/kubently.ts";
import type { AuditEntry, AuditInput, Result } from "../../lib/schemas.ts";
import { generateSigningKeyPem } from "../../lib/signing.ts";
import { namespaces } from "../../plugins/namespaces.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { pollUntil, testCommand } from "../_fixtures.ts";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";

const KEY = "outbox-admin-key-0123456789abcdef";
const uid = () => Math.random().toString(36).slice(2, 10);

const instances: Kubently[] = [];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const k of instances.splice(0).reverse()) await k.close().catch(() => {});
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** `target` with some members replaced; the others run on `target` itself (class instances included). */
function overriding<T extends object>(target: T, over: Partial<T>): T {
  return new Proxy(target, {
    get(t, p) {
      if (p in over) return over[p as keyof T];
      const value = Reflect.get(t, p, t) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** The backend of an API that dies right before writing an audit entry `dies(entry)` picks: the append never happens, nor anything after it. */
function diesBeforeAuditing(backend: Backend, dies: (entry: AuditInput) => boolean): Backend {
  const append = backend.audit.append.bind(backend.audit);
  return {
    ...backend,
    audit: overriding(backend.audit, {
      append: (entry: AuditInput) => (dies(entry) ? Promise.reject(new KubentlyError("BACKEND_UNAVAILABLE", "killed before the audit write")) : append(entry)),
    }),
  };
}

/** The backend of an API that dies right after writing a result's audit entry, before clearing its mark. */
function diesAfterAuditing(backend: Backend): Backend {
  return { ...backend, queue: overriding<CommandQueue>(backend.queue, { markAudited: async () => {} }) };
}

/** A started instance (closed after the test); the reconciler is off unless `options` turns it on (`{}`: the defaults). */
async function start(backend: Backend, options: Partial<KubentlyOptions> = {}): Promise<Kubently> {
  const k = createKubently({
    backend,
    policies: [readOnly()],
    apiKeys: [{ name: "bot", key: KEY, role: "admin" }],
    clusters: [{ id: "c1" }, { id: "c2" }],
    auditReconciler: false,
    ...options,
  });
  instances.push(k);
  await k.ready();
  return k;
}

async function call(k: Kubently, path: string, body?: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await k.handle(
    new Request(`http://api${path}`, {
      method: body ? "POST" : "GET",
      headers: { "x-api-key": KEY, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    }),
  );
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const execute = (k: Kubently, body: Record<string, unknown>) => call(k, "/debug/execute", { cluster_id: "c1", argv: ["get", "pods", "-n", "default"], ...body });

/** Every entry of one command, oldest first. */
async function entriesOf(backend: Backend, commandId: string): Promise<AuditEntry[]> {
  return (await backend.audit.query({ limit: 100_000 })).filter((e) => e.commandId === commandId).reverse();
}
const terminalOf = async (backend: Backend, commandId: string) => (await entriesOf(backend, commandId)).filter((e) => TERMINAL_EVENT_TYPES.has(e.eventType));

/** The reconciler's counters from `/metrics`, e.g. `{ written: 1 }`. */
async function reconciled(k: Kubently): Promise<Record<string, number>> {
  const res = await k.handle(new Request("http://api/metrics", { headers: { "x-api-key": KEY } }));
  const out: Record<string, number> = {};
  for (const m of (await res.text()).matchAll(/^kubently_audit_reconciled_total\{action="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "kubently-outbox-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "kubently.db");
}

/** Polls until every command has a terminal entry (or 10 s pass). */
async function settled(backend: Backend, ids: string[]): Promise<void> {
  await pollUntil(async () => Promise.all(ids.map(async (id) => (await terminalOf(backend, id)).length)), (ns) => ns.every((n) => n > 0));
}

describe("SQLite: the API dies between storing a result and auditing it", () => {
  test("killed before command.executed / command.refused: the next start's ready() writes each once; the chain verifies", async () => {
    const filename = tempFile();
    const owed = new Set(["command.executed", "command.refused"]);
    const first = await start(diesBeforeAuditing(sqliteBackend({ filename }), (e) => owed.has(e.eventType)));
    first.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
    // c2's agent allows only kube-system: it refuses the command, and posts that.
    first.startLocalAgent({ clusterId: "c2", executor: echoExecutor(), policies: [readOnly(), namespaces({ allow: ["kube-system"] })] });
    const ran = await execute(first, {});
    const refused = await execute(first, { cluster_id: "c2" });
    expect([ran.body.status, refused.body.status]).toEqual(["success", "denied"]);
    const [ranId, refusedId] = [ran.body.command_id as string, refused.body.command_id as string];
    // The callers got their results; the log has no terminal entry for either.
    for (const id of [ranId, refusedId]) expect((await entriesOf(first.backend, id)).map((e) => e.eventType)).toEqual(["command.queued"]);
    await first.close();

    const second = await start(sqliteBackend({ filename }), { auditReconciler: {} });
    expect((await terminalOf(second.backend, ranId)).map((e) => [e.eventType, e.outcome, e.identity, e.correlationId])).toEqual([["command.executed", "success", "bot", ranId]]);
    expect((await terminalOf(second.backend, refusedId)).map((e) => [e.eventType, e.outcome, e.decision])).toEqual([["command.refused", "denied", "denied"]]);
    expect(await reconciled(second)).toEqual({ written: 2 });
    expect((await call(second, "/audit/verify")).body).toMatchObject({ ok: true, partial: false });
    // Nothing left: another pass finds nothing to do.
    expect(await second.services.clusters.reconcileAudit({ olderThanMs: 0 })).toEqual({ written: 0, confirmed: 0 });
    for (const id of [ranId, refusedId]) expect(await terminalOf(second.backend, id)).toHaveLength(1);
  });

  test("killed after command.executed, before clearing the mark: the next start only clears it, no second entry", async () => {
    const filename = tempFile();
    const first = await start(diesAfterAuditing(sqliteBackend({ filename })));
    first.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
    const id = (await execute(first, {})).body.command_id as string;
    await settled(first.backend, [id]);
    expect((await first.backend.queue.unaudited({ olderThanMs: 0, holdMs: 0 })).map((u) => u.command.id)).toEqual([id]);
    await first.close();

    const second = await start(sqliteBackend({ filename }), { auditReconciler: {} });
    expect(await reconciled(second)).toEqual({ confirmed: 1 });
    expect((await terminalOf(second.backend, id)).map((e) => e.eventType)).toEqual(["command.executed"]);
    expect(await second.backend.queue.unaudited({ olderThanMs: 0 })).toEqual([]);
    expect((await call(second, "/audit/verify")).body).toMatchObject({ ok: true });
  });

  test("a command the queue ended (deadline) whose command.timeout died with the API: the next start writes it once", async () => {
    const filename = tempFile();
    const first = await start(diesBeforeAuditing(sqliteBackend({ filename }), (e) => e.eventType === "command.timeout"));
    // No agent: the deadline ends it; the queue's own end is marked like an agent's result.
    const id = (await execute(first, { timeout_seconds: 1, wait: false })).body.command_id as string;
    await pollUntil(() => first.backend.queue.getResult(id), (r) => r !== null, 5_000);
    await Bun.sleep(100);
    await first.close();

    const second = await start(sqliteBackend({ filename }), { auditReconciler: {} });
    expect((await terminalOf(second.backend, id)).map((e) => [e.eventType, e.outcome, e.reason])).toEqual([
      ["command.timeout", "timeout", "DEADLINE_EXCEEDED: no agent picked the command up before its deadline"],
    ]);
    expect((await call(second, "/audit/verify")).body).toMatchObject({ ok: true });
  });

  test("a database of schema version 3 is migrated: results stored before are not marked, new ones are", async () => {
    const filename = tempFile();
    const db = wrapDatabase(await openDatabase(filename));
    db.exec("CREATE TABLE kubently_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    for (const m of MIGRATIONS.slice(0, 3)) db.exec(m);
    db.prepare("INSERT INTO kubently_meta (key, value) VALUES ('schema_version', '3')").run();
    const old = testCommand("c1");
    const oldResult: Result = { commandId: old.id, clusterId: "c1", status: "success", exitCode: 0, output: "", truncated: false, durationMs: 1, executedAt: Date.now(), agentId: "a" };
    db.prepare("INSERT INTO kubently_commands (id, cluster_id, state, deadline, command, result, result_expires_at) VALUES (?, 'c1', 'done', ?, ?, ?, ?)").run(
      old.id,
      old.deadline,
      JSON.stringify(old),
      JSON.stringify(oldResult),
      Date.now() + 60_000,
    );
    db.close();

    const backend = sqliteBackend({ filename });
    cleanups.push(() => backend.close());
    expect(await backend.queue.getResult(old.id)).toEqual(oldResult);
    expect(await backend.queue.unaudited({ olderThanMs: 0 })).toEqual([]);
    const fresh = testCommand("c1");
    await backend.queue.push(fresh);
    const lease = await backend.queue.lease("c1");
    expect(await backend.queue.complete(lease!, { ...oldResult, commandId: fresh.id })).toBe(true);
    expect((await backend.queue.unaudited({ olderThanMs: 0 })).map((u) => u.command.id)).toEqual([fresh.id]);
    const check = wrapDatabase(await openDatabase(filename));
    cleanups.push(() => check.close());
    expect(check.prepare("SELECT value FROM kubently_meta WHERE key = 'schema_version'").get<{ value: string }>()?.value).toBe(String(SCHEMA_VERSION));
  });
});

describe("a normal run never writes a second entry", () => {
  test("SQLite: with the reconciler running every 20 ms during load, every command has exactly one terminal entry and the reconciler does nothing", async () => {
    const k = await start(sqliteBackend({ filename: tempFile() }), { auditReconciler: { intervalMs: 20, graceMs: 500 } });
    k.startLocalAgent({ clusterId: "c1", executor: echoExecutor(), concurrency: 8 });
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, caller) => {
        for (let i = 0; i < 25; i++) ids.push((await execute(k, { wait: (i + caller) % 3 !== 0 })).body.command_id as string);
      }),
    );
    await settled(k.backend, ids);
    // Past the grace: every result had its mark cleared by its writer long before.
    await Bun.sleep(700);
    for (const id of ids) expect((await terminalOf(k.backend, id)).map((e) => e.eventType)).toEqual(["command.executed"]);
    expect(await reconciled(k)).toEqual({});
    expect(await k.backend.queue.unaudited({ olderThanMs: 0 })).toEqual([]);
    expect((await call(k, "/audit/verify")).body).toMatchObject({ ok: true });
  });
});

const missing = redisUnavailable();
if (missing) {
  console.warn(`skipping the Redis audit-outbox tests: ${missing}`);
  test.skip(`Redis audit outbox [skipped: ${missing}]`, () => {});
} else {
  describe("Redis: replicas on one Redis reconcile what a dead one left", () => {
    let server: RedisServer;
    let raw: Redis;
    const signingKey = generateSigningKeyPem();
    beforeAll(async () => {
      server = await startRedis();
      raw = new Redis(server.url);
    });
    afterAll(async () => {
      await raw?.quit();
      await server?.close();
    });
    const replica = (prefix: string, wrap: (b: Backend) => Backend = (b) => b, options: Partial<KubentlyOptions> = {}) =>
      start(wrap(redisBackend({ url: server.url, prefix })), { signingKey, ...options });

    test("a replica killed before its command.executed: two others reconciling at once write each entry once; the chain verifies", async () => {
      const prefix = `kt-${uid()}`;
      const dying = await replica(prefix, (b) => diesBeforeAuditing(b, (e) => e.eventType === "command.executed"));
      dying.startLocalAgent({ clusterId: "c1", executor: echoExecutor(), concurrency: 4 });
      const ids = await Promise.all(Array.from({ length: 12 }, async () => (await execute(dying, {})).body.command_id as string));
      for (const id of ids) expect((await entriesOf(dying.backend, id)).map((e) => e.eventType)).toEqual(["command.queued"]);
      await dying.close();

      // Two passes at once, a few marks each: renewing a mark it takes keeps the other replica from handling it too.
      const [a, b] = await Promise.all([replica(prefix), replica(prefix)]);
      const passes = await Promise.all([a, b, a, b].map((k) => k.services.clusters.reconcileAudit({ olderThanMs: 0, limit: 3 })));
      for (const id of ids) expect((await terminalOf(a.backend, id)).map((e) => [e.eventType, e.outcome])).toEqual([["command.executed", "success"]]);
      expect(passes.reduce((n, p) => n + p.written, 0)).toBe(ids.length);
      expect(passes.reduce((n, p) => n + p.confirmed, 0)).toBe(0);
      expect((await call(b, "/audit/verify")).body).toMatchObject({ ok: true, partial: false });
      expect(await raw.zcard(`${prefix}:unaudited`)).toBe(0);
    });

    test("a mark younger than graceMs is left to its writer: another replica's ready() does not touch it", async () => {
      // A shared backend: the mark may belong to a live replica that is about to audit it.
      const prefix = `kt-${uid()}`;
      const writer = await replica(prefix, (b) => diesBeforeAuditing(b, (e) => e.eventType === "command.executed"));
      writer.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
      const id = (await execute(writer, {})).body.command_id as string;
      const other = await replica(prefix, undefined, { auditReconciler: {} });
      expect(await terminalOf(other.backend, id)).toEqual([]);
      expect(await reconciled(other)).toEqual({});
      expect(await raw.zcard(`${prefix}:unaudited`)).toBe(1);
    });

    test("a replica killed after command.executed, before clearing the mark: another only clears it", async () => {
      const prefix = `kt-${uid()}`;
      const dying = await replica(prefix, diesAfterAuditing);
      dying.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
      const id = (await execute(dying, {})).body.command_id as string;
      await settled(dying.backend, [id]);
      expect(await raw.zcard(`${prefix}:unaudited`)).toBe(1);
      await dying.close();
      const other = await replica(prefix, undefined, { auditReconciler: { graceMs: 0 } });
      expect(await reconciled(other)).toEqual({ confirmed: 1 });
      expect((await terminalOf(other.backend, id)).map((e) => e.eventType)).toEqual(["command.executed"]);
      expect(await raw.zcard(`${prefix}:unaudited`)).toBe(0);
    });

    test("complete() of a result already stored answers false (a resend), and the second post writes no second entry", async () => {
      const prefix = `kt-${uid()}`;
      const k = await replica(prefix);
      const id = (await execute(k, { wait: false })).body.command_id as string;
      const lease = await k.services.clusters.lease("c1", { waitMs: 1_000, agentId: "agent-1" });
      const result: Result = { commandId: id, clusterId: "c1", status: "success", exitCode: 0, output: "ok", truncated: false, durationMs: 3, executedAt: Date.now(), agentId: "agent-1" };
      await k.services.clusters.submitResult("c1", lease!.leaseId, result);
      // The agent did not hear the answer and posts again: accepted, not audited twice.
      await k.services.clusters.submitResult("c1", lease!.leaseId, result);
      expect(await k.backend.queue.complete(lease!, result)).toBe(false);
      expect((await terminalOf(k.backend, id)).map((e) => e.eventType)).toEqual(["command.executed"]);
      expect(await raw.zcard(`${prefix}:unaudited`)).toBe(0);
    });

    test("the outbox stays bounded: marks of expired results are dropped as results are stored", async () => {
      const prefix = `kt-${uid()}`;
      const backend = redisBackend({ url: server.url, prefix, resultTtlMs: 100 });
      cleanups.push(() => backend.close());
      const done = async () => {
        const c = testCommand("c1");
        await backend.queue.push(c);
        const lease = await backend.queue.lease("c1");
        await backend.queue.complete(lease!, { commandId: c.id, clusterId: "c1", status: "success", exitCode: 0, output: "", truncated: false, durationMs: 1, executedAt: Date.now(), agentId: "a" });
      };
      for (let i = 0; i < 20; i++) await done();
      expect(await raw.zcard(`${prefix}:unaudited`)).toBe(20);
      await Bun.sleep(250);
      await done();
      expect(await raw.zcard(`${prefix}:unaudited`)).toBe(1);
    });

    test("two replicas under load, one reconciling every 20 ms: every command has exactly one terminal entry and the reconciler does nothing", async () => {
      const prefix = `kt-${uid()}`;
      const front = await replica(prefix);
      const reconciling = await replica(prefix, undefined, { auditReconciler: { intervalMs: 20, graceMs: 1_000 } });
      front.startLocalAgent({ clusterId: "c1", executor: echoExecutor(), concurrency: 8 });
      const ids: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, caller) => {
          for (let i = 0; i < 20; i++) ids.push((await execute(caller % 2 ? front : reconciling, { wait: (i + caller) % 3 !== 0 })).body.command_id as string);
        }),
      );
      await settled(front.backend, ids);
      await Bun.sleep(1_200);
      for (const id of ids) expect((await terminalOf(front.backend, id)).map((e) => e.eventType)).toEqual(["command.executed"]);
      expect(await reconciled(reconciling)).toEqual({});
      expect(await raw.zcard(`${prefix}:unaudited`)).toBe(0);
      expect((await call(front, "/audit/verify")).body).toMatchObject({ ok: true });
    });
  });
}
