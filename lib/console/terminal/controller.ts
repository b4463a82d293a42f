/**
 * The web terminal in the browser: an xterm.js terminal, the line editor,
 * and the WebSocket to `GET /terminal/ws` (docs/console.md#web-terminal).
 * The page (pages/terminal.tsx) renders the controls around it and follows
 * its state through `onState`.
 *
 * One line at a time: while a command runs, Ctrl-C cancels it and anything
 * else typed (or pasted) waits and is replayed at the next prompt, as in a
 * shell. `exit`, `quit` or Ctrl-D on an empty line ends the session.
 */
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { openWithAdoptedStyles, type AdoptedStyles } from "./adopted-styles.ts";
import { LineEditor } from "./line-editor.ts";
import { endNote, paint, terminalText } from "./output.ts";
import { TERMINAL_PATH, TERMINAL_PROMPT, type TerminalClientMessage, type TerminalServerMessage } from "./protocol.ts";

/** Where the terminal is. */
export type TerminalState = "idle" | "connecting" | "ready" | "running" | "closed";

/** What the page shows about the connection. */
export interface TerminalStatus {
  state: TerminalState;
  clusterId?: string;
  sessionId?: string;
  /** Why it closed. */
  reason?: string;
}

/** Typed-ahead input kept while a command runs, at most this many characters. */
const MAX_PENDING = 16 * 1024;

/** The text of a terminal's buffer, wrapped rows joined: what a person sees, for tests. */
export function bufferText(term: Terminal): string {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    if (!line) continue;
    const text = line.translateToString(true);
    if (line.isWrapped && lines.length) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  while (lines.length && lines.at(-1) === "") lines.pop();
  return lines.join("\n");
}

/** A terminal in `container`, connected on demand. */
export class TerminalController {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly styles: AdoptedStyles;
  private readonly editor = new LineEditor({ prompt: TERMINAL_PROMPT });
  private ws: WebSocket | null = null;
  private status: TerminalStatus = { state: "idle" };
  /** Input typed while no prompt was shown. */
  private pending = "";
  /** Whether the last thing written left the cursor at the start of a line. */
  private atLineStart = true;
  private readonly onResize = () => this.fitToContainer();

