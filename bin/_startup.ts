/**
 * What the servers check before they start, and the lines they print about
 * it: a server that cannot work says so at once, naming what it looked for,
 * instead of starting and failing every request later.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { kubectlAvailable } from "../lib/agent/native.ts";
import type { Config } from "./_config.ts";

/** Where the service-account token of a pod is mounted. */
const SA_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** The cluster an agent will read, as found before it starts. */
export interface ClusterAccess {
  /** Where the credentials come from: `kubeconfig /path (context x)` or `in-cluster service account`. */
  source: string;
  /** The API server URL. */
  server: string;
}

/**
 * Finds the cluster credentials the agent's executor will use, in kubectl's
 * order: `--kubeconfig`, `$KUBECONFIG`, `~/.kube/config`, the in-cluster
 * service account. Throws naming each place looked at when none is usable:
 * without this, the Kubernetes client (and kubectl) fall back to
 * http://localhost:8080, which is Kubently's own default port.
 */
export async function clusterAccess(kubeconfig: string | undefined, env: Record<string, string | undefined> = process.env): Promise<ClusterAccess> {
  const home = env.HOME || homedir();
  const defaultFile = join(home, ".kube", "config");
  let files: string[];
  if (kubeconfig) {
    if (!existsSync(kubeconfig)) throw new Error(`--kubeconfig ${kubeconfig}: no such file`);
    files = [kubeconfig];
  } else if (env.KUBECONFIG) {
    files = env.KUBECONFIG.split(delimiter).filter(Boolean);
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length) throw new Error(`KUBECONFIG names ${missing.join(", ")}, which does not exist`);
  } else if (existsSync(defaultFile)) {
    files = [defaultFile];
  } else {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT;
    const inCluster = !host || !port ? "KUBERNETES_SERVICE_HOST/PORT not set" : !existsSync(SA_TOKEN) ? `${SA_TOKEN} not found` : null;
    if (!inCluster) return { source: "in-cluster service account", server: `https://${host!.includes(":") ? `[${host}]` : host}:${port}` };
    throw new Error(
      "no cluster credentials. Looked for: --kubeconfig (KUBENTLY_KUBECONFIG): not set; $KUBECONFIG: not set; " +
        `${defaultFile}: not found; the in-cluster service account: ${inCluster}. ` +
        "Pass --kubeconfig FILE, or run the agent in a pod with a service account (kubently manifests); " +
        "to try Kubently without a cluster, run kubently demo",
    );
  }
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  const named = files.join(delimiter);
  try {
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new Error(`cannot read the kubeconfig ${named}: ${(e as Error).message}`);
  }
  const context = kc.getCurrentContext();
  if (!context) throw new Error(`the kubeconfig ${named} sets no current-context`);
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(`the kubeconfig ${named} names no cluster server for its current context "${context}"`);
  return { source: `kubeconfig ${named} (context ${context})`, server };
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "0.0.0.0", "[::]"]);

/**
 * Throws when the cluster's API server is this Kubently itself (`own` is the
 * API's URL): commands would go round in a loop instead of reaching a cluster.
 */
export function refuseOwnPort(access: ClusterAccess, own: string, what: string): void {
  let a: URL, b: URL;
  try {
    a = new URL(access.server);
    b = new URL(own);
  } catch {
    return;
  }
  const port = (u: URL) => u.port || (u.protocol === "https:" ? "443" : "80");
  const same = port(a) === port(b) && (a.hostname === b.hostname || (LOOPBACK.has(a.hostname) && LOOPBACK.has(b.hostname)));
  if (same) throw new Error(`the cluster's API server ${access.server} (${access.source}) is ${what} ${own}: Kubently would be talking to itself`);
}

/** The executor as the start-up line names it; throws when `--executor kubectl` has no kubectl to run. */
export function executorSummary(config: Config): string {
  const binary = config.kubectl ?? "kubectl";
  const found = kubectlAvailable(binary);
  const where = binary.includes("/") ? binary : `${binary} on PATH`;
  switch (config.executor ?? "auto") {
    case "echo":
      return "echo (answers each command with its argv; reads no cluster)";
    case "native":
      return "native (reads through the Kubernetes API; kubectl never runs)";
    case "kubectl":
      if (!found) throw new Error(`--executor kubectl needs kubectl: found no ${where} (--kubectl PATH names the binary; --executor auto needs none)`);
      return `kubectl (${where})`;
    default:
      return found
        ? `auto (native where it covers the command, ${where} for the rest)`
        : `auto (native where it covers the command; no ${where}, so commands native does not cover are refused with EXECUTOR_UNSUPPORTED)`;
  }
}

/** The backend as the start-up line names it (never a password in a Redis URL). */
export function backendSummary(config: Config): string {
  const kind = config.backend ?? "memory";
  if (kind === "memory") return "memory (state ends with the process)";
  if (kind === "sqlite") return `sqlite (${config.sqliteFile})`;
  const url = config.redisUrl ?? "redis://127.0.0.1:6379";
  let shown = url;
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    shown = u.toString();
  } catch {
    // Shown as given: it failed to parse, so it cannot be used either.
  }
  return `redis (${shown}, prefix ${config.redisPrefix ?? "kubently"})`;
}

/** The address a server is bound to, as a URL: `http://0.0.0.0:8080`, `http://[::]:8080`. */
export function boundUrl(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/** What a bind address reaches, for the "listening on" line ("" when the address says it). */
export function bindNote(hostname: string): string {
  if (hostname === "0.0.0.0") return "every IPv4 interface";
  if (hostname === "::") return "every interface";
  if (["127.0.0.1", "localhost", "::1"].includes(hostname)) return "this host only";
  return "";
}
