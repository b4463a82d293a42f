/**
 * Scripting output (issue 15 item 7): `-o jsonpath=`, `-o jsonpath-as-json=`,
 * `-o custom-columns=` and `--sort-by`, evaluated by Kubently itself
 * (lib/kube/print/jsonpath.ts, custom-columns.ts, sort-by.ts), never by
 * kubectl's template engine.
 *
 * - the JSONPath dialect against client-go's own test cases;
 * - Go's printing of values (`%v`, `%#v`, json.Marshal, floats, quoting);
 * - custom-columns and --sort-by, quantities and kubectl's errors;
 * - the grammar: which forms pass, which are refused and why;
 * - the kubectl executor's rewrite (`-o json`, respelled argv read back as
 *   the same command) and its output against the real kubectl's, for the
 *   same cases the native parity suite runs (test/_template-cases.ts), and
 *   a watch's first listing on both executors.
 * Secrets: test/unit/template-secrets.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { kubectlExecutor, type Executor } from "../../lib/agent/executors.ts";
import { nativeExecutor } from "../../lib/agent/native.ts";
import { templatePlan } from "../../lib/agent/_templates.ts";
import { GLOBAL_FLAGS, VERBS, commandArgv, parseKubectl, type FlagSpec, type VerbSpec } from "../../lib/kubectl/index.ts";
import { GoByte, GoFloat, goFloatString, goJson, goQuote, goSprint, goSyntax } from "../../lib/kube/print/_go-values.ts";
import { customColumnsPrinter, parseCustomColumns, relaxedJsonPath } from "../../lib/kube/print/custom-columns.ts";
import { JsonPath, MAX_VALUES, jsonPathPrinter, printJsonPath } from "../../lib/kube/print/jsonpath.ts";
import { SortError, isLess, quantityValue, sortObjects, sortTableRows } from "../../lib/kube/print/sort-by.ts";
import { renderTemplate } from "../../lib/kube/print/templates.ts";
import { createTabWriter } from "../../lib/kube/print/_tabwriter.ts";
import { type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { type KubectlHome, kubectlHome, requireKubectl, runKubectl, spawnKubectl } from "../_kubectl.ts";
import { TEMPLATE_CASES } from "../_template-cases.ts";

const KUBECTL = requireKubectl("template-outputs.test");

/** What a template prints for `data`, or `ERR <kubectl's message>`. */
function jp(template: string, data: unknown, allowMissingKeys = false): string {
  try {
    return new JsonPath(template, { allowMissingKeys }).execute(data);
  } catch (e) {
    return `ERR ${(e as Error).message}`;
  }
}

// client-go util/jsonpath's test data (jsonpath_test.go), as JSON.
const TYPES = {
  bools: [true, false, true, false],
  integers: [1, 2, 3, 4],
  floats: [1.5, 2.2, 3.3, 4.5],
  strings: ["one", "two", "three", "four"],
  interfaces: [true, "one", 1, 1.1],
  maps: [{ name: "one", value: 1 }, { name: "two", value: 2.02 }, { name: "three", value: 3.03 }, { name: "four", value: 4.04 }],
};
const STORE = {
  Name: "jsonpath",
  Book: [
    { Category: "reference", Author: "Nigel Rees", Title: "Sayings of the Centurey", Price: 8.95 },
    { Category: "fiction", Author: "Evelyn Waugh", Title: "Sword of Honour", Price: 12.99 },
    { Category: "fiction", Author: "Herman Melville", Title: "Moby Dick", Price: 8.99 },
  ],
  Bicycle: [{ Color: "red", Price: 19.95, IsNew: true }, { Color: "green", Price: 20.01, IsNew: false }],
  Labels: { engieer: 10, "web/html": 15, "k8s-app": 20 },
  Employees: { jason: "manager", dan: "clerk" },
};
const NODES = {
  kind: "List",
  items: [
    { kind: "None", metadata: { name: "127.0.0.1", labels: { "kubernetes.io/hostname": "127.0.0.1" } }, status: { capacity: { cpu: "4" }, ready: true, addresses: [{ type: "LegacyHostIP", address: "127.0.0.1" }] } },
    { kind: "None", metadata: { name: "127.0.0.2", labels: { "kubernetes.io/hostname": "127.0.0.2" } }, status: { capacity: { cpu: "8" }, ready: false, addresses: [{ type: "LegacyHostIP", address: "127.0.0.2" }, { type: "another", address: "127.0.0.3" }] } },
  ],
  users: [{ name: "myself", user: {} }, { name: "e2e", user: { username: "admin", password: "secret" } }],
};
const NESTED = {
  items: [
    { metadata: { name: "pod1" }, spec: { containers: [{ name: "foo", another: [{ name: "value1" }, { name: "value2" }] }, { name: "bar", another: [{ name: "value1" }, { name: "value2" }] }] } },
    { metadata: { name: "pod2" }, spec: { containers: [{ name: "baz", another: [{ name: "value1" }, { name: "value2" }] }] } },
  ],
};
const CONTAINERS = { spec: { containers: [0, 1, 2, 3, 4, 5].map((i) => ({ name: `fake${i}` })) } };

