/**
 * Issue 18: agents started together (a rollout, a node pool's restart) do
 * not heartbeat in step, and agents that lost the API together do not come
 * back at the same instants. The randomness is injected (`random`), so what
 * is checked here is exact: heartbeat intervals spread within
 * heartbeatMs × (1 ± LIMITS.heartbeatJitter) and averaging heartbeatMs, the
 * poll-failure backoff drawn from [0, min(max, initial × 2^n)], and both
 * wired into a running agent.
 */
import { describe, expect, test } from "bun:test";
import { backoffDelay, heartbeatDelay, startAgent, type AgentTransport } from "../../lib/agent/agent.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { LIMITS } from "../../lib/limits.ts";
import { readOnly } from "../../plugins/read-only.ts";

/** A deterministic stand-in for Math.random: the given values in turn, round and round. */
const cycle = (values: readonly number[]) => {
  let i = 0;
  const next = () => values[i++ % values.length]!;
  return Object.assign(next, { calls: () => i });
};

/** `n` numbers evenly spread over [0, 1): what a uniform source gives on average. */
const even = (n: number) => Array.from({ length: n }, (_, i) => i / n);

describe("heartbeat jitter", () => {
  test("each interval lies in heartbeatMs × [1 - heartbeatJitter, 1 + heartbeatJitter), and they differ", () => {
    const mean = LIMITS.heartbeatIntervalMs;
    const j = LIMITS.heartbeatJitter;
    expect(j).toBe(0.2);
    expect(heartbeatDelay(mean, () => 0)).toBeCloseTo(mean * (1 - j), 6);
    expect(heartbeatDelay(mean, () => 0.5)).toBeCloseTo(mean, 6);
    expect(heartbeatDelay(mean, () => 0.999_999)).toBeCloseTo(mean * (1 + j), -1);
    const random = cycle([0.13, 0.91, 0.47, 0.02, 0.66]);
    const delays = Array.from({ length: 5 }, () => heartbeatDelay(mean, random));
    expect(new Set(delays).size).toBe(5);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(mean * (1 - j));
      expect(d).toBeLessThan(mean * (1 + j));
    }
  });

  test("the intervals average to heartbeatMs (the mean it names)", () => {
    for (const mean of [1_000, LIMITS.heartbeatIntervalMs, 60_000]) {
      const random = cycle(even(10_000));
      let sum = 0;
      for (let i = 0; i < 10_000; i++) sum += heartbeatDelay(mean, random);
      // Evenly spread draws: the average is the mean up to the grid's half-step.
      expect(Math.abs(sum / 10_000 - mean)).toBeLessThan(mean * LIMITS.heartbeatJitter * 1e-3);
    }
  });

  test("heartbeats carry information, not presence: their interval is not bound by agentStaleMs, the long poll is", () => {
    // Presence rides on the polls (at most maxAgentWaitSeconds apart when idle), so heartbeats may be minutes apart.
    expect(LIMITS.heartbeatIntervalMs).toBeGreaterThan(LIMITS.agentStaleMs);
    expect(LIMITS.agentStaleMs - LIMITS.maxAgentWaitSeconds * 1000).toBeGreaterThanOrEqual(10_000);
    // A poll refreshes the last-seen time at most this often: every idle poll does.
    expect(LIMITS.agentSeenWriteMs).toBeLessThan(LIMITS.defaultAgentWaitSeconds * 1000);
  });

  test("a running agent draws every interval from its injected random (first beat at once, then jittered)", async () => {
    const beats: number[] = [];
    const random = cycle([0.1, 0.9, 0.5, 0.3]);
    const transport: AgentTransport = {
      lease: async ({ signal }) => {
        await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
        return null;
      },
      submit: async () => {},
      heartbeat: async (info) => void ("state" in info || beats.push(beats.length)),
      config: async () => ({ publicKeys: [] }),
      extend: async () => true,
    };
    const agent = startAgent({ clusterId: "c1", transport, executor: echoExecutor(), policies: [readOnly()], concurrency: 1, heartbeatMs: 20, random });
    for (let i = 0; i < 500 && beats.length < 5; i++) await Bun.sleep(10);
    await agent.stop();
    expect(beats.length).toBeGreaterThanOrEqual(5);
    // One draw per interval: after each beat but the last, the agent asked `random` for the next wait.
    expect(random.calls()).toBeGreaterThanOrEqual(beats.length - 1);
  });
});

describe("reconnect backoff jitter (full jitter)", () => {
  test("the delay is random × min(max, initial × 2^n): the whole window, exactly, from the injected random", () => {
    expect(backoffDelay(0, 250, 30_000, () => 0)).toBe(0);
    expect(backoffDelay(0, 250, 30_000, () => 0.5)).toBe(125);
    expect(backoffDelay(3, 250, 30_000, () => 0.5)).toBe(1_000);
    expect(backoffDelay(3, 250, 30_000, () => 0.999)).toBeCloseTo(1_998, 6);
    // Capped at max however many failures (and 2^n does not overflow).
    expect(backoffDelay(8, 250, 30_000, () => 0.5)).toBe(15_000);
    expect(backoffDelay(1_000, 250, 30_000, () => 0.5)).toBe(15_000);
    // Agents failing together draw different waits: spread over [0, cap), averaging half the cap.
    const random = cycle(even(1_000));
    const waits = Array.from({ length: 1_000 }, () => backoffDelay(6, 250, 30_000, random));
    expect(new Set(waits).size).toBe(1_000);
    expect(Math.min(...waits)).toBe(0);
    expect(Math.max(...waits)).toBeLessThan(16_000);
    expect(waits.reduce((a, b) => a + b, 0) / waits.length).toBeCloseTo(7_992, 0);
  });

  test("a running agent's poll-failure backoff comes from its injected random: at 0 it retries at once despite a 60 s backoff", async () => {
    let polls = 0;
    const transport: AgentTransport = {
      lease: async () => {
        polls++;
        throw new Error("API unreachable");
      },
      submit: async () => {},
      heartbeat: async () => {},
      config: async () => ({ publicKeys: [] }),
      extend: async () => true,
    };
    const agent = startAgent({ clusterId: "c1", transport, executor: echoExecutor(), policies: [readOnly()], concurrency: 1, heartbeatMs: 60_000, backoffMs: { initial: 60_000, max: 60_000 }, random: () => 0 });
    for (let i = 0; i < 500 && polls < 5; i++) await Bun.sleep(10);
    await agent.stop();
    // With Math.random the second poll would wait up to a minute; with 0 every retry is immediate.
    expect(polls).toBeGreaterThanOrEqual(5);
  });
});
