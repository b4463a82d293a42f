/**
 * Sessions, auth and audit on plain Redis commands and the Lua scripts in
 * `_lua.ts`. Records are hashes whose field values are JSON, so optional
 * fields stay absent and single fields (a touch, a revocation) change
 * atomically without rewriting the record.
 */
import { chainAuditEntry } from "../../lib/audit.ts";
import type { AuditLog, AuthStore, CounterStore, SessionStore } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import type { AgentTokenRecord, ApiKeyRecord, AuditEntry, AuditInput, Cluster, Session } from "../../lib/schemas.ts";
import { filterAudit } from "../memory/index.ts";
import { backendError, guarded, type Runtime, type RuntimeSource } from "./_runtime.ts";

/** Flattens a record into HSET arguments: field, JSON value; undefined fields are left out. */
export function toFields(record: object): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out.push(k, JSON.stringify(v));
  return out;
}

/** The record a hash stores (from HGETALL as an object, or a script's flat reply); null when empty. */
export function fromFields<T>(hash: Record<string, string> | string[] | null | undefined): T | null {
  if (!hash) return null;
  const out: Record<string, unknown> = {};
  if (Array.isArray(hash)) {
    for (let i = 0; i + 1 < hash.length; i += 2) out[hash[i]!] = JSON.parse(hash[i + 1]!);
  } else {
    for (const [k, v] of Object.entries(hash)) out[k] = JSON.parse(v);
  }
  return Object.keys(out).length ? (out as T) : null;
}

const alive = (s: Session, now: number) => s.lastActivityAt + s.ttlMs > now;

/** Index members a session create samples for expired sessions, per index. */
const SESSION_PRUNE_SAMPLE = 4;

/**
 * SessionStore: one hash per session expiring with it, plus createdAt-ordered
 * indexes. An index member outlives its hash (Redis expires the hash, not the
 * member): `list` drops those it meets, and every create samples a few random
 * members of both indexes it touches and drops the expired ones, so an index
 * that is never listed still stays within a small multiple of the live
 * sessions (with 4 samples per create, about 4/3 of them).
 */
export function redisSessions(rt: RuntimeSource): SessionStore {
  const key = (r: Runtime, id: string) => `${r.prefix}:sess:${id}`;
  const all = (r: Runtime) => `${r.prefix}:sessions`;
  const byCluster = (r: Runtime, clusterId: string) => `${r.prefix}:sessions:${clusterId}`;

  /** Best effort: drops sampled index members whose session hash has expired. */
  async function prune(r: Runtime, indexes: string[]): Promise<void> {
    try {
      const sampled = await Promise.all(indexes.map((index) => r.redis.zrandmember(index, SESSION_PRUNE_SAMPLE)));
      const pipeline = r.redis.pipeline();
      const members = sampled.flatMap((ids, i) => (ids ?? []).map((id) => ({ index: indexes[i]!, id })));
      if (!members.length) return;
      for (const m of members) pipeline.exists(key(r, m.id));
      const replies = (await pipeline.exec()) ?? [];
      const gone = members.filter((_, i) => replies[i]?.[1] === 0);
      for (const index of indexes) {
        const ids = gone.filter((m) => m.index === index).map((m) => m.id);
        if (ids.length) await r.redis.zrem(index, ...ids);
      }
    } catch {
      // Housekeeping only (ZRANDMEMBER needs Redis 6.2): `list` prunes what it reads anyway.
    }
  }

  async function list(clusterId?: string): Promise<Session[]> {
    const r = await rt();
    const index = clusterId ? byCluster(r, clusterId) : all(r);
    const ids = await r.redis.zrange(index, "0", "-1");
    if (!ids.length) return [];
    const pipeline = r.redis.pipeline();
    for (const id of ids) pipeline.hgetall(key(r, id));
    const replies = (await pipeline.exec()) ?? [];
    const now = Date.now();
    const out: Session[] = [];
    const gone: string[] = [];
    replies.forEach(([err, hash], i) => {
      if (err) throw err;
      const s = fromFields<Session>(hash as Record<string, string>);
      if (!s) gone.push(ids[i]!);
      else if (s.status === "active" && alive(s, now)) out.push(s);
    });
    if (gone.length) await r.redis.zrem(index, ...gone);
    return out;
  }

  return {
    create: (session) =>
      guarded(async () => {
        const r = await rt();
        const left = session.lastActivityAt + session.ttlMs - Date.now();
        const px = left > 0 ? Math.ceil(left) : 0;
        const created = await r.run("sessionCreate", [key(r, session.id), all(r), byCluster(r, session.clusterId)], [session.id, session.createdAt, px, ...toFields(session)]);
        if (created === 0) throw new KubentlyError("CONFLICT", `session ${session.id} already exists`);
        await prune(r, [all(r), byCluster(r, session.clusterId)]);
      }),
    get: (id) =>
      guarded(async () => {
        const r = await rt();
        const s = fromFields<Session>(await r.redis.hgetall(key(r, id)));
        return s && alive(s, Date.now()) ? s : null;
      }),
    touch: (id, now = Date.now()) =>
      guarded(async () => {
        const r = await rt();
        return fromFields<Session>(await r.run<string[] | null>("sessionTouch", [key(r, id)], [now, Date.now()]));
      }),
    end: (id) =>
      guarded(async () => {
        const r = await rt();
        return (await r.run("sessionEnd", [key(r, id)], [Date.now()])) === 1;
      }),
    list: (filter = {}) => guarded(() => list(filter.clusterId)),
    isClusterActive: (clusterId) => guarded(async () => (await list(clusterId)).length > 0),
  };
}

