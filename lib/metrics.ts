/**
 * The metrics of one Kubently instance, served at `/metrics` in the
 * Prometheus text format (docs/operations.md#metrics). Built on prom-client
 * (its escaping, histogram and collector code is the reference one) behind
 * a small interface the services call by metric name.
 *
 * Guarantees:
 * - One prom-client `Registry` per instance, never the library's global
 *   one: two instances in one process (tests, a host serving two) never
 *   share or collide on a series, and a host's own prom-client metrics are
 *   left alone.
 * - Every metric is declared in {@link METRIC_CATALOG} with its help text,
 *   labels and buckets; a name used but not declared still counts (with a
 *   generic help), so a new call never fails a request.
 * - Labels are small fixed sets (status, reason, route class, store): no
 *   label carries a cluster id, identity or path, except the bounded top-N
 *   queue gauge (see {@link instanceGauges}).
 * - A scrape never fails because one collector did: the failing gauge has
 *   no sample and `kubently_metrics_collect_errors_total{metric}` counts it.
 * - Process metrics (`process_*`, `nodejs_*`) come from prom-client's
 *   default collectors, started once per process into a registry of their
 *   own: they describe the process, not an instance, and starting them per
 *   instance would leave one event-loop monitor and GC observer per instance
 *   running for the life of the process.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Backend, BackendStats } from "./contracts.ts";
import { LIMITS } from "./limits.ts";

/**
 * Buckets for durations in seconds: 5 ms to 5 min. Commands time out at
 * `LIMITS.maxTimeoutSeconds` (30 s), streams at 300 s, agent long polls
 * last up to 30 s; everything below 5 ms is "fast" and needs no resolution.
 */
export const SECONDS_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];

/** The buckets of the deprecated `kubently_command_duration_ms` (ms), unchanged so existing queries keep their `le` values. */
export const MS_BUCKETS: readonly number[] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

/** One declared metric. */
export interface MetricSpec {
  type: "counter" | "histogram";
  help: string;
  /** Label names, in the order they are rendered. */
  labels: readonly string[];
  /** Histogram bucket upper bounds; {@link SECONDS_BUCKETS} when absent. */
  buckets?: readonly number[];
  /** Every observation is also recorded, times `scale`, in this histogram (a renamed metric kept under its old name). */
  mirror?: { name: string; scale: number };
}

/**
 * The counters and histograms the services record, by name. Gauges are
 * registered with {@link Metrics.gauge} by whoever can read their value.
 */
export const METRIC_CATALOG: Readonly<Record<string, MetricSpec>> = {
  kubently_commands_total: { type: "counter", help: "Commands decided by the API: queued for an agent, or denied by a policy.", labels: ["status"] },
  kubently_commands_refused_total: { type: "counter", help: "Commands refused before queueing (reason cluster_busy: admission control).", labels: ["reason"] },
  kubently_results_total: { type: "counter", help: "Results stored from agents (and synthesized for lost or timed-out commands), by status.", labels: ["status"] },
  kubently_http_errors_total: { type: "counter", help: "Error answers of the REST API, by error code.", labels: ["code"] },
  kubently_mcp_requests_total: { type: "counter", help: "Requests to /mcp, by HTTP status.", labels: ["status"] },
  kubently_stream_chunks_total: { type: "counter", help: "Chunks of streamed output accepted from agents.", labels: [] },
  kubently_stream_bytes_total: { type: "counter", help: "Bytes of streamed output accepted from agents.", labels: [] },
  kubently_streams_stopped_total: { type: "counter", help: "Streams the API stopped (lease: cancelled or handed on; budget: past twice its byte budget).", labels: ["reason"] },
  kubently_audit_reconciled_total: { type: "counter", help: "Results the audit reconciler handled (written: terminal entry added; confirmed: already there).", labels: ["action"] },
  kubently_alerts_received_total: { type: "counter", help: "Alerts received from Alertmanager, by alert status (firing, resolved).", labels: ["status"] },
  kubently_alert_targets_total: { type: "counter", help: "Alert targets (cluster, namespace) of received batches: accepted, skipped (over the per-request bound) or refused.", labels: ["outcome"] },
  kubently_alerts_busy_total: { type: "counter", help: "Alert batches refused 503 ALERTS_BUSY: the alert queue was full.", labels: [] },
  kubently_alert_diagnoses_total: { type: "counter", help: "Diagnoses run for alerts, by outcome status.", labels: ["status"] },
  kubently_webhook_deliveries_total: { type: "counter", help: "Outbound webhook deliveries, by webhook id and outcome (delivered, failed, circuit_open).", labels: ["webhook", "outcome"] },
  kubently_webhook_retries_total: { type: "counter", help: "Retried outbound webhook deliveries, by webhook id.", labels: ["webhook"] },
  kubently_webhook_dead_letters_total: { type: "counter", help: "Outbound webhook deliveries given up (dead letters), by webhook id.", labels: ["webhook"] },
  kubently_metrics_collect_errors_total: { type: "counter", help: "Gauge collectors that threw during a scrape (their gauge had no sample).", labels: ["metric"] },
  kubently_command_duration_ms: {
    type: "histogram",
    help: "Deprecated: kubectl run time on the agent in ms; use kubently_agent_exec_duration_seconds.",
    labels: [],
    buckets: MS_BUCKETS,
    mirror: { name: "kubently_agent_exec_duration_seconds", scale: 0.001 },
  },
  kubently_agent_exec_duration_seconds: { type: "histogram", help: "kubectl run time on the agent, as the agent reports it with each result.", labels: [] },
  kubently_command_e2e_duration_seconds: {
    type: "histogram",
    help: "Time from queueing a command to its result reaching the caller that waited for it, by result status.",
    labels: ["status"],
  },
  kubently_http_request_duration_seconds: {
    type: "histogram",
    help: "REST request duration by route class (time to first byte for streamed answers).",
    labels: ["route", "status_class"],
  },
};

