/**
 * Property: every field of an audit entry is covered by its hash. Editing
 * any one makes `verifyAuditChain` name that entry. The fixture is typed
 * `Required<AuditInput>`, so a field added to AuditInput fails to typecheck
 * here until the fixture sets it, and is then tampered with automatically.
 *
 * The golden vector pins the hash function itself with literals (computed
 * once, one of them re-derived by hand below), so the check no longer
 * compares the chain function with itself.
 *
 * Pins issue 19, bug 2: `decision` left out of the entry hash let an entry
 * edited from `denied` to `allowed` verify.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { memoryAudit } from "../../adapters/memory/index.ts";
import { AUDIT_GENESIS, chainAuditEntry, verifyAuditChain } from "../../lib/audit.ts";
import type { AuditLog, AuditReadOptions } from "../../lib/contracts.ts";
import type { AuditEntry, AuditInput } from "../../lib/schemas.ts";

/** An entry with every AuditInput field set. */
const FULL: Required<AuditInput> = {
  at: 1700000000000,
  eventType: "command.denied",
  identity: "svc:ci",
  role: "operator",
  clusterId: "c1",
  sessionId: "s-1",
  commandId: "cmd-1",
  argv: ["get", "secrets", "-A"],
  decision: "denied",
  policy: "read-only",
  reason: "secrets are restricted",
  outcome: "denied",
  durationMs: 0,
  correlationId: "corr-1",
  onBehalfOf: "alice",
};

/** The golden vector: fixed inputs and the hashes they must chain to. */
const GOLDEN: { input: AuditInput; hash: string }[] = [
  { input: FULL, hash: "14bef51ab2b875646d84b0f0f5396c9d4dc2edaad55a38a1ac593d4e2fca2f12" },
  { input: { at: 1700000001000, eventType: "session.created", identity: "svc:ci" }, hash: "014e1acb347c3b2af287b084885237c8f3879471750d095fb5d9900c0d8a9f41" },
  {
    // Keys out of order and non-ASCII text: the hash does not depend on key order.
    input: { identity: "admin", eventType: "key.created", at: 1700000002000, reason: 'key k1 for ci (viewer) — ünïcödé "quoted"' },
    hash: "dd5eccfbd3615dac99383506cff67e86704e224c19e6c5ca13bebb5084c74dc0",
  },
];

async function chained(inputs: readonly AuditInput[]) {
  const log = memoryAudit();
  for (const input of inputs) await log.append(structuredClone(input));
  return log;
}

/** A different value of the same type. */
function edited(key: string, value: unknown): unknown {
  if (key === "decision") return value === "denied" ? "allowed" : "denied";
  if (typeof value === "string") return `${value}x`;
  if (typeof value === "number") return value + 1;
  if (Array.isArray(value)) return [...value, "-n", "shop"];
  throw new Error(`no edit defined for ${key}: add one so the field is covered`);
}

describe("chainAuditEntry(prev, input)", () => {
  test("matches the golden vector", async () => {
    const log = await chained(GOLDEN.map((g) => g.input));
    let prevHash = AUDIT_GENESIS;
    for (const [i, entry] of log.entries.entries()) {
      expect({ seq: entry.seq, prevHash: entry.prevHash, hash: entry.hash }).toEqual({ seq: i + 1, prevHash, hash: GOLDEN[i]!.hash });
      prevHash = entry.hash;
    }
  });

  test("hashes `seq \\n prevHash \\n` and the input as JSON with sorted keys", () => {
    const entry = chainAuditEntry({ seq: 1, hash: GOLDEN[0]!.hash }, GOLDEN[1]!.input);
    const text = `2\n${GOLDEN[0]!.hash}\n{"at":1700000001000,"eventType":"session.created","identity":"svc:ci"}`;
    expect(entry.hash).toBe(createHash("sha256").update(text).digest("hex"));
    expect(entry).toEqual({ ...GOLDEN[1]!.input, seq: 2, prevHash: GOLDEN[0]!.hash, hash: GOLDEN[1]!.hash });
  });

  test("starts the chain at seq 1 after the all-zero genesis hash", () => {
    expect(AUDIT_GENESIS).toBe("0".repeat(64));
    expect(chainAuditEntry(null, FULL)).toMatchObject({ seq: 1, prevHash: AUDIT_GENESIS, hash: GOLDEN[0]!.hash });
  });

  test("ignores members that are undefined, and nothing else", () => {
    const withUndefined = { ...GOLDEN[1]!.input, reason: undefined } as AuditInput;
    expect(chainAuditEntry(null, withUndefined).hash).toBe(chainAuditEntry(null, GOLDEN[1]!.input).hash);
    expect(chainAuditEntry(null, { ...GOLDEN[1]!.input, reason: "" }).hash).not.toBe(chainAuditEntry(null, GOLDEN[1]!.input).hash);
    expect(chainAuditEntry(null, { ...GOLDEN[1]!.input, durationMs: 0 }).hash).not.toBe(chainAuditEntry(null, GOLDEN[1]!.input).hash);
  });

  test("keeps argv order and element boundaries", () => {
    const a = chainAuditEntry(null, { ...FULL, argv: ["get", "pods"] }).hash;
    expect(chainAuditEntry(null, { ...FULL, argv: ["pods", "get"] }).hash).not.toBe(a);
    expect(chainAuditEntry(null, { ...FULL, argv: ["get pods"] }).hash).not.toBe(a);
    expect(chainAuditEntry(null, { ...FULL, argv: ["get", "pods", ""] }).hash).not.toBe(a);
  });
});

