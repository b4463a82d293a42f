/**
 * Property: every rule of `namespaceScopeProblem` is exercised by an input
 * where only that rule decides (take the rule out and the answer changes),
 * and the test asserts the reason, not just that it denied.
 *
 * Pins issue 19, bug 3: with the `-A` rule removed, `get pods -A -n shop`
 * passed a key scoped to `shop`; the old `-A` tests passed for another
 * reason (the default namespace) and checked only the policy id.
 */
import { describe, expect, test } from "bun:test";
import { namespaceScopeProblem } from "../../lib/kubectl/scope.ts";

type Case = { rule: string; argv: string[]; allowed: string[]; problem: string | null; without: string };

/** One row per rule: `without` says what decides when the rule is taken out. */
const RULES: Case[] = [
  {
    rule: "a command that does not parse is out of scope",
    argv: ["get", "pods", "--bogus", "-n", "shop"],
    allowed: ["shop"],
    problem: "the command could not be parsed, so the namespaces it reads are unknown",
    without: "parsed.command is undefined: it would throw instead of answering",
  },
  {
    rule: "discovery and schema commands read no namespaced object",
    argv: ["version"],
    allowed: ["shop"],
    problem: null,
    without: "version is not namespaced: it would read as cluster-wide",
  },
  {
    rule: "a verb that is not namespaced reads cluster-wide data",
    argv: ["cluster-info"],
    allowed: ["default"],
    problem: '"cluster-info" reads cluster-wide data',
    without: "the default namespace is allowed: it would pass",
  },
  {
    rule: "a verb with a subcommand names both in the reason",
    argv: ["top", "node"],
    allowed: ["default"],
    problem: '"top node" reads cluster-wide data',
    without: "the default namespace is allowed: it would pass",
  },
  {
    rule: "-A reads every namespace (issue 19, bug 3)",
    argv: ["get", "pods", "-A", "-n", "shop"],
    allowed: ["shop"],
    problem: "--all-namespaces reads every namespace",
    without: "the namespace is shop, which is allowed: it would pass",
  },
  {
    rule: "--all-namespaces reads every namespace",
    argv: ["get", "pods", "--all-namespaces", "--namespace=shop"],
    allowed: ["shop"],
    problem: "--all-namespaces reads every namespace",
    without: "the namespace is shop, which is allowed: it would pass",
  },
  {
    rule: "`all` is the namespaced category, not a cluster-scoped type",
    argv: ["get", "all", "-n", "shop"],
    allowed: ["shop"],
    problem: null,
    without: '"all" is no known type: its scope would be unknown',
  },
  {
    rule: "a cluster-scoped resource is out of any namespace scope",
    argv: ["get", "nodes", "-n", "shop"],
    allowed: ["shop"],
    problem: "nodes are cluster-scoped",
    without: "the namespace is shop: it would pass",
  },
  {
    rule: "a cluster-scoped resource anywhere in a list decides",
    argv: ["get", "pods,namespaces", "-n", "shop"],
    allowed: ["shop"],
    problem: "namespaces are cluster-scoped",
    without: "the namespace is shop: it would pass",
  },
  {
    rule: "a resource of unknown scope (a CRD) is out of scope",
    argv: ["get", "widgets.example.com", "-n", "shop"],
    allowed: ["shop"],
    problem: 'the scope of "widgets.example.com" is unknown',
    without: "the namespace is shop: it would pass",
  },
  {
    rule: "no -n means the default namespace",
    argv: ["get", "pods"],
    allowed: ["shop"],
    problem: 'namespace "default" is not in shop',
    without: "an absent namespace would be unchecked",
  },
  {
    rule: "no -n passes when default is allowed",
    argv: ["get", "pods"],
    allowed: ["default"],
    problem: null,
    without: "the default namespace would be refused",
  },
  {
    rule: "a namespace outside the list is refused, listing the allowed ones",
    argv: ["logs", "web-0", "-n", "other"],
    allowed: ["shop", "dev"],
    problem: 'namespace "other" is not in shop, dev',
    without: "logs in other would be allowed",
  },
  {
    rule: "a namespace inside the list passes",
    argv: ["describe", "pod", "web-0", "--namespace", "dev"],
    allowed: ["shop", "dev"],
    problem: null,
    without: "-",
  },
];

describe("namespaceScopeProblem(argv, allowed)", () => {
  for (const c of RULES) {
    test(`${c.rule}: ${c.argv.join(" ")} in [${c.allowed.join(", ")}]`, () => {
      expect(namespaceScopeProblem(c.argv, c.allowed)).toBe(c.problem);
    });
  }

  test("every namespace-free command passes with an empty scope", () => {
    for (const argv of [["version"], ["api-resources"], ["api-versions"], ["explain", "pods"]]) {
      expect({ argv, problem: namespaceScopeProblem(argv, []) }).toEqual({ argv, problem: null });
    }
  });

  test("parses with no restricted resources: a scoped key may read secrets in its namespace (read-only decides that)", () => {
    expect(namespaceScopeProblem(["get", "secrets", "-n", "shop"], ["shop"])).toBeNull();
  });

  test("-A alone is refused for -A, not for the default namespace", () => {
    expect(namespaceScopeProblem(["get", "pods", "-A"], ["default"])).toBe("--all-namespaces reads every namespace");
  });
});