/** One sample of a gauge: its labels and value. */
export interface GaugeSample {
  labels?: Record<string, string>;
  value: number;
}

/** Reads a gauge's samples at scrape time. */
export type GaugeCollect = () => GaugeSample[] | Promise<GaugeSample[]>;

/** The metrics of one Kubently instance. */
export interface Metrics {
  /** Adds 1 to a counter with the given labels. */
  inc(name: string, labels?: Record<string, string>): void;
  /** Adds `n` to a counter with the given labels. */
  add(name: string, n: number, labels?: Record<string, string>): void;
  /** Records one value in a histogram, in the histogram's unit (seconds, or ms for `_ms` names). */
  observe(name: string, value: number, labels?: Record<string, string>): void;
  /**
   * Registers a gauge read at every scrape, e.g. a circuit breaker's state:
   * `gauge("kubently_breaker_state", "0 closed, 1 half-open, 2 open", () => [{ labels: { breaker: "redis" }, value: 0 }], ["breaker"])`.
   * `labelNames` lists every label the samples may carry. Registering a
   * name twice is an error (a programming error, thrown at once).
   */
  gauge(name: string, help: string, collect: GaugeCollect, labelNames?: readonly string[]): void;
  /** Prometheus text exposition of the instance's metrics and the process metrics. */
  render(): Promise<string>;
  /** The content type of {@link render}'s text. */
  readonly contentType: string;
  /** The instance's prom-client registry, for a host that serves or merges it itself. */
  readonly registry: Registry;
}

/** Options for {@link createMetrics}. */
export interface MetricsOptions {
  /**
   * A backend whose `stats()` (when it has one) is read at every render:
   * `kubently_backend_dropped_total{backend,store}` (entries dropped, or
   * pushes refused, to stay within its bounds), `kubently_backend_entries`
   * and `kubently_backend_bytes` (what it holds now).
   */
  backend?: Pick<Backend, "name" | "stats">;
  /** Include the process metrics (`process_*`, `nodejs_*`). @default true */
  processMetrics?: boolean;
}

let processRegistry: Registry | undefined;

