/**
 * printJson / printYaml against the real kubectl, byte for byte: kubectl reads
 * objects from a server and prints them with `-o json|yaml`; the printers get
 * the same objects straight from that server's JSON.
 *
 * Two servers: the simulated cluster (every kind of its troubleshooting story,
 * single objects, lists, `-A`, several types) and a minimal API server in this
 * file that serves objects made here, so tricky scalars, numbers, keys and
 * managedFields can be put in front of kubectl.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { goFormatFloat, resolvesAsString, yamlKeyLess, yamlNumber } from "../../lib/kube/print/_go-yaml.ts";
import { asListObject, getOutputObject, goJsonString, itemsOf, printJson } from "../../lib/kube/print/json.ts";
import { printYaml } from "../../lib/kube/print/yaml.ts";
import { type SimCluster, simKubeconfig, startSimCluster } from "../../lib/sim/index.ts";
import { type KubectlRun as Run, requireKubectl, runKubectl } from "../_kubectl.ts";

const KUBECTL = requireKubectl("kube-print-objects.test");

let home: string;

const kubectl = (kubeconfig: string, argv: readonly string[]) => runKubectl(argv, { home, kubeconfig });

/** Runs `fn` over `items` with at most `limit` at a time (kubectl processes are heavy). */
async function pooled<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** One comparison: kubectl's argv (without `-o`) and the object the printers get. */
interface Case {
  argv: string[];
  object: unknown;
}

interface Outcome {
  argv: string[];
  format: "json" | "yaml";
  /** First difference from kubectl (stdout, or its error), or null when identical. */
  diff: string | null;
}

function firstDiff(want: string, got: string): string | null {
  if (want === got) return null;
  const w = want.split("\n");
  const g = got.split("\n");
  for (let i = 0; i < Math.max(w.length, g.length); i++) {
    if (w[i] !== g[i]) return `line ${i + 1}:\n  kubectl: ${JSON.stringify(w[i])}\n  printer: ${JSON.stringify(g[i])}`;
  }
  return "differs";
}

let comparisons = 0;

/**
 * Runs every case in both formats. Where kubectl prints, the printer must print
 * the same bytes; where kubectl fails (`error: ...`, exit 1), the printer must
 * throw that message.
 */
async function compareAll(kubeconfig: string, cases: readonly Case[], formats: readonly ("json" | "yaml")[] = ["json", "yaml"]): Promise<void> {
  const jobs = cases.flatMap((c) => formats.map((format) => ({ c, format })));
  const outcomes = await pooled(jobs, 8, async ({ c, format }): Promise<Outcome> => {
    const run = await kubectl(kubeconfig, [...c.argv, "-o", format]);
    let got: Run;
    try {
      got = { code: 0, stdout: format === "json" ? printJson(c.object) : printYaml(c.object), stderr: "" };
    } catch (err) {
      got = { code: 1, stdout: "", stderr: `error: ${(err as Error).message}\n` };
    }
    const diff = run.code !== got.code || run.stderr !== got.stderr
      ? `kubectl exit ${run.code} ${JSON.stringify(run.stderr)}, printer ${got.code} ${JSON.stringify(got.stderr)}`
      : firstDiff(run.stdout, got.stdout);
    return { argv: c.argv, format, diff };
  });
  comparisons += outcomes.length;
  expect(outcomes.filter((o) => o.diff !== null)).toEqual([]);
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "kubently-print-"));
});

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  if (KUBECTL && comparisons > 0) console.log(`kube-print-objects: ${comparisons} byte-for-byte kubectl comparisons`);
});

// ---------------------------------------------------------------------------
// A minimal API server: legacy discovery plus GET of objects and lists.

interface ServedType {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
}

