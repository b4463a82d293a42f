/**
 * How `redactText` and `redactResult` (lib/redact/index.ts) choose the
 * passes for an output, and how `createRules` checks its options. Each row
 * isolates one decision: a printer read as JSON or YAML only when the argv
 * says so or Secrets were read, template output of a Secret read masked
 * token by token (a custom-columns header kept), a Secret manifest inside
 * plain text read as YAML, stderr redacted as text.
 */
import { describe, expect, test } from "bun:test";
import { createRules, DEFAULT_MASK, redactResult, redactText, type OutputShape } from "../../lib/redact/index.ts";
import type { Result } from "../../lib/schemas.ts";

const M = DEFAULT_MASK;
const rules = createRules();
const shape = (format: OutputShape["format"], readsSecrets: boolean) => ({ shape: { format, readsSecrets } });
// A Secret cut off before its `kind`: only the structural passes (not the patterns) mask it.
const CUT_JSON = '{"apiVersion":"v1","data":{"a":"YWJj"}';
const CUT_YAML = "apiVersion: v1\ndata:\n  a: YWJj\n";

describe("createRules(options)", () => {
  test("the mask defaults to [REDACTED] and may be 1-64 of A-Z a-z 0-9 _ - [ ] < > ( ) * # . ! ~ + |", () => {
    expect(createRules().mask).toBe("[REDACTED]");
    for (const mask of ["x", "x".repeat(64), "AZaz09_-[]<>()*#.!~+|"]) expect(createRules({ mask }).mask).toBe(mask);
  });

  test.each(["", "x".repeat(65), "a b", "a:b", "a=b", "a/b", "a@b", 'a"b', "a'b", "a\\b", "a\nb", "é", 5])("refuses the mask %j", (mask) => {
    expect(() => createRules({ mask: mask as string })).toThrow(new TypeError("redact: mask must be 1-64 of the characters A-Z a-z 0-9 _ - [ ] < > ( ) * # . ! ~ + |"));
  });

  test("extraPatterns must be regular expressions; each becomes global and never sticky", () => {
    expect(() => createRules({ extraPatterns: ["x" as never] })).toThrow(new TypeError("redact: extraPatterns must be regular expressions"));
    const { extraPatterns } = createRules({ extraPatterns: [/a/, /b/g, /c/y, /d/gy, /e/iy] });
    expect(extraPatterns.map((re) => re.flags)).toEqual(["g", "g", "g", "g", "gi"]);
    expect(createRules().extraPatterns).toEqual([]);
  });

  test("sensitiveEnvName: the default names, a replacement, no state between calls, only the first 256 characters read", () => {
    const r = createRules();
    expect([r.sensitiveEnvName("DB_PASSWORD"), r.sensitiveEnvName("DB_PASSWORD"), r.sensitiveEnvName("NODE_ENV")]).toEqual([true, true, false]);
    const custom = createRules({ sensitiveEnvNames: /^MY_/gy });
    expect([custom.sensitiveEnvName("MY_X"), custom.sensitiveEnvName("MY_X"), custom.sensitiveEnvName("DB_PASSWORD")]).toEqual([true, true, false]);
    expect(r.sensitiveEnvName(`${"A".repeat(250)}_TOKEN`)).toBe(true);
    expect(r.sensitiveEnvName(`${"A".repeat(251)}_TOKEN`)).toBe(false);
  });
});

