/**
 * The web terminal's wire protocol: JSON text frames over the WebSocket at
 * `GET /terminal/ws` (docs/console.md#web-terminal). Types and constants
 * only, shared by the browser page and the server, so both read the same
 * words.
 *
 * One exchange per line: the client sends `line`, the server answers any
 * `output` chunks and then exactly one `end`. A `line` sent while another
 * runs, and anything malformed, gets an `error` instead; the socket stays
 * open for those.
 */

/** The route, relative to where the API is mounted. */
export const TERMINAL_PATH = "/terminal/ws";

/**
 * The socket's address for a page at `loc` whose API is mounted at `base`
 * (`""` at the root, `/kubently` under a base path): same host, `wss:` for
 * an https page.
 */
export const terminalSocketUrl = (loc: { protocol: string; host: string }, base: string): string =>
  `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}${base}${TERMINAL_PATH}`;

/** The audit event type of a line that never became a command (refused, or a `#` comment). */
export const TERMINAL_INPUT_EVENT = "terminal.input";

/** What the browser shows before each line. */
export const TERMINAL_PROMPT = "kubectl> ";

/** Client to server. */
export type TerminalClientMessage =
  /** Start: a debug session on the cluster (once per socket). */
  | { type: "open"; cluster_id: string }
  /** One command line, as typed (a leading `kubectl` is optional). */
  | { type: "line"; text: string }
  /** Cancel the running command (Ctrl-C); ignored when none runs. */
  | { type: "cancel" };

/**
 * How a line ended: a command's status (`success`, `failure`, `timeout`,
 * `denied`, `cancelled`), `refused` (it never became a command: shell
 * syntax, an unparsable or over-long line, a cluster with no agent...),
 * `noted` (a `#` comment, recorded), `empty` (nothing typed).
 */
export type TerminalEndStatus = "success" | "failure" | "timeout" | "denied" | "cancelled" | "refused" | "noted" | "empty";

/** The last message of a line. */
export interface TerminalEnd {
  type: "end";
  status: TerminalEndStatus;
  /** The command it became, if it became one (its replay and `GET /debug/result/{id}`). */
  command_id?: string;
  /** A result code (`POLICY_DENIED`, `CANCELLED`, `STREAM_TIME_BUDGET`...) or, for `refused`, the error code. */
  code?: string;
  exit_code?: number;
  /** The policy that denied it. */
  policy?: string;
  /** Why it was denied or refused, or kubectl's stderr. */
  error?: string;
  truncated?: boolean;
  duration_ms?: number;
}

/** Server to client. */
export type TerminalServerMessage =
  | { type: "ready"; session_id: string; cluster_id: string; idle_seconds: number; max_seconds: number }
  | { type: "output"; command_id: string; data: string }
  | TerminalEnd
  /** A message the server could not take (the socket stays open), or why it is about to close it. */
  | { type: "error"; code: string; error: string };