/** AuthStore: API keys indexed by hash, clusters in a set, each cluster's agent tokens as one JSON value. */
export function redisAuth(rt: RuntimeSource): AuthStore {
  const apiKey = (r: Runtime, id: string) => `${r.prefix}:key:${id}`;
  const byHash = (r: Runtime, hash: string) => `${r.prefix}:key-hash:${hash}`;
  const apiKeys = (r: Runtime) => `${r.prefix}:keys`;
  const cluster = (r: Runtime, id: string) => `${r.prefix}:cluster:${id}`;
  const clusters = (r: Runtime) => `${r.prefix}:clusters`;
  /**
   * Every cluster by its lastSeenAt, so the agent watch reads only the
   * clusters that just went stale. A poll's refresh moves only the score
   * (`clusterSeen`): a member's score is its lastSeenAt, whatever the hash says.
   */
  const seen = (r: Runtime) => `${r.prefix}:seen`;
  const tokens = (r: Runtime, id: string) => `${r.prefix}:tokens:${id}`;

  /** HGETALL of many hashes in one round trip, decoded; missing ones left out. */
  async function readAll<T>(r: Runtime, keys: string[]): Promise<T[]> {
    if (!keys.length) return [];
    const pipeline = r.redis.pipeline();
    for (const k of keys) pipeline.hgetall(k);
    const out: T[] = [];
    for (const [err, hash] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      const record = fromFields<T>(hash as Record<string, string>);
      if (record) out.push(record);
    }
    return out;
  }

  /** The clusters (in the order of `ids`, missing ones left out) in one round trip: each hash with its last-seen score. */
  async function readClusters(r: Runtime, ids: string[]): Promise<Cluster[]> {
    if (!ids.length) return [];
    const pipeline = r.redis.pipeline();
    for (const id of ids) pipeline.hgetall(cluster(r, id)).zscore(seen(r), id);
    const replies = (await pipeline.exec()) ?? [];
    const out: Cluster[] = [];
    for (let i = 0; i + 1 < replies.length; i += 2) {
      const [err, hash] = replies[i]!;
      const [scoreErr, score] = replies[i + 1]!;
      if (err ?? scoreErr) throw err ?? scoreErr;
      const record = fromFields<Cluster>(hash as Record<string, string>);
      if (record) out.push(score === null ? record : { ...record, lastSeenAt: Number(score) });
    }
    return out;
  }

  return {
    createApiKey: (record) =>
      guarded(async () => {
        const r = await rt();
        const created = await r.run("keyCreate", [apiKey(r, record.id), byHash(r, record.hash), apiKeys(r)], [record.id, ...toFields(record)]);
        if (created === 0) throw new KubentlyError("CONFLICT", `API key ${record.id} already exists`);
      }),
    findApiKey: (hash) =>
      guarded(async () => {
        const r = await rt();
        const k = fromFields<ApiKeyRecord>(await r.run<string[] | null>("keyFind", [byHash(r, hash)], [`${r.prefix}:key:`]));
        return k && k.hash === hash && k.revokedAt === undefined ? k : null;
      }),
    listApiKeys: () =>
      guarded(async () => {
        const r = await rt();
        const ids = await r.redis.smembers(apiKeys(r));
        return readAll<ApiKeyRecord>(r, ids.map((id) => apiKey(r, id)));
      }),
    revokeApiKey: (id, at = Date.now()) =>
      guarded(async () => {
        const r = await rt();
        return (await r.run("setIfExists", [apiKey(r, id)], ["revokedAt", JSON.stringify(at), "1"])) === 1;
      }),
    touchApiKey: (id, at) =>
      guarded(async () => {
        const r = await rt();
        await r.run("setIfExists", [apiKey(r, id)], ["lastUsedAt", JSON.stringify(at), "0"]);
      }),

    registerCluster: (c) =>
      guarded(async () => {
        const r = await rt();
        return (await r.run("clusterRegister", [cluster(r, c.id), clusters(r), seen(r)], [c.id, ...toFields(c)])) === 1;
      }),
    getCluster: (id) =>
      guarded(async () => {
        const r = await rt();
        return (await readClusters(r, [id]))[0] ?? null;
      }),
    listClusters: () =>
      guarded(async () => {
        const r = await rt();
        const ids = await r.redis.smembers(clusters(r));
        return (await readClusters(r, ids)).sort((a, b) => a.id.localeCompare(b.id));
      }),
    listClustersSeen: (from, to) =>
      guarded(async () => {
        const r = await rt();
        const ids = await r.redis.zrangebyscore(seen(r), from, `(${to}`);
        return (await readClusters(r, ids)).filter((c) => c.lastSeenAt !== undefined && c.lastSeenAt >= from && c.lastSeenAt < to);
      }),
    updateCluster: (id, patch) =>
      guarded(async () => {
        const r = await rt();
        // Presence alone (an agent's poll, every ~25 s per cluster): one ZADD in the common case.
        if (patch.agent === undefined && patch.lastSeenAt !== undefined) return (await r.run("clusterSeen", [cluster(r, id), seen(r)], [id, patch.lastSeenAt])) === 1;
        const fields = toFields({ lastSeenAt: patch.lastSeenAt, agent: patch.agent });
        return (await r.run("clusterUpdate", [cluster(r, id), seen(r)], [id, ...fields])) === 1;
      }),
    deleteCluster: (id) =>
      guarded(async () => {
        const r = await rt();
        return (await r.run("clusterDelete", [cluster(r, id), tokens(r, id), clusters(r), seen(r)], [id])) === 1;
      }),

    getAgentTokens: (clusterId) =>
      guarded(async () => {
        const r = await rt();
        const raw = await r.redis.get(tokens(r, clusterId));
        return raw ? (JSON.parse(raw) as AgentTokenRecord[]) : [];
      }),
    setAgentTokens: (clusterId, records, options = {}) =>
      guarded(async () => {
        const r = await rt();
        const json = records.length ? JSON.stringify(records) : "";
        return (await r.run("tokensSet", [tokens(r, clusterId)], [options.ifNone ? "1" : "0", json])) === 1;
      }),
  };
}

