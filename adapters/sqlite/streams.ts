/**
 * The SQLite OutputStreams. `kubently_streams` holds one row per command (its
 * next seq, byte total and expiry), `kubently_stream_chunks` one row per
 * chunk. An append checks the next seq and writes both in one `BEGIN
 * IMMEDIATE` transaction, so of two connections appending the same seq
 * exactly one stores it. A stream expires a result TTL after its last
 * append; the backend's periodic purge then deletes it.
 *
 * Wake-ups as in the queue: an append wakes this process's readers at once;
 * readers in another process on the file hear of it when that process's
 * `PRAGMA data_version` check runs {@link SqliteStreams.recheck}.
 */
import type { OutputChunk, OutputStreams } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import { streamGap } from "../memory/streams.ts";
import type { SqliteDriver } from "./_driver.ts";
import { TrackedWaiters } from "./_wake.ts";

const SQL = {
  head: `SELECT next_seq, bytes FROM kubently_streams WHERE command_id = ?`,
  insert: `INSERT INTO kubently_stream_chunks (command_id, seq, data) VALUES (?, ?, ?)`,
  advance: `INSERT INTO kubently_streams (command_id, next_seq, bytes, expires_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (command_id) DO UPDATE SET next_seq = excluded.next_seq, bytes = excluded.bytes, expires_at = excluded.expires_at`,
  read: `SELECT seq, data FROM kubently_stream_chunks WHERE command_id = ? AND seq >= ? ORDER BY seq LIMIT ?`,
  next: `SELECT next_seq FROM kubently_streams WHERE command_id = ?`,
  purgeChunks: `DELETE FROM kubently_stream_chunks WHERE command_id IN (SELECT command_id FROM kubently_streams WHERE expires_at <= ?)`,
  purgeStreams: `DELETE FROM kubently_streams WHERE expires_at <= ?`,
} as const;

/** What the backend drives besides the contract. */
export interface SqliteStreams extends OutputStreams {
  /** After another connection committed: wakes readers whose stream has moved on. */
  recheck(): void;
  /** Deletes streams whose last append is a result TTL ago. */
  purge(now: number): void;
  /** Ends every wait; later calls fail with `BACKEND_UNAVAILABLE`. */
  close(): void;
}

/** The SQLite OutputStreams; made by `sqliteBackend`. */
export function sqliteStreams(db: SqliteDriver, ttlMs: number): SqliteStreams {
  /** Keyed by command id; woken with the stream's next seq, so a reader further ahead waits on. */
  const waiters = new TrackedWaiters<number>();
  let closed = false;
  const open = () => {
    if (closed) throw new KubentlyError("BACKEND_UNAVAILABLE", "the sqlite backend is closed");
  };
  const append = db.transaction((commandId: string, chunk: OutputChunk, size: number) => {
    const head = db.prepare(SQL.head).get<{ next_seq: number; bytes: number }>(commandId);
    const next = head?.next_seq ?? 0;
    if (chunk.seq < next) return { appended: false, bytes: head?.bytes ?? 0 };
    if (chunk.seq > next) throw streamGap(commandId, chunk.seq, next);
    const bytes = (head?.bytes ?? 0) + size;
    db.prepare(SQL.insert).run(commandId, chunk.seq, chunk.data);
    db.prepare(SQL.advance).run(commandId, next + 1, bytes, Date.now() + ttlMs);
    return { appended: true, bytes };
  });
  const purge = db.transaction((now: number) => {
    db.prepare(SQL.purgeChunks).run(now);
    db.prepare(SQL.purgeStreams).run(now);
  });
  const chunks = (commandId: string, from: number, limit: number) =>
    db.prepare(SQL.read).all<OutputChunk>(commandId, from, Math.max(0, limit));

  return {
    async append(commandId, chunk) {
      open();
      const out = append(commandId, chunk, Buffer.byteLength(chunk.data));
      if (out.appended) waiters.notifyAll(commandId, chunk.seq + 1);
      return out;
    },
    async read(commandId, from, options = {}) {
      open();
      const limit = options.limit ?? 1000;
      const until = Date.now() + (options.waitMs ?? 0);
      for (;;) {
        // Read and wait in one tick: an append landing after the read still wakes this wait.
        const found = chunks(commandId, from, limit);
        const remaining = until - Date.now();
        if (found.length > 0 || remaining <= 0) return found;
        const next = await waiters.wait(commandId, remaining, options.signal);
        if (next === null || closed) return [];
        if (next > from) return chunks(commandId, from, limit);
      }
    },
    recheck() {
      if (closed) return;
      for (const commandId of waiters.keys()) {
        const row = db.prepare(SQL.next).get<{ next_seq: number }>(commandId);
        if (row) waiters.notifyAll(commandId, row.next_seq);
      }
    },
    purge(now) {
      if (!closed) purge(now);
    },
    close() {
      closed = true;
      waiters.clear();
    },
  };
}
