/**
 * A fleet of light agents in one process, for the fleet bench
 * (`test/bench/_fleet.ts`) and the rolling-restart test. Each agent speaks the
 * real agent protocol over HTTP as `httpTransport` does (lib/agent/transports.ts):
 * a `GET /agent/commands?wait=25` long poll with `Authorization: Bearer`,
 * `X-Cluster-ID` and `X-Agent-ID`; a `POST /agent/heartbeat` at start and
 * then every `LIMITS.heartbeatIntervalMs` with the real agent's jitter
 * (`heartbeatDelay`), a failed one sent again after `LIMITS.heartbeatCheckMs`
 * (its breakers never change, so nothing else prompts one); and a success result
 * posted to `POST /agent/results` as soon as a command is leased (an echo: the
 * output is the argv). It runs no executor and checks no signature: it
 * measures the API and Redis, not the agent.
 *
 * The replicas stand behind a simulated load balancer: an agent starts on
 * replica `i % replicas`, and moves to the next replica after a connection
 * error or a 5xx, waiting a full-jitter backoff as the real agent does
 * (`backoffDelay`, 250 ms doubling to 30 s). A result post that fails the same
 * way is retried on the next replica (the lease lives in Redis, so any replica
 * takes it), for as long as the real agent would.
 *
 * Memory per agent is one small record; one long poll is in flight per agent,
 * plus its heartbeat while one is due. Heartbeats are due from one shared
 * 200 ms tick, not a timer per agent.
 *
 * Beside the fleet: {@link startReplicas} (API replicas from the compiled
 * binary on pinned ports, to kill and restart) and {@link startCallers}
 * (closed-loop `POST /debug/execute` callers that count lost commands).
 *
 * Run as a script (`bun test/_fleet-agents.ts CONFIG.json`) it starts the
 * fleet the file describes ({@link FleetOptions} as JSON), prints
 * `fleet ready <ms>` once every agent has had a heartbeat accepted, answers
 * the lines `stats`, `mark` and `recovery` on stdin with `stats <json>`,
 * `marked` and `recovery <json>`, and stops on SIGTERM or stdin's end.
 * Bun limits a process to 256 fetches at once unless
 * `BUN_CONFIG_MAX_HTTP_REQUESTS` says more: a fleet of N needs about N + N/10.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { backoffDelay, heartbeatDelay } from "../lib/agent/agent.ts";
import { LIMITS } from "../lib/limits.ts";
import { BINARY, run, type Proc } from "./e2e/_harness.ts";
import { freePort } from "./_ports.ts";

/** One cluster the fleet serves. */
export interface FleetAgent {
  clusterId: string;
  token: string;
}

/** What a fleet runs against. */
export interface FleetOptions {
  /** Base URLs of the API replicas; agent i starts on `urls[i % urls.length]`. */
  urls: string[];
  agents: FleetAgent[];
  /** @default LIMITS.heartbeatIntervalMs */
  heartbeatMs?: number;
  /** The long poll's `wait`, in seconds. @default LIMITS.defaultAgentWaitSeconds */
  waitSeconds?: number;
  /** Agents start spread over this many ms (a fleet does not start in one instant). @default 0 */
  rampMs?: number;
}

/** Counters since the fleet started. */
export interface FleetStats {
  agents: number;
  /** Agents that have had at least one heartbeat accepted. */
  beaten: number;
  polls: number;
  leases: number;
  results: number;
  /** Result posts that ended refused (4xx) or given up. */
  resultsLost: number;
  heartbeats: number;
  /** Poll, heartbeat or result posts that failed (connection error, 5xx) and were retried. */
  errors: number;
  /** Moves to another replica after a failure. */
  switches: number;
  /** Leases with `attempt` > 1: a command delivered again after an earlier lease of it ran out. */
  redelivered: number;
  /** Agents now pointed at each replica, by index in `urls`. */
  onReplica: number[];
}