describe("JSONPath: client-go's cases", () => {
  test.each<[string, unknown, string]>([
    ["{ .bools }", TYPES, "[true,false,true,false]"],
    ["{ .bools[-1] }", TYPES, "false"],
    ["{ .bools[:4:2] }", TYPES, "true true"],
    ["{ .integers[-2] }", TYPES, "3"],
    ["{ .integers[:4:2] }", TYPES, "1 3"],
    ["{ .floats }", TYPES, "[1.5,2.2,3.3,4.5]"],
    ["{ .strings[0:2] }", TYPES, "one two"],
    ["{ .interfaces }", TYPES, '[true,"one",1,1.1]'],
    ["{ .interfaces[:4:2] }", TYPES, "true 1"],
    ["{ .maps[0] }", TYPES, '{"name":"one","value":1}'],
    ["{ .maps[1::2] }", TYPES, '{"name":"two","value":2.02} {"name":"four","value":4.04}'],
    ["hello jsonpath", null, "hello jsonpath"],
    ["{..}", [1, 2, 3], "[1,2,3]"],
    ["{[?(@<5)]}", [2, 6, 3, 7], "2 3"],
    ['{"{"}', null, "{"],
    ["{[1,3,4]}", [0, 1, 2, 3, 4], "1 3 4"],
    ["{[0:2]}", ["Monday", "Tudesday"], "Monday Tudesday"],
    ["hello {.Name}", STORE, "hello jsonpath"],
    ["{$.Labels.web/html}", STORE, "15"],
    ["{$.Employees.jason}", STORE, "manager"],
    ["{.Labels.k8s-app}", STORE, "20"],
    ["{.Bicycle[*].Color}", STORE, "red green"],
    ["{.Book[*].Author}", STORE, "Nigel Rees Evelyn Waugh Herman Melville"],
    ["{.Book[*].Price}", STORE, "8.95 12.99 8.99"],
    ['{range .Bicycle[*]}{ "{" }{ @.Color }{ "} " }{end}', STORE, "{red} {green} "],
    ["{.Book[-1:].Title}", STORE, "Moby Dick"],
    ["{..Book[2].Title}", STORE, "Moby Dick"],
    ["{.Bicycle[?(@.IsNew==true)].Color}", STORE, "red"],
    ['{range .items[*]}{.metadata.name}, {end}{.kind}', NODES, "127.0.0.1, 127.0.0.2, List"],
    ['{range .items[*]}{.metadata.name}{"\\t"}{end}', NODES, "127.0.0.1\t127.0.0.2\t"],
    ["{.items[*].status.addresses[*].address}", NODES, "127.0.0.1 127.0.0.2 127.0.0.3"],
    ["{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}", NODES, "127.0.0.1, 127.0.0.2, 127.0.0.3, "],
    ["{.items[*]['metadata.name', 'status.capacity']}", NODES, '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}'],
    ["{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}", NODES, '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] '],
    ['{.users[?(@.name=="e2e")].user.password}', NODES, "secret"],
    ["{.items[0].metadata.labels.kubernetes\\.io/hostname}", NODES, "127.0.0.1"],
    ['{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}', NODES, "None"],
    ["{.items[?(@..ready==true)].metadata.name}", NODES, "127.0.0.1"],
    ['{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}', NESTED, "pod1:foo,bar,+pod2:baz,+"],
    ['{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}', NESTED, "pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#"],
    ['{range .items[*]}{.metadata.name}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\n"}{end}', NESTED, "pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n"],
    ["{.spec.containers[0].name}", CONTAINERS, "fake0"],
    ["{.spec.containers[0:0].name}", CONTAINERS, ""],
    ["{.spec.containers[0:-1].name}", CONTAINERS, "fake0 fake1 fake2 fake3 fake4"],
    ["{.spec.containers[-1].name}", CONTAINERS, "fake5"],
    ["{.spec.containers[-2:].name}", CONTAINERS, "fake4 fake5"],
    ["{.spec.containers[6:6].name}", CONTAINERS, ""],
    ["{.spec.containers[-7:-7].name}", CONTAINERS, ""],
    ["{.spec.containers[0:6:].name}", CONTAINERS, "fake0 fake1 fake2 fake3 fake4 fake5"],
    ["{.spec.containers[1:4:2].name}", CONTAINERS, "fake1 fake3"],
    ["{.spec.containers[0:6:5].name}", CONTAINERS, "fake0 fake5"],
    ["{[?(@.z)].id}", [{ id: "i1", x: 4 }, { id: "i2", z: 1 }, { id: "i5", z: 1 }], "i2 i5"],
    ["{[0]['id']}", [{ id: "i1" }], "i1"],
    ["{[-1]['x']}", [{ id: "i7", x: null }], "null"],
  ])("%s", (template, data, want) => {
    expect(jp(template, data)).toBe(want);
  });

  test.each<[string, unknown, string]>([
    ["{hello}", STORE, "unrecognized identifier hello"],
    ["{.hello}", STORE, "hello is not found"],
    ["{.Labels[0]}", STORE, "map[string]interface {} is not array or slice"],
    ["{.Book[?(@.Price<>10)]}", STORE, "unrecognized filter operator <>"],
    ["{range .Labels.*}{@}{end}{end}", STORE, "not in range, nothing to end"],
    ["{.spec.containers[-1:0].name}", CONTAINERS, "starting index 5 is greater than ending index 0"],
    ["{.spec.containers[-7].name}", CONTAINERS, "array index out of bounds: index -1, length 6"],
    ["{.spec.containers[3:1].name}", CONTAINERS, "starting index 3 is greater than ending index 1"],
    ["{.spec.containers[0:6:0].name}", CONTAINERS, "step must be > 0"],
    ["{.spec.containers[0:6:-1].name}", CONTAINERS, "step must be > 0"],
    ['{.items[?(@.metadata.annotations.color=="blue")].metadata.name}', { items: [{ metadata: { name: "pod1", annotations: { color: "blue" } } }, { metadata: { name: "pod2" } }] }, "annotations is not found"],
    ["{range .items[*]}{.metadata.name}{end}", { items: [] }, "metadata is not found"],
    ["{.a[?(@.x==1)]}", { a: [{ x: "1" }] }, "incompatible types for comparison"],
    ["{.a[?(@.x==1.0)]}", { a: [{ x: 1 }] }, "incompatible types for comparison"],
    ["{.a[?(@.x<true)]}", { a: [{ x: true }] }, "invalid type for comparison"],
    ["{.a[?(@.x=='y')]}", { a: [{ x: null }] }, "invalid type for comparison"],
    ["{.a[?(@.x=='y')]}", { a: [{ x: ["y", "z"] }] }, "invalid type for comparison"],
    ["{.a[?(@[*]=='y')]}", { a: [["y", "z"]] }, "can only compare one element at a time"],
    ["{.m[?(@.x)]}", { m: { x: 1 } }, "map[x:1] is not array or slice and cannot be filtered"],
  ])("%s fails: %s", (template, data, message) => {
    expect(jp(template, data)).toBe(`ERR ${message}`);
  });

  test("missing keys are allowed when asked, which filters rely on", () => {
    expect(jp("{.hello}", STORE, true)).toBe("");
    expect(jp("before-{.hello}after", STORE, true)).toBe("before-after");
    expect(jp("{range .items[*]}{.metadata.name}{end}", { items: [] }, true)).toBe("");
    const pods = { items: [{ metadata: { name: "p1", annotations: { c: "blue" } } }, { metadata: { name: "p2" } }, { metadata: { name: "p3", annotations: { c: "blue" } } }] };
    expect(jp('{.items[?(@.metadata.annotations.c=="blue")].metadata.name}', pods, true)).toBe("p1 p3");
    const running = { items: [{ metadata: { name: "a" }, status: { phase: "Running" } }, { metadata: { name: "b" }, status: { phase: "Running" } }, { resourceVersion: "" }] };
    expect(jp('{range .items[?(.status.phase=="Running")]}{.metadata.name}{" is Running\\n"}{end}', running, true)).toBe("a is Running\nb is Running\n");
  });

  test.each<[string, string]>([
    ["{.x", "unclosed action"],
    ["{.x\n}", "unclosed action"],
    ["{.x[", "unterminated array"],
    ["{[?(@.x", "unterminated filter"],
    ["{[?(@.x)}", "unclosed array expect ]"],
    ["{[?(@.x)x}", "unclosed array expect ]"],
    ['{"a', "unterminated quoted string"],
    ['{"\\q"}', 'unquote string "\\q" error invalid syntax'],
    ["{'\\\"'}", "unquote string '\\\"' error invalid syntax"],
    ["{#}", "unrecognized character in action: U+0023 '#'"],
    ["{.a\tb}", "unrecognized character in action: U+0009"],
    ["{1.2.3}", "cannot parse number 1.2.3"],
    ["{+}", "cannot parse number +"],
    ["{[a]}", "invalid array index a"],
    ["{[-]}", "array index - is not a number"],
    ["{[99999999999999999999]}", "array index 99999999999999999999 is not a number"],
    ["{....x}", "invalid multiple recursive descent"],
    ["{[1,[a]]}", "invalid array index [a"],
  ])("parsing %j fails: %s", (template, message) => {
    expect(() => new JsonPath(template)).toThrow(message);
    expect(jsonPathPrinter(template, {})).toEqual({ error: `error parsing jsonpath ${template}, ${message}` });
  });

  test("text and literals: quotes, Go escapes, numbers, booleans, $ and @", () => {
    expect(jp('{"a\\tb\\n"}{\'c\\x41\\u00e9\\101\'}', {})).toBe("a\tb\ncAéA");
    expect(jp("{1} {-2} {1.0} {+1.5} {true} {false}", {})).toBe("1 -2 1 1.5 true false");
    expect(jp("{$.a} {@.a} {.a}", { a: "x" })).toBe("x x x");
    expect(jp("{.a.*}", { a: "ab" })).toBe("97 98");
    expect(jp("{[]}", ["first", "second"])).toBe("first");
    expect(jp("{...b}", { a: { b: 1 } })).toBe("1");
  });

  test("a range keeps client-go's state between executions (a watch reuses the printer, and fails on its second object)", () => {
    const path = new JsonPath("{range .items[*]}{.n}{end}|{.k}", { allowMissingKeys: true });
    expect(path.execute({ items: [{ n: 1 }, { n: 2 }], k: "a" })).toBe("12|a");
    // client-go re-slices its root to the nodes after the range and never restores it: kubectl's
    // `get -w -o jsonpath='{range ...}{end}'` fails the same way on the second object.
    expect(() => path.execute({ items: [{ n: 3 }], k: "b" })).toThrow("not in range, nothing to end");
  });

  test("output: maps and slices as compact JSON (keys sorted, HTML-safe), numbers and null as Go prints them", () => {
    expect(jp("{.m}", { m: { b: "<&>", a: [1, null, 0.5, true] } })).toBe('{"a":[1,null,0.5,true],"b":"\\u003c\\u0026\\u003e"}');
    expect(jp("{.f} {.g} {.h} {.i} {.n}", { f: 0.000012, g: 1234567.5, h: 123456.5, i: 1e21, n: null })).toBe("1.2e-05 1.2345675e+06 123456.5 1e+21 null");
    expect(jp("{.s}", { s: "\x1b[31m" })).toBe("\x1b[31m");
    const asJson = new JsonPath('{.items[*].n}{"x"}', { outputJson: true }).execute({ items: [{ n: 1 }, { n: "<" }] });
    expect(asJson).toBe('[\n    1,\n    "\\u003c"\n]\n[\n    "x"\n]\n');
    expect(new JsonPath("{.none}", { outputJson: true, allowMissingKeys: true }).execute({})).toBe("[]\n");
  });

  test("an error repeats the template and the object given (Go's %#v) as kubectl's printer does", () => {
    const path = new JsonPath("{.a.b}");
    const out = printJsonPath(path, { a: { c: [1, "x", null, true, 1.5] } });
    expect(out.text).toBe("");
    expect(out.error).toBe(
      'error executing jsonpath "{.a.b}": Error executing template: b is not found. Printing more information for debugging the template:\n' +
        "\ttemplate was:\n\t\t{.a.b}\n\tobject given to jsonpath engine was:\n" +
        '\t\tmap[string]interface {}{"a":map[string]interface {}{"c":[]interface {}{1, "x", interface {}(nil), true, 1.5}}}\n\n\n',
    );
  });

  test("evaluation is bounded: nested ranges over .. fail instead of exhausting the agent, and printing stops at the caller's length", () => {
    // A wildcard over a string yields its bytes: six 1 MB strings are six million values.
    const big = { a: Array.from({ length: 6 }, () => ({ s: "x".repeat(1_000_000) })) };
    expect(jp("{.a[*].s.*}", big)).toStartWith(`ERR the template produced more than ${MAX_VALUES} values`);
    const wide = { items: Array.from({ length: 3000 }, (_, i) => ({ a: { b: { c: [i, i, i] } } })) };
    const text = new JsonPath("{.items[*].a}").execute(wide, 100);
    expect(text.length).toBeGreaterThan(100);
    expect(text.length).toBeLessThan(200);
  });
});

