/**
 * The A2A agent executor: turns one A2A message into one Kubently command,
 * run through `localClient` as the caller (so policy, audit and limits apply
 * exactly as for REST), and reports it as task events: the task, a
 * `working` status, an artifact with the output, then a final status.
 *
 * In `message/stream` a command on one cluster streams: each chunk of
 * kubectl's output is an `artifact-update` as it lands (one artifact, text
 * parts appended), closed by an update with the data part and `lastChunk`.
 *
 * A diagnosis (the `diagnose` skill) runs through `client.diagnose` (or
 * `diagnoseFanout`) and never streams: one artifact per cluster with the
 * findings as framed text and the DiagnoseView as data.
 *
 * Final states: `completed` (kubectl succeeded, the analyzers ran),
 * `failed` (kubectl failed, timed out, or the request was unusable),
 * `rejected` (a policy denied the command; the status message names the
 * policy and the reason), `canceled` (tasks/cancel), `input-required` (no
 * cluster named and more than one available: the reply names one).
 */
import { randomUUID } from "node:crypto";
import { Role, TaskState, type Artifact, type Message, type Part, type Task } from "@a2a-js/sdk";
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext, type User } from "@a2a-js/sdk/server";
import { localClient, type CommandView, type DiagnoseFanoutView, type DiagnoseView } from "../client.ts";
import { renderDiagnosis, summaryLine } from "../diagnose/render.ts";
import type { Diagnosis } from "../diagnose/run.ts";
import { isKubentlyError } from "../errors.ts";
// Type-only imports of the MCP SDK there: this pulls no MCP code into the A2A server.
import { frameClusterOutput } from "../wire/untrusted.ts";
import type { KubentlyHost } from "../services.ts";
import { LIMITS } from "../limits.ts";
import type { Identity } from "../schemas.ts";
import { BoundedMap } from "./_bounded-map.ts";
import { readMessage, type DiagnoseIntent } from "./input.ts";
import { taskOwner } from "./task-store.ts";

/** The authenticated caller, as the A2A SDK carries it through a call. */
export class KubentlyUser implements User {
  constructor(readonly identity: Identity) {}
  get isAuthenticated(): boolean {
    return true;
  }
  get userName(): string {
    return this.identity.name;
  }
}

/** Key of the per-call values (from HTTP headers) in `ServerCallContext.state`. */
export const CALL_META = "kubently.call";

/** Per-call values taken from the transport (headers), not from the message. */
export interface CallMeta {
  correlationId?: string;
  timeoutSeconds?: number;
  /** `X-Service-Identity`: recorded with the command, never used for access. */
  onBehalfOf?: string;
  /** The call is `message/stream`: a command on one cluster streams its output as artifact updates. */
  stream?: boolean;
}

/** Options for {@link kubentlyExecutor}. */
export interface KubentlyExecutorOptions {
  /** TTL of the Kubently sessions created per A2A context. @default LIMITS.defaultSessionTtlSeconds */
  sessionTtlSeconds?: number;
  /** A2A contexts remembered (their sessions and last cluster). @default 10000 */
  maxContexts?: number;
  /** How long an idle context is remembered, in ms. @default 3600000 */
  contextTtlMs?: number;
}

/** Marker of the data part in an `input-required` status: which command waits for a cluster. */
const AWAITING = "kubently.awaiting-cluster";

const textPart = (text: string): Part => ({ content: { $case: "text", value: text }, mediaType: "text/plain", filename: "", metadata: undefined });
const dataPart = (data: Record<string, unknown>): Part => ({ content: { $case: "data", value: data }, mediaType: "application/json", filename: "", metadata: undefined });

/** A printable id of at most LIMITS.maxIdLength characters, or undefined. */
const asCorrelationId = (value: string | undefined): string | undefined =>
  value !== undefined && value.length > 0 && value.length <= LIMITS.maxIdLength && /^[\x20-\x7e]+$/.test(value) ? value : undefined;

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/** The executor plus what the server needs to shut it down. */
export interface KubentlyAgentExecutor extends AgentExecutor {
  /** Waits up to `maxMs` for running commands, then cancels the rest. */
  drain(maxMs: number): Promise<void>;
  /** Commands running now. */
  readonly runningCount: number;
  /** True while an execution for the task runs. */
  isRunning(taskId: string): boolean;
}

