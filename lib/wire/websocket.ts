/**
 * `GET /events/ws`: the event stream as WebSocket text frames, one event
 * (the JSON `GET /events` sends as `data`) per frame. Server to client
 * only: frames the client sends are ignored.
 *
 * It rides on `Bun.serve`'s upgrade, which `kubently.listen()` (and so the
 * binary) wires under Bun. Node's `node:http` has no upgrade without a
 * WebSocket library, so there, and behind a host's own fetch handler, the
 * route answers 501 `WEBSOCKET_UNAVAILABLE`: use `GET /events` (SSE).
 *
 * The route checks Origin (cross-site WebSocket hijacking), the caller and
 * the query before upgrading, subscribes, and hands the subscription to
 * the socket. A socket whose client reads too slowly stops being written
 * (Bun's backpressure) until it drains; meanwhile the subscription's own
 * bound applies, so a stuck client gets a `reset` and the socket closes.
 */
import { KubentlyError } from "../errors.ts";
import { checkOrigin, type OriginPolicy } from "./http.ts";
import type { EventSubscription } from "../events/bus.ts";
import { eventJson } from "./events.ts";

/** Asks the server to upgrade the request being handled, with `data` for the socket; false when it cannot. */
export type UpgradeRequest = (data: unknown) => boolean;

/** The upgrade each request may take, set by the server that accepted it (never by anything a client sends). */
const upgrades = new WeakMap<Request, UpgradeRequest>();

/** Offers `request` an upgrade (what `serve` does under Bun for a request with an `Upgrade` header). */
export function offerUpgrade(request: Request, upgrade: UpgradeRequest): void {
  upgrades.set(request, upgrade);
}

/** The upgrade offered to `request`; undefined where the server cannot upgrade. */
export const upgradeOf = (request: Request): UpgradeRequest | undefined => upgrades.get(request);

/** `to`, offered the upgrade of `from` (for a request rebuilt from another). */
export function carryUpgrade(from: Request, to: Request): Request {
  const upgrade = upgrades.get(from);
  if (upgrade) upgrades.set(to, upgrade);
  return to;
}

/**
 * Throws `FORBIDDEN` for a cross-site browser: cross-site WebSocket
 * hijacking, where a page elsewhere opens the socket with the user's
 * cookie. Allowed: no Origin (not a browser), the request's own origin
 * (same `Host`), a loopback or listed host, a listed origin. The Host
 * itself is not checked: credentials, not the Host, protect the API.
 */
export function checkSocketOrigin(request: Request, policy: OriginPolicy = {}): void {
  const host = request.headers.get("host");
  const own = host ? [`http://${host}`, `https://${host}`] : [];
  checkOrigin(request, { allowedHosts: ["*", ...(policy.allowedHosts ?? [])], allowedOrigins: [...(policy.allowedOrigins ?? []), ...own] });
}

/** The part of Bun's `ServerWebSocket` the endpoint uses. */
export interface EventSocketLike {
  data: unknown;
  readyState: number;
  /** Bytes sent; -1 when queued under backpressure; 0 when dropped. */
  send(data: string): number;
  close(code?: number, reason?: string): void;
}

/** Socket handlers in the shape `Bun.serve({ websocket })` takes. */
export interface EventSocketHandler {
  maxPayloadLength: number;
  idleTimeout: number;
  open(ws: EventSocketLike): void;
  message(ws: EventSocketLike, message: string | Uint8Array): void;
  drain(ws: EventSocketLike): void;
  close(ws: EventSocketLike, code: number, reason: string): void;
}

/** WebSocket readyState OPEN. */
const OPEN = 1;

/** What a socket's sender keeps while Bun holds its messages back. */
export interface Backpressure {
  /** Resolves the wait for a drain; set while waiting. */
  drained?: () => void;
}

/**
 * Sends one text frame and, when Bun queued it (backpressure: `send` answers
 * -1), waits for the socket's `drain`. Answers false when the socket is
 * closed or the frame was dropped.
 */
