/**
 * Boundaries of the grammar that the tables of kubectl-reasons.test.ts do
 * not reach: the exact edge of each value pattern (integers, negative
 * integers taken from the next argument, Go durations, RFC 3339 times,
 * verbosity, can-i verbs and URLs, explain paths), token lengths in reasons,
 * a lone `-`, and the rules of buildArgv, splitCommandLine and the Secret
 * metadata rule at their edges. Each row names what it pins.
 */
import { describe, expect, test } from "bun:test";
import { buildArgv, parseKubectl, splitCommandLine, templateOutput } from "../../lib/kubectl/index.ts";
import { secretMetadataProblem } from "../../lib/kubectl/secrets.ts";

const verdict = (argv: string[]) => {
  const r = parseKubectl(argv);
  return r.ok ? "ok" : `${r.rule}: ${r.reason}`;
};

describe("parseKubectl: value patterns at their edges", () => {
  test.each<[string[], string]>([
    // Integers: anchored at both ends; a negative value may come from the next argument only for int flags.
    [["logs", "p", "--tail=5x"], 'invalid-value: "--tail=5x": "5x" is not an integer'],
    [["logs", "p", "--tail=x5"], 'invalid-value: "--tail=x5": "x5" is not an integer'],
    [["logs", "p", "--tail", "-55"], "ok"],
    [["logs", "p", "--tail", "-5x"], 'missing-value: "--tail" needs a value, but the next argument "-5x" is a flag'],
    [["logs", "p", "--tail", "--5"], 'missing-value: "--tail" needs a value, but the next argument "--5" is a flag'],
    [["logs", "p", "--tail", "x-5"], 'invalid-value: "--tail": "x-5" is not an integer'],
    [["get", "pods", "-l", "-5"], 'missing-value: "-l" needs a value, but the next argument "-5" is a flag'],
    // A value in the flag's own token may start with "-".
    [["get", "pods", "--selector=-x"], "ok"],
    [["get", "pods", "-l-x"], "ok"],
    [["get", "pods", "-l=-x"], "ok"],
    // Durations: a bare integer (seconds) of any length up to 12 digits, or Go units with fractions.
    [["get", "pods", "--request-timeout=55"], "ok"],
    [["get", "pods", "--request-timeout=1.55s"], "ok"],
    [["get", "pods", "--request-timeout=1h30m10.5s"], "ok"],
    [["get", "pods", "--request-timeout=x5s"], 'invalid-value: "--request-timeout=x5s": "x5s" is not a duration such as 30s, 5m or 1h'],
    [["get", "pods", "--request-timeout=5sx"], 'invalid-value: "--request-timeout=5sx": "5sx" is not a duration such as 30s, 5m or 1h'],
    [["get", "pods", "--request-timeout=1.xs"], 'invalid-value: "--request-timeout=1.xs": "1.xs" is not a duration such as 30s, 5m or 1h'],
    // RFC 3339 times: fractions and offsets, anchored.
    [["logs", "p", "--since-time=2024-01-02T03:04:05.123456789+02:00"], "ok"],
    [["logs", "p", "--since-time=2024-01-02T03:04:05.12-11:30"], "ok"],
    [["logs", "p", "--since-time=x2024-01-02T03:04:05Z"], 'invalid-value: "--since-time=x2024-01-02T03:04:05Z": "x2024-01-02T03:04:05Z" is not an RFC 3339 time'],
    [["logs", "p", "--since-time=2024-01-02T03:04:05Zx"], 'invalid-value: "--since-time=2024-01-02T03:04:05Zx": "2024-01-02T03:04:05Zx" is not an RFC 3339 time'],
    [["logs", "p", "--since-time=2024-01-02T03:04:05.xZ"], 'invalid-value: "--since-time=2024-01-02T03:04:05.xZ": "2024-01-02T03:04:05.xZ" is not an RFC 3339 time'],
    [["logs", "p", "--since-time=2024-01-02T03:04:05*02:00"], 'invalid-value: "--since-time=2024-01-02T03:04:05*02:00": "2024-01-02T03:04:05*02:00" is not an RFC 3339 time'],
    [["logs", "p", "--since-time=2024-01-02T03:04:05+0x:00"], 'invalid-value: "--since-time=2024-01-02T03:04:05+0x:00": "2024-01-02T03:04:05+0x:00" is not an RFC 3339 time'],
    [["logs", "p", "--since-time=2024-01-02T03:04:05+02:0x"], 'invalid-value: "--since-time=2024-01-02T03:04:05+02:0x": "2024-01-02T03:04:05+02:0x" is not an RFC 3339 time'],
    // Verbosity: digits only, compared as a number.
    [["get", "pods", "-v=04"], "ok"],
    [["get", "pods", "-v=4x"], 'verbosity: "-v": verbosity "4x" is above 4 (higher levels log request and response bodies)'],
    [["get", "pods", "-v=x4"], 'verbosity: "-v": verbosity "x4" is above 4 (higher levels log request and response bodies)'],
    // Outputs: only a template at the start of the value is called a template.
    [["get", "pods", "-o", "xjsonpath"], 'output-format: output "xjsonpath" is not allowed; use one of: wide, name, json, yaml, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE, custom-columns=SPEC'],
    [["get", "pods", "-o", "templatex"], 'output-format: output "templatex" is not allowed (go-template, template and *-file forms are refused: kubectl would render them itself or read a local file); use one of: wide, name, json, yaml, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE, custom-columns=SPEC'],
    [["get", "pods", "-o", "jsonpath={.items[*].metadata.name}"], "ok"],
    [["get", "pods", "-o", "custom-columns=N:.metadata.name", "--sort-by=.metadata.name"], "ok"],
    // Positionals: a lone "-" is an argument, and not a valid name.
    [["get", "pods", "-"], 'unexpected-argument: argument "-" is not a valid name (after "--" kubectl reads it as a name, not a flag)'],
    [["logs", "web", "app"], "ok"],
    [["explain", "a"], "ok"],
    [["auth", "can-i", "get", "*"], "ok"],
    [["auth", "can-i", "*", "*"], "ok"],
    [["auth", "can-i", "get", "/logs/"], "ok"],
    [["auth", "can-i", "get", "/logs"], "ok"],
    [["auth", "can-i", "get", "/x y"], 'invalid-resource: "" is not a valid resource type'],
    [["auth", "can-i", "get", "pods,svc"], 'invalid-resource: "pods,svc" is not a valid resource type'],
    [["auth", "can-i", "1get", "pods"], 'unexpected-argument: "1get" is not an API verb'],
    [["auth", "can-i", "--bogus"], 'unknown-flag: unknown flag "--bogus" for "auth can-i"'],
    // Reasons quote tokens whole up to 80 characters.
    [["get", "pods", `${"x".repeat(79)}\u0000`], `non-printable: argument 2 ("${"x".repeat(79)}\\u0000") contains a non-printable character`],
    // Byte length, not string length: 1024 two-byte characters are 2048 bytes.
    [["get", "pods", "-l", "é".repeat(1024)], "argument-limits: argument 3 is longer than 1024 bytes"],
  ])("%j", (argv, expected) => {
    expect(verdict(argv)).toBe(expected);
  });

  test("a parsed command carries namespace and output only when they were given", () => {
    const bare = parseKubectl(["get", "pods"]);
    expect(bare.ok && Object.keys(bare.command).sort()).toEqual(["allNamespaces", "flags", "path", "positionals", "resources"]);
    const full = parseKubectl(["get", "pods", "-n", "a", "-o", "name"]);
    expect(full.ok && [full.command.namespace, full.command.output]).toEqual(["a", "name"]);
  });

  test("a thrown null is an internal-error denial too", () => {
    const argv = new Proxy(["get"], { get: (t, p, r) => (p === "length" ? (() => { throw null; })() : Reflect.get(t, p, r)) });
    expect(parseKubectl(argv)).toEqual({ ok: false, rule: "internal-error", reason: "the command could not be parsed: null" });
  });
});