/** Builds the executor for one Kubently instance. */
export function kubentlyExecutor(kubently: KubentlyHost, options: KubentlyExecutorOptions = {}): KubentlyAgentExecutor {
  const running = new Map<string, Running>();
  // Per (caller, tenant, A2A context): the Kubently session per cluster, and the cluster last used.
  const contexts = new BoundedMap<string, { lastClusterId?: string; sessions: Map<string, string> }>({
    max: options.maxContexts ?? 10_000,
    ttlMs: options.contextTtlMs ?? 3_600_000,
  });
  const sessionTtlSeconds = options.sessionTtlSeconds ?? LIMITS.defaultSessionTtlSeconds;

  async function run(rc: RequestContext, bus: ExecutionEventBus, signal: AbortSignal): Promise<void> {
    const { taskId, contextId } = rc;
    const now = () => new Date().toISOString();
    const message = (parts: Part[]): Message => ({
      messageId: randomUUID(),
      contextId,
      taskId,
      role: Role.ROLE_AGENT,
      parts,
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    });
    const status = (state: TaskState, text: string, data?: Record<string, unknown>) =>
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: { state, message: message(data ? [textPart(text), dataPart(data)] : [textPart(text)]), timestamp: now() },
          metadata: undefined,
        }),
      );
    const artifact = (a: Omit<Artifact, "metadata" | "extensions"> & { metadata?: Artifact["metadata"] }, chunk: ChunkFlags = WHOLE) =>
      bus.publish(AgentEvent.artifactUpdate({ taskId, contextId, artifact: { ...a, metadata: a.metadata, extensions: [] }, ...chunk, metadata: undefined }));

    // Every execution starts with the task itself (the SDK requires it, follow-up turns included).
    const previous = rc.task;
    const task: Task = previous
      ? structuredClone(previous)
      : { id: taskId, contextId, status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now() }, artifacts: [], history: [rc.userMessage], metadata: undefined };
    bus.publish(AgentEvent.task(task));

    const user = rc.context.user;
    if (!(user instanceof KubentlyUser)) return status(TaskState.TASK_STATE_FAILED, "not authenticated");
    const client = localClient(kubently, user.identity);
    const meta = (rc.context.state.get(CALL_META) as CallMeta | undefined) ?? {};

    // A reply to "which cluster?" carries on with the command (or diagnosis) that was waiting.
    const pending = previous?.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED ? pendingOf(previous) : undefined;
    const awaiting = pending?.argv;
    const read = readMessage(rc.userMessage, { awaitingCluster: pending !== undefined });
    if (!read.ok) return status(TaskState.TASK_STATE_FAILED, read.reason, { error: read.reason, code: "BAD_REQUEST" });
    let intent = read.intent;
    if (intent.kind === "command" && !intent.argv && pending?.diagnose) {
      intent = { ...pending.diagnose, kind: "diagnose", ...(intent.clusterId ? { clusterId: intent.clusterId } : {}), ...(intent.correlationId ? { correlationId: intent.correlationId } : {}), ...(intent.timeoutSeconds ? { timeoutSeconds: intent.timeoutSeconds } : {}) };
    }

    const scope = `${taskOwner(rc.context)}\n${rc.context.tenant ?? ""}\n${contextId}`;
    const remembered = contexts.get(scope) ?? { sessions: new Map<string, string>() };
    /**
     * The cluster to run on: the one named, else the one this context used
     * last, else the caller's only one. Undefined when it asked which (or
     * said there is none): the task's status is then already published.
     */
    const chooseCluster = async (named: string | undefined, waiting: Record<string, unknown>): Promise<string | undefined> => {
      const chosen = named ?? remembered.lastClusterId;
      if (chosen) return chosen;
      const clusters = await client.listClusters();
      if (clusters.length === 1) return clusters[0]!.id;
      if (clusters.length === 0) {
        status(TaskState.TASK_STATE_FAILED, "No clusters are available to you.", { error: "no clusters", code: "CLUSTER_NOT_FOUND", known_clusters: [] });
        return undefined;
      }
      const ids = clusters.map((c) => c.id);
      status(TaskState.TASK_STATE_INPUT_REQUIRED, `Which cluster? You may use: ${ids.join(", ")}. Reply with the cluster id (or send the request again with "on cluster <id>").`, {
        [AWAITING]: true,
        ...waiting,
        known_clusters: ids,
      });
      return undefined;
    };

    try {
      if (intent.kind === "list-clusters") {
        const clusters = await client.listClusters();
        const text = clusters.length === 0 ? "No clusters are available to you." : clusters.map((c) => `${c.id}\t${c.connected ? "connected" : "agent not connected"}`).join("\n");
        artifact({ artifactId: randomUUID(), name: "clusters", description: "Clusters you may run commands on", parts: [textPart(text), dataPart({ clusters })] });
        return status(TaskState.TASK_STATE_COMPLETED, `${clusters.length} cluster${clusters.length === 1 ? "" : "s"} available`);
      }

      if (intent.kind === "fanout") {
        const correlationId = intent.correlationId ?? meta.correlationId ?? asCorrelationId(contextId) ?? taskId;
        status(TaskState.TASK_STATE_WORKING, `Running \`kubectl ${intent.argv.join(" ")}\` on ${intent.clusterIds.length} clusters`, { cluster_ids: intent.clusterIds, argv: intent.argv });
        const timeoutSeconds = intent.timeoutSeconds ?? meta.timeoutSeconds;
        const fan = await client.fanout({ clusterIds: intent.clusterIds, argv: intent.argv, correlationId, signal, ...(timeoutSeconds ? { timeoutSeconds } : {}) });
        for (const r of fan.results) {
          const printed = ("output" in r && r.output) || r.error || "";
          artifact({ artifactId: randomUUID(), name: `kubectl output: ${r.cluster_id}`, description: `${r.cluster_id}: ${r.status}`, parts: [textPart(printed || "(no output)"), dataPart({ ...r, output: undefined })], metadata: UNTRUSTED });
        }
        const summary = `${fan.succeeded} of ${fan.count} clusters succeeded`;
        return status(fan.succeeded > 0 ? TaskState.TASK_STATE_COMPLETED : TaskState.TASK_STATE_FAILED, summary, { correlation_id: fan.correlation_id, count: fan.count, succeeded: fan.succeeded });
      }

      if (intent.kind === "diagnose") {
        const correlationId = intent.correlationId ?? meta.correlationId ?? asCorrelationId(contextId) ?? taskId;
        const timeoutSeconds = intent.timeoutSeconds ?? meta.timeoutSeconds;
        const request = {
          ...(intent.namespace ? { namespace: intent.namespace } : {}),
          ...(intent.analyzers?.length ? { analyzers: intent.analyzers } : {}),
          ...(timeoutSeconds ? { timeoutSeconds } : {}),
          correlationId,
          signal,
          ...(meta.onBehalfOf ? { onBehalfOf: meta.onBehalfOf } : {}),
        };
        const asked = { ...(intent.namespace ? { namespace: intent.namespace } : {}), ...(intent.analyzers?.length ? { analyzers: intent.analyzers } : {}) };
        const place = intent.namespace ? `namespace ${intent.namespace}` : "the cluster";
        if (intent.clusterIds) {
          status(TaskState.TASK_STATE_WORKING, `Diagnosing ${place} on ${intent.clusterIds.length} clusters`, { cluster_ids: intent.clusterIds, ...asked });
          return reportDiagnosisFanout(await client.diagnoseFanout({ clusterIds: intent.clusterIds, ...request }), { status, artifact });
        }
        const clusterId = await chooseCluster(intent.clusterId, { diagnose: asked });
        if (!clusterId) return;
        status(TaskState.TASK_STATE_WORKING, `Diagnosing ${place} on cluster ${clusterId}`, { cluster_id: clusterId, ...asked });
        if (signal.aborted) return status(TaskState.TASK_STATE_CANCELED, "Canceled before the diagnosis was queued.");
        const view = await client.diagnose({ clusterId, ...request });
        remembered.lastClusterId = clusterId;
        contexts.set(scope, remembered);
        return reportDiagnosis(view, { status, artifact }, signal);
      }

      const argv = intent.argv ?? awaiting;
      if (!argv) return status(TaskState.TASK_STATE_FAILED, "say which command to run, e.g. \"get pods in namespace shop\"", { error: "no command", code: "BAD_REQUEST" });

      const clusterId = await chooseCluster(intent.clusterId, { argv });
      if (!clusterId) return;

      const command = `kubectl ${argv.join(" ")}`;
      status(TaskState.TASK_STATE_WORKING, `Running \`${command}\` on cluster ${clusterId}`, { cluster_id: clusterId, argv });
      if (signal.aborted) return status(TaskState.TASK_STATE_CANCELED, "Canceled before the command was queued.");

      const correlationId = intent.correlationId ?? meta.correlationId ?? asCorrelationId(contextId) ?? taskId;
      const timeoutSeconds = intent.timeoutSeconds ?? meta.timeoutSeconds;
      // Streamed: every chunk appends a text part to one artifact, as it lands.
      // The artifact is named after the command, as in message/send (the first chunk tells its id).
      const stream = meta.stream && client.executeStreamed ? { artifactId: "", chunks: 0 } : undefined;
      const onChunk = (chunk: string, _seq: number, commandId: string) => {
        if (!chunk) return;
        stream!.artifactId ||= commandId || randomUUID();
        artifact({ artifactId: stream!.artifactId, name: OUTPUT, description: command, parts: [textPart(chunk)], metadata: UNTRUSTED }, { append: stream!.chunks++ > 0, lastChunk: false });
      };
      const exec = (sessionId: string) => {
        // Canceled while the session was being made: queue nothing.
        if (signal.aborted) throw new Error("canceled");
        const request = {
          clusterId: clusterId!,
          argv,
          sessionId,
          correlationId,
          signal,
          ...(timeoutSeconds ? { timeoutSeconds } : {}),
          ...(intent.maxBytes ? { maxBytes: intent.maxBytes } : {}),
          ...(meta.onBehalfOf ? { onBehalfOf: meta.onBehalfOf } : {}),
        };
        // The execute service checks the budgets (a byte budget or the long timeout only when streamed).
        return stream ? client.executeStreamed!(request, onChunk) : client.execute(request);
      };

      let view: CommandView;
      if (intent.sessionId) {
        view = await exec(intent.sessionId);
      } else {
        // One Kubently session per A2A context and cluster, created on first use and replaced when it has ended.
        const known = remembered.sessions.get(clusterId);
        const fresh = async () => {
          const s = await client.createSession(clusterId!, { ttlSeconds: sessionTtlSeconds, correlationId });
          remembered.sessions.set(clusterId!, s.session_id);
          return s.session_id;
        };
        try {
          view = await exec(known ?? (await fresh()));
        } catch (e) {
          if (!known || !(isKubentlyError(e, "SESSION_NOT_FOUND") || isKubentlyError(e, "SESSION_CLOSED"))) throw e;
          view = await exec(await fresh());
        }
      }
      remembered.lastClusterId = clusterId;
      contexts.set(scope, remembered);

      return report(view, argv, command, { status, artifact }, signal, stream);
    } catch (e) {
      if (signal.aborted) return status(TaskState.TASK_STATE_CANCELED, "Canceled.");
      const code = isKubentlyError(e) ? e.code : "INTERNAL";
      const details = isKubentlyError(e) && e.details && typeof e.details === "object" ? (e.details as Record<string, unknown>) : {};
      let text = isKubentlyError(e) ? e.message : "internal error";
      const known = details.known_clusters;
      if (Array.isArray(known)) text += known.length ? `; clusters you may use: ${known.join(", ")}` : "; no clusters are available to you";
      const state = code === "FORBIDDEN" ? TaskState.TASK_STATE_REJECTED : TaskState.TASK_STATE_FAILED;
      return status(state, text, { error: text, code, ...details });
    }
  }

  return {
    get runningCount() {
      return running.size;
    },

    isRunning(taskId) {
      return running.has(taskId);
    },

    async execute(rc, bus) {
      const controller = new AbortController();
      let finish!: () => void;
      const entry: Running = { controller, done: new Promise<void>((r) => (finish = r)) };
      running.set(rc.taskId, entry);
      try {
        await run(rc, bus, controller.signal);
      } finally {
        running.delete(rc.taskId);
        finish();
      }
    },

    async cancelTask(taskId, bus) {
      const entry = running.get(taskId);
      if (entry) {
        // Aborting the execute call cancels the queued command; the run then reports `canceled`.
        entry.controller.abort();
        await entry.done;
        return;
      }
      // No execution runs for this task (it just ended, or waits for input): end it here. The SDK
      // ignores this for a task that already reached a final state and then answers "not cancelable".
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId: "",
          status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: new Date().toISOString() },
          metadata: undefined,
        }),
      );
    },

    async drain(maxMs) {
      const all = [...running.values()];
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.all(all.map((r) => r.done)), new Promise((r) => (timer = setTimeout(r, maxMs)))]);
      clearTimeout(timer);
      for (const r of running.values()) r.controller.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}

