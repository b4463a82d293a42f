/**
 * `kubectl top pod|node` natively, from metrics.k8s.io (v1beta1), printed
 * like kubectl v1.32's metrics printer: every cell tab-terminated (so the
 * last column is padded too), CPU in millicores (rounded up), memory in Mi
 * (integer division), node percentages of allocatable (or capacity with
 * `--show-capacity`), sorted by name or by `--sort-by` (largest first).
 */
import type { ParsedCommand } from "../../kubectl/index.ts";
import type { KubeObject } from "../_types.ts";
import { type Quantity, addQuantity, parseQuantity, quantityMilliValue, quantityValue, zeroQuantity } from "../describe/_quantity.ts";
import { TabWriter } from "../print/table.ts";
import { type CommandIO, type CommandOutcome, errorText, failed, flag, namespaceOf, ok, on } from "./_io.ts";

const METRICS = "/apis/metrics.k8s.io/v1beta1";
interface PodMetrics extends KubeObject {
  containers?: { name: string; usage?: Record<string, string> }[];
}
interface NodeMetrics extends KubeObject {
  usage?: Record<string, string>;
}

const milli = (q: Quantity | null) => (q ? quantityMilliValue(q) : 0n);
const value = (q: Quantity | null) => (q ? quantityValue(q) : 0n);

/** Exact CPU and memory quantities (rounded only when printed, as Go's Quantity does). */
interface Usage {
  cpu: Quantity;
  memory: Quantity;
}
const usageOf = (u: Record<string, string> | undefined): Usage => ({ cpu: parseQuantity(u?.cpu ?? "0") ?? zeroQuantity(), memory: parseQuantity(u?.memory ?? "0") ?? zeroQuantity() });
const add = (a: Usage, b: Usage): Usage => ({ cpu: addQuantity(a.cpu, b.cpu), memory: addQuantity(a.memory, b.memory) });
const ZERO: Usage = { cpu: zeroQuantity(), memory: zeroQuantity() };
const usageCells = (u: Usage) => [`${milli(u.cpu)}m`, `${value(u.memory) / (1024n * 1024n)}Mi`];

/** A pod's usage: the sum of its containers'. */
const podUsage = (m: PodMetrics): Usage => (m.containers ?? []).reduce((sum, c) => add(sum, usageOf(c.usage)), ZERO);

/** Largest first for `--sort-by`, else by `byName`; stable, as Go's insertion sort is for small lists. */
function sortBy<T>(items: T[], by: string | undefined, usage: (t: T) => Usage, byName: (a: T, b: T) => number): T[] {
  const key = (t: T) => (by === "cpu" ? milli(usage(t).cpu) : value(usage(t).memory));
  return items.sort((a, b) => (by === "cpu" || by === "memory" ? Number(key(b) - key(a)) : byName(a, b)));
}
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function metricsAvailable(io: CommandIO): Promise<boolean> {
  const gvs = await io.client.discovery.groupVersions(io.signal);
  return gvs.some((gv) => gv.group === "metrics.k8s.io" && gv.version === "v1beta1");
}