describe("buildArgv: what counts as choosing a namespace", () => {
  test.each<[string[], string[]]>([
    // Arguments that parse: the grammar decides (here -A=false chooses nothing).
    [["pods", "-A=false"], ["get", "pods", "-A=false", "-n", "d"]],
    // Arguments that do not parse, for a restricted resource or a high -v: the conservative scan decides.
    [["secrets", "-A=false"], ["get", "secrets", "-A=false", "-n", "d"]],
    [["pods", "-v=9", "-A=false"], ["get", "pods", "-v=9", "-A=false", "-n", "d"]],
    [["pods", "--bogus", "-ow=n"], ["get", "pods", "--bogus", "-ow=n"]],
    [["pods", "--bogus", "-wA"], ["get", "pods", "--bogus", "-wA"]],
    [["pods", "--bogus", "x"], ["get", "pods", "--bogus", "x", "-n", "d"]],
  ])("get %j in d", (args, argv) => {
    expect(buildArgv({ commandType: "get", args, namespace: "d" })).toEqual(argv);
  });
});

describe("splitCommandLine at its edges", () => {
  test.each<[string, unknown]>([
    ["get \\|", { ok: true, words: ["get", "|"] }],
    ["\\a", { ok: true, words: ["a"] }],
    ['get "a$', { ok: false, reason: "a double quote is not closed" }],
  ])("%j", (line, result) => {
    expect(splitCommandLine(line)).toEqual(result as never);
  });
});