/**
 * Reconnection since {@link Fleet.mark}: an agent whose long poll failed after
 * the mark is back from the moment it sent the first poll that then ended
 * normally (a 204 or a lease), i.e. from when a live replica held its poll.
 */
export interface FleetRecovery {
  /** Agents whose poll failed since the mark. */
  affected: number;
  /** Of those, agents not yet confirmed back (still failing, or their poll has not ended yet). */
  pending: number;
  /** ms from the mark to the latest confirmed return; 0 when none was affected. */
  maxBackMs: number;
}

/** A running fleet. */
export interface Fleet {
  stats(): FleetStats;
  /** Starts counting reconnections (see {@link FleetRecovery}) from now. */
  mark(): void;
  recovery(): FleetRecovery;
  /** Resolves once every agent has had a heartbeat accepted. */
  ready(): Promise<void>;
  /** Ends every poll and stops (no goodbye heartbeat: a fleet that stops is measured, not a clean agent exit). */
  stop(): Promise<void>;
}

interface AgentState {
  clusterId: string;
  headers: Record<string, string>;
  replica: number;
  failures: number;
  nextBeat: number;
  beating: boolean;
  beaten: boolean;
  /** Since the mark: 1 while the agent's polls fail, 2 once back; 0 when unaffected. */
  down: 0 | 1 | 2;
  /** When the poll that confirmed the return started (ms since the mark). */
  backMs: number;
}

/** The result the real agent posts after its echo executor: success, exit 0, the argv as output. */
function echoResult(command: { id: string; clusterId: string; argv?: string[] }, agentId: string) {
  return {
    commandId: command.id,
    clusterId: command.clusterId,
    status: "success",
    exitCode: 0,
    output: `${(command.argv ?? []).join(" ")}\n`,
    truncated: false,
    durationMs: 0,
    executedAt: Date.now(),
    agentId,
  };
}

