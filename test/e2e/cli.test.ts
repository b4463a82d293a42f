/**
 * End to end: the client verbs of the compiled binary (`exec`, `debug`,
 * `cluster`, `key`, `audit`, `manifests`), each run as its own process
 * against `kubently all` serving the simulated cluster through real kubectl.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { BINARY, ensureBinary, hasTool, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([hasTool("kubectl") ? null : "kubectl is not on PATH", ensureBinary()]);
const ADMIN = "cli-admin-key-0123456789abcdef";
const OPS = "cli-operator-key-0123456789abcdef";
const POD = "web-7d4b9c8f6d-x2kqp";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let sim: SimCluster;
let kubeconfig = "";
let api: Proc;
let url = "";

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the binary (or any command with `cmd`) to its end. Never spawnSync: the
 * simulated cluster answers kubectl from this process's event loop.
 */
async function sh(cmd: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<Ran> {
  const home = mkdtempSync(join(tmpdir(), "kubently-cli-"));
  const child = Bun.spawn(cmd, {
    env: { PATH: process.env.PATH ?? "", HOME: home, ...options.env },
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

/** `kubently ARGS` against the running API with `key` (none when null). */
const cli = (args: string[], key: string | null = OPS, options: { stdin?: string; env?: Record<string, string> } = {}) =>
  sh([BINARY, ...args], { ...options, env: { KUBENTLY_API_URL: url, ...(key ? { KUBENTLY_API_KEY: key } : {}), ...options.env } });

/** GET with a key, as JSON. */
const getJson = async (path: string, key: string) => (await fetch(`${url}${path}`, { headers: { "x-api-key": key } })).json() as Promise<any>;

beforeAll(async () => {
  if (skip) return;
  sim = await startSimCluster();
  kubeconfig = await sim.writeKubeconfig(join(mkdtempSync(join(tmpdir(), "kubently-kc-")), "config"));
  api = run(["all", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--admin-key", ADMIN, "--api-keys", `ops:${OPS}`, "--cluster-id", "sim", "--kubeconfig", kubeconfig]);
  url = (await api.waitFor(/API listening on (http:\/\/\S+);/))[1]!;
});
afterAll(async () => {
  await api?.stop();
  await sim?.close();
});

describe.skipIf(skip)("kubently CLI verbs: usage", () => {
  test("kubently --help lists every client verb", async () => {
    const r = await sh([BINARY, "--help"]);
    expect(r.code).toBe(0);
    for (const verb of ["exec CLUSTER", "debug CLUSTER", "cluster list", "key create", "audit [verify]", "manifests"]) expect(r.stdout).toContain(verb);
  });

  test("VERB --help prints the verb's usage and exits 0", async () => {
    for (const verb of ["exec", "debug", "cluster", "key", "audit", "manifests"]) {
      const r = await sh([BINARY, verb, "--help"]);
      expect({ verb, code: r.code }).toEqual({ verb, code: 0 });
      expect(r.stdout).toStartWith(`Usage: kubently ${verb}`);
    }
  });

  test("an unknown flag, a missing argument or subcommand exits 2 naming the problem", async () => {
    const cases: [string[], RegExp][] = [
      [["exec", "sim", "--bogus", "--", "get", "pods"], /unknown flag "--bogus".*kubectl's own flags go after "--"/],
      [["exec", "sim", "get", "pods", "-A"], /unknown flag "-A"/],
      [["exec"], /missing the cluster/],
      [["exec", "sim"], /missing the kubectl command/],
      [["exec", "sim", "--timeout", "soon", "--", "get", "pods"], /--timeout must be a whole number/],
      [["exec", "sim", "--max-bytes", "10", "--", "get", "pods"], /--max-bytes applies only with --follow/],
      [["debug"], /missing the cluster/],
      [["cluster"], /missing the subcommand: kubently cluster list\|status\|token\|rotate\|revoke/],
      [["cluster", "frob"], /unknown subcommand "frob"/],
      [["cluster", "status"], /missing the cluster id/],
      [["cluster", "status", "a", "b"], /unexpected argument "b"/],
      [["key", "create", "bot"], /key create needs --role/],
      [["key", "revoke"], /missing the key id/],
      [["audit", "frob"], /unknown subcommand "frob" for kubently audit/],
      [["audit", "--limit", "ten"], /--limit must be a whole number, not "ten"/],
      // The API URL comes from KUBENTLY_API_URL here.
      [["manifests"], /manifests needs --cluster-id \(see kubently manifests --help\)/],
      [["manifests", "--api-url", "http://api", "--cluster-id", "Prod"], /--cluster-id must be a DNS label/],
      [["manifests", "--api-url", "api.example.com", "--cluster-id", "prod"], /--api-url must be an http\(s\) URL/],
      [["manifests", "--api-key", "k", "--api-url", "http://api", "--cluster-id", "prod"], /unknown flag "--api-key"/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: "" });
      expect(r.stderr).toStartWith("error: ");
      expect(r.stderr).toMatch(message);
    }
  });

  test("no key, an unreachable API and an unknown cluster exit 2 with the error", async () => {
    const noKey = await cli(["exec", "sim", "--", "get", "pods"], null);
    expect(noKey).toMatchObject({ code: 2, stdout: "" });
    expect(noKey.stderr).toContain("no API key: pass --api-key or set KUBENTLY_API_KEY");

    const closed = await cli(["exec", "sim", "--api-url", "http://127.0.0.1:9", "--", "get", "pods"]);
    expect(closed.code).toBe(2);
    expect(closed.stderr).toStartWith("error (BACKEND_UNAVAILABLE): cannot reach the Kubently API at http://127.0.0.1:9");

    const unknown = await cli(["exec", "nowhere", "--", "get", "pods"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toStartWith('error (CLUSTER_NOT_FOUND): cluster "nowhere"');
  });
});

describe.skipIf(skip)("kubently exec", () => {
  test("get pods -A prints the simulated cluster's pods on stdout, exit 0", async () => {
    const r = await cli(["exec", "sim", "--", "get", "pods", "-A"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    for (const status of ["Running", "CrashLoopBackOff", "ImagePullBackOff", "Pending"]) expect(r.stdout).toContain(status);
    expect(r.stdout).toContain(POD);
  });

  test("a leading kubectl word and -n NS are understood; kubectl's stderr goes to stderr", async () => {
    const r = await cli(["exec", "sim", "-n", "shop", "--", "kubectl", "get", "pods", "-o", "name"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`pod/${POD}`);
    expect(r.stdout).not.toContain("coredns");

    const empty = await cli(["exec", "sim", "--", "get", "pods"]);
    expect(empty).toMatchObject({ code: 0, stdout: "" });
    expect(empty.stderr).toContain("No resources found in default namespace.");
  });

  test("a denied command exits 3 and names the policy and reason on stderr", async () => {
    const r = await cli(["exec", "sim", "--", "get", "secrets", "-n", "shop", "-o", "yaml"]);
    expect(r).toMatchObject({ code: 3, stdout: "" });
    expect(r.stderr).toMatch(/^denied by policy "read-only": .*secrets/);
  });

  test("a failing kubectl command exits 1 with kubectl's error on stderr", async () => {
    const r = await cli(["exec", "sim", "-n", "shop", "--", "get", "pod", "nope"]);
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr).toContain('Error from server (NotFound): pods "nope" not found');
  });

  test("--json prints the CommandView; exit codes still follow the status", async () => {
    const ok = await cli(["exec", "sim", "--json", "--correlation-id", "cli-json-1", "--", "get", "namespaces"]);
    expect(ok.code).toBe(0);
    const view = JSON.parse(ok.stdout);
    expect(view).toMatchObject({ cluster_id: "sim", status: "success", success: true, exit_code: 0, correlation_id: "cli-json-1" });
    expect(view.command_id).toMatch(UUID);
    expect(view.output).toContain("shop");

    const denied = await cli(["exec", "sim", "--json", "--", "get", "secrets", "-A", "-o", "json"]);
    expect(denied.code).toBe(3);
    expect(JSON.parse(denied.stdout)).toMatchObject({ status: "denied", policy: "read-only" });
  });

  test("--session runs the command in the caller's session", async () => {
    const res = await fetch(`${url}/debug/session`, { method: "POST", headers: { "x-api-key": OPS, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "sim" }) });
    const { session_id } = (await res.json()) as { session_id: string };
    const r = await cli(["exec", "sim", "--session", session_id, "--json", "--", "get", "pods", "-n", "shop"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ session_id, status: "success" });
  });

  test("the key may come from --config; a flag wins over the environment", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "kubently-cli-cfg-")), "kubently.json");
    writeFileSync(file, JSON.stringify({ apiKey: OPS }));
    const fromFile = await cli(["exec", "sim", "--config", file, "--", "get", "namespaces", "-o", "name"], null);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toContain("namespace/shop");
    const flagWins = await cli(["exec", "sim", "--api-key", "not-a-key", "--", "get", "namespaces"]);
    expect(flagWins.code).toBe(2);
    expect(flagWins.stderr).toStartWith("error (UNAUTHENTICATED)");
  });
});

describe.skipIf(skip)("kubently debug", () => {
  test("runs piped command lines in one session, reports denials, ends the session at exit", async () => {
    const lines = [
      "get namespaces",
      "kubectl get pods -n shop -o name",
      "# a comment is skipped",
      "get secrets -A -o yaml",
      `logs '${POD}' -n shop --tail=2`,
      "get pods | grep web",
      "exit",
      "get nodes",
    ];
    const r = await cli(["debug", "sim"], OPS, { stdin: `${lines.join("\n")}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+STATUS\s+AGE/);
    expect(r.stdout).toContain(`pod/${POD}`);
    expect(r.stdout).toMatch(/HTTP\/1\.1" \d{3}/);
    expect(r.stdout).not.toContain("node-1");
    expect(r.stderr).not.toContain("> ");
    expect(r.stderr).toMatch(/denied by policy "read-only": .*secrets/);
    expect(r.stderr).toContain('shell syntax ("|") is not supported');
    const sessionId = r.stderr.match(new RegExp(`session (${UUID.source}) on cluster sim`))?.[1];
    expect(sessionId).toBeDefined();
    expect(r.stderr).toContain(`session ${sessionId} ended`);

    expect((await getJson(`/debug/session/${sessionId}`, OPS)).status).toBe("ended");
    const { entries } = await getJson(`/audit?session_id=${sessionId}&limit=50`, ADMIN);
    const queued = entries.filter((e: any) => e.eventType === "command.queued").map((e: any) => e.argv.join(" "));
    expect(queued.sort()).toEqual(["get namespaces", "get pods -n shop -o name", `logs ${POD} -n shop --tail=2`].sort());
    expect(entries.map((e: any) => e.eventType)).toEqual(expect.arrayContaining(["session.created", "command.denied", "session.ended"]));
  });
});

describe.skipIf(skip)("kubently cluster", () => {
  let agent: Proc | undefined;
  afterAll(async () => {
    await agent?.stop();
  });

  test("list shows the in-process cluster connected; status shows the agent", async () => {
    const list = await cli(["cluster", "list"], ADMIN);
    expect(list.code).toBe(0);
    const rows = list.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^CLUSTER\s+CONNECTED\s+LAST SEEN$/);
    expect(rows.find((l) => l.startsWith("sim "))).toMatch(/^sim\s+yes\s+\d{4}-\d\d-\d\dT/);

    const status = await cli(["cluster", "status", "sim"], ADMIN);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^cluster:\s+sim$/m);
    expect(status.stdout).toMatch(/^connected:\s+yes$/m);
    expect(status.stdout).toMatch(/^agent:\s+.*executor auto/m);
    expect(status.stdout).toMatch(/^native commands:\s+get, logs, describe, events, version/m);

    const json = JSON.parse((await cli(["cluster", "status", "sim", "--json"], ADMIN)).stdout);
    expect(json).toMatchObject({ cluster_id: "sim", connected: true });
  });

  test("token registers a cluster whose agent then serves it; rotate and revoke manage its tokens", async () => {
    const created = await cli(["cluster", "token", "edge"], ADMIN);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(created.stdout).toBe(`${token}\n`);
    expect(token.length).toBeGreaterThan(20);
    expect(created.stderr).toContain("not shown again");

    const again = await cli(["cluster", "token", "edge"], ADMIN);
    expect(again.code).toBe(2);
    expect(again.stderr).toStartWith("error (TOKEN_EXISTS)");

    agent = run(["agent", "--api-url", url, "--cluster-id", "edge", "--kubeconfig", kubeconfig], { KUBENTLY_TOKEN: token });
    await agent.waitFor(/serving cluster edge/);
    const pods = await cli(["exec", "edge", "--", "get", "pods", "-n", "shop"]);
    expect(pods.code).toBe(0);
    expect(pods.stdout).toContain(POD);
    expect((await cli(["cluster", "list"], ADMIN)).stdout).toMatch(/^edge\s+yes\s+/m);

    const rotated = await cli(["cluster", "rotate", "edge", "--grace", "60"], ADMIN);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout.trim()).not.toBe(token);
    expect(rotated.stderr).toMatch(/previous ones work until \d{4}-/);

    const revoked = await cli(["cluster", "revoke", "edge"], ADMIN);
    expect(revoked).toMatchObject({ code: 0, stdout: "revoked the agent tokens of cluster edge\n" });
    expect((await cli(["cluster", "status", "edge"], ADMIN)).stdout).toMatch(/^agent token:\s+none$/m);
  });

  test("an operator key may not manage clusters", async () => {
    const r = await cli(["cluster", "list"], OPS);
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith("error (FORBIDDEN)");
  });
});

describe.skipIf(skip)("kubently key", () => {
  test("create prints a key that works within its scope; list shows it; revoke makes exec answer 401", async () => {
    const created = await cli(["key", "create", "ci-bot", "--role", "operator", "--namespaces", "shop"], ADMIN);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(created.stdout).toBe(`${key}\n`);
    const id = created.stderr.match(new RegExp(`created key (${UUID.source}) for "ci-bot" \\(role operator\\)`))?.[1];
    expect(id).toBeDefined();

    const inScope = await cli(["exec", "sim", "-n", "shop", "--", "get", "pods"], key);
    expect(inScope.code).toBe(0);
    expect(inScope.stdout).toContain(POD);
    const outOfScope = await cli(["exec", "sim", "--", "get", "pods", "-n", "payments"], key);
    expect(outOfScope.code).toBe(3);
    expect(outOfScope.stderr).toMatch(/^denied by policy "identity-scope"/);

    const list = await cli(["key", "list"], ADMIN);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+ROLE\s+CLUSTERS\s+NAMESPACES\s+CREATED\s+LAST USED\s+REVOKED$/);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+ci-bot\\s+operator\\s+\\*\\s+shop\\s+\\S+\\s+\\d{4}-\\S+\\s+-$`, "m"));
    expect(list.stdout).not.toContain(key);

    expect(await cli(["key", "revoke", id!], ADMIN)).toMatchObject({ code: 0, stdout: `revoked key ${id}\n` });
    const after = await cli(["exec", "sim", "-n", "shop", "--", "get", "pods"], key);
    expect(after).toMatchObject({ code: 2, stdout: "" });
    expect(after.stderr).toStartWith("error (UNAUTHENTICATED)");
    const listed = JSON.parse((await cli(["key", "list", "--json"], ADMIN)).stdout).keys.find((k: any) => k.id === id);
    expect(listed.revoked_at).toMatch(/^\d{4}-/);
  });

  test("a bad role is the API's validation error", async () => {
    const r = await cli(["key", "create", "x", "--role", "root"], ADMIN);
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith("error (VALIDATION_FAILED)");
  });
});

describe.skipIf(skip)("kubently audit", () => {
  test("shows the executed and denied commands, filters them, and verifies the chain", async () => {
    await cli(["exec", "sim", "--correlation-id", "cli-audit-1", "--", "get", "pods", "-A"]);
    await cli(["exec", "sim", "--", "get", "secrets", "-n", "payments", "-o", "yaml"]);

    const all = await cli(["audit", "--cluster", "sim", "--limit", "200"], ADMIN);
    expect(all.code).toBe(0);
    expect(all.stdout.split("\n")[0]).toMatch(/^TIME\s+EVENT\s+IDENTITY\s+CLUSTER\s+OUTCOME\s+COMMAND$/);
    expect(all.stdout).toMatch(/command\.queued\s+ops\s+sim\s+allowed\s+get pods -A$/m);
    expect(all.stdout).toMatch(/command\.denied\s+ops\s+sim\s+denied \(read-only\)\s+get secrets -n payments -o yaml$/m);
    expect(all.stdout).toMatch(/command\.executed\s+ops\s+sim\s+success/m);

    const denied = await cli(["audit", "--event", "command.denied"], ADMIN);
    const events = denied.stdout.trim().split("\n").slice(1).map((l) => l.split(/\s+/)[1]);
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events)).toEqual(new Set(["command.denied"]));

    const json = JSON.parse((await cli(["audit", "--correlation-id", "cli-audit-1", "--json"], OPS)).stdout);
    expect(json.entries.map((e: any) => e.eventType).sort()).toEqual(["command.executed", "command.queued"]);

    const verify = await cli(["audit", "verify"], ADMIN);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^ok: the audit chain of \d+ entries is intact$/m);
    expect((await cli(["audit", "verify"], OPS)).stderr).toStartWith("error (FORBIDDEN)");
  });

  test("audit verify exits 1 when an entry was edited (SQLite backend)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubently-cli-audit-"));
    const file = join(dir, "kubently.db");
    const sqliteApi = run(["api", "--backend", "sqlite", "--sqlite-file", file, "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--admin-key", ADMIN]);
    try {
      const apiUrl = (await sqliteApi.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
      const env = { KUBENTLY_API_URL: apiUrl };
      expect((await cli(["key", "create", "first", "--role", "viewer"], ADMIN, { env })).code).toBe(0);
      expect((await cli(["key", "create", "second", "--role", "viewer"], ADMIN, { env })).code).toBe(0);
      expect((await cli(["audit", "verify"], ADMIN, { env })).code).toBe(0);

      const db = new Database(file);
      db.run("PRAGMA busy_timeout = 5000");
      db.run("UPDATE kubently_audit SET entry = json_set(entry, '$.identity', 'mallory') WHERE seq = 1");
      db.close();

      const broken = await cli(["audit", "verify"], ADMIN, { env });
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(/^broken at entry 1: entry 1 does not match its hash/);
    } finally {
      await sqliteApi.stop();
    }
  });
});