const SERVED: ServedType[] = [
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"] },
  { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"] },
  { group: "example.com", version: "v1", resource: "widgets", kind: "Widget", namespaced: true, shortNames: ["wd"] },
];

interface MiniServer {
  url: string;
  kubeconfig: string;
  close(): Promise<void>;
}

/** Serves `objects`; list items carry no apiVersion/kind, as kube-apiserver sends typed lists. */
async function startMiniServer(objects: Record<string, unknown>[]): Promise<MiniServer> {
  const gv = (t: { group: string; version: string }) => (t.group ? `${t.group}/${t.version}` : t.version);
  const typeOf = (o: Record<string, unknown>) => SERVED.find((t) => gv(t) === o.apiVersion && t.kind === o.kind);
  const meta = (o: Record<string, unknown>) => o.metadata as { name: string; namespace?: string };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://mini.invalid");
    const send = (code: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
      res.end(text);
    };
    const seg = url.pathname.split("/").filter(Boolean);
    if (url.pathname === "/api") return send(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
    if (url.pathname === "/apis") {
      const groups = [...new Set(SERVED.filter((t) => t.group).map((t) => t.group))].map((name) => {
        const v = { groupVersion: `${name}/v1`, version: "v1" };
        return { name, versions: [v], preferredVersion: v };
      });
      return send(200, { kind: "APIGroupList", apiVersion: "v1", groups });
    }
    const [group, version, rest] = seg[0] === "api" ? ["", seg[1], seg.slice(2)] : [seg[1] ?? "", seg[2], seg.slice(3)];
    if (rest.length === 0) {
      const resources = SERVED.filter((t) => t.group === group && t.version === version).map((t) => ({
        name: t.resource, singularName: t.kind.toLowerCase(), namespaced: t.namespaced, kind: t.kind, verbs: ["get", "list"], shortNames: t.shortNames,
      }));
      return resources.length ? send(200, { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv({ group, version: version ?? "" }), resources }) : send(404, {});
    }
    let ns: string | null = null;
    let r = rest;
    if (r[0] === "namespaces" && r.length >= 3) {
      ns = r[1] ?? null;
      r = r.slice(2);
    }
    const type = SERVED.find((t) => t.group === group && t.version === version && t.resource === r[0]);
    if (!type) return send(404, { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 });
    const all = objects.filter((o) => typeOf(o) === type && (ns === null || !type.namespaced || meta(o).namespace === ns));
    if (r[1] === undefined) {
      const items = all.map(({ apiVersion: _v, kind: _k, ...rest }) => rest);
      return send(200, { kind: `${type.kind}List`, apiVersion: gv(type), metadata: { resourceVersion: "77" }, items });
    }
    const found = all.find((o) => meta(o).name === r[1]);
    if (found) return send(200, found);
    return send(404, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `${type.resource} "${r[1]}" not found`, reason: "NotFound", details: { name: r[1], kind: type.resource }, code: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const kubeconfig = join(home, `mini-${port}.kubeconfig`);
  await writeFile(kubeconfig, simKubeconfig(`http://127.0.0.1:${port}`), { mode: 0o600 });
  return {
    url: `http://127.0.0.1:${port}`,
    kubeconfig,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const configMap = (name: string, data: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1", kind: "ConfigMap",
  metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "42", creationTimestamp: "2025-01-02T03:04:05Z" },
  data, ...extra,
});

const widget = (name: string, spec: unknown) => ({
  apiVersion: "example.com/v1", kind: "Widget",
  metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "43", creationTimestamp: "2025-01-02T03:04:05Z" },
  spec,
});

// ---------------------------------------------------------------------------

describe.skipIf(!KUBECTL)("printJson / printYaml match kubectl on the simulated cluster", () => {
  let sim: SimCluster;
  let kubeconfig: string;
  const list = async (path: string): Promise<Record<string, unknown>[]> => {
    const res = await fetch(`${sim.url}${path}`);
    expect(res.status).toBe(200);
    return itemsOf(await res.json()) as Record<string, unknown>[];
  };
  const md = (o: Record<string, unknown>) => o.metadata as { name: string; namespace?: string };

  // kubectl resource name, and the list path across namespaces.
  const KINDS: [string, string][] = [
    ["pods", "/api/v1/pods"],
    ["deployments.apps", "/apis/apps/v1/deployments"],
    ["replicasets.apps", "/apis/apps/v1/replicasets"],
    ["statefulsets.apps", "/apis/apps/v1/statefulsets"],
    ["daemonsets.apps", "/apis/apps/v1/daemonsets"],
    ["services", "/api/v1/services"],
    ["endpoints", "/api/v1/endpoints"],
    ["endpointslices.discovery.k8s.io", "/apis/discovery.k8s.io/v1/endpointslices"],
    ["configmaps", "/api/v1/configmaps"],
    ["secrets", "/api/v1/secrets"],
    ["nodes", "/api/v1/nodes"],
    ["namespaces", "/api/v1/namespaces"],
    ["events", "/api/v1/events"],
    ["events.events.k8s.io", "/apis/events.k8s.io/v1/events"],
    ["leases.coordination.k8s.io", "/apis/coordination.k8s.io/v1/leases"],
    ["serviceaccounts", "/api/v1/serviceaccounts"],
  ];

  beforeAll(async () => {
    sim = await startSimCluster();
    kubeconfig = await sim.writeKubeconfig(join(home, "sim.kubeconfig"));
  });
  afterAll(async () => {
    await sim?.close();
  });

  test("every object of every kind, printed alone (get TYPE NAME), equals kubectl's output", async () => {
    const cases: Case[] = [];
    for (const [kind, path] of KINDS) {
      const items = await list(path);
      expect(items.length).toBeGreaterThan(0);
      for (const o of items) {
        const { name, namespace } = md(o);
        cases.push({ argv: ["get", kind, name, ...(namespace ? ["-n", namespace] : [])], object: getOutputObject([o], true) });
      }
    }
    await compareAll(kubeconfig, cases);
  }, 120_000);

  test("list requests (-A, -n, selectors, empty results) print one List", async () => {
    const cases: Case[] = [];
    for (const [kind, path] of KINDS) {
      const items = await list(path);
      const namespaced = items.some((o) => md(o).namespace);
      cases.push({ argv: ["get", kind, ...(namespaced ? ["-A"] : [])], object: getOutputObject(items, false) });
      if (namespaced) {
        const shop = items.filter((o) => md(o).namespace === "shop");
        cases.push({ argv: ["get", kind, "-n", "shop"], object: asListObject(shop) });
      }
    }
    const pods = await list("/api/v1/pods");
    // A list request answered by one item is still a List.
    const ledger = pods.filter((o) => md(o).name.startsWith("ledger-reconciler"));
    expect(ledger.length).toBe(1);
    cases.push({ argv: ["get", "pods", "-n", "payments", "-l", "app=ledger-reconciler"], object: asListObject(ledger) });
    cases.push({ argv: ["get", "pods", "-n", "kube-public"], object: asListObject([]) });
    await compareAll(kubeconfig, cases);
  }, 120_000);

  test("several names or several types print one List in argument order", async () => {
    const pods = (await list("/api/v1/pods")).filter((o) => md(o).namespace === "shop");
    const [a, b] = pods;
    if (!a || !b) throw new Error("scenario has fewer than two shop pods");
    const deploys = (await list("/apis/apps/v1/deployments")).filter((o) => md(o).namespace === "shop");
    const svcs = (await list("/api/v1/services")).filter((o) => md(o).namespace === "shop");
    const nodes = await list("/api/v1/nodes");
    const cms = (await list("/api/v1/configmaps")).filter((o) => md(o).namespace === "shop");
    const secrets = (await list("/api/v1/secrets")).filter((o) => md(o).namespace === "shop");
    const cases: Case[] = [
      { argv: ["get", "pods", md(a).name, md(b).name, "-n", "shop"], object: getOutputObject([a, b], false) },
      { argv: ["get", `pod/${md(a).name}`, "-n", "shop"], object: getOutputObject([a], true) },
      { argv: ["get", "deploy,svc", "-n", "shop"], object: asListObject([...deploys, ...svcs]) },
      { argv: ["get", "svc,deploy", "-n", "shop"], object: asListObject([...svcs, ...deploys]) },
      { argv: ["get", "cm,secrets", "-n", "shop"], object: asListObject([...cms, ...secrets]) },
      { argv: ["get", "nodes", "node-1", "node-2"], object: asListObject(nodes.filter((n) => ["node-1", "node-2"].includes(md(n).name))) },
    ];
    await compareAll(kubeconfig, cases);
  }, 60_000);
});

// ---------------------------------------------------------------------------

/** Strings whose YAML form depends on go-yaml's resolver and libyaml's scalar analysis. */
const TRICKY: string[] = [
  "", " ", "  ", "true", "True", "TRUE", "false", "yes", "Yes", "no", "NO", "y", "Y", "n", "N", "on", "On", "off", "OFF",
  "null", "Null", "NULL", "~", "-", "--", "---", "---x", "...", "....", ".", "..",
  "0", "00", "07", "08", "09", "012", "-1", "+1", "1_000", "_1", "1__", "0x1F", "0X1f", "0x", "0xg", "0o17", "0O17", "0b101", "0b102", "0b-1", "-0b1", "0B11",
  "1e3", "1E3", "1e+3", "1.", ".5", "-.5", "+.5", "1.5", "1.2.3", "1e", "e1", ".e1", "1e400", ".5e400", "9223372036854775807", "9223372036854775808",
  "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
  ".inf", ".Inf", "-.inf", "+.INF", ".nan", ".NaN", ".iNf", "inf", "NaN",
  "1:20", "190:20:30", "-1:30", "1:60", "1:2:3.5", "12:30:45", "a:1",
  "2024-01-02", "2024-1-2", "2024-13-01", "2024-02-30", "2024-02-29", "2023-02-29", "2024-01-02T03:04:05Z", "2024-01-02t03:04:05Z",
  "2024-01-02T03:04:05", "2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05,5Z", "2024-01-02T03:04:05+01:00", "2024-01-02T03:04:05+25:00",
  "2024-01-02 03:04:05", "2024-01-02   03:04:05.5", "2024-01-02 24:00:00", "2024-01-02T3:4:5Z", "20240-01-02", "2024-01-02x",
  "<<", "=", "!x", "&a", "*a", "|", ">", "%x", "@x", "`x", "'q'", "\"q\"", "it's", "#x", "a #b", "a#b", "a# b",
  "? x", "?x", ": x", ":x", "a: b", "a:b", "a:", "- x", "-x", "x -", "[a]", "a[b]", "{a}", "a{b}", "a,b", "a, b",
  " leading", "trailing ", "in  side", "\ttab", "a\tb", "tab\t", "a\rb", "crlf\r\n", "nul\u0000", "bell\u0007", "esc\u001b", "\u0008\u000c",
  "line\n", "line1\nline2", "line1\nline2\n", "line1\nline2\n\n", "\n", "\n\n", "\nlead", " lead\nx", "a \nb", "a\n b", "a\n\nb", "tab\n\tx", "trail\nspace ",
  "é", "naïve café", "日本語", "😀", "a😀b", "\u00a0nbsp", "ls\u2028x", "ps\u2029x", "\ufeffbom", "x\ufeff", "\ue000private", "\u00ad",
  "nel\u0085x", "a \u0085 b", "a\u0085\u0085b", "a \u0085\u0085\u0085  b", "\u0085", "\u0085lead", "trail\u0085", "x\u0085---", "x\u0085 --- y", "x\u0085...",
  "<script>&amp;</script>", "a\\b", "back\\slash\"quote",
  "word ".repeat(25).trim(), `a: ${"word ".repeat(25).trim()}`, `tab\t${"word ".repeat(25).trim()}`, `${"x".repeat(100)} ${"y".repeat(10)}`,
  `${"word ".repeat(16)} two  spaces ${"word ".repeat(10)}`, `${"w".repeat(79)} a b`, `${"w".repeat(78)} a b`, "x".repeat(300),
  `line1\n${"word ".repeat(30)}`, `${"word ".repeat(20)}\n`, `"${"word ".repeat(20)}"`, `it's ${"word ".repeat(20)}`,
];

/**
 * Keys that are tricky too: quoting, ordering (natural digit runs, case,
 * punctuation) and length. go-yaml's key comparison is not a total order on
 * every set ("1" < "01" < "0x1F" < "1"): for such a set kubectl's own order
 * changes from run to run (Go's map iteration feeds the sort), so each set here
 * is one go-yaml orders consistently.
 */
const TRICKY_KEYS: string[][] = [
  [
    "a", "B", "b", "_u", "-d", ".dot", "a1", "a10", "a2", "a01", "a001", "a0", "a00", "1", "10", "9", "01", "x9y", "x10y", "k8s.io/a", "k8s.io/B",
    "true", "null", "123", "1.5", "2024-01-02", "a: b", "#k", "k#", " sp", "é", "Z", "z", "日本", "😀", "~", "y", "٣", "a٣", "a3", "ª",
    "k".repeat(128), "k".repeat(129), "é".repeat(64), "é".repeat(65), "x".repeat(1022), "<".repeat(100),
  ],
  ["0x1F", "0x2", "10", "2", "x", "-", "--", "a-1", "a-01", "a_1", "A_1", "a.b", "a/b", "a0b", "a00b"],
];

/** Objects kubectl cannot print as YAML, because go-yaml cannot read Go's JSON of them back. */
const UNREADABLE: Record<string, string>[] = [
  { v: "x\u007fy" }, { v: "\u0080" }, { v: "c1\u009f" }, { v: "\ufffe" }, { v: "\uffff" },
  { "a\u0085b": "v" }, { a: "x\u0085y", "b\u0085": "v" }, { ["x".repeat(1023)]: "v" }, { ["<".repeat(200)]: "v" },
  { v: "x\u0085--- y" }, { v: "x\u0085...\u0085" }, { a: "\u0085\u0085", b: "x\u0085\u0085--- y" },
];

describe.skipIf(!KUBECTL)("printJson / printYaml match kubectl on tricky values", () => {
  let mini: MiniServer;
  const objects: Record<string, unknown>[] = [];
  const values = TRICKY.map((v, i) => [`v${String(i).padStart(3, "0")}`, v] as const);
  const chunks: (readonly (readonly [string, string])[])[] = [];
  for (let i = 0; i < values.length; i += 20) chunks.push(values.slice(i, i + 20));
  chunks.forEach((chunk, i) => objects.push(configMap(`values-${i}`, Object.fromEntries(chunk))));
  TRICKY_KEYS.forEach((keys, n) => objects.push(configMap(`keys-${n}`, Object.fromEntries(keys.map((k, i) => [k, String(i)])))));
  objects.push(configMap("managed", { a: "b" }, {}));
  (objects.at(-1) as { metadata: Record<string, unknown> }).metadata.managedFields = [
    { apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": { ".": {}, "f:a": {} } }, manager: "kubectl", operation: "Update", time: "2025-01-02T03:04:05Z" },
  ];
  objects.push(widget("numbers", {
    ints: [0, 1, -1, 42, 1_000_000, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1), 1e20],
    floats: [0.5, -0.5, 1.5, 0.1, 0.0001, 0.00001, 1e-7, 1.5e-7, 123456.7, 1234567.5, 999999.5, 1e21, 1.7976931348623157e308, 5e-324, 3.14159],
    bools: [true, false],
    nulls: [null],
    empty: { list: [], map: {}, string: "", nested: [[], {}, [[]], [{}]] },
    nested: [[1, [2, [3]]], { a: [{ b: [] }] }, [{ c: 1, d: [1, 2] }]],
    deep: { a: { b: { c: { d: { e: ["x", { f: "g" }] } } } } },
    "": "empty key",
  }));
  objects.push(widget("multiline", {
    script: "#!/bin/sh\nset -e\necho hi\n",
    keep: "a\n\n",
    strip: "a\nb",
    indented: "  indented\nx\n",
    list: ["one\ntwo\n", "three\n", " four\n", "five\n\n"],
    nested: { deeper: { text: "x\ny\n", items: [{ text: "p\nq" }] } },
    [`key\nwith newline`]: "v",
    [`long ${"key ".repeat(40)}`]: "v",
  }));

  beforeAll(async () => {
    mini = await startMiniServer(objects);
  });
  afterAll(async () => {
    await mini?.close();
  });

  test("configmaps of tricky strings and keys, singly and as a list", async () => {
    const cms = objects.filter((o) => o.kind === "ConfigMap");
    const cases: Case[] = cms.map((o) => ({ argv: ["get", "cm", (o.metadata as { name: string }).name, "-n", "default"], object: o }));
    cases.push({ argv: ["get", "cm", "-n", "default"], object: asListObject(cms) });
    await compareAll(mini.kubeconfig, cases);
  }, 60_000);

  test("numbers, nulls, empty and nested collections, block scalars, odd keys", async () => {
    const widgets = objects.filter((o) => o.kind === "Widget");
    const cases: Case[] = widgets.map((o) => ({ argv: ["get", "widgets", (o.metadata as { name: string }).name, "-n", "default"], object: o }));
    cases.push({ argv: ["get", "widgets,cm", "-n", "default"], object: asListObject([...widgets, ...objects.filter((o) => o.kind === "ConfigMap")]) });
    await compareAll(mini.kubeconfig, cases);
  }, 60_000);

  test("itemsOf(list) restores the apiVersion/kind kube-apiserver leaves out of typed list items", async () => {
    const body = (await (await fetch(`${mini.url}/api/v1/namespaces/default/configmaps`)).json()) as { items: Record<string, unknown>[] };
    expect(body.items[0]?.kind).toBeUndefined();
    const items = itemsOf(body);
    expect(items[0]).toMatchObject({ apiVersion: "v1", kind: "ConfigMap" });
    expect(itemsOf({ apiVersion: "example.com/v1", kind: "WidgetList", items: [{ metadata: { name: "w" } }, { kind: "Other", metadata: { name: "o" } }] }))
      .toEqual([{ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }, { kind: "Other", metadata: { name: "o" } }]);
    const widgets = itemsOf(await (await fetch(`${mini.url}/apis/example.com/v1/namespaces/default/widgets`)).json());
    await compareAll(mini.kubeconfig, [
      { argv: ["get", "cm", "-n", "default"], object: asListObject(items) },
      { argv: ["get", "widgets", "-A"], object: asListObject(widgets) },
    ]);
  }, 30_000);

  test("managedFields are omitted unless --show-managed-fields", async () => {
    const managed = objects.find((o) => (o.metadata as { name: string }).name === "managed");
    const argv = ["get", "cm", "managed", "-n", "default"];
    for (const format of ["json", "yaml"] as const) {
      const print = format === "json" ? printJson : printYaml;
      const plain = await kubectl(mini.kubeconfig, [...argv, "-o", format]);
      const shown = await kubectl(mini.kubeconfig, [...argv, "-o", format, "--show-managed-fields"]);
      comparisons += 2;
      expect(plain.stdout).not.toContain("managedFields");
      expect(print(managed)).toBe(plain.stdout);
      expect(print(managed, { showManagedFields: true })).toBe(shown.stdout);
      expect(print(managed, { showManagedFields: true })).toContain("managedFields");
    }
  }, 30_000);

  test("what go-yaml cannot read back makes kubectl fail, and printYaml throw the same message", async () => {
    const cms = UNREADABLE.map((data, i) => configMap(`bad-${i}`, data));
    const mini2 = await startMiniServer(cms);
    try {
      const cases: Case[] = cms.map((o) => ({ argv: ["get", "cm", o.metadata.name, "-n", "default"], object: o }));
      await compareAll(mini2.kubeconfig, cases);
      for (const o of cms) expect(() => printYaml(o)).toThrow(/^yaml: /);
    } finally {
      await mini2.close();
    }
  }, 30_000);

  test("property: random strings and keys from a tricky alphabet print as kubectl prints them", async () => {
    const alphabet = [" ", " ", "\t", "\n", "\n", "\r", ":", "#", "-", "?", ",", "[", "]", "{", "}", "'", '"', "\\", "!", "&", "*", "|", ">", "%", "@", "`",
      ".", "0", "1", "9", "e", "x", "_", "+", "a", "b", "Z", "y", "n", "é", "日", "😀", "\u2028", "\u00a0", "\ufeff", "~", "<", "=", "\u0000", "\u001b"];
    const word = (chars: string[]) => fc.array(fc.constantFrom(...chars), { minLength: 0, maxLength: 14 }).map((cs) => cs.join(""));
    const long = fc.array(fc.constantFrom("word", "x", " ", " ", "a:", "#", "\n", "it's", "\t"), { minLength: 20, maxLength: 60 }).map((cs) => cs.join(""));
    // NEL only in some maps: one in a key makes kubectl fail on the whole object.
    const value = fc.oneof({ weight: 4, arbitrary: word([...alphabet, "\u0085"]) }, { weight: 1, arbitrary: long });
    const dict = (keyChars: string[]) =>
      fc.dictionary(word(keyChars).filter((k) => k.length > 0), value, { minKeys: 5, maxKeys: 15 }).filter((d) => totallyOrdered(Object.keys(d)));
    const samples = [
      ...fc.sample(dict(alphabet), { numRuns: 24, seed: 20250102 }),
      ...fc.sample(dict([...alphabet, "\u0085"]), { numRuns: 6, seed: 20250103 }),
    ];
    const cms = samples.map((data, i) => configMap(`random-${i}`, data));
    const mini3 = await startMiniServer(cms);
    try {
      const cases: Case[] = cms.map((o) => ({ argv: ["get", "cm", o.metadata.name, "-n", "default"], object: o }));
      const readable = cms.filter((o) => !Object.keys(o.data).some((k) => k.includes("\u0085")));
      cases.push({ argv: ["get", "cm", "-n", "default"], object: asListObject(cms) });
      expect(readable.length).toBeGreaterThan(20);
      await compareAll(mini3.kubeconfig, cases);
    } finally {
      await mini3.close();
    }
  }, 60_000);
});

/** True when go-yaml's key comparison orders `keys` consistently, so kubectl prints them in one order. */
function totallyOrdered(keys: readonly string[]): boolean {
  const sorted = [...keys].sort((x, y) => (yamlKeyLess(x, y) ? -1 : yamlKeyLess(y, x) ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      if (!yamlKeyLess(sorted[i] as string, sorted[j] as string) || yamlKeyLess(sorted[j] as string, sorted[i] as string)) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Pure tests of rules read from go-yaml v2 and encoding/json (each also reached kubectl above).

describe("go-yaml v2 rules", () => {
  test("the tricky key sets are ones go-yaml orders consistently; {1, 01, 0x1F} is not", () => {
    for (const keys of TRICKY_KEYS) expect(totallyOrdered(keys)).toBe(true);
    expect(totallyOrdered(["1", "01", "0x1F"])).toBe(false);
  });

  test("yamlKeyLess orders digit runs as numbers and non-letters before letters", () => {
    const sorted = ["a10", "a2", "B", "a", "_x", "1", "10", "9", "a01", "A"].sort((x, y) => (yamlKeyLess(x, y) ? -1 : yamlKeyLess(y, x) ? 1 : 0));
    expect(sorted).toEqual(["_x", "1", "9", "10", "A", "B", "a", "a01", "a2", "a10"]);
  });

  test("resolvesAsString(s) is false for what go-yaml would read as another type", () => {
    for (const s of ["", "true", "y", "NO", "~", "12", "0x1F", "1_000", "08", "1e3", ".5", "2024-1-2", "2024-01-02T03:04:05Z", "+.inf"]) expect(resolvesAsString(s)).toBe(false);
    for (const s of ["<<", "2024-13-01", "2024-01-02T03:04:05", "1.2.3", "0b102", "inf", ".iNf", "1e400", "yess"]) expect(resolvesAsString(s)).toBe(true);
  });

  test("goFormatFloat(n) is strconv.FormatFloat(n, 'g', -1, 64)", () => {
    expect([0.5, 1e-5, 1e-4, 123456.7, 1234567.5, 1e21, 1.5e-7, 5e-324].map(goFormatFloat)).toEqual(["0.5", "1e-05", "0.0001", "123456.7", "1.2345675e+06", "1e+21", "1.5e-07", "5e-324"]);
  });

  test("yamlNumber(n) keeps integers as ints, uint64 past int64, and floats beyond", () => {
    expect(yamlNumber(42)).toBe("42");
    expect(yamlNumber(1e20)).toBe("1e+20");
    expect(yamlNumber(9223372036854775808n)).toBe("9223372036854775808");
    expect(yamlNumber(18446744073709551616n)).toBe("1.8446744073709552e+19");
    expect(yamlNumber(-9223372036854775808n)).toBe("-9223372036854775808");
  });

  test("goJsonString escapes like Go's encoding/json with HTML escaping", () => {
    expect(goJsonString("<a&b>\u2028\u2029\b\f\n\r\t\u0001\u007f\"\\é😀")).toBe('"\\u003ca\\u0026b\\u003e\\u2028\\u2029\\b\\f\\n\\r\\t\\u0001\u007f\\"\\\\é😀"');
  });

  test("printJson/printYaml of a lone surrogate print U+FFFD, as Go's UTF-8 decoding does", () => {
    expect(printJson({ a: "x\ud800y" })).toBe('{\n    "a": "x\uFFFDy"\n}\n');
    expect(printYaml({ a: "x\ud800y" })).toBe("a: x\uFFFDy\n");
  });

  test("printYaml of bigint keeps all digits", () => {
    expect(printYaml({ v: 9007199254740993n })).toBe("v: 9007199254740993\n");
    expect(printJson({ v: 9007199254740993n })).toBe('{\n    "v": 9007199254740993\n}\n');
  });

  test("printYaml(root) of scalars, empty containers and lists", () => {
    expect(printYaml({})).toBe("{}\n");
    expect(printYaml([])).toBe("[]\n");
    expect(printYaml([1, [2, 3], { a: [] }])).toBe("- 1\n- - 2\n  - 3\n- a: []\n");
    expect(printJson([])).toBe("[]\n");
  });
});
