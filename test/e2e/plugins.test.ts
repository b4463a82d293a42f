/**
 * Policies from the config file, loaded by the compiled binary: built-in ids
 * with options, a module by path (relative to the config file), and a package
 * by name (resolved from the working directory).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary, post, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([ensureBinary()]);
const KEY = "plugins-key-0123456789abcdef";

describe.skipIf(skip)("plugins from the config file", () => {
  let proc: Proc;
  let url = "";
  let dir = "";
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kubently-plugins-"));
    mkdirSync(join(dir, "conf"));
    writeFileSync(join(dir, "conf", "no-staging.mjs"), `export default { id: "no-staging", before: ({ argv }) => argv.includes("staging") ? { effect: "deny", reason: "staging is off limits" } : undefined };\n`);
    mkdirSync(join(dir, "node_modules", "kubently-policy-tail"), { recursive: true });
    writeFileSync(join(dir, "node_modules", "kubently-policy-tail", "package.json"), JSON.stringify({ name: "kubently-policy-tail", version: "1.0.0", type: "module", main: "index.js" }));
    writeFileSync(join(dir, "node_modules", "kubently-policy-tail", "index.js"), `export const policy = (o) => ({ id: "tag-" + o.tag, before: ({ argv }) => argv.includes("--show-kind") ? { effect: "deny", reason: "tagged " + o.tag } : undefined });\n`);
    writeFileSync(
      join(dir, "conf", "kubently.json"),
      JSON.stringify({
        plugins: ["read-only", { use: "namespaces", options: { allow: ["shop", "staging"] } }, "./no-staging.mjs", { use: "kubently-policy-tail", options: { tag: "x" } }],
        apiKeys: `t:${KEY}`,
      }),
    );
    proc = run(["all", "--config", join(dir, "conf", "kubently.json"), "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--executor", "echo", "--cluster-id", "c1"], {}, dir);
    url = (await proc.waitFor(/API listening on (http:\/\/\S+);/))[1]!;
  });
  afterAll(async () => {
    await proc?.stop();
  });

  test("each policy decides in order, and explain lists them", async () => {
    const exec = (argv: string[]) => post(`${url}/debug/execute`, KEY, { cluster_id: "c1", argv });
    expect((await exec(["get", "pods", "-n", "shop"])).body.status).toBe("success");
    expect((await exec(["get", "pods", "-n", "kube-system"])).body).toMatchObject({ status: "denied", policy: "namespaces" });
    expect((await exec(["get", "pods", "-n", "staging"])).body).toMatchObject({ status: "denied", policy: "no-staging", error: "staging is off limits" });
    expect((await exec(["get", "pods", "-n", "shop", "--show-kind"])).body).toMatchObject({ status: "denied", policy: "tag-x" });
    expect((await exec(["delete", "pod", "x", "-n", "shop"])).body).toMatchObject({ status: "denied", policy: "read-only" });
    const explained = await post(`${url}/debug/policy/explain`, KEY, { cluster_id: "c1", argv: ["version"] });
    expect(explained.body.policies).toEqual(["read-only", "namespaces", "no-staging", "tag-x"]);
  });

  test("a plugin that cannot be loaded stops start-up with a message naming it", async () => {
    writeFileSync(join(dir, "conf", "bad.json"), JSON.stringify({ plugins: ["./missing.mjs"] }));
    const bad = run(["all", "--config", join(dir, "conf", "bad.json"), "--port", "0", "--a2a-port", "0", "--executor", "echo"], {}, dir);
    await bad.waitFor(/plugin "\.\/missing\.mjs" could not be loaded/);
    expect(await bad.exited).toBe(2);
    writeFileSync(join(dir, "conf", "dup.json"), JSON.stringify({ plugins: ["read-only", "read-only"] }));
    const dup = run(["all", "--config", join(dir, "conf", "dup.json"), "--port", "0", "--a2a-port", "0", "--executor", "echo"], {}, dir);
    await dup.waitFor(/registered twice/);
    expect(await dup.exited).toBe(2);
  });
});
