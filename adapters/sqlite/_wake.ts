/**
 * How the SQLite backend's waits learn of writes. A write made by this
 * process wakes its waiters directly. A write by another connection on the
 * file cannot, so the backend runs {@link commitWatch} every `pollIntervalMs`
 * and, when another connection has committed, has the queue and the streams
 * re-check what someone here waits on ({@link TrackedWaiters.keys}).
 */
import { Waiters } from "../../lib/_utils.ts";
import type { SqliteDriver } from "./_driver.ts";

/** {@link Waiters} that also list the keys someone waits on: what a re-check after another connection's commit looks at. */
export class TrackedWaiters<T> extends Waiters<T> {
  private readonly waiting = new Map<string, number>();

  override wait(key: string, waitMs: number, signal?: AbortSignal): Promise<T | null> {
    this.waiting.set(key, (this.waiting.get(key) ?? 0) + 1);
    return super.wait(key, waitMs, signal).finally(() => {
      const n = this.waiting.get(key)! - 1;
      if (n > 0) this.waiting.set(key, n);
      else this.waiting.delete(key);
    });
  }

  /** The keys at least one wait is on. */
  keys(): IterableIterator<string> {
    return this.waiting.keys();
  }
}

/**
 * A check that answers true when another connection has committed to the
 * file since it last ran (or since this call): `PRAGMA data_version` moved.
 * Costs one pragma; this connection's own commits do not count.
 */
export function commitWatch(db: SqliteDriver): () => boolean {
  const read = () => Number(db.prepare("PRAGMA data_version").get<{ data_version: number }>()?.data_version ?? 0);
  let seen = read();
  return () => {
    const version = read();
    if (version === seen) return false;
    seen = version;
    return true;
  };
}
