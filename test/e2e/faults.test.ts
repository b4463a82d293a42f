/**
 * Faults through the compiled binary with real kubectl against the simulated
 * cluster: an agent killed with SIGKILL mid-command (its lease runs out and a
 * restarted agent runs the command), and a caller cancelling a running
 * command (the agent kills kubectl, or closes the native watch), on both
 * the kubectl and the native executor.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { ensureBinary, hasTool, post, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([hasTool("kubectl") ? null : "kubectl is not on PATH", ensureBinary()]);
const KEY = "faults-key-0123456789abcdef";
const TOKEN = "faults-token-0123456789abcdef";

/** kubectl processes whose command line holds `marker`. */
const kubectlWith = (marker: string) =>
  (spawnSync("pgrep", ["-f", marker]).stdout?.toString() ?? "").split("\n").filter(Boolean);

describe.skipIf(skip).each(["kubectl", "native"] as const)("faults (%s executor)", (kind) => {
  let sim: SimCluster;
  let kubeconfig = "";
  let api: Proc;
  let url = "";
  const agents: Proc[] = [];
  const startAgent = async () => {
    const agent = run(["agent", "--api-url", url, "--cluster-id", "sim", "--token", TOKEN, "--kubeconfig", kubeconfig, "--concurrency", "2", "--executor", kind]);
    agents.push(agent);
    await agent.waitFor(/serving cluster sim/);
    return agent;
  };
  /** Readers of the cluster the command keeps open: kubectl processes, or the simulated cluster's open watches for native. */
  const inFlight = (marker: string) => (kind === "kubectl" ? kubectlWith(marker).length : sim.openStreams());
  const waitFor = async (check: () => Promise<boolean> | boolean, ms = 10_000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await check()) return true;
      await Bun.sleep(100);
    }
    return false;
  };

  beforeAll(async () => {
    sim = await startSimCluster();
    kubeconfig = await sim.writeKubeconfig(join(mkdtempSync(join(tmpdir(), "kubently-faults-")), "config"));
    api = run(["api", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`], { KUBENTLY_AGENT_TOKENS: `sim:${TOKEN}` });
    url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
  });
  afterAll(async () => {
    for (const a of agents) a.child.kill("SIGKILL");
    await api?.stop();
    await sim?.close();
  });

  test("an agent killed with SIGKILL mid-command: the command is re-delivered to a restarted agent", async () => {
    const first = await startAgent();
    const marker = `app=redeliver-${Date.now()}`;
    const pending = post(`${url}/debug/execute`, KEY, { cluster_id: "sim", argv: ["get", "pods", "-n", "shop", "-w", "-l", marker], timeout_seconds: 14 });
    expect(await waitFor(() => inFlight(marker) > 0)).toBe(true);
    first.child.kill("SIGKILL");
    await first.exited;
    await startAgent();
    const { body } = await pending;
    // The second agent ran the watch until the command's budget: only an agent produces COMMAND_TIMEOUT.
    expect(body).toMatchObject({ status: "timeout", code: "COMMAND_TIMEOUT" });
    const executed = await (await fetch(`${url}/audit?event_type=command.executed&limit=10`, { headers: { "x-api-key": KEY } })).json();
    expect(executed.entries.some((e: { commandId: string }) => e.commandId === body.command_id)).toBe(true);
    // The orphaned kubectl of the killed agent ends by itself (--request-timeout from the budget); a native watch died with its process.
    expect(await waitFor(() => inFlight(marker) === 0, 20_000)).toBe(true);
  }, 45_000);

  test("cancelling a running command stops its reader in the agent (kubectl killed, native stream closed)", async () => {
    if (agents.every((a) => a.child.exitCode !== null)) await startAgent();
    const marker = `app=cancel-${Date.now()}`;
    const queued = await post(`${url}/debug/execute`, KEY, { cluster_id: "sim", argv: ["get", "pods", "-n", "shop", "-w", "-l", marker], timeout_seconds: 30, wait: false });
    expect(queued.status).toBe(202);
    expect(await waitFor(() => inFlight(marker) > 0)).toBe(true);
    const cancelled = await fetch(`${url}/debug/command/${queued.body.command_id}`, { method: "DELETE", headers: { "x-api-key": KEY } });
    expect(cancelled.status).toBe(204);
    const started = Date.now();
    expect(await waitFor(() => inFlight(marker) === 0, 10_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(8_000);
    const result = await (await fetch(`${url}/debug/result/${queued.body.command_id}`, { headers: { "x-api-key": KEY } })).json();
    expect(result.status).toBe("cancelled");
    const again = await fetch(`${url}/debug/command/${queued.body.command_id}`, { method: "DELETE", headers: { "x-api-key": KEY } });
    expect(again.status).toBe(409);
  }, 30_000);
});
