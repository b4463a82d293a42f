/**
 * Property: `splitCommandLine` (lib/kubectl/command-line.ts) splits a command
 * line the way sh quotes it and refuses, with a reason, everything that would
 * make a shell run something else: operators, substitution, variables,
 * unbalanced quotes, control characters, overlong lines. One row per branch
 * of the scanner; the refusals assert the whole reason.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { MAX_COMMAND_LINE_LENGTH, splitCommandLine } from "../../lib/kubectl/index.ts";

const SHELL = (c: string) => `shell syntax ("${c}") is not supported: send one kubectl command, without pipes, redirects, chaining or variables`;
const SUBSTITUTION = "command substitution and variables are not supported; write the value itself";

describe("splitCommandLine(text): words", () => {
  test.each<[string, string[]]>([
    ["", []],
    ["   ", []],
    ["get  pods\t-n shop", ["get", "pods", "-n", "shop"]],
    ["get\npods\r\n-A", ["get", "pods", "-A"]],
    [" get pods ", ["get", "pods"]],
    ["get pods -l 'app in (a, b)'", ["get", "pods", "-l", "app in (a, b)"]],
    ["get 'a'b'c'", ["get", "abc"]],
    ["get '' pods", ["get", "", "pods"]],
    ['get "" pods', ["get", "", "pods"]],
    ["get '$(x) `y` \\ \"z\"'", ["get", '$(x) `y` \\ "z"']],
    ['logs "web 1" -c "a\\"b"', ["logs", "web 1", "-c", 'a"b']],
    ['get "a\\\\b"', ["get", "a\\b"]],
    ['get "a\\`b"', ["get", "a`b"]],
    ['get "a\\$b"', ["get", "a$b"]],
    ['get "a\\nb"', ["get", "a\\nb"]],
    ['get "a\\\nb"', ["get", "ab"]],
    ['get "a$"', ["get", "a$"]],
    ['get "a$ b"', ["get", "a$ b"]],
    ['get "a$%"', ["get", "a$%"]],
    ['get "{x}"', ["get", "{x}"]],
    ['get "a\'b"', ["get", "a'b"]],
    ['"get"pods', ["getpods"]],
    ["get pods\\ x", ["get", "pods x"]],
    ["get \\'x", ["get", "'x"]],
    ["get \\|x", ["get", "|x"]],
    ["get \\\n pods", ["get", "pods"]],
    ["get\\\npods", ["getpods"]],
    ["get pods -o 'jsonpath={$.items}'", ["get", "pods", "-o", "jsonpath={$.items}"]],
    ["get pods -l a=b,c!=d", ["get", "pods", "-l", "a=b,c!=d"]],
    ["get pods ~ * ? # { } [ ] !", ["get", "pods", "~", "*", "?", "#", "{", "}", "[", "]", "!"]],
  ])("%j -> %j", (line, words) => {
    expect(splitCommandLine(line)).toEqual({ ok: true, words });
  });

  test("the longest accepted line is MAX_COMMAND_LINE_LENGTH characters", () => {
    expect(MAX_COMMAND_LINE_LENGTH).toBe(4096);
    const line = `get ${"x".repeat(MAX_COMMAND_LINE_LENGTH - 4)}`;
    expect(splitCommandLine(line)).toEqual({ ok: true, words: ["get", "x".repeat(MAX_COMMAND_LINE_LENGTH - 4)] });
  });

  test("single-quoting each word and joining round-trips any printable argv", () => {
    const word = fc.string({ unit: fc.constantFrom(..."abcXYZ09-_=./:'\" $|;&()`\\{}*?~#\t"), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), (argv) => {
        const line = argv.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
        expect(splitCommandLine(line)).toEqual({ ok: true, words: argv });
      }),
      { numRuns: 200, seed: 19 },
    );
  });
});

describe("splitCommandLine(text): refusals", () => {
  test.each<[string, string]>([
    [`get ${"x".repeat(MAX_COMMAND_LINE_LENGTH - 3)}`, "the command is longer than 4096 characters"],
    ["get\u0000pods", "the command contains control characters"],
    ["get\u0008pods", "the command contains control characters"],
    ["get\u000bpods", "the command contains control characters"],
    ["get\u000cpods", "the command contains control characters"],
    ["get\u000epods", "the command contains control characters"],
    ["get\u001fpods", "the command contains control characters"],
    ["get\u007fpods", "the command contains control characters"],
    ["get 'pods", "a single quote is not closed"],
    ['get "pods', "a double quote is not closed"],
    ['get "pods\\"', "a double quote is not closed"],
    ['get "a\\', "a double quote is not closed"],
    ["get pods\\", "the command ends with a lone backslash"],
    ['get "`id`"', SUBSTITUTION],
    ['get "$(id)"', SUBSTITUTION],
    ['get "${HOME}"', SUBSTITUTION],
    ['get "$HOME"', SUBSTITUTION],
    ['get "$_x"', SUBSTITUTION],
    ['get "$1"', SUBSTITUTION],
    ['get "$@"', SUBSTITUTION],
    ['get "$*"', SUBSTITUTION],
    ['get "$#"', SUBSTITUTION],
    ['get "$?"', SUBSTITUTION],
    ['get "$$"', SUBSTITUTION],
    ['get "$!"', SUBSTITUTION],
    ['get "$-"', SUBSTITUTION],
    ["get pods | grep x", SHELL("|")],
    ["get pods & echo", SHELL("&")],
    ["get pods; rm -rf /", SHELL(";")],
    ["get pods < in", SHELL("<")],
    ["get pods > out", SHELL(">")],
    ["get (pods)", SHELL("(")],
    ["get pods)", SHELL(")")],
    ["get `id`", SHELL("`")],
    ["get $HOME", SHELL("$")],
  ])("%j -> %s", (line, reason) => {
    expect(splitCommandLine(line)).toEqual({ ok: false, reason });
  });

  test("tab, newline and carriage return separate words; every other C0 control is refused", () => {
    for (let c = 0; c < 0x20; c++) {
      const r = splitCommandLine(`get${String.fromCharCode(c)}pods`);
      const sep = c === 9 || c === 10 || c === 13;
      expect({ c, r }).toEqual({ c, r: sep ? { ok: true, words: ["get", "pods"] } : { ok: false, reason: "the command contains control characters" } });
    }
  });
});