/** The process metrics, started on first use and shared by every instance (see the module comment). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Creates an instance's registry with every catalog metric declared (so each has HELP and TYPE from the first scrape). */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const counters = new Map<string, Counter>();
  const histograms = new Map<string, { h: Histogram; spec?: MetricSpec }>();

  const counter = (name: string, labels: Record<string, string> | undefined): Counter => {
    let c = counters.get(name);
    if (!c) {
      const spec = METRIC_CATALOG[name];
      c = new Counter({ name, help: spec?.help ?? `${name} (not in the metric catalog)`, labelNames: [...(spec?.labels ?? Object.keys(labels ?? {}))], registers: [registry] });
      counters.set(name, c);
    }
    return c;
  };
  const histogram = (name: string, labels: Record<string, string> | undefined) => {
    let entry = histograms.get(name);
    if (!entry) {
      const spec = METRIC_CATALOG[name];
      const h = new Histogram({
        name,
        help: spec?.help ?? `${name} (not in the metric catalog)`,
        labelNames: [...(spec?.labels ?? Object.keys(labels ?? {}))],
        buckets: [...(spec?.buckets ?? SECONDS_BUCKETS)],
        registers: [registry],
      });
      histograms.set(name, (entry = { h, ...(spec ? { spec } : {}) }));
    }
    return entry;
  };
  for (const [name, spec] of Object.entries(METRIC_CATALOG)) (spec.type === "counter" ? counter : histogram)(name, undefined);

  /** Counting must never fail the request that counts: a wrong label set is reported once and dropped. */
  const reported = new Set<string>();
  const safely = (name: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      if (!reported.has(name)) console.error(`[kubently] metric ${name}:`, e instanceof Error ? e.message : e);
      reported.add(name);
    }
  };
  const add = (name: string, n: number, labels?: Record<string, string>) =>
    safely(name, () => {
      const c = counter(name, labels);
      if (labels && Object.keys(labels).length) c.inc(labels, n);
      else c.inc(n);
    });
  const observe = (name: string, value: number, labels?: Record<string, string>): void =>
    safely(name, () => {
      const { h, spec } = histogram(name, labels);
      if (labels && Object.keys(labels).length) h.observe(labels, value);
      else h.observe(value);
      if (spec?.mirror) observe(spec.mirror.name, value * spec.mirror.scale, labels);
    });

  /** Every gauge's reader, and during a render the values read for it. */
  const gauges = new Map<string, () => Promise<Array<{ labels: Record<string, string>; value: number }>>>();
  const prepared = new Map<string, Promise<Array<{ labels: Record<string, string>; value: number }>>>();
  const gauge = (name: string, help: string, collect: GaugeCollect, labelNames: readonly string[] = []) => {
    // Not prom-client's Gauge: after a reset it shows an unlabelled gauge as 0, and a breaker whose
    // state could not be read must show nothing, not "closed". The registry renders (and escapes) any
    // registered object with a name and a get() answering { name, help, type, values }.
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`${name} is not a metric name`);
    const allowed = new Set(labelNames);
    const read = async (): Promise<Array<{ labels: Record<string, string>; value: number }>> => {
      try {
        return (await collect()).map((sample) => {
          const labels = sample.labels ?? {};
          for (const l of Object.keys(labels)) if (!allowed.has(l)) throw new Error(`label "${l}" is not among the gauge's labelNames [${labelNames.join(", ")}]`);
          return { labels, value: sample.value };
        });
      } catch (e) {
        add("kubently_metrics_collect_errors_total", 1, { metric: name });
        if (!reported.has(`gauge:${name}`)) console.error(`[kubently] gauge ${name}:`, e instanceof Error ? e.message : e);
        reported.add(`gauge:${name}`);
        return [];
      }
    };
    const metric = {
      name,
      help,
      type: "gauge",
      aggregator: "sum",
      reset() {},
      // Within render() the values it read before rendering; a host reading the registry itself gets fresh ones.
      get: async () => ({ name, help, type: "gauge" as const, values: await (prepared.get(name) ?? read()), aggregator: "sum" as const }),
    };
    // Throws on a name already registered, before the first gauge's reader is replaced.
    registry.registerMetric(metric as unknown as Parameters<Registry["registerMetric"]>[0]);
    gauges.set(name, read);
  };

  if (options.backend?.stats) backendStatsMetrics(registry, options.backend, gauge);
  const withProcess = options.processMetrics !== false;
  return {
    inc: (name, labels) => add(name, 1, labels),
    add,
    observe,
    gauge,
    async render() {
      // Gauges are read first, so a collector failing now is already in kubently_metrics_collect_errors_total.
      // Concurrent renders each read their own values; a render's reads are done before its text is made.
      const reads = [...gauges].map(([name, read]) => [name, read()] as const);
      await Promise.all(reads.map(([, r]) => r));
      for (const [name, r] of reads) prepared.set(name, r);
      let own: string;
      try {
        own = await registry.metrics();
      } finally {
        for (const [name, r] of reads) if (prepared.get(name) === r) prepared.delete(name);
      }
      return withProcess ? `${own}\n${await processMetrics().metrics()}` : own;
    },
    contentType: Registry.PROMETHEUS_CONTENT_TYPE,
    registry,
  };
}

