/**
 * The SQLite backend: one file, survives restarts. `bun:sqlite` under Bun,
 * `better-sqlite3` under Node (an optional peer dependency, loaded on first
 * use). One API process per file: a second process on the same file stays
 * correct (transactions) but hears about the first one's writes only through
 * a periodic check. The API's signing key is kept in a file of its own beside
 * the database (`signingKeyFile`). See docs/adapters/sqlite.md.
 */
import type { AuditLog, AuthStore, Backend, CommandQueue, CounterStore, OutputStreams, SessionStore, UserStore } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import { openDatabase, wrapDatabase, type SqliteDatabase, type SqliteDriver } from "./_driver.ts";
import { keyFileStore } from "./_key-file.ts";
import { commitWatch } from "./_wake.ts";
import { SqliteQueue } from "./queue.ts";
import { prepareDatabase } from "./schema.ts";
import { sqliteAudit, sqliteAuth, sqliteCounters, sqliteSessions } from "./stores.ts";
import { sqliteStreams, type SqliteStreams } from "./streams.ts";
import { sqliteUsers } from "./users.ts";

export type { SqliteDatabase } from "./_driver.ts";

/** Options for {@link sqliteBackend}. Give `filename` or `database`. */
export interface SqliteBackendOptions {
  /**
   * The database file, created when missing (with `-wal` and `-shm` files
   * beside it). `":memory:"` keeps everything in memory, private to this
   * backend and lost on close.
   * @default ":memory:" when `database` is not given either
   */
  filename?: string;
  /**
   * An already open `bun:sqlite` or `better-sqlite3` `Database` to use instead
   * of opening `filename`. Kubently creates its `kubently_*` tables in it,
   * switches it to WAL and sets `busy_timeout`, and leaves it open on `close()`.
   * @default undefined
   */
  database?: SqliteDatabase;
  /** How long results, and output streams after their last chunk, stay readable. @default 900000 (15 minutes) */
  resultTtlMs?: number;
  /**
   * How often the backend checks whether another process wrote the file (one
   * `PRAGMA data_version`), to wake this process's waiting leases, result
   * waits and stream reads, and to take over deadlines and expired leases.
   * Writes made by this process wake its waiters at once, without waiting for
   * this check.
   * @default 500
   */
  pollIntervalMs?: number;
  /** How long a write waits for another connection's lock before failing with `BACKEND_UNAVAILABLE`. @default 5000 */
  busyTimeoutMs?: number;
  /**
   * The file that keeps the API's command-signing key between starts
   * (PKCS#8 PEM), created with mode 0600 by the first start and read by
   * `createKubently` when it is given no `signingKey`. Never a row in the
   * database: write access to the database must not give the power to sign.
   * `false`: keep no key (a fresh one per start).
   * @default `${filename}.signing.pem` for a file; none for `":memory:"`, a `file:` URI or a `database`
   */
  signingKeyFile?: string | false;
}

interface Opened {
  db: SqliteDriver;
  sessions: ReturnType<typeof sqliteSessions>;
  queue: SqliteQueue;
  auth: AuthStore;
  audit: ReturnType<typeof sqliteAudit>;
  counters: ReturnType<typeof sqliteCounters>;
  streams: SqliteStreams;
  users: ReturnType<typeof sqliteUsers>;
  ticker: ReturnType<typeof setInterval>;
}

/**
 * Returns an object with the `methods` of `T` (all of them: the record type
 * makes a method missing from the list a type error) that run on the opened
 * store. Once the database is open a call goes straight through (no extra
 * promise); before that it waits for the open, and fails as the open did.
 */
function deferred<T extends object>(current: () => T | undefined, opening: () => Promise<T>, methods: Record<keyof T & string, true>): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(methods) as (keyof T & string)[]) {
    out[key] = (...args: unknown[]) => {
      const target = current();
      if (target) return Reflect.apply(target[key] as (...a: unknown[]) => unknown, target, args);
      return opening().then((t) => Reflect.apply(t[key] as (...a: unknown[]) => unknown, t, args));
    };
  }
  return out as T;
}

/**
 * Creates the SQLite backend bundle. Synchronous: the database opens in the
 * background (the binding is imported lazily), calls made meanwhile wait for
 * it, and an open that fails (missing better-sqlite3, unwritable path) fails
 * every call, `ping()` included, with `BACKEND_UNAVAILABLE` saying why.
 *
 * @example
 * const backend = sqliteBackend({ filename: "/var/lib/kubently/kubently.db" });
 * await backend.ping(); // fail fast at startup
 */
