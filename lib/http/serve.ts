/**
 * Serves a fetch-style handler on Bun (Bun.serve, behind a runtime check) or
 * Node (node:http), so lib stays runnable on both.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { offerUpgrade, type EventSocketHandler } from "../wire/websocket.ts";
import { LIMITS } from "../limits.ts";
import { carryClientAddress, setClientAddress } from "../wire/http.ts";

/** A running HTTP server. */
export interface HttpServer {
  port: number;
  url: string;
  /** Stops accepting connections; open long polls are ended. */
  close(): Promise<void>;
}

/** Options for {@link serve}. */
export interface ServeOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  hostname?: string;
}

type Handler = (request: Request) => Response | Promise<Response>;

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 431: "Request Header Fields Too Large", 501: "Not Implemented" };

/** What a server built by {@link serve} does besides HTTP. */
export interface ServeExtras {
  /**
   * WebSocket handlers, under Bun: a request asking for an upgrade is offered
   * one (`upgradeOf(request)` in lib/wire/websocket.ts), and when the
   * handler took it the server answers 101 itself. Node: ignored (no upgrade).
   */
  websocket?: EventSocketHandler;
}

/**
 * Under Bun with WebSocket handlers: `handler`'s answer to a request that
 * may upgrade, or nothing when it upgraded (Bun then answers 101).
 */
async function upgradable(handler: Handler, request: Request, server: { upgrade(request: Request, options: { data: unknown }): boolean }): Promise<Response | undefined> {
  let upgraded = false;
  offerUpgrade(request, (data) => (upgraded = server.upgrade(request, { data })));
  const response = await handler(request);
  return upgraded ? undefined : response;
}

/** Starts an HTTP server for `handler`. */
/** Resolves after {@link LIMITS.shutdownGraceMs}: how long a closing server lets answers in flight finish. */
const graceElapsed = () => new Promise<void>((resolve) => setTimeout(resolve, LIMITS.shutdownGraceMs).unref?.());

export async function serve(handler: Handler, options: ServeOptions = {}, extras: ServeExtras = {}): Promise<HttpServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  type BunServer = { port: number; stop: (force?: boolean) => Promise<void> | void; requestIP?: (request: Request) => { address: string } | null; upgrade(request: Request, options: { data: unknown }): boolean };
  const bun = (globalThis as { Bun?: { serve: (o: unknown) => BunServer } }).Bun;
  const shown = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname;
  if (bun) {
    const server = bun.serve({
      port: options.port ?? 0,
      hostname,
      // The peer address, for per-address limits (the console's login).
      fetch: (request: Request, s: BunServer) => {
        setClientAddress(request, s.requestIP?.(request)?.address);
        return extras.websocket && request.headers.has("upgrade") ? upgradable(handler, request, s) : handler(request);
      },
      ...(extras.websocket ? { websocket: extras.websocket } : {}),
      // Long polls last up to maxAgentWaitSeconds; the idle timeout must outlast them (Bun's cap is 255 s).
      idleTimeout: Math.min(255, LIMITS.maxAgentWaitSeconds + 30),
      // Far above our own caps: bodies are read with a cap per route and get our JSON 413;
      // this only bounds what Bun itself buffers.
      maxRequestBodySize: 64 * 1024 * 1024,
    });
    return {
      port: server.port,
      url: `http://${shown}:${server.port}`,
      // Graceful: no new connections, answers being written finish (a caller whose command just succeeded
      // gets its result), then whatever is left (a long poll) is cut.
      close: async () => {
        await Promise.race([Promise.resolve(server.stop(false)).catch(() => {}), graceElapsed()]);
        await server.stop(true);
      },
    };
  }
  const server = createServer(nodeListener(handler));
  server.keepAliveTimeout = 65_000;
  // What node:http refuses before a handler runs (oversized headers, a bad Content-Length or
  // request line, an unknown method) still answers the documented JSON error shape.
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    const [status, code, error] =
      err.code === "HPE_HEADER_OVERFLOW" ? [431, "BAD_REQUEST", "request headers are too large"]
      : err.code === "HPE_INVALID_METHOD" ? [501, "METHOD_NOT_ALLOWED", "unknown HTTP method"]
      : [400, "BAD_REQUEST", "malformed HTTP request"];
    const body = JSON.stringify({ error, code });
    socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, hostname, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // As under Bun: idle connections go now, answers being written may finish within the grace.
        server.close(() => resolve());
        server.closeIdleConnections?.();
        void graceElapsed().then(() => server.closeAllConnections?.());
      }),
  };
}

