/**
 * The agent: a few workers each holding a long poll to the API, re-checking
 * every command with the agent-side policy pipeline (the agent does not trust
 * the API), running it, applying `after` policies (redaction happens here, so
 * secrets never leave the cluster) and posting the result back.
 */
import { SpanKind, contextFrom, failSpan, inSpan } from "../trace.ts";
import { createPipeline, type Policy } from "../policy.ts";
import { LIMITS } from "../limits.ts";
import type { AgentInfo, Command, Result } from "../schemas.ts";
import { noOutputResult, type ResultCode } from "../results.ts";
import { createVerifier, type CommandVerifier } from "../signing.ts";
import { sleep } from "../_utils.ts";
import type { OutputChunk } from "../contracts.ts";
import { streamUnit } from "../redact/stream.ts";
import type { ExecOutput, Executor } from "./executors.ts";
import { outputStreamer } from "./stream.ts";
import { loggerFromCallback, noopLogger, type Logger } from "../log/index.ts";

/** A command handed to this agent. */
export interface AgentJob {
  leaseId: string;
  command: Command;
  attempt: number;
  /** Time left before the command's deadline, as the API computed it (avoids clock skew). */
  budgetMs: number;
}

/** How the agent reaches the API: HTTP, or in-process for `kubently all`. */
export interface AgentTransport {
  /** Waits up to `waitMs` for the next command; null when none came. */
  lease(options: { waitMs: number; signal: AbortSignal }): Promise<AgentJob | null>;
  submit(job: AgentJob, result: Result): Promise<void>;
  heartbeat(info: AgentInfo): Promise<void>;
  /** The API's command-signing public keys (SPKI PEM). */
  config(): Promise<{ publicKeys: string[] }>;
  /** Renews the lease while the command runs; false means stop it. */
  extend(job: AgentJob): Promise<boolean>;
  /**
   * Posts a chunk of a streamed command's output (it renews the lease too);
   * false means stop the command. Without it, streamed commands answer
   * with their whole output at the end.
   */
  stream?(job: AgentJob, chunk: OutputChunk): Promise<boolean>;
}

/** Options for {@link startAgent}. */
export interface AgentOptions {
  clusterId: string;
  transport: AgentTransport;
  executor: Executor;
  /** Agent-side policies, normally the same list the API runs. */
  policies: readonly Policy[];
  /** Commands run at once (one long poll each). @default 4 */
  concurrency?: number;
  /** Streamed commands run at once besides the workers (a stream does not hold one). @default LIMITS.maxAgentStreams */
  maxStreams?: number;
  /** @default a random id */
  agentId?: string;
  /** Long-poll wait in ms. @default 25000 */
  pollWaitMs?: number;
  /**
   * The mean time between full heartbeats (versions, capabilities, breaker
   * states): the first goes at start, each interval after it is spread by
   * ±`LIMITS.heartbeatJitter` (20%), so agents started together do not keep
   * beating in step. Presence needs none: the long polls carry it.
   * @default LIMITS.heartbeatIntervalMs
   */
  heartbeatMs?: number;
  /**
   * How often the agent compares what it reports (its breakers' states) with
   * what it last sent; a change, or a heartbeat that failed, is sent then.
   * @default LIMITS.heartbeatCheckMs
   */
  heartbeatCheckMs?: number;
  /** Output bytes kept per command. @default LIMITS.maxOutputBytes */
  maxOutputBytes?: number;
  /** Backoff after an error: first delay and cap, in ms (full jitter, doubling). @default 250 / 30000 */
  backoffMs?: { initial: number; max: number };
  /** Where the heartbeat and backoff jitter come from: numbers in [0, 1), for a deterministic test. @default Math.random */
  random?: () => number;
  /** Version string reported in heartbeats. */
  version?: string;
  /** How often a running command's lease is renewed. @default LIMITS.leaseRenewMs */
  leaseRenewMs?: number;
  /**
   * Public keys (SPKI PEM) commands must be signed with. Pinning them by
   * configuration means not even the API's agent endpoint can change them;
   * without, the agent fetches them from the API and refetches (at most every
   * 30 s) when a command names an unknown key, e.g. after the API restarted.
   */
  trustedKeys?: readonly string[];
  /**
   * Where the agent logs: a line per command run (command id, cluster, the
   * argv's verb only, status, duration), failures to poll or post at warn.
   * @default noopLogger, or `log` when given
   */
  logger?: Logger;
  /** The older callback form of {@link logger}: fields are appended to the message. */
  log?: (level: "info" | "warn" | "error", message: string) => void;
}

