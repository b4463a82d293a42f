/**
 * Runs commands through a real agent (`startAgent`) over an in-memory
 * transport: no HTTP, no backend, no kubectl. The executor echoes argv.
 */
import { startAgent } from "../../lib/agent/agent.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import type { AgentJob, AgentTransport } from "../../lib/agent/agent.ts";
import type { Command, Result } from "../../lib/schemas.ts";

/** Hands each command to an agent serving `clusterId` that trusts `trustedKeys`; the results, in order. */
export async function runOnAgent(clusterId: string, trustedKeys: readonly string[], commands: readonly Command[]): Promise<Result[]> {
  const jobs: AgentJob[] = commands.map((command, i) => ({ leaseId: `lease-${i}`, command, attempt: 1, budgetMs: 60_000 }));
  const results = new Map<string, Result>();
  let allIn!: () => void;
  const done = new Promise<void>((resolve) => (allIn = resolve));
  const transport: AgentTransport = {
    async lease({ signal }) {
      const job = jobs.shift();
      if (job) return job;
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      return null;
    },
    async submit(job, result) {
      results.set(job.leaseId, result);
      if (results.size === commands.length) allIn();
    },
    async heartbeat() {},
    async config() {
      return { publicKeys: [...trustedKeys] };
    },
    async extend() {
      return true;
    },
  };
  const agent = startAgent({ clusterId, transport, executor: echoExecutor(), policies: [], trustedKeys, concurrency: 1, heartbeatMs: 60_000 });
  try {
    if (commands.length) await done;
  } finally {
    await agent.stop();
  }
  return commands.map((_, i) => results.get(`lease-${i}`)!);
}
