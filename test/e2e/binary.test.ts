/**
 * End to end: the compiled binary (`all`, `api` + `agent` as two processes,
 * and `demo`) runs real kubectl against the simulated cluster, over REST.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { BINARY, ensureBinary, hasTool, post, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([hasTool("kubectl") ? null : "kubectl is not on PATH", ensureBinary()]);
const KEY = "e2e-key-0123456789abcdef";
const TOKEN = "e2e-agent-token-0123456789";

let sim: SimCluster;
let kubeconfig: string;

beforeAll(async () => {
  if (skip) return;
  sim = await startSimCluster();
  kubeconfig = await sim.writeKubeconfig(join(mkdtempSync(join(tmpdir(), "kubently-kc-")), "config"));
});
afterAll(async () => {
  await sim?.close();
});

/** The debugging walk a person would do, against any running API. */
function debuggingWalk(name: string, target: () => { url: string; cluster: string }) {
  test(`${name}: session, get pods -A, describe the crashlooping pod, its logs, and a denied command`, async () => {
    const { url, cluster } = target();
    const session = await post(`${url}/debug/session`, KEY, { cluster_id: cluster });
    expect(session.status).toBe(201);
    const sid = session.body.session_id;

    const pods = await post(`${url}/debug/execute`, KEY, { cluster_id: cluster, session_id: sid, argv: ["get", "pods", "-A"] });
    expect(pods.status).toBe(200);
    expect(pods.body).toMatchObject({ status: "success", success: true, exit_code: 0 });
    const table: string = pods.body.output;
    expect(table.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    for (const status of ["Running", "CrashLoopBackOff", "ImagePullBackOff", "Pending"]) expect(table).toContain(status);
    const crash = table.split("\n").find((l) => l.includes("CrashLoopBackOff"))!.split(/\s+/);
    const [ns, pod] = [crash[0]!, crash[1]!];

    const described = await post(`${url}/debug/execute`, KEY, { cluster_id: cluster, session_id: sid, command_type: "describe", args: ["pod", pod], namespace: ns });
    expect(described.body.status).toBe("success");
    expect(described.body.output).toContain(`Name:`);
    expect(described.body.output).toContain(pod);
    expect(described.body.output).toMatch(/Last State:\s+Terminated/);
    expect(described.body.output).toContain("BackOff");

    const logs = await post(`${url}/debug/execute`, KEY, { cluster_id: cluster, session_id: sid, command_type: "logs", args: [pod, "--previous"], namespace: ns });
    expect(logs.body.status).toBe("success");
    expect(logs.body.output.trim().split("\n").length).toBeGreaterThan(1);

    const denied = await post(`${url}/debug/execute`, KEY, { cluster_id: cluster, session_id: sid, argv: ["get", "secrets", "-n", ns, "-o", "yaml"] });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ status: "denied", policy: "read-only" });
    expect(denied.body.error).toContain("secrets");
  });
}

describe.skipIf(skip)("kubently all", () => {
  let proc: Proc;
  let url = "";
  beforeAll(async () => {
    proc = run(["all", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `e2e:${KEY}`, "--cluster-id", "sim", "--kubeconfig", kubeconfig]);
    url = (await proc.waitFor(/API listening on (http:\/\/\S+);/))[1]!;
  });
  afterAll(async () => {
    await proc?.stop();
  });
  debuggingWalk("all", () => ({ url, cluster: "sim" }));

  test("SIGTERM shuts it down cleanly with exit code 0", async () => {
    expect(await proc.stop()).toBe(0);
  });
});

