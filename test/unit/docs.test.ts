/** Keeps docs/errors.md and docs/limits.md in step with the code they describe. */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ERROR_CODES } from "../../lib/errors.ts";
import { LIMITS } from "../../lib/limits.ts";
import { RESULT_CODES } from "../../lib/results.ts";

const doc = (name: string) => readFileSync(resolve(import.meta.dir, "../../docs", name), "utf8");

describe("docs", () => {
  test("errors.md lists every error code with its HTTP status, and no other", () => {
    const rows = [...doc("errors.md").matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual({ ...ERROR_CODES });
  });

  test("errors.md lists every result code with its status, and no other", () => {
    const rows = [...doc("errors.md").matchAll(/^\| `([a-z]+)` \| `([A-Z_]+)` \|/gm)].map((m) => [m[2], m[1]]);
    expect(Object.fromEntries(rows)).toEqual({ ...RESULT_CODES });
  });

  test("limits.md names every limit with its value", () => {
    const text = doc("limits.md");
    for (const [name, value] of Object.entries(LIMITS)) {
      const row = text.split("\n").find((l) => l.includes(`\`${name}\``));
      expect({ name, row: row !== undefined }).toEqual({ name, row: true });
      const names = [...row!.split("|")[1]!.matchAll(/`(\w+)`/g)].map((m) => m[1]);
      const values = row!.split("|")[2]!.split("/").map((v) => Number(v.trim()));
      expect({ name, value: values[names.indexOf(name)] }).toEqual({ name, value });
    }
  });
});

describe("docs/plugins.md", () => {
  test("the worked example policy compiles and behaves as the guide says", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { createPipeline } = await import("../../lib/policy.ts");
    const block = [...doc("plugins.md").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.includes("export const officeHours"));
    expect(block).toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), "kubently-doc-")), "office-hours.ts");
    writeFileSync(file, block!.replace(/from "kubently"/g, `from ${JSON.stringify(resolve(import.meta.dir, "../../lib/index.ts"))}`));
    const { officeHours } = await import(file);
    const hour = new Date().getUTCHours();
    const open = createPipeline([officeHours({ clusters: ["prod"], hours: [hour, hour] })], "api");
    const closed = createPipeline([officeHours({ clusters: ["prod"], hours: [(hour + 2) % 24, (hour + 2) % 24] })], "api");
    const ctx = (clusterId: string) => ({ argv: ["get", "pods"], clusterId, requestedBy: "t" });
    expect((await open.before(ctx("prod"))).allowed).toBe(true);
    expect(await closed.before(ctx("prod"))).toMatchObject({ allowed: false, policy: "office-hours" });
    expect((await closed.before(ctx("staging"))).allowed).toBe(true);
  });
});

describe("docs/diagnostics.md", () => {
  test("the analyzer table lists every built-in analyzer with exactly its codes and severities", async () => {
    const { BUILTIN_ANALYZERS } = await import("../../plugins/analyzers/index.ts");
    const text = doc("diagnostics.md");
    const table = text.slice(text.indexOf("| analyzer | codes (severity) |")).split("\n\n")[0]!;
    const rows = table.split("\n").slice(2);
    const documented = Object.fromEntries(rows.map((r) => {
      const [, id, codes] = r.split("|").map((c) => c.trim());
      return [id!.replace(/`/g, ""), Object.fromEntries([...codes!.matchAll(/`(\w+)` \((\w+)\)/g)].map((m) => [m[1], m[2]]))];
    }));
    expect(documented).toEqual(Object.fromEntries(BUILTIN_ANALYZERS.map((a) => [a.id, a.codes])));
  });

  test("the worked example analyzer compiles, loads from a config list after the built-ins, and reports what the guide says", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { loadAnalyzers } = await import("../../bin/_plugins.ts");
    const { analyze, createSnapshot } = await import("../../lib/diagnose/index.ts");
    const block = [...doc("diagnostics.md").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.includes("export const latestTag"));
    expect(block).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), "kubently-doc-"));
    writeFileSync(join(dir, "latest-tag.ts"), block!.replace(/from "kubently\/diagnose"/g, `from ${JSON.stringify(resolve(import.meta.dir, "../../lib/diagnose/index.ts"))}`));
    const analyzers = await loadAnalyzers(["builtin", "./latest-tag.ts"], dir);
    expect(analyzers.at(-1)!.id).toBe("latest-tag");
    const pod = (name: string, image: string) => ({
      kind: "Pod",
      metadata: { name, namespace: "shop" },
      status: { phase: "Running", containerStatuses: [{ name: "app", image, ready: true, restartCount: 0, state: { running: {} } }] },
    });
    const d = await analyze(createSnapshot({ objects: { pods: [pod("a", "nginx:latest"), pod("b", "registry.example.com/web"), pod("c", "nginx:1.27.3"), pod("d", "nginx@sha256:abc")] } }), [analyzers.at(-1)!]);
    expect(d.findings.map((f) => [f.code, f.severity, f.resource.name])).toEqual([["ImageTagLatest", "info", "a"], ["ImageTagLatest", "info", "b"]]);
    await expect(loadAnalyzers(["builtin", "./latest-tag.ts", "./latest-tag.ts"], dir)).rejects.toThrow('analyzer id "latest-tag" is registered twice');
  });
});
