/**
 * The helpers every redaction pass shares (lib/redact/_shared.ts): span
 * edits, line bounds, quoted-string scanning, sensitive keys and
 * placeholders. Each row pins one branch; a helper that drifts (a quoted
 * value running past its line, a key judged sensitive by a prefix) would
 * let a value through or mangle ordinary output in every pass at once.
 */
import { describe, expect, test } from "bun:test";
import { applyEdits, indentOf, isPlaceholder, isSensitiveKey, LAST_APPLIED, lineEnd, lineStart, scanQuoted, unquote } from "../../lib/redact/_shared.ts";

describe("applyEdits(text, edits)", () => {
  test("returns the text itself when there is nothing to change", () => {
    const text = "abcdef";
    expect(applyEdits(text, [])).toBe(text);
    expect(applyEdits(text, [{ start: 1, end: 3, text: "bc" }])).toBe(text);
  });

  test("applies edits in order of position whatever their order in the list", () => {
    expect(applyEdits("abcdef", [{ start: 4, end: 5, text: "E" }, { start: 0, end: 1, text: "A" }])).toBe("AbcdEf");
    expect(applyEdits("abcdef", [{ start: 2, end: 2, text: "+" }])).toBe("ab+cdef");
    expect(applyEdits("abcdef", [{ start: 5, end: 6, text: "" }])).toBe("abcde");
  });

  test("drops an edit that overlaps an earlier one; at one start the longer edit wins", () => {
    expect(applyEdits("abcdef", [{ start: 1, end: 4, text: "X" }, { start: 2, end: 5, text: "Y" }])).toBe("aXef");
    expect(applyEdits("abcdef", [{ start: 1, end: 2, text: "S" }, { start: 1, end: 4, text: "L" }])).toBe("aLef");
    expect(applyEdits("abcdef", [{ start: 1, end: 3, text: "X" }, { start: 3, end: 4, text: "Y" }])).toBe("aXYef");
  });

  test("an unchanged edit does not block a later one", () => {
    expect(applyEdits("abcdef", [{ start: 0, end: 2, text: "ab" }, { start: 1, end: 3, text: "Z" }])).toBe("aZdef");
  });
});

describe("lineEnd, lineStart, indentOf", () => {
  test.each<[string, number, number]>([
    ["abc", 0, 3],
    ["abc\ndef", 1, 3],
    ["abc\r\ndef", 0, 3],
    ["abc\r\ndef", 5, 8],
    ["abc\n", 3, 3],
    ["\r\n", 0, 0],
    ["a\rb\n", 0, 3],
  ])("lineEnd(%j, %d) = %d", (text, i, end) => {
    expect(lineEnd(text, i)).toBe(end);
  });

  test("lineEnd at a `\\r\\n` right at the index keeps the index", () => {
    expect(lineEnd("ab\r\ncd", 3)).toBe(3);
  });

  test.each<[string, number, number]>([
    ["abc", 0, 0],
    ["abc", 2, 0],
    ["ab\ncd", 3, 3],
    ["ab\ncd", 4, 3],
    ["ab\ncd", 2, 0],
    ["a\nb\nc", 4, 4],
  ])("lineStart(%j, %d) = %d", (text, i, start) => {
    expect(lineStart(text, i)).toBe(start);
  });

  test.each<[string, number]>([["", 0], ["abc", 0], ["  abc", 2], ["    ", 4], ["\tabc", 0], [" \t x", 1]])("indentOf(%j) = %d", (line, n) => {
    expect(indentOf(line)).toBe(n);
  });
});

describe("scanQuoted(text, i)", () => {
  test.each<[string, number, { from: number; to: number; next: number } | null]>([
    ["abc", 0, null],
    ["x\"ab\"", 1, { from: 2, to: 4, next: 5 }],
    ['"ab\\"c"d', 0, { from: 1, to: 6, next: 7 }],
    ['"a\\\\"b', 0, { from: 1, to: 4, next: 5 }],
    ['"ab\nc"', 0, { from: 1, to: 3, next: 3 }],
    ['"ab\rc"', 0, { from: 1, to: 3, next: 3 }],
    ['"abc', 0, { from: 1, to: 4, next: 4 }],
    ['""', 0, { from: 1, to: 1, next: 2 }],
    ["'a''b'c", 0, { from: 1, to: 5, next: 6 }],
    ["'a\\'b", 0, { from: 1, to: 3, next: 4 }],
    ["'ab\rc'", 0, { from: 1, to: 3, next: 3 }],
    ["'ab\nc'", 0, { from: 1, to: 3, next: 3 }],
    ["'abc", 0, { from: 1, to: 4, next: 4 }],
    ["''", 0, { from: 1, to: 1, next: 2 }],
    ['\\"ab\\"c', 0, { from: 2, to: 4, next: 6 }],
    ['\\"ab\\\\\\"c', 0, { from: 2, to: 6, next: 8 }],
    ['\\"a"b\\"', 0, { from: 2, to: 5, next: 7 }],
    ['\\"ab\nc\\"', 0, { from: 2, to: 4, next: 4 }],
    ['\\"ab\rc\\"', 0, { from: 2, to: 4, next: 4 }],
    ['\\"abc', 0, { from: 2, to: 5, next: 5 }],
    ["\\x", 0, null],
  ])("scanQuoted(%j, %d)", (text, i, span) => {
    expect(scanQuoted(text, i)).toEqual(span);
  });
});

