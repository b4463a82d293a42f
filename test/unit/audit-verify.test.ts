/**
 * `verifyAuditChain` over a large log pages, yields to the event loop and
 * holds one page at a time (issue 17, item 2: `GET /audit/verify` over 318k
 * entries blocked every other request for 4 s and took RSS to 673 MB).
 * Every check here is structural (what ran between which page reads, how much
 * one read returned), never a time or memory threshold.
 */
import { expect, test } from "bun:test";
import { memoryAudit } from "../../adapters/memory/index.ts";
import { verifyAuditChain } from "../../lib/audit.ts";
import type { AuditLog } from "../../lib/contracts.ts";
import { LIMITS } from "../../lib/limits.ts";

const N = 200_000;

test("verifyAuditChain(log) over 200k memory entries yields between pages, lets a request through, and reads one page at a time", async () => {
  const log = memoryAudit({ maxEntries: N, maxBytes: Number.MAX_SAFE_INTEGER });
  for (let i = 0; i < N; i++) await log.append({ at: 1_000 + i, eventType: "command.executed", identity: `svc-${i % 7}`, argv: ["get", "pods"] });

  const events: string[] = [];
  let largestPage = 0;
  let reading = 0;
  let overlapping = false;
  const watched: AuditLog = {
    windowed: log.windowed,
    append: (e) => log.append(e),
    query: (q) => log.query(q),
    scan: () => {
      throw new Error("verify must page with read(), not scan()");
    },
    async read(options) {
      if (reading++) overlapping = true;
      const page = await log.read(options);
      reading--;
      largestPage = Math.max(largestPage, page.length);
      events.push("read");
      return page;
    },
  };

  // A ticker that re-arms itself: it can only run when the verify gives the event loop a turn.
  let ticking = true;
  const tick = () => {
    if (!ticking) return;
    events.push("tick");
    setImmediate(tick);
  };
  setImmediate(tick);

  const verifying = verifyAuditChain(watched).then((v) => (events.push("verified"), v));
  // Another request arriving once the verify has started: it must be answered before the verify ends.
  const request = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => log.query({ limit: 1 }))
    .then(() => events.push("request answered"));
  const [v] = await Promise.all([verifying, request]);
  ticking = false;

  expect(v).toEqual({ ok: true, count: N, firstSeq: 1, lastSeq: N, partial: false });
  const reads = events.filter((e) => e === "read").length;
  expect(reads).toBe(N / LIMITS.auditVerifyPageSize + 1); // the last page is empty
  expect(largestPage).toBe(LIMITS.auditVerifyPageSize);
  expect(overlapping).toBe(false);
  // Between every two page reads the event loop ran other work.
  const readAt = events.flatMap((e, i) => (e === "read" ? [i] : []));
  for (let i = 1; i < readAt.length; i++) expect(events.slice(readAt[i - 1]! + 1, readAt[i]!)).toContain("tick");
  expect(events.indexOf("request answered")).toBeLessThan(events.indexOf("verified"));
  expect(events.indexOf("request answered")).toBeLessThan(readAt[5]!);
}, 120_000);
