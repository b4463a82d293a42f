/**
 * Shared helpers for the hostile-input suites (issue 17): an API instance with
 * the usual keys, raw HTTP/1.1 over node:net for requests fetch refuses to
 * send, a serve() child under real Node, and the checks every error answer
 * must pass (the documented `{ error, code, request_id }` shape, or a
 * JSON-RPC error envelope on the protocol endpoints; never a stack or a
 * file path).
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { resolve } from "node:path";
import { memoryBackend } from "../adapters/memory/index.ts";
import { echoExecutor, type Executor } from "../lib/agent/executors.ts";
import { ERROR_CODES } from "../lib/errors.ts";
import { createKubently, type Kubently } from "../lib/kubently.ts";
import { readOnly } from "../plugins/read-only.ts";

/** Credentials of {@link startHostileApi}. */
export const CREDS = {
  operator: "hostile-operator-key-0123456789",
  admin: "hostile-admin-key-0123456789ab",
  viewer: "hostile-viewer-key-0123456789a",
  /** Agent token of {@link AGENT_CLUSTER}. */
  agentToken: "hostile-agent-token-0123456789",
} as const;

/** The cluster with an in-process echo agent. */
export const ECHO_CLUSTER = "c1";
/**
 * The cluster whose agent is the test itself (HTTP agent routes, token
 * {@link CREDS.agentToken}); no agent serves it. A name random generators do
 * not produce, so a fuzzed execute never waits on it.
 */
export const AGENT_CLUSTER = "agent-only-cluster";

/** A running API for hostile-input tests. */
export interface HostileApi {
  k: Kubently;
  url: string;
  port: number;
  /** Commands the echo agent has run so far. */
  runs(): number;
  close(): Promise<void>;
}

/** The echo executor, counting its runs (to prove a refused request ran nothing). */
export function countingEcho(): { executor: Executor; runs: () => number } {
  const echo = echoExecutor();
  let n = 0;
  return {
    executor: { name: "counting-echo", run: (argv, o) => (n++, echo.run(argv, o)) },
    runs: () => n,
  };
}

/**
 * Creates (but does not serve) an instance with an operator, an admin and a
 * viewer key, {@link ECHO_CLUSTER} and {@link AGENT_CLUSTER}. Synchronous, so a
 * suite can read `k.routes` at load time.
 */
export function createHostileKubently(): Kubently {
  return createKubently({
    backend: memoryBackend(),
    policies: [readOnly()],
    apiKeys: [
      { name: "operator", key: CREDS.operator },
      { name: "admin", key: CREDS.admin, role: "admin" },
      { name: "viewer", key: CREDS.viewer, role: "viewer" },
    ],
    clusters: [{ id: ECHO_CLUSTER }, { id: AGENT_CLUSTER, token: CREDS.agentToken }],
  });
}

/** Serves `k` (or a fresh {@link createHostileKubently}) on a free port, with the counting echo agent on {@link ECHO_CLUSTER}. */
export async function startHostileApi(k: Kubently = createHostileKubently()): Promise<HostileApi> {
  await k.ready();
  const server = await k.listen({ port: 0 });
  const echo = countingEcho();
  k.startLocalAgent({ clusterId: ECHO_CLUSTER, executor: echo.executor, concurrency: 4 });
  return { k, url: server.url, port: server.port, runs: echo.runs, close: () => k.close() };
}

// ---------------------------------------------------------------------------
// Raw HTTP/1.1

/** One raw exchange: what came back on the socket. */
export interface RawResponse {
  /** Status code, or null when the server closed (or went quiet) without a status line. */
  status: number | null;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body, de-chunked, as UTF-8. */
  body: string;
  /** Everything received, as latin1 (for reports). */
  raw: string;
  /** How the exchange ended. */
  ended: "complete" | "closed" | "timeout";
}

