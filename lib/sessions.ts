/**
 * Debug sessions: a session keeps its cluster "active" and slides its TTL on
 * every command. Only the identity that created a session (or an admin) may
 * use or end it.
 */
import type { CoreContext } from "./context.ts";
import type { ClusterService } from "./clusters.ts";
import { KubentlyError } from "./errors.ts";
import { requireRole } from "./identity.ts";
import { LIMITS } from "./limits.ts";
import { checkTraceText, type Identity, type Session } from "./schemas.ts";
import { newId } from "./_utils.ts";

/** What creating a session takes. */
export interface CreateSessionInput {
  clusterId: string;
  correlationId?: string;
  ttlSeconds?: number;
}

/** Session service for one Kubently instance. */
export function sessionService(ctx: CoreContext, clusters: ClusterService) {
  const { sessions } = ctx.backend;

  const owned = (identity: Identity, session: Session | null, id: string): Session => {
    if (!session || (identity.role !== "admin" && session.createdBy !== identity.name)) {
      throw new KubentlyError("SESSION_NOT_FOUND", `session ${id.slice(0, 80)} does not exist or has expired`);
    }
    return session;
  };

  return {
    async create(identity: Identity, input: CreateSessionInput): Promise<Session> {
      requireRole(identity, ["admin", "operator"], "create sessions");
      checkTraceText("correlation_id", input.correlationId);
      await clusters.get(identity, input.clusterId);
      const now = Date.now();
      const session: Session = {
        id: newId(),
        clusterId: input.clusterId,
        createdBy: identity.name,
        createdAt: now,
        lastActivityAt: now,
        ttlMs: (input.ttlSeconds ?? LIMITS.defaultSessionTtlSeconds) * 1000,
        status: "active",
        ...(input.correlationId ? { correlationId: input.correlationId } : {}),
      };
      await sessions.create(session);
      await ctx.backend.audit.append({ at: now, eventType: "session.created", identity: identity.name, role: identity.role, clusterId: session.clusterId, sessionId: session.id, ...(session.correlationId ? { correlationId: session.correlationId } : {}) });
      return session;
    },

    async get(identity: Identity, id: string): Promise<Session> {
      return owned(identity, await sessions.get(id), id);
    },

    /** Checks the session belongs to the caller and cluster, and slides its TTL. */
    async use(identity: Identity, id: string, clusterId: string): Promise<Session> {
      const session = owned(identity, await sessions.get(id), id);
      if (session.status !== "active") throw new KubentlyError("SESSION_CLOSED", `session ${id} has ended`);
      if (session.clusterId !== clusterId) {
        throw new KubentlyError("VALIDATION_FAILED", `session ${id} belongs to cluster ${session.clusterId}, not ${clusterId}`);
      }
      return (await sessions.touch(id)) ?? session;
    },

    async end(identity: Identity, id: string): Promise<void> {
      const session = owned(identity, await sessions.get(id), id);
      await sessions.end(id);
      await ctx.backend.audit.append({ at: Date.now(), eventType: "session.ended", identity: identity.name, role: identity.role, clusterId: session.clusterId, sessionId: id });
    },
  };
}

/** The session service type. */
export type SessionService = ReturnType<typeof sessionService>;
