/** The output-limits policy: default log tail, byte cap on a character boundary. */
import { describe, expect, test } from "bun:test";
import { createPipeline } from "../../lib/policy.ts";
import type { Result } from "../../lib/schemas.ts";
import { outputLimits, truncateUtf8 } from "../../plugins/output-limits.ts";
import { readOnly } from "../../plugins/read-only.ts";

const ctx = { clusterId: "c1", requestedBy: "t" };
const result = (output: string): Result => ({ commandId: "x", clusterId: "c1", status: "success", output, truncated: false, durationMs: 1, executedAt: 1, agentId: "a" });

describe("outputLimits", () => {
  test("logs without --tail/--since get the default tail; explicit choices are kept", async () => {
    const p = createPipeline([readOnly(), outputLimits({ logTail: 100 })], "api");
    expect((await p.before({ ...ctx, argv: ["logs", "web-1", "-n", "shop"] })).argv).toEqual(["logs", "web-1", "-n", "shop", "--tail=100"]);
    for (const argv of [["logs", "web-1", "--tail=5"], ["logs", "web-1", "--tail", "5"], ["logs", "web-1", "--since=5m"], ["logs", "web-1", "--since-time=2026-01-01T00:00:00Z"], ["get", "pods"]]) {
      expect((await p.before({ ...ctx, argv })).argv).toEqual(argv);
    }
  });

  test("the rewrite is idempotent, so the agent's second pass changes nothing", async () => {
    const p = createPipeline([readOnly(), outputLimits()], "agent");
    const once = (await p.before({ ...ctx, argv: ["logs", "web-1"] })).argv;
    const twice = await p.before({ ...ctx, argv: once });
    expect(twice.argv).toEqual(once);
    expect(twice.rewrites).toEqual([]);
  });

  test("output over the cap is cut on a UTF-8 boundary and marked truncated", async () => {
    const p = createPipeline([outputLimits({ maxBytes: 10 })], "agent");
    const cut = await p.after({ ...ctx, argv: ["get", "pods"] }, result("ééééééééé")); // 18 bytes
    expect(cut).toMatchObject({ output: "ééééé", truncated: true });
    const kept = await p.after({ ...ctx, argv: ["get", "pods"] }, result("short"));
    expect(kept).toMatchObject({ output: "short", truncated: false });
  });

  test("truncateUtf8 never splits a character", () => {
    const s = "a€b😀c";
    for (let n = 0; n <= Buffer.byteLength(s); n++) {
      const t = truncateUtf8(s, n);
      expect(Buffer.byteLength(t)).toBeLessThanOrEqual(n);
      expect(t).not.toContain("\uFFFD");
      expect(s.startsWith(t)).toBe(true);
    }
  });

  test("rejects nonsense options", () => {
    expect(() => outputLimits({ logTail: 0 })).toThrow();
    expect(() => outputLimits({ maxBytes: -1 })).toThrow();
  });
});
