/**
 * HTTP to the API server with the connection's TLS material and credentials.
 *
 * Under Bun, `fetch` with its `tls` option (client-node's own https.Agent is
 * ignored by Bun: kubernetes-client/javascript#2627, oven-sh/bun#7200); under
 * Node, undici's fetch with an Agent carrying the same material. Connections
 * are pooled and kept alive either way, which is most of why a native read
 * costs a millisecond where a kubectl process costs a hundred.
 *
 * Guarantees: every request has a deadline (`timeoutMs`, until its body is
 * read; streams rely on the caller's signal) and honours the caller's
 * AbortSignal; a 401 is retried once with freshly read credentials
 * (an expired exec/OIDC token or a rotated service-account token).
 */
import { createBreaker, type Breaker, type BreakerOptions } from "../breaker.ts";
import type { KubeConnection } from "./config.ts";

/** One request. */
export interface KubeRequest {
  method?: "GET" | "POST";
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** @default "application/json" */
  accept?: string;
  /** A JSON body (POST). */
  body?: unknown;
  signal?: AbortSignal;
  /** Deadline in ms until the body has been read (by `readBounded`); 0 for none (streams, which the caller's signal ends). @default 30000 */
  timeoutMs?: number;
  /**
   * Extra headers for this request (e.g. `Impersonate-User` to apply a
   * caller's RBAC, later). They cannot replace the credential.
   */
  headers?: Record<string, string>;
}

/** The API server, reachable. */
export interface KubeTransport {
  readonly server: string;
  /** The kubeconfig context's default namespace. */
  readonly namespace: string;
  /** Sends a request; the Response's body is unread (a stream for watches and log follows). */
  request(path: string, init?: KubeRequest): Promise<Response>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

/** A Kubernetes `Status` failure, as the API server sent it. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string },
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

/** What frees a response's deadline timer and signal listener; run once its body is read. */
const RELEASE = new WeakMap<Response, () => void>();

/** Frees what a response holds for its deadline (a stream's reader calls it when done; `readBounded` always does). */
export function releaseResponse(res: Response): void {
  RELEASE.get(res)?.();
  RELEASE.delete(res);
}

/** The most bytes an error body is read for its Status. */
const MAX_ERROR_BYTES = 64 * 1024;

/**
 * Reads a body as text, never more than `maxBytes`: past it the body is
 * cancelled and the read fails (a hostile or broken server cannot grow the
 * agent's memory by sending without end).
 */
export async function readBounded(res: Response, maxBytes: number): Promise<string> {
  try {
    if (!res.body) return "";
    const decoder = new TextDecoder();
    const parts: string[] = [];
    let bytes = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) {
        await res.body.cancel().catch(() => {});
        throw new KubeApiError(0, "ResponseTooLarge", `the API server's answer is larger than ${maxBytes} bytes`);
      }
      parts.push(decoder.decode(chunk, { stream: true }));
    }
    parts.push(decoder.decode());
    return parts.join("");
  } finally {
    releaseResponse(res);
  }
}

/** Reads a JSON body of at most `maxBytes`. */
export async function readJson<T>(res: Response, maxBytes: number): Promise<T> {
  return JSON.parse(await readBounded(res, maxBytes)) as T;
}

/** Reads a failed response's Status into a {@link KubeApiError}. */
export async function apiError(res: Response): Promise<KubeApiError> {
  const text = await readBounded(res, MAX_ERROR_BYTES).catch(() => "");
  try {
    const s = JSON.parse(text) as { kind?: string; reason?: string; message?: string; code?: number; details?: KubeApiError["details"] };
    if (s.kind === "Status") return new KubeApiError(s.code ?? res.status, s.reason ?? "", s.message ?? text, s.details);
  } catch {
    // not a Status: fall through
  }
  return new KubeApiError(res.status, res.statusText, text.trim() || `the server answered ${res.status}`);
}