describe("verifyAuditChain(log)", () => {
  const inputs = [GOLDEN[1]!.input, FULL, GOLDEN[2]!.input];

  test("accepts an untouched chain and counts its entries", async () => {
    expect(await verifyAuditChain(await chained(inputs))).toMatchObject({ ok: true, count: 3 });
    expect(await verifyAuditChain(memoryAudit())).toMatchObject({ ok: true, count: 0 });
  });

  // Every field of the stored entry, its chain fields included, edited in the middle entry.
  for (const key of Object.keys({ ...FULL, seq: 0, prevHash: "", hash: "" })) {
    test(`names the entry whose ${key} was edited`, async () => {
      const log = await chained(inputs);
      const entry = log.entries[1]! as unknown as Record<string, unknown>;
      entry[key] = edited(key, entry[key]);
      const verdict = await verifyAuditChain(log);
      const reason = key === "seq" ? "entry 2 is missing" : "entry 2 does not match its hash";
      expect(verdict).toMatchObject({ ok: false, count: 2, brokenAt: 2, reason });
    });
  }

  test("an entry edited from denied to allowed does not verify (issue 19, bug 2)", async () => {
    const log = await chained([FULL]);
    (log.entries[0] as AuditEntry).decision = "allowed";
    expect(await verifyAuditChain(log)).toMatchObject({ ok: false, count: 1, brokenAt: 1, reason: "entry 1 does not match its hash" });
  });

  test("names the first entry when it was edited", async () => {
    const log = await chained(inputs);
    log.entries[0]!.identity = "someone-else";
    expect(await verifyAuditChain(log)).toMatchObject({ ok: false, count: 1, brokenAt: 1, reason: "entry 1 does not match its hash" });
  });

  test("names a field removed from an entry", async () => {
    const log = await chained(inputs);
    delete (log.entries[1] as Partial<AuditEntry>).onBehalfOf;
    expect(await verifyAuditChain(log)).toMatchObject({ ok: false, brokenAt: 2 });
  });

  test("names a field added to an entry", async () => {
    const log = await chained(inputs);
    log.entries[0]!.reason = "added later";
    expect(await verifyAuditChain(log)).toMatchObject({ ok: false, brokenAt: 1 });
  });

  test("names the gap where an entry was deleted", async () => {
    const log = await chained(inputs);
    log.entries.splice(1, 1);
    expect(await verifyAuditChain(log)).toMatchObject({ ok: false, count: 2, brokenAt: 2, reason: "entry 2 is missing" });
  });

  test("names swapped entries", async () => {
    const log = await chained(inputs);
    [log.entries[1], log.entries[2]] = [log.entries[2]!, log.entries[1]!];
    expect(await verifyAuditChain(log)).toMatchObject({ ok: false, count: 2, brokenAt: 2, reason: "entry 2 is missing" });
  });

  test("names an entry re-hashed after an edit, by the next entry's prevHash", async () => {
    const log = await chained(inputs);
    const { seq: _s, prevHash: _p, hash: _h, ...input } = log.entries[1]!;
    log.entries[1] = chainAuditEntry(log.entries[0]!, { ...input, decision: "allowed" });
    expect(await verifyAuditChain(log)).toMatchObject({ ok: false, count: 3, brokenAt: 3, reason: "entry 3 does not match its hash" });
  });

  test("a chain rebuilt from a forged first entry is caught only by comparing with a known head hash", async () => {
    // Documented limit: whoever can rewrite the whole log can re-chain it; keep the head hash elsewhere.
    const forged = await chained([{ ...FULL, decision: "allowed" }]);
    expect(await verifyAuditChain(forged)).toMatchObject({ ok: true, count: 1 });
    expect(forged.entries[0]!.hash).not.toBe(GOLDEN[0]!.hash);
  });
});

