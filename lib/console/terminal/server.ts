/**
 * `GET /terminal/ws`: the web terminal's socket side. The route
 * (lib/http/app.ts) checks the Origin, the caller and its role before
 * anything upgrades; {@link terminalSockets} then upgrades the request and
 * runs a {@link terminalSession} per socket.
 *
 * It rides on `Bun.serve`'s upgrade as `/events/ws` does (see
 * lib/wire/websocket.ts): Bun takes one set of WebSocket handlers per
 * server, so {@link TerminalSockets.alongside} serves terminal sockets and
 * hands every other socket to the event sockets' handlers. Where the server
 * cannot upgrade (Node's http server, a host's own fetch handler) the route
 * answers 501 `WEBSOCKET_UNAVAILABLE`.
 */
import { KubentlyError } from "../../errors.ts";
import { resumeDrained, sendText, upgradeOf, type Backpressure, type EventSocketHandler, type EventSocketLike } from "../../wire/websocket.ts";
import { LIMITS } from "../../limits.ts";
import type { Identity } from "../../schemas.ts";
import type { KubentlyHost } from "../../services.ts";
import { TERMINAL_PATH, type TerminalServerMessage } from "./protocol.ts";
import { terminalSession, type TerminalSession, type TerminalSessionOptions } from "./session.ts";

/** Options for {@link terminalSockets}: the limits, for tests (docs/limits.md has the defaults). */
export type TerminalSocketsOptions = Pick<TerminalSessionOptions, "idleMs" | "maxMs" | "linesPerMinute"> & {
  /** @default LIMITS.maxTerminalsPerIdentity */
  perIdentity?: number;
};

interface SocketState extends Backpressure {
  kind: "kubently.terminal";
  identity: Identity;
  recheck: () => Promise<Identity>;
  /** Set by `open`. */
  terminal?: TerminalSession;
  /** Releases the identity's count if the socket never opens (the client left during the handshake). */
  unopened?: ReturnType<typeof setTimeout>;
}

const OPEN = 1;
/** An upgraded socket that has not opened within this long never will. */
const UNOPENED_MS = 10_000;
const isState = (data: unknown): data is SocketState => (data as SocketState | undefined)?.kind === "kubently.terminal";
/** Who counts against the per-identity bound. */
const ownerOf = (identity: Identity) => `${identity.kind}:${identity.name}`;

