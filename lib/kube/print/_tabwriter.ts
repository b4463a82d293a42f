/**
 * Go's tab writer, the one algorithm behind every aligned output kubectl
 * prints: cli-runtime's printers (github.com/liggitt/tabwriter: minwidth 6,
 * padding 3, `RememberWidths`) for tables, events, api-resources and can-i,
 * and describe's `text/tabwriter` (minwidth 0, padding 2), which is the same
 * algorithm without remembered widths.
 *
 * Guarantees, as Go's `Writer.Write` and `Flush` behave with space padding
 * and no other flags:
 * - a cell is text terminated by `\t` or `\v`; the text after a line's last
 *   terminator is never padded;
 * - a column block is a run of consecutive lines that all have a terminated
 *   cell in that column; its cells are padded to the widest cell plus the
 *   padding, at least the minimum width;
 * - a line with a single cell (no tabs) flushes what came before it, and `\f`
 *   both ends the line and flushes: alignment restarts below;
 * - with remembered widths a column never gets narrower than it was earlier
 *   in the same writer (watches, successive tables of one command);
 * - widths count code points, as Go counts runes.
 */

/** How a {@link createTabWriter} aligns (Go's `NewWriter` arguments and flags). */
export interface TabWriterOptions {
  /**
   * The narrowest a padded cell gets, padding included.
   * @default 6 (kubectl's printers)
   */
  minWidth?: number;
  /**
   * Spaces added to the widest cell of a column block.
   * @default 3 (kubectl's printers)
   */
  padding?: number;
  /**
   * liggitt/tabwriter's `RememberWidths`: a column keeps the widest width it
   * had in earlier blocks and flushes of the same writer.
   * @default true (kubectl's printers)
   */
  rememberWidths?: boolean;
}

/** A stateful tab writer: text goes in with {@link GoTabWriter.write}, aligned text comes out of {@link GoTabWriter.flush}. */
export interface GoTabWriter {
  /** Go's `Write`: buffers text; complete lines may already be aligned (a line without tabs, `\f`). */
  write(text: string): void;
  /** Go's `Flush`: aligns everything buffered and returns the text produced since the last flush. */
  flush(): string;
  /** Forgets remembered widths (a new kind of table follows). */
  reset(): void;
}

interface Cell {
  text: string;
  /** Width in code points (Go counts runes). */
  width: number;
}

/** A tab writer with kubectl's printer settings unless `options` says otherwise. */
export function createTabWriter(options: TabWriterOptions = {}): GoTabWriter {
  const minWidth = options.minWidth ?? 6;
  const padding = options.padding ?? 3;
  const rememberWidths = options.rememberWidths ?? true;
  let out: string[] = [];
  let maxwidths: number[] = [];
  let lines: Cell[][] = [[]];
  let cur = "";
  let widths: number[] = [];

  const terminateCell = (): number => {
    const line = lines[lines.length - 1] as Cell[];
    line.push({ text: cur, width: runeCount(cur) });
    cur = "";
    return line.length;
  };

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i] as Cell[];
      for (let j = 0; j < line.length; j++) {
        const c = line[j] as Cell;
        out.push(c.text);
        if (j < widths.length) out.push(" ".repeat((widths[j] as number) - c.width));
      }
      // The last buffered line has no newline yet; its pending cell is empty at flush time.
      if (i + 1 !== lines.length) out.push("\n");
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let self = line0; self < line1; self++) {
      if (column >= (lines[self] as Cell[]).length - 1) continue;
      writeLines(line0, self);
      line0 = self;
      let width = minWidth;
      for (; self < line1; self++) {
        const line = lines[self] as Cell[];
        if (column >= line.length - 1) break;
        const w = (line[column] as Cell).width + padding;
        if (w > width) width = w;
      }
      if (rememberWidths) {
        if (maxwidths.length < widths.length) maxwidths.push(...widths.slice(maxwidths.length));
        if (maxwidths.length === widths.length) maxwidths.push(width);
        else if ((maxwidths[column] as number) > width) width = maxwidths[column] as number;
        else maxwidths[column] = width;
      }
      widths.push(width);
      format(line0, self);
      widths.pop();
      line0 = self;
    }
    writeLines(line0, line1);
  };

  const flushBuffered = (): void => {
    if (cur.length > 0) terminateCell();
    format(0, lines.length);
    lines = [[]];
    cur = "";
    widths = [];
  };

  return {
    write(text) {
      let start = 0;
      for (let i = 0; i < text.length; i++) {
        const ch = text.charCodeAt(i);
        // \t \v \n \f
        if (ch !== 9 && ch !== 11 && ch !== 10 && ch !== 12) continue;
        cur += text.slice(start, i);
        start = i + 1;
        const ncells = terminateCell();
        if (ch === 10 || ch === 12) {
          lines.push([]);
          // A single-cell line takes no part in alignment, so everything above it can be written.
          if (ch === 12 || ncells === 1) flushBuffered();
        }
      }
      cur += text.slice(start);
    },
    flush() {
      flushBuffered();
      const text = out.join("");
      out = [];
      return text;
    },
    reset() {
      maxwidths = [];
    },
  };
}

/**
 * Aligns tab-separated text in one go (write everything, flush once): with no
 * options exactly as kubectl's printers align it (minimum width 6, padding 3,
 * widths remembered across the blocks of `text`).
 */
export function formatTabbed(text: string, options?: TabWriterOptions): string {
  const w = createTabWriter(options);
  w.write(text);
  return w.flush();
}

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A surrogate pair is one code point; a lone surrogate counts as one (Go sees U+FFFD).
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