/**
 * The backend's own bounds (memory), read at each scrape: drops as a
 * counter (the backend keeps the running total, published as read),
 * entries and bytes as gauges. None for a backend without `stats()`.
 */
function backendStatsMetrics(registry: Registry, backend: Pick<Backend, "name" | "stats">, gauge: Metrics["gauge"]): void {
  const labelNames = ["backend", "store"];
  const read = (pick: (s: BackendStats) => Array<[string, number | undefined]>): GaugeSample[] => {
    const stats = backend.stats?.();
    if (!stats) return [];
    return pick(stats).flatMap(([store, value]) => (value === undefined ? [] : [{ labels: { backend: backend.name, store }, value }]));
  };
  new Counter({
    name: "kubently_backend_dropped_total",
    help: "Entries the backend dropped, or pushes it refused, to stay within its bounds.",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of read((st) => Object.entries(st.dropped))) this.inc(s.labels!, s.value);
    },
  });
  gauge("kubently_backend_entries", "Entries the backend holds now, per store.", () => read((s) => Object.entries(s.kept).map(([k, v]) => [k, v.count])), labelNames);
  gauge("kubently_backend_bytes", "Size of what the backend holds now (length of its JSON text), per store.", () => read((s) => Object.entries(s.kept).map(([k, v]) => [k, v.bytes])), labelNames);
}

/** Longest a gauge snapshot is reused (ms): scrapes within it read nothing from the backend. */
export const GAUGE_SNAPSHOT_MS = LIMITS.metricsSnapshotMs;
/** Clusters named in `kubently_queue_depth_top{cluster}`: the deepest queues only, so the series stay few with any number of clusters. */
export const TOP_QUEUE_CLUSTERS = LIMITS.metricsTopQueues;
/** Queue-depth reads in flight at once while a snapshot is taken. */
export const DEPTH_READ_CONCURRENCY = LIMITS.metricsDepthReads;

/** Options for {@link instanceGauges}. */
export interface InstanceGaugesOptions {
  /** Reported by `kubently_build_info{version}`. */
  version: string;
  /** Longest a snapshot is reused (ms); 0 takes one per scrape. @default GAUGE_SNAPSHOT_MS */
  maxAgeMs?: number;
  /** Clusters in `kubently_queue_depth_top`. @default TOP_QUEUE_CLUSTERS */
  topClusters?: number;
}

/** What the state gauges show, read from the backend at once. */
interface Snapshot {
  at: number;
  clusters: number;
  connected: number;
  depth: number;
  top: Array<[string, number]>;
  sessions: number;
}

/** The runtime serving: Bun (the binary, tests) or Node (a host importing the library). */
const runtime = (): { runtime: string; runtime_version: string } => {
  const bun = (globalThis as { Bun?: { version: string } }).Bun;
  return bun ? { runtime: "bun", runtime_version: bun.version } : { runtime: "node", runtime_version: process.versions.node ?? "unknown" };
};

/**
 * The state gauges of an instance: registered clusters, connected agents,
 * active sessions, pending commands (total, and the deepest
 * {@link TOP_QUEUE_CLUSTERS} queues by cluster), and build info.
 *
 * Cost: the backend contracts have no cheap totals, so a snapshot lists the
 * clusters and sessions once and reads each cluster's depth
 * ({@link DEPTH_READ_CONCURRENCY} at a time; one LLEN each on Redis). The
 * snapshot is taken by a scrape that finds it older than `maxAgeMs`, one at
 * a time (concurrent scrapes share it): the backend sees at most one pass
 * per `maxAgeMs` however often, and by however many scrapers, `/metrics`
 * is read. Every replica of a shared backend reports the same totals: sum
 * them with `max`, not `sum`.
 */
