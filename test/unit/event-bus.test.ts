/**
 * The event bus on its own (lib/events/bus.ts): ordering, resume from an id,
 * the gap and slow-consumer resets, a `return()` that settles a pending
 * `next()` at once, bounded memory under a flood, the channel relay between
 * two buses, and the mapping of audit entries to events (never output).
 */
import { describe, expect, test } from "bun:test";
import type { EventChannel } from "../../lib/contracts.ts";
import { createEventBus, eventOfAudit, filterFor, publishingAuditLog, withEventContext, type EventInput, type KubentlyEvent } from "../../lib/events/index.ts";
import { memoryBackend } from "../../adapters/memory/index.ts";
import type { Identity, Result } from "../../lib/schemas.ts";

const ev = (n: number, over: Partial<EventInput> = {}): EventInput => ({ type: "command.queued", clusterId: "c1", identity: "alice", data: { n }, ...over });

/** Takes `count` events from the subscription (failing after `ms`). */
async function take(sub: AsyncIterator<KubentlyEvent>, count: number, ms = 1_000): Promise<KubentlyEvent[]> {
  const out: KubentlyEvent[] = [];
  const deadline = Date.now() + ms;
  while (out.length < count) {
    const r = await Promise.race([sub.next(), new Promise<"late">((resolve) => setTimeout(() => resolve("late"), Math.max(1, deadline - Date.now())))]);
    if (r === "late") throw new Error(`only ${out.length} of ${count} events within ${ms} ms`);
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/** A channel pair in memory, delivering like Redis pub/sub: to every subscriber, the sender's own included. */
function memoryChannel(): () => EventChannel {
  const listeners = new Set<(m: string) => void>();
  return () => ({
    async publish(message) {
      queueMicrotask(() => {
        for (const l of listeners) l(message);
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  });
}

describe("createEventBus()", () => {
  test("publish() numbers events by one, in order, and every subscriber gets them in that order", async () => {
    const bus = createEventBus();
    const a = bus.subscribe();
    const b = bus.subscribe();
    const published = [1, 2, 3, 4, 5].map((n) => bus.publish(ev(n)));
    expect(published.map((e) => e.id - published[0]!.id)).toEqual([0, 1, 2, 3, 4]);
    expect(bus.lastId).toBe(published.at(-1)!.id);
    expect(published[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (const sub of [a, b]) expect((await take(sub, 5)).map((e) => e.data.n)).toEqual([1, 2, 3, 4, 5]);
    bus.close();
  });

  test("ids start at the start time, so an id from a previous process resumes as a gap", async () => {
    const before = Date.now();
    const bus = createEventBus();
    const first = bus.publish(ev(1));
    expect(first.id).toBeGreaterThanOrEqual(before);
    expect(first.id).toBeLessThanOrEqual(Date.now());
    const sub = bus.subscribe({ from: before - 10_000 });
    expect((await take(sub, 1))[0]).toMatchObject({ type: "reset", data: { reason: "gap" }, id: first.id });
    bus.close();
  });

  test("subscribe({ from }) replays the kept events after the id, then goes on live", async () => {
    const bus = createEventBus({ windowSize: 10 });
    const ids = [1, 2, 3, 4].map((n) => bus.publish(ev(n)).id);
    const sub = bus.subscribe({ from: ids[1] });
    bus.publish(ev(5));
    expect((await take(sub, 3)).map((e) => e.data.n)).toEqual([3, 4, 5]);
    // From the last id: nothing to replay, no reset.
    const caughtUp = bus.subscribe({ from: bus.lastId });
    bus.publish(ev(6));
    expect((await take(caughtUp, 1)).map((e) => e.data.n)).toEqual([6]);
    bus.close();
  });

  test("a resume id older than the window yields reset (gap) first, then live events only", async () => {
    const bus = createEventBus({ windowSize: 3 });
    const first = bus.publish(ev(1)).id;
    for (let n = 2; n <= 6; n++) bus.publish(ev(n));
    const sub = bus.subscribe({ from: first });
    bus.publish(ev(7));
    const got = await take(sub, 2);
    expect(got[0]).toMatchObject({ type: "reset", data: { reason: "gap" } });
    // The reset carries the last id at that moment: resuming from it goes on from there.
    expect(got[0]!.id).toBe(got[1]!.id - 1);
    expect(got[1]!.data.n).toBe(7);
    // The oldest kept event's predecessor is still a full replay, not a gap.
    const edge = bus.subscribe({ from: bus.lastId - 3 });
    expect((await take(edge, 3)).map((e) => e.data.n)).toEqual([5, 6, 7]);
    expect(bus.stats().resets.gap).toBe(1);
    bus.close();
  });

  test("a resume id this process never issued (past its last) yields reset (gap)", async () => {
    const bus = createEventBus();
    bus.publish(ev(1));
    const sub = bus.subscribe({ from: bus.lastId + 5 });
    expect((await take(sub, 1))[0]).toMatchObject({ type: "reset", data: { reason: "gap" } });
    bus.close();
  });

  test("the filter applies to replayed and live events; a reset always comes through", async () => {
    const bus = createEventBus({ windowSize: 10 });
    const start = bus.lastId;
    for (let n = 1; n <= 4; n++) bus.publish(ev(n, { clusterId: n % 2 ? "odd" : "even" }));
    const sub = bus.subscribe({ from: start, filter: (e) => e.clusterId === "even" });
    bus.publish(ev(5, { clusterId: "odd" }));
    bus.publish(ev(6, { clusterId: "even" }));
    expect((await take(sub, 3)).map((e) => e.data.n)).toEqual([2, 4, 6]);
    const gap = bus.subscribe({ from: 1, filter: () => false });
    expect((await take(gap, 1))[0]!.type).toBe("reset");
    bus.close();
  });

  test("a subscriber more than subscriberBuffer behind gets one reset (slow consumer) and ends", async () => {
    const bus = createEventBus({ subscriberBuffer: 4 });
    const slow = bus.subscribe();
    const fast = bus.subscribe();
    const fastGot: KubentlyEvent[] = [];
    const reading = (async () => {
      for await (const e of fast) {
        fastGot.push(e);
        if (fastGot.length === 10) break;
      }
    })();
    for (let n = 1; n <= 10; n++) {
      bus.publish(ev(n));
      await Promise.resolve();
    }
    await reading;
    expect(fastGot.map((e) => e.data.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const rest: KubentlyEvent[] = [];
    for await (const e of slow) rest.push(e);
    expect(rest).toHaveLength(1);
    expect(rest[0]).toMatchObject({ type: "reset", data: { reason: "slow consumer" } });
    expect(bus.stats()).toMatchObject({ subscribers: 0, resets: { "slow consumer": 1 } });
    bus.close();
  });

  test("return() settles a pending next() at once, and later next() calls are done", async () => {
    const bus = createEventBus();
    const sub = bus.subscribe();
    const pending = sub.next();
    const started = performance.now();
    await sub.return();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(performance.now() - started).toBeLessThan(50);
    expect(await sub.next()).toEqual({ done: true, value: undefined });
    bus.publish(ev(1));
    expect(await sub.next()).toEqual({ done: true, value: undefined });
    expect(bus.stats().subscribers).toBe(0);
    bus.close();
  });

  test("a for-await loop over a subscription ends at once when it is returned from outside", async () => {
    const bus = createEventBus();
    const sub = bus.subscribe();
    let ended = false;
    const loop = (async () => {
      for await (const _ of sub) void _;
      ended = true;
    })();
    await Promise.resolve();
    await sub.return();
    await loop;
    expect(ended).toBe(true);
    bus.close();
  });

  test("an abort signal ends the subscription like return()", async () => {
    const bus = createEventBus();
    const stop = new AbortController();
    const sub = bus.subscribe({ signal: stop.signal });
    const pending = sub.next();
    stop.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(bus.stats().subscribers).toBe(0);
    const already = bus.subscribe({ signal: stop.signal });
    expect(await already.next()).toEqual({ done: true, value: undefined });
    bus.close();
  });

  test("close() ends every subscription, pending next() included", async () => {
    const bus = createEventBus();
    const subs = [bus.subscribe(), bus.subscribe()];
    const pending = subs.map((s) => s.next());
    bus.close();
    expect(await Promise.all(pending)).toEqual([{ done: true, value: undefined }, { done: true, value: undefined }]);
    expect(await bus.subscribe().next()).toEqual({ done: true, value: undefined });
  });

  test("memory stays bounded under a flood: the window keeps windowSize events, a stuck subscriber at most subscriberBuffer", async () => {
    const bus = createEventBus({ windowSize: 100, subscriberBuffer: 50 });
    const stuck = bus.subscribe();
    const live = bus.subscribe();
    let seen = 0;
    const reading = (async () => {
      for await (const _ of live) if (++seen === 200_000) break;
    })();
    const payload = "x".repeat(100);
    for (let n = 0; n < 200_000; n++) {
      bus.publish(ev(n, { data: { n, payload } }));
      if (n % 1000 === 0) await Promise.resolve();
    }
    await reading;
    expect(bus.stats()).toMatchObject({ kept: 100, published: 200_000 });
    // The stuck one was cut off at its bound and holds only its reset.
    const left: KubentlyEvent[] = [];
    for await (const e of stuck) left.push(e);
    expect(left.map((e) => e.type)).toEqual(["reset"]);
    const heap = process.memoryUsage().heapUsed;
    for (let n = 0; n < 200_000; n++) bus.publish(ev(n, { data: { n, payload } }));
    Bun.gc(true);
    // 200,000 more events of ~200 bytes would be ~40 MB if anything kept them.
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(10 * 1024 * 1024);
    bus.close();
  });

  test("with a channel, each bus relays the other's events (under its own ids) and skips its own", async () => {
    const channel = memoryChannel();
    const a = createEventBus({ channel: channel() });
    const b = createEventBus({ channel: channel() });
    const onA = a.subscribe();
    const onB = b.subscribe();
    a.publish(ev(1));
    b.publish(ev(2));
    const gotA = await take(onA, 2);
    const gotB = await take(onB, 2);
    expect(gotA.map((e) => e.data.n)).toEqual([1, 2]);
    expect(gotB.map((e) => e.data.n)).toEqual([2, 1]);
    // The relayed event keeps its time and facts, not its id.
    expect(gotB[1]).toMatchObject({ type: "command.queued", clusterId: "c1", identity: "alice", at: gotA[0]!.at });
    expect(a.stats().published).toBe(2);
    a.close();
    b.close();
  });

  test("a channel gap (the connection to the others came back) hands every subscriber a reset (gap), whatever its filter", async () => {
    let gap = () => {};
    const bus = createEventBus({ channel: { publish: async () => {}, subscribe: (_l, onGap) => ((gap = onGap!), () => {}) } });
    const none = bus.subscribe({ filter: () => false });
    const all = bus.subscribe();
    bus.publish(ev(1));
    gap();
    bus.publish(ev(2));
    expect((await take(none, 1)).map((e) => [e.type, e.data.reason])).toEqual([["reset", "gap"]]);
    expect((await take(all, 3)).map((e) => e.type)).toEqual(["command.queued", "reset", "command.queued"]);
    bus.close();
  });

  test("junk on the channel is not relayed: not JSON, unknown or reset types, wrong field types", async () => {
    const listeners: ((m: string) => void)[] = [];
    const bus = createEventBus({ channel: { publish: async () => {}, subscribe: (l) => (listeners.push(l), () => {}) } });
    const sub = bus.subscribe();
    const send = (m: string) => listeners.forEach((l) => l(m));
    send("not json");
    send("origin {not json");
    send(`o1 ${JSON.stringify({ type: "reset", at: "x", data: {} })}`);
    send(`o1 ${JSON.stringify({ type: "command.rm", at: "x", data: {} })}`);
    send(`o1 ${JSON.stringify({ type: "agent.lost", at: "x", data: [] })}`);
    send(`o1 ${JSON.stringify({ type: "agent.lost", at: "x", clusterId: 5, data: {} })}`);
    send(`o1 ${JSON.stringify({ type: "agent.lost", at: "2026-01-01T00:00:00.000Z", clusterId: "c9", data: { reason: "stale" }, extra: "dropped" })}`);
    const [e] = await take(sub, 1);
    expect(e).toEqual({ id: bus.lastId, type: "agent.lost", at: "2026-01-01T00:00:00.000Z", clusterId: "c9", data: { reason: "stale" } });
    expect(bus.stats().published).toBe(1);
    bus.close();
  });
});

describe("audit entries as events", () => {
  const result: Result = { commandId: "cmd1", clusterId: "c1", status: "failure", exitCode: 1, output: "SECRET OUTPUT", error: "SECRET STDERR", truncated: true, durationMs: 12, executedAt: 1, agentId: "a1", code: undefined };

  test("command.executed becomes command.finished with status, exit code, duration and truncation, never output or stderr", () => {
    const entry = withEventContext({ at: 1_700_000_000_000, eventType: "command.executed", identity: "alice", clusterId: "c1", commandId: "cmd1", correlationId: "corr", outcome: "failure", durationMs: 12 }, {
      command: { id: "cmd1", clusterId: "c1", argv: ["logs", "-n", "shop", "web"], timeoutMs: 1, deadline: 1, requestedBy: "alice", correlationId: "corr", createdAt: 1 },
      result,
    });
    const e = eventOfAudit(entry)!;
    expect(e).toEqual({
      type: "command.finished",
      at: new Date(1_700_000_000_000).toISOString(),
      clusterId: "c1",
      namespace: "shop",
      identity: "alice",
      data: { command_id: "cmd1", argv: ["logs", "-n", "shop", "web"], correlation_id: "corr", status: "failure", exit_code: 1, duration_ms: 12, truncated: true },
    });
    expect(JSON.stringify(e)).not.toContain("SECRET");
  });

  test("each audit type maps to its event; keys and tokens are no event", () => {
    const base = { at: 1, identity: "alice", clusterId: "c1", commandId: "cmd1", correlationId: "corr" };
    const type = (eventType: string, more: object = {}) => eventOfAudit({ ...base, eventType, ...more })?.type ?? null;
    expect(type("command.queued", { argv: ["get", "pods"] })).toBe("command.queued");
    expect(type("command.denied", { argv: ["delete", "pod", "x"], policy: "read-only", reason: "verb delete is not allowed" })).toBe("command.denied");
    expect(type("command.refused", { policy: "read-only" })).toBe("command.finished");
    expect(type("command.timeout", { outcome: "timeout", reason: "DEADLINE_EXCEEDED: no agent" })).toBe("command.finished");
    expect(type("command.cancelled")).toBe("command.finished");
    expect(type("command.lost", { reason: "AGENT_LOST: gone" })).toBe("command.lost");
    expect(type("session.created", { sessionId: "s1" })).toBe("session.started");
    expect(type("session.ended", { sessionId: "s1" })).toBe("session.ended");
    for (const t of ["key.created", "key.revoked", "agent.token.created", "agent.token.rotated", "agent.token.revoked"]) expect(type(t)).toBeNull();
    expect(eventOfAudit({ ...base, eventType: "command.denied", argv: ["delete", "pod", "x"], policy: "read-only", reason: "verb delete is not allowed" })!.data).toMatchObject({ policy: "read-only", reason: "verb delete is not allowed" });
    expect(eventOfAudit({ ...base, eventType: "command.timeout", outcome: "timeout", reason: "DEADLINE_EXCEEDED: no agent picked it up" })!.data).toMatchObject({ status: "timeout", code: "DEADLINE_EXCEEDED" });
    expect(eventOfAudit({ ...base, eventType: "command.timeout", outcome: "cancelled", reason: "the caller went away" })!.data).toMatchObject({ status: "cancelled", code: "CANCELLED" });
  });

  test("publishingAuditLog publishes after a successful append, and an append that fails publishes nothing", async () => {
    const backend = memoryBackend();
    const published: EventInput[] = [];
    const log = publishingAuditLog(backend.audit, (e) => published.push(e));
    await log.append({ at: 1, eventType: "session.created", identity: "alice", clusterId: "c1", sessionId: "s1" });
    await log.append({ at: 2, eventType: "key.created", identity: "root" });
    expect(published.map((e) => e.type)).toEqual(["session.started"]);
    expect((await log.query({})).length).toBe(2);
    const failing = publishingAuditLog({ ...backend.audit, append: async () => Promise.reject(new Error("disk full")) }, (e) => published.push(e));
    await expect(failing.append({ at: 3, eventType: "session.ended", identity: "alice", sessionId: "s1" })).rejects.toThrow("disk full");
    expect(published).toHaveLength(1);
    await backend.close();
  });
});

describe("filterFor(identity)", () => {
  const who = (over: Partial<Identity>): Identity => ({ kind: "service", name: "alice", keyId: "k", role: "operator", ...over });
  const event = (over: Partial<KubentlyEvent>): KubentlyEvent => ({ id: 1, type: "command.queued", at: "", clusterId: "c1", identity: "alice", data: { argv: ["get", "pods", "-n", "shop"] }, namespace: "shop", ...over });

  test("admins see everything; operators their own commands; everyone agent events of their clusters", () => {
    const admin = filterFor(who({ role: "admin", name: "root" }));
    const alice = filterFor(who({}));
    const viewer = filterFor(who({ role: "viewer", name: "vic", clusters: ["c1"] }));
    expect([admin, alice, viewer].map((f) => f(event({})))).toEqual([true, true, false]);
    expect([admin, alice, viewer].map((f) => f(event({ identity: "bob" })))).toEqual([true, false, false]);
    const agent = event({ type: "agent.connected", identity: undefined, namespace: undefined, data: {} });
    expect([admin, alice, viewer].map((f) => f(agent))).toEqual([true, true, true]);
    expect(viewer(event({ type: "agent.lost", clusterId: "c2", identity: undefined, data: {} }))).toBe(false);
  });

  test("a namespace-scoped key sees only its own commands that read inside its namespaces", () => {
    const scoped = filterFor(who({ namespaces: ["shop"] }));
    expect(scoped(event({}))).toBe(true);
    expect(scoped(event({ namespace: "kube-system", data: { argv: ["get", "pods", "-n", "kube-system"] } }))).toBe(false);
    expect(scoped(event({ namespace: undefined, data: { argv: ["version"] } }))).toBe(true);
    expect(scoped(event({ namespace: undefined, data: { argv: ["get", "pods", "-A"] } }))).toBe(false);
    expect(scoped(event({ type: "command.finished", namespace: undefined, data: {} }))).toBe(false);
    expect(scoped(event({ type: "session.started", namespace: undefined, data: { session_id: "s" } }))).toBe(true);
  });
});