describe("Go's printing of values", () => {
  test("%v, %#v, json.Marshal, strconv.Quote and FormatFloat('g')", () => {
    expect(goSprint({ b: [1, "x"], a: { c: null } })).toBe("map[a:map[c:<nil>] b:[1 x]]");
    expect(goSprint(new GoByte(7))).toBe("7");
    expect(goSprint(new GoFloat(2))).toBe("2");
    expect(goSyntax({ k: ["a\n", 2, new GoFloat(0.5), false, null, {}] })).toBe('map[string]interface {}{"k":[]interface {}{"a\\n", 2, 0.5, false, interface {}(nil), map[string]interface {}{}}}');
    expect(goJson({ z: 1, a: "é<\u2028" })).toBe('{"a":"é\\u003c\\u2028","z":1}');
    expect(goQuote('a"b\\c\t\x00\x7f\u200b😀é')).toBe('"a\\"b\\\\c\\t\\x00\\x7f\\u200b😀é"');
    for (const [f, s] of [[1e6, "1e+06"], [123456, "123456"], [0.0001, "0.0001"], [0.00001, "1e-05"], [-2.5, "-2.5"], [1e100, "1e+100"], [1.5e-300, "1.5e-300"], [100000.5, "100000.5"]] as const) {
      expect(goFloatString(f)).toBe(s);
    }
  });
});

