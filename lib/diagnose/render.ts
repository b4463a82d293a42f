/**
 * A diagnosis as text for people: a summary line, then each finding with its
 * evidence, hint and the commands that confirm it. Used by the agent for
 * `diagnose` without `-o json` and by the CLI (which passes a painter).
 */
import { quoteArg } from "../kubectl/command-line.ts";
import type { Finding, Severity } from "./analyzer.ts";
import type { Diagnosis } from "./run.ts";

/** Paints a span of text (the CLI's ANSI colors); the identity by default. */
export type Painter = (style: "bold" | "dim" | "red" | "yellow" | "cyan" | "green", text: string) => string;

const plain: Painter = (_s, text) => text;

const LABEL: Record<Severity, { text: string; style: "red" | "yellow" | "cyan" }> = {
  critical: { text: "CRITICAL", style: "red" },
  warning: { text: "WARNING ", style: "yellow" },
  info: { text: "INFO    ", style: "cyan" },
};

const where = (d: Pick<Diagnosis, "analyzed">) => (d.analyzed.namespace ? `namespace ${d.analyzed.namespace}` : "the cluster");
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The one-line summary: `2 critical, 1 warning in namespace shop (143 objects, 17 analyzers, 87 ms)`. */
export function summaryLine(d: Diagnosis, paint: Painter = plain): string {
  const scope = `${plural(d.analyzed.objects, "object")}, ${plural(d.analyzed.analyzers.length, "analyzer")}, ${d.duration_ms} ms`;
  if (d.summary.total === 0) return `${paint("green", "No problems found")} in ${where(d)} (${scope})`;
  const parts = (["critical", "warning", "info"] as const).filter((s) => d.summary[s] > 0).map((s) => paint(LABEL[s].style, `${d.summary[s]} ${s}`));
  return `${parts.join(", ")} in ${where(d)} (${scope})`;
}

/** One finding as a block of lines. */
export function renderFinding(f: Finding, paint: Painter = plain): string {
  const label = LABEL[f.severity];
  const object = `${f.resource.kind} ${f.namespace ? `${f.namespace}/` : ""}${f.resource.name}`;
  const lines = [`${paint(label.style, label.text)}  ${paint("bold", f.title)}`, `          ${paint("dim", `${object} · ${f.code} · ${f.analyzer}`)}`];
  for (const e of f.evidence) lines.push(`          - ${e}`);
  if (f.hint) lines.push(`          ${paint("bold", "hint:")} ${f.hint}`);
  for (const argv of f.confirm) lines.push(`          ${paint("dim", "$")} kubectl ${argv.map(quoteArg).join(" ")}`);
  return lines.join("\n");
}

/** The whole diagnosis as text, ending with a newline. */
export function renderDiagnosis(d: Diagnosis, paint: Painter = plain): string {
  const out = [summaryLine(d, paint)];
  for (const f of d.findings) out.push("", renderFinding(f, paint));
  if (d.truncated) out.push("", paint("dim", `(${d.summary.total - d.findings.length} more findings not shown)`));
  if (d.errors?.length) out.push("", ...d.errors.map((e) => paint("yellow", `analyzer ${e.analyzer} failed: ${e.error}`)));
  if (d.analyzed.unavailable?.length) out.push("", paint("dim", `not readable here: ${d.analyzed.unavailable.join(", ")}`));
  return `${out.join("\n")}\n`;
}
