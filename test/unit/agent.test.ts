/**
 * The agent and its executors with real processes: timeouts kill the whole
 * process group, output is capped, the environment is scrubbed, and the agent
 * re-checks every command itself (a command forged straight into the queue is
 * refused).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { backoffDelay, startAgent, type AgentJob, type AgentTransport } from "../../lib/agent/agent.ts";
import { echoExecutor, kubectlExecutor, withRequestTimeout } from "../../lib/agent/executors.ts";
import { createKubently } from "../../lib/kubently.ts";
import type { Command, Result } from "../../lib/schemas.ts";
import { createSigner } from "../../lib/signing.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { testCommand } from "../_fixtures.ts";

/** Running (a killed process may linger as a zombie until reaped: that counts as dead). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("kubectlExecutor", () => {
  test("passes only PATH, HOME, KUBECONFIG, the in-cluster API address (and KUBECTL_KUBERC=false) to the process", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_SECRET_ACCESS_KEY: "leak-me", KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443", KUBERNETES_PORT: "tcp://10.96.0.1:443" });
    const exec = kubectlExecutor({ binary: "env", kubeconfig: "/tmp/kc", home: "/tmp/home", path: "/usr/bin:/bin", requestTimeout: false });
    const out = await exec.run([], { timeoutMs: 5_000 });
    for (const name of ["AWS_SECRET_ACCESS_KEY", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBERNETES_PORT"]) if (saved[name] === undefined) delete process.env[name];
    const names = out.stdout.trim().split("\n").map((l) => l.split("=")[0]).sort();
    expect(names).toEqual(["HOME", "KUBECONFIG", "KUBECTL_KUBERC", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "PATH"]);
    expect(out.stdout).toContain("KUBECTL_KUBERC=false\n");
    expect(out.stdout).not.toContain("leak-me");
  });

  test("never goes through a shell: metacharacters arrive as plain arguments", async () => {
    const exec = kubectlExecutor({ binary: "echo", requestTimeout: false });
    const out = await exec.run(["pods;", "touch", "/tmp/pwned", "$(id)", "`id`", "|", "cat"], { timeoutMs: 5_000 });
    expect(out.stdout).toBe("pods; touch /tmp/pwned $(id) `id` | cat\n");
  });

  test("kills the whole process group when the timeout runs out", async () => {
    const exec = kubectlExecutor({ binary: "sh", requestTimeout: false });
    const started = Date.now();
    const out = await exec.run(["-c", "sleep 30 & echo $!; sleep 30"], { timeoutMs: 300 });
    expect(out).toMatchObject({ timedOut: true, exitCode: null });
    expect(Date.now() - started).toBeLessThan(5_000);
    const grandchild = Number(out.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    await Bun.sleep(50);
    expect(alive(grandchild)).toBe(false);
  });

  test("stops reading at the output cap and marks the result truncated", async () => {
    const exec = kubectlExecutor({ binary: "yes", requestTimeout: false });
    const out = await exec.run(["0123456789"], { timeoutMs: 5_000, maxOutputBytes: 4096 });
    expect(out.truncated).toBe(true);
    expect(Buffer.byteLength(out.stdout)).toBe(4096);
    expect(out.timedOut).toBe(false);
  });

  test("an aborted signal kills the process and says cancelled", async () => {
    const exec = kubectlExecutor({ binary: "sleep", requestTimeout: false });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const out = await exec.run(["30"], { timeoutMs: 10_000, signal: controller.signal });
    expect(out).toMatchObject({ cancelled: true, exitCode: null });
  });

  test("withRequestTimeout gives kubectl its own deadline, before any --, after any the caller set (kubectl takes the last)", () => {
    expect(withRequestTimeout(["get", "pods", "-w"], 10_000)).toEqual(["get", "pods", "-w", "--request-timeout=11s"]);
    expect(withRequestTimeout(["get", "pods", "--", "x"], 2_500)).toEqual(["get", "pods", "--request-timeout=4s", "--", "x"]);
    // `--request-timeout=0` would mean "never": an orphaned `logs -f` must still end.
    expect(withRequestTimeout(["logs", "-f", "web", "--request-timeout=0"], 10_000)).toEqual(["logs", "-f", "web", "--request-timeout=0", "--request-timeout=11s"]);
  });

  test("a missing binary is a clear failure, not a crash", async () => {
    const out = await kubectlExecutor({ binary: "/nonexistent/kubectl" }).run(["version"], { timeoutMs: 1_000 });
    expect(out.exitCode).toBeNull();
    expect(out.stderr).toContain("cannot start /nonexistent/kubectl");
  });
});

describe("startAgent", () => {
  const signer = createSigner();
  const signed = (c: Command): Command => ({ ...c, signature: signer.sign(c) });
  const config = async () => ({ publicKeys: [signer.publicKeyPem] });
  const command = (argv: string[], over: Partial<Command> = {}): Command =>
    testCommand("c1", { argv, deadline: Date.now() + 5_000, requestedBy: "forger", correlationId: "x", ...over });

  test("re-checks policy itself: an API with no policies cannot make it run a write", async () => {
    // The API side allows anything here; only the agent's own read-only check stands between.
    const k = createKubently({ backend: memoryBackend(), policies: [], clusters: [{ id: "c1" }] });
    await k.ready();
    k.startLocalAgent({ clusterId: "c1", executor: echoExecutor(), policies: [readOnly()] });
    const admin = { kind: "admin", name: "admin", keyId: "t", role: "admin" } as const;
    try {
      for (const argv of [["delete", "pod", "web"], ["get", "secrets", "-A", "-o", "json"], ["get", "pods", "--as=system:masters"], ["exec", "web", "--", "sh"]]) {
        const out = await k.services.execute.execute(admin, { clusterId: "c1", argv });
        expect(out.result).toMatchObject({ status: "denied", code: "AGENT_REFUSED", policy: "read-only", output: "" });
        expect(out.result!.error).toContain("refused by the agent");
      }
      const refusals = await k.backend.audit.query({ eventType: "command.refused" });
      expect(refusals.map((e) => [e.identity, e.decision, e.policy, e.outcome])).toEqual(Array(4).fill(["admin", "denied", "read-only", "denied"]));
    } finally {
      await k.close();
    }
  });

  test("refuses a command for another cluster and one past its budget", async () => {
    const submitted: Result[] = [];
    const jobs: AgentJob[] = [
      { leaseId: "l1", attempt: 1, budgetMs: 5_000, command: signed(command(["get", "pods"], { clusterId: "other" })) },
      { leaseId: "l2", attempt: 1, budgetMs: -1, command: signed(command(["get", "pods"])) },
    ];
    const transport: AgentTransport = {
      lease: async ({ signal }) => jobs.shift() ?? (await new Promise((r) => signal.addEventListener("abort", () => r(null)))),
      submit: async (_job, result) => void submitted.push(result),
      heartbeat: async () => {},
      config,
      extend: async () => true,
    };
    const agent = startAgent({ clusterId: "c1", transport, executor: echoExecutor(), policies: [readOnly()], concurrency: 1 });
    for (let i = 0; i < 100 && submitted.length < 2; i++) await Bun.sleep(10);
    await agent.stop();
    expect(submitted.map((r) => [r.status, r.code])).toEqual([
      ["denied", "AGENT_REFUSED"],
      ["timeout", "DEADLINE_EXCEEDED"],
    ]);
  });

  test("backs off and recovers when the API fails, and heartbeats with its executor", async () => {
    let polls = 0;
    const beats: unknown[] = [];
    const done: Result[] = [];
    const transport: AgentTransport = {
      async lease({ signal }) {
        polls++;
        if (polls <= 3) throw new Error("connection refused");
        if (polls === 4) return { leaseId: "l", attempt: 1, budgetMs: 5_000, command: signed(command(["version"])) };
        return new Promise((r) => signal.addEventListener("abort", () => r(null)));
      },
      submit: async (_j, r) => void done.push(r),
      heartbeat: async (info) => void beats.push(info),
      config,
      extend: async () => true,
    };
    const agent = startAgent({ clusterId: "c1", transport, executor: echoExecutor(), policies: [readOnly()], concurrency: 1, backoffMs: { initial: 10, max: 50 } });
    for (let i = 0; i < 200 && done.length === 0; i++) await Bun.sleep(10);
    await agent.stop();
    expect(polls).toBeGreaterThanOrEqual(4);
    expect(done[0]).toMatchObject({ status: "success", output: "version\n" });
    expect(beats[0]).toMatchObject({ executor: "echo", agentId: agent.agentId });
  });

  test("backoffDelay is jittered within [0, min(max, initial * 2^n)]", () => {
    for (let n = 0; n < 40; n++) {
      const d = backoffDelay(n, 250, 30_000);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(Math.min(30_000, 250 * 2 ** n));
    }
  });
});
