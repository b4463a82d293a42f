/**
 * The CommandQueue on BullMQ: one BullMQ queue per cluster, processed by hand
 * on behalf of long-polling agents.
 *
 * - push: `Queue.add` with `jobId` = the command id (made safe for BullMQ),
 *   after a script registers the command (CONFLICT on a known id) and its
 *   deadline; then a `q:<cluster>` message wakes one waiting lease per replica.
 * - lease: `Worker.getNextJob(token, { block: false })` moves the oldest job to
 *   active under a lock owned by `token`; a script then turns it into the
 *   lease (`leaseId` = the token, the lock's TTL = the lease) or, when the
 *   command is already resolved, past its deadline or given up by BullMQ's
 *   stalled check, resolves it and takes the next job. With nothing to take,
 *   the call waits on in-process waiters woken by the channel.
 * - lease expiry: a sweeper (and every lease call) looks at a zset of lease
 *   ends and, per expired lease, either moves the job back to the head of its
 *   queue (BullMQ's `moveJobFromActiveToWait`, attempt 2) or resolves it with
 *   AGENT_LOST. BullMQ's own stalled check (`maxStalledCount: 1`) is the
 *   backstop for jobs orphaned by a crash between activating and leasing:
 *   each replica's sweeper runs it every 30 s, only for clusters with a
 *   command before its deadline (past it, the deadline sweep ends the
 *   command anyway), so an idle fleet costs no stalled checks at all.
 * - idle cost (docs/replicas.md): a waiting lease is woken by the channel and
 *   otherwise looks once per call, not every few seconds (a message lost in a
 *   reconnect is covered by the resubscribe wake-up); the per-cluster BullMQ
 *   objects of a cluster nobody used for five minutes are released.
 * - results: a script stores the result under its own key with the result
 *   TTL (first result wins; the lease must still be current) and publishes
 *   `r:<id>`; then the job is finished with `moveToCompleted` (a summary as
 *   return value, the output is never copied into BullMQ's event stream).
 * - sweeping: each replica sweeps when a lease end or deadline it knows of
 *   comes due (its own pushes and leases, and the earliest of everyone's the
 *   last sweep read), at most every `sweepIntervalMs`, and otherwise every
 *   `housekeeping.idleSweepMs` (the backstop for what another replica handed
 *   out and can no longer sweep itself): an idle replica wakes a few times a
 *   minute, not four times a second.
 * - deadlines: a zset of deadlines, swept as they come due; a command
 *   past its deadline is never handed out (the lease script checks too).
 * - the audit outbox: the script that stores a result (all but a cancel's)
 *   adds the command id to the zset `<prefix>:unaudited`, scored by when;
 *   `markAudited` removes it, `unaudited` takes the old ones and re-scores
 *   them. Marks older than the result TTL are dropped as results are stored.
 */
import { createHash } from "node:crypto";
import type * as BullMQ from "bullmq";
import { agentLostResult, deadlineResult as deadlineOf, noOutputResult } from "../../lib/results.ts";
import type { CommandQueue, Lease, LeaseOptions, LeaseRef, UnauditedOptions, UnauditedResult, WaitOptions } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import type { Command, Result } from "../../lib/schemas.ts";
import { Waiters, newId } from "../../lib/_utils.ts";
import { LEASE_GRACE_MS, MAX_DELIVERIES, UNAUDITED_HOLD_MS, UNAUDITED_LIMIT } from "../memory/queue.ts";
import { guarded, lookOrWait, type Runtime, type RuntimeSource } from "./_runtime.ts";

/** Due leases and deadlines one sweep handles. */
const SWEEP_BATCH = 200;
/** Commands before their deadline one housekeeping pass reads to find the clusters to stalled-check. */
const STALLED_CHECK_LIMIT = 10_000;
/**
 * The lock BullMQ sets when it activates a job; the lease replaces it within a
 * round trip. Short, so a job whose taker died right after activating it is
 * soon free for the deadline sweep and BullMQ's stalled check.
 */
