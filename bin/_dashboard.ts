/**
 * `kubently dashboard [--out FILE]`: a Grafana dashboard (JSON) over the
 * metrics `/metrics` exports (docs/operations.md#metrics). No API call: the
 * dashboard is the same for every deployment; a `datasource` variable picks
 * the Prometheus at import and a `job` variable the scrape job.
 *
 * Every PromQL expression names only series a running API exports (a test
 * scrapes one and checks each name). State gauges are read with `max`, not
 * `sum`: every replica of a shared backend reports the same totals.
 */
import { existsSync, writeFileSync } from "node:fs";
import { VERSION } from "../lib/version.ts";
import { EXIT, noMore, print, UsageError, type CliVerb } from "./_cli.ts";

/** The dashboard's uid: stable, so importing a newer one replaces the older. */
export const DASHBOARD_UID = "kubently-overview";

const DS = { type: "prometheus", uid: "${datasource}" };
/** The scrape-job filter every expression carries. */
const JOB = 'job=~"$job"';
const RATE = "[$__rate_interval]";

/** `name{job=~"$job",extra}`: a series of the selected jobs. */
const s = (name: string, extra = "") => `${name}{${JOB}${extra ? `,${extra}` : ""}}`;
const rate = (name: string, extra = "") => `rate(${s(name, extra)}${RATE})`;
/** A quantile of a histogram, over the selected jobs, optionally kept apart `by` a label. */
const quantile = (q: number, name: string, by = "", extra = "") => `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ""}) (${rate(`${name}_bucket`, extra)}))`;

interface Target {
  expr: string;
  legend: string;
}

interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  targets: Target[];
  kind?: "timeseries" | "stat";
  width?: number;
}

