/**
 * The web terminal over real paths (issue 13, item 4): createKubently +
 * listen, people signed in with POST /ui/login, Bun's WebSocket with their
 * cookie and Origin, an in-process agent with the native executor against
 * the simulated cluster. Every line goes through the execute service
 * (policies, audit, streaming, cancel); the session's audit entries and
 * results are what the replay page reads.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { nativeExecutor } from "../../lib/agent/native.ts";
import { terminalSession, TERMINAL_INPUT_EVENT, type TerminalServerMessage } from "../../lib/console/terminal/index.ts";
import { streamedOutput } from "../../lib/console/terminal/recording.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { MAX_COMMAND_LINE_LENGTH } from "../../lib/kubectl/index.ts";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import type { Identity } from "../../lib/schemas.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { redactSecrets } from "../../plugins/redact-secrets.ts";

const ADMIN_KEY = "terminal-admin-key-0123456789";
const OPERATOR_KEY = "terminal-operator-key-0123456789";
const PASSWORD = "correct horse battery staple";
const POD = "web-7d4b9c8f6d-x2kqp";
const FOLLOW = `logs -f -n shop pod/${POD} --tail=1`;
const HANDSHAKE = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" };

let sim: SimCluster;
let k: Kubently;
let url = "";
const wsUrl = () => `${url.replace(/^http/, "ws")}/terminal/ws`;

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${url}${path}`, { method, headers: { "x-api-key": ADMIN_KEY, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

/** Signs in; answers the cookie and CSRF token. */
async function signIn(username: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json", origin: url }, body: JSON.stringify({ username, password: PASSWORD }) });
  expect(res.status).toBe(200);
  return { cookie: res.headers.get("set-cookie")!.split(";")[0]!, csrf: ((await res.json()) as { csrf_token: string }).csrf_token };
}

/** A terminal client: Bun's WebSocket, every frame kept, read in order. */
class Term {
  readonly messages: TerminalServerMessage[] = [];
  private cursor = 0;
  private wake: (() => void) | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    let closedResolve!: (v: { code: number; reason: string }) => void;
    this.closed = new Promise((r) => (closedResolve = r));
    ws.onmessage = (m) => {
      this.messages.push(JSON.parse(String(m.data)));
      this.wake?.();
    };
    ws.onclose = (c) => {
      closedResolve({ code: c.code, reason: c.reason });
      this.wake?.();
    };
  }

  /** Opens a socket; rejects when the server refuses the upgrade. */
  static connect(headers: Record<string, string>): Promise<Term> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl(), { headers } as unknown as string[]);
      ws.onopen = () => resolve(new Term(ws));
      ws.onerror = () => reject(new Error("refused"));
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** The next message (after those already taken) matching `pred`; earlier ones are skipped. */
  async next(pred: (m: TerminalServerMessage) => boolean = () => true, ms = 20_000): Promise<TerminalServerMessage> {
    const deadline = Date.now() + ms;
    for (;;) {
      while (this.cursor < this.messages.length) {
        const m = this.messages[this.cursor++]!;
        if (pred(m)) return m;
      }
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed while waiting; got ${JSON.stringify(this.messages.slice(-3))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.messages.slice(-3))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => (clearTimeout(t), (this.wake = null), r());
      });
    }
  }

  async open(clusterId = "sim"): Promise<string> {
    this.send({ type: "open", cluster_id: clusterId });
    const ready = await this.next((m) => m.type === "ready" || m.type === "error");
    if (ready.type !== "ready") throw new Error(`not ready: ${JSON.stringify(ready)}`);
    return ready.session_id;
  }

  /** Sends a line; answers its output (joined) and its end. */
  async run(text: string): Promise<{ output: string; end: Extract<TerminalServerMessage, { type: "end" }> }> {
    this.send({ type: "line", text });
    let output = "";
    for (;;) {
      const m = await this.next((x) => x.type === "output" || x.type === "end" || x.type === "error");
      if (m.type === "output") output += m.data;
      else if (m.type === "end") return { output, end: m };
      else throw new Error(`error: ${JSON.stringify(m)}`);
    }
  }

  close(): void {
    this.ws.close();
  }
}

let alice: { cookie: string; csrf: string };
const asAlice = (extra: Record<string, string> = {}) => ({ cookie: alice.cookie, origin: url, ...extra });
const aliceGet = async (path: string) => {
  const res = await fetch(`${url}${path}`, { headers: asAlice() });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const until = async (pred: () => boolean | Promise<boolean>, ms = 5_000) => {
  for (const end = Date.now() + ms; !(await pred()); ) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(20);
  }
};

