/**
 * Fail loudly at start (issue 15, item 2), through the compiled binary:
 * `api`/`all` refuse to start without an API key; `agent`/`all` refuse
 * without cluster credentials, naming each place they looked, and never fall
 * back to http://localhost:8080 (their own port); each server prints one
 * start-up line (backend, policies in order, executor) and listens where it
 * says, with the address it is bound to.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VERSION } from "../../lib/version.ts";
import { simKubeconfig, startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { BINARY, ensureBinary, prerequisites, run } from "./_harness.ts";
import { freePort } from "../_ports.ts";

const { skip } = prerequisites([ensureBinary()]);
const KEY = "start-up-key-0123456789abcdef";
const ADMIN = "start-up-admin-0123456789abcdef";
const LOCAL = ["--port", "0", "--a2a-port", "0", "--host", "127.0.0.1"];

let sim: SimCluster;
let kubeconfig = "";
let dir = "";

beforeAll(async () => {
  if (skip) return;
  sim = await startSimCluster();
  dir = mkdtempSync(join(tmpdir(), "kubently-start-up-"));
  kubeconfig = await sim.writeKubeconfig(join(dir, "kubeconfig"));
});
afterAll(async () => {
  await sim?.close();
});

/** Runs the binary until it exits by itself (or `ms` pass); its exit code and output. */
async function toEnd(args: string[], env: Record<string, string> = {}, ms = 20_000): Promise<{ code: number | null; out: string }> {
  const p = run(args, env);
  const timer = setTimeout(() => p.child.kill("SIGKILL"), ms);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out: p.output() };
}


/** A kubeconfig file whose cluster server is `server`. */
function kubeconfigFor(server: string): string {
  const path = join(mkdtempSync(join(dir, "kc-")), "config");
  writeFileSync(path, simKubeconfig(server));
  return path;
}

