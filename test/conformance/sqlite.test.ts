/**
 * The conformance suites against the SQLite backend: a fresh database file in
 * a temp dir per test, deleted after it (two backends on one file for the
 * cross-process stream test). Runs under Bun (bun:sqlite)
 * and, through test/node/conformance.mjs, under Node (better-sqlite3).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { isBun, openDatabase, wrapDatabase } from "../../adapters/sqlite/_driver.ts";
import { sqliteBackend, type SqliteBackendOptions } from "../../adapters/sqlite/index.ts";
import { verifyAuditChain } from "../../lib/audit.ts";
import type { AuditLog, Backend } from "../../lib/contracts.ts";
import type { Command } from "../../lib/schemas.ts";
import { generateSigningKeyPem } from "../../lib/signing.ts";
import { sleep, timed, uid } from "./_harness.ts";
import type { BackendPart, Make, MakeContext } from "./_options.ts";
import { describeAuditLog } from "./audit-log.ts";
import { describeBackend } from "./backend.ts";
import { describeAuthStore } from "./auth-store.ts";
import { describeCommandQueue } from "./command-queue.ts";
import { describeCounterStore } from "./counter-store.ts";
import { describeOutputStreams } from "./output-streams.ts";
import { describeSessionStore } from "./session-store.ts";
import { describeUserStore } from "./user-store.ts";
import { describeSigningKeyStore } from "./signing-key-store.ts";
import { testCommand } from "../_fixtures.ts";

/** The file behind each audit log made here, for the tamper hook. */
const files = new WeakMap<AuditLog, string>();

/** A new temp dir with a database file name in it; the dir is removed at teardown. */
function tempFile(context: MakeContext): string {
  const dir = mkdtempSync(join(tmpdir(), "kubently-sqlite-"));
  context.onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "kubently.db");
}

/** A fresh backend on a fresh file per test; closed, then its file deleted, after the test. */
function fresh<K extends BackendPart, O extends Partial<SqliteBackendOptions> = object>(part: K): Make<NonNullable<Backend[K]>, O> {
  return (context) => {
    const { onTeardown, ...options } = context;
    const filename = tempFile(context);
    const backend = sqliteBackend({ ...options, filename });
    onTeardown(() => backend.close());
    if (part === "audit") files.set(backend.audit, filename);
    return backend[part]!;
  };
}