/** A running agent. */
export interface RunningAgent {
  agentId: string;
  /** Stops polling and waits for commands in flight to finish. */
  stop(): Promise<void>;
}

/** Commands between the heap collections a busy agent asks Bun for. */
const GC_EVERY = 250;

/**
 * Full jitter: a random delay in [0, min(max, initial * 2^n)], so agents
 * that lost the API together (a restart, a failover) come back spread over
 * the whole window instead of at the same instants. `random` answers in [0, 1).
 */
export const backoffDelay = (attempt: number, initial: number, max: number, random: () => number = Math.random): number =>
  random() * Math.min(max, initial * 2 ** Math.min(attempt, 20));

/**
 * The wait before the next heartbeat: uniform in mean × (1 ± jitter), so the
 * mean interval is `meanMs` and agents started together drift apart (their
 * phases take a random walk). `random` answers in [0, 1).
 */
export const heartbeatDelay = (meanMs: number, random: () => number = Math.random, jitter: number = LIMITS.heartbeatJitter): number =>
  meanMs * (1 + jitter * (2 * random() - 1));

/** Turns an executor's output into a Result for the command. */
function toResult(command: Command, agentId: string, out: ExecOutput): Result {
  if (command.stream && !out.cancelled && (out.timedOut || out.truncated)) {
    // A stream that reached its budget ended as asked: what it sent is the answer.
    const budget: ResultCode = out.timedOut ? "STREAM_TIME_BUDGET" : "STREAM_BYTE_BUDGET";
    return { ...toResult({ ...command, stream: undefined }, agentId, { ...out, timedOut: false, exitCode: null, truncated: true }), code: budget };
  }
  const status: Result["status"] = out.cancelled ? "cancelled" : out.timedOut ? "timeout" : out.exitCode === 0 || (out.truncated && out.exitCode === null) ? "success" : "failure";
  const stderr = out.stderr.trim();
  return {
    commandId: command.id,
    clusterId: command.clusterId,
    status,
    exitCode: out.exitCode,
    output: out.stdout,
    ...(stderr ? { error: stderr } : {}),
    ...(out.timedOut ? { code: "COMMAND_TIMEOUT", error: stderr || `killed after its ${command.timeoutMs} ms budget` } : {}),
    ...(out.code ? { code: out.code } : {}),
    ...(out.redacted ? { redacted: true } : {}),
    truncated: out.truncated,
    durationMs: out.durationMs,
    executedAt: Date.now(),
    agentId,
  };
}

/** A result post is retried for at least this long... */
const RESULT_RETRY_MIN_MS = 10_000;
/** ...and until this long past the command's deadline (its lease's grace). */
const RESULT_RETRY_GRACE_MS = 5_000;