describe("custom-columns", () => {
  test("relaxed paths and kubectl's spec errors", () => {
    expect(relaxedJsonPath(".a.b")).toBe("{.a.b}");
    expect(relaxedJsonPath("a.b")).toBe("{.a.b}");
    expect(relaxedJsonPath("{a.b}")).toBe("{.a.b}");
    expect(relaxedJsonPath("{.a.b}")).toBe("{.a.b}");
    expect(() => relaxedJsonPath("{.a}{.b}")).toThrow("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'");
    expect(parseCustomColumns("A:.x,B:y:z")).toEqual([{ header: "A", fieldSpec: "{.x}" }, { header: "B", fieldSpec: "{.y:z}" }]);
    expect(customColumnsPrinter("NAME")).toEqual({ error: "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>" });
    expect(customColumnsPrinter("")).toEqual({ error: "custom-columns format specified but no custom columns given" });
  });

  test("rows: every value Sprint-ed and joined with commas, <none> when missing, terminal escapes neutralised, tab-aligned", () => {
    const p = customColumnsPrinter("NAME:.metadata.name,L:.metadata.labels,C:.spec.c[*].n,X:.nope,E:.e");
    if ("error" in p) throw new Error(p.error);
    const list = { items: [{ metadata: { name: "a", labels: { x: "1", a: "2" } }, spec: { c: [{ n: "p" }, { n: "q" }] }, e: "\x1b[2J\r" }, { metadata: { name: "longer-name" }, e: null }] };
    expect(p.printObj(list).text).toBe(
      "NAME          L              C        X        E\n" +
        "a             map[a:2 x:1]   p,q      <none>   ^[[2J\\r\n" +
        "longer-name   <none>         <none>   <none>   <nil>\n",
    );
    const noHeaders = customColumnsPrinter("N:.n", { noHeaders: true });
    if ("error" in noHeaders) throw new Error(noHeaders.error);
    expect(noHeaders.printObj({ n: 1 }).text).toBe("1\n");
  });

  test("the header is printed before a path that fails to parse, then kubectl's error", () => {
    const p = customColumnsPrinter("A:.x[");
    if ("error" in p) throw new Error(p.error);
    expect(p.printObj({ items: [{ x: 1 }] })).toEqual({ text: "A\n", error: "unterminated array" });
  });

  test("a watch shares one writer: one header, widths remembered across flushes", () => {
    const p = customColumnsPrinter("N:.n");
    if ("error" in p) throw new Error(p.error);
    const w = createTabWriter();
    p.printObj({ n: "short" }, w);
    expect(w.flush()).toBe("N\nshort\n");
    p.printObj({ n: "a-much-longer-value" }, w);
    expect(w.flush()).toBe("a-much-longer-value\n");
  });
});

