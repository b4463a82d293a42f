/**
 * The policies other than `read-only`'s grammar (read-only.test.ts) and
 * `namespaces` (scope.test.ts): `output-limits`, `rate-limit` (over an
 * in-memory counter store with a hand-set clock, so windows are exact), and
 * the wiring of `redact-secrets` and `read-only`'s own output guard. Each
 * option, default, refusal and message is asserted.
 */
import { afterEach, describe, expect, setSystemTime, test } from "bun:test";
import type { CounterStore } from "../../lib/contracts.ts";
import type { PolicyContext } from "../../lib/policy.ts";
import type { Result } from "../../lib/schemas.ts";
import outputLimitsDefault, { outputLimits, truncateUtf8 } from "../../plugins/output-limits.ts";
import rateLimitDefault, { rateLimit } from "../../plugins/rate-limit.ts";
import readOnlyDefault, { readOnly } from "../../plugins/read-only.ts";
import redactSecretsDefault, { DEFAULT_MASK, DEFAULT_SENSITIVE_ENV_NAMES, redactSecrets } from "../../plugins/redact-secrets.ts";
import * as redact from "../../lib/redact/index.ts";

const ctx = (argv: readonly string[], extra: Partial<PolicyContext> = {}): PolicyContext => ({ side: "api", argv, clusterId: "c1", requestedBy: "svc", ...extra });
const result = (output: string, extra: Partial<Result> = {}): Result => ({ commandId: "x", clusterId: "c1", status: "success", output, truncated: false, durationMs: 1, executedAt: 1, agentId: "a", ...extra });