export async function topPod(cmd: ParsedCommand, io: CommandIO): Promise<CommandOutcome> {
  const all = cmd.allNamespaces;
  const namespace = namespaceOf(cmd, io);
  const name = cmd.positionals[0];
  if (name !== undefined && flag(cmd, "selector")) return failed("error: only one of NAME or selector can be provided");
  try {
    if (!(await metricsAvailable(io))) return failed("error: Metrics API not available");
    const base = all ? `${METRICS}/pods` : `${METRICS}/namespaces/${encodeURIComponent(namespace)}/pods`;
    let items: PodMetrics[];
    if (name !== undefined) items = [await io.client.getJson<PodMetrics>(`${base}/${encodeURIComponent(name)}`, { signal: io.signal })];
    else {
      const query = { labelSelector: flag(cmd, "selector"), fieldSelector: flag(cmd, "field-selector") };
      items = (await io.client.getJson<{ items?: PodMetrics[] }>(base, { query, signal: io.signal })).items ?? [];
    }
    let stderr = "";
    if (items.length === 0) stderr = all ? "No resources found\n" : `No resources found in ${namespace} namespace.\n`;
    const by = flag(cmd, "sort-by");
    sortBy(items, by, podUsage, (a, b) => (all && a.metadata.namespace !== b.metadata.namespace ? byString(a.metadata.namespace ?? "", b.metadata.namespace ?? "") : byString(a.metadata.name, b.metadata.name)));
    const containers = on(cmd, "containers");
    const tw = new TabWriter();
    const row = (cells: string[]) => tw.row([...cells, ""]);
    if (items.length && !on(cmd, "no-headers")) row([...(all ? ["NAMESPACE"] : []), ...(containers ? ["POD"] : []), "NAME", "CPU(cores)", "MEMORY(bytes)"]);
    for (const m of items) {
      const ns = all ? [m.metadata.namespace ?? ""] : [];
      if (!containers) row([...ns, m.metadata.name, ...usageCells(podUsage(m))]);
      else for (const c of sortBy([...(m.containers ?? [])], by, (c) => usageOf(c.usage), (a, b) => byString(a.name, b.name))) row([...ns, m.metadata.name, c.name, ...usageCells(usageOf(c.usage))]);
    }
    if (items.length && on(cmd, "sum")) {
      // kubectl widens the sum rows for NAMESPACE/POD only when it printed headers.
      const width = 3 + (on(cmd, "no-headers") ? 0 : (all ? 1 : 0) + (containers ? 1 : 0));
      row([...Array(width - 2).fill(""), "________", "________"]);
      const total = items.reduce((sum, m) => add(sum, podUsage(m)), ZERO);
      row([...Array(width - 3).fill(""), "", ...usageCells(total)]);
    }
    io.out(tw.flush());
    return ok(stderr);
  } catch (e) {
    return failed(errorText(e));
  }
}

export async function topNode(cmd: ParsedCommand, io: CommandIO): Promise<CommandOutcome> {
  const name = cmd.positionals[0];
  const selector = flag(cmd, "selector");
  try {
    if (!(await metricsAvailable(io))) return failed("error: Metrics API not available");
    const items =
      name !== undefined
        ? [await io.client.getJson<NodeMetrics>(`${METRICS}/nodes/${encodeURIComponent(name)}`, { signal: io.signal })]
        : ((await io.client.getJson<{ items?: NodeMetrics[] }>(`${METRICS}/nodes`, { query: { labelSelector: selector }, signal: io.signal })).items ?? []);
    if (items.length === 0) return failed("error: metrics not available yet");
    const nodes = (await io.client.reader.list({ group: "", resource: "nodes" }, { ...(selector ? { labelSelector: selector } : {}), signal: io.signal })).filter((n) => name === undefined || n.metadata.name === name);
    const field = on(cmd, "show-capacity") ? "capacity" : "allocatable";
    const available = new Map(nodes.map((n) => [n.metadata.name, ((n.status as Record<string, Record<string, string>> | undefined)?.[field] ?? {})]));
    sortBy(items, flag(cmd, "sort-by"), (m) => usageOf(m.usage), (a, b) => byString(a.metadata.name, b.metadata.name));
    const tw = new TabWriter();
    const row = (cells: string[]) => tw.row([...cells, ""]);
    if (!on(cmd, "no-headers")) row(["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]);
    const percent = (used: Quantity, of: string | undefined) => {
      const total = parseQuantity(of ?? "");
      // kubectl divides milli-values as floats and truncates.
      return total ? [`${Math.trunc((Number(milli(used)) / Number(milli(total))) * 100)}%`] : [];
    };
    for (const m of items) {
      const avail = available.get(m.metadata.name);
      const u = usageOf(m.usage);
      const [c, mem] = usageCells(u);
      row([m.metadata.name, c!, ...(avail ? percent(u.cpu, avail.cpu) : []), mem!, ...(avail ? percent(u.memory, avail.memory) : [])]);
      available.delete(m.metadata.name);
    }
    // Nodes without metrics (kubectl lists them from a map: in no set order).
    for (const missing of available.keys()) row([missing, "<unknown>", "<unknown>", "<unknown>", "<unknown>"]);
    io.out(tw.flush());
    return ok();
  } catch (e) {
    return failed(errorText(e));
  }
}
