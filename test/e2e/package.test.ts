/**
 * The npm package (issue 14, item 8): what `npm publish` would upload, installed
 * the way a consumer installs it.
 *
 * - `npm pack` of the built dist/ (`npm test` builds it first; `prepack` builds
 *   it on a real publish, here packing skips scripts so the suite does not
 *   rebuild): no compiled binary, under {@link MAX_TARBALL_BYTES}.
 * - One `npm install` of the tarball into a fresh project, under Node 22 (the
 *   `node` devDependency), from the registry: npm prints no install-scripts
 *   or engine warning.
 * - A strict TypeScript consumer (`strict`, no `skipLibCheck`) compiles
 *   against every subpath export with NodeNext (ESM and CommonJS) and Bundler
 *   resolution, `kubently/adapters/redis` included: its published types name
 *   none of ioredis's (whose own .d.ts fail without skipLibCheck), and an
 *   ioredis client a consumer passes in still type-checks.
 * - The installed package starts a memory-backed instance and answers a
 *   command under Node 22 and under Bun; `require()` works; the `kubently`
 *   command runs under Bun from the shipped sources.
 * - `npm run build:binaries` names every platform; the host target is
 *   compiled here (cross targets make Bun download their runtime, so they are
 *   not built in tests: docs/packaging.md).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { prerequisites } from "./_harness.ts";

const ROOT = resolve(import.meta.dir, "../..");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const NODE = join(ROOT, "node_modules/node/bin/node");
const BUN = process.execPath;
/** The packed tarball stays well under this (4.4 MB at the time of writing; 69.5 MB with the binary). */
const MAX_TARBALL_BYTES = 8 * 1024 * 1024;
/** Node 22 first on PATH, so npm and the scripts it runs use it, not the system's Node. */
const ENV = { ...process.env, PATH: `${dirname(NODE)}:${process.env.PATH ?? ""}`, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };

const sh = (cmd: string[], cwd: string, timeout = 120_000) => {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd, env: ENV, encoding: "utf8", timeout });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, stdout: r.stdout ?? "" };
};

const subpaths = Object.keys(PKG.exports as Record<string, unknown>).map((k) => (k === "." ? "kubently" : `kubently${k.slice(1)}`));
const REDIS = "kubently/adapters/redis";

const { skip } = prerequisites([
  existsSync(join(ROOT, "dist/index.d.ts")) ? null : "dist/ not built (npm run build)",
  existsSync(NODE) ? null : "node_modules/node missing (npm install)",
]);

