/**
 * Executors run an already-validated argv inside the cluster. The kubectl
 * executor never uses a shell: it spawns the binary with an argv array, a
 * scrubbed environment, a hard timeout that kills the whole process group,
 * and a cap on the bytes it keeps.
 */
import type { BreakerSnapshot } from "../breaker.ts";
import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { LIMITS } from "../limits.ts";
import { isKubentlyCommand } from "../kubectl/spec.ts";
import { runTemplated, templatePlan } from "./_templates.ts";

export type { ExecOptions, ExecOutput } from "./_exec.ts";
import type { ExecOptions, ExecOutput } from "./_exec.ts";

/** Runs commands for the agent. */
export interface Executor {
  name: string;
  run(argv: readonly string[], options: ExecOptions): Promise<ExecOutput>;
  /** Versions to report in heartbeats. */
  describe?(): Promise<{ kubectlVersion?: string; kubernetesVersion?: string }>;
  /** Command paths answered without kubectl (`get`, `logs`...), reported in heartbeats. */
  covers?: readonly string[];
  /** The ids of the analyzers `diagnose` runs, reported in heartbeats. */
  analyzers?: readonly string[];
  /** Its circuit breakers' states (the API server's), reported in heartbeats. */
  breakers?(): BreakerSnapshot[];
  /** Releases what the executor holds open (pooled connections); the agent calls it when it stops. */
  close?(): Promise<void>;
}

/** The PATH kubectl gets when the agent has none. */
export const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Options for {@link kubectlExecutor}. */
export interface KubectlExecutorOptions {
  /** The kubectl binary. @default "kubectl" (looked up on PATH) */
  binary?: string;
  /** KUBECONFIG for kubectl; unset means in-cluster config or ~/.kube/config. */
  kubeconfig?: string;
  /** PATH given to kubectl. @default the agent's own PATH */
  path?: string;
  /** HOME given to kubectl (its discovery cache lives there). @default the agent's own HOME */
  home?: string;
  /** stderr kept at most, in bytes. @default 65536 */
  maxStderrBytes?: number;
  /** Add kubectl's `--request-timeout` from the budget (see {@link withRequestTimeout}). @default true */
  requestTimeout?: boolean;
}

/**
 * Adds kubectl's own `--request-timeout` (a second past our budget) after
 * any the caller gave (kubectl takes the last one): kubectl then ends even
 * if the agent dies and cannot kill it (watches and `logs -f` included),
 * whatever the caller asked (`--request-timeout=0` means "never"). Goes
 * before a `--`, where kubectl still reads flags.
 */
export function withRequestTimeout(argv: readonly string[], timeoutMs: number): string[] {
  const flag = `--request-timeout=${Math.ceil(timeoutMs / 1000) + 1}s`;
  const end = argv.indexOf("--");
  return end < 0 ? [...argv, flag] : [...argv.slice(0, end), flag, ...argv.slice(end)];
}

