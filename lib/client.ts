/**
 * One small interface for everything a caller does (list clusters, sessions,
 * execute, results), with two implementations: in-process (A2A and MCP served
 * by the API itself call the services directly with the caller's identity)
 * and over HTTP (the `kubently mcp` stdio server and CLI verbs talk to a
 * remote API with a key). Policy, audit and limits apply identically because
 * both end in the same execute service.
 */
import type { ExecuteInput, FanoutInput } from "./execute.ts";
import { KubentlyError, type ErrorCode } from "./errors.ts";
import type { Identity } from "./schemas.ts";
import type { KubentlyHost } from "./services.ts";
import { commandJson, diagnoseFanoutJson, diagnoseJson, fanoutJson, sessionJson, storedCommandJson, type CommandView, type DiagnoseFanoutView, type DiagnoseView, type FanoutView, type SessionView } from "./wire/views.ts";
import type { DiagnoseInput } from "./diagnose/service.ts";
import { readEventStream } from "./_event-stream.ts";
import { newId } from "./_utils.ts";

export type { CommandView, DiagnoseFanoutView, DiagnoseView, FanoutView, SessionView } from "./wire/views.ts";

/**
 * What a caller may ask for: the execute service's input (a stream is
 * {@link KubentlyClient.executeStreamed}; a byte budget without one is refused).
 */
export type ExecuteRequest = Omit<ExecuteInput, "stream">;

/**
 * A command whose output streams as it is produced (`logs -f`, `get -w`):
 * `timeoutSeconds` is the stream's time budget and `maxBytes` its byte
 * budget; a stream that reaches either ends `success`, `truncated`, code
 * `STREAM_TIME_BUDGET` or `STREAM_BYTE_BUDGET`.
 */
export type StreamRequest = Omit<ExecuteInput, "wait" | "stream">;

/** One command on several clusters. */
export type FanoutRequest = FanoutInput;

/** A diagnosis of one cluster (or one namespace of it). */
export type DiagnoseRequest = DiagnoseInput;

/** A diagnosis of several clusters. */
export type DiagnoseFanoutRequest = Omit<DiagnoseInput, "clusterId" | "requireAgent"> & { clusterIds: string[] };

/** Gets each chunk of a streamed command's output as it lands, in order, with the command's id. */
export type OnChunk = (data: string, seq: number, commandId: string) => void | Promise<void>;

/** Everything a caller does, whatever the protocol. Errors are KubentlyErrors. */
export interface KubentlyClient {
  /** Who the client acts as (service identity name). */
  identityName(): Promise<string>;
  listClusters(): Promise<{ id: string; connected: boolean }[]>;
  createSession(clusterId: string, options?: { ttlSeconds?: number; correlationId?: string }): Promise<SessionView>;
  getSession(sessionId: string): Promise<SessionView>;
  closeSession(sessionId: string): Promise<void>;
  /** Runs a command; a denial is a CommandView with `status: "denied"`, not an error. */
  execute(request: ExecuteRequest): Promise<CommandView>;
  /**
   * Runs a command streaming its output to `onChunk`, and answers as
   * {@link KubentlyClient.execute} does once it ends (a denial at once,
   * having streamed nothing). Aborting `signal` cancels the command, and the
   * agent kills kubectl. Optional: a client without it does not stream.
   */
  executeStreamed?(request: StreamRequest, onChunk: OnChunk): Promise<CommandView>;
  /** The result, or a view with status `queued` while pending. */
  getResult(commandId: string): Promise<CommandView>;
  /** The same command on several clusters in parallel; per-cluster errors are entries, not a thrown error. */
  fanout(request: FanoutRequest): Promise<FanoutView>;
  /** Runs the cluster's analyzers; a denial is a view with `status: "denied"`, not an error. */
  diagnose(request: DiagnoseRequest): Promise<DiagnoseView>;
  /** The analyzers on several clusters in parallel; per-cluster errors are entries. */
  diagnoseFanout(request: DiagnoseFanoutRequest): Promise<DiagnoseFanoutView>;
}

