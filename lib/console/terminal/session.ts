/**
 * What one web terminal does with the lines a person types (server side,
 * no socket in sight: {@link terminalSession} talks to a {@link TerminalPeer}).
 *
 * - `open` makes a debug session on the cluster (the sessions service), so
 *   everything the terminal does is grouped under one session id in the
 *   audit log, which is the recording.
 * - Each `line` is split like a shell would quote it (never run by one) and
 *   goes through the execute service as the caller: policies, scopes,
 *   budgets and audit exactly as `POST /debug/execute`; commands that do not
 *   end on their own (`logs -f`, `get -w`) stream. Output comes as the agent
 *   redacted it. A line that never becomes a command is recorded as a
 *   `terminal.input` audit entry with its text and the reason.
 * - The caller's credential is checked again for every message, so a
 *   sign-out, a disabled user or a revoked key stops the terminal at its
 *   next line.
 */
import * as v from "valibot";
import { isKubentlyError, KubentlyError } from "../../errors.ts";
import type { ExecuteOutcome } from "../../execute.ts";
import { isStreaming, MAX_COMMAND_LINE_LENGTH, parseKubectl, splitCommandLine } from "../../kubectl/index.ts";
import { LIMITS } from "../../limits.ts";
import { describeIssues, type Identity, type Result, type Session } from "../../schemas.ts";
import type { KubentlyHost } from "../../services.ts";
import { TERMINAL_INPUT_EVENT, type TerminalEnd, type TerminalServerMessage } from "./protocol.ts";

/** Where a terminal's answers go: the socket, in the server. */
export interface TerminalPeer {
  /** Sends one message; resolves once the transport can take more (backpressure). */
  send(message: TerminalServerMessage): void | Promise<void>;
  /** Closes the transport (the session is closed separately, by {@link TerminalSession.close}). */
  close(code: number, reason: string): void;
}

/** Options for {@link terminalSession}. */
export interface TerminalSessionOptions {
  /** Who opened the socket (already checked: may execute). */
  identity: Identity;
  /** The caller again, from the upgrade request's credential: throws when it no longer holds. */
  recheck: () => Promise<Identity>;
  peer: TerminalPeer;
  /** @default LIMITS.terminalIdleSeconds * 1000 */
  idleMs?: number;
  /** @default LIMITS.terminalMaxSeconds * 1000 */
  maxMs?: number;
  /** @default LIMITS.terminalMaxLinesPerMinute */
  linesPerMinute?: number;
}

/** One terminal. */
export interface TerminalSession {
  /** Handles one frame from the client. Never throws: problems are answered or close the terminal. */
  receive(frame: string | Uint8Array): Promise<void>;
  /** Ends it: cancels a running command, ends the debug session. Idempotent; resolves when done. */
  close(): Promise<void>;
  /** The debug session, once open. */
  readonly sessionId: string | undefined;
}

const ClientMessage = v.variant("type", [
  v.object({ type: v.literal("open"), cluster_id: v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.maxIdLength)) }),
  v.object({ type: v.literal("line"), text: v.string() }),
  v.object({ type: v.literal("cancel") }),
]);

/** The line being run: who runs it, its command once queued, and whether a cancel came before that. */
interface RunningLine {
  identity: Identity;
  abort: AbortController;
  commandId?: string;
  cancelRequested: boolean;
}

/** Output is sent in pieces of at most this many characters, so a large answer does not arrive as one frame. */
const OUTPUT_PIECE = 32 * 1024;
/** Close codes: normal (idle, time limit), policy violation (credential gone), internal error. */
const NORMAL = 1000;
const POLICY = 1008;
const INTERNAL = 1011;

/** A line as recorded: at most the command-line limit, marked when cut. */
const recorded = (line: string) => (line.length > MAX_COMMAND_LINE_LENGTH ? `${line.slice(0, MAX_COMMAND_LINE_LENGTH)}…` : line);

/** The end of a command, from its result. */
function endOf(result: Result, commandId: string): TerminalEnd {
  return {
    type: "end",
    status: result.status,
    command_id: commandId,
    ...(result.code ? { code: result.code } : {}),
    ...(typeof result.exitCode === "number" ? { exit_code: result.exitCode } : {}),
    ...(result.policy ? { policy: result.policy } : {}),
    ...(result.error ? { error: result.error } : {}),
    truncated: result.truncated,
    duration_ms: result.durationMs,
  };
}

