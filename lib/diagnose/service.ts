/**
 * The API side of diagnostics: a request (cluster, namespace, analyzers)
 * becomes the signed command `diagnose [-n NS | -A] [--analyzers ...] -o json`,
 * queued and audited through the execute service like any kubectl command
 * (same auth, scopes, policies, rate limits), and the agent's JSON answer is
 * read back into a {@link Diagnosis}. REST, MCP, A2A and the CLI all call this.
 */
import type { ClusterService } from "../clusters.ts";
import { KubentlyError } from "../errors.ts";
import type { EventBus } from "../events/bus.ts";
import { diagnosisEvent } from "./_event.ts";
import type { ExecuteOutcome, ExecuteService } from "../execute.ts";
import { LIMITS } from "../limits.ts";
import type { Identity, Result } from "../schemas.ts";
import type { Diagnosis } from "./run.ts";

/** What one diagnosis request says. */
export interface DiagnoseInput {
  clusterId: string;
  /** One namespace; absent: the whole cluster, or the caller's only namespace when its key is scoped to one. */
  namespace?: string;
  /** Analyzer ids to run; absent or empty: every analyzer the agent has. */
  analyzers?: string[];
  /** @default LIMITS.defaultTimeoutSeconds (10; at most LIMITS.maxTimeoutSeconds) */
  timeoutSeconds?: number;
  correlationId?: string;
  signal?: AbortSignal;
  onBehalfOf?: string;
  requireAgent?: boolean;
}

/** One cluster's diagnosis: the command's outcome and, when it succeeded, what the analyzers found. */
export interface ClusterDiagnosis {
  outcome: ExecuteOutcome;
  /** Present when the agent answered with a diagnosis. */
  diagnosis?: Diagnosis;
  /** Present when it did not: why (`status` says how it ended). */
  error?: { code?: string; message: string; policy?: string };
}

const ANALYZER_ID = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Analyzer ids one request may name. */
export const MAX_ANALYZERS_PER_REQUEST = 64;

/** Throws VALIDATION_FAILED naming what is wrong with the request's fields. */
function check(input: Pick<DiagnoseInput, "namespace" | "analyzers">): void {
  if (input.namespace !== undefined && !NAMESPACE.test(input.namespace)) {
    throw new KubentlyError("VALIDATION_FAILED", "namespace must be a DNS label: lowercase letters, digits and '-', at most 63", { details: { fields: [{ field: "namespace", message: "not a DNS label" }] } });
  }
  const ids = input.analyzers ?? [];
  if (ids.length > MAX_ANALYZERS_PER_REQUEST) throw new KubentlyError("VALIDATION_FAILED", `analyzers may name at most ${MAX_ANALYZERS_PER_REQUEST} ids`);
  const bad = ids.find((id) => typeof id !== "string" || !ANALYZER_ID.test(id));
  if (bad !== undefined) throw new KubentlyError("VALIDATION_FAILED", `analyzer id ${JSON.stringify(String(bad).slice(0, 80))} is not kebab-case`);
}

/** The namespace a request reads: the one asked for, else the caller's only one, else the whole cluster. */
function namespaceFor(identity: Identity, asked: string | undefined): string | null {
  if (asked !== undefined) return asked;
  const scope = identity.namespaces;
  if (!scope) return null;
  if (scope.length === 1) return scope[0]!;
  throw new KubentlyError("VALIDATION_FAILED", `name a namespace: this key reads only ${scope.join(", ")}`, { details: { fields: [{ field: "namespace", message: "required for a key scoped to several namespaces" }] } });
}

/** The argv the agent runs for a request. */
export function diagnoseArgv(namespace: string | null, analyzers: readonly string[] = []): string[] {
  return ["diagnose", ...(namespace ? ["-n", namespace] : ["-A"]), ...(analyzers.length ? ["--analyzers", [...new Set(analyzers)].join(",")] : []), "-o", "json"];
}

