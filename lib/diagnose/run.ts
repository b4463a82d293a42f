/**
 * Runs analyzers over one snapshot. Deterministic: findings are sorted
 * (severity, namespace, kind, name, code, id) and the same snapshot gives the
 * same answer. A failing analyzer is recorded and the run goes on.
 */
import type { KubeClient } from "../kube/index.ts";
import { type Analyzer, type AnalyzeContext, type Finding, SEVERITIES, type Severity } from "./analyzer.ts";
import { ALL_SNAPSHOT_KINDS, type Snapshot, type SnapshotKind, clusterLogTail, loadSnapshot } from "./snapshot.ts";

/** Findings one answer carries; past it the mildest are dropped and `truncated` is set. */
export const MAX_FINDINGS = 500;

/** The answer of a diagnosis (the REST body of `POST /debug/diagnose`, per cluster). */
export interface Diagnosis {
  findings: Finding[];
  summary: Record<Severity, number> & { total: number };
  analyzed: {
    /** The namespace read, or null for the whole cluster. */
    namespace: string | null;
    kinds: SnapshotKind[];
    objects: number;
    analyzers: string[];
    /** Kinds the cluster did not serve or the agent may not read. */
    unavailable?: SnapshotKind[];
    /** Kinds with more objects than a snapshot holds. */
    truncated?: SnapshotKind[];
  };
  /** Analyzers that failed, with why; the others' findings stand. */
  errors?: { analyzer: string; error: string }[];
  /** More findings existed than {@link MAX_FINDINGS}. */
  truncated?: boolean;
  duration_ms: number;
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Sorts findings the way every answer lists them. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      rank(a.severity) - rank(b.severity) ||
      cmp(a.namespace ?? "", b.namespace ?? "") ||
      cmp(a.resource.kind, b.resource.kind) ||
      cmp(a.resource.name, b.resource.name) ||
      cmp(a.code, b.code) ||
      cmp(a.id, b.id),
  );
}

/** The kinds a set of analyzers reads. */
export const kindsOf = (analyzers: readonly Analyzer[]): SnapshotKind[] => ALL_SNAPSHOT_KINDS.filter((k) => analyzers.some((a) => a.kinds.includes(k)));

/**
 * Picks the analyzers a request names (all when `ids` is empty or absent).
 * Throws a TypeError naming an unknown id and the known ones.
 */
export function selectAnalyzers(all: readonly Analyzer[], ids?: readonly string[]): Analyzer[] {
  if (!ids || ids.length === 0) return [...all];
  const known = new Map(all.map((a) => [a.id, a]));
  return [...new Set(ids)].map((id) => {
    const a = known.get(id);
    if (!a) throw new TypeError(`unknown analyzer "${id}" (this agent runs: ${[...known.keys()].sort().join(", ") || "none"})`);
    return a;
  });
}

/** Runs analyzers over a snapshot. */
export async function analyze(snapshot: Snapshot, analyzers: readonly Analyzer[], context: Partial<AnalyzeContext> = {}): Promise<Diagnosis> {
  const started = performance.now();
  const ctx: AnalyzeContext = { now: context.now ?? snapshot.takenAt, logTail: context.logTail ?? (async () => []) };
  const all: Finding[] = [];
  const errors: { analyzer: string; error: string }[] = [];
  const seen = new Set<string>();
  for (const a of analyzers) {
    try {
      const found = await a.analyze(snapshot, ctx);
      for (const f of Array.isArray(found) ? found : []) {
        // One finding per id: a duplicate from the same analyzer adds nothing.
        if (seen.has(f.id)) continue;
        seen.add(f.id);
        all.push(f);
      }
    } catch (e) {
      errors.push({ analyzer: a.id, error: e instanceof Error ? e.message : String(e) });
    }
  }
  sortFindings(all);
  const findings = all.slice(0, MAX_FINDINGS);
  const summary = { critical: 0, warning: 0, info: 0, total: all.length };
  for (const f of all) summary[f.severity]++;
  return {
    findings,
    summary,
    analyzed: {
      namespace: snapshot.namespace,
      kinds: [...snapshot.kinds],
      objects: snapshot.size,
      analyzers: analyzers.map((a) => a.id),
      ...(snapshot.unavailable.length ? { unavailable: [...snapshot.unavailable] } : {}),
      ...(snapshot.truncated.length ? { truncated: [...snapshot.truncated] } : {}),
    },
    ...(errors.length ? { errors } : {}),
    ...(all.length > findings.length ? { truncated: true } : {}),
    duration_ms: Math.round(performance.now() - started),
  };
}

/** Options for {@link diagnoseCluster}. */
export interface DiagnoseOptions {
  namespace?: string | null;
  /** Analyzer ids to run (all when absent). */
  only?: readonly string[];
  signal?: AbortSignal;
}

/** Reads a snapshot of what the analyzers need and runs them: the agent's side of `diagnose`. */
export async function diagnoseCluster(client: KubeClient, analyzers: readonly Analyzer[], options: DiagnoseOptions = {}): Promise<Diagnosis> {
  const started = performance.now();
  const chosen = selectAnalyzers(analyzers, options.only);
  const snapshot = await loadSnapshot(client, { namespace: options.namespace ?? null, kinds: kindsOf(chosen), ...(options.signal ? { signal: options.signal } : {}) });
  const diagnosis = await analyze(snapshot, chosen, { logTail: clusterLogTail(client, options.signal) });
  return { ...diagnosis, duration_ms: Math.round(performance.now() - started) };
}
