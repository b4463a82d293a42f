/**
 * kubectl's human-readable table output from server-side Tables
 * (cli-runtime's table printer over its tabwriter).
 *
 * Guarantees, matching kubectl v1.32:
 * - columns of priority > 0 only with `-o wide`; headers upper-cased; the
 *   header is not printed for a table without rows;
 * - NAMESPACE first (from the row's metadata) with `-A`, `-L` label columns
 *   (header: the key's last path segment, upper-cased) and LABELS with
 *   `--show-labels` last; `kind/` before names when several kinds print;
 * - a cell is cut at its first `\n`, `\r` or `\f` and gets `...`; ESC and a
 *   surviving `\r` are escaped (`^[`, `\r`) so output cannot drive a terminal;
 * - alignment by kubectl's tab writer (./_tabwriter.ts: minwidth 6, padding
 *   3, the last column never padded, a tab inside a cell starts a new column);
 *   widths are remembered across writes for watches (they only grow).
 */
import { formatLabels } from "../_labels.ts";
import type { KubeObject } from "../_types.ts";
import type { KubeTable } from "../client.ts";
import { createTabWriter } from "./_tabwriter.ts";
import { escapeTerminal } from "./_terminal.ts";

/**
 * kubectl's table writer (minwidth 6, padding 3, RememberWidths) fed one row
 * of cells at a time: cells are joined with tabs, so a tab inside a cell
 * starts a new column, as it does in kubectl.
 */
export class TabWriter {
  private readonly writer = createTabWriter();

  /** Queues one line of cells. */
  row(cells: readonly string[]): void {
    this.writer.write(`${cells.join("\t")}\n`);
  }

  /** Aligns and returns everything queued; widths grow and are kept for later flushes. */
  flush(): string {
    return this.writer.flush();
  }

  /** Forgets remembered widths (a new kind of table follows). */
  reset(): void {
    this.writer.reset();
  }
}

/** A cell as kubectl prints it: cut at a line break (marked `...`), terminal escapes neutralised. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s = typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  const cut = s.search(/[\n\r\f]/);
  const truncated = cut >= 0;
  if (truncated) s = s.slice(0, cut);
  s = escapeTerminal(s);
  return truncated ? `${s}...` : s;
}

/** How a table is decorated. */
export interface TableOptions {
  wide?: boolean;
  noHeaders?: boolean;
  /** Prefix a NAMESPACE column (`-A` on a namespaced type). */
  withNamespace?: boolean;
  /** Prefix names with `<kind>/` (lower-cased group kind: `deployment.apps`). */
  kind?: string;
  showLabels?: boolean;
  /** `-L` keys. */
  labelColumns?: readonly string[];
}

/**
 * The lines (cells) of one server Table as kubectl shows them: header first
 * unless `noHeaders` or there are no rows.
 */
export function tableLines(table: KubeTable, o: TableOptions): string[][] {
  const defs = table.columnDefinitions ?? [];
  const visible = defs.map((d, i) => ({ d, i })).filter(({ d }) => o.wide || !d.priority);
  const nameCol = o.kind ? defs.findIndex((d) => d.format === "name" && d.type === "string") : -1;
  const labelKeys = o.labelColumns ?? [];
  const lines: string[][] = [];
  const rows = table.rows ?? [];
  if (!o.noHeaders && rows.length > 0) {
    lines.push([
      ...(o.withNamespace ? ["NAMESPACE"] : []),
      ...visible.map(({ d }) => d.name.toUpperCase()),
      ...labelKeys.map((k) => (k.split("/").pop() ?? k).toUpperCase()),
      ...(o.showLabels ? ["LABELS"] : []),
    ]);
  }
  for (const row of rows) {
    const meta = row.object?.metadata as KubeObject["metadata"] | undefined;
    const cells = visible.map(({ i }) => {
      const cell = row.cells?.[i];
      return i === nameCol ? `${o.kind}/${formatCell(cell)}` : formatCell(cell);
    });
    lines.push([
      ...(o.withNamespace ? [formatCell(meta?.namespace ?? "")] : []),
      ...cells,
      ...labelKeys.map((k) => formatCell(meta?.labels?.[k] ?? "")),
      ...(o.showLabels ? [formatCell(formatLabels(meta?.labels))] : []),
    ]);
  }
  return lines;
}
