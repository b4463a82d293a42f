/**
 * The policy pipeline every policy runs in (lib/policy.ts): registration
 * order, rewrites passed on, fail-closed on a throw or a non-decision,
 * frozen argv, output withheld when an after hook fails, sides, unique
 * kebab-case ids. Pure; here so the policies' mutation runs see the
 * pipeline they depend on.
 */
import { describe, expect, test } from "bun:test";
import { allow, createPipeline, definePolicy, deny, rewrite, type PolicyContext } from "../../lib/policy.ts";
import type { Result } from "../../lib/schemas.ts";

const ctx: Omit<PolicyContext, "side"> = { argv: ["get", "pods"], clusterId: "c1", requestedBy: "svc" };
const result: Result = { commandId: "x", clusterId: "c1", status: "success", output: "token=abc", truncated: false, durationMs: 1, executedAt: 1, agentId: "a" };

describe("createPipeline", () => {
  test("before() runs policies in registration order and stops at the first deny", async () => {
    const seen: string[] = [];
    const p = createPipeline(
      [
        definePolicy({ id: "first", before: () => void seen.push("first") }),
        definePolicy({ id: "second", before: () => (seen.push("second"), deny("no pods today")) }),
        definePolicy({ id: "third", before: () => (seen.push("third"), allow()) }),
      ],
      "api",
    );
    expect(await p.before(ctx)).toMatchObject({ allowed: false, policy: "second", reason: "no pods today" });
    expect(seen).toEqual(["first", "second"]);
  });

  test("before() passes a rewrite on to later policies and returns the final argv", async () => {
    const p = createPipeline(
      [
        definePolicy({ id: "add-tail", before: ({ argv }) => rewrite([...argv, "--tail=100"], "default tail") }),
        definePolicy({ id: "check", before: ({ argv }) => (argv.includes("--tail=100") ? allow() : deny("tail missing")) }),
      ],
      "agent",
    );
    const d = await p.before(ctx);
    expect(d).toMatchObject({ allowed: true, argv: ["get", "pods", "--tail=100"] });
    expect(d.rewrites).toEqual([{ policy: "add-tail", argv: ["get", "pods", "--tail=100"], reason: "default tail" }]);
  });

  test("before() fails closed when a policy throws or returns something that is not a decision", async () => {
    const throws = createPipeline([definePolicy({ id: "boom", before: () => { throw new Error("bug"); } })], "api");
    expect(await throws.before(ctx)).toMatchObject({ allowed: false, policy: "boom", reason: "policy failed: bug" });
    const junk = createPipeline([definePolicy({ id: "junk", before: () => ({ effect: "maybe" }) as never })], "api");
    expect(await junk.before(ctx)).toMatchObject({ allowed: false, policy: "junk" });
    const emptyRewrite = createPipeline([definePolicy({ id: "empty", before: () => rewrite([]) })], "api");
    expect((await emptyRewrite.before(ctx)).allowed).toBe(false);
  });

  test("the argv a policy sees is frozen: mutating it changes nothing", async () => {
    const p = createPipeline([definePolicy({ id: "mutator", before: ({ argv }) => { try { (argv as string[]).push("--as=admin"); } catch {} } })], "api");
    expect((await p.before(ctx)).argv).toEqual(["get", "pods"]);
  });

  test("after() transforms results in order, and withholds output when a policy throws", async () => {
    const p = createPipeline([definePolicy({ id: "mask", after: (_c, r) => ({ ...r, output: r.output.replace(/abc/, "***"), redacted: true }) })], "agent");
    expect(await p.after(ctx, result)).toMatchObject({ output: "token=***", redacted: true });
    const broken = createPipeline([definePolicy({ id: "broken", after: () => { throw new Error("oops"); } })], "agent");
    expect(await broken.after(ctx, result)).toMatchObject({ status: "failure", output: "", code: "POLICY_FAILED", policy: "broken" });
  });

  test("policies run only on their declared sides", async () => {
    const agentOnly = [definePolicy({ id: "agent-only", sides: ["agent"], before: () => deny("agent says no") })];
    expect((await createPipeline(agentOnly, "api").before(ctx)).allowed).toBe(true);
    expect((await createPipeline(agentOnly, "agent").before(ctx)).allowed).toBe(false);
  });

  test("a duplicate or non-kebab-case id is rejected", () => {
    expect(() => createPipeline([definePolicy({ id: "a" }), definePolicy({ id: "a" })], "api")).toThrow(/registered twice/);
    expect(() => createPipeline([definePolicy({ id: "Not Kebab" })], "api")).toThrow(/kebab-case/);
  });
});