/** What an `input-required` task waits to run (an argv, or a diagnosis), from its status message. */
function pendingOf(task: Task): { argv?: string[]; diagnose?: Omit<DiagnoseIntent, "kind"> } | undefined {
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((a) => typeof a === "string");
  for (const part of task.status?.message?.parts ?? []) {
    if (part.content?.$case !== "data") continue;
    const data = part.content.value as Record<string, unknown> | undefined;
    if (data?.[AWAITING] !== true) continue;
    if (strings(data.argv)) return { argv: data.argv };
    const d = data.diagnose as { namespace?: unknown; analyzers?: unknown } | undefined;
    if (d && typeof d === "object") {
      return { diagnose: { ...(typeof d.namespace === "string" ? { namespace: d.namespace } : {}), ...(strings(d.analyzers) ? { analyzers: d.analyzers } : {}) } };
    }
  }
  return undefined;
}

/** The name of the artifact holding a command's output. */
const OUTPUT = "kubectl output";

/**
 * Metadata of every artifact that carries command output: the text came
 * from the cluster (pod logs, annotations, event messages: anything a
 * workload can write), so a client must treat it as data, never as
 * instructions. See docs/security.md, "Prompt injection".
 */
export const UNTRUSTED = Object.freeze({ "kubently/untrusted": true, "kubently/source": "cluster-output" });