/** Starts the fleet; see the file's comment for what each agent does. */
export function startFleet(options: FleetOptions): Fleet {
  const controller = new AbortController();
  const { signal } = controller;
  const heartbeatMs = options.heartbeatMs ?? LIMITS.heartbeatIntervalMs;
  const waitSeconds = options.waitSeconds ?? LIMITS.defaultAgentWaitSeconds;
  const replicas = options.urls.map((u) => u.replace(/\/+$/, ""));
  const stats: FleetStats = { agents: options.agents.length, beaten: 0, polls: 0, leases: 0, results: 0, resultsLost: 0, heartbeats: 0, errors: 0, switches: 0, redelivered: 0, onReplica: [] };
  let markAt = Number.POSITIVE_INFINITY;
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  let onReady: () => void = () => {};
  const readyPromise = new Promise<void>((r) => (onReady = r));
  if (options.agents.length === 0) onReady();

  /** A failure moves the agent to the next replica, as a load balancer would after a refused connection or a 5xx. */
  const failed = (a: AgentState) => {
    stats.errors++;
    if (replicas.length > 1) {
      a.replica = (a.replica + 1) % replicas.length;
      stats.switches++;
    }
  };

  async function heartbeat(a: AgentState): Promise<void> {
    a.beating = true;
    let ok = false;
    try {
      const res = await fetch(`${replicas[a.replica]}/agent/heartbeat`, {
        method: "POST",
        headers: { ...a.headers, "content-type": "application/json" },
        body: JSON.stringify({ agentId: a.headers["x-agent-id"], executor: "echo", capabilities: ["execute"], concurrency: 1, version: "fleet" }),
        signal,
      });
      await res.arrayBuffer();
      if (res.ok) {
        ok = true;
        stats.heartbeats++;
        if (!a.beaten) {
          a.beaten = true;
          if (++stats.beaten === stats.agents) onReady();
        }
      } else if (res.status >= 500) failed(a);
    } catch {
      if (!signal.aborted) failed(a);
    } finally {
      a.beating = false;
      a.nextBeat = Date.now() + (ok ? heartbeatDelay(heartbeatMs) : LIMITS.heartbeatCheckMs);
    }
  }

  async function submit(a: AgentState, leaseId: string, result: ReturnType<typeof echoResult>): Promise<void> {
    // As the real agent: retry while the lease may still be current (at least 30 s here), refused (4xx) means lost.
    const until = Date.now() + 30_000;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const res = await fetch(`${replicas[a.replica]}/agent/results`, {
          method: "POST",
          headers: { ...a.headers, "content-type": "application/json" },
          body: JSON.stringify({ lease_id: leaseId, result }),
          signal,
        });
        await res.arrayBuffer();
        if (res.ok) return void stats.results++;
        if (res.status < 500 && res.status !== 429) return void stats.resultsLost++;
        failed(a);
      } catch {
        if (signal.aborted) return;
        failed(a);
      }
      const wait = backoffDelay(attempt, 250, 2_000);
      if (Date.now() + wait > until) return void stats.resultsLost++;
      await sleep(wait);
    }
  }

  async function run(a: AgentState, startAfter: number): Promise<void> {
    if (startAfter > 0) await sleep(startAfter);
    a.nextBeat = Date.now(); // the real agent beats once as it starts
    while (!signal.aborted) {
      const pollAt = Date.now();
      try {
        stats.polls++;
        const res = await fetch(`${replicas[a.replica]}/agent/commands?wait=${waitSeconds}`, { headers: a.headers, signal });
        if ((res.status === 200 || res.status === 204) && a.down === 1 && pollAt >= markAt) {
          a.down = 2;
          a.backMs = pollAt - markAt;
        }
        if (res.status === 200) {
          const body = (await res.json()) as { lease_id: string; attempt?: number; command: { id: string; clusterId: string; argv?: string[] } };
          a.failures = 0;
          stats.leases++;
          if ((body.attempt ?? 1) > 1) stats.redelivered++;
          await submit(a, body.lease_id, echoResult(body.command, a.headers["x-agent-id"]!));
          continue;
        }
        await res.arrayBuffer();
        if (res.status === 204) {
          a.failures = 0;
          continue;
        }
        if (res.status >= 500 || res.status === 429) failed(a);
        else stats.errors++; // 401 while a replica registers its clusters: back off and ask again
        if (Date.now() >= markAt) a.down = 1;
      } catch {
        if (signal.aborted) break;
        failed(a);
        if (Date.now() >= markAt) a.down = 1;
      }
      await sleep(backoffDelay(a.failures++, 250, 30_000));
    }
  }

  const agents: AgentState[] = options.agents.map((x, i) => ({
    clusterId: x.clusterId,
    headers: { authorization: `Bearer ${x.token}`, "x-cluster-id": x.clusterId, "x-agent-id": `fleet-${x.clusterId}` },
    replica: i % Math.max(1, replicas.length),
    failures: 0,
    nextBeat: Number.POSITIVE_INFINITY,
    beating: false,
    beaten: false,
    down: 0,
    backMs: 0,
  }));
  const ramp = options.rampMs ?? 0;
  const loops = agents.map((a, i) => run(a, ramp > 0 ? (i / agents.length) * ramp : 0));
  const tick = setInterval(() => {
    const now = Date.now();
    for (const a of agents) if (!a.beating && a.nextBeat <= now) void heartbeat(a);
  }, 200);
  return {
    stats() {
      const onReplica = replicas.map(() => 0);
      for (const a of agents) onReplica[a.replica]!++;
      return { ...stats, onReplica };
    },
    mark() {
      markAt = Date.now();
      for (const a of agents) a.down = 0;
    },
    recovery() {
      const r: FleetRecovery = { affected: 0, pending: 0, maxBackMs: 0 };
      for (const a of agents) {
        if (a.down === 0) continue;
        r.affected++;
        if (a.down === 1) r.pending++;
        else r.maxBackMs = Math.max(r.maxBackMs, a.backMs);
      }
      return r;
    },
    ready: () => readyPromise,
    async stop() {
      clearInterval(tick);
      controller.abort();
      await Promise.allSettled(loops);
    },
  };
}

