/**
 * The simulated cluster against the real kubectl binary: every assertion is on
 * what kubectl prints, so a shape kubectl cannot decode fails here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { humanDuration } from "../../lib/sim/_k8s.ts";
import { type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { type KubectlHome, kubectlHome, kubectlTable as table, requireKubectl, runKubectl, runKubectlOk, spawnKubectl } from "../_kubectl.ts";

let sim: SimCluster;
let kc: KubectlHome;

beforeAll(async () => {
  sim = await startSimCluster();
  kc = await kubectlHome(sim, "kubently-sim-test-");
});

afterAll(async () => {
  await sim?.close();
  await kc?.remove();
});

const kubectl = (...args: string[]) => runKubectl(args, kc);
const ok = (...args: string[]) => runKubectlOk(args, kc);

const CRASHING = "checkout-6b8f9d7c5c-8wzrn";
const WEB = "web-7d4b9c8f6d-x2kqp";

describe("simulated cluster over HTTP", () => {
  test("unknown paths answer a NotFound Status", async () => {
    const res = await fetch(`${sim.url}/api/v1/nope/nope/nope/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ kind: "Status", status: "Failure", reason: "NotFound", code: 404 });
  });

  test("writes answer 405 MethodNotAllowed", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const res = await fetch(`${sim.url}/api/v1/namespaces/shop/pods/${WEB}`, { method, body: method === "DELETE" ? null : "{}" });
      expect(res.status).toBe(405);
      expect(await res.json()).toMatchObject({ kind: "Status", reason: "MethodNotAllowed", code: 405 });
    }
  });

  test("aggregated discovery is served when asked for", async () => {
    const res = await fetch(`${sim.url}/apis`, { headers: { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json" } });
    expect(res.headers.get("content-type")).toBe("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    const body = (await res.json()) as { items: { metadata: { name: string } }[] };
    expect(body.items.map((i) => i.metadata.name)).toContain("apps");
  });

  test("close() ends an open log stream", async () => {
    const other = await startSimCluster({ logFollowIntervalMs: 20 });
    const res = await fetch(`${other.url}/api/v1/namespaces/shop/pods/${WEB}/log?follow=true&tailLines=0`);
    const reader = res.body?.getReader();
    expect((await reader?.read())?.done).toBe(false);
    await other.close();
    let done = false;
    for (let i = 0; i < 100 && !done; i++) done = (await reader?.read().catch(() => ({ done: true })))?.done ?? true;
    expect(done).toBe(true);
  });

  test("close() removes a kubeconfig written to the default temp location", async () => {
    const other = await startSimCluster({ scenario: "empty" });
    const path = await other.writeKubeconfig();
    expect(await readFile(path, "utf8")).toContain(`server: ${other.url}`);
    await other.close();
    expect(await readFile(path, "utf8").catch(() => null)).toBeNull();
  });

  test("humanDuration matches kube-apiserver's AGE format", () => {
    expect(humanDuration(90_000)).toBe("90s");
    expect(humanDuration(152_000)).toBe("2m32s");
    expect(humanDuration(17 * 60_000)).toBe("17m");
    expect(humanDuration((2 * 24 + 14) * 3_600_000)).toBe("2d14h");
    expect(humanDuration(27 * 86_400_000)).toBe("27d");
  });

  test("lib/sim imports only node: builtins, its own files, lib/_*.ts helpers that import nothing else, and yaml (only to read scenario files)", async () => {
    const specs = (src: string) => [...src.matchAll(/^(?:import|export)[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]!);
    const dir = join(import.meta.dir, "../../lib/sim");
    for (const file of (await readdir(dir)).filter((f) => f.endsWith(".ts"))) {
      for (const spec of specs(await readFile(join(dir, file), "utf8"))) {
        const allowed = file === "scenario-file.ts" ? /^(node:|\.\/|\.\.\/_[a-z-]+\.ts$|yaml$)/ : /^(node:|\.\/|\.\.\/_[a-z-]+\.ts$)/;
        expect({ file, spec }).toEqual({ file, spec: expect.stringMatching(allowed) });
        if (spec.startsWith("../")) {
          for (const inner of specs(await readFile(join(dir, spec), "utf8"))) expect({ spec, inner }).toEqual({ spec, inner: expect.stringMatching(/^node:/) });
        }
      }
    }
  });
});

const KUBECTL = requireKubectl("sim.test");

describe.skipIf(!KUBECTL)("real kubectl against the simulated cluster", () => {
  test("version prints the server version", async () => {
    expect(await ok("version")).toContain("Server Version: v1.32.4");
  });

  test("api-resources lists pods, deployments and secrets with short names", async () => {
    const rows = table(await ok("api-resources"));
    const byName = (n: string, v: string) => rows.find((r) => r.NAME === n && r.APIVERSION === v);
    expect(byName("pods", "v1")).toMatchObject({ SHORTNAMES: "po", NAMESPACED: "true", KIND: "Pod" });
    expect(byName("deployments", "apps/v1")).toMatchObject({ SHORTNAMES: "deploy", KIND: "Deployment" });
    expect(byName("secrets", "v1")).toMatchObject({ KIND: "Secret" });
    expect(await ok("api-versions")).toContain("events.k8s.io/v1");
  });

  test("get pods -A shows each scenario's STATUS", async () => {
    const out = await ok("get", "pods", "-A");
    expect(out.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    const rows = table(out);
    const status = (prefix: string) => rows.filter((r) => r.NAME?.startsWith(prefix)).map((r) => r.STATUS);
    expect(status("web-")).toEqual(["Running", "Running", "Running"]);
    expect(status("checkout-")).toEqual(["CrashLoopBackOff"]);
    expect(status("payments-api-5d7f8b9c6d-")).toEqual(["ImagePullBackOff"]);
    expect(status("recommendations-")[0]).toMatch(/^(OOMKilled|CrashLoopBackOff)$/);
    expect(status("ledger-reconciler-")).toEqual(["Pending"]);
    expect(status("coredns-")).toEqual(["Running", "Running"]);
    const crashing = rows.find((r) => r.NAME === CRASHING);
    expect(crashing).toMatchObject({ NAMESPACE: "shop", READY: "0/1" });
    expect(crashing?.RESTARTS).toMatch(/^7 \(\d+m\d*s? ago\)$/);
    expect(rows.find((r) => r.NAME === WEB)?.AGE).toMatch(/^2d1[34]h$/);
  });

  test("get pods -n shop -o wide adds IP and NODE", async () => {
    const out = await ok("get", "pods", "-n", "shop", "-o", "wide");
    expect(out.split("\n")[0]).toMatch(/NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
    expect(table(out).find((r) => r.NAME === WEB)).toMatchObject({ IP: "10.244.1.12", NODE: "node-1", "NOMINATED NODE": "<none>" });
  });

  test("get pod -o json returns the full object", async () => {
    const pod = JSON.parse(await ok("get", "pod", CRASHING, "-n", "shop", "-o", "json"));
    expect(pod.metadata.name).toBe(CRASHING);
    expect(pod.metadata.ownerReferences[0]).toMatchObject({ kind: "ReplicaSet", name: "checkout-6b8f9d7c5c", controller: true });
    expect(pod.status.containerStatuses[0]).toMatchObject({ restartCount: 7, lastState: { terminated: { exitCode: 1 } } });
  });

  test("get with -l, --field-selector and -o name", async () => {
    expect((await ok("get", "pods", "-n", "shop", "-l", "app=web", "-o", "name")).trim().split("\n")).toHaveLength(3);
    const pending = table(await ok("get", "pods", "-A", "--field-selector", "status.phase=Pending"));
    expect(pending.map((r) => r.NAME?.split("-")[0]).sort()).toEqual(["ledger", "payments"]);
    expect(await ok("get", "deploy", "web", "-n", "shop")).toMatch(/web\s+3\/3\s+3\s+3\s+19d/);
  });

  test("a missing object is NotFound", async () => {
    const r = await kubectl("get", "pod", "nope", "-n", "shop");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('pods "nope" not found');
  });

  test("describe pod shows the last termination and the BackOff event", async () => {
    const out = await ok("describe", "pod", CRASHING, "-n", "shop");
    expect(out).toMatch(/State:\s+Waiting\n\s+Reason:\s+CrashLoopBackOff/);
    expect(out).toMatch(/Last State:\s+Terminated\n\s+Reason:\s+Error\n\s+Exit Code:\s+1/);
    expect(out).toMatch(/Restart Count:\s+7/);
    expect(out).toMatch(/Controlled By:\s+ReplicaSet\/checkout-6b8f9d7c5c/);
    expect(out).toMatch(/Warning\s+BackOff\s+.*\(x71 over .*\)\s+kubelet\s+Back-off restarting failed container checkout/);
  });

  test("describe deployment, node and secret", async () => {
    const deploy = await ok("describe", "deployment", "checkout", "-n", "shop");
    expect(deploy).toMatch(/NewReplicaSet:\s+checkout-6b8f9d7c5c \(1\/1 replicas created\)/);
    expect(deploy).toMatch(/Progressing\s+False\s+ProgressDeadlineExceeded/);
    const node = await ok("describe", "node", "node-1");
    expect(node).toMatch(/Ready\s+True\s+.*KubeletReady/);
    expect(node).toContain(WEB);
    const secret = await ok("describe", "secret", "db-credentials", "-n", "shop");
    expect(secret).toMatch(/password:\s+16 bytes/);
    expect(secret).not.toContain("Sup3r-S3cret-pg!");
  });

  test("describe shows FailedScheduling and image pull failures", async () => {
    expect(await ok("describe", "pod", "-n", "payments", "-l", "app=ledger-reconciler")).toContain("0/3 nodes are available: 3 Insufficient memory");
    expect(await ok("describe", "pod", "-n", "payments", "payments-api-5d7f8b9c6d-kx7mn")).toMatch(/Failed to pull image "registry\.example\.com\/payments:v2\.3\.1-typo".*not found/);
  });

  test("logs of the crash-looping pod, current and --previous", async () => {
    const current = await ok("logs", CRASHING, "-n", "shop");
    expect(current).toContain("postgres:5432 connection refused");
    expect(current).toContain("Error: connect ECONNREFUSED 10.96.112.34:5432");
    const previous = await ok("logs", CRASHING, "-n", "shop", "--previous", "--timestamps");
    expect(previous).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \{"level":"info"/);
    expect(previous).toContain("at async bootstrap (/app/dist/server.js:41:5)");
    const none = await kubectl("logs", WEB, "-n", "shop", "--previous");
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain(`previous terminated container "web" in pod "${WEB}" not found`);
  });

  test("logs --tail=2 gives exactly 2 lines of access log", async () => {
    const lines = (await ok("logs", WEB, "-n", "shop", "--tail=2")).split("\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^10\.244\.\d\.1 - - \[.+\] "(GET|POST) \S+ HTTP\/1\.1" \d{3} \d+ /);
    expect((await ok("logs", WEB, "-n", "shop")).split("\n").length).toBeGreaterThan(20);
  });

  test("logs of a container that never started is a BadRequest", async () => {
    const r = await kubectl("logs", "payments-api-5d7f8b9c6d-kx7mn", "-n", "payments");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("is waiting to start: trying and failing to pull image");
  });

  test("logs -f streams new lines until killed", async () => {
    const child = spawnKubectl(["logs", "-f", WEB, "-n", "shop", "--tail=0"], kc);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 1500;
    while (Date.now() < deadline && out.split("\n").filter(Boolean).length < 2) await new Promise((r) => setTimeout(r, 50));
    child.kill();
    expect(out.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(2);
  });

  test("get events -A and events -n shop", async () => {
    const out = await ok("get", "events", "-A");
    expect(out.split("\n")[0]).toMatch(/^NAMESPACE\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    const rows = table(out);
    expect(rows.find((r) => r.REASON === "BackOff" && r.OBJECT === `pod/${CRASHING}`)).toMatchObject({ NAMESPACE: "shop", TYPE: "Warning" });
    expect(rows.find((r) => r.REASON === "FailedScheduling")?.MESSAGE).toStartWith("0/3 nodes are available: 3 Insufficient memory");
    expect(rows.some((r) => r.REASON === "Failed" && r.MESSAGE?.includes("v2.3.1-typo: not found"))).toBe(true);
    const events = await ok("events", "-n", "shop");
    expect(events.split("\n")[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(events).toMatch(/\(x71 over \d+m\)\s+Warning\s+BackOff\s+Pod\/checkout-6b8f9d7c5c-8wzrn/);
  });

  test("get secret -o yaml carries the base64 data", async () => {
    const out = await ok("get", "secret", "db-credentials", "-n", "shop", "-o", "yaml");
    expect(out).toContain(`password: ${Buffer.from("Sup3r-S3cret-pg!").toString("base64")}`);
    expect(out).toContain(`username: ${Buffer.from("checkout").toString("base64")}`);
    expect(out).toContain("type: Opaque");
    expect(await ok("get", "secrets", "-n", "shop")).toMatch(/ci-deployer-token\s+kubernetes\.io\/service-account-token\s+3/);
  });

  test("writes fail", async () => {
    const r = await kubectl("delete", "pod", WEB, "-n", "shop");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("MethodNotAllowed");
    expect((await kubectl("auth", "can-i", "delete", "pods")).stdout.trim()).toStartWith("no");
    expect((await ok("auth", "can-i", "get", "pods")).trim()).toBe("yes");
  });

  test("empty scenario has nodes and system namespaces only", async () => {
    const empty = await startSimCluster({ scenario: "empty" });
    try {
      const saved = kc.kubeconfig;
      kc.kubeconfig = await empty.writeKubeconfig(join(kc.home, "kubeconfig-empty"));
      try {
        expect(table(await ok("get", "nodes")).map((r) => r.STATUS)).toEqual(["Ready", "Ready", "Ready"]);
        expect((await kubectl("get", "pods", "-A")).stderr.trim()).toBe("No resources found");
      } finally {
        kc.kubeconfig = saved;
      }
    } finally {
      await empty.close();
    }
  });
});
