/**
 * The A2A WebSocket endpoint (`/a2a/ws`), for interactive sessions. Bun
 * only: it rides on `Bun.serve`'s WebSocket upgrade, which Node's
 * `node:http` has no equivalent of without a WebSocket library.
 *
 * Authentication happens on the upgrade request, before any frame: the
 * client offers two subprotocols, `a2a.jsonrpc` and
 * `kubently.apikey.<base64url(API key)>` (browsers can set nothing else),
 * or sends `X-API-Key` / `Authorization: Bearer` like any other client.
 * The server selects `a2a.jsonrpc`, so the key is never echoed back. A
 * query-string key is not accepted (URLs end up in logs). The key is
 * checked again on every frame, so a revoked key stops working at once.
 *
 * Each text frame is one JSON-RPC request (A2A v1.0 or v0.3 method names);
 * each answer, and each event of a stream, goes back as one text frame
 * carrying the request's id. A stream ends with its terminal (or
 * input-required) status event.
 */
import { KubentlyError } from "../errors.ts";
import { presentedSecret } from "../identity.ts";
import type { Identity } from "../schemas.ts";
import type { CallMeta } from "./executor.ts";
import { plainHeaders, type Dispatched } from "./_http.ts";

/** The subprotocol the server speaks (and selects). */
export const WEBSOCKET_SUBPROTOCOL = "a2a.jsonrpc";
/** Prefix of the subprotocol that carries the API key, base64url-encoded. */
export const WEBSOCKET_KEY_PREFIX = "kubently.apikey.";

/** The subprotocols a client offers to authenticate with `apiKey`. */
export const webSocketProtocols = (apiKey: string): string[] => [WEBSOCKET_SUBPROTOCOL, `${WEBSOCKET_KEY_PREFIX}${Buffer.from(apiKey, "utf8").toString("base64url")}`];

/** The part of Bun's `Server` the upgrade uses. */
export interface BunServerLike {
  upgrade(request: Request, options?: { headers?: Record<string, string>; data?: unknown }): boolean;
}

interface SocketData {
  secret: string;
  meta: CallMeta;
  headers: Record<string, string>;
  inFlight: number;
  streams: Set<AsyncGenerator<unknown, void, undefined>>;
}

/** The part of Bun's `ServerWebSocket` the endpoint uses. */
export interface BunSocketLike {
  data: unknown;
  readyState: number;
  send(data: string): unknown;
  close(code?: number, reason?: string): void;
}

/** WebSocket handlers in the shape `Bun.serve({ websocket })` takes. */
export interface BunWebSocketHandler {
  maxPayloadLength: number;
  idleTimeout: number;
  open(ws: BunSocketLike): void;
  message(ws: BunSocketLike, message: string | Uint8Array): Promise<void>;
  close(ws: BunSocketLike, code: number, reason: string): void;
}

interface Deps {
  authenticate(secret: string | null): Promise<Identity>;
  dispatch(body: unknown, identity: Identity, meta: CallMeta, headerVersion: string | undefined, headers: Record<string, string>): Promise<Dispatched>;
  callMeta(headers: Headers): CallMeta;
  maxFrameBytes: number;
  maxInFlight: number;
  isClosing(): boolean;
}

const OPEN = 1;

const problem = (status: number, error: string, code: string) =>
  new Response(JSON.stringify({ error, code }), { status, headers: { "content-type": "application/json" } });

const rpcError = (id: unknown, code: number, message: string, data?: unknown) => ({
  jsonrpc: "2.0",
  id: typeof id === "string" || typeof id === "number" ? id : null,
  error: { code, message, ...(data !== undefined ? { data } : {}) },
});

