/**
 * Edges of the redaction passes that the fixture tables do not reach, one
 * row per decision (found by mutation testing): where a plain value ends,
 * which quoted-key forms a YAML key may take, when a describe section starts
 * and ends, what counts as a reference in describe's Environment, which
 * text is sniffed as JSON or YAML, where streamed output is held. Rows that
 * keep text unchanged pin that ordinary output is not mangled.
 */
import { describe, expect, test } from "bun:test";
import { redactDescribe } from "../../lib/redact/_describe.ts";
import { redactJson } from "../../lib/redact/_json.ts";
import { redactPatterns } from "../../lib/redact/_patterns.ts";
import { isPlaceholder, isSensitiveKey, scanQuoted } from "../../lib/redact/_shared.ts";
import { redactYaml } from "../../lib/redact/_yaml.ts";
import { createRules, DEFAULT_SENSITIVE_ENV_NAMES, outputShape, redactResult, redactText } from "../../lib/redact/index.ts";
import { safeCut } from "../../lib/redact/stream.ts";
import type { Result } from "../../lib/schemas.ts";

const rules = createRules({ mask: "M" });

describe("pattern rules at their edges", () => {
  test.each<[string, string]>([
    ["-----BEGIN PRIVATE KEY----------END PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----M-----END PRIVATE KEY-----"],
    ["password=abc\tnext", "password=M\tnext"],
    ["password=abc\rnext", "password=M\rnext"],
    ["https://u:***@h", "https://u:***@h"],
    ["https://u:xxx@h", "https://u:xxx@h"],
    ["kubectl.kubernetes.io/last-applied-configuration: M  ", "kubectl.kubernetes.io/last-applied-configuration: M  "],
    ["  kubectl.kubernetes.io/last-applied-configuration:\r\n    x\r\n  next: 1", "  kubectl.kubernetes.io/last-applied-configuration: M\r\n  next: 1"],
    ["    a\n  kubectl.kubernetes.io/last-applied-configuration:\n    x", "    a\n  kubectl.kubernetes.io/last-applied-configuration: M"],
    ["kubectl.kubernetes.io/last-applied-configuration:  M", "kubectl.kubernetes.io/last-applied-configuration:  M"],
    ["{\"kind\":\"Secret\",\"data\":{\"a:\\\"b\":\"x\"}}", "{\"kind\":\"Secret\",\"data\":{\"a:\\\"b\":\"M\"}}"],
    ["{\"kind\":\"Secret\",\"data\":{\"a}\":\"x\"}}", "{\"kind\":\"Secret\",\"data\":{\"a}\":\"M\"}}"],
    ["{\"kind\":\"Secret\",\"data\":{\\x\"a\":\"x\"}}", "{\"kind\":\"Secret\",\"data\":{\\x\"a\":\"M\"}}"],
    ["bearer Abc1234", "bearer Abc1234"],
    ["Bearer Abcdefg1", "Bearer M"],
    ["bearer  Abcdefghij", "bearer  M"],
    ["bearer abcdefgh1", "bearer M"],
    ["Authorization: Basic  abc", "Authorization: Basic  M"],
    ["MY_DSN= abc", "MY_DSN= M"],
    ["password:  x16 bytes", "password:  M bytes"],
    ["{\"kind\" : \"Secret\",\"data\":{\"a\":\"x\"}}", "{\"kind\" : \"Secret\",\"data\":{\"a\":\"M\"}}"],
  ])("%j", (text, out) => {
    expect(redactPatterns(text, rules, false)).toBe(out);
  });
});

describe("YAML keys and values at their edges", () => {
  test.each<[string, string]>([
    ["\"pass\\u0077ord\": x\n", "\"pass\\u0077ord\": M\n"],
    ["\"password\\q\": x\n", "\"password\\q\": x\n"],
    ["\"db\\qpassword\": x\n", "\"db\\qpassword\": M\n"],
    ["'it''s_password': x\n", "'it''s_password': M\n"],
    ["'token''': x\n", "'token''': x\n"],
    ["password : hunter2\n", "password : M\n"],
    ["items:\n- data:\n    a: x\n", "items:\n- data:\n    a: x\n"],
    ["kind: Secret\ndata:\n- M  \n", "kind: Secret\ndata:\n- M  \n"],
    ["kind: Secret\ndata:\n  a: M  \n", "kind: Secret\ndata:\n  a: M  \n"],
    ["env:\n- value: x\n", "env:\n- value: x\n"],
    ["x\"password\": y\n", "x\"password\": y\n"],
    ["\"password\"  : y\n", "\"password\"  : M\n"],
    ["kind: Secret\n\"data\":\n  a: x\n", "kind: Secret\n\"data\":\n  a: M\n"],
    ["x'password': y\n", "x'password': y\n"],
    ["'password'  : y\n", "'password'  : M\n"],
    ["kind: Secret\n'data':\n  a: x\n", "kind: Secret\n'data':\n  a: M\n"],
    ["{password: hunter2}\n", "{password: hunter2}\n"],
    ["password: |\n", "password: M\n"],
    ["password: |-\n", "password: M\n"],
    ["password: a{b}\n", "password: M\n"],
  ])("%j", (text, out) => {
    expect(redactYaml(text, rules)).toBe(out);
  });
});

