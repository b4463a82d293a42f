/**
 * Property-based fuzzing of every route the server registers (issue 17).
 *
 * The route list is `app.routes` of a running instance, so a new route is
 * fuzzed without touching this file; the protocol endpoints are fuzzed too
 * (JSON-RPC bodies on /mcp and on the A2A server, whose paths come from its
 * exports). The server runs in a child process (test/_hostile-server.ts): an
 * exception thrown out of its fetch handler stays in its output instead of
 * being reported on an unrelated test, and a crash shows as a dead process.
 *
 * Each request is built from nothing: methods (mostly the route's own), ids
 * (bad percent-encoding, dots, very long, unicode), query strings, header
 * values (Latin-1, overlong, numbers out of range), credentials (each role,
 * the agent token, junk), content types, and bodies (objects with the fields
 * the API knows holding good or wrong values, huge numbers such as 1e400,
 * deep nesting, unicode, NULs, truncated JSON, invalid UTF-8, over 64 KiB).
 *
 * Asserted on every answer: never a 5xx (nor JSON-RPC -32603, its twin);
 * every REST error is JSON `{ error, code, request_id }` with a documented
 * code and the X-Request-ID header; a JSON-RPC endpoint answers the REST shape
 * or a JSON-RPC error envelope with a valid id; nothing carries a stack or a
 * source path; every request gets an answer within 10 s. Afterwards the server
 * still answers /health and runs an execute on the echo agent.
 *
 * Bounded and reproducible: fixed seeds (FUZZ_SEED overrides), FUZZ_RUNS runs
 * per route (default 100), a time cap per property; the whole file runs in
 * about 5 s (on 2 shared cores). Commands only ever target the echo-agent cluster
 * (or clusters that do not exist): nothing waits on an absent agent, and
 * `GET /agent/commands` is always asked with a `wait` that answers at once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { AGENT_CARD_PATHS, WEBSOCKET_PATH } from "../../lib/a2a/index.ts";
import { LIMITS } from "../../lib/limits.ts";
import { MCP_TOOL_NAMES } from "../../lib/mcp/index.ts";
import {
  AGENT_CLUSTER,
  CREDS,
  ECHO_CLUSTER,
  internalsIn,
  rawExchange,
  restErrorProblems,
  rpcAnswerProblems,
  startHostileChild,
  type HostileChild,
} from "../_hostile.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 1717);
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
/** Per-property safety cap (shrinking a failure included); an interrupted run that found nothing counts as passed. */
const CAP_MS = 15_000;
const ANSWER_MS = 10_000;

const server: HostileChild = await startHostileChild();
const ROUTES = server.routes;
const REST = `http://127.0.0.1:${server.rest}`;
const A2A = `http://127.0.0.1:${server.a2a}`;

/** Ids that exist: a session and a finished command of the operator (set in beforeAll), and leases the test holds as the agent of AGENT_CLUSTER. */
const known = { session: "", command: "", leases: [] as { leaseId: string; commandId: string }[] };

/**
 * Queues commands on the agent-only cluster and leases them as its agent
 * would, so the agent routes are fuzzed with leases that exist (a lease lasts
 * LIMITS.leaseMs: refreshed right before each agent route's property).
 */
async function refreshLeases(count = 12): Promise<void> {
  known.leases = [];
  for (let i = 0; i < count; i++) {
    await fetch(`${REST}/debug/execute`, {
      method: "POST",
      headers: { "x-api-key": CREDS.operator, "content-type": "application/json" },
      body: JSON.stringify({ cluster_id: AGENT_CLUSTER, argv: ["get", "pods"], wait: false, timeout_seconds: 30, ...(i % 3 === 0 ? { stream: true } : {}) }),
    });
    const res = await fetch(`${REST}/agent/commands?wait=0`, { headers: { authorization: `Bearer ${CREDS.agentToken}`, "x-cluster-id": AGENT_CLUSTER } });
    if (res.status !== 200) continue;
    const lease = await res.json();
    known.leases.push({ leaseId: lease.lease_id, commandId: lease.command.id });
  }
}

beforeAll(async () => {
  const headers = { "x-api-key": CREDS.operator, "content-type": "application/json" };
  const session = await (await fetch(`${REST}/debug/session`, { method: "POST", headers, body: JSON.stringify({ cluster_id: ECHO_CLUSTER }) })).json();
  const command = await (await fetch(`${REST}/debug/execute`, { method: "POST", headers, body: JSON.stringify({ cluster_id: ECHO_CLUSTER, argv: ["version"] }) })).json();
  known.session = session.session_id;
  known.command = command.command_id;
  expect(known.session && known.command).toBeTruthy();
});

afterAll(async () => {
  await server.stop();
});

// ---------------------------------------------------------------------------
// Building blocks

const HUGE = "\u0001HUGE\u0001";
const NEG_HUGE = "\u0001NEGHUGE\u0001";
const BIG_INT = "\u0001BIGINT\u0001";
/** JSON text of `value`, with the markers turned into numbers JSON.stringify cannot write (1e400 parses as Infinity). */
const jsonText = (value: unknown) =>
  JSON.stringify(value)
    .replaceAll(JSON.stringify(HUGE), "1e400")
    .replaceAll(JSON.stringify(NEG_HUGE), "-1e400")
    .replaceAll(JSON.stringify(BIG_INT), "123456789012345678901234567890");

const enc = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return "%ED%A0%80"; // a lone surrogate, UTF-8 encoded
  }
};

