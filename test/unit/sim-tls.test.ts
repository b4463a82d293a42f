/**
 * The simulated cluster over HTTPS with authentication, against the real
 * kubectl (Go's TLS stack and kubeconfig handling) and raw node:https requests.
 * Plain HTTP without auth is covered by sim.test.ts and must stay unchanged.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SimCluster, type SimKubeconfigOptions, simKubeconfig, startSimCluster } from "../../lib/sim/index.ts";
import { requireKubectl, requireTool, runKubectl, type KubectlRun } from "../_kubectl.ts";
import { OPENSSL_FOUND, type TlsFixture, tlsFixture } from "../_tls.ts";

const TOKEN = "s3cret-agent-token";

/** kubectl and openssl are both on PATH (each missing one gets its own guard). */
const TOOLS = [requireKubectl("sim-tls.test"), requireTool("openssl", OPENSSL_FOUND, "sim-tls.test")].every(Boolean);

let certs: TlsFixture;
let home: string;
/** Token or client certificate: both accepted. */
let both: SimCluster;
/** Client certificates only. */
let certOnly: SimCluster;

beforeAll(async () => {
  if (!TOOLS) return;
  certs = await tlsFixture();
  home = await mkdtemp(join(tmpdir(), "kubently-sim-tls-"));
  const tls = { cert: certs.server.cert, key: certs.server.key, ca: certs.ca };
  both = await startSimCluster({ tls, auth: { tokens: [TOKEN], clientCa: certs.ca } });
  certOnly = await startSimCluster({ tls, auth: { clientCa: certs.ca }, scenario: "empty" });
});