/** Runs raw SQL on a database file through a second connection, behind the backend's back. */
async function rawSql(filename: string, sql: string, ...params: (string | number)[]): Promise<void> {
  const db = wrapDatabase(await openDatabase(filename));
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

describeSessionStore("sqlite", fresh("sessions"));
describeCommandQueue("sqlite", fresh<"queue", { resultTtlMs?: number }>("queue"));
describeAuthStore("sqlite", fresh("auth"));
describeCounterStore("sqlite", fresh("counters"));
describeUserStore("sqlite", fresh("users"));
describeAuditLog("sqlite", fresh("audit"), {
  async tamper(log, { op, seq }) {
    const filename = files.get(log);
    if (!filename) throw new Error("no database file for this audit log");
    if (op === "delete") await rawSql(filename, "DELETE FROM kubently_audit WHERE seq = ?", seq);
    else await rawSql(filename, "UPDATE kubently_audit SET entry = json_set(entry, '$.identity', 'someone-else') WHERE seq = ?", seq);
  },
});

describeOutputStreams("sqlite", fresh<"streams", { resultTtlMs?: number }>("streams"), {
  // Two processes on one file: the reader hears of the append through its data_version check.
  makePair(context) {
    const filename = tempFile(context);
    const [one, two] = [sqliteBackend({ filename, pollIntervalMs: 100 }), sqliteBackend({ filename, pollIntervalMs: 100 })];
    context.onTeardown(() => one.close());
    context.onTeardown(() => two.close());
    return [one.streams, two.streams];
  },
});

const command = (clusterId: string, over: Partial<Command> = {}): Command => testCommand(clusterId, { timeoutMs: 1_000, ...over });

describeBackend("sqlite", () => sqliteBackend({ filename: join(mkdtempSync(join(tmpdir(), "kubently-sqlite-backend-")), "k.db") }));

describeSigningKeyStore("sqlite", (context) => {
  const filename = tempFile(context);
  return {
    open() {
      const backend = sqliteBackend({ filename });
      context.onTeardown(() => backend.close());
      return backend.signingKey!;
    },
  };
});

describe("sqliteBackend", () => {
  const teardowns: (() => unknown)[] = [];
  const context: MakeContext = { onTeardown: (fn) => void teardowns.push(fn) };
  const cleanup = async () => {
    for (const fn of teardowns.splice(0).reverse()) await fn();
  };

  test("two backends on one file: no double lease, one audit chain, and a push on one wakes a lease waiting on the other", async () => {
    try {
      const filename = tempFile(context);
      const a = sqliteBackend({ filename, pollIntervalMs: 100 });
      const b = sqliteBackend({ filename, pollIntervalMs: 100 });
      context.onTeardown(() => a.close());
      context.onTeardown(() => b.close());
      const cluster = `c-${uid()}`;

      // b waits; a pushes. b only hears of it through its data_version check.
      const waiting = timed(b.queue.lease(cluster, { waitMs: 5_000 }));
      await sleep(50);
      const first = command(cluster);
      await a.queue.push(first);
      const { value: got, ms } = await waiting;
      expect(got?.command.id).toBe(first.id);
      expect(ms).toBeLessThan(2_000);

      // Both lease from one line of 20: every command goes to exactly one of them.
      const cs = Array.from({ length: 20 }, () => command(cluster));
      for (const c of cs) await a.queue.push(c);
      const leased: string[] = [];
      for (let i = 0; i < 12; i++) {
        for (const q of [a.queue, b.queue]) {
          const l = await q.lease(cluster);
          if (l) leased.push(l.command.id);
        }
      }
      expect(leased.sort()).toEqual(cs.map((c) => c.id).sort());

      // A result completed through a wakes an awaitResult on b.
      const awaited = b.queue.awaitResult(first.id, { waitMs: 5_000 });
      await a.queue.complete(got!, {
        commandId: first.id,
        clusterId: cluster,
        status: "success",
        exitCode: 0,
        output: "ok",
        truncated: false,
        durationMs: 1,
        executedAt: Date.now(),
        agentId: "agent",
      });
      expect((await awaited)?.output).toBe("ok");

      // Interleaved appends from both connections form one chain.
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).audit.append({ at: i, eventType: "test", identity: `id-${i}` })),
      );
      expect(await verifyAuditChain(a.audit)).toEqual({ ok: true, count: 20, firstSeq: 1, lastSeq: 20, partial: false });
      expect(await verifyAuditChain(b.audit)).toEqual({ ok: true, count: 20, firstSeq: 1, lastSeq: 20, partial: false });
    } finally {
      await cleanup();
    }
  });

  test("sqliteBackend({ database }) uses the host's open database and leaves it open", async () => {
    try {
      const database = await openDatabase(tempFile(context));
      const host = wrapDatabase(database);
      context.onTeardown(() => host.close());
      // The runtime's own binding: bun:sqlite under Bun, better-sqlite3 under Node.
      expect(host.kind).toBe(isBun() ? "bun:sqlite" : "better-sqlite3");
      const backend = sqliteBackend({ database });
      const c = command(`c-${uid()}`);
      await backend.queue.push(c);
      expect((await backend.queue.lease(c.clusterId))?.command).toEqual(c);
      await backend.close();
      expect(host.prepare("SELECT count(*) AS n FROM kubently_commands").get<{ n: number }>()?.n).toBe(1);
      expect(backend.capabilities).toEqual({ durable: true, shared: false });
    } finally {
      await cleanup();
    }
  });

  test("sqliteBackend({ filename }) in a missing directory fails calls and ping() with BACKEND_UNAVAILABLE", async () => {
    const backend = sqliteBackend({ filename: join(tmpdir(), `kubently-missing-${uid()}`, "nested", "k.db") });
    let error: unknown;
    await backend.ping().catch((e: unknown) => (error = e));
    expect((error as { code?: string })?.code).toBe("BACKEND_UNAVAILABLE");
    await expect(backend.queue.depth("c-x")).rejects.toThrow();
    await backend.close();
  });

  test("signingKey keeps the key in <file>.signing.pem (mode 0600), never in the database (issue 17)", async () => {
    // Whoever can write the database must not be able to sign commands (docs/security.md).
    try {
      const filename = tempFile(context);
      const backend = sqliteBackend({ filename });
      context.onTeardown(() => backend.close());
      expect(backend.signingKey?.location).toBe(`${filename}.signing.pem`);
      const pem = await backend.signingKey!.load(generateSigningKeyPem);
      expect(readFileSync(`${filename}.signing.pem`, "utf8")).toBe(pem);
      if (process.platform !== "win32") expect(statSync(`${filename}.signing.pem`).mode & 0o777).toBe(0o600);
      await backend.ping();
      await backend.close();
      const body = pem.split("\n").find((line) => line && !line.startsWith("-----"))!;
      for (const f of [filename, `${filename}-wal`]) {
        if (existsSync(f)) expect(readFileSync(f).includes(body)).toBe(false);
      }
      expect(readdirSync(dirname(filename)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  test("signingKey is absent for \":memory:\", a host database and signingKeyFile: false; signingKeyFile names the file", async () => {
    try {
      const memory = sqliteBackend({ filename: ":memory:" });
      const off = sqliteBackend({ filename: tempFile(context), signingKeyFile: false });
      const database = await openDatabase(":memory:");
      const host = sqliteBackend({ database });
      const elsewhere = join(dirname(tempFile(context)), "keys", "api.pem");
      const named = sqliteBackend({ filename: ":memory:", signingKeyFile: elsewhere });
      for (const b of [memory, off, host, named]) context.onTeardown(() => b.close());
      context.onTeardown(() => wrapDatabase(database).close());
      expect([memory.signingKey, off.signingKey, host.signingKey]).toEqual([undefined, undefined, undefined]);
      expect(named.signingKey?.location).toBe(elsewhere);
    } finally {
      await cleanup();
    }
  });

  test("a database from a newer Kubently is refused, not migrated", async () => {
    try {
      const filename = tempFile(context);
      const first = sqliteBackend({ filename });
      await first.ping();
      await first.close();
      await rawSql(filename, "UPDATE kubently_meta SET value = '999' WHERE key = 'schema_version'");
      const second = sqliteBackend({ filename });
      let error: unknown;
      await second.ping().catch((e: unknown) => (error = e));
      expect(String((error as Error)?.message)).toContain("newer than this Kubently");
      await second.close();
    } finally {
      await cleanup();
    }
  });
});
