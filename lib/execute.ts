/**
 * The execute flow (DESIGN.md section 4), shared by REST, A2A, MCP and the
 * CLI: resolve identity and cluster -> API-side policy pipeline -> build the
 * command -> queue it -> await its result -> audit -> answer.
 */
import type { ClusterService } from "./clusters.ts";
import type { CoreContext } from "./context.ts";
import { KubentlyError } from "./errors.ts";
import { withEventContext } from "./events/audit.ts";
import { canUseCluster, requireRole } from "./identity.ts";
import { namespaceScopeProblem } from "./kubectl/index.ts";
import { LIMITS } from "./limits.ts";
import type { AuditInput, Command, Identity, Result } from "./schemas.ts";
import type { PipelineDecision } from "./policy.ts";
import type { SessionService } from "./sessions.ts";
import { noOutputResult } from "./results.ts";
import { checkTraceText } from "./schemas.ts";
import { newId } from "./_utils.ts";
import { SpanKind, currentCarrier, failSpan, inSpan } from "./trace.ts";

/** Workers assumed for an agent that has not said how many it runs (the agent's default). */
const DEFAULT_AGENT_WORKERS = 4;
/** The share of a command's timeout the estimated queue wait plus its own run may take. */
const ADMISSION_HEADROOM = 0.8;

/** A request to run one kubectl command. */
export interface ExecuteInput {
  clusterId: string;
  /** kubectl arguments without the `kubectl` word. */
  argv: string[];
  sessionId?: string;
  correlationId?: string;
  /** Total budget in seconds: the command must be picked up and finished within it. */
  timeoutSeconds?: number;
  /** false: queue and answer at once; fetch the result later. @default true */
  wait?: boolean;
  /** Ends the wait early (the caller went away): the command is cancelled. */
  signal?: AbortSignal;
  /** `X-Service-Identity`: who the caller acts for; audited, never used for access. */
  onBehalfOf?: string;
  /** Fail at once (`CLUSTER_NOT_CONNECTED`) when no agent of the cluster is connected, instead of queueing for one. */
  requireAgent?: boolean;
  /**
   * Stream the output as it is produced (`logs -f`, `get -w`): follow it
   * with {@link ExecuteService.follow}. `timeoutSeconds` is then the
   * stream's time budget.
   */
  stream?: boolean;
  /** A streamed command's byte budget. @default LIMITS.defaultStreamBytes */
  maxBytes?: number;
}

/** One command on several clusters (a fan-out never streams). */
export type FanoutInput = Omit<ExecuteInput, "clusterId" | "sessionId" | "wait" | "stream" | "maxBytes"> & { clusterIds: string[] };

/** What following a streamed command yields: chunks as they land, then the result. */
export type StreamEvent = { type: "chunk"; seq: number; data: string } | { type: "result"; result: Result };

/** What execute answers. `result` is absent only for `queued`. */
export interface ExecuteOutcome {
  commandId: string;
  clusterId: string;
  sessionId?: string;
  correlationId: string;
  status: Result["status"] | "queued";
  argv: string[];
  result?: Result;
}

/** One cluster's part of a fan-out: its outcome, or the error that stopped it. */
export interface FanoutEntry {
  clusterId: string;
  outcome?: ExecuteOutcome;
  error?: { code: string; message: string };
}

/**
 * Throws `VALIDATION_FAILED` when a budget is out of bounds or a trace field
 * cannot travel in a header: every protocol's input is checked here, once.
 */
function checkInput(input: Pick<ExecuteInput, "timeoutSeconds" | "stream" | "maxBytes" | "correlationId" | "onBehalfOf">, fanout = false): void {
  const maxSeconds = input.stream ? LIMITS.maxStreamTimeoutSeconds : LIMITS.maxTimeoutSeconds;
  const whyNot = fanout ? "a fan-out does not stream" : `up to ${LIMITS.maxStreamTimeoutSeconds} for a streamed command`;
  const t = input.timeoutSeconds;
  if (t !== undefined && !(Number.isInteger(t) && t >= LIMITS.minTimeoutSeconds && t <= maxSeconds)) {
    throw new KubentlyError("VALIDATION_FAILED", `timeout_seconds must be ${LIMITS.minTimeoutSeconds} to ${maxSeconds}${input.stream ? "" : ` (${whyNot})`}`);
  }
  const maxBytes = input.maxBytes;
  if (maxBytes !== undefined) {
    if (!input.stream) throw new KubentlyError("VALIDATION_FAILED", `max_bytes applies only to a streamed command${fanout ? ` (${whyNot})` : ""}`);
    if (!(Number.isInteger(maxBytes) && maxBytes >= 1 && maxBytes <= LIMITS.maxStreamBytes)) {
      throw new KubentlyError("VALIDATION_FAILED", `max_bytes must be an integer from 1 to ${LIMITS.maxStreamBytes}`);
    }
  }
  checkTraceText("correlation_id", input.correlationId);
  checkTraceText("service identity", input.onBehalfOf);
}

