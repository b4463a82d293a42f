/**
 * The pluggable backend contracts (DESIGN.md section 3). Every method is
 * async, `null` means absent, and no backend type leaks through. The core
 * normalizes (ids, TTLs to absolute times, hashing); adapters store plain
 * values. One conformance suite per contract in test/conformance/ runs
 * unchanged against every adapter.
 */
import type { Breaker } from "./breaker.ts";
import type {
  AgentTokenRecord,
  ApiKeyRecord,
  AuditEntry,
  AuditInput,
  Cluster,
  Command,
  Result,
  Session,
} from "./schemas.ts";

/** Options for a wait that can end early. */
export interface WaitOptions {
  /** How long to wait at most; 0 means do not wait. */
  waitMs?: number;
  /** Ends the wait early; the call then resolves with `null`. */
  signal?: AbortSignal;
}

/**
 * Sessions. `get`, `touch` and `list` never return a session whose
 * `lastActivityAt + ttlMs` is in the past: such a session is absent.
 */
export interface SessionStore {
  /** Stores a new session (the core has filled every field). */
  create(session: Session): Promise<void>;
  /** The session, including an ended one until its TTL runs out; `null` when unknown or expired. */
  get(id: string): Promise<Session | null>;
  /** Slides the TTL: sets `lastActivityAt = now`. `null` when unknown, expired or ended. */
  touch(id: string, now?: number): Promise<Session | null>;
  /** Marks the session ended; false when it was unknown or expired. */
  end(id: string): Promise<boolean>;
  /** Active (not ended, not expired) sessions, optionally of one cluster, oldest `createdAt` first. */
  list(filter?: { clusterId?: string }): Promise<Session[]>;
  /** True while at least one active session targets the cluster. */
  isClusterActive(clusterId: string): Promise<boolean>;
}

/** A command handed to one agent for a limited time. */
export interface Lease {
  /** Opaque token naming this hand-out; a re-delivery gets a new one. */
  leaseId: string;
  command: Command;
  /** 1 on first delivery, 2 on the re-delivery after a lease expired. */
  attempt: number;
  /** Epoch ms when the lease runs out. */
  expiresAt: number;
  agentId: string;
}

/** Names a lease when completing it; a full {@link Lease} is one. */
export interface LeaseRef {
  leaseId: string;
  command: Pick<Command, "id">;
}

/** Options for {@link CommandQueue.lease}. */
export interface LeaseOptions extends WaitOptions {
  /** Who takes the command, recorded on the lease. @default "agent" */
  agentId?: string;
  /** How long the lease lasts. @default command.timeoutMs + 5000 */
  leaseMs?: number;
}

/**
 * The per-cluster command queue. Semantics every adapter must hold:
 * - FIFO per cluster; clusters are independent.
 * - `lease` blocks until a command is available or the wait ends (then `null`);
 *   a pushed command wakes exactly one waiting lease at once.
 * - A command whose `deadline` has passed is never handed out; it is resolved
 *   with a `timeout` result, code `DEADLINE_EXCEEDED`, within a couple of
 *   seconds of the deadline even when nobody calls `lease` (a timer or sweeper).
 * - A leased command not completed before its lease expires is re-delivered
 *   once (attempt 2, ahead of newer commands) if its deadline allows, else (or
 *   after the second expiry) resolved with a `failure` result, code `AGENT_LOST`.
 *   Both happen within a couple of seconds of the expiry, and a re-delivery
 *   wakes a waiting `lease` like a push does.
 * - `complete` accepts a result only for a command currently leased, under the
 *   current lease when a Lease is given, with matching cluster and command ids;
 *   anything else throws KubentlyError `RESULT_REJECTED`. The first result wins.
 * - Results stay readable for the backend's result TTL, then are gone. A
 *   backend that bounds its memory (memory) may drop the oldest results
 *   earlier, counting each drop in its `stats()`.
 * - The audit outbox: a result stored by `complete`, or by the queue ending
 *   a command itself (the results `onEnded` reports), is marked "not yet
 *   audited" in the same atomic step that stores it, so no crash can leave
 *   a stored result that nobody knows still needs its terminal audit entry.
 *   `cancel` does not mark: its caller audits the cancel. `markAudited`
 *   clears the mark; `unaudited` lists marks the writer seems to have
 *   abandoned. A mark goes when its result expires or is dropped.
 */