/** `count` clusters `<prefix>-<i>` with a token each. */
export function fleetClusters(count: number, prefix = "fleet"): FleetAgent[] {
  return Array.from({ length: count }, (_, i) => ({ clusterId: `${prefix}-${i}`, token: `${prefix}-token-${i}-0123456789abcdef` }));
}


/** One API replica on a pinned port, so its agents find it again after a restart. */
export interface Replica {
  port: number;
  url: string;
  /** The running process (replaced by {@link Replica.start}). */
  proc(): Proc;
  /** SIGKILL, then the exit. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful stop: the binary drains), then the exit code. */
  term(): Promise<number | null>;
  /** Starts the binary again on the same port and waits for its listening line. */
  start(): Promise<void>;
}

/** Options for {@link startReplicas}. */
export interface ReplicaOptions {
  count: number;
  redisUrl: string;
  /** A temp dir for the signing key and the config file (the agent tokens live there: a flag or env of 10,000 tokens passes the kernel's argument limit). */
  dir: string;
  agents: FleetAgent[];
  apiKey: string;
  adminKey: string;
  /** @default "fleet" */
  redisPrefix?: string;
}

/** `count` × `kubently api --backend redis` from the compiled binary, sharing one signing key, one prefix and one config file. */
export async function startReplicas(o: ReplicaOptions): Promise<Replica[]> {
  const key = join(o.dir, "signing.pem");
  writeFileSync(key, Bun.spawnSync([BINARY, "keygen"]).stdout);
  const config = join(o.dir, "fleet.json");
  writeFileSync(config, JSON.stringify({ agentTokens: o.agents.map((a) => `${a.clusterId}:${a.token}`) }));
  const replicas: Replica[] = [];
  for (let i = 0; i < o.count; i++) {
    const port = await freePort();
    const args = ["api", "--config", config, "--backend", "redis", "--redis-url", o.redisUrl, "--redis-prefix", o.redisPrefix ?? "fleet", "--port", String(port), "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `fleet:${o.apiKey}`, "--admin-key", o.adminKey, "--signing-key-file", key];
    let proc: Proc;
    const start = async () => {
      proc = run(args);
      await proc.waitFor(/API listening on (http:\/\/\S+) /, 120_000);
    };
    await start();
    replicas.push({
      port,
      url: `http://127.0.0.1:${port}`,
      proc: () => proc,
      async kill() {
        proc.child.kill("SIGKILL");
        await proc.exited;
      },
      term: () => proc.stop(),
      start,
    });
  }
  return replicas;
}

/** What {@link startCallers} saw. */
export interface CallerTally {
  ok: number;
  /** Commands lost: a 5xx other than `503 SHUTTING_DOWN`, a connection error other than a refused connection, or a result other than success (timeout, `AGENT_LOST`). */
  lost: number;
  /** Lost commands by reason (`"503 SHUTTING_DOWN"`, `"timeout DEADLINE_EXCEEDED"`, `"fetch ECONNRESET"`...). */
  reasons: Record<string, number>;
  /**
   * Requests sent to the next replica because nothing was queued: a refused
   * connection, or `503 SHUTTING_DOWN` from a draining replica (docs/replicas.md:
   * "retry elsewhere"; a load balancer does both).
   */
  rerouted: number;
  /** Of those, the `503 SHUTTING_DOWN` answers. */
  shuttingDown: number;
  /** Each successful command: when it started (ms since the callers started) and how long it took, in start order per caller. */
  samples: { at: number; ms: number }[];
}

/** Options for {@link startCallers}. */
export interface CallerOptions {
  urls: string[];
  apiKey: string;
  clusters: string[];
  callers: number;
  /** The command's `timeout_seconds`. @default 10 */
  timeoutSeconds?: number;
}

/**
 * `callers` closed loops of `POST /debug/execute` (`version`) to random
 * clusters, each caller going round the replicas; a refused connection or a
 * `503 SHUTTING_DOWN` (nothing was queued) is sent to the next replica at
 * once, as a load balancer does; the time counted includes those tries.
 * Runs until `stop()`.
 */
export function startCallers(o: CallerOptions): { stop(): Promise<CallerTally>; tally: CallerTally } {
  const tally: CallerTally = { ok: 0, lost: 0, reasons: {}, rerouted: 0, shuttingDown: 0, samples: [] };
  const origin = performance.now();
  let running = true;
  const lose = (reason: string) => {
    tally.lost++;
    tally.reasons[reason] = (tally.reasons[reason] ?? 0) + 1;
  };
  // Like a load balancer's health checks: a replica that said it is shutting down (or refused a connection)
  // gets no new requests for a while, so nobody reuses a pooled connection it is about to close.
  const outUntil = o.urls.map(() => 0);
  const takeOut = (i: number) => (outUntil[i] = performance.now() + 3_000);
  const loops = Array.from({ length: o.callers }, async (_, c) => {
    let replica = c % o.urls.length;
    while (running) {
      const cluster = o.clusters[Math.floor(Math.random() * o.clusters.length)]!;
      const body = JSON.stringify({ cluster_id: cluster, argv: ["version"], timeout_seconds: o.timeoutSeconds ?? 10 });
      const t = performance.now();
      for (let tries = 0; ; tries++) {
        // Round robin over the replicas in rotation (all of them when none is).
        for (let k = 0; k < o.urls.length && outUntil[replica]! > performance.now(); k++) replica = (replica + 1) % o.urls.length;
        const chosen = replica;
        const url = o.urls[replica]!;
        replica = (replica + 1) % o.urls.length;
        try {
          const res = await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": o.apiKey, "content-type": "application/json" }, body });
          const json = (await res.json().catch(() => ({}))) as { status?: string; code?: string | null };
          if (res.status === 200 && json.status === "success") {
            tally.ok++;
            tally.samples.push({ at: t - origin, ms: performance.now() - t });
          } else if (res.status === 503 && json.code === "SHUTTING_DOWN" && tries < 4 * o.urls.length) {
            takeOut(chosen);
            tally.rerouted++;
            tally.shuttingDown++;
            if (tries >= o.urls.length) await new Promise((r) => setTimeout(r, 100));
            continue;
          } else lose(res.status === 200 ? `${json.status} ${json.code ?? ""}`.trim() : `${res.status} ${json.code ?? ""}`.trim());
        } catch (e) {
          const code = (e as { code?: string }).code ?? (e as Error).name;
          if (/refused/i.test(code) && tries < 4 * o.urls.length) {
            takeOut(chosen);
            tally.rerouted++;
            if (tries >= o.urls.length) await new Promise((r) => setTimeout(r, 100)); // every replica refused: give them a moment
            continue;
          }
          lose(`fetch ${code}`);
        }
        break;
      }
    }
  });
  return {
    tally,
    async stop() {
      running = false;
      await Promise.all(loops);
      return tally;
    },
  };
}

if (import.meta.main) {
  const options = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as FleetOptions;
  const started = Date.now();
  const fleet = startFleet(options);
  void fleet.ready().then(() => console.log(`fleet ready ${Date.now() - started}`));
  const stop = async () => {
    await fleet.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  let buffered = "";
  process.stdin.on("data", (d) => {
    buffered += d.toString();
    let at: number;
    while ((at = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, at).trim();
      buffered = buffered.slice(at + 1);
      if (line === "stats") console.log(`stats ${JSON.stringify(fleet.stats())}`);
      if (line === "mark") {
        fleet.mark();
        console.log("marked");
      }
      if (line === "recovery") console.log(`recovery ${JSON.stringify(fleet.recovery())}`);
    }
  });
  process.stdin.on("end", () => void stop());
}