describe.skipIf(skip)("kubently manifests", () => {
  let dir = "";
  let yaml = "";
  let docs: any[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kubently-manifests-"));
    const r = await sh([BINARY, "manifests", "--api-url", "https://kubently.example.com", "--cluster-id", "prod", "-n", "kube-debug", "--image", "registry.example.com/kubently:test"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    yaml = r.stdout;
    writeFileSync(join(dir, "agent.yaml"), yaml);
    docs = Bun.YAML.parse(yaml) as any[];
  });
  const ofKind = (kind: string) => docs.find((d) => d.kind === kind);
  const kubectl = (args: string[], stdin?: string) => sh(["kubectl", ...args], { env: { KUBECONFIG: kubeconfig }, ...(stdin === undefined ? {} : { stdin }) });

  test("real kubectl parses and maps every object against the simulated cluster", async () => {
    // --validate=false: client-side validation needs the server's OpenAPI document, which the simulated cluster does not serve.
    const names = await kubectl(["create", "--dry-run=client", "--validate=false", "-o", "name", "-f", join(dir, "agent.yaml")]);
    expect(names).toMatchObject({ code: 0, stderr: "" });
    expect(names.stdout.trim().split("\n")).toEqual([
      "namespace/kube-debug",
      "serviceaccount/kubently-agent",
      "clusterrole.rbac.authorization.k8s.io/kubently-agent-read",
      "clusterrolebinding.rbac.authorization.k8s.io/kubently-agent-read",
      "secret/kubently-agent-token",
      "configmap/kubently-agent-kubeconfig",
      "deployment.apps/kubently-agent",
    ]);
    const applied = await kubectl(["apply", "--dry-run=client", "--validate=false", "-f", join(dir, "agent.yaml")]);
    expect(applied.code).toBe(0);
    expect(applied.stdout.trim().split("\n").filter((l) => l.endsWith("(dry run)"))).toHaveLength(7);
  });

  test("the ClusterRole only reads, never Secrets, and equals the role in docs/security.md", async () => {
    const role = ofKind("ClusterRole");
    const verbs = new Set(role.rules.flatMap((r: any) => r.verbs));
    expect([...verbs].sort()).toEqual(["get", "list", "watch"]);
    for (const rule of role.rules) {
      if (rule.apiGroups.includes("")) expect(rule.resources).not.toContain("*");
      expect(rule.resources).not.toContain("secrets");
    }
    const security = readFileSync(resolve(import.meta.dir, "../../docs/security.md"), "utf8");
    const section = security.slice(security.indexOf("## The agent's RBAC"));
    const block = section.match(/```yaml\n([\s\S]*?)```/)![1]!;
    const documented = (Bun.YAML.parse(block) as any[]).find((d) => d.kind === "ClusterRole");
    expect(role.rules).toEqual(documented.rules);
    expect(role.metadata.name).toBe(documented.metadata.name);
    const binding = ofKind("ClusterRoleBinding");
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "kubently-agent", namespace: "kube-debug" }]);
  });

  test("the Deployment runs the agent non-root, read-only, unprivileged, bounded, with the token from the Secret", () => {
    const deployment = ofKind("Deployment");
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(pod.serviceAccountName).toBe("kubently-agent");
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container.image).toBe("registry.example.com/kubently:test");
    expect([...container.command, ...container.args]).toEqual(["kubently", "agent"]);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
    expect(Object.keys(container.resources.requests).sort()).toEqual(["cpu", "memory"]);
    expect(Object.keys(container.resources.limits).sort()).toEqual(["cpu", "memory"]);
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      KUBENTLY_API_URL: "https://kubently.example.com",
      KUBENTLY_CLUSTER_ID: "prod",
      KUBENTLY_TOKEN: { secretKeyRef: { name: "kubently-agent-token", key: "token" } },
      // The in-cluster agent logs one JSON object per line, for the cluster's log collector.
      KUBENTLY_LOG_FORMAT: "json",
    });
    const secret = ofKind("Secret");
    expect(secret.metadata).toMatchObject({ name: "kubently-agent-token", namespace: "kube-debug" });
    expect(secret.data).toBeUndefined();
    expect(secret.stringData).toBeUndefined();
  });

  test("kubectl reads the agent's kubeconfig, and the Secret's fill-in command puts the token in it", async () => {
    const path = join(dir, "kubeconfig");
    writeFileSync(path, ofKind("ConfigMap").data.kubeconfig);
    const view = await kubectl(["config", "view", "--kubeconfig", path, "-o", "jsonpath={.current-context} {.clusters[0].cluster.server} {.users[0].user.tokenFile}"]);
    expect(view).toMatchObject({ code: 0, stdout: "in-cluster https://kubernetes.default.svc /var/run/secrets/kubernetes.io/serviceaccount/token" });

    // The comment's command, with `kubectl replace` swapped for a look at what it would send.
    const fill = yaml.match(/create secret generic kubently-agent-token \\\n#\s+(--from-file=token=\/dev\/stdin --dry-run=client -o yaml)/);
    expect(fill).not.toBeNull();
    const made = await kubectl(["-n", "kube-debug", "create", "secret", "generic", "kubently-agent-token", "--from-file=token=/dev/stdin", "--dry-run=client", "-o", "jsonpath={.data.token}"], "kat_example-token");
    expect(made.code).toBe(0);
    expect(Buffer.from(made.stdout, "base64").toString()).toBe("kat_example-token");
  });
});