export interface CommandQueue {
  /** Queues a command for its cluster. Ids are unique; pushing a known id throws `CONFLICT`. */
  push(command: Command): Promise<void>;
  /** Takes the oldest deliverable command of the cluster, waiting up to `waitMs`. */
  lease(clusterId: string, options?: LeaseOptions): Promise<Lease | null>;
  /**
   * Keeps a lease alive: its expiry becomes now + `leaseMs`. False when the
   * lease is no longer current (expired and re-delivered, cancelled, answered):
   * the holder should stop the command. Agents renew while a command runs, so
   * leases can be short and a dead agent is noticed within one lease.
   */
  extend(lease: LeaseRef, leaseMs: number): Promise<boolean>;
  /**
   * Records the result of a leased command, marked not yet audited, and
   * wakes everyone awaiting it. Resolves `true`; `false` only where the
   * backend may run one call twice (Redis resends a script whose reply was
   * lost): the very same result was already stored, by an earlier run of
   * this call or an agent's identical retry. Whoever stored it audits it,
   * so a `false` must not be audited again.
   */
  complete(lease: LeaseRef | string, result: Result): Promise<boolean>;
  /** The result, resolving the moment it lands; `null` when the wait ends first. */
  awaitResult(commandId: string, options?: WaitOptions): Promise<Result | null>;
  /** The result if there is one. */
  getResult(commandId: string): Promise<Result | null>;
  /** The command as pushed, while it is pending, leased, or its result is kept. */
  getCommand(commandId: string): Promise<Command | null>;
  /**
   * Cancels a command that has not got a result: a pending one is never
   * delivered, and both pending and leased ones resolve with `cancelled`.
   * False when unknown or already resolved.
   */
  cancel(commandId: string, reason?: string): Promise<boolean>;
  /**
   * Calls `listener` with the result of every command the queue ends on its
   * own (its deadline passed without a result: `DEADLINE_EXCEEDED`; its
   * deliveries ran out: `AGENT_LOST`), once across every replica sharing the
   * backend: the replica whose sweep made the change. Not called for results
   * agents post, nor for {@link CommandQueue.cancel}: their callers know.
   * The API audits these ends, so every command gets its terminal entry.
   */
  onEnded(listener: (result: Result) => void): void;
  /** Commands waiting for delivery (not leased) on the cluster. */
  depth(clusterId: string): Promise<number>;
  /**
   * Results still marked not audited whose mark is at least `olderThanMs`
   * old, oldest mark first: those whose writer seems to have died between
   * storing and auditing them. Each one returned has its mark renewed, so
   * no call (on any replica) returns it again for `holdMs`: two
   * reconcilers never handle one result at once.
   */
  unaudited(options: UnauditedOptions): Promise<UnauditedResult[]>;
  /** Clears the result's "not yet audited" mark, once its terminal audit entry is written; a no-op when there is none. */
  markAudited(commandId: string): Promise<void>;
}

/** Options for {@link CommandQueue.unaudited}. */
export interface UnauditedOptions {
  /** Only marks set (or renewed) at least this long ago. */
  olderThanMs: number;
  /** Results returned at most. @default 100 */
  limit?: number;
  /** How long the results returned are held back from later calls. @default 60000 */
  holdMs?: number;
}

/** A stored result still waiting for its terminal audit entry. */
export interface UnauditedResult {
  command: Command;
  result: Result;
}

/**
 * Identities and agent credentials. Secrets never reach the store: the core
 * hashes them and passes records.
 */
export interface AuthStore {
  /** Stores a new API key record; `CONFLICT` when the id exists. */
  createApiKey(record: ApiKeyRecord): Promise<void>;
  /** The key with this hash, unless revoked. */
  findApiKey(hash: string): Promise<ApiKeyRecord | null>;
  /** Every key, revoked ones included, without a particular order. */
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; false when unknown. */
  revokeApiKey(id: string, at?: number): Promise<boolean>;
  /** Records the last time a key was used. */
  touchApiKey(id: string, at: number): Promise<void>;

