/**
 * `kubently diagnose`: runs the cluster's analyzers through the API and prints
 * what they found, worst first, with evidence, a hint and the kubectl commands
 * that confirm each finding (`kubently exec CLUSTER -- <confirm>`).
 */
import type { DiagnoseView } from "../lib/client.ts";
import { renderDiagnosis } from "../lib/diagnose/render.ts";
import type { Diagnosis } from "../lib/diagnose/run.ts";
import { CONNECTION_USAGE, EXIT, UsageError, clientFor, intFlag, listFlag, paint, print, printErr, printJson, required, type CliVerb } from "./_cli.ts";

const USAGE = `Usage: kubently diagnose CLUSTER [CLUSTER...] [flags]

Runs the analyzers of each cluster's agent over one snapshot of the cluster
(or of one namespace) and prints what is wrong, worst first: each finding with
its evidence, a hint, and read-only kubectl commands that confirm it.
Nothing is changed in the cluster.

  kubently diagnose prod
  kubently diagnose prod -n shop
  kubently diagnose prod staging --analyzers crash-loop,image-pull -o json

Flags:
  -n, --namespace NS     one namespace (default: the whole cluster; a key scoped to
                         one namespace reads that one)
  --analyzers IDS        comma-separated analyzer ids (default: all the agent runs)
  -o, --output FORMAT    text (default) or json (the API's answer)
  --timeout S            seconds for the whole diagnosis (1-30, default 10)
  --fail-on SEVERITY     exit 1 when a finding is at least this bad: critical, warning or info
  --wait-for-agent       queue even when the cluster's agent is not connected

Exit codes: 0 done (findings or not, unless --fail-on), 1 --fail-on matched, or
the diagnosis failed or timed out, 2 usage, connection or API error, 3 denied by a policy.

${CONNECTION_USAGE}`;

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;
type Severity = keyof typeof SEVERITY_RANK;

/** The painter the renderer gets: the CLI's ANSI colors on a terminal, none in pipes. */
const painter = (style: "bold" | "dim" | "red" | "yellow" | "cyan" | "green", text: string) => paint(process.stdout, style, text);

/** Prints one cluster's diagnosis; answers its exit code. */
async function show(view: DiagnoseView, failOn: Severity | undefined, heading: boolean): Promise<number> {
  if (heading) await print(paint(process.stdout, "bold", `== ${view.cluster_id} ==`));
  if (!view.success || !view.analyzed) {
    const why = view.status === "denied" ? `denied by policy "${view.policy ?? "unknown"}": ${view.error ?? "no reason given"}` : `the diagnosis ended ${view.status}${view.code ? ` (${view.code})` : ""}: ${view.error ?? "no detail"}`;
    await printErr(paint(process.stderr, view.status === "denied" ? "yellow" : "red", `${view.cluster_id}: ${why}`));
    return view.status === "denied" ? EXIT.denied : EXIT.failed;
  }
  await print(renderDiagnosis(view as unknown as Diagnosis, painter).trimEnd());
  const bad = failOn !== undefined && view.findings.some((f) => SEVERITY_RANK[f.severity] <= SEVERITY_RANK[failOn]);
  return bad ? EXIT.failed : EXIT.ok;
}

/** `kubently diagnose CLUSTER [CLUSTER...] [-n NS] [--analyzers IDS] [-o json] [--fail-on SEVERITY]` */
export const diagnose: CliVerb = {
  summary: "find what is wrong in a cluster: analyzers with evidence and confirm commands",
  usage: USAGE,
  flags: {
    namespace: { type: "string", short: "n" },
    analyzers: { type: "string" },
    output: { type: "string", short: "o" },
    timeout: { type: "string" },
    "fail-on": { type: "string" },
    "wait-for-agent": { type: "boolean" },
  },
  async run({ config, flags, args }) {
    required(args, 0, "the cluster (kubently diagnose CLUSTER)", "diagnose");
    const output = flags.output ?? "text";
    if (output !== "text" && output !== "json") throw new UsageError(`--output must be text or json, not "${String(output)}"`);
    const failOn = flags["fail-on"];
    if (failOn !== undefined && !(typeof failOn === "string" && failOn in SEVERITY_RANK)) throw new UsageError(`--fail-on must be critical, warning or info, not "${String(failOn)}"`);
    const timeoutSeconds = intFlag(flags, "timeout");
    const analyzers = listFlag(flags, "analyzers");
    const common = {
      ...(typeof flags.namespace === "string" ? { namespace: flags.namespace } : {}),
      ...(analyzers?.length ? { analyzers } : {}),
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    };
    const client = clientFor(config);
    if (args.length === 1) {
      const view = await client.diagnose({ clusterId: args[0]!, ...common, ...(flags["wait-for-agent"] ? {} : { requireAgent: true }) });
      if (output === "json") {
        await printJson(view);
        return view.success ? EXIT.ok : view.status === "denied" ? EXIT.denied : EXIT.failed;
      }
      return show(view, failOn as Severity | undefined, false);
    }
    const fan = await client.diagnoseFanout({ clusterIds: args, ...common });
    if (output === "json") {
      await printJson(fan);
      return fan.succeeded === fan.count ? EXIT.ok : EXIT.failed;
    }
    let code: number = EXIT.ok;
    for (const [i, r] of fan.results.entries()) {
      if (i > 0) await print("");
      if ("command_id" in r) code = Math.max(code, await show(r, failOn as Severity | undefined, true));
      else {
        await print(paint(process.stdout, "bold", `== ${r.cluster_id} ==`));
        await printErr(paint(process.stderr, "red", `${r.cluster_id}: error (${r.code}): ${r.error}`));
        code = Math.max(code, EXIT.error);
      }
    }
    return code;
  },
};
