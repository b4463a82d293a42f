/**
 * Logs (docs/operations.md#logs): the executable's pino logger (fields,
 * levels, `json` and `pretty` shapes, redaction of every secret key), the
 * callback adapter, and the lines an instance writes: one per REST request,
 * one per command an agent runs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { loggerFromCallback, noopLogger, SECRET_KEYS, type LogFields, type Logger, type LogLevel } from "../../lib/log/index.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { createLogger, prettyLine } from "../../bin/_log.ts";

const capture = (format: "json" | "pretty", level: LogLevel = "info") => {
  const lines: string[] = [];
  const logger = createLogger({ format, level, color: false, write: (line) => lines.push(line) });
  return { logger, lines };
};

/** A logger that keeps what it is given, as the contract hands it over. */
const recorder = () => {
  const records: { level: LogLevel; fields: LogFields; message: string }[] = [];
  const at = (level: LogLevel) => (fields: LogFields, message: string) => void records.push({ level, fields, message });
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, records };
};

describe("createLogger", () => {
  test("json: one object a line with level, time, msg and the fields", () => {
    const { logger, lines } = capture("json");
    logger.info({ request_id: "r1", duration_ms: 3 }, "request");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: "info", msg: "request", request_id: "r1", duration_ms: 3 });
    expect(Number.isNaN(Date.parse(line.time))).toBe(false);
  });

  test("level: lines below it are dropped", () => {
    const { logger, lines } = capture("json", "warn");
    logger.debug({}, "d");
    logger.info({}, "i");
    logger.warn({}, "w");
    logger.error({}, "e");
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["w", "e"]);
    const debug = capture("json", "debug");
    debug.logger.debug({}, "d");
    expect(debug.lines).toHaveLength(1);
  });

  test("pretty: [kubently] level: message key=value, strings with spaces quoted", () => {
    const { logger, lines } = capture("pretty");
    logger.warn({}, "heartbeat failed");
    logger.info({ status: 200, path: "/debug/execute", note: "two words" }, "request");
    expect(lines).toEqual(["[kubently] warn: heartbeat failed\n", '[kubently] info: request status=200 path=/debug/execute note="two words"\n']);
  });

  test("pretty colours warn and error only when asked", () => {
    const json = JSON.stringify({ level: "error", time: "t", msg: "boom" });
    expect(prettyLine(json, false)).toBe("[kubently] error: boom");
    expect(prettyLine(json, true)).toContain("\x1b[");
  });

  for (const format of ["json", "pretty"] as const) {
    test(`${format}: no secret key's value is ever written, at the top, one level down or under headers`, () => {
      const { logger, lines } = capture(format);
      const secrets: string[] = [];
      for (const key of SECRET_KEYS) {
        const value = `SECRET-${key}-${secrets.length}`;
        secrets.push(value, `${value}-nested`, `${value}-header`);
        logger.info({ [key]: value, ctx: { [key]: `${value}-nested` }, headers: { [key]: `${value}-header` } }, "line");
      }
      logger.warn({ Authorization: "Bearer SECRET-mixed-case", headers: { "X-Api-Key": "SECRET-mixed-header" } }, "other spellings");
      secrets.push("SECRET-mixed-case", "SECRET-mixed-header");
      const text = lines.join("");
      for (const s of secrets) expect(text).not.toContain(s);
      expect(text).toContain("[redacted]");
    });
  }
});

describe("loggerFromCallback", () => {
  test("appends the fields to the message, secrets scrubbed, debug dropped", () => {
    const got: string[] = [];
    const logger = loggerFromCallback((level, message) => got.push(`${level} ${message}`));
    logger.info({ command_id: "c1", token: "SECRET-t", headers: { cookie: "SECRET-c" } }, "command");
    logger.debug({}, "quiet");
    logger.warn({}, "plain");
    expect(got).toEqual(['info command command_id=c1 token=[redacted] headers={"cookie":"[redacted]"}', "warn plain"]);
  });

  test("noopLogger takes every level", () => {
    for (const level of ["debug", "info", "warn", "error"] as const) expect(() => noopLogger[level]({}, "x")).not.toThrow();
  });
});