const NASTY_STRINGS = [
  "", " ", "\u0000", "a\u0000b", "\r\n", "x\r\nX-Injected: 1", "\u007f", "日本語", "😀", "\ud800", "\uffff", "héllo", "\u202e",
  "%zz", "..", ".", "../../etc/passwd", "c1", "C1", " c1 ", "ghost", "-A", "--all-namespaces", "-n", "secrets", "secret/x", "get", "logs",
  "__proto__", "constructor", "[object Object]", "1e309", "NaN", "true", "null", "a".repeat(129), "a".repeat(5000),
];
const stringArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }) },
);
const numberArb = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 1.5, 59, 60, 128, 129, 300, 3600, 3601, 86_400, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e20, -1e20, 8.64e15, 8.64e15 + 1, 1e308, -1e308, Number.MIN_VALUE, HUGE, NEG_HUGE, BIG_INT),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
/** Any JSON value, shaped from nothing. */
const valueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    stringArb,
    numberArb,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(stringArb, fc.constantFrom("__proto__", "constructor")), tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** The i-th held lease (any index), or a made-up one before leases exist. */
const leaseAt = (i: number) => known.leases[i % Math.max(1, known.leases.length)] ?? { leaseId: "no-lease", commandId: "no-command" };
const leaseIndexArb = fc.nat(31);
/** An agent result for a held lease, each field right or generated (timestamps out of the Date range included). */
const resultArb = fc
  .record({
    i: leaseIndexArb,
    status: fc.oneof({ weight: 4, arbitrary: fc.constantFrom<unknown>("success", "failure", "timeout", "denied", "cancelled") }, { weight: 1, arbitrary: valueArb }),
    exitCode: fc.oneof({ weight: 3, arbitrary: fc.constantFrom<unknown>(0, 1, null) }, { weight: 1, arbitrary: numberArb }),
    output: fc.oneof({ weight: 3, arbitrary: fc.constant<unknown>("NAME READY\n") }, { weight: 1, arbitrary: stringArb }),
    truncated: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: valueArb }),
    durationMs: fc.oneof({ weight: 3, arbitrary: fc.constant<unknown>(12) }, { weight: 1, arbitrary: numberArb }),
    executedAt: fc.oneof({ weight: 3, arbitrary: fc.constant<unknown>("now") }, { weight: 1, arbitrary: numberArb }),
    code: fc.option(fc.oneof(fc.constantFrom("AGENT_ERROR", "COMMAND_TIMEOUT"), stringArb), { freq: 4 }),
    agentId: fc.oneof({ weight: 4, arbitrary: fc.constant<unknown>("fuzz-agent") }, { weight: 1, arbitrary: valueArb }),
  })
  .map(({ i, code, executedAt, ...r }) => ({
    commandId: leaseAt(i).commandId,
    clusterId: AGENT_CLUSTER,
    ...r,
    executedAt: executedAt === "now" ? Date.now() : executedAt,
    ...(code !== null ? { code } : {}),
  }));

/** Values that pass validation, per field, so requests get past the door and reach the services. */
const GOOD: Record<string, fc.Arbitrary<unknown>> = {
  cluster_id: fc.constantFrom(ECHO_CLUSTER, "ghost"),
  cluster_ids: fc.constantFrom([ECHO_CLUSTER], [ECHO_CLUSTER, "ghost"], [ECHO_CLUSTER, ECHO_CLUSTER]),
  correlation_id: fc.constantFrom("fuzz-corr", "x".repeat(128)),
  service_identity: fc.constant("fuzz-bot"),
  ttl_seconds: fc.constantFrom(60, 300, 3600),
  session_id: fc.constant(null).map(() => known.session),
  command_type: fc.constantFrom("get", "describe", "logs", "events", "version"),
  args: fc.constantFrom(["pods"], ["pods", "-A"], ["deploy/web", "-n", "shop"]),
  namespace: fc.constantFrom("default", "kube-system"),
  timeout_seconds: fc.constantFrom(1, 10, 30),
  extra_args: fc.constant(["-o", "wide"]),
  argv: fc.constantFrom(["get", "pods"], ["version"], ["get", "secrets"], ["delete", "pod", "x"], ["logs", "-f", "web"]),
  wait: fc.boolean(),
  stream: fc.boolean(),
  max_bytes: fc.constantFrom(1, 1024, LIMITS.maxStreamBytes),
  token: fc.constant("fuzz-token-0123456789abcdef"),
  grace_seconds: fc.constantFrom(0, 60),
  name: fc.constant("fuzz-key"),
  role: fc.constantFrom("admin", "operator", "viewer"),
  clusters: fc.constant([ECHO_CLUSTER]),
  namespaces: fc.constant(["default"]),
  lease_id: leaseIndexArb.map((i) => leaseAt(i).leaseId),
  command_id: fc.oneof(leaseIndexArb.map((i) => leaseAt(i).commandId), fc.constant(null).map(() => known.command)),
  seq: fc.constantFrom(0, 1, 2),
  data: fc.constantFrom("chunk\n", "x".repeat(LIMITS.maxStreamPostBytes)),
  result: resultArb,
  agentId: fc.constant("fuzz-agent"),
  version: fc.constant("0.0.0"),
  capabilities: fc.constant(["stream"]),
  nativeCommands: fc.constant(["get"]),
  activeSessions: fc.constant(0),
};
const FIELDS = Object.keys(GOOD);
const good = (field: string) => GOOD[field]!;
/**
 * The body fields each route reads, [usually present, sometimes present]:
 * hints that make many generated bodies reach the service behind the route.
 * A route missing here (a new one) gets objects of all known fields.
 */
