/**
 * `diagnosis.finished`: what a diagnosis found, in brief. Counts, and per
 * finding its id, severity, code and title; never its evidence (status
 * lines, event messages, log lines), which the caller reads in the answer.
 */
import type { ExecuteOutcome } from "../execute.ts";
import type { Diagnosis } from "./run.ts";
import type { Identity } from "../schemas.ts";
import { namespaceOfArgv } from "../events/audit.ts";
import type { EventInput } from "../events/types.ts";

/** Findings listed in one event at most; `findings_truncated` says when there were more. */
export const MAX_EVENT_FINDINGS = 100;

/** The event of one cluster's diagnosis. */
export function diagnosisEvent(identity: Pick<Identity, "name">, d: { outcome: ExecuteOutcome; diagnosis?: Diagnosis; error?: { code?: string } }): EventInput {
  const { outcome, diagnosis } = d;
  const findings = diagnosis?.findings ?? [];
  const namespace = namespaceOfArgv(outcome.argv);
  return {
    type: "diagnosis.finished",
    clusterId: outcome.clusterId,
    ...(namespace ? { namespace } : {}),
    identity: identity.name,
    data: {
      command_id: outcome.commandId,
      correlation_id: outcome.correlationId,
      status: diagnosis ? "success" : outcome.status,
      ...(d.error?.code ? { code: d.error.code } : {}),
      ...(diagnosis
        ? {
            summary: { ...diagnosis.summary },
            findings: findings.slice(0, MAX_EVENT_FINDINGS).map((f) => ({ id: f.id, severity: f.severity, code: f.code, title: f.title })),
            ...(findings.length > MAX_EVENT_FINDINGS ? { findings_truncated: true } : {}),
            duration_ms: diagnosis.duration_ms,
          }
        : {}),
    },
  };
}