describe.skipIf(skip)("start-up: no API key", () => {
  for (const verb of ["api", "all"]) {
    test(`${verb} with no API key refuses to start, naming --api-keys and --admin-key`, async () => {
      const r = await toEnd([verb, ...LOCAL, "--executor", "echo"].filter((a, i, all) => verb === "all" || (a !== "--executor" && all[i - 1] !== "--executor")));
      expect(r.code).toBe(2);
      expect(r.out).toContain("no API key configured, so every call but /health would be refused");
      expect(r.out).toContain("--api-keys NAME:KEY");
      expect(r.out).toContain("--admin-key KEY");
      expect(r.out).not.toContain("listening on");
    });
  }

  test("api on SQLite starts without a configured key when the backend keeps one (made with kubently key create)", async () => {
    const file = join(mkdtempSync(join(dir, "sqlite-")), "kubently.db");
    const first = run(["api", ...LOCAL, "--disable-a2a", "--backend", "sqlite", "--sqlite-file", file, "--admin-key", ADMIN]);
    const url = (await first.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    const created = Bun.spawnSync([BINARY, "key", "create", "bot", "--role", "operator"], { env: { PATH: process.env.PATH ?? "", KUBENTLY_API_URL: url, KUBENTLY_API_KEY: ADMIN } });
    expect(created.exitCode).toBe(0);
    const botKey = created.stdout.toString().trim();
    expect(await first.stop()).toBe(0);

    const again = run(["api", ...LOCAL, "--disable-a2a", "--backend", "sqlite", "--sqlite-file", file]);
    const url2 = (await again.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    expect((await fetch(`${url2}/debug/clusters`, { headers: { "x-api-key": botKey } })).status).toBe(200);
    expect(await again.stop()).toBe(0);
  }, 30_000);
});

describe.skipIf(skip)("start-up: no cluster credentials", () => {
  test("agent with no kubeconfig and no in-cluster account exits 2 naming each place, and never calls the API", async () => {
    let calls = 0;
    const api = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => (calls++, new Response("{}")) });
    try {
      const r = await toEnd(["agent", "--api-url", `http://127.0.0.1:${api.port}`, "--cluster-id", "c1", "--token", "t0123456789"]);
      expect(r.code).toBe(2);
      expect(r.out).toContain("no cluster credentials. Looked for: --kubeconfig (KUBENTLY_KUBECONFIG): not set; $KUBECONFIG: not set;");
      expect(r.out).toMatch(/\/\.kube\/config: not found; the in-cluster service account: KUBERNETES_SERVICE_HOST\/PORT not set/);
      expect(calls).toBe(0);
    } finally {
      api.stop(true);
    }
  });

  test("all with no kubeconfig exits 2 before listening", async () => {
    const r = await toEnd(["all", ...LOCAL, "--api-keys", `t:${KEY}`]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("no cluster credentials. Looked for:");
    expect(r.out).not.toContain("listening on");
  });

  test("a missing --kubeconfig or $KUBECONFIG file, an unreadable one, and an in-cluster address without a token are named", async () => {
    const agent = ["agent", "--api-url", "http://127.0.0.1:9", "--cluster-id", "c1", "--token", "t0123456789"];
    expect((await toEnd([...agent, "--kubeconfig", "/nonexistent/kubeconfig"])).out).toContain("--kubeconfig /nonexistent/kubeconfig: no such file");
    expect((await toEnd(agent, { KUBECONFIG: "/nonexistent/a" })).out).toContain("KUBECONFIG names /nonexistent/a, which does not exist");
    const garbage = join(dir, "garbage");
    writeFileSync(garbage, "apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n");
    expect((await toEnd([...agent, "--kubeconfig", garbage])).out).toMatch(/the kubeconfig .*garbage names no cluster server for its current context "nowhere"/);
    const inCluster = await toEnd(agent, { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" });
    expect(inCluster.code).toBe(2);
    expect(inCluster.out).toContain("the in-cluster service account: /var/run/secrets/kubernetes.io/serviceaccount/token not found");
  });

  test("a kubeconfig pointing at Kubently's own port is refused (all: its API; agent: --api-url)", async () => {
    const port = await freePort();
    const self = await toEnd(["all", "--port", String(port), "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`, "--kubeconfig", kubeconfigFor(`http://localhost:${port}`)]);
    expect(self.code).toBe(2);
    expect(self.out).toContain(`the cluster's API server http://localhost:${port}`);
    expect(self.out).toContain("Kubently would be talking to itself");
    const agent = await toEnd(["agent", "--api-url", `http://127.0.0.1:${port}`, "--cluster-id", "c1", "--token", "t0123456789", "--kubeconfig", kubeconfigFor(`http://127.0.0.1:${port}/`)]);
    expect(agent.code).toBe(2);
    expect(agent.out).toContain("Kubently would be talking to itself");
  });

  test("--executor kubectl without a kubectl binary is refused; --executor echo needs no cluster", async () => {
    const r = await toEnd(["agent", "--api-url", "http://127.0.0.1:9", "--cluster-id", "c1", "--token", "t0123456789", "--kubeconfig", kubeconfig, "--executor", "kubectl", "--kubectl", "/nonexistent/kubectl"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("--executor kubectl needs kubectl: found no /nonexistent/kubectl");
    const echo = run(["all", ...LOCAL, "--api-keys", `t:${KEY}`, "--executor", "echo"]);
    await echo.waitFor(/API listening on http:\/\/\S+;/);
    expect(await echo.stop()).toBe(0);
  });
});

describe.skipIf(skip)("start-up: what the servers print", () => {
  test("all prints one line with backend, policies in order, executor and cluster, then where it listens", async () => {
    const p = run(["all", ...LOCAL, "--api-keys", `t:${KEY}`, "--kubeconfig", kubeconfig, "--plugins", "redact-secrets,read-only", "--cluster-id", "sim"]);
    const url = (await p.waitFor(/API listening on (http:\/\/\S+);/))[1]!;
    const lines = p.output().split("\n").filter((l) => l.includes(`kubently all ${VERSION}:`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[kubently\] info: kubently all \S+: backend memory \(state ends with the process\); policies redact-secrets, read-only; executor auto \(native where it covers the command, /);
    expect(lines[0]).toContain(`; cluster ${sim.url} from kubeconfig ${kubeconfig} (context `);
    expect(p.output()).toContain(`API listening on ${url}; agent for cluster "sim" running in-process (this host only)`);
    expect(await p.stop()).toBe(0);
  });

  test("the agent's line names no backend of its own, its policies, executor and cluster", async () => {
    const api = run(["api", ...LOCAL, "--disable-a2a", "--api-keys", `t:${KEY}`, "--agent-tokens", "sim:t0123456789abc"]);
    const url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    const agent = run(["agent", "--api-url", url, "--cluster-id", "sim", "--token", "t0123456789abc", "--kubeconfig", kubeconfig, "--executor", "native"]);
    await agent.waitFor(/serving cluster sim/);
    expect(agent.output()).toContain(`kubently agent ${VERSION}: backend none here (the API at ${url} keeps the state); policies read-only, redact-secrets; executor native (reads through the Kubernetes API; kubectl never runs); cluster ${sim.url}`);
    await agent.stop();
    expect(api.output()).toContain(`kubently api ${VERSION}: backend memory (state ends with the process); policies read-only, redact-secrets; executor none here (agents run the commands)`);
    await api.stop();
  });

  test("the listening lines show the address bound: 0.0.0.0 is every interface, with the local URL beside it", async () => {
    const p = run(["api", "--port", "0", "--a2a-port", "0", "--host", "0.0.0.0", "--api-keys", `t:${KEY}`]);
    const [, port, local] = await p.waitFor(/API listening on http:\/\/0\.0\.0\.0:(\d+) \(every IPv4 interface; (http:\/\/127\.0\.0\.1:\d+) from this host\)/);
    expect(local).toBe(`http://127.0.0.1:${port}`);
    await p.waitFor(/A2A listening on http:\/\/0\.0\.0\.0:\d+/);
    expect((await fetch(`${local}/health`)).status).toBe(200);
    expect(await p.stop()).toBe(0);
  });
});

describe.skipIf(skip)("start-up: demo --scenario", () => {
  test("serves the scenario file it names, and says which in its banner and start-up line", async () => {
    const file = join(dir, "incident.yaml");
    writeFileSync(
      file,
      [
        'apiVersion: kubently.io/v1\nkind: Scenario\nmetadata: { name: one-pod, description: a single pending pod }\ncapturedAt: "2026-03-01T12:00:00Z"\n',
        'apiVersion: v1\nkind: Pod\nmetadata: { name: lonely, namespace: shop, creationTimestamp: "2026-03-01T11:00:00Z" }\nspec: { containers: [{ name: c, image: busybox }] }\nstatus: { phase: Pending }\n',
      ].join("---\n"),
    );
    const p = run(["demo", ...LOCAL, "--api-key", KEY, "--scenario", file]);
    const url = (await p.waitFor(/API:\s+(http:\/\/\S+)/))[1]!;
    expect(p.output()).toContain("Scenario:   one-pod: a single pending pod");
    expect(p.output()).toContain("from the simulated cluster (scenario one-pod)");
    const res = await fetch(`${url}/debug/execute`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ cluster_id: "demo", argv: ["get", "pods", "-A"] }),
    });
    const body = (await res.json()) as { output: string };
    expect(body.output).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nshop\s+lonely\s+0\/1\s+Pending\s+0\s+60m\n$/);
    expect(await p.stop()).toBe(0);
  }, 30_000);

  test("an invalid scenario file exits 2 with one line naming the file and document, before listening", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "apiVersion: v1\nkind: Pod\nmetadata: { name: a }\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n");
    const r = await toEnd(["demo", ...LOCAL, "--scenario", file]);
    expect(r.code).toBe(2);
    expect(r.out.trim()).toBe(`[kubently] error: ${file}: document 2: the simulated cluster cannot serve example.com/v1 Widget; see docs/simulated-cluster.md for the kinds it serves`);
    const unknown = await toEnd(["demo", ...LOCAL, "--scenario", "defualt"]);
    expect(unknown.code).toBe(2);
    expect(unknown.out.trim()).toBe("[kubently] error: defualt: no such built-in scenario (default, empty) nor file or directory");
  });
});
