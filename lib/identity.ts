/**
 * Who is calling. API keys come from configuration (held hashed in this
 * process) and from the AuthStore (created by admins). Agent tokens are per
 * cluster and live in the AuthStore, hashed.
 */
import type { AuthStore } from "./contracts.ts";
import { KubentlyError } from "./errors.ts";
import type { AgentTokenRecord, Identity, Role } from "./schemas.ts";
import { hashSecret, newId, newSecret } from "./_utils.ts";

/** An API key given in configuration. */
export interface ConfiguredKey {
  /** The service identity the key acts as. */
  name: string;
  /** The secret itself. */
  key: string;
  /** @default "operator" */
  role?: Role;
  clusters?: string[];
  namespaces?: string[];
}

/**
 * Parses `KUBENTLY_API_KEYS`-style text: `service:key,service2:key2`, where a
 * key may also be given alone (service name "default"). Throws
 * `VALIDATION_FAILED` on an empty key.
 */
export function parseApiKeys(text: string | undefined, role: Role = "operator"): ConfiguredKey[] {
  if (!text) return [];
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf(":");
      const [name, key] = at < 0 ? ["default", part] : [part.slice(0, at), part.slice(at + 1)];
      if (!key || !name) throw new KubentlyError("VALIDATION_FAILED", "API keys must be written service:key");
      return { name, key, role };
    });
}

/** Finds the secret a request carries: `X-API-Key`, else `Authorization: Bearer`. */
export function presentedSecret(headers: Headers): string | null {
  const key = headers.get("x-api-key");
  if (key) return key.trim();
  const auth = headers.get("authorization");
  const m = auth?.match(/^Bearer\s+(\S+)\s*$/i);
  return m ? m[1]! : null;
}

/** Resolves API keys to identities. */
export interface Authenticator {
  /** The identity behind a secret; throws `UNAUTHENTICATED` when there is none or it is unknown. */
  authenticate(secret: string | null): Promise<Identity>;
  /** Checks an agent token for a cluster; throws `UNAUTHENTICATED` when it does not match. */
  authenticateAgent(clusterId: string, token: string | null): Promise<Identity>;
}

/**
 * Builds the authenticator. Lookups go by the sha256 of the presented
 * secret, so the comparison does not depend on how much of a key matches.
 */
export function createAuthenticator(auth: AuthStore, configured: readonly ConfiguredKey[]): Authenticator {
  const byHash = new Map<string, Identity>();
  for (const k of configured) {
    const role = k.role ?? "operator";
    byHash.set(hashSecret(k.key), {
      kind: role === "admin" ? "admin" : "service",
      name: k.name,
      keyId: `config:${k.name}`,
      role,
      ...(k.clusters ? { clusters: k.clusters } : {}),
      ...(k.namespaces ? { namespaces: k.namespaces } : {}),
    });
  }
  const unauthenticated = () => new KubentlyError("UNAUTHENTICATED", "a valid API key is required (X-API-Key or Authorization: Bearer)");

  return {
    async authenticate(secret) {
      if (!secret) throw unauthenticated();
      const hash = hashSecret(secret);
      const fromConfig = byHash.get(hash);
      if (fromConfig) return fromConfig;
      const record = await auth.findApiKey(hash);
      if (!record) throw unauthenticated();
      void auth.touchApiKey(record.id, Date.now()).catch(() => {});
      return {
        kind: record.role === "admin" ? "admin" : "service",
        name: record.name,
        keyId: record.id,
        role: record.role,
        ...(record.clusters ? { clusters: record.clusters } : {}),
        ...(record.namespaces ? { namespaces: record.namespaces } : {}),
      };
    },
    async authenticateAgent(clusterId, token) {
      if (!token) throw new KubentlyError("UNAUTHENTICATED", "an agent token is required (Authorization: Bearer)");
      const hash = hashSecret(token);
      const now = Date.now();
      const tokens = await auth.getAgentTokens(clusterId);
      const match = tokens.find((t) => t.hash === hash && (t.expiresAt === undefined || t.expiresAt > now));
      if (!match) throw new KubentlyError("UNAUTHENTICATED", `the agent token is not valid for cluster ${clusterId}`);
      return { kind: "agent", name: `agent:${clusterId}`, keyId: match.id, role: "agent", clusters: [clusterId] };
    },
  };
}

/** A fresh agent token and the record that stores its hash. */
export function mintAgentToken(token?: string): { token: string; record: AgentTokenRecord } {
  const secret = token ?? newSecret("kat");
  return { token: secret, record: { id: newId(), hash: hashSecret(secret), createdAt: Date.now() } };
}

/** True when the identity may see or target the cluster. */
export const canUseCluster = (identity: Identity, clusterId: string): boolean =>
  identity.role === "admin" || !identity.clusters || identity.clusters.includes(clusterId);

/** Throws `FORBIDDEN` unless the identity has one of the roles. */
export function requireRole(identity: Identity, roles: readonly Role[], action: string): void {
  if (!roles.includes(identity.role)) {
    throw new KubentlyError("FORBIDDEN", `role ${identity.role} may not ${action}`, { details: { required: roles } });
  }
}
