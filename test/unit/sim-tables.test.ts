/**
 * Every resource type the simulated cluster advertises with `get` answers a
 * server-side Table for list and get, with kube-apiserver's columns (pinned
 * below from pkg/printers/internalversion/printers.go and metrics-server), and
 * the real kubectl prints it. Types the scenario leaves empty get one sample
 * object through `SimCluster.add()`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rfc3339 } from "../../lib/sim/_k8s.ts";
import { RESOURCE_TYPES, type ResourceType } from "../../lib/sim/discovery.ts";
import { type KubeObject, type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { type KubectlHome, kubectlHome, requireKubectl, runKubectl } from "../_kubectl.ts";

const KUBECTL = requireKubectl("sim-tables.test");

const EVENT_COLUMNS = ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"];
const BINDING_COLUMNS = ["Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"];
const DEFAULT_COLUMNS = ["Name", "Created At"];
const METRICS_COLUMNS = ["Name", "cpu", "memory", "Window"];

/** Columns per `<group>/<resource>`, all priorities, in order. */
const COLUMNS: Record<string, string[]> = {
  "/configmaps": ["Name", "Data", "Age"],
  "/endpoints": ["Name", "Endpoints", "Age"],
  "/events": EVENT_COLUMNS,
  "/limitranges": DEFAULT_COLUMNS,
  "/namespaces": ["Name", "Status", "Age"],
  "/nodes": ["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"],
  "/persistentvolumeclaims": ["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"],
  "/persistentvolumes": ["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"],
  "/pods": ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"],
  "/podtemplates": ["Name", "Containers", "Images", "Pod Labels"],
  "/replicationcontrollers": ["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"],
  "/resourcequotas": ["Name", "Request", "Limit", "Age"],
  "/secrets": ["Name", "Type", "Data", "Age"],
  "/serviceaccounts": ["Name", "Secrets", "Age"],
  "/services": ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"],
  "apps/controllerrevisions": ["Name", "Controller", "Revision", "Age"],
  "apps/daemonsets": ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers", "Images", "Selector"],
  "apps/deployments": ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"],
  "apps/replicasets": ["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"],
  "apps/statefulsets": ["Name", "Ready", "Age", "Containers", "Images"],
  "events.k8s.io/events": EVENT_COLUMNS,
  "autoscaling/horizontalpodautoscalers": ["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"],
  "batch/cronjobs": ["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector"],
  "batch/jobs": ["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"],
  "networking.k8s.io/ingressclasses": ["Name", "Controller", "Parameters", "Age"],
  "networking.k8s.io/ingresses": ["Name", "Class", "Hosts", "Address", "Ports", "Age"],
  "networking.k8s.io/networkpolicies": ["Name", "Pod-Selector", "Age"],
  "policy/poddisruptionbudgets": ["Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"],
  "rbac.authorization.k8s.io/clusterrolebindings": BINDING_COLUMNS,
  "rbac.authorization.k8s.io/clusterroles": DEFAULT_COLUMNS,
  "rbac.authorization.k8s.io/rolebindings": BINDING_COLUMNS,
  "rbac.authorization.k8s.io/roles": DEFAULT_COLUMNS,
  "storage.k8s.io/csidrivers": ["Name", "AttachRequired", "PodInfoOnMount", "StorageCapacity", "TokenRequests", "RequiresRepublish", "Modes", "Age"],
  "storage.k8s.io/csinodes": ["Name", "Drivers", "Age"],
  "storage.k8s.io/csistoragecapacities": ["Name", "StorageClassName", "Capacity"],
  "storage.k8s.io/storageclasses": ["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"],
  "storage.k8s.io/volumeattachments": ["Name", "Attacher", "PV", "Node", "Attached", "Age"],
  "coordination.k8s.io/leases": ["Name", "Holder", "Age"],
  "discovery.k8s.io/endpointslices": ["Name", "AddressType", "Ports", "Endpoints", "Age"],
  "metrics.k8s.io/nodes": METRICS_COLUMNS,
  "metrics.k8s.io/pods": METRICS_COLUMNS,
};

const HOUR = 3_600_000;
const meta = (name: string, namespace?: string, extra: Record<string, unknown> = {}) => ({ name, ...(namespace ? { namespace } : {}), ...extra }) as KubeObject["metadata"];
const containers = (name: string, image: string) => ({ spec: { containers: [{ name, image }] } });

