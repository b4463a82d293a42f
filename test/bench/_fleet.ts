/**
 * The fleet section of `npm run bench` (issue 18): N light agents in one child
 * process (test/_fleet-agents.ts, the real agent protocol over HTTP with the
 * real heartbeat cadence) against two `kubently api --backend redis` replicas
 * from the compiled binary on one redis-server. For each N it reports, never
 * asserts:
 * - idle: Redis commands/s (total and per cluster, from INFO
 *   `total_commands_processed`), RSS and CPU of each replica, of the fleet
 *   process and of redis-server, over a window after a warm-up;
 * - `POST /debug/execute` p50/p99 at 1 and 16 callers over random clusters;
 * - SIGKILL of one replica, restarted at once on its port: the time until
 *   every agent cut off has a long poll held by a live replica (measured in
 *   the fleet: `FleetRecovery`), and the time until every cluster has
 *   answered a command (one command per cluster, 128 at a time, through the
 *   surviving replica, each retried until it succeeds), next to the same
 *   sweep without a kill;
 * - a SIGTERM rolling restart of both replicas (each started again before the
 *   next stops) under 16 callers: commands lost (a 5xx other than
 *   `503 SHUTTING_DOWN`, a reset connection, a result other than success),
 *   requests rerouted (a refused connection or `503 SHUTTING_DOWN`: nothing
 *   queued, sent to the other replica as a load balancer does) and the extra
 *   wait (the slowest command during the restart minus the p99 before it).
 *
 * `KUBENTLY_FLEET_SIZES=100,1000,10000` (the default) picks N;
 * `KUBENTLY_FLEET_WARMUP_SECONDS` (20), `KUBENTLY_FLEET_IDLE_SECONDS` (50: two
 * long-poll periods, so every agent polls equally often in it),
 * `KUBENTLY_FLEET_LOAD_SECONDS` (10, per caller count) and
 * `KUBENTLY_FLEET_ROLLING_SECONDS` (5, before and after the restart) set
 * the phases, so a quick run is possible.
 *
 * Last, the idle CPU of one replica alone against the runtime's floor:
 * `KUBENTLY_FLEET_FLOOR_AGENTS` (5,000; 0 skips it) agents started evenly
 * over one poll period, against `kubently api` alone on its Redis and then
 * against a bare `Bun.serve` holding the same polls (test/bench/_bare-polls.ts).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { redisUnavailable, startRedis } from "../_redis.ts";
import { fleetClusters, startCallers, startReplicas, type CallerTally, type FleetRecovery, type FleetStats, type Replica } from "../_fleet-agents.ts";
import { BINARY } from "../e2e/_harness.ts";
import { LIMITS } from "../../lib/limits.ts";
import { pct, rssMb } from "./_load.ts";

const ADMIN = "fleet-admin-0123456789abcdef";
const envNumber = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SIZES = (process.env.KUBENTLY_FLEET_SIZES ?? "100,1000,10000").split(",").map((s) => Number(s.trim())).filter((n) => n > 0);
const WARMUP_S = envNumber("KUBENTLY_FLEET_WARMUP_SECONDS", 20);
const IDLE_S = envNumber("KUBENTLY_FLEET_IDLE_SECONDS", 50);
const LOAD_S = envNumber("KUBENTLY_FLEET_LOAD_SECONDS", 10);
const ROLLING_S = envNumber("KUBENTLY_FLEET_ROLLING_SECONDS", 5);
/** Agents of the floor measurement (one API replica alone, then a bare Bun.serve); 0 skips it. */
const FLOOR_AGENTS = envNumber("KUBENTLY_FLEET_FLOOR_AGENTS", 5_000);
/** Commands the SIGKILL sweep keeps in flight (Bun's fetch runs at most 256 at once by default). */
const SWEEP_CONCURRENCY = 128;
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** `INFO all` of the redis-server on `port` (commandstats included) as key -> value, over a raw RESP connection. */
function redisInfo(port: number): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    let data = Buffer.alloc(0);
    socket.once("error", reject);
    socket.once("connect", () => socket.write("INFO all\r\n"));
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      const eol = data.indexOf("\r\n");
      if (eol < 0) return;
      const length = Number(data.subarray(1, eol).toString());
      if (data.length < eol + 2 + length) return;
      socket.destroy();
      const text = data.subarray(eol + 2, eol + 2 + length).toString();
      resolve(Object.fromEntries(text.split("\r\n").filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)])));
    });
  });
}

