// Runs under plain Node (>= 22, the `node` devDependency), not Bun: imports the built library (dist/)
// and executes commands end to end through the memory backend with the
// in-process agent, on the echo executor and on real kubectl against the
// simulated cluster.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubently, echoExecutor, kubectlExecutor, memoryBackend, nativeExecutor } from "../../dist/index.js";
import { readOnly } from "../../dist/plugins/read-only.js";
import { startSimCluster } from "../../dist/sim.js";

assert.equal(typeof globalThis.Bun, "undefined", "this suite must run under node, not bun");

const KEY = "node-key-0123456789abcdef";

async function withKubently(executorFor, fn) {
  const k = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "node", key: KEY }], clusters: [{ id: "n1" }] });
  await k.ready();
  k.startLocalAgent({ clusterId: "n1", executor: await executorFor() });
  const server = await k.listen({ port: 0 });
  try {
    await fn(server.url);
  } finally {
    await k.close();
  }
}

const execute = async (url, body) => {
  const res = await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

test("the library serves REST on node:http and runs a command through the in-process agent", async () => {
  await withKubently(echoExecutor, async (url) => {
    const ok = await execute(url, { cluster_id: "n1", argv: ["get", "pods", "-A"] });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.status, "success");
    assert.equal(ok.body.output, "get pods -A\n");
    const denied = await execute(url, { cluster_id: "n1", argv: ["delete", "pod", "x"] });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.status, "denied");
    const bad = await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: "{oops" });
    assert.equal(bad.status, 400);
  });
});

/** Runs `fn` against a Kubently whose agent runs the real kubectl (or the native layer) against a fresh simulated cluster. */
async function withSimKubently(fn, kind = "kubectl") {
  const sim = await startSimCluster();
  const home = mkdtempSync(join(tmpdir(), "kubently-node-"));
  const kubeconfig = await sim.writeKubeconfig(join(home, "config"));
  try {
    await withKubently(() => (kind === "native" ? nativeExecutor({ kubeconfig }) : kubectlExecutor({ kubeconfig, home })), fn);
  } finally {
    await sim.close();
  }
}

const hasKubectl = spawnSync("sh", ["-c", "command -v kubectl"]).status === 0;
if (!hasKubectl && process.env.CI === "true") throw new Error("kubectl is required under CI");

test("real kubectl against the simulated cluster, all under node", { skip: hasKubectl ? false : "kubectl is not on PATH" }, async () => {
  await withSimKubently(async (url) => {
    const r = await execute(url, { cluster_id: "n1", command_type: "get", args: ["pods"], namespace: "shop" });
    assert.equal(r.body.status, "success", JSON.stringify(r.body));
    assert.match(r.body.output, /CrashLoopBackOff/);
  });
});

for (const kind of ["kubectl", "native"]) test(`a streamed logs -f over SSE on node:http (${kind}): lines before the end, then the result at the time budget`, { skip: hasKubectl ? false : "kubectl is not on PATH" }, async () => {
  await withSimKubently(async (url) => {
    const res = await fetch(`${url}/debug/execute`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ cluster_id: "n1", argv: ["logs", "-f", "-n", "shop", "pod/web-7d4b9c8f6d-x2kqp", "--tail=1"], stream: true, timeout_seconds: 3 }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^text\/event-stream/);
    const arrivals = [];
    let text = "";
    const decoder = new TextDecoder();
    for await (const part of res.body) {
      text += decoder.decode(part, { stream: true });
      arrivals.push({ at: performance.now(), chunks: text.split("event: chunk").length - 1 });
    }
    const result = JSON.parse(text.split("event: result\ndata: ")[1].split("\n")[0]);
    assert.equal(result.code, "STREAM_TIME_BUDGET");
    const firstChunk = arrivals.find((a) => a.chunks > 0).at;
    assert.ok(arrivals.at(-1).at - firstChunk > 1_000, "the first chunk came well before the end");
    assert.ok(arrivals.at(-1).chunks >= 4, `several chunks (${arrivals.at(-1).chunks})`);
  }, kind);
});