describe.skipIf(skip)("kubently api + kubently agent as two processes", () => {
  let api: Proc;
  let agent: Proc;
  let url = "";
  let dir = "";
  beforeAll(async () => {
    // `kubently keygen` makes the signing key; the agent pins its public half.
    dir = mkdtempSync(join(tmpdir(), "kubently-keys-"));
    const keygen = Bun.spawnSync([BINARY, "keygen"]);
    expect(keygen.exitCode).toBe(0);
    writeFileSync(join(dir, "signing.pem"), keygen.stdout);
    writeFileSync(join(dir, "public.pem"), keygen.stderr);
    api = run(["api", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `e2e:${KEY}`, "--signing-key-file", join(dir, "signing.pem")], {
      KUBENTLY_AGENT_TOKENS: `sim:${TOKEN},pinned:${TOKEN}`,
    });
    url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    agent = run(["agent", "--api-url", url, "--cluster-id", "sim", "--kubeconfig", kubeconfig, "--api-public-key-file", join(dir, "public.pem")], { KUBENTLY_TOKEN: TOKEN });
    await agent.waitFor(/serving cluster sim/);
  });
  afterAll(async () => {
    await agent?.stop();
    await api?.stop();
  });
  debuggingWalk("api+agent", () => ({ url, cluster: "sim" }));

  test("the agent reports its executor (auto), what it answers natively, and kubectl and Kubernetes versions in its heartbeat", async () => {
    let detail: any;
    for (let i = 0; i < 50; i++) {
      detail = await (await fetch(`${url}/debug/clusters/sim`, { headers: { "x-api-key": KEY } })).json();
      if (detail.agent?.kubernetesVersion) break;
      await Bun.sleep(100);
    }
    expect(detail).toMatchObject({ cluster_id: "sim", connected: true, agent: { executor: "auto" } });
    expect(detail.agent.nativeCommands).toEqual(expect.arrayContaining(["get", "describe", "logs", "events", "top pod", "top node", "auth can-i"]));
    expect(detail.agent.kubectlVersion).toMatch(/^v1\./);
    expect(detail.agent.kubernetesVersion).toMatch(/^v1\./);
  });

  test("an agent pinned to another signing key refuses every command", async () => {
    const other = Bun.spawnSync([BINARY, "keygen"]);
    writeFileSync(join(dir, "other.pem"), other.stderr);
    const pinned = run(["agent", "--api-url", url, "--cluster-id", "pinned", "--token", TOKEN, "--kubeconfig", kubeconfig, "--api-public-key-file", join(dir, "other.pem")]);
    await pinned.waitFor(/serving cluster pinned/);
    const r = await post(`${url}/debug/execute`, KEY, { cluster_id: "pinned", argv: ["get", "pods", "-A"] });
    expect(r.body).toMatchObject({ status: "denied", code: "SIGNATURE_INVALID", output: "" });
    expect(r.body.error).toContain("unknown key");
    await pinned.stop();
  });

  test("an agent with a wrong token is refused and the API keeps serving", async () => {
    const rogue = run(["agent", "--api-url", url, "--cluster-id", "sim", "--token", "not-the-token-000000", "--kubeconfig", kubeconfig]);
    await rogue.waitFor(/answered 401/);
    expect(await rogue.stop()).toBe(0);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
  });
});

describe.skipIf(skip)("kubently demo", () => {
  let demo: Proc;
  let url = "";
  beforeAll(async () => {
    demo = run(["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, "--cluster-id", "playground"]);
    url = (await demo.waitFor(/API:\s+(http:\/\/\S+)/))[1]!;
  });
  afterAll(async () => {
    await demo?.stop();
  });
  test("prints a working curl and brings its own cluster", async () => {
    const out = demo.output();
    expect(out).toContain(`X-API-Key: ${KEY}`);
    expect(out).toContain(`"cluster_id":"playground"`);
  });
  test("prints an admin key that the admin routes accept (the operator key does not)", async () => {
    const admin = demo.output().match(/Admin key:\s+(\S+)/)?.[1];
    expect(admin).toMatch(/^kdemo_admin_/);
    expect((await fetch(`${url}/admin/agents`, { headers: { "x-api-key": admin! } })).status).toBe(200);
    expect((await fetch(`${url}/admin/agents`, { headers: { "x-api-key": KEY } })).status).toBe(403);
  });
  debuggingWalk("demo", () => ({ url, cluster: "playground" }));
});