describe("redactText(text, rules, from)", () => {
  test("empty text, and text with nothing to mask, come back as they are", () => {
    expect(redactText("", rules, shape("unknown", true))).toBe("");
    const text = "NAME READY\nweb 1/1\n";
    expect(redactText(text, rules, { argv: ["get", "pods"] })).toBe(text);
    // No argv: an empty one, which reads no Secret.
    expect(redactText(text, rules)).toBe(text);
  });

  test.each<[string, string[], string, string]>([
    ["template output of a Secret read: every token", ["get", "secrets", "-o", "jsonpath={.x}"], "NAME   PW\ndb   abc\n", `${M}   ${M}\n${M}   ${M}\n`],
    ["custom-columns keeps its header, the first non-blank line", ["get", "secrets", "-o", "custom-columns=N:.metadata.name"], "\n \nNAME   PW\ndb   abc\n", "\n \nNAME   PW\n" + `${M}   ${M}\n`],
    ["custom-columns with --no-headers keeps none", ["get", "secrets", "--no-headers", "-o", "custom-columns=N:.a"], "db   abc\n", `${M}   ${M}\n`],
    ["--no_headers is the same flag", ["get", "secrets", "--no_headers", "-o", "custom-columns=N:.a"], "db   abc\n", `${M}   ${M}\n`],
    ["--no-headers=false still counts as no header (kept conservative)", ["get", "secrets", "--no-headers=false", "-o", "custom-columns=N:.a"], "N\nabc\n", `${M}\n${M}\n`],
    ["an unknown printer of a Secret read: every token", ["get", "secrets", "--bogus", "-Aoyaml"], "a: b\n c", `${M} ${M}\n ${M}`],
    ["template output that reads no Secret: patterns only", ["get", "pods", "-o", "jsonpath={.x}"], "abc token=xyz12345", `abc token=${M}`],
  ])("%s", (_what, argv, text, out) => {
    expect(redactText(text, rules, { argv })).toBe(out);
  });

  test("a shape passed in wins over argv", () => {
    expect(redactText("a b", rules, { argv: ["get", "pods"], ...shape("unknown", true) })).toBe(`${M} ${M}`);
    expect(redactText("a b", rules, { argv: ["get", "secrets", "-o", "jsonpath={.x}"], ...shape("default", false) })).toBe("a b");
  });

  test.each<[string, OutputShape["format"], boolean, string, string]>([
    ["-o json is read as JSON", "json", false, CUT_JSON, '{"apiVersion":"v1","data":{"a":"[REDACTED]"}'],
    ["the default printer reading Secrets is sniffed as JSON", "default", true, CUT_JSON, '{"apiVersion":"v1","data":{"a":"[REDACTED]"}'],
    ["an unknown printer is sniffed as JSON, after blanks", "unknown", false, `\n ${CUT_JSON}`, `\n {"apiVersion":"v1","data":{"a":"[REDACTED]"}`],
    ["an unknown printer is sniffed as a JSON array", "unknown", false, `[${CUT_JSON}`, '[{"apiVersion":"v1","data":{"a":"[REDACTED]"}'],
    ["the default printer reading no Secret is not", "default", false, CUT_JSON, CUT_JSON],
    ["wide is not", "wide", true, CUT_JSON, CUT_JSON],
    ["-o yaml is read as YAML", "yaml", false, CUT_YAML, `apiVersion: v1\ndata:\n  a: ${M}\n`],
    ["the default printer reading Secrets is sniffed as YAML", "default", true, CUT_YAML, `apiVersion: v1\ndata:\n  a: ${M}\n`],
    ["after a document separator", "default", true, `---\n${CUT_YAML}`, `---\napiVersion: v1\ndata:\n  a: ${M}\n`],
    ["after a CRLF document separator", "default", true, `---\r\n${CUT_YAML}`, `---\r\napiVersion: v1\ndata:\n  a: ${M}\n`],
    ["starting with kind", "unknown", false, "kind: Secret\ndata:\n  a: YWJj\n", `kind: Secret\ndata:\n  a: ${M}\n`],
    ["starting with items", "unknown", false, "items:\n- apiVersion: v1\n  data:\n    a: YWJj\n", `items:\n- apiVersion: v1\n  data:\n    a: ${M}\n`],
    ["starting with metadata", "unknown", false, "metadata:\n  name: x\napiVersion: v1\ndata:\n  a: YWJj\n", `metadata:\n  name: x\napiVersion: v1\ndata:\n  a: ${M}\n`],
    ["the default printer reading no Secret is not sniffed", "default", false, CUT_YAML, CUT_YAML],
    ["nor is text that only contains a YAML key later", "unknown", false, `x\n${CUT_YAML}`, `x\n${CUT_YAML}`],
    ["nor a key that only starts like one", "unknown", false, `apiVersions: v1\ndata:\n  a: YWJj\n`, `apiVersions: v1\ndata:\n  a: YWJj\n`],
  ])("%s", (_what, format, readsSecrets, text, out) => {
    expect(redactText(text, rules, shape(format, readsSecrets))).toBe(out);
  });

  test.each<[string, string, string]>([
    ["a Secret manifest inside a log is read as YAML", "log line\nkind: Secret\ndata:\n  a: YWJj\n", `log line\nkind: Secret\ndata:\n  a: ${M}\n`],
    ["with indentation, quotes and CRLF", "log\r\n  kind: 'Secret' \r\n  data:\r\n    a: YWJj\r\n", `log\r\n  kind: 'Secret' \r\n  data:\r\n    a: ${M}\r\n`],
    ["with double quotes", 'log\nkind: "Secret"\ndata:\n  a: YWJj\n', `log\nkind: "Secret"\ndata:\n  a: ${M}\n`],
    ["not for another kind", "log\nkind: Secrets\ndata:\n  a: YWJj\n", "log\nkind: Secrets\ndata:\n  a: YWJj\n"],
    ["not for a kind inside a line", "log kind: Secret\ndata:\n  a: YWJj\n", "log kind: Secret\ndata:\n  a: YWJj\n"],
  ])("plain text: %s", (_what, text, out) => {
    expect(redactText(text, rules, { argv: ["logs", "x"] })).toBe(out);
  });
});

