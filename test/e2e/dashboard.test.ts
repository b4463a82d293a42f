/**
 * `kubently dashboard` through the compiled binary (issue 14, item 3;
 * docs/cli.md#dashboard, docs/operations.md#metrics): the JSON is a Grafana
 * dashboard that imports (uid, schemaVersion, a datasource variable, every
 * panel on it), and every series its PromQL names is in a real scrape of
 * `kubently demo` (simulated cluster, native executor) after commands, a
 * session, an MCP call, an error and a queued command ran.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pollUntil } from "../_fixtures.ts";
import { BINARY, ensureBinary, prerequisites } from "./_harness.ts";

const { skip } = prerequisites([ensureBinary()]);
const KEY = "dash-key-0123456789abcdef";
const ADMIN = "dash-admin-0123456789abcdef";

/** Runs `kubently dashboard ARGS` to the end. */
const dashboardRun = (args: string[]) => spawnSync(BINARY, ["dashboard", ...args], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: mkdtempSync(join(tmpdir(), "kubently-dash-home-")) } });

/** Every target expression of every panel. */
const exprsOf = (dashboard: any): string[] => dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr as string));

/** Metric names in PromQL: every identifier of Kubently's or the process collectors' families. */
const namesIn = (expr: string): string[] => [...expr.matchAll(/\b(?:kubently|process|nodejs)_[a-z0-9_]+\b/g)].map((m) => m[0]);

describe.skipIf(skip)("kubently dashboard", () => {
  test("prints an importable Grafana dashboard: uid, schemaVersion, a Prometheus datasource variable every panel uses", () => {
    const r = dashboardRun([]);
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.uid).toBe("kubently-overview");
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(d.title).toBe("Kubently");
    const vars = d.templating.list as any[];
    expect(vars.find((v) => v.name === "datasource")).toMatchObject({ type: "datasource", query: "prometheus" });
    expect(vars.find((v) => v.name === "job")).toMatchObject({ type: "query", datasource: { uid: "${datasource}" } });
    const panels = (d.panels as any[]).filter((p) => p.type !== "row");
    expect(panels.length).toBeGreaterThan(15);
    const ids = (d.panels as any[]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect({ title: p.title, ds: p.datasource }).toEqual({ title: p.title, ds: { type: "prometheus", uid: "${datasource}" } });
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets) expect({ title: p.title, job: t.expr.includes('job=~"$job"') }).toEqual({ title: p.title, job: true });
      // Panels stay on Grafana's 24-column grid.
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
    // The same every time: a file under version control does not churn.
    expect(dashboardRun([]).stdout).toBe(r.stdout);
  });

  test("--out FILE writes it; an existing FILE needs --force; stray arguments are usage errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "kubently-dash-"));
    const file = join(dir, "kubently.json");
    expect(dashboardRun(["--out", file]).status).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).uid).toBe("kubently-overview");
    writeFileSync(file, "mine");
    const again = dashboardRun(["--out", file]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("exists; pass --force");
    expect(readFileSync(file, "utf8")).toBe("mine");
    expect(dashboardRun(["-o", file, "--force"]).status).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).uid).toBe("kubently-overview");
    const stray = dashboardRun(["extra"]);
    expect(stray.status).toBe(2);
    expect(stray.stderr).toContain('unexpected argument "extra"');
    expect(dashboardRun(["--force"]).status).toBe(2);
    expect(existsSync(join(dir, "extra"))).toBe(false);
  });

  describe("against a running API", () => {
    let child: ChildProcess;
    let stdout = "";
    let url = "";
    const call = (method: string, path: string, body?: unknown, key = KEY, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, { method, headers: { "x-api-key": key, ...(body ? { "content-type": "application/json" } : {}), ...headers }, ...(body ? { body: JSON.stringify(body) } : {}) });

    beforeAll(async () => {
      const home = mkdtempSync(join(tmpdir(), "kubently-dash-api-"));
      child = spawn(BINARY, ["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, "--admin-key", ADMIN, "--executor", "native"], {
        env: { PATH: process.env.PATH ?? "", HOME: home },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout!.on("data", (d: Buffer) => void (stdout += d.toString()));
      child.stderr!.on("data", () => {});
      url = (await pollUntil(() => stdout.match(/API:\s+(http:\/\/\S+)/)?.[1], Boolean, 15_000))!;
    });
    afterAll(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child.on("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    });

    test("every series the dashboard queries is in a scrape, with a sample, after traffic", async () => {
      // Commands that run, one the policy denies, a session, an error answer, an MCP call, and commands queued for a cluster with no agent.
      for (let i = 0; i < 3; i++) expect((await call("POST", "/debug/execute", { cluster_id: "demo", argv: ["get", "pods", "-n", "shop"] })).status).toBe(200);
      expect((await call("POST", "/debug/execute", { cluster_id: "demo", argv: ["delete", "pod", "x"] })).status).toBeLessThan(500);
      expect((await call("POST", "/debug/session", { cluster_id: "demo" })).status).toBe(201);
      expect((await call("GET", "/debug/result/no-such-command")).status).toBe(404);
      const mcp = await call("POST", "/mcp", { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } }, KEY, { accept: "application/json, text/event-stream" });
      expect(mcp.status).toBe(200);
      await mcp.text();
      expect((await call("POST", "/admin/agents/parked/token", {}, ADMIN)).status).toBe(201);
      expect((await call("POST", "/debug/execute", { cluster_id: "parked", argv: ["get", "pods"], wait: false })).status).toBe(202);

      const res = await call("GET", "/metrics", undefined, ADMIN);
      expect(res.status).toBe(200);
      const scrape = await res.text();
      const sampled = new Set(scrape.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)![0]));
      const declared = new Set([...scrape.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));

      const d = JSON.parse(dashboardRun([]).stdout);
      const names = [...new Set(exprsOf(d).flatMap(namesIn))].sort();
      expect(names.length).toBeGreaterThan(20);
      // Counters of rare events (admission refusals, streams the API stopped, reconciled audit entries) have a sample only once it
      // happened, and breakers only where there is one (Redis, webhooks, an OTLP exporter): declared is enough for them.
      const RARE = new Set(["kubently_commands_refused_total", "kubently_streams_stopped_total", "kubently_audit_reconciled_total", "kubently_breaker_state"]);
      const missing = names.filter((n) => !(RARE.has(n) ? declared.has(n) : sampled.has(n)));
      expect(missing).toEqual([]);
      // The job variable's query names a series every scrape has.
      expect(sampled.has("kubently_build_info")).toBe(true);
      // And the traffic above is what the series say.
      expect(scrape).toMatch(/^kubently_queue_depth_top\{cluster="parked"\} 1$/m);
      expect(scrape).toMatch(/^kubently_sessions_active 1$/m);
      expect(scrape).toMatch(/^kubently_agents_connected 1$/m);
      expect(scrape).toMatch(/^kubently_command_e2e_duration_seconds_count\{status="success"\} 3$/m);
    });
  });
});