/** Builds the upgrade step and the socket handlers. */
export function createWebSocketEndpoint(deps: Deps) {
  const sockets = new Set<BunSocketLike>();
  const dataOf = (ws: BunSocketLike) => ws.data as SocketData;
  const send = (ws: BunSocketLike, body: unknown) => {
    if (ws.readyState === OPEN) ws.send(JSON.stringify(body));
  };

  async function upgrade(request: Request, server: BunServerLike): Promise<Response | undefined> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return problem(426, "this endpoint speaks WebSocket only", "BAD_REQUEST");
    }
    const offered = (request.headers.get("sec-websocket-protocol") ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    if (offered.length > 0 && !offered.includes(WEBSOCKET_SUBPROTOCOL)) {
      return problem(400, `offer the ${WEBSOCKET_SUBPROTOCOL} subprotocol`, "BAD_REQUEST");
    }
    const keyProtocol = offered.find((p) => p.startsWith(WEBSOCKET_KEY_PREFIX));
    let secret: string | null;
    if (keyProtocol) {
      const encoded = keyProtocol.slice(WEBSOCKET_KEY_PREFIX.length);
      if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return problem(400, "the key subprotocol must carry base64url", "BAD_REQUEST");
      secret = Buffer.from(encoded, "base64url").toString("utf8");
    } else {
      secret = presentedSecret(request.headers);
    }
    let meta: CallMeta;
    try {
      await deps.authenticate(secret);
      meta = deps.callMeta(request.headers);
    } catch (e) {
      if (e instanceof KubentlyError) {
        return problem(e.status, e.message, e.code);
      }
      return problem(503, "cannot check the API key right now", "BACKEND_UNAVAILABLE");
    }
    const data: SocketData = { secret: secret!, meta, headers: plainHeaders(request.headers), inFlight: 0, streams: new Set() };
    const upgraded = server.upgrade(request, { data, ...(offered.length > 0 ? { headers: { "Sec-WebSocket-Protocol": WEBSOCKET_SUBPROTOCOL } } : {}) });
    return upgraded ? undefined : problem(400, "the WebSocket upgrade failed", "BAD_REQUEST");
  }

  const handler: BunWebSocketHandler = {
    maxPayloadLength: deps.maxFrameBytes,
    idleTimeout: 120,
    open(ws) {
      sockets.add(ws);
    },
    close(ws) {
      sockets.delete(ws);
      // The tasks go on (A2A tasks outlive connections); only the streams to this socket stop.
      for (const stream of dataOf(ws).streams) void stream.return(undefined).catch(() => {});
    },
    async message(ws, raw) {
      const data = dataOf(ws);
      if (typeof raw !== "string") return send(ws, rpcError(null, -32600, "send each JSON-RPC request as one text frame"));
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return send(ws, rpcError(null, -32700, "the frame is not valid JSON"));
      }
      if (body === null || typeof body !== "object" || Array.isArray(body)) return send(ws, rpcError(null, -32600, "send one JSON-RPC request object per frame"));
      const id = (body as { id?: unknown }).id;
      if (deps.isClosing()) return send(ws, rpcError(id, -32603, "the server is shutting down", { code: "SHUTTING_DOWN" }));
      if (data.inFlight >= deps.maxInFlight) return send(ws, rpcError(id, -32000, `at most ${deps.maxInFlight} requests may be in flight on one socket`, { code: "RATE_LIMITED" }));
      data.inFlight++;
      try {
        let identity: Identity;
        try {
          identity = await deps.authenticate(data.secret);
        } catch {
          send(ws, rpcError(id, -32000, "the API key is no longer valid", { code: "UNAUTHENTICATED" }));
          ws.close(1008, "unauthenticated");
          return;
        }
        const { outcome, mapError } = await deps.dispatch(body, identity, data.meta, undefined, data.headers);
        if (!(Symbol.asyncIterator in outcome)) return send(ws, outcome);
        data.streams.add(outcome);
        try {
          for await (const event of outcome) {
            if (ws.readyState !== OPEN) break;
            send(ws, event);
          }
        } catch (e) {
          send(ws, { jsonrpc: "2.0", id: rpcError(id, 0, "").id, error: mapError(e) });
        } finally {
          data.streams.delete(outcome);
        }
      } finally {
        data.inFlight--;
      }
    },
  };

  return {
    upgrade,
    handler,
    closeAll() {
      for (const ws of sockets) ws.close(1001, "server shutting down");
      sockets.clear();
    },
  };
}
