/**
 * `npm run bench`: end-to-end figures over real HTTP through the compiled
 * binary. Reports, never asserts (machines here are shared and noisy):
 * - execute overhead with the echo executor, p50/p99 at 1, 16 and 64 callers,
 *   and commands/s, for `kubently all` (in-process agent) and `api` + `agent`
 *   (two processes, agent over HTTP);
 * - `get pods -A` latency with real kubectl against the simulated cluster;
 * - idle RSS of the API and the agent.
 */
import { readFileSync } from "node:fs";
import { ensureBinary, hasTool, run, type Proc } from "../e2e/_harness.ts";

const KEY = "bench-key-0123456789abcdef";
const TOKEN = "bench-agent-token-0123456789";
const LEVELS = [
  { callers: 1, requests: 2_000 },
  { callers: 16, requests: 8_000 },
  { callers: 64, requests: 16_000 },
];

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const rssMb = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]) / 1024;

async function load(url: string, cluster: string, argv: string[], callers: number, requests: number) {
  const body = JSON.stringify({ cluster_id: cluster, argv });
  const headers = { "x-api-key": KEY, "content-type": "application/json" };
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next++ < requests) {
        const t = performance.now();
        const res = await fetch(`${url}/debug/execute`, { method: "POST", headers, body });
        const json = (await res.json()) as { status: string };
        latencies.push(performance.now() - t);
        if (json.status !== "success") failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { p50: pct(latencies, 50), p99: pct(latencies, 99), perSecond: latencies.length / seconds, failures };
}

async function table(label: string, url: string, cluster: string) {
  await load(url, cluster, ["version"], 8, 1_000); // warm-up
  for (const { callers, requests } of LEVELS) {
    const r = await load(url, cluster, ["get", "pods", "-A"], callers, requests);
    console.log(`| ${label} | ${callers} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.perSecond)} | ${r.failures} |`);
  }
}

async function urlOf(proc: Proc, re: RegExp) {
  return (await proc.waitFor(re))[1]!;
}

async function main() {
  const missing = ensureBinary();
  if (missing) throw new Error(missing);
  console.log(`# Kubently benchmark (${new Date().toISOString()}, memory backend, ${navigator.hardwareConcurrency} cores)\n`);
  console.log("## Execute overhead, echo executor, real HTTP through dist/kubently\n");
  console.log("| mode | callers | p50 ms | p99 ms | commands/s | failures |\n| --- | --- | --- | --- | --- | --- |");

  const all = run(["all", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `bench:${KEY}`, "--cluster-id", "bench", "--executor", "echo", "--concurrency", "64"]);
  const allUrl = await urlOf(all, /API listening on (http:\/\/\S+);/);
  await table("all (in-process agent)", allUrl, "bench");
  await all.stop();

  const api = run(["api", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `bench:${KEY}`], { KUBENTLY_AGENT_TOKENS: `bench:${TOKEN}` });
  const apiUrl = await urlOf(api, /API listening on (http:\/\/\S+) /);
  await Bun.sleep(500);
  const apiIdle = rssMb(api.child.pid!);
  const agent = run(["agent", "--api-url", apiUrl, "--cluster-id", "bench", "--token", TOKEN, "--executor", "echo", "--concurrency", "64"]);
  await agent.waitFor(/serving cluster bench/);
  await Bun.sleep(1_000);
  const agentIdle = rssMb(agent.child.pid!);
  await table("api + agent (HTTP)", apiUrl, "bench");
  const apiLoaded = rssMb(api.child.pid!);
  const agentLoaded = rssMb(agent.child.pid!);
  await agent.stop();
  await api.stop();

  console.log("\n## Real kubectl against the simulated cluster (`kubently demo`)\n");
  if (!hasTool("kubectl")) console.log("kubectl is not on PATH: skipped");
  else {
    const demo = run(["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, "--concurrency", "4"]);
    const demoUrl = await urlOf(demo, /API:\s+(http:\/\/\S+)/);
    console.log("| command | callers | p50 ms | p99 ms | commands/s | failures |\n| --- | --- | --- | --- | --- | --- |");
    for (const callers of [1, 4]) {
      const r = await load(demoUrl, "demo", ["get", "pods", "-A"], callers, 100);
      console.log(`| get pods -A | ${callers} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.perSecond.toFixed(1)} | ${r.failures} |`);
    }
    await demo.stop();
  }

  console.log("\n## Memory (RSS)\n");
  console.log(`| process | idle MB | after load MB |\n| --- | --- | --- |`);
  console.log(`| kubently api | ${apiIdle.toFixed(1)} | ${apiLoaded.toFixed(1)} |`);
  console.log(`| kubently agent | ${agentIdle.toFixed(1)} | ${agentLoaded.toFixed(1)} |`);
}

await main();
process.exit(0);
