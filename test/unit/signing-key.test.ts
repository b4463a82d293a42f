/**
 * The API's signing key across restarts (issue 17 item 7): with no key
 * configured, every start made a new one, so commands queued before a crash
 * ended `SIGNATURE_INVALID` after it. On SQLite the key is now kept in a file
 * of its own beside the database (mode 0600, made once: concurrent first
 * starts agree); a configured key always wins and is never stored.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { keyFileStore } from "../../adapters/sqlite/_key-file.ts";
import { sqliteBackend } from "../../adapters/sqlite/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import type { Backend } from "../../lib/contracts.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { createSigner, generateSigningKeyPem } from "../../lib/signing.ts";
import { readOnly } from "../../plugins/read-only.ts";

const KEY = "kbt_signing_key_test_0123456789";
const POSIX = process.platform !== "win32";
let dir = "";
let filename = "";
const running: Kubently[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kubently-signing-"));
  filename = join(dir, "kubently.db");
});
afterEach(async () => {
  for (const k of running.splice(0)) await k.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An API on `backend` with one operator key and cluster c1; closed after the test unless the test closes it. */
function start(backend: Backend, signingKey?: string): Kubently {
  const k = createKubently({ backend, policies: [readOnly()], apiKeys: [{ name: "svc", key: KEY, role: "operator" }], clusters: [{ id: "c1" }], ...(signingKey ? { signingKey } : {}) });
  running.push(k);
  return k;
}

async function stop(k: Kubently): Promise<void> {
  running.splice(running.indexOf(k), 1);
  await k.close();
}

