/**
 * Issue 18: agent tokens at fleet scale, through the compiled binary. A
 * fleet's tokens (10,000 here) come from `--agent-tokens-file` (or
 * `agentTokensFile` in the config file, relative to it), not argv, where
 * they would not fit (E2BIG); the API registers them all at start, lists
 * them, and an agent with one of them connects and runs a command. A bad
 * file stops start-up naming the file and line, never the secret.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LIMITS } from "../../lib/limits.ts";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { redisUnavailable, startRedis } from "../_redis.ts";
import { BINARY, ensureBinary, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([ensureBinary()]);
const redisMissing = skip ? "no binary" : redisUnavailable();
const KEY = "tokens-file-key-0123456789abcdef";
const ADMIN = "tokens-file-admin-0123456789abcdef";
const LOCAL = ["--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--disable-a2a"];
const FLEET = 10_000;
/** The token of fleet cluster `i`: unique, and recognisable if it ever leaked into output. */
const tokenOf = (i: number) => `fleet-secret-${i}-${"x".repeat(24)}`;

let sim: SimCluster;
let dir = "";
const procs: Proc[] = [];

beforeAll(async () => {
  if (skip) return;
  sim = await startSimCluster();
  dir = mkdtempSync(join(tmpdir(), "kubently-tokens-file-"));
});
afterAll(async () => {
  await Promise.allSettled(procs.map((p) => p.stop()));
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts the binary and remembers it, so it is stopped even when the test fails. */
function start(args: string[], env: Record<string, string> = {}, cwd?: string): Proc {
  const p = run(args, env, cwd);
  procs.push(p);
  return p;
}

/** Runs the binary until it exits by itself (or 20 s pass); its exit code and output. */
async function toEnd(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const p = run(args, env);
  const timer = setTimeout(() => p.child.kill("SIGKILL"), 20_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out: p.output() };
}

/** Runs a client verb to its end without blocking this process (the simulated cluster is served from here). */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([BINARY, ...args], { env: { PATH: process.env.PATH ?? "", HOME: dir, ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { status, stdout, stderr };
}

/** Writes a tokens file with mode 0600 (what the docs ask for) unless told otherwise. */
function tokensFile(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

/** A new directory holding `fleet.tokens`: the {@link FLEET} clusters' tokens, mode 0600, with a comment and a blank line. */
function fleetDir(): string {
  const lines = ["# the fleet's agent tokens, one cluster:token a line", ""];
  for (let i = 0; i < FLEET; i++) lines.push(`fleet-${i}:${tokenOf(i)}`);
  const sub = mkdtempSync(join(dir, "conf-"));
  writeFileSync(join(sub, "fleet.tokens"), `${lines.join("\n")}\n`, { mode: 0o600 });
  return sub;
}

/** The ids `kubently cluster list` shows. */
async function listed(url: string): Promise<Set<string>> {
  const list = await cli(["cluster", "list", "--api-url", url, "--api-key", ADMIN, "--json"]);
  expect(list.stderr).toBe("");
  expect(list.status).toBe(0);
  return new Set((JSON.parse(list.stdout) as { clusters: { id: string }[] }).clusters.map((c) => c.id));
}

describe.skipIf(skip)("--agent-tokens-file at fleet scale", () => {
  test(`${FLEET} clusters from a file named in the config file: the API starts, lists them all, and an agent with one token runs a command`, async () => {
    const sub = fleetDir();
    const config = join(sub, "api.json");
    // Relative to the config file's directory, not the working directory (the binary runs elsewhere).
    writeFileSync(config, JSON.stringify({ agentTokensFile: "fleet.tokens", apiKeys: [`bot:${KEY}`], adminKey: ADMIN, backend: "sqlite", sqliteFile: join(sub, "k.db") }));
    const started = performance.now();
    const api = start(["api", ...LOCAL, "--config", config, "--agent-tokens", "extra:extra-token-0123456789"], {}, dir);
    const url = (await api.waitFor(/API listening on (http:\/\/\S+) /, 120_000))[1]!;
    console.log(`agent-tokens-file: kubently api (sqlite) with ${FLEET + 1} configured clusters started in ${Math.round(performance.now() - started)} ms`);
    expect(api.output()).not.toContain("readable by group or others");

    const ids = await listed(url);
    expect(ids.size).toBe(FLEET + 1);
    for (const id of ["fleet-0", "fleet-4242", `fleet-${FLEET - 1}`, "extra"]) expect(ids.has(id)).toBe(true);

    // An agent with one of the fleet's tokens is accepted for its cluster; a neighbour's token is not.
    const kubeconfig = await sim.writeKubeconfig(join(dir, "sim.kubeconfig"));
    const wrong = await fetch(`${url}/agent/commands?wait=0`, { headers: { authorization: `Bearer ${tokenOf(4242)}`, "x-cluster-id": "fleet-4243" } });
    expect(wrong.status).toBe(401);
    const agent = start(["agent", "--api-url", url, "--cluster-id", "fleet-4242", "--kubeconfig", kubeconfig, "--executor", "native"], { KUBENTLY_TOKEN: tokenOf(4242) });
    await agent.waitFor(/serving cluster fleet-4242/);
    const res = await fetch(`${url}/debug/execute`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ cluster_id: "fleet-4242", argv: ["get", "namespaces"], timeout_seconds: 20 }),
    });
    const body = (await res.json()) as { status: string; output: string };
    expect(res.status).toBe(200);
    expect(body.status).toBe("success");
    expect(body.output).toContain("shop");
    const status = await cli(["cluster", "status", "fleet-4242", "--api-url", url, "--api-key", ADMIN, "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ connected: true });
    expect(await agent.stop()).toBe(0);
    expect(await api.stop()).toBe(0);
    // No token from the file ever reaches the output.
    expect(api.output()).not.toContain("fleet-secret-");
  }, 180_000);

  test("KUBENTLY_AGENT_TOKENS_FILE works too, and a file readable by group or others is warned about", async () => {
    const file = tokensFile("loose.tokens", "alpha:alpha-token-0123456789\nbeta:beta-token-0123456789\n", 0o644);
    const api = start(["api", ...LOCAL, "--api-keys", `bot:${KEY}`, "--admin-key", ADMIN], { KUBENTLY_AGENT_TOKENS_FILE: file });
    const url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    expect(api.output()).toContain(`agent tokens file ${file} is readable by group or others (mode 0644)`);
    const list = await cli(["cluster", "list", "--api-url", url, "--api-key", ADMIN, "--json"]);
    expect((JSON.parse(list.stdout) as { clusters: { id: string }[] }).clusters.map((c) => c.id).sort()).toEqual(["alpha", "beta"]);
    expect(await api.stop()).toBe(0);
  });
});

describe.skipIf(redisMissing !== null)("--agent-tokens-file on Redis: replicas starting together", () => {
  test(`two replicas on one Redis, started together with the same ${FLEET} tokens, both serve every cluster once`, async () => {
    const redis = await startRedis();
    try {
      const sub = fleetDir();
      writeFileSync(join(sub, "signing.pem"), Bun.spawnSync([BINARY, "keygen"]).stdout);
      writeFileSync(join(sub, "api.json"), JSON.stringify({ agentTokensFile: "fleet.tokens", signingKeyFile: join(sub, "signing.pem"), apiKeys: [`bot:${KEY}`], adminKey: ADMIN }));
      const args = ["api", ...LOCAL, "--config", join(sub, "api.json"), "--backend", "redis", "--redis-url", redis.url, "--redis-prefix", "fleet"];
      const started = performance.now();
      const replicas = [start(args), start(args)];
      const urls = await Promise.all(replicas.map(async (r) => (await r.waitFor(/API listening on (http:\/\/\S+) /, 120_000))[1]!));
      console.log(`agent-tokens-file: two kubently api replicas (redis) with ${FLEET} configured clusters each started in ${Math.round(performance.now() - started)} ms`);
      for (const url of urls) {
        const ids = await listed(url);
        expect(ids.size).toBe(FLEET);
        expect(ids.has(`fleet-${FLEET - 1}`)).toBe(true);
      }
      // Either replica accepts a fleet agent's token (each set the same one; the last write is as good as the first).
      for (const url of urls) {
        const res = await fetch(`${url}/agent/commands?wait=0`, { headers: { authorization: `Bearer ${tokenOf(77)}`, "x-cluster-id": "fleet-77" } });
        expect(res.status).toBe(204);
      }
      for (const r of replicas) expect(await r.stop()).toBe(0);
    } finally {
      await redis.close();
    }
  }, 180_000);
});

describe.skipIf(skip)("--agent-tokens-file: a bad file stops start-up with a message naming it", () => {
  const refused = async (args: string[], expected: string | RegExp, secret?: string) => {
    const { code, out } = await toEnd(["api", ...LOCAL, "--api-keys", `bot:${KEY}`, ...args]);
    expect({ code, out }).toMatchObject({ code: 2 });
    if (typeof expected === "string") expect(out).toContain(expected);
    else expect(out).toMatch(expected);
    expect(out).not.toContain("API listening");
    if (secret) expect(out).not.toContain(secret);
  };

  test("a line that is not cluster:token: the file and line number, never the line", async () => {
    const file = tokensFile("bad-line.tokens", "# ok so far\nalpha:alpha-token-0123456789\n\nthis-line-is-a-bare-secret-value\n");
    await refused(["--agent-tokens-file", file], `agent tokens file ${file}, line 4: must be written cluster:token`, "bare-secret-value");
  });

  test("a cluster id that is not a DNS label, or a token with whitespace: the line, not the value", async () => {
    const id = tokensFile("bad-id.tokens", "alpha:alpha-token-0123456789\nNot_A_Label:secret-after-bad-id\n");
    await refused(["--agent-tokens-file", id], `agent tokens file ${id}, line 2: the cluster id must be a DNS label`, "secret-after-bad-id");
    const space = tokensFile("bad-token.tokens", "alpha:two words-secret\n");
    await refused(["--agent-tokens-file", space], `agent tokens file ${space}, line 1: the token is empty or contains whitespace`, "words-secret");
  });

  test("a cluster given twice, in the file or in the file and --agent-tokens, names the cluster and both places", async () => {
    const twice = tokensFile("twice.tokens", "alpha:first-token-0123456789\nbeta:beta-token-0123456789\nalpha:second-token-0123456789\n");
    await refused(["--agent-tokens-file", twice], `cluster "alpha" has two agent tokens (${twice} line 1 and ${twice} line 3)`, "second-token");
    const once = tokensFile("once.tokens", "beta:beta-token-0123456789\n");
    await refused(["--agent-tokens-file", once, "--agent-tokens", "beta:flag-token-0123456789"], `cluster "beta" has two agent tokens (--agent-tokens and ${once} line 1)`);
  });

  test("JSON is not the format: said so plainly", async () => {
    const file = tokensFile("tokens.json", JSON.stringify({ alpha: "alpha-token-0123456789" }));
    await refused(["--agent-tokens-file", file], `agent tokens file ${file}, line 1: JSON is not accepted; write one cluster:token a line`, "alpha-token");
  });

  test("a missing file, and one over maxAgentTokensFileBytes (64 MiB), are refused before anything is read", async () => {
    await refused(["--agent-tokens-file", join(dir, "nowhere.tokens")], `agent tokens file ${join(dir, "nowhere.tokens")}: no such file`);
    const big = tokensFile("big.tokens", "");
    truncateSync(big, LIMITS.maxAgentTokensFileBytes + 1); // sparse: the size is what counts
    await refused(["--agent-tokens-file", big], `agent tokens file ${big} is ${LIMITS.maxAgentTokensFileBytes + 1} bytes, over the limit of ${LIMITS.maxAgentTokensFileBytes} (maxAgentTokensFileBytes)`);
  });
});