describe("secretMetadataProblem at its edges", () => {
  const get = (flags: Record<string, string>) => ({ path: ["get"], positionals: ["secrets"], flags: new Map(Object.entries(flags)) });
  test("a field selector term is read from its start: a later metadata term cannot hide a data one", () => {
    expect(secretMetadataProblem(get({ "field-selector": "data.x metadata.name=y" }))).toBe(
      `--field-selector on "data.x metadata.name=y" would test Secrets' content; select on metadata.name, metadata.namespace or type`,
    );
  });

  test("tokens in reasons are quoted whole up to 80 characters, then cut to 77 and ...", () => {
    const at80 = `.data.${"x".repeat(74)}`;
    expect(secretMetadataProblem(get({ "sort-by": at80 }))).toBe(`--sort-by ${JSON.stringify(at80)} would order Secrets by their content; sort by .metadata.name, .metadata.namespace, .metadata.creationTimestamp or .type`);
    const at81 = `${at80}y`;
    expect(secretMetadataProblem(get({ "sort-by": at81 }))).toBe(`--sort-by ${JSON.stringify(`${at81.slice(0, 77)}...`)} would order Secrets by their content; sort by .metadata.name, .metadata.namespace, .metadata.creationTimestamp or .type`);
  });
});

describe("templateOutput(output): the template outputs Kubently evaluates itself", () => {
  test.each<[string | undefined, unknown]>([
    [undefined, null],
    ["jsonpath={.x}", { format: "jsonpath", template: "{.x}" }],
    ["jsonpath-as-json=a=b", { format: "jsonpath-as-json", template: "a=b" }],
    ["custom-columns=N:.a", { format: "custom-columns", template: "N:.a" }],
    ["jsonpath=", null],
    ["=x", null],
    ["jsonpath", null],
    ["go-template={{.}}", null],
    ["jsonpath-file=x", null],
    ["JSONPATH={.x}", null],
    ["json", null],
  ])("%j", (output, result) => {
    expect(templateOutput(output)).toEqual(result as never);
  });

  test("an output that is only `=x` is no template", () => {
    expect(parseKubectl(["get", "pods", "-o", "=x"])).toEqual({ ok: false, rule: "output-format", reason: 'output "=x" is not allowed; use one of: wide, name, json, yaml, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE, custom-columns=SPEC' });
  });
});