describe("outputLimits(options)", () => {
  test("is the output-limits policy on both sides, describing its limits; the default export is the factory", () => {
    const p = outputLimits();
    expect(p.id).toBe("output-limits");
    expect((p as { sides?: unknown }).sides).toBeUndefined();
    expect(p.description).toBe("logs default to --tail=500; output is capped at 262144 bytes");
    expect(outputLimits({ logTail: 7, maxBytes: 9 }).description).toBe("logs default to --tail=7; output is capped at 9 bytes");
    expect(outputLimitsDefault).toBe(outputLimits);
  });

  test.each<[string[], unknown]>([
    [["logs", "web"], { effect: "rewrite", argv: ["logs", "web", "--tail=500"], reason: "logs default to the last 500 lines" }],
    [["logs", "-f", "web", "-n", "shop"], { effect: "rewrite", argv: ["logs", "-f", "web", "-n", "shop", "--tail=500"], reason: "logs default to the last 500 lines" }],
    [["logs", "web", "--tail=5"], { effect: "allow" }],
    [["logs", "web", "--tail", "-1"], { effect: "allow" }],
    [["logs", "web", "--since=5m"], { effect: "allow" }],
    [["logs", "web", "--since-time=2026-01-01T00:00:00Z"], { effect: "allow" }],
    [["get", "pods"], { effect: "allow" }],
    [["get", "logs"], { effect: "allow" }],
    [["describe", "pod", "logs"], { effect: "allow" }],
    // Not parsed (denied elsewhere): left alone, never rewritten into something that parses.
    [["logs", "web", "--bogus"], { effect: "allow" }],
    [["logs", "secret/x"], { effect: "rewrite", argv: ["logs", "secret/x", "--tail=500"], reason: "logs default to the last 500 lines" }],
  ])("before(%j)", async (argv, decision) => {
    expect(await outputLimits().before!(ctx(argv))).toEqual(decision as never);
  });

  test("logTail is the default tail", async () => {
    expect(await outputLimits({ logTail: 1 }).before!(ctx(["logs", "web"]))).toEqual({ effect: "rewrite", argv: ["logs", "web", "--tail=1"], reason: "logs default to the last 1 lines" });
  });

  test("after: at the cap the result is returned as it is; over it, cut on a character and marked truncated", async () => {
    const p = outputLimits({ maxBytes: 10 });
    const at = result("ééééé");
    expect(await p.after!(ctx(["get", "pods"]), at)).toBe(at);
    const over = result("éééééé", { redacted: true });
    expect(await p.after!(ctx(["get", "pods"]), over)).toEqual({ ...over, output: "ééééé", truncated: true });
    expect(await p.after!(ctx(["get", "pods"]), result("a".repeat(11)))).toEqual({ ...result("a".repeat(10)), truncated: true });
  });

  test("the default cap is 256 KiB", async () => {
    const p = outputLimits();
    const at = result("x".repeat(256 * 1024));
    expect(await p.after!(ctx(["get", "pods"]), at)).toBe(at);
    expect((await p.after!(ctx(["get", "pods"]), result("x".repeat(256 * 1024 + 1))))).toMatchObject({ truncated: true, output: "x".repeat(256 * 1024) });
  });

  test.each<[string, number, string]>([
    ["abc", 3, "abc"],
    ["abc", 2, "ab"],
    ["abc", 0, ""],
    ["a€b", 1, "a"],
    ["a€b", 2, "a"],
    ["a€b", 3, "a"],
    ["a€b", 4, "a€"],
    ["😀", 3, ""],
    ["😀", 4, "😀"],
    ["é", 1, ""],
  ])("truncateUtf8(%j, %d) = %j", (text, max, out) => {
    expect(truncateUtf8(text, max)).toBe(out);
  });

  test("truncateUtf8 returns the text itself when it fits", () => {
    const s = "a€b😀c";
    for (let n = 0; n <= Buffer.byteLength(s); n++) {
      const t = truncateUtf8(s, n);
      expect(Buffer.byteLength(t)).toBeLessThanOrEqual(n);
      expect(s.startsWith(t)).toBe(true);
      expect(Buffer.byteLength(t)).toBeGreaterThan(n - 4);
    }
  });

  test.each<[object, string]>([
    [{ logTail: 0 }, "output-limits: logTail must be a positive integer"],
    [{ logTail: 1.5 }, "output-limits: logTail must be a positive integer"],
    [{ logTail: -1 }, "output-limits: logTail must be a positive integer"],
    [{ maxBytes: 0 }, "output-limits: maxBytes must be a positive integer"],
    [{ maxBytes: 2.5 }, "output-limits: maxBytes must be a positive integer"],
    [{ maxBytes: Number.NaN }, "output-limits: maxBytes must be a positive integer"],
  ])("refuses %j", (options, message) => {
    expect(() => outputLimits(options)).toThrow(new Error(message));
  });

  test("the smallest options are accepted", () => {
    expect(outputLimits({ logTail: 1, maxBytes: 1 }).id).toBe("output-limits");
  });
});

/** Counts per key in fixed windows of the hand-set clock, like the backends' counters. */
function memoryCounters(): CounterStore & { keys: string[] } {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const keys: string[] = [];
  return {
    keys,
    async hit(key, windowMs) {
      keys.push(key);
      const now = Date.now();
      const w = windows.get(key);
      if (w && w.resetAt > now) {
        w.count++;
        return { ...w };
      }
      const fresh = { count: 1, resetAt: now + windowMs };
      windows.set(key, fresh);
      return { ...fresh };
    },
  };
}

