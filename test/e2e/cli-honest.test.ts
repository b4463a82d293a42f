/**
 * Issue 15 item 4, the CLI side: fast, honest failures. `exec` to a cluster
 * with no connected agent fails at once (CLUSTER_NOT_CONNECTED) unless asked
 * to wait; a streaming command is followed without --follow; a rewrite is
 * shown; an agent-side denial exits 3 like an API-side one; an operator's
 * `key list` is told it may not manage API keys. The CLI from source against
 * a real API.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { allow, definePolicy, deny, rewrite } from "../../lib/policy.ts";
import { readOnly } from "../../plugins/read-only.ts";

const ROOT = resolve(import.meta.dir, "../..");
const KEY = "honest-operator-key-0123456789";
let k: Kubently;
let url: string;

// Rewrites logs to a tail of 100; the agent (and only the agent) refuses "version".
const tail = definePolicy({ id: "tail-cap", before: ({ argv }) => (argv[0] === "logs" && !argv.includes("--tail") && !argv.includes("-f") ? rewrite([...argv, "--tail", "100"]) : allow()) });
const agentOnly = definePolicy({ id: "agent-says-no", sides: ["agent"], before: ({ argv }) => (argv[0] === "version" ? deny("the agent refuses version") : allow()) });

beforeAll(async () => {
  k = createKubently({ policies: [readOnly(), tail], apiKeys: [{ name: "op", key: KEY }], clusters: [{ id: "live" }, { id: "dark" }] });
  await k.ready();
  k.startLocalAgent({ clusterId: "live", executor: echoExecutor(), policies: [readOnly(), tail, agentOnly] });
  url = (await k.listen({ port: 0 })).url;
  for (let i = 0; i < 50 && !(await k.services.clusters.status({ kind: "admin", name: "t", keyId: "t", role: "admin" }, "live")).cluster.connected; i++) await Bun.sleep(50);
});
afterAll(() => k.close());

async function cli(args: string[]) {
  const started = Date.now();
  const p = Bun.spawn([resolve(ROOT, "node_modules/.bin/bun"), resolve(ROOT, "bin/kubently.ts"), ...args], {
    env: { PATH: process.env.PATH ?? "", KUBENTLY_API_URL: url, KUBENTLY_API_KEY: KEY, NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr, ms: Date.now() - started };
}

test("exec to a cluster with no connected agent fails at once with CLUSTER_NOT_CONNECTED; --wait-for-agent queues it", async () => {
  const r = await cli(["exec", "dark", "--timeout", "10", "--", "get", "pods"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("CLUSTER_NOT_CONNECTED");
  expect(r.stderr).toContain("cluster dark has no connected agent");
  expect(r.ms).toBeLessThan(8_000); // not the 10 s timeout
  const waited = await cli(["exec", "dark", "--wait-for-agent", "--timeout", "1", "--", "get", "pods"]);
  expect(waited.code).toBe(1);
  expect(waited.stderr).toMatch(/ended timeout/);
});

test("a command that streams by nature is followed without --follow", async () => {
  const r = await cli(["exec", "live", "--timeout", "2", "--", "logs", "-f", "web-1"]);
  // The echo agent answers at once; what matters is that it went the stream way (no "applies only" refusal, output streamed).
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("logs -f web-1\n");
  expect(r.stderr).toMatch(/ended success/);
});

test("a rewrite is shown on stderr, and in --json as argv", async () => {
  const r = await cli(["exec", "live", "--", "logs", "web-1"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("logs web-1 --tail 100\n");
  expect(r.stderr).toContain("kubently: a policy rewrote the command to: kubectl logs web-1 --tail 100");
  const json = await cli(["exec", "live", "--json", "--", "logs", "web-1"]);
  expect(JSON.parse(json.stdout).argv).toEqual(["logs", "web-1", "--tail", "100"]);
});

test("an agent-side denial exits 3 and says denied by policy, like an API-side one", async () => {
  const agent = await cli(["exec", "live", "--", "version"]);
  expect(agent.code).toBe(3);
  expect(agent.stderr).toMatch(/^denied by policy "agent-says-no": refused by the agent: the agent refuses version/m);
  const api = await cli(["exec", "live", "--", "delete", "pod", "x"]);
  expect(api.code).toBe(3);
  expect(api.stderr).toMatch(/^denied by policy "read-only"/m);
});

test("key list with an operator key says it may not manage API keys", async () => {
  const r = await cli(["key", "list"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("may not manage API keys");
});
