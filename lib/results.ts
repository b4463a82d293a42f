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
