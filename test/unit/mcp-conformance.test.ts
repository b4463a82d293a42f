/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`,
 * run with its CLI under Node >= 22 from the `node` devDependency) against
 * our /mcp endpoint, on an API started here with an API key.
 *
 * Authentication: the suite's client cannot send headers — 0.1.16 has no
 * option or environment variable for it (its client transport is built from
 * the URL alone) — so the suite talks to a small proxy that adds
 * `X-API-Key` and passes everything else through unchanged, Host and Origin
 * included (the DNS-rebinding scenario is about exactly those).
 *
 * Scenarios run (they apply to a server with our tools):
 *   - server-initialize, ping, tools-list
 *   - dns-rebinding-protection (issue 17 item 15: fails until /mcp checks Host/Origin)
 * Scenarios that do not apply:
 *   - tools-call-simple-text, -image, -audio, -embedded-resource, -mixed-content,
 *     -with-logging, -error, -with-progress, -sampling, -elicitation,
 *     json-schema-2020-12, elicitation-sep1034-defaults, elicitation-sep1330-enums:
 *     each calls a fixture tool of the suite's reference server (test_simple_text,
 *     json_schema_2020_12_tool…); our tools are Kubently's
 *   - resources-list, -read-text, -read-binary, -templates-read, -subscribe,
 *     -unsubscribe; prompts-list, -get-simple, -get-with-args,
 *     -get-embedded-resource, -get-with-image: we declare no resources or prompts
 *   - logging-set-level, completion-complete: we declare neither capability
 *     (the methods answer -32601 Method not found, as they should)
 *   - server-sse-polling, server-sse-multiple-streams: need an Mcp-Session-Id
 *     (and the test_reconnection fixture tool); /mcp is stateless by design
 *     (docs/mcp.md), so the suite only warns and checks nothing
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CREDS, NODE_BIN, startHostileApi, type HostileApi } from "../_hostile.ts";

const CLI = resolve(import.meta.dir, "../../node_modules/@modelcontextprotocol/conformance/dist/index.js");
const SCENARIOS = ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"];

let api: HostileApi;
let proxy: http.Server;
let mcpUrl: string;
let results: string;

beforeAll(async () => {
  api = await startHostileApi();
  // Adds the key; forwards method, path, headers (Host and Origin too) and body as they came, and streams the answer back.
  proxy = http.createServer((req, res) => {
    const upstream = http.request(
      { host: "127.0.0.1", port: api.port, method: req.method, path: req.url, headers: { ...req.headers, "x-api-key": CREDS.operator } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (e) => {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `proxy: ${e.message}`, code: "BACKEND_UNAVAILABLE" }));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", done));
  // localhost: the DNS-rebinding scenario only runs against a loopback URL.
  mcpUrl = `http://localhost:${(proxy.address() as { port: number }).port}/mcp`;
  results = await mkdtemp(join(tmpdir(), "kubently-mcp-conformance-"));
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((done) => proxy?.close(done));
  await api?.close();
  if (results) await rm(results, { recursive: true, force: true });
});

interface Check {
  id: string;
  name: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | string;
  errorMessage?: string;
  details?: unknown;
}

/** Runs one scenario with the suite's CLI; resolves with its checks (from checks.json) and its output. */
async function runScenario(scenario: string): Promise<{ code: number | null; output: string; checks: Check[] }> {
  const dir = join(results, scenario);
  const child = spawn(NODE_BIN, [CLI, "server", "--url", mcpUrl, "--scenario", scenario, "--output-dir", dir], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const code = await new Promise<number | null>((done) => child.on("close", done));
  let checks: Check[] = [];
  try {
    const [run] = await readdir(dir);
    checks = JSON.parse(await readFile(join(dir, run!, "checks.json"), "utf8"));
  } catch {
    // No checks.json: the run itself failed; the output says why.
  }
  return { code, output, checks };
}

describe("official MCP conformance suite against /mcp", () => {
  for (const scenario of SCENARIOS) {
    test(`conformance scenario ${scenario} passes`, async () => {
      const { code, output, checks } = await runScenario(scenario);
      const bad = checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING").map((c) => ({ id: c.id, status: c.status, error: c.errorMessage ?? null, details: c.details ?? null }));
      expect({ ran: checks.length > 0 ? "yes" : output.slice(-600), bad, code }).toEqual({ ran: "yes", bad: [], code: 0 });
    }, 60_000);
  }
});
