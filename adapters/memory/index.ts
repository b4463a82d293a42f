/**
 * The in-memory backend: zero dependencies, the default. State lives in this
 * process and is gone when it exits; one API process only.
 */
import { chainAuditEntry } from "../../lib/audit.ts";
import type { AuditLog, AuditQuery, AuthStore, Backend, BackendStoreStats, CounterStore, SessionStore } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import { LIMITS } from "../../lib/limits.ts";
import type { AgentTokenRecord, ApiKeyRecord, AuditEntry, AuditInput, Cluster, Session } from "../../lib/schemas.ts";
import { clone } from "../../lib/_utils.ts";
import { MemoryQueue } from "./queue.ts";
import { memoryStreams } from "./streams.ts";
import { memoryUsers } from "./users.ts";

export { memoryUsers } from "./users.ts";

/**
 * Options for {@link memoryBackend}. Every store is bounded in entries and in
 * bytes (counted as the length of the stored JSON text): past a bound the
 * oldest entries are dropped first, and the drops are counted in
 * `stats().dropped` (`kubently_backend_dropped_total` at `/metrics`).
 */
export interface MemoryBackendOptions {
  /** How long results stay readable after they land. @default 900000 (15 minutes) */
  resultTtlMs?: number;
  /** Results (with their commands) kept at most; past it the oldest result is dropped before its TTL. @default 20000 */
  maxResults?: number;
  /** Bytes of results (with their commands) kept at most, oldest dropped first. @default 67108864 (64 MiB) */
  maxResultBytes?: number;
  /** Commands waiting for or held by an agent at most; past it `push` is refused with `BACKEND_UNAVAILABLE`. @default 50000 */
  maxQueuedCommands?: number;
  /** Audit entries kept at most: the log keeps a window of its newest entries (`audit.windowed`). @default 50000 */
  maxAuditEntries?: number;
  /** Bytes of audit entries kept at most, oldest dropped first. @default 33554432 (32 MiB) */
  maxAuditBytes?: number;
  /** Sessions kept at most, expired ones first, then the oldest created (even if still active). @default 10000 */
  maxSessions?: number;
  /** Output streams kept at most, the least recently appended dropped first. @default 1000 */
  maxStreams?: number;
  /** Bytes of streamed output kept at most over all streams, the least recently appended stream dropped first. @default 67108864 (64 MiB) */
  maxStreamBytes?: number;
  /** Rate-limit windows kept at most, ended ones first, then the one that started longest ago. @default 100000 */
  maxCounterWindows?: number;
}

import type { MemoryStoreStats } from "./_stats.ts";

export type { MemoryStoreStats };

/** How often (at most) a store walks all its entries for expired ones; between walks it looks at the oldest only. */
const FULL_SWEEP_MS = 60_000;

const alive = (s: Session, now: number) => s.lastActivityAt + s.ttlMs > now;

/**
 * In-memory SessionStore, bounded by `maxSessions`. Expired sessions go when
 * read, on a walk at most every minute, and (the oldest few) on every create;
 * past the bound the oldest created session is dropped, active or not.
 */
export function memorySessions(options: { maxSessions?: number } = {}): SessionStore & { stats(): MemoryStoreStats } {
  const max = Math.max(1, options.maxSessions ?? LIMITS.memoryMaxSessions);
  const sessions = new Map<string, Session>();
  let dropped = 0;
  let sweptAt = Date.now();
  /** Drops expired sessions: all of them on a full walk, else the oldest created until a live one. */
  const sweep = (now: number, full: boolean) => {
    for (const [id, s] of sessions) {
      if (!alive(s, now)) sessions.delete(id);
      else if (!full) return;
    }
  };
  const live = (id: string): Session | null => {
    const s = sessions.get(id);
    if (!s) return null;
    if (!alive(s, Date.now())) {
      sessions.delete(id);
      return null;
    }
    return s;
  };
  const active = () => [...sessions.keys()].map(live).filter((s): s is Session => s?.status === "active");
  return {
    async create(session) {
      if (sessions.has(session.id)) throw new KubentlyError("CONFLICT", `session ${session.id} already exists`);
      const now = Date.now();
      // At the bound, expired sessions go before a live one is dropped (walked at most once a second).
      const full = now - sweptAt >= FULL_SWEEP_MS || (sessions.size >= max && now - sweptAt >= 1_000);
      if (full) sweptAt = now;
      sweep(now, full);
      sessions.set(session.id, clone(session));
      for (const id of sessions.keys()) {
        if (sessions.size <= max) break;
        sessions.delete(id);
        dropped++;
      }
    },
    async get(id) {
      const s = live(id);
      return s && clone(s);
    },
    async touch(id, now = Date.now()) {
      const s = live(id);
      if (!s || s.status !== "active") return null;
      s.lastActivityAt = Math.max(s.lastActivityAt, now);
      return clone(s);
    },
    async end(id) {
      const s = live(id);
      if (!s) return false;
      s.status = "ended";
      return true;
    },
    async list(filter = {}) {
      return active()
        .filter((s) => !filter.clusterId || s.clusterId === filter.clusterId)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map(clone);
    },
    async isClusterActive(clusterId) {
      return active().some((s) => s.clusterId === clusterId);
    },
    stats: () => ({ count: sessions.size, dropped }),
  };
}