/**
 * CounterStore: one INCR per hit on a key per window (the window's index is in
 * the key, so a new window starts at 1 whatever the expiry did); the key
 * expires a little after its window ends.
 */
export function redisCounters(rt: RuntimeSource): CounterStore {
  return {
    hit: (key, windowMs) =>
      guarded(async () => {
        const r = await rt();
        const now = Date.now();
        const index = Math.floor(now / windowMs);
        const resetAt = (index + 1) * windowMs;
        const count = await r.run<number>("counterHit", [`${r.prefix}:ctr:${windowMs}:${index}:${key}`], [Math.ceil(resetAt - now) + 60_000]);
        return { count, resetAt };
      }),
  };
}

/** Entries read per round trip by `query` and `scan`. */
const AUDIT_PAGE = 500;
/** How often one batch re-chains after losing a race to another process before giving up. */
const AUDIT_RETRIES = 100;

interface PendingAppend {
  input: AuditInput;
  resolve: (entry: AuditEntry) => void;
  reject: (error: unknown) => void;
}

/**
 * AuditLog on a Redis Stream whose entry ids are `<seq>-0`, each holding the
 * entry JSON in field `e`. The hash is computed here (Redis Lua has no
 * SHA-256), so appends are compare-and-set: the script appends only when the
 * stream still ends where the caller chained from, else it hands back the
 * real end and the caller re-chains. Appends from this process are batched
 * and serialized, so only other processes can make one retry.
 */