const call = async (k: Kubently, method: string, path: string, body?: unknown) => {
  const res = await k.handle(
    new Request(`http://localhost${path}`, { method, headers: { "x-api-key": KEY, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) }),
  );
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

/** Queues `get pods` on c1 without waiting; answers the command id. */
async function queue(k: Kubently): Promise<string> {
  const { status, body } = await call(k, "POST", "/debug/execute", { cluster_id: "c1", argv: ["get", "pods"], wait: false, timeout_seconds: 30 });
  expect({ status, queued: body.status }).toEqual({ status: 202, queued: "queued" });
  return body.command_id as string;
}

/** The command's result once it lands (polled through REST). */
async function resultOf(k: Kubently, id: string): Promise<Record<string, any>> {
  for (let i = 0; i < 100; i++) {
    const { status, body } = await call(k, "GET", `/debug/result/${id}`);
    if (status === 200 && body.status !== "queued" && body.status !== "pending") return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no result for ${id}`);
}

describe("createKubently on SQLite across a restart", () => {
  test("a command queued before the restart runs after it: no SIGNATURE_INVALID (issue 17 item 7)", async () => {
    const before = start(sqliteBackend({ filename }));
    await before.ready();
    const keyId = before.context.signer.keyId;
    const id = await queue(before); // no agent: it stays queued
    await stop(before);

    const after = start(sqliteBackend({ filename }));
    await after.ready();
    expect(after.context.signer.keyId).toBe(keyId);
    after.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
    expect(await resultOf(after, id)).toMatchObject({ status: "success", output: "get pods\n" });
  });

  test("the key lives in <file>.signing.pem with mode 0600; /agent/config answers its public half", async () => {
    const k = start(sqliteBackend({ filename }));
    await k.ready();
    const file = `${filename}.signing.pem`;
    expect(createSigner(readFileSync(file, "utf8")).publicKeyPem).toBe(k.context.signer.publicKeyPem);
    if (POSIX) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(k.backend.signingKey?.location).toBe(file);
  });

  test("a configured signingKey wins and is not stored", async () => {
    const pem = generateSigningKeyPem();
    const k = start(sqliteBackend({ filename }), pem);
    await k.ready();
    expect(k.context.signer.keyId).toBe(createSigner(pem).keyId);
    expect(existsSync(`${filename}.signing.pem`)).toBe(false);
  });

  test("a kept key other users may read stops ready() with the chmod to run", async () => {
    if (!POSIX) return;
    writeFileSync(`${filename}.signing.pem`, generateSigningKeyPem(), { mode: 0o644 });
    chmodSync(`${filename}.signing.pem`, 0o644);
    const k = start(sqliteBackend({ filename }));
    await expect(k.ready()).rejects.toThrow(`chmod 600 ${filename}.signing.pem`);
    // Nothing is signed with a stand-in key meanwhile.
    await k.backend.auth.registerCluster({ id: "c1", createdAt: Date.now() });
    const refused = await call(k, "POST", "/debug/execute", { cluster_id: "c1", argv: ["get", "pods"], wait: false });
    expect(refused).toMatchObject({ status: 503, body: { code: "BACKEND_UNAVAILABLE" } });
    expect(refused.body.error).toContain("could not be loaded");
  });

  test("a kept file that is not a key stops ready() naming the file", async () => {
    writeFileSync(`${filename}.signing.pem`, "not a key\n", { mode: 0o600 });
    const k = start(sqliteBackend({ filename }));
    const error = await k.ready().then(() => null, (e: unknown) => e as { code?: string; message: string });
    expect(error?.code).toBe("VALIDATION_FAILED");
    expect(error?.message).toContain(`the signing key in ${filename}.signing.pem`);
  });

  test("on memory every instance makes a fresh key", async () => {
    const [a, b] = [start(memoryBackend()), start(memoryBackend())];
    await Promise.all([a.ready(), b.ready()]);
    expect(a.context.signer.keyId).not.toBe(b.context.signer.keyId);
  });
});

describe("createKubently while the kept key loads", () => {
  test("queuing fails BACKEND_UNAVAILABLE until it is loaded; a local agent started before ready() trusts the loaded key", async () => {
    const pem = generateSigningKeyPem();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const backend: Backend = { ...memoryBackend(), signingKey: { location: "test-store", load: async () => (await gate, pem) } };
    const k = start(backend);
    await k.backend.auth.registerCluster({ id: "c1", createdAt: Date.now() });
    k.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });

    const early = await call(k, "POST", "/debug/execute", { cluster_id: "c1", argv: ["get", "pods"], wait: false });
    expect(early.status).toBe(503);
    expect(early.body).toMatchObject({ code: "BACKEND_UNAVAILABLE" });
    expect(early.body.error).toContain("await ready() before serving");

    release();
    await k.ready();
    expect(k.context.signer.keyId).toBe(createSigner(pem).keyId);
    const { body } = await call(k, "POST", "/debug/execute", { cluster_id: "c1", argv: ["get", "pods"] });
    expect(body).toMatchObject({ status: "success", output: "get pods\n" });
  });
});

describe("keyFileStore(path)", () => {
  test("creates the file with mode 0600 whatever the umask, and leaves no temporary file", async () => {
    if (!POSIX) return;
    const old = process.umask(0);
    try {
      const pem = await keyFileStore(join(dir, "k.pem")).load(generateSigningKeyPem);
      expect(readFileSync(join(dir, "k.pem"), "utf8")).toBe(pem);
      expect(statSync(join(dir, "k.pem")).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual(["k.pem"]);
    } finally {
      process.umask(old);
    }
  });

  test("accepts a kept file its group may read (a volume with an fsGroup), refuses one others may read", async () => {
    if (!POSIX) return;
    const path = join(dir, "k.pem");
    const pem = generateSigningKeyPem();
    writeFileSync(path, pem);
    chmodSync(path, 0o640);
    expect(await keyFileStore(path).load(generateSigningKeyPem)).toBe(pem);
    chmodSync(path, 0o604);
    await expect(keyFileStore(path).load(generateSigningKeyPem)).rejects.toThrow("is open to other users (mode 604)");
  });

  test("a missing directory fails BACKEND_UNAVAILABLE naming the file", async () => {
    const path = join(dir, "missing", "k.pem");
    const error = await keyFileStore(path).load(generateSigningKeyPem).then(() => null, (e: unknown) => e as { code?: string; message: string });
    expect(error?.code).toBe("BACKEND_UNAVAILABLE");
    expect(error?.message).toContain(`cannot keep the signing key in ${path}`);
  });

  test("processes starting at once on an empty place agree on one key", async () => {
    // Each process makes its own key and tries to keep it at the same moment: exactly one lands, all read it.
    const path = join(dir, "k.pem");
    const module = resolve(import.meta.dir, "../../adapters/sqlite/_key-file.ts");
    const signing = resolve(import.meta.dir, "../../lib/signing.ts");
    const at = Date.now() + 1_500;
    const script = `
      const { keyFileStore } = await import(${JSON.stringify(module)});
      const { createSigner, generateSigningKeyPem } = await import(${JSON.stringify(signing)});
      const mine = generateSigningKeyPem();
      await new Promise((r) => setTimeout(r, ${at} - Date.now()));
      const kept = await keyFileStore(${JSON.stringify(path)}).load(() => mine);
      console.log(JSON.stringify({ kept: createSigner(kept).keyId, mine: kept === mine }));`;
    const runs = Array.from({ length: 4 }, () =>
      new Promise<string>((done, fail) => {
        const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.on("exit", (code) => (code === 0 ? done(out.trim()) : fail(new Error(`exit ${code}`))));
      }),
    );
    const answers = (await Promise.all(runs)).map((line) => JSON.parse(line) as { kept: string; mine: boolean });
    expect(new Set(answers.map((a) => a.kept)).size).toBe(1);
    expect(answers.filter((a) => a.mine).length).toBe(1);
    expect(createSigner(readFileSync(path, "utf8")).keyId).toBe(answers[0]!.kept);
    expect(readdirSync(dir)).toEqual(["k.pem"]);
  }, 20_000);
});
