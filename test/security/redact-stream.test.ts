/**
 * Where streamed output may be cut (lib/redact/stream.ts): a piece must hold
 * everything a redaction rule reads at once, so `streamUnit` picks the unit
 * from argv and `safeCut` never cuts inside a JSON or YAML document, a line,
 * or anything after a line that starts a multi-line secret. The pure part of
 * test/unit/stream-cut.test.ts (which also streams through the agent).
 */
import { describe, expect, test } from "bun:test";
import { safeCut, streamUnit } from "../../lib/redact/stream.ts";

describe("streamUnit(argv)", () => {
  test.each([
    [["logs", "-f", "web-1"], "line"],
    [["get", "pods", "-w"], "line"],
    [["get", "pods", "-w", "-o", "wide"], "line"],
    [["get", "pods", "-o", "name"], "line"],
    [["get", "pods", "-w", "-o", "json"], "json"],
    [["get", "pods", "--watch", "-oyaml"], "yaml"],
    [["get", "pods", "-w", "-o", "jsonpath={.items[*].metadata.name}"], "whole"],
    // A Secret table or name list holds no value; other commands that read Secrets are read whole.
    [["get", "secrets", "-w"], "line"],
    [["get", "secrets", "-w", "-o", "name"], "line"],
    [["get", "secrets", "-o", "json"], "json"],
    [["events", "--for", "secret/x", "-w"], "whole"],
    [["logs", "secret/x"], "whole"],
    [["events", "-w"], "line"],
    [["describe", "pod", "web-1"], "whole"],
    [["get", "pods", "-o", "custom-columns=N:.metadata.name"], "whole"],
    [["get", "pods", "-Aoyaml", "--bogus"], "whole"],
    [["not-a-verb", "--what"], "whole"],
    [["not-a-verb"], "whole"],
  ] as const)("%j is cut by %s", (argv, unit) => {
    expect(streamUnit(argv)).toBe(unit);
  });
});

describe("safeCut(text, unit)", () => {
  const cut = (text: string) => safeCut(text, "line");

  test("line: whole lines only; a partial last line waits", () => {
    expect(cut("a\nb\npart")).toEqual({ cut: 4, holdRest: false });
    expect(cut("a\nb\n")).toEqual({ cut: 4, holdRest: false });
    expect(cut("no newline yet")).toEqual({ cut: 0, holdRest: false });
    expect(cut("")).toEqual({ cut: 0, holdRest: false });
  });

  test.each([
    ["a private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"],
    ["a private key with no label", "-----BEGIN PRIVATE KEY-----\nMIIE\n"],
    ["a YAML data map (kind: Secret comes after it)", "data:\n  password: aHVudGVyMg==\nkind: Secret\n"],
    ["an indented YAML stringData map with CRLF", "  stringData: \r\n  password: x\n"],
    ["a Secret's kind in YAML", "kind: Secret\n"],
    ["a Secret's kind quoted in YAML", "kind: 'Secret'\n"],
    ["a Secret's kind in one-line JSON", '{"kind":"Secret","metadata":{}}\n'],
    ["a Secret's kind in spaced JSON", '{"kind" : "Secret"}\n'],
    ["a Secret's kind in escaped JSON", '{"msg":"{\\"kind\\":\\"Secret\\"}"}\n'],
    ["a JSON data object opened at the end of a line", '  "data": {\n    "token": "abc"\n  }\n'],
    ["a JSON stringData object opened at the end of a line", '  "stringData" : { \r\n    "token": "abc"\n  }\n'],
    ["an escaped JSON data object", '\\"data\\": {\n'],
    ["a last-applied annotation", "    kubectl.kubernetes.io/last-applied-configuration: |\n      {}\n"],
    ["describe's Environment section", "    Environment:\n      API_TOKEN:  abc\n"],
    ["describe's Environment section with trailing blanks", "Environment:\t \r\n      API_TOKEN:  abc\n"],
    ["describe's Data section", "Data\n====\npassword:  abc\n"],
    ["describe's indented Data section", "  Data \r\n====\n"],
  ])("line: from %s on, the rest is held for the end", (_name, block) => {
    const before = "2026-12-02 boot\nsecond line\n";
    expect(cut(`${before}${block}2026-12-02 after\n`)).toEqual({ cut: before.length, holdRest: true });
  });

  test("line: a holding first line holds everything", () => {
    expect(cut("kind: Secret\nx\n")).toEqual({ cut: 0, holdRest: true });
  });

  test("line: lines that only look alike are not held", () => {
    const text = 'kind: Deployment\nkind: Secrets\nkind: SecretStore\n{"data":{"a":1}}\n"data": {"a": 1}\nmetadata: x\nEnvironment: prod\nEnvironments:\nData: 4\nMetadata\nmydata:\ndata: x\n-----BEGIN CERTIFICATE-----\n-----BEGIN PUBLIC KEY-----\n';
    expect(cut(text)).toEqual({ cut: text.length, holdRest: false });
  });

  test("line: a line is judged only once complete", () => {
    expect(cut("ok\ndata:")).toEqual({ cut: 3, holdRest: false });
    expect(cut("ok\nkind: Secret")).toEqual({ cut: 3, holdRest: false });
  });

  test("json: after a closing brace at column 0", () => {
    const one = '{\n  "kind": "Pod",\n  "spec": {\n  }\n}\n';
    expect(safeCut(one + '{\n  "kind"', "json")).toEqual({ cut: one.length, holdRest: false });
    expect(safeCut(one + one + "{", "json")).toEqual({ cut: 2 * one.length, holdRest: false });
    expect(safeCut('{\n  "kind": "Pod"\n  }\n', "json")).toEqual({ cut: 0, holdRest: false });
    expect(safeCut('{\n  "kind": "Pod"', "json")).toEqual({ cut: 0, holdRest: false });
    expect(safeCut('{\r\n}\r\n{', "json")).toEqual({ cut: 6, holdRest: false });
    expect(safeCut("{\n}", "json")).toEqual({ cut: 0, holdRest: false });
  });

  test("json: after each compact document (kubectl's --output-watch-events), never inside one", () => {
    const events = '{"type":"ADDED","object":{"kind":"Secret","data":{"k":"[REDACTED]"}}}\n{"type":"MODIFIED","object":{}}\n';
    expect(safeCut(`${events}{"type":"DELETED","obj`, "json")).toEqual({ cut: events.length, holdRest: false });
    expect(safeCut('{"type":"ADDED","object":{"kind":"Secret"', "json")).toEqual({ cut: 0, holdRest: false });
    expect(safeCut('  {"a":1}\n', "json")).toEqual({ cut: 0, holdRest: false });
  });

  test("yaml: before the last document separator, never at the start", () => {
    const one = "apiVersion: v1\nkind: Pod\n";
    expect(safeCut(`${one}---\napiVersion: v1\n`, "yaml")).toEqual({ cut: one.length, holdRest: false });
    expect(safeCut(`${one}---\r\n${one}---\nx`, "yaml")).toEqual({ cut: 2 * one.length + 5, holdRest: false });
    expect(safeCut(`---\n${one}`, "yaml")).toEqual({ cut: 0, holdRest: false });
    expect(safeCut(`${one}--- \n${one}`, "yaml")).toEqual({ cut: 0, holdRest: false });
    expect(safeCut(`${one} ---\n`, "yaml")).toEqual({ cut: 0, holdRest: false });
    expect(safeCut(one, "yaml")).toEqual({ cut: 0, holdRest: false });
  });

  test("whole: never", () => {
    expect(safeCut("a\nb\n", "whole")).toEqual({ cut: 0, holdRest: true });
  });
});
