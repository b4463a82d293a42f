#!/usr/bin/env node
/**
 * The `kubently` command that `npm install` links (package.json "bin"), so
 * `npx kubently ...` works in a checkout with no build step: it runs
 * bin/kubently.ts with the Bun that `npm install` put in node_modules (the
 * `bun` package), or, where there is no Bun or no source (an installed
 * package), the compiled `dist/kubently` from `npm run build:bin`. Nothing is
 * downloaded. Plain JavaScript on purpose: it runs under whatever Node npm
 * uses.
 *
 * Where Node can replace its own process (`process.execve`, Node >= 22.15),
 * it does, so signals and the exit code are kubently's own; elsewhere it
 * spawns kubently and passes signals on (SIGINT and SIGHUP only when not on
 * a terminal: a terminal sends those to both processes already, and a second
 * signal would make kubently skip draining).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "bin", "kubently.ts");
const compiled = join(root, "dist", process.platform === "win32" ? "kubently.exe" : "kubently");

/** The Bun binary of the `bun` npm package this package depends on, or null. */
function bunBinary() {
  if (process.versions.bun) return process.execPath;
  try {
    const pkg = createRequire(join(root, "package.json")).resolve("bun/package.json");
    const exe = join(dirname(pkg), "bin", "bun.exe");
    return existsSync(exe) ? exe : null;
  } catch {
    return null;
  }
}

const args = process.argv.slice(2);
const bun = existsSync(source) ? bunBinary() : null;
const [file, argv] = bun ? [bun, [bun, source, ...args]] : existsSync(compiled) ? [compiled, [compiled, ...args]] : [null, []];
if (!file) {
  console.error(
    `kubently: nothing to run. Looked for Bun from node_modules (the "bun" package; run npm install) to run ${source}, ` +
      `and for the compiled binary ${compiled} (npm run build:bin). Installed from npm, the command needs Bun: ` +
      `run it with bunx kubently, or use a binary built for your platform (docs/packaging.md).`,
  );
  process.exit(2);
}

if (typeof process.execve === "function") {
  process.execve(file, argv, process.env);
} else {
  const child = spawn(file, argv.slice(1), { stdio: "inherit" });
  const fromTerminal = process.stdin.isTTY === true;
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => (signal === "SIGTERM" || !fromTerminal) && child.kill(signal));
  child.on("error", (e) => {
    console.error(`kubently: could not start ${file}: ${e.message}`);
    process.exit(2);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
