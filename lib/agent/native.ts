/**
 * The `native` and `auto` executors: read-only kubectl commands answered
 * through the API server by the native layer (lib/kube), no process per
 * command. `auto` (the binary's default) runs what native covers natively
 * and hands the rest to kubectl; without a kubectl binary it answers the
 * rest with EXECUTOR_UNSUPPORTED naming the command.
 *
 * Same guarantees as the kubectl executor: the argv was already judged by
 * the policies (and is parsed again here with the same grammar); the time
 * budget and a cancel abort every request at once; output past the byte cap
 * is cut and the command stopped (`truncated`); streamed output reaches
 * `onOutput` as it is written.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { type ParsedCommand, parseKubectl } from "../kubectl/index.ts";
import { LIMITS } from "../limits.ts";
import { untilAborted, withDeadline } from "../_utils.ts";
import type { KubeClient, KubeClientOptions } from "../kube/index.ts";
import { kubeBreaker, type KubeBreakerOptions } from "../kube/transport.ts";
import type { Analyzer } from "../diagnose/analyzer.ts";
// Only the coverage table loads with the executor: the native layer itself (and client-node) on first use.
import { NATIVE_COMMANDS, uncovered } from "../kube/commands/coverage.ts";
import { DEFAULT_PATH, type ExecOptions, type ExecOutput, type Executor, type KubectlExecutorOptions, kubectlExecutor } from "./executors.ts";

/** Options for {@link nativeExecutor}. */
export interface NativeExecutorOptions extends KubeClientOptions {
  /** A client to use instead of connecting from the kubeconfig (tests, hosts that have one). */
  client?: KubeClient;
  /**
   * The analyzers `diagnose` runs (the binary passes the built-ins from
   * `plugins/analyzers` and those its config names). Without, `diagnose`
   * answers that this agent runs no analyzers.
   * @default []
   */
  analyzers?: readonly Analyzer[];
  /**
   * The API server's circuit breaker (docs/operations.md, "Circuit
   * breakers"); `false` turns it off. Not used with `client`.
   * @default { failures: 5, halfOpenAfterMs: { initial: 1000, max: 30000 } }
   */
  circuitBreaker?: KubeBreakerOptions | false;
}

/** An executor that knows which commands it answers. */
export interface CoveringExecutor extends Executor {
  /** null when this executor runs the argv itself; else what it cannot run. */
  uncovered(argv: readonly string[]): string | null;
}

const unsupported = (what: string, started: number): ExecOutput => ({
  exitCode: null,
  stdout: "",
  stderr: `${what} is not implemented by the native executor; the auto executor runs it with kubectl when a kubectl binary is on PATH`,
  code: "EXECUTOR_UNSUPPORTED",
  truncated: false,
  timedOut: false,
  cancelled: false,
  durationMs: Date.now() - started,
});

/** How long connecting to the API server (loading credentials included) may take. */
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * Parses an (already allowed) argv with the grammar, restricting nothing (the
 * policies decided), and says what native lacks to run it, if anything.
 */
function plan(argv: readonly string[]): { cmd: ParsedCommand; missing: null } | { cmd: null; missing: string } {
  const parsed = parseKubectl(argv, { restrictedResources: [], maxVerbosity: 10 });
  if (!parsed.ok) return { cmd: null, missing: `kubectl ${argv[0] ?? ""}` };
  if (parsed.command.path[0] === "diagnose") return { cmd: parsed.command, missing: null };
  const missing = uncovered(parsed.command);
  return missing ? { cmd: null, missing } : { cmd: parsed.command, missing: null };
}

