/**
 * The renderers of `kubectl events`, `api-resources`, `api-versions`,
 * `version` and `auth can-i` against the real kubectl (v1.32 on PATH), byte
 * for byte: each case runs kubectl, then feeds the renderer the data kubectl
 * read (fetched from the same server right after) and compares stdout, stderr
 * and the exit code. Two servers: the simulated cluster, and a small fake API
 * server in this file for shapes the sim does not have (series events, ties
 * in time, multi-version and stale groups, legacy discovery, review answers
 * with reasons, version skew).
 *
 * Ages may flip between kubectl's clock and ours: `now` is taken right after
 * kubectl returns and a mismatch is retried once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResourceInfo } from "../../lib/kube/_types.ts";
import {
  type DiscoveryFailure,
  aggregatedGroupVersions,
  groupVersionNames,
  legacyGroupVersions,
  preferredResources,
  renderApiResources,
  renderApiVersions,
} from "../../lib/kube/print/api-resources.ts";
import { canIResourceArg, parseResourceArg, planCanI, renderCanI, renderCanIList } from "../../lib/kube/print/can-i.ts";
import {
  type CommandOutput,
  eventsForFieldSelector,
  eventsOutputFormatError,
  parseEventsFor,
  renderEvents,
  renderEventsName,
  renderEventsOutput,
  validateEventTypes,
} from "../../lib/kube/print/events.ts";
import { formatTabbed } from "../../lib/kube/print/_tabwriter.ts";
import { type VersionInfo, goPlatform, nativeClientVersion, renderVersion, versionInfoFromJson } from "../../lib/kube/print/version.ts";
import { decodeReviewSpec } from "../../lib/sim/_protobuf.ts";
import { type SimCluster, simKubeconfig, startSimCluster } from "../../lib/sim/index.ts";
import { type KubectlRun as Run, requireKubectl, runKubectl } from "../_kubectl.ts";

const KUBECTL = requireKubectl("kube-print-commands.test");
const AGGREGATED = { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" };

let home: string;
let sim: SimCluster;
let simConfig: string;
let fake: FakeServer;
let fakeConfig: string;
let clientVersion: VersionInfo;
let kustomizeVersion: string;

/**
 * Runs kubectl, then the renderer (which reads the server again and takes
 * `now`), and requires the same stdout, stderr and exit code. One retry for
 * ages that flip between the two clocks. `stderrSuffix`: kubectl's stderr only
 * has to end with ours (it also logs discovery trouble while it works).
 */
async function parity(
  kubeconfig: string,
  args: readonly string[],
  render: (now: number) => CommandOutput | Promise<CommandOutput>,
  options: { stderrSuffix?: boolean } = {},
): Promise<Run> {
  let r: Run = { stdout: "", stderr: "", code: null };
  let mine: CommandOutput = { stdout: "", stderr: "", exitCode: -1 };
  for (let attempt = 0; attempt < 2; attempt++) {
    r = await runKubectl(args, { home, kubeconfig });
    mine = await render(Date.now());
    if (options.stderrSuffix && r.stderr.endsWith(mine.stderr)) mine = { ...mine, stderr: r.stderr };
    if (r.stdout === mine.stdout && r.stderr === mine.stderr && r.code === mine.exitCode) break;
  }
  expect({ args, stdout: mine.stdout, stderr: mine.stderr, code: mine.exitCode as number | null }).toEqual({ args, stdout: r.stdout, stderr: r.stderr, code: r.code });
  return r;
}

async function getJson(base: string, path: string, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(base + path, { headers });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

/** The value of `--name=value` or `--name value` in argv. */
function flag(args: readonly string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const a = args[i] as string;
  return a.includes("=") ? a.slice(a.indexOf("=") + 1) : (args[i + 1] ?? "");
}

// ---------------------------------------------------------------------------
// A fake API server for shapes the simulated cluster does not serve

interface FakeServer {
  url: string;
  /** core/v1 events served by /api/v1[/namespaces/<ns>]/events, in this order. */
  events: Record<string, unknown>[];
  discovery: { mode: "aggregated"; api: unknown; apis: unknown } | { mode: "legacy"; api: unknown; apis: unknown; lists: Record<string, unknown> };
  version: unknown;
  access: unknown;
  rules: unknown;
  /** Specs of the self-reviews kubectl posted (decoded from protobuf). */
  reviews: Record<string, unknown>[];
  close(): Promise<void>;
}

/** The legacy `APIResourceList` of one group-version of aggregated documents (kubectl's can-i reads it for the scope). */
function legacyListOf(d: { api: unknown; apis: unknown }, gv: string): unknown {
  const found = aggregatedGroupVersions(d.api, d.apis).groupVersions.find((x) => (x.group === "" ? x.version : `${x.group}/${x.version}`) === gv);
  if (!found) return null;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: gv,
    resources: found.resources.map((r) => ({ name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, shortNames: r.shortNames })),
  };
}

