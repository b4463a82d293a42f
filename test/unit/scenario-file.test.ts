/**
 * Scenario files (lib/sim/scenario-file.ts): the format, its defaults and
 * bounds, every error message, and what the simulated cluster serves from a
 * file over HTTP (logs, metrics, ages), without kubectl.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BUILTIN_SCENARIOS,
  MAX_SCENARIO_FILE_BYTES,
  MAX_SCENARIO_OBJECTS,
  ScenarioError,
  type SimCluster,
  buildScenario,
  loadScenarioPath,
  parseScenario,
  startSimCluster,
} from "../../lib/sim/index.ts";

const CAPTURED = "2026-03-01T12:00:00Z";
const START = Date.parse("2030-06-15T08:30:00.250Z");
const HOUR = 3_600_000;

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: checkout-6b7d9c5f8-x2k4p
  namespace: shop
  creationTimestamp: "2026-03-01T11:00:00Z"
spec:
  nodeName: node-1
  containers: [{ name: checkout, image: shop/checkout:1.5.0 }]
status:
  phase: Running
  containerStatuses:
    - name: checkout
      ready: false
      restartCount: 3
      state: { waiting: { reason: CrashLoopBackOff } }
      lastState: { terminated: { exitCode: 1, reason: Error, startedAt: "2026-03-01T11:58:00Z", finishedAt: "2026-03-01T11:58:09.5Z" } }
`;

const RUNNING = `apiVersion: v1
kind: Pod
metadata: { name: web-1, namespace: shop, creationTimestamp: "2026-03-01T10:00:00Z" }
spec:
  nodeName: node-1
  containers: [{ name: web, image: nginx:1.27, resources: { requests: { cpu: 100m, memory: 64Mi } } }]
status:
  phase: Running
  containerStatuses: [{ name: web, ready: true, restartCount: 0, state: { running: { startedAt: "2026-03-01T10:00:05Z" } } }]
`;

const PULLING = `apiVersion: v1
kind: Pod
metadata: { name: api-2, namespace: shop }
spec: { nodeName: node-1, containers: [{ name: api, image: "registry.example.com/api:typo" }] }
status:
  phase: Pending
  containerStatuses: [{ name: api, ready: false, restartCount: 0, state: { waiting: { reason: ImagePullBackOff } } }]
`;

const NODE = `apiVersion: v1
kind: Node
metadata: { name: node-1, creationTimestamp: "2026-02-01T00:00:00Z" }
status:
  allocatable: { cpu: "4", memory: 16Gi }
  conditions: [{ type: Ready, status: "True" }]
`;

const SIDE = `apiVersion: kubently.io/v1
kind: Scenario
metadata:
  name: crashloop-db-down
  description: checkout crash-loops because postgres is scaled to 0
capturedAt: "${CAPTURED}"
logs:
  shop/checkout-6b7d9c5f8-x2k4p/checkout:
    current: ["line one", "line two"]
    previous:
      - { time: "2026-03-01T11:58:01Z", text: "connecting to postgres:5432" }
      - { time: "2026-03-01T11:58:09.250Z", text: "panic: connection refused" }
  shop/web-1/web:
    current: ["GET / 200"]
    follow: ["GET /healthz 200", "GET /cart 200"]
  shop/api-2/api:
    unavailable: 'container "api" in pod "api-2" is waiting to start: trying and failing to pull image'
metrics:
  pods:
    shop/web-1:
      web: { cpu: "12m", memory: "126Mi" }
  nodes:
    node-1: { cpu: "850m", memory: "5Gi" }
expect:
  - { analyzer: crash-loop, code: CrashLoopBackOff, namespace: shop, kind: Pod, name: checkout-6b7d9c5f8-x2k4p }
`;

const yamlOf = (...docs: string[]) => docs.join("---\n");
const kinds = (objects: { kind: string; metadata: { name: string; namespace?: string } }[]) =>
  objects.map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`).sort();

/** The ScenarioError message `fn` throws. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as Error).message).not.toContain("\n");
    return (e as Error).message;
  }
  throw new Error("expected a ScenarioError");
}

async function rejectionOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as Error).message).not.toContain("\n");
    return (e as Error).message;
  }
  throw new Error("expected a ScenarioError");
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubently-scenario-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("parseScenario(text)", () => {
  test("reads multi-document YAML: objects, the Scenario document, and empty documents", () => {
    const s = parseScenario(`---\n${yamlOf(SIDE, POD, NODE)}---\n`, { name: "incident.yaml", startedAt: START });
    expect(kinds(s.objects)).toEqual(["Namespace shop", "Node node-1", "Pod shop/checkout-6b7d9c5f8-x2k4p"]);
    expect(s.meta).toEqual({
      name: "crashloop-db-down",
      description: "checkout crash-loops because postgres is scaled to 0",
      expect: [{ analyzer: "crash-loop", code: "CrashLoopBackOff", namespace: "shop", kind: "Pod", name: "checkout-6b7d9c5f8-x2k4p" }],
    });
    expect(s.startedAt).toBe(START);
  });

  test("reads a JSON array and a single JSON object; the name defaults to the file's", () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: "shop" } };
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", namespace: "shop" }, data: { k: "v" } };
    const arr = parseScenario(JSON.stringify([pod, cm]), { name: "dump.json", format: "json", startedAt: START });
    expect(kinds(arr.objects)).toEqual(["ConfigMap shop/b", "Namespace shop", "Pod shop/a"]);
    expect(arr.meta).toEqual({ name: "dump", description: null, expect: [] });
    const one = parseScenario(JSON.stringify(pod), { name: "pod.json", startedAt: START });
    expect(kinds(one.objects)).toEqual(["Namespace shop", "Pod shop/a"]);
  });

  test("unpacks kind: List items, as kubectl get -o yaml prints them", () => {
    const list = `apiVersion: v1
kind: List
metadata: { resourceVersion: "" }
items:
  - apiVersion: v1
    kind: Service
    metadata: { name: web, namespace: shop }
    spec: { selector: { app: web }, ports: [{ port: 80 }] }
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: web, namespace: shop }
    spec: { replicas: 0 }
`;
    const s = parseScenario(list, { startedAt: START });
    expect(kinds(s.objects)).toEqual(["Deployment shop/web", "Namespace shop", "Service shop/web"]);
  });

  test("fills in uid, resourceVersion, creationTimestamp and namespace default; creates referenced Namespaces; keeps status", () => {
    const s = parseScenario(
      yamlOf(
        `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\n`,
        `apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: shop, resourceVersion: "900", uid: given-uid }\n`,
        `apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n`,
        `apiVersion: v1\nkind: Node\nmetadata: { name: n1, namespace: ignored }\nstatus: { phase: Whatever }\n`,
      ),
      { startedAt: START },
    );
    const get = (kind: string, name: string) => s.objects.find((o) => o.kind === kind && o.metadata.name === name)!;
    const cm = get("ConfigMap", "settings");
    expect(cm.metadata.namespace).toBe("default");
    expect(cm.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(cm.metadata.creationTimestamp).toBe(new Date(START - HOUR).toISOString().replace(/\.\d+Z$/, "Z"));
    expect(get("Secret", "s").metadata).toMatchObject({ uid: "given-uid", resourceVersion: "900" });
    // Missing resourceVersions come after the highest one written.
    expect(Number(cm.metadata.resourceVersion)).toBeGreaterThan(900);
    expect(get("Node", "n1").metadata.namespace).toBeUndefined();
    expect(get("Node", "n1").status).toEqual({ phase: "Whatever" });
    // `default` is created (the ConfigMap lives there); `shop` is declared, so not created twice.
    expect(s.objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name).sort()).toEqual(["default", "shop"]);
    expect(get("Namespace", "default")).toMatchObject({ status: { phase: "Active" }, metadata: { labels: { "kubernetes.io/metadata.name": "default" } } });
  });

  test("a scenario without Nodes has none", () => {
    expect(parseScenario(POD, { startedAt: START }).objects.filter((o) => o.kind === "Node")).toEqual([]);
  });

  test("capturedAt moves every timestamp by (start - capturedAt), keeping its precision", () => {
    const s = parseScenario(yamlOf(SIDE, POD), { startedAt: START });
    const pod = s.objects.find((o) => o.kind === "Pod")!;
    expect(pod.metadata.creationTimestamp).toBe("2030-06-15T07:30:00Z");
    const last = (pod.status as { containerStatuses: { lastState: { terminated: { startedAt: string; finishedAt: string } } }[] }).containerStatuses[0]!.lastState.terminated;
    expect(last).toMatchObject({ startedAt: "2030-06-15T08:28:00Z", finishedAt: "2030-06-15T08:28:09.7Z" });
    // Without capturedAt, nothing moves.
    const asWritten = parseScenario(POD, { startedAt: START }).objects.find((o) => o.kind === "Pod")!;
    expect(asWritten.metadata.creationTimestamp).toBe("2026-03-01T11:00:00Z");
  });

  test("log lines: strings one second apart ending at the start, {time, text} moved like the objects", () => {
    const s = parseScenario(yamlOf(SIDE, POD), { startedAt: START });
    const logs = s.logs.get("shop/checkout-6b7d9c5f8-x2k4p/checkout")!;
    expect(logs.current).toEqual([
      { t: START - 1000, text: "line one" },
      { t: START, text: "line two" },
    ]);
    expect(logs.previous).toEqual([
      { t: START - 119_000, text: "connecting to postgres:5432" },
      { t: START - 110_750, text: "panic: connection refused" },
    ]);
    expect(s.logs.get("shop/web-1/web")!.follow).toEqual(["GET /healthz 200", "GET /cart 200"]);
  });

  test("metric overrides are kept in canonical quantities", () => {
    const s = parseScenario(yamlOf(SIDE, POD), { startedAt: START });
    expect(s.metrics?.pods.get("shop/web-1")).toEqual({ web: { cpu: "12m", memory: "126Mi" } });
    expect(s.metrics?.nodes.get("node-1")).toEqual({ cpu: "850m", memory: "5Gi" });
  });

  test("never changes what it was given: the same text anchors anywhere", () => {
    const text = yamlOf(SIDE, POD);
    const a = parseScenario(text, { startedAt: START });
    const b = parseScenario(text, { startedAt: START + HOUR });
    expect(Date.parse(b.objects.find((o) => o.kind === "Pod")!.metadata.creationTimestamp) - Date.parse(a.objects.find((o) => o.kind === "Pod")!.metadata.creationTimestamp)).toBe(HOUR);
  });
});

describe("invalid scenarios fail with the file, the document and the problem", () => {
  const CASES: [string, string, string][] = [
    ["an unknown kind", `apiVersion: v1\nkind: Pod\nmetadata: { name: a }\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n`, "x.yaml: document 2: the simulated cluster cannot serve example.com/v1 Widget; see docs/simulated-cluster.md for the kinds it serves"],
    ["a known kind under the wrong apiVersion", `apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: { name: d }\n`, "x.yaml: document 1: the simulated cluster cannot serve extensions/v1beta1 Deployment; it serves Deployment as apps/v1"],
    ["a kind that cannot be listed", `apiVersion: authorization.k8s.io/v1\nkind: SelfSubjectAccessReview\nmetadata: { name: r }\n`, "x.yaml: document 1: the simulated cluster cannot serve authorization.k8s.io/v1 SelfSubjectAccessReview; see docs/simulated-cluster.md for the kinds it serves"],
    ["metrics objects", `apiVersion: metrics.k8s.io/v1beta1\nkind: PodMetrics\nmetadata: { name: p }\n`, "x.yaml: document 1: PodMetrics is computed from the pods and nodes; give usage in the Scenario document's metrics instead"],
    ["a missing name", `apiVersion: v1\nkind: Pod\nmetadata: { namespace: shop }\n`, "x.yaml: document 1: Pod: missing metadata.name"],
    ["a missing kind", `apiVersion: v1\nmetadata: { name: a }\n`, "x.yaml: document 1: missing kind"],
    ["a List item without a name", `apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: Pod, metadata: { name: a } }\n  - { apiVersion: v1, kind: Pod, metadata: {} }\n`, "x.yaml: document 1: item 2 of the List: Pod: missing metadata.name"],
    ["a document that is no mapping", `apiVersion: v1\nkind: Pod\nmetadata: { name: a }\n---\n- just\n- a list\n`, "x.yaml: document 2: expected a Kubernetes object, a List or the Scenario document, not a list"],
    ["invalid YAML", `apiVersion: v1\nkind: Pod\nmetadata: { name: a }\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: [b }\n`, "x.yaml: document 2: invalid YAML"],
    ["a duplicate key", `apiVersion: v1\nkind: Pod\nkind: Service\nmetadata: { name: a }\n`, "x.yaml: document 1: invalid YAML: Map keys must be unique"],
    ["a duplicate object", `${POD}---\n${POD}`, "x.yaml: document 2: duplicate Pod shop/checkout-6b7d9c5f8-x2k4p (also x.yaml document 1)"],
    ["a logs key that is not ns/pod/container", `apiVersion: kubently.io/v1\nkind: Scenario\nlogs:\n  shop/checkout:\n    current: [a]\n`, 'x.yaml: document 1: logs: key "shop/checkout" is not of the form <namespace>/<pod>/<container>'],
    ["capturedAt that is not RFC 3339", `apiVersion: kubently.io/v1\nkind: Scenario\ncapturedAt: "March 1st"\n`, 'x.yaml: document 1: capturedAt: "March 1st" is not an RFC 3339 timestamp (like "2026-03-01T12:00:00Z")'],
    ["an impossible date", `apiVersion: kubently.io/v1\nkind: Scenario\ncapturedAt: "2026-02-30T12:00:00Z"\n`, 'x.yaml: document 1: capturedAt: "2026-02-30T12:00:00Z" is not an RFC 3339 timestamp (like "2026-03-01T12:00:00Z")'],
    ["a second Scenario document", `apiVersion: kubently.io/v1\nkind: Scenario\n---\napiVersion: kubently.io/v1\nkind: Scenario\n`, "x.yaml: document 2: a second Scenario document (the first is x.yaml document 1); a scenario has at most one"],
    ["an unknown field in the Scenario document", `apiVersion: kubently.io/v1\nkind: Scenario\nlog: {}\n`, 'x.yaml: document 1: unknown field "log" in the Scenario document (it has metadata, capturedAt, logs, metrics, expect)'],
    ["a log time that is not RFC 3339", `apiVersion: kubently.io/v1\nkind: Scenario\nlogs:\n  a/b/c:\n    current: [{ time: yesterday, text: x }]\n`, 'x.yaml: document 1: logs["a/b/c"].current[0].time: "yesterday" is not an RFC 3339 timestamp'],
    ["follow lines that are not strings", `apiVersion: kubently.io/v1\nkind: Scenario\nlogs:\n  a/b/c:\n    follow: [{ text: x }]\n`, 'x.yaml: document 1: logs["a/b/c"].follow must be a list of strings'],
    ["a metric that is not a quantity", `apiVersion: kubently.io/v1\nkind: Scenario\nmetrics:\n  nodes:\n    n1: { cpu: lots, memory: 1Gi }\n`, 'x.yaml: document 1: metrics.nodes["n1"].cpu: "lots" is not a quantity (like "250m" or "128Mi")'],
    ["a pod metrics key that is not ns/pod", `apiVersion: kubently.io/v1\nkind: Scenario\nmetrics:\n  pods:\n    web-1: { web: { cpu: 1m, memory: 1Mi } }\n`, 'x.yaml: document 1: metrics.pods: key "web-1" is not of the form <namespace>/<pod>'],
    ["an expect item without a code", `apiVersion: kubently.io/v1\nkind: Scenario\nexpect:\n  - { analyzer: crash-loop }\n`, "x.yaml: document 1: expect[0] must be a mapping with string analyzer and code"],
  ];
  for (const [what, text, message] of CASES) {
    test(`${what}`, () => {
      const got = errorOf(() => parseScenario(text, { name: "x.yaml", startedAt: START }));
      if (message.endsWith("invalid YAML")) expect(got.startsWith(`${message}: `)).toBe(true);
      else if (message.includes("Map keys must be unique")) expect(got).toStartWith(message);
      else expect(got).toBe(message);
    });
  }

  test("invalid JSON names the file", () => {
    expect(errorOf(() => parseScenario("[{", { name: "dump.json", startedAt: START }))).toStartWith("dump.json: invalid JSON: ");
  });

  test(`more than ${MAX_SCENARIO_OBJECTS} objects`, () => {
    const items = Array.from({ length: MAX_SCENARIO_OBJECTS + 1 }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `c${i}` } }));
    expect(errorOf(() => parseScenario(JSON.stringify(items), { name: "big.json", startedAt: START }))).toBe(`big.json: more than ${MAX_SCENARIO_OBJECTS} objects`);
  });

  test("a file larger than 64 MiB is refused before it is read", async () => {
    const path = join(dir, "huge.yaml");
    await writeFile(path, "");
    await truncate(path, MAX_SCENARIO_FILE_BYTES + 1);
    expect(await rejectionOf(loadScenarioPath(path))).toBe(`${path}: larger than 64 MiB`);
  });

  test("a path that does not exist", async () => {
    expect(await rejectionOf(loadScenarioPath(join(dir, "nope.yaml")))).toBe(`${join(dir, "nope.yaml")}: no such file or directory`);
  });
});

describe("loadScenarioPath(path)", () => {
  test("merges a directory's .yaml, .yml and .json files in name order, not recursively", async () => {
    const d = join(dir, "incident");
    await mkdir(join(d, "nested"), { recursive: true });
    await writeFile(join(d, "00-scenario.yaml"), SIDE);
    await writeFile(join(d, "10-pods.yml"), yamlOf(POD, RUNNING));
    await writeFile(join(d, "20-nodes.json"), JSON.stringify([{ apiVersion: "v1", kind: "Node", metadata: { name: "node-1" } }]));
    await writeFile(join(d, "README.md"), "not a scenario");
    await writeFile(join(d, "nested", "ignored.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: { name: nested }\n");
    const s = await loadScenarioPath(d, { startedAt: START });
    expect(kinds(s.objects)).toEqual(["Namespace shop", "Node node-1", "Pod shop/checkout-6b7d9c5f8-x2k4p", "Pod shop/web-1"]);
    expect(s.meta.name).toBe("crashloop-db-down");
    // capturedAt from one file applies to the objects of all.
    expect(s.objects.find((o) => o.metadata.name === "web-1")!.metadata.creationTimestamp).toBe("2030-06-15T06:30:00Z");
  });

  test("without a Scenario document the directory's name is the scenario's", async () => {
    const d = join(dir, "plain-dir");
    await mkdir(d, { recursive: true });
    await writeFile(join(d, "a.yaml"), POD);
    expect((await loadScenarioPath(d, { startedAt: START })).meta).toEqual({ name: "plain-dir", description: null, expect: [] });
  });

  test("a duplicate across files names both", async () => {
    const d = join(dir, "dupes");
    await mkdir(d, { recursive: true });
    await writeFile(join(d, "a.yaml"), POD);
    await writeFile(join(d, "b.yaml"), `${RUNNING}---\n${POD}`);
    expect(await rejectionOf(loadScenarioPath(d))).toBe(`${join(d, "b.yaml")}: document 2: duplicate Pod shop/checkout-6b7d9c5f8-x2k4p (also ${join(d, "a.yaml")} document 1)`);
  });

  test("a directory without scenario files", async () => {
    const d = join(dir, "empty-dir");
    await mkdir(d, { recursive: true });
    expect(await rejectionOf(loadScenarioPath(d))).toBe(`${d}: the directory has no .yaml, .yml or .json file`);
  });
});

describe("the simulated cluster serving a scenario file", () => {
  let sim: SimCluster;
  let started: number;
  const get = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${sim.url}${path}`, init);
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    const file = join(dir, "served.yaml");
    await writeFile(file, yamlOf(SIDE, POD, RUNNING, PULLING, NODE));
    started = Date.now();
    sim = await startSimCluster({ scenario: file, logFollowIntervalMs: 10 });
  });
  afterAll(() => sim.close());

  test("serves the objects, with ages as they were at capturedAt", async () => {
    expect(sim.scenario.name).toBe("crashloop-db-down");
    const res = await get("/api/v1/namespaces/shop/pods/checkout-6b7d9c5f8-x2k4p");
    const pod = JSON.parse(res.text) as { metadata: { creationTimestamp: string } };
    expect(Math.abs(Date.parse(pod.metadata.creationTimestamp) - (started - HOUR))).toBeLessThan(5000);
    const table = JSON.parse(
      (await get("/api/v1/namespaces/shop/pods", { headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" } })).text,
    ) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    const age = table.columnDefinitions.findIndex((c) => c.name === "Age");
    expect(table.rows.map((r) => r.cells[age])).toEqual(["60m", "60m", "120m"]); // api-2 (default: an hour before capture), checkout-..., web-1
    expect(JSON.parse((await get("/api/v1/namespaces")).text).items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(["shop"]);
  });

  test("serves current and --previous logs, with the kubelet's timestamps", async () => {
    expect(await get("/api/v1/namespaces/shop/pods/checkout-6b7d9c5f8-x2k4p/log")).toEqual({ status: 200, text: "line one\nline two\n" });
    expect(await get("/api/v1/namespaces/shop/pods/checkout-6b7d9c5f8-x2k4p/log?previous=true")).toEqual({ status: 200, text: "connecting to postgres:5432\npanic: connection refused\n" });
    const stamped = (await get("/api/v1/namespaces/shop/pods/checkout-6b7d9c5f8-x2k4p/log?previous=true&timestamps=true")).text.split("\n")[1]!;
    const t = Date.parse(stamped.split(" ")[0]!);
    expect(Math.abs(t - (started - 110_750))).toBeLessThan(5000);
  });

  test("serves the unavailable message as the kubelet's refusal", async () => {
    const res = await get("/api/v1/namespaces/shop/pods/api-2/log");
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ kind: "Status", reason: "BadRequest", message: 'container "api" in pod "api-2" is waiting to start: trying and failing to pull image' });
  });

  test("logs -f cycles the follow lines on a running container", async () => {
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/api/v1/namespaces/shop/pods/web-1/log?follow=true`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let text = "";
    while (text.split("\n").length < 6) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(text.split("\n").slice(0, 5)).toEqual(["GET / 200", "GET /healthz 200", "GET /cart 200", "GET /healthz 200", "GET /cart 200"]);
  });

  test("metric overrides replace the derived usage at metrics.k8s.io; other pods keep theirs", async () => {
    const pod = JSON.parse((await get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web-1")).text);
    expect(pod.containers).toEqual([{ name: "web", usage: { cpu: "12m", memory: "126Mi" } }]);
    const node = JSON.parse((await get("/apis/metrics.k8s.io/v1beta1/nodes/node-1")).text);
    expect(node.usage).toEqual({ cpu: "850m", memory: "5Gi" });
    // The crash-looping pod reports nothing (derived, as metrics-server would).
    expect((await get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/checkout-6b7d9c5f8-x2k4p")).status).toBe(404);
  });
});

describe("startSimCluster({ scenario })", () => {
  test("an unknown name that is no path lists the built-ins", async () => {
    expect(await rejectionOf(startSimCluster({ scenario: "defualt" }))).toBe("defualt: no such built-in scenario (default, empty) nor file or directory");
  });

  test("a value ending in .yaml is a path, even when missing", async () => {
    expect(await rejectionOf(startSimCluster({ scenario: "empty.yaml" }))).toBe("empty.yaml: no such file or directory");
  });

  test("the built-ins are default and empty", () => {
    expect([...BUILTIN_SCENARIOS]).toEqual(["default", "empty"]);
  });
});

describe("the built-in default scenario (lib/sim/scenarios/default.yaml)", () => {
  test("loads with its story, logs and the faults it states", () => {
    const s = buildScenario("default", START);
    expect(s.objects.length).toBe(111);
    expect(s.meta.name).toBe("default");
    expect(s.meta.expect.map((e) => `${e.analyzer}/${e.code} ${e.kind} ${e.namespace}/${e.name}`)).toEqual([
      "crash-loop/CrashLoopBackOff Pod shop/checkout-6b8f9d7c5c-8wzrn",
      "workloads/RolloutStuck Deployment shop/checkout",
      "service-endpoints/ServiceNoEndpoints Service shop/checkout",
      "service-endpoints/ServiceBackendScaledToZero Service shop/postgres",
      "oom-killed/OOMKilled Pod shop/recommendations-84d6c9f7b8-zt5wd",
      "workloads/DeploymentUnavailable Deployment shop/recommendations",
      "image-pull/ImagePullBackOff Pod payments/payments-api-5d7f8b9c6d-kx7mn",
      "pending-pod/PodUnschedulable Pod payments/ledger-reconciler-6f9b7d5c8d-q2w9j",
      "workloads/RolloutStuck Deployment payments/ledger-reconciler",
    ]);
    // Every label names an object of the scenario.
    for (const e of s.meta.expect) expect(s.objects.some((o) => o.kind === e.kind && o.metadata.namespace === e.namespace && o.metadata.name === e.name)).toBe(true);
    expect(s.logs.get("shop/web-7d4b9c8f6d-x2kqp/web")?.follow?.length).toBeGreaterThan(0);
    expect(s.logs.get("payments/payments-api-5d7f8b9c6d-kx7mn/payments-api")?.unavailable).toContain("trying and failing to pull image");
  });

  test("timestamps keep their distance to the start (ages are the same on every start)", () => {
    const a = buildScenario("default", START);
    const b = buildScenario("default", START + 7 * HOUR + 123);
    const pod = (s: typeof a) => s.objects.find((o) => o.metadata.name === "checkout-6b8f9d7c5c-8wzrn")!;
    expect(Date.parse(pod(a).metadata.creationTimestamp)).toBe(Date.parse("2030-06-15T08:13:05Z"));
    expect(Date.parse(pod(b).metadata.creationTimestamp) - Date.parse(pod(a).metadata.creationTimestamp)).toBe(7 * HOUR);
    const lease = (s: typeof a) => s.objects.find((o) => o.kind === "Lease" && o.metadata.name === "node-1")!.spec as { renewTime: string };
    // MicroTime keeps its six fraction digits.
    expect(lease(a).renewTime).toBe("2030-06-15T08:29:54.250000Z");
  });

  test("the empty scenario has the system namespaces, three nodes and default/kubernetes", () => {
    const s = buildScenario("empty", START);
    expect(s.objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name)).toEqual(["default", "kube-node-lease", "kube-public", "kube-system"]);
    expect(s.objects.filter((o) => o.kind === "Node").length).toBe(3);
    expect(s.objects.some((o) => o.kind === "Service" && o.metadata.name === "kubernetes")).toBe(true);
    expect(s.logs.size).toBe(0);
  });
});
