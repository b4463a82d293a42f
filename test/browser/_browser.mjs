// Helpers for the console's browser tests: find Debian's Chromium, start the
// compiled binary's demo and read its banner, launch the browser with
// playwright-core (which never downloads a browser), and watch every page
// for JavaScript errors and CSP violations. Runs under Node, not Bun:
// playwright under Bun hangs (oven-sh/bun#31105).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Where `npm run build:bin` puts the executable. */
export const BINARY = join(ROOT, "dist/kubently");

/** Generous: a cold Chromium and a first diagnosis on a 2-core CI machine. */
export const WAIT_MS = 20_000;

/** The Chromium on PATH (Debian's `chromium` package), or null. */
export function findChromium() {
  const r = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" });
  const found = r.status === 0 ? r.stdout.trim() : "";
  return found || null;
}

/**
 * Why the suite cannot run, or null. Under CI=true a missing prerequisite is
 * a failure (the house rule of test/e2e/_harness.ts `prerequisites`), so
 * this throws; elsewhere it prints the reason and the suite is skipped.
 */
export function prerequisites() {
  const missing = [];
  if (!findChromium()) missing.push("chromium is not on PATH (apt-get install chromium; .ci/run installs it)");
  if (!existsSync(BINARY)) missing.push("dist/kubently is missing (npm run build:bin)");
  if (missing.length === 0) return null;
  if (process.env.CI === "true") throw new Error(`browser test prerequisites missing under CI: ${missing.join("; ")}`);
  const reason = missing.join("; ");
  console.warn(`skipping the console's browser tests: ${reason}`);
  return reason;
}

/** Runs the binary with a clean HOME and answers its exit status and output. */
export function runCli(args, { env = {}, input } = {}) {
  const home = mkdtempSync(join(tmpdir(), "kubently-browser-cli-"));
  try {
    const r = spawnSync(BINARY, args, { env: { PATH: process.env.PATH ?? "", HOME: home, ...env }, input, encoding: "utf8", timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Starts `kubently demo --port 0 --a2a-port 0` with a temp HOME and reads
 * its banner: the API URL, the keys, the console URL and the console login.
 * `stop()` ends it by its process id (SIGTERM, then SIGKILL after 5 s).
 */
export async function startDemo() {
  const home = mkdtempSync(join(tmpdir(), "kubently-browser-"));
  const child = spawn(BINARY, ["demo", "--port", "0", "--a2a-port", "0"], {
    env: { PATH: process.env.PATH ?? "", HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise((r) => child.on("exit", (code, signal) => r(code ?? signal)));
  // Should the test process end without its after hook (an uncaught error), the demo goes with it.
  const orphan = () => child.exitCode === null && child.signalCode === null && process.kill(child.pid, "SIGKILL");
  process.once("exit", orphan);
  const banner = await new Promise((resolveBanner, reject) => {
    const timer = setTimeout(() => {
      orphan();
      reject(new Error(`kubently demo printed no banner in ${WAIT_MS} ms:\n${out}`));
    }, WAIT_MS);
    const onData = (d) => {
      out += d.toString();
      if (!/Press Ctrl\+C to stop/.test(out)) return;
      clearTimeout(timer);
      resolveBanner(out);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`kubently demo exited (${code}) before its banner:\n${out}`));
    });
  });
  const line = (label) => {
    const m = banner.match(new RegExp(`^\\s*${label}:\\s+(\\S+)`, "m"));
    if (!m) throw new Error(`the demo banner has no "${label}:" line:\n${banner}`);
    return m[1];
  };
  const login = banner.match(/^\s*Console login:\s+(\S+)\s+\/\s+(\S+)/m);
  if (!login) throw new Error(`the demo banner has no "Console login: NAME / PASSWORD" line:\n${banner}`);
  return {
    apiUrl: line("API"),
    apiKey: line("API key"),
    adminKey: line("Admin key"),
    consoleUrl: line("Console"),
    username: login[1],
    password: login[2],
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, "SIGTERM");
        const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid, "SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      process.off("exit", orphan);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Launches Chromium headless through playwright-core. As root (CI and these
 * machines run as root) Chromium refuses to start with its sandbox ("Running
 * as root without --no-sandbox is not supported"), so the sandbox is off
 * only then; the pages are our own console on 127.0.0.1.
 */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  const executablePath = findChromium();
  const asRoot = process.getuid?.() === 0;
  return chromium.launch({ executablePath, headless: true, chromiumSandbox: !asRoot });
}

/** Runs in every page before its own scripts: CSP violations are logged, so the console watcher sees them. */
const REPORT_CSP = () => {
  document.addEventListener("securitypolicyviolation", (e) => {
    console.error(`securitypolicyviolation: ${e.violatedDirective} blocked ${e.blockedURI || "(inline)"} at ${e.sourceFile}:${e.lineNumber}`);
  });
};

/**
 * A browser context (its own cookies: one signed-in person) at 1280x800
 * whose pages report CSP violations, and a list of the problems its pages
 * showed: JavaScript errors, console errors and CSP violations. A failed
 * resource load with a status in `expectedStatuses` for a path in
 * `expectedPaths` is an answer the test asked for (a 401 session probe, a
 * 403 for a denied command), not a problem.
 */
export async function newWatchedContext(browser, label, { expected = [] } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(REPORT_CSP);
  const problems = [];
  context.on("page", (page) => watch(page, label, problems, expected));
  return { context, problems };
}

function watch(page, label, problems, expected) {
  page.on("pageerror", (e) => problems.push(`${label}: page error on ${page.url()}: ${e.message}`));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    const where = msg.location()?.url ?? "";
    const failed = text.match(/^Failed to load resource: the server responded with a status of (\d+)/);
    if (failed) {
      const path = where ? new URL(where).pathname : "";
      if (expected.some((e) => e.status === Number(failed[1]) && e.path.test(path))) return;
    }
    problems.push(`${label}: console error on ${page.url()}: ${text}${where ? ` (${where})` : ""}`);
  });
}