/** Answers covered commands through the API server; anything else fails with EXECUTOR_UNSUPPORTED. */
export function nativeExecutor(options: NativeExecutorOptions = {}): CoveringExecutor {
  const layer = () => import("../kube/index.ts");
  let client: Promise<KubeClient> | null = options.client ? Promise.resolve(options.client) : null;
  const breaker = options.client || options.circuitBreaker === false ? null : kubeBreaker(options.circuitBreaker);
  // A connection that cannot be made in time (a credential helper that hangs) fails and is tried
  // again by the next command, instead of leaving every command waiting on it.
  const connect = () => {
    client ??= withDeadline(layer().then((kube) => kube.createKubeClient({ ...options, ...(breaker ? { breaker } : {}) })), CONNECT_TIMEOUT_MS, `connecting to the API server took longer than ${CONNECT_TIMEOUT_MS / 1000} s`).catch((e) => {
      client = null;
      throw e;
    });
    return client;
  };

  async function run(argv: readonly string[], o: ExecOptions): Promise<ExecOutput> {
    const started = Date.now();
    const { cmd, missing } = plan(argv);
    if (!cmd) return unsupported(missing, started);
    const native = await layer();
    const run = cmd.path[0] === "diagnose" ? (await import("../diagnose/command.ts")).diagnoseCommand(options.analyzers ?? []) : native.commandFor(cmd)!;
    const cap = o.maxOutputBytes ?? LIMITS.maxOutputBytes;
    const stop = new AbortController();
    let timedOut = false;
    let cancelled = false;
    let truncated = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop.abort(new Error("the command's time budget ran out"));
    }, o.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      stop.abort(new Error("cancelled"));
    };
    if (o.signal?.aborted) onAbort();
    o.signal?.addEventListener("abort", onAbort, { once: true });
    const chunks: string[] = [];
    let bytes = 0;
    const out = (text: string): boolean => {
      if (truncated || stop.signal.aborted) return false;
      const size = Buffer.byteLength(text);
      let kept = text;
      if (bytes + size > cap) {
        kept = Buffer.from(text).subarray(0, cap - bytes).toString("utf8").replace(/\uFFFD$/, "");
        truncated = true;
      }
      bytes += Buffer.byteLength(kept);
      if (kept) {
        chunks.push(kept);
        o.onOutput?.(kept);
      }
      if (truncated) stop.abort(new Error("output cap reached"));
      return !truncated;
    };
    let exitCode: number | null = null;
    let stderr = "";
    let redacted = false;
    let listTruncated = false;
    let heavy = false;
    try {
      // The command ends when it finishes or the moment it is stopped (budget, cancel, cap), whatever
      // it is waiting on: a hung credential helper or a server that never answers cannot hold it.
      const outcome = await untilAborted((async () => run(cmd, {
        client: await connect(),
        signal: stop.signal,
        budgetMs: () => Math.max(1, started + o.timeoutMs - Date.now()),
        out,
        now: Date.now,
        markRedacted: () => {
          redacted = true;
        },
        markTruncated: () => {
          listTruncated = true;
        },
        // `version` reports the kubectl release the native layer mirrors (it is not kubectl; see print/version.ts).
        clientVersion: native.nativeClientVersion(native.goPlatform(process.platform, process.arch)),
      }))(), stop.signal);
      if (outcome.unsupported) return unsupported(outcome.unsupported, started);
      exitCode = outcome.exitCode;
      stderr = outcome.stderr;
      heavy = outcome.heavy === true;
    } catch (e) {
      if (!stop.signal.aborted) {
        exitCode = 1;
        stderr = `${native.errorText(e)}\n`;
      }
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      // Whatever the command left running (a describe's other reads, a stream) stops now.
      if (!stop.signal.aborted) stop.abort(new Error("the command ended"));
    }
    // A list longer than the native layer reads: what was printed is a prefix, as when the cap cuts it.
    if (listTruncated) truncated = true;
    // Stopped from outside (budget, cancel, cap): like a killed kubectl, no exit code.
    if (timedOut || cancelled || truncated) exitCode = null;
    return { exitCode, stdout: chunks.join(""), stderr, truncated, timedOut, cancelled, durationMs: Date.now() - started, ...(redacted ? { redacted } : {}), ...(heavy ? { heavy } : {}) };
  }

  return {
    name: "native",
    covers: [...NATIVE_COMMANDS, "diagnose"],
    analyzers: (options.analyzers ?? []).map((a) => a.id),
    uncovered: (argv) => plan(argv).missing,
    run,
    breakers: () => (breaker ? [breaker.snapshot()] : []),
    async describe() {
      try {
        const v = await withDeadline((async () => (await connect()).getJson<{ gitVersion?: string }>("/version"))(), 10_000, "reading the server version took longer than 10 s");
        return v.gitVersion ? { kubernetesVersion: v.gitVersion } : {};
      } catch {
        return {};
      }
    },
    async close() {
      // A client the host passed in is the host's to close.
      if (options.client || !client) return;
      const open = client;
      client = null;
      await open.then((c) => c.close()).catch(() => {});
    },
  };
}

