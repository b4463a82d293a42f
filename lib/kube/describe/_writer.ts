/**
 * kubectl's describe output machinery: a PrefixWriter (two spaces per level,
 * terminal escapes neutralised) feeding Go's `text/tabwriter` configured as
 * kubectl configures it (minwidth 0, padding 2, pad with spaces, no flags).
 */

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

/**
 * cli-runtime's `WriteEscaped`: ESC becomes `^[` and CR becomes `\r`, so an
 * object cannot drive the reader's terminal (kubernetes#101695).
 */
export function escapeTerminal(text: string): string {
  return text.replace(/[\x1b\r]/g, (c) => (c === "\x1b" ? "^[" : "\\r"));
}

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

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const PADDING = 2;

/**
 * Go's `text/tabwriter` with minwidth 0, padding 2 and space padding: a cell is
 * text terminated by a tab; a column block is a run of consecutive lines that
 * all have a cell in that column, and every cell of a block is padded to the
 * block's widest cell plus two. Text after a line's last tab is never padded.
 * Widths count runes, as Go does.
 */
export function alignTabs(text: string): string {
  const lines = text.split("\n").map((l) => l.split("\t"));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i] ?? [];
      let s = "";
      for (let j = 0; j < cells.length; j++) {
        const c = cells[j] ?? "";
        s += c;
        const width = widths[j];
        if (j < widths.length && width !== undefined) s += " ".repeat(Math.max(0, width - runeCount(c)));
      }
      out.push(i + 1 === lines.length ? s : `${s}\n`);
    }
  };

  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= (lines[t]?.length ?? 0) - 1) continue;
      writeLines(line0, t);
      line0 = t;
      let width = 0;
      for (; t < line1; t++) {
        const cells = lines[t] ?? [];
        if (column >= cells.length - 1) break;
        const w = runeCount(cells[column] ?? "") + PADDING;
        if (w > width) width = w;
      }
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join("");
}
