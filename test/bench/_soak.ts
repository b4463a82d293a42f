/**
 * Soak section of `npm run bench` (issue 17): `kubently all --executor echo`
 * on each backend under callers at full rate for `KUBENTLY_SOAK_SECONDS`
 * (default 60), the server process's RSS read from /proc before the load,
 * every second during it, and the growth from 10 s in to the end (target:
 * under 10%: the stores are bounded, so memory should level off once their
 * windows are full). Reports, never asserts.
 */
import { run } from "../e2e/_harness.ts";
import { backends, pct, rssMb, timedLoad, urlOf } from "./_load.ts";

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

/** Runs the soak on every backend and prints its table. */
export async function soakSection(key: string): Promise<void> {
  const seconds = num("KUBENTLY_SOAK_SECONDS", 60);
  const callers = num("KUBENTLY_SOAK_CALLERS", 64);
  console.log(`\n## Soak: \`kubently all --executor echo --concurrency 64\`, ${callers} callers at full rate for ${seconds} s (KUBENTLY_SOAK_SECONDS)\n`);
  console.log("| backend | commands/s | p50 ms | p99 ms | failures | RSS before MB | RSS at 10 s | RSS at end | RSS max | growth after 10 s |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const backend of await backends()) {
    const all = run(["all", ...backend.args(), "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `bench:${key}`, "--cluster-id", "soak", "--executor", "echo", "--concurrency", "64"]);
    const url = await urlOf(all, /API listening on (http:\/\/\S+);/);
    const pid = all.child.pid!;
    await Bun.sleep(1_000);
    const before = rssMb(pid);
    const samples: { at: number; mb: number }[] = [];
    const started = performance.now();
    const sampler = setInterval(() => {
      if (all.child.exitCode === null) samples.push({ at: (performance.now() - started) / 1000, mb: rssMb(pid) });
    }, 1_000);
    const load = await timedLoad({ url, key, body: { cluster_id: "soak", argv: ["get", "pods"] }, callers, seconds });
    clearInterval(sampler);
    const end = rssMb(pid);
    // The sample nearest 10 s in; a run shorter than 20 s compares against its first sample.
    const at10 = samples.find((s) => s.at >= Math.min(10, seconds / 2))?.mb ?? before;
    const max = Math.max(end, ...samples.map((s) => s.mb));
    const growth = ((end - at10) / at10) * 100;
    console.log(
      `| ${backend.name} | ${Math.round(load.ok / seconds)} | ${pct(load.latencies, 50).toFixed(1)} | ${pct(load.latencies, 99).toFixed(1)} | ${load.answers - load.ok} | ${before.toFixed(0)} | ${at10.toFixed(0)} | ${end.toFixed(0)} | ${max.toFixed(0)} | ${growth >= 0 ? "+" : ""}${growth.toFixed(1)}% |`,
    );
    if (process.env.KUBENTLY_SOAK_TRACE) console.log(`  ${backend.name} RSS every second: ${samples.map((s) => s.mb.toFixed(0)).join(" ")}`);
    await all.stop();
    await backend.stop?.();
  }
}