afterAll(async () => {
  await both?.close();
  await certOnly?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

/** Runs kubectl with a kubeconfig for `sim` carrying `options`. */
async function kubectl(sim: SimCluster, options: SimKubeconfigOptions, ...args: string[]): Promise<KubectlRun> {
  return runKubectl(args, { home, kubeconfig: await sim.writeKubeconfig(undefined, options) });
}

/** GET over HTTPS trusting the fixture CA, with optional client certificate and headers. */
function get(sim: SimCluster, path: string, opts: { cert?: string; key?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, sim.url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, ca: certs.ca, agent: false, headers: opts.headers ?? {}, ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}) }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const clientCert = () => ({ credentials: { clientCertificate: certs.client.cert, clientKey: certs.client.key } });

describe.skipIf(!TOOLS)("startSimCluster({ tls, auth })", () => {
  test("url is https:// and the kubeconfig carries the CA", async () => {
    expect(both.url).toStartWith("https://127.0.0.1:");
    expect(both.certificateAuthority).toBe(certs.ca);
    const text = await readFile(await both.writeKubeconfig(join(home, "kc")), "utf8");
    expect(text).toContain(`certificate-authority-data: ${Buffer.from(certs.ca).toString("base64")}`);
    expect(text).toContain(`token: ${TOKEN}`);
    expect(text).not.toContain("client-certificate-data");
  });

  test("kubectl get pods -A works with the default (token) kubeconfig", async () => {
    const r = await kubectl(both, {}, "get", "pods", "-A");
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS/);
    expect(r.stdout).toContain("checkout-6b8f9d7c5c-8wzrn");
  });

  test("kubectl get pods -A works with a client-certificate kubeconfig", async () => {
    const text = both.kubeconfig(clientCert());
    expect(text).toContain(`client-certificate-data: ${Buffer.from(certs.client.cert).toString("base64")}`);
    expect(text).toContain(`client-key-data: ${Buffer.from(certs.client.key).toString("base64")}`);
    expect(text).not.toContain("token:");
    const r = await kubectl(both, clientCert(), "get", "pods", "-A");
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toContain("web-7d4b9c8f6d-x2kqp");
  });

  // kubectl words a 401 "You must be logged in to the server (Unauthorized)", or, when the 401 comes
  // during discovery (no discovery cache yet), "(the server has asked for the client to provide credentials)",
  // exactly as against a real kube-apiserver.
  const LOGGED_OUT = /You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/;

  test("kubectl with a wrong token fails with Unauthorized", async () => {
    const r = await kubectl(both, { credentials: { token: "not-the-token" } }, "get", "pods", "-A");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(LOGGED_OUT);
  });

  test("kubectl without a client certificate fails with Unauthorized on a certificate-only cluster", async () => {
    const r = await kubectl(certOnly, { credentials: { token: TOKEN } }, "get", "pods", "-A");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(LOGGED_OUT);
    const ok = await kubectl(certOnly, clientCert(), "get", "nodes");
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: "" });
  });

  test("kubectl with a certificate from another CA fails with Unauthorized", async () => {
    const r = await kubectl(both, { credentials: { clientCertificate: certs.rogueClient.cert, clientKey: certs.rogueClient.key } }, "get", "pods", "-A");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(LOGGED_OUT);
  });

  test("kubectl logs works over HTTPS with a client certificate", async () => {
    const r = await kubectl(both, clientCert(), "logs", "web-7d4b9c8f6d-x2kqp", "-n", "shop", "--tail=1");
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(1);
  });

  test("an unauthenticated request gets kube-apiserver's 401 Status", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong" } as Record<string, string>, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` }]) {
      const res = await get(both, "/api/v1/namespaces", { headers });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
    }
    expect((await get(both, "/version", { cert: certs.rogueClient.cert, key: certs.rogueClient.key })).status).toBe(401);
  });

  test("a bearer token or a client certificate passes, on any path", async () => {
    expect((await get(both, "/api/v1/namespaces", { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await get(both, "/version", { cert: certs.client.cert, key: certs.client.key })).status).toBe(200);
    expect((await get(certOnly, "/api/v1/nodes", { cert: certs.client.cert, key: certs.client.key })).status).toBe(200);
  });

  test("kubeconfig() refuses to write a credential a certificate-only cluster cannot accept", () => {
    expect(() => certOnly.kubeconfig()).toThrow("accepts only client certificates");
    expect(certOnly.kubeconfig({ credentials: null })).toContain("  user: {}");
  });

  test("options that could never authenticate are rejected at start", async () => {
    await expect(startSimCluster({ auth: {} })).rejects.toThrow("auth needs tokens or clientCa");
    await expect(startSimCluster({ auth: { clientCa: certs.ca } })).rejects.toThrow("auth.clientCa needs tls");
  });

  test("close() ends open watches over HTTPS", async () => {
    const other = await startSimCluster({ tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca }, auth: { tokens: [TOKEN] }, scenario: "empty" });
    const ended = new Promise<number>((resolve, reject) => {
      const u = new URL("/api/v1/nodes?watch=true", other.url);
      const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, ca: certs.ca, agent: false, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        let lines = 0;
        res.on("data", (d: Buffer) => (lines += d.toString().split("\n").length - 1));
        res.on("end", () => resolve(lines));
        res.on("error", () => resolve(lines));
        res.on("close", () => resolve(lines));
        if (res.statusCode === 200) setTimeout(() => void other.close(), 100);
      });
      req.on("error", reject);
      req.end();
    });
    expect(await ended).toBe(3);
  });
});

describe("simKubeconfig()", () => {
  test("without options is the historical plain-HTTP text, byte for byte", () => {
    expect(simKubeconfig("http://127.0.0.1:1")).toBe([
      "apiVersion: v1", "kind: Config", "clusters:", "- name: kubently-sim", "  cluster:", "    server: http://127.0.0.1:1",
      "contexts:", "- name: kubently-sim", "  context:", "    cluster: kubently-sim", "    user: kubently-sim", "    namespace: default",
      "current-context: kubently-sim", "preferences: {}", "users:", "- name: kubently-sim", "  user:", "    token: kubently-sim-token", "",
    ].join("\n"));
  });

  test("quotes a token YAML would misread", () => {
    expect(simKubeconfig("https://h", { credentials: { token: "a: b #c" } })).toContain('    token: "a: b #c"');
  });
});
