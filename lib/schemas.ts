/**
 * The primitives (DESIGN.md section 2) as valibot schemas; the types are
 * inferred from them. Every value crossing a boundary (HTTP body, queue
 * payload, config file, plugin return value) is parsed with one of these.
 */
import * as v from "valibot";
import { KubentlyError } from "./errors.ts";
import { LIMITS } from "./limits.ts";

/** A cluster id: a DNS label (lowercase alphanumerics and '-', 1-63 chars). */
export const ClusterIdSchema = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label: lowercase letters, digits and '-', at most 63"),
);

/** Throws `VALIDATION_FAILED` unless `id` is a DNS label. */
export function assertClusterId(id: string): string {
  const parsed = v.safeParse(ClusterIdSchema, id);
  if (!parsed.success) throw new KubentlyError("VALIDATION_FAILED", `cluster_id "${id.slice(0, 80)}" ${parsed.issues[0].message}`);
  return id;
}

/** The role an identity acts with. `viewer` may read but not execute. */
export const RoleSchema = v.picklist(["admin", "operator", "viewer", "agent"]);

/** Who is calling. */
export const IdentitySchema = v.object({
  /** `user`: a person signed in to the console with the session cookie (docs/login.md). */
  kind: v.picklist(["admin", "service", "agent", "user"]),
  name: v.string(),
  keyId: v.string(),
  role: RoleSchema,
  /** When present, the only clusters this identity may see or target. */
  clusters: v.optional(v.array(v.string())),
  /** When present, the only namespaces this identity may target. */
  namespaces: v.optional(v.array(v.string())),
});
export type Identity = v.InferOutput<typeof IdentitySchema>;
export type Role = v.InferOutput<typeof RoleSchema>;

/** A queued kubectl invocation. `argv` excludes the `kubectl` word. */
export const CommandSchema = v.object({
  id: v.string(),
  clusterId: ClusterIdSchema,
  sessionId: v.optional(v.string()),
  argv: v.array(v.string()),
  timeoutMs: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** Epoch ms after which no agent may start the command. */
  deadline: v.number(),
  requestedBy: v.string(),
  /** `X-Service-Identity` of the request: recorded, never used for access. */
  onBehalfOf: v.optional(v.string()),
  correlationId: v.string(),
  createdAt: v.number(),
  /**
   * Present when the caller follows the output as it is produced: the agent
   * posts it in chunks and stops kubectl past `maxBytes`. A delivery hint,
   * not signed: the agent bounds it by its own output cap.
   */
  stream: v.optional(v.object({ maxBytes: v.pipe(v.number(), v.integer(), v.minValue(1)) })),
  /**
   * The W3C trace context the command was queued in (docs/operations.md,
   * "Tracing"): the agent's spans join the caller's trace. Not signed: it
   * chooses no behaviour.
   */
  traceparent: v.optional(v.pipe(v.string(), v.regex(/^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/))),
  tracestate: v.optional(v.pipe(v.string(), v.maxLength(512))),
  /** Ed25519 signature over the command's identity fields (issue: signed commands). */
  signature: v.optional(v.string()),
});
export type Command = v.InferOutput<typeof CommandSchema>;

/** Outcome of a command. */
export const ResultStatusSchema = v.picklist(["success", "failure", "timeout", "denied", "cancelled"]);
export type ResultStatus = v.InferOutput<typeof ResultStatusSchema>;

/** What came back from the agent (or from the API when it never reached one). */
/**
 * A command's outcome. Agents send these, so every field is bounded like
 * caller input: ids and codes short, output and error text each within
 * the output cap (plus 64 KiB for redaction markers), times real instants
 * (a Date can hold them) and durations within a day.
 */
export const ResultSchema = v.object({
  commandId: v.pipe(v.string(), v.maxLength(LIMITS.maxIdLength)),
  clusterId: ClusterIdSchema,
  status: ResultStatusSchema,
  exitCode: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(-(2 ** 31)), v.maxValue(2 ** 32)))),
  output: v.pipe(v.string(), v.maxLength(LIMITS.maxOutputBytes + 64 * 1024)),
  error: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.maxOutputBytes + 64 * 1024))),
  /** Machine-readable reason for a non-success status (`AGENT_LOST`, `DEADLINE_EXCEEDED`, a policy id...). */
  code: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.maxIdLength))),
  /** For `denied`: the id of the policy that decided. */
  policy: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.maxIdLength))),
  truncated: v.boolean(),
  redacted: v.optional(v.boolean()),
  durationMs: v.pipe(v.number(), v.minValue(0), v.maxValue(86_400_000)),
  /** Epoch ms, within what a Date can hold. */
  executedAt: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(8.64e15)),
  agentId: v.pipe(v.string(), v.maxLength(LIMITS.maxIdLength)),
});
export type Result = v.InferOutput<typeof ResultSchema>;