describe("--sort-by", () => {
  test("quantities as Go's ParseQuantity reads them; anything else is text in byte order", () => {
    const q = (s: string) => quantityValue(s);
    expect(q("1Gi")).not.toBeNull();
    for (const bad of ["", " 1", "1 ", "web-1", "1e", "5-3", "1Kii", "m5", "1.2.3", "0x10", "abc"]) expect({ bad, q: q(bad) }).toEqual({ bad, q: null });
    for (const good of ["0", "+", "-", ".", "00", "1.", "m", "1E", "1e3", "1e-3", "2.5Mi", "-1k", "1e2147483647"]) expect({ good, ok: q(good) !== null }).toEqual({ good, ok: true });
    const sorted = (xs: string[]) => sortObjects(xs.map((v) => ({ v })), ".v").map((o) => o.v);
    expect(sorted(["1Gi", "500Mi", "2", "1k", "100m", "1e3"])).toEqual(["100m", "2", "1k", "1e3", "500Mi", "1Gi"]);
    expect(sorted(["10", "9", "100"])).toEqual(["9", "10", "100"]);
    expect(sorted(["b", "a"])).toEqual(["a", "b"]);
    expect(sorted(["web-10", "web-9", "web-1"])).toEqual(["web-1", "web-10", "web-9"]);
    // Rounded up to nano units, as Go keeps them: these two are equal.
    expect(sorted(["1.0000000001", "1.000000001"]).length).toBe(2);
    expect(isLess("1.0000000001", "1.000000001")).toBe(false);
    expect(isLess("1.000000001", "1.0000000001")).toBe(false);
    // Huge exponents are compared without building huge numbers.
    expect(isLess("1e999999999", "2e999999999")).toBe(true);
    expect(isLess("1e-999999999", "1n")).toBe(false);
  });

  test("numbers with numbers, missing first, null first, kubectl's fatal errors for the rest", () => {
    const sorted = (xs: unknown[]) => sortObjects(xs.map((v) => (v === undefined ? {} : { v })), ".v").map((o) => (o as { v?: unknown }).v);
    expect(sorted([3, 1, undefined, 2])).toEqual([undefined, 1, 2, 3]);
    expect(sorted([0.5, 0.25])).toEqual([0.25, 0.5]);
    expect(sorted(["b", null, "a"])).toEqual([null, "a", "b"]);
    expect(() => sorted([1, "a"])).toThrow("Field {.v} in *unstructured.Unstructured is an unsortable type: interface, err: unsortable interface: interface");
    expect(() => sorted([true, false])).toThrow("err: unsortable type: bool");
    expect(() => sorted([{ a: 1 }, { b: 1 }])).toThrow("err: unsortable type: map[string]interface {}");
    expect(() => sorted([1.5, 2])).toThrow("unsortable interface");
  });

  test("kubectl's errors: nothing found, a path it cannot relax, a table's own errors", () => {
    expect(() => sortObjects([{ a: 1 }], ".b")).toThrow('couldn\'t find any field with path "{.b}" in the list of objects');
    expect(() => sortObjects([{ a: 1 }, { a: 2 }], ".b")).toThrow('couldn\'t find any field with path "{.b}" in the list of objects');
    expect(() => sortObjects([{ a: 1 }, { a: 2 }], "{.a")).toThrow("unexpected path string");
    expect(() => sortTableRows([{ object: { a: 1 } }, { object: { a: 2 } }], "{.a")).toThrow("sorting error: unclosed action");
    expect(() => sortTableRows([{ object: { a: 1 } }, { object: { a: 2 } }], ".b")).toThrow(SortError);
    expect(sortTableRows([{ object: { a: 1 } }], ".b")).toEqual([{ object: { a: 1 } }]);
    expect(sortTableRows([{ object: { a: "b" }, n: 1 }, { object: { a: "a" }, n: 2 }], "a").map((r) => r.n)).toEqual([2, 1]);
  });

  test("ties land where Go's sort.Sort (not stable) puts them", () => {
    // 13 equal keys and one smaller: pdqsort's insertion sort and partitioning are deterministic, and not stable.
    const items = Array.from({ length: 20 }, (_, i) => ({ k: i === 17 ? 0 : 1, i }));
    const order = sortObjects(items, ".k").map((o) => o.i);
    expect(order[0]).toBe(17);
    expect(order).toHaveLength(20);
  });

  test("renderTemplate: the printer first (a bad template wins over a bad sort), then the sort, then the text", () => {
    const list = { kind: "List", items: [{ n: "b" }, { n: "a" }] };
    expect(renderTemplate(list, "jsonpath={.items[*].n}", { sortBy: ".n" })).toEqual({ text: "a b" });
    expect(renderTemplate(list, "jsonpath={.items[*].n", { sortBy: ".zz" })).toEqual({ text: "", error: "error parsing jsonpath {.items[*].n, unclosed action" });
    expect(renderTemplate(list, "jsonpath={.items[*].n}", { sortBy: ".zz" })).toEqual({ text: "", error: 'couldn\'t find any field with path "{.zz}" in the list of objects' });
    expect(renderTemplate({ n: "x" }, "custom-columns=N:.n", { sortBy: ".zz" })).toEqual({ text: "N\nx\n" });
  });
});

