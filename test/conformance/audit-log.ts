/**
 * Conformance suite for {@link AuditLog}: every adapter runs it unchanged.
 *
 * @example describeAuditLog("memory", fromBackend(() => memoryBackend(), "audit"), {
 *   tamper: async (log, { op, seq }) => { ...edit or delete entry `seq` behind the log's back... },
 * });
 */
import { describe, expect } from "bun:test";
import { AUDIT_GENESIS, chainAuditEntry, verifyAuditChain } from "../../lib/audit.ts";
import type { AuditLog } from "../../lib/contracts.ts";
import type { AuditEntry, AuditInput } from "../../lib/schemas.ts";
import { harness, uid } from "./_harness.ts";
import type { ConformanceOptions, Make } from "./_options.ts";

/** What the tamper hook must do to the stored entry `seq`, bypassing the AuditLog API. */
export interface AuditTamper {
  /** `edit`: change some content (e.g. `identity`) and keep its hashes; `delete`: remove the entry. */
  op: "edit" | "delete";
  seq: number;
}

/** Options of {@link describeAuditLog}. */
export interface AuditLogConformanceOptions<L extends AuditLog = AuditLog> extends ConformanceOptions {
  /**
   * Edits or deletes a stored entry directly in the backend, to show that
   * `verifyAuditChain` notices. Without it the tamper tests are skipped.
   */
  tamper?: (log: L, change: AuditTamper) => Promise<void>;
}

function input(over: Partial<AuditInput> = {}): AuditInput {
  return {
    at: Date.now(),
    eventType: "command.executed",
    identity: "svc:tester",
    role: "operator",
    clusterId: "prod-eu",
    sessionId: "sess-1",
    commandId: `cmd-${uid()}`,
    argv: ["get", "pods", "-n", "default"],
    decision: "allowed",
    policy: "read-only",
    outcome: "success",
    durationMs: 12,
    correlationId: `corr-${uid()}`,
    ...over,
  };
}

async function scanAll(log: AuditLog): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const e of log.scan()) out.push(e);
  return out;
}

const TAMPER_TESTS = [
  "verifyAuditChain(log) reports an edited entry at its seq",
  "verifyAuditChain(log) reports a deleted entry at its seq",
  "verifyAuditChain(log, { pageSize }) reports an entry deleted at a page boundary",
  "verifyAuditChain(log, { fromSeq }) reports an edited entry after fromSeq and a deleted one at it",
];

/** Wraps a log so every `read` call is recorded (its options and how many entries it answered). */
function recording(log: AuditLog) {
  const reads: { options: Parameters<AuditLog["read"]>[0]; got: number }[] = [];
  const wrapped: AuditLog = {
    windowed: log.windowed,
    append: (e) => log.append(e),
    query: (q) => log.query(q),
    scan: () => log.scan(),
    async read(options) {
      const page = await log.read(options);
      reads.push({ options, got: page.length });
      return page;
    },
  };
  return { log: wrapped, reads };
}