/** How an artifact update relates to the artifact's earlier updates. */
type ChunkFlags = { append: boolean; lastChunk: boolean };
/** A whole artifact in one update. */
const WHOLE: ChunkFlags = { append: false, lastChunk: true };

type Publish = {
  status: (state: TaskState, text: string, data?: Record<string, unknown>) => void;
  artifact: (a: Omit<Artifact, "metadata" | "extensions"> & { metadata?: Artifact["metadata"] }, chunk?: ChunkFlags) => void;
};

/**
 * Publishes the artifact and final status for a command's outcome. A
 * streamed command (`stream`) already sent its output as text parts: its
 * artifact is closed with the data part alone, so no output is sent twice.
 */
function report(view: CommandView, argv: string[], command: string, out: Publish, signal: AbortSignal, stream?: { artifactId: string; chunks: number }): void {
  const { output, ...rest } = view;
  const data = { ...rest, argv };
  const printed = [output, view.error ?? ""].filter((s) => s !== "").join(output && view.error ? "\n" : "");
  const withArtifact = () =>
    stream
      ? out.artifact({ artifactId: stream.artifactId || view.command_id, name: OUTPUT, description: command, parts: [dataPart(data)], metadata: UNTRUSTED }, { append: stream.chunks > 0, lastChunk: true })
      : out.artifact({ artifactId: view.command_id, name: OUTPUT, description: command, parts: [textPart(printed), dataPart(data)], metadata: UNTRUSTED });
  switch (view.status) {
    case "success":
      withArtifact();
      return out.status(TaskState.TASK_STATE_COMPLETED, `\`${command}\` succeeded${view.truncated ? " (output truncated)" : ""}`, data);
    case "denied":
      return out.status(TaskState.TASK_STATE_REJECTED, `Denied by policy ${view.policy ?? "unknown"}: ${view.error ?? "not allowed"}`, data);
    case "cancelled":
      if (printed || stream?.chunks) withArtifact();
      return out.status(signal.aborted ? TaskState.TASK_STATE_CANCELED : TaskState.TASK_STATE_FAILED, `\`${command}\` was cancelled${view.error ? `: ${view.error}` : ""}`, data);
    case "timeout":
      if (printed || stream?.chunks) withArtifact();
      return out.status(TaskState.TASK_STATE_FAILED, `\`${command}\` timed out${view.error ? `: ${view.error}` : ""}`, data);
    case "failure":
      withArtifact();
      return out.status(TaskState.TASK_STATE_FAILED, `\`${command}\` failed${view.exit_code !== null ? ` (exit code ${view.exit_code})` : ""}${view.error ? `: ${firstLine(view.error)}` : ""}`, data);
    default:
      return out.status(TaskState.TASK_STATE_FAILED, `\`${command}\` ended with status ${view.status}`, data);
  }
}