describe("the grammar", () => {
  const verdict = (argv: string[]) => {
    const r = parseKubectl(argv, { restrictedResources: [] });
    return r.ok ? "ok" : `${r.rule}: ${r.reason}`;
  };

  test.each<string[]>([
    ["get", "pods", "-o", "jsonpath={.items[*].metadata.name}"],
    ["get", "pods", "-ojsonpath={.items[*].metadata.name}"],
    ["get", "pods", "-o=jsonpath={.x}"],
    ["get", "pods", "--output=jsonpath={.x}"],
    ["get", "pods", "--output", "jsonpath-as-json={.x}"],
    ["get", "pods", "-Aojsonpath={.x}"],
    ["get", "pods", "-o", "custom-columns=NAME:.metadata.name,STATUS:.status.phase"],
    ["get", "pods", "-o", "jsonpath={.x}", "--allow-missing-template-keys=false"],
    ["get", "pods", "--allow-missing-template-keys"],
    ["get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}", "--sort-by=.metadata.name"],
    ["get", "pods", "-w", "-o", "custom-columns=N:.metadata.name"],
    ["get", "pods", "-o", "jsonpath=literal text only"],
  ])("%j passes", (...argv) => {
    expect(verdict(argv)).toBe("ok");
  });

  test.each<[string[], string]>([
    [["get", "pods", "-o", "go-template={{.}}"], 'output-format: output "go-template={{.}}" is not allowed (go-template, template and *-file forms are refused: kubectl would render them itself or read a local file); use one of: wide, name, json, yaml, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE, custom-columns=SPEC'],
    [["get", "pods", "-o", "template={{.}}"], "go-template, template and *-file forms are refused"],
    [["get", "pods", "-o", "templatefile=/etc/x"], "go-template, template and *-file forms are refused"],
    [["get", "pods", "-o", "go-template-file=/etc/x"], "go-template, template and *-file forms are refused"],
    [["get", "pods", "-o", "jsonpath-file=/etc/passwd"], "go-template, template and *-file forms are refused"],
    [["get", "pods", "-o", "custom-columns-file=/etc/passwd"], "go-template, template and *-file forms are refused"],
    [["get", "pods", "-o", "jsonpath"], 'output-format: output "jsonpath" needs a template after "="'],
    [["get", "pods", "-o", "jsonpath="], 'output-format: output "jsonpath=" needs a template after "="'],
    [["get", "pods", "-o", "custom-columns"], "needs a template"],
    [["get", "pods", "--template={{.}}"], 'output-format: flag "--template" is refused: it renders templates or reads template files'],
    [["get", "pods", "-o", "jsonpath", "--template={.x}"], "output-format"],
    [["events", "-o", "jsonpath={.x}"], 'output-format: output "jsonpath={.x}" is not allowed (templates and *-file forms are refused); use one of: json, yaml, name'],
    [["events", "--allow-missing-template-keys"], "denied-flag"],
    [["rollout", "history", "deploy/web", "-o", "custom-columns=A:.x"], "output-format"],
  ])("%j is refused: %s", (argv, reason) => {
    expect(verdict(argv)).toContain(reason);
  });

  test("Secrets: every template is refused with the reason, whatever the spelling (the default policy's metadata mode)", () => {
    for (const argv of [
      ["get", "secrets", "-o", "jsonpath={.items[*].metadata.name}"],
      ["get", "secret/x", "-ojsonpath-as-json={.metadata}"],
      ["get", "cm,secrets", "-o", "custom-columns=N:.metadata.name"],
      ["get", "Secrets.v1.", "--output=jsonpath={.x}", "--sort-by=.metadata.name"],
    ]) {
      const r = parseKubectl(argv, { secrets: "metadata" });
      expect({ argv, r }).toMatchObject({ argv, r: { ok: false, rule: "restricted-resource" } });
      expect(r.ok ? "" : r.reason).toMatch(/-o (jsonpath|jsonpath-as-json|custom-columns)=… is a template, and templates never read Secrets/);
    }
  });
});

