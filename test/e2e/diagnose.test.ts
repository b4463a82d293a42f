/**
 * Diagnostics through the compiled binary (issue 12, "Done means"):
 * `kubently demo` serves the built-in scenario, `kubently diagnose demo` names
 * every fault its story labels (with evidence and confirm commands that run),
 * and nothing else; the same findings come back over REST, MCP and A2A with
 * their official clients; healthy scenarios give no finding; an analyzer
 * file named by --analyzers loads into the binary.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Role, TaskState, type Message, type Task } from "@a2a-js/sdk";
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory } from "@a2a-js/sdk/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { parseAllDocuments } from "yaml";
import { BINARY, ensureBinary, keyedFetch, post, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([ensureBinary()]);
const KEY = "e2e-diag-key-0123456789abcdef";
const ROOT = resolve(import.meta.dir, "../..");

type Label = { analyzer: string; code: string; namespace: string | null; kind: string; name: string };
type Finding = { id: string; analyzer: string; code: string; namespace: string | null; resource: { kind: string; name: string }; evidence: string[]; confirm: string[][] };

/** The `expect` list of a scenario file's Scenario document. */
function labelsOf(file: string): Label[] {
  const side = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).find((d) => d?.kind === "Scenario" && d?.apiVersion === "kubently.io/v1");
  return (side?.expect ?? []) as Label[];
}
const key = (x: { analyzer: string; code: string; namespace: string | null; kind: string; name: string }) => `${x.analyzer}/${x.code}/${x.namespace ?? "_"}/${x.kind}/${x.name}`;
const keyOf = (f: Finding) => key({ analyzer: f.analyzer, code: f.code, namespace: f.namespace, kind: f.resource.kind, name: f.resource.name });

/** Runs a client verb of the binary against `url`. */
const cli = (url: string, args: string[]) =>
  spawnSync(BINARY, args, { env: { PATH: process.env.PATH ?? "", HOME: mkdtempSync(join(tmpdir(), "kubently-e2e-")), KUBENTLY_API_URL: url, KUBENTLY_API_KEY: KEY }, encoding: "utf8", timeout: 60_000 });

