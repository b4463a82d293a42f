/**
 * The metrics registry (lib/metrics.ts, docs/operations.md#metrics, issue 14
 * item 3): one prom-client registry per instance, HELP and TYPE for every
 * declared metric, the seconds buckets and the deprecated ms mirror, the
 * gauge hook (read at scrape time, a throwing collector isolated), process
 * metrics, the state gauges' snapshot (bounded backend reads, bounded
 * top-N), and route classes; then the whole path over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import type { Backend } from "../../lib/contracts.ts";
import { ROUTES } from "../../lib/http/openapi.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { createMetrics, instanceGauges, METRIC_CATALOG, routeClass, ROUTE_CLASSES, SECONDS_BUCKETS, TOP_QUEUE_CLUSTERS } from "../../lib/metrics.ts";
import type { Command } from "../../lib/schemas.ts";

/** One parsed sample line. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the Prometheus text format (0.0.4): every line is a
 * HELP, a TYPE or a sample; every sample belongs to a family whose TYPE came
 * first (histograms: `_bucket`, `_sum`, `_count`); label values are quoted
 * with `\\`, `\"` and `\n` escapes. Throws on anything else.
 */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string>; help: Map<string, string> } {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      if (m[1] === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(m[3]!)) throw new Error(`bad TYPE: ${line}`);
        if (types.has(m[2]!)) throw new Error(`TYPE twice: ${line}`);
        types.set(m[2]!, m[3]!);
      } else help.set(m[2]!, m[3]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    let rest = m[2] ?? "";
    while (rest !== "") {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)",?/.exec(rest);
      if (!l) throw new Error(`bad labels in ${JSON.stringify(line)}`);
      labels[l[1]!] = l[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
      rest = rest.slice(l[0].length);
    }
    const name = m[1]!;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    if (!types.has(family)) throw new Error(`sample before its TYPE: ${line}`);
    samples.push({ name, labels, value: Number(m[3]) });
  }
  return { samples, types, help };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)?.value;

