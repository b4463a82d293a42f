/**
 * Admin management of API keys and agent tokens. Secrets are shown once, at
 * creation; only their sha256 is stored. Every change is audited.
 */
import { assertClusterId, type ClusterService } from "./clusters.ts";
import type { CoreContext } from "./context.ts";
import { KubentlyError } from "./errors.ts";
import { mintAgentToken, requireRole } from "./identity.ts";
import type { ApiKeyRecord, Identity, Role } from "./schemas.ts";
import { hashSecret, newId, newSecret } from "./_utils.ts";

/** What creating an API key takes. */
export interface CreateKeyInput {
  /** The service identity the key acts as. */
  name: string;
  role: Exclude<Role, "agent">;
  /** Only these clusters (absent: all). */
  clusters?: string[];
  /** Only these namespaces (absent: all). */
  namespaces?: string[];
}

/** A key as listed: never the secret or its hash. */
export type KeyView = Omit<ApiKeyRecord, "hash">;

const view = ({ hash: _hash, ...rest }: ApiKeyRecord): KeyView => rest;

/** Key and token administration for one Kubently instance. */
export function keyService(ctx: CoreContext, clusters: ClusterService) {
  const { auth, audit } = ctx.backend;
  const record = (identity: Identity, eventType: string, extra: { clusterId?: string; reason?: string } = {}) =>
    audit.append({ at: Date.now(), eventType, identity: identity.name, role: identity.role, ...extra });

  return {
    /** Creates a key; the secret is in the answer and nowhere else. */
    async create(identity: Identity, input: CreateKeyInput): Promise<{ key: string; record: KeyView }> {
      requireRole(identity, ["admin"], "create API keys");
      const key = newSecret("kbt");
      const rec: ApiKeyRecord = {
        id: newId(),
        hash: hashSecret(key),
        name: input.name,
        role: input.role,
        createdAt: Date.now(),
        ...(input.clusters ? { clusters: [...input.clusters] } : {}),
        ...(input.namespaces ? { namespaces: [...input.namespaces] } : {}),
      };
      await auth.createApiKey(rec);
      await record(identity, "key.created", { reason: `key ${rec.id} for ${rec.name} (${rec.role})` });
      return { key, record: view(rec) };
    },

    async list(identity: Identity): Promise<KeyView[]> {
      requireRole(identity, ["admin"], "list API keys");
      return (await auth.listApiKeys()).sort((a, b) => a.createdAt - b.createdAt).map(view);
    },

    /** Revokes a key: it stops working at once. */
    async revoke(identity: Identity, id: string): Promise<void> {
      requireRole(identity, ["admin"], "revoke API keys");
      if (!(await auth.revokeApiKey(id))) throw new KubentlyError("NOT_FOUND", `no API key ${id.slice(0, 80)}`);
      await record(identity, "key.revoked", { reason: `key ${id}` });
    },

    /**
     * Registers the cluster (if needed) and issues its agent token.
     * `TOKEN_EXISTS` when the cluster already has one: rotation is a
     * separate, explicit action.
     */
    async createAgentToken(identity: Identity, clusterId: string, token?: string): Promise<{ token: string; clusterId: string; createdAt: number }> {
      requireRole(identity, ["admin"], "manage agent tokens");
      assertClusterId(clusterId);
      if (token !== undefined && token.length < 16) throw new KubentlyError("VALIDATION_FAILED", "token must be at least 16 characters");
      await clusters.register(clusterId);
      const minted = mintAgentToken(token);
      if (!(await auth.setAgentTokens(clusterId, [minted.record], { ifNone: true }))) {
        throw new KubentlyError("TOKEN_EXISTS", `cluster ${clusterId} already has an agent token; revoke it first`);
      }
      await record(identity, "agent.token.created", { clusterId });
      return { token: minted.token, clusterId, createdAt: minted.record.createdAt };
    },

    /** Revokes every agent token of the cluster: its agent is cut off at its next poll. */
    async revokeAgentTokens(identity: Identity, clusterId: string): Promise<void> {
      requireRole(identity, ["admin"], "manage agent tokens");
      if (!(await auth.getCluster(clusterId))) throw new KubentlyError("CLUSTER_NOT_FOUND", `cluster "${clusterId.slice(0, 80)}" is not registered`);
      await auth.setAgentTokens(clusterId, []);
      await record(identity, "agent.token.revoked", { clusterId });
    },

    /**
     * Issues a new agent token for a registered cluster. The old ones keep
     * working for `graceSeconds` (0 cuts them off at once), so an agent can be
     * re-configured without a gap.
     */
    async rotateAgentToken(identity: Identity, clusterId: string, graceSeconds: number): Promise<{ token: string; clusterId: string; createdAt: number; previousValidUntil: number }> {
      requireRole(identity, ["admin"], "rotate agent tokens");
      await clusters.get(identity, clusterId);
      const now = Date.now();
      const until = now + graceSeconds * 1000;
      const minted = mintAgentToken();
      const previous = (await auth.getAgentTokens(clusterId))
        .filter((t) => t.expiresAt === undefined || t.expiresAt > now)
        .map((t) => ({ ...t, expiresAt: Math.min(t.expiresAt ?? until, until) }))
        .filter((t) => t.expiresAt > now);
      await auth.setAgentTokens(clusterId, [...previous, minted.record]);
      await record(identity, "agent.token.rotated", { clusterId, reason: `grace ${graceSeconds}s` });
      return { token: minted.token, clusterId, createdAt: minted.record.createdAt, previousValidUntil: until };
    },
  };
}

/** The key service type. */
export type KeyService = ReturnType<typeof keyService>;
