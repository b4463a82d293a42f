/**
 * Starts the compiled binary and the simulated cluster for end-to-end tests.
 * A missing tool (kubectl, the binary) fails under CI=true and skips with a
 * printed reason otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Where `npm run build:bin` puts the executable. */
export const BINARY = resolve(import.meta.dir, "../../dist/kubently");

/** True when a tool is on PATH. */
export const hasTool = (name: string): boolean => spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;

/**
 * Builds the binary when it is missing (a plain `bun test` run); `npm test`
 * builds it first. Returns a reason when it cannot be had.
 */
export function ensureBinary(): string | null {
  if (existsSync(BINARY)) return null;
  const r = spawnSync("npm", ["run", "build:bin"], { cwd: resolve(import.meta.dir, "../.."), stdio: "inherit" });
  return r.status === 0 && existsSync(BINARY) ? null : "the compiled binary could not be built (npm run build:bin)";
}

/** Decides whether a suite runs: under CI a missing prerequisite is a failure, elsewhere a printed skip. */
export function prerequisites(reasons: (string | null)[]): { skip: boolean } {
  const missing = reasons.filter((r): r is string => r !== null);
  if (missing.length === 0) return { skip: false };
  if (process.env.CI === "true") throw new Error(`end-to-end prerequisites missing under CI: ${missing.join("; ")}`);
  console.warn(`skipping end-to-end suite: ${missing.join("; ")}`);
  return { skip: true };
}

/** A running child process with its collected output. */
export interface Proc {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first match of `re` in stdout+stderr, or rejects after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** The exit code once the process ends by itself. */
  exited: Promise<number | null>;
}

/** Spawns the binary with a clean HOME. */
export function run(args: string[], env: Record<string, string> = {}, cwd?: string): Proc {
  const home = mkdtempSync(join(tmpdir(), "kubently-e2e-"));
  const child = spawn(BINARY, args, { env: { PATH: process.env.PATH ?? "", HOME: home, ...env }, stdio: ["ignore", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    // A long run (a bench soak logs a line per request) keeps its start (the banner waited on) and its latest 4 MB.
    if (out.length > 8_000_000) out = `${out.slice(0, 262_144)}\n[... output cut by the harness ...]\n${out.slice(-4_000_000)}`;
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    child,
    exited,
    output: () => out,
    waitFor(re, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${re} in output:\n${out}`));
        }, ms);
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** POSTs JSON with an API key and returns status and body. */
export async function post(url: string, key: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** A fetch that sends `key` as X-API-Key on every request (for the SDK clients). */
export function keyedFetch(key: string): typeof fetch {
  return Object.assign((input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("x-api-key", key);
    return fetch(input, { ...init, headers });
  }, { preconnect: fetch.preconnect });
}
