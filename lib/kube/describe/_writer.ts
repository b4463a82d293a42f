/**
 * kubectl's describe output machinery: a PrefixWriter (two spaces per level,
 * terminal escapes neutralised) feeding Go's `text/tabwriter` configured as
 * kubectl configures it (minwidth 0, padding 2, pad with spaces, no flags).
 */
import { formatTabbed } from "../print/_tabwriter.ts";
import { escapeTerminal } from "../print/_terminal.ts";

/** Writes text at an indentation level; the text may contain tabs (cell ends) and newlines. */
export interface PrefixWriter {
  /** Go's `Write(level, format, ...)`: `text` prefixed with two spaces per level. */
  write(level: number, text: string): void;
  /** Go's `WriteLine(a)`: `text` and a newline, no indentation. */
  line(text: string): void;
}

/** Indentation levels used by kubectl's describers. */
export const LEVEL_0 = 0;
export const LEVEL_1 = 1;
export const LEVEL_2 = 2;
export const LEVEL_3 = 3;

/** A writer that indents every write by `indent` more levels (Go's `NewNestedPrefixWriter`). */
export function nestedWriter(w: PrefixWriter, indent: number): PrefixWriter {
  return {
    write: (level, text) => w.write(level + indent, text),
    line: (text) => w.write(indent, `${text}\n`),
  };
}

/**
 * Runs `render` against a fresh PrefixWriter and returns the aligned text,
 * like kubectl's `tabbedString`.
 */
export function tabbed(render: (w: PrefixWriter) => void): string {
  let buf = "";
  const w: PrefixWriter = {
    write(level, text) {
      buf += escapeTerminal("  ".repeat(Math.max(0, level)) + text);
    },
    line(text) {
      buf += escapeTerminal(`${text}\n`);
    },
  };
  render(w);
  return alignTabs(buf);
}

/**
 * Go's `text/tabwriter` as kubectl's describers configure it (minwidth 0,
 * padding 2, space padding, no flags): the printers' tab writer
 * (../print/_tabwriter.ts) without remembered widths. A cell is text
 * terminated by a tab; a column block is a run of consecutive lines that all
 * have a cell in that column, and every cell of a block is padded to the
 * block's widest cell plus two. Text after a line's last tab is never padded.
 * Widths count runes, as Go does.
 */
export function alignTabs(text: string): string {
  return formatTabbed(text, { minWidth: 0, padding: 2, rememberWidths: false });
}
