/**
 * Request bodies and their wire mapping (snake_case JSON, compatible with
 * the original Kubently API). Every body is parsed here; a bad one becomes a
 * 400 naming the field and never reaches a service.
 */
import * as v from "valibot";
import { KubentlyError } from "../errors.ts";
import { LIMITS } from "../limits.ts";
import { describeIssues, integerIn } from "../schemas.ts";
import { argvOfSpec, type ExecuteSpec } from "./execute-spec.ts";

const shortText = v.pipe(v.string(), v.maxLength(LIMITS.maxIdLength));

/** The command types Kubently's REST API accepts. */
export const COMMAND_TYPES = ["get", "describe", "logs", "top", "events", "version", "api-resources", "api-versions", "explain", "rollout", "auth", "cluster-info"] as const;

/** `POST /debug/session`. */
export const CreateSessionBody = v.object({
  cluster_id: v.string(),
  correlation_id: v.optional(shortText),
  service_identity: v.optional(shortText),
  ttl_seconds: v.optional(integerIn(LIMITS.minSessionTtlSeconds, LIMITS.maxSessionTtlSeconds)),
});

/** `POST /debug/execute`: either Kubently's `command_type` + `args`, or a full `argv`. */
export const ExecuteBody = v.object({
  cluster_id: v.string(),
  session_id: v.optional(shortText),
  correlation_id: v.optional(shortText),
  command_type: v.optional(v.picklist(COMMAND_TYPES)),
  args: v.optional(v.array(v.string())),
  namespace: v.optional(v.pipe(v.string(), v.maxLength(253))),
  /** Up to `maxTimeoutSeconds`, or `maxStreamTimeoutSeconds` when streamed: the execute service checks which. */
  timeout_seconds: v.optional(integerIn(LIMITS.minTimeoutSeconds, LIMITS.maxStreamTimeoutSeconds)),
  extra_args: v.optional(v.array(v.string())),
  argv: v.optional(v.pipe(v.array(v.string()), v.minLength(1))),
  wait: v.optional(v.boolean()),
  /** Fail at once with 409 CLUSTER_NOT_CONNECTED when the cluster has no connected agent. */
  require_agent: v.optional(v.boolean()),
  stream: v.optional(v.boolean()),
  max_bytes: v.optional(integerIn(1, LIMITS.maxStreamBytes)),
});

/** `POST /admin/agents/{cluster_id}/token`. */
export const CreateTokenBody = v.optional(v.object({ token: v.optional(v.pipe(v.string(), v.minLength(16), v.maxLength(256))) }));

/** `POST /debug/fanout`: the explain body with several clusters. */
export const FanoutBody = v.object({
  cluster_ids: v.pipe(v.array(v.string()), v.minLength(1), v.maxLength(LIMITS.maxFanoutClusters)),
  correlation_id: v.optional(shortText),
  command_type: v.optional(v.picklist(COMMAND_TYPES)),
  args: v.optional(v.array(v.string())),
  namespace: v.optional(v.pipe(v.string(), v.maxLength(253))),
  extra_args: v.optional(v.array(v.string())),
  argv: v.optional(v.pipe(v.array(v.string()), v.minLength(1))),
  timeout_seconds: v.optional(integerIn(LIMITS.minTimeoutSeconds, LIMITS.maxTimeoutSeconds)),
});

/** `POST /debug/diagnose`: one cluster (`cluster_id`) or several (`cluster_ids`). */
export const DiagnoseBody = v.object({
  cluster_id: v.optional(v.string()),
  cluster_ids: v.optional(v.pipe(v.array(v.string()), v.minLength(1), v.maxLength(LIMITS.maxFanoutClusters))),
  namespace: v.optional(v.pipe(v.string(), v.maxLength(253))),
  analyzers: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(64))),
  timeout_seconds: v.optional(integerIn(LIMITS.minTimeoutSeconds, LIMITS.maxTimeoutSeconds)),
  correlation_id: v.optional(shortText),
  require_agent: v.optional(v.boolean()),
});

/** `POST /admin/keys`. */
export const CreateKeyBody = v.object({
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/, "must be 1-64 letters, digits or ._:@-")),
  role: v.picklist(["admin", "operator", "viewer"]),
  clusters: v.optional(v.pipe(v.array(v.string()), v.maxLength(256))),
  namespaces: v.optional(v.pipe(v.array(v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a namespace name"))), v.minLength(1), v.maxLength(256))),
});

/** `POST /admin/agents/{cluster_id}/token/rotate`. */
export const RotateTokenBody = v.optional(v.object({ grace_seconds: v.optional(integerIn(0, 86_400)) }));

/** `POST /debug/policy/explain`: the execute body without waiting. */
export const ExplainBody = v.object({
  cluster_id: v.string(),
  command_type: v.optional(v.picklist(COMMAND_TYPES)),
  args: v.optional(v.array(v.string())),
  namespace: v.optional(v.pipe(v.string(), v.maxLength(253))),
  extra_args: v.optional(v.array(v.string())),
  argv: v.optional(v.pipe(v.array(v.string()), v.minLength(1))),
});

/** argv from a full `argv`, or Kubently's `command_type` + `args` (+ namespace, extra_args). */
export function argvOf(input: ExecuteSpec): string[] {
  const argv = argvOfSpec(input);
  if (!argv) throw new KubentlyError("VALIDATION_FAILED", "give argv, or command_type with its args");
  return argv;
}

/** `POST /agent/extend`. */
export const AgentExtendBody = v.object({ lease_id: shortText, command_id: shortText });

/** `POST /agent/stream`: one chunk of a streamed command's output. */
export const AgentStreamBody = v.object({
  lease_id: shortText,
  command_id: shortText,
  seq: v.pipe(v.number(), v.integer(), v.minValue(0)),
  data: v.pipe(v.string(), v.maxLength(LIMITS.maxStreamPostBytes)),
});

/** `POST /agent/results`. */
export const AgentResultBody = v.object({ lease_id: v.optional(shortText), result: v.unknown() });

/** Parses `input` with `schema` or throws `VALIDATION_FAILED` naming the fields. */
export function parseBody<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  // Every body is a JSON object (valibot's object schema would also take an array).
  if (input !== undefined && (typeof input !== "object" || input === null || Array.isArray(input))) {
    throw new KubentlyError("VALIDATION_FAILED", "request body must be a JSON object");
  }
  const parsed = v.safeParse(schema, input);
  if (parsed.success) return parsed.output;
  throw new KubentlyError("VALIDATION_FAILED", describeIssues(parsed.issues), {
    details: { fields: parsed.issues.map((i) => ({ field: v.getDotPath(i) ?? "body", message: i.message })) },
  });
}
