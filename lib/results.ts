/** Result codes, and results that carry no command output: refusals, timeouts, losses, cancellations. */
import type { Command, Result } from "./schemas.ts";

/**
 * Every code a command's result can carry, with the status it comes with.
 * docs/errors.md lists them; a test keeps that list complete. (The HTTP
 * error codes are `ERROR_CODES` in errors.ts.)
 */
export const RESULT_CODES = {
  POLICY_DENIED: "denied",
  AGENT_REFUSED: "denied",
  SIGNATURE_INVALID: "denied",
  DEADLINE_EXCEEDED: "timeout",
  COMMAND_TIMEOUT: "timeout",
  STREAM_TIME_BUDGET: "success",
  STREAM_BYTE_BUDGET: "success",
  AGENT_LOST: "failure",
  AGENT_ERROR: "failure",
  EXECUTOR_UNSUPPORTED: "failure",
  POLICY_FAILED: "failure",
  CANCELLED: "cancelled",
} as const satisfies Record<string, Result["status"]>;

/** One of {@link RESULT_CODES}. */
export type ResultCode = keyof typeof RESULT_CODES;

/**
 * A result written by the API, the queue or the agent itself when kubectl
 * did not (or must not) run. `code` says why in a machine-readable way.
 */
export function noOutputResult(
  command: Pick<Command, "id" | "clusterId">,
  status: Result["status"],
  code: ResultCode | "",
  error: string,
  extra: { agentId?: string; policy?: string } = {},
): Result {
  return {
    commandId: command.id,
    clusterId: command.clusterId,
    status,
    exitCode: null,
    output: "",
    error,
    code,
    ...(extra.policy ? { policy: extra.policy } : {}),
    truncated: false,
    durationMs: 0,
    executedAt: Date.now(),
    agentId: extra.agentId ?? "",
  };
}

/** A command no agent started before its deadline. */
export const deadlineResult = (command: Pick<Command, "id" | "clusterId">): Result =>
  noOutputResult(command, "timeout", "DEADLINE_EXCEEDED", "no agent picked the command up before its deadline");

/** A command whose agent took it and went silent until its (last) lease ran out. */
export const agentLostResult = (command: Pick<Command, "id" | "clusterId">, deliveries?: number): Result =>
  noOutputResult(command, "failure", "AGENT_LOST", `the agent took the command but sent no result before its lease ran out${deliveries ? ` (${deliveries} deliveries)` : ""}`);
