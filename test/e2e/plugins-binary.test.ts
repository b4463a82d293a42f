/**
 * Issue 15 item 3: plugin files written as docs/plugins.md shows, importing
 * from "kubently" and "kubently/<subpath>", load in the compiled binary from a
 * directory with no node_modules, and resolve to the binary's own modules.
 * Also the "did you mean" for a misspelled built-in id (item 5).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { BINARY, post, prerequisites, run, type Proc } from "./_harness.ts";

const ROOT = resolve(import.meta.dir, "../..");
const KEY = "plugins-bin-key-0123456789abcdef";

/** Newest modification time of the sources the binary is compiled from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/kubently unless it is newer than every source it is made from. */
function freshBinary(): string | null {
  const newest = Math.max(...["bin", "lib", "plugins", "adapters"].map((d) => newestSource(join(ROOT, d))), statSync(join(ROOT, "package.json")).mtimeMs);
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs > newest) return null;
  const r = spawnSync("npm", ["run", "build:bin"], { cwd: ROOT, stdio: "inherit" });
  return r.status === 0 && existsSync(BINARY) ? null : "the compiled binary could not be built (npm run build:bin)";
}

const { skip } = prerequisites([freshBinary()]);

/** TypeScript, with types from "kubently", composing the built-in grammar with stricter options. */
const STRICT_TS = `import { definePolicy, deny, type PolicyContext, type PolicyDecision } from "kubently";
import { readOnly } from "kubently/plugins/read-only";

const grammar = readOnly({ secrets: "deny" });

export default definePolicy({
  id: "strict-ts",
  description: "read-only with Secrets denied outright, and no staging",
  before: (ctx: PolicyContext): PolicyDecision | void | Promise<PolicyDecision | void> =>
    ctx.argv.includes("staging") ? deny("staging is off limits") : grammar.before!(ctx),
});
`;

/** ESM: an error thrown by "kubently/a2a" is an instance of "kubently"'s KubentlyError (one copy, not two). */
const IDENTITY_MJS = `import { definePolicy, deny, allow, KubentlyError, isKubentlyError } from "kubently";
import { checkPublicUrl } from "kubently/a2a";
import readOnlyDefault, { readOnly } from "kubently/plugins/read-only";

let thrown;
try {
  checkPublicUrl("http://0.0.0.0/");
} catch (e) {
  thrown = e;
}
const facts = [
  "a2a error instanceof KubentlyError: " + (thrown instanceof KubentlyError),
  "isKubentlyError: " + isKubentlyError(thrown, "VALIDATION_FAILED"),
  "default export is readOnly: " + (readOnlyDefault === readOnly),
].join("; ");

export const policy = definePolicy({
  id: "identity-mjs",
  before: ({ argv }) => (argv.includes("probe") ? deny(facts) : allow()),
});
`;

/** Plain .js (no package.json beside it), a factory, rewriting argv. */
const REWRITE_JS = `import { definePolicy, rewrite } from "kubently";

export default (options = {}) =>
  definePolicy({
    id: options.id ?? "rewrite-js",
    before: ({ argv }) => {
      const i = argv.indexOf("rewrite-me");
      return i === -1 ? undefined : rewrite(argv.map((a, j) => (j === i ? "shop" : a)), "rewrite-me is shop");
    },
  });
`;

/** CommonJS: require("kubently") gets the same modules, synchronously. */
const REQUIRE_CJS = `const { definePolicy, deny } = require("kubently");
const { readOnly } = require("kubently/plugins/read-only");

const grammar = readOnly({ allowFollow: false });
module.exports = definePolicy({
  id: "no-follow-cjs",
  before: (ctx) => (ctx.argv.includes("cjs") ? deny("required, not imported") : grammar.before(ctx)),
});
`;

const serverFlags = ["--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--executor", "echo", "--cluster-id", "c1", "--api-keys", `t:${KEY}`];

