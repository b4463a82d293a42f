/**
 * Overload section of `npm run bench` (issue 17): one cluster whose agent
 * runs 4 commands at once, each taking 200 ms (a stand-in kubectl that
 * sleeps, so the agent costs no CPU), about 20 commands/s. Every command has
 * a 2 s timeout. The unloaded rate is what 8 callers get (the agent never
 * idles); then 80 callers (10x), first retrying at once after a 429, then
 * waiting its `Retry-After`. Goodput is successful commands/s; 429
 * `CLUSTER_BUSY` answers (admission control) are counted apart from timeouts.
 * `KUBENTLY_OVERLOAD_SECONDS` sets each phase's length (default 15).
 * Reports, never asserts.
 */
import { fakeKubeconfig, fakeKubectl } from "../e2e/_fake-kubectl.ts";
import { run } from "../e2e/_harness.ts";
import { backends, pct, reasonsText, timedLoad, urlOf, type Tally } from "./_load.ts";

const WORKERS = 4;
const COMMAND_MS = 200;
const TIMEOUT_SECONDS = 2;
const UNLOADED_CALLERS = 2 * WORKERS;

/** Runs the overload phases on every backend and prints its table. */
export async function overloadSection(key: string): Promise<void> {
  const env = Number(process.env.KUBENTLY_OVERLOAD_SECONDS);
  const seconds = Number.isFinite(env) && env > 0 ? env : 15;
  const kubectl = fakeKubectl(COMMAND_MS);
  console.log(
    `\n## Overload: one agent, ${WORKERS} workers, ${COMMAND_MS} ms a command (capacity ≈ ${(WORKERS * 1000) / COMMAND_MS}/s), timeout_seconds ${TIMEOUT_SECONDS}, ${seconds} s a row (KUBENTLY_OVERLOAD_SECONDS)\n`,
  );
  console.log("| backend | callers | after a 429 | answers/s | goodput/s | vs unloaded | p50 ms | p99 ms | 429 CLUSTER_BUSY | timeouts | other failures |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  const notes: string[] = [];
  for (const backend of await backends()) {
    const all = run(["all", ...backend.args(), "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `bench:${key}`, "--cluster-id", "slow", "--executor", "kubectl", "--kubectl", kubectl, "--kubeconfig", fakeKubeconfig(kubectl), "--concurrency", String(WORKERS)]);
    const url = await urlOf(all, /API listening on (http:\/\/\S+);/);
    const body = { cluster_id: "slow", argv: ["get", "pods"], timeout_seconds: TIMEOUT_SECONDS };
    // Warm-up: the API learns the agent's time per command from its first results.
    await timedLoad({ url, key, body, callers: UNLOADED_CALLERS, seconds: 2 });
    const unloaded = await timedLoad({ url, key, body, callers: UNLOADED_CALLERS, seconds });
    const base = unloaded.ok / seconds;
    const row = (callers: number, after: string, t: Tally) => {
      const share = (n: number) => `${n} (${t.answers ? ((100 * n) / t.answers).toFixed(0) : 0}%)`;
      console.log(
        `| ${backend.name} | ${callers} | ${after} | ${(t.answers / seconds).toFixed(1)} | ${(t.ok / seconds).toFixed(1)} | ${((100 * t.ok) / seconds / base).toFixed(0)}% | ${pct(t.latencies, 50).toFixed(0)} | ${pct(t.latencies, 99).toFixed(0)} | ${share(t.busy)} | ${share(t.timeouts)} | ${share(t.failures)} |`,
      );
      notes.push(`${backend.name}, ${callers} callers${after === "–" ? "" : `, ${after}`}: ${reasonsText(t)}`);
    };
    row(UNLOADED_CALLERS, "–", unloaded);
    row(10 * UNLOADED_CALLERS, "retry at once", await timedLoad({ url, key, body, callers: 10 * UNLOADED_CALLERS, seconds }));
    // Let the queue drain between the two overload rows.
    await Bun.sleep((TIMEOUT_SECONDS + 2) * 1000);
    row(10 * UNLOADED_CALLERS, "wait Retry-After", await timedLoad({ url, key, body, callers: 10 * UNLOADED_CALLERS, seconds, honourRetryAfter: true }));
    await all.stop();
    await backend.stop?.();
  }
  console.log(`\nNon-success answers by HTTP status and code:\n\n${notes.map((n) => `- ${n}`).join("\n")}`);
}
