/**
 * Conformance suite for {@link CommandQueue}: every adapter runs it unchanged.
 *
 * @example describeCommandQueue("memory", ({ resultTtlMs, onTeardown }) => {
 *   const backend = memoryBackend({ resultTtlMs });
 *   onTeardown(() => backend.close());
 *   return backend.queue;
 * });
 */
import { describe, expect } from "bun:test";
import type { CommandQueue, Lease } from "../../lib/contracts.ts";
import type { KubentlyError } from "../../lib/errors.ts";
import type { Command, Result } from "../../lib/schemas.ts";
import { expectKubentlyError, harness, sleep, timed, uid } from "./_harness.ts";
import type { ConformanceOptions, Make } from "./_options.ts";

/** Knobs the queue suite passes to its factory. */
export interface CommandQueueMakeOptions {
  /** How long results stay readable; only set by the result-TTL test, otherwise the backend default. */
  resultTtlMs?: number;
}

/** A cluster id unique to one test (a DNS label). */
const clusterId = () => `c-${uid()}`;

/** A command the core could have built; deadline one minute ahead unless overridden. */
function command(cluster: string, over: Partial<Command> = {}): Command {
  const now = Date.now();
  return {
    id: `cmd-${uid()}`,
    clusterId: cluster,
    sessionId: "sess-1",
    argv: ["get", "pods", "-n", "default"],
    timeoutMs: 1_000,
    deadline: now + 60_000,
    requestedBy: "svc:tester",
    correlationId: `corr-${uid()}`,
    createdAt: now,
    ...over,
  };
}

/** An agent's result for `c`. */
function result(c: Command, over: Partial<Result> = {}): Result {
  return {
    commandId: c.id,
    clusterId: c.clusterId,
    status: "success",
    exitCode: 0,
    output: "NAME READY\n",
    truncated: false,
    durationMs: 12,
    executedAt: Date.now(),
    agentId: "agent-1",
    ...over,
  };
}

