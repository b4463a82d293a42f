/**
 * lib/breaker.ts: the circuit breaker every remote dependency goes through
 * (Redis, the Kubernetes API, OTLP, webhooks). Pure: no network.
 */
import { describe, expect, test } from "bun:test";
import { breakerMessage, createBreaker, guardMethods, type Breaker } from "../../lib/breaker.ts";

const down = () => Promise.reject(new Error("ECONNREFUSED"));
const up = () => Promise.resolve("ok");

/** Waits until the open circuit's backoff has passed, so the next call is the trial. */
async function untilTrial(b: Breaker) {
  const at = b.snapshot().retryAt ?? 0;
  while (Date.now() <= at) await Bun.sleep(Math.max(1, at - Date.now() + 1));
}

async function openIt(b: Breaker, failures: number) {
  for (let i = 0; i < failures; i++) await b.execute(down).catch(() => {});
  expect(b.snapshot().state).toBe("open");
}

describe("createBreaker", () => {
  test("opens after `failures` failures in a row; calls then fail at once with `unavailable`, fn not run", async () => {
    const b = createBreaker({ name: "dep", failures: 3, halfOpenAfterMs: { initial: 60_000, max: 60_000 } });
    await b.execute(down).catch(() => {});
    await b.execute(down).catch(() => {});
    expect(b.snapshot()).toEqual({ name: "dep", state: "closed", opens: 0 });
    await b.execute(down).catch(() => {});
    const s = b.snapshot();
    expect(s).toMatchObject({ name: "dep", state: "open", opens: 1, lastFailure: "ECONNREFUSED" });
    // The first wait is jittered (cockatiel's decorrelated jitter): somewhere up to about the initial delay.
    expect(s.retryAt!).toBeGreaterThan(Date.now());
    expect(s.retryAt! - Date.now()).toBeLessThanOrEqual(60_000);
    let ran = 0;
    const e = await b.execute(async () => void ran++).then(() => null, (e: Error) => e);
    expect(ran).toBe(0);
    expect(e!.message).toBe(breakerMessage(b.snapshot()));
    expect(e!.message).toMatch(/^dep is unavailable: circuit open after repeated failures \(last: ECONNREFUSED\); next try in \d+ s$/);
  });

  test("a success in between resets the count: failures must come in a row", async () => {
    const b = createBreaker({ name: "dep", failures: 2 });
    for (let i = 0; i < 5; i++) {
      await b.execute(down).catch(() => {});
      await b.execute(up);
    }
    expect(b.snapshot().state).toBe("closed");
  });

  test("only errors isFailure accepts count; others pass through untouched", async () => {
    const notMine = new Error("404 not found");
    const b = createBreaker({ name: "dep", failures: 1, isFailure: (e) => (e as Error).message !== "404 not found" });
    for (let i = 0; i < 5; i++) expect(await b.execute(() => Promise.reject(notMine)).catch((e) => e)).toBe(notMine);
    expect(b.snapshot().state).toBe("closed");
    await b.execute(down).catch(() => {});
    expect(b.snapshot().state).toBe("open");
  });

  test("the unavailable option makes the error an open circuit answers with", async () => {
    const b = createBreaker({ name: "dep", failures: 1, unavailable: (s) => new RangeError(`${s.name} ${s.state}`) });
    await openIt(b, 1);
    const e = await b.execute(up).catch((e) => e);
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe("dep open");
  });

  test("after the backoff one trial call goes through: success closes the circuit", async () => {
    const changes: string[] = [];
    const b = createBreaker({ name: "dep", failures: 1, halfOpenAfterMs: { initial: 20, max: 40 }, onStateChange: (s) => changes.push(s.state) });
    await openIt(b, 1);
    await untilTrial(b);
    expect(await b.execute(up)).toBe("ok");
    expect(b.snapshot()).toMatchObject({ state: "closed", opens: 1 });
    expect(changes).toEqual(["open", "half-open", "closed"]);
  });

  test("a failed trial opens it again and counts another opening", async () => {
    const b = createBreaker({ name: "dep", failures: 1, halfOpenAfterMs: { initial: 20, max: 40 } });
    await openIt(b, 1);
    await untilTrial(b);
    await b.execute(() => Promise.reject(new Error("still down"))).catch(() => {});
    expect(b.snapshot()).toMatchObject({ state: "open", opens: 2, lastFailure: "still down" });
  });

  test("a long poll ({ wait: true }) runs while closed, but never as the trial: it fails at once and the circuit stays open", async () => {
    const b = createBreaker({ name: "dep", failures: 1, halfOpenAfterMs: { initial: 20, max: 40 } });
    expect(await b.execute(up, { wait: true })).toBe("ok");
    await openIt(b, 1);
    await untilTrial(b);
    let ran = 0;
    const e = await b.execute(async () => void ran++, { wait: true }).catch((e) => e);
    expect(ran).toBe(0);
    expect(e.message).toContain("circuit open");
    expect(b.snapshot().state).toBe("open");
    // A short call is the trial.
    await b.execute(up);
    expect(b.snapshot().state).toBe("closed");
  });
});

describe("guardMethods", () => {
  class Store {
    calls = 0;
    listeners: (() => void)[] = [];
    async get(fail: boolean) {
      this.calls++;
      if (fail) throw new Error("down");
      return this.calls;
    }
    async poll() {
      return "polled";
    }
    onEvent(fn: () => void) {
      this.listeners.push(fn);
    }
    async *items() {
      yield this.calls;
    }
  }

  test("each method call goes through the breaker with `this` kept; on* listeners, fields and `pass` methods pass through", async () => {
    const b = createBreaker({ name: "store", failures: 2, halfOpenAfterMs: { initial: 60_000, max: 60_000 } });
    const raw = new Store();
    const store = guardMethods(raw, b, { waits: ["poll"], pass: ["items"] });
    expect(await store.get(false)).toBe(1);
    store.onEvent(() => {});
    expect(raw.listeners).toHaveLength(1);
    await store.get(true).catch(() => {});
    await store.get(true).catch(() => {});
    expect(b.snapshot().state).toBe("open");
    expect(await store.get(false).catch((e) => e.message)).toContain("circuit open");
    expect(await store.poll().catch((e) => e.message)).toContain("circuit open");
    expect(raw.calls).toBe(3);
    expect(store.calls).toBe(3);
    // An async iterable named in `pass` is left as it is (it returns no Promise to guard).
    const seen: number[] = [];
    for await (const n of store.items()) seen.push(n);
    expect(seen).toEqual([3]);
  });
});
