/**
 * Serves the A2A handler on its own port: with `Bun.serve` under Bun (so
 * the `/a2a/ws` WebSocket endpoint works), with `serve` from
 * lib/http/serve.ts otherwise (Node: HTTP and SSE only).
 */
import { serve, type HttpServer } from "../http/serve.ts";
import { pathOf } from "../wire/http.ts";
import type { KubentlyHost } from "../services.ts";
import { WEBSOCKET_PATH, createA2AHandler, type A2AHandler, type A2AOptions } from "./handler.ts";
import type { BunServerLike, BunWebSocketHandler } from "./websocket.ts";

/** Options for {@link startA2AServer}. */
export interface A2AServerOptions extends A2AOptions {
  /** @default 0 (a free port; the binary uses 8000) */
  port?: number;
  /** @default "127.0.0.1" */
  hostname?: string;
  /** Serve the `/a2a/ws` WebSocket endpoint (Bun only; ignored on Node). @default true */
  websocket?: boolean;
  /** Wraps the HTTP handler (not the WebSocket upgrade): the instance's request log and tracing. @default none */
  wrap?: (handler: (request: Request) => Promise<Response>) => (request: Request) => Promise<Response>;
}

/** A running A2A server. */
export interface A2AServer extends HttpServer {
  /** The handler it serves (card, JSON-RPC, WebSocket). */
  handler: A2AHandler;
  /** True when `/a2a/ws` is served (Bun with `websocket` not false). */
  websocket: boolean;
}

type BunServe = (options: {
  port: number;
  hostname: string;
  fetch: (request: Request, server: BunServerLike) => Promise<Response | undefined>;
  websocket: BunWebSocketHandler;
  idleTimeout: number;
  maxRequestBodySize: number;
}) => { port: number; stop: (force?: boolean) => Promise<void> | void };

/** Starts the A2A server for `kubently`; `close()` drains running tasks, then stops listening. */
export async function startA2AServer(kubently: KubentlyHost, options: A2AServerOptions): Promise<A2AServer> {
  const handler = createA2AHandler(kubently, options);
  const answer = options.wrap ? options.wrap((request) => handler.fetch(request)) : (request: Request) => handler.fetch(request);
  const hostname = options.hostname ?? "127.0.0.1";
  const shown = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname;
  const bun = (globalThis as { Bun?: { serve: BunServe } }).Bun;
  if (bun && options.websocket !== false) {
    const server = bun.serve({
      port: options.port ?? 0,
      hostname,
      fetch: (request, srv) => (pathOf(request) === WEBSOCKET_PATH ? handler.upgrade(request, srv) : answer(request)),
      websocket: handler.websocket,
      // SSE streams stay quiet while a command runs (up to its timeout); Bun's cap is 255 s.
      idleTimeout: 120,
      // Far above the handler's own cap, so an oversized body gets its JSON 413, not an empty one from Bun.
      maxRequestBodySize: 64 * 1024 * 1024,
    });
    return {
      port: server.port,
      url: `http://${shown}:${server.port}`,
      handler,
      websocket: true,
      async close() {
        await handler.close();
        await server.stop(true);
      },
    };
  }
  const server = await serve(answer, { ...(options.port !== undefined ? { port: options.port } : {}), hostname });
  return {
    ...server,
    handler,
    websocket: false,
    async close() {
      await handler.close();
      await server.close();
    },
  };
}
