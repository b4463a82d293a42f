/**
 * Property: every rule of the kubectl grammar (`RULES`) is exercised by a
 * command only that rule refuses, through the `read-only` policy, asserting
 * the rule id and the reason. The table is keyed by `RULES`, so a new rule
 * fails here until it has a case. The `namespaces` policy shares
 * `namespaceScopeProblem` (scope.test.ts) and is checked for its own wiring.
 */
import { describe, expect, test } from "bun:test";
import { RULES, type Rule } from "../../lib/kubectl/index.ts";
import type { PolicyContext, PolicyDecision } from "../../lib/policy.ts";
import { namespaces } from "../../plugins/namespaces.ts";
import { readOnly } from "../../plugins/read-only.ts";

const ctx = (argv: string[]): PolicyContext => ({ side: "api", argv, clusterId: "c1", requestedBy: "svc" });
const decide = async (policy: ReturnType<typeof readOnly>, argv: string[]) => (await policy.before!(ctx(argv))) as PolicyDecision;

/** One command per rule, refused by that rule alone, and the reason it must give. */
const REFUSED: Record<Exclude<Rule, "internal-error" | "invalid-argv">, { argv: string[]; reason: string; options?: Parameters<typeof readOnly>[0] }> = {
  "argument-limits": { argv: ["get", "pods", "x".repeat(1025)], reason: "argument 2 is longer than 1024 bytes" },
  "non-printable": { argv: ["get", "pods", "a\u0007"], reason: 'argument 2 ("a\\u0007") contains a non-printable character' },
  "missing-verb": { argv: [], reason: "no kubectl command given" },
  "flag-before-verb": { argv: ["-n", "x", "get", "pods"], reason: 'the command must come first, not the flag "-n" (kubectl may read a later word as the command)' },
  "unknown-verb": { argv: ["frobnicate"], reason: '"frobnicate" is not a known kubectl command (kubectl would run a kubectl-frobnicate plugin)' },
  "denied-verb": { argv: ["delete", "pods", "x"], reason: '"delete" is not a read-only command' },
  "unknown-flag": { argv: ["get", "pods", "--bogus"], reason: 'unknown flag "--bogus" for "get"' },
  "denied-flag": { argv: ["get", "pods", "--chunk-size=5"], reason: 'flag "--chunk-size" is refused: it is not read-safe' },
  "global-flag": { argv: ["get", "pods", "--token=x"], reason: 'flag "--token" is refused: it selects other credentials, servers or local files' },
  "file-input": { argv: ["get", "-f", "x.yaml"], reason: 'flag "-f" is refused: it reads local files or URLs' },
  "raw-path": { argv: ["get", "--raw", "/api"], reason: 'flag "--raw" is refused: it requests an arbitrary API path' },
  "output-format": {
    argv: ["get", "pods", "-o", "go-template={{.x}}"],
    reason: 'output "go-template={{.x}}" is not allowed (go-template, template and *-file forms are refused: kubectl would render them itself or read a local file); use one of: wide, name, json, yaml, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE, custom-columns=SPEC',
  },
  verbosity: { argv: ["get", "pods", "-v", "5"], reason: '"-v": verbosity "5" is above 4 (higher levels log request and response bodies)' },
  "missing-value": { argv: ["get", "pods", "-n"], reason: '"-n" needs a value' },
  "invalid-value": { argv: ["top", "pod", "--containers=maybe"], reason: '"--containers=maybe": "maybe" is not a boolean' },
  "unexpected-argument": { argv: ["version", "extra"], reason: '"version" takes no arguments; unexpected "extra"' },
  "invalid-resource": { argv: ["get", "po/"], reason: '"" is not a valid object name' },
  "restricted-resource": { argv: ["get", "cm"], reason: '"configmaps" is a restricted resource', options: { restrictedResources: ["configmaps"] } },
};

