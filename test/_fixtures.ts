/** Small shared test fixtures. */
import type { Executor } from "../lib/agent/executors.ts";

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
