/**
 * A thin driver over the two SQLite bindings: `bun:sqlite` under Bun and
 * `better-sqlite3` under Node. Both are synchronous and nearly alike; this
 * hides the few differences (a missing row is `null` in one and `undefined` in
 * the other, how a transaction is opened) and caches prepared statements.
 *
 * The binding is chosen at run time and imported lazily, through a specifier
 * bundlers cannot see: importing this module never fails, `bun build
 * --compile` never tries to bundle the native better-sqlite3 addon, and a
 * missing better-sqlite3 fails only when a database is opened, with a message
 * that says what to install.
 */
import { KubentlyError, isKubentlyError } from "../../lib/errors.ts";

/** A value SQLite binds or returns. */
export type SqlValue = string | number | bigint | null | undefined | Uint8Array;

/** A prepared statement; parameters are positional (`?`). */
export interface SqliteStatement {
  /** Runs a statement that returns no rows; `changes` counts the rows it touched. */
  run(...params: SqlValue[]): { changes: number };
  /** The first row, or `null`. */
  get<T = Record<string, unknown>>(...params: SqlValue[]): T | null;
  /** Every row. */
  all<T = Record<string, unknown>>(...params: SqlValue[]): T[];
}

/** What the adapter needs from a connection. */
export interface SqliteDriver {
  /** Which binding is underneath. */
  readonly kind: "bun:sqlite" | "better-sqlite3";
  /** A prepared statement for `sql`, prepared once and cached by its text. */
  prepare(sql: string): SqliteStatement;
  /** Runs one or more statements that return nothing (DDL, pragmas). */
  exec(sql: string): void;
  /**
   * Wraps `fn` so every call runs in one `BEGIN IMMEDIATE` transaction: the
   * write lock is taken up front, so two connections (or processes) on one
   * file serialize instead of both reading and then one failing to write.
   * A throw rolls the transaction back and propagates.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  /** Closes the connection. */
  close(): void;
}

/**
 * An open database handle from either binding: a `bun:sqlite` `Database` or a
 * `better-sqlite3` `Database`. Typed structurally so that neither binding's
 * types are needed to use the adapter.
 */
export interface SqliteDatabase {
  prepare(sql: string): unknown;
  exec(sql: string): unknown;
  transaction(fn: (...args: never[]) => unknown): unknown;
  close(...args: never[]): unknown;
}

interface RawStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
}

interface RawDatabase {
  prepare(sql: string): RawStatement;
  exec(sql: string): unknown;
  transaction<F extends (...args: never[]) => unknown>(fn: F): F & { immediate: F };
  close(): unknown;
}

/** True under Bun; decided at run time so one build serves both runtimes. */
export const isBun = (): boolean => typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/** Wraps binding errors (busy, I/O, corrupt file) as `BACKEND_UNAVAILABLE`, keeping the cause. */
function backendError(err: unknown): unknown {
  if (isKubentlyError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new KubentlyError("BACKEND_UNAVAILABLE", `sqlite: ${message}`, { cause: err });
}

function wrapStatement(raw: RawStatement): SqliteStatement {
  return {
    run(...params) {
      try {
        return { changes: Number(raw.run(...params).changes) };
      } catch (err) {
        throw backendError(err);
      }
    },
    get<T>(...params: SqlValue[]) {
      try {
        return (raw.get(...params) ?? null) as T | null;
      } catch (err) {
        throw backendError(err);
      }
    },
    all<T>(...params: SqlValue[]) {
      try {
        return raw.all(...params) as T[];
      } catch (err) {
        throw backendError(err);
      }
    },
  };
}

/** Adapts an open handle of either binding. */
export function wrapDatabase(database: SqliteDatabase): SqliteDriver {
  const raw = database as unknown as RawDatabase;
  // better-sqlite3 has `pragma()`; bun:sqlite has `query()` instead.
  const kind = typeof (database as { pragma?: unknown }).pragma === "function" ? "better-sqlite3" : "bun:sqlite";
  const statements = new Map<string, SqliteStatement>();
  return {
    kind,
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        try {
          statement = wrapStatement(raw.prepare(sql));
        } catch (err) {
          throw backendError(err);
        }
        statements.set(sql, statement);
      }
      return statement;
    },
    exec(sql) {
      try {
        raw.exec(sql);
      } catch (err) {
        throw backendError(err);
      }
    },
    transaction<A extends unknown[], R>(fn: (...args: A) => R) {
      const tx = raw.transaction(fn as (...args: never[]) => unknown);
      return (...args: A): R => {
        try {
          return (tx.immediate as unknown as (...a: A) => R)(...args);
        } catch (err) {
          throw backendError(err);
        }
      };
    },
    close() {
      statements.clear();
      raw.close();
    },
  };
}

// Kept out of literal import() calls so no bundler tries to resolve them at build time.
const BUN_SQLITE = "bun:sqlite";
const BETTER_SQLITE3 = "better-sqlite3";
const load = (specifier: string): Promise<Record<string, unknown>> => import(specifier);

/**
 * Opens (creating if needed) a database file with the runtime's binding:
 * `bun:sqlite` under Bun, `better-sqlite3` under Node. `":memory:"` opens a
 * private in-memory database.
 */
export async function openDatabase(filename: string): Promise<SqliteDatabase> {
  if (isBun()) {
    const { Database } = (await load(BUN_SQLITE)) as { Database: new (f: string, o: { create: boolean }) => SqliteDatabase };
    try {
      return new Database(filename, { create: true });
    } catch (err) {
      throw backendError(err);
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = await load(BETTER_SQLITE3);
  } catch (err) {
    throw new KubentlyError(
      "BACKEND_UNAVAILABLE",
      "the sqlite backend needs better-sqlite3 under Node: npm install better-sqlite3",
      { cause: err },
    );
  }
  const Database = (mod.default ?? mod) as new (f: string) => SqliteDatabase;
  try {
    return new Database(filename);
  } catch (err) {
    throw backendError(err);
  }
}
