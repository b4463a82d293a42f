/**
 * `GET /events` (SSE) and `/events/ws` (WebSocket) through a real server
 * with in-process agents (docs/events.md): command events without output,
 * each caller's scope, resume with Last-Event-ID, the WebSocket with an
 * API key and the Origin guard, agent presence, diagnoses, the 4xx/501
 * answers, and the delay from a command's POST to its event on another
 * connection (printed, not asserted).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import type { Executor } from "../../lib/agent/executors.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { readEventStream } from "../../lib/_event-stream.ts";
import { createEventBus, watchAgents, type KubentlyEvent } from "../../lib/events/index.ts";
import { checkSocketOrigin } from "../../lib/wire/websocket.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { LIMITS } from "../../lib/limits.ts";
import { readOnly } from "../../plugins/read-only.ts";

const KEYS = {
  admin: "ev-admin-0123456789abcdef",
  alice: "ev-alice-0123456789abcdef",
  bob: "ev-bob-0123456789abcdef",
  teamShop: "ev-team-shop-0123456789abcdef",
  teamWide: "ev-team-wide-0123456789abcdef",
  viewer: "ev-viewer-0123456789abcdef",
};
const OUTPUT_MARK = "OUTPUT-MARK-7f3a";
const STDERR_MARK = "STDERR-MARK-9c2e";

/** Echo, but output and stderr carry markers that must never reach an event; `diagnose` answers a diagnosis with evidence. */
const markedExecutor = (): Executor => ({
  name: "marked",
  async run(argv) {
    if (argv[0] === "diagnose") {
      const finding = { id: "pods/CrashLoopBackOff/shop/Pod/web", analyzer: "pods", code: "CrashLoopBackOff", severity: "critical", namespace: "shop", resource: { kind: "Pod", name: "web" }, title: "Pod web is crash-looping", evidence: [`EVIDENCE ${OUTPUT_MARK}`], confirm: [["describe", "pod", "web", "-n", "shop"]], hint: "look at its logs" };
      const diagnosis = { findings: [finding], summary: { critical: 1, warning: 0, info: 0, total: 1 }, analyzed: { namespace: "shop", kinds: ["pods"], objects: 3, analyzers: ["pods"] }, duration_ms: 4 };
      return { exitCode: 0, stdout: JSON.stringify(diagnosis), stderr: "", truncated: false, timedOut: false, cancelled: false, durationMs: 4 };
    }
    return { exitCode: 3, stdout: `${OUTPUT_MARK} ${argv.join(" ")}\n`, stderr: STDERR_MARK, truncated: false, timedOut: false, cancelled: false, durationMs: 2 };
  },
});

let k: Kubently;
let url = "";

/** An open event stream: what arrived so far, and a wait for more. */
interface Stream {
  events: (KubentlyEvent & { cluster_id?: string; sseId?: string; arrived: number })[];
  waitFor(pred: (e: Stream["events"][number]) => boolean, ms?: number): Promise<Stream["events"][number]>;
  close(): void;
  response: Response;
}