const ACTIVATION_LOCK_MS = 5_000;
/** The replica's housekeeping (see {@link RedisQueue}): how often, and after how long unused a cluster's BullMQ objects go. */
export interface Housekeeping {
  /** BullMQ's stalled check (our backstop for jobs left active without a lease) and the release of idle clusters run this often. @default 30000 */
  intervalMs: number;
  /** With no lease end or deadline due, the sweep runs this often (it reads when the next one is due). @default 5000 */
  idleSweepMs: number;
  /** A cluster's BullMQ objects unused this long are released (made again on next use): memory follows the clusters in use, not the fleet. @default 300000 */
  idleEvictMs: number;
}

/** The defaults of {@link Housekeeping}. */
export const HOUSEKEEPING: Housekeeping = { intervalMs: 30_000, idleEvictMs: 5 * 60_000, idleSweepMs: 5_000 };
/** Length BullMQ trims each queue's event stream to. */
const EVENTS_MAX_LEN = 2_000;
const JOB_NAME = "kubectl";

const noop = () => {};

/**
 * The BullMQ job id of a command: the id itself when BullMQ accepts it (no
 * `:`, not an integer, not `0`), else a digest of it.
 */
export function jobIdOf(commandId: string): string {
  const safe = /^[A-Za-z0-9._-]{1,200}$/.test(commandId) && String(parseInt(commandId, 10)) !== commandId;
  return safe ? commandId : `x-${createHash("sha256").update(commandId).digest("hex").slice(0, 40)}`;
}

const deadlineResult = (clusterId: string, id: string) => deadlineOf({ id, clusterId });
const lostResult = (clusterId: string, id: string) => agentLostResult({ id, clusterId });

/** What BullMQ keeps as the job's return value: the outcome without output or error text. */
const summary = (r: Result) => ({ status: r.status, code: r.code, exitCode: r.exitCode, durationMs: r.durationMs, truncated: r.truncated, agentId: r.agentId });

/** A zset member names the command and its cluster (cluster ids never hold `|`). */
const member = (clusterId: string, id: string) => `${clusterId}|${id}`;
function parseMember(m: string): [clusterId: string, id: string] {
  const at = m.indexOf("|");
  return [m.slice(0, at), m.slice(at + 1)];
}

/** A cluster's BullMQ objects, all on the backend's one connection. */
interface ClusterQueue {
  queue: BullMQ.Queue;
  worker: BullMQ.Worker;
  /** Last time this replica used them (ms since the epoch). */
  usedAt: number;
}

/** The Redis CommandQueue; see the module comment for how it maps onto BullMQ. */
export class RedisQueue implements CommandQueue {
  private readonly leaseWaiters = new Waiters<true>();
  private readonly resultWaiters = new Waiters<true>();
  private readonly clusters = new Map<string, ClusterQueue>();
  private sweeper?: ReturnType<typeof setTimeout>;
  /** When the planned sweep runs (Infinity: none planned), and when the last one began. */
  private sweepAt = Infinity;
  private sweptAt = 0;
  private started = false;
  private sweepInFlight?: Promise<void>;
  /** Earliest lease end this replica knows of (from the last sweep and its own leases): lease calls reclaim only from then on. */
  private nextLeaseEnd = 0;
  /** Earliest lease this replica handed out since the current sweep began. */
  private leasedSinceSweep = Infinity;
  private readonly endedListeners: ((result: Result) => void)[] = [];
  private closed = false;
  /** When the sweeper last ran the stalled checks and looked for idle clusters to release. */
  private housekeptAt = Date.now();

  constructor(
    private readonly rt: RuntimeSource,
    private readonly resultTtlMs: number,
    private readonly sweepIntervalMs: number,
    private readonly housekeeping: Housekeeping = HOUSEKEEPING,
  ) {}

  /** Every message on the backend's channel (from any replica). */
  onMessage(message: string): void {
    if (message.startsWith("q:")) this.leaseWaiters.notifyOne(message.slice(2), true);
    else if (message.startsWith("r:")) this.resultWaiters.notifyAll(message.slice(2), true);
  }

  /** Messages may have been lost (the subscriber reconnected): every waiter checks Redis again. */
  wakeAll(): void {
    this.leaseWaiters.clear();
    this.resultWaiters.clear();
  }

