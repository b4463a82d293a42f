/**
 * The kubectl grammar's tables against the real kubectl binary: every path,
 * flag and shorthand the grammar knows exists in kubectl v1.32's `--help`
 * with the same kind. Spawns kubectl, so it lives here; the grammar's pure
 * tests are test/security/kubectl-parse.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DENIED_VERBS, GLOBAL_FLAGS, VERB_GROUPS, VERBS } from "../../lib/kubectl/index.ts";

describe("spec tables match the real kubectl binary", () => {
  const probe = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  const have = probe.status === 0;
  if (!have) {
    if (process.env.CI === "true") throw new Error("kubectl is required on PATH under CI=true");
    console.warn("skipping kubectl table checks: kubectl is not on PATH");
  }
  const home = mkdtempSync(join(tmpdir(), "kubently-kubectl-"));
  const run = (args: readonly string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      // Global flags go before the verb so the argument under test stays last.
      const child = spawn("kubectl", ["--server=http://127.0.0.1:1", "--request-timeout=1s", ...args], {
        env: { PATH: process.env.PATH ?? "", HOME: home, KUBECONFIG: join(home, "none") },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 15_000,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  /** Runs `jobs` at most 16 at a time. */
  async function pool<T, R>(items: readonly T[], fn: (t: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < items.length) {
          const i = next++;
          out[i] = await fn(items[i]!);
        }
      }),
    );
    return out;
  }

  test.skipIf(!have)("every flag in the tables exists in kubectl with the same arity", async () => {
    // Kubently's own verbs (diagnose) are not kubectl's: kubectl never sees them.
    const specs = [...VERBS.values()].filter((s) => !s.kubently);
    const cases = specs.flatMap((spec) =>
      [...spec.flags, ...(spec.path[0] === "get" ? GLOBAL_FLAGS.filter((g) => !g.deny) : [])].flatMap((f) =>
        [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])].map((token) => ({ path: spec.path, token, bool: f.kind === "bool" })),
      ),
    );
    const results = await pool(cases, async (c) => {
      const { stderr } = await run([...c.path, c.token]);
      const exists = !/unknown (shorthand )?flag/.test(stderr);
      const takesValue = /needs an argument/.test(stderr);
      return exists && takesValue !== c.bool ? null : `${c.path.join(" ")} ${c.token}: ${stderr.split("\n")[0]}`;
    });
    expect(cases.length).toBeGreaterThan(100);
    expect(results.filter((r) => r !== null)).toEqual([]);
  }, 60_000);

  test.skipIf(!have)("every flag `kubectl <path> --help` lists is in the table (allowed or denied)", async () => {
    const missing = await pool([...VERBS.values()].filter((s) => !s.kubently), async (spec) => {
      const help = (await run([...spec.path, "--help"])).stdout;
      const listed = [...help.matchAll(/^\s+(?:-\w, )?--([\w-]+)=/gm)].map((m) => m[1]!);
      const known = new Set(spec.flags.map((f) => f.name));
      return listed.filter((n) => !known.has(n)).map((n) => `${spec.path.join(" ")} --${n}`);
    });
    expect(missing.flat()).toEqual([]);
  }, 60_000);

  test.skipIf(!have)("every command path the tables name exists in kubectl", async () => {
    const paths = [
      ...[...VERBS.values()].filter((s) => !s.kubently).map((s) => [...s.path]),
      ...[...VERB_GROUPS].flatMap(([verb, g]) => [...g.allowed.keys(), ...g.denied].map((sub) => [verb, sub])),
      ...[...DENIED_VERBS].filter((v) => !v.startsWith("__")).map((v) => [v]),
      ["cluster-info", "dump"],
    ];
    const bad = await pool(paths, async (path) => ((await run([...path, "--help"])).status === 0 ? null : path.join(" ")));
    expect(bad.filter((b) => b !== null)).toEqual([]);
  }, 60_000);
});