describe.skipIf(skip)("plugin files importing kubently, in the compiled binary", () => {
  let dir = "";
  let proc: Proc;
  let url = "";
  const exec = (argv: string[]) => post(`${url}/debug/execute`, KEY, { cluster_id: "c1", argv });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kubently-plugin-files-"));
    writeFileSync(join(dir, "strict.ts"), STRICT_TS);
    writeFileSync(join(dir, "identity.mjs"), IDENTITY_MJS);
    writeFileSync(join(dir, "rewrite.js"), REWRITE_JS);
    writeFileSync(join(dir, "follow.cjs"), REQUIRE_CJS);
    // Two relative paths (against the working directory, as there is no config file), two absolute.
    proc = run(["all", ...serverFlags, "--plugins", `read-only,./strict.ts,${join(dir, "identity.mjs")},${join(dir, "rewrite.js")},./follow.cjs`], {}, dir);
    url = (await proc.waitFor(/API listening on (http:\/\/\S+);/))[1]!;
  });
  afterAll(async () => {
    await proc?.stop();
  });

  test("no node_modules is in reach of the plugin files", () => {
    for (let d = dir; ; d = dirname(d)) {
      expect({ d, nodeModules: existsSync(join(d, "node_modules")) }).toEqual({ d, nodeModules: false });
      if (dirname(d) === d) break;
    }
  });

  test("explain lists the policies in order", async () => {
    const explained = await post(`${url}/debug/policy/explain`, KEY, { cluster_id: "c1", argv: ["get", "pods"] });
    expect(explained.body.policies).toEqual(["read-only", "strict-ts", "identity-mjs", "rewrite-js", "no-follow-cjs"]);
  });

  test("a .ts plugin allows, denies with its reason, and its composed readOnly() from kubently/plugins/read-only decides", async () => {
    expect((await exec(["get", "pods", "-n", "shop"])).body).toMatchObject({ status: "success", output: "get pods -n shop\n" });
    const staging = await exec(["get", "pods", "-n", "staging"]);
    expect(staging.status).toBe(403);
    expect(staging.body).toMatchObject({ status: "denied", policy: "strict-ts", error: "staging is off limits" });
    // The built-in read-only (metadata mode) lets a Secret table through; the plugin's readOnly({ secrets: "deny" }) does not.
    const secrets = await exec(["get", "secrets", "-n", "shop"]);
    expect(secrets.body).toMatchObject({ status: "denied", policy: "strict-ts" });
    expect(secrets.body.error).toContain("secrets");
  });

  test("a .mjs plugin sees one Kubently: kubently/a2a throws the KubentlyError class kubently exports", async () => {
    const probe = await exec(["get", "pods", "-n", "probe"]);
    expect(probe.body).toMatchObject({
      status: "denied",
      policy: "identity-mjs",
      error: "a2a error instanceof KubentlyError: true; isKubentlyError: true; default export is readOnly: true",
    });
  });

  test("a .js plugin's factory is called and its rewrite applies", async () => {
    expect((await exec(["get", "pods", "-n", "rewrite-me"])).body).toMatchObject({ status: "success", output: "get pods -n shop\n" });
  });

  test("a .cjs plugin requires kubently and its composed readOnly({ allowFollow: false }) denies a follow", async () => {
    expect((await exec(["logs", "web-1", "-n", "shop"])).body.status).toBe("success");
    const follow = await exec(["logs", "web-1", "-n", "shop", "-f"]);
    expect(follow.body).toMatchObject({ status: "denied", policy: "no-follow-cjs" });
    expect(follow.body.error).toMatch(/^streaming: /);
    expect((await exec(["get", "pods", "-n", "cjs"])).body).toMatchObject({ status: "denied", policy: "no-follow-cjs", error: "required, not imported" });
  });

  test("from a config file: the worked example of docs/plugins.md as is, and an ESM-only package that gets the binary's kubently over its own", async () => {
    const block = [...readFileSync(join(ROOT, "docs/plugins.md"), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((c) => c.includes("export const officeHours"))!;
    writeFileSync(join(dir, "office-hours.ts"), block);
    // The working directory, where packages resolve from: a package whose `exports` has only `import`, and a second kubently that must not be used.
    const cwd = mkdtempSync(join(tmpdir(), "kubently-cwd-"));
    const pkg = (name: string, manifest: object, index: string) => {
      mkdirSync(join(cwd, "node_modules", name), { recursive: true });
      writeFileSync(join(cwd, "node_modules", name, "package.json"), JSON.stringify({ name, version: "1.0.0", type: "module", ...manifest }));
      writeFileSync(join(cwd, "node_modules", name, "index.js"), index);
    };
    pkg("kubently", { main: "index.js" }, `export const definePolicy = () => { throw new Error("the second copy of kubently was used"); };\nexport const deny = definePolicy;\n`);
    pkg(
      "@acme/kubently-policy",
      { exports: { ".": { import: "./index.js" } } },
      `import { definePolicy, deny } from "kubently";\nexport default (o) => definePolicy({ id: "acme", before: ({ argv }) => (argv.includes(o.word) ? deny("acme says no") : undefined) });\n`,
    );
    const closed = (new Date().getUTCHours() + 12) % 24;
    writeFileSync(
      join(dir, "kubently.json"),
      JSON.stringify({
        plugins: ["read-only", { use: "@acme/kubently-policy", options: { word: "payments" } }, { use: "./office-hours.ts", options: { clusters: ["c1"], hours: [closed, closed] } }],
      }),
    );
    const proc = run(["all", ...serverFlags, "--config", join(dir, "kubently.json")], {}, cwd);
    try {
      const url = (await proc.waitFor(/API listening on (http:\/\/\S+);/))[1]!;
      const exec = (argv: string[]) => post(`${url}/debug/execute`, KEY, { cluster_id: "c1", argv });
      // In order: the package decides first, then the office hours (closed now for c1).
      expect((await exec(["get", "pods", "-n", "payments"])).body).toMatchObject({ status: "denied", policy: "acme", error: "acme says no" });
      expect((await exec(["get", "pods", "-n", "shop"])).body).toMatchObject({ status: "denied", policy: "office-hours", error: `c1 takes commands ${closed}:00-${closed}:59 UTC only` });
    } finally {
      await proc.stop();
    }
  });

  test("a misspelled built-in id stops start-up with exit code 2 and a suggestion", async () => {
    const bad = run(["all", ...serverFlags, "--plugins", "read-onyl"], {}, dir);
    await bad.waitFor(/plugin "read-onyl" could not be loaded: it is neither a built-in policy \(read-only, [^)]*\) nor a package found from .*; did you mean "read-only"\?/);
    expect(await bad.exited).toBe(2);
  });
});
