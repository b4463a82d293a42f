import type { CommandQueue, Lease, LeaseOptions, LeaseRef, UnauditedOptions, UnauditedResult, WaitOptions } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import type { Command, Result } from "../../lib/schemas.ts";
import { agentLostResult, deadlineResult, noOutputResult, type ResultCode } from "../../lib/results.ts";
import { Waiters, clone, newId } from "../../lib/_utils.ts";
import type { MemoryStoreStats } from "./_stats.ts";

/** Extra time a lease gets beyond the command's own timeout. */
export const LEASE_GRACE_MS = 5_000;
/** How many times a command is delivered before its loss is final. */
export const MAX_DELIVERIES = 2;

interface Entry {
  command: Command;
  /** Length of the command's JSON text, plus its result's once it has one. */
  bytes: number;
  state: "pending" | "leased" | "done";
  attempt: number;
  lease?: Lease;
  timer?: ReturnType<typeof setTimeout>;
  result?: Result;
  resultExpiresAt?: number;
  /** Set while the result waits for its terminal audit entry (the outbox): when the mark was set or last renewed. */
  unauditedSince?: number;
}

/** A result the queue writes itself when no agent produced one. */
export const syntheticResult = (command: Command, status: Result["status"], code: ResultCode, error: string): Result =>
  noOutputResult(command, status, code, error);


const unref = (t: ReturnType<typeof setTimeout>) => (t as { unref?: () => void }).unref?.();

/** Longest delay a timer takes; beyond it runtimes fire at once (32-bit overflow), so long waits re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

/** Defaults of {@link CommandQueue.unaudited}, shared by the adapters. */
export const UNAUDITED_LIMIT = 100;
export const UNAUDITED_HOLD_MS = 60_000;

/** Bounds of a {@link MemoryQueue}. */
export interface MemoryQueueLimits {
  /** Results kept at most; the oldest is dropped first. */
  maxResults: number;
  /** Bytes of results (with their commands) kept at most; the oldest is dropped first. */
  maxResultBytes: number;
  /** Commands pending or leased at most; a push past it is refused. */
  maxQueued: number;
}

/**
 * The in-memory CommandQueue: exact timers for deadlines and leases, waiters
 * for instant wake-ups. Results are kept in the order they landed, which is
 * also their expiry order (one TTL), so expiry and the bounds drop from the
 * front in O(1) per result.
 */
export class MemoryQueue implements CommandQueue {
  private readonly entries = new Map<string, Entry>();
  /** Entries with a result, oldest result first. */
  private readonly done = new Map<string, Entry>();
  /** Entries whose result is marked not yet audited. */
  private readonly unauditedEntries = new Map<string, Entry>();
  private doneBytes = 0;
  private droppedResults = 0;
  private refusedPushes = 0;
  private readonly pending = new Map<string, string[]>();
  private readonly leaseWaiters = new Waiters<true>();
  private readonly resultWaiters = new Waiters<Result>();
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly endedListeners: ((result: Result) => void)[] = [];
  private closed = false;

