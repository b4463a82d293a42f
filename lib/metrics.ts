/**
 * A tiny Prometheus registry: counters and one latency histogram, rendered in
 * the text exposition format at `/metrics`. No dependency, no label explosion:
 * labels are fixed small sets (status, route class, backend store).
 */
import type { Backend } from "./contracts.ts";

const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

/** The metrics of one Kubently instance. */
export interface Metrics {
  /** Adds 1 to a counter with the given labels. */
  inc(name: string, labels?: Record<string, string>): void;
  /** Adds `n` to a counter with the given labels. */
  add(name: string, n: number, labels?: Record<string, string>): void;
  /** Records one command duration in ms. */
  observe(name: string, ms: number): void;
  /** Prometheus text exposition. */
  render(): string;
}

const key = (name: string, labels: Record<string, string> = {}) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`);
  return parts.length ? `${name}{${parts.join(",")}}` : name;
};

/** Options for {@link createMetrics}. */
export interface MetricsOptions {
  /**
   * A backend whose `stats()` (when it has one) is read at every render:
   * `kubently_backend_dropped_total{store}` (entries dropped, or pushes
   * refused, to stay within its bounds), `kubently_backend_entries{store}`
   * and `kubently_backend_bytes{store}` (what it holds now).
   */
  backend?: Pick<Backend, "name" | "stats">;
}

/** Prometheus lines for a backend's {@link Backend.stats}; none when it keeps no stats. */
export function renderBackendStats(backend: Pick<Backend, "name" | "stats">): string[] {
  const stats = backend.stats?.();
  if (!stats) return [];
  const labels = (store: string) => key("", { backend: backend.name, store });
  const lines = ["# TYPE kubently_backend_dropped_total counter"];
  for (const [store, n] of Object.entries(stats.dropped)) lines.push(`kubently_backend_dropped_total${labels(store)} ${n}`);
  lines.push("# TYPE kubently_backend_entries gauge");
  for (const [store, kept] of Object.entries(stats.kept)) lines.push(`kubently_backend_entries${labels(store)} ${kept.count}`);
  lines.push("# TYPE kubently_backend_bytes gauge");
  for (const [store, kept] of Object.entries(stats.kept)) if (kept.bytes !== undefined) lines.push(`kubently_backend_bytes${labels(store)} ${kept.bytes}`);
  return lines;
}

/** Creates an empty registry. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const counters = new Map<string, number>();
  const histograms = new Map<string, { buckets: number[]; sum: number; count: number }>();
  const add = (name: string, n: number, labels?: Record<string, string>) => {
    const k = key(name, labels);
    counters.set(k, (counters.get(k) ?? 0) + n);
  };
  return {
    inc: (name, labels) => add(name, 1, labels),
    add,
    observe(name, ms) {
      let h = histograms.get(name);
      if (!h) histograms.set(name, (h = { buckets: BUCKETS_MS.map(() => 0), sum: 0, count: 0 }));
      h.sum += ms;
      h.count += 1;
      BUCKETS_MS.forEach((le, i) => {
        if (ms <= le) h!.buckets[i]! += 1;
      });
    },
    render() {
      const lines: string[] = [];
      for (const [k, v] of counters) lines.push(`${k} ${v}`);
      for (const [name, h] of histograms) {
        lines.push(`# TYPE ${name} histogram`);
        BUCKETS_MS.forEach((le, i) => lines.push(`${name}_bucket{le="${le}"} ${h.buckets[i]}`));
        lines.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
      }
      if (options.backend) lines.push(...renderBackendStats(options.backend));
      return `${lines.join("\n")}\n`;
    },
  };
}
