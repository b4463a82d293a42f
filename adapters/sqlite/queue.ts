/**
 * The SQLite CommandQueue. State lives in `kubently_commands`, one row per
 * command; every multi-step change runs in one `BEGIN IMMEDIATE`
 * transaction, so two connections on one file can neither double-lease a
 * command nor both resolve it.
 *
 * Wake-ups: a push, re-delivery or result wakes this process's waiters
 * directly (no polling). Deadlines and lease expiries are driven by one timer
 * armed at the earliest due time found in the table (re-armed from the table
 * on open, so a restart picks up where the last process stopped). Another
 * process writing the same file cannot reach this process's waiters, so the
 * backend notices its commits through `PRAGMA data_version` (see `_wake.ts`)
 * and runs {@link SqliteQueue.recheck}.
 */
import type { CommandQueue, Lease, LeaseOptions, LeaseRef, UnauditedOptions, UnauditedResult, WaitOptions } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import type { Command, Result } from "../../lib/schemas.ts";
import { agentLostResult, deadlineResult } from "../../lib/results.ts";
import { newId } from "../../lib/_utils.ts";
import { LEASE_GRACE_MS, MAX_DELIVERIES, UNAUDITED_HOLD_MS, UNAUDITED_LIMIT, syntheticResult } from "../memory/queue.ts";
import type { SqliteDriver } from "./_driver.ts";
import { TrackedWaiters } from "./_wake.ts";

/** Longest delay a timer takes; beyond it runtimes fire at once (32-bit overflow). */
const MAX_TIMER_MS = 2_147_483_647;


/** How soon a sweep that failed (busy file) is retried. */
const RETRY_MS = 1_000;

const unref = (t: ReturnType<typeof setTimeout>) => (t as { unref?: () => void }).unref?.();

interface Row {
  seq: number;
  id: string;
  cluster_id: string;
  state: "pending" | "leased" | "done";
  attempt: number;
  deadline: number;
  command: string;
  lease_id: string | null;
}

/** What a transaction leaves for the caller to announce once it has committed. */
interface Effects {
  /** Command id -> result JSON, for result waiters. */
  results: [string, string][];
  /** Clusters that got a command back in line, for lease waiters. */
  requeued: string[];
  /** Results of commands the sweep ended on its own (deadline, lost), for the onEnded listeners. */
  ended?: string[];
}

const SQL = {
  insert: `INSERT INTO kubently_commands (id, cluster_id, state, deadline, command) VALUES (?, ?, 'pending', ?, ?)
           ON CONFLICT (id) DO NOTHING`,
  head: `SELECT seq, id, cluster_id, state, attempt, deadline, command, lease_id FROM kubently_commands
         WHERE cluster_id = ? AND state = 'pending' ORDER BY attempt DESC, seq LIMIT 1`,
  take: `UPDATE kubently_commands SET state = 'leased', attempt = attempt + 1, lease_id = ?, lease_expires_at = ?, agent_id = ?
         WHERE seq = ?`,
  byId: `SELECT seq, id, cluster_id, state, attempt, deadline, command, lease_id FROM kubently_commands WHERE id = ?`,
  // unaudited_since: the outbox mark, set in the same statement as the result (NULL for a cancel).
  resolve: `UPDATE kubently_commands SET state = 'done', result = ?, result_expires_at = ?, unaudited_since = ?, lease_id = NULL, lease_expires_at = NULL
            WHERE seq = ?`,
  requeue: `UPDATE kubently_commands SET state = 'pending', lease_id = NULL, lease_expires_at = NULL, agent_id = NULL WHERE seq = ?`,
  result: `SELECT result FROM kubently_commands WHERE id = ? AND state = 'done' AND result_expires_at > ?`,
  command: `SELECT command FROM kubently_commands WHERE id = ? AND (state <> 'done' OR result_expires_at > ?)`,
  depth: `SELECT COUNT(*) AS n FROM kubently_commands WHERE cluster_id = ? AND state = 'pending'`,
  dueDeadlines: `SELECT seq, id, cluster_id, state, attempt, deadline, command, lease_id FROM kubently_commands
                 WHERE state = 'pending' AND deadline <= ?`,
  dueLeases: `SELECT seq, id, cluster_id, state, attempt, deadline, command, lease_id FROM kubently_commands
              WHERE state = 'leased' AND lease_expires_at <= ?`,
  // Two index lookups; the scalar min() of SQLite would be NULL when either side is.
  nextDue: `SELECT (SELECT min(deadline) FROM kubently_commands WHERE state = 'pending') AS deadline,
                   (SELECT min(lease_expires_at) FROM kubently_commands WHERE state = 'leased') AS lease`,
  purge: `DELETE FROM kubently_commands WHERE state = 'done' AND result_expires_at <= ?`,
  unaudited: `SELECT seq, command, result FROM kubently_commands
              WHERE unaudited_since IS NOT NULL AND unaudited_since <= ? AND state = 'done' AND result_expires_at > ?
              ORDER BY unaudited_since LIMIT ?`,
  renewMark: `UPDATE kubently_commands SET unaudited_since = ? WHERE seq = ?`,
  markAudited: `UPDATE kubently_commands SET unaudited_since = NULL WHERE id = ? AND unaudited_since IS NOT NULL`,
} as const;