describe("redactResult(result, rules, argv, policy)", () => {
  const base: Result = { commandId: "x", clusterId: "c1", status: "success", output: "", truncated: false, durationMs: 1, executedAt: 1, agentId: "a" };

  test("returns the result itself when nothing is masked, error included", () => {
    const r = { ...base, output: "fine", error: "fine too" };
    expect(redactResult(r, rules, ["logs", "x"], "p")).toBe(r);
  });

  test("masks output by argv and error as plain text, and marks the result", () => {
    expect(redactResult({ ...base, output: "token=abcdefgh" }, rules, ["logs", "x"], "p")).toEqual({ ...base, output: `token=${M}`, redacted: true });
    expect(redactResult({ ...base, output: "ok", error: "token=abcdefgh" }, rules, ["logs", "x"], "p")).toEqual({ ...base, output: "ok", error: `token=${M}`, redacted: true });
    // stderr is text whatever the argv: not every token, only what a rule finds.
    expect(redactResult({ ...base, output: "", error: "Error from server: token=abcdefgh" }, rules, ["get", "secrets", "-o", "jsonpath={.x}"], "p").error).toBe(`Error from server: token=${M}`);
  });

  test("a missing output is empty, and a missing error stays missing", () => {
    const r = redactResult({ ...base, output: undefined as never, error: "token=abcdefgh" }, rules, ["logs", "x"], "p");
    expect(r).toEqual({ ...base, output: "", error: `token=${M}`, redacted: true });
    const noError = redactResult({ ...base, output: "token=abcdefgh" }, rules, ["logs", "x"], "p");
    expect("error" in noError).toBe(false);
  });

  test("when redaction itself fails, the output is withheld and the policy named", () => {
    const hostile = { ...base } as Result;
    Object.defineProperty(hostile, "output", { get: () => { throw new Error("boom"); }, enumerable: false });
    expect(redactResult(hostile, rules, ["logs", "x"], "my-policy")).toEqual({
      ...base,
      status: "failure",
      output: "",
      code: "POLICY_FAILED",
      policy: "my-policy",
      error: 'policy "my-policy" failed after execution; output withheld',
      redacted: true,
    });
  });
});