describe("the registry", () => {
  test("two instances in one process are isolated: same names, separate counts", async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.inc("kubently_commands_total", { status: "queued" });
    a.inc("kubently_commands_total", { status: "queued" });
    b.inc("kubently_commands_total", { status: "denied" });
    const pa = parseExposition(await a.render()).samples;
    const pb = parseExposition(await b.render()).samples;
    expect(value(pa, "kubently_commands_total", { status: "queued" })).toBe(2);
    expect(value(pa, "kubently_commands_total", { status: "denied" })).toBeUndefined();
    expect(value(pb, "kubently_commands_total", { status: "denied" })).toBe(1);
    expect(value(pb, "kubently_commands_total", { status: "queued" })).toBeUndefined();
  });

  test("a fresh registry declares every catalog metric with its HELP and TYPE", async () => {
    const { types, help } = parseExposition(await createMetrics({ processMetrics: false }).render());
    for (const [name, spec] of Object.entries(METRIC_CATALOG)) {
      expect({ name, type: types.get(name) }).toEqual({ name, type: spec.type });
      expect(help.get(name)).toBe(spec.help);
    }
  });

  test("seconds histograms use SECONDS_BUCKETS; the deprecated ms histogram mirrors into the seconds one", async () => {
    const m = createMetrics({ processMetrics: false });
    m.observe("kubently_command_duration_ms", 300);
    m.observe("kubently_command_duration_ms", 7);
    const { samples } = parseExposition(await m.render());
    const les = samples.filter((s) => s.name === "kubently_agent_exec_duration_seconds_bucket").map((s) => s.labels.le);
    expect(les).toEqual([...SECONDS_BUCKETS.map(String), "+Inf"]);
    expect(value(samples, "kubently_command_duration_ms_bucket", { le: "250" })).toBe(1);
    expect(value(samples, "kubently_command_duration_ms_bucket", { le: "500" })).toBe(2);
    expect(value(samples, "kubently_command_duration_ms_sum")).toBe(307);
    expect(value(samples, "kubently_agent_exec_duration_seconds_bucket", { le: "0.005" })).toBe(0);
    expect(value(samples, "kubently_agent_exec_duration_seconds_bucket", { le: "0.01" })).toBe(1);
    expect(value(samples, "kubently_agent_exec_duration_seconds_bucket", { le: "0.25" })).toBe(1);
    expect(value(samples, "kubently_agent_exec_duration_seconds_bucket", { le: "0.5" })).toBe(2);
    expect(value(samples, "kubently_agent_exec_duration_seconds_count")).toBe(2);
    expect(value(samples, "kubently_agent_exec_duration_seconds_sum")).toBeCloseTo(0.307, 9);
  });

  test("labelled histograms keep their labels; label values are escaped, not mangled", async () => {
    const m = createMetrics({ processMetrics: false });
    m.observe("kubently_command_e2e_duration_seconds", 1.5, { status: "success" });
    m.inc("kubently_http_errors_total", { code: 'we"ird\\code\nx' });
    const { samples } = parseExposition(await m.render());
    expect(value(samples, "kubently_command_e2e_duration_seconds_bucket", { status: "success", le: "1" })).toBe(0);
    expect(value(samples, "kubently_command_e2e_duration_seconds_bucket", { status: "success", le: "2.5" })).toBe(1);
    expect(value(samples, "kubently_http_errors_total", { code: 'we"ird\\code\nx' })).toBe(1);
  });

  test("a wrong label set never throws into the caller: the sample is dropped", async () => {
    const m = createMetrics({ processMetrics: false });
    expect(() => m.inc("kubently_commands_total", { nope: "x" })).not.toThrow();
    expect(() => m.observe("kubently_agent_exec_duration_seconds", 1, { nope: "x" })).not.toThrow();
    const { samples } = parseExposition(await m.render());
    expect(samples.some((s) => "nope" in s.labels)).toBe(false);
  });

  test("a name outside the catalog still counts, with a generic HELP", async () => {
    const m = createMetrics({ processMetrics: false });
    m.add("kubently_new_thing_total", 3, { kind: "a" });
    const { samples, help } = parseExposition(await m.render());
    expect(value(samples, "kubently_new_thing_total", { kind: "a" })).toBe(3);
    expect(help.get("kubently_new_thing_total")).toContain("not in the metric catalog");
  });

  test("every metric name lib/ records through ctx.metrics is in the catalog", () => {
    const root = join(import.meta.dir, "../../lib");
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".ts")) for (const m of readFileSync(p, "utf8").matchAll(/metrics\??\.(?:inc|add|observe)\("([a-z_]+)"/g)) used.add(m[1]!);
      }
    };
    walk(root);
    expect(used.size).toBeGreaterThan(8);
    expect([...used].filter((n) => !(n in METRIC_CATALOG))).toEqual([]);
  });
});

