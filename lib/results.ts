/** Results that carry no command output: refusals, timeouts, losses, cancellations. */
import type { Command, Result } from "./schemas.ts";

/**
 * A result written by the API, the queue or the agent itself when kubectl
 * did not (or must not) run. `code` says why in a machine-readable way.
 */
export function noOutputResult(
  command: Pick<Command, "id" | "clusterId">,
  status: Result["status"],
  code: string,
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