describe("describe sections at their edges", () => {
  test.each<[string, string]>([
    ["Data\n====\na:  x\n   \nafter: y\n", "Data\n====\na:  M\n   \nafter: y\n"],
    ["Data\n====\ntoken:M\n", "Data\n====\ntoken:M\n"],
    ["Data\n====\nM  \n", "Data\n====\nM  \n"],
    ["Environment:\n  NODE_ENV:  password-policy\n", "Environment:\n  NODE_ENV:  password-policy\n"],
    ["Data\n====\ntoken: a\rb\n", "Data\n====\nM\n"],
    ["Data\n====\ntoken:  x10 bytes\n", "Data\n====\ntoken:  M\n"],
    ["Environment:  \n  DB_PASSWORD:  x\n", "Environment:  \n  DB_PASSWORD:  M\n"],
    ["Environment:\n  DB_PASSWORD:  hunter2 <set to the key 'a' in secret 'b'>\n", "Environment:\n  DB_PASSWORD:  M\n"],
    ["Environment:\n  DB_PASSWORD:  p (v1:metadata.name) secret\n", "Environment:\n  DB_PASSWORD:  M\n"],
    ["Environment:\n  DB_PASSWORD:  1 (limits.memory) secret\n", "Environment:\n  DB_PASSWORD:  M\n"],
    ["Data\nx===\ntoken: abc\n", "Data\nx===\ntoken: abc\n"],
    ["Data\n===x\ntoken: abc\n", "Data\n===x\ntoken: abc\n"],
    ["Data\n====\n k:\n----\n", "Data\n====\n M\nM\n"],
    ["Data\n====\nk:\nx--\n", "Data\n====\nk:\nM\n"],
    ["Data\n====\nk:\n--x\n", "Data\n====\nk:\nM\n"],
  ])("%j", (text, out) => {
    expect(redactDescribe(text, rules)).toBe(out);
  });
});

describe("JSON at its edges", () => {
  test.each<[string, string]>([
    ["{\"env\":[{\"name\":\"DB_PASSWORD\\q\",\"value\":\"x\"}]}", "{\"env\":[{\"name\":\"DB_PASSWORD\\q\",\"value\":\"M\"}]}"],
    ["{\"a\":[\"x\"],\"kind\":\"Secret\",\"data\":{\"k\":\"v\"}}", "{\"a\":[\"x\"],\"kind\":\"Secret\",\"data\":{\"k\":\"M\"}}"],
    ["{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\"},\"data\":{\"a\":\"x\"}}", "{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\"},\"data\":{\"a\":\"M\"}}"],
  ])("%j", (text, out) => {
    expect(redactJson(text, rules)).toBe(out);
  });

  test("a name that does not decode is read as written, between its quotes", () => {
    const custom = createRules({ mask: "M", sensitiveEnvNames: /^DB_/ });
    expect(redactJson('{"env":[{"name":"DB_\\q","value":"x"}]}', custom)).toBe('{"env":[{"name":"DB_\\q","value":"M"}]}');
  });
});

describe("helpers at their edges", () => {
  test("scanQuoted: an escaped backslash does not end an escaped string; a line break does", () => {
    expect(scanQuoted('\\"a\\\\"', 0)).toEqual({ from: 2, to: 6, next: 6 });
    expect(scanQuoted('\\"a\\\nb', 0)).toEqual({ from: 2, to: 4, next: 4 });
  });

  test("isSensitiveKey: a camelCase boundary after any lower-case letter or digit", () => {
    expect(["aToken", "zToken", "0Token", "9Token"].map(isSensitiveKey)).toEqual([true, true, true, true]);
  });

  test("isPlaceholder: values up to 220 characters are compared", () => {
    expect([isPlaceholder("*".repeat(220), "M"), isPlaceholder("*".repeat(221), "M")]).toEqual([true, false]);
  });

  test("DEFAULT_SENSITIVE_ENV_NAMES: the optional parts of ACCESS_KEY and CONNECTION_STR", () => {
    expect(["AWS_ACCESSKEY", "DB_CONNSTR", "DB_CONN_STR", "DB_CONNECTIONSTR", "DB_CONNECTION_STR"].map((n) => DEFAULT_SENSITIVE_ENV_NAMES.test(n))).toEqual([true, true, true, true, true]);
  });
});

