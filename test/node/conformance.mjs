// Runs the conformance suites of test/conformance/ — the same TypeScript
// files `bun test` runs — under plain Node (>= 20), against the memory backend
// and the SQLite backend on better-sqlite3.
//
// How: esbuild bundles the suites' registration files into one ES module,
// with "bun:test" resolved to test/node/_bun-test-shim.mjs (node:test plus
// Jest's `expect`) and npm packages left external; `node --test` then runs
// that module with the TAP reporter, so the output ends with `# pass N` /
// `# fail N` and the exit code is non-zero on any failure. The bundle is
// written under node_modules/.cache/ so the packages it imports, and the
// better-sqlite3 the adapter loads at run time, resolve from this repo.
//
// Usage: node test/node/conformance.mjs [suite file, relative to test/conformance/ or absolute ...]
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

if (typeof globalThis.Bun !== "undefined") throw new Error("run this with node, not bun");

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const suites = process.argv.slice(2).length ? process.argv.slice(2) : ["memory.test.ts", "sqlite.test.ts"];
const cacheDir = join(root, "node_modules", ".cache");
mkdirSync(cacheDir, { recursive: true });
const outDir = mkdtempSync(join(cacheDir, "kubently-node-conformance-"));
const outfile = join(outDir, "conformance.mjs");

let status = 1;
try {
  await build({
    stdin: {
      contents: suites.map((s) => `import ${JSON.stringify(resolve(root, "test/conformance", s))};`).join("\n"),
      resolveDir: root,
      sourcefile: "conformance-entry.ts",
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "inline",
    logLevel: "warning",
    outfile,
    plugins: [
      {
        name: "bun-test-shim",
        setup(b) {
          b.onResolve({ filter: /^bun:test$/ }, () => ({ path: join(root, "test/node/_bun-test-shim.mjs") }));
        },
      },
    ],
  });
  const run = spawnSync(process.execPath, ["--enable-source-maps", "--test", "--test-reporter=tap", outfile], {
    cwd: root,
    stdio: "inherit",
  });
  status = run.status ?? 1;
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
process.exit(status);
