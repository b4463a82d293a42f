/**
 * The cluster registry, agent tokens, and the agent side of the queue (lease,
 * result, heartbeat). Clusters are registered only by an admin action (or the
 * operator's configuration), never as a side effect of another call.
 *
 * It also writes the terminal audit entry of every stored result (an agent's,
 * or the queue's own end of a command) and reconciles the queue's audit
 * outbox: see {@link terminalEntry} and `reconcileAudit`.
 */
import * as v from "valibot";
import type { Lease, OutputChunk, UnauditedResult } from "./contracts.ts";
import type { CoreContext } from "./context.ts";
import { KubentlyError } from "./errors.ts";
import { withEventContext } from "./events/audit.ts";
import { canUseCluster, requireRole } from "./identity.ts";
import { agentLostResult } from "./results.ts";
import { LIMITS } from "./limits.ts";
import { type AgentInfo, type AuditInput, type Cluster, ClusterIdSchema, type Command, describeIssues, type Identity, type Result, ResultSchema } from "./schemas.ts";

/** A cluster as callers see it. */
export interface ClusterView extends Cluster {
  connected: boolean;
}

const view = (c: Cluster, now = Date.now()): ClusterView => ({
  ...c,
  connected: c.lastSeenAt !== undefined && now - c.lastSeenAt < LIMITS.agentStaleMs,
});

/** Audit event types that end a command's story: each accepted command gets exactly one (docs/rest-api.md, "Audit"). */
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  "command.executed",
  "command.refused",
  "command.timeout",
  "command.lost",
  "command.cancelled",
  "command.denied",
]);

/**
 * The terminal audit entry of a stored result: `command.lost` or
 * `command.timeout` when the queue ended the command itself (its results
 * carry no agent id), `command.refused` when the agent refused it, else
 * `command.executed`. Never output or stderr, which may hold what redaction
 * exists to keep out. One function for every writer (the agent's post, the
 * queue's end, the reconciler), so an entry written late is the entry that
 * would have been written at once.
 */
export function terminalEntry(command: Command | null, result: Result, at = Date.now()): AuditInput {
  const base = {
    at,
    identity: command?.requestedBy ?? `agent:${result.clusterId}`,
    clusterId: result.clusterId,
    commandId: result.commandId,
    ...(command?.sessionId ? { sessionId: command.sessionId } : {}),
    ...(command?.correlationId ? { correlationId: command.correlationId } : {}),
    ...(command?.onBehalfOf ? { onBehalfOf: command.onBehalfOf } : {}),
    outcome: result.status,
  };
  if (result.agentId === "" && (result.code === "AGENT_LOST" || result.code === "DEADLINE_EXCEEDED")) {
    return { ...base, eventType: result.code === "AGENT_LOST" ? "command.lost" : "command.timeout", reason: `${result.code}: ${result.error ?? ""}`.trim() };
  }
  if (result.status === "denied") {
    const reason = `refused by agent ${result.agentId}: ${result.code ?? "refused"}`;
    return { ...base, eventType: "command.refused", durationMs: result.durationMs, decision: "denied", ...(result.policy ? { policy: result.policy } : {}), reason };
  }
  return { ...base, eventType: "command.executed", durationMs: result.durationMs, ...(result.code ? { reason: result.code } : {}) };
}

/** How far before a command's creation the reconciler looks for its terminal entry: room for clocks that differ between replicas. */
const CLOCK_SKEW_MS = 60_000;
/** Audit entries the reconciler reads per page. */
const AUDIT_PAGE = 1_000;


export { assertClusterId } from "./schemas.ts";
import { assertClusterId } from "./schemas.ts";