describe("rateLimit(options)", () => {
  afterEach(() => {
    setSystemTime();
  });

  test("is the rate-limit policy, API side only, describing its limit; the default export is the factory", () => {
    const p = rateLimit({ store: memoryCounters() });
    expect(p.id).toBe("rate-limit");
    expect(p.sides).toEqual(["api"]);
    expect(p.description).toBe("At most 60 commands per identity per 60 s");
    expect(rateLimit({ store: memoryCounters(), limit: 3, windowMs: 1_500 }).description).toBe("At most 3 commands per identity per 1.5 s");
    expect(rateLimitDefault).toBe(rateLimit);
  });

  test("allows `limit` commands per identity per window, then denies with RATE_LIMITED and the time left", async () => {
    setSystemTime(new Date(1_000_000));
    const store = memoryCounters();
    const p = rateLimit({ store, limit: 2, windowMs: 10_000 });
    expect(await p.before!(ctx(["version"]))).toEqual({ effect: "allow" });
    expect(await p.before!(ctx(["version"]))).toEqual({ effect: "allow" });
    setSystemTime(new Date(1_004_000));
    expect(await p.before!(ctx(["version"]))).toEqual({ effect: "deny", reason: "svc is over 2 commands per 10 s", code: "RATE_LIMITED", retryAfterMs: 6_000 });
    // Another identity has its own count.
    expect(await p.before!(ctx(["version"], { requestedBy: "other" }))).toEqual({ effect: "allow" });
    // A new window starts over.
    setSystemTime(new Date(1_010_000));
    expect(await p.before!(ctx(["version"]))).toEqual({ effect: "allow" });
    expect(store.keys).toEqual(["rate:svc", "rate:svc", "rate:svc", "rate:other", "rate:svc"]);
  });

  test("dry runs count in a bucket of their own, with the same limit", async () => {
    setSystemTime(new Date(2_000_000));
    const store = memoryCounters();
    const p = rateLimit({ store, limit: 1, windowMs: 1_000 });
    expect(await p.before!(ctx(["version"], { dryRun: true }))).toEqual({ effect: "allow" });
    expect(await p.before!(ctx(["version"], { dryRun: true }))).toMatchObject({ effect: "deny", code: "RATE_LIMITED", retryAfterMs: 1_000 });
    expect(await p.before!(ctx(["version"]))).toEqual({ effect: "allow" });
    expect(store.keys).toEqual(["explain:svc", "explain:svc", "rate:svc"]);
  });

  test("defaults: 60 commands per 60 s", async () => {
    setSystemTime(new Date(3_000_000));
    const p = rateLimit({ store: memoryCounters() });
    for (let i = 0; i < 60; i++) expect(await p.before!(ctx(["version"]))).toEqual({ effect: "allow" });
    expect(await p.before!(ctx(["version"]))).toEqual({ effect: "deny", reason: "svc is over 60 commands per 60 s", code: "RATE_LIMITED", retryAfterMs: 60_000 });
  });

  test.each<[object, string]>([
    [{ store: undefined }, "rate-limit needs the backend's shared counters (this backend has none)"],
    [{ limit: 0 }, "rate-limit: limit must be a positive integer"],
    [{ limit: 1.5 }, "rate-limit: limit must be a positive integer"],
    [{ windowMs: 999 }, "rate-limit: windowMs must be at least 1000"],
    [{ windowMs: 1000.5 }, "rate-limit: windowMs must be at least 1000"],
  ])("refuses %j", (options, message) => {
    expect(() => rateLimit({ store: memoryCounters(), ...options } as never)).toThrow(new Error(message));
  });

  test("refuses no options at all, and accepts the smallest ones", () => {
    expect(() => rateLimit(undefined as never)).toThrow(new Error("rate-limit needs the backend's shared counters (this backend has none)"));
    expect(rateLimit({ store: memoryCounters(), limit: 1, windowMs: 1_000 }).id).toBe("rate-limit");
  });
});

describe("redactSecrets(options)", () => {
  test("is an agent-only after hook that re-exports the defaults", () => {
    const p = redactSecrets();
    expect(p.id).toBe("redact-secrets");
    expect(p.sides).toEqual(["agent"]);
    expect(p.description).toBe("Masks Secret data, tokens, keys and passwords in command output before it leaves the cluster");
    expect(redactSecretsDefault).toBe(redactSecrets);
    expect(DEFAULT_MASK).toBe("[REDACTED]");
    expect(DEFAULT_SENSITIVE_ENV_NAMES).toBe(redact.DEFAULT_SENSITIVE_ENV_NAMES);
  });

  test("after() names itself when redaction fails, and without a context (no argv) masks every token", () => {
    const hostile = { ...result("x") } as Result;
    Object.defineProperty(hostile, "output", { get: () => { throw new Error("boom"); }, enumerable: false });
    expect(redactSecrets().after!(ctx(["logs", "x"]), hostile)).toMatchObject({ status: "failure", code: "POLICY_FAILED", policy: "redact-secrets", error: 'policy "redact-secrets" failed after execution; output withheld' });
    expect(redactSecrets().after!(undefined as never, result("token=abcdef"))).toMatchObject({ output: "[REDACTED]", redacted: true });
  });
});