/** Starts a terminal for `options.identity`; it does nothing until the client sends `open`. */
export function terminalSession(host: KubentlyHost, options: TerminalSessionOptions): TerminalSession {
  const { services, context } = host;
  const { peer, recheck } = options;
  const idleMs = options.idleMs ?? LIMITS.terminalIdleSeconds * 1000;
  const maxMs = options.maxMs ?? LIMITS.terminalMaxSeconds * 1000;
  const linesPerMinute = options.linesPerMinute ?? LIMITS.terminalMaxLinesPerMinute;

  let identity = options.identity;
  let session: Session | undefined;
  let opening = false;
  let closing: Promise<void> | undefined;
  let running: RunningLine | undefined;
  let lastActivity = Date.now();
  const recentLines: number[] = [];

  const unref = (t: ReturnType<typeof setTimeout>) => ((t as { unref?: () => void }).unref?.(), t);
  let idleTimer = unref(setTimeout(checkIdle, idleMs));
  const maxTimer = unref(setTimeout(() => end(NORMAL, `the terminal's time limit (${Math.round(maxMs / 1000)} s) is reached: open a new one`), maxMs));

  function checkIdle(): void {
    if (closing) return;
    const left = lastActivity + idleMs - Date.now();
    if (running || left > 0) {
      idleTimer = unref(setTimeout(checkIdle, running ? idleMs : left));
      return;
    }
    void end(NORMAL, `idle for ${Math.round(idleMs / 1000)} s: the terminal closed and its session ended`);
  }

  /** Tells the client why, closes the socket, and closes the terminal. */
  async function end(code: number, reason: string, errorCode = code === POLICY ? "UNAUTHENTICATED" : "TERMINAL_CLOSED"): Promise<void> {
    if (closing) return closing;
    try {
      await peer.send({ type: "error", code: errorCode, error: reason });
    } catch {
      // Gone already.
    }
    peer.close(code, reason.slice(0, 120));
    return close();
  }

  const sendError = (code: string, error: string) => peer.send({ type: "error", code, error });

  /** The caller again; a credential that no longer holds closes the terminal. */
  async function caller(): Promise<Identity | null> {
    try {
      identity = await recheck();
      return identity;
    } catch (e) {
      if (isKubentlyError(e) && e.status < 500) {
        await end(POLICY, `${e.message} (the terminal closed)`, e.code);
        return null;
      }
      throw e;
    }
  }

  /** Appends a `terminal.input` entry: a line that never became a command. A failed write is logged, not shown. */
  async function record(who: Identity, line: string, outcome: "refused" | "comment", reason?: string): Promise<void> {
    try {
      await context.backend.audit.append({
        at: Date.now(),
        eventType: TERMINAL_INPUT_EVENT,
        identity: who.name,
        role: who.role,
        clusterId: session!.clusterId,
        sessionId: session!.id,
        argv: [recorded(line)],
        outcome,
        ...(reason ? { reason: reason.slice(0, 1024) } : {}),
      });
    } catch (e) {
      console.error("[kubently] the terminal could not record a line:", e instanceof Error ? e.message : e);
    }
  }

  /** Keeps the debug session alive for lines that run no command (commands slide it themselves). */
  const touch = (who: Identity) => services.sessions.use(who, session!.id, session!.clusterId).catch(() => null);

  async function refuse(who: Identity, line: string, code: string, error: string, options: { record?: boolean } = {}): Promise<TerminalEnd> {
    if (options.record !== false) {
      await touch(who);
      await record(who, line, "refused", error);
    }
    return { type: "end", status: "refused", code, error };
  }

  async function sendOutput(commandId: string, data: string): Promise<void> {
    for (let i = 0; i < data.length; i += OUTPUT_PIECE) await peer.send({ type: "output", command_id: commandId, data: data.slice(i, i + OUTPUT_PIECE) });
  }

  async function open(clusterId: string): Promise<void> {
    if (session || opening) {
      return sendError("CONFLICT", session ? `this terminal is open on cluster ${session.clusterId}: open another terminal for another cluster` : "the terminal is opening already");
    }
    opening = true;
    try {
      const who = await caller();
      if (!who) return;
      try {
        session = await services.sessions.create(who, { clusterId, ttlSeconds: Math.min(LIMITS.maxSessionTtlSeconds, Math.max(LIMITS.minSessionTtlSeconds, Math.round(idleMs / 1000))) });
      } catch (e) {
        if (isKubentlyError(e) && e.status < 500) return sendError(e.code, e.message);
        throw e;
      }
      if (closing) {
        // The socket went away while the session was being made.
        await services.sessions.end(who, session.id).catch(() => {});
        return;
      }
      lastActivity = Date.now();
      await peer.send({ type: "ready", session_id: session.id, cluster_id: session.clusterId, idle_seconds: Math.round(idleMs / 1000), max_seconds: Math.round(maxMs / 1000) });
    } finally {
      opening = false;
    }
  }

  /** True when one more line fits in the last minute's allowance. */
  function takeLine(): boolean {
    const now = Date.now();
    while (recentLines.length && recentLines[0]! <= now - 60_000) recentLines.shift();
    if (recentLines.length >= linesPerMinute) return false;
    recentLines.push(now);
    return true;
  }

  async function line(text: string): Promise<void> {
    if (!session) return sendError("CONFLICT", 'open the terminal first: {"type": "open", "cluster_id": "..."}');
    if (running) return sendError("CONFLICT", "a command is running: wait for its end, or cancel it (Ctrl-C)");
    if (!takeLine()) {
      return peer.send({ type: "end", status: "refused", code: "RATE_LIMITED", error: `more than ${linesPerMinute} lines in a minute: wait a moment (this line was not run nor recorded)` });
    }
    // Taken before the first await, so a second line sent meanwhile is refused.
    const state: RunningLine = { identity, abort: new AbortController(), cancelRequested: false };
    running = state;
    lastActivity = Date.now();
    try {
      const who = await caller();
      if (!who) return;
      state.identity = who;
      const answer = await run(who, text);
      if (!closing) {
        // The session's TTL slid when the command started; a long stream must not leave it to expire before the terminal idles out.
        if (answer.command_id) await touch(who);
        await peer.send(answer);
      }
    } finally {
      running = undefined;
      lastActivity = Date.now();
    }
  }

  /** Runs one line to its end. */
  async function run(who: Identity, text: string): Promise<TerminalEnd> {
    const trimmed = text.trim();
    if (trimmed === "") return { type: "end", status: "empty" };
    if (text.length > MAX_COMMAND_LINE_LENGTH) return refuse(who, text, "VALIDATION_FAILED", `the line is longer than ${MAX_COMMAND_LINE_LENGTH} characters`);
    if (trimmed.startsWith("#")) {
      await touch(who);
      await record(who, trimmed, "comment");
      return { type: "end", status: "noted" };
    }
    const split = splitCommandLine(trimmed);
    if (!split.ok) return refuse(who, trimmed, "VALIDATION_FAILED", split.reason);
    const argv = split.words[0] === "kubectl" ? split.words.slice(1) : split.words;
    if (argv.length === 0) return refuse(who, trimmed, "VALIDATION_FAILED", "nothing to run: type a kubectl command, such as get pods -A");
    // Whether it streams; the policies judge the command itself (a parse failure here is theirs to deny).
    const parsed = parseKubectl(argv);
    const stream = parsed.ok && isStreaming(parsed.command);

    let queued: ExecuteOutcome;
    try {
      queued = await services.execute.execute(who, { clusterId: session!.clusterId, sessionId: session!.id, argv, stream, wait: false, requireAgent: true });
    } catch (e) {
      if (!isKubentlyError(e)) throw e;
      // A rate-limit denial is audited as command.denied already; anything else never became a command.
      return refuse(who, trimmed, e.code, e.message, { record: e.code !== "RATE_LIMITED" });
    }
    // Denied by an API-side policy: the denial is its result (and its audit entry).
    if (queued.status !== "queued") return endOf(queued.result!, queued.commandId);
    const state = running!;
    state.commandId = queued.commandId;
    if (state.cancelRequested) await cancelCommand(state);

    let result: Result | null = null;
    for await (const event of services.execute.follow(who, queued.commandId, { signal: state.abort.signal })) {
      if (event.type === "chunk") await sendOutput(queued.commandId, event.data);
      else result = event.result;
    }
    if (!result) return { type: "end", status: "cancelled", command_id: queued.commandId, code: "CANCELLED", error: "the terminal closed" };
    // A plain command's output comes with its result; a stream's came as its chunks.
    if (!stream && result.output) await sendOutput(queued.commandId, result.output);
    return endOf(result, queued.commandId);
  }

  async function cancelCommand(state: RunningLine): Promise<void> {
    if (!state.commandId) return void (state.cancelRequested = true);
    try {
      await services.execute.cancel(state.identity, state.commandId);
    } catch (e) {
      // Finished meanwhile (CONFLICT) or no longer visible: nothing left to cancel.
      if (!isKubentlyError(e)) throw e;
    }
  }

  async function close(): Promise<void> {
    closing ??= (async () => {
      clearTimeout(idleTimer);
      clearTimeout(maxTimer);
      const state = running;
      if (state) {
        if (state.commandId) await cancelCommand(state).catch(() => {});
        state.abort.abort();
      }
      if (session) await services.sessions.end(identity, session.id).catch(() => {});
    })();
    return closing;
  }

  return {
    get sessionId() {
      return session?.id;
    },
    async receive(frame) {
      if (closing) return;
      try {
        if (typeof frame !== "string") return await sendError("BAD_REQUEST", "frames are JSON text");
        if (frame.length > LIMITS.terminalMaxMessageBytes) return await end(1009, `a frame is at most ${LIMITS.terminalMaxMessageBytes} bytes`, "PAYLOAD_TOO_LARGE");
        let json: unknown;
        try {
          json = JSON.parse(frame);
        } catch {
          return await sendError("INVALID_JSON", "a frame must be one JSON object");
        }
        const parsed = v.safeParse(ClientMessage, json);
        if (!parsed.success) return await sendError("VALIDATION_FAILED", describeIssues(parsed.issues));
        const message = parsed.output;
        if (message.type === "open") return await open(message.cluster_id);
        if (message.type === "line") return await line(message.text);
        if (running) await cancelCommand(running);
      } catch (e) {
        console.error("[kubently] the terminal failed:", e);
        await end(INTERNAL, `the terminal failed: ${e instanceof KubentlyError ? e.message : "internal error"}`, e instanceof KubentlyError ? e.code : "INTERNAL");
      }
    },
    close,
  };
}
