/**
 * Shared by the analyzer tests: a snapshot from a flat list of objects, one
 * analyzer's run over it, and the check that every confirm command is one
 * the default read-only policy allows.
 */
import { expect } from "bun:test";
import { readOnly } from "../plugins/read-only.ts";
import { type Analyzer, type Finding, type SnapshotKind, SNAPSHOT_KINDS, analyze, confirm, containerStatuses, createSnapshot, defineAnalyzer, finding } from "../lib/diagnose/index.ts";
import type { KubeObject } from "../lib/kube/index.ts";

const KIND_TO_SNAPSHOT = new Map<string, SnapshotKind>(
  (Object.entries(SNAPSHOT_KINDS) as [SnapshotKind, { kind: string }][]).map(([k, v]) => [v.kind, k]),
);

/** The snapshot kind an object belongs to, by its `kind`. */
export function snapshotKindOf(o: KubeObject): SnapshotKind {
  const k = KIND_TO_SNAPSHOT.get(String(o.kind));
  if (!k) throw new Error(`no snapshot kind holds ${String(o.kind)}`);
  return k;
}

/** Fixed clock for analyzer tests. */
export const NOW = Date.parse("2026-06-01T12:00:00Z");

/** An RFC 3339 time `seconds` before {@link NOW}. */
export const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Log lines by `namespace/pod/container` (and `.../previous`). */
export type Logs = Record<string, string[]>;

/** Runs analyzers over objects; every snapshot kind is read (empty when no object has it). */
export async function runAnalyzers(analyzers: Analyzer[], objects: KubeObject[], o: { logs?: Logs; namespace?: string | null; unavailable?: SnapshotKind[] } = {}) {
  const byKind: Partial<Record<SnapshotKind, KubeObject[]>> = {};
  for (const k of Object.keys(SNAPSHOT_KINDS) as SnapshotKind[]) if (!o.unavailable?.includes(k)) byKind[k] = [];
  for (const obj of objects) (byKind[snapshotKindOf(obj)] ??= []).push(obj);
  const snapshot = createSnapshot({ namespace: o.namespace ?? null, takenAt: NOW, objects: byKind, unavailable: o.unavailable ?? [] });
  const logs = o.logs ?? {};
  return analyze(snapshot, analyzers, {
    now: NOW,
    logTail: async ({ namespace, pod, container, previous, tail }) => (logs[`${namespace}/${pod}/${container}${previous ? "/previous" : ""}`] ?? []).slice(-(tail ?? 5)),
  });
}

/** One analyzer's findings over objects. */
export async function findingsOf(analyzer: Analyzer, objects: KubeObject[], o: { logs?: Logs; namespace?: string | null; unavailable?: SnapshotKind[] } = {}): Promise<Finding[]> {
  const d = await runAnalyzers([analyzer], objects, o);
  if (d.errors?.length) throw new Error(`analyzer failed: ${d.errors.map((e) => e.error).join("; ")}`);
  return d.findings;
}

const policy = readOnly();

/** Every confirm command is allowed by the default read-only policy, and every code is one the analyzer declares. */
export async function expectWellFormed(analyzer: Analyzer, findings: Finding[]): Promise<void> {
  for (const f of findings) {
    expect(f.analyzer).toBe(analyzer.id);
    if (analyzer.codes) expect(analyzer.codes[f.code]).toBe(f.severity);
    expect(f.confirm.length).toBeGreaterThan(0);
    for (const argv of f.confirm) {
      const decision = await policy.before!({ argv } as never);
      expect({ argv, decision }).toEqual({ argv, decision: { effect: "allow" } });
    }
  }
}

/**
 * A small analyzer for the protocol suites, which must not depend on the
 * built-ins: containers waiting with a reason (the default scenario has a
 * crash loop in shop and an image pull in payments).
 */
export const waitingAnalyzer = defineAnalyzer({
  id: "waiting",
  kinds: ["pods"],
  codes: { ContainerWaiting: "warning" },
  analyze: (s) =>
    s.list("pods").flatMap((p) =>
      containerStatuses(p)
        .filter((c) => c.state.waiting?.reason)
        .map((c) =>
          finding("waiting", {
            code: "ContainerWaiting",
            severity: "warning",
            kind: "Pod",
            namespace: p.metadata.namespace,
            name: p.metadata.name,
            detail: c.name,
            title: `${c.name} waits: ${c.state.waiting!.reason}`,
            evidence: [c.state.waiting!.message ?? ""],
            confirm: [confirm.describe("pod", p.metadata.name, p.metadata.namespace)],
            hint: "see the reason",
          }),
        ),
    ),
});
