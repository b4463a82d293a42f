/**
 * Diagnostics through the real path: REST `POST /debug/diagnose` and the MCP
 * tool (official SDK client) -> the execute service (auth, scope, policies,
 * audit) -> a signed `diagnose` command -> the agent's native executor ->
 * a snapshot of the simulated cluster -> analyzers -> redaction -> back.
 * The analyzers here are small ones written for the test; the built-ins have
 * their own suites and the labelled scenario set.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { kubectlExecutor } from "../../lib/agent/executors.ts";
import { nativeExecutor } from "../../lib/agent/native.ts";
import { confirm, containerStatuses, defineAnalyzer, finding, loadSnapshot } from "../../lib/diagnose/index.ts";
import { createKubeClient } from "../../lib/kube/index.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { redactSecrets } from "../../plugins/redact-secrets.ts";
import { waitingAnalyzer } from "../_analyzers.ts";
import { clusterOutputOf, mcpConnect } from "../_protocols.ts";

const KEY = "diag-key-0123456789abcdef";
const SHOP = "diag-shop-0123456789abcdef";
const TWO = "diag-two-0123456789abcdef";
const VIEWER = "diag-view-0123456789abcdef";

const waiting = waitingAnalyzer;
/** Quotes the crash-looping container's previous log with a credential in it: what leaves must be redacted. */
const leaky = defineAnalyzer({
  id: "leaky",
  kinds: ["pods"],
  analyze: async (s, ctx) => {
    const pod = s.list("pods").find((p) => p.metadata.name.startsWith("checkout-"));
    if (!pod) return [];
    const lines = await ctx.logTail({ namespace: "shop", pod: pod.metadata.name, container: "checkout", previous: true, tail: 3 });
    return [finding("leaky", { code: "Leak", severity: "info", kind: "Pod", namespace: "shop", name: pod.metadata.name, title: "quotes", evidence: [...lines.map((l) => `log: ${l}`), "DATABASE_URL=postgres://app:hunter2-s3cret@postgres:5432/shop"], confirm: [["get", "pods", "-n", "shop"]], hint: "" })];
  },
});
const nodes = defineAnalyzer({
  id: "nodes",
  kinds: ["nodes"],
  analyze: (s) => s.list("nodes").map((n) => finding("nodes", { code: "NodeSeen", severity: "info", kind: "Node", namespace: null, name: n.metadata.name, title: "seen", confirm: [["get", "nodes"]], hint: "" })),
});

let sim: SimCluster;
let k: Kubently;
let url = "";
let pluginMarker = "";
const mcps: Client[] = [];