async function startFake(): Promise<FakeServer> {
  const state = {
    events: [] as Record<string, unknown>[],
    discovery: { mode: "aggregated", api: {}, apis: {} } as FakeServer["discovery"],
    version: {},
    access: { allowed: true },
    rules: {},
    reviews: [] as Record<string, unknown>[],
  };
  const send = (res: ServerResponse, code: number, body: unknown, type = "application/json") => {
    const text = JSON.stringify(body);
    res.writeHead(code, { "Content-Type": type, "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  };
  const notFound = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "the server could not find the requested resource", reason: "NotFound", details: {}, code: 404 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const path = url.pathname;
    if (req.method === "POST") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const access = path.endsWith("/selfsubjectaccessreviews");
        const raw = Buffer.concat(chunks);
        const spec = (req.headers["content-type"] ?? "").includes("protobuf") ? decodeReviewSpec(raw, access ? "access" : "rules") : JSON.parse(raw.toString()).spec;
        state.reviews.push(spec);
        send(res, 201, {
          kind: access ? "SelfSubjectAccessReview" : "SelfSubjectRulesReview",
          apiVersion: "authorization.k8s.io/v1",
          metadata: { creationTimestamp: null },
          spec,
          status: access ? state.access : state.rules,
        });
      });
      return;
    }
    if (path === "/version") return send(res, 200, state.version);
    const d = state.discovery;
    if (path === "/api" || path === "/apis") {
      const doc = path === "/api" ? d.api : d.apis;
      if (d.mode === "aggregated" && (req.headers.accept ?? "").includes("as=APIGroupDiscoveryList")) {
        return send(res, 200, doc, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
      }
      if (d.mode === "legacy") return send(res, 200, doc);
      return send(res, 406, notFound);
    }
    const events = path.match(/^\/api\/v1\/(?:namespaces\/([^/]+)\/)?events$/);
    if (events) {
      const items = state.events.filter((e) => !events[1] || (e.metadata as { namespace?: string }).namespace === events[1]);
      return send(res, 200, { kind: "EventList", apiVersion: "v1", metadata: { resourceVersion: "7" }, items });
    }
    const gv = path.startsWith("/api/") ? path.slice(5) : path.slice(6);
    const list = d.mode === "legacy" ? d.lists[gv] : legacyListOf(d, gv);
    if (list) return send(res, 200, list);
    send(res, 404, notFound);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as FakeServer;
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "kubently-print-commands-"));
  sim = await startSimCluster();
  simConfig = await sim.writeKubeconfig(join(home, "sim-kubeconfig"));
  fake = await startFake();
  fakeConfig = join(home, "fake-kubeconfig");
  await writeFile(fakeConfig, simKubeconfig(fake.url), { mode: 0o600 });
  if (KUBECTL) {
    const v = JSON.parse(spawnSync("kubectl", ["version", "--client", "-o", "json"], { encoding: "utf8" }).stdout);
    clientVersion = versionInfoFromJson(v.clientVersion);
    kustomizeVersion = v.kustomizeVersion;
  }
});