async function startDemo(extra: string[] = []): Promise<{ demo: Proc; url: string; a2a: string }> {
  const demo = run(["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, ...extra]);
  const url = (await demo.waitFor(/API:\s+(http:\/\/\S+)/))[1]!;
  const a2a = (await demo.waitFor(/A2A:\s+(http:\/\/\S+)/))[1]!;
  return { demo, url, a2a };
}

describe.skipIf(skip)("kubently diagnose through the compiled binary", () => {
  let demo: Proc;
  let url = "";
  let a2a = "";
  let findings: Finding[] = [];

  beforeAll(async () => {
    ({ demo, url, a2a } = await startDemo());
  });
  afterAll(async () => {
    await demo?.stop();
  });

  test("`kubently diagnose demo -o json` names every labelled fault of the demo scenario and nothing else", () => {
    const r = cli(url, ["diagnose", "demo", "-o", "json"]);
    expect(r.status).toBe(0);
    const view = JSON.parse(r.stdout) as { status: string; findings: Finding[]; analyzed: { analyzers: string[] } };
    expect(view.status).toBe("success");
    findings = view.findings;
    const labels = labelsOf(join(ROOT, "lib/sim/scenarios/default.yaml"));
    expect(labels.length).toBeGreaterThanOrEqual(8);
    expect(findings.map(keyOf).sort()).toEqual(labels.map(key).sort());
    expect(view.analyzed.analyzers.length).toBeGreaterThanOrEqual(17);
  });

  test("every finding has evidence, and every confirm command runs through `kubently exec` and succeeds", () => {
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect({ id: f.id, evidence: f.evidence.length > 0, confirm: f.confirm.length > 0 }).toEqual({ id: f.id, evidence: true, confirm: true });
      for (const argv of f.confirm) {
        const r = cli(url, ["exec", "demo", "--", ...argv]);
        expect({ argv, status: r.status, stderr: r.status === 0 ? "" : r.stderr }).toEqual({ argv, status: 0, stderr: "" });
      }
    }
  }, 120_000);

  test("the text form prints the summary, each finding's title, evidence and confirm lines; --fail-on sets the exit code", () => {
    const r = cli(url, ["diagnose", "demo"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+ critical, \d+ warning in the cluster \(\d+ objects, \d+ analyzers, \d+ ms\)\n/);
    expect(r.stdout).toContain("CrashLoopBackOff · crash-loop");
    expect(r.stdout).toContain("log: ");
    expect(r.stdout).toContain("$ kubectl logs checkout-");
    // No colors in a pipe.
    expect(r.stdout).not.toContain("\x1b[");
    expect(cli(url, ["diagnose", "demo", "--fail-on", "critical"]).status).toBe(1);
    const shopOnly = cli(url, ["diagnose", "demo", "-n", "kube-system", "--fail-on", "warning"]);
    expect(shopOnly.stdout).toContain("No problems found in namespace kube-system");
    expect(shopOnly.status).toBe(0);
    expect(cli(url, ["diagnose", "demo", "--analyzers", "nope"]).stderr).toContain('unknown analyzer "nope"');
  });

  test("the same findings come back over REST, MCP and A2A", async () => {
    const ids = findings.map((f) => f.id);
    const rest = await post(`${url}/debug/diagnose`, KEY, { cluster_id: "demo" });
    expect(rest.status).toBe(200);
    expect(rest.body.findings.map((f: Finding) => f.id)).toEqual(ids);

    const mcp = new Client({ name: "e2e", version: "1.0.0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { "x-api-key": KEY } } }));
    const tool = (await mcp.callTool({ name: "diagnose_cluster", arguments: { cluster_id: "demo" } })) as CallToolResult;
    await mcp.close();
    expect(tool.isError).toBeFalsy();
    expect((tool.structuredContent as { findings: Finding[] }).findings.map((f) => f.id)).toEqual(ids);

    const keyed = keyedFetch(KEY);
    const client = await new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: keyed })], cardResolver: new DefaultAgentCardResolver({ fetchImpl: keyed }) }).createFromUrl(a2a);
    const message = { messageId: crypto.randomUUID(), role: Role.ROLE_USER, parts: [{ content: { $case: "text", value: "what is wrong on cluster demo?" } }] } as unknown as Message;
    const task = (await client.sendMessage({ message } as never)) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const data = task.artifacts?.[0]?.parts.flatMap((p) => (p.content?.$case === "data" ? [p.content.value as { findings: Finding[] }] : []))[0];
    expect(data?.findings.map((f) => f.id)).toEqual(ids);
  }, 60_000);

  test("an analyzer file named by --analyzers loads into the binary and runs through diagnose", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubently-analyzer-"));
    writeFileSync(
      join(dir, "all-pods.ts"),
      `import { defineAnalyzer, finding } from "kubently/diagnose";
export default defineAnalyzer({
  id: "all-pods",
  kinds: ["pods"],
  codes: { PodSeen: "info" },
  analyze: (s) => s.list("pods").map((p) => finding("all-pods", { code: "PodSeen", severity: "info", kind: "Pod", namespace: p.metadata.namespace, name: p.metadata.name, title: "seen", confirm: [["get", "pods"]], hint: "" })),
});
`,
    );
    const own = await startDemo(["--analyzers", `builtin,${join(dir, "all-pods.ts")}`]);
    try {
      const r = cli(own.url, ["diagnose", "demo", "-n", "shop", "--analyzers", "all-pods", "-o", "json"]);
      const view = JSON.parse(r.stdout) as { findings: Finding[]; analyzed: { analyzers: string[] } };
      expect(view.analyzed.analyzers).toEqual(["all-pods"]);
      expect(view.findings.length).toBeGreaterThan(3);
      expect(view.findings.every((f) => f.code === "PodSeen" && f.namespace === "shop")).toBe(true);
    } finally {
      await own.demo.stop();
    }
    const bad = run(["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, "--analyzers", "crash-looop"]);
    expect(await bad.exited).not.toBe(0);
    expect(bad.output()).toContain('analyzer "crash-looop" could not be loaded');
    expect(bad.output()).toContain('did you mean "crash-loop"?');
  }, 60_000);
});

describe.skipIf(skip)("healthy scenarios through the compiled binary", () => {
  const dir = join(ROOT, "test/scenarios");
  const healthy = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith("healthy")).map((f) => join(dir, f)) : [];

  test("there are healthy scenarios to check", () => {
    expect(healthy.length).toBeGreaterThanOrEqual(6);
  });

  test.each(healthy.map((f) => [f.slice(dir.length + 1), f]))("%s: kubently diagnose finds nothing", async (_name, file) => {
    const { demo, url } = await startDemo(["--scenario", file]);
    try {
      const r = cli(url, ["diagnose", "demo", "--fail-on", "info"]);
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: expect.stringContaining("No problems found in the cluster") });
    } finally {
      await demo.stop();
    }
  }, 60_000);
});