/** Executes with the real kubectl binary. */
export function kubectlExecutor(options: KubectlExecutorOptions = {}): Executor {
  const binary = options.binary ?? "kubectl";
  // Only PATH, HOME, KUBECONFIG and the in-cluster API address reach kubectl: credentials or
  // proxies in the agent's env never do.
  // KUBECTL_KUBERC=false: kubectl >= 1.33 would otherwise read ~/.kube/kuberc, whose aliases and
  // default flags could make an allowed argv run as something else.
  const env: Record<string, string> = { PATH: options.path ?? process.env.PATH ?? DEFAULT_PATH, KUBECTL_KUBERC: "false" };
  const home = options.home ?? process.env.HOME;
  if (home) env.HOME = home;
  const kubeconfig = options.kubeconfig ?? process.env.KUBECONFIG;
  if (kubeconfig) env.KUBECONFIG = kubeconfig;
  // In a pod without a kubeconfig, kubectl finds the API server through these two (an address,
  // not a credential: the credential is the service-account token file).
  for (const name of ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"]) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  const maxStderr = options.maxStderrBytes ?? 64 * 1024;

  const run = (argv: readonly string[], o: ExecOptions): Promise<ExecOutput> =>
    new Promise((resolve) => {
      const started = Date.now();
      const cap = o.maxOutputBytes ?? LIMITS.maxOutputBytes;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let truncated = false;
      let timedOut = false;
      let cancelled = false;
      let settled = false;
      const decoder = o.onOutput ? new StringDecoder("utf8") : null;
      const emit = (bytes: Buffer) => {
        const text = decoder?.write(bytes);
        if (text) o.onOutput!(text);
      };
      const finish = (exitCode: number | null, spawnError?: string) => {
        if (settled) return;
        settled = true;
        const rest = decoder?.end();
        if (rest) o.onOutput!(rest);
        clearTimeout(timer);
        o.signal?.removeEventListener("abort", onAbort);
        resolve({
          exitCode,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: spawnError ?? Buffer.concat(err).toString("utf8"),
          truncated,
          timedOut,
          cancelled,
          durationMs: Date.now() - started,
        });
      };
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(binary, options.requestTimeout === false ? [...argv] : withRequestTimeout(argv, o.timeoutMs), { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      } catch (e) {
        return finish(null, `cannot start ${binary}: ${(e as Error).message}`);
      }
      // detached puts kubectl in its own process group, so one kill reaches anything it started.
      const kill = () => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, o.timeoutMs);
      const onAbort = () => {
        cancelled = true;
        kill();
      };
      if (o.signal?.aborted) onAbort();
      o.signal?.addEventListener("abort", onAbort, { once: true });
      child.stdout!.on("data", (chunk: Buffer) => {
        if (truncated) return;
        const room = cap - outBytes;
        if (chunk.length > room) {
          const kept = chunk.subarray(0, Math.max(0, room));
          out.push(kept);
          emit(kept);
          outBytes = cap;
          truncated = true;
          kill();
          return;
        }
        out.push(chunk);
        emit(chunk);
        outBytes += chunk.length;
      });
      child.stderr!.on("data", (chunk: Buffer) => {
        if (errBytes >= maxStderr) return;
        err.push(chunk.subarray(0, maxStderr - errBytes));
        errBytes += chunk.length;
      });
      child.on("error", (e) => finish(null, `cannot start ${binary}: ${e.message}`));
      child.on("close", (code) => finish(code));
    });

  return {
    name: "kubectl",
    // Template outputs are never rendered by kubectl: it prints JSON, Kubently redacts and renders (./_templates.ts).
    run: (argv, o) => {
      // kubectl would run a `kubectl-diagnose` plugin from PATH: Kubently's own commands never reach it.
      if (isKubentlyCommand(argv)) {
        return Promise.resolve({ exitCode: null, stdout: "", stderr: `kubectl ${argv[0]} is a Kubently command that the native layer answers: run the agent with --executor auto (the default) or native`, code: "EXECUTOR_UNSUPPORTED", truncated: false, timedOut: false, cancelled: false, durationMs: 0 });
      }
      const plan = templatePlan(argv);
      if (plan === null) return run(argv, o);
      if ("error" in plan) return Promise.resolve({ exitCode: 1, stdout: "", stderr: `error: ${plan.error}\n`, truncated: false, timedOut: false, cancelled: false, durationMs: 0 });
      return runTemplated(plan, o, run);
    },
    async describe() {
      const r = await run(["version", "-o", "json"], { timeoutMs: 5_000 });
      try {
        const parsed = JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string }; serverVersion?: { gitVersion?: string } };
        return {
          ...(parsed.clientVersion?.gitVersion ? { kubectlVersion: parsed.clientVersion.gitVersion } : {}),
          ...(parsed.serverVersion?.gitVersion ? { kubernetesVersion: parsed.serverVersion.gitVersion } : {}),
        };
      } catch {
        return {};
      }
    },
  };
}

/** Answers every command at once with its argv; for benchmarks and tests of the pipeline itself. */
export function echoExecutor(): Executor {
  return {
    name: "echo",
    async run(argv) {
      return { exitCode: 0, stdout: `${argv.join(" ")}\n`, stderr: "", truncated: false, timedOut: false, cancelled: false, durationMs: 0 };
    },
  };
}
