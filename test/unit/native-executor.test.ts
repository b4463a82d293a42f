/**
 * The native executor's guarantees against the simulated cluster: a real
 * API server's TLS and credentials (client certificate, bearer token, a
 * private CA), cancellation and budgets that stop requests at once, the byte
 * cap, watches that deliver changes, resume and relist, cached discovery,
 * `auto`'s choice between native and kubectl, and structural redaction.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { autoExecutor, nativeExecutor } from "../../lib/agent/native.ts";
import { createTransport, kubeClientOver, loadConnection, watchResource, type WatchEvent } from "../../lib/kube/index.ts";
import { type RequestInfo, type SimCluster, simKubeconfig, startSimCluster } from "../../lib/sim/index.ts";
import { pollUntil } from "../_fixtures.ts";
import { OPENSSL_FOUND, tlsFixture } from "../_tls.ts";

const WEB = "web-7d4b9c8f6d-x2kqp";
const FOLLOW = ["logs", "-f", "-n", "shop", WEB, "--tail=1"];

let sim: SimCluster;
let kubeconfig: string;
const requests: RequestInfo[] = [];

beforeAll(async () => {
  sim = await startSimCluster({ logFollowIntervalMs: 50, onRequest: (r) => requests.push(r) });
  kubeconfig = await sim.writeKubeconfig();
});
afterAll(async () => {
  await sim.close();
});

describe("a real API server's TLS and credentials", () => {
  if (!OPENSSL_FOUND && process.env.CI === "true") test("openssl is on PATH (required when CI=true)", () => expect(OPENSSL_FOUND).toBe(true));
  const TOKEN = "native-tls-token-0123456789";
  let secure: SimCluster;
  beforeAll(async () => {
    if (!OPENSSL_FOUND) return;
    const tls = await tlsFixture();
    secure = await startSimCluster({ tls: { cert: tls.server.cert, key: tls.server.key, ca: tls.ca }, auth: { tokens: [TOKEN], clientCa: tls.ca } });
  });
  afterAll(async () => {
    await secure?.close();
  });
  const run = (text: string) => nativeExecutor({ kubeconfigText: text }).run(["get", "pods", "-n", "shop"], { timeoutMs: 5_000 });

  test.skipIf(!OPENSSL_FOUND)("a client certificate signed by the cluster's CA, over HTTPS with a private CA", async () => {
    const tls = await tlsFixture();
    const out = await run(secure.kubeconfig({ credentials: { clientCertificate: tls.client.cert, clientKey: tls.client.key } }));
    expect(out).toMatchObject({ exitCode: 0, stderr: "" });
    expect(out.stdout).toContain("CrashLoopBackOff");
  });

  test.skipIf(!OPENSSL_FOUND)("a bearer token", async () => {
    const out = await run(secure.kubeconfig({ credentials: { token: TOKEN } }));
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toContain("CrashLoopBackOff");
  });

  test.skipIf(!OPENSSL_FOUND)("a wrong token and a foreign certificate are refused as kubectl words it", async () => {
    const tls = await tlsFixture();
    for (const credentials of [{ token: "wrong-token-0123456789" }, { clientCertificate: tls.rogueClient.cert, clientKey: tls.rogueClient.key }]) {
      const out = await run(secure.kubeconfig({ credentials }));
      expect(out).toMatchObject({ exitCode: 1, stdout: "" });
      expect(out.stderr).toContain("You must be logged in to the server (Unauthorized)");
    }
  });

  test.skipIf(!OPENSSL_FOUND)("a server whose CA the kubeconfig does not name is not trusted", async () => {
    const text = secure.kubeconfig({ credentials: { token: TOKEN } }).replace(/^\s*certificate-authority-data:.*\n/m, "");
    const out = await run(text);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe("");
  });
});

describe("cancellation, budgets and the byte cap", () => {
  test("a cancel ends a log follow at once and closes its stream", async () => {
    const abort = new AbortController();
    let first = 0;
    const started = performance.now();
    const out = await nativeExecutor({ kubeconfig }).run(FOLLOW, {
      timeoutMs: 60_000,
      signal: abort.signal,
      onOutput: () => {
        if (++first === 3) abort.abort();
      },
    });
    expect(out).toMatchObject({ cancelled: true, exitCode: null });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await pollUntil(() => sim.openStreams(), (n) => n === 0)).toBe(0);
  });

  test("the time budget ends a follow as timed out, with what it wrote", async () => {
    const out = await nativeExecutor({ kubeconfig }).run(FOLLOW, { timeoutMs: 600 });
    expect(out).toMatchObject({ timedOut: true, exitCode: null, cancelled: false });
    expect(out.stdout.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(3);
    expect(await pollUntil(() => sim.openStreams(), (n) => n === 0)).toBe(0);
  });

  test("output past the byte cap is cut on a character boundary and the command stops", async () => {
    const out = await nativeExecutor({ kubeconfig }).run(FOLLOW, { timeoutMs: 30_000, maxOutputBytes: 300 });
    expect(out).toMatchObject({ truncated: true, exitCode: null });
    expect(Buffer.byteLength(out.stdout)).toBeLessThanOrEqual(300);
    expect(out.durationMs).toBeLessThan(10_000);
    expect(await pollUntil(() => sim.openStreams(), (n) => n === 0)).toBe(0);
  });

  test("an aborted signal before the run answers cancelled without reading the cluster", async () => {
    const before = requests.length;
    const out = await nativeExecutor({ kubeconfig }).run(["get", "pods"], { timeoutMs: 5_000, signal: AbortSignal.abort() });
    expect(out).toMatchObject({ cancelled: true, exitCode: null, stdout: "" });
    expect(requests.slice(before).filter((r) => r.path.includes("/pods"))).toEqual([]);
  });
});

describe("watches", () => {
  test("get -w prints the table, then a row for each change, until its budget", async () => {
    const exec = nativeExecutor({ kubeconfig });
    const running = exec.run(["get", "pods", "-n", "shop", "-w"], { timeoutMs: 1_500 });
    await Bun.sleep(400);
    sim.update(`pods/shop/${WEB}`, (p) => {
      p.metadata.labels = { ...p.metadata.labels, touched: "yes" };
    });
    const out = await running;
    expect(out.timedOut).toBe(true);
    const lines = out.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS/);
    // Five pods listed, then the change: the web pod printed again, aligned to the same columns.
    expect(lines.filter((l) => l.startsWith(`${WEB} `)).length).toBe(2);
    expect(lines.at(-1)!.indexOf("Running")).toBe(lines[1]!.indexOf(lines[1]!.split(/\s+/)[2]!));
  });

  test("get -w -o name prints each change as it comes", async () => {
    const running = nativeExecutor({ kubeconfig }).run(["get", "deploy", "-n", "shop", "-w", "--watch-only", "-o", "name"], { timeoutMs: 1_200 });
    await Bun.sleep(400);
    sim.update("deploy/shop/web", (d) => {
      d.metadata.annotations = { ...d.metadata.annotations, note: "x" };
    });
    expect((await running).stdout).toBe("deployment.apps/web\n");
  });

  test("a watch from a resourceVersion too old relists, then goes on with changes", async () => {
    const client = kubeClientOver(await createTransport(await loadConnection({ kubeconfigText: sim.kubeconfig() })));
    const pods = (await client.discovery.resolve("pods"))!;
    const stop = new AbortController();
    const seen: WatchEvent[] = [];
    let relists = 0;
    const watching = watchResource(client, pods, {
      namespace: "shop",
      resourceVersion: "1",
      signal: stop.signal,
      onEvent: (e) => void seen.push(e),
      relist: async () => {
        relists++;
        return (await client.list(pods, { namespace: "shop" })).resourceVersion;
      },
    });
    await pollUntil(() => relists, (n) => n === 1);
    sim.update(`pods/shop/${WEB}`, (p) => {
      p.metadata.labels = { ...p.metadata.labels, relisted: "yes" };
    });
    await pollUntil(() => seen.length, (n) => n >= 1);
    stop.abort();
    await watching;
    expect(relists).toBe(1);
    expect(seen[0]).toMatchObject({ type: "MODIFIED", object: { metadata: { name: WEB, labels: { relisted: "yes" } } } });
    await client.close();
  });

  test("a watch the server ends is resumed from the last resourceVersion seen, after a backoff", async () => {
    // A server that sends one event per watch request and then ends the stream.
    const asked: string[] = [];
    const server: Server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      asked.push(url.searchParams.get("resourceVersion") ?? "");
      const rv = String(Number(url.searchParams.get("resourceVersion") ?? "0") + 1);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(`${JSON.stringify({ type: "MODIFIED", object: { metadata: { name: "p", resourceVersion: rv } } })}\n`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    const client = kubeClientOver(await createTransport(await loadConnection({ kubeconfigText: simKubeconfig(`http://127.0.0.1:${port}`) })));
    const stop = new AbortController();
    const seen: string[] = [];
    const watching = watchResource(client, { group: "", version: "v1", resource: "pods", kind: "Pod", singular: "pod", namespaced: true, verbs: [], shortNames: [], categories: [] }, {
      resourceVersion: "10",
      signal: stop.signal,
      backoffMs: { initial: 10, max: 50 },
      onEvent: (e) => void seen.push((e.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion),
      relist: async () => "0",
    });
    await pollUntil(() => seen.length, (n) => n >= 3);
    stop.abort();
    await watching;
    server.close();
    await client.close();
    expect(asked.slice(0, 3)).toEqual(["10", "11", "12"]);
    expect(seen.slice(0, 3)).toEqual(["11", "12", "13"]);
  });
});

describe("discovery is cached", () => {
  test("many commands read discovery once; an unknown type refreshes it once, not per command", async () => {
    const exec = nativeExecutor({ kubeconfig });
    const discoveryReads = () => requests.filter((r) => r.path === "/api" || r.path === "/apis").length;
    const before = discoveryReads();
    for (let i = 0; i < 20; i++) expect((await exec.run(["get", "deploy", "-n", "shop"], { timeoutMs: 5_000 })).exitCode).toBe(0);
    expect(discoveryReads() - before).toBe(2);
    for (let i = 0; i < 5; i++) {
      const out = await exec.run(["get", "foos"], { timeoutMs: 5_000 });
      expect(out).toMatchObject({ exitCode: 1, stderr: 'error: the server doesn\'t have a resource type "foos"\n' });
    }
    // One refresh for the first miss (both documents again), none for the next four.
    expect(discoveryReads() - before).toBe(4);
  });
});

describe("auto", () => {
  const emptyPath = mkdtempSync(join(tmpdir(), "kubently-no-kubectl-"));

  test("with no kubectl, covered commands run natively and the rest fail with EXECUTOR_UNSUPPORTED naming the command", async () => {
    const exec = autoExecutor({ kubeconfig, kubectl: { path: emptyPath } });
    expect((await exec.run(["get", "pods", "-n", "shop"], { timeoutMs: 5_000 })).stdout).toContain("CrashLoopBackOff");
    const out = await exec.run(["get", "pods", "-n", "shop", "--server-print=false"], { timeoutMs: 5_000 });
    expect(out).toMatchObject({ code: "EXECUTOR_UNSUPPORTED", exitCode: null, stdout: "" });
    expect(out.stderr).toContain("kubectl get --server-print");
    expect(exec.uncovered(["get", "pods", "--server-print=false"])).toBe("kubectl get --server-print");
    expect(exec.uncovered(["get", "pods", "-w", "--sort-by=.metadata.name"])).toBe("kubectl get --sort-by with --watch");
  });

  test("with kubectl, what native lacks runs in kubectl, including a kind native cannot describe", async () => {
    const exec = autoExecutor({ kubeconfig });
    const sorted = await exec.run(["get", "pods", "-n", "shop", "--server-print=false"], { timeoutMs: 10_000 });
    expect(sorted.exitCode).toBe(0);
    expect(sorted.stdout).toContain("web-");
    const sa = await exec.run(["describe", "serviceaccount", "default", "-n", "shop"], { timeoutMs: 10_000 });
    expect(sa.exitCode).toBe(0);
    expect(sa.stdout).toMatch(/^Name:\s+default$/m);
    // The native executor alone answers EXECUTOR_UNSUPPORTED for it, having printed nothing.
    expect(await nativeExecutor({ kubeconfig }).run(["describe", "serviceaccount", "default", "-n", "shop"], { timeoutMs: 5_000 })).toMatchObject({ code: "EXECUTOR_UNSUPPORTED", stdout: "" });
  });
});

describe("redaction", () => {
  test("-o yaml and -o json of Secrets mask data before printing, and say so", async () => {
    const exec = nativeExecutor({ kubeconfig });
    for (const output of ["yaml", "json"]) {
      const out = await exec.run(["get", "secrets", "-n", "shop", "-o", output], { timeoutMs: 5_000 });
      expect(out.exitCode).toBe(0);
      expect(out.redacted).toBe(true);
      expect(out.stdout).toContain("[REDACTED]");
      expect(out.stdout).not.toContain("Sup3r-S3cret-pg!");
      expect(out.stdout).not.toContain(Buffer.from("Sup3r-S3cret-pg!").toString("base64"));
    }
  });
});

describe("large and hostile answers", () => {
  /**
   * A server in front of the simulated cluster that passes everything through
   * except what a test overrides: the shapes a broken or hostile API server
   * (or object) can send.
   */
  async function hostile(override: (path: string, query: URLSearchParams, res: import("node:http").ServerResponse) => boolean) {
    const seen: string[] = [];
    const server: Server = createServer(async (req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push(`${url.pathname}${url.search}`);
      if (override(url.pathname, url.searchParams, res)) return;
      const upstream = await fetch(`${sim.url}${req.url}`, { headers: { accept: req.headers.accept ?? "application/json", authorization: "Bearer kubently-sim-token" } });
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    return { seen, exec: nativeExecutor({ kubeconfigText: simKubeconfig(url) }), close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  test("lists longer than a page are read page by page, as kubectl reads them", async () => {
    // sim.add fills in uid, resourceVersion and creationTimestamp.
    for (let i = 0; i < 1_201; i++) sim.add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${String(i).padStart(4, "0")}`, namespace: "default" }, data: { i: String(i) } } as unknown as Parameters<SimCluster["add"]>[0]);
    const exec = nativeExecutor({ kubeconfig });
    const names = await exec.run(["get", "cm", "-n", "default", "-o", "name"], { timeoutMs: 10_000 });
    expect(names.exitCode).toBe(0);
    expect(names.stdout.split("\n").filter((l) => l.startsWith("configmap/cm-")).length).toBe(1_201);
    const table = await exec.run(["get", "cm", "-n", "default", "--no-headers"], { timeoutMs: 10_000 });
    expect(table.stdout.split("\n").filter((l) => l.startsWith("cm-")).length).toBe(1_201);
    // Three pages of at most 500.
    expect(requests.filter((r) => r.path === "/api/v1/namespaces/default/configmaps" && r.query.includes("limit=500")).length).toBeGreaterThanOrEqual(6);
  });

  test("a log line that never ends is passed on as it comes and cut at the byte cap", async () => {
    const h = await hostile((path, _q, res) => {
      if (!path.endsWith("/log")) return false;
      res.writeHead(200, { "content-type": "text/plain" });
      const timer = setInterval(() => res.write("x".repeat(64 * 1024)), 1);
      res.on("close", () => clearInterval(timer));
      return true;
    });
    try {
      const out = await h.exec.run(["logs", "-n", "shop", WEB], { timeoutMs: 10_000, maxOutputBytes: 200_000 });
      expect(out).toMatchObject({ truncated: true, exitCode: null });
      expect(out.stdout.length).toBe(200_000);
      expect(out.durationMs).toBeLessThan(5_000);
    } finally {
      await h.close();
    }
  });

  test("an answer larger than the layer reads fails the command instead of growing the agent", async () => {
    const h = await hostile((path, _q, res) => {
      if (path !== "/api/v1/namespaces/shop/pods") return false;
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"kind":"PodList","items":[');
      const chunk = `${JSON.stringify({ metadata: { name: "p", namespace: "shop" }, spec: { pad: "y".repeat(60_000) } })},`;
      const timer = setInterval(() => res.write(chunk.repeat(16)), 1);
      res.on("close", () => clearInterval(timer));
      return true;
    });
    try {
      const out = await h.exec.run(["get", "pods", "-n", "shop", "-o", "json"], { timeoutMs: 20_000 });
      expect(out.exitCode).toBe(1);
      expect(out.stderr).toContain("larger than");
      // What kubectl prints for a list it could not read: an empty List, then the error.
      expect(out.stdout).not.toContain("yyyy");
    } finally {
      await h.close();
    }
  });

  test("a forbidden watch ends get -w with the server's error, as kubectl's does", async () => {
    const h = await hostile((_path, q, res) => {
      if (q.get("watch") !== "true") return false;
      res.writeHead(403, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "Forbidden", code: 403, message: 'pods is forbidden: User "agent" cannot watch resource "pods"' }));
      return true;
    });
    try {
      const out = await h.exec.run(["get", "pods", "-n", "shop", "-w"], { timeoutMs: 5_000 });
      expect(out.exitCode).toBe(1);
      expect(out.stderr).toContain("Error from server (Forbidden)");
      expect(out.stdout).toMatch(/^NAME\s+READY/);
    } finally {
      await h.close();
    }
  });

  test("a watch the server keeps expiring relists a few times with a pause, then gives up", async () => {
    const h = await hostile((_path, q, res) => {
      if (q.get("watch") !== "true") return false;
      res.writeHead(410, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "Expired", code: 410, message: "too old resource version" }));
      return true;
    });
    try {
      const out = await h.exec.run(["get", "pods", "-n", "shop", "-w", "--watch-only"], { timeoutMs: 20_000 });
      expect(out.exitCode).toBe(1);
      expect(out.stderr).toContain("Expired");
      expect(h.seen.filter((p) => p.includes("watch=true")).length).toBeLessThanOrEqual(6);
    } finally {
      await h.close();
    }
  });
});

describe("a credential helper that never answers", () => {
  const hanging = () =>
    simKubeconfig(sim.url).replace(
      /  user:\n    token: .*\n/,
      "  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: sleep\n      args: [\"20\"]\n      interactiveMode: Never\n",
    );

  test("cannot hold a command past its budget, nor past a cancel", async () => {
    const exec = nativeExecutor({ kubeconfigText: hanging() });
    const started = performance.now();
    const out = await exec.run(["get", "pods"], { timeoutMs: 800 });
    expect(out).toMatchObject({ timedOut: true, exitCode: null });
    expect(performance.now() - started).toBeLessThan(3_000);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const cancelled = await exec.run(["get", "pods"], { timeoutMs: 30_000, signal: abort.signal });
    expect(cancelled).toMatchObject({ cancelled: true, exitCode: null });
  });
});

describe("auto's contract", () => {
  test("a cluster source kubectl could not read is refused at construction", () => {
    expect(() => autoExecutor({ kubeconfigText: sim.kubeconfig() })).toThrow(/kubeconfigText/);
    expect(() => autoExecutor({ kubeconfig, context: "other" })).toThrow(/context/);
  });
});

describe("per-request headers", () => {
  test("pass through to the API server, but never replace the credential", async () => {
    let seen: Record<string, string | string[] | undefined> = {};
    const server: Server = createServer((req, res) => {
      seen = req.headers;
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const transport = await createTransport(await loadConnection({ kubeconfigText: simKubeconfig(`http://127.0.0.1:${(server.address() as { port: number }).port}`) }));
    try {
      await transport.request("/version", { headers: { "Impersonate-User": "alice", authorization: "Bearer stolen" } });
      expect(seen["impersonate-user"]).toBe("alice");
      expect(seen.authorization).toBe("Bearer kubently-sim-token");
    } finally {
      await transport.close();
      server.close();
    }
  });
});

describe("through REST and the agent, on both executors", () => {
  for (const kind of ["kubectl", "native"] as const) {
    test(`${kind}: auth whoami answers; --chunk-size and --max-log-requests above 5 are denied with their rule`, async () => {
      const { createKubently } = await import("../../lib/kubently.ts");
      const { memoryBackend } = await import("../../adapters/memory/index.ts");
      const { simExecutor } = await import("../_executors.ts");
      const { readOnly } = await import("../../plugins/read-only.ts");
      const k = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "op", key: "whoami-op-key-0123456789" }], clusters: [{ id: "sim" }] });
      await k.ready();
      const { url } = await k.listen({ port: 0 });
      k.startLocalAgent({ clusterId: "sim", executor: simExecutor(kind, kubeconfig) });
      const execute = async (argv: string[]) =>
        (await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": "whoami-op-key-0123456789", "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "sim", argv }) })).json();
      try {
        const who = await execute(["auth", "whoami"]);
        expect(who).toMatchObject({ status: "success" });
        expect(who.output).toMatch(/^ATTRIBUTE\s+VALUE\nUsername\s+kubently-sim\n/);
        expect(await execute(["get", "pods", "--chunk-size=0"])).toMatchObject({ status: "denied", policy: "read-only" });
        const logs = await execute(["logs", "-l", "app=web", "-n", "shop", "--max-log-requests=6"]);
        expect(logs).toMatchObject({ status: "denied" });
        expect(logs.error).toContain("max-log-requests");
      } finally {
        await k.close();
      }
    });
  }
});
