/**
 * An idle agent holds one long poll, not one per worker (issue 18: an idle
 * fleet's cost is per cluster, whatever `concurrency` is), yet a burst of
 * work is taken by all its workers at once.
 */
import { expect, test } from "bun:test";
import { startAgent, type AgentJob, type AgentTransport } from "../../lib/agent/agent.ts";
import type { Executor } from "../../lib/agent/executors.ts";
import type { Result } from "../../lib/schemas.ts";
import { createSigner } from "../../lib/signing.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { testCommand } from "../_fixtures.ts";

const signer = createSigner();

test("four idle workers share one long poll; a burst of four commands runs on all four at once; idle again, one poll", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const queued: AgentJob[] = [];
  const waiters = new Set<() => void>();
  const done: Result[] = [];
  const transport: AgentTransport = {
    async lease({ signal }) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const job = queued.shift();
        if (job || signal.aborted) return job ?? null;
        // Waits until woken (work may have come: a wake without work is the wait running out).
        await new Promise<void>((resolve) => {
          waiters.add(resolve);
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
        return queued.shift() ?? null;
      } finally {
        inFlight--;
      }
    },
    submit: async (_job, result) => void done.push(result),
    heartbeat: async () => {},
    config: async () => ({ publicKeys: [signer.publicKeyPem] }),
    extend: async () => true,
  };
  let running = 0;
  let maxRunning = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const executor: Executor = {
    name: "gated",
    async run(argv) {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await gate;
      running--;
      return { exitCode: 0, stdout: argv.join(" "), stderr: "", truncated: false, timedOut: false, cancelled: false, durationMs: 1 };
    },
  };
  const agent = startAgent({ clusterId: "c1", transport, executor, policies: [readOnly()], concurrency: 4, pollWaitMs: 60_000 });
  try {
    await Bun.sleep(100);
    expect(inFlight).toBe(1);
    expect(maxInFlight).toBe(1);
    // A burst: the one poll takes the first command and wakes the others, which take the rest.
    for (let i = 0; i < 4; i++) {
      const command = testCommand("c1", { argv: ["get", "pods", `--selector=n=${i}`], timeoutMs: 10_000, deadline: Date.now() + 10_000 });
      queued.push({ leaseId: `l${i}`, attempt: 1, budgetMs: 10_000, command: { ...command, signature: signer.sign(command) } });
    }
    for (const wake of waiters) wake();
    waiters.clear();
    for (let i = 0; i < 100 && maxRunning < 4; i++) await Bun.sleep(10);
    expect(maxRunning).toBe(4);
    release();
    for (let i = 0; i < 100 && done.length < 4; i++) await Bun.sleep(10);
    expect(done.map((r) => r.status)).toEqual(["success", "success", "success", "success"]);
    // Back to idle: the workers poll again; once their polls come back empty all but one park.
    await Bun.sleep(100);
    expect(inFlight).toBe(4);
    for (const wake of waiters) wake();
    waiters.clear();
    for (let i = 0; i < 100 && inFlight !== 1; i++) await Bun.sleep(10);
    expect(inFlight).toBe(1);
  } finally {
    await agent.stop();
  }
});
