/**
 * `redact-secrets` on what the REAL kubectl prints: commands run through
 * `kubectlExecutor` against the simulated cluster (and client-side
 * `--dry-run=client`/`--local` commands for shapes the scenario lacks: the
 * last-applied annotation, literal sensitive env values, a PEM private key).
 * The ground truth is collected before any redaction, from `get secrets -A
 * -o json`: every Secret value as base64, decoded, and by its parts (JSON
 * strings inside it, JWT segments, PEM lines). None of them may survive in
 * any redacted output, and every output that held one must say
 * `redacted: true`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Executor, kubectlExecutor } from "../../lib/agent/executors.ts";
import type { Result } from "../../lib/schemas.ts";
import { type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { redactSecrets } from "../../plugins/redact-secrets.ts";
import { formsOf } from "../_secrets.ts";

const KUBECTL_FOUND = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
const CHECKOUT_POD = "checkout-6b8f9d7c5c-8wzrn";

const policy = redactSecrets();
const asResult = (output: string): Result => ({
  commandId: "cmd",
  clusterId: "sim",
  status: "success",
  exitCode: 0,
  output,
  truncated: false,
  durationMs: 0,
  executedAt: 0,
  agentId: "agent",
});
const redact = (argv: readonly string[], output: string) =>
  policy.after({ side: "agent", argv, clusterId: "sim", requestedBy: "tester" }, asResult(output));

if (!KUBECTL_FOUND) {
  if (process.env.CI === "true") {
    test("kubectl is on PATH (required when CI=true)", () => {
      throw new Error("kubectl not found on PATH: the redact-secrets tests against the simulated cluster need the real kubectl binary");
    });
  } else {
    console.warn("[redact-secrets-kubectl.test] skipping: kubectl not found on PATH");
  }
} else {
  describe("redact-secrets on real kubectl output (simulated cluster)", () => {
    let sim: SimCluster;
    let home: string;
    let exec: Executor;
    /** Secret values in every form, minus values the cluster shows publicly anyway (namespace names, a username that is also a pod name). */
    let needles: string[] = [];
    const skipped = new Set<string>();

    const run = async (argv: readonly string[]) => {
      const r = await exec.run(argv, { timeoutMs: 20_000 });
      expect({ argv, exitCode: r.exitCode, stderr: r.stderr }).toEqual({ argv, exitCode: 0, stderr: "" });
      return r.stdout;
    };
    const leaked = (text: string) => needles.filter((n) => text.includes(n));

    beforeAll(async () => {
      sim = await startSimCluster();
      home = await mkdtemp(join(tmpdir(), "kubently-redact-"));
      exec = kubectlExecutor({ kubeconfig: await sim.writeKubeconfig(join(home, "kubeconfig")), home });

      // Ground truth, before any redaction.
      const list = JSON.parse(await run(["get", "secrets", "-A", "-o", "json"])) as { items: { metadata: { name: string }; data?: Record<string, string> }[] };
      expect(list.items.length).toBeGreaterThanOrEqual(4);
      const publicText = [
        await run(["get", "all", "-A", "-o", "yaml"]),
        await run(["get", "configmaps,serviceaccounts,namespaces", "-A", "-o", "yaml"]),
      ].join("\n");
      const all = new Set<string>();
      for (const s of list.items) {
        for (const encoded of Object.values(s.data ?? {})) {
          for (const form of formsOf(Buffer.from(encoded, "base64").toString("utf8"), encoded)) {
            if (publicText.includes(form)) skipped.add(form);
            else all.add(form);
          }
        }
      }
      needles = [...all];
      console.log(`[redact-secrets-kubectl] ${needles.length} secret forms from ${list.items.length} Secrets; shown publicly elsewhere, not checked: ${JSON.stringify([...skipped].map((s) => (s.length > 30 ? `${s.slice(0, 27)}...` : s)))}`);
      // The sim's known values are among them.
      for (const v of ["Sup3r-S3cret-pg!", "U3VwM3ItUzNjcmV0LXBnIQ==", "gw_live_7f3c9a1e5b2d4f60c8e1", "not-a-real-password"]) expect(needles).toContain(v);
      expect(needles.some((n) => n.startsWith("eyJhbGciOiJSUzI1NiIs"))).toBe(true);
    });

    afterAll(async () => {
      await sim?.close();
      if (home) await rm(home, { recursive: true, force: true });
    });

    // [argv, whether the unredacted output holds Secret values]
    const commands: [string[], boolean][] = [
      [["get", "secret", "db-credentials", "-n", "shop", "-o", "yaml"], true],
      [["get", "secret", "db-credentials", "-n", "shop", "-o", "json"], true],
      [["get", "secret", "ci-deployer-token", "-n", "shop", "-o", "yaml"], true],
      [["get", "secrets", "-A", "-o", "yaml"], true],
      [["get", "secrets", "-A", "-o", "json"], true],
      [["get", "all,secrets", "-A", "-o", "json"], true],
      [["get", "secrets,configmaps", "-A", "-o", "yaml"], true],
      // The kubectl executor never lets kubectl render jsonpath or custom-columns: it asks for JSON and
      // evaluates them itself on redacted objects (lib/agent/_templates.ts), so not even its own output
      // holds a value. go-template is not Kubently's (the grammar refuses it): kubectl renders it.
      [["get", "secret", "db-credentials", "-n", "shop", "-o", "jsonpath={.data.password}"], false],
      [["get", "secrets", "-A", "-o", "jsonpath={.items[*].data}"], false],
      [["get", "secrets", "-A", "-o", "jsonpath-as-json={.items[*].data}"], false],
      [["get", "secrets", "-A", "-o", "go-template={{range .items}}{{range $k, $v := .data}}{{$k}}={{$v | base64decode}} {{end}}{{end}}"], true],
      [["get", "secrets", "-A", "-o", "custom-columns=NAME:.metadata.name,DATA:.data"], false],
      [["get", "secrets", "-A", "-o", "name"], false],
      [["get", "secrets", "-A"], false],
      [["describe", "secret", "db-credentials", "-n", "shop"], false],
      [["describe", "secret", "ci-deployer-token", "-n", "shop"], true],
      [["describe", "secrets", "-A"], true],
      [["describe", "pod", CHECKOUT_POD, "-n", "shop"], false],
      [["get", "pod", CHECKOUT_POD, "-n", "shop", "-o", "yaml"], false],
      [["get", "pod", CHECKOUT_POD, "-n", "shop", "-o", "json"], false],
      [["get", "deployments", "-A", "-o", "yaml"], false],
    ];

    test.each(commands)("kubectl %j: no Secret value survives in any form", async (argv, holdsSecrets) => {
      const raw = await run(argv);
      expect({ argv, holdsSecrets: leaked(raw).length > 0 }).toEqual({ argv, holdsSecrets });
      const r = redact(argv, raw);
      expect({ argv, leaked: leaked(r.output) }).toEqual({ argv, leaked: [] });
      if (holdsSecrets) expect(r.redacted).toBe(true);
      // Idempotent on real output too.
      expect(redact(argv, r.output).output).toBe(r.output);
    });

    test("structured output stays structured: yaml keeps every non-secret line, json still parses", async () => {
      const yaml = redact(["get", "secrets", "-A", "-o", "yaml"], await run(["get", "secrets", "-A", "-o", "yaml"])).output;
      expect(yaml).toContain("  kind: Secret\n");
      expect(yaml).toContain("    name: db-credentials\n");
      expect(yaml).toContain("    password: [REDACTED]\n");
      const json = JSON.parse(redact(["get", "all,secrets", "-A", "-o", "json"], await run(["get", "all,secrets", "-A", "-o", "json"])).output);
      const secrets = json.items.filter((i: { kind: string }) => i.kind === "Secret");
      expect(secrets.length).toBe(4);
      for (const s of secrets) for (const v of Object.values(s.data)) expect(v).toBe("[REDACTED]");
      expect(json.items.filter((i: { kind: string }) => i.kind === "Pod").length).toBeGreaterThan(5);
    });

    test("describe secret of a service-account token: the token goes, the sizes stay", async () => {
      const r = redact(["describe", "secret", "ci-deployer-token", "-n", "shop"], await run(["describe", "secret", "ci-deployer-token", "-n", "shop"]));
      expect(r.output).toMatch(/^token: +\[REDACTED\]$/m);
      expect(r.output).toMatch(/^ca\.crt: +\d+ bytes$/m);
    });

    test("logs of every pod (current and --previous) hold no Secret value and are returned unchanged", async () => {
      const pods = (await run(["get", "pods", "-A", "-o", "name", "--no-headers"])).trim().split("\n");
      const list = JSON.parse(await run(["get", "pods", "-A", "-o", "json"])) as { items: { metadata: { name: string; namespace: string } }[] };
      expect(pods.length).toBe(list.items.length);
      for (const { metadata } of list.items) {
        for (const extra of [[], ["--previous"]]) {
          const argv = ["logs", metadata.name, "-n", metadata.namespace, "--all-containers", ...extra];
          const r = await exec.run(argv, { timeoutMs: 20_000 });
          const after = redact(argv, r.stdout);
          expect({ argv, leaked: leaked(after.output) }).toEqual({ argv, leaked: [] });
          expect({ argv, unchanged: after.output === r.stdout, redacted: after.redacted }).toEqual({ argv, unchanged: true, redacted: undefined });
        }
      }
    });

    test.each<string[]>([
      ["get", "pods", "-A"],
      ["get", "pods", "-A", "-o", "wide"],
      ["get", "all", "-A", "-o", "yaml"],
      ["get", "all", "-A", "-o", "json"],
      ["get", "configmaps", "-A", "-o", "yaml"],
      ["describe", "pods", "-A"],
      ["describe", "deployments", "-A"],
      ["describe", "configmaps", "-A"],
      ["get", "events", "-A"],
      ["describe", "nodes"],
    ])("kubectl %j without secrets is returned unchanged", async (...argv) => {
      const raw = await run(argv);
      const r = redact(argv, raw);
      expect(r.output === raw).toBe(true);
      expect(r.redacted).toBeUndefined();
    });

    describe("client-side output for shapes the scenario lacks", () => {
      const password = `p@ss: "w0rd" ${randomBytes(6).toString("hex")}`;
      const apiToken = `tok_${randomBytes(12).toString("hex")}`;
      const pemBody = Array.from({ length: 4 }, () => randomBytes(48).toString("base64")).join("\n");
      const pem = `-----BEGIN PRIVATE KEY-----\n${pemBody}\n-----END PRIVATE KEY-----\n`;
      const envSecret = `hunter-${randomBytes(6).toString("hex")}`;
      const multiA = `line-one-${randomBytes(4).toString("hex")}`;
      const multiB = `line-two-${randomBytes(4).toString("hex")}`;
      const clientNeedles = () => [password, apiToken, pem, envSecret, multiA, multiB].flatMap((v) => formsOf(v, Buffer.from(v).toString("base64")));

      test.each(["yaml", "json"])("create secret generic --save-config --dry-run=client -o %s: data and the last-applied annotation", async (format) => {
        const keyFile = join(home, "tls.key");
        await writeFile(keyFile, pem);
        const argv = ["create", "secret", "generic", "app-creds", "-n", "shop", `--from-literal=password=${password}`, `--from-literal=api-token=${apiToken}`, `--from-file=tls.key=${keyFile}`, "--save-config", "--dry-run=client", "-o", format];
        const raw = await run(argv);
        expect(raw).toContain("kubectl.kubernetes.io/last-applied-configuration");
        const needlesHere = clientNeedles();
        expect(needlesHere.filter((n) => raw.includes(n)).length).toBeGreaterThan(0);
        const r = redact(argv, raw);
        expect(needlesHere.filter((n) => r.output.includes(n))).toEqual([]);
        expect(r.redacted).toBe(true);
        expect(r.output).toContain("app-creds");
      });

      test.each(["yaml", "json"])("set env --local -o %s: literal values of sensitive names (one multi-line)", async (format) => {
        const file = join(home, "deploy.yaml");
        await writeFile(file, await run(["create", "deployment", "app", "--image=nginx", "--dry-run=client", "-o", "yaml"]));
        const argv = ["set", "env", "--local", "-f", file, `DB_PASSWORD=${envSecret}`, `MULTI_SECRET=${multiA}\n${multiB}`, `API_TOKEN=${apiToken}`, "NODE_ENV=production", "-o", format];
        const raw = await run(argv);
        expect(raw).toContain(envSecret);
        const r = redact(argv, raw);
        expect(clientNeedles().filter((n) => r.output.includes(n))).toEqual([]);
        expect(r.redacted).toBe(true);
        expect(r.output).toMatch(format === "yaml" ? /- name: NODE_ENV\n\s+value: production/ : /"name": "NODE_ENV",\n\s+"value": "production"/);
      });
    });
  });
}