export function instanceGauges(metrics: Pick<Metrics, "gauge">, backend: Pick<Backend, "auth" | "queue" | "sessions">, options: InstanceGaugesOptions): void {
  const maxAgeMs = options.maxAgeMs ?? GAUGE_SNAPSHOT_MS;
  const topN = options.topClusters ?? TOP_QUEUE_CLUSTERS;
  let last: Snapshot | undefined;
  let taking: Promise<Snapshot> | undefined;

  async function take(): Promise<Snapshot> {
    const now = Date.now();
    const [clusters, sessions] = await Promise.all([backend.auth.listClusters(), backend.sessions.list()]);
    const depths: Array<[string, number]> = [];
    let next = 0;
    const worker = async () => {
      while (next < clusters.length) {
        const c = clusters[next++]!;
        depths.push([c.id, await backend.queue.depth(c.id)]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(DEPTH_READ_CONCURRENCY, clusters.length) }, worker));
    const top = depths
      .filter(([, d]) => d > 0)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, topN);
    return {
      at: now,
      clusters: clusters.length,
      connected: clusters.filter((c) => c.lastSeenAt !== undefined && now - c.lastSeenAt < LIMITS.agentStaleMs).length,
      depth: depths.reduce((n, [, d]) => n + d, 0),
      top,
      sessions: sessions.length,
    };
  }
  const snapshot = async (): Promise<Snapshot> => {
    if (last && Date.now() - last.at < maxAgeMs) return last;
    return (taking ??= take()
      .then((s) => (last = s))
      .finally(() => (taking = undefined)));
  };
  const one = (read: (s: Snapshot) => number) => async () => [{ value: read(await snapshot()) }];

  metrics.gauge("kubently_clusters", "Clusters registered on the backend.", one((s) => s.clusters));
  metrics.gauge("kubently_agents_connected", `Clusters whose agent was seen in the last ${LIMITS.agentStaleMs / 1000} s.`, one((s) => s.connected));
  metrics.gauge("kubently_sessions_active", "Debug sessions neither ended nor expired.", one((s) => s.sessions));
  metrics.gauge("kubently_queue_depth", "Commands waiting for an agent, all clusters.", one((s) => s.depth));
  metrics.gauge(
    "kubently_queue_depth_top",
    `Commands waiting for an agent in the ${topN} deepest cluster queues (clusters with none are left out).`,
    async () => (await snapshot()).top.map(([cluster, value]) => ({ labels: { cluster }, value })),
    ["cluster"],
  );
  metrics.gauge("kubently_gauge_snapshot_age_seconds", "Age of the snapshot the state gauges show.", one((s) => (Date.now() - s.at) / 1000));
  const build = { version: options.version, ...runtime() };
  metrics.gauge("kubently_build_info", "Always 1; labels: the Kubently version and the runtime serving it.", () => [{ labels: build, value: 1 }], ["version", "runtime", "runtime_version"]);
}

/** Route classes of `kubently_http_request_duration_seconds`: a fixed set, whatever the paths called. */
export const ROUTE_CLASSES = ["probe", "metrics", "ui", "agent_poll", "agent", "execute", "result", "stream", "debug", "admin", "audit", "events", "mcp", "other"] as const;

/** One of {@link ROUTE_CLASSES}. */
export type RouteClass = (typeof ROUTE_CLASSES)[number];

/**
 * The route class of a request, from its method and path alone (never a
 * path segment as a label: ids and unknown paths fall into a class).
 * `agent_poll` (the agents' long polls) and `stream`/`events` (open until
 * the caller leaves) are apart so they do not drown the others' latency.
 */
export function routeClass(method: string, path: string): RouteClass {
  if (path === "/health" || path === "/healthz" || path === "/ready") return "probe";
  if (path === "/metrics") return "metrics";
  if (path === "/ui" || path.startsWith("/ui/")) return "ui";
  if (path === "/agent/commands" && method === "GET") return "agent_poll";
  if (path.startsWith("/agent/")) return "agent";
  if (method === "POST" && (path === "/debug/execute" || path === "/debug/fanout" || path === "/debug/diagnose")) return "execute";
  if (path.startsWith("/debug/result/")) return "result";
  if (path.startsWith("/debug/stream/") || path === "/terminal/ws") return "stream";
  if (path.startsWith("/debug/")) return "debug";
  if (path.startsWith("/admin/")) return "admin";
  if (path === "/audit" || path.startsWith("/audit/")) return "audit";
  if (path === "/events" || path === "/events/ws") return "events";
  if (path === "/mcp") return "mcp";
  return "other";
}