export function redisAudit(rt: RuntimeSource): AuditLog {
  const stream = (r: Runtime) => `${r.prefix}:audit`;
  let tail: Pick<AuditEntry, "seq" | "hash"> | null | undefined; // undefined: not read yet
  const pending: PendingAppend[] = [];
  let flushing = false;

  const parse = (fields: string[]): AuditEntry => JSON.parse(fields[fields.indexOf("e") + 1]!) as AuditEntry;

  async function readTail(r: Runtime): Promise<Pick<AuditEntry, "seq" | "hash"> | null> {
    const [top] = await r.redis.xrevrange(stream(r), "+", "-", "COUNT", 1);
    return top ? parse(top[1]) : null;
  }

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (pending.length) {
        const batch = pending.splice(0, 100);
        try {
          const r = await rt();
          if (tail === undefined) tail = await readTail(r);
          for (let attempt = 0; ; attempt++) {
            const entries: AuditEntry[] = [];
            let prev = tail;
            for (const p of batch) prev = entries[entries.push(chainAuditEntry(prev, p.input)) - 1]!;
            const args: string[] = [String(tail?.seq ?? 0)];
            for (const e of entries) args.push(`${e.seq}-0`, JSON.stringify(e));
            const [ok, last] = await r.run<[number, string | null]>("auditAppend", [stream(r)], args);
            if (ok === 1) {
              tail = entries.at(-1)!;
              batch.forEach((p, i) => p.resolve(entries[i]!));
              break;
            }
            tail = last ? (JSON.parse(last) as AuditEntry) : null;
            if (attempt >= AUDIT_RETRIES) throw new Error(`audit append lost ${AUDIT_RETRIES} races in a row`);
          }
        } catch (e) {
          tail = undefined;
          const error = backendError(e);
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      flushing = false;
    }
  }

  /**
   * The lowest seq at or past `from` whose entry has `at >= since`, or null.
   * The stream has no index on `at`; `at` is taken when an entry is made, so
   * it rises with seq up to the jitter of concurrent appends. The walk goes
   * back from the newest entry a page at a time and stops at the first page
   * entirely before `since`.
   */
  async function firstSince(r: Runtime, since: number, from: number): Promise<number | null> {
    let found: number | null = null;
    let end = "+";
    for (;;) {
      const page = await r.redis.xrevrange(stream(r), end, `${from}-0`, "COUNT", AUDIT_PAGE);
      let any = false;
      for (const [, fields] of page) {
        const e = parse(fields);
        if (e.at >= since) {
          found = e.seq;
          any = true;
        }
      }
      if (!any || page.length < AUDIT_PAGE) return found;
      end = `(${page.at(-1)![0]}`;
    }
  }

  return {
    append(input) {
      const copy = structuredClone(input);
      return new Promise<AuditEntry>((resolve, reject) => {
        pending.push({ input: copy, resolve: (e) => resolve(structuredClone(e)), reject });
        void flush();
      });
    },
    query: (filter = {}) =>
      guarded(async () => {
        const r = await rt();
        const limit = filter.limit ?? 100;
        const out: AuditEntry[] = [];
        let end = "+";
        while (out.length < limit) {
          const page = await r.redis.xrevrange(stream(r), end, "-", "COUNT", AUDIT_PAGE);
          if (!page.length) break;
          // filterAudit walks oldest-first input newest-first, which is what a page reversed gives it.
          const entries = page.map(([, fields]) => parse(fields)).reverse();
          out.push(...filterAudit(entries, { ...filter, limit: limit - out.length }));
          if (page.length < AUDIT_PAGE) break;
          end = `(${page.at(-1)![0]}`;
        }
        return out;
      }),
    read: (options = {}) =>
      guarded(async () => {
        const r = await rt();
        let from = Math.max(1, Math.floor(options.fromSeq ?? 1));
        const limit = Math.max(0, Math.floor(options.limit ?? 1000));
        if (options.since !== undefined) {
          const start = await firstSince(r, options.since, from);
          if (start === null) return [];
          from = start;
        }
        if (limit === 0) return [];
        const page = await r.redis.xrange(stream(r), `${from}-0`, "+", "COUNT", limit);
        return page.map(([, fields]) => parse(fields));
      }),
    async *scan() {
      const r = await guarded(rt);
      let start = "-";
      for (;;) {
        const page = await guarded(() => r.redis.xrange(stream(r), start, "+", "COUNT", AUDIT_PAGE));
        for (const [, fields] of page) yield parse(fields);
        if (page.length < AUDIT_PAGE) return;
        start = `(${page.at(-1)![0]}`;
      }
    },
  };
}