// The argv builder the kubectl executor respells commands with: for every verb, any valid flags in any
// spelling parse back to the same command.
describe("commandArgv", () => {
  const SPECS = [...VERBS.values()];
  const accepted = (spec: VerbSpec): FlagSpec[] => [...spec.flags.filter((f) => !f.deny), ...GLOBAL_FLAGS.filter((g) => !g.deny && (spec.namespaced || g.name !== "namespace"))];
  const value = (f: FlagSpec, spec: VerbSpec): string[] => {
    if (f.values) return [...f.values];
    switch (f.kind) {
      case "int": return ["5", "-1"];
      case "duration": return ["30s", "1h5m"];
      case "time": return ["2024-01-02T03:04:05Z"];
      case "dns-label": return ["kube-system"];
      case "output": return [...(spec.outputs ?? ["json"]), ...(spec.templateOutputs ?? []).map((t) => `${t}={.a}=b,c:d`)];
      case "verbosity": return ["2"];
      case "resource-ref": return ["pod/web"];
      default: return ["app=web,tier in (a,b)", "x", "a=b=c"];
    }
  };
  const tokens = (f: FlagSpec, spec: VerbSpec): string[][] =>
    f.kind === "bool"
      ? [[`--${f.name}`], [`--${f.name}=false`], ...(f.short ? [[`-${f.short}`]] : [])]
      : value(f, spec).flatMap((v) => [[`--${f.name}=${v}`], [`--${f.name}`, v], ...(f.short ? [[`-${f.short}`, v], [`-${f.short}${v}`]] : [])]);
  const argvArb = fc.constantFrom(...SPECS).chain((spec) =>
    fc.tuple(
      fc.constant(spec),
      fc.array(fc.constantFrom(...accepted(spec).flatMap((f) => tokens(f, spec))), { maxLength: 6 }),
      fc.array(fc.constantFrom("pods", "deploy/web", "web", "pods,svc", "x"), { maxLength: 2 }),
    ),
  );

  test("parse(commandArgv(parse(argv))) is the same command", () => {
    fc.assert(
      fc.property(argvArb, ([spec, flags, args]) => {
        const argv = [...spec.path, ...args, ...flags.flat()];
        const first = parseKubectl(argv, { restrictedResources: [], maxVerbosity: 10 });
        if (!first.ok) return;
        const again = parseKubectl(commandArgv(first.command), { restrictedResources: [], maxVerbosity: 10 });
        expect(again.ok).toBe(true);
        if (!again.ok) return;
        expect({ path: again.command.path, positionals: again.command.positionals, flags: [...again.command.flags] }).toEqual({ path: first.command.path, positionals: first.command.positionals, flags: [...first.command.flags] });
      }),
      { numRuns: 2000 },
    );
  });
});

describe("the kubectl executor's rewrite", () => {
  test("a template output runs as -o json; --sort-by and --allow-missing-template-keys are Kubently's (a watch keeps --sort-by)", () => {
    expect(templatePlan(["get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].metadata.name}", "--sort-by=.metadata.name", "--allow-missing-template-keys=false"])).toEqual({
      argv: ["get", "pods", "--namespace=shop", "--output=json"],
      output: "jsonpath={.items[*].metadata.name}",
      options: { allowMissingKeys: false, noHeaders: false, sortBy: ".metadata.name" },
      watch: false,
    });
    expect(templatePlan(["get", "pods", "-Aw", "-ocustom-columns=N:.metadata.name", "--sort-by=.metadata.name", "--no-headers"])).toEqual({
      argv: ["get", "pods", "--all-namespaces", "--watch", "--output=json", "--sort-by=.metadata.name", "--no-headers"],
      output: "custom-columns=N:.metadata.name",
      options: { allowMissingKeys: true, noHeaders: true },
      watch: true,
    });
    expect(templatePlan(["get", "pods", "--show-labels", "-o", "jsonpath={.x}"])).toMatchObject({ refuse: "--show-labels option cannot be used with jsonpath={.x} printer" });
    // Not templates, or refused by the grammar: run as they are (the policies decided about them).
    expect(templatePlan(["get", "pods", "-o", "json"])).toBeNull();
    expect(templatePlan(["get", "pods", "-o", "go-template={{.}}"])).toBeNull();
    expect(templatePlan(["describe", "pods"])).toBeNull();
  });
});