/** One object for each type the default scenario leaves empty. */
function samples(now: number): KubeObject[] {
  return [
    { apiVersion: "v1", kind: "LimitRange", metadata: meta("defaults", "shop"), spec: { limits: [{ type: "Container", default: { cpu: "500m" } }] } },
    {
      apiVersion: "v1", kind: "PersistentVolume", metadata: meta("pv-orders"),
      spec: { capacity: { storage: "20Gi" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Delete", storageClassName: "gp3", claimRef: { namespace: "shop", name: "data-postgres-0" }, volumeMode: "Filesystem" },
      status: { phase: "Bound" },
    },
    {
      apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: meta("data-postgres-0", "shop"),
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } }, storageClassName: "gp3", volumeName: "pv-orders", volumeMode: "Filesystem" },
      status: { phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "20Gi" } },
    },
    { apiVersion: "v1", kind: "PodTemplate", metadata: meta("debug", "shop"), template: { metadata: { labels: { tier: "tools", app: "debug" } }, ...containers("shell", "busybox:1.36") } },
    {
      apiVersion: "v1", kind: "ReplicationController", metadata: meta("legacy", "shop"),
      spec: { replicas: 1, selector: { app: "legacy" }, template: { metadata: { labels: { app: "legacy" } }, ...containers("legacy", "nginx:1.25") } },
      status: { replicas: 1, readyReplicas: 1 },
    },
    {
      apiVersion: "v1", kind: "ResourceQuota", metadata: meta("compute", "shop"),
      spec: { hard: { pods: "20", "requests.cpu": "4", "limits.memory": "8Gi" } },
      status: { hard: { pods: "20", "requests.cpu": "4", "limits.memory": "8Gi" }, used: { pods: "5", "requests.cpu": "1", "limits.memory": "2Gi" } },
    },
    {
      apiVersion: "apps/v1", kind: "ControllerRevision", revision: 1, data: {},
      metadata: meta("kube-proxy-5d5b8c6f4b", "kube-system", { ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "kube-proxy", uid: "u", controller: true }] }),
    },
    {
      apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: meta("web", "shop"),
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 3, maxReplicas: 10, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }] },
      status: { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 9, averageValue: "10m" } } }] },
    },
    {
      apiVersion: "batch/v1", kind: "CronJob", metadata: meta("nightly-report", "shop", { creationTimestamp: rfc3339(now - 48 * HOUR) }),
      spec: { schedule: "0 3 * * *", suspend: false, jobTemplate: { spec: { template: containers("report", "registry.example.com/shop/report:1.0") } } },
      status: { lastScheduleTime: rfc3339(now - 5 * HOUR) },
    },
    {
      apiVersion: "batch/v1", kind: "Job", metadata: meta("nightly-report-29000000", "shop", { creationTimestamp: rfc3339(now - 5 * HOUR) }),
      spec: { completions: 1, parallelism: 1, selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "abc" } }, template: containers("report", "registry.example.com/shop/report:1.0") },
      status: { succeeded: 1, startTime: rfc3339(now - 5 * HOUR), completionTime: rfc3339(now - 5 * HOUR + 42_000), conditions: [{ type: "SuccessCriteriaMet", status: "True" }, { type: "Complete", status: "True" }] },
    },
    { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: meta("nginx"), spec: { controller: "k8s.io/ingress-nginx" } },
    {
      apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: meta("shop", "shop"),
      spec: { ingressClassName: "nginx", rules: [{ host: "shop.example.com" }], tls: [{ hosts: ["shop.example.com"] }] },
      status: { loadBalancer: { ingress: [{ ip: "203.0.113.10" }] } },
    },
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("postgres-ingress", "shop"), spec: { podSelector: { matchLabels: { app: "postgres" } }, policyTypes: ["Ingress"] } },
    { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta("web", "shop"), spec: { minAvailable: 2, selector: { matchLabels: { app: "web" } } }, status: { disruptionsAllowed: 1 } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: meta("kubently-agent"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name: "kubently-agent", namespace: "kube-system" }, { kind: "Group", name: "kubently" }],
    },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: meta("view", undefined, { creationTimestamp: "2025-01-02T03:04:05Z" }), rules: [] },
    {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: meta("ci-deployer", "shop"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "deployer" },
      subjects: [{ kind: "ServiceAccount", name: "ci-deployer", namespace: "shop" }, { kind: "User", name: "alice@example.com" }],
    },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: meta("deployer", "shop"), rules: [] },
    { apiVersion: "storage.k8s.io/v1", kind: "CSIDriver", metadata: meta("ebs.csi.aws.com"), spec: { attachRequired: true, podInfoOnMount: false, volumeLifecycleModes: ["Persistent"] } },
    { apiVersion: "storage.k8s.io/v1", kind: "CSINode", metadata: meta("node-1"), spec: { drivers: [{ name: "ebs.csi.aws.com", nodeID: "i-0abc" }] } },
    { apiVersion: "storage.k8s.io/v1", kind: "CSIStorageCapacity", metadata: meta("csisc-7x2v9", "kube-system"), storageClassName: "gp3", capacity: "500Gi" },
    {
      apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: meta("gp3", undefined, { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }),
      provisioner: "ebs.csi.aws.com", reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer", allowVolumeExpansion: true,
    },
    { apiVersion: "storage.k8s.io/v1", kind: "VolumeAttachment", metadata: meta("csi-4f1c"), spec: { attacher: "ebs.csi.aws.com", nodeName: "node-1", source: { persistentVolumeName: "pv-orders" } }, status: { attached: true } },
  ];
}

