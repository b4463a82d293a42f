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
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { type ParsedCommand, parseKubectl } from "../kubectl/index.ts";
import { LIMITS } from "../limits.ts";
import type { KubeClient, KubeClientOptions } from "../kube/index.ts";
// Only the coverage table loads with the executor: the native layer itself (and client-node) on first use.
import { NATIVE_COMMANDS, uncovered } from "../kube/commands/coverage.ts";
import { type ExecOptions, type ExecOutput, type Executor, type KubectlExecutorOptions, kubectlExecutor } from "./executors.ts";

/** Options for {@link nativeExecutor}. */
export interface NativeExecutorOptions extends KubeClientOptions {
  /** A client to use instead of connecting from the kubeconfig (tests, hosts that have one). */
  client?: KubeClient;
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

/** Parses an (already allowed) argv with the grammar, restricting nothing: the policies decided. */
function parse(argv: readonly string[]): ParsedCommand | null {
  const parsed = parseKubectl(argv, { restrictedResources: [], maxVerbosity: 10 });
  return parsed.ok ? parsed.command : null;
}

/** Answers covered commands through the API server; anything else fails with EXECUTOR_UNSUPPORTED. */
export function nativeExecutor(options: NativeExecutorOptions = {}): CoveringExecutor {
  const layer = () => import("../kube/index.ts");
  let client: Promise<KubeClient> | null = options.client ? Promise.resolve(options.client) : null;
  const connect = () => {
    client ??= layer().then((kube) => kube.createKubeClient(options)).catch((e) => {
      client = null; // the next command tries again
      throw e;
    });
    return client;
  };

  const notCovered = (argv: readonly string[]): string | null => {
    const cmd = parse(argv);
    return cmd ? uncovered(cmd) : `kubectl ${argv[0] ?? ""}`;
  };

  async function run(argv: readonly string[], o: ExecOptions): Promise<ExecOutput> {
    const started = Date.now();
    const cmd = parse(argv);
    const missing = cmd ? uncovered(cmd) : `kubectl ${argv[0] ?? ""}`;
    if (!cmd || missing) return unsupported(missing ?? "this command", started);
    const native = await layer();
    const run = native.commandFor(cmd)!;
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
    try {
      const kube = await connect();
      const outcome = await run(cmd, {
        client: kube,
        signal: stop.signal,
        budgetMs: () => Math.max(1, started + o.timeoutMs - Date.now()),
        out,
        now: Date.now,
        markRedacted: () => {
          redacted = true;
        },
        // `version` reports the kubectl release the native layer mirrors (it is not kubectl; see print/version.ts).
        clientVersion: native.nativeClientVersion(native.goPlatform(process.platform, process.arch)),
      });
      if (outcome.unsupported) return unsupported(outcome.unsupported, started);
      exitCode = outcome.exitCode;
      stderr = outcome.stderr;
    } catch (e) {
      if (!stop.signal.aborted) {
        exitCode = 1;
        stderr = `${native.errorText(e)}\n`;
      }
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
    }
    // Stopped from outside (budget, cancel, cap): like a killed kubectl, no exit code.
    if (timedOut || cancelled || truncated) exitCode = null;
    return { exitCode, stdout: chunks.join(""), stderr, truncated, timedOut, cancelled, durationMs: Date.now() - started, ...(redacted ? { redacted } : {}) };
  }

  return {
    name: "native",
    covers: NATIVE_COMMANDS,
    uncovered: notCovered,
    run,
    async describe() {
      try {
        const v = await (await connect()).getJson<{ gitVersion?: string }>("/version");
        return v.gitVersion ? { kubernetesVersion: v.gitVersion } : {};
      } catch {
        return {};
      }
    },
  };
}

/** True when `binary` can be run: an executable path, or a name found on PATH. */
export function kubectlAvailable(binary = "kubectl", path = process.env.PATH ?? ""): boolean {
  const candidates = binary.includes("/") ? [binary] : path.split(delimiter).filter((d) => isAbsolute(d)).map((d) => join(d, binary));
  return candidates.some((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
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
  const native = nativeExecutor(options);
  const kubectl = kubectlExecutor({ ...options.kubectl, ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}) });
  const binary = options.kubectl?.binary ?? "kubectl";
  const hasKubectl = () => kubectlAvailable(binary, options.kubectl?.path ?? process.env.PATH ?? "");
  return {
    name: "auto",
    covers: NATIVE_COMMANDS,
    uncovered: (argv) => (native.uncovered(argv) && !hasKubectl() ? native.uncovered(argv) : null),
    async run(argv, o) {
      if (native.uncovered(argv) !== null) return hasKubectl() ? kubectl.run(argv, o) : native.run(argv, o);
      const out = await native.run(argv, o);
      // Native found out only while running that it lacks something (and wrote nothing): kubectl's turn.
      if (out.code === "EXECUTOR_UNSUPPORTED" && !out.stdout && hasKubectl()) return kubectl.run(argv, o);
      return out;
    },
    async describe() {
      const [n, k] = await Promise.all([native.describe!(), hasKubectl() ? kubectl.describe!() : Promise.resolve({})]);
      return { ...k, ...n };
    },
  };
}
