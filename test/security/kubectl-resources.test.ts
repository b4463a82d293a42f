/**
 * Resource spellings (lib/kubectl/resources.ts): every spelling of a type
 * resolves to one key, so a restriction cannot be dodged by `Secret`,
 * `secrets.v1.` or `SECRET/x`; malformed or non-ASCII spellings fail before
 * lowercasing (a Kelvin sign cannot fold into `k`); resource arguments are
 * split the way kubectl's builder splits them. Each row asserts the answer
 * with its reason.
 */
import { describe, expect, test } from "bun:test";
import { isObjectName, isRestricted, resolveResourceType, resourceKey, splitResourceArgs, splitTypeNameArgs, type TypeNameArg } from "../../lib/kubectl/index.ts";

const invalid = (s: string) => ({ ok: false as const, reason: `${JSON.stringify(s)} is not a valid resource type` });

describe("resolveResourceType(spelling)", () => {
  test.each<[string, unknown]>([
    ["Widgets.Example.com.", { ok: true, resource: "widgets.example.com", known: false }],
    ["widgets.example.com", { ok: true, resource: "widgets.example.com", known: false }],
    ["a.", { ok: true, resource: "a", known: false }],
    ["a-b", { ok: true, resource: "a-b", known: false }],
    ["all", { ok: true, resource: "all", known: true }],
    ["ALL.v1", { ok: true, resource: "all", known: true }],
    ["allx", { ok: true, resource: "allx", known: false }],
    ["secret.v1", { ok: true, resource: "secrets", known: true }],
    ["SECRETS.", { ok: true, resource: "secrets", known: true }],
    ["x".repeat(253), { ok: true, resource: "x".repeat(253), known: false }],
    ["x".repeat(254), invalid("x".repeat(254))],
    ["", invalid("")],
    ["-a", invalid("-a")],
    ["a-", invalid("a-")],
    ["a_b", invalid("a_b")],
    ["a..b", invalid("a..b")],
    [".a", invalid(".a")],
    ["a b", invalid("a b")],
    ["Ｓecrets", invalid("Ｓecrets")],
    ["\u212Aubectl", invalid("\u212Aubectl")],
    ["pods/x", invalid("pods/x")],
  ])("%j", (spelling, result) => {
    expect(resolveResourceType(spelling)).toEqual(result as never);
  });
});

describe("resourceKey, isRestricted, isObjectName", () => {
  test.each<[string, string]>([["Secret.v1", "secrets"], ["SECRETS", "secrets"], ["po", "pods"], ["foo.bar", "foo"], ["Foo.Bar", "foo"], ["", ""], [".x", ""]])("resourceKey(%j) = %j", (s, key) => {
    expect(resourceKey(s)).toBe(key);
  });

  test.each<[string, string[], boolean]>([
    ["all", ["pods"], true],
    ["All", ["deploy"], true],
    ["all", ["jobs"], true],
    ["all", ["secrets"], false],
    ["all", ["all"], false],
    ["po", ["pods"], true],
    ["secrets", ["Secret"], true],
    ["secrets.foo.io", ["secrets"], true],
    ["pods", ["secrets"], false],
    ["pods", [], false],
  ])("isRestricted(%j, %j) = %p", (resource, restricted, is) => {
    expect(isRestricted(resource, restricted)).toBe(is);
  });

  test.each<[string, boolean]>([["a:b@c+d~e.f_g-h", true], ["A1", true], ["1", true], ["a".repeat(253), true], ["a".repeat(254), false], ["-a", false], [".a", false], ["a b", false], ["", false], ["a/b", false], ["a,b", false]])("isObjectName(%j) = %p", (name, ok) => {
    expect(isObjectName(name)).toBe(ok);
  });
});

describe("splitTypeNameArgs(args), splitResourceArgs(args)", () => {
  const MIXED = { ok: false as const, reason: "TYPE/NAME arguments cannot be mixed with a separate TYPE" };
  test.each<[string[], { ok: true; args: TypeNameArg[] } | { ok: false; reason: string }]>([
    [[], { ok: true, args: [] }],
    [["pods"], { ok: true, args: [{ type: "pods" }] }],
    [["pods", "a"], { ok: true, args: [{ type: "pods", name: "a" }] }],
    [["pods,svc"], { ok: true, args: [{ type: "pods" }, { type: "svc" }] }],
    [["pods,svc", "a", "b"], { ok: true, args: [{ type: "pods", name: "a" }, { type: "pods", name: "b" }, { type: "svc", name: "a" }, { type: "svc", name: "b" }] }],
    [["pods,pods", "a"], { ok: true, args: [{ type: "pods", name: "a" }] }],
    [["pods,pods"], { ok: true, args: [{ type: "pods" }] }],
    [["pods/a", "svc/b"], { ok: true, args: [{ type: "pods", name: "a" }, { type: "svc", name: "b" }] }],
    [["po/a", "po/a"], { ok: true, args: [{ type: "po", name: "a" }, { type: "po", name: "a" }] }],
    [["pods/"], { ok: true, args: [{ type: "pods", name: "" }] }],
    [["pods/a", "svc"], MIXED],
    [["pods", "svc/a"], MIXED],
    [["pods,svc/a"], { ok: false, reason: '"pods,svc/a" must be a single TYPE/NAME' }],
    [["pods/a/b"], { ok: false, reason: '"pods/a/b" must be a single TYPE/NAME' }],
    [["a,b/c", "d"], { ok: false, reason: '"b/c/d" must be a single TYPE/NAME' }],
  ])("splitTypeNameArgs(%j)", (args, result) => {
    expect(splitTypeNameArgs(args)).toEqual(result);
  });

  test.each<[string[], unknown]>([
    [["po,svc", "a"], { ok: true, refs: [{ resource: "pods", name: "a" }, { resource: "services", name: "a" }] }],
    [["Secret/x"], { ok: true, refs: [{ resource: "secrets", name: "x" }] }],
    [["pods", "-a"], { ok: false, reason: '"-a" is not a valid object name' }],
    [["pods", "a,b"], { ok: false, reason: '"a,b" is not a valid object name' }],
    [["pods/"], { ok: false, reason: '"" is not a valid object name' }],
    [["po_d"], invalid("po_d")],
    [["pods/a", "svc"], MIXED],
  ])("splitResourceArgs(%j)", (args, result) => {
    expect(splitResourceArgs(args)).toEqual(result as never);
  });
});