/** A client that calls the services of an in-process Kubently as `identity`. */
export function localClient(kubently: Pick<KubentlyHost, "services">, identity: Identity): KubentlyClient {
  const { clusters, sessions, execute, diagnose } = kubently.services;
  return {
    async identityName() {
      return identity.name;
    },
    async listClusters() {
      return (await clusters.list(identity)).map((c) => ({ id: c.id, connected: c.connected }));
    },
    async createSession(clusterId, options = {}) {
      return sessionJson(await sessions.create(identity, { clusterId, ...options }));
    },
    async getSession(sessionId) {
      return sessionJson(await sessions.get(identity, sessionId));
    },
    async closeSession(sessionId) {
      await sessions.end(identity, sessionId);
    },
    async execute(r) {
      return commandJson(await execute.execute(identity, r));
    },
    async executeStreamed(r, onChunk) {
      return commandJson(await execute.streamed(identity, r, onChunk));
    },
    async fanout(r) {
      const correlationId = r.correlationId ?? newId();
      return fanoutJson(correlationId, await execute.fanout(identity, { ...r, correlationId }));
    },
    async getResult(commandId) {
      const { command, result } = await execute.result(identity, commandId);
      return storedCommandJson(command, result);
    },
    async diagnose(r) {
      return diagnoseJson(await diagnose.diagnose(identity, r));
    },
    async diagnoseFanout(r) {
      const correlationId = r.correlationId ?? newId();
      return diagnoseFanoutJson(correlationId, await diagnose.fanout(identity, { ...r, correlationId }));
    },
  };
}

/** Options for {@link httpClient}. */
export interface HttpClientOptions {
  /** Base URL of the API. */
  apiUrl: string;
  apiKey: string;
  /** Extra headers on every call (e.g. X-Correlation-ID). */
  headers?: Record<string, string>;
}

/**
 * Plain REST calls to a Kubently API with a key, for what {@link KubentlyClient}
 * does not cover (admin, audit): `call` answers the JSON body when the status
 * is one of `okStatuses`, else throws the KubentlyError the API answered; an
 * unreachable API is `BACKEND_UNAVAILABLE`. `send` is the raw request.
 */
