/** Small shared test fixtures. */
import type { Executor } from "../lib/agent/executors.ts";
import type { Command } from "../lib/schemas.ts";

/** An executor that answers after `ms` with the argv, or at once with `cancelled` when its signal aborts. */
export function slowExecutor(ms: number): Executor {
  return {
    name: "slow",
    run: (argv, o) =>
      new Promise((resolve) => {
        const started = Date.now();
        const done = (cancelled: boolean) =>
          resolve({ exitCode: cancelled ? null : 0, stdout: cancelled ? "" : `${argv.join(" ")}\n`, stderr: "", truncated: false, timedOut: false, cancelled, durationMs: Date.now() - started });
        const timer = setTimeout(() => done(false), ms);
        o.signal?.addEventListener("abort", () => (clearTimeout(timer), done(true)), { once: true });
      }),
  };
}

/** A command as the API builds it (unsigned), for tests that talk to a queue or agent directly. */
export function testCommand(clusterId: string, over: Partial<Command> = {}): Command {
  const now = Date.now();
  return {
    id: `cmd-${crypto.randomUUID()}`,
    clusterId,
    argv: ["get", "pods"],
    timeoutMs: 5_000,
    deadline: now + 60_000,
    requestedBy: "svc:tester",
    correlationId: `corr-${crypto.randomUUID()}`,
    createdAt: now,
    ...over,
  };
}