/** The SQLite CommandQueue; made by `sqliteBackend`. */
export class SqliteQueue implements CommandQueue {
  /** Keyed by cluster and by command id; their keys are what {@link recheck} looks at. */
  private readonly leaseWaiters = new TrackedWaiters<true>();
  private readonly resultWaiters = new TrackedWaiters<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private nextAt = Infinity;
  private readonly endedListeners: ((result: Result) => void)[] = [];
  private closed = false;
  private readonly leaseTx: (clusterId: string, options: LeaseOptions, effects: Effects) => Lease | null;
  private readonly completeTx: (commandId: string, leaseId: string | undefined, result: Result) => string;
  private readonly cancelTx: (commandId: string, reason: string) => string | null;
  private readonly sweepTx: (now: number, effects: Effects) => void;
  private readonly unauditedTx: (options: UnauditedOptions) => UnauditedResult[];
  private readonly markAuditedTx: (ids: string[]) => void;
  /** Marks to clear at the next turn of the event loop, in one transaction (as the audit log groups its appends). */
  private marks: { id: string; resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(
    private readonly db: SqliteDriver,
    private readonly resultTtlMs: number,
  ) {
    this.leaseTx = db.transaction((clusterId, options, effects) => this.take(clusterId, options, effects));
    this.completeTx = db.transaction((commandId, leaseId, result) => this.record(commandId, leaseId, result));
    this.cancelTx = db.transaction((commandId, reason) => {
      const row = db.prepare(SQL.byId).get<Row>(commandId);
      if (!row || row.state === "done") return null;
      const result = JSON.stringify(syntheticResult(JSON.parse(row.command) as Command, "cancelled", "CANCELLED", reason));
      this.resolveRow(row, result, false);
      return result;
    });
    this.sweepTx = db.transaction((now, effects) => this.expire(now, effects));
    this.unauditedTx = db.transaction((options) => {
      const now = Date.now();
      const rows = db.prepare(SQL.unaudited).all<{ seq: number; command: string; result: string }>(now - options.olderThanMs, now, options.limit ?? UNAUDITED_LIMIT);
      const renewed = now + (options.holdMs ?? UNAUDITED_HOLD_MS);
      for (const row of rows) db.prepare(SQL.renewMark).run(renewed, row.seq);
      return rows.map((row) => ({ command: JSON.parse(row.command) as Command, result: JSON.parse(row.result) as Result }));
    });
    this.markAuditedTx = db.transaction((ids) => {
      for (const id of ids) db.prepare(SQL.markAudited).run(id);
    });
    // Deadlines and leases stored by an earlier process are armed again here.
    this.rearm();
  }

  async push(command: Command): Promise<void> {
    this.open();
    const { changes } = this.db.prepare(SQL.insert).run(command.id, command.clusterId, command.deadline, JSON.stringify(command));
    if (changes === 0) throw new KubentlyError("CONFLICT", `command ${command.id} already exists`);
    this.schedule(command.deadline);
    this.leaseWaiters.notifyOne(command.clusterId, true);
  }

  async extend(lease: LeaseRef, leaseMs: number): Promise<boolean> {
    this.open();
    const expiresAt = Date.now() + leaseMs;
    const { changes } = this.db
      .prepare(`UPDATE kubently_commands SET lease_expires_at = ? WHERE id = ? AND state = 'leased' AND lease_id = ?`)
      .run(expiresAt, lease.command.id, lease.leaseId);
    // The armed timer may fire at the old expiry; the sweep then finds nothing due and re-arms.
    return changes > 0;
  }

  async lease(clusterId: string, options: LeaseOptions = {}): Promise<Lease | null> {
    this.open();
    const until = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      this.catchUp();
      const effects: Effects = { results: [], requeued: [] };
      const lease = this.leaseTx(clusterId, options, effects);
      this.announce(effects);
      if (lease) {
        this.schedule(lease.expiresAt);
        return lease;
      }
      const remaining = until - Date.now();
      if (remaining <= 0 || options.signal?.aborted) return null;
      await this.leaseWaiters.wait(clusterId, remaining, options.signal);
      if (options.signal?.aborted || this.closed) return null;
    }
  }

