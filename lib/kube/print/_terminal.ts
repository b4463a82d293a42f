/**
 * cli-runtime's terminal escaping (printers/terminal.go), applied to every
 * value kubectl prints from an object: table cells, event columns, describe
 * output. An object's text can then never drive the reader's terminal
 * (kubernetes#101695).
 */

/** `printers.EscapeTerminal`: ESC becomes `^[` and CR becomes `\r`; everything else is kept. */
export function escapeTerminal(text: string): string {
  return text.replace(/[\x1b\r]/g, (c) => (c === "\x1b" ? "^[" : "\\r"));
}