describe.skipIf(skip)("kubently exec --follow", () => {
  test("logs -f prints lines as they come and ends at the time budget with exit 0 and a note", async () => {
    const r = await cli(["exec", "sim", "--follow", "--timeout", "3", "--", "logs", "-f", "-n", "shop", `pod/${POD}`, "--tail=1"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n").length).toBeGreaterThan(2);
    expect(r.stdout).toMatch(/HTTP\/1\.1" \d{3}/);
    expect(r.stderr).toContain("the stream's time budget ended it");
    expect(r.stderr).toMatch(new RegExp(`kubently: command ${UUID.source} ended success`));
  });

  test("--json prints one line per chunk, then the CommandView", async () => {
    const r = await cli(["exec", "sim", "--follow", "--json", "--timeout", "2", "--", "logs", "-f", "-n", "shop", `pod/${POD}`, "--tail=1"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const view = lines.at(-1);
    expect(view).toMatchObject({ status: "success", truncated: true, code: "STREAM_TIME_BUDGET" });
    const chunks = lines.slice(0, -1);
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(chunks.map((c) => c.data).join("")).toBe(view.output);
  });

  test("a denied follow exits 3 at once", async () => {
    const r = await cli(["exec", "sim", "--follow", "--", "get", "secrets", "-A", "-w", "-o", "yaml"]);
    expect(r).toMatchObject({ code: 3, stdout: "" });
    expect(r.stderr).toMatch(/^denied by policy "read-only"/);
  });

  test("SIGINT cancels the command: exit 1, and its result is cancelled", async () => {
    const home = mkdtempSync(join(tmpdir(), "kubently-cli-"));
    const child = Bun.spawn([BINARY, "exec", "sim", "--follow", "--timeout", "120", "--", "logs", "-f", "-n", "shop", `pod/${POD}`, "--tail=1"], {
      env: { PATH: process.env.PATH ?? "", HOME: home, KUBENTLY_API_URL: url, KUBENTLY_API_KEY: OPS },
      stdout: "pipe",
      stderr: "pipe",
    });
    const stderr = new Response(child.stderr).text();
    const reader = child.stdout.getReader();
    let stdout = "";
    while (!stdout.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      stdout += new TextDecoder().decode(value);
    }
    expect(stdout).toMatch(/HTTP\/1\.1" \d{3}/);
    child.kill("SIGINT");
    expect(await child.exited).toBe(1);
    const err = await stderr;
    const id = err.match(new RegExp(`kubently: command (${UUID.source}) ended cancelled`))?.[1];
    expect(id).toBeDefined();
    expect(await getJson(`/debug/result/${id}`, OPS)).toMatchObject({ command_id: id, status: "cancelled" });
  });
});