const firstLine = (text: string) => {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
};

/** The name of the artifact holding a diagnosis (`diagnosis: <cluster>` in a fan-out). */
const DIAGNOSIS = "diagnosis";

/**
 * A diagnosis as text, as the MCP tool answers it: the findings framed as
 * data from the cluster (object names, evidence and log lines are
 * workload-written), a denial's reason (ours) plain, any other error framed
 * (it may quote an API server).
 */
function diagnosisText(view: DiagnoseView | DiagnoseFanoutView["results"][number]): string {
  const where = "command_id" in view ? `diagnosis ${view.command_id} of cluster ${view.cluster_id}` : `diagnosis of cluster ${view.cluster_id}`;
  if (view.success && "analyzed" in view && view.analyzed) return frameClusterOutput(`Findings of ${where}`, renderDiagnosis(view as unknown as Diagnosis));
  if (view.status === "denied") return `denied by policy ${("policy" in view && view.policy) || "unknown"}: ${view.error ?? "no reason given"}`;
  return `${where} ended with status ${view.status}${view.code ? ` (${view.code})` : ""}: ${frameClusterOutput(`Error of ${where}`, view.error ?? "no detail")}`;
}

/** Publishes one cluster's diagnosis: the artifact (findings as framed text, the view as data) and the final status. */
function reportDiagnosis(view: DiagnoseView, out: Publish, signal: AbortSignal): void {
  // The status carries the view without its findings: those are in the artifact, marked untrusted.
  const { findings: _findings, ...rest } = view;
  const what = `The diagnosis of cluster ${view.cluster_id}`;
  switch (view.status) {
    case "success":
      // The diagnose service answers status success only with a diagnosis; anything else is a failure below.
      if (view.analyzed) {
        const place = view.analyzed.namespace ? `namespace ${view.analyzed.namespace}` : "the cluster";
        out.artifact({ artifactId: view.command_id, name: DIAGNOSIS, description: `Diagnosis of ${place} on cluster ${view.cluster_id}`, parts: [textPart(diagnosisText(view)), dataPart(view)], metadata: UNTRUSTED });
        return out.status(TaskState.TASK_STATE_COMPLETED, `Diagnosis of cluster ${view.cluster_id}: ${summaryLine(view as unknown as Diagnosis)}`, rest);
      }
      return out.status(TaskState.TASK_STATE_FAILED, `${what} failed: ${firstLine(view.error ?? "no diagnosis in the answer")}`, rest);
    case "denied":
      return out.status(TaskState.TASK_STATE_REJECTED, `Denied by policy ${view.policy ?? "unknown"}: ${view.error ?? "not allowed"}`, rest);
    case "cancelled":
      return out.status(signal.aborted ? TaskState.TASK_STATE_CANCELED : TaskState.TASK_STATE_FAILED, `${what} was cancelled${view.error ? `: ${view.error}` : ""}`, rest);
    case "timeout":
      return out.status(TaskState.TASK_STATE_FAILED, `${what} timed out${view.error ? `: ${view.error}` : ""}`, rest);
    default:
      return out.status(TaskState.TASK_STATE_FAILED, `${what} failed${view.code ? ` (${view.code})` : ""}${view.error ? `: ${firstLine(view.error)}` : ""}`, rest);
  }
}

/** Publishes a diagnosis fan-out as execute fan-out does: one artifact per cluster, then `completed` when one succeeded. */
function reportDiagnosisFanout(fan: DiagnoseFanoutView, out: Publish): void {
  for (const r of fan.results) {
    out.artifact({
      artifactId: ("command_id" in r && r.command_id) || randomUUID(),
      name: `${DIAGNOSIS}: ${r.cluster_id}`,
      description: `${r.cluster_id}: ${r.status}`,
      parts: [textPart(diagnosisText(r)), dataPart({ ...r })],
      metadata: UNTRUSTED,
    });
  }
  const totals = fan.results.reduce((n, r) => n + ("summary" in r ? r.summary.total : 0), 0);
  const summary = `${fan.succeeded} of ${fan.count} clusters diagnosed, ${totals} finding${totals === 1 ? "" : "s"}`;
  out.status(fan.succeeded > 0 ? TaskState.TASK_STATE_COMPLETED : TaskState.TASK_STATE_FAILED, summary, { correlation_id: fan.correlation_id, count: fan.count, succeeded: fan.succeeded });
}