afterAll(async () => {
  await sim?.close();
  await fake?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// Discovery and resolution helpers (the caller's side of the contract)

async function discover(base: string): Promise<{ groupVersions: ReturnType<typeof aggregatedGroupVersions>["groupVersions"]; failed: DiscoveryFailure[] }> {
  const api = await getJson(base, "/api", AGGREGATED);
  const apis = await getJson(base, "/apis", AGGREGATED);
  return aggregatedGroupVersions(api, apis);
}

/** A small RESTMapper: plural, singular, kind or short name, optionally `.group`; preferred version. */
async function resolve(base: string, token: string): Promise<ResourceInfo | null> {
  const resources = preferredResources((await discover(base)).groupVersions);
  const { fullySpecified, groupResource } = parseResourceArg(token);
  if (groupResource.resource === "") return null;
  const match = (want: { group: string; resource: string }) =>
    resources.find(
      (r) =>
        (want.group === "" || r.group === want.group) &&
        (r.resource === want.resource || r.singular === want.resource || r.kind.toLowerCase() === want.resource || r.shortNames.includes(want.resource)),
    ) ?? null;
  return (fullySpecified && match(fullySpecified)) || match(groupResource);
}

// ---------------------------------------------------------------------------
// kubectl events

/** kubectl's events flags as the renderer's caller reads them. */
function eventsCall(args: readonly string[]) {
  const allNamespaces = args.includes("-A");
  const types = flag(args, "--types");
  return {
    namespace: flag(args, "-n") ?? "default",
    allNamespaces,
    ...(types !== undefined ? { types: types === "" ? [] : types.split(",") } : {}),
    noHeaders: args.includes("--no-headers"),
    output: flag(args, "-o") ?? "",
    showManagedFields: args.includes("--show-managed-fields"),
    forValue: flag(args, "--for"),
  };
}

/** Everything the native `kubectl events` does, from fetched data, for one argv. */
async function nativeEvents(base: string, args: readonly string[], now: number): Promise<CommandOutput> {
  const c = eventsCall(args);
  const err = (m: string): CommandOutput => ({ stdout: "", stderr: `error: ${m}\n`, exitCode: 1 });
  let fieldSelector: string | null = null;
  if (c.forValue !== undefined) {
    const parsed = parseEventsFor(c.forValue);
    if ("error" in parsed) return err(parsed.error);
    const r = await resolve(base, parsed.resource);
    if (!r) throw new Error(`test resolver cannot resolve ${parsed.resource}`);
    fieldSelector = eventsForFieldSelector({ kind: r.kind, apiVersion: r.group ? `${r.group}/${r.version}` : r.version, name: parsed.name });
  }
  const outErr = eventsOutputFormatError(c.output);
  if (outErr) return err(outErr);
  const typeErr = validateEventTypes(c.types ?? []);
  if (typeErr) return err(typeErr);
  const path = c.allNamespaces ? "/api/v1/events" : `/api/v1/namespaces/${c.namespace}/events`;
  const query = fieldSelector ? `?fieldSelector=${encodeURIComponent(fieldSelector)}&limit=500` : "?limit=500";
  const list = await getJson(base, path + query);
  const opts = { namespace: c.namespace, allNamespaces: c.allNamespaces, ...(c.types ? { types: c.types } : {}), noHeaders: c.noHeaders, now };
  const output = c.output.toLowerCase();
  if (output === "json" || output === "yaml") return renderEventsOutput(list.items, { ...opts, output, showManagedFields: c.showManagedFields });
  if (output === "name") return renderEventsName(list.items, opts);
  return renderEvents(list.items, opts);
}

describe.skipIf(!KUBECTL)("kubectl events against the simulated cluster", () => {
  const cases: string[][] = [
    [],
    ["-n", "shop"],
    ["-A"],
    ["-A", "--no-headers"],
    ["-n", "shop", "--no-headers"],
    ["-n", "shop", "--types=Warning"],
    ["-n", "shop", "--types=normal,WARNING"],
    ["-n", "shop", "--types=Normal,Normal"],
    ["-A", "--types=Warning"],
    ["-n", "payments", "--types=Warning"],
    ["-n", "shop", "--types="],
    ["--types=foo"],
    ["-n", "shop", "--types=Warning,"],
    ["-n", "nonexistent"],
    ["-A", "--types=Normal", "--no-headers"],
    ["-n", "shop", "-o", "json"],
    ["-A", "-o", "json"],
    ["-n", "shop", "-o", "JSON"],
    ["-n", "payments", "-o", "yaml"],
    ["-A", "-o", "yaml"],
    ["-n", "shop", "-o", "name"],
    ["-o", "name"],
    ["-o", "json"],
    ["-A", "-o", "wide"],
    ["-n", "shop", "-o", "custom-columns=A:.reason"],
    ["-n", "shop", "-o", "jsonpath"],
    ["-n", "shop", "-o", "go-template="],
    ["-n", "shop", "-o", "JSONPATH={.items}"],
    ["-n", "shop", "-o", "NAME"],
    ["-n", "shop", "-o", "Yaml"],
    ["-n", "shop", "--for", "deployment/checkout"],
    ["-n", "shop", "--for", "deploy/checkout"],
    ["-n", "shop", "--for", "Deployment.apps/checkout"],
    ["-n", "shop", "--for", "statefulset/postgres"],
    ["-n", "shop", "--for", "pod/does-not-exist"],
    ["-n", "shop", "--for", "pod/"],
    ["--for", "pod"],
    ["--for", "pod/a/b"],
    ["-n", "shop", "--for", "deployment/checkout", "-o", "json"],
  ];
  for (const args of cases) {
    test(`kubectl events ${args.join(" ")}`, async () => {
      await parity(simConfig, ["events", ...args], (now) => nativeEvents(sim.url, args, now));
    }, 30_000);
  }

  test("--for pod/NAME of every pod with events gives kubectl's rows", async () => {
    const all = await getJson(sim.url, "/api/v1/events");
    const pods = [...new Set<string>(all.items.filter((e: any) => e.involvedObject.kind === "Pod").map((e: any) => `${e.metadata.namespace}/${e.involvedObject.name}`))];
    expect(pods.length).toBeGreaterThan(2);
    for (const p of pods) {
      const [ns = "", name = ""] = p.split("/");
      const args = ["-n", ns, "--for", `pod/${name}`];
      await parity(simConfig, ["events", ...args], (now) => nativeEvents(sim.url, args, now));
    }
  }, 60_000);
});

// Events the sim does not have: series, eventTime only, unset times, counts, odd text, offsets, fractions.
function craftedEvents(t0: number): Record<string, unknown>[] {
  const sec = (ago: number) => new Date(Math.floor((t0 - ago) / 1000) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const micro = (ago: number) => new Date(t0 - ago).toISOString().replace(/Z$/, "123Z");
  const offset = (ago: number) => {
    const d = new Date(Math.floor((t0 - ago) / 1000) * 1000 + 2 * 3600_000);
    return d.toISOString().replace(/\.\d+Z$/, "+02:00");
  };
  const base = (name: string, ns: string, extra: Record<string, unknown>) => ({
    metadata: { name, namespace: ns, uid: `uid-${name}`, resourceVersion: "5", creationTimestamp: sec(7200_000) },
    involvedObject: { kind: "Pod", namespace: ns, name: `pod-${name}`, uid: `p-${name}`, apiVersion: "v1" },
    reason: "Reason",
    message: `message of ${name}`,
    source: { component: "kubelet", host: "node-1" },
    firstTimestamp: sec(60_000),
    lastTimestamp: sec(60_000),
    count: 1,
    type: "Normal",
    eventTime: null,
    reportingComponent: "kubelet",
    reportingInstance: "node-1",
    ...extra,
  });
  return [
    base("plain", "crafted", {}),
    base("series", "crafted", { firstTimestamp: null, lastTimestamp: null, count: 0, eventTime: micro(7200_000), series: { count: 5, lastObservedTime: micro(600_000) }, type: "Warning", reason: "BackOff", action: "Restarting", reportingInstance: "" }),
    base("eventtime-only", "crafted", { firstTimestamp: null, lastTimestamp: null, count: 0, eventTime: micro(45_000), related: { kind: "Node", name: "node-1", apiVersion: "v1" } }),
    base("counted", "crafted", { firstTimestamp: sec(3 * 86400_000 + 5000), lastTimestamp: sec(5 * 3600_000), count: 3 }),
    base("never", "crafted", { firstTimestamp: null, lastTimestamp: null, count: 0, message: "no times at all" }),
    base("zero", "crafted", { firstTimestamp: "0001-01-01T00:00:00Z", lastTimestamp: "0001-01-01T00:00:00Z", count: 2 }),
    base("wide-名前", "crafted", { reason: "Pulled", involvedObject: { kind: "Pod", name: "数据库-0" }, message: "🚀 launched\u00a0ok" }),
    base("empty-type", "crafted", { type: "", reason: "", message: "" }),
    base("lower", "crafted", { type: "warning", reason: "Lower" }),
    base("blank", "crafted", { message: " \t\n " }),
    base("offset", "crafted", { lastTimestamp: offset(90_000), firstTimestamp: offset(4000_000), count: 2 }),
    base("fraction", "crafted", { lastTimestamp: new Date(t0 - 30_500).toISOString(), firstTimestamp: new Date(t0 - 30_500).toISOString() }),
    base("no-kind", "crafted", { involvedObject: { name: "orphan" } }),
    base("escapes", "crafted", { message: "red \u001b[31mtext\u001b[0m\r and <b>&amp;</b> \u2028 end", reason: "Esc\u001bape" }),
    base("tabbed", "crafted", { message: "a\tb\tc" }),
    base("multi", "crafted", { message: "first line\nsecond\tline\nthird" }),
    base("meta", "crafted", {
      metadata: {
        name: "meta",
        namespace: "crafted",
        uid: "uid-meta",
        resourceVersion: "9",
        generation: 2,
        creationTimestamp: sec(100_000),
        labels: { b: "2", a: "1", "10": "x", "9": "y" },
        annotations: { "z.example.com/k": "v" },
        ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "u", controller: true }],
        finalizers: ["f"],
        managedFields: [{ manager: "kubelet", operation: "Update", apiVersion: "v1", time: sec(100_000), fieldsType: "FieldsV1", fieldsV1: { "f:message": {}, "f:count": {} } }],
      },
      extraField: "dropped by the typed decode",
      source: {},
    }),
    base("other-ns", "crafted-2", { type: "Warning", lastTimestamp: sec(20_000), firstTimestamp: sec(20_000) }),
  ];
}

/** Events with few distinct times, so Go's unstable sort decides the order of ties. */
function tieEvents(t0: number): { namespace: string; events: Record<string, unknown>[] }[] {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const patterns: Record<string, (n: number) => number[]> = {
    few: (n) => Array.from({ length: n }, () => Math.floor(rnd() * 4)),
    saw: (n) => Array.from({ length: n }, (_, i) => i % 7),
    desc: (n) => Array.from({ length: n }, (_, i) => Math.floor((n - i) / 3)),
    organ: (n) => Array.from({ length: n }, (_, i) => Math.min(i, n - i)),
    bimodal: (n) => Array.from({ length: n }, (_, i) => (i % 2 ? 0 : Math.floor(rnd() * 50))),
    equal: (n) => Array.from({ length: n }, () => 0),
  };
  const out: { namespace: string; events: Record<string, unknown>[] }[] = [];
  for (const [name, make] of Object.entries(patterns)) {
    for (const n of [13, 33, 64, 257]) {
      const namespace = `ties-${name}-${n}`;
      const at = new Date(Math.floor((t0 - 3600_000) / 1000) * 1000);
      out.push({
        namespace,
        events: make(n).map((v, i) => ({
          metadata: { name: `e-${i}`, namespace },
          involvedObject: { kind: "Pod", name: `p-${i}` },
          reason: "R",
          message: `m-${i}`,
          firstTimestamp: new Date(at.getTime() + v * 60_000).toISOString().replace(/\.\d+Z$/, "Z"),
          lastTimestamp: new Date(at.getTime() + v * 60_000).toISOString().replace(/\.\d+Z$/, "Z"),
          count: 1,
          type: "Normal",
        })),
      });
    }
  }
  return out;
}

describe.skipIf(!KUBECTL)("kubectl events against crafted events", () => {
  let ties: { namespace: string; events: Record<string, unknown>[] }[];
  beforeAll(() => {
    const t0 = Date.now();
    ties = tieEvents(t0);
    fake.events = [...craftedEvents(t0), ...ties.flatMap((t) => t.events)];
  });

  const cases: string[][] = [
    ["-n", "crafted"],
    ["-n", "crafted", "--no-headers"],
    ["-n", "crafted", "--types=warning"],
    ["-n", "crafted", "-o", "json"],
    ["-n", "crafted", "-o", "json", "--show-managed-fields"],
    ["-n", "crafted", "-o", "yaml"],
    ["-n", "crafted-2", "-o", "yaml"],
  ];
  for (const args of cases) {
    test(`kubectl events ${args.join(" ")}`, async () => {
      await parity(fakeConfig, ["events", ...args], (now) => nativeEvents(fake.url, args, now));
    }, 30_000);
  }

  test("kubectl events -A over crafted events and every tie pattern", async () => {
    await parity(fakeConfig, ["events", "-A"], (now) => nativeEvents(fake.url, ["-A"], now));
  }, 30_000);

  // Pins the sort: a stable sort fails here (and on the sim's own events), and so does Go 1.24's xorshift (13/7/17).
  test("ties in time come out in kubectl's order (Go 1.23 pdqsort, pattern breaking included)", async () => {
    for (const { namespace } of ties) {
      const args = ["-n", namespace];
      await parity(fakeConfig, ["events", ...args], (now) => nativeEvents(fake.url, args, now));
    }
  }, 120_000);
});

// ---------------------------------------------------------------------------
// kubectl api-resources / api-versions

function apiResourcesCall(args: readonly string[]) {
  const namespaced = flag(args, "--namespaced");
  const list = (v: string | undefined) => (v === undefined || v === "" ? undefined : v.split(","));
  const apiGroup = flag(args, "--api-group");
  return {
    output: flag(args, "-o") ?? "",
    noHeaders: args.includes("--no-headers"),
    ...(apiGroup !== undefined ? { apiGroup } : {}),
    ...(namespaced !== undefined ? { namespaced: namespaced === "true" } : {}),
    ...(list(flag(args, "--verbs")) ? { verbs: list(flag(args, "--verbs")) } : {}),
    ...(list(flag(args, "--categories")) ? { categories: list(flag(args, "--categories")) } : {}),
    sortBy: flag(args, "--sort-by") ?? "",
    args: args.filter((a, i) => !a.startsWith("-") && !(i > 0 && ["-o", "--sort-by"].includes(args[i - 1] as string))),
  };
}

async function nativeApiResources(base: string, args: readonly string[]): Promise<CommandOutput> {
  // Stale aggregated group-versions are not reported: kubectl skips them silently.
  const { groupVersions } = await discover(base);
  return renderApiResources(preferredResources(groupVersions), apiResourcesCall(args));
}

const API_RESOURCES_CASES: string[][] = [
  [],
  ["-o", "wide"],
  ["-o", "name"],
  ["--no-headers"],
  ["--no-headers", "-o", "wide"],
  ["--namespaced=true"],
  ["--namespaced=false", "-o", "wide"],
  ["--api-group="],
  ["--api-group=apps", "-o", "wide"],
  ["--api-group=rbac.authorization.k8s.io", "-o", "name"],
  ["--api-group=nope"],
  ["--verbs=create"],
  ["--verbs=get,list", "-o", "wide"],
  ["--categories=all"],
  ["--categories=all", "--namespaced=false"],
  ["--sort-by=name"],
  ["--sort-by=kind"],
  ["--sort-by=kind", "-o", "name"],
  ["--sort-by=age"],
  ["-o", "yaml"],
  ["extra"],
];

describe.skipIf(!KUBECTL)("kubectl api-resources / api-versions against the simulated cluster", () => {
  for (const args of API_RESOURCES_CASES) {
    test(`kubectl api-resources ${args.join(" ")}`, async () => {
      await parity(simConfig, ["api-resources", ...args], () => nativeApiResources(sim.url, args));
    }, 30_000);
  }
  test("kubectl api-versions", async () => {
    await parity(simConfig, ["api-versions"], async () => ({ stdout: renderApiVersions(groupVersionNames((await discover(sim.url)).groupVersions)), stderr: "", exitCode: 0 }));
  }, 30_000);
});

function aggregatedDoc(items: unknown[]) {
  return { kind: "APIGroupDiscoveryList", apiVersion: "apidiscovery.k8s.io/v2", metadata: {}, items };
}

function aggResource(group: string, version: string, resource: string, kind: string | null, extra: Record<string, unknown> = {}) {
  return {
    resource,
    ...(kind !== null ? { responseKind: { group, version, kind } } : {}),
    scope: "Namespaced",
    singularResource: resource.replace(/s$/, ""),
    verbs: ["get", "list", "watch"],
    ...extra,
  };
}

/** Discovery with what the sim lacks: several versions per group, a stale group, name and kind ties, dropped entries. */
function fakeAggregated() {
  const v = (group: string, version: string, resources: unknown[], freshness = "Current") => ({ version, resources, freshness });
  const api = aggregatedDoc([
    {
      metadata: { name: "" },
      versions: [
        v("", "v1", [
          aggResource("", "v1", "pods", "Pod", {
            shortNames: ["po"],
            categories: ["all"],
            subresources: [{ subresource: "log", responseKind: { group: "", version: "v1", kind: "Pod" }, verbs: ["get"] }],
          }),
          aggResource("", "v1", "nodes", "Node", { scope: "Cluster", shortNames: ["no"] }),
          aggResource("", "v1", "events", "Event", { shortNames: ["ev"] }),
          aggResource("", "v1", "bindings", "Binding", { verbs: ["create"] }),
          aggResource("", "v1", "noverbs", "NoVerbs", { verbs: [] }),
          aggResource("", "v1", "nokind", null, { subresources: [{ subresource: "status", responseKind: { group: "", version: "v1", kind: "NoKind" }, verbs: ["get"] }] }),
        ]),
      ],
    },
  ]);
  const apis = aggregatedDoc([
    { metadata: { name: "apps" }, versions: [v("apps", "v1", [aggResource("apps", "v1", "deployments", "Deployment", { shortNames: ["deploy"], categories: ["all"] })])] },
    {
      metadata: { name: "zeta.example.com" },
      versions: [
        v("zeta.example.com", "v1", [
          aggResource("zeta.example.com", "v1", "widgets", "Widget", { scope: "Cluster", shortNames: ["w", "wd"], categories: ["all", "zeta"] }),
          aggResource("zeta.example.com", "v1", "events", "Event"),
        ]),
      ],
    },
    { metadata: { name: "events.k8s.io" }, versions: [v("events.k8s.io", "v1", [aggResource("events.k8s.io", "v1", "events", "Event")])] },
    {
      metadata: { name: "autoscaling" },
      versions: [
        v("autoscaling", "v2", [aggResource("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", { shortNames: ["hpa"] })]),
        v("autoscaling", "v1", [
          aggResource("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", { shortNames: ["hpa"] }),
          aggResource("autoscaling", "v1", "oldscalers", "OldScaler"),
        ]),
      ],
    },
    {
      metadata: { name: "alpha.example.com" },
      versions: [
        v("alpha.example.com", "v1beta2", [], "Stale"),
        v("alpha.example.com", "v1beta1", [aggResource("alpha.example.com", "v1beta1", "gadgets", "Gadget"), aggResource("alpha.example.com", "v1beta1", "betas", "Beta")]),
        v("alpha.example.com", "v1", [aggResource("alpha.example.com", "v1", "gadgets", "Gadget"), aggResource("alpha.example.com", "v1", "ones", "One")]),
      ],
    },
    { metadata: { name: "metrics.k8s.io" }, versions: [v("metrics.k8s.io", "v1beta1", [], "Stale")] },
  ]);
  return { api, apis };
}

/** The same kind of surface over legacy discovery, with a preferred version that is not listed first and a group-version that fails. */
function fakeLegacy() {
  const list = (gv: string, resources: unknown[]) => ({ kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources });
  const r = (name: string, kind: string, namespaced = true, extra: Record<string, unknown> = {}) => ({ name, singularName: "", namespaced, kind, verbs: ["get", "list"], ...extra });
  return {
    api: { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] },
    apis: {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: [
        { name: "alpha.example.com", versions: [{ groupVersion: "alpha.example.com/v1beta1", version: "v1beta1" }, { groupVersion: "alpha.example.com/v1", version: "v1" }], preferredVersion: { groupVersion: "alpha.example.com/v1", version: "v1" } },
        { name: "apps", versions: [{ groupVersion: "apps/v1", version: "v1" }], preferredVersion: { groupVersion: "apps/v1", version: "v1" } },
        { name: "metrics.k8s.io", versions: [{ groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" }], preferredVersion: { groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" } },
      ],
    },
    lists: {
      v1: list("v1", [r("pods", "Pod", true, { shortNames: ["po"], categories: ["all"] }), r("pods/log", "Pod"), r("nodes", "Node", false)]),
      "alpha.example.com/v1beta1": list("alpha.example.com/v1beta1", [r("gadgets", "Gadget"), r("betas", "Beta", false)]),
      "alpha.example.com/v1": list("alpha.example.com/v1", [r("gadgets", "Gadget", true, { verbs: ["get", "list", "create"] })]),
      "apps/v1": list("apps/v1", [r("deployments", "Deployment", true, { shortNames: ["deploy"] })]),
    } as Record<string, unknown>,
  };
}

describe.skipIf(!KUBECTL)("kubectl api-resources / api-versions against crafted discovery", () => {
  const aggregatedCases: string[][] = [[], ["-o", "wide"], ["-o", "name"], ["--sort-by=name"], ["--sort-by=kind"], ["--sort-by=kind", "-o", "wide"], ["--categories=all"], ["--api-group=alpha.example.com", "-o", "wide"]];
  for (const args of aggregatedCases) {
    test(`kubectl api-resources ${args.join(" ")} (aggregated: versions, stale, ties)`, async () => {
      fake.discovery = { mode: "aggregated", ...fakeAggregated() };
      await parity(fakeConfig, ["api-resources", ...args], () => nativeApiResources(fake.url, args));
      expect((await discover(fake.url)).failed.map((f) => f.groupVersion)).toEqual(["alpha.example.com/v1beta2", "metrics.k8s.io/v1beta1"]);
    }, 30_000);
  }

  test("kubectl api-versions (aggregated, stale versions left out)", async () => {
    fake.discovery = { mode: "aggregated", ...fakeAggregated() };
    await parity(fakeConfig, ["api-versions"], async () => ({ stdout: renderApiVersions(groupVersionNames((await discover(fake.url)).groupVersions)), stderr: "", exitCode: 0 }));
  }, 30_000);

  for (const args of [[], ["-o", "wide"], ["--sort-by=name", "-o", "name"]]) {
    test(`kubectl api-resources ${args.join(" ")} (legacy discovery, preferred version not first, a failing group-version)`, async () => {
      const legacy = fakeLegacy();
      fake.discovery = { mode: "legacy", ...legacy };
      await parity(fakeConfig, ["api-resources", ...args], async () => {
        const gvs = legacyGroupVersions(legacy.api, legacy.apis, legacy.lists);
        const failed = [{ groupVersion: "metrics.k8s.io/v1beta1", message: "the server could not find the requested resource" }];
        return renderApiResources(preferredResources(gvs), { ...apiResourcesCall(args), failed });
        // Not reproduced: the timestamped klog line (memcache.go "couldn't get resource list ...") kubectl logs first.
      }, { stderrSuffix: true });
    }, 30_000);
  }

  test("kubectl api-versions (legacy)", async () => {
    const legacy = fakeLegacy();
    fake.discovery = { mode: "legacy", ...legacy };
    const names = ["v1", "alpha.example.com/v1beta1", "alpha.example.com/v1", "apps/v1", "metrics.k8s.io/v1beta1"];
    // Not reproduced: the timestamped klog line about the failing group-version (kubectl's discovery logs it, the command prints nothing about it).
    await parity(fakeConfig, ["api-versions"], () => ({ stdout: renderApiVersions(names), stderr: "", exitCode: 0 }), { stderrSuffix: true });
  }, 30_000);
});

// ---------------------------------------------------------------------------
// kubectl version

function nativeVersion(args: readonly string[], server: VersionInfo | null): CommandOutput {
  return renderVersion({
    client: clientVersion,
    kustomizeVersion,
    server,
    output: flag(args, "-o") ?? "",
    clientOnly: args.includes("--client"),
    args: args.filter((a, i) => !a.startsWith("-") && args[i - 1] !== "-o"),
  });
}

describe.skipIf(!KUBECTL)("kubectl version", () => {
  const cases: string[][] = [[], ["-o", "json"], ["-o", "yaml"], ["--client"], ["--client", "-o", "json"], ["--client", "-o", "yaml"], ["-o", "xml"], ["-o", "JSON"], ["extra"], ["--client", "extra"]];
  for (const args of cases) {
    test(`kubectl version ${args.join(" ")} (simulated cluster)`, async () => {
      await parity(simConfig, ["version", ...args], async () => nativeVersion(args, versionInfoFromJson(await getJson(sim.url, "/version"))));
    }, 30_000);
  }

  const servers: [string, Record<string, unknown>][] = [
    ["skewed server (1.29): warning on stderr", { major: "1", minor: "29", gitVersion: "v1.29.3-gke.1093000", gitCommit: "0123456789", gitTreeState: "clean", buildDate: "2024-03-01T00:00:00Z", goVersion: "go1.21.7 X:boringcrypto", compiler: "gc", platform: "linux/arm64" }],
    ["newer server with fields kubectl 1.32 does not know", { major: "1", minor: "33", emulationMajor: "1", emulationMinor: "33", minCompatibilityMajor: "1", minCompatibilityMinor: "32", gitVersion: "v1.33.1", gitCommit: "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828", gitTreeState: "clean", buildDate: "2025-05-15T08:19:08Z", goVersion: "go1.24.2", compiler: "gc", platform: "linux/amd64" }],
    ["unparsable server gitVersion: kubectl fails after printing", { major: "1", minor: "30", gitVersion: "v1.30", platform: "linux/amd64" }],
    ["odd strings for YAML quoting", { major: "1", minor: "31+", gitVersion: "v1.31.0", gitCommit: "123456", gitTreeState: "", buildDate: "yes", goVersion: "go: 1.22", compiler: "#gc", platform: "- linux" }],
  ];
  for (const [title, doc] of servers) {
    for (const args of [[], ["-o", "json"], ["-o", "yaml"]]) {
      test(`kubectl version ${args.join(" ")} (${title})`, async () => {
        fake.version = doc;
        await parity(fakeConfig, ["version", ...args], async () => nativeVersion(args, versionInfoFromJson(await getJson(fake.url, "/version"))));
      }, 30_000);
    }
  }
});

describe("kubectl version without a kubectl binary", () => {
  test("nativeClientVersion(platform) reports upstream v1.32.4 with the host platform", () => {
    const v = nativeClientVersion(goPlatform("darwin", "arm64"));
    expect(v.gitVersion).toBe("v1.32.4");
    expect(v.platform).toBe("darwin/arm64");
    const out = renderVersion({ client: v, server: null, clientOnly: true });
    expect(out).toEqual({ stdout: "Client Version: v1.32.4\nKustomize Version: v5.5.0\n", stderr: "", exitCode: 0 });
    expect(goPlatform("win32", "x64")).toBe("windows/amd64");
  });
});

// ---------------------------------------------------------------------------
// kubectl auth can-i

function canICall(args: readonly string[]) {
  const positional = args.filter((a, i) => !a.startsWith("-") && !(i > 0 && ["-n"].includes(args[i - 1] as string)));
  return {
    args: positional,
    namespace: flag(args, "-n") ?? "default",
    allNamespaces: args.includes("-A"),
    quiet: args.includes("-q"),
    list: args.includes("--list"),
    noHeaders: args.includes("--no-headers"),
    ...(flag(args, "--subresource") !== undefined ? { subresource: flag(args, "--subresource") } : {}),
  };
}

/** Native can-i: resolve, plan, POST, render. Returns the output and the review spec sent. */
async function nativeCanI(base: string, args: readonly string[]): Promise<{ output: CommandOutput; spec: Record<string, unknown> | null }> {
  const call = canICall(args);
  const token = canIResourceArg(call);
  const plan = planCanI({ ...call, ...(token !== null ? { resolved: await resolve(base, token) } : {}) });
  if (plan.kind === "error") return { output: plan.output, spec: null };
  const path = plan.kind === "access" ? "selfsubjectaccessreviews" : "selfsubjectrulesreviews";
  const res = await fetch(`${base}/apis/authorization.k8s.io/v1/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(plan.body) });
  const review = await res.json();
  const output = plan.kind === "access" ? renderCanI(review.status, { quiet: call.quiet, stderr: plan.stderr }) : renderCanIList(review.status, call);
  return { output: plan.kind === "rules" ? { ...output, stderr: plan.stderr + output.stderr } : output, spec: plan.body.spec };
}

/** kubectl's protobuf spec with the empty strings proto3-style encoding keeps, for comparing with our JSON body. */
function withoutEmpty(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== "" && x !== undefined).map(([k, x]) => [k, withoutEmpty(x)]));
}

const CAN_I_CASES: string[][] = [
  ["get", "pods"],
  ["create", "pods"],
  ["get", "po/web"],
  ["get", "nodes"],
  ["get", "nodes", "-A"],
  ["list", "deployments.apps/web"],
  ["list", "Deployments.Apps"],
  ["list", "deployments.v1.apps"],
  ["get", "pods", "-n", "kube-system"],
  ["get", "pods", "-A"],
  ["get", "pods", "--subresource=log"],
  ["get", "pods", "-q"],
  ["create", "pods", "-q"],
  ["foo", "pods"],
  ["foo", "nodes"],
  ["get", "/healthz"],
  ["post", "/x"],
  ["bar", "/x"],
  ["get", "xyz"],
  ["get", "Foo.Bar.Baz/n"],
  ["impersonate", "users"],
  ["impersonate", "groups/admins"],
  ["get", "*"],
  ["*", "*"],
  ["get", ""],
  ["get"],
  ["get", "pods", "extra"],
  ["get", "/x", "--subresource=a"],
  ["get", "pods", "--no-headers"],
  ["foo", "nodes", "--no-headers"],
  ["--list"],
  ["--list", "--no-headers"],
  ["--list", "-n", "kube-system"],
  ["--list", "-A"],
  ["--list", "-q"],
  ["--list", "--subresource=log"],
  ["--list", "pods"],
];

describe.skipIf(!KUBECTL)("kubectl auth can-i against the simulated cluster", () => {
  for (const args of CAN_I_CASES) {
    test(`kubectl auth can-i ${args.join(" ")}`, async () => {
      await parity(simConfig, ["auth", "can-i", ...args], async () => (await nativeCanI(sim.url, args)).output);
    }, 30_000);
  }
});

describe.skipIf(!KUBECTL)("kubectl auth can-i against crafted answers", () => {
  beforeAll(() => {
    fake.discovery = { mode: "aggregated", ...fakeAggregated() };
  });

  /** `parity` for `auth can-i ARGS` on the fake that also requires our review to be the one kubectl posted; `check` sees ours. */
  const reviewParity = (args: readonly string[], check: (spec: Record<string, unknown> | null) => void = () => {}) => {
    fake.reviews = [];
    return parity(fakeConfig, ["auth", "can-i", ...args], async () => {
      const { output, spec } = await nativeCanI(fake.url, args);
      // reviews[0] is kubectl's (protobuf), the next one ours (JSON).
      expect(withoutEmpty(fake.reviews[0])).toEqual(withoutEmpty(spec));
      check(spec);
      fake.reviews = [];
      return output;
    });
  };

  const answers: [string, unknown][] = [
    ["denied with reason and evaluation error", { allowed: false, reason: "no RBAC policy matched", evaluationError: "webhook: timeout" }],
    ["denied, no reason", { allowed: false }],
    ["denied outright", { allowed: false, denied: true, reason: "forbidden by policy" }],
    ["allowed with a reason", { allowed: true, reason: "RBAC: allowed by ClusterRoleBinding" }],
  ];
  for (const [title, status] of answers) {
    for (const args of [["get", "pods"], ["delete", "widgets/w1", "-q"], ["get", "/metrics"]]) {
      test(`kubectl auth can-i ${args.join(" ")} (${title}) sends kubectl's review`, async () => {
        fake.access = status;
        await reviewParity(args);
      }, 30_000);
    }
  }

  test("kubectl auth can-i get pods -n other --subresource=log sends namespace and subresource", async () => {
    fake.access = { allowed: true };
    await reviewParity(["get", "pods/web", "-n", "other", "--subresource=log"], (spec) => {
      expect(spec).toEqual({ resourceAttributes: { namespace: "other", verb: "get", resource: "pods", subresource: "log", name: "web" } });
    });
  }, 30_000);

  const rules = {
    resourceRules: [
      { verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "pods/log"] },
      { verbs: ["get", "watch"], apiGroups: [""], resources: ["pods"] },
      { verbs: ["create", "delete"], apiGroups: ["apps", ""], resources: ["deployments"], resourceNames: ["web", "api"] },
      { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
      { verbs: ["watch"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings/status"] },
      { verbs: [], apiGroups: ["x"], resources: ["y"] },
      { verbs: ["get"], apiGroups: [], resources: ["z"] },
      { verbs: ["use"], apiGroups: ["policy"], resources: ["podsecuritypolicies"], resourceNames: ["restricted"] },
    ],
    nonResourceRules: [
      { verbs: ["get", "head"], nonResourceURLs: ["/healthz", "/api/*"] },
      { verbs: ["get"], nonResourceURLs: ["/healthz"] },
      { verbs: ["*"], nonResourceURLs: [] },
    ],
    incomplete: true,
    evaluationError: "webhook authorizer: unavailable",
  };
  for (const args of [["--list"], ["--list", "--no-headers"], ["--list", "-n", "team-a"]]) {
    test(`kubectl auth can-i ${args.join(" ")} (breakdown, merge, sort, incomplete)`, async () => {
      fake.rules = rules;
      await reviewParity(args);
    }, 30_000);
  }
});

