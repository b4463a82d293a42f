/**
 * The A2A server as a fetch handler (Node and Bun): the agent card at the
 * well-known paths, and JSON-RPC (A2A v1.0 methods, and v0.3 methods
 * through the SDK's compat layer) with SSE streaming. The SDK's
 * transport-agnostic `DefaultRequestHandler` and JSON-RPC transport
 * handlers do the protocol; this file does HTTP, authentication and limits.
 *
 * Every path but the agent card needs the same API key as REST
 * (`X-API-Key` or `Authorization: Bearer`), checked before the body is read.
 */
import { isLegacyJsonRpcMethod } from "@a2a-js/sdk/compat/v0_3";
import { LegacyJsonRpcTransportHandler } from "@a2a-js/sdk/compat/v0_3/server";
import {
  DefaultExecutionEventBusManager,
  DefaultRequestHandler,
  JsonRpcTransportHandler,
  ServerCallContext,
  validateVersion,
  type TaskStore,
} from "@a2a-js/sdk/server";
import { TaskState, type AgentCard, type SendMessageRequest } from "@a2a-js/sdk";
import { UnsupportedOperationError } from "@a2a-js/sdk/errors";
import { localClient } from "../client.ts";
import { KubentlyError, isKubentlyError } from "../errors.ts";
import { presentedSecret } from "../identity.ts";
import { LIMITS } from "../limits.ts";
import type { Identity } from "../schemas.ts";
import type { KubentlyHost } from "../services.ts";
import { VERSION } from "../version.ts";
import { canonicalRequest, checkOrigin, isJsonMediaType, jsonResponse as json, pathOf, readBodyText, type OriginPolicy } from "../wire/http.ts";
import { sseResponse, type SseEvent } from "../wire/sse.ts";
import { buildAgentCard, cardJsonV03, cardJsonV1, type CardInfo } from "./card.ts";
import { CALL_META, KubentlyUser, kubentlyExecutor, type CallMeta } from "./executor.ts";
import { boundedTaskStore, taskOwner } from "./task-store.ts";
import { callMetaFrom, envelopeProblem, plainHeaders, rpcIdOf, type Dispatched, type JsonRpcResponse, type RpcOutcome } from "./_http.ts";
import { createWebSocketEndpoint, type BunServerLike, type BunWebSocketHandler } from "./websocket.ts";

/** Options for {@link createA2AHandler}. `allowedHosts`/`allowedOrigins` guard the WebSocket against DNS rebinding (the public URL's host is allowed too). */
export interface A2AOptions extends OriginPolicy {
  /**
   * The URL clients reach the A2A server at, advertised in the agent card
   * (e.g. `https://kubently.example.com/a2a/` or `http://kubently.ns.svc:8000/`).
   * Must be http(s) and must not be a wildcard address such as `0.0.0.0`.
   * JSON-RPC is answered at its path, at `/` and at `/a2a`.
   */
  publicUrl: string;
  /** Name in the agent card. @default "Kubently" */
  name?: string;
  /** Description in the agent card. @default a sentence on read-only Kubernetes debugging */
  description?: string;
  /** Documentation link in the agent card. @default none */
  documentationUrl?: string;
  /** Tasks kept in memory at most, across callers; the least recently updated are dropped first. @default 10000 */
  maxTasks?: number;
  /** How long a task is kept after its last update, in seconds. @default 3600 */
  taskTtlSeconds?: number;
  /** TTL of the Kubently session created per A2A context and cluster. @default 300 (LIMITS.defaultSessionTtlSeconds) */
  sessionTtlSeconds?: number;
  /** Largest JSON-RPC request body (and WebSocket frame), in bytes. @default 65536 (LIMITS.maxBodyBytes) */
  maxBodyBytes?: number;
  /** Requests one WebSocket may have in flight at once. @default 8 */
  maxSocketRequests?: number;
}

/** The A2A server as a fetch handler. */
export interface A2AHandler {
  /** Answers one HTTP request. A WebSocket upgrade needs {@link A2AHandler.upgrade} (Bun only). */
  fetch(request: Request): Promise<Response>;
  /**
   * Bun only: answers `request` like {@link A2AHandler.fetch}, but upgrades
   * `/a2a/ws` to a WebSocket on `server` (pass {@link A2AHandler.websocket}
   * to `Bun.serve`). Resolves undefined once upgraded.
   */
  upgrade(request: Request, server: BunServerLike): Promise<Response | undefined>;
  /** The WebSocket handlers for `Bun.serve({ websocket })`. */
  readonly websocket: BunWebSocketHandler;
  /** The public agent card (v1.0 JSON). */
  readonly card: unknown;
  /** Refuses new calls, lets running commands finish (up to the longest command timeout), closes WebSockets. */
  close(): Promise<void>;
}