/** Registers the CommandQueue conformance suite for one adapter. */
export function describeCommandQueue(
  name: string,
  make: Make<CommandQueue, CommandQueueMakeOptions>,
  options: ConformanceOptions = {},
): void {
  describe(`CommandQueue conformance: ${name}`, () => {
    const h = harness(options);
    const fresh = (o: CommandQueueMakeOptions = {}) => h.make(make, o);
    const it = h.test;

    /** Pushes a command and leases it back (the cluster has nothing else queued). */
    const pushAndLease = async (q: CommandQueue, c: Command, leaseMs?: number): Promise<Lease> => {
      await q.push(c);
      const lease = await q.lease(c.clusterId, leaseMs === undefined ? {} : { leaseMs });
      expect(lease?.command.id).toBe(c.id);
      return lease!;
    };

    // --- push / lease -------------------------------------------------------

    it("push(command) then lease(cluster) returns it with attempt 1 and a leaseId", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await q.push(c);
      const before = Date.now();
      const lease = await q.lease(c.clusterId, { agentId: "agent-7", leaseMs: 30_000 });
      expect(lease).not.toBeNull();
      expect(lease!.command).toEqual(c);
      expect(lease!.attempt).toBe(1);
      expect(typeof lease!.leaseId).toBe("string");
      expect(lease!.leaseId.length).toBeGreaterThan(0);
      expect(lease!.agentId).toBe("agent-7");
      expect(lease!.expiresAt).toBeGreaterThanOrEqual(before + 30_000);
      expect(lease!.expiresAt).toBeLessThanOrEqual(Date.now() + 30_000 + 1_000);
    });

    it("lease(cluster) lasts command.timeoutMs + 5000 and names agent \"agent\" by default", async () => {
      const q = await fresh();
      const c = command(clusterId(), { timeoutMs: 2_000 });
      await q.push(c);
      const before = Date.now();
      const lease = await q.lease(c.clusterId);
      expect(lease!.agentId).toBe("agent");
      expect(lease!.expiresAt).toBeGreaterThanOrEqual(before + 7_000);
      expect(lease!.expiresAt).toBeLessThanOrEqual(Date.now() + 7_000 + 1_000);
    });

    it("lease(cluster) hands out commands FIFO", async () => {
      const q = await fresh();
      const cluster = clusterId();
      const cs = [1, 2, 3, 4].map(() => command(cluster));
      for (const c of cs) await q.push(c);
      const ids: (string | undefined)[] = [];
      for (let i = 0; i < cs.length; i++) ids.push((await q.lease(cluster))?.command.id);
      expect(ids).toEqual(cs.map((c) => c.id));
      expect(await q.lease(cluster)).toBeNull();
    });

    it("lease(cluster) never sees another cluster's commands", async () => {
      const q = await fresh();
      const a = clusterId();
      const b = clusterId();
      const ca = command(a);
      await q.push(ca);
      expect(await q.lease(b)).toBeNull();
      // A waiter on b is not woken (or fed) by a push to a.
      const waiting = q.lease(b, { waitMs: 300 });
      const cb = command(a);
      await q.push(cb);
      expect(await waiting).toBeNull();
      expect((await q.lease(a))?.command.id).toBe(ca.id);
      expect((await q.lease(a))?.command.id).toBe(cb.id);
    });

    it("push(command) with a known id throws CONFLICT", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await q.push(c);
      await expectKubentlyError(q.push({ ...c, argv: ["get", "nodes"] }), "CONFLICT");
      await q.lease(c.clusterId);
      await expectKubentlyError(q.push(c), "CONFLICT");
      expect(await q.depth(c.clusterId)).toBe(0);
      expect((await q.getCommand(c.id))?.argv).toEqual(c.argv);
    });

    // --- waiting --------------------------------------------------------------

    it("lease(cluster, { waitMs }) is woken at once by a push", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const started = performance.now();
      const waiting = q.lease(c.clusterId, { waitMs: 5_000 });
      await sleep(20);
      await q.push(c);
      const { value, ms } = await timed(waiting, started);
      expect(value?.command.id).toBe(c.id);
      expect(ms).toBeLessThan(1_000);
    });

    it("lease(cluster, { waitMs }) returns null when the wait ends", async () => {
      const q = await fresh();
      const { value, ms } = await timed(q.lease(clusterId(), { waitMs: 150 }));
      expect(value).toBeNull();
      expect(ms).toBeGreaterThanOrEqual(100);
      expect(ms).toBeLessThan(2_000);
    });

    it("lease(cluster, { waitMs: 0 }) returns at once", async () => {
      const q = await fresh();
      const cluster = clusterId();
      const empty = await timed(q.lease(cluster, { waitMs: 0 }));
      expect(empty.value).toBeNull();
      expect(empty.ms).toBeLessThan(500);
      const noOptions = await timed(q.lease(cluster));
      expect(noOptions.value).toBeNull();
      expect(noOptions.ms).toBeLessThan(500);
    });

    it("lease(cluster, { signal }) returns null when aborted and loses no command", async () => {
      const q = await fresh();
      const cluster = clusterId();
      const controller = new AbortController();
      const started = performance.now();
      const waiting = q.lease(cluster, { waitMs: 5_000, signal: controller.signal });
      await sleep(20);
      controller.abort();
      const { value, ms } = await timed(waiting, started);
      expect(value).toBeNull();
      expect(ms).toBeLessThan(1_000);
      // An already-aborted signal does not wait at all.
      const again = await timed(q.lease(cluster, { waitMs: 5_000, signal: controller.signal }));
      expect(again.value).toBeNull();
      expect(again.ms).toBeLessThan(1_000);
      // The aborted waiters took nothing with them.
      const c = command(cluster);
      await q.push(c);
      expect((await q.lease(cluster, { waitMs: 1_000 }))?.command.id).toBe(c.id);
    });

    it("lease(cluster, { waitMs }) by N waiters gets N pushes each delivered exactly once", async () => {
      const q = await fresh();
      const cluster = clusterId();
      const n = 5;
      const waiters = Array.from({ length: n }, () => q.lease(cluster, { waitMs: 4_000 }));
      await sleep(20);
      const cs = Array.from({ length: n }, () => command(cluster));
      for (const c of cs) {
        await q.push(c);
        await sleep(5);
      }
      const { value: leases, ms } = await timed(Promise.all(waiters));
      expect(ms).toBeLessThan(3_000);
      expect(leases.map((l) => l?.command.id).sort()).toEqual(cs.map((c) => c.id).sort());
      expect(await q.depth(cluster)).toBe(0);
    });

    it("lease(cluster, { waitMs }) by N waiters gets N concurrent pushes each delivered exactly once", async () => {
      const q = await fresh();
      const cluster = clusterId();
      const n = 8;
      const waiters = Array.from({ length: n }, () => q.lease(cluster, { waitMs: 4_000 }));
      await sleep(20);
      const cs = Array.from({ length: n }, () => command(cluster));
      await Promise.all(cs.map((c) => q.push(c)));
      const { value: leases, ms } = await timed(Promise.all(waiters));
      expect(ms).toBeLessThan(3_000);
      expect(leases.map((l) => l?.command.id).sort()).toEqual(cs.map((c) => c.id).sort());
      expect(await q.lease(cluster)).toBeNull();
    });

    // --- deadlines ------------------------------------------------------------

    it("lease(cluster) never hands out a command pushed past its deadline; its result is timeout DEADLINE_EXCEEDED", async () => {
      const q = await fresh();
      const late = command(clusterId(), { deadline: Date.now() - 1_000 });
      await q.push(late);
      expect(await q.lease(late.clusterId, { waitMs: 0 })).toBeNull();
      const r = await q.awaitResult(late.id, { waitMs: 2_000 });
      expect(r?.status).toBe("timeout");
      expect(r?.code).toBe("DEADLINE_EXCEEDED");
      expect(r?.commandId).toBe(late.id);
      expect(r?.clusterId).toBe(late.clusterId);
    });

    it("awaitResult(id) gets timeout DEADLINE_EXCEEDED when the deadline passes while pending", async () => {
      const q = await fresh();
      const c = command(clusterId(), { deadline: Date.now() + 100 });
      await q.push(c);
      const { value: r, ms } = await timed(q.awaitResult(c.id, { waitMs: 3_000 }));
      expect(r?.status).toBe("timeout");
      expect(r?.code).toBe("DEADLINE_EXCEEDED");
      expect(ms).toBeLessThan(2_500);
      expect(await q.lease(c.clusterId)).toBeNull();
      expect(await q.depth(c.clusterId)).toBe(0);
    });

    it("onEnded(listener) hears, once, of every command the queue ends itself (deadline, lost), and of nothing else", async () => {
      const q = await fresh();
      const heard: Result[] = [];
      q.onEnded((r) => heard.push(r));
      const cluster = clusterId();
      const expiring = command(cluster, { deadline: Date.now() + 100 });
      const answered = command(cluster);
      const cancelled = command(cluster);
      await q.push(expiring);
      await sleep(150);
      await pushAndLease(q, answered, 10_000).then((l) => q.complete(l, result(answered)));
      await q.push(cancelled);
      await q.cancel(cancelled.id);
      const lost = command(clusterId(), { deadline: Date.now() + 100 });
      await pushAndLease(q, lost, 250);
      expect((await q.awaitResult(expiring.id, { waitMs: 3_000 }))?.code).toBe("DEADLINE_EXCEEDED");
      expect((await q.awaitResult(lost.id, { waitMs: 3_000 }))?.code).toBe("AGENT_LOST");
      await sleep(300);
      const codes = Object.fromEntries(heard.map((r) => [r.commandId, r.code]));
      expect(codes).toEqual({ [expiring.id]: "DEADLINE_EXCEEDED", [lost.id]: "AGENT_LOST" });
      expect(heard).toHaveLength(2);
    });

    it("lease(cluster) skips expired commands and hands out the next live one", async () => {
      const q = await fresh();
      const cluster = clusterId();
      const expiring = command(cluster, { deadline: Date.now() + 50 });
      const live = command(cluster);
      await q.push(expiring);
      await q.push(live);
      await sleep(150);
      expect((await q.lease(cluster))?.command.id).toBe(live.id);
      expect((await q.getResult(expiring.id))?.code).toBe("DEADLINE_EXCEEDED");
    });

    it("push(command) with a deadline weeks away keeps it pending", async () => {
      // Pins a bug: a 30-day deadline overflowed a 32-bit timer and expired the command at once.
      const q = await fresh();
      const c = command(clusterId(), { deadline: Date.now() + 30 * 24 * 3_600_000 });
      await q.push(c);
      await sleep(50);
      expect(await q.getResult(c.id)).toBeNull();
      expect(await q.depth(c.clusterId)).toBe(1);
      expect((await q.lease(c.clusterId))?.command.id).toBe(c.id);
    });

    // --- lease expiry ---------------------------------------------------------

    it("lease(cluster) re-delivers an expired lease once, with attempt 2 and a new leaseId, ahead of newer commands", async () => {
      const q = await fresh();
      const cluster = clusterId();
      const first = command(cluster);
      const first1 = await pushAndLease(q, first, 100);
      const newer = command(cluster);
      await q.push(newer);
      await sleep(300);
      const again = await q.lease(cluster, { leaseMs: 100 });
      expect(again?.command.id).toBe(first.id);
      expect(again?.attempt).toBe(2);
      expect(again?.leaseId).not.toBe(first1.leaseId);
      expect((await q.lease(cluster))?.command.id).toBe(newer.id);
    });

    it("awaitResult(id) gets failure AGENT_LOST after the second lease expires", async () => {
      const q = await fresh();
      const cluster = clusterId();
      const c = command(cluster);
      await pushAndLease(q, c, 100);
      const again = await q.lease(cluster, { waitMs: 3_000, leaseMs: 100 });
      expect(again?.attempt).toBe(2);
      const r = await q.awaitResult(c.id, { waitMs: 3_000 });
      expect(r?.status).toBe("failure");
      expect(r?.code).toBe("AGENT_LOST");
      expect(await q.lease(cluster)).toBeNull();
    });

    it("lease(cluster, { waitMs }) is woken by a re-delivery when a lease expires", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await pushAndLease(q, c, 100);
      const { value, ms } = await timed(q.lease(c.clusterId, { waitMs: 5_000 }));
      expect(value?.command.id).toBe(c.id);
      expect(value?.attempt).toBe(2);
      expect(ms).toBeLessThan(2_500);
    });

    it("a lease expiring past the deadline resolves with failure AGENT_LOST, not a re-delivery", async () => {
      const q = await fresh();
      const c = command(clusterId(), { deadline: Date.now() + 100 });
      await pushAndLease(q, c, 250);
      const r = await q.awaitResult(c.id, { waitMs: 3_000 });
      expect(r?.status).toBe("failure");
      expect(r?.code).toBe("AGENT_LOST");
      expect(await q.lease(c.clusterId)).toBeNull();
    });

    it("complete(staleLease, result) after a re-delivery throws RESULT_REJECTED", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const stale = await pushAndLease(q, c, 100);
      await sleep(300);
      // Expired and back in line: the old lease is worthless.
      await expectKubentlyError(q.complete(stale, result(c)), "RESULT_REJECTED");
      const current = await q.lease(c.clusterId, { leaseMs: 10_000 });
      expect(current?.attempt).toBe(2);
      await expectKubentlyError(q.complete(stale, result(c)), "RESULT_REJECTED");
      expect(await q.getResult(c.id)).toBeNull();
      await q.complete(current!, result(c, { output: "current" }));
      expect((await q.getResult(c.id))?.output).toBe("current");
    });

    // --- extend ---------------------------------------------------------------

    it("extend(lease, ms) keeps a lease alive past its first expiry", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const lease = await pushAndLease(q, c, 300);
      for (let i = 0; i < 4; i++) {
        await sleep(150);
        expect(await q.extend(lease, 300)).toBe(true);
      }
      // 600 ms after a 300 ms lease: still ours, never re-delivered.
      expect(await q.lease(c.clusterId)).toBeNull();
      await q.complete(lease, result(c, { output: "kept" }));
      expect((await q.getResult(c.id))?.output).toBe("kept");
    });

    it("extend(lease, ms) stops working once the lease expired, and after a re-delivery", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const stale = await pushAndLease(q, c, 100);
      await sleep(400);
      expect(await q.extend(stale, 10_000)).toBe(false);
      const current = await q.lease(c.clusterId, { leaseMs: 10_000 });
      expect(current?.attempt).toBe(2);
      expect(await q.extend(stale, 10_000)).toBe(false);
      expect(await q.extend(current!, 10_000)).toBe(true);
    });

    it("extend(lease, ms) returns false for a cancelled or answered command", async () => {
      const q = await fresh();
      const a = command(clusterId());
      const la = await pushAndLease(q, a, 10_000);
      await q.cancel(a.id);
      expect(await q.extend(la, 10_000)).toBe(false);
      const b = command(clusterId());
      const lb = await pushAndLease(q, b, 10_000);
      await q.complete(lb, result(b));
      expect(await q.extend(lb, 10_000)).toBe(false);
      expect(await q.extend({ leaseId: "nope", command: { id: "unknown" } }, 1_000)).toBe(false);
    });

    // --- complete -------------------------------------------------------------

    it("complete(lease, result) stores the result", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const lease = await pushAndLease(q, c);
      const r = result(c, { output: "pod-a Running\n", durationMs: 42 });
      await q.complete(lease, r);
      expect(await q.getResult(c.id)).toEqual(r);
    });

    it("complete(commandId, result) accepts a result for a leased command", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await pushAndLease(q, c);
      await q.complete(c.id, result(c));
      expect((await q.getResult(c.id))?.status).toBe("success");
    });

    it("complete({ leaseId, command: { id } }, result) accepts the current lease and rejects another leaseId", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const lease = await pushAndLease(q, c);
      await expectKubentlyError(q.complete({ leaseId: `${lease.leaseId}-forged`, command: { id: c.id } }, result(c)), "RESULT_REJECTED");
      expect(await q.getResult(c.id)).toBeNull();
      await q.complete({ leaseId: lease.leaseId, command: { id: c.id } }, result(c));
      expect((await q.getResult(c.id))?.status).toBe("success");
    });

    it("complete(id, result) for a command not leased throws RESULT_REJECTED", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await q.push(c);
      await expectKubentlyError(q.complete(c.id, result(c)), "RESULT_REJECTED");
      const unknown = command(c.clusterId);
      await expectKubentlyError(q.complete(unknown.id, result(unknown)), "RESULT_REJECTED");
      // The rejected result did not touch the pending command.
      expect(await q.getResult(c.id)).toBeNull();
      expect((await q.lease(c.clusterId))?.command.id).toBe(c.id);
    });

    it("complete(lease, result) with another cluster id throws RESULT_REJECTED", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const lease = await pushAndLease(q, c);
      await expectKubentlyError(q.complete(lease, result(c, { clusterId: clusterId() })), "RESULT_REJECTED");
      await expectKubentlyError(q.complete(c.id, result(c, { clusterId: clusterId() })), "RESULT_REJECTED");
      expect(await q.getResult(c.id)).toBeNull();
      await q.complete(lease, result(c));
      expect((await q.getResult(c.id))?.clusterId).toBe(c.clusterId);
    });

    it("complete(lease, result) naming another command throws RESULT_REJECTED", async () => {
      const q = await fresh();
      const cluster = clusterId();
      const a = command(cluster);
      const b = command(cluster);
      await q.push(a);
      await q.push(b);
      const la = (await q.lease(cluster))!;
      await q.lease(cluster);
      await expectKubentlyError(q.complete(la, result(b)), "RESULT_REJECTED");
      await expectKubentlyError(q.complete(a.id, result(b)), "RESULT_REJECTED");
      expect(await q.getResult(a.id)).toBeNull();
      expect(await q.getResult(b.id)).toBeNull();
    });

    it("complete(lease, result) a second time throws RESULT_REJECTED and the first result wins", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const lease = await pushAndLease(q, c);
      await q.complete(lease, result(c, { output: "first" }));
      await expectKubentlyError(q.complete(lease, result(c, { output: "second" })), "RESULT_REJECTED");
      await expectKubentlyError(q.complete(c.id, result(c, { output: "third" })), "RESULT_REJECTED");
      expect((await q.getResult(c.id))?.output).toBe("first");
    });

    // --- results --------------------------------------------------------------

    it("awaitResult(id, { waitMs }) resolves the moment the result lands", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const lease = await pushAndLease(q, c);
      const started = performance.now();
      const waiting = q.awaitResult(c.id, { waitMs: 5_000 });
      await sleep(20);
      await q.complete(lease, result(c, { output: "landed" }));
      const { value, ms } = await timed(waiting, started);
      expect(value?.output).toBe("landed");
      expect(ms).toBeLessThan(1_000);
    });

    it("awaitResult(id, { waitMs }) sees a result that lands right after the call", async () => {
      // Pins a bug: a result completed in the same tick as the call was missed until the wait ended.
      const q = await fresh();
      const c = command(clusterId());
      const lease = await pushAndLease(q, c);
      const waiting = timed(q.awaitResult(c.id, { waitMs: 5_000 }));
      await q.complete(lease, result(c));
      const { value, ms } = await waiting;
      expect(value?.commandId).toBe(c.id);
      expect(ms).toBeLessThan(1_000);
    });

    it("awaitResult(id) returns an existing result at once", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await q.complete(await pushAndLease(q, c), result(c));
      const noWait = await timed(q.awaitResult(c.id));
      expect(noWait.value?.commandId).toBe(c.id);
      expect(noWait.ms).toBeLessThan(500);
      const longWait = await timed(q.awaitResult(c.id, { waitMs: 5_000 }));
      expect(longWait.value?.commandId).toBe(c.id);
      expect(longWait.ms).toBeLessThan(500);
    });

    it("awaitResult(id, { waitMs }) returns null when the wait ends", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await pushAndLease(q, c);
      const { value, ms } = await timed(q.awaitResult(c.id, { waitMs: 150 }));
      expect(value).toBeNull();
      expect(ms).toBeGreaterThanOrEqual(100);
      expect(ms).toBeLessThan(2_000);
      expect(await q.awaitResult(`cmd-${uid()}`)).toBeNull();
    });

    it("awaitResult(id, { signal }) returns null when aborted", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await q.push(c);
      const controller = new AbortController();
      const started = performance.now();
      const waiting = q.awaitResult(c.id, { waitMs: 5_000, signal: controller.signal });
      await sleep(20);
      controller.abort();
      const { value, ms } = await timed(waiting, started);
      expect(value).toBeNull();
      expect(ms).toBeLessThan(1_000);
    });

    it("awaitResult(id) by several concurrent callers gives each the result", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const lease = await pushAndLease(q, c);
      const waiters = Array.from({ length: 5 }, () => q.awaitResult(c.id, { waitMs: 5_000 }));
      await sleep(20);
      await q.complete(lease, result(c, { output: "shared" }));
      const { value, ms } = await timed(Promise.all(waiters));
      expect(value.map((r) => r?.output)).toEqual(Array(5).fill("shared"));
      expect(ms).toBeLessThan(1_000);
    });

    it("getResult(id) is null until the command completes", async () => {
      const q = await fresh();
      const c = command(clusterId());
      expect(await q.getResult(c.id)).toBeNull();
      await q.push(c);
      expect(await q.getResult(c.id)).toBeNull();
      const lease = (await q.lease(c.clusterId))!;
      expect(await q.getResult(c.id)).toBeNull();
      await q.complete(lease, result(c));
      expect((await q.getResult(c.id))?.commandId).toBe(c.id);
    });

    it("getCommand(id) returns the command as pushed while pending, leased and resolved", async () => {
      const q = await fresh();
      const c = command(clusterId(), { signature: "sig" });
      expect(await q.getCommand(c.id)).toBeNull();
      await q.push(c);
      expect(await q.getCommand(c.id)).toEqual(c);
      const lease = (await q.lease(c.clusterId))!;
      expect(await q.getCommand(c.id)).toEqual(c);
      await q.complete(lease, result(c));
      expect(await q.getCommand(c.id)).toEqual(c);
    });

    it("getResult(id) and getCommand(id) are null after the result TTL", async () => {
      const q = await fresh({ resultTtlMs: 100 });
      const c = command(clusterId());
      await q.complete(await pushAndLease(q, c), result(c));
      expect(await q.getResult(c.id)).not.toBeNull();
      await sleep(300);
      expect(await q.getResult(c.id)).toBeNull();
      expect(await q.getCommand(c.id)).toBeNull();
      expect(await q.awaitResult(c.id)).toBeNull();
    });

    // --- cancel ---------------------------------------------------------------

    it("cancel(id) of a pending command: never delivered, result cancelled", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await q.push(c);
      const awaiting = q.awaitResult(c.id, { waitMs: 5_000 });
      expect(await q.cancel(c.id, "user gave up")).toBe(true);
      const { value: r, ms } = await timed(awaiting);
      expect(r?.status).toBe("cancelled");
      expect(ms).toBeLessThan(1_000);
      expect(await q.lease(c.clusterId)).toBeNull();
      expect(await q.depth(c.clusterId)).toBe(0);
      expect((await q.getResult(c.id))?.status).toBe("cancelled");
    });

    it("cancel(id) of a leased command: result cancelled, a later complete throws RESULT_REJECTED", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const lease = await pushAndLease(q, c);
      expect(await q.cancel(c.id)).toBe(true);
      expect((await q.getResult(c.id))?.status).toBe("cancelled");
      await expectKubentlyError(q.complete(lease, result(c)), "RESULT_REJECTED");
      expect((await q.getResult(c.id))?.status).toBe("cancelled");
    });

    it("cancel(id) of an unknown or resolved command returns false", async () => {
      const q = await fresh();
      const c = command(clusterId());
      expect(await q.cancel(c.id)).toBe(false);
      await q.complete(await pushAndLease(q, c), result(c));
      expect(await q.cancel(c.id)).toBe(false);
      expect((await q.getResult(c.id))?.status).toBe("success");
    });

    // --- audit outbox -----------------------------------------------------------

    /** The ids `unaudited` returns now for marks at least `olderThanMs` old. */
    const unauditedIds = async (q: CommandQueue, olderThanMs = 0, holdMs?: number) =>
      (await q.unaudited({ olderThanMs, ...(holdMs === undefined ? {} : { holdMs }) })).map((u) => u.command.id);

    it("complete(lease, result) resolves true and marks the result: unaudited({ olderThanMs }) lists it, with its command, once the mark is that old", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const r = result(c);
      expect(await q.complete(await pushAndLease(q, c), r)).toBe(true);
      expect(await q.unaudited({ olderThanMs: 60_000 })).toEqual([]);
      await sleep(150);
      expect(await q.unaudited({ olderThanMs: 100 })).toEqual([{ command: c, result: r }]);
    });

    it("unaudited(options) holds what it returns back from later calls (any replica) for holdMs", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await q.complete(await pushAndLease(q, c), result(c));
      expect(await unauditedIds(q, 0, 300)).toEqual([c.id]);
      // Held: a second reconciler does not get it.
      expect(await unauditedIds(q, 0, 300)).toEqual([]);
      await sleep(400);
      expect(await unauditedIds(q, 0, 300)).toEqual([c.id]);
    });

    it("markAudited(id) clears the mark for good; unknown ids are a no-op", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await q.complete(await pushAndLease(q, c), result(c));
      await q.markAudited(c.id);
      await q.markAudited(c.id);
      await q.markAudited(`cmd-${uid()}`);
      expect(await unauditedIds(q)).toEqual([]);
      // The result itself stays.
      expect((await q.getResult(c.id))?.commandId).toBe(c.id);
    });

    it("unaudited(options) lists the oldest marks first, at most limit", async () => {
      const q = await fresh();
      const cluster = clusterId();
      const cs = [1, 2, 3].map(() => command(cluster));
      for (const c of cs) {
        await q.complete(await pushAndLease(q, c), result(c));
        await sleep(15);
      }
      expect((await q.unaudited({ olderThanMs: 0, limit: 2 })).map((u) => u.command.id)).toEqual([cs[0]!.id, cs[1]!.id]);
      expect(await unauditedIds(q)).toEqual([cs[2]!.id]);
    });

    it("cancel(id) never marks its result (its caller audits it); the queue's own ends (deadline, lost) are marked", async () => {
      const q = await fresh();
      const cluster = clusterId();
      const pending = command(cluster);
      const leased = command(cluster);
      await q.push(pending);
      await q.cancel(pending.id);
      await pushAndLease(q, leased);
      await q.cancel(leased.id);
      const expiring = command(cluster, { deadline: Date.now() + 100 });
      await q.push(expiring);
      const lost = command(clusterId(), { deadline: Date.now() + 100 });
      await pushAndLease(q, lost, 250);
      expect((await q.awaitResult(expiring.id, { waitMs: 3_000 }))?.code).toBe("DEADLINE_EXCEEDED");
      expect((await q.awaitResult(lost.id, { waitMs: 3_000 }))?.code).toBe("AGENT_LOST");
      expect((await unauditedIds(q)).sort()).toEqual([expiring.id, lost.id].sort());
    });

    it("complete(lease, result) rejected leaves no mark", async () => {
      const q = await fresh();
      const c = command(clusterId());
      await q.push(c);
      await expectKubentlyError(q.complete(c.id, result(c)), "RESULT_REJECTED");
      const lease = await q.lease(c.clusterId);
      await q.complete(lease!, result(c));
      await q.markAudited(c.id);
      await expectKubentlyError(q.complete(lease!, result(c, { output: "second" })), "RESULT_REJECTED");
      expect(await unauditedIds(q)).toEqual([]);
    });

    it("complete(lease, result) again with the very same result throws RESULT_REJECTED or resolves false, and marks nothing", async () => {
      // A backend that may run one call twice (Redis resends a script) answers false: the caller must not audit it again.
      const q = await fresh();
      const c = command(clusterId());
      const lease = await pushAndLease(q, c);
      const r = result(c);
      expect(await q.complete(lease, r)).toBe(true);
      await q.markAudited(c.id);
      const again = await q.complete(lease, r).catch((e: unknown) => e);
      if (again !== false) expect((again as KubentlyError).code).toBe("RESULT_REJECTED");
      expect(await unauditedIds(q)).toEqual([]);
      expect(await q.getResult(c.id)).toEqual(r);
    });

    it("a mark goes with its result: unaudited(options) never lists a result past its TTL", async () => {
      const q = await fresh({ resultTtlMs: 100 });
      const c = command(clusterId());
      await q.complete(await pushAndLease(q, c), result(c));
      await sleep(300);
      expect(await unauditedIds(q)).toEqual([]);
      // A result stored after the expiry is listed alone.
      const d = command(c.clusterId);
      await q.complete(await pushAndLease(q, d), result(d));
      expect(await unauditedIds(q)).toEqual([d.id]);
    });

    // --- depth, copies --------------------------------------------------------

    it("depth(cluster) counts pending commands only", async () => {
      const q = await fresh();
      const cluster = clusterId();
      expect(await q.depth(cluster)).toBe(0);
      const cs = [1, 2, 3].map(() => command(cluster));
      for (const c of cs) await q.push(c);
      await q.push(command(clusterId()));
      expect(await q.depth(cluster)).toBe(3);
      const lease = (await q.lease(cluster))!;
      expect(await q.depth(cluster)).toBe(2);
      await q.complete(lease, result(cs[0]!));
      expect(await q.depth(cluster)).toBe(2);
      await q.cancel(cs[2]!.id);
      expect(await q.depth(cluster)).toBe(1);
    });

    it("push(command), lease(cluster) and getResult(id) do not share objects with the caller", async () => {
      const q = await fresh();
      const c = command(clusterId());
      const pushed = structuredClone(c);
      await q.push(c);
      c.argv.push("--all-namespaces");
      const lease = (await q.lease(c.clusterId))!;
      expect(lease.command).toEqual(pushed);
      lease.command.argv[0] = "delete";
      lease.command.clusterId = "elsewhere";
      expect(await q.getCommand(c.id)).toEqual(pushed);
      const r = result(pushed);
      await q.complete({ ...lease, command: pushed }, r);
      const got = (await q.getResult(c.id))!;
      got.output = "changed";
      r.output = "changed too";
      expect((await q.getResult(c.id))?.output).toBe("NAME READY\n");
    });

    h.done();
  });
}