/** A debug session keeps its cluster "active"; its TTL slides with use. */
export const SessionSchema = v.object({
  id: v.string(),
  clusterId: ClusterIdSchema,
  createdBy: v.string(),
  createdAt: v.number(),
  lastActivityAt: v.number(),
  ttlMs: v.number(),
  status: v.picklist(["active", "ended", "expired"]),
  correlationId: v.optional(v.string()),
});
export type Session = v.InferOutput<typeof SessionSchema>;

/** What an agent reports about itself in heartbeats. */
export const AgentInfoSchema = v.object({
  agentId: v.optional(v.string()),
  version: v.optional(v.string()),
  kubectlVersion: v.optional(v.string()),
  kubernetesVersion: v.optional(v.string()),
  executor: v.optional(v.string()),
  capabilities: v.optional(v.array(v.string())),
  /** Command paths the agent answers natively, without kubectl. */
  nativeCommands: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(64))),
  /** The ids of the analyzers the agent's `diagnose` runs. */
  analyzers: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(256))),
  activeSessions: v.optional(v.number()),
  /** `stopped`: the agent's last heartbeat, sent as it stops gracefully. */
  state: v.optional(v.picklist(["running", "stopped"])),
  /** Commands the agent runs at once (its workers): admission control divides the queue by it. */
  concurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1024))),
  /** The agent's circuit breakers (the API server's) and where each stands. */
  breakers: v.optional(
    v.pipe(
      v.array(v.object({ name: v.pipe(v.string(), v.maxLength(64)), state: v.picklist(["closed", "open", "half-open"]), opens: v.pipe(v.number(), v.integer(), v.minValue(0)) })),
      v.maxLength(8),
    ),
  ),
});
export type AgentInfo = v.InferOutput<typeof AgentInfoSchema>;

/** A registered cluster. */
export const ClusterSchema = v.object({
  id: ClusterIdSchema,
  createdAt: v.number(),
  lastSeenAt: v.optional(v.number()),
  agent: v.optional(AgentInfoSchema),
});
export type Cluster = v.InferOutput<typeof ClusterSchema>;

/** A stored API key: only the hash of the secret is ever kept. */
export interface ApiKeyRecord {
  id: string;
  hash: string;
  name: string;
  role: Role;
  clusters?: string[];
  namespaces?: string[];
  createdAt: number;
  lastUsedAt?: number;
  revokedAt?: number;
}

/** A stored agent token for one cluster; `expiresAt` is set while it is in a rotation grace period. */
export interface AgentTokenRecord {
  id: string;
  hash: string;
  createdAt: number;
  expiresAt?: number;
}

/** What callers append to the audit log. Never holds command output. */
export interface AuditInput {
  at: number;
  eventType: string;
  identity: string;
  role?: string;
  clusterId?: string;
  sessionId?: string;
  commandId?: string;
  argv?: string[];
  decision?: "allowed" | "denied";
  policy?: string;
  reason?: string;
  outcome?: string;
  durationMs?: number;
  correlationId?: string;
  /** Who the caller says it acts for (`X-Service-Identity`): recorded, never trusted for access. */
  onBehalfOf?: string;
}

/** A stored audit entry: the input plus its place in the hash chain. */
export interface AuditEntry extends AuditInput {
  seq: number;
  prevHash: string;
  hash: string;
}

/** One line naming the first failing fields of a valibot parse. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${v.getDotPath(i) ?? "body"}: ${i.message}`)
    .join("; ");
}

/** An integer from `min` to `max`. */
export const integerIn = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/**
 * Throws `VALIDATION_FAILED` unless `value` (a correlation id, a service
 * identity) could travel in an HTTP header: printable ASCII, at most
 * `LIMITS.maxIdLength` characters. Every protocol's trace fields pass here.
 */
export function checkTraceText(field: string, value: string | undefined): void {
  if (value === undefined) return;
  if (value.length === 0 || value.length > LIMITS.maxIdLength || !/^[\x20-\x7e]+$/.test(value)) {
    throw new KubentlyError("VALIDATION_FAILED", `${field} must be 1 to ${LIMITS.maxIdLength} printable ASCII characters`);
  }
}
