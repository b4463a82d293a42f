import { createHash, randomBytes, randomUUID } from "node:crypto";

/** A new random id (UUID v4). */
export const newId = (): string => randomUUID();

/** A new high-entropy secret (API key, agent token), url-safe. */
export const newSecret = (prefix: string): string => `${prefix}_${randomBytes(24).toString("base64url")}`;

/** sha256 hex of a secret; secrets are high-entropy so a fast hash is enough. */
export const hashSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");

/**
 * Resolves after `ms`, or rejects with the signal's reason when aborted.
 * The timer is unref'd so a pending wait never keeps a process alive.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    (timer as { unref?: () => void }).unref?.();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A set of one-shot waiters keyed by string. `wait(key, ms, signal)` resolves
 * with the value passed to `notify(key, value)`, or with `null` when the wait
 * ends or the signal aborts. This is what makes long polls and awaitResult
 * answer the instant something lands, with no sleep loop.
 */
export class Waiters<T> {
  private readonly map = new Map<string, Set<(value: T | null) => void>>();

  wait(key: string, waitMs: number, signal?: AbortSignal): Promise<T | null> {
    if (signal?.aborted || waitMs <= 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      let set = this.map.get(key);
      if (!set) this.map.set(key, (set = new Set()));
      const done = (value: T | null) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        set!.delete(done);
        if (set!.size === 0 && this.map.get(key) === set) this.map.delete(key);
        resolve(value);
      };
      const onAbort = () => done(null);
      // setTimeout overflows past 2^31-1 ms and would fire at once.
      const timer = setTimeout(() => done(null), Math.min(waitMs, 2 ** 31 - 1));
      (timer as { unref?: () => void }).unref?.();
      signal?.addEventListener("abort", onAbort, { once: true });
      set.add(done);
    });
  }

  /** Wakes every waiter on `key`. */
  notifyAll(key: string, value: T): void {
    const set = this.map.get(key);
    if (!set) return;
    for (const done of [...set]) done(value);
  }

  /** Wakes the longest-waiting waiter on `key`; false when nobody waits. */
  notifyOne(key: string, value: T): boolean {
    const set = this.map.get(key);
    const first = set?.values().next().value;
    if (!first) return false;
    first(value);
    return true;
  }

  /** Number of waiters on `key`. */
  count(key: string): number {
    return this.map.get(key)?.size ?? 0;
  }

  /** Ends every wait with `null`. */
  clear(): void {
    for (const set of this.map.values()) for (const done of [...set]) done(null);
    this.map.clear();
  }
}

/**
 * A deep copy, so stores never share mutable objects with callers. Stored
 * values are JSON data by contract (valibot schemas), and a JSON round trip
 * is about 3x cheaper than structuredClone on this hot path.
 */
export const clone = <T>(value: T): T => (value === undefined ? value : JSON.parse(JSON.stringify(value)));

/** `p`, or a rejection with `message` after `ms` (the timer is unref'd and cleared either way). */
export function withDeadline<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    (timer as { unref?: () => void }).unref?.();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * `p`, or the signal's reason as soon as it aborts (`p` goes on for whoever
 * else waits on it; its own later failure is then handled here, never left
 * unhandled).
 */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const done = () => signal.removeEventListener("abort", onAbort);
    p.then(
      (v) => (done(), resolve(v)),
      (e) => (done(), reject(e)),
    );
  });
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, in order of
 * start; resolves when all are done. The first failure rejects (calls
 * already started finish on their own; no new one starts).
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