/** The terminal sockets of one Kubently instance. */
export function terminalSockets(host: KubentlyHost, options: TerminalSocketsOptions = {}) {
  const sockets = new Map<EventSocketLike, SocketState>();
  const perIdentity = options.perIdentity ?? LIMITS.maxTerminalsPerIdentity;
  /** Open (or upgrading) terminals per owner. */
  const owners = new Map<string, number>();
  const closing = new Set<Promise<void>>();

  const release = (identity: Identity) => {
    const key = ownerOf(identity);
    const left = (owners.get(key) ?? 1) - 1;
    if (left > 0) owners.set(key, left);
    else owners.delete(key);
  };

  /** Sends one message, waiting for a drain when Bun queued it (backpressure). */
  async function send(ws: EventSocketLike, state: SocketState, message: TerminalServerMessage): Promise<void> {
    await sendText(ws, state, JSON.stringify(message));
  }

  function finish(ws: EventSocketLike, state: SocketState): void {
    if (!sockets.delete(ws)) return;
    release(state.identity);
    resumeDrained(state);
    if (state.terminal) {
      const done = state.terminal.close();
      closing.add(done);
      void done.finally(() => closing.delete(done));
    }
  }

  const handler: EventSocketHandler = {
    maxPayloadLength: LIMITS.terminalMaxMessageBytes,
    idleTimeout: 120,
    open(ws) {
      if (!isState(ws.data)) return ws.close(1011, "not a terminal socket");
      const state = ws.data;
      // Counted at the upgrade; released by the timer when the open came too late.
      if (state.unopened === undefined) return ws.close(1011, "the handshake took too long");
      clearTimeout(state.unopened);
      sockets.set(ws, state);
      state.terminal = terminalSession(host, {
        identity: state.identity,
        recheck: state.recheck,
        peer: { send: (message) => send(ws, state, message), close: (code, reason) => ws.readyState === OPEN && ws.close(code, reason) },
        ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
        ...(options.maxMs !== undefined ? { maxMs: options.maxMs } : {}),
        ...(options.linesPerMinute !== undefined ? { linesPerMinute: options.linesPerMinute } : {}),
      });
    },
    message(ws, message) {
      if (!isState(ws.data)) return;
      void ws.data.terminal?.receive(message);
    },
    drain(ws) {
      if (isState(ws.data)) resumeDrained(ws.data);
    },
    close(ws) {
      if (isState(ws.data)) finish(ws, ws.data);
    },
  };

  return {
    handler,
    /**
     * Bun's WebSocket handlers for a server that also serves `other`'s
     * sockets (the event sockets): terminal sockets here, the rest there.
     * The frame limit is the larger of the two; each side checks its own.
     */
    alongside(other: EventSocketHandler): EventSocketHandler {
      return {
        maxPayloadLength: Math.max(handler.maxPayloadLength, other.maxPayloadLength),
        idleTimeout: Math.max(handler.idleTimeout, other.idleTimeout),
        open: (ws) => (isState(ws.data) ? handler.open(ws) : other.open(ws)),
        message: (ws, m) => (isState(ws.data) ? handler.message(ws, m) : other.message(ws, m)),
        drain: (ws) => (isState(ws.data) ? handler.drain(ws) : other.drain(ws)),
        close: (ws, code, reason) => (isState(ws.data) ? handler.close(ws, code, reason) : other.close(ws, code, reason)),
      };
    },
    /**
     * Upgrades the request to a terminal for `identity` (who the route
     * authenticated and found allowed to execute), or throws:
     * `UPGRADE_REQUIRED` without a WebSocket handshake,
     * `WEBSOCKET_UNAVAILABLE` where the server cannot upgrade,
     * `RATE_LIMITED` past the terminals one identity may hold,
     * `BAD_REQUEST` when the handshake is broken. `recheck` authenticates
     * the same request again (before every message).
     */
    upgrade(request: Request, identity: Identity, recheck: () => Promise<Identity>): Response {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        throw new KubentlyError("UPGRADE_REQUIRED", `GET ${TERMINAL_PATH} is a WebSocket (the web terminal): send the upgrade handshake, or run commands with POST /debug/execute`);
      }
      const upgrade = upgradeOf(request);
      if (!upgrade) {
        throw new KubentlyError("WEBSOCKET_UNAVAILABLE", "this server cannot upgrade to a WebSocket (Node's http server, or a host's own fetch handler): the web terminal needs kubently.listen() under Bun or the binary; POST /debug/execute works everywhere");
      }
      const key = ownerOf(identity);
      const open = owners.get(key) ?? 0;
      if (open >= perIdentity) {
        throw new KubentlyError("RATE_LIMITED", `${identity.name} has ${open} terminals open (at most ${perIdentity}): close one first`, { details: { retry_after: 5 } });
      }
      owners.set(key, open + 1);
      const state: SocketState = { kind: "kubently.terminal", identity, recheck };
      state.unopened = setTimeout(() => {
        state.unopened = undefined;
        release(identity);
      }, UNOPENED_MS);
      (state.unopened as { unref?: () => void }).unref?.();
      if (!upgrade(state)) {
        clearTimeout(state.unopened);
        release(identity);
        throw new KubentlyError("BAD_REQUEST", "the WebSocket upgrade failed: the handshake headers (Sec-WebSocket-Key, Sec-WebSocket-Version: 13) are missing or wrong");
      }
      // Never sent: the server answers the upgrade itself (101).
      return new Response(null, { status: 200 });
    },
    /** Closes every terminal (the instance is closing): running commands are cancelled, sessions ended. */
    async closeAll(): Promise<void> {
      for (const [ws, state] of [...sockets]) {
        if (ws.readyState === OPEN) ws.close(1001, "server shutting down");
        finish(ws, state);
      }
      await Promise.allSettled([...closing]);
    },
    /** Terminals open now. */
    get size() {
      return sockets.size;
    },
  };
}

/** The terminal sockets of one instance. */
export type TerminalSockets = ReturnType<typeof terminalSockets>;