describe("redactText: which passes run", () => {
  const logs = { argv: ["logs", "x"] };
  test.each<[string, string, object, string]>([
    ["plain text is read as YAML only for a whole `kind: Secret` line", "log kind: Secret\napiVersion: v1\ndata:\n  a: YWJj\n", logs, "log kind: Secret\napiVersion: v1\ndata:\n  a: YWJj\n"],
    ["not for another kind that starts like it", "log\nkind: Secrets\nenv:\n- name: DB_PASSWORD\n  value: x\n", logs, "log\nkind: Secrets\nenv:\n- name: DB_PASSWORD\n  value: x\n"],
    ["any blanks after `kind:`", "log\nkind:  Secret\ndata:\n  a: YWJj\n", logs, "log\nkind:  Secret\ndata:\n  a: M\n"],
    ["JSON is sniffed at the start only", 'x {"apiVersion":"v1","data":{"a":"YWJj"}', { shape: { format: "unknown", readsSecrets: false } }, 'x {"apiVersion":"v1","data":{"a":"YWJj"}'],
    ["template output with no argv keeps no header", "N\nabc", { shape: { format: "template", readsSecrets: true } }, "M\nM"],
    ["custom-columns is found among the string arguments", "N\nabc", { argv: [5, "custom-columns=N"], shape: { format: "template", readsSecrets: true } }, "N\nM"],
    ["--no-headers only as a flag of its own", "N\nabc", { argv: ["get", "secrets", "-o", "custom-columns=N", "-l", "a--no-headers"], shape: { format: "template", readsSecrets: true } }, "N\nM"],
    ["an unknown printer keeps no header, even of custom-columns", "N\nabc", { argv: ["get", "secrets", "--bogus", "-Aocustom-columns=N:.a"] }, "M\nM"],
    ["structured JSON is not read again for env pairs", '{"env":{"name":"DB_PASSWORD","value":"x"}}', { argv: ["get", "pods", "-o", "json"] }, '{"env":{"name":"DB_PASSWORD","value":"x"}}'],
    ["structured YAML is not read again for env pairs", `msg: '{"name":"DB_PASSWORD","value":"x"}'\n`, { argv: ["get", "pods", "-o", "yaml"] }, `msg: '{"name":"DB_PASSWORD","value":"x"}'\n`],
  ])("%s", (_what, text, from, out) => {
    expect(redactText(text, rules, from as never)).toBe(out);
  });

  test("stderr is read as text, never sniffed as a Secret manifest", () => {
    const r = { commandId: "x", clusterId: "c", status: "failure", output: "", error: '{"apiVersion":"v1","data":{"a":"YWJj"}', truncated: false, durationMs: 1, executedAt: 1, agentId: "a" } as Result;
    expect(redactResult(r, rules, ["get", "secrets"], "p")).toBe(r);
  });
});

describe("outputShape and safeCut at their edges", () => {
  test.each<[string[], string, boolean]>([
    [["get", "secrets", "-Aoyaml"], "yaml", true],
    [["get", "pods", "--bogus", "-l", "x--template=y"], "default", false],
    [["get", "pods", "--bogus", "x-f"], "default", false],
    [["get", "--bogus", "a-kx"], "default", false],
    [["get", "pods", "--bogus", "x-oyaml"], "default", false],
    [["get", "pods", "--bogus", "x-Ao"], "default", false],
    [["get", "pods", "--bogus", "-wAo=x"], "unknown", false],
  ])("outputShape(%j)", (argv, format, readsSecrets) => {
    expect(outputShape(argv)).toEqual({ format, readsSecrets } as never);
  });

  test('held from `data :` and a `"data":{` with no blank; not from a word that only ends like a header', () => {
    expect(safeCut("a\ndata :\nb\n", "line")).toEqual({ cut: 2, holdRest: true });
    expect(safeCut('a\n"data":{\nb\n', "line")).toEqual({ cut: 2, holdRest: true });
    expect(safeCut("a\nx Environment:\nMy Data\n", "line")).toEqual({ cut: 25, holdRest: false });
  });
});

describe("the mask inside quoted strings", () => {
  // createRules allows no character JSON escapes, so a real mask reads the same either way; this
  // hand-built rules object (outside that contract) shows the escaping is there should the shape widen.
  const quoting = { ...createRules(), mask: 'a"b' };
  test.each<[string, string]>([
    ['{"password": "abc"}', '{"password": "a\\"b"}'],
    ['password: "abc"', 'password: "a\\"b"'],
    ["'password': 'abc'", `'password': 'a"b'`],
    ['kubectl.kubernetes.io/last-applied-configuration: "x"', 'kubectl.kubernetes.io/last-applied-configuration: "a\\"b"'],
    ["kubectl.kubernetes.io/last-applied-configuration: 'x'", `kubectl.kubernetes.io/last-applied-configuration: 'a"b'`],
    ['{"kind":"Secret","data":{"a":"x"}}', '{"kind":"Secret","data":{"a":"a\\"b"}}'],
    ['{"name":"DB_PASSWORD","value":"x"}', '{"name":"DB_PASSWORD","value":"a\\"b"}'],
    ['{\\"kind\\":\\"Secret\\",\\"data\\":{\\"a\\":\\"x\\"}}', '{\\"kind\\":\\"Secret\\",\\"data\\":{\\"a\\":\\"a"b\\"}}'],
  ])("%j", (text, out) => {
    expect(redactPatterns(text, quoting, false)).toBe(out);
  });
});
