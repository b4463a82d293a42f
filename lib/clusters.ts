/**
 * The cluster registry, agent tokens, and the agent side of the queue (lease,
 * result, heartbeat). Clusters are registered only by an admin action (or the
 * operator's configuration), never as a side effect of another call.
 */
import * as v from "valibot";
import type { Lease, OutputChunk } from "./contracts.ts";
import type { CoreContext } from "./context.ts";
import { KubentlyError } from "./errors.ts";
import { canUseCluster } from "./identity.ts";
import { agentLostResult } from "./results.ts";
import { LIMITS } from "./limits.ts";
import { type AgentInfo, type Cluster, ClusterIdSchema, describeIssues, type Identity, type Result, ResultSchema } from "./schemas.ts";

/** A cluster as callers see it. */
export interface ClusterView extends Cluster {
  connected: boolean;
}

const view = (c: Cluster, now = Date.now()): ClusterView => ({
  ...c,
  connected: c.lastSeenAt !== undefined && now - c.lastSeenAt < LIMITS.agentStaleMs,
});

/** Throws `VALIDATION_FAILED` unless `id` is a DNS label. */
export function assertClusterId(id: string): string {
  const parsed = v.safeParse(ClusterIdSchema, id);
  if (!parsed.success) throw new KubentlyError("VALIDATION_FAILED", `cluster_id "${id.slice(0, 80)}" ${parsed.issues[0].message}`);
  return id;
}

/** Cluster registry and agent gateway for one Kubently instance. */
export function clusterService(ctx: CoreContext) {
  const { auth, queue, sessions } = ctx.backend;
  /** When we last wrote lastSeenAt per cluster: polls arrive often, writes need not. */
  const lastWrite = new Map<string, number>();
  /** Per cluster, the agents' time per command as this replica saw it (a moving average), for admission control. */
  const serviceTimes = new Map<string, { ms: number; samples: number }>();

  const markSeen = async (clusterId: string, agent?: AgentInfo) => {
    const now = Date.now();
    if (!agent && now - (lastWrite.get(clusterId) ?? 0) < 5_000) return;
    lastWrite.set(clusterId, now);
    await auth.updateCluster(clusterId, agent ? { lastSeenAt: now, agent } : { lastSeenAt: now });
  };

  /** A re-delivered streamed command whose first run already sent output. */
  const rerunsAStream = async (lease: Lease): Promise<boolean> =>
    lease.attempt > 1 && lease.command.stream !== undefined && (await ctx.backend.streams.read(lease.command.id, 0, { limit: 1 })).length > 0;

  function observeServiceTime(clusterId: string, ms: number): void {
    const s = serviceTimes.get(clusterId);
    // A weight of 0.2 follows a change within ten commands or so without jumping at one outlier.
    if (s) serviceTimes.set(clusterId, { ms: s.ms + 0.2 * (ms - s.ms), samples: s.samples + 1 });
    else serviceTimes.set(clusterId, { ms, samples: 1 });
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
      await markSeen(clusterId);
      const until = Date.now() + options.waitMs;
      for (;;) {
        const lease = await queue.lease(clusterId, { ...options, waitMs: Math.max(0, until - Date.now()), leaseMs: LIMITS.leaseMs });
        if (!lease || !(await rerunsAStream(lease))) return lease;
        // Its followers already have the first run's output: a second run would repeat or mix it.
        await queue.complete(lease, agentLostResult(lease.command, lease.attempt - 1)).catch(() => {});
      }
    },

    /** Agent renews its lease while the command runs; false means stop it (cancelled, or no longer this agent's). */
    async extend(clusterId: string, leaseId: string, commandId: string): Promise<boolean> {
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
      await queue.complete(leaseId ? { leaseId, command: { id: result.commandId } } : result.commandId, result);
      ctx.metrics.inc("kubently_results_total", { status: result.status });
      ctx.metrics.observe("kubently_command_duration_ms", result.durationMs);
      // Outcome only: never output or stderr, which may hold what redaction exists to keep out.
      const command = await queue.getCommand(result.commandId);
      if (command && !command.stream && result.status !== "denied") observeServiceTime(clusterId, result.durationMs);
      const refused = result.status === "denied";
      await ctx.backend.audit.append({
        at: Date.now(),
        eventType: refused ? "command.refused" : "command.executed",
        identity: command?.requestedBy ?? `agent:${clusterId}`,
        clusterId,
        commandId: result.commandId,
        ...(command?.sessionId ? { sessionId: command.sessionId } : {}),
        ...(command?.correlationId ? { correlationId: command.correlationId } : {}),
        ...(command?.onBehalfOf ? { onBehalfOf: command.onBehalfOf } : {}),
        outcome: result.status,
        durationMs: result.durationMs,
        ...(refused ? { decision: "denied" as const, ...(result.policy ? { policy: result.policy } : {}), reason: `refused by agent ${result.agentId}: ${result.code ?? "refused"}` } : {}),
        ...(!refused && result.code ? { reason: result.code } : {}),
      });
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
      await markSeen(clusterId, info);
      return { active: await sessions.isClusterActive(clusterId) };
    },
  };
  return service;
}

/** Results a replica must have seen from a cluster before admission control judges its queue. */
export const SERVICE_SAMPLES = 5;

/** The cluster service type. */
export type ClusterService = ReturnType<typeof clusterService>;