/** A log over a plain array, reading pages as the AuditLog contract says, recording each read. */
function arrayLog(entries: AuditEntry[], options: { windowed?: boolean; onRead?: (o: AuditReadOptions) => void } = {}) {
  const reads: AuditReadOptions[] = [];
  const log: AuditLog = {
    ...(options.windowed ? { windowed: true } : {}),
    append: () => Promise.reject(new Error("read-only")),
    query: async () => [],
    async *scan() {
      yield* entries;
    },
    async read(o: AuditReadOptions = {}) {
      reads.push(o);
      options.onRead?.(o);
      let i = entries.findIndex((e) => e.seq >= (o.fromSeq ?? 1));
      if (i < 0) return [];
      if (o.since !== undefined) while (i < entries.length && entries[i]!.at < o.since) i++;
      return entries.slice(i, i + (o.limit ?? 1000)).map((e) => structuredClone(e));
    },
  } as AuditLog;
  return { log, reads };
}

/** Five chained entries, one second apart from `at` 1000. */
const five = () => {
  const out: AuditEntry[] = [];
  for (let i = 0; i < 5; i++) out.push(chainAuditEntry(out.at(-1) ?? null, { at: 1000 * (i + 1), eventType: "e", identity: `id-${i + 1}` }));
  return out;
};