/** Reads the agent's answer. */
function read(outcome: ExecuteOutcome): ClusterDiagnosis {
  const r: Result | undefined = outcome.result;
  if (outcome.status !== "success" || !r) {
    const message = r?.error ?? (outcome.status === "queued" ? "queued" : `the diagnosis ended with status ${outcome.status}`);
    return { outcome, error: { ...(r?.code ? { code: r.code } : {}), message, ...(r?.policy ? { policy: r.policy } : {}) } };
  }
  try {
    const d = JSON.parse(r.output) as Diagnosis;
    if (!Array.isArray(d.findings) || typeof d.summary !== "object") throw new Error("not a diagnosis");
    return { outcome, diagnosis: d };
  } catch {
    return { outcome: { ...outcome, status: "failure" }, error: { code: "AGENT_ERROR", message: r.truncated ? "the agent's diagnosis was cut by the output cap" : "the agent's answer is not a diagnosis (an agent older than diagnostics?)" } };
  }
}

/** The diagnose service; each diagnosis that ran is published as `diagnosis.finished` on `events`. */
export function diagnoseService(execute: ExecuteService, clusters: ClusterService, events?: Pick<EventBus, "publish">) {
  const published = (identity: Identity, d: ClusterDiagnosis): ClusterDiagnosis => {
    events?.publish(diagnosisEvent(identity, d));
    return d;
  };

  /** Refuses analyzer ids the cluster's agent reported it does not run (when it reported its list). */
  async function checkAgainstAgent(identity: Identity, clusterId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const known = (await clusters.get(identity, clusterId)).agent?.analyzers;
    if (!known) return;
    const unknown = ids.filter((id) => !known.includes(id));
    if (unknown.length) {
      throw new KubentlyError("VALIDATION_FAILED", `unknown analyzer ${unknown.map((u) => JSON.stringify(u)).join(", ")} (cluster ${clusterId} runs: ${[...known].sort().join(", ")})`, { details: { known_analyzers: [...known].sort() } });
    }
  }

  /** An agent that found the request's analyzers unknown (exit 2) answers a validation error, as the API would have. */
  const refusedByAgent = (d: ClusterDiagnosis) => d.outcome.result?.status === "failure" && d.outcome.result.exitCode === 2;

  return {
    /** Diagnoses one cluster (or one namespace of it). */
    async diagnose(identity: Identity, input: DiagnoseInput): Promise<ClusterDiagnosis> {
      check(input);
      const namespace = namespaceFor(identity, input.namespace);
      await checkAgainstAgent(identity, input.clusterId, input.analyzers ?? []);
      const outcome = await execute.execute(identity, {
        clusterId: input.clusterId,
        argv: diagnoseArgv(namespace, input.analyzers),
        timeoutSeconds: input.timeoutSeconds ?? LIMITS.defaultTimeoutSeconds,
        ...(input.correlationId ? { correlationId: input.correlationId } : {}),
        ...(input.signal ? { signal: input.signal } : {}),
        ...(input.onBehalfOf ? { onBehalfOf: input.onBehalfOf } : {}),
        ...(input.requireAgent ? { requireAgent: true } : {}),
      });
      const d = published(identity, read(outcome));
      if (refusedByAgent(d)) throw new KubentlyError("VALIDATION_FAILED", (d.error?.message ?? "").replace(/^error: /, "").trim());
      return d;
    },

    /** Diagnoses several clusters at once; a cluster that fails is an error entry. */
    async fanout(identity: Identity, input: Omit<DiagnoseInput, "clusterId" | "requireAgent"> & { clusterIds: string[] }): Promise<{ clusterId: string; diagnosis?: ClusterDiagnosis; error?: { code: string; message: string } }[]> {
      check(input);
      const namespace = namespaceFor(identity, input.namespace);
      const entries = await execute.fanout(identity, {
        clusterIds: input.clusterIds,
        argv: diagnoseArgv(namespace, input.analyzers),
        timeoutSeconds: input.timeoutSeconds ?? LIMITS.defaultTimeoutSeconds,
        ...(input.correlationId ? { correlationId: input.correlationId } : {}),
        ...(input.signal ? { signal: input.signal } : {}),
        ...(input.onBehalfOf ? { onBehalfOf: input.onBehalfOf } : {}),
      });
      return entries.map((e) => {
        if (!e.outcome) return { clusterId: e.clusterId, error: e.error! };
        const d = published(identity, read(e.outcome));
        if (refusedByAgent(d)) return { clusterId: e.clusterId, error: { code: "VALIDATION_FAILED", message: (d.error?.message ?? "").replace(/^error: /, "").trim() } };
        return { clusterId: e.clusterId, diagnosis: d };
      });
    },
  };
}

/** The diagnose service's type. */
export type DiagnoseService = ReturnType<typeof diagnoseService>;