  constructor(
    private readonly resultTtlMs: number,
    private readonly limits: MemoryQueueLimits = { maxResults: Infinity, maxResultBytes: Infinity, maxQueued: Infinity },
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(resultTtlMs, 60_000));
    unref(this.sweeper);
  }

  async push(command: Command): Promise<void> {
    if (this.entries.has(command.id)) throw new KubentlyError("CONFLICT", `command ${command.id} already exists`);
    if (this.entries.size - this.done.size >= this.limits.maxQueued) {
      this.refusedPushes++;
      throw new KubentlyError("BACKEND_UNAVAILABLE", `memory backend: ${this.limits.maxQueued} commands are already waiting for agents (maxQueuedCommands); retry later`);
    }
    const text = JSON.stringify(command);
    const entry: Entry = { command: JSON.parse(text) as Command, bytes: text.length, state: "pending", attempt: 0 };
    this.entries.set(command.id, entry);
    this.enqueue(entry, false);
  }

  async lease(clusterId: string, options: LeaseOptions = {}): Promise<Lease | null> {
    const until = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const lease = this.take(clusterId, options);
      if (lease) return clone(lease);
      const remaining = until - Date.now();
      if (remaining <= 0 || options.signal?.aborted) return null;
      await this.leaseWaiters.wait(clusterId, remaining, options.signal);
      if (options.signal?.aborted || this.closed) return null;
    }
  }

  async extend(lease: LeaseRef, leaseMs: number): Promise<boolean> {
    const entry = this.entries.get(lease.command.id);
    if (!entry || entry.state !== "leased" || entry.lease?.leaseId !== lease.leaseId) return false;
    entry.lease.expiresAt = Date.now() + leaseMs;
    this.arm(entry, entry.lease.expiresAt, () => this.expireLease(entry));
    return true;
  }

  async complete(lease: LeaseRef | string, result: Result): Promise<boolean> {
    const commandId = typeof lease === "string" ? lease : lease.command.id;
    const entry = this.entries.get(commandId);
    const reject = (why: string) => {
      throw new KubentlyError("RESULT_REJECTED", `result for command ${commandId} rejected: ${why}`);
    };
    if (result.commandId !== commandId) reject("result names another command");
    if (!entry) return reject("unknown command");
    if (entry.state !== "leased" || !entry.lease) return reject(entry.state === "done" ? "it already has a result" : "it is not leased");
    if (result.clusterId !== entry.command.clusterId) reject("cluster does not match");
    if (typeof lease !== "string" && lease.leaseId !== entry.lease.leaseId) reject("the lease is no longer current");
    this.resolve(entry, result, true);
    return true;
  }

  async awaitResult(commandId: string, options: WaitOptions = {}): Promise<Result | null> {
    // Checked and subscribed in the same tick, so a result landing right after the call is not missed.
    const existing = this.readResult(commandId);
    if (existing) return existing;
    const result = await this.resultWaiters.wait(commandId, options.waitMs ?? 0, options.signal);
    return result && clone(result);
  }

  async getResult(commandId: string): Promise<Result | null> {
    return this.readResult(commandId);
  }

  private readResult(commandId: string): Result | null {
    const entry = this.entries.get(commandId);
    if (!entry?.result) return null;
    if (entry.resultExpiresAt! <= Date.now()) {
      this.forget(entry);
      return null;
    }
    return clone(entry.result);
  }

  async getCommand(commandId: string): Promise<Command | null> {
    const entry = this.entries.get(commandId);
    if (!entry || (entry.result && entry.resultExpiresAt! <= Date.now())) return null;
    return clone(entry.command);
  }

  async cancel(commandId: string, reason = "cancelled by caller"): Promise<boolean> {
    const entry = this.entries.get(commandId);
    if (!entry || entry.state === "done") return false;
    this.resolve(entry, syntheticResult(entry.command, "cancelled", "CANCELLED", reason));
    return true;
  }

  async depth(clusterId: string): Promise<number> {
    return this.pending.get(clusterId)?.length ?? 0;
  }

  async unaudited(options: UnauditedOptions): Promise<UnauditedResult[]> {
    const now = Date.now();
    this.sweep(now);
    const due = [...this.unauditedEntries.values()]
      .filter((e) => e.unauditedSince! <= now - options.olderThanMs && e.resultExpiresAt! > now)
      .sort((a, b) => a.unauditedSince! - b.unauditedSince!)
      .slice(0, options.limit ?? UNAUDITED_LIMIT);
    for (const e of due) e.unauditedSince = now + (options.holdMs ?? UNAUDITED_HOLD_MS);
    return due.map((e) => ({ command: clone(e.command), result: clone(e.result!) }));
  }

  async markAudited(commandId: string): Promise<void> {
    const entry = this.unauditedEntries.get(commandId);
    if (!entry) return;
    entry.unauditedSince = undefined;
    this.unauditedEntries.delete(commandId);
  }

  /** Ends every wait and timer. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const entry of this.entries.values()) if (entry.timer) clearTimeout(entry.timer);
    this.leaseWaiters.clear();
    this.resultWaiters.clear();
  }

  /** Puts a command (back) in its cluster's line and arms its deadline. */
  private enqueue(entry: Entry, front: boolean): void {
    const { clusterId, deadline } = entry.command;
    const line = this.pending.get(clusterId) ?? [];
    this.pending.set(clusterId, line);
    if (front) line.unshift(entry.command.id);
    else line.push(entry.command.id);
    entry.state = "pending";
    entry.lease = undefined;
    this.arm(entry, deadline, () => this.end(entry, deadlineResult(entry.command)));
    this.leaseWaiters.notifyOne(clusterId, true);
  }

  private take(clusterId: string, options: LeaseOptions): Lease | null {
    const line = this.pending.get(clusterId);
    const now = Date.now();
    let entry: Entry | undefined;
    // A deadline timer may not have fired yet: never hand out a command past its deadline.
    while (line?.length) {
      const candidate = this.entries.get(line[0]!)!;
      if (candidate.command.deadline > now) {
        line.shift();
        entry = candidate;
        break;
      }
      this.end(candidate, deadlineResult(candidate.command));
    }
    if (line && line.length === 0) this.pending.delete(clusterId);
    if (!entry) return null;
    entry.attempt += 1;
    entry.state = "leased";
    const lease: Lease = {
      leaseId: newId(),
      command: entry.command,
      attempt: entry.attempt,
      expiresAt: now + (options.leaseMs ?? entry.command.timeoutMs + LEASE_GRACE_MS),
      agentId: options.agentId ?? "agent",
    };
    entry.lease = lease;
    this.arm(entry, lease.expiresAt, () => this.expireLease(entry));
    return lease;
  }

  private expireLease(entry: Entry): void {
    if (entry.attempt < MAX_DELIVERIES && entry.command.deadline > Date.now()) return this.enqueue(entry, true);
    this.end(entry, agentLostResult(entry.command, entry.attempt));
  }

  /** Resolves a command the queue ends on its own, and tells the listeners. */
  private end(entry: Entry, result: Result): void {
    this.resolve(entry, result, true);
    for (const listener of this.endedListeners) listener(entry.result!);
  }

  onEnded(listener: (result: Result) => void): void {
    this.endedListeners.push(listener);
  }

  private arm(entry: Entry, at: number, fire: () => void): void {
    if (entry.timer) clearTimeout(entry.timer);
    const delay = Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS);
    entry.timer = setTimeout(() => (at > Date.now() ? this.arm(entry, at, fire) : fire()), delay);
    unref(entry.timer);
  }

  /** Stores the result; `unaudited`: marked for the outbox in the same step. */
  private resolve(entry: Entry, result: Result, unaudited = false): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.state === "pending") {
      const line = this.pending.get(entry.command.clusterId);
      const at = line?.indexOf(entry.command.id) ?? -1;
      if (at >= 0) line!.splice(at, 1);
      if (line && line.length === 0) this.pending.delete(entry.command.clusterId);
    }
    entry.state = "done";
    entry.lease = undefined;
    const text = JSON.stringify(result);
    entry.result = JSON.parse(text) as Result;
    entry.bytes += text.length;
    const now = Date.now();
    entry.resultExpiresAt = now + this.resultTtlMs;
    if (unaudited) {
      entry.unauditedSince = now;
      this.unauditedEntries.set(entry.command.id, entry);
    }
    this.done.set(entry.command.id, entry);
    this.doneBytes += entry.bytes;
    this.resultWaiters.notifyAll(entry.command.id, entry.result);
    this.sweep(now);
  }

  /** Drops expired results, then the oldest ones past the bounds (counted), never the newest; all from the front. */
  private sweep(now = Date.now()): void {
    const { maxResults, maxResultBytes } = this.limits;
    for (const entry of this.done.values()) {
      if (entry.resultExpiresAt! <= now) this.forget(entry);
      else if (this.done.size > 1 && (this.done.size > maxResults || this.doneBytes > maxResultBytes)) {
        this.forget(entry);
        this.droppedResults++;
      } else return;
    }
  }

  private forget(entry: Entry): void {
    this.entries.delete(entry.command.id);
    this.unauditedEntries.delete(entry.command.id);
    if (this.done.delete(entry.command.id)) this.doneBytes -= entry.bytes;
  }

  /** What the queue holds, and what it dropped (results) or refused (pushes) to stay within its bounds. */
  stats(): { results: MemoryStoreStats; commands: MemoryStoreStats } {
    return {
      results: { count: this.done.size, bytes: this.doneBytes, dropped: this.droppedResults },
      commands: { count: this.entries.size - this.done.size, dropped: this.refusedPushes },
    };
  }
}