/** Builds an HTTP/1.1 request; adds `Content-Length` for a body unless the headers give one (or Transfer-Encoding). */
export function rawRequest(method: string, target: string, headers: [string, string][] | Record<string, string>, body?: string | Uint8Array): Buffer {
  const list = Array.isArray(headers) ? [...headers] : Object.entries(headers);
  const payload = body === undefined ? Buffer.alloc(0) : typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  const has = (name: string) => list.some(([k]) => k.toLowerCase() === name);
  if (body !== undefined && !has("content-length") && !has("transfer-encoding")) list.push(["Content-Length", String(payload.length)]);
  if (!has("connection")) list.push(["Connection", "close"]);
  const head = `${method} ${target} HTTP/1.1\r\n${list.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), payload]);
}

/** Parses what arrived so far; null while a response is still incomplete. */
function parseRaw(buf: Buffer, closed: boolean): Omit<RawResponse, "ended"> | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return closed ? { status: null, headers: {}, body: "", raw: buf.toString("latin1") } : null;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(lines[0]!.match(/^HTTP\/1\.[01] (\d{3})/)?.[1] ?? NaN);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = headers[name] !== undefined ? `${headers[name]}, ${value}` : value;
  }
  const rest = buf.subarray(end + 4);
  const base = { status: Number.isNaN(status) ? null : status, headers, raw: buf.toString("latin1") };
  if (status === 101 || status === 204 || status === 304) return { ...base, body: "" };
  // An event stream (GET /events) never ends: the head is the whole answer.
  if (status === 200 && /^text\/event-stream/i.test(headers["content-type"] ?? "")) return { ...base, body: rest.toString("utf8") };
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = rest.indexOf("\r\n", at);
      if (eol < 0) return closed ? { ...base, body: Buffer.concat(parts).toString("utf8") } : null;
      const size = parseInt(rest.subarray(at, eol).toString("latin1"), 16);
      if (Number.isNaN(size)) return { ...base, body: Buffer.concat(parts).toString("utf8") };
      if (size === 0) return { ...base, body: Buffer.concat(parts).toString("utf8") };
      if (rest.length < eol + 2 + size) return closed ? { ...base, body: Buffer.concat([...parts, rest.subarray(eol + 2)]).toString("utf8") } : null;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  const length = headers["content-length"];
  if (length !== undefined) {
    const n = Number(length);
    if (rest.length >= n) return { ...base, body: rest.subarray(0, n).toString("utf8") };
    return closed ? { ...base, body: rest.toString("utf8") } : null;
  }
  return closed ? { ...base, body: rest.toString("utf8") } : null;
}

/**
 * Sends `request` bytes on a fresh connection to 127.0.0.1:`port` and
 * resolves with the first response (complete, or whatever came before the
 * close or the timeout). Never rejects.
 */
export function rawExchange(port: number, request: string | Uint8Array, timeoutMs = 5_000): Promise<RawResponse> {
  return new Promise((done) => {
    const socket = net.connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (ended: RawResponse["ended"], parsed: Omit<RawResponse, "ended"> | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      done({ ...(parsed ?? { status: null, headers: {}, body: "", raw: buf.toString("latin1") }), ended });
    };
    const timer = setTimeout(() => finish("timeout", parseRaw(buf, true)), timeoutMs);
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const parsed = parseRaw(buf, false);
      if (parsed) finish("complete", parsed);
    });
    socket.on("close", () => finish("closed", parseRaw(buf, true)));
    socket.on("error", () => finish("closed", parseRaw(buf, true)));
    socket.write(typeof request === "string" ? Buffer.from(request, "latin1") : request);
  });
}

// ---------------------------------------------------------------------------
// What every answer must look like

const CWD = resolve(import.meta.dir, "..");

/** The first sign of internals in `text` (a stack frame, a source path, the checkout's directory), or null. */
export function internalsIn(text: string): string | null {
  const patterns = [
    /\n\s*at\s+[^\n]*:\d+:\d+/, // a stack frame
    /\bat\s+(?:async\s+)?[\w.<>$]+\s+\((?:file:\/\/)?\/[^)]*:\d+:\d+\)/,
    /(?:file:\/\/)?\/[\w./-]+\.(?:ts|js|mjs|cjs):\d+/, // source file with a line
    /node_modules\//,
    /DevErrorPage|__bunfallback/,
  ];
  for (const p of patterns) {
    const m = text.match(p);
    if (m) return m[0].slice(0, 160);
  }
  if (text.includes(CWD)) return CWD;
  return null;
}

/** Codes documented in docs/errors.md. */
export const DOCUMENTED_CODES = new Set(Object.keys(ERROR_CODES));

/**
 * Problems with a REST error answer: JSON content type, `{ error, code }`
 * strings, a documented code, `request_id` equal to the `X-Request-ID`
 * header (except in a POLICY_DENIED CommandResponse, documented without it),
 * nothing internal. Empty when it is right.
 */
export function restErrorProblems(status: number, contentType: string | null | undefined, body: string, requestIdHeader?: string | null): string[] {
  const problems: string[] = [];
  if (!/\bjson\b/i.test(contentType ?? "")) problems.push(`content-type is ${JSON.stringify(contentType ?? null)}, not JSON`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    problems.push(`body is not JSON: ${JSON.stringify(body.slice(0, 200))}`);
    return problems;
  }
  const b = parsed as { error?: unknown; code?: unknown; request_id?: unknown; command_id?: unknown };
  // docs/errors.md: a POLICY_DENIED answer is the CommandResponse itself (status "denied", policy, error), not the error envelope.
  const commandResponse = b?.code === "POLICY_DENIED" && typeof b?.command_id === "string";
  if (typeof b?.error !== "string") problems.push(`"error" is not a string: ${JSON.stringify(body.slice(0, 200))}`);
  if (typeof b?.code !== "string") problems.push(`"code" is not a string: ${JSON.stringify(body.slice(0, 200))}`);
  else if (!DOCUMENTED_CODES.has(b.code)) problems.push(`code ${b.code} is not in docs/errors.md`);
  if (requestIdHeader !== undefined && !commandResponse) {
    if (typeof b?.request_id !== "string") problems.push(`"request_id" is missing`);
    else if (requestIdHeader !== b.request_id) problems.push(`request_id ${b.request_id} differs from X-Request-ID ${requestIdHeader}`);
  }
  const leak = internalsIn(body);
  if (leak) problems.push(`body carries internals: ${leak}`);
  if (status >= 500) problems.push(`status ${status}`);
  return problems;
}

/** A JSON-RPC id as JSON-RPC 2.0 allows it in a response. */
export const validRpcId = (id: unknown) => id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));

/**
 * Problems with one JSON-RPC response object: `jsonrpc: "2.0"`, a valid id,
 * and for an error an integer code that is not -32603 (Internal error, the
 * JSON-RPC 500) and a string message.
 */
export function rpcMessageProblems(message: unknown): string[] {
  const m = message as { jsonrpc?: unknown; id?: unknown; error?: { code?: unknown; message?: unknown }; result?: unknown; method?: unknown };
  if (m === null || typeof m !== "object" || Array.isArray(m)) return [`not a JSON-RPC object: ${JSON.stringify(message)?.slice(0, 200)}`];
  const problems: string[] = [];
  if (m.jsonrpc !== "2.0") problems.push(`jsonrpc is ${JSON.stringify(m.jsonrpc)}`);
  if (m.method !== undefined) return problems; // a notification or request from the server
  if (!validRpcId(m.id)) problems.push(`id ${JSON.stringify(m.id)} is not a string, number or null`);
  if (m.error !== undefined) {
    if (!Number.isInteger(m.error?.code)) problems.push(`error.code ${JSON.stringify(m.error?.code)} is not an integer`);
    if (m.error?.code === -32603) problems.push(`-32603 Internal error: ${String(m.error?.message).slice(0, 200)}`);
    if (typeof m.error?.message !== "string") problems.push(`error.message is not a string`);
    const leak = internalsIn(JSON.stringify(m.error));
    if (leak) problems.push(`error carries internals: ${leak}`);
  }
  return problems;
}

/** The JSON-RPC messages of a JSON or SSE body (`data:` lines); throws when neither parses. */
export function rpcMessages(contentType: string | null | undefined, body: string): unknown[] {
  if (/text\/event-stream/i.test(contentType ?? "")) {
    return body
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).trim())
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l));
  }
  if (body.trim() === "") return [];
  const parsed = JSON.parse(body);
  return Array.isArray(parsed) ? parsed : [parsed];
}

/**
 * Problems with an answer of a JSON-RPC endpoint (/mcp, A2A): never a 5xx;
 * an HTTP error is the REST shape (refused before JSON-RPC: auth, size, media
 * type; its `request_id` checked against `requestIdHeader` when given) or a
 * JSON-RPC error envelope; every JSON-RPC message passes
 * {@link rpcMessageProblems}.
 */
export function rpcAnswerProblems(status: number, contentType: string | null | undefined, body: string, requestIdHeader?: string | null): string[] {
  if (status >= 500) return [`status ${status}: ${body.slice(0, 200)}`];
  if (status >= 400) {
    let parsed: { error?: unknown; code?: unknown; jsonrpc?: unknown } | undefined;
    try {
      parsed = JSON.parse(body);
    } catch {
      return [`status ${status} with a body that is not JSON: ${JSON.stringify(body.slice(0, 200))}`];
    }
    if (!/\bjson\b/i.test(contentType ?? "")) return [`status ${status} with content-type ${JSON.stringify(contentType ?? null)}`];
    if (parsed?.jsonrpc !== undefined) return rpcMessageProblems(parsed);
    return restErrorProblems(status, contentType, body, requestIdHeader);
  }
  let messages: unknown[];
  try {
    messages = rpcMessages(contentType, body);
  } catch {
    return [`status ${status} with a body that is neither JSON nor SSE of JSON: ${JSON.stringify(body.slice(0, 200))}`];
  }
  return messages.flatMap(rpcMessageProblems);
}

// ---------------------------------------------------------------------------
// serve() under real Node

/** Where `serve` (Bun.serve under Bun, node:http under Node) lives. */
export const SERVE_MODULE = resolve(import.meta.dir, "../lib/http/serve.ts");
/** Node >= 22 from the `node` devDependency (it strips TypeScript types itself). */
export const NODE_BIN = resolve(import.meta.dir, "../node_modules/.bin/node");

/** A child process that printed its ready line. */
export interface ReadyChild {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** True while the process runs. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after 3 s. */
  stop(): Promise<void>;
}

/** Spawns `command` and resolves once a line matches `ready` (with the match), or rejects when it exits or 15 s pass. */
function spawnReady(command: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<ReadyChild & { match: RegExpMatchArray }> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let exited = false;
  child.on("exit", () => (exited = true));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${args.join(" ")} did not start:\n${out}`)), 15_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const match = out.match(ready);
      if (!match) return;
      clearTimeout(timer);
      done({
        child,
        match,
        output: () => out,
        alive: () => !exited,
        stop: async () => {
          if (exited) return;
          const gone = new Promise((r) => child.once("exit", r));
          child.kill("SIGTERM");
          const killer = setTimeout(() => child.kill("SIGKILL"), 3_000);
          await gone;
          clearTimeout(killer);
        },
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`${args.join(" ")} exited with ${code} before it was ready:\n${out}`));
    });
  });
}

