/**
 * `npm run bench`: end-to-end figures over real HTTP through the compiled
 * binary. Reports, never asserts (machines here are shared and noisy):
 * - execute overhead with the echo executor, p50/p99 at 1, 16 and 64 callers,
 *   and commands/s, for `kubently all` (in-process agent) and `api` + `agent`
 *   (two processes, agent over HTTP);
 * - real reads (`get pods -A`, `logs --tail=50`, `describe pod`) through
 *   `kubently demo` with the kubectl and the native executor, 1/4/16 callers;
 * - streaming: time to the first line and per-line lag (kubectl's timestamp
 *   to arrival over SSE) of `logs -f --timestamps`, 1 and 16 streams at once;
 * - idle RSS of the API and the agent;
 * - a soak per backend (RSS growth under full load, `_soak.ts`) and a 10x
 *   overload of one slow cluster (goodput, 429 `CLUSTER_BUSY`, `_overload.ts`);
 * - diagnose of a 2,000-pod cluster: latency and agent RSS (`_diagnose.ts`);
 * - tracing off vs OTLP export on (`_tracing.ts`);
 * - a fleet of 100 to 10,000 light agents on two Redis replicas: idle load,
 *   latency, replica loss and a rolling restart (`_fleet.ts`).
 *
 * `KUBENTLY_BENCH_SECTIONS=soak,overload` runs only the sections named
 * (overhead, reads, agent, diagnose, soak, overload, tracing, fleet); all of them by default.
 * `KUBENTLY_BENCH_BACKENDS=memory,redis` limits the backends measured.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary, hasTool, run } from "../e2e/_harness.ts";
import { readEventStream } from "../../lib/_event-stream.ts";
import { startSimCluster } from "../../lib/sim/index.ts";
import { backends, pct, rssMb, urlOf } from "./_load.ts";
import { diagnoseSection } from "./_diagnose.ts";
import { overloadSection } from "./_overload.ts";
import { soakSection } from "./_soak.ts";
import { tracingSection } from "./_tracing.ts";
import { fleetSection } from "./_fleet.ts";

const KEY = "bench-key-0123456789abcdef";
const TOKEN = "bench-agent-token-0123456789";
const LEVELS = [
  { callers: 1, requests: 1_500 },
  { callers: 16, requests: 6_000 },
  { callers: 64, requests: 12_000 },
];

const sections = new Set((process.env.KUBENTLY_BENCH_SECTIONS ?? "").split(",").map((x) => x.trim()).filter(Boolean));
const wanted = (section: string) => sections.size === 0 || sections.has(section);

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

/** One streamed `logs -f --timestamps` for 4 s: ms to the first chunk, and each line's lag from kubectl's timestamp to its arrival. */
async function streamLag(url: string): Promise<{ first: number; lags: number[] }> {
  const started = Date.now();
  const res = await fetch(`${url}/debug/execute`, {
    method: "POST",
    headers: { "x-api-key": KEY, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ cluster_id: "demo", argv: ["logs", "-f", "--timestamps", "--tail=0", "-n", "shop", "pod/web-7d4b9c8f6d-x2kqp"], stream: true, timeout_seconds: 4 }),
  });
  const lags: number[] = [];
  let first = 0;
  for await (const e of readEventStream(res.body!)) {
    if (e.event !== "chunk") continue;
    const now = Date.now();
    first ||= now - started;
    for (const line of (e.data as { data: string }).data.split("\n").filter(Boolean)) lags.push(now - Date.parse(`${line.slice(0, 23)}Z`));
  }
  return { first, lags };
}

async function table(label: string, url: string, cluster: string) {
  await load(url, cluster, ["version"], 8, 1_000); // warm-up
  for (const { callers, requests } of LEVELS) {
    const r = await load(url, cluster, ["get", "pods", "-A"], callers, requests);
    console.log(`| ${label} | ${callers} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.perSecond)} | ${r.failures} |`);
  }
}