const FIELD_HINTS: Record<string, [string[], string[]]> = {
  "/debug/session": [["cluster_id"], ["correlation_id", "service_identity", "ttl_seconds"]],
  "/debug/execute": [["cluster_id"], ["argv", "command_type", "args", "namespace", "session_id", "correlation_id", "timeout_seconds", "extra_args", "wait", "stream", "max_bytes"]],
  "/debug/fanout": [["cluster_ids"], ["argv", "command_type", "args", "namespace", "extra_args", "correlation_id", "timeout_seconds"]],
  "/debug/policy/explain": [["cluster_id"], ["argv", "command_type", "args", "namespace", "extra_args"]],
  "/admin/agents/:cluster_id/token": [[], ["token"]],
  "/admin/agents/:cluster_id/token/rotate": [[], ["grace_seconds"]],
  "/admin/keys": [["name", "role"], ["clusters", "namespaces"]],
  "/agent/results": [["lease_id", "result"], []],
  "/agent/stream": [["lease_id", "command_id", "seq", "data"], []],
  "/agent/extend": [["lease_id", "command_id"], []],
  "/agent/heartbeat": [[], ["agentId", "version", "capabilities", "nativeCommands", "activeSessions"]],
};
/** A wrong value: mostly the strings and numbers that broke things before, else anything. */
const wrongArb = fc.oneof({ weight: 2, arbitrary: fc.constantFrom<unknown>(...NASTY_STRINGS) }, { weight: 1, arbitrary: numberArb }, { weight: 2, arbitrary: valueArb });
/** A field present with probability `present` (of 10), its value good 6 times in 7. */
const fieldOf = (field: string, present: number) =>
  fc.oneof(
    { weight: 10 - present, arbitrary: fc.constant(null) },
    { weight: present, arbitrary: fc.oneof({ weight: 6, arbitrary: good(field) }, { weight: 1, arbitrary: wrongArb }).map((v) => [field, v] as const) },
  );
/** An object with the `usual` fields (9 times in 10 each), some `sometimes` fields (3 in 10), and now and then a field of another route. */
const objectOf = ([usual, sometimes]: [string[], string[]]) =>
  fc
    .record({
      own: fc.tuple(...usual.map((f) => fieldOf(f, 9)), ...sometimes.map((f) => fieldOf(f, 3))),
      other: fc.option(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), stringArb), wrongArb), { freq: 4 }),
    })
    .map(({ own, other }) => ({ ...(other ? { [other[0]]: other[1] } : {}), ...Object.fromEntries(own.filter((e) => e !== null)) }));
const ALL_FIELDS: [string[], string[]] = [[], FIELDS];
const objectArb = objectOf(ALL_FIELDS);

const deepArb = fc.tuple(fc.integer({ min: 50, max: 12_000 }), fc.constantFrom("array", "object", "field")).map(([depth, shape]) =>
  shape === "array"
    ? "[".repeat(depth) + "]".repeat(depth)
    : shape === "object"
      ? '{"a":'.repeat(depth) + "1" + "}".repeat(depth)
      : `{"cluster_id":"${ECHO_CLUSTER}","argv":${"[".repeat(depth)}${"]".repeat(depth)}}`,
);
const RAW_BODIES = ["", "null", "{", "}", "[]", "{}", "\uFEFF{}", '{"a":1}{"b":2}', "NaN", "1e400", '{"__proto__":{"polluted":1}}', '{"cluster_id":"c1",}', "'single'", "<xml/>", "a=1&b=2"];
const invalidUtf8Arb = fc.constantFrom(
  new Uint8Array([0xff, 0xfe]),
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // {"a":"\xc3("}
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // an encoded surrogate
  new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // BOM + {}
  new Uint8Array([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]), // UTF-16
);
/** The bytes of a body: mostly an object of the hinted fields, else anything a client could send. */
const bodyOf = (fields: [string[], string[]]): fc.Arbitrary<string | Uint8Array<ArrayBuffer>> =>
  fc.oneof(
    { weight: 12, arbitrary: objectOf(fields).map(jsonText) },
    { weight: 2, arbitrary: valueArb.map(jsonText) },
    { weight: 1, arbitrary: deepArb },
    { weight: 1, arbitrary: objectOf(fields).map(jsonText).chain((t) => fc.nat(t.length).map((n) => t.slice(0, n))) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 1, arbitrary: invalidUtf8Arb },
    { weight: 1, arbitrary: fc.constant(JSON.stringify({ cluster_id: ECHO_CLUSTER, argv: ["x".repeat(LIMITS.maxBodyBytes)] })) },
  );
const bodyArb = bodyOf(ALL_FIELDS);

const CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/merge-patch+json", "application/a2a+json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", ""];
const contentTypeArb = fc.oneof({ weight: 6, arbitrary: fc.constant("application/json") }, { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES, undefined) });

/** A header value fetch can send (tab, printable ASCII, Latin-1). */
const headerValueArb = fc
  .oneof(
    fc.constantFrom("", " ", "\t", "0", "-1", "1", "30", "31", "300", "301", "1e400", "abc", "%zz", "héllo", "x".repeat(129), "x".repeat(4000), "Bearer", "Bearer ", "bearer x y"),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
  )
  .filter((v) => {
    try {
      new Headers({ x: v });
      return true;
    } catch {
      return false;
    }
  });
const EXTRA_HEADERS = ["x-correlation-id", "x-service-identity", "x-request-timeout", "x-agent-id", "last-event-id", "accept", "a2a-version", "mcp-protocol-version", "mcp-session-id", "origin"];
const extraHeadersArb = fc.dictionary(fc.constantFrom(...EXTRA_HEADERS), fc.oneof(headerValueArb, fc.constantFrom("text/event-stream", "application/json, text/event-stream", "1.0", "0.3", "2025-11-25")), { maxKeys: 3 });