  async complete(lease: LeaseRef | string, result: Result): Promise<boolean> {
    this.open();
    this.catchUp();
    const commandId = typeof lease === "string" ? lease : lease.command.id;
    const json = this.completeTx(commandId, typeof lease === "string" ? undefined : lease.leaseId, result);
    this.resultWaiters.notifyAll(commandId, json);
    return true;
  }

  async awaitResult(commandId: string, options: WaitOptions = {}): Promise<Result | null> {
    this.open();
    // Checked and subscribed in the same tick, so a result landing right after the call is not missed.
    const existing = this.readResult(commandId);
    if (existing) return existing;
    const json = await this.resultWaiters.wait(commandId, options.waitMs ?? 0, options.signal);
    return json === null ? null : (JSON.parse(json) as Result);
  }

  async getResult(commandId: string): Promise<Result | null> {
    this.open();
    return this.readResult(commandId);
  }

  async getCommand(commandId: string): Promise<Command | null> {
    this.open();
    const row = this.db.prepare(SQL.command).get<{ command: string }>(commandId, Date.now());
    return row ? (JSON.parse(row.command) as Command) : null;
  }

  async cancel(commandId: string, reason = "cancelled by caller"): Promise<boolean> {
    this.open();
    const json = this.cancelTx(commandId, reason);
    if (json === null) return false;
    this.resultWaiters.notifyAll(commandId, json);
    return true;
  }

  async depth(clusterId: string): Promise<number> {
    this.open();
    return this.db.prepare(SQL.depth).get<{ n: number }>(clusterId)?.n ?? 0;
  }

  async unaudited(options: UnauditedOptions): Promise<UnauditedResult[]> {
    this.open();
    this.catchUp();
    this.flushMarks(); // a mark cleared before this call is not listed
    return this.unauditedTx(options);
  }