async function openEvents(key: string, query = "", headers: Record<string, string> = {}): Promise<Stream> {
  const stop = new AbortController();
  const response = await fetch(`${url}/events${query}`, { headers: { "x-api-key": key, ...headers }, signal: stop.signal });
  expect(response.status).toBe(200);
  const events: Stream["events"] = [];
  let wake = () => {};
  void (async () => {
    try {
      for await (const e of readEventStream(response.body!)) {
        events.push({ ...(e.data as KubentlyEvent), ...(e.id !== undefined ? { sseId: e.id } : {}), arrived: performance.now() });
        wake();
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    response,
    async waitFor(pred, ms = 3_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = events.find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching event within ${ms} ms; got ${JSON.stringify(events.map((e) => e.type))}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
    close: () => stop.abort(),
  };
}

const execute = async (key: string, body: Record<string, unknown>) => {
  const res = await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", ...body }) });
  return { status: res.status, body: (await res.json()) as { command_id: string; status: string; output: string } };
};

beforeAll(async () => {
  k = createKubently({
    backend: memoryBackend(),
    policies: [readOnly()],
    apiKeys: [
      { name: "root", key: KEYS.admin, role: "admin" },
      { name: "alice", key: KEYS.alice, role: "operator" },
      { name: "bob", key: KEYS.bob, role: "operator" },
      // Two keys of one identity: only the namespace scope tells them apart.
      { name: "team", key: KEYS.teamShop, role: "operator", namespaces: ["shop"] },
      { name: "team", key: KEYS.teamWide, role: "operator" },
      { name: "vic", key: KEYS.viewer, role: "viewer", clusters: ["c1", "c3"] },
    ],
    clusters: [{ id: "c1" }, { id: "c2" }, { id: "c3" }],
  });
  await k.ready();
  url = (await k.listen({ port: 0 })).url;
  k.startLocalAgent({ clusterId: "c1", executor: markedExecutor() });
  k.startLocalAgent({ clusterId: "c2", executor: echoExecutor() });
});
afterAll(() => k.close());

describe("GET /events (Server-Sent Events)", () => {
  test("an execute yields command.queued and command.finished, with status and exit code, never output or stderr", async () => {
    const s = await openEvents(KEYS.alice);
    expect(s.response.headers.get("content-type")).toStartWith("text/event-stream");
    const run = await execute(KEYS.alice, { argv: ["get", "pods", "-n", "shop"] });
    expect(run.body.output).toContain(OUTPUT_MARK);
    const queued = await s.waitFor((e) => e.type === "command.queued" && e.data.command_id === run.body.command_id);
    const finished = await s.waitFor((e) => e.type === "command.finished" && e.data.command_id === run.body.command_id);
    expect(queued).toMatchObject({ cluster_id: "c1", namespace: "shop", identity: "alice", data: { argv: ["get", "pods", "-n", "shop"] } });
    expect(finished).toMatchObject({ cluster_id: "c1", namespace: "shop", identity: "alice", data: { status: "failure", exit_code: 3, duration_ms: 2, truncated: false } });
    expect(finished.id).toBeGreaterThan(queued.id);
    expect(finished.sseId).toBe(String(finished.id));
    const text = JSON.stringify(s.events);
    expect(text).not.toContain(OUTPUT_MARK);
    expect(text).not.toContain(STDERR_MARK);
    for (const e of s.events) expect(Object.keys(e.data)).not.toContainAnyValues(["output", "error", "stderr"]);
    s.close();
  });

  test("a policy denial is command.denied with the policy and our reason", async () => {
    const s = await openEvents(KEYS.alice, "?types=command.denied");
    const run = await execute(KEYS.alice, { argv: ["delete", "pod", "web", "-n", "shop"] });
    expect(run.status).toBe(403);
    const denied = await s.waitFor((e) => e.data.command_id === run.body.command_id);
    expect(denied).toMatchObject({ type: "command.denied", identity: "alice", data: { policy: "read-only", argv: ["delete", "pod", "web", "-n", "shop"] } });
    expect(denied.data.reason).toBeString();
    s.close();
  });

  test("an operator does not see another operator's commands; an admin sees both", async () => {
    const alice = await openEvents(KEYS.alice);
    const admin = await openEvents(KEYS.admin);
    const bobs = await execute(KEYS.bob, { argv: ["get", "pods"] });
    const alices = await execute(KEYS.alice, { argv: ["get", "pods"] });
    await alice.waitFor((e) => e.type === "command.finished" && e.data.command_id === alices.body.command_id);
    await admin.waitFor((e) => e.type === "command.finished" && e.data.command_id === alices.body.command_id);
    await admin.waitFor((e) => e.type === "command.finished" && e.data.command_id === bobs.body.command_id);
    expect(alice.events.filter((e) => e.identity === "bob")).toEqual([]);
    expect(alice.events.some((e) => e.data.command_id === bobs.body.command_id)).toBe(false);
    alice.close();
    admin.close();
  });

  test("a namespace-scoped key sees only commands inside its namespaces, even of its own identity's other keys", async () => {
    const scoped = await openEvents(KEYS.teamShop);
    const wide = await execute(KEYS.teamWide, { argv: ["get", "pods", "-n", "kube-system"] });
    const inShop = await execute(KEYS.teamWide, { argv: ["get", "pods", "-n", "shop"] });
    const own = await execute(KEYS.teamShop, { argv: ["get", "pods", "-n", "kube-system"] });
    expect(own.status).toBe(403);
    await scoped.waitFor((e) => e.type === "command.finished" && e.data.command_id === inShop.body.command_id);
    // The denied command comes after: give it the time the others took.
    await Bun.sleep(50);
    const ids = new Set(scoped.events.map((e) => e.data.command_id));
    expect(ids.has(wide.body.command_id)).toBe(false);
    expect(ids.has(own.body.command_id)).toBe(false);
    expect(scoped.events.every((e) => e.namespace === "shop")).toBe(true);
    scoped.close();
  });

  test("a viewer sees agent events of its clusters and no commands", async () => {
    const viewer = await openEvents(KEYS.viewer);
    const agent = k.startLocalAgent({ clusterId: "c3", executor: echoExecutor(), agentId: "agent-c3" });
    const connected = await viewer.waitFor((e) => e.type === "agent.connected" && e.cluster_id === "c3");
    await execute(KEYS.alice, { argv: ["get", "pods"] });
    await agent.stop();
    const lost = await viewer.waitFor((e) => e.type === "agent.lost" && e.cluster_id === "c3");
    expect(connected.identity).toBeUndefined();
    expect(lost.data).toMatchObject({ reason: "stopped" });
    expect(typeof lost.data.last_seen_at).toBe("number");
    expect(viewer.events.filter((e) => !e.type.startsWith("agent."))).toEqual([]);
    expect(viewer.events.filter((e) => e.cluster_id === "c2")).toEqual([]);
    viewer.close();
  });

  test("resume with Last-Event-ID replays what came after it; ?from= does the same", async () => {
    const first = await openEvents(KEYS.alice, "?types=command.queued");
    const one = await execute(KEYS.alice, { argv: ["get", "pods"] });
    const seen = await first.waitFor((e) => e.data.command_id === one.body.command_id);
    first.close();
    const two = await execute(KEYS.alice, { argv: ["get", "services"] });
    const three = await execute(KEYS.alice, { argv: ["get", "deployments"] });
    const resumed = await openEvents(KEYS.alice, "?types=command.queued", { "last-event-id": String(seen.id) });
    await resumed.waitFor((e) => e.data.command_id === three.body.command_id);
    expect(resumed.events.map((e) => e.data.command_id)).toEqual([two.body.command_id, three.body.command_id]);
    resumed.close();
    const byQuery = await openEvents(KEYS.alice, `?types=command.queued&from=${seen.id}`);
    await byQuery.waitFor((e) => e.data.command_id === three.body.command_id);
    expect(byQuery.events.map((e) => e.data.command_id)).toEqual([two.body.command_id, three.body.command_id]);
    byQuery.close();
  });

  test("a resume id older than the window gets a reset (gap) event first", async () => {
    const s = await openEvents(KEYS.alice, "", { "last-event-id": "1" });
    const reset = await s.waitFor((e) => e.type === "reset");
    expect(reset.data).toEqual({ reason: "gap" });
    expect(s.events[0]!.type).toBe("reset");
    s.close();
  });

  test("?types= and ?cluster_id= narrow the stream", async () => {
    const s = await openEvents(KEYS.admin, "?types=command.finished&cluster_id=c2");
    const onC1 = await execute(KEYS.alice, { argv: ["get", "pods"] });
    const onC2 = await execute(KEYS.alice, { cluster_id: "c2", argv: ["get", "pods"] });
    await s.waitFor((e) => e.data.command_id === onC2.body.command_id);
    expect(s.events.map((e) => [e.type, e.cluster_id])).toEqual([["command.finished", "c2"]]);
    expect(s.events.some((e) => e.data.command_id === onC1.body.command_id)).toBe(false);
    s.close();
  });

  test("bad filters are a 400 naming the problem; no key is a 401", async () => {
    const get = async (query: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${url}/events${query}`, { headers: { "x-api-key": KEYS.alice, ...headers } });
      return { status: res.status, body: (await res.json()) as { code: string; error: string } };
    };
    expect(await get("?types=command.queued,command.exploded")).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED", error: expect.stringContaining('"command.exploded"') } });
    expect(await get("?types=reset")).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED" } });
    expect(await get("?cluster_id=Not_A_Label")).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED", error: expect.stringContaining("cluster_id") } });
    expect(await get("?from=abc")).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED", error: expect.stringContaining("from") } });
    expect(await get("", { "last-event-id": "-5" })).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED", error: expect.stringContaining("Last-Event-ID") } });
    const anonymous = await fetch(`${url}/events`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { code: string }).code).toBe("UNAUTHENTICATED");
  });

  test("HEAD /events answers the stream's headers at once (regression: it waited for a body that never ends)", async () => {
    const res = await fetch(`${url}/events`, { method: "HEAD", headers: { "x-api-key": KEYS.alice }, signal: AbortSignal.timeout(3_000) });
    expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({ status: 200, type: "text/event-stream; charset=utf-8" });
  });

  test("a diagnosis is diagnosis.finished with counts and finding ids, severities and titles, never evidence", async () => {
    const s = await openEvents(KEYS.alice, "?types=diagnosis.finished");
    const res = await fetch(`${url}/debug/diagnose`, { method: "POST", headers: { "x-api-key": KEYS.alice, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", namespace: "shop" }) });
    expect(res.status).toBe(200);
    const d = await s.waitFor((e) => e.type === "diagnosis.finished");
    expect(d).toMatchObject({
      cluster_id: "c1",
      namespace: "shop",
      identity: "alice",
      data: { status: "success", summary: { critical: 1, warning: 0, info: 0, total: 1 }, findings: [{ id: "pods/CrashLoopBackOff/shop/Pod/web", severity: "critical", code: "CrashLoopBackOff", title: "Pod web is crash-looping" }] },
    });
    expect(JSON.stringify(d)).not.toContain(OUTPUT_MARK);
    expect(JSON.stringify(d)).not.toContain("evidence");
    s.close();
  });

  test("sessions: session.started and session.ended", async () => {
    const s = await openEvents(KEYS.alice, "?types=session.started,session.ended");
    const created = (await (await fetch(`${url}/debug/session`, { method: "POST", headers: { "x-api-key": KEYS.alice, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1" }) })).json()) as { session_id: string };
    await fetch(`${url}/debug/session/${created.session_id}`, { method: "DELETE", headers: { "x-api-key": KEYS.alice } });
    await s.waitFor((e) => e.type === "session.ended");
    expect(s.events.map((e) => [e.type, e.data.session_id])).toEqual([["session.started", created.session_id], ["session.ended", created.session_id]]);
    s.close();
  });

  test("the delay from POST /debug/execute to its command.queued on another connection (p50 of 20, printed)", async () => {
    const tab = await openEvents(KEYS.alice, "?types=command.queued");
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const sent = performance.now();
      const run = fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEYS.alice, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv: ["get", "pods"], correlation_id: `lat-${i}` }) });
      const e = await tab.waitFor((x) => x.data.correlation_id === `lat-${i}`);
      delays.push(e.arrived - sent);
      await run;
    }
    delays.sort((a, b) => a - b);
    const p50 = delays[Math.floor(delays.length / 2)]!;
    console.log(`[events] POST /debug/execute -> command.queued on a second SSE connection: p50 ${p50.toFixed(2)} ms, max ${delays.at(-1)!.toFixed(2)} ms (20 commands, memory backend)`);
    tab.close();
  });
});

describe("GET /events/ws (WebSocket)", () => {
  const wsUrl = () => `${url.replace(/^http/, "ws")}/events/ws`;

  /** Opens a socket and collects its frames; resolves once open (or rejects when refused). */
  function openSocket(headers: Record<string, string>, query = ""): Promise<{ frames: Record<string, unknown>[]; ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${wsUrl()}${query}`, { headers } as unknown as string[]);
      const frames: Record<string, unknown>[] = [];
      let closedResolve!: (v: { code: number; reason: string }) => void;
      const closed = new Promise<{ code: number; reason: string }>((r) => (closedResolve = r));
      ws.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
      ws.onopen = () => resolve({ frames, ws, closed });
      ws.onerror = () => reject(new Error("refused"));
      ws.onclose = (c) => closedResolve({ code: c.code, reason: c.reason });
    });
  }
  const until = async (pred: () => boolean, ms = 3_000) => {
    for (const end = Date.now() + ms; !pred(); ) {
      if (Date.now() > end) throw new Error("timed out");
      await Bun.sleep(10);
    }
  };

  test("an API key opens it and each frame is one event, as GET /events sends it", async () => {
    const { frames, ws } = await openSocket({ "x-api-key": KEYS.alice }, "?types=command.queued,command.finished");
    const run = await execute(KEYS.alice, { argv: ["get", "pods", "-n", "shop"] });
    await until(() => frames.filter((f) => (f.data as { command_id?: string }).command_id === run.body.command_id).length === 2);
    const mine = frames.filter((f) => (f.data as { command_id?: string }).command_id === run.body.command_id);
    expect(mine.map((f) => f.type)).toEqual(["command.queued", "command.finished"]);
    expect(mine[1]).toMatchObject({ cluster_id: "c1", identity: "alice", data: { status: "failure", exit_code: 3 } });
    expect(JSON.stringify(frames)).not.toContain(OUTPUT_MARK);
    ws.close();
  });

  test("the scope applies: bob's socket gets none of alice's commands", async () => {
    const { frames, ws } = await openSocket({ "x-api-key": KEYS.bob });
    const alices = await execute(KEYS.alice, { argv: ["get", "pods"] });
    const bobs = await execute(KEYS.bob, { argv: ["get", "pods"] });
    await until(() => frames.some((f) => (f.data as { command_id?: string }).command_id === bobs.body.command_id && f.type === "command.finished"));
    expect(frames.some((f) => (f.data as { command_id?: string }).command_id === alices.body.command_id)).toBe(false);
    ws.close();
  });

  test("a cross-site Origin is refused (403); the server's own origin and no Origin are not", async () => {
    await expect(openSocket({ "x-api-key": KEYS.alice, origin: "https://evil.example" })).rejects.toThrow("refused");
    const handshake = { "x-api-key": KEYS.alice, upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" };
    const res = await fetch(`${url}/events/ws`, { headers: { ...handshake, origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("FORBIDDEN");
    const same = await openSocket({ "x-api-key": KEYS.alice, origin: url });
    same.ws.close();
    const none = await openSocket({ "x-api-key": KEYS.alice });
    none.ws.close();
  });

  test("checkSocketOrigin: the page's own origin behind a DNS name passes; another site, a look-alike or a null Origin does not", () => {
    const req = (host: string, origin?: string) => new Request("http://kubently.internal/events/ws", { headers: { host, ...(origin ? { origin } : {}) } });
    expect(() => checkSocketOrigin(req("kubently.example.com", "https://kubently.example.com"))).not.toThrow();
    expect(() => checkSocketOrigin(req("kubently.example.com:8443", "https://kubently.example.com:8443"))).not.toThrow();
    expect(() => checkSocketOrigin(req("kubently.example.com"))).not.toThrow();
    expect(() => checkSocketOrigin(req("kubently.example.com", "https://console.example.com"), { allowedOrigins: ["https://console.example.com"] })).not.toThrow();
    for (const origin of ["https://evil.example", "https://kubently.example.com.evil.example", "null", "https://kubently.example.com:9999"]) {
      expect(() => checkSocketOrigin(req("kubently.example.com", origin))).toThrow("may not call this endpoint");
    }
  });

  test("no key is refused; a plain GET is 426 UPGRADE_REQUIRED; a server that cannot upgrade answers 501", async () => {
    await expect(openSocket({})).rejects.toThrow("refused");
    const plain = await fetch(`${url}/events/ws`, { headers: { "x-api-key": KEYS.alice } });
    expect(plain.status).toBe(426);
    expect(((await plain.json()) as { code: string }).code).toBe("UPGRADE_REQUIRED");
    // k.handle: no server behind it to upgrade (as under Node's http server, or a host's fetch handler).
    const res = await k.handle(new Request("http://localhost/events/ws", { headers: { "x-api-key": KEYS.alice, upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } }));
    expect(res.status).toBe(501);
    expect(((await res.json()) as { code: string }).code).toBe("WEBSOCKET_UNAVAILABLE");
  });

  test("the socket closes (1001) when the instance closes", async () => {
    const other = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "x", key: KEYS.alice }] });
    await other.ready();
    const server = await other.listen({ port: 0 });
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/events/ws`, { headers: { "x-api-key": KEYS.alice } } as unknown as string[]);
    await new Promise((r) => (ws.onopen = r));
    const closed = new Promise<number>((r) => (ws.onclose = (c) => r(c.code)));
    await other.close();
    expect([1001, 1006]).toContain(await closed);
  });
});

describe("agent presence", () => {
  test("watchAgents publishes agent.lost once for an agent that went stale, never for one never seen", async () => {
    const { memoryBackend: mb } = await import("../../adapters/memory/index.ts");
    const backend = mb();
    const bus = createEventBus();
    const sub = bus.subscribe();
    await backend.auth.registerCluster({ id: "x1", createdAt: Date.now() });
    await backend.auth.registerCluster({ id: "x2", createdAt: Date.now() });
    const now = Date.now();
    await backend.auth.updateCluster("x1", { lastSeenAt: now });
    const watch = watchAgents(backend.auth, bus, { intervalMs: 0 });
    await watch.check(now);
    // Both now unseen for longer than agentStaleMs; x2 was never seen.
    await watch.check(now + LIMITS.agentStaleMs + 1_000);
    await watch.check(now + LIMITS.agentStaleMs + 2_000);
    bus.publish({ type: "session.ended", data: {} });
    const got: KubentlyEvent[] = [];
    for await (const e of sub) {
      got.push(e);
      if (e.type === "session.ended") break;
    }
    expect(got.map((e) => [e.type, e.clusterId, e.data.reason])).toEqual([["agent.lost", "x1", "stale"], ["session.ended", undefined, undefined]]);
    expect(got[0]!.data.last_seen_at).toBe(now);
    watch.stop();
    bus.close();
    await backend.close();
  });
});