async function main() {
  const missing = ensureBinary();
  if (missing) throw new Error(missing);
  console.log(`# Kubently benchmark (${new Date().toISOString()}, ${navigator.hardwareConcurrency} cores)\n`);
  const rss: string[] = [];
  if (wanted("overhead")) {
    console.log("## Execute overhead, echo executor, real HTTP through dist/kubently\n");
    console.log("| backend | mode | callers | p50 ms | p99 ms | commands/s | failures |\n| --- | --- | --- | --- | --- | --- | --- |");
    for (const backend of await backends()) {
      const all = run(["all", ...backend.args(), "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `bench:${KEY}`, "--cluster-id", "bench", "--executor", "echo", "--concurrency", "64"]);
      const allUrl = await urlOf(all, /API listening on (http:\/\/\S+);/);
      await table(`${backend.name} | all (in-process agent)`, allUrl, "bench");
      await all.stop();

      const api = run(["api", ...backend.args(), "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `bench:${KEY}`], { KUBENTLY_AGENT_TOKENS: `bench:${TOKEN}` });
      const apiUrl = await urlOf(api, /API listening on (http:\/\/\S+) /);
      await Bun.sleep(500);
      const apiIdle = rssMb(api.child.pid!);
      const agent = run(["agent", "--api-url", apiUrl, "--cluster-id", "bench", "--token", TOKEN, "--executor", "echo", "--concurrency", "64"]);
      await agent.waitFor(/serving cluster bench/);
      await Bun.sleep(1_000);
      const agentIdle = rssMb(agent.child.pid!);
      await table(`${backend.name} | api + agent (HTTP)`, apiUrl, "bench");
      rss.push(`| ${backend.name} | ${apiIdle.toFixed(1)} | ${rssMb(api.child.pid!).toFixed(1)} | ${agentIdle.toFixed(1)} | ${rssMb(agent.child.pid!).toFixed(1)} |`);
      await agent.stop();
      await api.stop();
      await backend.stop?.();
    }
  }

  if (wanted("reads")) {
    console.log("\n## Real reads against the simulated cluster (`kubently demo`): kubectl vs native, same run\n");
    if (!hasTool("kubectl")) console.log("kubectl is not on PATH: skipped");
    else {
      console.log("| executor | command | callers | p50 ms | p99 ms | commands/s | failures | demo RSS MB |\n| --- | --- | --- | --- | --- | --- | --- | --- |");
      const POD = "web-7d4b9c8f6d-x2kqp";
      const commands: [string, string[]][] = [
        ["get pods -A", ["get", "pods", "-A"]],
        ["logs --tail=50", ["logs", "-n", "shop", POD, "--tail=50"]],
        ["describe pod", ["describe", "pod", "-n", "shop", POD]],
      ];
      for (const executor of ["kubectl", "native"] as const) {
        const demo = run(["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, "--concurrency", "16", "--executor", executor]);
        const demoUrl = await urlOf(demo, /API:\s+(http:\/\/\S+)/);
        for (const [label, argv] of commands) {
          for (const callers of [1, 4, 16]) {
            // kubectl costs ~100 ms a command: fewer requests keep the run short.
            const requests = executor === "kubectl" ? 20 * callers + 20 : 300 * callers;
            const r = await load(demoUrl, "demo", argv, callers, requests);
            console.log(`| ${executor} | ${label} | ${callers} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.perSecond.toFixed(1)} | ${r.failures} | ${rssMb(demo.child.pid!).toFixed(0)} |`);
          }
        }
        await demo.stop();
      }
      const demo = run(["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, "--concurrency", "4"]);
      const demoUrl = await urlOf(demo, /API:\s+(http:\/\/\S+)/);
      console.log("\n## Streaming: `logs -f --timestamps` over SSE (`kubently demo`, a line every 200 ms per stream)\n");
      console.log("| streams | first line p50 ms | line lag p50 ms | line lag p99 ms | lines |\n| --- | --- | --- | --- | --- |");
      for (const streams of [1, 16]) {
        const all = await Promise.all(Array.from({ length: streams }, () => streamLag(demoUrl)));
        const lags = all.flatMap((a) => a.lags).sort((a, b) => a - b);
        const firsts = all.map((a) => a.first).sort((a, b) => a - b);
        console.log(`| ${streams} | ${pct(firsts, 50).toFixed(0)} | ${pct(lags, 50).toFixed(1)} | ${pct(lags, 99).toFixed(1)} | ${lags.length} |`);
      }
      await demo.stop();
    }
  }

  if (wanted("agent")) {
    console.log("\n## Agent RSS under native load (`api` + `agent --executor native` as two processes, 16 callers, 3,000 commands each)\n");
    const sim = await startSimCluster();
    const kubeconfig = await sim.writeKubeconfig(join(mkdtempSync(join(tmpdir(), "kubently-bench-")), "config"));
    const api = run(["api", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `bench:${KEY}`], { KUBENTLY_AGENT_TOKENS: `sim:${TOKEN}` });
    const apiUrl = await urlOf(api, /API listening on (http:\/\/\S+) /);
    const agent = run(["agent", "--api-url", apiUrl, "--cluster-id", "sim", "--token", TOKEN, "--kubeconfig", kubeconfig, "--executor", "native", "--concurrency", "16"]);
    await agent.waitFor(/serving cluster sim/);
    await Bun.sleep(2_000);
    console.log("| after | commands/s | agent RSS MB |\n| --- | --- | --- |");
    console.log(`| idle | | ${rssMb(agent.child.pid!).toFixed(1)} |`);
    for (const [label, argv] of [["get pods -A", ["get", "pods", "-A"]], ["describe pod", ["describe", "pod", "-n", "shop", "web-7d4b9c8f6d-x2kqp"]]] as const) {
      const r = await load(apiUrl, "sim", [...argv], 16, 3_000);
      console.log(`| ${label} | ${r.perSecond.toFixed(0)} | ${rssMb(agent.child.pid!).toFixed(1)} |`);
    }
    await agent.stop();
    await api.stop();
    await sim.close();
  }

  if (wanted("diagnose")) await diagnoseSection(KEY);
  if (wanted("soak")) await soakSection(KEY);
  if (wanted("overload")) await overloadSection(KEY);
  if (wanted("tracing")) await tracingSection(KEY, TOKEN);
  if (wanted("fleet")) await fleetSection(KEY);

  if (rss.length > 0) {
    console.log("\n## Memory (RSS, MB)\n");
    console.log("| backend | API idle | API after load | agent idle | agent after load |\n| --- | --- | --- | --- | --- |");
    for (const line of rss) console.log(line);
  }
}

await main();
process.exit(0);