/** The Redis commands that grew most between two `INFO all`, as `GET 41.2/s, ...` (per second over `seconds`). */
function topCommands(before: Record<string, string>, after: Record<string, string>, seconds: number, count = 6): string {
  const calls = (info: Record<string, string>, key: string) => Number(info[key]?.match(/calls=(\d+)/)?.[1] ?? 0);
  return Object.keys(after)
    .filter((k) => k.startsWith("cmdstat_"))
    .map((k) => ({ name: k.slice(8).toUpperCase(), rate: (calls(after, k) - calls(before, k)) / seconds }))
    .sort((a, b) => b.rate - a.rate)
    .slice(0, count)
    .map((c) => `${c.name} ${c.rate.toFixed(1)}/s`)
    .join(", ");
}

/** The fleet child: `bun test/_fleet-agents.ts`, with the open-file limit raised to the hard limit and Bun's fetch limit lifted. */
interface FleetChild {
  child: ChildProcess;
  ready: Promise<number>;
  stats(): Promise<FleetStats>;
  mark(): Promise<void>;
  recovery(): Promise<FleetRecovery>;
  openFiles: string;
  stop(): Promise<void>;
}

function spawnFleet(config: string, agents: number): FleetChild {
  const script = resolve(import.meta.dir, "../_fleet-agents.ts");
  const child = spawn("sh", ["-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, script, config], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(Math.min(65_535, Math.ceil(agents * 1.2) + 256)) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    if (out.length > 1_000_000) out = out.slice(-100_000);
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const next = (re: RegExp, ms: number) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fleet: no ${re} within ${ms} ms; output:\n${out.slice(-2_000)}`)), ms);
      const check = () => {
        const m = out.match(re);
        if (m) {
          clearTimeout(timer);
          out = out.slice(m.index! + m[0].length);
          resolve(m);
        } else waiters.push(check);
      };
      check();
    });
  const ask = (line: string, re: RegExp) => {
    const answer = next(re, 10_000);
    child.stdin!.write(`${line}\n`);
    return answer;
  };
  return {
    child,
    ready: next(/fleet ready (\d+)/, 600_000).then((m) => Number(m[1])),
    stats: async () => JSON.parse((await ask("stats", /stats (\{.*\})\n/))[1]!) as FleetStats,
    mark: async () => void (await ask("mark", /marked\n/)),
    recovery: async () => JSON.parse((await ask("recovery", /recovery (\{.*\})\n/))[1]!) as FleetRecovery,
    get openFiles() {
      try {
        return readFileSync(`/proc/${child.pid}/limits`, "utf8").match(/Max open files\s+(\d+)/)?.[1] ?? "?";
      } catch {
        return "?";
      }
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** One command to every cluster through `url`, `SWEEP_CONCURRENCY` at a time, each retried until it succeeds (or `giveUpMs` passes): ms until all answered, and the clusters that never did. */
async function sweep(url: string, key: string, clusters: string[], giveUpMs = 120_000): Promise<{ ms: number; missing: number; retries: number }> {
  const started = performance.now();
  let next = 0;
  let retries = 0;
  let missing = 0;
  await Promise.all(
    Array.from({ length: Math.min(SWEEP_CONCURRENCY, clusters.length) }, async () => {
      while (next < clusters.length) {
        const cluster = clusters[next++]!;
        for (;;) {
          try {
            const res = await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: cluster, argv: ["version"], timeout_seconds: 10 }) });
            const json = (await res.json()) as { status?: string };
            if (json.status === "success") break;
          } catch {
            await Bun.sleep(100);
          }
          retries++;
          if (performance.now() - started > giveUpMs) {
            missing++;
            break;
          }
        }
      }
    }),
  );
  return { ms: performance.now() - started, missing, retries };
}

/** p50/p99/rate of the callers' successes. */
function summary(t: CallerTally, seconds: number) {
  const ms = t.samples.map((s) => s.ms).sort((a, b) => a - b);
  return { p50: pct(ms, 50), p99: pct(ms, 99), perSecond: t.ok / seconds };
}

const reasonsOf = (t: CallerTally) => Object.entries(t.reasons).map(([r, n]) => `${n}× ${r}`).join(", ") || "none";

/** ms an idle fleet's agents start over in the floor measurement: one long-poll period, so polls arrive evenly as in a fleet that started long ago. */
const POLL_PERIOD_MS = LIMITS.defaultAgentWaitSeconds * 1000;

/**
 * The API's idle CPU against the runtime's floor: `n` agents, their start
 * spread evenly over one poll period, first against one API replica alone on
 * its Redis, then against a bare Bun.serve holding the same polls
 * (test/bench/_bare-polls.ts). CPU over the idle window after the ramp and
 * the warm-up; one table row each.
 */
async function floorRows(n: number, key: string): Promise<string[]> {
  const rows: string[] = [];
  const measure = async (label: string, url: string, pid: () => number, agents: ReturnType<typeof fleetClusters>, dir: string) => {
    const config = join(dir, `floor-${rows.length}.json`);
    writeFileSync(config, JSON.stringify({ urls: [url], agents, rampMs: POLL_PERIOD_MS }));
    const fleet = spawnFleet(config, n);
    try {
      await fleet.ready;
      await Bun.sleep(WARMUP_S * 1000);
      const [cpu0, stats0, t0] = [cpuSeconds(pid()), await fleet.stats(), performance.now()];
      await Bun.sleep(IDLE_S * 1000);
      const [cpu1, stats1] = [cpuSeconds(pid()), await fleet.stats()];
      const seconds = (performance.now() - t0) / 1000;
      const polls = (stats1.polls - stats0.polls) / seconds;
      const cpu = (100 * (cpu1 - cpu0)) / seconds;
      rows.push(`| ${label} | ${n} | ${polls.toFixed(0)} | ${cpu.toFixed(1)} | ${((10 * cpu) / polls).toFixed(2)} | ${rssMb(pid()).toFixed(0)} |`);
    } finally {
      await fleet.stop();
    }
  };
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), "kubently-floor-"));
  const agents = fleetClusters(n);
  try {
    const [replica] = await startReplicas({ count: 1, redisUrl: redis.url, dir, agents, apiKey: key, adminKey: ADMIN });
    try {
      await measure("`kubently api --backend redis`, alone", replica!.url, () => replica!.proc().child.pid!, agents, dir);
    } finally {
      await replica!.term();
    }
    const bare = spawn(process.execPath, [resolve(import.meta.dir, "_bare-polls.ts")], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        bare.stdout!.on("data", (d: Buffer) => {
          const m = d.toString().match(/listening (\S+)/);
          if (m) ok(m[1]!);
        });
        bare.once("exit", () => fail(new Error("the bare server exited")));
      });
      await measure("bare `Bun.serve` holding the polls", url, () => bare.pid!, agents, dir);
    } finally {
      bare.kill("SIGTERM");
    }
  } finally {
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Runs the fleet section for every size in `KUBENTLY_FLEET_SIZES`; prints its tables. */
export async function fleetSection(key: string): Promise<void> {
  console.log("\n## Fleet on Redis: N light agents, two `api --backend redis` replicas, one redis-server (issue 18)\n");
  const unavailable = redisUnavailable();
  if (unavailable) return void console.log(`redis skipped: ${unavailable}`);
  const idle: string[] = [];
  const latency: string[] = [];
  const failover: string[] = [];
  const notes: string[] = [];
  for (const n of SIZES) {
    const redis = await startRedis();
    const dir = mkdtempSync(join(tmpdir(), "kubently-fleet-"));
    const agents = fleetClusters(n);
    const clusters = agents.map((a) => a.clusterId);
    let replicas: Replica[] = [];
    let fleet: FleetChild | undefined;
    try {
      const bootStarted = performance.now();
      replicas = await startReplicas({ count: 2, redisUrl: redis.url, dir, agents, apiKey: key, adminKey: ADMIN });
      const bootMs = performance.now() - bootStarted;
      const config = join(dir, "agents.json");
      writeFileSync(config, JSON.stringify({ urls: replicas.map((r) => r.url), agents, rampMs: n }));
      fleet = spawnFleet(config, n);
      const readyMs = await fleet.ready;
      notes.push(`N=${n}: dist/kubently built ${statSync(BINARY).mtime.toISOString()}; both replicas listening after ${(bootMs / 1000).toFixed(1)} s; every agent's first heartbeat accepted ${(readyMs / 1000).toFixed(1)} s after the fleet started (spread over ${(n / 1000).toFixed(1)} s); fleet open-file limit ${fleet.openFiles}`);

      // 1. Idle.
      await Bun.sleep(WARMUP_S * 1000);
      const pids = [...replicas.map((r) => r.proc().child.pid!), fleet.child.pid!];
      const info0 = await redisInfo(redis.port);
      const cpu0 = pids.map(cpuSeconds);
      const stats0 = await fleet.stats();
      const t0 = performance.now();
      await Bun.sleep(IDLE_S * 1000);
      const info1 = await redisInfo(redis.port);
      const cpu1 = pids.map(cpuSeconds);
      const stats1 = await fleet.stats();
      const seconds = (performance.now() - t0) / 1000;
      const commands = (Number(info1.total_commands_processed) - Number(info0.total_commands_processed) - 1) / seconds; // less our own INFO
      const redisCpu = (Number(info1.used_cpu_user) + Number(info1.used_cpu_sys) - Number(info0.used_cpu_user) - Number(info0.used_cpu_sys)) / seconds;
      const cpu = cpu1.map((c, i) => (100 * (c - cpu0[i]!)) / seconds);
      const rss = pids.map(rssMb);
      notes.push(`N=${n}: idle Redis commands: ${topCommands(info0, info1, seconds)}`);
      idle.push(
        `| ${n} | ${commands.toFixed(0)} | ${(commands / n).toFixed(3)} | ${rss[0]!.toFixed(0)} / ${rss[1]!.toFixed(0)} | ${cpu[0]!.toFixed(1)} / ${cpu[1]!.toFixed(1)} | ${(100 * redisCpu).toFixed(1)} | ${(Number(info1.used_memory) / 2 ** 20).toFixed(0)} | ${rss[2]!.toFixed(0)} | ${cpu[2]!.toFixed(1)} | ${((stats1.heartbeats - stats0.heartbeats) / seconds).toFixed(0)} | ${((stats1.polls - stats0.polls) / seconds).toFixed(0)} | ${stats1.errors - stats0.errors} |`,
      );

      // 2. Execute latency over random clusters, both replicas.
      for (const callers of [1, 16]) {
        const load = startCallers({ urls: replicas.map((r) => r.url), apiKey: key, clusters, callers });
        const started = performance.now();
        await Bun.sleep(LOAD_S * 1000);
        const t = await load.stop();
        const s = summary(t, (performance.now() - started) / 1000);
        latency.push(`| ${n} | ${callers} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${s.perSecond.toFixed(0)} | ${t.lost} |`);
      }

      // 3. SIGKILL one replica, start it again at once; sweep every cluster through the other.
      const baseline = await sweep(replicas[1]!.url, key, clusters);
      await fleet.mark();
      const killedAt = performance.now();
      await replicas[0]!.kill();
      const [restartMs, afterKill] = await Promise.all([replicas[0]!.start().then(() => performance.now() - killedAt), sweep(replicas[1]!.url, key, clusters)]);
      if (afterKill.missing > 0 || baseline.missing > 0) notes.push(`N=${n}: clusters that never answered within 120 s: ${baseline.missing} without a kill, ${afterKill.missing} after the SIGKILL`);
      // A return is confirmed when the poll that came back ends (a lease, or 204 after its 25 s wait).
      let recovery = await fleet.recovery();
      while (recovery.pending > 0 && performance.now() - killedAt < 90_000) {
        await Bun.sleep(1_000);
        recovery = await fleet.recovery();
      }
      const back = `${(recovery.maxBackMs / 1000).toFixed(2)}${recovery.pending > 0 ? ` (${recovery.pending} not back after 90 s)` : ""}`;

      // 4. SIGTERM rolling restart under 16 callers.
      const spread = (await fleet.stats()).onReplica.join(" / ");
      const load = startCallers({ urls: replicas.map((r) => r.url), apiKey: key, clusters, callers: 16 });
      const origin = performance.now();
      await Bun.sleep(ROLLING_S * 1000);
      const from = performance.now() - origin;
      const drains: string[] = [];
      for (const r of replicas) {
        const stopping = performance.now();
        const code = await r.term();
        const stopped = performance.now();
        await r.start();
        drains.push(`stop ${((stopped - stopping) / 1000).toFixed(1)} s (exit ${code}), start ${((performance.now() - stopped) / 1000).toFixed(1)} s`);
        await Bun.sleep(2_000);
      }
      const to = performance.now() - origin;
      await Bun.sleep(ROLLING_S * 1000);
      const t = await load.stop();
      const before = t.samples.filter((s) => s.at < from).map((s) => s.ms).sort((a, b) => a - b);
      const during = t.samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.ms);
      const p99 = pct(before, 99);
      const worst = Math.max(0, ...during);
      failover.push(
        `| ${n} | ${recovery.affected} | ${back} | ${(afterKill.ms / 1000).toFixed(2)} | ${(baseline.ms / 1000).toFixed(2)} | ${(restartMs / 1000).toFixed(1)} | ${t.lost} | ${t.rerouted - t.shuttingDown} / ${t.shuttingDown} | ${p99.toFixed(0)} | ${worst.toFixed(0)} | ${(worst - p99).toFixed(0)} |`,
      );
      const fleetEnd = await fleet.stats();
      notes.push(`N=${n}: rolling restart (agents on r0 / r1 before it: ${spread}): ${drains.join("; ")}; lost: ${reasonsOf(t)}; ${t.ok} commands answered; commands delivered again after a lease ran out (whole run): ${fleetEnd.redelivered}; results the fleet could not post: ${fleetEnd.resultsLost}`);
    } catch (e) {
      notes.push(`N=${n}: stopped: ${(e as Error).message.split("\n")[0]}`);
    } finally {
      await fleet?.stop();
      for (const r of replicas) if (r.proc().child.exitCode === null) await r.term();
      await redis.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log("### Idle (after a warm-up; RSS and CPU per replica: r0 / r1)\n");
  console.log(`${WARMUP_S} s warm-up, ${IDLE_S} s window. CPU % is of one core.\n`);
  console.log("| clusters | Redis cmd/s | per cluster | API RSS MB | API CPU % | redis CPU % | redis MB | fleet RSS MB | fleet CPU % | heartbeats/s | polls/s | fleet errors |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const l of idle) console.log(l);
  console.log(`\n### POST /debug/execute over random clusters, both replicas (${LOAD_S} s per row)\n`);
  console.log("| clusters | callers | p50 ms | p99 ms | commands/s | lost |\n| --- | --- | --- | --- | --- | --- |");
  for (const l of latency) console.log(l);
  console.log("\n### Replica loss\n");
  console.log(
    "SIGKILL of replica r0, started again at once on its port. Agents cut off: agents whose long poll failed; back: the latest moment (from the kill) one of them sent a poll that a live replica then held to its end. " +
      `All answered: one command to every cluster (${SWEEP_CONCURRENCY} at a time, retried until success) through the surviving replica, from the kill; the same sweep without a kill beside it (at large N the sweep measures throughput, not recovery). ` +
      `Rolling: SIGTERM and restart each replica in turn under 16 callers, ${ROLLING_S} s before and after; extra wait = slowest command during the restart minus p99 before.\n`,
  );
  console.log("| clusters | SIGKILL: agents cut off | all back on a live replica s | all answered a command s | sweep without kill s | killed replica listening again s | rolling: lost | rerouted: refused / 503 SHUTTING_DOWN | p99 before ms | max during ms | extra wait ms |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const l of failover) console.log(l);
  console.log("");
  for (const note of notes) console.log(`- ${note}`);
  if (FLOOR_AGENTS > 0) {
    const rows = await floorRows(FLOOR_AGENTS, key).catch((e: Error) => [`| stopped: ${e.message.split("\n")[0]} | | | | | |`]);
    console.log(`\n### Idle CPU against the runtime's floor\n`);
    console.log(`${FLOOR_AGENTS} agents (what one of two replicas holds at 10,000), their start spread evenly over one ${POLL_PERIOD_MS / 1000} s poll period, ${WARMUP_S} s warm-up after the last, ${IDLE_S} s window.\n`);
    console.log("| server | agents | polls/s | CPU % | CPU ms per poll | RSS MB |\n| --- | --- | --- | --- | --- | --- |");
    for (const r of rows) console.log(r);
  }
}
