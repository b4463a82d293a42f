/**
 * First run (issue 15, item 1): the README's first two commands, on a fresh
 * copy of the checkout, with no kubectl on PATH, end in a pod list.
 *
 * - The fresh copy holds what a clone would, plus work not yet committed:
 *   the files `git ls-files --cached --others --exclude-standard` lists.
 * - `npm install` is replaced by a symlink to this checkout's node_modules: a
 *   real install compiles better-sqlite3 for minutes and needs the registry.
 *   What follows it in the README's first command runs verbatim, with npm
 *   offline (`npm_config_offline`), so nothing can be downloaded.
 * - PATH holds node, npm, npx and sh, nothing else: no kubectl, no Bun, no
 *   curl. (npm puts node_modules/.bin first for the package's own command.)
 * - The second command runs the whole suite, this test included, so it is
 *   not run here: the test checks it is exactly what .ci/run runs, and that
 *   the README's `npm run build:bin` builds a working binary in the copy.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { VERSION } from "../../lib/version.ts";
import { prerequisites } from "./_harness.ts";

const ROOT = resolve(import.meta.dir, "../..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The commands of the README's first code block, comments dropped. */
const firstCommands = (README.match(/```sh\n([\s\S]*?)```/)?.[1] ?? "")
  .split("\n")
  .map((l) => l.replace(/\s+#.*$/, "").trim())
  .filter(Boolean);

const which = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
const gitFiles = (): string[] | null => {
  const r = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
  return r.status === 0 ? r.stdout.split("\0").filter(Boolean) : null;
};

const { skip } = prerequisites([
  gitFiles() ? null : "not a git checkout (git ls-files failed)",
  ...["node", "npm", "npx"].map((t) => (which(t) ? null : `${t} is not on PATH`)),
  existsSync(join(ROOT, "node_modules", "bun")) ? null : "node_modules has no bun: run npm install",
]);

let dir = "";
let copy = "";
let env: Record<string, string> = {};

interface Ran {
  code: number | null;
  out: string;
}

/** Runs `command` with sh in the copy, stdout and stderr together. */
function sh(command: string, extra: Record<string, string> = {}, ms = 120_000): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn("sh", ["-c", command], { cwd: copy, env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}

beforeAll(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "kubently-first-run-"));
  copy = join(dir, "kubently");
  for (const file of gitFiles()!) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const tool of ["node", "npm", "npx", "sh"]) symlinkSync(which(tool), join(bin, tool));
  for (const d of ["home", "tmp"]) mkdirSync(join(dir, d));
  env = {
    PATH: bin,
    HOME: join(dir, "home"),
    TMPDIR: join(dir, "tmp"),
    npm_config_offline: "true",
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)("first run: the README's two commands on a fresh copy, no kubectl", () => {
  test("the README starts with an install-and-demo command and a test command; .ci/run runs exactly the test command", () => {
    expect(firstCommands).toHaveLength(2);
    expect(firstCommands[0]).toBe("npm install && npx kubently demo");
    expect(README).toContain("npm run build:bin");
    const ci = readFileSync(join(ROOT, ".ci", "run"), "utf8");
    const ciTest = ci.match(/^(.+?) 2>&1 \| tee "\$log"$/m)?.[1];
    expect(ciTest).toBe(firstCommands[1]!);
  });

  test("`npx kubently demo` serves the simulated cluster with nothing but node and npm; the README's exec prints the pods; Ctrl-C leaves no temp dir", async () => {
    expect(existsSync(join(env.PATH!, "kubectl"))).toBe(false);
    const demoCommand = firstCommands[0]!.replace(/^npm install && /, "");
    // Its own process group, as a terminal's job: Ctrl-C reaches npm, the shell and kubently at once.
    const demo = spawn("sh", ["-c", demoCommand], {
      cwd: copy,
      env: { ...env, KUBENTLY_PORT: "0", KUBENTLY_A2A_PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    demo.stdout!.on("data", (d) => (out += d));
    demo.stderr!.on("data", (d) => (out += d));
    const exited = new Promise<void>((r) => demo.on("exit", () => r()));
    try {
      const deadline = Date.now() + 90_000;
      while (!/API key:\s+\S+/.test(out) && Date.now() < deadline && demo.exitCode === null) await Bun.sleep(100);
      const url = out.match(/API:\s+(http:\/\/\S+)/)?.[1];
      const key = out.match(/API key:\s+(\S+)/)?.[1];
      expect({ url, key, out: url && key ? "" : out }).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), key: expect.any(String), out: "" });
      // The demo says what it needs, and that kubectl is not one of them.
      expect(out).toContain("Needs:      nothing else: no cluster, no kubectl");
      expect(out).toMatch(/executor auto \(native where it covers the command; no kubectl on PATH/);

      const exec = README.match(/^(npx kubently exec demo -- get pods -A)$/m)?.[1];
      expect(exec).toBeDefined();
      const pods = await sh(exec!, { KUBENTLY_API_URL: url!, KUBENTLY_API_KEY: key! });
      expect({ code: pods.code, header: /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m.test(pods.out) }).toEqual({ code: 0, header: true });
      for (const status of ["Running", "CrashLoopBackOff", "ImagePullBackOff", "Pending"]) expect(pods.out).toContain(status);
    } finally {
      if (demo.exitCode === null) process.kill(-demo.pid!, "SIGINT");
      await exited;
    }
    expect(out).toContain("SIGINT: draining and shutting down");
    // npm's and Node's own files aside (npm's _cacache..., Node's node-compile-cache), kubently left nothing in TMPDIR (kubectl's HOME, the kubeconfig).
    expect(readdirSync(env.TMPDIR!).filter((f) => !f.startsWith("_") && f !== "node-compile-cache")).toEqual([]);
  }, 180_000);

  test("`npx kubently --version` needs no build; `npm run build:bin` builds dist/kubently in the copy", async () => {
    const version = await sh("npx kubently --version");
    expect({ code: version.code, last: version.out.trim().split("\n").at(-1) }).toEqual({ code: 0, last: VERSION });
    const build = await sh("npm run build:bin");
    expect({ code: build.code, out: build.code === 0 ? "" : build.out }).toEqual({ code: 0, out: "" });
    const built = spawnSync(join(copy, "dist", "kubently"), ["version"], { encoding: "utf8", env: { PATH: env.PATH! } });
    expect(built.stdout.trim()).toBe(VERSION);
  }, 180_000);
});