/** In-memory AuthStore. */
export function memoryAuth(): AuthStore {
  const keys = new Map<string, ApiKeyRecord>();
  const clusters = new Map<string, Cluster>();
  const tokens = new Map<string, AgentTokenRecord[]>();
  return {
    async createApiKey(record) {
      if (keys.has(record.id)) throw new KubentlyError("CONFLICT", `API key ${record.id} already exists`);
      keys.set(record.id, clone(record));
    },
    async findApiKey(hash) {
      for (const k of keys.values()) if (k.hash === hash && !k.revokedAt) return clone(k);
      return null;
    },
    async listApiKeys() {
      return [...keys.values()].map(clone);
    },
    async revokeApiKey(id, at = Date.now()) {
      const k = keys.get(id);
      if (!k) return false;
      k.revokedAt ??= at;
      return true;
    },
    async touchApiKey(id, at) {
      const k = keys.get(id);
      if (k) k.lastUsedAt = at;
    },
    async registerCluster(cluster) {
      if (clusters.has(cluster.id)) return false;
      clusters.set(cluster.id, clone(cluster));
      return true;
    },
    async getCluster(id) {
      const c = clusters.get(id);
      return c ? clone(c) : null;
    },
    async listClusters() {
      return [...clusters.values()].sort((a, b) => a.id.localeCompare(b.id)).map(clone);
    },
    async listClustersSeen(from, to) {
      return [...clusters.values()].filter((c) => c.lastSeenAt !== undefined && c.lastSeenAt >= from && c.lastSeenAt < to).map(clone);
    },
    async updateCluster(id, patch) {
      const c = clusters.get(id);
      if (!c) return false;
      if (patch.lastSeenAt !== undefined) c.lastSeenAt = patch.lastSeenAt;
      if (patch.agent !== undefined) c.agent = clone(patch.agent);
      return true;
    },
    async deleteCluster(id) {
      tokens.delete(id);
      return clusters.delete(id);
    },
    async getAgentTokens(clusterId) {
      return (tokens.get(clusterId) ?? []).map(clone);
    },
    async setAgentTokens(clusterId, records, options = {}) {
      if (options.ifNone && (tokens.get(clusterId)?.length ?? 0) > 0) return false;
      tokens.set(clusterId, records.map(clone));
      return true;
    },
  };
}

/** Keeps entries matching an audit query, newest first. Shared by adapters that filter in JS; `start` skips the entries before it. */
export function filterAudit(entries: readonly AuditEntry[], q: AuditQuery = {}, start = 0): AuditEntry[] {
  const out: AuditEntry[] = [];
  const limit = q.limit ?? 100;
  for (let i = entries.length - 1; i >= start && out.length < limit; i--) {
    const e = entries[i]!;
    if (q.eventType && e.eventType !== q.eventType) continue;
    if (q.clusterId && e.clusterId !== q.clusterId) continue;
    if (q.sessionId && e.sessionId !== q.sessionId) continue;
    if (q.identity && e.identity !== q.identity) continue;
    if (q.correlationId && e.correlationId !== q.correlationId) continue;
    if (q.since !== undefined && e.at < q.since) continue;
    if (q.until !== undefined && e.at > q.until) continue;
    out.push(clone(e));
  }
  return out;
}

/** Bytes an audit entry adds to its input's JSON: seq, two hashes and their keys. */
const AUDIT_ENTRY_OVERHEAD = 180;

/**
 * In-memory AuditLog keeping a window of its newest entries: past
 * `maxEntries` or `maxBytes` the oldest are dropped (and counted). The chain
 * goes on unbroken; a check of it starts at the first kept entry, whose
 * `prevHash` is then taken on trust (`verifyAuditChain` answers `partial`).
 * `entries` (the kept entries, oldest first, as stored) is exposed for tamper
 * tests only.
 */