/** A serve() child under Node whose handler answers `{ path, host }` of the URL it was given. */
export interface NodeServe extends ReadyChild {
  port: number;
}

const NODE_SERVE_SCRIPT = `
const { serve } = await import(process.env.SERVE_MODULE);
const server = await serve(async (request) => {
  const url = new URL(request.url);
  return new Response(JSON.stringify({ path: url.pathname, host: url.host }), { headers: { "content-type": "application/json" } });
});
console.log("LISTENING " + server.port);
`;

/** Starts lib's serve() under Node with a stand-in handler (the Node bridge is what is under test, not the app). */
export async function startNodeServe(): Promise<NodeServe> {
  const started = await spawnReady(NODE_BIN, ["--input-type=module", "-e", NODE_SERVE_SCRIPT], { SERVE_MODULE, NODE_NO_WARNINGS: "1" }, /LISTENING (\d+)/);
  return { ...started, port: Number(started.match[1]) };
}

/** The hostile-input API (REST + /mcp) and its A2A server, served by a separate Bun process. */
export interface HostileChild extends ReadyChild {
  rest: number;
  a2a: number;
  /** `app.routes` of the child's instance: method and path of every registered route. */
  routes: { method: string; path: string }[];
}

/**
 * Starts test/_hostile-server.ts in its own Bun process. A server that
 * throws out of its fetch handler makes Bun's test runner report the error
 * on whichever test runs next; in a child it stays in the child's output (and
 * a crash is visible as a dead process).
 */
export async function startHostileChild(): Promise<HostileChild> {
  const started = await spawnReady(process.execPath, [resolve(import.meta.dir, "_hostile-server.ts")], {}, /^READY (.*)$/m);
  const info = JSON.parse(started.match[1]!) as { rest: number; a2a: number; routes: { method: string; path: string }[] };
  return { ...started, ...info };
}
