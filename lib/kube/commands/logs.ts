/**
 * `kubectl logs` natively: the pod log subresource, streamed as it arrives.
 *
 * Follows kubectl v1.32 (logs.go, polymorphichelpers): `POD [CONTAINER]` or
 * `TYPE/NAME` (a workload's first pod in kubectl's ByLogging order, with
 * "Found N pods, using pod/X" on stderr), `-l` (every matching pod, `--tail`
 * 10 unless given), the default container (the
 * `kubectl.kubernetes.io/default-container` annotation, else the first, with
 * "Defaulted container ..." on stderr), `--all-containers` (init, regular,
 * ephemeral), `--prefix`, and `-f` (several streams read at once, at most
 * `--max-log-requests`; one ends when its budget does).
 */
import type { ParsedCommand } from "../../kubectl/index.ts";
import type { KubeObject } from "../_types.ts";
import { releaseResponse } from "../transport.ts";
import { type CommandIO, type CommandOutcome, errorText, failed, flag, namespaceOf, ok, on } from "./_io.ts";

interface PodLike extends KubeObject {
  spec?: { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[]; ephemeralContainers?: { name: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[]; containerStatuses?: { restartCount?: number }[]; initContainerStatuses?: { restartCount?: number }[] };
}

const DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container";
/** The longest line held back to keep parallel streams' lines whole; a longer one goes out as it is. */
const MAX_HELD_LINE = 64 * 1024;

/** Pods first in kubectl's ByLogging order: scheduled, running, ready, ready longest, most restarts, oldest. */
export function byLogging(a: PodLike, b: PodLike): number {
  const assigned = (p: PodLike) => Boolean(p.spec?.nodeName);
  if (a.spec?.nodeName !== b.spec?.nodeName && (!assigned(a) || !assigned(b))) return assigned(a) ? -1 : 1;
  const phase = (p: PodLike) => ({ Running: 0, Unknown: 1, Pending: 2 } as Record<string, number>)[p.status?.phase ?? ""] ?? 3;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: PodLike) => p.status?.conditions?.find((c) => c.type === "Ready");
  const isReady = (p: PodLike) => ready(p)?.status === "True";
  if (isReady(a) !== isReady(b)) return isReady(a) ? -1 : 1;
  if (isReady(a) && isReady(b)) {
    const ta = Date.parse(ready(a)?.lastTransitionTime ?? "") || 0;
    const tb = Date.parse(ready(b)?.lastTransitionTime ?? "") || 0;
    if (ta !== tb) return (ta || Infinity) - (tb || Infinity);
  }
  const restarts = (p: PodLike) => Math.max(0, ...[...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])].map((c) => c.restartCount ?? 0));
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const ca = Date.parse(a.metadata.creationTimestamp ?? "") || Infinity;
  const cb = Date.parse(b.metadata.creationTimestamp ?? "") || Infinity;
  return ca - cb;
}