/** The rows of the dashboard, top to bottom; each panel lists what it reads. */
const ROWS: Array<{ title: string; panels: PanelSpec[] }> = [
  {
    title: "Commands",
    panels: [
      {
        title: "Commands decided",
        description: "Commands queued for an agent or denied by a policy, per second.",
        unit: "ops",
        targets: [{ expr: `sum by (status) (${rate("kubently_commands_total")})`, legend: "{{status}}" }],
      },
      {
        title: "Results by status",
        description: "Results stored (from agents, or synthesized for lost and timed-out commands), per second.",
        unit: "ops",
        targets: [{ expr: `sum by (status) (${rate("kubently_results_total")})`, legend: "{{status}}" }],
      },
      {
        title: "Refused before queueing",
        description: "Admission control: commands refused because the cluster's queue could not meet their timeout.",
        unit: "ops",
        targets: [{ expr: `sum by (reason) (${rate("kubently_commands_refused_total")})`, legend: "{{reason}}" }],
      },
      {
        title: "Command latency, end to end",
        description: "From queueing to the result reaching the caller that waited for it.",
        unit: "s",
        targets: [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, "kubently_command_e2e_duration_seconds"), legend: `p${q * 100}` })),
      },
      {
        title: "kubectl run time on the agent",
        description: "As the agents report it with each result.",
        unit: "s",
        targets: [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, "kubently_agent_exec_duration_seconds"), legend: `p${q * 100}` })),
      },
    ],
  },
  {
    title: "Clusters, agents and queues",
    panels: [
      { title: "Agents connected", description: "Clusters whose agent was seen in the last 30 s.", unit: "none", kind: "stat", width: 4, targets: [{ expr: `max(${s("kubently_agents_connected")})`, legend: "connected" }] },
      { title: "Clusters", description: "Clusters registered on the backend.", unit: "none", kind: "stat", width: 4, targets: [{ expr: `max(${s("kubently_clusters")})`, legend: "clusters" }] },
      { title: "Active sessions", description: "Debug sessions neither ended nor expired.", unit: "none", kind: "stat", width: 4, targets: [{ expr: `max(${s("kubently_sessions_active")})`, legend: "sessions" }] },
      {
        title: "Commands waiting",
        description: "Commands queued for an agent, all clusters (the backend's total, read at most every 15 s).",
        unit: "none",
        targets: [{ expr: `max(${s("kubently_queue_depth")})`, legend: "waiting" }],
      },
      {
        title: "Deepest queues",
        description: "The ten clusters with the most commands waiting.",
        unit: "none",
        targets: [{ expr: `max by (cluster) (${s("kubently_queue_depth_top")})`, legend: "{{cluster}}" }],
      },
    ],
  },
  {
    title: "HTTP",
    panels: [
      {
        title: "Requests by route class",
        description: "REST requests per second, by route class.",
        unit: "reqps",
        targets: [{ expr: `sum by (route) (${rate("kubently_http_request_duration_seconds_count")})`, legend: "{{route}}" }],
      },
      {
        title: "Request latency p95 by route class",
        description: "Long polls, streams and event feeds left out: they stay open by design.",
        unit: "s",
        targets: [{ expr: quantile(0.95, "kubently_http_request_duration_seconds", "route", 'route!~"agent_poll|stream|events"'), legend: "{{route}}" }],
      },
      {
        title: "Server errors",
        description: "Share of requests answered 5xx.",
        unit: "percentunit",
        targets: [{ expr: `sum(${rate("kubently_http_request_duration_seconds_count", 'status_class="5xx"')}) / clamp_min(sum(${rate("kubently_http_request_duration_seconds_count")}), 1e-9)`, legend: "5xx" }],
      },
      {
        title: "Error answers by code",
        description: "REST error answers per second, by Kubently error code (docs/errors.md).",
        unit: "ops",
        targets: [{ expr: `sum by (code) (${rate("kubently_http_errors_total")})`, legend: "{{code}}" }],
      },
      {
        title: "MCP requests",
        description: "Requests to /mcp per second, by HTTP status.",
        unit: "reqps",
        targets: [{ expr: `sum by (status) (${rate("kubently_mcp_requests_total")})`, legend: "{{status}}" }],
      },
    ],
  },
  {
    title: "Streams and audit",
    panels: [
      { title: "Streamed output", description: "Bytes of streamed command output accepted from agents, per second.", unit: "Bps", targets: [{ expr: `sum(${rate("kubently_stream_bytes_total")})`, legend: "bytes" }] },
      { title: "Streamed chunks", description: "Chunks accepted from agents, per second.", unit: "ops", targets: [{ expr: `sum(${rate("kubently_stream_chunks_total")})`, legend: "chunks" }] },
      {
        title: "Streams stopped by the API",
        description: "lease: cancelled or handed on; budget: past twice the byte budget.",
        unit: "ops",
        targets: [{ expr: `sum by (reason) (${rate("kubently_streams_stopped_total")})`, legend: "{{reason}}" }],
      },
      {
        title: "Audit reconciler",
        description: "Results whose terminal audit entry the reconciler wrote (written) or found (confirmed).",
        unit: "ops",
        targets: [{ expr: `sum by (action) (${rate("kubently_audit_reconciled_total")})`, legend: "{{action}}" }],
      },
    ],
  },
  {
    title: "Process and backend",
    panels: [
      { title: "CPU", description: "CPU seconds used per second, per process.", unit: "percentunit", targets: [{ expr: rate("process_cpu_seconds_total"), legend: "{{instance}}" }] },
      { title: "Resident memory", description: "Resident set size per process.", unit: "bytes", targets: [{ expr: s("process_resident_memory_bytes"), legend: "{{instance}}" }] },
      { title: "Heap used", description: "JavaScript heap in use per process.", unit: "bytes", targets: [{ expr: s("nodejs_heap_size_used_bytes"), legend: "{{instance}}" }] },
      { title: "Event loop lag p99", description: "How late timers run: a busy or blocked event loop.", unit: "s", targets: [{ expr: s("nodejs_eventloop_lag_p99_seconds"), legend: "{{instance}}" }] },
      { title: "Open file descriptors", description: "Open fds against the limit, per process.", unit: "none", targets: [{ expr: s("process_open_fds"), legend: "{{instance}} open" }, { expr: s("process_max_fds"), legend: "{{instance}} max" }] },
      {
        title: "Circuit breakers",
        description: "Per dependency: 0 closed, 1 half-open, 2 open.",
        unit: "none",
        targets: [{ expr: `max by (breaker) (${s("kubently_breaker_state")})`, legend: "{{breaker}}" }],
      },
      {
        title: "Backend entries (memory backend)",
        description: "What a bounded in-process backend holds, per store; empty on backends that keep no such stats.",
        unit: "none",
        targets: [{ expr: `sum by (store) (${s("kubently_backend_entries")})`, legend: "{{store}}" }],
      },
      {
        title: "Backend drops (memory backend)",
        description: "Entries dropped, or pushes refused, to stay within the backend's bounds, per second.",
        unit: "ops",
        targets: [{ expr: `sum by (store) (${rate("kubently_backend_dropped_total")})`, legend: "{{store}}" }],
      },
    ],
  },
];

