/**
 * Diagnose section of `npm run bench` (issue 12): `kubently api` and `kubently
 * agent --executor native` as two processes against a simulated cluster of
 * 2,000 pods, 500 deployments and 5,000 events (`_big-cluster.ts`, loaded as a
 * scenario file), `POST /debug/diagnose` of the whole cluster one after the
 * other: end-to-end p50/p95 latency, the agent's own time (snapshot read plus
 * analyzers, `duration_ms`), and the agent's RSS before, during and after.
 * Targets: p50 <= 500 ms, agent <= 150 MB. Reports, never asserts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../e2e/_harness.ts";
import { startSimCluster } from "../../lib/sim/index.ts";
import { BENCH_SIZE, bigCluster } from "./_big-cluster.ts";
import { pct, rssMb, urlOf } from "./_load.ts";

const TOKEN = "bench-diag-token-0123456789";

/** Runs the section and prints its table. */
export async function diagnoseSection(key: string): Promise<void> {
  const rounds = Number(process.env.KUBENTLY_DIAGNOSE_ROUNDS) || 30;
  const size = BENCH_SIZE;
  console.log(`\n## Diagnose: ${size.deployments * size.podsPerDeployment} pods, ${size.deployments} deployments, ${size.events} events; \`api\` + \`agent --executor native\`, ${rounds} whole-cluster diagnoses one after the other\n`);
  const dir = mkdtempSync(join(tmpdir(), "kubently-bench-diag-"));
  const { capturedAt, objects } = bigCluster(size);
  const file = join(dir, "big.json");
  writeFileSync(file, JSON.stringify([{ apiVersion: "kubently.io/v1", kind: "Scenario", metadata: { name: "bench-big" }, capturedAt }, ...objects]));
  const sim = await startSimCluster({ scenario: file });
  const kubeconfig = await sim.writeKubeconfig(join(dir, "config"));
  const api = run(["api", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `bench:${key}`], { KUBENTLY_AGENT_TOKENS: `big:${TOKEN}` });
  const url = await urlOf(api, /API listening on (http:\/\/\S+) /);
  const agent = run(["agent", "--api-url", url, "--cluster-id", "big", "--token", TOKEN, "--kubeconfig", kubeconfig, "--executor", "native"]);
  await agent.waitFor(/serving cluster big/);
  await Bun.sleep(2_000);
  const pid = agent.child.pid!;
  const idle = rssMb(pid);
  let max = idle;
  const sampler = setInterval(() => {
    if (agent.child.exitCode === null) max = Math.max(max, rssMb(pid));
  }, 50);
  const latencies: number[] = [];
  const agentMs: number[] = [];
  let findings = 0;
  let objectsRead = 0;
  let failures = 0;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const res = await fetch(`${url}/debug/diagnose`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "big" }) });
    const body = (await res.json()) as { status: string; summary?: { total: number }; analyzed?: { objects: number }; duration_ms?: number; error?: string };
    latencies.push(performance.now() - started);
    if (body.status !== "success") {
      failures++;
      if (failures === 1) console.log(`(first failure: ${body.status}: ${body.error})`);
      continue;
    }
    agentMs.push(body.duration_ms ?? NaN);
    findings = body.summary?.total ?? 0;
    objectsRead = body.analyzed?.objects ?? 0;
  }
  clearInterval(sampler);
  const after = rssMb(pid);
  latencies.sort((a, b) => a - b);
  agentMs.sort((a, b) => a - b);
  console.log("| objects read | findings | p50 ms | p95 ms | agent p50 ms | failures | agent RSS idle MB | agent RSS max MB | agent RSS after MB |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  console.log(`| ${objectsRead} | ${findings} | ${pct(latencies, 50).toFixed(0)} | ${pct(latencies, 95).toFixed(0)} | ${pct(agentMs, 50).toFixed(0)} | ${failures} | ${idle.toFixed(1)} | ${max.toFixed(1)} | ${after.toFixed(1)} |`);
  await agent.stop();
  await api.stop();
  await sim.close();
}
