/**
 * The analyzer contract: a plain object, like a policy. An analyzer declares
 * the kinds it reads and turns one cluster snapshot into findings. It reads;
 * it never writes to the cluster, and what it returns is all that leaves the
 * agent (after the redaction policies).
 */
import type { LogTail, Snapshot, SnapshotKind } from "./snapshot.ts";

/** How bad a finding is: `critical` breaks serving now, `warning` will or may, `info` is worth knowing. */
export type Severity = "critical" | "warning" | "info";

/** Severities from worst to mildest (the order findings are sorted in). */
export const SEVERITIES: readonly Severity[] = ["critical", "warning", "info"];

/** One thing found wrong. */
export interface Finding {
  /** Stable identity of this finding: `<analyzer>/<code>/<namespace or _>/<Kind>/<name>[/<detail>]`. */
  id: string;
  /** The analyzer that reported it. */
  analyzer: string;
  /** Stable machine code (`CrashLoopBackOff`, `ServiceNoEndpoints`): what kind of fault. */
  code: string;
  severity: Severity;
  /** null for cluster-scoped objects (nodes). */
  namespace: string | null;
  /** The object the finding is about. */
  resource: { kind: string; name: string };
  /** One line naming the fault. */
  title: string;
  /** What shows it: status lines, event messages, last log lines (at most 12, each cut at 400 characters). */
  evidence: string[];
  /** Read commands (kubectl argv without the `kubectl` word) that show it; each one the read-only policy allows. */
  confirm: string[][];
  /** What to look at or change. Text only: nothing is ever written to the cluster. */
  hint: string;
}

/** What an analyzer may use besides the snapshot. */
export interface AnalyzeContext {
  /**
   * The last lines of a container's log (`previous` for the instance that
   * ended), at most `tail` (capped at 20). Empty when logs cannot be read or
   * this run's log budget is spent. Lines are redacted before they leave.
   */
  logTail: LogTail;
  /** The snapshot's clock (epoch ms): compare ages against it, never `Date.now()`. */
  now: number;
}

/** A diagnostics plugin. */
export interface Analyzer {
  /** kebab-case, unique among the analyzers an agent runs. */
  id: string;
  /** One line for listings. */
  description?: string;
  /**
   * The codes it reports, with their severity: docs/diagnostics.md lists
   * them and a test keeps each finding's code and severity in this table.
   */
  codes?: Readonly<Record<string, Severity>>;
  /** The snapshot kinds it reads; only the union of the running analyzers' kinds is read from the cluster. */
  kinds: readonly SnapshotKind[];
  /** Findings for the snapshot; may be async (log tails). A throw is recorded and the run goes on. */
  analyze(snapshot: Snapshot, context: AnalyzeContext): Finding[] | Promise<Finding[]>;
}

/** Returns the analyzer, typed (for plugin authors). */
export const defineAnalyzer = <A extends Analyzer>(analyzer: A): A => analyzer;

/** True when `x` has an analyzer's shape. */
export const isAnalyzer = (x: unknown): x is Analyzer =>
  typeof x === "object" && x !== null && typeof (x as Analyzer).id === "string" && Array.isArray((x as Analyzer).kinds) && typeof (x as Analyzer).analyze === "function";