describe("an instance's log lines", () => {
  const KEY = "svc-key-SECRET-0123456789abcdef";
  let k: Kubently;
  const { logger, records } = recorder();

  beforeAll(async () => {
    k = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "svc", key: KEY, role: "operator" }], clusters: [{ id: "c1" }], logger, auditReconciler: false });
    await k.ready();
    k.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
  });
  afterAll(() => k.close());

  const call = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    k.handle(new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": KEY, ...headers }, body: JSON.stringify(body) }));

  test("execute: one info line with method, path, status, ids, identity, cluster, command id, duration; never the key", async () => {
    records.length = 0;
    const res = await call("/debug/execute?api_key=SECRET-query", { cluster_id: "c1", argv: ["get", "secret", "SECRET-name"] }, { "x-correlation-id": "corr-1", authorization: "Bearer SECRET-bearer" });
    expect(res.status).toBe(200);
    const line = records.find((r) => r.message === "request")!;
    expect(line.level).toBe("info");
    expect(line.fields).toMatchObject({
      method: "POST",
      path: "/debug/execute",
      status: 200,
      request_id: res.headers.get("x-request-id")!,
      correlation_id: "corr-1",
      command_id: res.headers.get("x-command-id")!,
      identity: "svc",
      cluster: "c1",
    });
    expect(typeof line.fields.duration_ms).toBe("number");
    const agentLine = records.find((r) => r.message === "command")!;
    expect(agentLine).toMatchObject({ level: "info", fields: { command_id: res.headers.get("x-command-id")!, cluster: "c1", correlation_id: "corr-1", verb: "get", status: "success" } });
    expect(typeof agentLine.fields.duration_ms).toBe("number");
    const text = JSON.stringify(records);
    for (const secret of ["SECRET-query", "SECRET-bearer", KEY, "SECRET-name"]) expect(text).not.toContain(secret);
  });

  test("a refused request: its status and error code, at info; health probes at debug", async () => {
    records.length = 0;
    const res = await call("/debug/execute", { cluster_id: "c1", argv: ["get", "pods"] }, { "x-api-key": "wrong-SECRET-key" });
    expect(res.status).toBe(401);
    await k.handle(new Request("http://localhost/healthz"));
    expect(records.map((r) => [r.level, r.fields.path, r.fields.status, r.fields.error_code])).toEqual([
      ["info", "/debug/execute", 401, "UNAUTHENTICATED"],
      ["debug", "/healthz", 200, undefined],
    ]);
    expect(JSON.stringify(records)).not.toContain("wrong-SECRET-key");
  });

  test("a draining replica's refusals (503 SHUTTING_DOWN) are not errors: callers' at info, agents' polls at debug", async () => {
    const drainingK = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "svc", key: KEY, role: "operator" }], clusters: [{ id: "c1", token: "drain-log-token-0123456789abcdef" }], logger, auditReconciler: false });
    await drainingK.ready();
    const closing = drainingK.close();
    try {
      records.length = 0;
      const refused = await drainingK.handle(new Request("http://localhost/debug/execute", { method: "POST", headers: { "content-type": "application/json", "x-api-key": KEY }, body: JSON.stringify({ cluster_id: "c1", argv: ["get", "pods"] }) }));
      expect(refused.status).toBe(503);
      // Alone on its backend the replica serves polls until its drain is over, then refuses them.
      const poll = () => drainingK.handle(new Request("http://localhost/agent/commands?wait=0", { headers: { authorization: "Bearer drain-log-token-0123456789abcdef", "x-cluster-id": "c1" } }));
      let status = (await poll()).status;
      for (let i = 0; i < 100 && status !== 503; i++) status = (await Bun.sleep(10), await poll()).status;
      expect(status).toBe(503);
      const refusals = records.filter((r) => r.message === "request" && r.fields.status === 503);
      expect(refusals.map((r) => [r.level, r.fields.path, r.fields.error_code])).toEqual([
        ["info", "/debug/execute", "SHUTTING_DOWN"],
        ["debug", "/agent/commands", "SHUTTING_DOWN"],
      ]);
    } finally {
      await closing;
    }
  });

  test("MCP and A2A requests get their lines too: /mcp through the REST app, A2A on its own port", async () => {
    records.length = 0;
    const mcp = await k.handle(new Request("http://localhost/mcp", { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": "wrong-SECRET-key" }, body: "{}" }));
    expect(mcp.status).toBe(401);
    const a2a = await k.listenA2A({ publicUrl: "http://127.0.0.1:0/", port: 0 });
    try {
      expect((await fetch(`${a2a.url}/.well-known/agent-card.json`)).status).toBe(200);
      const rpc = await fetch(`${a2a.url}/`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": "wrong-SECRET-key" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "message/send", params: {} }) });
      expect(rpc.status).toBe(401);
    } finally {
      await a2a.close();
    }
    expect(records.filter((r) => r.message === "request").map((r) => [r.level, r.fields.method, r.fields.path, r.fields.status])).toEqual([
      ["info", "POST", "/mcp", 401],
      ["info", "GET", "/.well-known/agent-card.json", 200],
      ["info", "POST", "/", 401],
    ]);
    expect(JSON.stringify(records)).not.toContain("wrong-SECRET-key");
  });
});
