/**
 * Text helpers for the pages: ages, argv shown as a command line, and a
 * command line typed by a person split back into argv. Pure.
 */

/** "12s ago", "3m ago", "2h ago", "4d ago"; "never" for null; "just now" under a second or for a time ahead. */
export function ago(iso: string | number | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined || iso === "") return "never";
  const t = typeof iso === "number" ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return "unknown";
  const s = Math.floor((now - t) / 1000);
  if (s < 1) return "just now";
  if (s < 120) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

/** A time as local `YYYY-MM-DD HH:MM:SS`. */
export function clock(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === "") return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** argv as a command line a person can copy: `kubectl get pods -n 'my ns'`. */
export function argvText(argv: readonly string[] | null | undefined, prefix = "kubectl"): string {
  const quoted = (argv ?? []).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return [prefix, ...quoted].filter(Boolean).join(" ");
}

/**
 * A typed command line as argv: whitespace separates, single and double
 * quotes group, backslash escapes outside single quotes; a leading
 * `kubectl` is dropped. No shell is involved anywhere: this only splits.
 */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  if (out[0] === "kubectl") out.shift();
  return out;
}

/** A comma-separated list as trimmed, non-empty items. */
export const listOf = (text: string): string[] => text.split(",").map((s) => s.trim()).filter(Boolean);
