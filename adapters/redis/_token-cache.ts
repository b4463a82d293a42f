/**
 * The agent tokens one replica keeps per cluster, so an agent's poll (every
 * 25 s, across a fleet most of the API's idle work) costs no Redis read for
 * them (docs/replicas.md, "Fleet scale").
 *
 * Safe because every change is announced: the scripts that set or delete a
 * cluster's tokens publish `t:<cluster>` on the backend's channel in the
 * same step, and each replica drops its copy when the message comes (the
 * replica that wrote drops its own at once). Around that:
 * - copies are kept only while the subscriber is connected: when it drops,
 *   everything goes and nothing is kept until it has subscribed again (a
 *   message missed meanwhile would leave a revoked token accepted);
 * - a read that a change overtook (a message came while it was in flight) is
 *   used for the call that made it but not kept;
 * - copies expire after `ttlMs`, a backstop for a writer that does not
 *   announce (an older version on the same Redis);
 * - only clusters with tokens are kept, so the cluster ids callers send
 *   cannot grow it past the fleet.
 */
import type { AgentTokenRecord } from "../../lib/schemas.ts";

/** How long a copy is used at most (ms). */
export const TOKEN_CACHE_MS = 60_000;

export class AgentTokenCache {
  private readonly copies = new Map<string, { records: AgentTokenRecord[]; at: number }>();
  /** Bumped by every change and every loss: a read that started under an older one is not kept. */
  private version = 0;
  private live = true;

  constructor(private readonly ttlMs: number = TOKEN_CACHE_MS) {}

  /** The kept copy, or undefined (then read Redis, with {@link stamp} before and {@link keep} after). */
  get(clusterId: string, now = Date.now()): AgentTokenRecord[] | undefined {
    const copy = this.copies.get(clusterId);
    if (!copy) return undefined;
    if (now - copy.at < this.ttlMs) return copy.records;
    this.copies.delete(clusterId);
    return undefined;
  }

  /** Taken before a read of Redis. */
  stamp(): number {
    return this.version;
  }

  /** Keeps what a read returned, unless a change or a loss came since its stamp, or the cluster has no token. */
  keep(clusterId: string, stamp: number, records: AgentTokenRecord[], now = Date.now()): void {
    if (this.live && stamp === this.version && records.length > 0) this.copies.set(clusterId, { records, at: now });
  }

  /** The cluster's tokens changed (a `t:` message, or this replica's own write). */
  changed(clusterId: string): void {
    this.version++;
    this.copies.delete(clusterId);
  }

  /** The subscriber's connection dropped: messages may be missed until it is back. */
  lost(): void {
    this.version++;
    this.live = false;
    this.copies.clear();
  }

  /** Subscribed again: every message from here on arrives. */
  resubscribed(): void {
    this.version++;
    this.live = true;
    this.copies.clear();
  }

  /** Copies kept now (for tests and metrics). */
  get size(): number {
    return this.copies.size;
  }
}