describe("docs/operations.md#metrics", () => {
  test("documents every metric a Kubently instance exports (catalog, backend stats, state gauges, hooks)", async () => {
    const doc = readFileSync(join(import.meta.dir, "../../docs/operations.md"), "utf8");
    const k = createKubently({ backend: memoryBackend(), policies: [] });
    const names = k.context.metrics.registry.getMetricsAsArray().map((x) => x.name);
    expect(names.length).toBeGreaterThan(Object.keys(METRIC_CATALOG).length + 6);
    expect(names.filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
    await k.close();
  });
});

describe("the gauge hook", () => {
  test("is read at every scrape, with labels, sync or async", async () => {
    const m = createMetrics({ processMetrics: false });
    let state = 0;
    m.gauge("kubently_breaker_state", "0 closed, 1 half-open, 2 open.", () => [{ labels: { breaker: "redis" }, value: state }], ["breaker"]);
    m.gauge("kubently_async_thing", "An async collector.", async () => [{ value: state * 10 }]);
    const first = parseExposition(await m.render());
    expect(first.types.get("kubently_breaker_state")).toBe("gauge");
    expect(first.help.get("kubently_breaker_state")).toBe("0 closed, 1 half-open, 2 open.");
    expect(value(first.samples, "kubently_breaker_state", { breaker: "redis" })).toBe(0);
    state = 2;
    const second = parseExposition(await m.render()).samples;
    expect(value(second, "kubently_breaker_state", { breaker: "redis" })).toBe(2);
    expect(value(second, "kubently_async_thing")).toBe(20);
  });

  test("samples gone from the collector are gone from the scrape", async () => {
    const m = createMetrics({ processMetrics: false });
    let names = ["a", "b"];
    m.gauge("kubently_things", "Things.", () => names.map((n) => ({ labels: { name: n }, value: 1 })), ["name"]);
    expect(parseExposition(await m.render()).samples.filter((s) => s.name === "kubently_things")).toHaveLength(2);
    names = ["b"];
    expect(parseExposition(await m.render()).samples.filter((s) => s.name === "kubently_things").map((s) => s.labels.name)).toEqual(["b"]);
  });

  test("a collector that throws (or rejects) leaves its gauge empty, the scrape whole, and is counted", async () => {
    const m = createMetrics({ processMetrics: false });
    m.inc("kubently_commands_total", { status: "queued" });
    m.gauge("kubently_bad", "Throws.", () => {
      throw new Error("backend down");
    });
    m.gauge("kubently_bad_async", "Rejects.", async () => Promise.reject(new Error("backend down")));
    m.gauge("kubently_undeclared_label", "Uses a label it did not declare.", () => [{ labels: { x: "1" }, value: 1 }]);
    await m.render();
    const { samples } = parseExposition(await m.render());
    expect(samples.some((s) => s.name.startsWith("kubently_bad") || s.name === "kubently_undeclared_label")).toBe(false);
    expect(value(samples, "kubently_commands_total", { status: "queued" })).toBe(1);
    expect(value(samples, "kubently_metrics_collect_errors_total", { metric: "kubently_bad" })).toBe(2);
    expect(value(samples, "kubently_metrics_collect_errors_total", { metric: "kubently_bad_async" })).toBe(2);
    expect(value(samples, "kubently_metrics_collect_errors_total", { metric: "kubently_undeclared_label" })).toBe(2);
  });

  test("registering a name twice is an error that leaves the first in place; another instance may use it", async () => {
    const m = createMetrics({ processMetrics: false });
    m.gauge("kubently_once", "Once.", () => [{ value: 1 }]);
    expect(() => m.gauge("kubently_once", "Again.", () => [{ value: 2 }])).toThrow(/already been registered/);
    expect(() => m.gauge("kubently_commands_total", "A catalog name.", () => [])).toThrow(/already been registered/);
    expect(() => m.gauge("not a name", "Bad.", () => [])).toThrow(/not a metric name/);
    expect(() => createMetrics({ processMetrics: false }).gauge("kubently_once", "Elsewhere.", () => [])).not.toThrow();
    expect(value(parseExposition(await m.render()).samples, "kubently_once")).toBe(1);
  });
});

describe("process metrics", () => {
  test("are included by default, once per scrape, and left out on request", async () => {
    const a = createMetrics();
    const b = createMetrics();
    const { samples, types } = parseExposition(await a.render());
    for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds", "nodejs_heap_size_used_bytes", "nodejs_eventloop_lag_p99_seconds"]) {
      expect({ name, present: samples.some((s) => s.name === name) }).toEqual({ name, present: true });
    }
    expect(value(samples, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(types.get("process_cpu_seconds_total")).toBe("counter");
    // Shared by instances: a second one renders them too (and parseExposition rejects a family typed twice).
    expect(parseExposition(await b.render()).samples.some((s) => s.name === "process_cpu_seconds_total")).toBe(true);
    expect(await createMetrics({ processMetrics: false }).render()).not.toContain("process_cpu_seconds_total");
  });
});

describe("route classes", () => {
  test("every documented route falls into a class; ids never become labels", () => {
    for (const route of Object.keys(ROUTES)) {
      const [method, path] = route.split(" ") as [string, string];
      const concrete = path.replace(/\{[^}]+\}/g, "some-id-123");
      expect(ROUTE_CLASSES).toContain(routeClass(method, concrete));
    }
    expect(routeClass("GET", "/agent/commands")).toBe("agent_poll");
    expect(routeClass("POST", "/agent/results")).toBe("agent");
    expect(routeClass("POST", "/debug/execute")).toBe("execute");
    expect(routeClass("GET", "/debug/result/abc")).toBe("result");
    expect(routeClass("GET", "/debug/stream/abc")).toBe("stream");
    expect(routeClass("GET", "/health")).toBe("probe");
    expect(routeClass("GET", "/nothing/here/at/all")).toBe("other");
  });
});

/** A command for `cluster`, as the execute service would queue it. */
const command = (id: string, cluster: string): Command => ({
  id,
  clusterId: cluster,
  argv: ["get", "pods"],
  timeoutMs: 10_000,
  deadline: Date.now() + 600_000,
  requestedBy: "t",
  correlationId: id,
  createdAt: Date.now(),
});

describe("state gauges (instanceGauges)", () => {
  const setup = async (clusters: number, depthOf: (i: number) => number) => {
    const backend = memoryBackend();
    for (let i = 0; i < clusters; i++) {
      await backend.auth.registerCluster({ id: `c${i}`, createdAt: Date.now() });
      for (let j = 0; j < depthOf(i); j++) await backend.queue.push(command(`cmd-${i}-${j}`, `c${i}`));
    }
    let depthReads = 0;
    let listReads = 0;
    const counted: Pick<Backend, "auth" | "queue" | "sessions"> = {
      sessions: backend.sessions,
      auth: { ...backend.auth, listClusters: () => (listReads++, backend.auth.listClusters()) } as Backend["auth"],
      queue: { ...backend.queue, depth: (id: string) => (depthReads++, backend.queue.depth(id)) } as Backend["queue"],
    };
    return { backend, counted, reads: () => ({ depthReads, listReads }) };
  };

  test("total depth, and only the TOP_QUEUE_CLUSTERS deepest queues by cluster", async () => {
    const { backend, counted } = await setup(TOP_QUEUE_CLUSTERS + 5, (i) => i % 4);
    const m = createMetrics({ processMetrics: false });
    instanceGauges(m, counted, { version: "9.9.9", maxAgeMs: 0 });
    const { samples } = parseExposition(await m.render());
    const total = Array.from({ length: TOP_QUEUE_CLUSTERS + 5 }, (_, i) => i % 4).reduce((a, b) => a + b, 0);
    expect(value(samples, "kubently_queue_depth")).toBe(total);
    expect(value(samples, "kubently_clusters")).toBe(TOP_QUEUE_CLUSTERS + 5);
    expect(value(samples, "kubently_agents_connected")).toBe(0);
    expect(value(samples, "kubently_sessions_active")).toBe(0);
    const top = samples.filter((s) => s.name === "kubently_queue_depth_top");
    expect(top.length).toBe(TOP_QUEUE_CLUSTERS);
    expect(top.every((s) => s.value > 0)).toBe(true);
    // The deepest (3) all made it: c3, c7, c11.
    for (const c of ["c3", "c7", "c11"]) expect(value(samples, "kubently_queue_depth_top", { cluster: c })).toBe(3);
    expect(samples.find((s) => s.name === "kubently_build_info")?.labels).toMatchObject({ version: "9.9.9", runtime: "bun" });
    await backend.close();
  });

  test("scrapes within maxAgeMs share one snapshot: one backend pass, whatever the scrape rate", async () => {
    const { backend, counted, reads } = await setup(40, () => 1);
    const m = createMetrics({ processMetrics: false });
    instanceGauges(m, counted, { version: "x", maxAgeMs: 3_600_000 });
    await Promise.all([m.render(), m.render(), m.render()]);
    await m.render();
    expect(reads()).toEqual({ depthReads: 40, listReads: 1 });
    // And the snapshot is a snapshot: a push after it shows only in the next pass.
    await backend.queue.push(command("late", "c0"));
    expect(value(parseExposition(await m.render()).samples, "kubently_queue_depth")).toBe(40);
    await backend.close();
  });

  test("with maxAgeMs 0 each scrape takes a new snapshot", async () => {
    const { backend, counted, reads } = await setup(3, () => 0);
    const m = createMetrics({ processMetrics: false });
    instanceGauges(m, counted, { version: "x", maxAgeMs: 0 });
    await m.render();
    await backend.queue.push(command("late", "c1"));
    const { samples } = parseExposition(await m.render());
    expect(value(samples, "kubently_queue_depth")).toBe(1);
    expect(value(samples, "kubently_queue_depth_top", { cluster: "c1" })).toBe(1);
    expect(reads().listReads).toBe(2);
    await backend.close();
  });
});

describe("GET /metrics over HTTP", () => {
  const KEY = "metrics-key-0123456789abcdef";
  let k: Kubently;
  let url: string;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, { method, headers: { "x-api-key": KEY, ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });

  beforeAll(async () => {
    k = createKubently({ backend: memoryBackend(), policies: [], apiKeys: [{ name: "admin", key: KEY, role: "admin" }], clusters: [{ id: "c1" }, { id: "idle" }] });
    await k.ready();
    url = (await k.listen({ port: 0 })).url;
    k.startLocalAgent({ clusterId: "c1", executor: echoExecutor(), concurrency: 2 });
  });
  afterAll(() => k?.close());

  test("commands, sessions and queues show in one scrape, in valid exposition text", async () => {
    for (let i = 0; i < 3; i++) expect((await call("POST", "/debug/execute", { cluster_id: "c1", argv: ["get", "pods"] })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await call("POST", "/debug/execute", { cluster_id: "idle", argv: ["get", "pods"], wait: false })).status).toBe(202);
    expect((await call("POST", "/debug/session", { cluster_id: "c1" })).status).toBe(201);
    expect((await call("GET", "/no/such/route")).status).toBe(404);

    const res = await call("GET", "/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const { samples } = parseExposition(await res.text());
    expect(value(samples, "kubently_commands_total", { status: "queued" })).toBe(5);
    expect(value(samples, "kubently_results_total", { status: "success" })).toBe(3);
    expect(value(samples, "kubently_command_e2e_duration_seconds_count", { status: "success" })).toBe(3);
    expect(value(samples, "kubently_agent_exec_duration_seconds_count")).toBe(3);
    expect(value(samples, "kubently_command_duration_ms_count")).toBe(3);
    expect(value(samples, "kubently_http_request_duration_seconds_count", { route: "execute", status_class: "2xx" })).toBe(5);
    expect(value(samples, "kubently_http_request_duration_seconds_count", { route: "other", status_class: "4xx" })).toBe(1);
    expect(value(samples, "kubently_http_errors_total", { code: "NOT_FOUND" })).toBe(1);
    expect(value(samples, "kubently_queue_depth")).toBe(2);
    expect(value(samples, "kubently_queue_depth_top", { cluster: "idle" })).toBe(2);
    expect(value(samples, "kubently_agents_connected")).toBe(1);
    expect(value(samples, "kubently_clusters")).toBe(2);
    expect(value(samples, "kubently_sessions_active")).toBe(1);
    expect(value(samples, "kubently_backend_entries", { backend: "memory", store: "sessions" })).toBe(1);
    expect(samples.some((s) => s.name === "process_cpu_seconds_total")).toBe(true);
  });

  test("without a key it is a 401", async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
  });
});
