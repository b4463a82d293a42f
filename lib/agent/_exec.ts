/**
 * What an executor is given and gives back for one run: shared by the
 * executors and the template renderer they hand template outputs to.
 */

/** What one run produced. */
export interface ExecOutput {
  /** null when the process was killed. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout reached the byte cap; the process was stopped. */
  truncated: boolean;
  /** The time budget ran out; the process was killed. */
  timedOut: boolean;
  /** The caller cancelled; the process was killed. */
  cancelled: boolean;
  durationMs: number;
  /** A result code when the executor itself refused. */
  code?: "EXECUTOR_UNSUPPORTED";
  /** The executor masked secret material itself (the native layer redacts objects before printing). */
  redacted?: boolean;
  /** The command read much (a whole-cluster snapshot): the agent collects its heap after it. */
  heavy?: boolean;
}

/** Options for one run. */
export interface ExecOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** @default LIMITS.maxOutputBytes */
  maxOutputBytes?: number;
  /** Gets stdout text as it is written (within the cap), for streaming; `stdout` still holds all of it. */
  onOutput?: (text: string) => void;
}
