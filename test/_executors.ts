/** The executors suites against the simulated cluster run under: the real kubectl, and the native layer. */
import { kubectlExecutor, type Executor } from "../lib/agent/executors.ts";
import { nativeExecutor } from "../lib/agent/native.ts";

/** Which executor a suite runs with. */
export type ExecutorKind = "kubectl" | "native";

/** Both, in the order suites run them. */
export const EXECUTOR_KINDS: readonly ExecutorKind[] = ["kubectl", "native"];

/** An executor of `kind` reading the cluster of `kubeconfig` (`home`: kubectl's HOME). */
export function simExecutor(kind: ExecutorKind, kubeconfig: string, home?: string): Executor {
  return kind === "native" ? nativeExecutor({ kubeconfig }) : kubectlExecutor({ kubeconfig, ...(home ? { home } : {}) });
}