describe("isSensitiveKey(key)", () => {
  test.each<[string, boolean]>([
    // Words that count after any prefix.
    ...["password", "passwd", "passphrase", "apikey", "api_key", "api-key", "accesskey", "access_key", "access-key", "secretkey", "secret_key", "secret-key", "privatekey", "private_key", "private-key", "clientsecret", "client_secret", "client-secret", "credential", "credentials", "key-data", "key_data", ".key"].map((w) => [`db${w}`, true] as [string, boolean]),
    ["DBPassword", true],
    ["tls.key", true],
    ["client-key-data", true],
    // Whole words only: at the start, after a separator, or after a camelCase boundary.
    ["secret", true],
    ["token", true],
    ["pwd", true],
    ["auth", true],
    ["cookie", true],
    ["TOKEN", true],
    ["client_secret", true],
    ["refresh-token", true],
    ["id.token", true],
    ["accessToken", true],
    ["v2Token", true],
    ["setCookie", true],
    ["basicAuth", true],
    ["tokens", false],
    ["secretName", false],
    ["oauth", false],
    ["mytoken", false],
    ["MYTOKEN", false],
    ["my token", false],
    ["xSECRET", true],
    ["XSECRET", false],
    ["ATOKEN", false],
    ["a:token", false],
    ["a/token", false],
    ["a@token", false],
    ["`token", false],
    ["{Token", false],
    ["[Token", false],
    ["/Token", false],
    [":Token", false],
    ["@Token", false],
    ["name", false],
    ["", false],
    [`${"x".repeat(192)}password`, true],
    [`${"x".repeat(193)}password`, false],
  ])("%j -> %p", (key, sensitive) => {
    expect(isSensitiveKey(key)).toBe(sensitive);
  });
});

describe("isPlaceholder(value, mask), unquote(value)", () => {
  const M = "[REDACTED]";
  test.each<[string, boolean]>([
    ["", true],
    [M, true],
    [`"${M}"`, true],
    [`'${M}'`, true],
    ["*MASK*", false],
    ["true", true],
    ["FALSE", true],
    ["null", true],
    ["nil", true],
    ["None", true],
    ["~", true],
    ["*", true],
    ["*****", true],
    ["xxx", true],
    ["XXXX", true],
    ["xx", false],
    ["#", true],
    ["###", true],
    ["...", true],
    ["..", false],
    ["…", true],
    ["redacted", true],
    ["[filtered]", true],
    ["hidden]", true],
    ["[MASKED", true],
    ["<none>", true],
    ["<set to the key 'password' in secret 'db'>", true],
    ["<unterminated", true],
    ["<a<b>", false],
    [`<${"x".repeat(80)}>`, true],
    [`<${"x".repeat(81)}>`, false],
    ["$(DB_PASSWORD)", true],
    ["$(1X)", false],
    ["$(a b)", false],
    [`$(a${"b".repeat(100)})`, true],
    [`$(a${"b".repeat(101)})`, false],
    ["${DB_PASSWORD}", true],
    ["${a.b:c-d}", true],
    ["${1}", false],
    [`\${a${"b".repeat(101)}}`, false],
    ["{{ .Values.password }}", true],
    ["{{a{b}}", false],
    [`{{${"x".repeat(200)}}}`, true],
    [`{{${"x".repeat(201)}}}`, false],
    ["|", true],
    [">", true],
    ["|-", true],
    [">+2", true],
    ["|2-+", true],
    ["|2-+1", false],
    ["|a", false],
    ["hunter2", false],
    ["truex", false],
    ["xtrue", false],
    ["-", false],
    [`<${"x".repeat(80)}>`.padEnd(221, " "), false],
  ])("isPlaceholder(%j) -> %p", (value, placeholder) => {
    expect(isPlaceholder(value, M)).toBe(placeholder);
  });

  test("the mask is a placeholder whatever it is, bare or quoted", () => {
    expect(isPlaceholder("hunter2", "hunter2")).toBe(true);
    expect(isPlaceholder('"hunter2"', "hunter2")).toBe(true);
    expect(isPlaceholder("'hunter2'", "hunter2")).toBe(true);
    expect(isPlaceholder("'hunter2\"", "hunter2")).toBe(false);
  });

  test.each<[string, string]>([
    ['"a"', "a"],
    ["'a'", "a"],
    ['""', ""],
    ["''", ""],
    ['"', '"'],
    ["'", "'"],
    ['"a\'', '"a\''],
    ["a", "a"],
    ["'a'b'", "a'b"],
    ["`a`", "`a`"],
    ['""a""', '"a"'],
  ])("unquote(%j) = %j", (value, out) => {
    expect(unquote(value)).toBe(out);
  });

  test("LAST_APPLIED names kubectl's annotation", () => {
    expect(LAST_APPLIED).toBe("kubectl.kubernetes.io/last-applied-configuration");
  });
});
