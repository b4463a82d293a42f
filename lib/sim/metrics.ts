/**
 * metrics.k8s.io/v1beta1 as metrics-server serves it: PodMetrics and
 * NodeMetrics derived from the pods and nodes in the store at request time, so
 * they follow every change to the cluster.
 *
 * Guarantees:
 * - Deterministic: a container's usage depends only on its pod, its name, its
 *   resources and its state (a hash, no clock and no randomness), so outputs of
 *   `kubectl top` are stable across runs.
 * - Consistent with the scenario: a container reports usage only while it runs
 *   or has just exited (metrics-server skips what the kubelet does not report),
 *   so pending pods, image-pull failures and crash-looping containers waiting
 *   to restart have no metrics; an OOMKilled container sits just under its
 *   memory limit; everything else uses a plausible fraction of its requests.
 * - Quantities are written in canonical form (`1234567n`, `45679Ki`), as Go's
 *   resource.Quantity would serialize them.
 * - A scenario's metric overrides win: an overridden pod reports exactly the
 *   containers and usage written (whatever its state), an overridden node its
 *   usage; a node's derived usage counts its pods' overrides.
 */
import { type KubeObject, hexOf, rfc3339 } from "./_k8s.ts";
import type { MetricOverrides } from "./_scenario-types.ts";

/** API version of every metrics object. */
export const METRICS_API_VERSION = "metrics.k8s.io/v1beta1";