  constructor(
    private readonly container: HTMLElement,
    private readonly wsUrl: string,
    private readonly onState: (status: TerminalStatus) => void,
  ) {
    this.term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
      scrollback: 5000,
      theme: { background: "#111418", foreground: "#d8dee4", cursor: "#d8dee4" },
    });
    this.term.loadAddon(this.fit);
    this.styles = openWithAdoptedStyles(() => this.term.open(container));
    this.fitToContainer();
    addEventListener("resize", this.onResize);
    this.term.onData((data) => this.input(data));
    // Browser tests read what a person sees through the element: `element.kubentlyTerminal.text()`.
    Object.defineProperty(container, "kubentlyTerminal", { value: this, configurable: true });
    this.write(paint.dim("Pick a cluster and connect. Lines are kubectl commands (read-only); Ctrl-C cancels a running one, Ctrl-L clears, exit ends the session.\r\n"));
  }

  /** The buffer's text (for browser tests: what a person sees). */
  text(): string {
    return bufferText(this.term);
  }

  /** Opens a session on `clusterId` (closing any open one first). */
  connect(clusterId: string): void {
    this.disconnect();
    this.setStatus({ state: "connecting", clusterId });
    this.pending = "";
    this.editor.reset();
    this.write(`${this.atLineStart ? "" : "\r\n"}${paint.dim(`Connecting to ${clusterId}…`)}\r\n`);
    const ws = new WebSocket(this.wsUrl);
    this.ws = ws;
    ws.onopen = () => this.send({ type: "open", cluster_id: clusterId });
    ws.onmessage = (m) => {
      if (this.ws !== ws) return;
      let message: TerminalServerMessage;
      try {
        message = JSON.parse(String(m.data)) as TerminalServerMessage;
      } catch {
        return;
      }
      this.receive(message);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const reason = e.code === 1000 || e.code === 1005 ? (e.reason || "the session ended") : `${e.reason || "the connection was lost"} (${e.code})`;
      this.write(`${this.atLineStart ? "" : "\r\n"}${paint.dim(`[closed: ${reason}]`)}\r\n`);
      this.setStatus({ ...this.status, state: "closed", reason });
    };
  }

  /** Closes the socket: the server ends the session. */
  disconnect(): void {
    const ws = this.ws;
    if (!ws) return;
    ws.close(1000, "closed by the user");
  }

  /** Focuses the terminal (keys go to it). */
  focus(): void {
    this.term.focus();
  }

  dispose(): void {
    removeEventListener("resize", this.onResize);
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, "the page was left");
    this.term.dispose();
    this.styles.dispose();
  }

  private fitToContainer(): void {
    try {
      this.fit.fit();
    } catch {
      // Not laid out yet (hidden): the next resize fits it.
    }
  }

  private setStatus(status: TerminalStatus): void {
    this.status = status;
    this.container.dataset.state = status.state;
    this.onState(status);
  }

  private send(message: TerminalClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private write(text: string): void {
    if (!text) return;
    this.term.write(text);
    this.atLineStart = /\n$/.test(text);
  }

  private prompt(): void {
    this.write(`${this.atLineStart ? "" : "\r\n"}`);
    this.term.write(this.editor.drawFresh(this.term.cols));
    this.atLineStart = false;
    if (this.pending) {
      const typed = this.pending;
      this.pending = "";
      this.input(typed);
    }
  }

  private receive(message: TerminalServerMessage): void {
    switch (message.type) {
      case "ready":
        this.setStatus({ state: "ready", clusterId: message.cluster_id, sessionId: message.session_id });
        this.write(paint.dim(`Connected to ${message.cluster_id}, session ${message.session_id}.`) + "\r\n");
        this.prompt();
        return;
      case "output":
        this.write(terminalText(message.data));
        return;
      case "end": {
        const note = endNote(message);
        if (note) this.write(`${this.atLineStart ? "" : "\r\n"}${note}\r\n`);
        if (this.status.state === "running") this.setStatus({ ...this.status, state: "ready" });
        this.prompt();
        return;
      }
      case "error":
        this.write(`${this.atLineStart ? "" : "\r\n"}${paint.red(`${message.code}: ${terminalText(message.error)}`)}\r\n`);
        // Before the session: the open failed (an unknown cluster...); pick another.
        if (this.status.state === "connecting") this.disconnect();
        else if (this.status.state === "ready" && this.ws) this.prompt();
        return;
    }
  }

  /** Keyboard input (xterm's onData). */
  private input(data: string): void {
    const state = this.status.state;
    if (state === "running" || state === "connecting") {
      if (data.includes("\x03") && state === "running") {
        this.write("^C");
        this.send({ type: "cancel" });
        this.pending = "";
      } else if (this.pending.length + data.length <= MAX_PENDING) this.pending += data;
      return;
    }
    if (state !== "ready") return;
    const cols = this.term.cols;
    const { write, actions, rest } = this.editor.feed(data, cols);
    if (write) this.term.write(write);
    // What follows a submitted line waits for the next prompt.
    if (rest) this.pending = (rest + this.pending).slice(0, MAX_PENDING);
    for (const action of actions) {
      if (action.type === "clear") {
        this.term.write("\x1b[H\x1b[2J\x1b[3J");
        this.term.write(this.editor.drawFresh(cols));
      } else if (action.type === "cancel") {
        this.term.write(this.editor.drawFresh(cols));
      } else if (action.type === "exit") {
        this.atLineStart = true;
        this.disconnect();
      } else if (action.type === "submit") {
        this.atLineStart = true;
        const line = action.line.trim();
        if (line === "exit" || line === "quit") return this.disconnect();
        if (line === "") return this.prompt();
        this.setStatus({ ...this.status, state: "running" });
        this.send({ type: "line", text: action.line });
      }
    }
  }
}
