/**
 * The audit hash chain, computed in one place for every adapter: an entry's
 * hash covers its canonical content and the previous entry's hash.
 */
import { createHash } from "node:crypto";
import type { AuditLog } from "./contracts.ts";
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

/** Outcome of {@link verifyAuditChain}. */
export interface AuditVerification {
  ok: boolean;
  /** Entries checked. */
  count: number;
  /** The first sequence number where the chain breaks. */
  brokenAt?: number;
  reason?: string;
}

/** Walks the whole chain and reports the first edited, reordered or missing entry. */
export async function verifyAuditChain(log: AuditLog): Promise<AuditVerification> {
  let prev: AuditEntry | null = null;
  let count = 0;
  for await (const entry of log.scan()) {
    count++;
    const { seq, prevHash, hash, ...input } = entry;
    const expected = chainAuditEntry(prev, input);
    if (seq !== expected.seq) return { ok: false, count, brokenAt: expected.seq, reason: `entry ${expected.seq} is missing` };
    if (prevHash !== expected.prevHash || hash !== expected.hash) {
      return { ok: false, count, brokenAt: seq, reason: `entry ${seq} does not match its hash` };
    }
    prev = entry;
  }
  return { ok: true, count };
}