/** Paths of the agent card: the v1.0 path, and the v0.3 one. */
export const AGENT_CARD_PATHS = ["/.well-known/agent-card.json", "/.well-known/agent.json"] as const;
/** Path of the WebSocket endpoint. */
export const WEBSOCKET_PATH = "/a2a/ws";

const DEFAULT_DESCRIPTION =
  "Real-time, read-only Kubernetes debugging: runs kubectl get/describe/logs/events/top on registered clusters " +
  "through an in-cluster agent, under the same API keys, policies and audit as the Kubently REST API.";


const rpcError = (status: number, code: number, message: string, data?: unknown, headers: Record<string, string> = {}) =>
  json(status, { jsonrpc: "2.0", id: null, error: { code, message, ...(data !== undefined ? { data } : {}) } }, headers);

const isLegacyVersion = (version: string) => /^0\./.test(version.trim());

/** Throws `VALIDATION_FAILED` unless `publicUrl` is an http(s) URL a client can reach. */
export function checkPublicUrl(publicUrl: string): URL {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new KubentlyError("VALIDATION_FAILED", `publicUrl "${publicUrl}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new KubentlyError("VALIDATION_FAILED", "publicUrl must be an http or https URL");
  if (["0.0.0.0", "[::]", "::", "[::0]"].includes(url.hostname)) {
    throw new KubentlyError("VALIDATION_FAILED", `publicUrl must name a host clients can reach, not ${url.hostname}`);
  }
  return url;
}

/**
 * The SDK's request handler, refusing a message that continues a task
 * unless that task waits for input: a second command must never start on a
 * task whose first one is still running (two replies racing included).
 */
class KubentlyRequestHandler extends DefaultRequestHandler {
  readonly #tasks: TaskStore;
  readonly #isRunning: (taskId: string) => boolean;
  /** Tasks a continuation has claimed, until their execution starts (or the call fails). */
  readonly #claimed = new Set<string>();

  constructor(isRunning: (taskId: string) => boolean, ...args: ConstructorParameters<typeof DefaultRequestHandler>) {
    super(...args);
    this.#tasks = args[1];
    this.#isRunning = isRunning;
  }

  /** Claims the task a message continues; returns the claim to release, if any. */
  async #claim(params: SendMessageRequest, context: ServerCallContext): Promise<string | undefined> {
    const taskId = params.message?.taskId;
    if (!taskId) return undefined;
    const task = await this.#tasks.load(taskId, context);
    if (!task) return undefined; // the SDK answers "task not found"
    const state = task.status?.state;
    if (TERMINAL.has(state!)) return undefined; // the SDK answers "terminal state"
    if (state !== TaskState.TASK_STATE_INPUT_REQUIRED || this.#claimed.has(taskId) || this.#isRunning(taskId)) {
      throw new UnsupportedOperationError(`task ${taskId} is still running; send a new message without taskId, or cancel the task first`);
    }
    this.#claimed.add(taskId);
    return taskId;
  }

  override async sendMessage(params: SendMessageRequest, context: ServerCallContext) {
    const claim = await this.#claim(params, context);
    try {
      return await super.sendMessage(params, context);
    } finally {
      if (claim) this.#claimed.delete(claim);
    }
  }

  override async *sendMessageStream(params: SendMessageRequest, context: ServerCallContext) {
    // The executor streams a command's output only for this method (not message/send).
    context.state.set(CALL_META, { ...(context.state.get(CALL_META) as CallMeta | undefined), stream: true } satisfies CallMeta);
    const claim = await this.#claim(params, context);
    try {
      yield* super.sendMessageStream(params, context);
    } finally {
      if (claim) this.#claimed.delete(claim);
    }
  }
}

const TERMINAL = new Set([TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED]);

/** Creates the A2A server for one Kubently instance. */
export function createA2AHandler(kubently: KubentlyHost, options: A2AOptions): A2AHandler {
  const publicUrl = checkPublicUrl(options.publicUrl);
  const info: CardInfo = {
    publicUrl: publicUrl.href,
    name: options.name ?? "Kubently",
    description: options.description ?? DEFAULT_DESCRIPTION,
    version: VERSION,
    ...(options.documentationUrl ? { documentationUrl: options.documentationUrl } : {}),
  };
  const maxBodyBytes = options.maxBodyBytes ?? LIMITS.maxBodyBytes;
  const publicCard = buildAgentCard(info);
  const cardFor = async (identity: Identity): Promise<AgentCard> => buildAgentCard(info, await localClient(kubently, identity).listClusters());

  const executor = kubentlyExecutor(kubently, { ...(options.sessionTtlSeconds ? { sessionTtlSeconds: options.sessionTtlSeconds } : {}) });
  const taskStore = boundedTaskStore({ maxTasks: options.maxTasks ?? 10_000, ttlMs: (options.taskTtlSeconds ?? 3_600) * 1000 });
  const requestHandler = new KubentlyRequestHandler(
    (taskId) => executor.isRunning(taskId),
    publicCard,
    taskStore,
    executor,
    new DefaultExecutionEventBusManager(taskOwner),
    undefined,
    undefined,
    // The extended card lists the caller's clusters; the transport has already authenticated the caller.
    async (context) => (context.user instanceof KubentlyUser ? cardFor(context.user.identity) : publicCard),
    undefined,
    // Nothing waits on a live bus: a reply to input-required starts a new execution on the same task.
    { keepBusAliveStates: [] },
  );
  const v1 = new JsonRpcTransportHandler(requestHandler);
  const v03 = new LegacyJsonRpcTransportHandler(requestHandler);
  const rpcPaths = new Set(["/", "/a2a", "/a2a/", publicUrl.pathname, publicUrl.pathname.replace(/\/+$/, "") || "/"]);
  let closing = false;

  /** Dispatches one parsed JSON-RPC request as `identity`. The version comes from A2A-Version, else from the method name. */
  async function dispatch(body: unknown, identity: Identity, meta: CallMeta, headerVersion: string | undefined, headers: Record<string, string>): Promise<Dispatched> {
    const method = (body as { method?: unknown } | null)?.method;
    const version = headerVersion ?? (isLegacyJsonRpcMethod(method) ? "0.3" : "1.0");
    const legacy = isLegacyVersion(version);
    const context = new ServerCallContext({
      user: new KubentlyUser(identity),
      requestedVersion: version,
      state: new Map<string, unknown>([
        ["headers", headers],
        [CALL_META, meta],
      ]),
    });
    const mapError = legacy ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError : JsonRpcTransportHandler.mapToJSONRPCError;
    const problem = envelopeProblem(body as Record<string, unknown>);
    if (problem) return { outcome: { jsonrpc: "2.0", id: rpcIdOf(body), error: problem }, mapError };
    try {
      validateVersion(version, publicCard, "JSONRPC");
    } catch (e) {
      return { outcome: { jsonrpc: "2.0", id: rpcIdOf(body), error: mapError(e) }, mapError };
    }
    return { outcome: (await (legacy ? v03 : v1).handle(body as Record<string, unknown>, context)) as RpcOutcome, mapError };
  }

  const authenticate = (secret: string | null) => kubently.context.authenticator.authenticate(secret);

  async function serveCard(request: Request, path: string): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") return json(405, { error: "use GET", code: "METHOD_NOT_ALLOWED" }, { allow: "GET, HEAD" });
    const secret = presentedSecret(request.headers);
    let card = publicCard;
    const headers: Record<string, string> = { vary: "A2A-Version, Authorization, X-API-Key", "cache-control": "public, max-age=300" };
    if (secret) {
      // A presented key must be valid; with one, the card lists that caller's clusters (and is private).
      try {
        card = await cardFor(await authenticate(secret));
      } catch (e) {
        return authError(e);
      }
      headers["cache-control"] = "private, no-store";
    }
    const version = request.headers.get("a2a-version");
    const legacy = path === "/.well-known/agent.json" || version === null || isLegacyVersion(version);
    const body = legacy ? await cardJsonV03(card) : cardJsonV1(card);
    return request.method === "HEAD" ? new Response(null, { status: 200, headers: { "content-type": "application/json", ...headers } }) : json(200, body, headers);
  }

  function authError(e: unknown): Response {
    if (isKubentlyError(e, "UNAUTHENTICATED")) {
      return rpcError(401, -32000, e.message, { code: "UNAUTHENTICATED" }, { "www-authenticate": 'Bearer realm="kubently"' });
    }
    return rpcError(503, -32603, "cannot check the API key right now", { code: "BACKEND_UNAVAILABLE" });
  }

  async function serveRpc(request: Request): Promise<Response> {
    if (request.method !== "POST") return rpcError(405, -32600, "JSON-RPC requests are POSTed", undefined, { allow: "POST" });
    if (closing) return rpcError(503, -32603, "the server is shutting down; retry on another replica", { code: "SHUTTING_DOWN" });
    let identity: Identity;
    try {
      identity = await authenticate(presentedSecret(request.headers));
    } catch (e) {
      return authError(e);
    }
    const type = request.headers.get("content-type");
    if (type && !isJsonMediaType(type)) return rpcError(415, -32005, `unsupported Content-Type "${type.slice(0, 60)}"; send application/json`);
    let meta: CallMeta;
    try {
      meta = callMetaFrom(request.headers);
    } catch (e) {
      return rpcError(400, -32602, (e as Error).message, { code: "VALIDATION_FAILED" });
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBodyText(request, maxBodyBytes));
    } catch (e) {
      if (isKubentlyError(e, "PAYLOAD_TOO_LARGE")) return rpcError(413, -32600, `the request body is larger than ${maxBodyBytes} bytes`, { code: "PAYLOAD_TOO_LARGE" });
      return rpcError(400, -32700, isKubentlyError(e) ? e.message : "the request body is not valid JSON");
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) return rpcError(400, -32600, "send one JSON-RPC request object (batches are not supported)");

    const { outcome, mapError } = await dispatch(body, identity, meta, request.headers.get("a2a-version") ?? undefined, plainHeaders(request.headers));
    if (!(Symbol.asyncIterator in outcome)) return json(200, outcome);
    return sse(outcome, rpcIdOf(body), mapError, request.signal);
  }

  async function fetch(original: Request): Promise<Response> {
    try {
      const request = canonicalRequest(original);
      const path = pathOf(request);
      if ((AGENT_CARD_PATHS as readonly string[]).includes(path)) return await serveCard(request, path);
      if (path === WEBSOCKET_PATH) {
        return json(426, { error: "the A2A WebSocket endpoint needs the Bun runtime (the kubently binary); use JSON-RPC over HTTP at the card's URL", code: "BAD_REQUEST" }, { upgrade: "websocket" });
      }
      if (rpcPaths.has(path)) return await serveRpc(request);
      return json(404, { error: `no A2A endpoint at ${path.slice(0, 200)}`, code: "NOT_FOUND" });
    } catch (e) {
      if (isKubentlyError(e) && e.status < 500) return json(e.status, { error: e.message, code: e.code });
      return rpcError(500, -32603, isKubentlyError(e) ? e.message : "internal error");
    }
  }

  // The WebSocket is reachable from browsers (the key travels in a subprotocol): Host and Origin are checked.
  const socketOrigins: OriginPolicy = { allowedHosts: [...(options.allowedHosts ?? []), publicUrl.hostname], ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}) };

  const ws = createWebSocketEndpoint({
    authenticate,
    dispatch,
    callMeta: callMetaFrom,
    maxFrameBytes: maxBodyBytes,
    maxInFlight: options.maxSocketRequests ?? 8,
    isClosing: () => closing,
  });

  return {
    fetch,
    async upgrade(request, server) {
      if (pathOf(request) === WEBSOCKET_PATH && !closing) {
        try {
          checkOrigin(request, socketOrigins);
        } catch (e) {
          return json(403, { error: (e as Error).message, code: "FORBIDDEN" });
        }
        return ws.upgrade(request, server);
      }
      return fetch(request);
    },
    websocket: ws.handler,
    card: cardJsonV1(publicCard),
    async close() {
      closing = true;
      await executor.drain(LIMITS.maxTimeoutSeconds * 1000 + LIMITS.resultGraceMs);
      ws.closeAll();
      taskStore.clear();
    },
  };
}

/** Streams JSON-RPC responses as server-sent events, as they happen. */
async function sse(
  stream: AsyncGenerator<JsonRpcResponse, void, undefined>,
  id: string | number | null,
  mapRpcError: (e: unknown) => unknown,
  signal: AbortSignal,
): Promise<Response> {
  const mapError = (e: unknown) => ({ jsonrpc: "2.0", id, error: mapRpcError(e) });
  // An error before the first event (bad params, unknown task) is a plain JSON-RPC answer, not a stream.
  let first: IteratorResult<JsonRpcResponse, void>;
  try {
    first = await stream.next();
  } catch (e) {
    return json(200, mapError(e));
  }
  if (first.done) return json(500, { jsonrpc: "2.0", id, error: { code: -32603, message: "the stream ended before its first event" } });
  const firstEvent = first.value;
  async function* events(gone: AbortSignal): AsyncGenerator<SseEvent> {
    const stop = () => void stream.return(undefined).catch(() => {});
    gone.addEventListener("abort", stop, { once: true });
    try {
      yield { data: firstEvent };
      for await (const next of { [Symbol.asyncIterator]: () => stream }) yield { data: next };
    } finally {
      gone.removeEventListener("abort", stop);
    }
  }
  // A streamed command may be quiet for minutes: the writer keeps the response open with comments.
  return sseResponse(events, { clientSignal: signal, onError: (e) => ({ event: "error", data: mapError(e) }), headers: { connection: "keep-alive" } });
}