interface Column {
  name: string;
  priority: number;
}
interface Table {
  kind: string;
  metadata: { resourceVersion?: string };
  columnDefinitions: Column[];
  rows: { cells: unknown[]; object?: { metadata: { name: string; namespace?: string } } }[];
}

let sim: SimCluster;
let kc: KubectlHome;
const now = Date.now();

beforeAll(async () => {
  sim = await startSimCluster();
  for (const o of samples(now)) sim.add(o);
  kc = await kubectlHome(sim, "kubently-sim-tables-");
});

afterAll(async () => {
  await sim?.close();
  await kc?.remove();
});

const GETTABLE = RESOURCE_TYPES.filter((t) => t.verbs.includes("get"));
const keyOf = (t: ResourceType) => `${t.group}/${t.resource}`;
const base = (t: ResourceType) => (t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`);
const ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

async function tableAt(path: string): Promise<Table> {
  const res = await fetch(`${sim.url}${path}`, { headers: { accept: ACCEPT } });
  expect({ path, status: res.status }).toEqual({ path, status: 200 });
  expect(res.headers.get("content-type")).toBe("application/json;as=Table;v=v1;g=meta.k8s.io");
  return (await res.json()) as Table;
}

/** The first object of `t` and the Table rows for it. */
async function listAndGet(t: ResourceType): Promise<{ list: Table; one: Table; name: string; namespace?: string }> {
  const list = await tableAt(`${base(t)}/${t.resource}`);
  const first = list.rows[0]?.object?.metadata;
  if (!first) throw new Error(`no ${keyOf(t)} to get`);
  const path = t.namespaced ? `${base(t)}/namespaces/${first.namespace}/${t.resource}/${first.name}` : `${base(t)}/${t.resource}/${first.name}`;
  return { list, one: await tableAt(path), name: first.name, ...(first.namespace ? { namespace: first.namespace } : {}) };
}

/** Cells of the row for `name` in the list Table of `resource`. */
async function rowOf(t: string, name: string): Promise<unknown[]> {
  const type = GETTABLE.find((x) => keyOf(x) === t) as ResourceType;
  const list = await tableAt(`${base(type)}/${type.resource}`);
  return list.rows.find((r) => r.object?.metadata.name === name)?.cells ?? [];
}

describe("server-side Tables", () => {
  test("every type with get has pinned columns (add one here when a type is served)", () => {
    expect(GETTABLE.map(keyOf).sort()).toEqual(Object.keys(COLUMNS).sort());
  });

  for (const t of GETTABLE) {
    test(`list and get of ${keyOf(t)} answer a Table with kube-apiserver's columns`, async () => {
      const { list, one } = await listAndGet(t);
      const expected = COLUMNS[keyOf(t)];
      for (const table of [list, one]) {
        expect(table.kind).toBe("Table");
        expect(table.columnDefinitions.map((c) => c.name)).toEqual(expected as string[]);
        for (const row of table.rows) expect(row.cells).toHaveLength(expected?.length ?? -1);
      }
      expect(one.rows).toHaveLength(1);
      expect(one.rows[0]?.cells).toEqual(list.rows[0]?.cells as unknown[]);
    });
  }

  test("cells of the kinds printed by the new printers", async () => {
    const age5h = "5h";
    expect(await rowOf("/persistentvolumes", "pv-orders")).toEqual(["pv-orders", "20Gi", "RWO", "Delete", "Bound", "shop/data-postgres-0", "gp3", "<unset>", "", expect.any(String), "Filesystem"]);
    expect(await rowOf("/persistentvolumeclaims", "data-postgres-0")).toEqual(["data-postgres-0", "Bound", "pv-orders", "20Gi", "RWO", "gp3", "<unset>", expect.any(String), "Filesystem"]);
    expect(await rowOf("/podtemplates", "debug")).toEqual(["debug", "shell", "busybox:1.36", "app=debug,tier=tools"]);
    expect(await rowOf("/replicationcontrollers", "legacy")).toEqual(["legacy", 1, 1, 1, expect.any(String), "legacy", "nginx:1.25", "app=legacy"]);
    expect(await rowOf("/resourcequotas", "compute")).toEqual(["compute", "pods: 5/20, requests.cpu: 1/4", "limits.memory: 2Gi/8Gi", expect.any(String)]);
    expect(await rowOf("apps/controllerrevisions", "kube-proxy-5d5b8c6f4b")).toEqual(["kube-proxy-5d5b8c6f4b", "daemonset.apps/kube-proxy", 1, expect.any(String)]);
    expect(await rowOf("autoscaling/horizontalpodautoscalers", "web")).toEqual(["web", "Deployment/web", "cpu: 9%/70%", "3", 10, 3, expect.any(String)]);
    expect(await rowOf("batch/cronjobs", "nightly-report")).toEqual(["nightly-report", "0 3 * * *", "<none>", "False", 0, age5h, "2d", "report", "registry.example.com/shop/report:1.0", "<none>"]);
    expect(await rowOf("batch/jobs", "nightly-report-29000000")).toEqual(["nightly-report-29000000", "Complete", "1/1", "42s", age5h, "report", "registry.example.com/shop/report:1.0", "batch.kubernetes.io/controller-uid=abc"]);
    expect(await rowOf("networking.k8s.io/ingresses", "shop")).toEqual(["shop", "nginx", "shop.example.com", "203.0.113.10", "80, 443", expect.any(String)]);
    expect(await rowOf("networking.k8s.io/ingressclasses", "nginx")).toEqual(["nginx", "k8s.io/ingress-nginx", "<none>", expect.any(String)]);
    expect(await rowOf("networking.k8s.io/networkpolicies", "postgres-ingress")).toEqual(["postgres-ingress", "app=postgres", expect.any(String)]);
    expect(await rowOf("policy/poddisruptionbudgets", "web")).toEqual(["web", "2", "N/A", 1, expect.any(String)]);
    expect(await rowOf("rbac.authorization.k8s.io/clusterrolebindings", "kubently-agent")).toEqual(["kubently-agent", "ClusterRole/view", expect.any(String), "", "kubently", "kube-system/kubently-agent"]);
    expect(await rowOf("rbac.authorization.k8s.io/rolebindings", "ci-deployer")).toEqual(["ci-deployer", "Role/deployer", expect.any(String), "alice@example.com", "", "shop/ci-deployer"]);
    expect(await rowOf("rbac.authorization.k8s.io/clusterroles", "view")).toEqual(["view", "2025-01-02T03:04:05Z"]);
    expect(await rowOf("storage.k8s.io/storageclasses", "gp3")).toEqual(["gp3 (default)", "ebs.csi.aws.com", "Delete", "WaitForFirstConsumer", true, expect.any(String)]);
    expect(await rowOf("storage.k8s.io/csidrivers", "ebs.csi.aws.com")).toEqual(["ebs.csi.aws.com", true, false, false, "<unset>", false, "Persistent", expect.any(String)]);
    expect(await rowOf("storage.k8s.io/csinodes", "node-1")).toEqual(["node-1", 1, expect.any(String)]);
    expect(await rowOf("storage.k8s.io/csistoragecapacities", "csisc-7x2v9")).toEqual(["csisc-7x2v9", "gp3", "500Gi"]);
    expect(await rowOf("storage.k8s.io/volumeattachments", "csi-4f1c")).toEqual(["csi-4f1c", "ebs.csi.aws.com", "pv-orders", "node-1", true, expect.any(String)]);
  });

  test("a finished pod's row carries the Completed condition kubectl reads", async () => {
    sim.add({
      apiVersion: "v1", kind: "Pod", metadata: meta("migrate-1", "shop"),
      spec: { containers: [{ name: "migrate", image: "busybox" }], nodeName: "node-1" },
      status: { phase: "Succeeded", containerStatuses: [{ name: "migrate", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } }] },
    });
    const t = await tableAt("/api/v1/namespaces/shop/pods/migrate-1");
    expect(t.rows[0]?.cells.slice(0, 4)).toEqual(["migrate-1", "0/1", "Completed", "0"]);
    expect(t.rows[0]).toMatchObject({ conditions: [{ type: "Completed", status: "True", reason: "Succeeded" }] });
    sim.remove("pods/shop/migrate-1");
  });
});

describe.skipIf(!KUBECTL)("real kubectl get prints every type", () => {
  for (const t of GETTABLE) {
    test(`kubectl get ${t.resource}${t.group ? `.${t.group}` : ""} <name>`, async () => {
      const { one, name, namespace } = await listAndGet(t);
      const qualified = t.group ? `${t.resource}.${t.group}` : t.resource;
      const r = await runKubectl(["get", qualified, name, ...(namespace ? ["-n", namespace] : [])], kc);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      const header = one.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name.toUpperCase());
      expect(r.stdout.split("\n")[0]?.trim().split(/\s{2,}/)).toEqual(header);
      const lines = r.stdout.trimEnd().split("\n");
      expect(lines).toHaveLength(2);
      // Events print NAME only with -o wide; every other kind shows the name (a StorageClass adds " (default)").
      if (header.includes("NAME")) expect(lines[1]).toStartWith(name);
    });
  }
});
