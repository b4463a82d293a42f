/**
 * The SQLite SessionStore, AuthStore and AuditLog. Plain columns for what is
 * queried, JSON for nested values; absent optional fields are stored as NULL
 * and read back as absent. Every multi-step write is one `BEGIN IMMEDIATE`
 * transaction.
 */
import { chainAuditEntry } from "../../lib/audit.ts";
import type { AuditLog, AuditQuery, AuthStore, CounterStore, SessionStore } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import type { AgentTokenRecord, ApiKeyRecord, AuditEntry, AuditInput, Cluster, Role, Session } from "../../lib/schemas.ts";
import type { SqlValue, SqliteDriver } from "./_driver.ts";

// --- sessions -----------------------------------------------------------------

interface SessionRow {
  id: string;
  cluster_id: string;
  created_by: string;
  created_at: number;
  last_activity_at: number;
  ttl_ms: number;
  status: Session["status"];
  correlation_id: string | null;
}

const SESSION_COLUMNS = "id, cluster_id, created_by, created_at, last_activity_at, ttl_ms, status, correlation_id";

function toSession(row: SessionRow): Session {
  const session: Session = {
    id: row.id,
    clusterId: row.cluster_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
    ttlMs: row.ttl_ms,
    status: row.status,
  };
  if (row.correlation_id !== null) session.correlationId = row.correlation_id;
  return session;
}