describe("readOnly(options): wiring and the Secret output guard", () => {
  test("is the read-only policy on both sides; the default export is the factory", () => {
    const p = readOnly();
    expect(p.id).toBe("read-only");
    expect((p as { sides?: unknown }).sides).toBeUndefined();
    expect(p.description).toBe("Allows only read-only kubectl commands, parsed with kubectl's own flag rules");
    expect(readOnlyDefault).toBe(readOnly);
  });

  test("an invalid secrets mode throws a TypeError listing the modes", () => {
    expect(() => readOnly({ secrets: "allow" as never })).toThrow(new TypeError('read-only: secrets must be one of "metadata", "deny"'));
  });

  const SA_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl";
  const described = `Name:  t\nType:  kubernetes.io/service-account-token\n\nData\n====\nnamespace:  4 bytes\ntoken:      ${SA_TOKEN}\n`;

  test.each<[string, Parameters<typeof readOnly>[0], string[], boolean]>([
    ["the default guards describe of a Secret", {}, ["describe", "secret", "t"], true],
    ["any spelling of secrets in the list turns it on", { restrictedResources: ["Secret", "configmaps"] }, ["describe", "secret", "t"], true],
    ["a get of Secrets is guarded too", {}, ["get", "secrets"], true],
    ["a command that reads no Secret is not", {}, ["describe", "pod", "t"], false],
    ["secrets: deny lets no Secret through, so there is nothing to guard", { secrets: "deny" }, ["describe", "secret", "t"], false],
    ["unrestricted Secrets are left to redact-secrets", { restrictedResources: [] }, ["describe", "secret", "t"], false],
    ["nor when only other resources are restricted", { restrictedResources: ["configmaps"] }, ["describe", "secret", "t"], false],
  ])("after: %s", async (_what, options, argv, guarded) => {
    const r = result(described);
    const after = await readOnly(options).after!(ctx(argv, { side: "agent" }), r);
    if (guarded) expect(after).toEqual({ ...r, output: described.replace(SA_TOKEN, "[REDACTED]"), redacted: true });
    else expect(after).toBe(r);
  });

  test("after: when its guard fails, the output is withheld in its own name", async () => {
    const hostile = { ...result("x") } as Result;
    Object.defineProperty(hostile, "output", { get: () => { throw new Error("boom"); }, enumerable: false });
    expect(await readOnly().after!(ctx(["describe", "secret", "t"], { side: "agent" }), hostile)).toMatchObject({ status: "failure", code: "POLICY_FAILED", policy: "read-only", error: 'policy "read-only" failed after execution; output withheld' });
  });

  test("maxVerbosity and allowFollow default to 4 and true", async () => {
    const p = readOnly();
    expect(await p.before!(ctx(["get", "pods", "-v=4"]))).toEqual({ effect: "allow" });
    expect(await p.before!(ctx(["get", "pods", "-v=5"]))).toMatchObject({ effect: "deny" });
    expect(await p.before!(ctx(["get", "pods", "-w"]))).toEqual({ effect: "allow" });
    expect(await readOnly({ allowFollow: false }).before!(ctx(["rollout", "status", "deploy/x"]))).toEqual({ effect: "deny", reason: 'streaming: "rollout status" would not end on its own and streaming is disabled' });
    expect(await readOnly({ allowFollow: true }).before!(ctx(["get", "pods", "-w"]))).toEqual({ effect: "allow" });
  });

  test("the restricted list is copied: a later change to the caller's array does not change the policy", async () => {
    const list = ["configmaps"];
    const p = readOnly({ restrictedResources: list });
    list.push("pods");
    expect(await p.before!(ctx(["get", "pods"]))).toEqual({ effect: "allow" });
  });
});
