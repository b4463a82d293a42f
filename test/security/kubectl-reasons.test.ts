/**
 * Property: every place the grammar (lib/kubectl/parse.ts) builds a denial
 * is reached by one row here, asserting the rule and the whole reason, so a
 * reason that loses the offending token or names the wrong one fails. Rows
 * are grouped by the function that denies.
 */
import { describe, expect, test } from "bun:test";
import { MAX_ARG_BYTES, MAX_ARGS, MAX_TOTAL_BYTES, parseKubectl, type ParseOptions } from "../../lib/kubectl/index.ts";

type Row = [argv: string[], options: ParseOptions, rule: string, reason: string];

const ROWS: Row[] = [
  // snapshot: count, length, total and printability of every argument.
  [["get", "pods", ...Array.from({ length: MAX_ARGS - 1 }, () => "x")], {}, "argument-limits", "65 arguments; at most 64 are accepted"],
  [["get", "pods", "-l", "é".repeat(513)], {}, "argument-limits", "argument 3 is longer than 1024 bytes"],
  [["get", "pods", "-l", "x".repeat(MAX_ARG_BYTES + 1)], {}, "argument-limits", "argument 3 is longer than 1024 bytes"],
  [["get", "pods", ...Array.from({ length: 9 }, () => `-l=${"x".repeat(1000)}`)], {}, "argument-limits", `arguments total 9034 bytes; at most ${MAX_TOTAL_BYTES} are accepted`],
  [["get", "pods", `${"x".repeat(100)}\u0000`], {}, "non-printable", `argument 2 ("${"x".repeat(77)}...") contains a non-printable character`],
  [["get", "secret/" + "x".repeat(100)], {}, "restricted-resource", `"secrets/${"x".repeat(69)}..." is a restricted resource`],
  [["get", "pods", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x"], {}, "argument-limits", "65 arguments; at most 64 are accepted"],
  [["get", "pods", "-l", "a\tb"], {}, "non-printable", "argument 3 (\"a\\tb\") contains a non-printable character"],
  [[""], {}, "missing-verb", "no kubectl command given"],
  [["--as=x", "get"], {}, "flag-before-verb", "the command must come first, not the flag \"--as=x\" (kubectl may read a later word as the command)"],
  [["rollout"], {}, "unknown-verb", "\"rollout\" must be followed directly by one of: status, history; got nothing"],
  [["rollout", "undo"], {}, "denied-verb", "\"rollout undo\" is not read-only"],
  [["rollout", "bogus"], {}, "unknown-verb", "\"rollout\" must be followed directly by one of: status, history; got \"bogus\""],
  [["top", "x"], {}, "unknown-verb", "\"top\" must be followed directly by one of: pod, node; got \"x\""],
  [["auth"], {}, "unknown-verb", "\"auth\" must be followed directly by one of: can-i, whoami; got nothing"],
  [["delete"], {}, "denied-verb", "\"delete\" is not a read-only command"],
  [["frob"], {}, "unknown-verb", "\"frob\" is not a known kubectl command (kubectl would run a kubectl-frob plugin)"],
  [["get", "pods", "--watch=maybe"], {}, "invalid-value", "\"--watch=maybe\": \"maybe\" is not a boolean"],
  [["get", "pods", "-n", ""], {}, "missing-value", "\"-n\" needs a value"],
  [["get", "pods", "--namespace="], {}, "missing-value", "\"--namespace=\" needs a value"],
  [["get", "pods", "-l", "-x"], {}, "missing-value", "\"-l\" needs a value, but the next argument \"-x\" is a flag"],
  [["logs", "p", "--limit-bytes=x"], {}, "invalid-value", "\"--limit-bytes=x\": \"x\" is not an integer"],
  [["logs", "p", "--since=1y"], {}, "invalid-value", "\"--since=1y\": \"1y\" is not a duration such as 30s, 5m or 1h"],
  [["logs", "p", "--since-time=2024"], {}, "invalid-value", "\"--since-time=2024\": \"2024\" is not an RFC 3339 time"],
  [["get", "pods", "-n", "A"], {}, "invalid-value", "\"-n\": \"A\" is not a valid name (lowercase letters, digits and '-')"],
  [["get", "pods", "-o", "JSON"], {}, "output-format", "output \"JSON\" is not allowed; use one of: wide, name, json, yaml, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE, custom-columns=SPEC"],
  [["get", "pods", "-o", "jsonpath-file=x"], {}, "output-format", "output \"jsonpath-file=x\" is not allowed (go-template, template and *-file forms are refused: kubectl would render them itself or read a local file); use one of: wide, name, json, yaml, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE, custom-columns=SPEC"],
  [["get", "pods", "-o", "x-file"], {}, "output-format", "output \"x-file\" is not allowed (go-template, template and *-file forms are refused: kubectl would render them itself or read a local file); use one of: wide, name, json, yaml, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE, custom-columns=SPEC"],
  [["get", "pods", "-o", "jsonpath="], {}, "output-format", "output \"jsonpath=\" needs a template after \"=\"; use one of: wide, name, json, yaml, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE, custom-columns=SPEC"],
  [["get", "pods", "-o", "custom-columns"], {}, "output-format", "output \"custom-columns\" needs a template after \"=\"; use one of: wide, name, json, yaml, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE, custom-columns=SPEC"],
  [["version", "-o", "jsonpath={.x}"], {}, "output-format", "output \"jsonpath={.x}\" is not allowed (templates and *-file forms are refused); use one of: json, yaml"],
  [["version", "-o", "wide"], {}, "output-format", "output \"wide\" is not allowed; use one of: json, yaml"],
  [["get", "pods", "-v", "99"], {}, "verbosity", "\"-v\": verbosity \"99\" is above 4 (higher levels log request and response bodies)"],
  [["get", "pods", "-v", "x"], {}, "verbosity", "\"-v\": verbosity \"x\" is above 4 (higher levels log request and response bodies)"],
  [["events", "--for", "pods"], {}, "invalid-resource", "\"--for\": \"pods\" must be TYPE/NAME"],
  [["events", "--for", "a/b/c"], {}, "invalid-resource", "\"--for\": \"a/b/c\" must be TYPE/NAME"],
  [["get", "pods", "--subresource=log"], {}, "invalid-value", "\"--subresource=log\": \"log\" is not one of status, scale"],
  [["get", "pods", "--as", "x"], {}, "global-flag", "flag \"--as\" is refused: it selects other credentials, servers or local files"],
  [["get", "-f", "x"], {}, "file-input", "flag \"-f\" is refused: it reads local files or URLs"],
  [["get", "--raw=/x"], {}, "raw-path", "flag \"--raw\" is refused: it requests an arbitrary API path"],
  [["get", "--template=x"], {}, "output-format", "flag \"--template\" is refused: it renders templates or reads template files"],
  [["get", "-R"], {}, "denied-flag", "flag \"-R\" is refused: it is not read-safe"],
  [["get", "pods", "---x"], {}, "unknown-flag", "bad flag syntax \"---x\""],
  [["get", "pods", "--=x"], {}, "unknown-flag", "bad flag syntax \"--=x\""],
  [["get", "pods", "--nope=x"], {}, "unknown-flag", "unknown flag \"--nope\" for \"get\""],
  [["get", "pods", "--namespace"], {}, "missing-value", "\"--namespace\" needs a value"],
  [["get", "pods", "-Z"], {}, "unknown-flag", "unknown shorthand flag \"-Z\" in \"-Z\" for \"get\""],
  [["get", "pods", "-AZ"], {}, "unknown-flag", "unknown shorthand flag \"-Z\" in \"-AZ\" for \"get\""],
  [["get", "pods", "-n="], {}, "missing-value", "\"-n=\" has an empty value"],
  [["get", "pods", "-n"], {}, "missing-value", "\"-n\" needs a value"],
  [["get", "pods", "-A=x"], {}, "invalid-value", "\"-A\": \"x\" is not a boolean"],
  [["get", "--", "-x"], {}, "unexpected-argument", "argument \"-x\" is not a valid name (after \"--\" kubectl reads it as a name, not a flag)"],
  [["get", "--", ""], {}, "unexpected-argument", "argument \"\" is not a valid name (after \"--\" kubectl reads it as a name, not a flag)"],
  [["top", "pod", "a", "b"], {}, "unexpected-argument", "\"top pod\" takes at most 1 argument(s); unexpected \"b\""],
  [["cluster-info", "dump"], {}, "denied-verb", "\"cluster-info dump\" is not read-only"],
  [["version", "x"], {}, "unexpected-argument", "\"version\" takes no arguments; unexpected \"x\""],
  [["get", "pods/a/b"], {}, "invalid-resource", "\"pods/a/b\" must be a single TYPE/NAME"],
  [["logs", "p", "C"], {}, "invalid-value", "container \"C\" is not a valid name"],
  [["logs", "a", "b", "c"], {}, "unexpected-argument", "\"logs\" takes at most 2 argument(s); unexpected \"c\""],
  [["logs", "pods/"], {}, "invalid-resource", "\"\" is not a valid object name"],
  [["top", "pod", "Bad name"], {}, "invalid-resource", "\"Bad name\" is not a valid object name"],
  [["explain", "a/b"], {}, "invalid-resource", "\"a/b\" is not a resource or field path"],
  [["explain", "a", "b"], {}, "unexpected-argument", "\"explain\" takes at most 1 argument(s); unexpected \"b\""],
  [["auth", "can-i", "get!"], {}, "unexpected-argument", "\"get!\" is not an API verb"],
  [["auth", "can-i", "get", "pods/a/b"], {}, "invalid-resource", "\"pods/a/b\" must be a single TYPE/NAME"],
  [["auth", "can-i", "get", "po_d"], {}, "invalid-resource", "\"po_d\" is not a valid resource type"],
  [["auth", "can-i", "get", "pods", "-bad"], {}, "unknown-flag", "unknown shorthand flag \"-b\" in \"-bad\" for \"auth can-i\""],
  [["auth", "can-i", "get", "pods", "a b"], {}, "invalid-resource", "\"a b\" is not a valid object name"],
  [["auth", "can-i", "a", "b", "c", "d"], {}, "unexpected-argument", "\"auth can-i\" takes at most 3 argument(s); unexpected \"d\""],
  [["get", "secrets"], {}, "restricted-resource", "\"secrets\" is a restricted resource"],
  [["get", "secrets", "-o", "json"], {secrets: "metadata"}, "restricted-resource", "\"secrets\" is a restricted resource readable only as metadata: -o json would print Secret values; Secrets are readable only as tables (default, -o wide) and -o name"],
  [["get", "secret/x"], {}, "restricted-resource", "\"secrets/x\" is a restricted resource"],
];

describe("parseKubectl: the reason of every denial site", () => {
  for (const [argv, options, rule, reason] of ROWS) {
    test(`${JSON.stringify(argv).slice(0, 70)} -> ${rule}`, () => {
      expect(parseKubectl(argv, options)).toEqual({ ok: false, rule, reason } as never);
    });
  }
});

describe("parseKubectl: argv that is no array of strings, and its own failures", () => {
  test.each<[string, unknown, string, string]>([
    ["a string", "get pods", "invalid-argv", "argv must be an array of strings"],
    ["null", null, "invalid-argv", "argv must be an array of strings"],
    ["a number inside", ["get", 1], "invalid-argv", "argument 1 is not a string"],
    ["undefined first", [undefined], "invalid-argv", "argument 0 is not a string"],
  ])("%s -> %s", (_what, argv, rule, reason) => {
    expect(parseKubectl(argv as string[])).toEqual({ ok: false, rule, reason } as never);
  });

  test("a throwing argv is an internal-error denial naming the message, never a throw", () => {
    const throwing = (thrown: unknown) => new Proxy(["get", "pods"], { get: (t, p, r) => (p === "length" ? (() => { throw thrown; })() : Reflect.get(t, p, r)) });
    expect(parseKubectl(throwing(new Error("boom")))).toEqual({ ok: false, rule: "internal-error", reason: "the command could not be parsed: boom" });
    expect(parseKubectl(throwing("plain"))).toEqual({ ok: false, rule: "internal-error", reason: "the command could not be parsed: plain" });
  });

  test("each element is read once: a getter cannot show the checks one value and the parser another", () => {
    let reads = 0;
    const argv = ["get", "pods"];
    Object.defineProperty(argv, 1, { get: () => (reads++ === 0 ? "pods" : "secrets"), enumerable: true });
    const r = parseKubectl(argv);
    expect(r.ok && r.command.resources).toEqual([{ resource: "pods" }]);
    expect(reads).toBe(1);
  });

  test("the limits are inclusive: 64 arguments, 1024 bytes each, 8192 bytes in all", () => {
    expect(parseKubectl(["get", "pods", ...Array.from({ length: MAX_ARGS - 2 }, () => "x")]).ok).toBe(true);
    expect(parseKubectl(["get", "pods", "-l", "é".repeat(512)]).ok).toBe(true);
    // 3 + 4 + 8 x (3 + 1020) + 1 = 8192 bytes.
    const total = ["get", "pods", ...Array.from({ length: 8 }, () => `-l=${"x".repeat(1020)}`), "p"];
    expect(total.reduce((n, a) => n + Buffer.byteLength(a), 0)).toBe(8192);
    expect(parseKubectl(total).ok).toBe(true);
    expect(parseKubectl([...total.slice(0, -1), "po"])).toMatchObject({ ok: false, rule: "argument-limits", reason: "arguments total 8193 bytes; at most 8192 are accepted" });
  });
});