const isAgentPath = (path: string) => path.startsWith("/agent/");
const credentialsArb = (path: string) =>
  fc.oneof(
    { weight: isAgentPath(path) ? 1 : 6, arbitrary: fc.constant<Record<string, string>>({ "x-api-key": CREDS.admin }) },
    { weight: isAgentPath(path) ? 1 : 4, arbitrary: fc.constant<Record<string, string>>({ "x-api-key": CREDS.operator }) },
    { weight: 1, arbitrary: fc.constant<Record<string, string>>({ authorization: `Bearer ${CREDS.viewer}` }) },
    { weight: isAgentPath(path) ? 12 : 1, arbitrary: fc.constant<Record<string, string>>({ authorization: `Bearer ${CREDS.agentToken}`, "x-cluster-id": AGENT_CLUSTER }) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constant<Record<string, string>>({}),
        headerValueArb.map((v) => ({ "x-api-key": v })),
        headerValueArb.map((v) => ({ authorization: v })),
        headerValueArb.map((v) => ({ authorization: `Bearer ${CREDS.agentToken}`, "x-cluster-id": v })),
      ),
    },
  );

/** A path parameter, already in URL form. */
const idArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(ECHO_CLUSTER, "ghost", "known-session", "known-command") },
  { weight: 2, arbitrary: fc.constantFrom("%zz", "%ff%fe", "%", "%e0%a4%a", "%00", "%0d%0a", "%2e%2e", "%2F", "..", ".", "...", "a.b", "%20", "~", "%u0041", "%C0%AF") },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map(enc) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }).map(enc) },
  { weight: 1, arbitrary: fc.integer({ min: 129, max: 6_000 }).map((n) => "a".repeat(n)) },
  { weight: 1, arbitrary: fc.uuid() },
);
const QUERY_KEYS = ["limit", "since", "until", "event_type", "cluster_id", "session_id", "correlation_id", "from", "wait", "x"];
const queryArb = fc.array(
  fc.tuple(
    fc.constantFrom(...QUERY_KEYS),
    fc.oneof(fc.constantFrom("", "0", "-1", "1", "1000", "1001", "1.5", "1e400", "NaN", "2024-01-01T00:00:00Z", "now", "%zz", "%00", ECHO_CLUSTER), fc.string({ maxLength: 20 }).map(enc)),
  ),
  { maxLength: 4 },
);
/** `wait` values of GET /agent/commands that answer at once (a bad one is a 400, 0 does not wait). */
const agentWaitArb = fc.constantFrom("0", "-1", "31", "1.5", "abc", "%zz", "1e400");

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

/** One generated request. */
interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
}

