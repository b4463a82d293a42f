/**
 * Where the API server is and how to authenticate to it, read with
 * `@kubernetes/client-node`'s KubeConfig (kubeconfig files and contexts,
 * in-cluster service accounts, exec and OIDC token helpers): parsing those is
 * a solved problem and stays that library's job. client-node is imported on
 * first use only, so a process that never reads a cluster never loads it.
 *
 * What comes out is plain data (server, TLS material, a header source), so
 * the transport can use Bun's fetch (whose `tls` option honours the CA and
 * client certificate, unlike client-node's own agent under Bun) or undici
 * under Node.
 */

import { withDeadline } from "../_utils.ts";

/** Options for {@link loadConnection}. */
export interface KubeConnectionOptions {
  /**
   * A kubeconfig file. @default `KUBECONFIG`, then `~/.kube/config`, then the
   * in-cluster service account (what `kubectl` itself would use)
   */
  kubeconfig?: string;
  /** Kubeconfig text, instead of a file. */
  kubeconfigText?: string;
  /** A context of the kubeconfig. @default its current-context */
  context?: string;
}

/** TLS settings for the API server connection. */
export interface KubeTls {
  ca?: string;
  cert?: string;
  key?: string;
  /** false only when the kubeconfig says `insecure-skip-tls-verify: true`. */
  rejectUnauthorized: boolean;
  serverName?: string;
}

/** A resolved connection to one API server. */
export interface KubeConnection {
  /** Base URL without a trailing slash, e.g. `https://10.0.0.1:443`. */
  server: string;
  tls: KubeTls;
  /** The context's default namespace (`default` when it names none). */
  namespace: string;
  /** The cluster's `proxy-url`, when the kubeconfig names one. */
  proxyUrl?: string;
  /**
   * Headers that authenticate a request (Authorization, Impersonate-User).
   * Cached for a minute; `fresh` reloads the kubeconfig and asks the token
   * source again (exec plugins, OIDC refresh, a rotated token file), as a
   * client does after a 401. TLS material is read once, at load.
   */
  authHeaders(fresh?: boolean): Promise<Record<string, string>>;
}

/** How long authentication headers are reused before the token source is asked again. */
const AUTH_REFRESH_MS = 60_000;
/** How long an exec or OIDC credential helper may take. */
const CREDENTIAL_TIMEOUT_MS = 30_000;

type KubeConfigLike = {
  loadFromDefault(): void;
  loadFromFile(file: string): void;
  loadFromString(text: string): void;
  setCurrentContext(name: string): void;
  getContextObject(name: string): { namespace?: string } | null;
  getCurrentContext(): string;
  getCurrentCluster(): { server: string; skipTLSVerify?: boolean; tlsServerName?: string; proxyUrl?: string } | null;
  applyToHTTPSOptions(opts: Record<string, unknown>): Promise<void>;
  /** Fills TLS material and auth headers without building an https.Agent (which refuses plain-HTTP servers). */
  applyOptions?(opts: Record<string, unknown>): Promise<void>;
};

const text = (v: unknown): string | undefined => (v == null ? undefined : Buffer.isBuffer(v) ? v.toString("utf8") : String(v));

/**
 * Reads the connection the way kubectl would. Throws an error naming the problem when no usable configuration exists.
 */
export async function loadConnection(options: KubeConnectionOptions = {}): Promise<KubeConnection> {
  let mod: { KubeConfig: new () => KubeConfigLike };
  try {
    mod = (await import("@kubernetes/client-node")) as unknown as typeof mod;
  } catch (e) {
    throw new Error(`the native Kubernetes layer needs @kubernetes/client-node (Node >= 22.19 or Bun): ${(e as Error).message}`, { cause: e });
  }
  // A fresh KubeConfig forgets cached exec/OIDC tokens and re-reads token files: used again after a 401.
  const load = (): KubeConfigLike => {
    const kc = new mod.KubeConfig();
    if (options.kubeconfigText !== undefined) kc.loadFromString(options.kubeconfigText);
    else if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
    if (options.context) kc.setCurrentContext(options.context);
    return kc;
  };
  let kc: KubeConfigLike;
  try {
    kc = load();
  } catch (e) {
    throw new Error(`cannot read the kubeconfig: ${(e as Error).message}`, { cause: e });
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new Error("the kubeconfig names no cluster server for its current context");

  /** TLS material and headers; an exec or OIDC helper that does not answer fails after CREDENTIAL_TIMEOUT_MS. */
  const read = async (from: KubeConfigLike) => {
    const opts: Record<string, unknown> = {};
    // The transport never uses client-node's agent: only the material and headers are wanted.
    const apply = typeof from.applyOptions === "function" ? from.applyOptions(opts) : from.applyToHTTPSOptions(opts);
    await withDeadline(apply, CREDENTIAL_TIMEOUT_MS, `the kubeconfig's credential helper did not answer within ${CREDENTIAL_TIMEOUT_MS / 1000} s`);
    return opts;
  };
  let first: Record<string, unknown>;
  try {
    first = await read(kc);
  } catch (e) {
    throw new Error(`cannot load the kubeconfig's credentials: ${(e as Error).message}`, { cause: e });
  }
  const headersOf = (opts: Record<string, unknown>): Record<string, string> => {
    const h = { ...((opts.headers as Record<string, string> | undefined) ?? {}) };
    if (typeof opts.auth === "string") h.Authorization = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
    return h;
  };
  let headers = headersOf(first);
  let readAt = Date.now();
  let refreshing: Promise<Record<string, string>> | null = null;

  const tls: KubeTls = {
    rejectUnauthorized: !cluster.skipTLSVerify,
    ...(text(first.ca) ? { ca: text(first.ca)! } : {}),
    ...(text(first.cert) ? { cert: text(first.cert)! } : {}),
    ...(text(first.key) ? { key: text(first.key)! } : {}),
    ...(cluster.tlsServerName ? { serverName: cluster.tlsServerName } : {}),
  };
  const context = kc.getContextObject(kc.getCurrentContext());
  return {
    server: cluster.server.replace(/\/+$/, ""),
    tls,
    namespace: context?.namespace || "default",
    ...(cluster.proxyUrl ? { proxyUrl: cluster.proxyUrl } : {}),
    authHeaders(fresh = false) {
      if (!fresh && Date.now() - readAt < AUTH_REFRESH_MS) return Promise.resolve(headers);
      refreshing ??= (async () => read(fresh ? (kc = load()) : kc))()
        .then((opts) => {
          headers = headersOf(opts);
          readAt = Date.now();
          return headers;
        })
        .finally(() => {
          refreshing = null;
        });
      return refreshing;
    },
  };
}
