/**
 * What the web terminal writes (browser side, pure): command output made
 * safe to show, and the notes around it.
 *
 * Output is text from the cluster (container logs included), so it may
 * hold escape sequences written by anyone who can log a line. A terminal
 * would obey them: move the cursor over the prompt, rewrite what was shown,
 * answer a status query with bytes that arrive as if typed. So output is
 * shown as text: colour sequences (SGR) are dropped, every other control
 * character is shown in caret notation (`^[`, `^M`), C1 controls as U+FFFD,
 * and newlines become CR LF.
 */

/** SGR (colours, bold...): dropped. */
const SGR = /\x1b\[[0-9;:]*m/g;

/** `data` as text for the terminal: no control sequence survives but newlines and tabs. */
export function terminalText(data: string): string {
  return data
    .replace(SGR, "")
    .replace(/\r\n/g, "\n")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => (c === "\x7f" ? "^?" : `^${String.fromCharCode(c.charCodeAt(0) + 64)}`))
    .replace(/[\u0080-\u009f]/g, "\ufffd")
    .replace(/\n/g, "\r\n");
}

/** Colours for the notes the terminal writes itself (ANSI 16, drawn through xterm's classes: no inline style). */
export const paint = {
  red: (s: string) => `\x1b[31m${s}\x1b[0m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[0m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[0m`,
};

/** How a line's end is shown under its output: the note to write (without a trailing newline), or "" for none. */
export function endNote(end: { status: string; code?: string; exit_code?: number; policy?: string; error?: string; truncated?: boolean }): string {
  const error = end.error ? terminalText(end.error.replace(/\n+$/, "")) : "";
  switch (end.status) {
    case "success":
      return end.truncated ? paint.yellow(`[output cut: ${end.code ?? "truncated"}]`) : "";
    case "failure":
      return [error ? paint.red(error) : "", paint.dim(`[exit ${end.exit_code ?? "?"}${end.code ? `, ${end.code}` : ""}]`)].filter(Boolean).join("\r\n");
    case "denied":
      return paint.red(`denied${end.policy ? ` by ${end.policy}` : ""}: ${error || "a policy refused the command"}`);
    case "refused":
      return paint.red(`${error || "refused"}${end.code && end.code !== "VALIDATION_FAILED" ? ` (${end.code})` : ""}`);
    case "cancelled":
      return paint.yellow("[cancelled]");
    case "timeout":
      return paint.yellow(`[timed out${error ? `: ${error}` : ""}]`);
    default:
      return "";
  }
}