describe.skipIf(skip)("the npm package", () => {
  let dir = "";
  let proj = "";
  let packed: { filename: string; size: number; files: { path: string }[] };
  let install: { status: number | null; out: string };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "kubently-pack-"));
    const r = sh(["npm", "pack", "--ignore-scripts", "--json", "--pack-destination", dir], ROOT);
    expect(r.status).toBe(0);
    packed = JSON.parse(r.stdout)[0];
    proj = join(dir, "consumer");
    mkdirSync(proj);
    const tgz = `file:../${packed.filename}`;
    writeFileSync(
      join(proj, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        type: "module",
        dependencies: { kubently: tgz, ioredis: PKG.devDependencies.ioredis, typescript: PKG.devDependencies.typescript, "@types/node": "^22" },
        // A tarball dependency counts its `prepare` as an install script
        // (npm leaves it out for registry installs); the consumer declines it.
        // npm 11 matches a file dependency by its absolute path.
        allowScripts: { [`kubently@file:${join(dir, packed.filename)}`]: false },
      }),
    );
    install = sh(["npm", "install", "--no-audit", "--no-fund"], proj, 180_000);
  }, 240_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the tarball carries the library, not the compiled binary, and stays small", () => {
    const paths = new Set(packed.files.map((f) => f.path));
    expect([...paths].filter((p) => p === "dist/kubently" || p === "dist/kubently.map" || p.startsWith("dist/binaries/"))).toEqual([]);
    for (const target of Object.values(PKG.exports as Record<string, Record<string, string>>).flatMap((e) => Object.values(e))) {
      expect(paths.has(target.replace(/^\.\//, ""))).toBe(true);
    }
    expect(paths.has("bin/kubently.mjs")).toBe(true);
    expect(paths.has("lib/console/dist/app.js.txt")).toBe(true);
    expect(packed.size).toBeLessThan(MAX_TARBALL_BYTES);
    expect(PKG.private).toBeUndefined();
  });

  test("npm install of the tarball under Node 22 prints no install-scripts or engine warning", () => {
    expect(install.status).toBe(0);
    expect(install.out).not.toMatch(/install-scripts|EBADENGINE/);
  });

  const strict = (name: string, compilerOptions: Record<string, unknown>, file: string, source: string) => {
    mkdirSync(join(proj, name), { recursive: true });
    writeFileSync(join(proj, name, file), source);
    writeFileSync(
      join(proj, name, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", noEmit: true, types: ["node"], ...compilerOptions }, include: [file] }),
    );
    return sh([NODE, join(proj, "node_modules/typescript/bin/tsc"), "-p", join(proj, name)], proj);
  };
  const typed = subpaths;
  const esm = [
    ...typed.map((s, i) => `import * as m${i} from "${s}";`),
    `import { createKubently, memoryBackend, type Kubently } from "kubently";`,
    `import { readOnly } from "kubently/plugins/read-only";`,
    `const k: Kubently = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "a", key: "k".repeat(24) }], clusters: [{ id: "c" }] });`,
    `console.log(k, ${typed.map((_, i) => `m${i}`).join(", ")});`,
  ].join("\n");

  test("a strict consumer (no skipLibCheck) compiles against every subpath export: NodeNext ESM, NodeNext CommonJS, Bundler", () => {
    const cjs = [...typed.map((s, i) => `import m${i} = require("${s}");`), `console.log(${typed.map((_, i) => `m${i}`).join(", ")});`].join("\n");
    const results = [
      strict("nodenext", { module: "NodeNext", moduleResolution: "NodeNext" }, "all.ts", esm),
      strict("nodenext-cjs", { module: "NodeNext", moduleResolution: "NodeNext" }, "all.cts", cjs),
      strict("bundler", { module: "ESNext", moduleResolution: "Bundler" }, "all.ts", esm),
    ];
    expect(results.map((r) => r.out.trim())).toEqual(["", "", ""]);
    expect(results.map((r) => r.status)).toEqual([0, 0, 0]);
  }, 90_000);

  test(`${REDIS} compiles strictly without ioredis's declarations; an ioredis client is a RedisClientLike`, () => {
    const r = strict("redis", { module: "NodeNext", moduleResolution: "NodeNext" }, "redis.ts", `import { redisBackend, type RedisClientLike } from "${REDIS}";\nconsole.log(redisBackend({ url: "redis://127.0.0.1:1" }));\n`);
    expect(r.out.trim()).toBe("");
    expect(r.status).toBe(0);
    // With skipLibCheck (ioredis's own .d.ts need it), a real ioredis client is accepted as `client`.
    const withClient = strict(
      "redis-client",
      { module: "NodeNext", moduleResolution: "NodeNext", skipLibCheck: true },
      "client.ts",
      `import { Redis, Cluster } from "ioredis";\nimport { redisBackend, type RedisClientLike } from "${REDIS}";\nconst a: RedisClientLike = new Redis({ lazyConnect: true });\nconst b: RedisClientLike = new Cluster([], { lazyConnect: true });\nconsole.log(redisBackend({ client: a }), b);\n`,
    );
    expect(withClient.out.trim()).toBe("");
    expect(withClient.status).toBe(0);
  }, 60_000);

  const RUN = `
import { createKubently, echoExecutor, memoryBackend } from "kubently";
import { readOnly } from "kubently/plugins/read-only";
const KEY = "consumer-key-0123456789abcdef";
const k = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "c", key: KEY }], clusters: [{ id: "c1" }] });
await k.ready();
k.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
const server = await k.listen({ port: 0, hostname: "127.0.0.1" });
try {
  const res = await fetch(server.url + "/debug/execute", { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv: ["get", "pods"] }) });
  console.log(JSON.stringify({ bun: typeof globalThis.Bun !== "undefined", status: res.status, output: (await res.json()).output }));
} finally {
  await k.close();
}
`;
  const CJS = `const { createKubently, memoryBackend } = require("kubently");
const { readOnly } = require("kubently/plugins/read-only");
console.log(JSON.stringify([typeof createKubently, typeof memoryBackend, readOnly().id]));
`;

  test("under Node 22 the installed package serves a memory-backed instance (import) and loads with require()", () => {
    writeFileSync(join(proj, "run.mjs"), RUN);
    writeFileSync(join(proj, "run.cjs"), CJS);
    expect(sh([NODE, "--version"], proj).out).toStartWith("v22.");
    const esmRun = sh([NODE, "run.mjs"], proj, 30_000);
    expect(esmRun.out.trim()).toBe(JSON.stringify({ bun: false, status: 200, output: "get pods\n" }));
    expect(sh([NODE, "run.cjs"], proj, 30_000).out.trim()).toBe(JSON.stringify(["function", "function", "read-only"]));
  }, 60_000);

  test("under Bun the installed package serves a memory-backed instance, and the kubently command runs", () => {
    writeFileSync(join(proj, "run.mjs"), RUN);
    expect(sh([BUN, "run.mjs"], proj, 30_000).out.trim()).toBe(JSON.stringify({ bun: true, status: 200, output: "get pods\n" }));
    const cli = sh([BUN, "node_modules/kubently/bin/kubently.mjs", "--version"], proj, 30_000);
    expect(cli.out.trim()).toBe(PKG.version);
  }, 60_000);

  test("build:binaries names every platform; the host target compiles and runs", () => {
    const script: string = PKG.scripts["build:binaries"];
    for (const t of ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "windows-x64"]) expect(script).toContain(t);
    expect(script).toContain("dist/binaries/kubently-$t");
    const host = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
    if (!script.includes(host)) return;
    const out = join(dir, `kubently-${host}`);
    const b = sh([BUN, "build", join(ROOT, "bin/kubently.ts"), "--compile", "--minify", `--target=bun-${host}`, "--outfile", out], ROOT, 120_000);
    expect(b.status).toBe(0);
    expect(sh([out, "--version"], dir).out.trim()).toBe(PKG.version);
  }, 150_000);
});