export async function sendText(ws: EventSocketLike, state: Backpressure, text: string): Promise<boolean> {
  if (ws.readyState !== OPEN) return false;
  const sent = ws.send(text);
  if (sent === -1 && ws.readyState === OPEN) await new Promise<void>((resolve) => (state.drained = resolve));
  return sent !== 0;
}

/** Ends a sender's wait for a drain (the socket drained or closed). */
export function resumeDrained(state: Backpressure): void {
  const resume = state.drained;
  state.drained = undefined;
  resume?.();
}

interface SocketState extends Backpressure {
  kind: "kubently.events";
  subscription: EventSubscription;
}

const isState = (data: unknown): data is SocketState => (data as SocketState | undefined)?.kind === "kubently.events";

/** The socket side of `/events/ws` for one instance. */
export function eventSockets() {
  const sockets = new Set<EventSocketLike>();

  async function pump(ws: EventSocketLike, state: SocketState): Promise<void> {
    let last: string | undefined;
    for (;;) {
      const r = await state.subscription.next();
      if (r.done || ws.readyState !== OPEN) break;
      last = r.value.type === "reset" ? String(r.value.data.reason) : undefined;
      if (!(await sendText(ws, state, JSON.stringify(eventJson(r.value))))) break;
    }
    await state.subscription.return();
    if (ws.readyState === OPEN) ws.close(last === "slow consumer" ? 1013 : 1000, last === "slow consumer" ? "slow consumer: resume with ?from=" : "the event stream ended");
  }

  const handler: EventSocketHandler = {
    maxPayloadLength: 4 * 1024,
    idleTimeout: 120,
    open(ws) {
      if (!isState(ws.data)) return ws.close(1011, "not an event socket");
      sockets.add(ws);
      void pump(ws, ws.data).catch(() => ws.close(1011, "the event stream failed"));
    },
    message() {
      // Server to client only.
    },
    drain(ws) {
      if (isState(ws.data)) resumeDrained(ws.data);
    },
    close(ws) {
      sockets.delete(ws);
      if (!isState(ws.data)) return;
      void ws.data.subscription.return();
      resumeDrained(ws.data);
    },
  };

  return {
    handler,
    /**
     * Upgrades the request to an event socket fed by `subscribe()`'s
     * subscription (made only once the upgrade can happen), or throws:
     * `UPGRADE_REQUIRED` for a request that asks for no WebSocket,
     * `WEBSOCKET_UNAVAILABLE` where the server cannot upgrade (Node, a
     * host's own handler), `BAD_REQUEST` when the upgrade fails (a
     * handshake header missing; the subscription is ended then).
     */
    upgrade(request: Request, subscribe: () => EventSubscription): Response {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        throw new KubentlyError("UPGRADE_REQUIRED", "GET /events/ws is a WebSocket: send the upgrade handshake (or read GET /events, Server-Sent Events)");
      }
      const upgrade = upgradeOf(request);
      if (!upgrade) {
        throw new KubentlyError("WEBSOCKET_UNAVAILABLE", "this server cannot upgrade to a WebSocket (Node's http server, or a host's own fetch handler): read GET /events (Server-Sent Events), or serve with kubently.listen() under Bun");
      }
      const subscription = subscribe();
      if (!upgrade({ kind: "kubently.events", subscription } satisfies SocketState)) {
        void subscription.return();
        throw new KubentlyError("BAD_REQUEST", "the WebSocket upgrade failed: the handshake headers (Sec-WebSocket-Key, Sec-WebSocket-Version: 13) are missing or wrong");
      }
      // Never sent: the server answers the upgrade itself (101).
      return new Response(null, { status: 200 });
    },
    /** Closes every socket (the instance is closing). */
    closeAll() {
      for (const ws of sockets) ws.close(1001, "server shutting down");
      sockets.clear();
    },
  };
}

/** The event sockets of one instance. */
export type EventSockets = ReturnType<typeof eventSockets>;