const FULL_WIDTH = 24;
const PANEL_HEIGHT = 8;

/** The dashboard, as Grafana imports it (schema 39: Grafana 10.x and later). */
export function grafanaDashboard(): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of ROWS) {
    panels.push({ id: id++, type: "row", title: row.title, collapsed: false, gridPos: { h: 1, w: FULL_WIDTH, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    for (const p of row.panels) {
      const w = p.width ?? 8;
      if (x + w > FULL_WIDTH) {
        x = 0;
        y += PANEL_HEIGHT;
      }
      panels.push({
        id: id++,
        type: p.kind ?? "timeseries",
        title: p.title,
        description: p.description,
        datasource: DS,
        gridPos: { h: PANEL_HEIGHT, w, x, y },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        options: p.kind === "stat" ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value", graphMode: "area" } : { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } },
        targets: p.targets.map((t, i) => ({ datasource: DS, expr: t.expr, legendFormat: t.legend, refId: String.fromCharCode(65 + i) })),
      });
      x += w;
    }
    y += PANEL_HEIGHT;
  }
  return {
    uid: DASHBOARD_UID,
    title: "Kubently",
    description: `Kubently API: commands, queues, agents, HTTP and the process (generated by kubently ${VERSION}: kubently dashboard).`,
    tags: ["kubently"],
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,
    timezone: "browser",
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    annotations: { list: [] },
    links: [],
    templating: {
      list: [
        { name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus", current: {}, hide: 0, refresh: 1, options: [] },
        {
          name: "job",
          label: "Job",
          type: "query",
          datasource: DS,
          definition: "label_values(kubently_build_info, job)",
          query: { qryType: 1, query: "label_values(kubently_build_info, job)", refId: "PrometheusVariableQueryEditor-VariableQuery" },
          includeAll: true,
          allValue: ".+",
          multi: true,
          current: {},
          refresh: 2,
          sort: 1,
          hide: 0,
          options: [],
        },
      ],
    },
    panels,
  };
}

const USAGE = `Usage: kubently dashboard [--out FILE] [--force]

Prints a Grafana dashboard (JSON) over the metrics GET /metrics exports:
commands, latency, queues, agents, HTTP by route class, streams, the
process. Import it in Grafana (Dashboards > New > Import); pick the
Prometheus that scrapes Kubently. No API call.

Flags:
  -o, --out FILE   write the JSON to FILE instead of stdout
  --force          with --out, replace FILE when it exists`;

/** `kubently dashboard`. */
export const dashboard: CliVerb = {
  summary: "print a Grafana dashboard (JSON) for Kubently's /metrics (--out FILE)",
  usage: USAGE,
  shared: [],
  flags: { out: { type: "string", short: "o" }, force: { type: "boolean" } },
  async run({ flags, args, rest }) {
    noMore([...args, ...rest], 0, "dashboard");
    const text = `${JSON.stringify(grafanaDashboard(), null, 2)}\n`;
    const out = flags.out;
    if (out === undefined || out === false) {
      if (flags.force) throw new UsageError("--force goes with --out FILE");
      await print(text);
      return EXIT.ok;
    }
    if (typeof out !== "string" || out === "") throw new UsageError("--out needs a file name");
    if (existsSync(out) && !flags.force) throw new UsageError(`${out} exists; pass --force to replace it`);
    writeFileSync(out, text);
    return EXIT.ok;
  },
};