describe("readOnly().before: every grammar rule", () => {
  test("the table has a case for every rule but the two no argv array can reach", () => {
    // invalid-argv: argv is not an array of strings (the schema stops that first); internal-error: a parser bug.
    expect([...Object.keys(REFUSED), "internal-error", "invalid-argv"].sort()).toEqual([...RULES].sort());
  });

  for (const [rule, c] of Object.entries(REFUSED)) {
    test(`${rule}: ${JSON.stringify(c.argv).slice(0, 60)}`, async () => {
      expect(await decide(readOnly(c.options), c.argv)).toEqual({ effect: "deny", reason: `${rule}: ${c.reason}` });
    });
  }

  test("the boundary of each limit passes: 1024-byte argument, verbosity 4", async () => {
    expect(await decide(readOnly(), ["get", "pods", "-l", `a=${"x".repeat(1020)}`])).toEqual({ effect: "allow" });
    expect(await decide(readOnly(), ["get", "pods", "-v", "4"])).toEqual({ effect: "allow" });
    expect(await decide(readOnly({ maxVerbosity: 9 }), ["get", "pods", "-v", "9"])).toEqual({ effect: "allow" });
  });

  test("read-only commands pass", async () => {
    for (const argv of [["get", "pods"], ["get", "pods", "-o", "wide"], ["describe", "pod", "x"], ["logs", "p", "-c", "app"], ["rollout", "status", "deploy/x"], ["auth", "can-i", "get", "pods"], ["version"]]) {
      expect({ argv, d: await decide(readOnly(), argv) }).toEqual({ argv, d: { effect: "allow" } });
    }
  });

  test("allowFollow: false refuses commands that never end, with rule streaming", async () => {
    const strict = readOnly({ allowFollow: false });
    expect(await decide(strict, ["logs", "-f", "p"])).toEqual({ effect: "deny", reason: 'streaming: "logs" would not end on its own and streaming is disabled' });
    expect(await decide(strict, ["get", "pods", "-w"])).toMatchObject({ effect: "deny", reason: expect.stringMatching(/^streaming: "get"/) });
    expect(await decide(strict, ["logs", "p"])).toEqual({ effect: "allow" });
    expect(await decide(readOnly(), ["logs", "-f", "p"])).toEqual({ effect: "allow" });
  });

  test("restrictedResources replaces the default list, in any spelling", async () => {
    const noConfigMaps = readOnly({ restrictedResources: ["configmaps"] });
    for (const argv of [["get", "configmaps"], ["get", "cm"], ["get", "ConfigMap/x"], ["describe", "configmaps.v1."]]) {
      expect({ argv, d: await decide(noConfigMaps, argv) }).toMatchObject({ argv, d: { effect: "deny", reason: expect.stringMatching(/^restricted-resource: /) } });
    }
  });
});

describe("namespaces({ allow }).before", () => {
  test("allows inside the list and denies with namespaceScopeProblem's reason", async () => {
    const p = namespaces({ allow: ["shop"] });
    expect(p.id).toBe("namespaces");
    expect(p.description).toBe("Commands read only inside shop");
    expect(await p.before!(ctx(["get", "pods", "-n", "shop"]))).toEqual({ effect: "allow" });
    expect(await p.before!(ctx(["get", "pods", "-A", "-n", "shop"]))).toEqual({ effect: "deny", reason: "--all-namespaces reads every namespace" });
  });

  test("refuses an empty allow list at creation", () => {
    expect(() => namespaces({ allow: [] })).toThrow("namespaces policy needs a non-empty allow list");
    expect(() => namespaces(undefined as never)).toThrow("namespaces policy needs a non-empty allow list");
    expect(() => namespaces({} as never)).toThrow("namespaces policy needs a non-empty allow list");
  });

  test("describes itself with every allowed namespace", () => {
    expect(namespaces({ allow: ["shop", "dev"] }).description).toBe("Commands read only inside shop, dev");
  });

  test("copies the list: a later change to the caller's array does not widen it", async () => {
    const allow = ["shop"];
    const p = namespaces({ allow });
    allow.push("other");
    expect(await p.before!(ctx(["get", "pods", "-n", "other"]))).toMatchObject({ effect: "deny" });
  });
});
