/**
 * metrics.k8s.io/v1beta1 on the simulated cluster: what metrics-server serves,
 * checked through the real `kubectl top` and raw requests.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type KubeObject, type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { formatBytes, formatCpu, parseQuantity } from "../../lib/sim/metrics.ts";
import { type KubectlHome, kubectlHome, kubectlTable as table, requireKubectl, runKubectl, runKubectlOk } from "../_kubectl.ts";

const KUBECTL = requireKubectl("sim-metrics.test");

let sim: SimCluster;
let kc: KubectlHome;

beforeAll(async () => {
  sim = await startSimCluster();
  kc = await kubectlHome(sim, "kubently-sim-metrics-");
});

afterAll(async () => {
  await sim?.close();
  await kc?.remove();
});

const kubectl = (...args: string[]) => runKubectl(args, kc);
const ok = (...args: string[]) => runKubectlOk(args, kc);

async function getJson<T>(path: string, accept?: string): Promise<T> {
  const res = await fetch(`${sim.url}${path}`, { headers: accept ? { accept } : {} });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

interface PodMetrics extends KubeObject {
  timestamp: string;
  window: string;
  containers: { name: string; usage: { cpu: string; memory: string } }[];
}
interface NodeMetrics extends KubeObject {
  usage: { cpu: string; memory: string };
}

const mi = (q: string) => parseQuantity(q) / 2 ** 20;

describe("metrics.k8s.io/v1beta1", () => {
  test("is advertised in legacy and aggregated discovery", async () => {
    const list = await getJson<{ groupVersion: string; resources: { name: string; kind: string; namespaced: boolean; verbs: string[]; singularName: string }[] }>("/apis/metrics.k8s.io/v1beta1");
    expect(list.groupVersion).toBe("metrics.k8s.io/v1beta1");
    expect(list.resources).toEqual([
      { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
      { name: "pods", singularName: "", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
    ]);
    const groups = await getJson<{ groups: { name: string; preferredVersion: { version: string } }[] }>("/apis");
    expect(groups.groups.find((g) => g.name === "metrics.k8s.io")?.preferredVersion.version).toBe("v1beta1");
    const agg = await getJson<{ items: { metadata: { name: string }; versions: { version: string; resources: { resource: string; scope: string }[] }[] }[] }>("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    const metrics = agg.items.find((i) => i.metadata.name === "metrics.k8s.io");
    expect(metrics?.versions[0]?.resources.map((r) => [r.resource, r.scope])).toEqual([["nodes", "Cluster"], ["pods", "Namespaced"]]);
  });

  test("PodMetrics exist only for pods whose containers run (or just exited), as metrics-server reports them", async () => {
    const list = await getJson<{ kind: string; apiVersion: string; metadata: object; items: PodMetrics[] }>("/apis/metrics.k8s.io/v1beta1/pods");
    expect(list).toMatchObject({ kind: "PodMetricsList", apiVersion: "metrics.k8s.io/v1beta1", metadata: {} });
    const names = list.items.map((m) => m.metadata.name);
    expect(names).toContain("web-7d4b9c8f6d-x2kqp");
    expect(names).toContain("recommendations-84d6c9f7b8-zt5wd");
    // Pending, ImagePullBackOff and a crash-looping container waiting to restart report nothing.
    for (const missing of ["ledger-reconciler-6f9b7d5c8d-q2w9j", "payments-api-5d7f8b9c6d-kx7mn", "checkout-6b8f9d7c5c-8wzrn"]) expect(names).not.toContain(missing);
    const web = list.items.find((m) => m.metadata.name === "web-7d4b9c8f6d-x2kqp");
    expect(web).toMatchObject({ kind: "PodMetrics", window: "15s", metadata: { namespace: "shop", labels: { app: "web" } }, containers: [{ name: "web" }] });
    expect(web?.containers[0]?.usage.cpu).toMatch(/^\d+n$/);
    expect(web?.containers[0]?.usage.memory).toMatch(/^\d+Ki$/);
    expect(Date.parse(web?.timestamp ?? "")).toBeLessThanOrEqual(Date.now());
  });

  test("the OOMKilled container sits just under its 128Mi limit; the others use a fraction of their requests", async () => {
    const recs = await getJson<PodMetrics>("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/recommendations-84d6c9f7b8-zt5wd");
    const mem = mi(recs.containers[0]?.usage.memory ?? "0");
    expect(mem).toBeGreaterThan(120);
    expect(mem).toBeLessThan(128);
    const web = await getJson<PodMetrics>("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web-7d4b9c8f6d-x2kqp");
    expect(mi(web.containers[0]?.usage.memory ?? "0")).toBeLessThan(64);
    expect(parseQuantity(web.containers[0]?.usage.cpu ?? "0")).toBeLessThan(0.1);
  });

  test("usage is deterministic across clusters", async () => {
    const other = await startSimCluster();
    try {
      const usage = async (url: string) => ((await (await fetch(`${url}/apis/metrics.k8s.io/v1beta1/pods`)).json()) as { items: PodMetrics[] }).items.map((m) => [m.metadata.name, m.containers]);
      expect(await usage(other.url)).toEqual(await usage(sim.url));
    } finally {
      await other.close();
    }
  });

  test("NodeMetrics count the node's pods plus the system", async () => {
    const nodes = await getJson<{ kind: string; items: NodeMetrics[] }>("/apis/metrics.k8s.io/v1beta1/nodes");
    expect(nodes.kind).toBe("NodeMetricsList");
    expect(nodes.items.map((n) => n.metadata.name)).toEqual(["node-1", "node-2", "node-3"]);
    const pods = (await getJson<{ items: PodMetrics[] }>("/apis/metrics.k8s.io/v1beta1/pods")).items;
    const podList = (await getJson<{ items: KubeObject[] }>("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-3")).items.map((p) => p.metadata.name);
    const podsCpu = pods.filter((m) => podList.includes(m.metadata.name)).flatMap((m) => m.containers).reduce((n, c) => n + parseQuantity(c.usage.cpu), 0);
    const node3 = nodes.items[2] as NodeMetrics;
    expect(parseQuantity(node3.usage.cpu)).toBeGreaterThan(podsCpu + 0.08);
    expect(mi(node3.usage.memory)).toBeGreaterThan(900);
  });

  test("label selectors filter PodMetrics by the pod's labels; a missing one is metrics-server's NotFound", async () => {
    const web = await getJson<{ items: PodMetrics[] }>("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Dweb");
    expect(web.items).toHaveLength(3);
    const res = await fetch(`${sim.url}/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/checkout-6b8f9d7c5c-8wzrn`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ reason: "NotFound", message: 'podmetrics.metrics.k8s.io "shop/checkout-6b8f9d7c5c-8wzrn" not found' });
  });

  test("Tables have metrics-server's columns: Name, cpu, memory, Window", async () => {
    const t = await getJson<{ metadata: object; columnDefinitions: { name: string; format: string }[]; rows: { cells: string[] }[] }>("/apis/metrics.k8s.io/v1beta1/nodes", "application/json;as=Table;v=v1;g=meta.k8s.io");
    expect(t.metadata).toEqual({});
    expect(t.columnDefinitions.map((c) => [c.name, c.format])).toEqual([["Name", "name"], ["cpu", "quantity"], ["memory", "quantity"], ["Window", "duration"]]);
    expect(t.rows[0]?.cells).toEqual(["node-1", expect.stringMatching(/^\d+n$/), expect.stringMatching(/^\d+Ki$/), "15s"]);
  });

  test("they follow the cluster: a deleted pod loses its metrics", async () => {
    const other = await startSimCluster();
    try {
      other.remove("pods/shop/web-7d4b9c8f6d-x2kqp");
      const res = await fetch(`${other.url}/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods`);
      expect(((await res.json()) as { items: PodMetrics[] }).items.map((m) => m.metadata.name)).not.toContain("web-7d4b9c8f6d-x2kqp");
    } finally {
      await other.close();
    }
  });

  test("quantities print in Go's canonical form", () => {
    expect(formatCpu(5_000_000)).toBe("5m");
    expect(formatCpu(1_000_000_000)).toBe("1");
    expect(formatCpu(1_234_567)).toBe("1234567n");
    expect(formatBytes(2 ** 20)).toBe("1Mi");
    expect(formatBytes(3 * 1024)).toBe("3Ki");
    expect(parseQuantity("250m")).toBe(0.25);
    expect(parseQuantity("64Mi")).toBe(64 * 2 ** 20);
    expect(parseQuantity("1e3")).toBe(1000);
  });
});

describe.skipIf(!KUBECTL)("real kubectl top against the simulated cluster", () => {
  test("kubectl top pod -A lists every pod with metrics, in CPU(cores) and MEMORY(bytes)", async () => {
    const out = await ok("top", "pod", "-A");
    expect(out.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/);
    const rows = table(out);
    expect(rows.map((r) => r.NAME)).toContain("coredns-668d6bf9bc-7xk2p");
    expect(rows.map((r) => r.NAME)).not.toContain("ledger-reconciler-6f9b7d5c8d-q2w9j");
    for (const r of rows) {
      expect(r["CPU(cores)"]).toMatch(/^\d+m$/);
      expect(r["MEMORY(bytes)"]).toMatch(/^\d+Mi$/);
    }
    const recs = rows.find((r) => r.NAME === "recommendations-84d6c9f7b8-zt5wd");
    expect(Number(recs?.["MEMORY(bytes)"]?.replace("Mi", ""))).toBeGreaterThanOrEqual(120);
  });

  test("kubectl top pod -n shop --containers prints one row per container", async () => {
    const out = await ok("top", "pod", "-n", "shop", "--containers");
    expect(out.split("\n")[0]).toMatch(/^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/);
    const rows = table(out);
    expect(rows.map((r) => `${r.POD}/${r.NAME}`).sort()).toEqual([
      "recommendations-84d6c9f7b8-zt5wd/recommender",
      "web-7d4b9c8f6d-9hvlm/web",
      "web-7d4b9c8f6d-tq4zr/web",
      "web-7d4b9c8f6d-x2kqp/web",
    ]);
  });

  test("kubectl top node prints usage and percentages of allocatable", async () => {
    const out = await ok("top", "node");
    expect(out.split("\n")[0]).toMatch(/^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\s*$/);
    const rows = table(out);
    expect(rows.map((r) => r.NAME)).toEqual(["node-1", "node-2", "node-3"]);
    for (const r of rows) {
      expect(r["CPU(%)"]).toMatch(/^\d+%$/);
      expect(Number(r["MEMORY(%)"]?.replace("%", ""))).toBeGreaterThan(3);
      expect(Number(r["MEMORY(%)"]?.replace("%", ""))).toBeLessThan(30);
    }
  });

  test("kubectl top pod for a pod without metrics gets metrics-server's NotFound", async () => {
    const r = await kubectl("top", "pod", "checkout-6b8f9d7c5c-8wzrn", "-n", "shop");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('podmetrics.metrics.k8s.io "shop/checkout-6b8f9d7c5c-8wzrn" not found');
  });

  test("kubectl get podmetrics and nodemetrics print metrics-server's Tables", async () => {
    const pods = await ok("get", "podmetrics", "-n", "shop", "-l", "app=web");
    expect(pods.split("\n")[0]).toMatch(/^NAME\s+CPU\s+MEMORY\s+WINDOW\s*$/);
    expect(table(pods)).toHaveLength(3);
    expect(await ok("get", "nodes.metrics.k8s.io", "node-2")).toMatch(/node-2\s+\d+n\s+\d+Ki\s+15s/);
  });
});
