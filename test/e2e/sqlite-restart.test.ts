/**
 * The API restarted on SQLite mid-session, through the compiled binary: the
 * session, an admin-created API key, the agent token and the audit log survive;
 * the agent (kept running) reconnects by itself and the session goes on.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { ensureBinary, hasTool, post, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([hasTool("kubectl") ? null : "kubectl is not on PATH", ensureBinary()]);
const ADMIN = "sqlite-admin-0123456789abcdef";

describe.skipIf(skip)("kubently api --backend sqlite across a restart", () => {
  let sim: SimCluster;
  let dir = "";
  let api: Proc | undefined;
  let agent: Proc | undefined;
  let port = 0;

  const startApi = async () => {
    api = run(["api", "--backend", "sqlite", "--sqlite-file", join(dir, "kubently.db"), "--port", String(port), "--a2a-port", "0", "--host", "127.0.0.1", "--admin-key", ADMIN, "--signing-key-file", join(dir, "signing.pem")]);
    const url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    port = Number(new URL(url).port);
    return url;
  };

  beforeAll(async () => {
    sim = await startSimCluster();
    dir = mkdtempSync(join(tmpdir(), "kubently-sqlite-e2e-"));
    await Bun.write(join(dir, "signing.pem"), Bun.spawnSync([join(import.meta.dir, "../../dist/kubently"), "keygen"]).stdout);
  });
  afterAll(async () => {
    await agent?.stop();
    await api?.stop();
    await sim?.close();
  });

  test("session, key, token and audit survive; the agent reconnects; the session goes on", async () => {
    let url = await startApi();
    const token = (await post(`${url}/admin/agents/prod/token`, ADMIN, {})).body.token as string;
    const key = (await post(`${url}/admin/keys`, ADMIN, { name: "sre-bot", role: "operator" })).body.key as string;
    agent = run(["agent", "--api-url", url, "--cluster-id", "prod", "--token", token, "--kubeconfig", await sim.writeKubeconfig(join(dir, "kubeconfig"))]);
    await agent.waitFor(/serving cluster prod/);

    const session = (await post(`${url}/debug/session`, key, { cluster_id: "prod", ttl_seconds: 600 })).body;
    const first = await post(`${url}/debug/execute`, key, { cluster_id: "prod", session_id: session.session_id, argv: ["get", "pods", "-n", "shop"] });
    expect(first.body).toMatchObject({ status: "success" });
    expect(first.body.output).toContain("CrashLoopBackOff");

    expect(await api!.stop()).toBe(0);
    url = await startApi();

    const again = await (await fetch(`${url}/debug/session/${session.session_id}`, { headers: { "x-api-key": key } })).json();
    expect(again).toMatchObject({ session_id: session.session_id, status: "active", cluster_id: "prod" });
    const audit = await (await fetch(`${url}/audit?limit=1000`, { headers: { "x-api-key": ADMIN } })).json();
    const types = audit.entries.map((e: { eventType: string }) => e.eventType);
    for (const t of ["agent.token.created", "key.created", "session.created", "command.queued", "command.executed"]) expect(types).toContain(t);
    expect(await (await fetch(`${url}/audit/verify`, { headers: { "x-api-key": ADMIN } })).json()).toMatchObject({ ok: true });

    // The agent was never restarted: it backs off, reconnects and serves the same session.
    let second: { status: number; body: any } = { status: 0, body: {} };
    for (let i = 0; i < 40 && second.body.status !== "success"; i++) {
      second = await post(`${url}/debug/execute`, key, { cluster_id: "prod", session_id: session.session_id, argv: ["describe", "deployment", "web", "-n", "shop"], timeout_seconds: 5 });
      if (second.body.status !== "success") await Bun.sleep(250);
    }
    expect(second.body).toMatchObject({ status: "success", session_id: session.session_id });
    expect(second.body.output).toContain("Name:");
  }, 60_000);
});