/** Options for {@link nodeListener} and {@link withBasePath}. */
export interface MountOptions {
  /** The path the API is mounted under, e.g. "/kubently": requests outside it are not the API's. @default "" (the root) */
  basePath?: string;
}

/**
 * A fetch handler answering under `basePath`: the prefix is taken off
 * before routing; a path outside it is a 404 in the documented JSON shape.
 */
export function withBasePath(handler: Handler, options: MountOptions = {}): (request: Request) => Promise<Response> {
  const base = normalizeBase(options.basePath);
  if (!base) return async (request) => handler(request);
  return async (request) => {
    const inner = innerTarget(base, targetOf(request.url));
    if (inner === null) return new Response(JSON.stringify({ error: `no route outside ${base}`, code: "NOT_FOUND" }), { status: 404, headers: { "content-type": "application/json" } });
    return handler(carryClientAddress(request, new Request(`http://localhost${inner}`, request)));
  };
}

/**
 * A `node:http` request listener for `handler`, usable as Express or
 * Connect middleware too: with `basePath`, a request outside it goes to
 * `next` (or gets a 404 without one). Mount it before any body parser: it
 * reads the body itself, within the API's own caps.
 *
 * @example
 * createServer(nodeListener((req) => kubently.handle(req))).listen(8080);
 * app.use(nodeListener((req) => kubently.handle(req), { basePath: "/kubently" })); // Express
 */
export function nodeListener(handler: Handler, options: MountOptions = {}): (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void {
  const base = normalizeBase(options.basePath);
  return (req, res, next) => {
    const target = req.url?.startsWith("/") ? req.url : absoluteTarget(req.url);
    const inner = base ? innerTarget(base, target) : target;
    if (inner === null) {
      if (next) return next();
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: `no route outside ${base}`, code: "NOT_FOUND" }));
      return;
    }
    bridge(handler, req, res, inner).catch((e) => {
      console.error("[kubently] a request failed in the HTTP bridge:", e);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: "internal error", code: "INTERNAL" }));
      else res.destroy();
    });
  };
}

/** "/kubently/" -> "/kubently"; "" or "/" -> "". */
const normalizeBase = (basePath = "") => `/${basePath.replace(/^\/+|\/+$/g, "")}`.replace(/^\/$/, "");

/** The path and query of a URL, absolute or already a target. */
const targetOf = (url: string) => (url.startsWith("/") ? url : (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^#]*)/.exec(url)?.[1] || "/"));

/** The target with `base` taken off, or null when it lies outside `base`. */
function innerTarget(base: string, target: string): string | null {
  if (target !== base && !target.startsWith(`${base}/`) && !target.startsWith(`${base}?`)) return null;
  const rest = target.slice(base.length);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

async function bridge(handler: Handler, req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
  const controller = new AbortController();
  res.on("close", () => controller.abort());
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > LIMITS.maxResultBodyBytes + 1024) break;
    chunks.push(chunk as Buffer);
  }
  const method = req.method ?? "GET";
  // The target is a path (origin-form); routing never depends on Host.
  const request = new Request(`http://localhost${target}`, {
    method,
    headers: req.headers as Record<string, string>,
    ...(method === "GET" || method === "HEAD" ? {} : { body: Buffer.concat(chunks) }),
    signal: controller.signal,
  });
  setClientAddress(request, req.socket.remoteAddress);
  const response = await handler(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (controller.signal.aborted) {
      // The client left (a stream it followed, say): stop producing.
      await reader.cancel();
      break;
    }
    res.write(value);
  }
  res.end();
}

/** The path and query of an absolute-form request target (`GET http://host/path`), else "/". */
function absoluteTarget(url: string | undefined): string {
  try {
    const u = new URL(url ?? "/");
    return `${u.pathname}${u.search}`;
  } catch {
    return "/";
  }
}
