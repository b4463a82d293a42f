/**
 * Setting up Kubently from nothing through the compiled binary (issue 14,
 * item 5): `kubently init` writes the config and keys, `kubently api
 * --config` serves it, `kubently cluster add` registers a cluster and prints
 * the line that starts its agent, that line run against the simulated
 * cluster makes `kubently exec` work, and `kubently cluster remove` cuts the
 * cluster off: its agent is refused, its queued commands are cancelled and
 * its sessions ended, and exec fails naming the cluster. The time from `add`
 * to the first successful command is printed, never asserted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";
import { BINARY, ensureBinary, prerequisites, run, type Proc } from "./_harness.ts";
import { freePort } from "../_ports.ts";

const { skip } = prerequisites([ensureBinary()]);
const redisMissing = redisUnavailable();

/** Runs the binary in `dir` to its end without blocking this process (the simulated cluster is served from here). */
async function cliIn(dir: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([BINARY, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", HOME: dir, ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { status, stdout, stderr };
}

/**
 * Adds cluster `id` (no agent serves it), opens a session on it and queues a
 * command, then `kubently cluster remove`s it: the waiting caller is answered
 * `cancelled` at once, the session is ended, each audited once.
 */
async function removalEndsQueuedWork(dir: string, url: string, file: string, id: string): Promise<void> {
  const { adminKey } = JSON.parse(readFileSync(file, "utf8"));
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, { method, headers: { "x-api-key": adminKey, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  expect((await cliIn(dir, ["cluster", "add", id, "--config", file, "--api-url", url])).status).toBe(0);
  const session = (await call("POST", "/debug/session", { cluster_id: id, ttl_seconds: 600 })).body;
  // No agent serves the cluster: the command waits in its queue.
  const pending = call("POST", "/debug/execute", { cluster_id: id, session_id: session.session_id, argv: ["get", "pods"], timeout_seconds: 30 });
  for (let i = 0; i < 100 && (await call("GET", `/admin/agents/${id}/status`)).body.queue_depth !== 1; i++) await Bun.sleep(50);
  expect((await call("GET", `/admin/agents/${id}/status`)).body.queue_depth).toBe(1);

  const removed = await cliIn(dir, ["cluster", "remove", id, "--config", file, "--api-url", url]);
  expect(removed.status).toBe(0);
  const answer = (await pending).body;
  expect(answer).toMatchObject({ status: "cancelled", code: "CANCELLED", cluster_id: id });
  expect(answer.error).toContain(`cluster ${id} was removed by admin`);
  expect((await call("GET", `/debug/session/${session.session_id}`)).body).toMatchObject({ status: "ended" });
  const { entries } = (await call("GET", `/audit?cluster_id=${id}&limit=100`)).body as { entries: { eventType: string; commandId?: string }[] };
  const types = entries.map((e) => e.eventType);
  expect(types).toContain("cluster.removed");
  expect(types).toContain("session.ended");
  // Exactly one terminal entry for the cancelled command.
  expect(entries.filter((e) => e.commandId === answer.command_id && e.eventType !== "command.queued").map((e) => e.eventType)).toEqual(["command.cancelled"]);
  expect((await call("DELETE", `/admin/agents/${id}`)).body).toMatchObject({ code: "CLUSTER_NOT_FOUND" });
  expect(JSON.parse((await cliIn(dir, ["cluster", "list", "--config", file, "--api-url", url, "--json"])).stdout).clusters.map((c: { id: string }) => c.id)).not.toContain(id);
}


describe.skipIf(skip)("kubently init, cluster add and cluster remove, end to end", () => {
  let sim: SimCluster;
  let dir = "";
  let api: Proc | undefined;
  let agent: Proc | undefined;

  const cli = (args: string[], env: Record<string, string> = {}) => cliIn(dir, args, env);

  beforeAll(async () => {
    sim = await startSimCluster();
    dir = mkdtempSync(join(tmpdir(), "kubently-setup-e2e-"));
  });
  afterAll(async () => {
    await agent?.stop();
    await api?.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("init -> api -> cluster add -> the printed agent line -> exec works -> cluster remove cuts the cluster off", async () => {
    const port = await freePort();
    const init = await cli(["init", "--port", String(port)]);
    expect(init.stderr).toBe("");
    expect(init.status).toBe(0);
    const file = join(dir, "kubently.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    expect(config).toMatchObject({ port, backend: "sqlite", apiUrl: `http://127.0.0.1:${port}`, signingKeyFile: join(dir, "kubently.signing.pem"), sqliteFile: join(dir, "kubently.db") });
    expect(config.adminKey).toMatch(/^kbt_[\w-]{32}$/);
    expect(config.apiKey).toBe(config.adminKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(config.signingKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(config.signingKeyFile, "utf8")).toStartWith("-----BEGIN PRIVATE KEY-----");
    expect(readFileSync(join(dir, "kubently.public.pem"), "utf8")).toStartWith("-----BEGIN PUBLIC KEY-----");
    // The secret stays in the file: next steps name the file, never the key.
    expect(init.stdout).not.toContain(config.adminKey);
    expect(init.stdout).toContain(`kubently api --config ${file}`);
    expect(init.stdout).toContain(`kubently cluster add prod --config ${file}`);

    // A second init refuses and changes nothing.
    const again = await cli(["init"]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("already exist");
    expect(again.stderr).toContain("--force");
    expect(JSON.parse(readFileSync(file, "utf8")).adminKey).toBe(config.adminKey);

    // The API from the file alone (the flags only keep the test off fixed ports and interfaces).
    api = run(["api", "--config", file, "--host", "127.0.0.1", "--disable-a2a"], {}, dir);
    const url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    expect(new URL(url).port).toBe(String(port));
    expect(api.output()).toContain(`backend sqlite (${config.sqliteFile})`);

    const started = performance.now();
    const add = await cli(["cluster", "add", "demo", "--config", file]);
    expect(add.stderr).toContain("registered cluster demo");
    expect(add.status).toBe(0);
    const line = add.stdout.trim();
    const parsed = line.match(/^KUBENTLY_TOKEN=([\w-]+) kubently agent --api-url (\S+) --cluster-id demo$/);
    expect(parsed, line).not.toBeNull();
    expect(parsed![2]).toBe(`http://127.0.0.1:${port}`);
    // The printed line as it is, plus the cluster to read (the one flag the user adds).
    const [, token, apiUrl] = parsed!;
    agent = run(["agent", "--api-url", apiUrl!, "--cluster-id", "demo", "--kubeconfig", await sim.writeKubeconfig(join(dir, "sim.kubeconfig"))], { KUBENTLY_TOKEN: token! }, dir);
    await agent.waitFor(/serving cluster demo/);
    const exec = await cli(["exec", "demo", "--config", file, "--", "get", "pods", "-n", "shop"]);
    const elapsed = performance.now() - started;
    expect(exec.stderr).toBe("");
    expect(exec.status).toBe(0);
    expect(exec.stdout).toContain("CrashLoopBackOff");
    console.log(`setup: cluster add -> first successful kubently exec took ${Math.round(elapsed)} ms`);

    const list = await cli(["cluster", "list", "--config", file, "--json"]);
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout).clusters).toContainEqual(expect.objectContaining({ id: "demo", connected: true }));
    // The agent token works once: a second add of the same id is refused, naming the way on.
    const twice = await cli(["cluster", "add", "demo", "--config", file]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain("TOKEN_EXISTS");

    const removed = await cli(["cluster", "remove", "demo", "--config", file]);
    expect(removed.stderr).toBe("");
    expect(removed.status).toBe(0);
    expect(removed.stdout).toContain("removed cluster demo");
    const after = await cli(["exec", "demo", "--config", file, "--", "get", "pods", "-n", "shop"]);
    expect(after.status).toBe(2);
    expect(after.stderr).toContain('error (CLUSTER_NOT_FOUND): cluster "demo" is not registered');
    // The running agent is refused from its next call (its long poll or heartbeat, within 25 s).
    await agent.waitFor(/answered 401/, 40_000);
    expect(JSON.parse((await cli(["cluster", "list", "--config", file, "--json"])).stdout).clusters.map((c: { id: string }) => c.id)).not.toContain("demo");
    const unknown = await cli(["cluster", "remove", "demo", "--config", file]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("CLUSTER_NOT_FOUND");
    // The secrets never reach a log line.
    expect(api.output()).not.toContain(config.adminKey);
    expect(api.output()).not.toContain(token!);
  }, 90_000);

  test("cluster remove cancels the commands still queued and ends the sessions (sqlite)", async () => {
    const url = (await api!.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    await removalEndsQueuedWork(dir, url, join(dir, "kubently.json"), "idle");
  }, 60_000);

  test("cluster add --manifest prints the agent's YAML with its token Secret filled, and the token works", async () => {
    const file = join(dir, "kubently.json");
    const url = (await api!.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    const bad = await cli(["cluster", "add", "yaml", "--config", file, "--manifest", "-n", "Not_A_Label"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--namespace");
    // The bad flag was refused before anything was registered.
    expect(JSON.parse((await cli(["cluster", "list", "--config", file, "--json"])).stdout).clusters.map((c: { id: string }) => c.id)).not.toContain("yaml");

    const r = await cli(["cluster", "add", "yaml", "--config", file, "--manifest", "--agent-api-url", "https://kubently.example.com", "-n", "agents", "--image", "registry.example.com/kubently:1"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("keep it secret");
    const docs = r.stdout.split(/^---$/m).map((d) => Bun.YAML.parse(d) as Record<string, any>);
    const secret = docs.find((d) => d.kind === "Secret")!;
    expect(secret.metadata).toMatchObject({ name: "kubently-agent-token", namespace: "agents" });
    const token = secret.stringData.token as string;
    expect(token.length).toBeGreaterThanOrEqual(16);
    const deployment = docs.find((d) => d.kind === "Deployment")!;
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe("registry.example.com/kubently:1");
    expect(container.env).toContainEqual({ name: "KUBENTLY_API_URL", value: "https://kubently.example.com" });
    expect(container.env).toContainEqual({ name: "KUBENTLY_CLUSTER_ID", value: "yaml" });
    // The token in the YAML is the cluster's agent token.
    const res = await fetch(`${url}/agent/config`, { headers: { authorization: `Bearer ${token}`, "x-cluster-id": "yaml" } });
    expect(res.status).toBe(200);
  }, 30_000);

  test("init refuses a bad backend and, with --force, writes new keys", async () => {
    const bad = await cli(["init", "--backend", "postgres", "--out", "other.json"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--backend must be one of sqlite, memory, redis");
    const first = await cli(["init", "--backend", "memory", "--out", "mem.json"]);
    expect(first.status).toBe(0);
    const before = JSON.parse(readFileSync(join(dir, "mem.json"), "utf8"));
    expect(before).toMatchObject({ backend: "memory", port: 8080 });
    expect(before.sqliteFile).toBeUndefined();
    const forced = await cli(["init", "--backend", "memory", "--out", "mem.json", "--force"]);
    expect(forced.status).toBe(0);
    const after = JSON.parse(readFileSync(join(dir, "mem.json"), "utf8"));
    expect(after.adminKey).not.toBe(before.adminKey);
    expect(statSync(join(dir, "mem.json")).mode & 0o777).toBe(0o600);
  });
});

describe.skipIf(skip)("cluster remove on the other backends init writes", () => {
  const dirs: string[] = [];
  const started: Proc[] = [];
  let redis: RedisServer | undefined;
  afterAll(async () => {
    for (const p of started) await p.stop();
    await redis?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** `kubently init --backend NAME`, `edit` applied to the file, then `kubently api --config` on it. */
  async function apiFrom(backend: string, edit: (config: Record<string, unknown>) => void = () => {}) {
    const dir = mkdtempSync(join(tmpdir(), `kubently-setup-${backend}-`));
    dirs.push(dir);
    expect((await cliIn(dir, ["init", "--backend", backend])).status).toBe(0);
    const file = join(dir, "kubently.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    edit(config);
    writeFileSync(file, JSON.stringify(config));
    const api = run(["api", "--config", file, "--port", "0", "--host", "127.0.0.1", "--disable-a2a"], {}, dir);
    started.push(api);
    const url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    return { dir, file, url };
  }

  test("memory", async () => {
    const { dir, file, url } = await apiFrom("memory");
    await removalEndsQueuedWork(dir, url, file, "idle-memory");
  }, 60_000);

  test.skipIf(redisMissing !== null)("redis (a real redis-server)", async () => {
    redis = await startRedis();
    const { dir, file, url } = await apiFrom("redis", (c) => (c.redisUrl = redis!.url));
    await removalEndsQueuedWork(dir, url, file, "idle-redis");
  }, 60_000);
});
