/**
 * Issue 15 item 6: Kubently embedded in a host's own server. The fetch
 * handler under a base path in Bun.serve (the shape Deno.serve and Hono
 * take), and the node:http listener, also as Express-style middleware with
 * `next`, under real Node 22 (the `node` devDependency) in a child process.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { readOnly } from "../../plugins/read-only.ts";

const KEY = "embed-key-0123456789abcdef";
const ROOT = resolve(import.meta.dir, "../..");
let k: Kubently;
beforeAll(async () => {
  k = createKubently({ policies: [readOnly()], apiKeys: [{ name: "host", key: KEY }], clusters: [{ id: "c1" }] });
  await k.ready();
  k.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
});
afterAll(() => k.close());

const execute = (base: string) =>
  fetch(`${base}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv: ["get", "pods"] }) });

test("fetchHandler({ basePath }) serves the API under the prefix in a host's Bun.serve, beside the host's own routes", async () => {
  const api = k.fetchHandler({ basePath: "/kubently" });
  const server = Bun.serve({ port: 0, fetch: (req) => (new URL(req.url).pathname.startsWith("/kubently") ? api(req) : new Response("host page")) });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    expect(await (await fetch(`${base}/`)).text()).toBe("host page");
    expect(await (await fetch(`${base}/kubently/health`)).json()).toMatchObject({ status: "healthy" });
    const r = await execute(`${base}/kubently`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: "success", output: "get pods\n" });
    // Outside the prefix the handler is not the API's.
    const outside = await api(new Request(`${base}/health`));
    expect({ status: outside.status, body: await outside.json() }).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  } finally {
    server.stop(true);
  }
});

test("nodeHandler({ basePath }) under real Node 22: the built package in a node:http server, as Express-style middleware that passes other paths to next()", async () => {
  // dist/ is built by `npm test` before the suites run (npm run build).
  const dir = await mkdtemp(join(tmpdir(), "kubently-embed-"));
  try {
    const script = join(dir, "host.mjs");
    await writeFile(
      script,
      `import { createServer } from "node:http";
import { createKubently, echoExecutor } from ${JSON.stringify(join(ROOT, "dist/index.js"))};
import { readOnly } from ${JSON.stringify(join(ROOT, "dist/plugins/read-only.js"))};
const k = createKubently({ policies: [readOnly()], apiKeys: [{ name: "host", key: ${JSON.stringify(KEY)} }], clusters: [{ id: "c1" }] });
await k.ready();
k.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
const api = k.nodeHandler({ basePath: "/kubently" });
// Express-style: the middleware gets next(); the host answers what is not the API's.
const server = createServer((req, res) => api(req, res, () => res.end("host page")));
server.listen(0, "127.0.0.1", () => console.log("port " + server.address().port));
`,
    );
    const child = spawn(join(ROOT, "node_modules/.bin/node"), [script], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const port = await new Promise<number>((done, fail) => {
        child.stdout.on("data", (d: Buffer) => {
          const m = /port (\d+)/.exec(d.toString());
          if (m) done(Number(m[1]));
        });
        child.on("exit", (code) => fail(new Error(`node exited ${code}`)));
      });
      const base = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${base}/elsewhere`)).text()).toBe("host page");
      expect(await (await fetch(`${base}/kubently/health`)).json()).toMatchObject({ status: "healthy" });
      const r = await execute(`${base}/kubently`);
      expect(await r.json()).toMatchObject({ status: "success", output: "get pods\n" });
    } finally {
      child.kill();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the published types compile in a consumer under tsc --strict without skipLibCheck (no framework types leak)", async () => {
  // dist/ is built by `npm test` before the suites run (npm run build).
  const dir = await mkdtemp(join(tmpdir(), "kubently-consumer-"));
  try {
    await Bun.$`mkdir -p ${join(dir, "node_modules/@types")}`.quiet();
    await Bun.$`ln -s ${ROOT} ${join(dir, "node_modules/kubently")} && ln -s ${join(ROOT, "node_modules/@types/node")} ${join(dir, "node_modules/@types/node")}`.quiet();
    await writeFile(
      join(dir, "main.ts"),
      `import { createKubently, memoryBackend, nodeListener, type Kubently } from "kubently";
import { readOnly } from "kubently/plugins/read-only";
const k: Kubently = createKubently({ backend: memoryBackend(), policies: [readOnly()] });
export const fetchHandler: (r: Request) => Promise<Response> = k.fetchHandler({ basePath: "/kubently" });
export const listener = k.nodeHandler({ basePath: "/kubently" });
export const same = nodeListener;
`,
    );
    await writeFile(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", types: ["node"] }, files: ["main.ts"] }),
    );
    const tsc = Bun.spawnSync([join(ROOT, "node_modules/.bin/tsc"), "-p", dir], { stdout: "pipe", stderr: "pipe" });
    expect(`${tsc.stdout.toString()}${tsc.stderr.toString()}`).toBe("");
    expect(tsc.exitCode).toBe(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);