const post = async (body: unknown, key = KEY) => {
  const res = await fetch(`${url}/debug/diagnose`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

beforeAll(async () => {
  sim = await startSimCluster();
  const kubeconfig = await sim.writeKubeconfig();
  // A `kubectl-diagnose` plugin on the kubectl executor's PATH: kubectl would run it for `kubectl diagnose`.
  const bin = mkdtempSync(join(tmpdir(), "kubently-diag-bin-"));
  pluginMarker = join(bin, "plugin-ran");
  writeFileSync(join(bin, "kubectl-diagnose"), `#!/bin/sh\ntouch ${pluginMarker}\necho '{"findings":[]}'\n`);
  chmodSync(join(bin, "kubectl-diagnose"), 0o755);
  k = createKubently({
    backend: memoryBackend(),
    policies: [readOnly(), redactSecrets()],
    apiKeys: [
      { name: "ops", key: KEY },
      { name: "shop-team", key: SHOP, namespaces: ["shop"] },
      { name: "two-teams", key: TWO, namespaces: ["shop", "payments"] },
      { name: "viewer", key: VIEWER, role: "viewer" },
    ],
    clusters: [{ id: "demo" }, { id: "legacy" }, { id: "dark" }],
  });
  await k.ready();
  url = (await k.listen({ port: 0 })).url;
  k.startLocalAgent({ clusterId: "demo", executor: nativeExecutor({ kubeconfig, analyzers: [waiting, leaky, nodes] }) });
  k.startLocalAgent({ clusterId: "legacy", executor: kubectlExecutor({ kubeconfig, path: `${bin}:${process.env.PATH}` }) });
  // Heartbeats carry the analyzer list the API checks requests against.
  for (let i = 0; i < 100 && !(await k.services.clusters.get({ name: "t", role: "admin" } as never, "demo")).agent?.analyzers; i++) await Bun.sleep(20);
});
afterAll(async () => {
  for (const c of mcps) await c.close().catch(() => {});
  await k.close();
  await sim.close();
});

describe("POST /debug/diagnose", () => {
  test("reads one namespace and answers its findings, the objects read and the analyzers run", async () => {
    const { status, body } = await post({ cluster_id: "demo", namespace: "shop", analyzers: ["waiting"] });
    expect(status).toBe(200);
    expect(body).toMatchObject({ cluster_id: "demo", status: "success", success: true, error: null });
    expect(body.findings.map((f: { id: string }) => f.id)).toEqual([expect.stringMatching(/^waiting\/ContainerWaiting\/shop\/Pod\/checkout-[a-z0-9-]+\/checkout$/)]);
    expect(body.findings[0]).toMatchObject({ analyzer: "waiting", severity: "warning", namespace: "shop", resource: { kind: "Pod" }, title: "checkout waits: CrashLoopBackOff", confirm: [["describe", "pod", expect.any(String), "-n", "shop"]] });
    expect(body.summary).toEqual({ critical: 0, warning: 1, info: 0, total: 1 });
    expect(body.analyzed).toMatchObject({ namespace: "shop", kinds: ["pods"], analyzers: ["waiting"] });
    expect(body.analyzed.objects).toBeGreaterThan(0);
  });

  test("without a namespace reads the whole cluster, cluster-scoped kinds included", async () => {
    const { body } = await post({ cluster_id: "demo", analyzers: ["waiting", "nodes"] });
    const namespaces = new Set(body.findings.map((f: { namespace: string | null }) => f.namespace));
    expect(namespaces).toEqual(new Set(["shop", "payments", null]));
    expect(body.findings.filter((f: { code: string }) => f.code === "NodeSeen")).toHaveLength(3);
  });

  test("a namespace read skips cluster-scoped kinds", async () => {
    const { body } = await post({ cluster_id: "demo", namespace: "shop", analyzers: ["nodes"] });
    expect(body.findings).toEqual([]);
    expect(body.analyzed.kinds).toEqual([]);
  });

  test("is queued and audited as the command `diagnose -n NS -o json` under the caller's identity", async () => {
    const { body } = await post({ cluster_id: "demo", namespace: "payments", correlation_id: "diag-audit-1" });
    const trail = await k.backend.audit.query({ correlationId: "diag-audit-1" });
    expect(trail.map((e) => e.eventType)).toEqual(expect.arrayContaining(["command.queued", "command.executed"]));
    expect(trail.every((e) => e.identity === "ops" && e.commandId === body.command_id)).toBe(true);
    expect(trail.find((e) => e.eventType === "command.queued")!.argv).toEqual(["diagnose", "-n", "payments", "-o", "json"]);
  });

  test("what leaves the agent is redacted: a credential in evidence never reaches the caller", async () => {
    const { body } = await post({ cluster_id: "demo", namespace: "shop", analyzers: ["leaky"] });
    const text = JSON.stringify(body);
    expect(text).not.toContain("hunter2-s3cret");
    expect(body.redacted).toBe(true);
    expect(body.findings[0].evidence.some((l: string) => l.startsWith("log: "))).toBe(true);
  });

  test("a key scoped to one namespace reads that namespace when it names none", async () => {
    const { status, body } = await post({ cluster_id: "demo", analyzers: ["waiting"] }, SHOP);
    expect(status).toBe(200);
    expect(body.analyzed.namespace).toBe("shop");
    expect(body.findings.every((f: { namespace: string }) => f.namespace === "shop")).toBe(true);
  });

  test("a scoped key asking for another namespace is denied with the reason", async () => {
    const { status, body } = await post({ cluster_id: "demo", namespace: "payments" }, SHOP);
    expect(status).toBe(403);
    expect(body).toMatchObject({ status: "denied", success: false, findings: [] });
    expect(body.error).toContain('namespace "payments" is not in shop');
  });

  test("a key scoped to several namespaces must name one", async () => {
    const { status, body } = await post({ cluster_id: "demo" }, TWO);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: "VALIDATION_FAILED", error: "name a namespace: this key reads only shop, payments" });
  });

  test("a viewer may not diagnose (it runs a command)", async () => {
    const { status, body } = await post({ cluster_id: "demo", namespace: "shop" }, VIEWER);
    expect(status).toBe(403);
    expect(body.code).toBe("FORBIDDEN");
  });

  test("an analyzer the agent does not run is a 400 naming those it does", async () => {
    const { status, body } = await post({ cluster_id: "demo", analyzers: ["crash-looop"] });
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: "VALIDATION_FAILED", details: { known_analyzers: ["leaky", "nodes", "waiting"] } });
    expect(body.error).toContain('unknown analyzer "crash-looop"');
  });

  test.each([
    [{ namespace: "shop" }, "cluster_id"],
    [{ cluster_id: "demo", cluster_ids: ["demo"] }, "cluster_id"],
    [{ cluster_id: "demo", namespace: "Shop_1" }, "DNS label"],
    [{ cluster_id: "demo", analyzers: ["Crash Loop"] }, "kebab-case"],
    [{ cluster_id: "demo", analyzers: "waiting" }, "analyzers"],
    [{ cluster_id: "demo", timeout_seconds: 0 }, "timeout_seconds"],
  ])("bad body %j is a 400 naming %s", async (body, named) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(res.body)).toContain(named);
  });

  test("an unknown cluster is a 404 listing the caller's clusters", async () => {
    const { status, body } = await post({ cluster_id: "nope" });
    expect(status).toBe(404);
    expect(body.details.known_clusters).toEqual(["dark", "demo", "legacy"]);
  });

  test("an agent with the kubectl executor answers EXECUTOR_UNSUPPORTED and never hands diagnose to kubectl (whose plugin lookup would run kubectl-diagnose)", async () => {
    const { status, body } = await post({ cluster_id: "legacy", namespace: "shop" });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "failure", success: false, code: "EXECUTOR_UNSUPPORTED", findings: [] });
    expect(body.error).toContain("--executor auto");
    expect(existsSync(pluginMarker)).toBe(false);
  });

  test("the same argv through /debug/execute prints the findings as text", async () => {
    const res = await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "demo", argv: ["diagnose", "-n", "shop", "--analyzers", "waiting"] }) });
    const body = (await res.json()) as { output: string };
    expect(body.output).toMatch(/^1 warning in namespace shop \(\d+ objects, 1 analyzer, \d+ ms\)\n/);
    expect(body.output).toContain("WARNING   checkout waits: CrashLoopBackOff");
  });

  test("cluster_ids diagnoses several clusters; each cluster's failure is its own entry", async () => {
    const { status, body } = await post({ cluster_ids: ["demo", "legacy", "nope"], namespace: "shop", analyzers: ["waiting"], timeout_seconds: 5 });
    expect(status).toBe(200);
    expect(body).toMatchObject({ count: 3, succeeded: 1 });
    const by = Object.fromEntries(body.results.map((r: { cluster_id: string }) => [r.cluster_id, r]));
    expect(by.demo).toMatchObject({ status: "success", summary: { total: 1 } });
    expect(by.legacy).toMatchObject({ status: "failure", code: "EXECUTOR_UNSUPPORTED" });
    expect(by.nope).toMatchObject({ status: "error", code: "CLUSTER_NOT_FOUND" });
  });

  test("a cluster without an agent times out within the asked budget", async () => {
    const { status, body } = await post({ cluster_id: "dark", timeout_seconds: 1 });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "timeout", success: false, findings: [] });
  });

  test("require_agent refuses at once when no agent is connected", async () => {
    const { status, body } = await post({ cluster_id: "dark", require_agent: true });
    expect(status).toBe(409);
    expect(body.code).toBe("CLUSTER_NOT_CONNECTED");
  });
});