/** A request for `route`: its path with generated ids and query, generated headers, and a body unless GET/HEAD. */
function requestArb(route: { method: string; path: string }): fc.Arbitrary<FuzzRequest> {
  const names = route.path.match(/:[^/]+/g) ?? [];
  return fc
    .record({
      method: fc.oneof({ weight: 8, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      ids: fc.tuple(...names.map(() => idArb)),
      suffix: fc.oneof({ weight: 12, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom("/", "//", "/x", "/..", "%2F", ".json") }),
      query: queryArb,
      wait: agentWaitArb,
      credentials: credentialsArb(route.path),
      extra: extraHeadersArb,
      contentType: contentTypeArb,
      body: fc.option(bodyOf(FIELD_HINTS[route.path] ?? ALL_FIELDS), { freq: 8 }),
    })
    .map(({ method, ids, suffix, query, wait, credentials, extra, contentType, body }) => {
      let i = 0;
      const concrete = route.path.replace(/:[^/]+/g, () => {
        const id = ids[i++]!;
        // Removing the echo agent's cluster would end the run's one working cluster: that route gets the other ids.
        if (route.path === "/admin/agents/:cluster_id" && id === ECHO_CLUSTER) return "ghost";
        return id === "known-session" ? known.session : id === "known-command" ? known.command : id;
      });
      const pairs = route.path === "/agent/commands" ? [...query.filter(([k]) => k !== "wait"), ["wait", wait] as [string, string]] : query;
      const search = pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}` : "";
      const headers: Record<string, string> = { ...extra, ...credentials };
      const withBody = method !== "GET" && method !== "HEAD" && body !== null;
      if (withBody && contentType !== undefined) headers["content-type"] = contentType;
      return { method, path: `${concrete}${suffix}${search}`, headers, ...(withBody ? { body: body! } : {}) };
    });
}

/** What came back. */
interface Answer {
  status: number;
  contentType: string | null;
  requestId: string | null;
  text: string;
}

/** Sends `r` to `base`; throws (a property failure) when no answer arrives within 10 s or fetch cannot read it. */
async function send(base: string, r: FuzzRequest): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(`${base}${r.path}`, { method: r.method, headers: r.headers, redirect: "manual", signal: AbortSignal.timeout(ANSWER_MS), ...(r.body !== undefined ? { body: r.body } : {}) });
    // An event stream (GET /events) never ends: its status and headers are the answer.
    const endless = /^text\/event-stream/.test(res.headers.get("content-type") ?? "") && /^\/events\/?$/.test(new URL(res.url).pathname);
    return { status: res.status, contentType: res.headers.get("content-type"), requestId: res.headers.get("x-request-id"), text: endless ? (await res.body?.cancel(), "") : await res.text() };
  } catch (e) {
    throw new Error(`no usable answer: ${(e as Error).message.slice(0, 200)}${server.alive() ? "" : " (the server process died)"}`);
  }
}

/** Throws the problems of an answer, with what the server logged lately, so the counterexample says why. */
function fail(problems: string[], a: Answer): void {
  if (problems.length === 0) return;
  // The last exception the server logged: its message and first frame.
  const out = server.output();
  const tail = out.slice(out.lastIndexOf("failed:")).split("\n");
  const logged = [tail.find((l) => /^\s*\w*Error\b/.test(l)), tail.find((l) => /^\s+at /.test(l))].filter(Boolean).map((l) => l!.trim()).join(" ");
  throw new Error(`${problems.join("; ")} — got ${a.status} ${a.contentType ?? "(no content-type)"} ${JSON.stringify(a.text.slice(0, 300))}${logged ? ` — server log: ${logged.slice(0, 400)}` : ""}`);
}

const restProblems = (r: FuzzRequest, a: Answer): string[] => {
  const problems: string[] = [];
  if (!a.requestId) problems.push("no X-Request-ID header");
  if (a.status >= 500) problems.push(`status ${a.status}`);
  if (a.status >= 400 && r.method !== "HEAD") problems.push(...restErrorProblems(a.status, a.contentType, a.text, a.requestId));
  else if (r.method !== "HEAD" && /\bjson\b/.test(a.contentType ?? "")) {
    try {
      JSON.parse(a.text);
    } catch {
      problems.push("a JSON content type with a body that is not JSON");
    }
  }
  return [...new Set(problems)];
};

const run = (arb: fc.Arbitrary<FuzzRequest>, check: (r: FuzzRequest) => Promise<void>, numRuns = RUNS, seed = SEED) =>
  fc.assert(fc.asyncProperty(arb, check), { seed, numRuns, plugins: [fc.interruptAfterTimeLimit(CAP_MS)] });

// ---------------------------------------------------------------------------

describe("every registered REST route", () => {
  test("the route list comes from the running app and covers the REST API and /mcp", () => {
    const paths = new Set(ROUTES.map((r) => r.path));
    for (const p of ["/health", "/debug/execute", "/debug/session/:id", "/admin/keys", "/agent/results", "/mcp"]) expect(paths).toContain(p);
  });

  ROUTES.forEach((route, index) => {
    const kind = route.path === "/mcp" ? "JSON-RPC" : "REST";
    test(`${route.method} ${route.path}: generated requests never get a 5xx, and every error is the documented ${kind} shape`, async () => {
      if (isAgentPath(route.path) && route.method === "POST") await refreshLeases();
      await run(requestArb(route), async (r) => {
        const a = await send(REST, r);
        if (route.path === "/mcp" && /^\/mcp\/?$/.test(r.path.split("?")[0]!)) {
          const problems = r.method === "HEAD" ? (a.status >= 500 ? [`status ${a.status}`] : []) : rpcAnswerProblems(a.status, a.contentType, a.text, a.requestId);
          if (!a.requestId) problems.push("no X-Request-ID header");
          fail(problems, a);
        } else {
          fail(restProblems(r, a), a);
        }
        // What the API accepted it must be able to show: read back an accepted agent result.
        if (route.path === "/agent/results" && r.path === "/agent/results" && r.method === "POST" && a.status === 200) {
          let commandId: unknown;
          try {
            commandId = (JSON.parse(typeof r.body === "string" ? r.body : "{}") as { result?: { commandId?: unknown } }).result?.commandId;
          } catch {
            commandId = undefined;
          }
          if (typeof commandId === "string") {
            const shown = await send(REST, { method: "GET", path: `/debug/result/${encodeURIComponent(commandId)}`, headers: { "x-api-key": CREDS.admin } });
            fail(restProblems({ method: "GET", path: "", headers: {} }, shown).map((p) => `GET /debug/result/{id} after the accepted result: ${p}`), shown);
          }
        }
      }, RUNS, SEED + index);
    }, 60_000);
  });
});

// ---------------------------------------------------------------------------
// JSON-RPC bodies

const rpcIdArb = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.integer(), fc.string({ maxLength: 12 })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 1.5, -0, { a: 1 }, [1], true, "", "x".repeat(300), 2 ** 53 + 2) },
);
const withJsonRpc = (method: fc.Arbitrary<string>, params: fc.Arbitrary<unknown>) =>
  fc
    .record({
      jsonrpc: fc.oneof({ weight: 12, arbitrary: fc.constant<unknown>("2.0") }, { weight: 1, arbitrary: fc.constantFrom<unknown>("1.0", 2, null, "") }),
      id: fc.option(rpcIdArb, { freq: 10 }),
      method,
      params: fc.option(params, { freq: 8 }),
    })
    .map(({ jsonrpc, id, method, params }) => ({ jsonrpc, ...(id !== null ? { id } : {}), method, ...(params !== null ? { params } : {}) }));

// MCP

const mcpToolArgs: Record<string, fc.Arbitrary<unknown>> = {
  list_clusters: fc.constant({}),
  create_debug_session: fc.record({ cluster_id: fc.constantFrom(ECHO_CLUSTER, "ghost"), ttl_seconds: fc.constantFrom(60, 59, 3600, 3601) }, { requiredKeys: ["cluster_id"] }),
  execute_kubectl: fc.record(
    {
      cluster_id: fc.constantFrom(ECHO_CLUSTER, "ghost"),
      command: fc.constantFrom("get", "describe", "logs", "top pod", "delete", "exec", ""),
      resource: fc.constantFrom("pods", "deploy/web", "secrets", "secret/x"),
      name: fc.constantFrom("web", "../x", ""),
      namespace: fc.constantFrom("default", "kube-system", "Bad_NS"),
      args: fc.constantFrom(["-A"], ["-o", "wide"], ["-f"], ["--tail", "x"], [""]),
      session_id: fc.constantFrom("ghost", "known-session"),
      timeout_seconds: fc.constantFrom(1, 30, 31, 0),
      wait: fc.boolean(),
      stream: fc.boolean(),
    },
    { requiredKeys: ["cluster_id", "command"] },
  ),
  execute_kubectl_fanout: fc.record({ cluster_ids: fc.constantFrom([ECHO_CLUSTER], [ECHO_CLUSTER, "ghost"], []), command: fc.constantFrom("get", "version"), resource: fc.constantFrom("pods") }, { requiredKeys: ["cluster_ids", "command"] }),
  get_command_result: fc.record({ command_id: fc.constantFrom("known-command", "ghost", "%zz") }),
  close_session: fc.record({ session_id: fc.constantFrom("known-session", "ghost") }),
};
const substituteKnown = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value ?? null).replaceAll('"known-session"', JSON.stringify(known.session)).replaceAll('"known-command"', JSON.stringify(known.command)));
const toolCallArb = fc.constantFrom(...MCP_TOOL_NAMES, "nope", "").chain((name) =>
  fc.record({
    name: fc.oneof({ weight: 8, arbitrary: fc.constant<unknown>(name) }, { weight: 1, arbitrary: valueArb }),
    arguments: fc.oneof({ weight: 6, arbitrary: mcpToolArgs[name] ?? valueArb }, { weight: 2, arbitrary: fc.dictionary(stringArb, valueArb, { maxKeys: 4 }) }, { weight: 1, arbitrary: valueArb }),
    _meta: fc.option(fc.record({ progressToken: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), valueArb) }), { freq: 3 }),
  }),
);
const mcpMethodArb = fc.constantFrom(
  "initialize", "ping", "tools/list", "tools/call", "tools/call", "tools/call", "notifications/initialized", "notifications/cancelled",
  "resources/list", "prompts/list", "logging/setLevel", "completion/complete", "nope", "",
);
const mcpParamsFor = (method: string): fc.Arbitrary<unknown> => {
  switch (method) {
    case "initialize":
      return fc.record({
        protocolVersion: fc.oneof(fc.constantFrom("2025-11-25", "2025-06-18", "2024-11-05", "1999-01-01"), valueArb),
        capabilities: fc.oneof(fc.constant({}), valueArb),
        clientInfo: fc.oneof(fc.constant({ name: "fuzz", version: "1.0.0" }), valueArb),
      });
    case "tools/call":
      return toolCallArb;
    case "tools/list":
      return fc.record({ cursor: fc.oneof(fc.string({ maxLength: 10 }), valueArb) }, { requiredKeys: [] });
    case "notifications/cancelled":
      return fc.record({ requestId: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), valueArb), reason: stringArb });
    default:
      return valueArb;
  }
};
const mcpMessageArb = mcpMethodArb.chain((method) => withJsonRpc(fc.oneof({ weight: 12, arbitrary: fc.constant(method) }, { weight: 1, arbitrary: stringArb }), mcpParamsFor(method)));
const mcpRequestArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    body: fc.oneof(
      { weight: 10, arbitrary: mcpMessageArb.map((m) => jsonText(substituteKnown(m))) },
      { weight: 2, arbitrary: fc.array(mcpMessageArb, { maxLength: 3 }).map((ms) => jsonText(substituteKnown(ms))) },
      { weight: 2, arbitrary: bodyArb },
    ),
    accept: fc.oneof({ weight: 8, arbitrary: fc.constant<string | undefined>("application/json, text/event-stream") }, { weight: 1, arbitrary: fc.constantFrom<string | undefined>("application/json", "text/event-stream", "*/*", "", undefined) }),
    contentType: contentTypeArb,
    credentials: fc.oneof({ weight: 8, arbitrary: fc.constant<Record<string, string>>({ "x-api-key": CREDS.operator }) }, { weight: 1, arbitrary: credentialsArb("/mcp") }),
    extra: extraHeadersArb,
  })
  .map(({ body, accept, contentType, credentials, extra }) => ({
    method: "POST",
    path: "/mcp",
    headers: { ...extra, ...credentials, ...(accept !== undefined ? { accept } : {}), ...(contentType !== undefined ? { "content-type": contentType } : {}) },
    body,
  }));

describe("MCP (/mcp) with JSON-RPC bodies", () => {
  test("generated JSON-RPC messages and batches never get a 5xx or -32603, and every answer is a JSON-RPC envelope with a valid id or the REST error shape", async () => {
    await run(mcpRequestArb, async (r) => {
      const a = await send(REST, r);
      const problems = rpcAnswerProblems(a.status, a.contentType, a.text, a.requestId);
      if (!a.requestId) problems.push("no X-Request-ID header");
      fail(problems, a);
    }, RUNS * 4, SEED + 1000);
  }, 60_000);
});

// A2A

const A2A_METHODS = [
  "SendMessage", "SendStreamingMessage", "GetTask", "CancelTask", "ListTasks", "SubscribeToTask", "GetExtendedAgentCard",
  "message/send", "message/stream", "tasks/get", "tasks/cancel", "tasks/resubscribe", "agent/getAuthenticatedExtendedCard", "tasks/pushNotificationConfig/set", "nope",
];
const A2A_TEXTS = ["list clusters", `get pods on ${ECHO_CLUSTER}`, `get pods -n shop on ${ECHO_CLUSTER}`, `logs web --tail 5 on ${ECHO_CLUSTER}`, "delete pod web on c1", "get secrets on c1", "get pods on ghost", "", "😀", "\u0000", "x".repeat(5000)];
const a2aPartArb = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(fc.constantFrom(...A2A_TEXTS), stringArb).map((text) => ({ kind: "text", text })) },
  { weight: 2, arbitrary: objectArb.map((data) => ({ kind: "data", data: substituteKnown(data) })) },
  { weight: 1, arbitrary: valueArb },
);
const a2aMessageArb = fc.record(
  {
    kind: fc.constantFrom<unknown>("message", "task", 5),
    messageId: fc.oneof(fc.uuid(), stringArb),
    role: fc.constantFrom<unknown>("user", "agent", "ROLE_USER", "ROLE_AGENT", "root", 1),
    contextId: fc.oneof(fc.uuid(), stringArb, valueArb),
    taskId: fc.oneof(fc.uuid(), stringArb, valueArb),
    parts: fc.oneof({ weight: 6, arbitrary: fc.array(a2aPartArb, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: valueArb }),
  },
  { requiredKeys: ["messageId", "role", "parts"] },
);
const a2aParamsArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ message: a2aMessageArb, configuration: fc.option(valueArb, { freq: 4 }) }, { requiredKeys: ["message"] }) },
  { weight: 2, arbitrary: fc.record({ id: fc.oneof(fc.uuid(), stringArb, valueArb), historyLength: fc.option(numberArb) }) },
  { weight: 1, arbitrary: valueArb },
);
const a2aRequestArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    path: fc.oneof({ weight: 8, arbitrary: fc.constantFrom("/", "/a2a", "/a2a/") }, { weight: 2, arbitrary: fc.constantFrom(...AGENT_CARD_PATHS, WEBSOCKET_PATH, "/nope", "/a2a/%zz") }),
    method: fc.oneof({ weight: 10, arbitrary: fc.constant("POST") }, { weight: 2, arbitrary: fc.constantFrom(...METHODS) }),
    body: fc.oneof(
      { weight: 10, arbitrary: withJsonRpc(fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...A2A_METHODS) }, { weight: 1, arbitrary: stringArb }), a2aParamsArb).map(jsonText) },
      { weight: 2, arbitrary: bodyArb },
    ),
    version: fc.option(fc.oneof(fc.constantFrom("1.0", "0.3", "0.2", "2.0", ""), headerValueArb), { freq: 3 }),
    contentType: contentTypeArb,
    credentials: fc.oneof({ weight: 8, arbitrary: fc.constant<Record<string, string>>({ "x-api-key": CREDS.operator }) }, { weight: 1, arbitrary: credentialsArb("/a2a") }),
    extra: extraHeadersArb,
  })
  .map(({ path, method, body, version, contentType, credentials, extra }) => {
    const withBody = method !== "GET" && method !== "HEAD";
    return {
      method,
      path,
      headers: { ...extra, ...credentials, ...(version !== null ? { "a2a-version": version } : {}), ...(withBody && contentType !== undefined ? { "content-type": contentType } : {}) },
      ...(withBody ? { body } : {}),
    };
  });

describe("A2A server with JSON-RPC bodies", () => {
  test("generated A2A requests (v1.0 and v0.3 methods, every A2A path) never get a 5xx or -32603; errors are JSON-RPC envelopes with valid ids or the REST shape", async () => {
    await run(a2aRequestArb, async (r) => {
      const a = await send(A2A, r);
      const rpcPath = ["/", "/a2a", "/a2a/"].includes(r.path);
      const problems =
        r.method === "HEAD"
          ? a.status >= 500
            ? [`status ${a.status}`]
            : []
          : rpcPath
            ? rpcAnswerProblems(a.status, a.contentType, a.text)
            : a.status >= 400
              ? restErrorProblems(a.status, a.contentType, a.text)
              : a.status >= 500
                ? [`status ${a.status}`]
                : [];
      fail(problems, a);
    }, RUNS * 4, SEED + 2000);
  }, 60_000);
});

// ---------------------------------------------------------------------------
// Raw HTTP: what fetch cannot send

/** Rejections Bun.serve answers itself (see hostile-input.test.ts, item 13): an empty body with one of these, or a close without reply. */
const RUNTIME_STATUSES = new Set([400, 413, 431, 505]);

const rawArb = fc
  .record({
    route: fc.constantFrom(...ROUTES),
    method: fc.oneof({ weight: 6, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom("GET", "get", "BREW", "M-SEARCH", "PROPFIND", "PURGE", "OPTIONS", "TRACE") }),
    id: fc.oneof(idArb, fc.constantFrom("a b", "日本", "..", "a/../b", "%2e%2e/%2e%2e", "\u0000", "a?b#c", "a#b")),
    target: fc.constantFrom("path", "path", "path", "absolute", "star", "relative"),
    version: fc.oneof({ weight: 8, arbitrary: fc.constant("HTTP/1.1") }, { weight: 1, arbitrary: fc.constantFrom("HTTP/1.0", "HTTP/2.0", "HTTP/1.2", "http/1.1", "HTTP/1.1 x") }),
    host: fc.oneof({ weight: 4, arbitrary: fc.constant<string | null>("127.0.0.1") }, { weight: 2, arbitrary: fc.constantFrom<string | null>(null, "", "api", "x", "abc", "a b", "a/b", "evil.example.com", "[::1]", "localhost:1", "h\u00e9") }),
    lines: fc.array(
      fc.tuple(
        fc.constantFrom("X-Correlation-ID", "X-API-Key", "Authorization", "Content-Type", "Accept", "Origin", "X-Cluster-ID", "Content-Length", "Transfer-Encoding", "X Bad", "X-\u00e9"),
        fc.oneof(fc.constantFrom("", "-1", "abc", "chunked", "gzip, chunked", "\u00ff", "a\u0001b", "日本"), fc.string({ maxLength: 20 })),
      ),
      { maxLength: 3 },
    ),
    key: fc.constantFrom(CREDS.admin, CREDS.operator, ""),
    body: fc.option(bodyArb, { freq: 2 }),
  })
  .map(({ route, method, id, target, version, host, lines, key, body }) => {
    const path = route.path.replace(/:[^/]+/g, id);
    const requestTarget = target === "absolute" ? `http://evil.example.com${path}` : target === "star" ? "*" : target === "relative" ? path.slice(1) : path;
    const head = [
      `${method || route.method} ${requestTarget} ${version}`,
      ...(host !== null ? [`Host: ${host}`] : []),
      ...(key ? [`X-API-Key: ${key}`] : []),
      ...lines.map(([k, v]) => `${k}: ${v}`),
      "Connection: close",
    ];
    const payload = body === null ? Buffer.alloc(0) : Buffer.from(body);
    // A Content-Length above the bytes sent would only make the server wait for them: never send one.
    const hasLength = lines.some(([k]) => k.toLowerCase() === "content-length" || k.toLowerCase() === "transfer-encoding");
    if (body !== null && !hasLength) head.push(`Content-Length: ${payload.length}`);
    // As latin1 text (one character per byte), so a counterexample prints readably.
    // A chunked body must end (a last chunk), or the server rightly waits for the rest.
    const chunked = lines.some(([k, v]) => k.toLowerCase() === "transfer-encoding" && /chunked/i.test(v));
    return Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "utf8"), hasLength ? Buffer.from(chunked ? "0\r\n\r\n" : "") : payload]).toString("latin1");
  });

