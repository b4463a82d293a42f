/**
 * A Map with a size cap and an idle TTL, for the A2A server's in-memory
 * state (tasks, per-context sessions). Entries expire `ttlMs` after their
 * last write; when the cap is reached the least recently written entry is
 * dropped. Expiry is lazy (checked on read, swept at most once a minute on
 * write), so there is no timer to stop.
 */
export class BoundedMap<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();
  readonly #max: number;
  readonly #ttlMs: number;
  #nextSweep = 0;

  constructor(options: { max: number; ttlMs: number }) {
    if (!(options.max >= 1) || !(options.ttlMs > 0)) throw new RangeError("BoundedMap needs max >= 1 and ttlMs > 0");
    this.#max = Math.floor(options.max);
    this.#ttlMs = options.ttlMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value, or undefined when absent or expired. */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value`, making it the most recently written entry. */
  set(key: K, value: V): void {
    const now = Date.now();
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: now + this.#ttlMs });
    if (now >= this.#nextSweep) {
      this.#nextSweep = now + 60_000;
      for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(k);
    }
    // Insertion order is write order, so the first keys are the least recently written.
    for (const k of this.#entries.keys()) {
      if (this.#entries.size <= this.#max) break;
      this.#entries.delete(k);
    }
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  /** Live entries, least recently written first. */
  *entries(): IterableIterator<[K, V]> {
    const now = Date.now();
    for (const [k, e] of this.#entries) if (e.expiresAt > now) yield [k, e.value];
  }

  clear(): void {
    this.#entries.clear();
  }
}