  markAudited(commandId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.open();
      if (this.marks.push({ id: commandId, resolve, reject }) === 1) setImmediate(() => this.flushMarks());
    });
  }

  /** Clears the waiting marks in one transaction: one commit for all results audited in a turn of the event loop. */
  private flushMarks(): void {
    if (this.marks.length === 0) return;
    const batch = this.marks;
    this.marks = [];
    try {
      this.markAuditedTx(batch.map((m) => m.id));
      for (const m of batch) m.resolve();
    } catch (e) {
      for (const m of batch) m.reject(e);
    }
  }

  /**
   * The fallback for writers this process cannot hear, run by the backend
   * after another connection committed: re-reads the next due time and wakes
   * waiters whose command or result is now there.
   */
  recheck(): void {
    if (this.closed) return;
    this.rearm();
    for (const clusterId of this.leaseWaiters.keys()) {
      const n = this.db.prepare(SQL.depth).get<{ n: number }>(clusterId)?.n ?? 0;
      for (let i = 0; i < n && this.leaseWaiters.notifyOne(clusterId, true); i++);
    }
    const now = Date.now();
    for (const commandId of this.resultWaiters.keys()) {
      const row = this.db.prepare(SQL.result).get<{ result: string }>(commandId, now);
      if (row) this.resultWaiters.notifyAll(commandId, row.result);
    }
  }

  /** Deletes results past their TTL (reads already ignore them). */
  purge(now = Date.now()): void {
    if (!this.closed) this.db.prepare(SQL.purge).run(now);
  }

  /** Ends every wait and the timer, after clearing the marks still waiting. */
  close(): void {
    if (!this.closed) this.flushMarks();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.leaseWaiters.clear();
    this.resultWaiters.clear();
  }

  // --- inside transactions ----------------------------------------------------

  /** Leases the head of the cluster's line, resolving commands found past their deadline on the way. */
  private take(clusterId: string, options: LeaseOptions, effects: Effects): Lease | null {
    const now = Date.now();
    for (;;) {
      const row = this.db.prepare(SQL.head).get<Row>(clusterId);
      if (!row) return null;
      const command = JSON.parse(row.command) as Command;
      // The deadline timer may not have fired yet: never hand out a command past its deadline.
      if (row.deadline <= now) {
        const result = JSON.stringify(deadlineResult(command));
        this.resolveRow(row, result);
        effects.results.push([row.id, result]);
        (effects.ended ??= []).push(result);
        continue;
      }
      const lease: Lease = {
        leaseId: newId(),
        command,
        attempt: row.attempt + 1,
        expiresAt: now + (options.leaseMs ?? command.timeoutMs + LEASE_GRACE_MS),
        agentId: options.agentId ?? "agent",
      };
      this.db.prepare(SQL.take).run(lease.leaseId, lease.expiresAt, lease.agentId, row.seq);
      return lease;
    }
  }

  /** Validates and stores an agent's result; returns it as stored (JSON). */
  private record(commandId: string, leaseId: string | undefined, result: Result): string {
    const reject = (why: string): never => {
      throw new KubentlyError("RESULT_REJECTED", `result for command ${commandId} rejected: ${why}`);
    };
    if (result.commandId !== commandId) reject("result names another command");
    const row = this.db.prepare(SQL.byId).get<Row>(commandId);
    if (!row) return reject("unknown command");
    if (row.state !== "leased") return reject(row.state === "done" ? "it already has a result" : "it is not leased");
    if (result.clusterId !== row.cluster_id) reject("cluster does not match");
    if (leaseId !== undefined && leaseId !== row.lease_id) reject("the lease is no longer current");
    const json = JSON.stringify(result);
    this.resolveRow(row, json);
    return json;
  }

  /** Resolves commands past their deadline and leases past their expiry. */
  private expire(now: number, effects: Effects): void {
    for (const row of this.db.prepare(SQL.dueDeadlines).all<Row>(now)) {
      const result = JSON.stringify(deadlineResult(JSON.parse(row.command) as Command));
      this.resolveRow(row, result);
      effects.results.push([row.id, result]);
      (effects.ended ??= []).push(result);
    }
    for (const row of this.db.prepare(SQL.dueLeases).all<Row>(now)) {
      if (row.attempt < MAX_DELIVERIES && row.deadline > now) {
        // Back in line; attempt > 0 puts it ahead of newer commands.
        this.db.prepare(SQL.requeue).run(row.seq);
        effects.requeued.push(row.cluster_id);
      } else {
        const result = JSON.stringify(agentLostResult(JSON.parse(row.command) as Command, row.attempt));
        this.resolveRow(row, result);
        effects.results.push([row.id, result]);
        (effects.ended ??= []).push(result);
      }
    }
  }

  /** Stores the result; `unaudited` (all but a cancel): marked for the outbox in the same statement. */
  private resolveRow(row: Row, resultJson: string, unaudited = true): void {
    const now = Date.now();
    this.db.prepare(SQL.resolve).run(resultJson, now + this.resultTtlMs, unaudited ? now : null, row.seq);
  }

  // --- outside transactions ---------------------------------------------------

  private readResult(commandId: string): Result | null {
    const row = this.db.prepare(SQL.result).get<{ result: string }>(commandId, Date.now());
    return row ? (JSON.parse(row.result) as Result) : null;
  }

  /** Wakes waiters once a transaction has committed. */
  private announce(effects: Effects): void {
    for (const [id, json] of effects.results) this.resultWaiters.notifyAll(id, json);
    for (const clusterId of effects.requeued) this.leaseWaiters.notifyOne(clusterId, true);
    for (const json of effects.ended ?? []) for (const listener of this.endedListeners) listener(JSON.parse(json) as Result);
  }

  onEnded(listener: (result: Result) => void): void {
    this.endedListeners.push(listener);
  }

  /** Runs a sweep now when the timer is overdue (a busy event loop), so callers never see stale leases. */
  private catchUp(): void {
    if (this.nextAt <= Date.now()) this.sweep();
  }

  private sweep(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextAt = Infinity;
    if (this.closed) return;
    const effects: Effects = { results: [], requeued: [] };
    this.sweepTx(Date.now(), effects);
    this.announce(effects);
    this.rearm();
  }

  /** Arms the timer at the earliest deadline or lease expiry in the table. */
  private rearm(): void {
    const next = this.db.prepare(SQL.nextDue).get<{ deadline: number | null; lease: number | null }>();
    const at = Math.min(next?.deadline ?? Infinity, next?.lease ?? Infinity);
    if (at !== Infinity) this.schedule(at);
  }

  /** Makes sure the timer fires no later than `at`. */
  private schedule(at: number): void {
    if (this.closed || at >= this.nextAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextAt = at;
    this.timer = setTimeout(() => this.onTimer(), Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS));
    unref(this.timer);
  }

  private onTimer(): void {
    try {
      this.sweep();
    } catch {
      // The file was busy or failing: try again shortly rather than crash the process from a timer.
      this.nextAt = Infinity;
      this.schedule(Date.now() + RETRY_MS);
    }
  }

  private open(): void {
    if (this.closed) throw new KubentlyError("BACKEND_UNAVAILABLE", "the sqlite backend is closed");
  }
}