/** Registers the AuditLog conformance suite for one adapter. */
export function describeAuditLog<L extends AuditLog>(
  name: string,
  make: Make<L>,
  options: AuditLogConformanceOptions<L> = {},
): void {
  const skip = [...(options.skip ?? [])];
  if (!options.tamper) skip.push({ reason: "the adapter gives no tamper hook", tests: TAMPER_TESTS });

  describe(`AuditLog conformance: ${name}`, () => {
    const h = harness({ ...options, skip });
    const fresh = () => h.make(make, {});
    const it = h.test;

    it("append(entry) returns seq 1, 2, 3 chained by prevHash from AUDIT_GENESIS", async () => {
      const log = await fresh();
      const inputs = [input(), input({ eventType: "session.created" }), input({ decision: "denied" })];
      const entries: AuditEntry[] = [];
      for (const i of inputs) entries.push(await log.append(i));
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(entries[0]!.prevHash).toBe(AUDIT_GENESIS);
      expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
      expect(entries[2]!.prevHash).toBe(entries[1]!.hash);
      // The hash is the one lib/audit.ts computes, and the entry carries its input.
      let prev: AuditEntry | null = null;
      for (const [i, e] of entries.entries()) {
        expect(e).toEqual(chainAuditEntry(prev, inputs[i]!));
        prev = e;
      }
    });

    it("append(entry) stores a minimal entry without adding fields", async () => {
      const log = await fresh();
      const minimal: AuditInput = { at: 1_700_000_000_000, eventType: "apikey.created", identity: "admin" };
      const appended = await log.append(minimal);
      expect(appended).toEqual(chainAuditEntry(null, minimal));
      // toEqual tells a missing field from `null`: a stored null would also break the hash.
      expect(await scanAll(log)).toEqual([appended]);
      expect(await log.query()).toEqual([appended]);
      expect((await verifyAuditChain(log)).ok).toBe(true);
    });

    it("scan() yields every entry in chain order", async () => {
      const log = await fresh();
      expect(await scanAll(log)).toEqual([]);
      const appended: AuditEntry[] = [];
      for (let i = 0; i < 5; i++) appended.push(await log.append(input({ at: 1_000 + i })));
      expect(await scanAll(log)).toEqual(appended);
    });

    it("query() returns entries newest first", async () => {
      const log = await fresh();
      const appended: AuditEntry[] = [];
      for (let i = 0; i < 4; i++) appended.push(await log.append(input({ at: 1_000 + i })));
      expect(await log.query()).toEqual([...appended].reverse());
      expect(await log.query({})).toEqual([...appended].reverse());
    });

    it("query({ limit }) returns at most limit entries, 100 by default", async () => {
      const log = await fresh();
      for (let i = 0; i < 105; i++) await log.append(input({ at: 1_000 + i }));
      const all = await log.query();
      expect(all.length).toBe(100);
      expect(all[0]!.seq).toBe(105);
      expect(all[99]!.seq).toBe(6);
      expect((await log.query({ limit: 3 })).map((e) => e.seq)).toEqual([105, 104, 103]);
      expect((await log.query({ limit: 500 })).length).toBe(105);
    });

    it("query({ eventType, clusterId, sessionId, identity, correlationId }) filters on each", async () => {
      const log = await fresh();
      const base = { clusterId: "c-1", sessionId: "s-1", identity: "alice", correlationId: "r-1", eventType: "command.executed" };
      const e1 = await log.append(input({ ...base, at: 1 }));
      const e2 = await log.append(input({ ...base, at: 2, eventType: "session.created" }));
      const e3 = await log.append(input({ ...base, at: 3, clusterId: "c-2" }));
      const e4 = await log.append(input({ ...base, at: 4, sessionId: "s-2" }));
      const e5 = await log.append(input({ ...base, at: 5, identity: "bob" }));
      const e6 = await log.append(input({ ...base, at: 6, correlationId: "r-2" }));
      const e7 = await log.append({ at: 7, eventType: "apikey.created", identity: "alice" });
      const seqs = async (q: Parameters<AuditLog["query"]>[0]) => (await log.query(q)).map((e) => e.seq);
      const all = [e1, e2, e3, e4, e5, e6, e7];
      const without = (...xs: AuditEntry[]) => all.filter((e) => !xs.includes(e)).map((e) => e.seq).reverse();
      expect(await seqs({ eventType: "session.created" })).toEqual([e2.seq]);
      expect(await seqs({ eventType: "command.executed" })).toEqual(without(e2, e7));
      expect(await seqs({ clusterId: "c-2" })).toEqual([e3.seq]);
      expect(await seqs({ clusterId: "c-1" })).toEqual(without(e3, e7));
      expect(await seqs({ sessionId: "s-2" })).toEqual([e4.seq]);
      expect(await seqs({ sessionId: "s-1" })).toEqual(without(e4, e7));
      expect(await seqs({ identity: "bob" })).toEqual([e5.seq]);
      expect(await seqs({ identity: "alice" })).toEqual(without(e5));
      expect(await seqs({ correlationId: "r-2" })).toEqual([e6.seq]);
      expect(await seqs({ correlationId: "r-1" })).toEqual(without(e6, e7));
      expect(await seqs({ identity: "nobody" })).toEqual([]);
    });

    it("query({ since, until }) filters on at, both bounds inclusive", async () => {
      const log = await fresh();
      for (const at of [100, 200, 300, 400, 500]) await log.append(input({ at }));
      const ats = async (q: Parameters<AuditLog["query"]>[0]) => (await log.query(q)).map((e) => e.at);
      expect(await ats({ since: 200 })).toEqual([500, 400, 300, 200]);
      expect(await ats({ until: 400 })).toEqual([400, 300, 200, 100]);
      expect(await ats({ since: 200, until: 400 })).toEqual([400, 300, 200]);
      expect(await ats({ since: 201, until: 399 })).toEqual([300]);
      expect(await ats({ since: 300, until: 300 })).toEqual([300]);
      expect(await ats({ since: 600 })).toEqual([]);
    });

    it("query(filter) combines filters with AND and applies limit last", async () => {
      const log = await fresh();
      for (let i = 1; i <= 10; i++) {
        await log.append(input({ at: i * 10, clusterId: i % 2 ? "odd" : "even", identity: i <= 5 ? "alice" : "bob" }));
      }
      const got = await log.query({ clusterId: "odd", identity: "bob", since: 60, limit: 2 });
      expect(got.map((e) => e.at)).toEqual([90, 70]);
    });

    it("verifyAuditChain(log) is ok on a clean log", async () => {
      const log = await fresh();
      expect(await verifyAuditChain(log)).toEqual({ ok: true, count: 0, partial: false });
      for (let i = 0; i < 10; i++) await log.append(input({ at: 1_000 + i }));
      expect(await verifyAuditChain(log)).toEqual({ ok: true, count: 10, firstSeq: 1, lastSeq: 10, partial: false });
    });

    it("append(entry) by 50 concurrent callers still forms one valid chain", async () => {
      const log = await fresh();
      const appended = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(input({ at: 1_000 + i }))));
      expect(appended.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await verifyAuditChain(log)).toEqual({ ok: true, count: 50, firstSeq: 1, lastSeq: 50, partial: false });
      const scanned = await scanAll(log);
      expect(scanned).toEqual([...appended].sort((a, b) => a.seq - b.seq));
    });

    it("query() and scan() do not share objects with the caller", async () => {
      const log = await fresh();
      const i = input();
      await log.append(i);
      i.argv!.push("--all-namespaces");
      (await log.query())[0]!.argv!.push("-o", "yaml");
      for await (const e of log.scan()) e.identity = "mallory";
      expect(await verifyAuditChain(log)).toEqual({ ok: true, count: 1, firstSeq: 1, lastSeq: 1, partial: false });
    });

    it("read() returns [] on an empty log", async () => {
      const log = await fresh();
      expect(await log.read()).toEqual([]);
      expect(await log.read({ fromSeq: 5, since: 0, limit: 10 })).toEqual([]);
    });

    it("read({ fromSeq, limit }) returns one page of the chain in order, from fromSeq", async () => {
      const log = await fresh();
      const appended: AuditEntry[] = [];
      for (let i = 0; i < 7; i++) appended.push(await log.append(input({ at: 1_000 + i })));
      expect(await log.read()).toEqual(appended);
      expect(await log.read({ limit: 3 })).toEqual(appended.slice(0, 3));
      expect(await log.read({ fromSeq: 4, limit: 3 })).toEqual(appended.slice(3, 6));
      expect(await log.read({ fromSeq: 7, limit: 3 })).toEqual(appended.slice(6));
      expect(await log.read({ fromSeq: 8 })).toEqual([]);
      expect(await log.read({ fromSeq: 0, limit: 1 })).toEqual(appended.slice(0, 1));
      expect(await log.read({ limit: 0 })).toEqual([]);
    });

    it("read({ since }) starts at the first entry with at >= since and returns the later ones whatever their at", async () => {
      const log = await fresh();
      const appended: AuditEntry[] = [];
      for (const at of [100, 200, 300, 150, 400]) appended.push(await log.append(input({ at })));
      expect(await log.read({ since: 250 })).toEqual(appended.slice(2));
      expect(await log.read({ since: 300, limit: 2 })).toEqual(appended.slice(2, 4));
      expect(await log.read({ since: 0 })).toEqual(appended);
      expect(await log.read({ since: 100, fromSeq: 4 })).toEqual(appended.slice(3));
      expect(await log.read({ since: 160, fromSeq: 4 })).toEqual(appended.slice(4));
      expect(await log.read({ since: 401 })).toEqual([]);
    });

    it("read() does not share objects with the caller", async () => {
      const log = await fresh();
      await log.append(input());
      (await log.read())[0]!.argv!.push("-o", "yaml");
      (await log.read())[0]!.identity = "mallory";
      expect(await verifyAuditChain(log)).toMatchObject({ ok: true, count: 1 });
    });

    it("verifyAuditChain(log, { fromSeq }) checks from that entry on and says the check is partial", async () => {
      const log = await fresh();
      for (let i = 0; i < 10; i++) await log.append(input({ at: 1_000 + i }));
      expect(await verifyAuditChain(log, { fromSeq: 4 })).toEqual({ ok: true, count: 7, firstSeq: 4, lastSeq: 10, partial: true });
      expect(await verifyAuditChain(log, { fromSeq: 1 })).toEqual({ ok: true, count: 10, firstSeq: 1, lastSeq: 10, partial: false });
      expect(await verifyAuditChain(log, { fromSeq: 10 })).toEqual({ ok: true, count: 1, firstSeq: 10, lastSeq: 10, partial: true });
      // Past the end: nothing to check yet (an incremental check that is up to date).
      expect(await verifyAuditChain(log, { fromSeq: 11 })).toEqual({ ok: true, count: 0, partial: false });
    });

    it("verifyAuditChain(log, { since }) starts at the first entry at or after since", async () => {
      const log = await fresh();
      for (let i = 0; i < 10; i++) await log.append(input({ at: 1_000 + i * 10 }));
      expect(await verifyAuditChain(log, { since: 1_055 })).toEqual({ ok: true, count: 4, firstSeq: 7, lastSeq: 10, partial: true });
      expect(await verifyAuditChain(log, { since: 1_060 })).toEqual({ ok: true, count: 4, firstSeq: 7, lastSeq: 10, partial: true });
      expect(await verifyAuditChain(log, { since: 0 })).toEqual({ ok: true, count: 10, firstSeq: 1, lastSeq: 10, partial: false });
      expect(await verifyAuditChain(log, { since: 1_055, fromSeq: 9 })).toEqual({ ok: true, count: 2, firstSeq: 9, lastSeq: 10, partial: true });
      expect(await verifyAuditChain(log, { since: 5_000 })).toEqual({ ok: true, count: 0, partial: false });
    });

    it("verifyAuditChain(log, { pageSize }) reads the chain in pages of pageSize, each from where the last ended", async () => {
      const log = await fresh();
      for (let i = 0; i < 25; i++) await log.append(input({ at: 1_000 + i }));
      const { log: watched, reads } = recording(log);
      expect(await verifyAuditChain(watched, { pageSize: 10 })).toEqual({ ok: true, count: 25, firstSeq: 1, lastSeq: 25, partial: false });
      expect(reads).toEqual([
        { options: { fromSeq: undefined, since: undefined, limit: 10 }, got: 10 },
        { options: { fromSeq: 11, limit: 10 }, got: 10 },
        { options: { fromSeq: 21, limit: 10 }, got: 5 },
      ]);
    });

    it("verifyAuditChain(log, { signal }) stops between pages and says it was aborted", async () => {
      const log = await fresh();
      for (let i = 0; i < 25; i++) await log.append(input({ at: 1_000 + i }));
      const stop = new AbortController();
      const { log: watched, reads } = recording(log);
      const original = watched.read;
      watched.read = async (o) => {
        const page = await original(o);
        stop.abort(); // after the first page
        return page;
      };
      const v = await verifyAuditChain(watched, { pageSize: 10, signal: stop.signal });
      expect(v).toMatchObject({ ok: false, aborted: true, count: 10, firstSeq: 1, lastSeq: 10 });
      expect(reads.length).toBe(1);
      expect(await verifyAuditChain(log, { signal: stop.signal })).toMatchObject({ ok: false, aborted: true, count: 0 });
    });

    it(TAMPER_TESTS[0]!, async () => {
      const log = await fresh();
      for (let i = 0; i < 5; i++) await log.append(input({ at: 1_000 + i }));
      await options.tamper!(log, { op: "edit", seq: 3 });
      const v = await verifyAuditChain(log);
      expect(v.ok).toBe(false);
      expect(v.brokenAt).toBe(3);
    });

    it(TAMPER_TESTS[1]!, async () => {
      const log = await fresh();
      for (let i = 0; i < 5; i++) await log.append(input({ at: 1_000 + i }));
      await options.tamper!(log, { op: "delete", seq: 3 });
      const v = await verifyAuditChain(log);
      expect(v.ok).toBe(false);
      expect(v.brokenAt).toBe(3);
    });

    it(TAMPER_TESTS[2]!, async () => {
      const log = await fresh();
      for (let i = 0; i < 6; i++) await log.append(input({ at: 1_000 + i }));
      await options.tamper!(log, { op: "delete", seq: 3 });
      expect(await verifyAuditChain(log, { pageSize: 2 })).toEqual({
        ok: false,
        count: 3,
        firstSeq: 1,
        lastSeq: 2,
        partial: false,
        brokenAt: 3,
        reason: "entry 3 is missing",
      });
    });

    it(TAMPER_TESTS[3]!, async () => {
      const log = await fresh();
      for (let i = 0; i < 8; i++) await log.append(input({ at: 1_000 + i }));
      await options.tamper!(log, { op: "edit", seq: 6 });
      expect(await verifyAuditChain(log, { fromSeq: 3 })).toMatchObject({ ok: false, brokenAt: 6, firstSeq: 3, lastSeq: 5, partial: true });
      expect(await verifyAuditChain(log, { fromSeq: 7 })).toMatchObject({ ok: true, firstSeq: 7, lastSeq: 8 });
      await options.tamper!(log, { op: "delete", seq: 7 });
      expect(await verifyAuditChain(log, { fromSeq: 7 })).toMatchObject({ ok: false, brokenAt: 7, reason: "entry 7 is missing" });
    });

    h.done();
  });
}