export function restCaller(options: HttpClientOptions) {
  const base = options.apiUrl.replace(/\/+$/, "");
  const send = (method: string, path: string, body?: unknown, signal?: AbortSignal, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${base}${path}`, {
      method,
      headers: { "x-api-key": options.apiKey, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers, ...options.headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    }).catch((e) => {
      throw new KubentlyError("BACKEND_UNAVAILABLE", `cannot reach the Kubently API at ${base}: ${(e as Error).message}`, { cause: e });
    });
  /** The JSON body of `res` when its status is one of `okStatuses`, else the KubentlyError it carries. */
  async function answer<T>(res: Response, method: string, path: string, okStatuses: number[]): Promise<T> {
    const text = await res.text();
    let json: { code?: string; error?: string; status?: string; details?: unknown } | undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined; // not ours (a proxy's error page): the status says it
    }
    if (okStatuses.includes(res.status)) return json as T;
    const code = (json?.code as ErrorCode | undefined) ?? "INTERNAL";
    // A denied CommandView keeps its whole body as details so callers can return it.
    const details = json?.status === "denied" ? json : json?.details;
    throw new KubentlyError(code, json?.error ?? `${method} ${path} answered ${res.status}`, { status: res.status, details });
  }
  const call = async <T>(method: string, path: string, body?: unknown, okStatuses = [200, 201, 202, 204], signal?: AbortSignal): Promise<T> =>
    answer<T>(await send(method, path, body, signal), method, path, okStatuses);
  return { base, send, answer, call };
}

/** A client for a remote Kubently API over REST. */
export function httpClient(options: HttpClientOptions): KubentlyClient {
  const { base, send, answer, call } = restCaller(options);
  const executeBody = (r: Omit<ExecuteRequest, "wait">) => ({
    cluster_id: r.clusterId,
    argv: r.argv,
    ...(r.sessionId ? { session_id: r.sessionId } : {}),
    ...(r.correlationId ? { correlation_id: r.correlationId } : {}),
    ...(r.timeoutSeconds ? { timeout_seconds: r.timeoutSeconds } : {}),
    ...(r.maxBytes !== undefined ? { max_bytes: r.maxBytes } : {}),
    ...(r.requireAgent ? { require_agent: true } : {}),
  });
  const diagnoseBody = (r: Omit<DiagnoseRequest, "clusterId">) => ({
    ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
    ...(r.analyzers?.length ? { analyzers: r.analyzers } : {}),
    ...(r.correlationId ? { correlation_id: r.correlationId } : {}),
    ...(r.timeoutSeconds ? { timeout_seconds: r.timeoutSeconds } : {}),
  });
  /** A policy denial answers 403 with a CommandView: a result, not an error. */
  const deniedView = (e: unknown): CommandView => {
    // POLICY_DENIED from the API's policies, AGENT_REFUSED from the agent's: both answer the denied CommandView.
    const view = e instanceof KubentlyError && e.status === 403 ? (e.details as CommandView | undefined) : undefined;
    if (view?.status === "denied") return view;
    throw e;
  };
  return {
    async identityName() {
      return (await call<{ service_identity: string }>("GET", "/audit?limit=1")).service_identity;
    },
    async listClusters() {
      const { clusters } = await call<{ clusters: string[] }>("GET", "/debug/clusters");
      return Promise.all(
        clusters.map(async (id) => ({ id, connected: (await call<{ connected: boolean }>("GET", `/debug/clusters/${encodeURIComponent(id)}`)).connected })),
      );
    },
    createSession(clusterId, o = {}) {
      return call("POST", "/debug/session", { cluster_id: clusterId, ...(o.ttlSeconds ? { ttl_seconds: o.ttlSeconds } : {}), ...(o.correlationId ? { correlation_id: o.correlationId } : {}) });
    },
    getSession(sessionId) {
      return call("GET", `/debug/session/${encodeURIComponent(sessionId)}`);
    },
    async closeSession(sessionId) {
      await call("DELETE", `/debug/session/${encodeURIComponent(sessionId)}`);
    },
    async execute(r) {
      const body = { ...executeBody(r), ...(r.wait === false ? { wait: false } : {}) };
      return call<CommandView>("POST", "/debug/execute", body, [200, 202], r.signal).catch(deniedView);
    },
    async executeStreamed(r, onChunk) {
      // The stream itself in the response (Accept: text/event-stream); leaving it early cancels the command.
      const body = { ...executeBody(r), stream: true };
      const res = await send("POST", "/debug/execute", body, r.signal, { accept: "text/event-stream" });
      if (!res.body || !res.headers.get("content-type")?.startsWith("text/event-stream")) {
        return answer<CommandView>(res, "POST", "/debug/execute", [200]).catch(deniedView);
      }
      const commandId = res.headers.get("x-command-id") ?? "";
      for await (const e of readEventStream(res.body)) {
        const data = e.data as { seq: number; data: string; error?: string };
        if (e.event === "chunk") await onChunk(data.data, data.seq, commandId);
        else if (e.event === "result") return e.data as CommandView;
        else if (e.event === "error") throw new KubentlyError("INTERNAL", `the stream from the Kubently API at ${base} failed: ${data.error}`);
      }
      throw new KubentlyError("BACKEND_UNAVAILABLE", `the stream from the Kubently API at ${base} ended before the command's result`);
    },
    getResult(commandId) {
      return call("GET", `/debug/result/${encodeURIComponent(commandId)}`, undefined, [200, 202]);
    },
    fanout(r) {
      const body = { cluster_ids: r.clusterIds, argv: r.argv, ...(r.correlationId ? { correlation_id: r.correlationId } : {}), ...(r.timeoutSeconds ? { timeout_seconds: r.timeoutSeconds } : {}) };
      return call<FanoutView>("POST", "/debug/fanout", body, [200], r.signal);
    },
    diagnose(r) {
      return call<DiagnoseView>("POST", "/debug/diagnose", { cluster_id: r.clusterId, ...diagnoseBody(r), ...(r.requireAgent ? { require_agent: true } : {}) }, [200], r.signal).catch((e: unknown) => {
        const view = e instanceof KubentlyError && e.status === 403 ? (e.details as DiagnoseView | undefined) : undefined;
        if (view?.status === "denied") return view;
        throw e;
      });
    },
    diagnoseFanout(r) {
      return call<DiagnoseFanoutView>("POST", "/debug/diagnose", { cluster_ids: r.clusterIds, ...diagnoseBody(r) }, [200], r.signal);
    },
  };
}
