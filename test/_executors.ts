/** The executors suites against the simulated cluster run under: the real kubectl, and the native layer. */
import { kubectlExecutor, type Executor } from "../lib/agent/executors.ts";
import { nativeExecutor } from "../lib/agent/native.ts";
import { kubectlProcesses } from "./_fixtures.ts";

/** Which executor a suite runs with. */
export type ExecutorKind = "kubectl" | "native";

/** Both, in the order suites run them. */
export const EXECUTOR_KINDS: readonly ExecutorKind[] = ["kubectl", "native"];

/** An executor of `kind` reading the cluster of `kubeconfig` (`home`: kubectl's HOME). */
export function simExecutor(kind: ExecutorKind, kubeconfig: string, home?: string): Executor {
  return kind === "native" ? nativeExecutor({ kubeconfig }) : kubectlExecutor({ kubeconfig, ...(home ? { home } : {}) });
}

/**
 * How many readers of the cluster a command keeps open: kubectl processes whose
 * command line has `marker`, or the simulated cluster's open streams for native.
 * A cancel must bring it to 0.
 */
export function liveReaders(kind: ExecutorKind, sim: { openStreams(): number }, marker: string): number {
  return kind === "native" ? sim.openStreams() : kubectlProcesses(marker).length;
}
