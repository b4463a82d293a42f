/**
 * The signing key across restarts through the real CLI entry (`bun
 * bin/kubently.ts`, issue 17 item 7): on SQLite a command queued by `api`
 * before a restart is run by `all`'s in-process agent after it (the key kept
 * in `<sqlite-file>.signing.pem`, mode 0600); on Redis a server refuses to
 * start without `--signing-key-file`, since Redis never holds the key.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createSigner } from "../../lib/signing.ts";

const ENTRY = resolve(import.meta.dir, "../../bin/kubently.ts");
const KEY = "kbt_e2e_signing_key_0123456789";
const TOKEN = "agent-token-0123456789abcdef";

interface Cli {
  output: () => string;
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

const started: Cli[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of started.splice(0)) await c.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs `bun bin/kubently.ts ARGS` with a clean environment; stopped after the test. */
function kubently(args: string[]): Cli {
  const child = spawn(process.execPath, [ENTRY, ...args], { env: { PATH: process.env.PATH ?? "", HOME: tmpdir() }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const cli: Cli = {
    output: () => out,
    exited,
    async waitFor(re, ms = 20_000) {
      for (const until = Date.now() + ms; Date.now() < until; await Bun.sleep(25)) {
        const m = out.match(re);
        if (m) return m;
        if (child.exitCode !== null) break;
      }
      throw new Error(`no ${re} in the output:\n${out}`);
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
  started.push(cli);
  return cli;
}

const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "kubently-signing-e2e-"));
  dirs.push(dir);
  return dir;
};

const request = async (url: string, init: RequestInit = {}) => {
  const res = await fetch(url, { ...init, headers: { "x-api-key": KEY, "content-type": "application/json" } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe("kubently on SQLite across a restart", () => {
  test("a command `api` queued before the restart is run by `all` after it, signed by the kept key", async () => {
    const dir = temp();
    const file = join(dir, "kubently.db");
    const common = ["--backend", "sqlite", "--sqlite-file", file, "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `svc:${KEY}`];

    const api = kubently(["api", ...common, "--agent-tokens", `c1:${TOKEN}`]);
    const url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    expect(api.output()).toContain(`commands are signed with the key kept in ${file}.signing.pem`);
    const keyId = createSigner(readFileSync(`${file}.signing.pem`, "utf8")).keyId;
    if (process.platform !== "win32") expect(statSync(`${file}.signing.pem`).mode & 0o777).toBe(0o600);
    // No agent is connected: the command stays queued.
    const queued = await request(`${url}/debug/execute`, { method: "POST", body: JSON.stringify({ cluster_id: "c1", argv: ["get", "pods"], wait: false, timeout_seconds: 30 }) });
    expect(queued).toMatchObject({ status: 202, body: { status: "queued" } });
    expect(await api.stop()).toBe(0);

    const all = kubently(["all", ...common, "--cluster-id", "c1", "--executor", "echo"]);
    const again = (await all.waitFor(/API listening on (http:\/\/\S+);/))[1]!;
    let result: Record<string, any> = {};
    for (let i = 0; i < 200 && !["success", "denied", "failure", "timeout"].includes(result.status); i++) {
      result = (await request(`${again}/debug/result/${queued.body.command_id}`)).body;
      if (result.status === "queued" || result.status === "pending") await Bun.sleep(50);
    }
    expect(result).toMatchObject({ status: "success", output: "get pods\n" });
    expect(createSigner(readFileSync(`${file}.signing.pem`, "utf8")).keyId).toBe(keyId);
  }, 60_000);
});

describe("kubently on Redis without --signing-key-file", () => {
  for (const verb of ["api", "all"]) {
    test(`${verb} refuses to start, naming the flag and kubently keygen`, async () => {
      // Nothing listens on port 1: the check comes before any connection.
      const cli = kubently([verb, "--backend", "redis", "--redis-url", "redis://127.0.0.1:1", "--port", "0", "--disable-a2a", "--host", "127.0.0.1"]);
      expect(await cli.exited).toBe(2);
      expect(cli.output()).toContain("--backend redis needs --signing-key-file (KUBENTLY_SIGNING_KEY_FILE)");
      expect(cli.output()).toContain("kubently keygen > signing.pem");
      expect(cli.output()).not.toContain("cannot reach Redis");
    }, 30_000);
  }
});