test("the native executor under node: get pods -A through the in-process agent equals kubectl's output", { skip: hasKubectl ? false : "kubectl is not on PATH" }, async () => {
  const sim = await startSimCluster();
  const home = mkdtempSync(join(tmpdir(), "kubently-node-"));
  const kubeconfig = await sim.writeKubeconfig(join(home, "config"));
  try {
    // Asynchronously: the simulated cluster answers on this process's event loop.
    const kubectl = () =>
      new Promise((resolve) => {
        const child = spawn("kubectl", ["get", "pods", "-A"], { env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: kubeconfig } });
        let stdout = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.on("close", (status) => resolve({ status, stdout }));
      });
    await withKubently(
      () => nativeExecutor({ kubeconfig }),
      async (url) => {
        // Ages can tick between the two reads: compare once more on a mismatch.
        for (let attempt = 0; ; attempt++) {
          const want = await kubectl();
          assert.equal(want.status, 0);
          const r = await execute(url, { cluster_id: "n1", argv: ["get", "pods", "-A"] });
          assert.equal(r.body.status, "success", JSON.stringify(r.body));
          if (r.body.output === want.stdout || attempt >= 1) {
            assert.equal(r.body.output, want.stdout);
            break;
          }
        }
        const d = await execute(url, { cluster_id: "n1", argv: ["describe", "pod", "-n", "shop", "checkout-6b8f9d7c5c-8wzrn"] });
        assert.equal(d.body.status, "success", JSON.stringify(d.body));
        assert.match(d.body.output, /CrashLoopBackOff/);
      },
    );
  } finally {
    await sim.close();
  }
});

test("the native executor under node over HTTPS with a private CA: a client certificate and a bearer token (undici carries the TLS material)", async () => {
  const { tlsFixture } = await import("../_tls.ts");
  const tls = await tlsFixture();
  const sim = await startSimCluster({ tls: { cert: tls.server.cert, key: tls.server.key, ca: tls.ca }, auth: { tokens: ["node-tls-token-0123456789"], clientCa: tls.ca } });
  try {
    for (const credentials of [{ clientCertificate: tls.client.cert, clientKey: tls.client.key }, { token: "node-tls-token-0123456789" }]) {
      const out = await nativeExecutor({ kubeconfigText: sim.kubeconfig({ credentials }) }).run(["get", "pods", "-n", "shop"], { timeoutMs: 10_000 });
      assert.equal(out.exitCode, 0, out.stderr);
      assert.match(out.stdout, /CrashLoopBackOff/);
    }
    const refused = await nativeExecutor({ kubeconfigText: sim.kubeconfig({ credentials: { token: "wrong-token-0123456789" } }) }).run(["get", "pods"], { timeoutMs: 10_000 });
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /Unauthorized/);
  } finally {
    await sim.close();
  }
});

test("console login under node: a user made through the admin API signs in (argon2id in WebAssembly), and the cookie reads as the user", async () => {
  const ADMIN = "node-admin-key-0123456789abcdef";
  const k = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "root", key: ADMIN, role: "admin" }] });
  await k.ready();
  const { url } = await k.listen({ port: 0 });
  try {
    const created = await fetch(`${url}/admin/users`, { method: "POST", headers: { "x-api-key": ADMIN, "content-type": "application/json" }, body: JSON.stringify({ username: "nora", role: "viewer", password: "node passphrase 123" }) });
    assert.equal(created.status, 201);
    const login = await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json", origin: url }, body: JSON.stringify({ username: "nora", password: "node passphrase 123" }) });
    assert.equal(login.status, 200);
    const cookie = login.headers.get("set-cookie");
    assert.match(cookie, /^kubently_session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    const session = await fetch(`${url}/ui/session`, { headers: { cookie: cookie.split(";")[0] } });
    assert.deepEqual({ ...(await session.json()), csrf_token: "x", expires_at: "x" }, { username: "nora", role: "viewer", csrf_token: "x", expires_at: "x" });
    const wrong = await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "nora", password: "not the passphrase" }) });
    assert.equal(wrong.status, 401);
    const forged = await fetch(`${url}/debug/session`, { method: "POST", headers: { cookie: cookie.split(";")[0], origin: "https://evil.example", "content-type": "application/json" }, body: "{}" });
    assert.equal((await forged.json()).code, "CSRF_FAILED");
  } finally {
    await k.close();
  }
});