/** Cluster registry and agent gateway for one Kubently instance. */
export function clusterService(ctx: CoreContext) {
  const { auth, queue, sessions } = ctx.backend;
  /** When we last wrote lastSeenAt per cluster: polls arrive often, writes need not. */
  const lastWrite = new Map<string, number>();
  /** Per cluster, the agents' time per command as this replica saw it (a moving average), for admission control. */
  const serviceTimes = new Map<string, { ms: number; samples: number }>();
  /** Commands whose result this process is storing or auditing now: the reconciler leaves them to it. */
  const auditing = new Map<string, number>();
  /** The long polls this process holds, each ended by its own controller (see `drain` and `stopPolls`). */
  const held = new Set<AbortController>();
  /** Set when the process starts to drain: new polls are refused on a shared backend. */
  let draining = false;
  /** Set when the drain is over: new polls are refused whatever the backend. */
  let stopped = false;

  /** Runs `fn` with `commandId` counted in {@link auditing}. */
  async function whileAuditing<T>(commandId: string, fn: () => Promise<T>): Promise<T> {
    auditing.set(commandId, (auditing.get(commandId) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const n = auditing.get(commandId)! - 1;
      if (n > 0) auditing.set(commandId, n);
      else auditing.delete(commandId);
    }
  }

  /**
   * Writes the terminal entry of a result the queue stored (marked in its
   * outbox), then clears the mark. A crash between the two leaves the mark:
   * the reconciler finds the entry and only clears it. A failed clear is
   * left to the reconciler too: the entry is written, the caller succeeded.
   */
  async function auditStored(command: Command | null, result: Result): Promise<void> {
    await ctx.backend.audit.append(withEventContext(terminalEntry(command, result), { command, result }));
    await queue.markAudited(result.commandId).catch(() => {});
  }

  /**
   * Audits the commands the queue ends on its own (deadline passed, agent
   * lost), whoever waited or not: with the results agents post (audited
   * below) and the cancels made by the execute service, every command the
   * API accepted gets exactly one terminal entry.
   */
  queue.onEnded((result) => {
    void whileAuditing(result.commandId, async () => auditStored(await queue.getCommand(result.commandId), result)).catch((e) =>
      console.error(`[kubently] could not audit the end of command ${result.commandId} (the audit reconciler will retry):`, e),
    );
  });

  // A loss published anywhere (a goodbye taken by another replica, a stale agent) means the next sign of life is a connect.
  ctx.events?.observe((e) => {
    if (e.type === "agent.lost" && e.clusterId !== undefined) lastWrite.delete(e.clusterId);
  });

  /**
   * Records that the cluster's agent is there. The write that ends a time
   * unseen (never seen, stopped, or stale) publishes `agent.connected`. An
   * agent this process saw within `agentStaleMs` (and no loss since) is
   * connected already; otherwise the cluster is read before the write.
   * Presence rides on the agent's calls: a poll, result, extension or
   * stream post (no `agent`) writes only when this process has not written
   * for `agentSeenWriteMs`, and then only the time (one Redis command), so
   * an idle agent costs one write per long poll; heartbeats, which carry
   * the agent's information, come every few minutes (docs/replicas.md,
   * "Fleet scale").
   */
  const markSeen = async (clusterId: string, agent?: AgentInfo) => {
    const now = Date.now();
    const local = lastWrite.get(clusterId);
    if (!agent && now - (local ?? 0) < LIMITS.agentSeenWriteMs) return;
    lastWrite.set(clusterId, now);
    // Set before any await: a heartbeat and a poll arriving together read "seen here", not the store, and announce once.
    const knownHere = local !== undefined && now - local < LIMITS.agentStaleMs;
    const before = knownHere ? null : await auth.getCluster(clusterId);
    const updated = await auth.updateCluster(clusterId, agent ? { lastSeenAt: now, agent } : { lastSeenAt: now });
    if (!updated || !before || (before.lastSeenAt !== undefined && before.lastSeenAt > 0 && now - before.lastSeenAt < LIMITS.agentStaleMs)) return;
    const info = agent ?? before.agent;
    ctx.events?.publish({
      type: "agent.connected",
      clusterId,
      data: { ...(info?.agentId ? { agent_id: info.agentId.slice(0, 128) } : {}), ...(info?.version ? { version: info.version.slice(0, 128) } : {}), ...(info?.executor ? { executor: info.executor.slice(0, 128) } : {}) },
    });
  };

  /** Presence, written in the background: a failed write costs the agent's call nothing (the next call writes again). */
  const seenNow = (clusterId: string) => void markSeen(clusterId).catch(() => {});

  /** A re-delivered streamed command whose first run already sent output. */
  const rerunsAStream = async (lease: Lease): Promise<boolean> =>
    lease.attempt > 1 && lease.command.stream !== undefined && (await ctx.backend.streams.read(lease.command.id, 0, { limit: 1 })).length > 0;

  function observeServiceTime(clusterId: string, ms: number): void {
    const s = serviceTimes.get(clusterId);
    // A weight of 0.2 follows a change within ten commands or so without jumping at one outlier.
    if (s) serviceTimes.set(clusterId, { ms: s.ms + 0.2 * (ms - s.ms), samples: s.samples + 1 });
    else serviceTimes.set(clusterId, { ms, samples: 1 });
  }

  /**
   * The commands among `due` that already have a terminal audit entry. One
   * walk of the chain from just before the oldest one was created to its
   * end: an entry is written after its command was created.
   */
  async function terminalEntriesOf(due: UnauditedResult[]): Promise<Set<string>> {
    const seen = new Set<string>();
    if (due.length === 0) return seen;
    const ids = new Set(due.map((d) => d.command.id));
    const since = Math.min(...due.map((d) => d.command.createdAt)) - CLOCK_SKEW_MS;
    for (let page = await ctx.backend.audit.read({ since, limit: AUDIT_PAGE }); page.length > 0; ) {
      for (const e of page) if (e.commandId && ids.has(e.commandId) && TERMINAL_EVENT_TYPES.has(e.eventType)) seen.add(e.commandId);
      if (page.length < AUDIT_PAGE || seen.size === ids.size) break;
      page = await ctx.backend.audit.read({ fromSeq: page.at(-1)!.seq + 1, limit: AUDIT_PAGE });
    }
    return seen;
  }

  const service = {
    /** Clusters the identity may use, ordered by id. */
    async list(identity: Identity): Promise<ClusterView[]> {
      const now = Date.now();
      return (await auth.listClusters()).filter((c) => canUseCluster(identity, c.id)).map((c) => view(c, now));
    },

    /** One cluster the identity may use; `CLUSTER_NOT_FOUND` (listing the known ones) otherwise. */
    async get(identity: Identity, clusterId: string): Promise<ClusterView> {
      const cluster = canUseCluster(identity, clusterId) ? await auth.getCluster(clusterId) : null;
      if (cluster) return view(cluster);
      const known = (await service.list(identity)).map((c) => c.id);
      throw new KubentlyError("CLUSTER_NOT_FOUND", `cluster "${clusterId.slice(0, 80)}" is not registered`, {
        details: { known_clusters: known },
      });
    },

    /** Registers a cluster if new; returns whether it was new. */
    async register(clusterId: string): Promise<boolean> {
      return auth.registerCluster({ id: assertClusterId(clusterId), createdAt: Date.now() });
    },

    /**
     * Removes a registered cluster (admin): its agent tokens and registry
     * entry go at once, so its agent is refused from its next call and new
     * commands for it answer `CLUSTER_NOT_FOUND`. Then the commands still
     * waiting for delivery are taken off the queue and cancelled (audited
     * `command.cancelled`, their waiters answered at once), and its active
     * sessions are ended (audited `session.ended`). A command its agent is
     * running already cannot post a result any more: the queue ends it when
     * its lease or deadline runs out (`command.lost` / `command.timeout`).
     * `CLUSTER_NOT_FOUND` for an unknown cluster.
     */
    async remove(identity: Identity, clusterId: string): Promise<{ cancelledCommands: number; endedSessions: number }> {
      requireRole(identity, ["admin"], "remove clusters");
      // Deleted first: from here on nothing new is queued for it and its agent is refused, so the drain below ends.
      if (!(await auth.deleteCluster(clusterId))) {
        throw new KubentlyError("CLUSTER_NOT_FOUND", `cluster "${clusterId.slice(0, 80)}" is not registered`, { details: { known_clusters: (await service.list(identity)).map((c) => c.id) } });
      }
      lastWrite.delete(clusterId);
      serviceTimes.delete(clusterId);
      const reason = `cluster ${clusterId} was removed by ${identity.name}`;
      await ctx.backend.audit.append({ at: Date.now(), eventType: "cluster.removed", identity: identity.name, role: identity.role, clusterId });
      let cancelledCommands = 0;
      // Leasing is the queue's one way to take its pending commands; the cancel ends each one for its waiter.
      for (let lease = await queue.lease(clusterId, { waitMs: 0, agentId: "kubently-api" }); lease; lease = await queue.lease(clusterId, { waitMs: 0, agentId: "kubently-api" })) {
        const command = lease.command;
        if (!(await queue.cancel(command.id, reason))) continue;
        cancelledCommands++;
        await ctx.backend.audit.append(
          withEventContext(
            { at: Date.now(), eventType: "command.cancelled", identity: identity.name, role: identity.role, clusterId, commandId: command.id, reason, ...(command.correlationId ? { correlationId: command.correlationId } : {}), ...(command.sessionId ? { sessionId: command.sessionId } : {}) },
            { command },
          ),
        );
      }
      let endedSessions = 0;
      for (const session of await sessions.list({ clusterId })) {
        if (!(await sessions.end(session.id))) continue;
        endedSessions++;
        await ctx.backend.audit.append({ at: Date.now(), eventType: "session.ended", identity: identity.name, role: identity.role, clusterId, sessionId: session.id, reason });
      }
      return { cancelledCommands, endedSessions };
    },

    /** Status of one cluster's agent. */
    async status(identity: Identity, clusterId: string) {
      const cluster = await service.get(identity, clusterId);
      return {
        cluster,
        activeSessions: (await sessions.list({ clusterId })).length,
        queueDepth: await queue.depth(clusterId),
        hasToken: (await auth.getAgentTokens(clusterId)).length > 0,
      };
    },

    /** Agent long poll: the next command for the cluster, or null when the wait ends. */
    async lease(clusterId: string, options: { waitMs: number; signal?: AbortSignal; agentId: string }): Promise<Lease | null> {
      // Draining with other replicas on the backend: the agent polls one of them instead (it backs off and
      // its load balancer moves it); whatever this process still waits for, they hand out.
      if (stopped || (draining && ctx.backend.capabilities.shared)) throw new KubentlyError("SHUTTING_DOWN", "this API replica is shutting down; poll another replica");
      const mine = new AbortController();
      held.add(mine);
      options = { ...options, signal: options.signal ? AbortSignal.any([options.signal, mine.signal]) : mine.signal };
      try {
        // Alongside the queue's first look, not before it: one round trip to the backend instead of two.
        seenNow(clusterId);
        const until = Date.now() + options.waitMs;
        for (;;) {
          const lease = await queue.lease(clusterId, { ...options, waitMs: Math.max(0, until - Date.now()), leaseMs: LIMITS.leaseMs });
          if (!lease || !(await rerunsAStream(lease))) return lease;
          // Its followers already have the first run's output: a second run would repeat or mix it.
          const lost = agentLostResult(lease.command, lease.attempt - 1);
          await whileAuditing(lost.commandId, async () => {
            if (await queue.complete(lease, lost)) await auditStored(lease.command, lost);
          }).catch(() => {});
        }
      } finally {
        held.delete(mine);
      }
    },

    /** Agent renews its lease while the command runs; false means stop it (cancelled, or no longer this agent's). */
    async extend(clusterId: string, leaseId: string, commandId: string): Promise<boolean> {
      seenNow(clusterId);
      const command = await queue.getCommand(commandId);
      if (!command || command.clusterId !== clusterId) return false;
      return queue.extend({ leaseId, command: { id: commandId } }, LIMITS.leaseMs);
    },

    /**
     * Agent posts a chunk of a streamed command's output under its lease; it
     * renews the lease too. `{ active: false }` tells the agent to stop: the
     * lease is not current (cancelled, answered, handed on), or the stream is
     * past twice its byte budget (its text grew in redaction, or the agent
     * ignores the budget).
     */
    async appendChunk(clusterId: string, leaseId: string, commandId: string, chunk: OutputChunk): Promise<boolean> {
      seenNow(clusterId);
      const command = await queue.getCommand(commandId);
      if (!command || command.clusterId !== clusterId) return false;
      if (!command.stream) throw new KubentlyError("CONFLICT", `command ${commandId.slice(0, 80)} is not streamed`);
      if (!(await queue.extend({ leaseId, command: { id: commandId } }, LIMITS.leaseMs))) {
        ctx.metrics.inc("kubently_streams_stopped_total", { reason: "lease" });
        return false;
      }
      const { appended, bytes } = await ctx.backend.streams.append(commandId, chunk);
      if (appended) {
        ctx.metrics.inc("kubently_stream_chunks_total");
        ctx.metrics.add("kubently_stream_bytes_total", Buffer.byteLength(chunk.data));
      }
      if (bytes <= 2 * command.stream.maxBytes) return true;
      ctx.metrics.inc("kubently_streams_stopped_total", { reason: "budget" });
      return false;
    },

    /** Agent posts a result under its lease. `RESULT_REJECTED` when it is not the cluster's current lease. */
    async submitResult(clusterId: string, leaseId: string | undefined, input: unknown): Promise<void> {
      const parsed = v.safeParse(ResultSchema, input);
      if (!parsed.success) {
        throw new KubentlyError("VALIDATION_FAILED", `result: ${describeIssues(parsed.issues)}`);
      }
      const result: Result = parsed.output;
      if (result.clusterId !== clusterId) throw new KubentlyError("RESULT_REJECTED", "the result names another cluster");
      seenNow(clusterId);
      await whileAuditing(result.commandId, async () => {
        // Stored and marked "not yet audited" in one step: a crash from here on leaves the mark for the reconciler.
        const stored = await queue.complete(leaseId ? { leaseId, command: { id: result.commandId } } : result.commandId, result);
        // false: this very result was stored before (a resent call); whoever stored it audits it.
        if (!stored) return;
        ctx.metrics.inc("kubently_results_total", { status: result.status });
        ctx.metrics.observe("kubently_command_duration_ms", result.durationMs);
        const command = await queue.getCommand(result.commandId);
        if (command && !command.stream && result.status !== "denied") observeServiceTime(clusterId, result.durationMs);
        await auditStored(command, result);
      });
    },

    /**
     * One pass of the audit outbox's reconciler: takes the results the queue
     * still marks "not yet audited" after `olderThanMs` (their writer died
     * between storing and auditing them, or its audit write failed), writes
     * the terminal entry of each that has none in the audit log, and clears
     * every mark. An entry already there (the writer died after auditing,
     * before clearing) is not written again. Results this process is
     * auditing right now are left to it; another replica's are held back by
     * `olderThanMs`, which must exceed the time a result takes from being
     * stored to being audited.
     */
    async reconcileAudit(options: { olderThanMs: number; limit?: number }): Promise<{ written: number; confirmed: number }> {
      const limit = options.limit ?? 100;
      const done = { written: 0, confirmed: 0 };
      for (;;) {
        const due = await queue.unaudited({ olderThanMs: options.olderThanMs, limit });
        const mine = due.filter((d) => !auditing.has(d.command.id));
        const seen = await terminalEntriesOf(mine);
        for (const { command, result } of mine) {
          await whileAuditing(command.id, async () => {
            if (seen.has(command.id)) {
              await queue.markAudited(command.id);
              done.confirmed++;
              ctx.metrics.inc("kubently_audit_reconciled_total", { action: "confirmed" });
              return;
            }
            await auditStored(command, result);
            done.written++;
            ctx.metrics.inc("kubently_audit_reconciled_total", { action: "written" });
          });
        }
        if (due.length < limit) return done;
      }
    },

    /**
     * The time the cluster's agent takes per plain command, as a moving
     * average of the results this replica received; undefined until it has
     * seen {@link SERVICE_SAMPLES} of them.
     */
    serviceTimeMs(clusterId: string): number | undefined {
      const s = serviceTimes.get(clusterId);
      return s && s.samples >= SERVICE_SAMPLES ? s.ms : undefined;
    },

    /** Agent heartbeat: records versions and capabilities; says whether a session keeps the cluster active. */
    async heartbeat(clusterId: string, info: AgentInfo): Promise<{ active: boolean }> {
      if (info.state === "stopped") {
        // A graceful stop: shown disconnected at once, until an agent polls or beats again.
        const cluster = await auth.getCluster(clusterId);
        lastWrite.delete(clusterId);
        await auth.updateCluster(clusterId, { lastSeenAt: 0, ...(cluster?.agent ? { agent: { ...cluster.agent, state: "stopped" } } : {}) });
        const seen = cluster?.lastSeenAt ?? 0;
        if (seen > 0 && Date.now() - seen < LIMITS.agentStaleMs) {
          ctx.events?.publish({ type: "agent.lost", clusterId, data: { reason: "stopped", last_seen_at: seen, ...(info.agentId ? { agent_id: info.agentId.slice(0, 128) } : {}) } });
        }
        return { active: false };
      }
      await markSeen(clusterId, { ...info, state: "running" });
      return { active: await sessions.isClusterActive(clusterId) };
    },

    /**
     * The process stops serving agents' polls for good (its `close()`): on a
     * shared backend, new polls are refused 503 `SHUTTING_DOWN` at once and
     * the polls it holds end at `LIMITS.drainPollsPerSecond`, spread evenly
     * (a poll still held meanwhile gets work as usual), so agents move to
     * another replica as a stream, not all in one instant; results,
     * extensions and chunks are still taken. Resolves once every poll it
     * held has ended. Alone on its backend, the process keeps handing out
     * work until `stopPolls` (the commands in flight need an agent).
     */
    async drain(pollsPerSecond: number = LIMITS.drainPollsPerSecond): Promise<void> {
      draining = true;
      if (!ctx.backend.capabilities.shared) return;
      const polls = [...held];
      const rate = Math.max(1, pollsPerSecond);
      const tickMs = Math.max(20, 1000 / rate);
      const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
      for (let i = 0; i < polls.length && !stopped; i += perTick) {
        for (const poll of polls.slice(i, i + perTick)) poll.abort();
        if (i + perTick < polls.length) await new Promise((r) => setTimeout(r, tickMs));
      }
    },

    /** The drain is over: every long poll ends now and new ones are refused, whatever the backend. */
    stopPolls(): void {
      draining = stopped = true;
      for (const poll of held) poll.abort();
    },
  };
  return service;
}

/** Results a replica must have seen from a cluster before admission control judges its queue. */
export const SERVICE_SAMPLES = 5;

/** The cluster service type. */
export type ClusterService = ReturnType<typeof clusterService>;