  /** Registers a cluster; false when it already exists (nothing changes then). */
  registerCluster(cluster: Cluster): Promise<boolean>;
  /** The cluster, or `null`. */
  getCluster(id: string): Promise<Cluster | null>;
  /** Every registered cluster, ordered by id. */
  listClusters(): Promise<Cluster[]>;
  /**
   * The clusters whose `lastSeenAt` is in `[from, to)`, in any order: what
   * the agent watch reads to find agents that just went stale without
   * listing the whole fleet. Optional: without it the watch lists every
   * cluster (fine for a single process; Redis has it).
   */
  listClustersSeen?(from: number, to: number): Promise<Cluster[]>;
  /** Sets the given `lastSeenAt` and/or `agent` (replaced whole) on a registered cluster; false when unknown. */
  updateCluster(id: string, patch: Pick<Partial<Cluster>, "lastSeenAt" | "agent">): Promise<boolean>;
  /** Removes the cluster and its agent tokens; false when unknown. */
  deleteCluster(id: string): Promise<boolean>;

  /** The cluster's agent tokens (current and any still in a grace period). */
  getAgentTokens(clusterId: string): Promise<AgentTokenRecord[]>;
  /**
   * Replaces the cluster's agent tokens. With `ifNone`, only when it has no
   * token yet, atomically (of concurrent calls exactly one wins); returns
   * false when that condition stopped the write.
   */
  setAgentTokens(clusterId: string, tokens: AgentTokenRecord[], options?: { ifNone?: boolean }): Promise<boolean>;
}

/** Filters for {@link AuditLog.query}; all optional, combined with AND. */
export interface AuditQuery {
  eventType?: string;
  clusterId?: string;
  sessionId?: string;
  identity?: string;
  correlationId?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, inclusive. */
  until?: number;
  /** Newest first, at most this many. @default 100 */
  limit?: number;
}

/** Options for {@link AuditLog.read}: where a page of the chain starts, and its size. */
export interface AuditReadOptions {
  /** The page starts at the first kept entry with `seq >= fromSeq`. @default 1 */
  fromSeq?: number;
  /**
   * Epoch ms: the page starts at the first entry (lowest `seq`, at or past
   * `fromSeq`) whose `at >= since`; the entries after it follow whatever their
   * `at`. It picks where a walk of the chain starts; it is not a filter.
   */
  since?: number;
  /** Entries returned at most. @default 1000 */
  limit?: number;
}

/**
 * Append-only audit log with a hash chain: each entry's `hash` covers its
 * content and the previous entry's hash (see `chainAuditEntry` in lib/audit.ts),
 * so an edited or deleted entry is detectable by `verifyAuditChain`.
 */
export interface AuditLog {
  /**
   * True when the log keeps only a window of its newest entries (the memory
   * backend): older entries are dropped by a retention limit, and a check of
   * the chain starts at the first kept entry, trusting its `prevHash`.
   */
  readonly windowed?: boolean;
  /** Appends one entry atomically at the end of the chain and returns it. */
  append(entry: AuditInput): Promise<AuditEntry>;
  /** Matching entries, newest (highest `seq`) first. */
  query(filter?: AuditQuery): Promise<AuditEntry[]>;
  /**
   * One page of the chain in chain order (oldest first), for verification and
   * export in bounded memory: the caller pages on with `fromSeq: last.seq + 1`.
   * Reads made after an `append` resolved include that entry.
   */
  read(options?: AuditReadOptions): Promise<AuditEntry[]>;
  /** Every entry in chain order (oldest first), for verification and export. */
  scan(): AsyncIterable<AuditEntry>;
}

/**
 * Fixed-window counters shared by every API process on the backend (rate
 * limits). Windows are aligned to `windowMs` multiples of the epoch.
 */
export interface CounterStore {
  /** Adds 1 to `key` in the current window; the new count and when the window ends (epoch ms). */
  hit(key: string, windowMs: number): Promise<{ count: number; resetAt: number }>;
}

