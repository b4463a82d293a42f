/**
 * The in-memory backend: zero dependencies, the default. State lives in this
 * process and is gone when it exits; one API process only.
 */
import { chainAuditEntry } from "../../lib/audit.ts";
import type { AuditLog, AuditQuery, AuthStore, Backend, CounterStore, SessionStore } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import type { AgentTokenRecord, ApiKeyRecord, AuditEntry, AuditInput, Cluster, Session } from "../../lib/schemas.ts";
import { clone } from "../../lib/_utils.ts";
import { MemoryQueue } from "./queue.ts";
import { memoryStreams } from "./streams.ts";

/** Options for {@link memoryBackend}. */
export interface MemoryBackendOptions {
  /** How long results stay readable after they land. @default 900000 (15 minutes) */
  resultTtlMs?: number;
}

const alive = (s: Session, now: number) => s.lastActivityAt + s.ttlMs > now;

/** In-memory SessionStore. */
export function memorySessions(): SessionStore {
  const sessions = new Map<string, Session>();
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
      sessions.set(session.id, clone(session));
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

/** Keeps entries matching an audit query, newest first. Shared by adapters that filter in JS. */
export function filterAudit(entries: readonly AuditEntry[], q: AuditQuery = {}): AuditEntry[] {
  const out: AuditEntry[] = [];
  const limit = q.limit ?? 100;
  for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
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

/** In-memory AuditLog. `entries` is exposed for tamper tests only. */
export function memoryAudit(): AuditLog & { readonly entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    async append(input: AuditInput) {
      const entry = chainAuditEntry(entries.at(-1) ?? null, clone(input));
      entries.push(entry);
      return clone(entry);
    },
    async query(filter) {
      return filterAudit(entries, filter);
    },
    async *scan() {
      for (const e of [...entries]) yield clone(e);
    },
  };
}

/** In-memory fixed-window counters; expired windows are dropped as they are passed. */
export function memoryCounters(): CounterStore {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    async hit(key, windowMs) {
      const now = Date.now();
      const resetAt = (Math.floor(now / windowMs) + 1) * windowMs;
      const k = `${key}\u0000${windowMs}`;
      const w = windows.get(k);
      const next = w && w.resetAt === resetAt ? { count: w.count + 1, resetAt } : { count: 1, resetAt };
      windows.set(k, next);
      if (windows.size > 10_000) for (const [id, v] of windows) if (v.resetAt <= now) windows.delete(id);
      return { ...next };
    },
  };
}

/** Creates the in-memory backend bundle. */
export function memoryBackend(options: MemoryBackendOptions = {}): Backend {
  const queue = new MemoryQueue(options.resultTtlMs ?? 900_000);
  const streams = memoryStreams(options.resultTtlMs ?? 900_000);
  return {
    name: "memory",
    capabilities: { durable: false, shared: false },
    sessions: memorySessions(),
    queue,
    auth: memoryAuth(),
    audit: memoryAudit(),
    counters: memoryCounters(),
    streams,
    async ping() {
      return true;
    },
    async close() {
      queue.close();
      streams.close();
    },
  };
}