/** A label selector string from a workload's `spec.selector` (matchLabels/matchExpressions, or a Service's map). */
export function selectorOf(o: KubeObject): string | null {
  const sel = (o.spec as { selector?: unknown } | undefined)?.selector as
    | { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }
    | Record<string, string>
    | undefined;
  if (!sel) return null;
  const isLabelSelector = "matchLabels" in sel || "matchExpressions" in sel;
  const labels = (isLabelSelector ? (sel as { matchLabels?: Record<string, string> }).matchLabels : (sel as Record<string, string>)) ?? {};
  const parts = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`);
  for (const e of isLabelSelector ? ((sel as { matchExpressions?: { key: string; operator: string; values?: string[] }[] }).matchExpressions ?? []) : []) {
    const values = [...(e.values ?? [])].sort().join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(",") : null;
}

const containersOf = (p: PodLike) => ({
  regular: (p.spec?.containers ?? []).map((c) => c.name),
  init: (p.spec?.initContainers ?? []).map((c) => c.name),
  ephemeral: (p.spec?.ephemeralContainers ?? []).map((c) => c.name),
});

interface LogRequest {
  pod: PodLike;
  container: string;
}

export async function logs(cmd: ParsedCommand, io: CommandIO): Promise<CommandOutcome> {
  const namespace = namespaceOf(cmd, io);
  const selector = flag(cmd, "selector");
  const [resourceArg, inlineContainer] = cmd.positionals;
  const containerFlag = flag(cmd, "container");
  let stderr = "";
  if (!resourceArg && !selector) return failed("error: expected POD or TYPE/NAME is a required argument for the logs command");
  if (resourceArg && selector && cmd.positionals.length === 1) return failed("error: only a selector (-l) or a POD name is allowed");
  if (containerFlag && inlineContainer) return failed("error: only one of -c or an inline [CONTAINER] arg is allowed");
  const container = containerFlag ?? inlineContainer;
  const allContainers = on(cmd, "all-containers");
  if (allContainers && container) return failed(`error: --all-containers=true should not be specified with container name ${container}`);
  const since = flag(cmd, "since");
  // pflag parses a duration with Go's time.ParseDuration: a unit is required.
  if (since !== undefined && !GO_DURATION.test(since)) return failed(`Error: invalid argument "${since}" for "--since" flag: time: missing unit in duration "${since}"\nSee 'kubectl logs --help' for usage.`);
  if (flag(cmd, "since") && flag(cmd, "since-time")) return failed("error: at most one of `sinceTime` or `sinceSeconds` may be specified");
  const pods = io.client.reader;

  let targets: PodLike[];
  try {
    if (selector) {
      targets = (await pods.list({ group: "", resource: "pods" }, { namespace, labelSelector: selector, signal: io.signal })) as PodLike[];
      if (targets.length === 0) return ok(`No resources found in ${namespace} namespace.\n`);
    } else {
      const slash = resourceArg!.indexOf("/");
      const type = slash < 0 ? "pods" : resourceArg!.slice(0, slash);
      const name = slash < 0 ? resourceArg! : resourceArg!.slice(slash + 1);
      const r = await io.client.discovery.resolve(type, io.signal);
      if (!r) return failed(`error: the server doesn't have a resource type "${type}"`);
      const obj = await io.client.get(r, name, namespace, io.signal);
      if (!obj) return failed(`error: error from server (NotFound): ${r.group ? `${r.resource}.${r.group}` : r.resource} "${name}" not found in namespace "${namespace}"`);
      if (r.kind === "Pod" && r.group === "") targets = [obj as PodLike];
      else {
        const sel = selectorOf(obj);
        if (!sel) return failed(`error: cannot get the logs from ${r.kind}: selector for ${r.kind} not implemented`);
        const found = ((await pods.list({ group: "", resource: "pods" }, { namespace, labelSelector: sel, signal: io.signal })) as PodLike[]).sort(byLogging);
        if (found.length === 0) return failed(`error: timed out waiting for the condition`);
        if (found.length > 1) stderr += `Found ${found.length} pods, using pod/${found[0]!.metadata.name}\n`;
        targets = [found[0]!];
      }
    }
  } catch (e) {
    return failed(stderr + errorText(e));
  }

  const requests: LogRequest[] = [];
  for (const pod of targets) {
    const c = containersOf(pod);
    if (allContainers) {
      for (const name of [...c.init, ...c.regular, ...c.ephemeral]) requests.push({ pod, container: name });
      continue;
    }
    let chosen = container;
    const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER];
    if (!chosen && annotated) {
      if ([...c.regular, ...c.init, ...c.ephemeral].includes(annotated)) chosen = annotated;
      else stderr += `Default container name "${annotated}" not found in pod ${pod.metadata.name}\n`;
    }
    if (!chosen) {
      chosen = c.regular[0] ?? "";
      if (c.regular.length > 1 || c.init.length || c.ephemeral.length) {
        const all = [...c.regular, ...c.ephemeral.map((n) => `${n} (ephem)`), ...c.init.map((n) => `${n} (init)`)];
        stderr += `Defaulted container "${chosen}" out of: ${all.join(", ")}\n`;
      }
    }
    if (![...c.regular, ...c.init, ...c.ephemeral].includes(chosen)) return failed(`${stderr}error: container ${chosen} is not valid for pod ${pod.metadata.name}`);
    requests.push({ pod, container: chosen });
  }

  const follow = on(cmd, "follow");
  const maxRequests = Number(flag(cmd, "max-log-requests") ?? 5);
  if (follow && requests.length > 1 && requests.length > maxRequests) {
    return failed(`${stderr}error: you are attempting to follow ${requests.length} log streams, but maximum allowed concurrency is ${maxRequests}, use --max-log-requests to increase the limit`);
  }
  const tail = flag(cmd, "tail") ?? (selector ? "10" : undefined);
  const query = {
    follow: follow || undefined,
    previous: on(cmd, "previous") || undefined,
    timestamps: on(cmd, "timestamps") || undefined,
    tailLines: tail !== undefined && Number(tail) >= 0 ? Number(tail) : undefined,
    sinceSeconds: since ? Math.ceil(goDurationMs(since) / 1000) : undefined,
    sinceTime: flag(cmd, "since-time"),
    limitBytes: flag(cmd, "limit-bytes"),
  };
  const prefix = on(cmd, "prefix");
  const ignoreErrors = on(cmd, "ignore-errors");

  // Streams read at once (follow with several) pass whole lines, so their lines never interleave mid-line;
  // one stream at a time passes its bytes as they come (a line without end cannot grow the agent).
  const parallel = follow && requests.length > 1;
  const consume = async (req: LogRequest): Promise<string | null> => {
    const path = `/api/v1/namespaces/${encodeURIComponent(req.pod.metadata.namespace ?? namespace)}/pods/${encodeURIComponent(req.pod.metadata.name)}/log`;
    const res = await io.client.stream(path, { query: { ...query, container: req.container }, accept: "*/*", signal: io.signal });
    const lead = prefix ? `[pod/${req.pod.metadata.name}/${req.container}] ` : "";
    const decoder = new TextDecoder();
    let partial = "";
    let atLineStart = true;
    const write = (text: string): boolean => {
      if (!text) return true;
      const marked = lead ? (atLineStart ? lead : "") + text.replace(/\n(?=.)/gs, `\n${lead}`) : text;
      atLineStart = text.endsWith("\n");
      return io.out(marked);
    };
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const text = partial + decoder.decode(chunk, { stream: true });
        const cut = parallel && text.length < MAX_HELD_LINE ? text.lastIndexOf("\n") + 1 : text.length;
        partial = text.slice(cut);
        if (!write(text.slice(0, cut))) return null;
      }
      write(partial + decoder.decode());
      return null;
    } finally {
      releaseResponse(res);
    }
  };
  const run = async (req: LogRequest): Promise<string | null> => {
    try {
      return await consume(req);
    } catch (e) {
      if (io.signal.aborted) return null;
      return errorText(e);
    }
  };

  const errors: string[] = [];
  if (follow && requests.length > 1) {
    for (const e of await Promise.all(requests.map(run))) if (e) errors.push(e);
  } else {
    for (const req of requests) {
      const e = await run(req);
      if (e && !ignoreErrors) return failed(stderr + e);
      if (e) io.out(`${e}\n`);
    }
  }
  if (errors.length && !ignoreErrors) return failed(stderr + errors.join("\n"));
  return ok(stderr);
}

/** A Go duration with units (`1h30m`, `90s`, `250ms`, `0`). */
const GO_DURATION = /^(0|(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/;

/** Milliseconds of a Go duration (`1h30m`, `90s`, `250ms`). */
export function goDurationMs(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
}