/** Execute service for one Kubently instance. */
export function executeService(ctx: CoreContext, clusters: ClusterService, sessions: SessionService) {
  const { queue, audit, streams } = ctx.backend;


  const inflight = new Set<Promise<ExecuteOutcome>>();
  /** Per cluster, commands admitted here whose push has not landed yet (see admit). */
  const admitting = new Map<string, number>();
  let draining = false;

  /** The API-side decision: the policy pipeline, then the key's namespace scope. */
  async function decide(identity: Identity, input: Pick<ExecuteInput, "clusterId" | "argv" | "sessionId">, commandId?: string, dryRun = false): Promise<PipelineDecision> {
    const piped = await ctx.pipeline.before({
      ...(dryRun ? { dryRun } : {}),
      argv: input.argv,
      clusterId: input.clusterId,
      identity,
      requestedBy: identity.name,
      ...(commandId ? { commandId } : {}),
      ...(input.sessionId ? { sessionId: input.sessionId } : {}),
    });
    // A namespace-scoped key is held to its scope whatever policies the host configured.
    const problem = piped.allowed && identity.namespaces ? namespaceScopeProblem(piped.argv, identity.namespaces) : null;
    return problem ? { ...piped, allowed: false, policy: "identity-scope", reason: `this key is scoped to namespaces: ${problem}` } : piped;
  }

  /** A result the caller may see; `RESULT_NOT_FOUND` when unknown or not theirs; `null` result while pending. */
  async function visible(identity: Identity, commandId: string): Promise<{ command: Command; result: Result | null }> {
    const command = await queue.getCommand(commandId);
    const mine = command && canUseCluster(identity, command.clusterId) && (identity.role !== "operator" || command.requestedBy === identity.name);
    if (!command || !mine) throw new KubentlyError("RESULT_NOT_FOUND", `no command ${commandId.slice(0, 80)} (unknown, not yours, or expired)`);
    return { command, result: await queue.getResult(commandId) };
  }

  /** Runs one command, counted as in flight until it answers; `SHUTTING_DOWN` once draining. */
  function tracked(identity: Identity, input: ExecuteInput): Promise<ExecuteOutcome> {
    if (draining) return Promise.reject(new KubentlyError("SHUTTING_DOWN", "the API is shutting down; retry on another replica"));
    const call = inSpan("execute", { attributes: { "kubently.cluster_id": input.clusterId, "kubently.verb": input.argv[0] ?? "" } }, async (span) => {
      const outcome = await run(identity, input);
      span.setAttributes({ "kubently.command_id": outcome.commandId, "kubently.status": outcome.status });
      if (outcome.status !== "success" && outcome.status !== "queued") failSpan(span, outcome.result?.error ?? outcome.status);
      return outcome;
    });
    inflight.add(call);
    void call.finally(() => inflight.delete(call)).catch(() => {});
    return call;
  }

  async function run(identity: Identity, input: ExecuteInput): Promise<ExecuteOutcome> {
    requireRole(identity, ["admin", "operator"], "execute commands");
    checkInput(input);
    const cluster = await clusters.get(identity, input.clusterId);
    if (input.requireAgent && !cluster.connected) {
      const seen = cluster.lastSeenAt ? `; last seen ${new Date(cluster.lastSeenAt).toISOString()}` : "; never seen";
      throw new KubentlyError("CLUSTER_NOT_CONNECTED", `cluster ${cluster.id} has no connected agent${seen}: start its agent, or queue the command for one without require_agent`);
    }
    if (input.sessionId) await sessions.use(identity, input.sessionId, input.clusterId);

    const id = newId();
    const correlationId = input.correlationId ?? id;
    const base = { clusterId: input.clusterId, ...(input.sessionId ? { sessionId: input.sessionId } : {}) };
    const decision = await inSpan("policy", {}, async (span) => {
      const d = await decide(identity, input, id);
      span.setAttribute("kubently.decision", d.allowed ? "allowed" : "denied");
      if (!d.allowed) failSpan(span, `${d.policy}: ${d.reason}`);
      return d;
    });
    const auditBase = auditOf(identity, { id, correlationId, clusterId: input.clusterId, ...(input.sessionId ? { sessionId: input.sessionId } : {}), ...(input.onBehalfOf ? { onBehalfOf: input.onBehalfOf } : {}) });

    if (!decision.allowed) {
      const result = noOutputResult({ id, clusterId: input.clusterId }, "denied", "POLICY_DENIED", decision.reason!, { policy: decision.policy! });
      ctx.metrics.inc("kubently_commands_total", { status: "denied" });
      await audit.append({
        ...auditBase,
        at: Date.now(),
        eventType: "command.denied",
        argv: input.argv,
        decision: "denied",
        policy: decision.policy!,
        reason: decision.reason!,
      });
      if (decision.code === "RATE_LIMITED") {
        const retryAfter = Math.max(1, Math.ceil((decision.retryAfterMs ?? 1000) / 1000));
        throw new KubentlyError("RATE_LIMITED", decision.reason!, { details: { retry_after: retryAfter, policy: decision.policy } });
      }
      return { commandId: id, ...base, correlationId, status: "denied", argv: input.argv, result };
    }

    const timeoutMs = (input.timeoutSeconds ?? (input.stream ? LIMITS.defaultStreamTimeoutSeconds : LIMITS.defaultTimeoutSeconds)) * 1000;
    const admitted = input.stream ? null : await admit(cluster, timeoutMs);
    const now = Date.now();
    const command: Command = {
      id,
      ...base,
      argv: decision.argv,
      timeoutMs,
      deadline: now + timeoutMs,
      requestedBy: identity.name,
      ...(input.onBehalfOf ? { onBehalfOf: input.onBehalfOf } : {}),
      correlationId,
      createdAt: now,
      ...(input.stream ? { stream: { maxBytes: input.maxBytes ?? LIMITS.defaultStreamBytes } } : {}),
    };
    // Queued first, audited second: a command the backend refused (503) leaves no entry. Should the audit
    // fail after the push, the command is cancelled so nothing runs unaudited. (A very fast agent's
    // command.executed may then precede command.queued in the chain.)
    try {
      await inSpan("queue.push", { kind: SpanKind.PRODUCER, attributes: { "kubently.command_id": id } }, async () => {
        // The agent's spans become children of this one (the context rides with the command, unsigned).
        Object.assign(command, currentCarrier());
        command.signature = ctx.signer.sign(command);
        await queue.push(command);
      });
    } finally {
      admitted?.();
    }
    try {
      await audit.append({
        ...auditBase,
        at: now,
        eventType: "command.queued",
        argv: decision.argv,
        decision: "allowed",
        ...(decision.rewrites.length ? { reason: `rewritten by ${decision.rewrites.map((r) => r.policy).join(", ")}` } : {}),
      });
    } catch (e) {
      await queue.cancel(command.id, "the audit log could not record the command").catch(() => false);
      throw e;
    }
    ctx.metrics.inc("kubently_commands_total", { status: "queued" });

    const outcome = { commandId: id, ...base, correlationId, argv: decision.argv };
    if (input.wait === false) return { ...outcome, status: "queued" };

    const result = (await inSpan("await result", {}, () => settle(command, auditBase, input.signal)))!;
    ctx.metrics.observe("kubently_command_e2e_duration_seconds", (Date.now() - now) / 1000, { status: result.status });
    return { ...outcome, status: result.status, result };
  }

  /**
   * Admission control: refuses a plain command at once (429 `CLUSTER_BUSY`)
   * when the cluster's queue cannot be worked off within its timeout, the
   * wait being the queue depth times the agent's observed time per command
   * divided by its workers. Work that cannot finish is never started, so an
   * overloaded cluster keeps its goodput instead of timing everyone out.
   * Until a replica has seen a few results from the cluster it admits all.
   */
  async function admit(cluster: { id: string; agent?: { concurrency?: number } }, timeoutMs: number): Promise<(() => void) | null> {
    const serviceMs = clusters.serviceTimeMs(cluster.id);
    if (serviceMs === undefined) return null;
    // Commands this replica admitted whose push has not landed yet count as waiting: a burst of callers
    // would otherwise all read the same depth and all be admitted.
    const depth = (await queue.depth(cluster.id)) + (admitting.get(cluster.id) ?? 0);
    const workers = cluster.agent?.concurrency ?? DEFAULT_AGENT_WORKERS;
    // With a queue, every worker is busy: the line ahead plus the commands running now, then this one,
    // within the headroom that leaves room for polls, posts and a service time that drifts.
    const waitMs = depth === 0 ? 0 : (depth / workers + 1) * serviceMs;
    if (waitMs + serviceMs > timeoutMs * ADMISSION_HEADROOM) {
      ctx.metrics.inc("kubently_commands_refused_total", { reason: "cluster_busy" });
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      throw new KubentlyError(
        "CLUSTER_BUSY",
        `cluster ${cluster.id} has ${depth} commands waiting (about ${Math.ceil(waitMs / 1000)} s of work at ${Math.round(serviceMs)} ms each on ${workers} workers): this command could not finish within its ${timeoutMs / 1000} s timeout; retry after ${retryAfter} s`,
        { details: { retry_after: retryAfter, queue_depth: depth, service_ms: Math.round(serviceMs), workers } },
      );
    }
    admitting.set(cluster.id, (admitting.get(cluster.id) ?? 0) + 1);
    return () => {
      const left = (admitting.get(cluster.id) ?? 1) - 1;
      if (left > 0) admitting.set(cluster.id, left);
      else admitting.delete(cluster.id);
    };
  }


  /**
   * Waits for the command's result until its deadline (plus grace). When the
   * wait runs out, or the caller goes away (`signal`) and `cancelOnAbort`,
   * the command is cancelled so no agent starts it later; `null` only when
   * the signal ended the wait without cancelling.
   */
  async function settle(command: Command, auditBase: Omit<AuditInput, "at" | "eventType">, signal?: AbortSignal, cancelOnAbort = true): Promise<Result | null> {
    let result = await queue.awaitResult(command.id, { waitMs: command.deadline - Date.now() + LIMITS.resultGraceMs, ...(signal ? { signal } : {}) });
    if (result) return result;
    if (signal?.aborted && !cancelOnAbort) return null;
    const reason = signal?.aborted ? "the caller went away" : "no result within the command's timeout";
    // Whoever cancels it audits it: a result that lands meanwhile was audited by its agent's post.
    const ended = await queue.cancel(command.id, reason);
    result = await queue.getResult(command.id);
    if (result?.status === "cancelled" && !signal?.aborted) {
      result = { ...result, status: "timeout", code: "DEADLINE_EXCEEDED", error: reason };
    }
    if (ended) await audit.append(withEventContext({ ...auditBase, at: Date.now(), eventType: "command.timeout", outcome: result?.status ?? "timeout", reason }, { command, result }));
    return result ?? noOutputResult(command, "timeout", "DEADLINE_EXCEEDED", reason);
  }

  // The commands the queue ends on its own (deadline passed, agent lost) and the results agents post are
  // audited by the cluster service, through the queue's audit outbox; the cancels made here are audited here.

  /** Audit fields naming a command and who acts on it. */
  function auditOf(who: { name: string; role?: Identity["role"] }, c: Pick<Command, "id" | "clusterId" | "sessionId" | "correlationId" | "onBehalfOf">) {
    return {
      identity: who.name,
      ...(who.role ? { role: who.role } : {}),
      clusterId: c.clusterId,
      commandId: c.id,
      correlationId: c.correlationId,
      ...(c.sessionId ? { sessionId: c.sessionId } : {}),
      ...(c.onBehalfOf ? { onBehalfOf: c.onBehalfOf } : {}),
    };
  }

  /**
   * Follows a streamed command from chunk `from` on: chunks as the agent
   * posts them, and the result last. Stopping early (signal) leaves the command running;
   * past its deadline it is cancelled like any other.
   */
  async function* follow(identity: Identity, commandId: string, options: { from?: number; signal?: AbortSignal } = {}): AsyncGenerator<StreamEvent> {
    const { command } = await visible(identity, commandId);
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) stop.abort(); // gone before we listened
    const landed = new AbortController();
    const result = settle(command, auditOf(identity, command), stop.signal, false).finally(() => landed.abort());
    const reading = AbortSignal.any([landed.signal, stop.signal]);
    let next = Math.max(0, options.from ?? 0);
    try {
      for (;;) {
        const chunks = await streams.read(commandId, next, { waitMs: LIMITS.streamKeepAliveMs, signal: reading });
        for (const c of chunks) yield { type: "chunk", seq: c.seq, data: c.data };
        next += chunks.length;
        if (stop.signal.aborted) return;
        if (chunks.length > 0 || !landed.signal.aborted) continue;
        // The result is in: every chunk was stored before it. Send what is left, then the result.
        for (let rest = await streams.read(commandId, next); rest.length > 0; rest = await streams.read(commandId, next)) {
          for (const c of rest) yield { type: "chunk", seq: c.seq, data: c.data };
          next += rest.length;
        }
        const final = await result;
        if (final) yield { type: "result", result: final };
        return;
      }
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      stop.abort();
      await result.catch(() => null);
    }
  }

  return {
    /** Runs one command; `SHUTTING_DOWN` once {@link drain} has begun. */
    execute: tracked,

    /**
     * Runs the same command on several clusters in parallel: each one through
     * the whole execute flow (scope, policies, its own output cap and timeout),
     * sharing one correlation id. A cluster that fails is an error entry, not
     * a failed call.
     */
    async fanout(identity: Identity, input: FanoutInput): Promise<FanoutEntry[]> {
      const ids = [...new Set(input.clusterIds)];
      if (ids.length === 0 || ids.length > LIMITS.maxFanoutClusters) {
        throw new KubentlyError("VALIDATION_FAILED", `cluster_ids must name 1 to ${LIMITS.maxFanoutClusters} clusters`);
      }
      checkInput(input, true);
      const correlationId = input.correlationId ?? newId();
      return Promise.all(
        ids.map(async (clusterId): Promise<FanoutEntry> => {
          try {
            return { clusterId, outcome: await tracked(identity, { ...input, clusterId, correlationId }) };
          } catch (e) {
            if (!(e instanceof KubentlyError) || e.status >= 500) throw e;
            return { clusterId, error: { code: e.code, message: e.message } };
          }
        }),
      );
    },

    /** Refuses new commands and waits (at most `maxMs`) for those in flight to get their answers. */
    async drain(maxMs = (LIMITS.maxTimeoutSeconds * 1000) + LIMITS.resultGraceMs): Promise<void> {
      draining = true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => (timer = setTimeout(r, maxMs)))]);
      clearTimeout(timer);
    },

    /** Dry-runs the API-side decision for a command without queueing it (`POST /debug/policy/explain`). */
    async explain(identity: Identity, input: Pick<ExecuteInput, "clusterId" | "argv">): Promise<PipelineDecision & { policies: string[] }> {
      await clusters.get(identity, input.clusterId);
      return { ...(await decide(identity, input, undefined, true)), policies: ctx.pipeline.policies.map((p) => p.id) };
    },

    follow,

    /**
     * Runs a command streaming its output (MCP progress, A2A artifact
     * updates): `onChunk` gets each chunk as it lands (with the command's
     * id), and the outcome comes as {@link execute}'s. The caller going away
     * (`signal`), or `onChunk` throwing, cancels the command and audits it.
     */
    async streamed(identity: Identity, input: Omit<ExecuteInput, "wait">, onChunk: (data: string, seq: number, commandId: string) => void | Promise<void>): Promise<ExecuteOutcome> {
      const queued = await tracked(identity, { ...input, stream: true, wait: false });
      if (queued.status !== "queued") return queued;
      const gone = new AbortController();
      const signal = input.signal ? AbortSignal.any([input.signal, gone.signal]) : gone.signal;
      let result: Result | null = null;
      try {
        for await (const event of follow(identity, queued.commandId, { signal })) {
          if (event.type === "chunk") await onChunk(event.data, event.seq, queued.commandId);
          if (event.type === "result") result = event.result;
        }
      } finally {
        if (!result) {
          // The caller went away (or could not take a chunk): cancel and audit, as a non-streamed execute does.
          gone.abort();
          const command = await queue.getCommand(queued.commandId);
          result = command ? await settle(command, auditOf(identity, command), signal) : null;
        }
      }
      const final = result ?? noOutputResult({ id: queued.commandId, clusterId: queued.clusterId }, "cancelled", "CANCELLED", "the caller went away");
      return { ...queued, status: final.status, result: final };
    },

    /** Cancels a command the caller may see; `CONFLICT` when it already has a result. */
    async cancel(identity: Identity, commandId: string): Promise<void> {
      requireRole(identity, ["admin", "operator"], "cancel commands");
      const { command } = await visible(identity, commandId);
      if (!(await queue.cancel(commandId, `cancelled by ${identity.name}`))) {
        throw new KubentlyError("CONFLICT", `command ${commandId.slice(0, 80)} already finished`);
      }
      await audit.append(withEventContext({ at: Date.now(), eventType: "command.cancelled", identity: identity.name, role: identity.role, clusterId: command.clusterId, commandId, correlationId: command.correlationId, ...(command.sessionId ? { sessionId: command.sessionId } : {}) }, { command }));
    },

    /** A result the caller may see; `RESULT_NOT_FOUND` when unknown or not theirs; `null` result while pending. */
    result: visible,
  };
}

/** The execute service type. */
export type ExecuteService = ReturnType<typeof executeService>;