describe("loadSnapshot", () => {
  test("reads the kinds asked for, every Warning event and no other Normal event than a PersistentVolumeClaim's; secrets never", async () => {
    const client = await createKubeClient({ kubeconfig: await sim.writeKubeconfig() });
    sim.add({ apiVersion: "v1", kind: "Event", metadata: { name: "claim.1", namespace: "shop", uid: "claim-1-uid", resourceVersion: "1", creationTimestamp: new Date().toISOString() }, involvedObject: { kind: "PersistentVolumeClaim", name: "data", namespace: "shop" }, reason: "WaitForFirstConsumer", message: "waiting for first consumer to be created before binding", type: "Normal", count: 1 });
    try {
      const all = ((await (await fetch(`${sim.url}/api/v1/events`)).json()) as { items: { type?: string }[] }).items;
      const s = await loadSnapshot(client, { namespace: null, kinds: ["pods", "events", "nodes"] });
      expect(s.kinds).toEqual(["pods", "events", "nodes"]);
      expect(s.list("events").length).toBeGreaterThan(0);
      expect(s.list("events").every((e) => e.type === "Warning" || (e.involvedObject as { kind: string }).kind === "PersistentVolumeClaim")).toBe(true);
      expect(s.list("events").some((e) => e.reason === "WaitForFirstConsumer")).toBe(true);
      // The cluster has Normal events of other kinds: the snapshot left them out.
      expect(all.filter((e) => e.type === "Normal").length).toBeGreaterThan(1);
      const scoped = await loadSnapshot(client, { namespace: "shop", kinds: ["pods", "nodes"] });
      expect(scoped.kinds).toEqual(["pods"]);
      expect(scoped.list("pods").every((p) => p.metadata.namespace === "shop")).toBe(true);
      expect(scoped.list("pods").some((p) => "managedFields" in p.metadata)).toBe(false);
    } finally {
      await client.close();
    }
  });
});

