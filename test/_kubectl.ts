/**
 * The real `kubectl` for suites that compare against it: whether it is on
 * PATH, the guard that makes its absence fail under `CI=true`, and runners
 * that give it a private HOME and KUBECONFIG.
 *
 * Runners are asynchronous on purpose: the simulated cluster serves from the
 * test's own event loop, so a synchronous spawn would wait on a server that
 * can never answer.
 */
import { type ChildProcessByStdio, spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { expect, test } from "bun:test";
import type { SimCluster } from "../lib/sim/index.ts";

/** Whether `kubectl` is on PATH (checked once per process). */
export const KUBECTL_FOUND = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

/** What one kubectl run printed and how it exited. */
export interface KubectlRun {
  /** The exit code; `null` when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where a kubectl run reads its configuration from. */
export interface KubectlOptions {
  /** kubectl's HOME (its discovery cache lives under it), so no run reads or writes the user's. */
  home: string;
  /** The kubeconfig it uses. */
  kubeconfig: string;
  /**
   * Variables added to PATH, HOME and KUBECONFIG, which are otherwise all kubectl sees.
   * @default {}
   */
  env?: Record<string, string>;
}

/** A private HOME with a kubeconfig in it, ready to pass to the runners. */
export interface KubectlHome extends KubectlOptions {
  /** Deletes the HOME and everything written under it. */
  remove(): Promise<void>;
}

/** Makes a fresh HOME under the temp dir (named `prefix` + random) holding `cluster`'s kubeconfig as `kubeconfig`. */
export async function kubectlHome(cluster: Pick<SimCluster, "writeKubeconfig">, prefix: string): Promise<KubectlHome> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  const kubeconfig = await cluster.writeKubeconfig(join(home, "kubeconfig"));
  return { home, kubeconfig, remove: () => rm(home, { recursive: true, force: true }) };
}

/**
 * Registers the guard for a tool a suite cannot run without, and says whether
 * the tool is there. When it is missing: under `CI=true` a test named
 * "`tool` is on PATH (required when CI=true)" fails, because a suite skipped in
 * CI proves nothing; elsewhere the reason is printed. Call it at the top level
 * of the test file and skip the dependent tests on `false`.
 */
export function requireTool(tool: string, found: boolean, suite: string): boolean {
  if (found) return true;
  if (process.env.CI === "true") {
    test(`${tool} is on PATH (required when CI=true)`, () => {
      throw new Error(`${tool} not found on PATH: ${suite} needs it`);
    });
  } else {
    console.warn(`[${suite}] skipping the tests that need ${tool}: ${tool} not found on PATH`);
  }
  return false;
}

/** {@link requireTool} for kubectl: `describe.skipIf(!requireKubectl("sim.test"))(...)`. */
export function requireKubectl(suite: string): boolean {
  return requireTool("kubectl", KUBECTL_FOUND, suite);
}

/**
 * Starts kubectl with only PATH, HOME and KUBECONFIG (plus `o.env`) in its
 * environment and stdin closed, so it can never wait for a prompt. For
 * commands that stream (`logs -f`, `get -w`); the caller ends the process.
 */
export function spawnKubectl(args: readonly string[], o: KubectlOptions): ChildProcessByStdio<null, Readable, Readable> {
  const env = { ...o.env, PATH: process.env.PATH ?? "", HOME: o.home, KUBECONFIG: o.kubeconfig };
  return spawn("kubectl", args, { env, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Runs kubectl to its end (see {@link spawnKubectl}). Output is decoded once
 * it is complete, so a UTF-8 character split across chunks stays whole.
 * Rejects only when kubectl cannot be started.
 */
export function runKubectl(args: readonly string[], o: KubectlOptions): Promise<KubectlRun> {
  return new Promise((resolve, reject) => {
    const child = spawnKubectl(args, o);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}

/** Runs kubectl and requires exit 0 with nothing on stderr (no discovery warnings); returns stdout. */
export async function runKubectlOk(args: readonly string[], o: KubectlOptions): Promise<string> {
  const r = await runKubectl(args, o);
  expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: "" });
  return r.stdout;
}

/** Splits kubectl's column output into records keyed by header; columns are cut at header offsets, so empty cells stay empty. */
export function kubectlTable(text: string): Record<string, string>[] {
  const [header = "", ...lines] = text.trimEnd().split("\n");
  const cols = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index ?? 0 }));
  return lines.map((l) => Object.fromEntries(cols.map((c, i) => [c.name, l.slice(c.at, cols[i + 1]?.at ?? l.length).trim()])));
}