/** One piece of a command's streamed output. */
export interface OutputChunk {
  /** 0 for the first chunk of a command, then 1, 2... in the order the agent produced them. */
  seq: number;
  /** Output text (already redacted by the agent). */
  data: string;
}

/** Options for {@link OutputStreams.read}. */
export interface ReadChunksOptions extends WaitOptions {
  /** Chunks returned at most. @default 1000 */
  limit?: number;
}

/**
 * Streamed command output (`logs -f`, `get -w`): the chunks an agent posts
 * while a command runs, readable by every API process sharing the backend.
 * Semantics every adapter must hold:
 * - `append` stores a chunk only when its `seq` is the command's next one (0
 *   first). A `seq` already stored is a retry: nothing changes and
 *   `appended` is false. A gap (a `seq` past the next one) throws `CONFLICT`.
 *   Concurrent appends of the same `seq` store it once.
 * - `bytes` is the UTF-8 size of everything stored for the command.
 * - `read(id, from)` returns the stored chunks with `seq >= from`, oldest
 *   first, at most `limit`. When there is none yet it waits up to `waitMs`
 *   and answers the moment one is appended (on any process sharing the
 *   backend), or with `[]` when the wait or the signal ends first.
 * - A stream is kept at least as long as the backend keeps results, counted
 *   from its last append (a backend that bounds its memory may drop the least
 *   recently appended stream earlier, counting the drop in its `stats()`); an
 *   unknown stream reads as `[]`.
 */
export interface OutputStreams {
  /** Appends one chunk of the command's output. */
  append(commandId: string, chunk: OutputChunk): Promise<{ appended: boolean; bytes: number }>;
  /** Chunks from `from` on, waiting for the next one when there are none. */
  read(commandId: string, from: number, options?: ReadChunksOptions): Promise<OutputChunk[]>;
}

/**
 * Keeps the API's command-signing key (PKCS#8 PEM) between starts, for a
 * backend whose state survives them: without it, commands queued before a
 * restart would carry a signature no agent accepts after it. Never inside the
 * stores above: whoever can write the queue must not be able to sign
 * (docs/security.md), so an adapter keeps it apart (SQLite: a file of its
 * own) or not at all (Redis: replicas are configured with one key).
 */
export interface SigningKeyStore {
  /** Where the key is kept (a file path), for messages. */
  readonly location: string;
  /**
   * The kept key; when there is none, `create()`'s, kept first. Concurrent
   * first calls, from other processes too, answer one key: the first writer
   * wins and the others read its key.
   */
  load(create: () => string): Promise<string>;
}

/** A role a person can hold: an agent is never a person. */
export type UserRole = "admin" | "operator" | "viewer";

/**
 * A person who signs in to the console (docs/login.md). The core hashes
 * passwords and checks names; the store keeps the record as given.
 */
export interface UserRecord {
  /** Lower-case name: `^[a-z0-9][a-z0-9._@-]{0,63}$`. */
  username: string;
  /** PHC string (`$argon2id$...`); absent for a user who signs in through OIDC only. */
  passwordHash?: string;
  role: UserRole;
  createdAt: number;
  updatedAt?: number;
  /** A disabled user cannot sign in, and their open sessions stop at their next request. */
  disabled?: boolean;
  /** The OIDC `sub` this user signs in as (users made by an OIDC login). */
  oidcSubject?: string;
  /** Epoch ms: sessions issued before it are refused (set when the password changes). */
  sessionsNotBefore?: number;
  /** Epoch ms of the last successful sign-in. */
  lastLoginAt?: number;
}

/** What {@link UserStore.update} changes: the fields given; absent (or undefined) ones stay. */
export type UserPatch = Partial<Omit<UserRecord, "username" | "createdAt">>;

/**
 * People who sign in to the console, and the sessions they signed out of.
 * Semantics every adapter must hold:
 * - `create` stores the record unless the name exists (then `false`, nothing
 *   changes); of concurrent creates of one name exactly one wins.
 * - `update` sets the given fields on an existing record in one step and
 *   returns the record after it; `null` when the name is unknown.
 * - `revokeSession(jti, expiresAt)` makes `isSessionRevoked(jti)` true on
 *   every process sharing the backend until `expiresAt` at least; after it
 *   the entry may go (the session has expired by then anyway).
 */
