/**
 * The audit hash chain, computed in one place for every adapter: an entry's
 * hash covers its canonical content and the previous entry's hash.
 */
import { createHash } from "node:crypto";
import type { AuditLog } from "./contracts.ts";
import { LIMITS } from "./limits.ts";
import type { AuditEntry, AuditInput } from "./schemas.ts";

/** The `prevHash` of the first entry. */
export const AUDIT_GENESIS = "0".repeat(64);

/** JSON with sorted keys and no undefined members, so hashes do not depend on key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Builds the stored entry that follows `prev` (or starts the chain when `prev` is null). */
export function chainAuditEntry(prev: Pick<AuditEntry, "seq" | "hash"> | null, input: AuditInput): AuditEntry {
  const seq = prev ? prev.seq + 1 : 1;
  const prevHash = prev ? prev.hash : AUDIT_GENESIS;
  const hash = createHash("sha256").update(`${seq}\n${prevHash}\n${canonical(input)}`).digest("hex");
  return { ...input, seq, prevHash, hash };
}

/** Options of {@link verifyAuditChain}. */
export interface VerifyAuditOptions {
  /** Start at this `seq` (an incremental check): the entry before it is not read, its link is taken on trust. @default 1 */
  fromSeq?: number;
  /** Epoch ms: start at the first entry (at or past `fromSeq`) whose `at >= since`, and check every entry after it. */
  since?: number;
  /** Ends the walk between two pages; the answer then says `aborted: true` and `ok: false`. */
  signal?: AbortSignal;
  /** Entries read per page. @default LIMITS.auditVerifyPageSize (1000) */
  pageSize?: number;
}

/** Outcome of {@link verifyAuditChain}. */
export interface AuditVerification {
  /** True when every entry checked is intact and linked to the one before it. */
  ok: boolean;
  /** Entries checked, the broken one included. */
  count: number;
  /** `seq` of the first entry found intact; absent when there was none. */
  firstSeq?: number;
  /** `seq` of the last entry found intact; absent when there was none. An incremental check goes on from `lastSeq + 1`. */
  lastSeq?: number;
  /**
   * True when the check did not start at the chain's first entry (`fromSeq`,
   * `since`, or a windowed log that dropped its oldest entries): the first
   * checked entry's own hash is checked, its `prevHash` is taken on trust.
   */
  partial: boolean;
  /** The first sequence number where the chain breaks. */
  brokenAt?: number;
  reason?: string;
  /** The signal ended the walk before the end of the chain (`ok` is then false). */
  aborted?: true;
}

/** Lets timers, I/O and other requests run between two pages. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The hash an entry should have, given its own `seq`, `prevHash` and content. */
function expectedHash(entry: AuditEntry): string {
  const { seq, prevHash, hash: _, ...input } = entry;
  return chainAuditEntry(seq > 1 ? { seq: seq - 1, hash: prevHash } : null, input).hash;
}

/**
 * Walks the chain in pages of `pageSize` entries, oldest first, yielding to
 * the event loop between pages (other requests are answered meanwhile) and
 * holding one page in memory, and reports the first edited, reordered or
 * missing entry.
 *
 * Every checked entry's hash is recomputed from its content and `prevHash`,
 * and every `prevHash` after the first checked entry must equal the hash of
 * the entry before it. The first checked entry is `seq` 1 with the genesis
 * `prevHash`, unless the check starts later (`fromSeq`, `since`) or the log
 * is windowed and dropped its oldest entries: then the answer is `partial`.
 * On a windowed log, entries dropped by the window while the walk runs are
 * not reported missing; the walk goes on from the first kept one.
 */
export async function verifyAuditChain(log: AuditLog, options: VerifyAuditOptions = {}): Promise<AuditVerification> {
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? LIMITS.auditVerifyPageSize));
  const out: AuditVerification = { ok: true, count: 0, partial: false };
  const broken = (seq: number, reason: string): AuditVerification => ({ ...out, ok: false, brokenAt: seq, reason });
  // The seq the next entry must have; undefined when `since` picks the start.
  let expected: number | undefined = options.since === undefined ? Math.max(1, Math.floor(options.fromSeq ?? 1)) : undefined;
  let prev: AuditEntry | null = null;
  if (options.signal?.aborted) return { ...out, ok: false, aborted: true, reason: "aborted before the first entry" };
  let page = await log.read({ fromSeq: options.fromSeq, since: options.since, limit: pageSize });
  for (;;) {
    for (const entry of page) {
      out.count++;
      if (expected !== undefined && entry.seq !== expected) {
        if (entry.seq < expected) return broken(expected, `entry ${entry.seq} is out of order`);
        // A windowed log may have dropped the entries in between: then they are gone by design.
        const first = log.windowed ? (await log.read({ limit: 1 }))[0] : undefined;
        if (!first || first.seq < entry.seq) return broken(expected, `entry ${expected} is missing`);
        prev = null;
      }
      if (prev ? entry.prevHash !== prev.hash : entry.seq === 1 && entry.prevHash !== AUDIT_GENESIS) {
        return broken(entry.seq, `entry ${entry.seq} does not match its hash`);
      }
      if (entry.hash !== expectedHash(entry)) return broken(entry.seq, `entry ${entry.seq} does not match its hash`);
      if (!prev && entry.seq > 1) out.partial = true;
      out.firstSeq ??= entry.seq;
      out.lastSeq = entry.seq;
      prev = entry;
      expected = entry.seq + 1;
    }
    if (page.length < pageSize) return out;
    await yieldToLoop();
    if (options.signal?.aborted) return { ...out, ok: false, aborted: true, reason: `aborted after entry ${out.lastSeq}` };
    page = await log.read({ fromSeq: expected, limit: pageSize });
  }
}
