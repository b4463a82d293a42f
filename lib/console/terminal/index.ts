/**
 * The web terminal's server side (docs/console.md#web-terminal): the
 * socket endpoint the REST app mounts at `GET /terminal/ws`, and the
 * per-terminal logic behind it. The browser side (the page, the line
 * editor, output and style helpers) lives beside it and is bundled by the
 * console build; it never imports this file.
 */
export { terminalSockets, type TerminalSockets, type TerminalSocketsOptions } from "./server.ts";
export { terminalSession, type TerminalPeer, type TerminalSession, type TerminalSessionOptions } from "./session.ts";
export { TERMINAL_INPUT_EVENT, TERMINAL_PATH, TERMINAL_PROMPT } from "./protocol.ts";
export type { TerminalClientMessage, TerminalEnd, TerminalEndStatus, TerminalServerMessage } from "./protocol.ts";
