/** Small shared test fixtures. */
import { readdirSync, readFileSync } from "node:fs";
import { echoExecutor, type Executor } from "../lib/agent/executors.ts";
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

/** Pids of the running kubectl processes whose command line contains `marker` (read from /proc). */
export function kubectlProcesses(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (/kubectl[^/]*$/.test(argv[0] ?? "") && argv.join(" ").includes(marker)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Polls `probe` every 50 ms until `done` holds for its value (or `ms` pass); returns the last value. */
export async function pollUntil<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const until = performance.now() + ms;
  let value = await probe();
  while (!done(value) && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    value = await probe();
  }
  return value;
}

/**
 * An executor that, for a command with `-f` (like kubectl's `logs -f`),
 * writes `tick N` every `everyMs` through `onOutput` until its budget runs
 * out or its signal aborts; any other command it answers at once with its argv.
 */
export function tickingExecutor(everyMs: number): Executor {
  const echo = echoExecutor();
  const follow: Executor["run"] = (_argv, o) =>
    new Promise((resolve) => {
      const started = Date.now();
      let out = "";
      let n = 0;
      const tick = setInterval(() => {
        const line = `tick ${n++}\n`;
        out += line;
        o.onOutput?.(line);
      }, everyMs);
      const end = (how: { timedOut?: boolean; cancelled?: boolean }) => {
        clearInterval(tick);
        clearTimeout(budget);
        resolve({ exitCode: null, stdout: out, stderr: "", truncated: false, timedOut: how.timedOut === true, cancelled: how.cancelled === true, durationMs: Date.now() - started });
      };
      const budget = setTimeout(() => end({ timedOut: true }), o.timeoutMs);
      if (o.signal?.aborted) end({ cancelled: true });
      else o.signal?.addEventListener("abort", () => end({ cancelled: true }), { once: true });
    });
  return { name: "ticking", run: (argv, o) => (argv.includes("-f") ? follow(argv, o) : echo.run(argv, o)) };
}