  /** Starts the sweeper (once connected). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.planSweep(Date.now());
  }

  /**
   * Makes sure a sweep runs by `at` (ms since the epoch): a sweep planned
   * later is brought forward, never to less than `sweepIntervalMs` after the
   * last one began.
   */
  private planSweep(at: number): void {
    if (!this.started || this.closed) return;
    at = Math.max(at, this.sweptAt + this.sweepIntervalMs);
    if (at >= this.sweepAt) return;
    clearTimeout(this.sweeper);
    this.sweepAt = at;
    this.sweeper = setTimeout(() => {
      this.sweepAt = Infinity;
      void this.sweep();
    }, Math.max(0, at - Date.now()));
    (this.sweeper as { unref?: () => void }).unref?.();
  }

  // --- keys and scripts -----------------------------------------------------

  private keys(r: Runtime, clusterId: string, id: string): string[] {
    const p = r.prefix;
    const job = `${r.bullPrefix}:${clusterId}:${jobIdOf(id)}`;
    return [`${p}:cmd:${id}`, `${p}:res:${id}`, `${p}:lease:${id}`, `${job}:lock`, job, `${p}:leases`, `${p}:deadlines`, `${p}:queues`, `${p}:unaudited`];
  }

  private script<T>(r: Runtime, name: "push" | "accept" | "extend" | "complete" | "resolve" | "expire" | "deadline", clusterId: string, id: string, extra: (string | number)[], now = Date.now()): Promise<T> {
    return r.run<T>(name, this.keys(r, clusterId, id), [id, member(clusterId, id), r.channel, this.resultTtlMs, now, ...extra]);
  }

  /** BullMQ's list of the cluster's jobs waiting for delivery (what `depth` counts and an idle poll looks at). */
  private waitKey(r: Runtime, clusterId: string): string {
    return new r.bull.QueueKeys(r.bullPrefix).toKey(clusterId, "wait");
  }