export function sqliteBackend(options: SqliteBackendOptions = {}): Backend {
  const resultTtlMs = options.resultTtlMs ?? 900_000;
  const pollIntervalMs = Math.max(10, options.pollIntervalMs ?? 500);
  const ownsDatabase = options.database === undefined;
  const filename = options.filename ?? ":memory:";
  let opened: Opened | undefined;
  let closed = false;
  const onDisk = ownsDatabase && filename !== ":memory:" && filename !== "" && !filename.startsWith("file:");
  const keyFile = options.signingKeyFile ?? (onDisk ? `${filename}.signing.pem` : false);

  const open = async (): Promise<Opened> => {
    const database = options.database ?? (await openDatabase(filename));
    const db = wrapDatabase(database);
    try {
      prepareDatabase(db, { busyTimeoutMs: options.busyTimeoutMs ?? 5_000 });
    } catch (err) {
      if (ownsDatabase) db.close();
      throw err;
    }
    // Taken before the queue reads the table, so no commit by another process falls between.
    const othersCommitted = commitWatch(db);
    const queue = new SqliteQueue(db, resultTtlMs);
    const streams = sqliteStreams(db, resultTtlMs);
    const sessions = sqliteSessions(db);
    const counters = sqliteCounters(db);
    const users = sqliteUsers(db);
    // Purging is housekeeping only (reads already ignore expired rows), so it runs seldom.
    const purgeEveryMs = Math.min(resultTtlMs, 60_000);
    let purgedAt = Date.now();
    const ticker = setInterval(() => {
      try {
        if (othersCommitted()) {
          queue.recheck();
          streams.recheck();
        }
        const now = Date.now();
        if (now - purgedAt >= purgeEveryMs) {
          purgedAt = now;
          queue.purge(now);
          streams.purge(now);
          sessions.purge(now);
          counters.purge(now);
          users.purge(now);
        }
      } catch {
        // A busy or failing file: the next tick tries again; calls report the error themselves.
      }
    }, pollIntervalMs);
    (ticker as { unref?: () => void }).unref?.();
    opened = { db, sessions, queue, auth: sqliteAuth(db), audit: sqliteAudit(db), counters, streams, users, ticker };
    return opened;
  };

  const opening = open();
  // Reported by the calls that wait for it; not an unhandled rejection meanwhile.
  opening.catch(() => {});
  const part = <K extends keyof Opened>(key: K) => () => opening.then((o) => o[key]);
  const current = <K extends keyof Opened>(key: K) => () => opened?.[key];

  const sessions = deferred<SessionStore>(current("sessions"), part("sessions"), {
    create: true,
    get: true,
    touch: true,
    end: true,
    list: true,
    isClusterActive: true,
  });
  const queue = deferred<CommandQueue>(current("queue"), part("queue"), {
    push: true,
    lease: true,
    extend: true,
    complete: true,
    awaitResult: true,
    getResult: true,
    getCommand: true,
    cancel: true,
    onEnded: true,
    depth: true,
    unaudited: true,
    markAudited: true,
  });
  const auth = deferred<AuthStore>(current("auth"), part("auth"), {
    createApiKey: true,
    findApiKey: true,
    listApiKeys: true,
    revokeApiKey: true,
    touchApiKey: true,
    registerCluster: true,
    getCluster: true,
    listClusters: true,
    listClustersSeen: true,
    updateCluster: true,
    deleteCluster: true,
    getAgentTokens: true,
    setAgentTokens: true,
  });
  const audit: AuditLog = {
    ...deferred<Omit<AuditLog, "scan" | "windowed">>(current("audit"), part("audit"), { append: true, query: true, read: true }),
    async *scan() {
      yield* (opened ?? (await opening)).audit.scan();
    },
  };

  return {
    name: "sqlite",
    // A host database is taken as durable; an in-memory or anonymous one is not.
    capabilities: { durable: !ownsDatabase || (filename !== ":memory:" && filename !== ""), shared: false },
    sessions,
    queue,
    auth,
    audit,
    ...(keyFile ? { signingKey: keyFileStore(keyFile) } : {}),
    counters: deferred<CounterStore>(current("counters"), part("counters"), { hit: true }),
    streams: deferred<OutputStreams>(current("streams"), part("streams"), { append: true, read: true }),
    users: deferred<UserStore>(current("users"), part("users"), {
      create: true,
      get: true,
      list: true,
      update: true,
      delete: true,
      revokeSession: true,
      isSessionRevoked: true,
    }),
    async ping() {
      const o = opened ?? (await opening);
      if (closed) throw new KubentlyError("BACKEND_UNAVAILABLE", "the sqlite backend is closed");
      o.db.prepare("SELECT 1 AS ok").get();
      return true;
    },
    async close() {
      if (closed) return;
      closed = true;
      const o = opened ?? (await opening.catch(() => undefined));
      if (!o) return;
      clearInterval(o.ticker);
      o.queue.close();
      o.streams.close();
      o.audit.flush();
      if (ownsDatabase) o.db.close();
    },
  };
}