describe.skipIf(!KUBECTL)("the kubectl executor prints what kubectl prints (simulated cluster)", () => {
  let sim: SimCluster;
  let kc: KubectlHome;
  let kx: Executor;
  let native: Executor;
  beforeAll(async () => {
    sim = await startSimCluster();
    kc = await kubectlHome(sim, "kubently-templates-");
    kx = kubectlExecutor({ kubeconfig: kc.kubeconfig, home: kc.home });
    native = nativeExecutor({ kubeconfig: kc.kubeconfig });
  });
  afterAll(async () => {
    await native?.close?.();
    await sim?.close();
    await kc?.remove();
  });

  for (const argv of TEMPLATE_CASES) {
    test(argv.join(" "), async () => {
      // Ages can tick between the two runs: retry once on a mismatch.
      for (let attempt = 0; ; attempt++) {
        const [want, got] = await Promise.all([runKubectl(argv, kc), kx.run(argv, { timeoutMs: 20_000 })]);
        const same = got.stdout === want.stdout && got.exitCode === want.code && got.stderr.trim() === want.stderr.trim();
        if (same || attempt >= 1) {
          expect({ stdout: got.stdout, code: got.exitCode, stderr: got.stderr.trim() }).toEqual({ stdout: want.stdout, code: want.code, stderr: want.stderr.trim() });
          return;
        }
      }
    }, 30_000);
  }

  /** kubectl's first listing of a watch: what it printed before being stopped. */
  const kubectlWatch = (argv: readonly string[], ms: number) =>
    new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
      const child = spawnKubectl(argv, kc);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), ms);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ stdout, stderr, code });
      });
    });

  test.each<string[]>([
    ["get", "pods", "-A", "-w", "-o", 'jsonpath={.metadata.name}{"\\t"}{.status.phase}{"\\n"}'],
    ["get", "pods", "-n", "shop", "-w", "-o", "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName"],
    ["get", "pods", "-n", "shop", "-w", "--output-watch-events", "-o", 'jsonpath={.type} {.object.metadata.name}{"\\n"}'],
    ["get", "deploy", "-A", "--watch-only", "-o", "jsonpath={.metadata.name}"],
  ])("a watch (%j): the first listing, aligned by kubectl's watch writer, on both executors", async (...argv) => {
    const [want, viaKubectl, viaNative] = await Promise.all([kubectlWatch(argv, 2_500), kx.run(argv, { timeoutMs: 2_500 }), native.run(argv, { timeoutMs: 2_500 })]);
    expect(viaNative.stdout).toBe(want.stdout);
    expect(viaKubectl.stdout).toBe(want.stdout);
    expect(viaNative).toMatchObject({ timedOut: true, exitCode: null });
    expect(viaKubectl).toMatchObject({ timedOut: true });
  }, 20_000);

  test("a watch whose printer fails on its second object (a range: client-go's state) ends as kubectl's does", async () => {
    const argv = ["get", "pods", "-n", "shop", "-w", "-o", 'jsonpath={range .spec.containers[*]}{.name}{end}{"\\n"}'];
    const [want, viaKubectl, viaNative] = await Promise.all([kubectlWatch(argv, 5_000), kx.run(argv, { timeoutMs: 5_000 }), native.run(argv, { timeoutMs: 5_000 })]);
    expect(want).toMatchObject({ stdout: "checkout\n", code: 1 });
    expect(want.stderr).toStartWith("error: unable to output the provided object: error executing jsonpath");
    for (const got of [viaKubectl, viaNative]) {
      expect({ stdout: got.stdout, code: got.exitCode, stderr: got.stderr.trim() }).toEqual({ stdout: want.stdout, code: want.code, stderr: want.stderr.trim() });
    }
  }, 20_000);

  test("kubectl's JSON never comes back: a timeout, a cancel or a cut answer no raw object", async () => {
    const argv = ["get", "pods", "-A", "-o", "jsonpath={.items[*].metadata.name}"];
    const timedOut = await kx.run(argv, { timeoutMs: 1 });
    expect(timedOut.stdout).toBe("");
    const ctl = new AbortController();
    ctl.abort();
    const cancelled = await kx.run(argv, { timeoutMs: 10_000, signal: ctl.signal });
    expect(cancelled).toMatchObject({ cancelled: true, stdout: "" });
    const cut = await kx.run(["get", "pods", "-A", "-o", "jsonpath={.items}"], { timeoutMs: 10_000, maxOutputBytes: 100 });
    expect(cut).toMatchObject({ truncated: true, exitCode: null });
    expect(Buffer.byteLength(cut.stdout)).toBeLessThanOrEqual(100);
    expect(cut.stdout).toStartWith('[{"apiVersion":"v1","kind":"Pod"');
    // The same cap on native.
    const nativeCut = await native.run(["get", "pods", "-A", "-o", "jsonpath={.items}"], { timeoutMs: 10_000, maxOutputBytes: 100 });
    expect(nativeCut).toMatchObject({ truncated: true, exitCode: null, stdout: cut.stdout });
  }, 30_000);
});