describe("verifyAuditChain(log, options): pages, starts and stops", () => {
  test("reads pages of pageSize from where the last one ended, and reports the first and last seq", async () => {
    const { log, reads } = arrayLog(five());
    expect(await verifyAuditChain(log, { pageSize: 2 })).toEqual({ ok: true, count: 5, firstSeq: 1, lastSeq: 5, partial: false });
    expect(reads).toEqual([{ fromSeq: undefined, since: undefined, limit: 2 }, { fromSeq: 3, limit: 2 }, { fromSeq: 5, limit: 2 }]);
  });

  test("reads one page of 1000 by default, and at least one entry per page", async () => {
    const { log, reads } = arrayLog(five());
    await verifyAuditChain(log);
    expect(reads).toEqual([{ fromSeq: undefined, since: undefined, limit: 1000 }]);
    const small = arrayLog(five());
    expect(await verifyAuditChain(small.log, { pageSize: 0.5 })).toMatchObject({ ok: true, count: 5 });
    expect(small.reads.map((r) => r.limit)).toEqual([1, 1, 1, 1, 1, 1]);
    const floored = arrayLog(five());
    await verifyAuditChain(floored.log, { pageSize: 2.9 });
    expect(floored.reads[0]!.limit).toBe(2);
  });

  test("finds an edit in a later page and names it", async () => {
    const entries = five();
    entries[3]!.identity = "forged";
    expect(await verifyAuditChain(arrayLog(entries).log, { pageSize: 2 })).toEqual({ ok: false, count: 4, firstSeq: 1, lastSeq: 3, partial: false, brokenAt: 4, reason: "entry 4 does not match its hash" });
  });

  test("finds a missing entry at a page boundary", async () => {
    const entries = five();
    entries.splice(2, 1);
    expect(await verifyAuditChain(arrayLog(entries).log, { pageSize: 2 })).toMatchObject({ ok: false, brokenAt: 3, reason: "entry 3 is missing" });
  });

  test("fromSeq starts later and is partial: the first entry's prevHash is taken on trust", async () => {
    const { log, reads } = arrayLog(five());
    expect(await verifyAuditChain(log, { fromSeq: 3 })).toEqual({ ok: true, count: 3, firstSeq: 3, lastSeq: 5, partial: true });
    expect(reads[0]).toEqual({ fromSeq: 3, since: undefined, limit: 1000 });
  });

  test("fromSeq below 1 means 1; a fraction is floored", async () => {
    for (const fromSeq of [0, -3]) expect(await verifyAuditChain(arrayLog(five()).log, { fromSeq })).toMatchObject({ ok: true, count: 5, partial: false });
    const entries = five();
    entries.splice(1, 1);
    expect(await verifyAuditChain(arrayLog(entries).log, { fromSeq: 2.5 })).toMatchObject({ ok: false, brokenAt: 2, reason: "entry 2 is missing" });
  });

  test("fromSeq past a gap at the start of a log that is not windowed: the first wanted entry is missing", async () => {
    const entries = five().slice(3);
    expect(await verifyAuditChain(arrayLog(entries).log, { fromSeq: 2 })).toMatchObject({ ok: false, count: 1, brokenAt: 2, reason: "entry 2 is missing" });
    expect(await verifyAuditChain(arrayLog(entries).log)).toMatchObject({ ok: false, brokenAt: 1, reason: "entry 1 is missing" });
  });

  test("since starts at the first entry at or after it and checks every one after", async () => {
    const { log, reads } = arrayLog(five());
    expect(await verifyAuditChain(log, { since: 2500 })).toEqual({ ok: true, count: 3, firstSeq: 3, lastSeq: 5, partial: true });
    expect(reads[0]).toEqual({ fromSeq: undefined, since: 2500, limit: 1000 });
    // since 0 starts at the first entry: not partial.
    expect(await verifyAuditChain(arrayLog(five()).log, { since: 0 })).toMatchObject({ ok: true, count: 5, partial: false });
  });

  test("an entry that repeats an earlier seq is out of order", async () => {
    const entries = five();
    entries.push(structuredClone(entries[1]!));
    expect(await verifyAuditChain(arrayLog(entries).log)).toMatchObject({ ok: false, count: 6, brokenAt: 6, reason: "entry 2 is out of order" });
    const same = five();
    same.splice(2, 0, structuredClone(same[1]!));
    expect(await verifyAuditChain(arrayLog(same).log)).toMatchObject({ ok: false, brokenAt: 3, reason: "entry 2 is out of order" });
  });

  test("a first entry with another prevHash than genesis is broken even when its hash matches it", async () => {
    const forged = chainAuditEntry({ seq: 0, hash: "f".repeat(64) }, { at: 1, eventType: "e", identity: "x" });
    expect(forged.seq).toBe(1);
    expect(await verifyAuditChain(arrayLog([forged]).log)).toMatchObject({ ok: false, brokenAt: 1, reason: "entry 1 does not match its hash" });
  });

  test("a signal aborted before the walk reads nothing", async () => {
    const { log, reads } = arrayLog(five());
    expect(await verifyAuditChain(log, { signal: AbortSignal.abort() })).toEqual({ ok: false, count: 0, partial: false, aborted: true, reason: "aborted before the first entry" });
    expect(reads).toEqual([]);
  });

  test("a signal aborted during the walk stops between pages, saying where", async () => {
    const stop = new AbortController();
    const { log } = arrayLog(five(), { onRead: () => stop.abort() });
    expect(await verifyAuditChain(log, { pageSize: 2, signal: stop.signal })).toEqual({ ok: false, count: 2, firstSeq: 1, lastSeq: 2, partial: false, aborted: true, reason: "aborted after entry 2" });
  });

  test("a live signal does not stop the walk", async () => {
    expect(await verifyAuditChain(arrayLog(five()).log, { pageSize: 2, signal: new AbortController().signal })).toMatchObject({ ok: true, count: 5 });
  });

  test("yields to the event loop between pages", async () => {
    let ticked = false;
    const seen: boolean[] = [];
    const { log } = arrayLog(five(), { onRead: () => seen.push(ticked) });
    setImmediate(() => (ticked = true));
    await verifyAuditChain(log, { pageSize: 2 });
    expect(seen).toEqual([false, true, true]);
  });

  describe("on a windowed log", () => {
    test("a log whose oldest entries were dropped verifies as partial from the first kept one", async () => {
      const { log, reads } = arrayLog(five().slice(2), { windowed: true });
      expect(await verifyAuditChain(log)).toEqual({ ok: true, count: 3, firstSeq: 3, lastSeq: 5, partial: true });
      expect(reads.at(-1)).toEqual({ limit: 1 });
    });

    test("a gap after the first kept entry is still missing", async () => {
      const entries = five();
      entries.splice(2, 1);
      expect(await verifyAuditChain(arrayLog(entries, { windowed: true }).log)).toMatchObject({ ok: false, brokenAt: 3, reason: "entry 3 is missing" });
    });

    test("entries dropped by the window during the walk are not reported missing", async () => {
      const entries = five();
      const { log } = arrayLog(entries, { windowed: true, onRead: (o) => o.fromSeq === 3 && entries.splice(0, 3) });
      expect(await verifyAuditChain(log, { pageSize: 2 })).toEqual({ ok: true, count: 4, firstSeq: 1, lastSeq: 5, partial: true });
    });

    test("an empty windowed log after a dropped page is not a gap", async () => {
      const entries = five();
      const { log } = arrayLog(entries, { windowed: true, onRead: (o) => o.fromSeq === 3 && entries.splice(0, 5) });
      expect(await verifyAuditChain(log, { pageSize: 2 })).toMatchObject({ ok: true, count: 2, lastSeq: 2 });
    });
  });
});