beforeAll(async () => {
  sim = await startSimCluster();
  const kubeconfig = await sim.writeKubeconfig();
  k = createKubently({
    backend: memoryBackend(),
    policies: [readOnly(), redactSecrets()],
    apiKeys: [
      { name: "root", key: ADMIN_KEY, role: "admin" },
      { name: "ops", key: OPERATOR_KEY, role: "operator" },
    ],
    clusters: [{ id: "sim" }, { id: "empty" }],
  });
  await k.ready();
  url = (await k.listen({ port: 0 })).url;
  k.startLocalAgent({ clusterId: "sim", executor: nativeExecutor({ kubeconfig }) });
  for (const [username, role] of [["alice", "operator"], ["vic", "viewer"], ["olga", "operator"], ["sam", "operator"]] as const) {
    expect((await admin("POST", "/admin/users", { username, role, password: PASSWORD })).status).toBe(201);
  }
  alice = await signIn("alice");
  // The agent has said hello before the first command (commands require a connected agent).
  await until(async () => (await (await admin("GET", "/debug/clusters/sim")).json()).connected === true, 10_000);
});
afterAll(async () => {
  await k.close();
  await sim.close();
});

describe("who may open it", () => {
  test("a viewer is refused 403 FORBIDDEN before the upgrade (a viewer cannot execute)", async () => {
    const vic = await signIn("vic");
    const res = await fetch(`${url}/terminal/ws`, { headers: { ...HANDSHAKE, cookie: vic.cookie, origin: url } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("FORBIDDEN");
    await expect(Term.connect({ cookie: vic.cookie, origin: url })).rejects.toThrow("refused");
  });

  test("a cross-site Origin is refused 403 before the upgrade, even with a valid cookie; no credential is 401", async () => {
    const res = await fetch(`${url}/terminal/ws`, { headers: { ...HANDSHAKE, cookie: alice.cookie, origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("FORBIDDEN");
    await expect(Term.connect({ cookie: alice.cookie, origin: "https://evil.example" })).rejects.toThrow("refused");
    const none = await fetch(`${url}/terminal/ws`, { headers: { ...HANDSHAKE, origin: url } });
    expect(none.status).toBe(401);
  });

  test("the cookie's Origin rule holds on its own: a browser without an Origin header is refused (CSRF_FAILED)", async () => {
    // The same check every cookie-authenticated upgrade passes (docs/login.md): no Origin, no Referer, no socket.
    const res = await fetch(`${url}/terminal/ws`, { headers: { ...HANDSHAKE, cookie: alice.cookie } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("CSRF_FAILED");
  });

  test("a plain GET is 426 UPGRADE_REQUIRED; a server that cannot upgrade answers 501 WEBSOCKET_UNAVAILABLE", async () => {
    const plain = await fetch(`${url}/terminal/ws`, { headers: asAlice() });
    expect(plain.status).toBe(426);
    expect(((await plain.json()) as { code: string }).code).toBe("UPGRADE_REQUIRED");
    const res = await k.handle(new Request("http://localhost/terminal/ws", { headers: { "x-api-key": OPERATOR_KEY, ...HANDSHAKE } }));
    expect(res.status).toBe(501);
    expect(((await res.json()) as { code: string }).code).toBe("WEBSOCKET_UNAVAILABLE");
  });

  test("an API key with an operator role may use it too (a program, no Origin)", async () => {
    const t = await Term.connect({ "x-api-key": OPERATOR_KEY });
    await t.open();
    expect((await t.run("version")).end.status).toBe("success");
    t.close();
  });

  test(`one identity holds at most 8 terminals on a process: the 9th upgrade is 429 RATE_LIMITED`, async () => {
    const sam = await signIn("sam");
    const terms = await Promise.all(Array.from({ length: 8 }, () => Term.connect({ cookie: sam.cookie, origin: url })));
    const res = await fetch(`${url}/terminal/ws`, { headers: { ...HANDSHAKE, cookie: sam.cookie, origin: url } });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { code: string }).code).toBe("RATE_LIMITED");
    terms[0]!.close();
    await terms[0]!.closed;
    await until(async () => {
      const t = await Term.connect({ cookie: sam.cookie, origin: url }).catch(() => null);
      if (t) terms.push(t);
      return t !== null;
    });
    for (const t of terms) t.close();
  });
});

describe("a terminal session", () => {
  let t: Term;
  let sessionId = "";
  const commands: Record<string, string> = {};

  beforeAll(async () => {
    t = await Term.connect(asAlice());
  });

  test("a line before open is refused (CONFLICT); bad frames get an error and the socket stays open", async () => {
    t.send({ type: "line", text: "get pods" });
    expect(await t.next()).toMatchObject({ type: "error", code: "CONFLICT" });
    t.send("not json");
    expect(await t.next()).toMatchObject({ type: "error", code: "INVALID_JSON" });
    t.send({ type: "launch" });
    expect(await t.next()).toMatchObject({ type: "error", code: "VALIDATION_FAILED" });
    t.send({ type: "open", cluster_id: "nope" });
    expect(await t.next()).toMatchObject({ type: "error", code: "CLUSTER_NOT_FOUND" });
  });

  test("open -> ready with a debug session on the cluster, owned by the person", async () => {
    sessionId = await t.open("sim");
    expect(sessionId).toMatch(/\S/);
    const s = await aliceGet(`/debug/session/${sessionId}`);
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ cluster_id: "sim", status: "active", service_identity: "alice" });
    t.send({ type: "open", cluster_id: "sim" });
    expect(await t.next()).toMatchObject({ type: "error", code: "CONFLICT" });
  });

  test("get pods -A: output naming the pods, then end success with the command's id and exit code", async () => {
    const { output, end } = await t.run("get pods -A");
    expect(output).toContain(POD);
    expect(output).toContain("NAMESPACE");
    expect(end).toMatchObject({ status: "success", exit_code: 0 });
    expect(end.command_id).toBeString();
    commands.getPods = end.command_id!;
  });

  test("a leading kubectl is dropped and quotes are read as a shell would", async () => {
    const { output, end } = await t.run(`kubectl get pods -n 'shop' -o name`);
    expect(end.status).toBe("success");
    expect(output).toContain(`pod/${POD}`);
  });

  test("delete pod x: end denied with the policy and its reason; nothing ran", async () => {
    const { output, end } = await t.run("delete pod x");
    expect(output).toBe("");
    expect(end).toMatchObject({ status: "denied", policy: "read-only", code: "POLICY_DENIED" });
    expect(end.error).toMatch(/delete/);
    commands.denied = end.command_id!;
  });

  test("a pipe is refused with the reason and never becomes a command", async () => {
    const { end } = await t.run("get pods | grep x");
    expect(end).toMatchObject({ status: "refused", code: "VALIDATION_FAILED" });
    expect(end.error).toContain('shell syntax ("|")');
    expect(end.command_id).toBeUndefined();
  });

  test("a line longer than the command-line limit is refused", async () => {
    const { end } = await t.run(`get pods ${"x".repeat(MAX_COMMAND_LINE_LENGTH)}`);
    expect(end).toMatchObject({ status: "refused", code: "VALIDATION_FAILED" });
    expect(end.error).toContain(`${MAX_COMMAND_LINE_LENGTH} characters`);
  });

  test("a # comment is recorded (noted); an empty line is just empty", async () => {
    expect((await t.run("# looking at the web pods")).end.status).toBe("noted");
    expect((await t.run("   ")).end.status).toBe("empty");
  });

  test("logs -f streams chunks as they come; a second line meanwhile is refused; cancel ends it cancelled and stops the reader", async () => {
    t.send({ type: "line", text: FOLLOW });
    const first = (await t.next((m) => m.type === "output")) as { command_id: string; data: string };
    const second = (await t.next((m) => m.type === "output")) as { command_id: string; data: string };
    const commandId = first.command_id;
    expect(second.command_id).toBe(commandId);
    t.send({ type: "line", text: "get pods" });
    expect(await t.next((m) => m.type === "error")).toMatchObject({ type: "error", code: "CONFLICT" });
    t.send({ type: "cancel" });
    const end = await t.next((m) => m.type === "end");
    expect(end).toMatchObject({ type: "end", status: "cancelled", command_id: commandId });
    const result = await aliceGet(`/debug/result/${commandId}`);
    expect(result.body).toMatchObject({ status: "cancelled", session_id: sessionId });
    await until(() => sim.openStreams() === 0);
    // What was shown stays readable for the replay: the stream's chunks (a cancelled result carries no output).
    const shown = t.messages.filter((m) => m.type === "output" && m.command_id === commandId).map((m) => (m as { data: string }).data).join("");
    const replayed = streamedOutput(await (await fetch(`${url}/debug/stream/${commandId}`, { headers: asAlice() })).text());
    expect(replayed).toBe(shown);
    expect(shown).toContain(first.data);
    commands.follow = commandId;
    // The prompt is back: the next line runs.
    expect((await t.run("get ns")).end.status).toBe("success");
  });

  test("the audit log holds the session in order: its commands, the denial, the refused lines with their text and reason, the comment", async () => {
    const { body } = await aliceGet(`/audit?session_id=${sessionId}&limit=1000`);
    const entries = (body.entries as Record<string, any>[]).sort((a, b) => a.seq - b.seq);
    expect(entries.every((e) => e.sessionId === sessionId && e.identity === "alice")).toBe(true);
    expect(entries[0]!.eventType).toBe("session.created");
    const types = entries.map((e) => e.eventType);
    for (const type of ["command.queued", "command.executed", "command.denied", "command.cancelled", TERMINAL_INPUT_EVENT]) expect(types).toContain(type);
    const inputs = entries.filter((e) => e.eventType === TERMINAL_INPUT_EVENT);
    expect(inputs.map((e) => [e.argv[0].slice(0, 40), e.outcome])).toEqual([
      ["get pods | grep x", "refused"],
      [`get pods ${"x".repeat(31)}`, "refused"],
      ["# looking at the web pods", "comment"],
    ]);
    expect(inputs[0]!.reason).toContain("shell syntax");
    expect(inputs[1]!.argv[0].length).toBe(MAX_COMMAND_LINE_LENGTH + 1);
    expect(entries.find((e) => e.eventType === "command.denied")).toMatchObject({ commandId: commands.denied, policy: "read-only", argv: ["delete", "pod", "x"] });
    expect(entries.find((e) => e.eventType === "command.queued" && e.commandId === commands.getPods)!.argv).toEqual(["get", "pods", "-A"]);
    expect(entries.find((e) => e.eventType === "command.cancelled")).toMatchObject({ commandId: commands.follow, identity: "alice" });
    // Lines in the order they were typed.
    const order = entries.filter((e) => e.eventType === TERMINAL_INPUT_EVENT || e.eventType === "command.queued" || e.eventType === "command.denied").map((e) => e.commandId ?? e.argv[0].slice(0, 12));
    expect(order.indexOf(commands.getPods!)).toBeLessThan(order.indexOf(commands.denied!));
    expect(order.indexOf(commands.denied!)).toBeLessThan(order.indexOf("get pods | g"));
    expect(order.indexOf("# looking at")).toBeLessThan(order.indexOf(commands.follow!));
  });

  test("the replay's reads: every command's result (with its output) by id, as the replay page fetches them", async () => {
    const got = await aliceGet(`/debug/result/${commands.getPods}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ status: "success", session_id: sessionId });
    expect(got.body.output).toContain(POD);
    const denied = await aliceGet(`/debug/result/${commands.denied}`);
    expect([200, 404]).toContain(denied.status);
    // Another operator sees neither the entries nor the results.
    const olga = await signIn("olga");
    const theirs = await (await fetch(`${url}/audit?session_id=${sessionId}`, { headers: { cookie: olga.cookie } })).json();
    expect((theirs as { count: number }).count).toBe(0);
    expect((await fetch(`${url}/debug/result/${commands.getPods}`, { headers: { cookie: olga.cookie } })).status).toBe(404);
  });

  test("closing the socket ends the debug session (session.ended)", async () => {
    t.close();
    await t.closed;
    await until(async () => (await aliceGet(`/audit?session_id=${sessionId}&event_type=session.ended`)).body.count === 1);
    expect((await aliceGet(`/debug/session/${sessionId}`)).body.status).toBe("ended");
  });
});

describe("ends", () => {
  test("closing the socket while logs -f runs cancels the command and stops the reader", async () => {
    const t = await Term.connect(asAlice());
    await t.open();
    t.send({ type: "line", text: FOLLOW });
    const chunk = (await t.next((m) => m.type === "output")) as { command_id: string };
    t.close();
    await until(async () => (await aliceGet(`/debug/result/${chunk.command_id}`)).body.status === "cancelled");
    await until(() => sim.openStreams() === 0);
  });

  test("a cancel sent before the command's first output cancels it too", async () => {
    const t = await Term.connect(asAlice());
    await t.open();
    t.send({ type: "line", text: FOLLOW });
    t.send({ type: "cancel" });
    const end = await t.next((m) => m.type === "end");
    expect(end).toMatchObject({ status: "cancelled" });
    t.close();
  });

  test("after sign-out the next line closes the terminal (1008, UNAUTHENTICATED); nothing runs", async () => {
    const b = await signIn("alice");
    const t = await Term.connect({ cookie: b.cookie, origin: url });
    await t.open();
    const out = await fetch(`${url}/ui/logout`, { method: "POST", headers: { cookie: b.cookie, origin: url, "x-csrf-token": b.csrf } });
    expect(out.status).toBe(204);
    t.send({ type: "line", text: "get pods" });
    expect(await t.next()).toMatchObject({ type: "error", code: "UNAUTHENTICATED" });
    expect((await t.closed).code).toBe(1008);
  });

  test("the instance closing closes its terminals (1001) and ends their sessions", async () => {
    const other = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "x", key: OPERATOR_KEY }], clusters: [{ id: "c" }] });
    await other.ready();
    const server = await other.listen({ port: 0 });
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/terminal/ws`, { headers: { "x-api-key": OPERATOR_KEY } } as unknown as string[]);
    const frames: TerminalServerMessage[] = [];
    ws.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
    await new Promise((r) => (ws.onopen = r));
    ws.send(JSON.stringify({ type: "open", cluster_id: "c" }));
    await until(() => frames.some((f) => f.type === "ready"));
    const sessionId = (frames.find((f) => f.type === "ready") as { session_id: string }).session_id;
    const closed = new Promise<number>((r) => (ws.onclose = (c) => r(c.code)));
    const log = other.backend.audit;
    await other.close();
    expect([1001, 1006]).toContain(await closed);
    expect((await log.query({ sessionId, eventType: "session.ended" })).length).toBe(1);
  });
});

describe("terminalSession (no socket): limits", () => {
  const operator: Identity = { kind: "service", name: "ops", keyId: "k", role: "operator" };
  function peer() {
    const sent: TerminalServerMessage[] = [];
    let closedWith: { code: number; reason: string } | null = null;
    return { sent, closed: () => closedWith, send: (m: TerminalServerMessage) => void sent.push(m), close: (code: number, reason: string) => void (closedWith = { code, reason }) };
  }

  test("idle for idleMs: the terminal says why, closes (1000) and ends its session", async () => {
    const p = peer();
    const s = terminalSession(k, { identity: operator, recheck: async () => operator, peer: p, idleMs: 300 });
    await s.receive(JSON.stringify({ type: "open", cluster_id: "sim" }));
    expect(p.sent[0]).toMatchObject({ type: "ready", idle_seconds: 0 });
    await until(() => p.closed() !== null, 3_000);
    expect(p.closed()!.code).toBe(1000);
    expect(p.sent.at(-1)).toMatchObject({ type: "error", code: "TERMINAL_CLOSED" });
    expect((p.sent.at(-1) as { error: string }).error).toContain("idle");
    await until(async () => (await k.backend.sessions.get(s.sessionId!))?.status !== "active");
  });

  test("past its lines per minute a line is refused RATE_LIMITED and not recorded", async () => {
    const p = peer();
    const s = terminalSession(k, { identity: operator, recheck: async () => operator, peer: p, linesPerMinute: 2 });
    await s.receive(JSON.stringify({ type: "open", cluster_id: "sim" }));
    for (const text of ["get pods | a", "get pods | b", "get pods | c"]) await s.receive(JSON.stringify({ type: "line", text }));
    const ends = p.sent.filter((m) => m.type === "end");
    expect(ends.map((e) => (e as { code?: string }).code)).toEqual(["VALIDATION_FAILED", "VALIDATION_FAILED", "RATE_LIMITED"]);
    const recorded = await k.backend.audit.query({ sessionId: s.sessionId!, eventType: TERMINAL_INPUT_EVENT });
    expect(recorded.length).toBe(2);
    await s.close();
  });

  test("a frame over the limit closes the terminal (1009)", async () => {
    const p = peer();
    const s = terminalSession(k, { identity: operator, recheck: async () => operator, peer: p });
    await s.receive(JSON.stringify({ type: "line", text: "x".repeat(20_000) }));
    expect(p.closed()!.code).toBe(1009);
    expect(p.sent.at(-1)).toMatchObject({ type: "error", code: "PAYLOAD_TOO_LARGE" });
  });
});
