/**
 * What callers see, whatever the protocol: sessions, commands, fan-outs,
 * keys and clusters as snake_case JSON (compatible with the original
 * Kubently API). REST answers these, MCP puts them in structured content,
 * A2A in artifact data, and the HTTP client reads them back.
 */
import type { ClusterService } from "../clusters.ts";
import type { ClusterDiagnosis } from "../diagnose/service.ts";
import type { ExecuteOutcome, FanoutEntry } from "../execute.ts";
import type { KeyView } from "../keys.ts";
import type { Command, Result, Session } from "../schemas.ts";

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** A session. */
export function sessionJson(s: Session) {
  return {
    session_id: s.id,
    cluster_id: s.clusterId,
    status: s.status,
    created_at: iso(s.createdAt),
    last_activity_at: iso(s.lastActivityAt),
    expires_at: iso(s.lastActivityAt + s.ttlMs),
    ttl_seconds: Math.round(s.ttlMs / 1000),
    correlation_id: s.correlationId ?? null,
    service_identity: s.createdBy,
  };
}

/** A command's outcome (Kubently's CommandResponse). */
export function commandJson(o: Pick<ExecuteOutcome, "commandId" | "clusterId" | "sessionId" | "correlationId" | "status"> & { argv?: string[]; result?: Result | null }) {
  const r = o.result;
  return {
    command_id: o.commandId,
    session_id: o.sessionId ?? null,
    cluster_id: o.clusterId,
    /** The argv that was queued, after any policy rewrote it (absent only where it is not known). */
    ...(o.argv ? { argv: o.argv } : {}),
    status: o.status,
    success: o.status === "success",
    correlation_id: o.correlationId,
    output: r?.output ?? "",
    error: r?.error ?? null,
    code: r?.code ?? null,
    policy: r?.policy ?? null,
    exit_code: r?.exitCode ?? null,
    truncated: r?.truncated ?? false,
    redacted: r?.redacted ?? false,
    execution_time_ms: r?.durationMs ?? null,
    executed_at: r ? iso(r.executedAt) : null,
  };
}

/** A stored command with its result so far (`queued` while there is none). */
export const storedCommandJson = (command: Pick<Command, "id" | "clusterId" | "sessionId" | "correlationId" | "argv">, result: Result | null | undefined) =>
  commandJson({ commandId: command.id, clusterId: command.clusterId, correlationId: command.correlationId, argv: command.argv, status: result?.status ?? "queued", result: result ?? null, ...(command.sessionId ? { sessionId: command.sessionId } : {}) });

/** A fan-out: per cluster, the command's outcome or the error that stopped it. */
export function fanoutJson(correlationId: string, entries: FanoutEntry[]) {
  const results = entries.map((e) =>
    e.outcome ? commandJson(e.outcome) : { cluster_id: e.clusterId, status: "error" as const, success: false, code: e.error!.code, error: e.error!.message },
  );
  return { correlation_id: correlationId, count: results.length, succeeded: results.filter((r) => r.success).length, results };
}

/** An API key, never its secret. */
export function keyJson(k: KeyView) {
  return { id: k.id, name: k.name, role: k.role, clusters: k.clusters ?? null, namespaces: k.namespaces ?? null, created_at: iso(k.createdAt), last_used_at: iso(k.lastUsedAt), revoked_at: iso(k.revokedAt) };
}

/** A cluster's status. */
export function clusterJson(s: Awaited<ReturnType<ClusterService["status"]>>) {
  const c = s.cluster;
  return {
    cluster_id: c.id,
    connected: c.connected,
    created_at: iso(c.createdAt),
    last_seen: iso(c.lastSeenAt),
    agent: c.agent ?? null,
    active_sessions: s.activeSessions,
    queue_depth: s.queueDepth,
    has_token: s.hasToken,
  };
}

/** A session as callers see it. */
export type SessionView = ReturnType<typeof sessionJson>;
/** A command's outcome as callers see it. */
export type CommandView = ReturnType<typeof commandJson>;
/** A diagnosis as callers see it. */
export type DiagnoseView = ReturnType<typeof diagnoseJson>;
/** Several clusters' diagnoses as callers see them. */
export type DiagnoseFanoutView = ReturnType<typeof diagnoseFanoutJson>;
/** A fan-out's outcome as callers see it. */
export type FanoutView = ReturnType<typeof fanoutJson>;

/** One cluster's diagnosis: the command's identity and outcome, then the findings (empty unless `status` is success). */
export function diagnoseJson(d: ClusterDiagnosis) {
  const o = d.outcome;
  const g = d.diagnosis;
  return {
    cluster_id: o.clusterId,
    command_id: o.commandId,
    correlation_id: o.correlationId,
    status: o.status,
    success: Boolean(g),
    findings: g?.findings ?? [],
    summary: g?.summary ?? { critical: 0, warning: 0, info: 0, total: 0 },
    analyzed: g?.analyzed ?? null,
    ...(g?.errors?.length ? { errors: g.errors } : {}),
    truncated: g?.truncated ?? false,
    redacted: o.result?.redacted ?? false,
    duration_ms: g?.duration_ms ?? o.result?.durationMs ?? null,
    error: d.error?.message ?? null,
    code: d.error?.code ?? null,
    policy: d.error?.policy ?? null,
  };
}

/** Several clusters' diagnoses: per cluster, the diagnosis or the error that stopped it. */
export function diagnoseFanoutJson(correlationId: string, entries: { clusterId: string; diagnosis?: ClusterDiagnosis; error?: { code: string; message: string } }[]) {
  const results = entries.map((e) => (e.diagnosis ? diagnoseJson(e.diagnosis) : { cluster_id: e.clusterId, status: "error" as const, success: false, findings: [], code: e.error!.code, error: e.error!.message }));
  return { correlation_id: correlationId, count: results.length, succeeded: results.filter((r) => r.success).length, results };
}