  /** The cluster's BullMQ Queue and Worker, made on first use on the shared connection (no connection of their own). */
  private bullFor(r: Runtime, clusterId: string): ClusterQueue {
    let cq = this.clusters.get(clusterId);
    if (cq) {
      cq.usedAt = Date.now();
      return cq;
    }
    if (this.closed) throw new KubentlyError("BACKEND_UNAVAILABLE", "redis: the backend is closed");
    const keys = new r.bull.QueueKeys(r.bullPrefix);
    const factory = (name: string, opts: object) =>
      new r.bull.RedisQueueBackend(r.root.connection, name, keys.getKeys(name), (type: string) => keys.toKey(name, type), { ...opts, prefix: r.bullPrefix } as never, undefined, false);
    const base = { connection: r.redis, prefix: r.bullPrefix };
    const queue = new r.bull.Queue(clusterId, { ...base, streams: { events: { maxLen: EVENTS_MAX_LEN } }, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } } as never, factory as never);
    const worker = new r.bull.Worker(
      clusterId,
      null,
      { ...base, autorun: false, lockDuration: ACTIVATION_LOCK_MS, maxStalledCount: 1, stalledInterval: this.housekeeping.intervalMs } as never,
      factory as never,
    );
    queue.on("error", noop);
    worker.on("error", noop);
    // No stalled-check timer per cluster: the sweeper runs the check where it can matter (see housekeep).
    cq = { queue: queue as BullMQ.Queue, worker: worker as BullMQ.Worker, usedAt: Date.now() };
    this.clusters.set(clusterId, cq);
    return cq;
  }

  /** Takes a job out of BullMQ once the command is settled: completed, failed or removed. Best effort. */
  private async discard(r: Runtime, clusterId: string, jobId: string, how: { completed: unknown } | { failed: string } | "remove", token = "0"): Promise<void> {
    const { queue } = this.bullFor(r, clusterId);
    try {
      if (how === "remove") {
        await queue.remove(jobId);
        return;
      }
      const job = new r.bull.Job(queue, JOB_NAME, {}, { removeOnComplete: true, removeOnFail: true }, jobId);
      if ("completed" in how) await job.moveToCompleted(how.completed, token, false);
      else await job.moveToFailed(new Error(how.failed), token, false);
    } catch {
      // Not active any more (moved by the stalled check) or gone: remove it from wherever it is.
      await queue.remove(jobId).catch(noop);
    }
  }

  // --- CommandQueue ---------------------------------------------------------

  push(command: Command): Promise<void> {
    return guarded(async () => {
      const r = await this.rt();
      const { clusterId, id } = command;
      const now = Date.now();
      const late = command.deadline <= now ? JSON.stringify(deadlineResult(clusterId, id)) : "";
      const state = await this.script<number>(r, "push", clusterId, id, [JSON.stringify(command), clusterId, jobIdOf(id), String(command.deadline), command.timeoutMs, late, newId()], now);
      if (state === 0) throw new KubentlyError("CONFLICT", `command ${id} already exists`);
      if (state === 2) {
        // Ended at once, past its deadline: the queue's own end, like the sweep's.
        if (late) await this.announceEnded(id);
        return;
      }
      this.planSweep(command.deadline);
      try {
        await this.bullFor(r, clusterId).queue.add(JOB_NAME, command, { jobId: jobIdOf(id) });
      } catch (e) {
        // Not queued: forget the command so the caller may push it again.
        await r.redis.del(`${r.prefix}:cmd:${id}`).catch(noop);
        await r.redis.zrem(`${r.prefix}:deadlines`, member(clusterId, id)).catch(noop);
        throw e;
      }
      await r.redis.publish(r.channel, `q:${clusterId}`);
    });
  }

  async lease(clusterId: string, options: LeaseOptions = {}): Promise<Lease | null> {
    const until = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const remaining = until - Date.now();
      // Registered before looking, so a push landing between the look and the wait still wakes us.
      const stop = new AbortController();
      const waiting =
        remaining > 0 && !options.signal?.aborted && !this.closed
          ? // The whole wait: a push, a re-delivery or a stalled job wakes it through the channel, a reconnect
            // wakes every waiter (wakeAll); no periodic re-check, which across a fleet is most of Redis's idle load.
            this.leaseWaiters.wait(clusterId, remaining, options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal)
          : null;
      const settle = async () => {
        stop.abort();
        // A wake-up this call no longer needs goes to the next waiter.
        if (await waiting) this.leaseWaiters.notifyOne(clusterId, true);
      };
      let lease: Lease | null;
      try {
        lease = await this.take(clusterId, options);
      } catch (e) {
        await settle();
        throw e;
      }
      if (lease || !waiting) {
        await settle();
        return lease;
      }
      const woken = await waiting;
      if (this.closed || options.signal?.aborted || Date.now() >= until) {
        if (woken) this.leaseWaiters.notifyOne(clusterId, true);
        return null;
      }
    }
  }

  /** One look: the oldest deliverable job of the cluster as a lease, or null. */
  private take(clusterId: string, options: LeaseOptions): Promise<Lease | null> {
    return guarded(async () => {
      const r = await this.rt();
      await this.reclaim(r);
      const agentId = options.agentId ?? "agent";
      const waitKey = this.waitKey(r, clusterId);
      for (;;) {
        // One LLEN for an empty queue (every idle poll), instead of BullMQ's seven-command activation script;
        // the cluster's BullMQ objects are made only when there is a job to take, so an idle fleet holds none.
        if ((await r.redis.llen(waitKey)) === 0) return null;
        const { worker } = this.bullFor(r, clusterId);
        const token = newId();
        const job = await worker.getNextJob(token, { block: false });
        if (!job) return null;
        const command = job.data as Command;
        if (typeof command?.id !== "string" || jobIdOf(command.id) !== job.id) {
          await this.discard(r, clusterId, job.id!, { failed: "not a Kubently command" }, token);
          continue;
        }
        const now = Date.now();
        const ms = Math.max(1, Math.ceil(options.leaseMs ?? command.timeoutMs + LEASE_GRACE_MS));
        const expiresAt = now + ms;
        const [state, attempt] = await this.script<[string, number?]>(r, "accept", clusterId, command.id, [token, String(expiresAt), ms, agentId], now);
        if (state === "ok") {
          this.nextLeaseEnd = Math.min(this.nextLeaseEnd, expiresAt);
          this.leasedSinceSweep = Math.min(this.leasedSinceSweep, expiresAt);
          this.planSweep(expiresAt);
          return { leaseId: token, command, attempt: Number(attempt), expiresAt, agentId };
        }
        if (state === "skip") continue;
        if (state === "drop") {
          await this.discard(r, clusterId, job.id!, { failed: "already resolved" }, token);
          continue;
        }
        const result = state === "lost" ? lostResult(clusterId, command.id) : deadlineResult(clusterId, command.id);
        const ended = await this.script<number>(r, "resolve", clusterId, command.id, [JSON.stringify(result), "1"]);
        await this.discard(r, clusterId, job.id!, state === "lost" ? { failed: "AGENT_LOST" } : "remove");
        // This lease call ended it, not a sweep: its listeners must hear of it all the same.
        if (ended === 1) await this.announceEnded(command.id);
      }
    });
  }

  extend(lease: LeaseRef, leaseMs: number): Promise<boolean> {
    return guarded(async () => {
      const r = await this.rt();
      const clusterId = await r.redis.hget(`${r.prefix}:cmd:${lease.command.id}`, "k");
      if (!clusterId || !lease.leaseId) return false;
      const now = Date.now();
      const ms = Math.max(1, Math.ceil(leaseMs));
      return (await this.script<number>(r, "extend", clusterId, lease.command.id, [lease.leaseId, String(now + ms), ms], now)) === 1;
    });
  }

  complete(lease: LeaseRef | string, result: Result): Promise<boolean> {
    const commandId = typeof lease === "string" ? lease : lease.command.id;
    const rejected = (why: string) => new KubentlyError("RESULT_REJECTED", `result for command ${commandId} rejected: ${why}`);
    if (result.commandId !== commandId) return Promise.reject(rejected("result names another command"));
    if (typeof lease !== "string" && !lease.leaseId) return Promise.reject(rejected("the lease is no longer current"));
    return guarded(async () => {
      const r = await this.rt();
      const leaseId = typeof lease === "string" ? "" : lease.leaseId;
      const why = await this.script<string>(r, "complete", result.clusterId, commandId, [leaseId, JSON.stringify(result), result.clusterId]);
      if (why !== "ok" && why !== "again") throw rejected(why);
      // Also after 'again': the first run's reply was lost, so its caller may not have taken the job out of BullMQ.
      await this.discard(r, result.clusterId, jobIdOf(commandId), { completed: summary(result) });
      return why === "ok";
    });
  }

  async awaitResult(commandId: string, options: WaitOptions = {}): Promise<Result | null> {
    if (!options.waitMs || options.waitMs <= 0 || options.signal?.aborted) return this.getResult(commandId);
    let known = false;
    return lookOrWait(this.resultWaiters, commandId, options, () => this.closed, async () => {
      const read = await this.read(commandId);
      if (read.result) return read.result;
      if (read.exists) known = true;
      else if (known) {
        throw new KubentlyError("BACKEND_UNAVAILABLE", `redis: command ${commandId} is gone from Redis without a result (was Redis restarted without persistence?)`);
      }
      return null;
    });
  }

  /** The result and whether the command is known, in one round trip. */
  private read(commandId: string): Promise<{ result: Result | null; exists: boolean }> {
    return guarded(async () => {
      const r = await this.rt();
      const [raw, exists] = await r.run<[string | null, number]>("peek", [`${r.prefix}:res:${commandId}`, `${r.prefix}:cmd:${commandId}`], []);
      return { result: raw ? (JSON.parse(raw) as Result) : null, exists: exists === 1 };
    });
  }

  getResult(commandId: string): Promise<Result | null> {
    return guarded(async () => {
      const r = await this.rt();
      const raw = await r.redis.get(`${r.prefix}:res:${commandId}`);
      return raw ? (JSON.parse(raw) as Result) : null;
    });
  }

  getCommand(commandId: string): Promise<Command | null> {
    return guarded(async () => {
      const r = await this.rt();
      const raw = await r.redis.hget(`${r.prefix}:cmd:${commandId}`, "c");
      return raw ? (JSON.parse(raw) as Command) : null;
    });
  }

  cancel(commandId: string, reason = "cancelled by caller"): Promise<boolean> {
    return guarded(async () => {
      const r = await this.rt();
      const clusterId = await r.redis.hget(`${r.prefix}:cmd:${commandId}`, "k");
      if (!clusterId) return false;
      const result = noOutputResult({ id: commandId, clusterId }, "cancelled", "CANCELLED", reason);
      // Not marked in the outbox: the caller of cancel audits it.
      if ((await this.script(r, "resolve", clusterId, commandId, [JSON.stringify(result), "0"])) !== 1) return false;
      // Pending or leased, the job is unlocked now: take it out of BullMQ so it is never delivered.
      await this.discard(r, clusterId, jobIdOf(commandId), "remove");
      return true;
    });
  }

  depth(clusterId: string): Promise<number> {
    return guarded(async () => {
      const r = await this.rt();
      return r.redis.llen(this.waitKey(r, clusterId));
    });
  }

  unaudited(options: UnauditedOptions): Promise<UnauditedResult[]> {
    return guarded(async () => {
      const r = await this.rt();
      const now = Date.now();
      const flat = await r.run<string[]>("unaudited", [`${r.prefix}:unaudited`], [
        now - options.olderThanMs,
        options.limit ?? UNAUDITED_LIMIT,
        now + (options.holdMs ?? UNAUDITED_HOLD_MS),
        `${r.prefix}:`,
      ]);
      const out: UnauditedResult[] = [];
      for (let i = 0; i + 2 < flat.length; i += 3) out.push({ result: JSON.parse(flat[i + 1]!) as Result, command: JSON.parse(flat[i + 2]!) as Command });
      return out;
    });
  }

  markAudited(commandId: string): Promise<void> {
    return guarded(async () => {
      const r = await this.rt();
      await r.redis.zrem(`${r.prefix}:unaudited`, commandId);
    });
  }

  /** Ends every wait and stops the sweeper and BullMQ's timers; connections are the runtime's to close. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.sweeper);
    this.leaseWaiters.clear();
    this.resultWaiters.clear();
    const all = [...this.clusters.values()];
    this.clusters.clear();
    await Promise.allSettled(all.flatMap(({ queue, worker }) => [worker.close(true), queue.close()]));
  }

  // --- expiry ---------------------------------------------------------------

  /** Before taking a job: handles leases whose end has come (any cluster), so a re-delivery goes out ahead of newer commands. */
  private async reclaim(r: Runtime): Promise<void> {
    if (Date.now() >= this.nextLeaseEnd) await this.sweepOnce(r);
  }

  /** One sweep at a time per replica; a lease call that needs one joins the sweep in flight. */
  private sweepOnce(r: Runtime): Promise<void> {
    return (this.sweepInFlight ??= this.runSweep(r).finally(() => {
      this.sweepInFlight = undefined;
    }));
  }

  /** Handles due leases and deadlines of every cluster; every replica sweeps, the scripts make repeats harmless. */
  private async runSweep(r: Runtime): Promise<void> {
    this.leasedSinceSweep = Infinity;
    const [leases, deadlines, next, nextDeadline] = await r.run<[string[], string[], string, string]>("sweep", [`${r.prefix}:leases`, `${r.prefix}:deadlines`], [Date.now(), SWEEP_BATCH]);
    const ahead = leases.length >= SWEEP_BATCH ? 0 : next ? Number(next) : Infinity;
    this.nextLeaseEnd = Math.min(ahead, this.leasedSinceSweep);
    // The next sweep: when the next lease end or deadline comes (a full batch: at once), or the stalled check
    // while commands are in flight; else the idle backstop.
    const due = deadlines.length >= SWEEP_BATCH ? 0 : nextDeadline ? Number(nextDeadline) : Infinity;
    const inFlight = nextDeadline !== "" || deadlines.length > 0;
    const housekeep = inFlight ? this.housekeptAt + this.housekeeping.intervalMs : Infinity;
    this.planSweep(Math.min(this.nextLeaseEnd, due, housekeep, Date.now() + this.housekeeping.idleSweepMs));
    for (const m of leases) await this.expireLease(r, m);
    for (const m of deadlines) await this.expireDeadline(r, m);
  }

  private async expireLease(r: Runtime, m: string): Promise<void> {
    const [clusterId, id] = parseMember(m);
    const state = await this.script<string>(r, "expire", clusterId, id, [MAX_DELIVERIES, JSON.stringify(lostResult(clusterId, id))]);
    if (state === "requeue") {
      // Back to the head of its queue (RPUSH on the end BullMQ takes from): delivered again before newer commands.
      await this.bullFor(r, clusterId).queue.getBackend().moveJobFromActiveToWait(jobIdOf(id), "0").catch(noop);
      await r.redis.publish(r.channel, `q:${clusterId}`);
    } else if (state === "lost") {
      await this.discard(r, clusterId, jobIdOf(id), { failed: "AGENT_LOST" });
      await this.announceEnded(id);
    }
  }

  private async expireDeadline(r: Runtime, m: string): Promise<void> {
    const [clusterId, id] = parseMember(m);
    const state = await this.script<string>(r, "deadline", clusterId, id, [JSON.stringify(deadlineResult(clusterId, id)), JSON.stringify(lostResult(clusterId, id))]);
    if (state === "expired" || state === "lost") {
      await this.discard(r, clusterId, jobIdOf(id), "remove");
      await this.announceEnded(id);
    } else if (state === "leased" || state === "busy") {
      // Its deadline moved a second past its lease (or past now): looked at again then.
      this.planSweep(Date.now() + 1_000);
    }
  }

  /** Tells the listeners of a command this replica's sweep ended (its script made the change, so no other replica does). */
  private async announceEnded(commandId: string): Promise<void> {
    if (this.endedListeners.length === 0) return;
    const result = await this.getResult(commandId).catch(() => null);
    if (result) for (const listener of this.endedListeners) listener(result);
  }

  onEnded(listener: (result: Result) => void): void {
    this.endedListeners.push(listener);
  }

  /** The sweeper's tick. */
  private async sweep(): Promise<void> {
    if (this.closed) return;
    this.sweptAt = Date.now();
    try {
      const r = await this.rt();
      await this.sweepOnce(r);
      if (Date.now() - this.housekeptAt >= this.housekeeping.intervalMs) await this.housekeep(r);
    } catch {
      // Redis is away: try again soon.
      this.planSweep(Date.now());
    }
  }

  /**
   * Every `housekeeping.intervalMs`: BullMQ's stalled check for the clusters
   * that have a command before its deadline (read from the deadlines zset,
   * whose size follows the commands in flight, not the fleet; past its
   * deadline a command is ended by the deadline sweep anyway). A job the
   * check moves back to wait wakes a waiting lease; BullMQ's own
   * `stalled-check` key keeps replicas from checking one queue twice in an
   * interval. Then clusters unused for `housekeeping.idleEvictMs` are
   * released. A fleet of idle clusters costs neither.
   */
  private async housekeep(r: Runtime): Promise<void> {
    const now = Date.now();
    this.housekeptAt = now;
    const members = await r.redis.zrangebyscore(`${r.prefix}:deadlines`, now, "+inf", "LIMIT", 0, STALLED_CHECK_LIMIT);
    for (const clusterId of new Set(members.map((m) => parseMember(m)[0]))) {
      const moved = await this.bullFor(r, clusterId).worker.getBackend().moveStalledJobsToWait().catch(() => [] as string[]);
      if (moved.length > 0) await r.redis.publish(r.channel, `q:${clusterId}`).catch(noop);
    }
    for (const [clusterId, cq] of this.clusters) {
      if (now - cq.usedAt < this.housekeeping.idleEvictMs) continue;
      this.clusters.delete(clusterId);
      void Promise.allSettled([cq.worker.close(true), cq.queue.close()]);
    }
  }
}