type FetchFn = (url: string, init: RequestInit & Record<string, unknown>) => Promise<Response>;

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/** Opens a transport for a connection. */
export async function createTransport(conn: KubeConnection): Promise<KubeTransport> {
  const { tls } = conn;
  // The same material for both runtimes; only the name of the SNI option differs.
  const material = {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
  };
  let send: FetchFn;
  let close = async () => {};
  if (isBun) {
    const bunTls = { ...material, ...(tls.serverName ? { serverName: tls.serverName } : {}) };
    // The kubeconfig's proxy-url, else none: the agent's HTTP(S)_PROXY never sees cluster traffic
    // (the kubectl executor strips them from kubectl's environment too).
    const proxy = conn.proxyUrl ?? false;
    send = (url, init) => fetch(url, { ...init, tls: bunTls, proxy } as RequestInit);
  } else {
    // undici is client-node's own dependency; its fetch takes a dispatcher with TLS options.
    const undici = (await import("undici")) as unknown as {
      Agent: new (o: object) => { close(): Promise<void> };
      ProxyAgent: new (o: object) => { close(): Promise<void> };
      fetch: (url: string, init: object) => Promise<Response>;
    };
    const connect = { ...material, ...(tls.serverName ? { servername: tls.serverName } : {}) };
    // undici's Agent ignores HTTP(S)_PROXY; the kubeconfig's proxy-url is the only proxy used.
    const dispatcher = conn.proxyUrl
      ? new undici.ProxyAgent({ uri: conn.proxyUrl, requestTls: connect, keepAliveTimeout: 30_000 })
      : new undici.Agent({ connect, keepAliveTimeout: 30_000 });
    send = (url, init) => undici.fetch(url, { ...init, dispatcher });
    close = () => dispatcher.close();
  }

  async function request(path: string, init: KubeRequest = {}): Promise<Response> {
    const url = new URL(conn.server + path);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    // One controller and (unless 0) one timer per request, both released the moment its body has been read
    // (`readBounded`) or it failed: under load, thousands of pending deadline timers would otherwise pin memory.
    const ms = init.timeoutMs ?? 30_000;
    const control = new AbortController();
    const timer = ms > 0 ? setTimeout(() => control.abort(new DOMException(`the API server did not answer within ${ms} ms`, "TimeoutError")), ms) : undefined;
    const onAbort = () => control.abort(init.signal?.reason);
    if (init.signal?.aborted) onAbort();
    else init.signal?.addEventListener("abort", onAbort, { once: true });
    const release = () => {
      clearTimeout(timer);
      init.signal?.removeEventListener("abort", onAbort);
    };
    const attempt = async (fresh: boolean) => {
      const headers: Record<string, string> = {
        ...Object.fromEntries(Object.entries(init.headers ?? {}).filter(([k]) => k.toLowerCase() !== "authorization")),
        Accept: init.accept ?? "application/json",
        "User-Agent": "kubently-agent",
        ...(await conn.authHeaders(fresh)),
      };
      if (init.body !== undefined) headers["Content-Type"] = "application/json";
      return send(url.toString(), {
        method: init.method ?? "GET",
        headers,
        signal: control.signal,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
    };
    try {
      let res = await attempt(false);
      if (res.status === 401) {
        await res.body?.cancel().catch(() => {});
        res = await attempt(true);
      }
      RELEASE.set(res, release);
      return res;
    } catch (e) {
      release();
      throw e;
    }
  }

  return { server: conn.server, namespace: conn.namespace, request, close: () => close() };
}

/** A request ended by its caller (cancel, budget): says nothing about the API server's health. */
class CallerAborted extends Error {}

/** Options of the API server's circuit breaker (docs/operations.md, "Circuit breakers"). */
export type KubeBreakerOptions = Pick<BreakerOptions, "failures" | "halfOpenAfterMs">;

/**
 * The API server's circuit breaker: network failures, timeouts and 5xx
 * answers (but 501) count; a caller's own cancel does not; 4xx answers are
 * the API server working. Open: every request fails at once saying so.
 */
export function kubeBreaker(options: KubeBreakerOptions = {}): Breaker {
  return createBreaker({
    name: "kubernetes",
    failures: options.failures ?? 5,
    halfOpenAfterMs: options.halfOpenAfterMs ?? { initial: 1_000, max: 30_000 },
    isFailure: (e) => !(e instanceof CallerAborted),
    isFailedResult: (r) => r instanceof Response && r.status >= 500 && r.status !== 501,
  });
}

/**
 * `transport` with every request through `breaker`. Streams (no deadline:
 * watches, log follows) run only while the circuit is closed, so a
 * recovering server is judged by a short request.
 */
export function guardTransport(transport: KubeTransport, breaker: Breaker): KubeTransport {
  return {
    server: transport.server,
    namespace: transport.namespace,
    close: () => transport.close(),
    async request(path, init = {}) {
      try {
        return await breaker.execute(
          () =>
            transport.request(path, init).catch((e: unknown) => {
              throw init.signal?.aborted ? new CallerAborted("aborted", { cause: e }) : e;
            }),
          { wait: init.timeoutMs === 0 },
        );
      } catch (e) {
        throw e instanceof CallerAborted ? e.cause : e;
      }
    },
  };
}