describe("MCP diagnose_cluster", () => {
  test("answers framed findings as text and the diagnosis as untrusted structured content", async () => {
    const client = await mcpConnect(url, { "x-api-key": KEY }, mcps);
    const r = (await client.callTool({ name: "diagnose_cluster", arguments: { cluster_id: "demo", namespace: "shop", analyzers: ["waiting"] } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    const text = clusterOutputOf(r);
    expect(text).toContain("1 warning in namespace shop");
    expect(text).toContain("checkout waits: CrashLoopBackOff");
    expect(r.structuredContent).toMatchObject({ cluster_id: "demo", status: "success", summary: { total: 1 }, untrusted: true });
  });

  test("a denial is a tool error naming the reason", async () => {
    const client = await mcpConnect(url, { "x-api-key": SHOP }, mcps);
    const r = (await client.callTool({ name: "diagnose_cluster", arguments: { cluster_id: "demo", namespace: "payments" } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toContain('namespace \\"payments\\" is not in shop');
  });

  test("an unknown analyzer is a tool error listing the known ones", async () => {
    const client = await mcpConnect(url, { "x-api-key": KEY }, mcps);
    const r = (await client.callTool({ name: "diagnose_cluster", arguments: { cluster_id: "demo", analyzers: ["nope"] } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toContain("VALIDATION_FAILED: unknown analyzer");
  });
});
