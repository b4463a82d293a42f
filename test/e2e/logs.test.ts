/**
 * Logs through the compiled binary (docs/operations.md#logs): `kubently demo
 * --log-format json` writes one JSON object per stderr line; a command run
 * over REST leaves a request line with its ids and duration and an agent
 * line with the verb only; the API key, the admin key and a token sent in
 * the query string or a header never appear.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pollUntil } from "../_fixtures.ts";
import { BINARY, ensureBinary, prerequisites } from "./_harness.ts";

const { skip } = prerequisites([ensureBinary()]);
const KEY = "logs-key-SECRET-0123456789abcdef";
const ADMIN = "logs-admin-SECRET-0123456789abcdef";
const TOKEN = "query-token-SECRET-0123456789";

describe.skipIf(skip)("logs in the binary", () => {
  let child: ChildProcess;
  let stderr = "";
  let stdout = "";
  let url = "";
  const lines = () => stderr.split("\n").filter(Boolean);

  beforeAll(async () => {
    const home = mkdtempSync(join(tmpdir(), "kubently-logs-"));
    child = spawn(BINARY, ["demo", "--log-format", "json", "--port", "0", "--a2a-port", "0", "--api-key", KEY, "--admin-key", ADMIN, "--executor", "native"], {
      env: { PATH: process.env.PATH ?? "", HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d: Buffer) => void (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => void (stderr += d.toString()));
    // The demo prints its URL and keys on stdout, for the person who started it.
    url = (await pollUntil(() => stdout.match(/API:\s+(http:\/\/\S+)/)?.[1], Boolean, 15_000))!;
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.on("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  });

  test("every stderr line is a JSON object with level, time and msg", () => {
    expect(lines().length).toBeGreaterThan(0);
    for (const line of lines()) expect(JSON.parse(line)).toMatchObject({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) });
  });

  test("a command over REST: the request line carries request, correlation and command ids and the duration; the agent's line the verb only; no secret anywhere", async () => {
    const res = await fetch(`${url}/debug/execute?token=${TOKEN}`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json", "x-correlation-id": "incident-42", cookie: `kubently_session=${TOKEN}` },
      body: JSON.stringify({ cluster_id: "demo", argv: ["get", "pods", "-n", "shop"] }),
    });
    expect(res.status).toBe(200);
    const commandId = res.headers.get("x-command-id")!;
    const requestId = res.headers.get("x-request-id")!;
    const refused = await fetch(`${url}/debug/execute`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: "{}" });
    expect(refused.status).toBe(401);

    const parsed = () => lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    const all = await pollUntil(parsed, (ls) => ls.filter((l) => l.msg === "request" && l.path === "/debug/execute").length >= 2);
    const request = all.find((l) => l.msg === "request" && l.command_id === commandId)!;
    expect(request).toMatchObject({ level: "info", method: "POST", path: "/debug/execute", status: 200, request_id: requestId, correlation_id: "incident-42", identity: "demo", cluster: "demo" });
    expect(request.duration_ms).toEqual(expect.any(Number));
    const agent = all.find((l) => l.msg === "command" && l.command_id === commandId)!;
    expect(agent).toMatchObject({ level: "info", cluster: "demo", correlation_id: "incident-42", verb: "get", status: "success" });
    expect(agent.duration_ms).toEqual(expect.any(Number));
    expect(all.find((l) => l.msg === "request" && l.status === 401)).toMatchObject({ path: "/debug/execute", error_code: "UNAUTHENTICATED" });

    for (const secret of [KEY, ADMIN, TOKEN, "shop"]) expect(stderr).not.toContain(secret);
    // The demo prints its keys on stdout, for the person who started it: never on the log stream.
    expect(stdout).toContain(KEY);
  });
});