/** SQLite SessionStore; a session past `lastActivityAt + ttlMs` is absent to every read. */
export function sqliteSessions(db: SqliteDriver): SessionStore & { purge(now?: number): void } {
  const live = `expires_at > ?`;
  return {
    async create(s) {
      const { changes } = db
        .prepare(
          `INSERT INTO kubently_sessions (${SESSION_COLUMNS}, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        )
        .run(s.id, s.clusterId, s.createdBy, s.createdAt, s.lastActivityAt, s.ttlMs, s.status, s.correlationId ?? null, s.lastActivityAt + s.ttlMs);
      if (changes === 0) throw new KubentlyError("CONFLICT", `session ${s.id} already exists`);
    },
    async get(id) {
      const row = db.prepare(`SELECT ${SESSION_COLUMNS} FROM kubently_sessions WHERE id = ? AND ${live}`).get<SessionRow>(id, Date.now());
      return row && toSession(row);
    },
    async touch(id, now = Date.now()) {
      // SET expressions all read the old row, so both use the previous last_activity_at.
      const row = db
        .prepare(
          `UPDATE kubently_sessions SET last_activity_at = max(last_activity_at, ?), expires_at = max(last_activity_at, ?) + ttl_ms
           WHERE id = ? AND status = 'active' AND ${live} RETURNING ${SESSION_COLUMNS}`,
        )
        .get<SessionRow>(now, now, id, Date.now());
      return row && toSession(row);
    },
    async end(id) {
      return db.prepare(`UPDATE kubently_sessions SET status = 'ended' WHERE id = ? AND ${live}`).run(id, Date.now()).changes > 0;
    },
    async list(filter = {}) {
      const rows = filter.clusterId
        ? db
            .prepare(
              `SELECT ${SESSION_COLUMNS} FROM kubently_sessions WHERE cluster_id = ? AND status = 'active' AND ${live} ORDER BY created_at, rowid`,
            )
            .all<SessionRow>(filter.clusterId, Date.now())
        : db
            .prepare(`SELECT ${SESSION_COLUMNS} FROM kubently_sessions WHERE status = 'active' AND ${live} ORDER BY created_at, rowid`)
            .all<SessionRow>(Date.now());
      return rows.map(toSession);
    },
    async isClusterActive(clusterId) {
      return !!db
        .prepare(`SELECT 1 AS x FROM kubently_sessions WHERE cluster_id = ? AND status = 'active' AND ${live} LIMIT 1`)
        .get(clusterId, Date.now());
    },
    purge(now = Date.now()) {
      db.prepare(`DELETE FROM kubently_sessions WHERE expires_at <= ?`).run(now);
    },
  };
}

// --- auth ---------------------------------------------------------------------

interface ApiKeyRow {
  id: string;
  hash: string;
  name: string;
  role: Role;
  clusters: string | null;
  namespaces: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const KEY_COLUMNS = "id, hash, name, role, clusters, namespaces, created_at, last_used_at, revoked_at";

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  const key: ApiKeyRecord = { id: row.id, hash: row.hash, name: row.name, role: row.role, createdAt: row.created_at };
  if (row.clusters !== null) key.clusters = JSON.parse(row.clusters) as string[];
  if (row.namespaces !== null) key.namespaces = JSON.parse(row.namespaces) as string[];
  if (row.last_used_at !== null) key.lastUsedAt = row.last_used_at;
  if (row.revoked_at !== null) key.revokedAt = row.revoked_at;
  return key;
}

interface ClusterRow {
  id: string;
  created_at: number;
  last_seen_at: number | null;
  agent: string | null;
}

function toCluster(row: ClusterRow): Cluster {
  const cluster: Cluster = { id: row.id, createdAt: row.created_at };
  if (row.last_seen_at !== null) cluster.lastSeenAt = row.last_seen_at;
  if (row.agent !== null) cluster.agent = JSON.parse(row.agent) as Cluster["agent"];
  return cluster;
}

interface TokenRow {
  id: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
}

function toToken(row: TokenRow): AgentTokenRecord {
  const token: AgentTokenRecord = { id: row.id, hash: row.hash, createdAt: row.created_at };
  if (row.expires_at !== null) token.expiresAt = row.expires_at;
  return token;
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

/** SQLite AuthStore. */
/** Fixed-window counters: one row per key, reset when its window has passed. */
export function sqliteCounters(db: SqliteDriver): CounterStore & { purge(now: number): void } {
  const hit = db.transaction((key: string, resetAt: number): number => {
    db.prepare(
      `INSERT INTO kubently_counters (key, reset_at, count) VALUES (?, ?, 1)
       ON CONFLICT (key) DO UPDATE SET count = CASE WHEN reset_at = excluded.reset_at THEN count + 1 ELSE 1 END, reset_at = excluded.reset_at`,
    ).run(key, resetAt);
    return db.prepare(`SELECT count FROM kubently_counters WHERE key = ?`).get<{ count: number }>(key)!.count;
  });
  return {
    async hit(key, windowMs) {
      const resetAt = (Math.floor(Date.now() / windowMs) + 1) * windowMs;
      return { count: hit(`${key}\u0000${windowMs}`, resetAt), resetAt };
    },
    purge(now) {
      db.prepare(`DELETE FROM kubently_counters WHERE reset_at <= ?`).run(now);
    },
  };
}

export function sqliteAuth(db: SqliteDriver): AuthStore {
  const readTokens = (clusterId: string) =>
    db
      .prepare(`SELECT id, hash, created_at, expires_at FROM kubently_agent_tokens WHERE cluster_id = ? ORDER BY pos`)
      .all<TokenRow>(clusterId)
      .map(toToken);
  const writeTokens = db.transaction((clusterId: string, tokens: AgentTokenRecord[], ifNone: boolean): boolean => {
    if (ifNone && db.prepare(`SELECT 1 AS x FROM kubently_agent_tokens WHERE cluster_id = ? LIMIT 1`).get(clusterId)) return false;
    db.prepare(`DELETE FROM kubently_agent_tokens WHERE cluster_id = ?`).run(clusterId);
    const insert = db.prepare(`INSERT INTO kubently_agent_tokens (cluster_id, pos, id, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`);
    tokens.forEach((t, pos) => insert.run(clusterId, pos, t.id, t.hash, t.createdAt, t.expiresAt ?? null));
    return true;
  });
  const removeCluster = db.transaction((id: string): boolean => {
    db.prepare(`DELETE FROM kubently_agent_tokens WHERE cluster_id = ?`).run(id);
    return db.prepare(`DELETE FROM kubently_clusters WHERE id = ?`).run(id).changes > 0;
  });

  return {
    async createApiKey(k) {
      const { changes } = db
        .prepare(`INSERT INTO kubently_api_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
        .run(k.id, k.hash, k.name, k.role, json(k.clusters), json(k.namespaces), k.createdAt, k.lastUsedAt ?? null, k.revokedAt ?? null);
      if (changes === 0) throw new KubentlyError("CONFLICT", `API key ${k.id} already exists`);
    },
    async findApiKey(hash) {
      const row = db
        .prepare(`SELECT ${KEY_COLUMNS} FROM kubently_api_keys WHERE hash = ? AND revoked_at IS NULL ORDER BY rowid LIMIT 1`)
        .get<ApiKeyRow>(hash);
      return row && toApiKey(row);
    },
    async listApiKeys() {
      return db.prepare(`SELECT ${KEY_COLUMNS} FROM kubently_api_keys ORDER BY rowid`).all<ApiKeyRow>().map(toApiKey);
    },
    async revokeApiKey(id, at = Date.now()) {
      return db.prepare(`UPDATE kubently_api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`).run(at, id).changes > 0;
    },
    async touchApiKey(id, at) {
      db.prepare(`UPDATE kubently_api_keys SET last_used_at = ? WHERE id = ?`).run(at, id);
    },
    async registerCluster(c) {
      return (
        db
          .prepare(`INSERT INTO kubently_clusters (id, created_at, last_seen_at, agent) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
          .run(c.id, c.createdAt, c.lastSeenAt ?? null, json(c.agent)).changes > 0
      );
    },
    async getCluster(id) {
      const row = db.prepare(`SELECT id, created_at, last_seen_at, agent FROM kubently_clusters WHERE id = ?`).get<ClusterRow>(id);
      return row && toCluster(row);
    },
    async listClusters() {
      return db.prepare(`SELECT id, created_at, last_seen_at, agent FROM kubently_clusters ORDER BY id`).all<ClusterRow>().map(toCluster);
    },
    async listClustersSeen(from, to) {
      return db.prepare(`SELECT id, created_at, last_seen_at, agent FROM kubently_clusters WHERE last_seen_at >= ? AND last_seen_at < ?`).all<ClusterRow>(from, to).map(toCluster);
    },
    async updateCluster(id, patch) {
      return (
        db
          .prepare(`UPDATE kubently_clusters SET last_seen_at = coalesce(?, last_seen_at), agent = coalesce(?, agent) WHERE id = ?`)
          .run(patch.lastSeenAt ?? null, json(patch.agent), id).changes > 0
      );
    },
    async deleteCluster(id) {
      return removeCluster(id);
    },
    async getAgentTokens(clusterId) {
      return readTokens(clusterId);
    },
    async setAgentTokens(clusterId, tokens, options = {}) {
      return writeTokens(clusterId, tokens, options.ifNone === true);
    },
  };
}

// --- audit --------------------------------------------------------------------

interface AuditRow {
  seq: number;
  entry: string;
  prev_hash: string;
  hash: string;
}

const toEntry = (row: AuditRow): AuditEntry => ({
  ...(JSON.parse(row.entry) as AuditInput),
  seq: row.seq,
  prevHash: row.prev_hash,
  hash: row.hash,
});

/** How many entries `scan()` reads per statement. */
const SCAN_PAGE = 500;

/** The filters of {@link AuditQuery} that are equality tests, with their generated column. */
const AUDIT_EQUALS = [
  ["eventType", "event_type"],
  ["clusterId", "cluster_id"],
  ["sessionId", "session_id"],
  ["identity", "identity"],
  ["correlationId", "correlation_id"],
] as const;

/**
 * SQLite AuditLog. Appends are group-committed: those made while the event
 * loop is busy (concurrent requests) are written in call order in one
 * transaction that reads the chain end once, which more than halves the
 * cost of audit under load (each append still resolves with its own entry).
 * A read (`query`, `scan`) writes the waiting appends first.
 */
export function sqliteAudit(db: SqliteDriver): AuditLog & { flush(): void } {
  const appendAll = db.transaction((texts: string[]): AuditEntry[] => {
    let last: { seq: number; hash: string } | null = db.prepare(`SELECT seq, hash FROM kubently_audit ORDER BY seq DESC LIMIT 1`).get<{ seq: number; hash: string }>() ?? null;
    return texts.map((text) => {
      // Chained from the stored text, so the hash covers exactly what a later scan reads back.
      const entry = chainAuditEntry(last, JSON.parse(text) as AuditInput);
      db.prepare(`INSERT INTO kubently_audit (seq, entry, prev_hash, hash) VALUES (?, ?, ?, ?)`).run(entry.seq, text, entry.prevHash, entry.hash);
      last = entry;
      return entry;
    });
  });
  let batch: { text: string; resolve: (e: AuditEntry) => void; reject: (e: unknown) => void }[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    const now = batch;
    batch = [];
    try {
      appendAll(now.map((b) => b.text)).forEach((entry, i) => now[i]!.resolve(entry));
    } catch (e) {
      for (const b of now) b.reject(e);
    }
  };
  return {
    /** Writes the appends waiting for the next turn now (before the database closes). */
    flush,
    append(input) {
      return new Promise((resolve, reject) => {
        const text = JSON.stringify(input); // a value that cannot be stored fails its own append only
        if (batch.push({ text, resolve, reject }) === 1) setImmediate(flush);
      });
    },
    async query(q: AuditQuery = {}) {
      flush(); // an append made before this read is in what it reads
      const where: string[] = [];
      const params: SqlValue[] = [];
      for (const [field, column] of AUDIT_EQUALS) {
        if (q[field]) {
          where.push(`${column} = ?`);
          params.push(q[field]);
        }
      }
      if (q.since !== undefined) {
        where.push("at >= ?");
        params.push(q.since);
      }
      if (q.until !== undefined) {
        where.push("at <= ?");
        params.push(q.until);
      }
      params.push(q.limit ?? 100);
      // At most 2^7 shapes, each prepared once by the driver's cache.
      const sql = `SELECT seq, entry, prev_hash, hash FROM kubently_audit ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`;
      return db.prepare(sql).all<AuditRow>(...params).map(toEntry);
    },
    async read(options = {}) {
      flush(); // an append made before this read is in what it reads
      let from = Math.max(1, Math.floor(options.fromSeq ?? 1));
      if (options.since !== undefined) {
        // Forced onto the at index: without statistics the planner walks rowids from fromSeq and
        // extracts `at` from every entry's JSON (70 ms at 300k entries); the index answers a
        // recent since in well under a millisecond and the oldest in ~15 ms.
        const row = db.prepare(`SELECT min(seq) AS seq FROM kubently_audit INDEXED BY kubently_audit_at WHERE at >= ? AND seq >= ?`).get<{ seq: number | null }>(options.since, from);
        if (row?.seq == null) return [];
        from = row.seq;
      }
      return db
        .prepare(`SELECT seq, entry, prev_hash, hash FROM kubently_audit WHERE seq >= ? ORDER BY seq LIMIT ?`)
        .all<AuditRow>(from, Math.max(0, Math.floor(options.limit ?? 1000)))
        .map(toEntry);
    },
    async *scan() {
      flush();
      // Paged, so no statement stays open across the consumer's awaits.
      let after = 0;
      for (;;) {
        const rows = db
          .prepare(`SELECT seq, entry, prev_hash, hash FROM kubently_audit WHERE seq > ? ORDER BY seq LIMIT ?`)
          .all<AuditRow>(after, SCAN_PAGE);
        for (const row of rows) yield toEntry(row);
        if (rows.length < SCAN_PAGE) return;
        after = rows.at(-1)!.seq;
      }
    },
  };
}