// ---------------------------------------------------------------------------
// Pure behaviour pinned without kubectl

describe("formatTabbed (kubectl's tab writer)", () => {
  test("formatTabbed(text) pads to max(6, width + 3), never pads the last cell", () => {
    expect(formatTabbed("A\tBB\tlast\nCCCCCC\tD\tx\n")).toBe("A        BB    last\nCCCCCC   D     x\n");
  });
  test("formatTabbed(text) restarts alignment after a line without tabs but remembers widths", () => {
    expect(formatTabbed("longer-cell\ta\nplain line\nb\tc\n")).toBe("longer-cell   a\nplain line\nb             c\n");
  });
  test("formatTabbed(text) counts code points, not UTF-16 units", () => {
    expect(formatTabbed("🚀\tx\nab\ty\n")).toBe("🚀     x\nab    y\n");
  });
});

describe("events helpers", () => {
  test("eventsForFieldSelector(target) escapes like fields.EscapeValue and returns null for an empty name", () => {
    expect(eventsForFieldSelector({ kind: "Pod", apiVersion: "v1", name: "a,b=c\\d" })).toBe("involvedObject.kind=Pod,involvedObject.apiVersion=v1,involvedObject.name=a\\,b\\=c\\\\d");
    expect(eventsForFieldSelector({ kind: "Pod", apiVersion: "v1", name: "" })).toBeNull();
  });
  test("validateEventTypes(types) accepts any ASCII case and rejects the rest", () => {
    expect(validateEventTypes(["nOrMaL", "WARNING"])).toBeNull();
    expect(validateEventTypes(["Normal", ""])).toBe("valid --types are Normal or Warning");
  });
});