export interface UserStore {
  /** Stores a new user; false when the name exists. */
  create(user: UserRecord): Promise<boolean>;
  /** The user, or `null`. */
  get(username: string): Promise<UserRecord | null>;
  /** Every user, ordered by name. */
  list(): Promise<UserRecord[]>;
  /** Sets the patch's fields; the record after it, or `null` when unknown. */
  update(username: string, patch: UserPatch): Promise<UserRecord | null>;
  /** Removes the user; false when unknown. */
  delete(username: string): Promise<boolean>;
  /** Remembers a signed-out session id (a JWT `jti`) until `expiresAt` (epoch ms). */
  revokeSession(jti: string, expiresAt: number): Promise<void>;
  /** True when the session id was revoked and its expiry has not passed. */
  isSessionRevoked(jti: string): Promise<boolean>;
}

/**
 * A broadcast pipe between the API processes sharing a backend, for the
 * event bus (lib/events, docs/events.md): every message published reaches
 * every subscriber of every process on the backend (the publisher's own
 * included), at most once, in the order each publisher sent them; a message
 * sent while a process is disconnected is lost to it. Messages are opaque
 * JSON text: the core adds and checks an origin, so the adapter only carries
 * them. Optional: a backend without one shares no events (memory, SQLite).
 */
export interface EventChannel {
  /** Sends one message to every process on the backend. */
  publish(message: string): Promise<void>;
  /**
   * Calls `listener` with every message from now on, and `onGap` when
   * messages may have been lost (the connection to the others dropped and
   * came back); the function returned stops both.
   */
  subscribe(listener: (message: string) => void, onGap?: () => void): () => void;
}

/** What an adapter declares about itself instead of the core probing it. */
export interface BackendCapabilities {
  /** State survives a restart of the process. */
  durable: boolean;
  /** Several API processes may share this backend. */
  shared: boolean;
}

/** What a backend holds in one store now. */
export interface BackendStoreStats {
  /** Entries kept. */
  count: number;
  /** Their size, counted as the length of their JSON text; absent where not counted. */
  bytes?: number;
}

/**
 * A backend's own bookkeeping, rendered at `/metrics`. Synchronous: a snapshot
 * of counters the backend keeps in this process.
 */
export interface BackendStats {
  /**
   * Per store (`results`, `audit`, `sessions`, `streams`, `counters`,
   * `commands`): entries dropped since start to stay within the backend's
   * limits (oldest first; for `commands`, pushes refused).
   */
  dropped: Record<string, number>;
  /** Per store: what it holds now. */
  kept: Record<string, BackendStoreStats>;
}

/** The bundle every adapter factory returns. */
export interface Backend {
  /** Adapter name, e.g. "memory". */
  name: string;
  capabilities: BackendCapabilities;
  sessions: SessionStore;
  queue: CommandQueue;
  auth: AuthStore;
  audit: AuditLog;
  /** Streamed output of running commands. */
  streams: OutputStreams;
  /** Shared counters for rate limits; absent on backends that have none (rate limits then fail to start). */
  counters?: CounterStore;
  /** Carries events between the API processes sharing the backend (Redis); absent: each process has its own (docs/events.md). */
  events?: EventChannel;
  /** Console users and signed-out sessions; absent: no human login (the login routes answer 404). */
  users?: UserStore;
  /**
   * Where the signing key survives a restart; `createKubently` uses it when no
   * `signingKey` is configured. Absent: a fresh key per start.
   */
  signingKey?: SigningKeyStore;
  /** The circuit breakers in front of the backend's remote dependency (Redis); shown by `/ready` and `/metrics`. */
  breakers?: readonly Breaker[];
  /** Drops and sizes of a backend that bounds its own stores (memory); read by `/metrics`. */
  stats?(): BackendStats;
  /** Resolves when the backend answers; used by `/ready`. */
  ping(): Promise<boolean>;
  /** Ends all waits and releases resources. */
  close(): Promise<void>;
}