/** True when `binary` can be run: an executable file at that path, or of that name on PATH (the PATH the kubectl executor gives kubectl). */
export function kubectlAvailable(binary = "kubectl", path = process.env.PATH ?? DEFAULT_PATH): boolean {
  const candidates = binary.includes("/") ? [binary] : path.split(delimiter).filter((d) => isAbsolute(d)).map((d) => join(d, binary));
  return candidates.some((c) => {
    try {
      accessSync(c, constants.X_OK);
      return statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

/** Options for {@link autoExecutor}. */
export interface AutoExecutorOptions extends NativeExecutorOptions {
  /** The kubectl executor's options (binary, PATH, HOME). `kubeconfig` is shared. */
  kubectl?: Omit<KubectlExecutorOptions, "kubeconfig">;
}

/**
 * Native where it covers the command, kubectl for the rest, EXECUTOR_UNSUPPORTED
 * when the rest has no kubectl binary to run on (looked up at each command, so
 * installing kubectl later needs no restart).
 */
export function autoExecutor(options: AutoExecutorOptions = {}): CoveringExecutor {
  // kubectl reads a kubeconfig file: native must read the same cluster, so a source only native can read is refused.
  for (const key of ["kubeconfigText", "context", "client"] as const) {
    if (options[key] !== undefined) throw new TypeError(`autoExecutor: \`${key}\` would point native and kubectl at different clusters; pass \`kubeconfig\` (a file both read), or use nativeExecutor`);
  }
  const native = nativeExecutor(options);
  const kubectl = kubectlExecutor({ ...options.kubectl, ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}) });
  const binary = options.kubectl?.binary ?? "kubectl";
  const hasKubectl = () => kubectlAvailable(binary, options.kubectl?.path ?? process.env.PATH ?? DEFAULT_PATH);
  return {
    name: "auto",
    covers: native.covers,
    analyzers: native.analyzers,
    uncovered: (argv) => {
      const missing = native.uncovered(argv);
      return missing && !hasKubectl() ? missing : null;
    },
    async run(argv, o) {
      if (native.uncovered(argv) !== null) return hasKubectl() ? kubectl.run(argv, o) : native.run(argv, o);
      const out = await native.run(argv, o);
      // Native found out only while running that it lacks something (and wrote nothing): kubectl's turn,
      // with what is left of the budget.
      if (out.code === "EXECUTOR_UNSUPPORTED" && !out.stdout && hasKubectl()) {
        const rest = await kubectl.run(argv, { ...o, timeoutMs: Math.max(1, o.timeoutMs - out.durationMs) });
        return { ...rest, durationMs: rest.durationMs + out.durationMs };
      }
      return out;
    },
    close: () => native.close!(),
    breakers: native.breakers,
    async describe() {
      const [n, k] = await Promise.all([native.describe!(), hasKubectl() ? kubectl.describe!() : Promise.resolve({})]);
      return { ...k, ...n };
    },
  };
}