/**
 * True when silence is the right answer so far: `request` runs commands
 * (execute, fan-out, diagnose) and names a registered cluster whose agent is
 * not connected (one the admin-route properties created), so the API holds
 * it queued until its timeout (10 s by default), past this test's wait.
 */
async function waitsForAnAgent(request: string): Promise<boolean> {
  if (!/^POST \/debug\/(?:execute|fanout|diagnose) /.test(request)) return false;
  let body: { cluster_id?: unknown; cluster_ids?: unknown };
  try {
    body = JSON.parse(request.slice(request.indexOf("\r\n\r\n") + 4));
  } catch {
    return false;
  }
  const ids = [body.cluster_id, ...(Array.isArray(body.cluster_ids) ? body.cluster_ids : [])].filter((x): x is string => typeof x === "string");
  for (const id of ids) {
    const res = await fetch(`${REST}/debug/clusters/${encodeURIComponent(id)}`, { headers: { "x-api-key": CREDS.admin } });
    if (res.status === 200 && (await res.json()).connected === false) return true;
  }
  return false;
}

describe("raw HTTP requests", () => {
  test("odd methods, request targets, versions, Hosts and header bytes: Bun's own empty rejections, or our answer — never a 5xx, HTML, a stack, or silence", async () => {
    await fc.assert(
      fc.asyncProperty(rawArb, async (request) => {
        const r = await rawExchange(server.rest, request, 5_000);
        const problems: string[] = [];
        const runtimeOwned = (r.status !== null && RUNTIME_STATUSES.has(r.status) && r.body === "" && !r.headers["content-type"]) || (r.status === null && r.ended === "closed" && r.raw === "");
        if (!runtimeOwned) {
          if (r.status === null) {
            if (!(r.ended === "timeout" && (await waitsForAnAgent(request)))) problems.push(`no answer (${r.ended})`);
          }
          else if (r.status >= 500) problems.push(`status ${r.status}`);
          // /mcp is JSON-RPC: a protocol error there is a JSON-RPC envelope, anything else the REST shape.
          else if (r.status >= 400 && !request.startsWith("HEAD ")) {
            const check = /^\S+ (?:[a-z]+:\/\/[^/ ]*)?\/mcp\/?[ ?]/i.test(request) ? rpcAnswerProblems : restErrorProblems;
            problems.push(...check(r.status, r.headers["content-type"], r.body, r.headers["x-request-id"] ?? null));
          }
        }
        const leak = internalsIn(r.raw);
        if (leak) problems.push(`internals in the answer: ${leak}`);
        if (!server.alive()) problems.push("the server process died");
        if (problems.length) throw new Error(`${problems.join("; ")} — got ${JSON.stringify(r.raw.slice(0, 300))}`);
      }),
      { seed: SEED + 3000, numRuns: RUNS * 4, plugins: [fc.interruptAfterTimeLimit(CAP_MS)] },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------

describe("after the fuzzing", () => {
  test("the server still answers /health and runs an execute on the echo agent", async () => {
    expect(server.alive()).toBe(true);
    const health = await fetch(`${REST}/health`);
    expect(health.status).toBe(200);
    const res = await fetch(`${REST}/debug/execute`, {
      method: "POST",
      headers: { "x-api-key": CREDS.operator, "content-type": "application/json" },
      body: JSON.stringify({ cluster_id: ECHO_CLUSTER, argv: ["get", "pods"] }),
      signal: AbortSignal.timeout(ANSWER_MS),
    });
    const body = await res.json();
    expect({ status: res.status, result: body.status, output: body.output }).toEqual({ status: 200, result: "success", output: "get pods\n" });
  });
});
