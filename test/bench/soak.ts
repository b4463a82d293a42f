/**
 * Memory soak (issue 17): drives `kubently all`-style load in one process
 * (memory backend, in-process agent, echo executor) for a while and prints
 * RSS, heap and what each backend store holds and dropped, so a store that
 * grows without bound shows as a rising line. Reports, never asserts.
 *
 *   bun test/bench/soak.ts [seconds=60] [callers=64]
 *
 * With the bounds in place the heap levels off once the result and audit
 * windows are full (about 40 MB at the defaults with small outputs).
 */
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { createKubently } from "../../lib/kubently.ts";
import type { Identity } from "../../lib/schemas.ts";

const seconds = Number(process.argv[2] ?? 60);
const callers = Number(process.argv[3] ?? 64);
const mb = (n: number) => (n / 1048576).toFixed(0);
const gc = () => (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true) ?? (globalThis as { gc?: () => void }).gc?.();

const k = createKubently({ backend: memoryBackend(), policies: [], clusters: [{ id: "c1" }] });
await k.ready();
const agent = k.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
const identity = { kind: "admin", name: "soak", keyId: "soak", role: "admin" } as Identity;

const started = performance.now();
let done = 0;
let failed = 0;
let sampledAt = started;
function sample(label: string) {
  gc();
  const m = process.memoryUsage();
  const s = k.backend.stats?.();
  const kept = s ? Object.entries(s.kept).map(([store, v]) => `${store}=${v.count}`).join(" ") : "";
  const dropped = s ? Object.entries(s.dropped).filter(([, n]) => n > 0).map(([store, n]) => `${store}=${n}`).join(" ") : "";
  console.log(`${label.padStart(6)} commands=${done} failed=${failed} rss=${mb(m.rss)}MB heap=${mb(m.heapUsed)}MB kept: ${kept} dropped: ${dropped || "none"}`);
}

sample("start");
const until = started + seconds * 1000;
await Promise.all(
  Array.from({ length: callers }, async () => {
    while (performance.now() < until) {
      const outcome = await k.services.execute.execute(identity, { clusterId: "c1", argv: ["get", "pods"] });
      done++;
      if (outcome.result?.status !== "success") failed++;
      // Sampled from the load itself: an in-process run may give timers few turns.
      if (performance.now() - sampledAt >= 5_000) {
        sampledAt = performance.now();
        sample(`${Math.round((sampledAt - started) / 1000)}s`);
      }
    }
  }),
);
sample("end");
console.log(`${(done / seconds).toFixed(0)} commands/s`);
await new Promise((r) => setTimeout(r, 5_000));
sample("+5s");
await agent.stop();
await k.close();