export function memoryAudit(options: { maxEntries?: number; maxBytes?: number } = {}): AuditLog & {
  readonly entries: AuditEntry[];
  stats(): MemoryStoreStats;
} {
  const maxEntries = Math.max(1, options.maxEntries ?? LIMITS.memoryMaxAuditEntries);
  const maxBytes = options.maxBytes ?? LIMITS.memoryMaxAuditBytes;
  // entries[head..] are kept; the dropped prefix is cut off once it is half the array (amortized O(1)).
  let entries: AuditEntry[] = [];
  let head = 0;
  const sizes = new WeakMap<AuditEntry, number>();
  let bytes = 0;
  let dropped = 0;
  let last: AuditEntry | null = null;
  const compact = () => {
    if (head === 0) return;
    entries = entries.slice(head);
    head = 0;
  };
  /** Index of the first kept entry with seq >= `seq` (entries are in seq order). */
  const indexOf = (seq: number) => {
    let lo = head;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (entries[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const read = (fromSeq = 1, since: number | undefined, limit: number): AuditEntry[] => {
    let i = indexOf(fromSeq);
    if (since !== undefined) while (i < entries.length && entries[i]!.at < since) i++;
    return entries.slice(i, i + Math.max(0, limit)).map(clone);
  };
  return {
    windowed: true,
    get entries() {
      compact();
      return entries;
    },
    async append(input: AuditInput) {
      const text = JSON.stringify(input);
      const entry = chainAuditEntry(last, JSON.parse(text) as AuditInput);
      last = entry;
      const size = text.length + AUDIT_ENTRY_OVERHEAD;
      entries.push(entry);
      sizes.set(entry, size);
      bytes += size;
      while (entries.length - head > maxEntries || (bytes > maxBytes && entries.length - head > 1)) {
        const old = entries[head]!;
        bytes -= sizes.get(old) ?? 0;
        entries[head++] = undefined as unknown as AuditEntry;
        dropped++;
      }
      if (head > 1024 && head * 2 > entries.length) compact();
      return clone(entry);
    },
    async query(filter) {
      return filterAudit(entries, filter, head);
    },
    async read(options = {}) {
      return read(options.fromSeq, options.since, options.limit ?? 1000);
    },
    async *scan() {
      for (let page = read(1, undefined, 1000); page.length; page = read(page.at(-1)!.seq + 1, undefined, 1000)) yield* page;
    },
    stats: () => ({ count: entries.length - head, bytes, dropped }),
  };
}

/**
 * In-memory fixed-window counters, bounded by `maxWindows`: ended windows are
 * dropped as they are passed and on a walk at most every minute; past the
 * bound the key whose window started longest ago goes (its caller starts a
 * fresh window).
 */
export function memoryCounters(options: { maxWindows?: number } = {}): CounterStore & { stats(): MemoryStoreStats } {
  const max = Math.max(1, options.maxWindows ?? LIMITS.memoryMaxCounterWindows);
  const windows = new Map<string, { count: number; resetAt: number }>();
  let dropped = 0;
  let sweptAt = Date.now();
  return {
    async hit(key, windowMs) {
      const now = Date.now();
      const resetAt = (Math.floor(now / windowMs) + 1) * windowMs;
      const k = `${key}\u0000${windowMs}`;
      const w = windows.get(k);
      const same = w !== undefined && w.resetAt === resetAt;
      const next = same ? { count: w.count + 1, resetAt } : { count: 1, resetAt };
      // A new window moves its key to the end, so the map stays in order of window start.
      if (!same) windows.delete(k);
      windows.set(k, next);
      if (windows.size > max || now - sweptAt >= FULL_SWEEP_MS) {
        // Ended windows first (walked at most once a second at the bound), then the oldest keys.
        if (now - sweptAt >= 1_000) {
          sweptAt = now;
          for (const [id, v] of windows) if (v.resetAt <= now) windows.delete(id);
        }
        for (const id of windows.keys()) {
          if (windows.size <= max) break;
          if (id === k) continue;
          windows.delete(id);
          dropped++;
        }
      }
      return { ...next };
    },
    stats: () => ({ count: windows.size, dropped }),
  };
}

/** Creates the in-memory backend bundle, every store bounded (see {@link MemoryBackendOptions}). */
export function memoryBackend(options: MemoryBackendOptions = {}): Backend {
  const resultTtlMs = options.resultTtlMs ?? 900_000;
  const queue = new MemoryQueue(resultTtlMs, {
    maxResults: Math.max(1, options.maxResults ?? LIMITS.memoryMaxResults),
    maxResultBytes: options.maxResultBytes ?? LIMITS.memoryMaxResultBytes,
    maxQueued: options.maxQueuedCommands ?? LIMITS.memoryMaxQueuedCommands,
  });
  const streams = memoryStreams(resultTtlMs, {
    maxStreams: options.maxStreams ?? LIMITS.memoryMaxStreams,
    maxBytes: options.maxStreamBytes ?? LIMITS.memoryMaxStreamBytes,
  });
  const sessions = memorySessions({ maxSessions: options.maxSessions });
  const audit = memoryAudit({ maxEntries: options.maxAuditEntries, maxBytes: options.maxAuditBytes });
  const counters = memoryCounters({ maxWindows: options.maxCounterWindows });
  const stores = () => ({
    ...queue.stats(),
    audit: audit.stats(),
    sessions: sessions.stats(),
    streams: streams.stats(),
    counters: counters.stats(),
  });
  return {
    name: "memory",
    capabilities: { durable: false, shared: false },
    sessions,
    queue,
    auth: memoryAuth(),
    audit,
    counters,
    streams,
    users: memoryUsers(),
    stats() {
      const dropped: Record<string, number> = {};
      const kept: Record<string, BackendStoreStats> = {};
      for (const [store, { dropped: n, ...held }] of Object.entries(stores())) {
        dropped[store] = n;
        kept[store] = held;
      }
      return { dropped, kept };
    },
    async ping() {
      return true;
    },
    async close() {
      queue.close();
      streams.close();
    },
  };
}