interface ContainerSpecLike {
  name: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

interface TerminatedLike {
  reason?: string;
}

interface ContainerStatusLike {
  name: string;
  state?: { running?: object; waiting?: object; terminated?: TerminatedLike };
  lastState?: { terminated?: TerminatedLike };
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Parses a Kubernetes quantity (`250m`, `64Mi`, `2`, `1e3`) into base units; NaN when invalid. */
export function parseQuantity(q: string): number {
  const m = q.trim().match(/^([+-]?\d+(?:\.\d+)?)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? "";
  return n * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

/** CPU in nanocores as Go's Quantity prints it: the largest exact decimal suffix. */
export function formatCpu(nanos: number): string {
  const n = Math.round(nanos);
  if (n % 1e9 === 0) return String(n / 1e9);
  if (n % 1e6 === 0) return `${n / 1e6}m`;
  if (n % 1e3 === 0) return `${n / 1e3}u`;
  return `${n}n`;
}

/** Bytes as Go's Quantity prints a binary-SI value: the largest exact power-of-1024 suffix. */
export function formatBytes(bytes: number): string {
  let n = Math.round(bytes);
  for (const suffix of ["", "Ki", "Mi", "Gi", "Ti", "Pi"]) {
    if (n % 1024 !== 0 || suffix === "Pi") return `${n}${suffix}`;
    n /= 1024;
  }
  return String(n);
}

/** A stable fraction in [0, 1) for `key`. */
function unit(key: string): number {
  return parseInt(hexOf(`metrics:${key}`, 8), 16) / 2 ** 32;
}

/** Nanocores that never end in 000, so they print as `<n>n` like kubelet-reported usage. */
function jitterNanos(n: number, key: string): number {
  return Math.floor(n / 1000) * 1000 + 1 + Math.floor(unit(`${key}:n`) * 998);
}

/** Bytes that are an odd number of KiB, so they print as `<n>Ki` like kubelet-reported usage. */
function jitterBytes(b: number): number {
  const ki = Math.max(1, Math.floor(b / 1024));
  return (ki % 2 === 1 ? ki : ki + 1) * 1024;
}

const MI = 2 ** 20;

function resource(c: ContainerSpecLike, kind: "requests" | "limits", name: string): number | null {
  const v = c.resources?.[kind]?.[name];
  if (v === undefined) return null;
  const n = parseQuantity(v);
  return Number.isFinite(n) ? n : null;
}

function oomKilled(s: ContainerStatusLike): boolean {
  return s.state?.terminated?.reason === "OOMKilled" || s.lastState?.terminated?.reason === "OOMKilled";
}

/** Usage of one container in nanocores and bytes, or null when the kubelet would report none. */
function containerUsage(key: string, c: ContainerSpecLike, s: ContainerStatusLike | undefined): { cpu: number; memory: number } | null {
  if (!s || !(s.state?.running || s.state?.terminated)) return null;
  const cpuRequest = resource(c, "requests", "cpu") ?? resource(c, "limits", "cpu");
  const memRequest = resource(c, "requests", "memory") ?? resource(c, "limits", "memory");
  const memLimit = resource(c, "limits", "memory");
  const a = unit(`${key}:cpu`);
  const b = unit(`${key}:memory`);
  let cpu: number;
  let memory: number;
  if (oomKilled(s) && memLimit !== null) {
    // Its last sample before the kernel killed it: almost the whole limit, and busy.
    memory = memLimit * (0.94 + 0.05 * b);
    cpu = (cpuRequest ?? 0.1) * (0.6 + 0.35 * a);
  } else {
    memory = memRequest !== null ? memRequest * (0.2 + 0.35 * b) : (12 + 16 * b) * MI;
    cpu = cpuRequest !== null ? cpuRequest * (0.02 + 0.12 * a) : 0.001 + 0.003 * a;
  }
  return { cpu: jitterNanos(cpu * 1e9, key), memory: jitterBytes(memory) };
}

/** The window metrics-server reports: its scrape interval. */
const WINDOW = "15s";

/** When the sample was taken: a few seconds before `now`, stable per object. */
function sampleTime(key: string, now: number): string {
  return rfc3339(now - (3 + Math.floor(unit(`${key}:t`) * 10)) * 1000);
}

/** PodMetrics for `pod`, or null when none of its containers reports usage (not scheduled, waiting, ...). */
export function podMetrics(pod: KubeObject, now: number, overrides?: MetricOverrides): KubeObject | null {
  const ns = pod.metadata.namespace ?? "";
  const key = `${ns}/${pod.metadata.name}`;
  const spec = pod.spec as { containers?: ContainerSpecLike[]; nodeName?: string } | undefined;
  const status = pod.status as { containerStatuses?: ContainerStatusLike[] } | undefined;
  const override = overrides?.pods.get(key);
  const containers: { name: string; usage: { cpu: string; memory: string } }[] = [];
  if (override) {
    for (const [name, usage] of Object.entries(override)) containers.push({ name, usage: { ...usage } });
  } else {
    if (!spec?.nodeName || pod.metadata.deletionTimestamp) return null;
    for (const c of spec.containers ?? []) {
      const u = containerUsage(`${key}/${c.name}`, c, status?.containerStatuses?.find((s) => s.name === c.name));
      if (u) containers.push({ name: c.name, usage: { cpu: formatCpu(u.cpu), memory: formatBytes(u.memory) } });
    }
  }
  if (containers.length === 0) return null;
  return {
    kind: "PodMetrics",
    apiVersion: METRICS_API_VERSION,
    metadata: {
      name: pod.metadata.name,
      namespace: ns,
      creationTimestamp: rfc3339(now),
      ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
    } as KubeObject["metadata"],
    timestamp: sampleTime(key, now),
    window: WINDOW,
    containers,
  };
}

/**
 * NodeMetrics for `node`: the usage of the pods bound to it plus the system
 * (kubelet, container runtime, OS), which metrics-server counts too.
 */
export function nodeMetrics(node: KubeObject, pods: KubeObject[], now: number, overrides?: MetricOverrides): KubeObject {
  const name = node.metadata.name;
  let usage = overrides?.nodes.get(name);
  if (!usage) {
    let cpu = jitterNanos((0.09 + 0.07 * unit(`${name}:sys-cpu`)) * 1e9, name);
    let memory = jitterBytes((900 + 400 * unit(`${name}:sys-memory`)) * MI);
    for (const p of pods) {
      if ((p.spec as { nodeName?: string } | undefined)?.nodeName !== name) continue;
      for (const c of (podMetrics(p, now, overrides)?.containers ?? []) as { usage: { cpu: string; memory: string } }[]) {
        cpu += parseQuantity(c.usage.cpu) * 1e9;
        memory += parseQuantity(c.usage.memory);
      }
    }
    usage = { cpu: formatCpu(jitterNanos(cpu, `${name}:sum`)), memory: formatBytes(jitterBytes(memory)) };
  }
  return {
    kind: "NodeMetrics",
    apiVersion: METRICS_API_VERSION,
    metadata: {
      name,
      creationTimestamp: rfc3339(now),
      ...(node.metadata.labels ? { labels: node.metadata.labels } : {}),
    } as KubeObject["metadata"],
    timestamp: sampleTime(name, now),
    window: WINDOW,
    usage: { ...usage },
  };
}