/** Starts the agent's workers and heartbeat. */
export function startAgent(options: AgentOptions): RunningAgent {
  const workerCount = options.concurrency ?? 4;
  const agentId = options.agentId ?? `agent-${Math.random().toString(36).slice(2, 10)}`;
  const pipeline = createPipeline(options.policies, "agent");
  const controller = new AbortController();
  const { initial, max } = options.backoffMs ?? { initial: 250, max: 30_000 };
  const random = options.random ?? Math.random;
  const logger = options.logger ?? (options.log ? loggerFromCallback(options.log) : noopLogger);
  const log = (level: "info" | "warn" | "error", message: string) => logger[level]({}, message);

  const refuse = (command: Command, status: Result["status"], code: ResultCode, error: string, policy?: string): Result =>
    noOutputResult(command, status, code, error, { agentId, ...(policy ? { policy } : {}) });

  let verifier: CommandVerifier | null = options.trustedKeys ? createVerifier(options.trustedKeys) : null;
  let fetchedAt = 0;
  /** Why the command's signature is not acceptable, or null. */
  async function signatureProblem(command: Command): Promise<string | null> {
    const refetch = async () => {
      verifier = createVerifier((await options.transport.config()).publicKeys);
      fetchedAt = Date.now();
      return verifier.check(command);
    };
    if (!verifier) return refetch();
    const problem = verifier.check(command);
    // An unknown key may mean the API restarted with a new one: ask again, at most every 30 s.
    const mayRefetch = options.trustedKeys === undefined && Date.now() - fetchedAt > 30_000;
    return problem?.includes("unknown key") && mayRefetch ? refetch() : problem;
  }

  async function handle(job: AgentJob): Promise<Result> {
    const { command } = job;
    const problem = await signatureProblem(command);
    if (problem) return refuse(command, "denied", "SIGNATURE_INVALID", `refused by the agent: ${problem}`);
    if (command.clusterId !== options.clusterId) {
      return refuse({ ...command, clusterId: options.clusterId }, "denied", "AGENT_REFUSED", `command is for cluster ${command.clusterId}, this agent serves ${options.clusterId}`);
    }
    if (job.budgetMs <= 0) return refuse(command, "timeout", "DEADLINE_EXCEEDED", "the command's deadline passed before it reached the agent");
    const ctx = { argv: command.argv, clusterId: command.clusterId, requestedBy: command.requestedBy, commandId: command.id, ...(command.sessionId ? { sessionId: command.sessionId } : {}) };
    const decision = await pipeline.before(ctx);
    if (!decision.allowed) return refuse(command, "denied", "AGENT_REFUSED", `refused by the agent: ${decision.reason}`, decision.policy);
    // Renew the lease while kubectl runs; a refused renewal (cancelled, or handed to another
    // agent) kills it. A graceful stop lets commands finish within their budget, but stops
    // streams (whose budget may be minutes): they end as cancelled with what they sent.
    const kill = new AbortController();
    const stopStream = () => kill.abort();
    if (command.stream) {
      controller.signal.addEventListener("abort", stopStream, { once: true });
      if (controller.signal.aborted) stopStream(); // stopped while the command was being checked
    }
    const renew = setInterval(() => {
      options.transport.extend(job).then(
        (active) => active || kill.abort(),
        () => {}, // unreachable API: keep running; the result post will tell
      );
    }, options.leaseRenewMs ?? LIMITS.leaseRenewMs);
    const cap = options.maxOutputBytes ?? LIMITS.maxOutputBytes;
    const after = { ...ctx, argv: decision.argv };
    const streamer = command.stream && options.transport.stream ? streamOf(job, after, () => kill.abort()) : null;
    let fed = false;
    let sent: { output: string; redacted: boolean } | undefined;
    let out: ExecOutput;
    try {
      out = await inSpan("executor", { attributes: { "kubently.executor": options.executor.name } }, async (span) => {
        const ran = await options.executor.run(decision.argv, {
          timeoutMs: Math.min(command.timeoutMs, job.budgetMs),
          signal: kill.signal,
          maxOutputBytes: command.stream ? Math.min(cap, command.stream.maxBytes) : cap,
          ...(streamer ? { onOutput: (text: string) => ((fed = true), streamer.push(text)) } : {}),
        });
        if (ran.exitCode !== null) span.setAttribute("process.exit.code", ran.exitCode);
        if (ran.exitCode !== 0) failSpan(span, ran.timedOut ? "timed out" : ran.cancelled ? "cancelled" : ran.stderr || "failed");
        return ran;
      });
      if (streamer) {
        if (!fed) streamer.push(out.stdout); // an executor that does not stream: all of it at the end
        const streamed = await streamer.finish();
        if (streamed.failed) return streamed.failed;
        out = { ...out, stdout: "" };
        sent = streamed;
      }
    } finally {
      clearInterval(renew);
      controller.signal.removeEventListener("abort", stopStream);
    }
    if (out.heavy) heavyDone = true;
    const result = await pipeline.after(after, toResult(command, agentId, out));
    // A stream's output went out piece by piece through the same policies; the result holds
    // exactly what was sent (its stderr went through them just now).
    if (!sent || result.code === "POLICY_FAILED") return result;
    return { ...result, output: sent.output, ...(sent.redacted || result.redacted ? { redacted: true } : {}) };
  }

  /** The streamer of one command: pieces redacted by the `after` policies, posted under the job's lease. */
  function streamOf(job: AgentJob, after: Parameters<typeof pipeline.after>[0], stop: () => void) {
    const { code: _code, error: _error, ...skeleton } = noOutputResult(job.command, "success", "", "", { agentId });
    return outputStreamer({
      unit: streamUnit(after.argv),
      async redact(text) {
        const r = await pipeline.after(after, { ...skeleton, output: text });
        return r.code === "POLICY_FAILED" ? { failed: { ...r, output: "" } } : { text: r.output, redacted: r.redacted === true };
      },
      post: (chunk) => options.transport.stream!(job, chunk),
      stop,
      flushMs: LIMITS.streamFlushMs,
      maxPostChars: LIMITS.maxStreamPostBytes,
      log: (level, message) => logger[level]({ command_id: job.command.id }, message),
    });
  }

  async function submit(job: AgentJob, result: Result): Promise<void> {
    // A result is worth retrying while its lease may still be current (the lease outlives the
    // command's deadline by a grace period, and an API restart takes seconds): until then, or
    // until the API says the lease is gone (a permanent rejection).
    const until = Math.max(Date.now() + RESULT_RETRY_MIN_MS, job.command.deadline + RESULT_RETRY_GRACE_MS);
    for (let attempt = 0; ; attempt++) {
      try {
        return await options.transport.submit(job, result);
      } catch (e) {
        if ((e as { permanent?: boolean }).permanent) return log("warn", (e as Error).message.includes(job.command.id) ? (e as Error).message : `result for ${job.command.id} rejected: ${(e as Error).message}`);
        const wait = backoffDelay(attempt, initial, 2_000, random);
        // A stopping agent tries a few times only: its stop must not wait out the lease.
        const stopping = controller.signal.aborted && attempt >= 4;
        if (stopping || Date.now() + wait > until) return log("warn", `posting result for ${job.command.id} failed; giving up: ${(e as Error).message}`);
        log("warn", `posting result for ${job.command.id} failed: ${(e as Error).message}`);
        await sleep(wait);
      }
    }
  }

  /**
   * One long poll while the agent is idle, not one per worker: a worker whose
   * last poll came back empty parks while another one polls, and every parked
   * worker polls again the moment any poll brings work (a burst is then taken
   * by all of them at once). An idle fleet costs the API and its backend one
   * poll per cluster per wait, whatever `concurrency` is.
   */
  let polling = 0;
  const parked = new Set<() => void>();
  const wakeParked = () => {
    for (const wake of parked) wake();
    parked.clear();
  };
  controller.signal.addEventListener("abort", wakeParked, { once: true });
  const park = () => new Promise<void>((resolve) => parked.add(resolve));

  async function worker(): Promise<void> {
    let failures = 0;
    // Idle until a poll brings work; at the start, so the workers begin with one poll between them.
    let idle = true;
    while (!controller.signal.aborted) {
      if (idle && polling > 0) {
        await park();
        idle = false;
        continue;
      }
      let job: AgentJob | null;
      polling++;
      try {
        job = await options.transport.lease({ waitMs: options.pollWaitMs ?? LIMITS.defaultAgentWaitSeconds * 1000, signal: controller.signal });
        failures = 0;
      } catch (e) {
        if (controller.signal.aborted) break;
        log("warn", `poll failed (${(e as Error).message}); retrying`);
        await sleep(backoffDelay(failures++, initial, max, random), controller.signal).catch(() => {});
        continue;
      } finally {
        polling--;
      }
      idle = job === null;
      if (!job) continue;
      // Work is flowing: the parked workers poll too.
      wakeParked();
      if (job.command.stream && streams.size < maxStreams) {
        // A stream may run for minutes: it gets its own slot, and this worker polls again.
        const run = serve(job).finally(() => streams.delete(run));
        streams.add(run);
      } else await serve(job);
    }
  }

  let served = 0;
  /** Set when an executor said a command read much: the heap is collected once its result is posted. */
  let heavyDone = false;
  const bun = (globalThis as { Bun?: { gc(sync: boolean): void; shrink?(): void } }).Bun;
  const collect = () => bun?.gc(true);
  /** Runs one job and posts its result. */
  async function serve(job: AgentJob): Promise<void> {
    // Under Bun, a busy agent's heap is collected lazily and its RSS drifts ~40 MB above what it
    // holds (measured: 110-148 MB at 16 callers with a 13 MB live heap); a collection every
    // GC_EVERY commands keeps it near 100 MB for ~2% CPU. Node's collector needs no hint.
    if (++served % GC_EVERY === 0) collect();
    // The command's span continues the trace it was queued in (the context rides with the command).
    const attributes = { "kubently.cluster_id": job.command.clusterId, "kubently.command_id": job.command.id, "kubently.verb": job.command.argv[0] ?? "" };
    await inSpan("command", { kind: SpanKind.CONSUMER, parent: contextFrom(job.command), attributes }, async (span) => {
      let result: Result;
      const started = performance.now();
      try {
        result = await handle(job);
      } catch (e) {
        result = refuse(job.command, "failure", "AGENT_ERROR", `the agent failed to run the command: ${(e as Error).message}`);
      }
      span.setAttribute("kubently.status", result.status);
      if (result.status !== "success") failSpan(span, result.error ?? result.status);
      logCommand(job.command, result, performance.now() - started);
      await inSpan("result.post", { kind: SpanKind.CLIENT }, () => submit(job, result));
    });
    if (heavyDone) {
      // A command that read much (a diagnosis's snapshot of thousands of objects, megabytes of JSON) is
      // collected right after, and JavaScriptCore may hand the pages back when idle (a no-op where the
      // runtime lacks it): the agent's peak and what it keeps stay near its idle size plus one snapshot
      // (docs/benchmarks.md). Only such commands: one costs far more than the collection.
      heavyDone = false;
      collect();
      bun?.shrink?.();
    }
  }

  /** The command's line: ids and the verb only (the rest of argv may name what the caller keeps private), never output. */
  function logCommand(command: Command, result: Result, ms: number): void {
    const fields = {
      command_id: command.id,
      cluster: command.clusterId,
      ...(command.sessionId ? { session_id: command.sessionId } : {}),
      correlation_id: command.correlationId,
      verb: command.argv[0]?.slice(0, 32) ?? "",
      status: result.status,
      ...(result.code ? { code: result.code } : {}),
      ...(result.exitCode != null ? { exit_code: result.exitCode } : {}),
      duration_ms: Math.round(ms),
    };
    if (result.code === "AGENT_ERROR") logger.error(fields, "command");
    else if (result.status === "timeout") logger.warn(fields, "command");
    else logger.info(fields, "command");
  }

  /**
   * Heartbeats carry what the API shows of the agent (executor, versions,
   * capabilities, breaker states), not its presence (its polls do that). The
   * first goes at once; after it, one goes every `heartbeatMs` (jittered:
   * agents started together, by a rollout or a node pool's restart, would
   * otherwise beat in step for ever) with versions asked again, and sooner
   * when a check every `heartbeatCheckMs` finds the report changed or the
   * last one failed.
   */
  async function heartbeat(): Promise<void> {
    // Versions are worth a few seconds, never the heartbeat itself (a cluster that is slow to answer stays connected).
    const describe = async () => (await Promise.race([options.executor.describe?.().catch(() => ({})), sleep(5_000).then(() => ({}))])) ?? {};
    const covers = {
      ...(options.executor.covers ? { nativeCommands: [...options.executor.covers] } : {}),
      ...(options.executor.analyzers ? { analyzers: [...options.executor.analyzers] } : {}),
    };
    const reported = new Map<string, string>();
    const meanMs = options.heartbeatMs ?? LIMITS.heartbeatIntervalMs;
    const checkMs = options.heartbeatCheckMs ?? LIMITS.heartbeatCheckMs;
    let versions = {};
    /** When the next full heartbeat is due (0: now). */
    let dueAt = 0;
    /** What the last accepted heartbeat said; "" after a failure, so the next check sends again. */
    let sent = "";
    while (!controller.signal.aborted) {
      const full = Date.now() >= dueAt;
      if (full) versions = await describe();
      const breakers = options.executor.breakers?.().map(({ name, state, opens }) => ({ name, state, opens }));
      for (const b of breakers ?? []) {
        // A change of state is worth a line; failing commands say the rest.
        if (reported.get(b.name) !== b.state && (reported.has(b.name) || b.state !== "closed")) log(b.state === "closed" ? "info" : "warn", `circuit breaker ${b.name}: ${b.state}`);
        reported.set(b.name, b.state);
      }
      const info: AgentInfo = { agentId, executor: options.executor.name, capabilities: ["execute"], concurrency: workerCount, ...covers, ...versions, ...(options.version ? { version: options.version } : {}), ...(breakers ? { breakers } : {}) };
      const report = JSON.stringify(info);
      if (full || report !== sent) {
        sent = await options.transport.heartbeat(info).then(
          () => report,
          (e) => (log("warn", `heartbeat failed: ${(e as Error).message}`), ""),
        );
        if (full) dueAt = Date.now() + heartbeatDelay(meanMs, random);
      }
      await sleep(Math.max(0, Math.min(checkMs, dueAt - Date.now())), controller.signal).catch(() => {});
    }
  }

  // A running agent keeps its process alive: while it backs off, its only pending work is
  // (unref'd) timers, and the process would otherwise exit quietly mid-retry.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const streams = new Set<Promise<void>>();
  const maxStreams = options.maxStreams ?? LIMITS.maxAgentStreams;
  const workers = Array.from({ length: workerCount }, worker);
  const beat = heartbeat();
  log("info", `agent ${agentId} serving cluster ${options.clusterId} with ${workers.length} workers (${options.executor.name})`);
  return {
    agentId,
    async stop() {
      controller.abort();
      await Promise.allSettled([...workers, beat]);
      await Promise.allSettled([...streams]);
      // Say goodbye, so the cluster shows disconnected at once (briefly, when another agent serves it too).
      await Promise.race([options.transport.heartbeat({ agentId, state: "stopped" }).catch(() => {}), sleep(2_000)]);
      await options.executor.close?.().catch(() => {});
      clearInterval(keepAlive);
    },
  };
}
