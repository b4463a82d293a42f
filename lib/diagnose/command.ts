/**
 * `diagnose` as the agent runs it: the command the grammar allowed (`diagnose
 * [-n NS | -A] [--analyzers a,b] [-o json]`) turned into a snapshot read and
 * an analyzer run, printed as JSON (what the API parses) or as text (`kubently
 * exec CLUSTER diagnose -n shop`). Exit code 2 means the request named an
 * analyzer this agent does not run.
 */
import type { NativeCommand } from "../kube/commands/index.ts";
import { LIMITS } from "../limits.ts";
import type { Analyzer } from "./analyzer.ts";
import { renderDiagnosis } from "./render.ts";
import { type Diagnosis, diagnoseCluster, selectAnalyzers } from "./run.ts";

/** Objects read past which a diagnosis asks the agent for a heap collection after it. */
const HEAVY_OBJECTS = 1_000;

/** The analyzer ids a `--analyzers` value names. */
export const analyzerIds = (value: string | true | undefined): string[] =>
  typeof value === "string" ? value.split(",").map((s) => s.trim()).filter((s) => s !== "") : [];

/**
 * The diagnosis as JSON no larger than `maxBytes`: past it the mildest
 * findings are dropped (the answer says `truncated`), so the API always gets
 * a document it can parse instead of one cut by the output cap.
 */
export function diagnosisJson(d: Diagnosis, maxBytes: number): string {
  let text = JSON.stringify(d);
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let keep = d.findings.length;
  while (keep > 0) {
    keep = Math.floor(keep * 0.8);
    text = JSON.stringify({ ...d, findings: d.findings.slice(0, keep), truncated: true });
    if (Buffer.byteLength(text) <= maxBytes) return text;
  }
  return JSON.stringify({ ...d, findings: [], truncated: true });
}

/** The native command that answers `diagnose` with these analyzers. */
export function diagnoseCommand(analyzers: readonly Analyzer[]): NativeCommand {
  return async (cmd, io) => {
    const ids = analyzerIds(cmd.flags.get("analyzers"));
    try {
      selectAnalyzers(analyzers, ids);
    } catch (e) {
      return { exitCode: 2, stderr: `error: ${(e as Error).message}\n` };
    }
    if (analyzers.length === 0) return { exitCode: 1, stderr: "error: this agent runs no analyzers\n" };
    const namespace = cmd.allNamespaces ? null : (cmd.namespace ?? io.client.namespace);
    const d = await diagnoseCluster(io.client, analyzers, { namespace, only: ids, signal: io.signal });
    // Room for the result envelope and for masks longer than what they replace.
    io.out(cmd.output === "json" ? `${diagnosisJson(d, LIMITS.maxOutputBytes - 64 * 1024)}\n` : renderDiagnosis(d));
    return { exitCode: 0, stderr: "", ...(d.analyzed.objects >= HEAVY_OBJECTS ? { heavy: true } : {}) };
  };
}
