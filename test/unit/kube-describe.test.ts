/**
 * `describeObjects` against the real kubectl: every object of the covered
 * kinds in the simulated cluster (plus edge-case objects added to it) is
 * described by both, and the outputs must be byte-identical. Where exact
 * parity is impossible the case names the difference and says why.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { KubentlyError } from "../../lib/errors.ts";
import { ageSince, humanDuration } from "../../lib/kube/_age.ts";
import type { KubeObject, KubeReader, ListOptions } from "../../lib/kube/_types.ts";
import { goSort } from "../../lib/kube/_gosort.ts";
import { canonicalQuantity } from "../../lib/kube/describe/_quantity.ts";
import { alignTabs } from "../../lib/kube/describe/_writer.ts";
import { smartLabel } from "../../lib/kube/describe/generic.ts";
import { canDescribe, describeObjects, describerFor, renderEvents, renderPod, renderSecret } from "../../lib/kube/describe/index.ts";
import { tabbed } from "../../lib/kube/describe/_writer.ts";
import { type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { kubectlHome, requireKubectl, runKubectl } from "../_kubectl.ts";

const KUBECTL = requireKubectl("kube-describe.test");

// ---------------------------------------------------------------------------
// A KubeReader over plain fetch to the simulated cluster (plain HTTP, dummy token).

interface TypeInfo {
  group: string;
  resource: string;
  kind: string;
  apiVersion: string;
  namespaced: boolean;
}

const T = {
  pods: { group: "", resource: "pods", kind: "Pod", apiVersion: "v1", namespaced: true },
  services: { group: "", resource: "services", kind: "Service", apiVersion: "v1", namespaced: true },
  nodes: { group: "", resource: "nodes", kind: "Node", apiVersion: "v1", namespaced: false },
  namespaces: { group: "", resource: "namespaces", kind: "Namespace", apiVersion: "v1", namespaced: false },
  configmaps: { group: "", resource: "configmaps", kind: "ConfigMap", apiVersion: "v1", namespaced: true },
  secrets: { group: "", resource: "secrets", kind: "Secret", apiVersion: "v1", namespaced: true },
  endpoints: { group: "", resource: "endpoints", kind: "Endpoints", apiVersion: "v1", namespaced: true },
  events: { group: "", resource: "events", kind: "Event", apiVersion: "v1", namespaced: true },
  podtemplates: { group: "", resource: "podtemplates", kind: "PodTemplate", apiVersion: "v1", namespaced: true },
  deployments: { group: "apps", resource: "deployments", kind: "Deployment", apiVersion: "apps/v1", namespaced: true },
  replicasets: { group: "apps", resource: "replicasets", kind: "ReplicaSet", apiVersion: "apps/v1", namespaced: true },
  statefulsets: { group: "apps", resource: "statefulsets", kind: "StatefulSet", apiVersion: "apps/v1", namespaced: true },
  daemonsets: { group: "apps", resource: "daemonsets", kind: "DaemonSet", apiVersion: "apps/v1", namespaced: true },
  controllerrevisions: { group: "apps", resource: "controllerrevisions", kind: "ControllerRevision", apiVersion: "apps/v1", namespaced: true },
  endpointslices: { group: "discovery.k8s.io", resource: "endpointslices", kind: "EndpointSlice", apiVersion: "discovery.k8s.io/v1", namespaced: true },
  leases: { group: "coordination.k8s.io", resource: "leases", kind: "Lease", apiVersion: "coordination.k8s.io/v1", namespaced: true },
  pvcs: { group: "", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", apiVersion: "v1", namespaced: true },
  pvs: { group: "", resource: "persistentvolumes", kind: "PersistentVolume", apiVersion: "v1", namespaced: false },
  resourcequotas: { group: "", resource: "resourcequotas", kind: "ResourceQuota", apiVersion: "v1", namespaced: true },
  limitranges: { group: "", resource: "limitranges", kind: "LimitRange", apiVersion: "v1", namespaced: true },
  storageclasses: { group: "storage.k8s.io", resource: "storageclasses", kind: "StorageClass", apiVersion: "storage.k8s.io/v1", namespaced: false },
  jobs: { group: "batch", resource: "jobs", kind: "Job", apiVersion: "batch/v1", namespaced: true },
  cronjobs: { group: "batch", resource: "cronjobs", kind: "CronJob", apiVersion: "batch/v1", namespaced: true },
  ingresses: { group: "networking.k8s.io", resource: "ingresses", kind: "Ingress", apiVersion: "networking.k8s.io/v1", namespaced: true },
  ingressclasses: { group: "networking.k8s.io", resource: "ingressclasses", kind: "IngressClass", apiVersion: "networking.k8s.io/v1", namespaced: false },
  pdbs: { group: "policy", resource: "poddisruptionbudgets", kind: "PodDisruptionBudget", apiVersion: "policy/v1", namespaced: true },
} satisfies Record<string, TypeInfo>;

const VERSIONS: Record<string, string> = { "": "v1", apps: "v1", batch: "v1", policy: "v1", "discovery.k8s.io": "v1", "coordination.k8s.io": "v1", "networking.k8s.io": "v1", "storage.k8s.io": "v1" };

class ReadError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

function fetchReader(base: string): KubeReader {
  const path = (t: { group: string; resource: string }, namespace?: string, name?: string) => {
    const root = t.group === "" ? "/api/v1" : `/apis/${t.group}/${VERSIONS[t.group] ?? "v1"}`;
    return `${base}${root}${namespace ? `/namespaces/${namespace}` : ""}/${t.resource}${name ? `/${encodeURIComponent(name)}` : ""}`;
  };
  const call = async (url: string, signal?: AbortSignal) => {
    const res = await fetch(url, { headers: { Authorization: "Bearer kubently-sim-token", Accept: "application/json" }, ...(signal ? { signal } : {}) });
    const body = (await res.json()) as { kind?: string; code?: number; reason?: string; message?: string; items?: KubeObject[] };
    if (!res.ok) throw new ReadError(body.code ?? res.status, body.reason ?? "", body.message ?? res.statusText);
    return body;
  };
  return {
    async get(t, name, namespace, signal) {
      try {
        return (await call(path(t, namespace, name), signal)) as unknown as KubeObject;
      } catch (err) {
        if (err instanceof ReadError && err.code === 404) return null;
        throw err;
      }
    },
    async list(t, o: ListOptions = {}) {
      const q = new URLSearchParams();
      if (o.labelSelector) q.set("labelSelector", o.labelSelector);
      if (o.fieldSelector) q.set("fieldSelector", o.fieldSelector);
      const body = await call(`${path(t, o.namespace)}?${q}`, o.signal);
      return body.items ?? [];
    },
  };
}

// ---------------------------------------------------------------------------
// Edge-case objects added to the scenario, to reach the branches it does not.

const MIN = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const agoMicro = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/Z$/, "000Z");
const NS = "edge";
const uid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const ownedBy = (kind: string, name: string, u: string, apiVersion = "apps/v1") => [{ apiVersion, kind, name, uid: u, controller: true, blockOwnerDeletion: true }];
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

function edgeObjects(): KubeObject[] {
  const out: KubeObject[] = [];
  const add = (o: Record<string, unknown>) => out.push(o as unknown as KubeObject);
  add({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: NS, uid: uid(1), labels: { "kubernetes.io/metadata.name": NS, team: "edge" }, annotations: { "scheduler.alpha.kubernetes.io/node-selector": "zone=a" } },
    spec: { finalizers: ["kubernetes"] },
    status: {
      phase: "Active",
      conditions: [{ type: "NamespaceDeletionDiscoveryFailure", status: "False", lastTransitionTime: ago(5 * MIN), reason: "ResourcesDiscovered", message: "All resources successfully discovered" }],
    },
  });
  add({
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "compute", namespace: NS },
    spec: { scopes: ["NotTerminating", "BestEffort"], hard: { pods: "10" } },
    status: { hard: { pods: "10", "requests.cpu": "2", "requests.memory": "1Gi", services: "5" }, used: { pods: "3", "requests.cpu": "500m", "requests.memory": "512Mi" } },
  });
  add({
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "a-objects", namespace: NS },
    spec: { hard: { configmaps: "20" } },
    status: { hard: { configmaps: "20" }, used: { configmaps: "2" } },
  });
  add({
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: "limits", namespace: NS },
    spec: { limits: [{ type: "Container", max: { cpu: "2" } }, { type: "Container", defaultRequest: { memory: "128Mi" } }, { type: "Pod", maxLimitRequestRatio: { cpu: "4" } }] },
  });

  // A node with taints, roles, extended resources and no Lease.
  add({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: "edge-node",
      uid: uid(2),
      creationTimestamp: ago(3 * 86_400_000),
      labels: { "kubernetes.io/hostname": "edge-node", "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "infra", "node-role.kubernetes.io/": "" },
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Node"}', note: "x".repeat(150) },
    },
    spec: {
      unschedulable: true,
      taints: [
        { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: ago(MIN) },
        { key: "dedicated", value: "gpu", effect: "NoSchedule" },
        { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" },
      ],
    },
    status: {
      capacity: { cpu: "2", memory: "4Gi", pods: "110", "nvidia.com/gpu": "4", "hugepages-2Mi": "1Gi", "ephemeral-storage": "100Gi", "example.com/dongle": "1" },
      allocatable: { cpu: "1900m", memory: "3800Mi", pods: "110", "nvidia.com/gpu": "4", "hugepages-2Mi": "1Gi", "ephemeral-storage": "90Gi", "example.com/dongle": "1" },
      conditions: [{ type: "Ready", status: "Unknown", lastHeartbeatTime: ago(2 * MIN), lastTransitionTime: ago(MIN), reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." }],
      addresses: [{ type: "InternalIP", address: "10.0.9.9" }, { type: "Hostname", address: "edge-node" }],
      nodeInfo: { machineID: "m", systemUUID: "s", bootID: "b", kernelVersion: "6.1", osImage: "Linux", containerRuntimeVersion: "containerd://2.0", kubeletVersion: "v1.32.4", kubeProxyVersion: "", operatingSystem: "linux", architecture: "arm64" },
    },
  });
  for (const [name, u] of [["by-uid", uid(2)], ["by-name", "edge-node"]] as const) {
    add({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `edge-node.${name}`, namespace: "default" },
      involvedObject: { kind: "Node", name: "edge-node", uid: u },
      reason: name === "by-uid" ? "NodeNotReady" : "Rebooted",
      message: `Node edge-node event ${name}`,
      source: { component: name === "by-uid" ? "node-controller" : "kubelet", host: "edge-node" },
      firstTimestamp: ago(30 * MIN),
      lastTimestamp: ago(name === "by-uid" ? MIN : 2 * MIN),
      count: name === "by-uid" ? 1 : 3,
      type: name === "by-uid" ? "Normal" : "Warning",
    });
  }

  // A pod that reaches most branches of describePod.
  const podUid = uid(3);
  add({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "edge-pod",
      namespace: NS,
      uid: podUid,
      creationTimestamp: ago(40 * MIN),
      deletionTimestamp: ago(10 * MIN),
      deletionGracePeriodSeconds: 30,
      labels: { app: "edge", tier: "web", "z-last": "1" },
      annotations: {
        "kubernetes.io/config.mirror": "mirror-hash-1",
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "example.com/long": "v".repeat(200),
        "example.com/multi": "first line\nsecond line\n",
        "example.com/escape": "red \u001b[31malert\u001b[0m\r",
      },
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "edge-node", uid: uid(2), controller: true }],
    },
    spec: {
      nodeName: "edge-node",
      priority: 100,
      priorityClassName: "edge-high",
      runtimeClassName: "kata",
      serviceAccountName: "edge-sa",
      overhead: { cpu: "100m", memory: "20Mi" },
      securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "profiles/audit.json" } },
      nodeSelector: { disk: "ssd", "kubernetes.io/os": "linux" },
      tolerations: [
        { key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" },
        { operator: "Exists" },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 },
        { key: "only-key", operator: "Exists" },
      ],
      topologySpreadConstraints: [
        { maxSkew: 2, topologyKey: "zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "edge" }, matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }] } },
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule" },
      ],
      readinessGates: [{ conditionType: "example.com/gate" }, { conditionType: "example.com/missing" }],
      initContainers: [
        { name: "init-db", image: "busybox:1.36", command: ["sh", "-c", "echo one\necho two"], resources: { requests: { cpu: "1", memory: "64Mi" } } },
        { name: "proxy", image: "envoy:1.30", restartPolicy: "Always", resources: { requests: { cpu: "50m" }, limits: { cpu: "200m" } } },
      ],
      containers: [
        {
          name: "app",
          image: "registry.example.com/app:1.0",
          args: ["--flag", "multi\nline"],
          ports: [{ containerPort: 80, protocol: "TCP", hostPort: 8080 }, { containerPort: 443, protocol: "TCP" }],
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          resources: { limits: { cpu: "500m", memory: "1Gi", "nvidia.com/gpu": "1" }, requests: { cpu: "250m", memory: "0.5Gi", "nvidia.com/gpu": "1" } },
          livenessProbe: { exec: { command: ["cat", "/tmp/healthy"] }, initialDelaySeconds: 5, timeoutSeconds: 2, periodSeconds: 7, successThreshold: 1, failureThreshold: 4 },
          readinessProbe: { httpGet: { host: "10.1.1.1", path: "/ready?full=1 x", port: "http", scheme: "HTTPS" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          startupProbe: { tcpSocket: { port: 8080 }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 30 },
          envFrom: [{ configMapRef: { name: "edge-cm" }, prefix: "CFG_" }, { secretRef: { name: "edge-secret", optional: true } }],
          env: [
            { name: "PLAIN", value: "hello" },
            { name: "MULTI", value: "a\nb\nc" },
            { name: "EMPTY" },
            { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
            { name: "POD_NS", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } } },
            { name: "POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } },
            { name: "CPU_MILLIS", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "1m" } } },
            { name: "MEM_REQ", valueFrom: { resourceFieldRef: { containerName: "app", resource: "requests.memory", divisor: "1Mi" } } },
            { name: "EPHEMERAL", valueFrom: { resourceFieldRef: { resource: "limits.ephemeral-storage" } } },
            { name: "SECRET", valueFrom: { secretKeyRef: { name: "edge-secret", key: "password", optional: false } } },
            { name: "CM", valueFrom: { configMapKeyRef: { name: "edge-cm", key: "a.txt", optional: true } } },
          ],
          volumeMounts: [
            { name: "data", mountPath: "/var/data", subPath: "sub \"dir\"" },
            { name: "cache", mountPath: "/cache", readOnly: true },
            { name: "tls", mountPath: "/etc/tls", readOnly: true },
          ],
          volumeDevices: [{ name: "raw", devicePath: "/dev/xvdb" }],
        },
        { name: "sidecar", image: "sidecar:2", livenessProbe: { grpc: { port: 9000, service: "health" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 } },
        { name: "idle", image: "idle:1" },
      ],
      ephemeralContainers: [{ name: "debugger", image: "busybox:1.36", stdin: true, tty: true, targetContainerName: "app" }],
      volumes: [
        { name: "data", persistentVolumeClaim: { claimName: "edge-data", readOnly: false } },
        { name: "cache", emptyDir: { medium: "Memory", sizeLimit: "256Mi" } },
        { name: "scratch", emptyDir: {} },
        { name: "tls", secret: { secretName: "edge-tls", defaultMode: 420, optional: true } },
        { name: "host", hostPath: { path: "/var/log", type: "Directory" } },
        { name: "host2", hostPath: { path: "/tmp" } },
        { name: "nfs", nfs: { server: "nfs.example.com", path: "/exports", readOnly: true } },
        { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels" } }, { path: "cpu", resourceFieldRef: { containerName: "app", resource: "limits.cpu" } }] } },
        { name: "csi", csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "vault", zeta: "z".repeat(150) } } },
        { name: "csi2", csi: { driver: "inline.csi" } },
        { name: "eph", ephemeral: { volumeClaimTemplate: { metadata: { labels: { type: "scratch" } }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "fast", resources: { requests: { storage: "1Gi" } } } } } },
        { name: "proj", projected: { sources: [{ secret: { name: "edge-secret" } }, { configMap: { name: "edge-cm" } }, { serviceAccountToken: { expirationSeconds: 600, path: "token" } }, { downwardAPI: { items: [] } }] } },
        { name: "git", gitRepo: { repository: "https://example.com/repo.git", revision: "main" } },
        { name: "fc", fc: { targetWWNs: ["500a0982991b8dc5", "500a0982891b8dc5"], lun: 2, fsType: "ext4" } },
        { name: "iscsi", iscsi: { targetPortal: "10.0.2.15:3260", iqn: "iqn.2001-04.com.example:storage", lun: 0, iscsiInterface: "default", fsType: "ext4", portals: ["10.0.2.16:3260", "10.0.2.17:3260"], secretRef: { name: "chap" } } },
        { name: "rbd", rbd: { monitors: ["10.16.154.78:6789"], image: "foo", fsType: "ext4", pool: "kube", user: "admin", keyring: "/etc/ceph/keyring" } },
        { name: "raw", persistentVolumeClaim: { claimName: "raw-block" } },
        { name: "mystery" },
      ],
    },
    status: {
      phase: "Running",
      reason: "NodeLost",
      message: "Node edge-node which was running pod edge-pod is unresponsive",
      hostIP: "10.0.9.9",
      podIP: "10.244.9.4",
      podIPs: [{ ip: "10.244.9.4" }, { ip: "fd00::4" }],
      nominatedNodeName: "other-node",
      startTime: ago(39 * MIN),
      conditions: [
        { type: "example.com/gate", status: "True" },
        { type: "Ready", status: "False", lastTransitionTime: ago(MIN) },
      ],
      initContainerStatuses: [
        { name: "init-db", image: "busybox:1.36", imageID: "docker.io/library/busybox@sha256:1", containerID: "containerd://i1", ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed", startedAt: ago(39 * MIN), finishedAt: ago(38 * MIN) } } },
        { name: "proxy", image: "envoy:1.30", imageID: "", containerID: "containerd://i2", ready: true, restartCount: 1, state: { running: { startedAt: ago(38 * MIN) } } },
      ],
      containerStatuses: [
        {
          name: "app",
          image: "registry.example.com/app:1.0",
          imageID: "registry.example.com/app@sha256:2",
          containerID: "containerd://c1",
          ready: false,
          restartCount: 3,
          state: { running: { startedAt: ago(3 * MIN) } },
          lastState: { terminated: { exitCode: 137, signal: 9, reason: "OOMKilled", message: "killed by the kernel", startedAt: ago(10 * MIN), finishedAt: ago(4 * MIN) } },
        },
        { name: "sidecar", image: "sidecar:2", imageID: "", ready: false, restartCount: 0, state: { waiting: {} } },
        { name: "idle", image: "idle:1", imageID: "", ready: false, restartCount: 0, state: {} },
      ],
      ephemeralContainerStatuses: [{ name: "debugger", image: "busybox:1.36", imageID: "", containerID: "containerd://e1", ready: false, restartCount: 0, state: { running: { startedAt: ago(2 * MIN) } } }],
    },
  });
  // More than 12 events, several sharing a timestamp, so Go's unstable sort order shows.
  const lastAgo = [5, 9, 5, 1, 9, 5, 30, 5, 2, 9, 5, 1, 20, 5, 9];
  lastAgo.forEach((m, i) => {
    add({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `edge-pod.e${String(i).padStart(2, "0")}`, namespace: NS },
      involvedObject: { kind: "Pod", namespace: NS, name: "edge-pod", uid: "mirror-hash-1", ...(i === 3 ? { fieldPath: "spec.containers{app}" } : {}) },
      reason: `Reason${i % 4}`,
      message: `  message ${i} with padding \n`,
      source: i === 6 ? {} : { component: "kubelet", host: "edge-node" },
      reportingComponent: i === 6 ? "custom-controller" : "",
      firstTimestamp: ago((m + 10) * MIN),
      lastTimestamp: ago(m * MIN),
      count: i % 3 === 0 ? 4 : 1,
      type: i % 5 === 0 ? "Warning" : "Normal",
    });
  });
  add({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "edge-pod.series", namespace: NS },
    involvedObject: { kind: "Pod", namespace: NS, name: "edge-pod", uid: "mirror-hash-1" },
    reason: "Series",
    message: "a series event",
    source: {},
    reportingComponent: "series-controller",
    eventTime: agoMicro(50 * MIN),
    series: { count: 12, lastObservedTime: agoMicro(3 * MIN) },
    firstTimestamp: null,
    lastTimestamp: null,
    count: 0,
    type: "Normal",
  });
  add({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "edge-pod.by-real-uid", namespace: NS },
    involvedObject: { kind: "Pod", namespace: NS, name: "edge-pod", uid: podUid },
    reason: "Hidden",
    message: "kubectl looks mirror pods up by their config hash, so this one is not shown",
    source: { component: "kubelet" },
    firstTimestamp: ago(MIN),
    lastTimestamp: ago(MIN),
    count: 1,
    type: "Normal",
  });
  // A GPU pod on the same node, and a pod with no resources at all (computed QoS classes).
  add({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "gpu-job", namespace: NS, uid: uid(4), creationTimestamp: ago(90 * 60_000) },
    spec: {
      nodeName: "edge-node",
      containers: [{ name: "train", image: "trainer:1", resources: { limits: { cpu: "1", memory: "2Gi", "nvidia.com/gpu": "2", "example.com/dongle": "1", "hugepages-2Mi": "512Mi" }, requests: { cpu: "1", memory: "2Gi", "nvidia.com/gpu": "2", "example.com/dongle": "1", "hugepages-2Mi": "512Mi", "ephemeral-storage": "5Gi" } } }],
    },
    status: { phase: "Pending", hostIP: "10.0.9.9" },
  });
  add({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "bare", namespace: NS, uid: uid(5), creationTimestamp: ago(5000) },
    spec: { containers: [{ name: "c", image: "c:1" }] },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False" }] },
  });

  // Workloads with selectors using expressions, partitions, claim templates.
  const depUid = uid(6);
  const template = (image: string, hash?: string) => ({
    metadata: { labels: { app: "edge", tier: "web", ...(hash ? { "pod-template-hash": hash } : {}) }, annotations: { "prometheus.io/scrape": "true" } },
    spec: {
      serviceAccountName: "edge-sa",
      priorityClassName: "edge-high",
      nodeSelector: { disk: "ssd" },
      tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule" }],
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "edge" } } }],
      initContainers: [{ name: "migrate", image: "migrate:1", env: [{ name: "POD", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } }] }],
      containers: [{ name: "web", image, ports: [{ containerPort: 8080, protocol: "TCP" }], resources: { requests: { cpu: "1000m", memory: "1024Mi" } } }],
      volumes: [{ name: "cfg", configMap: { name: "edge-cm", optional: true } }],
    },
  });
  add({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "edge-deploy", namespace: NS, uid: depUid, creationTimestamp: ago(86_400_000), labels: { app: "edge" }, annotations: { "deployment.kubernetes.io/revision": "2" } },
    spec: {
      replicas: 2,
      minReadySeconds: 5,
      selector: { matchLabels: { app: "edge" }, matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }, { key: "legacy", operator: "DoesNotExist" }] },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: template("web:2"),
    },
    status: { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1, conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated" }] },
  });
  for (const [name, image, hash, created, replicas] of [["edge-deploy-new1", "web:2", "new1", 10 * MIN, 1], ["edge-deploy-old1", "web:1", "old1", 20 * MIN, 2], ["edge-deploy-zero", "web:0", "zero", 30 * MIN, 0]] as const) {
    add({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name, namespace: NS, uid: uid(100 + replicas), creationTimestamp: ago(created), labels: { app: "edge", tier: "web", "pod-template-hash": hash }, ownerReferences: ownedBy("Deployment", "edge-deploy", depUid) },
      spec: { replicas, selector: { matchLabels: { app: "edge", "pod-template-hash": hash } }, template: template(image, hash) },
      status: { replicas, ...(name === "edge-deploy-new1" ? { conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "quota exceeded" }] } : {}) },
    });
  }
  add({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "orphan-rs", namespace: NS, uid: uid(110), creationTimestamp: ago(MIN), labels: { app: "orphan" } },
    spec: { replicas: 1, selector: {}, template: { metadata: {}, spec: { containers: [] } } },
    status: { replicas: 0 },
  });
  add({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "edge-db", namespace: NS, uid: uid(7), creationTimestamp: ago(86_400_000), labels: { app: "db" } },
    spec: {
      replicas: 2,
      selector: { matchExpressions: [{ key: "app", operator: "NotIn", values: ["web", "cache"] }, { key: "role", operator: "Exists" }] },
      serviceName: "edge-db",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1, maxUnavailable: "50%" } },
      template: { metadata: { labels: { app: "db", role: "primary" } }, spec: { containers: [{ name: "db", image: "postgres:16" }] } },
      volumeClaimTemplates: [
        { metadata: { name: "data", labels: { tier: "db" }, annotations: { backup: "daily" } }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "fast", resources: { requests: { storage: "10Gi" } } } },
        { metadata: { name: "logs", annotations: { "volume.beta.kubernetes.io/storage-class": "slow" } }, spec: { accessModes: ["ReadWriteOnce", "ReadOnlyMany"] } },
      ],
    },
    status: { replicas: 1 },
  });
  add({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "edge-db-0", namespace: NS, uid: uid(8), creationTimestamp: ago(MIN), labels: { app: "db", role: "primary" }, ownerReferences: ownedBy("StatefulSet", "edge-db", uid(7)) },
    spec: { containers: [{ name: "db", image: "postgres:16" }] },
    status: { phase: "Failed", qosClass: "BestEffort" },
  });

  // Services: a load balancer with many endpoints, an ExternalName service.
  add({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "edge-lb", namespace: NS, uid: uid(9), annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" } },
    spec: {
      type: "LoadBalancer",
      selector: { app: "edge", tier: "web" },
      clusterIP: "10.96.9.9",
      ports: [{ port: 443, targetPort: "https", protocol: "TCP", nodePort: 30443 }, { name: "metrics", port: 9090, targetPort: 9090, protocol: "TCP", nodePort: 30090 }],
      externalIPs: ["192.0.2.10", "192.0.2.11"],
      loadBalancerIP: "203.0.113.7",
      externalTrafficPolicy: "Local",
      healthCheckNodePort: 32000,
      loadBalancerSourceRanges: ["10.0.0.0/8", "192.168.0.0/16"],
      sessionAffinity: "ClientIP",
    },
    status: { loadBalancer: { ingress: [{ ip: "203.0.113.7", ipMode: "VIP" }, { hostname: "lb.example.com" }] } },
  });
  add({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "edge-lb-a", namespace: NS, labels: { "kubernetes.io/service-name": "edge-lb" } },
    addressType: "IPv4",
    ports: [{ name: "", port: 8443, protocol: "TCP" }, { name: "metrics", port: 9090, protocol: "TCP" }],
    endpoints: [1, 2, 3, 4, 5].map((n) => ({
      addresses: [`10.244.9.${n}`],
      conditions: n === 2 ? { ready: false } : n === 4 ? {} : { ready: true },
      ...(n === 1 ? { hostname: "web-1", nodeName: "edge-node", zone: "a", targetRef: { kind: "Pod", name: "edge-pod", namespace: NS } } : {}),
    })),
  });
  add({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "edge-lb-b", namespace: NS, labels: { "kubernetes.io/service-name": "edge-lb" } },
    addressType: "IPv6",
    endpoints: [{ addresses: ["fd00::1", "fd00::2"], conditions: { ready: true } }],
  });
  add({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "edge-ext", namespace: NS, uid: uid(10) },
    spec: { type: "ExternalName", externalName: "db.example.com", ports: [{ port: 5432, protocol: "TCP", targetPort: 5432 }] },
  });
  add({
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "edge-lb", namespace: NS },
    subsets: [
      { addresses: [{ ip: "10.244.9.1" }, { ip: "10.244.9.3" }], notReadyAddresses: [{ ip: "10.244.9.2" }], ports: [{ port: 8443, protocol: "TCP" }, { name: "metrics", port: 9090, protocol: "TCP" }] },
      { addresses: [{ ip: "10.244.9.7" }] },
    ],
  });

  // Data objects and kinds only the generic describer handles.
  add({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "edge-cm", namespace: NS, labels: { app: "edge" }, annotations: { "example.com/a": "1" } },
    data: { "a.txt": "line1\nline2\n" },
    binaryData: { "blob.bin": b64("0123456789") },
  });
  add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "empty-cm", namespace: NS } });
  add({ apiVersion: "v1", kind: "Secret", metadata: { name: "edge-secret", namespace: NS, labels: { app: "edge" } }, type: "Opaque", data: { password: b64("hunter2") } });
  add({ apiVersion: "v1", kind: "Secret", metadata: { name: "edge-empty", namespace: NS }, type: "kubernetes.io/tls" });
  add({
    apiVersion: "v1",
    kind: "PodTemplate",
    metadata: { name: "edge-template", namespace: NS, labels: { a: "b" }, managedFields: [{ manager: "kubectl" }] },
    template: { metadata: { labels: { app: "edge" } }, spec: { containers: [{ name: "c", image: "c:1", args: ["--x", "--y"], ports: [{ containerPort: 80, hostIP: "" }] }], hostNetwork: true, dnsConfig: { options: [{ name: "ndots", value: "2" }] } } },
  });
  add({
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: { name: "edge-rev", namespace: NS, ownerReferences: ownedBy("StatefulSet", "edge-db", uid(7)) },
    revision: 3,
    data: { ratio: 1.5, big: 1234567.5, tiny: 0.00001, nested: [[1, 2], ["a", { k: "v" }]], maps: [{ a: 1 }, { b: true }], nothing: null, podCIDR: "x", "with-dash": "y", URLPath: "/z", "ip4": "v" },
  });
  add({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "edge-lease", namespace: NS },
    spec: { holderIdentity: "edge-node", leaseDurationSeconds: 15, acquireTime: agoMicro(MIN), renewTime: agoMicro(1000), leaseTransitions: 2 },
  });

  // Storage: a bound claim used by two pods, volumes, classes.
  add({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "edge-data", namespace: NS, uid: uid(20), finalizers: ["kubernetes.io/pvc-protection"], annotations: { "pv.kubernetes.io/bound-by-controller": "yes" }, ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "gpu-job", uid: uid(4) }] },
    spec: { accessModes: ["ReadWriteOnce", "ReadWriteOncePod"], storageClassName: "fast", volumeMode: "Filesystem", volumeName: "pv-edge-data", resources: { requests: { storage: "5Gi" } }, dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap-1" } },
    status: { phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "5120Mi" }, conditions: [{ type: "Resizing", status: "True", lastProbeTime: null, lastTransitionTime: ago(MIN) }] },
  });
  add({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "pending-claim", namespace: NS, uid: uid(21), creationTimestamp: ago(MIN), deletionTimestamp: ago(30_000) },
    spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: "1Ti" } } },
    status: { phase: "Pending" },
  });
  add({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "pv-edge-data", uid: uid(22), finalizers: ["kubernetes.io/pv-protection"], labels: { zone: "a" } },
    spec: {
      capacity: { storage: "5Gi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Delete",
      storageClassName: "fast",
      volumeMode: "Filesystem",
      claimRef: { kind: "PersistentVolumeClaim", namespace: NS, name: "edge-data", uid: uid(20) },
      csi: { driver: "ebs.csi.aws.com", fsType: "ext4", volumeHandle: "vol-0abc", volumeAttributes: { "storage.kubernetes.io/csiProvisionerIdentity": "1700000000000-1234-ebs.csi.aws.com" } },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.ebs.csi.aws.com/zone", operator: "In", values: ["eu-west-1a", "eu-west-1b"] }, { key: "gpu", operator: "Exists" }] }, { matchExpressions: [] }] } },
    },
    status: { phase: "Bound" },
  });
  add({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "pv-local", uid: uid(23), annotations: { "volume.beta.kubernetes.io/storage-class": "legacy" } },
    spec: { capacity: { storage: "100Gi" }, accessModes: ["ReadWriteOnce", "ReadOnlyMany"], persistentVolumeReclaimPolicy: "Retain", local: { path: "/mnt/disks/ssd1" } },
    status: { phase: "Available", message: "waiting for a claim" },
  });
  add({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pv-nfs", uid: uid(24) }, spec: { capacity: { storage: "1Gi" }, nfs: { server: "nfs", path: "/x" }, rbdUnknown: {} }, status: { phase: "Released" } });
  add({
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "fast", uid: uid(25), annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: "ebs.csi.aws.com",
    parameters: { type: "gp3", iops: "3000" },
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: true,
    mountOptions: ["debug", "noatime"],
    allowedTopologies: [{ matchLabelExpressions: [{ key: "topology.ebs.csi.aws.com/zone", values: ["eu-west-1a", "eu-west-1b"] }] }],
  });
  add({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "slow", uid: uid(26) }, provisioner: "kubernetes.io/no-provisioner" });

  // Batch: an indexed job that finished, a failing one, a cron job with active jobs.
  add({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "report-28930", namespace: NS, uid: uid(30), labels: { "batch.kubernetes.io/job-name": "report-28930" }, ownerReferences: ownedBy("CronJob", "report", uid(32), "batch/v1") },
    spec: {
      parallelism: 2,
      completions: 100,
      completionMode: "Indexed",
      suspend: false,
      backoffLimit: 6,
      ttlSecondsAfterFinished: 3600,
      activeDeadlineSeconds: 600,
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": uid(30) } },
      template: { metadata: { labels: { "batch.kubernetes.io/job-name": "report-28930" } }, spec: { restartPolicy: "Never", containers: [{ name: "report", image: "report:1", command: ["/report"] }] } },
    },
    status: { startTime: ago(30 * MIN), completionTime: ago(2 * MIN), succeeded: 100, ready: 0, completedIndexes: "0-9,11,13,15,17,19,21,23,25,27,29,31,33,35,37,39,41,43,45,47,49,51-99" },
  });
  add({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "migrate", namespace: NS, uid: uid(31) },
    spec: { backoffLimit: 2, template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "m", image: "migrate:2" }] } } },
    status: { startTime: ago(8 * MIN), active: 1, failed: 2 },
  });
  add({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "report", namespace: NS, uid: uid(32) },
    spec: {
      schedule: "*/15 * * * *",
      concurrencyPolicy: "Forbid",
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      startingDeadlineSeconds: 120,
      jobTemplate: { spec: { activeDeadlineSeconds: 600, template: { spec: { containers: [{ name: "report", image: "report:1" }] } } } },
    },
    status: { lastScheduleTime: ago(2 * MIN), active: [{ kind: "Job", name: "report-28930", namespace: NS }, { kind: "Job", name: "report-28931", namespace: NS }] },
  });
  add({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "bare-cron", namespace: NS, uid: uid(33) }, spec: { schedule: "@daily", concurrencyPolicy: "Allow", jobTemplate: { spec: { selector: { matchLabels: { a: "b" } }, parallelism: 1, completions: 1, template: { spec: { containers: [] } } } } } });

  // Networking and policy.
  add({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "edge-ing", namespace: NS, uid: uid(40), labels: { app: "edge" }, annotations: { "nginx.ingress.kubernetes.io/rewrite-target": "/" } },
    spec: {
      ingressClassName: "nginx",
      defaultBackend: { service: { name: "edge-lb", port: { name: "metrics" } } },
      tls: [{ hosts: ["edge.example.com", "www.edge.example.com"], secretName: "edge-tls" }, { hosts: ["sni.example.com"] }],
      rules: [
        { host: "edge.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "edge-lb", port: { number: 443 } } } }, { path: "/api", pathType: "Prefix", backend: { service: { name: "missing", port: { number: 80 } } } }] } },
        { host: "static.example.com" },
        { http: { paths: [{ path: "/assets", pathType: "ImplementationSpecific", backend: { resource: { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "assets" } } }] } },
      ],
    },
    status: { loadBalancer: { ingress: [{ ip: "203.0.113.9" }, { hostname: "a.elb.example.com" }, { ip: "203.0.113.8" }] } },
  });
  add({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "no-rules", namespace: NS, uid: uid(41) }, spec: {} });
  add({ apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "nginx", uid: uid(42), annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } }, spec: { controller: "k8s.io/ingress-nginx", parameters: { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "external-lb", scope: "Cluster" } } });
  add({ apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "plain", uid: uid(43) }, spec: { controller: "example.com/plain" } });
  add({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "edge-pdb", namespace: NS, uid: uid(44) }, spec: { minAvailable: "50%", selector: { matchLabels: { app: "edge" } } }, status: { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 } });
  add({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "open-pdb", namespace: NS, uid: uid(45) }, spec: { maxUnavailable: 1 }, status: {} });
  add({
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "formats", namespace: NS },
    spec: { scopes: ["Terminating"] },
    status: { hard: { "limits.memory": "2Gi", "requests.storage": "1T", count: "10" }, used: { "limits.memory": "1500M", "requests.storage": "300Gi", count: "3" } },
  });
  return out;
}

// ---------------------------------------------------------------------------
// The simulated cluster, kubectl runner and parity check.

const sim: SimCluster = await startSimCluster();
for (const o of edgeObjects()) sim.add(o as Parameters<SimCluster["add"]>[0]);
const kc = await kubectlHome(sim, "kubently-describe-test-");
// kubectl formats times in the local zone, as the renderer does: both must see the same TZ (Go reads TZ="" as UTC, so pass it only when set).
const tz: Record<string, string> = process.env.TZ !== undefined ? { TZ: process.env.TZ } : {};
const reader = fetchReader(sim.url);

afterAll(async () => {
  await sim.close();
  await kc.remove();
});

/** Objects of `type` as kubectl's builder yields them: named ones in argument order, else the server's list order. */
async function select(type: TypeInfo, o: { namespace?: string; names?: string[]; labelSelector?: string } = {}): Promise<KubeObject[]> {
  const items = o.names
    ? await Promise.all(o.names.map(async (n) => (await reader.get(type, n, type.namespaced ? o.namespace : undefined)) as KubeObject))
    : await reader.list(type, { ...(type.namespaced && o.namespace ? { namespace: o.namespace } : {}), ...(o.labelSelector ? { labelSelector: o.labelSelector } : {}) });
  return items.map((i) => ({ ...i, apiVersion: type.apiVersion, kind: type.kind }));
}

interface Case {
  args: string[];
  objects: () => Promise<KubeObject[]>;
  showEvents?: boolean;
  /**
   * kubectl 1.32 prints ConfigMap and Secret data keys in Go map order (a
   * random rotation for small maps); kubectl >= 1.33 and this renderer sort
   * them. Such cases rerun kubectl until its order comes out sorted.
   */
  mapOrder?: boolean;
  /** Rewrites kubectl's output where parity is deliberately broken (named in the case). */
  adjust?: (kubectlOut: string) => string;
}

async function expectParity(c: Case): Promise<void> {
  const attempts = c.mapOrder ? 120 : 3;
  let last = { ours: "", kubectl: "" };
  for (let i = 0; i < attempts; i++) {
    const run = await runKubectl(c.args, { ...kc, env: tz });
    expect({ args: c.args, code: run.code, stderr: run.stderr }).toEqual({ args: c.args, code: 0, stderr: "" });
    // Ages: kubectl computed them a few ms ago; a flip at a second boundary is retried.
    const now = Date.now();
    const ours = await describeObjects(await c.objects(), reader, { now, ...(c.showEvents === false ? { showEvents: false } : {}) });
    const expected = c.adjust ? c.adjust(run.stdout) : run.stdout;
    if (ours === expected) return;
    last = { ours, kubectl: expected };
  }
  expect(last.ours).toBe(last.kubectl);
}

/**
 * Deliberate difference: kubectl prints the `token` of a
 * `kubernetes.io/service-account-token` Secret in clear; the native renderer
 * prints its size, like every other key, so describe never leaks a credential.
 */
const tokenAsBytes = (out: string) => out.replace(/^(token:\s+)(\S+)$/gm, (_m, pad: string, v: string) => `${pad}${Buffer.byteLength(v)} bytes`);

const ALL_TYPES = [
  T.pods, T.deployments, T.replicasets, T.services, T.nodes, T.configmaps, T.namespaces, T.secrets, T.statefulsets, T.daemonsets, T.endpoints, T.endpointslices,
  T.pvcs, T.pvs, T.storageclasses, T.resourcequotas, T.limitranges, T.jobs, T.cronjobs, T.ingresses, T.ingressclasses, T.pdbs,
  // Kinds kubectl describes with its generic describer.
  T.leases, T.podtemplates, T.controllerrevisions,
];
const singles: { label: string; c: Case }[] = [];
for (const type of ALL_TYPES) {
  for (const o of await reader.list(type, {})) {
    const ns = o.metadata.namespace;
    const name = o.metadata.name;
    const secretData = type === T.secrets && Object.keys((o as { data?: object }).data ?? {}).length > 1;
    const cmData = type === T.configmaps && Object.keys((o as { data?: object }).data ?? {}).length > 1;
    singles.push({
      label: `${type.resource} ${ns ? `${ns}/` : ""}${name}`,
      c: {
        args: ["describe", type.group ? `${type.resource}.${type.group}` : type.resource, name, ...(ns ? ["-n", ns] : [])],
        objects: () => select(type, { names: [name], ...(ns ? { namespace: ns } : {}) }),
        ...(secretData || cmData ? { mapOrder: true } : {}),
        ...(type === T.secrets ? { adjust: tokenAsBytes } : {}),
      },
    });
  }
}
// A few events: kubectl has no dedicated describer for them, so the generic one prints them.
for (const o of (await reader.list(T.events, { namespace: "shop" })).slice(0, 3)) {
  singles.push({ label: `events shop/${o.metadata.name}`, c: { args: ["describe", "events", o.metadata.name, "-n", "shop"], objects: () => select(T.events, { names: [o.metadata.name], namespace: "shop" }) } });
}

/**
 * What `kubectl describe all` expands to, in discovery order. ReplicationControllers
 * and HorizontalPodAutoscalers also belong to `all`; the scenario has none.
 */
async function allCategory(namespace: string): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const t of [T.pods, T.services, T.daemonsets, T.deployments, T.replicasets, T.statefulsets, T.cronjobs, T.jobs]) out.push(...(await select(t, { namespace })));
  return out;
}

const multi: { label: string; c: Case }[] = [
  { label: "pods -n shop", c: { args: ["describe", "pods", "-n", "shop"], objects: () => select(T.pods, { namespace: "shop" }) } },
  { label: "pods -A", c: { args: ["describe", "pods", "-A"], objects: () => select(T.pods) } },
  { label: "pods -n kube-system -l k8s-app=kube-proxy", c: { args: ["describe", "pods", "-n", "kube-system", "-l", "k8s-app=kube-proxy"], objects: () => select(T.pods, { namespace: "kube-system", labelSelector: "k8s-app=kube-proxy" }) } },
  {
    label: "pod <two names> -n shop",
    c: {
      args: ["describe", "pod", "recommendations-84d6c9f7b8-zt5wd", "checkout-6b8f9d7c5c-8wzrn", "-n", "shop"],
      objects: () => select(T.pods, { names: ["recommendations-84d6c9f7b8-zt5wd", "checkout-6b8f9d7c5c-8wzrn"], namespace: "shop" }),
    },
  },
  { label: "deploy -l app=web -A", c: { args: ["describe", "deploy", "-l", "app=web", "-A"], objects: () => select(T.deployments, { labelSelector: "app=web" }) } },
  { label: "deployments -n payments", c: { args: ["describe", "deployments", "-n", "payments"], objects: () => select(T.deployments, { namespace: "payments" }) } },
  { label: "rs -n shop", c: { args: ["describe", "rs", "-n", "shop"], objects: () => select(T.replicasets, { namespace: "shop" }) } },
  { label: "svc -A", c: { args: ["describe", "svc", "-A"], objects: () => select(T.services) } },
  { label: "nodes", c: { args: ["describe", "nodes"], objects: () => select(T.nodes) } },
  { label: "namespaces", c: { args: ["describe", "namespaces"], objects: () => select(T.namespaces) } },
  { label: "cm -n kube-system", c: { args: ["describe", "cm", "-n", "kube-system"], objects: () => select(T.configmaps, { namespace: "kube-system" }) } },
  { label: "cm -n shop (map order)", c: { args: ["describe", "cm", "-n", "shop"], objects: () => select(T.configmaps, { namespace: "shop" }), mapOrder: true } },
  { label: "secrets -n payments", c: { args: ["describe", "secrets", "-n", "payments"], objects: () => select(T.secrets, { namespace: "payments" }) } },
  {
    label: "pods,svc -n payments",
    c: { args: ["describe", "pods,svc", "-n", "payments"], objects: async () => [...(await select(T.pods, { namespace: "payments" })), ...(await select(T.services, { namespace: "payments" }))] },
  },
  {
    label: "rs,deploy -n payments",
    c: { args: ["describe", "rs,deploy", "-n", "payments"], objects: async () => [...(await select(T.replicasets, { namespace: "payments" })), ...(await select(T.deployments, { namespace: "payments" }))] },
  },
  { label: "all -n shop", c: { args: ["describe", "all", "-n", "shop"], objects: () => allCategory("shop") } },
  { label: "--show-events=false pods -n shop", c: { args: ["describe", "--show-events=false", "pods", "-n", "shop"], objects: () => select(T.pods, { namespace: "shop" }), showEvents: false } },
  { label: "--show-events=false node node-2", c: { args: ["describe", "--show-events=false", "node", "node-2"], objects: () => select(T.nodes, { names: ["node-2"] }), showEvents: false } },
  { label: "--show-events=false deploy,cm -n edge", c: { args: ["describe", "--show-events=false", "deploy,cm", "-n", NS], objects: async () => [...(await select(T.deployments, { namespace: NS })), ...(await select(T.configmaps, { namespace: NS }))], showEvents: false } },
  { label: "all -n edge", c: { args: ["describe", "all", "-n", NS], objects: () => allCategory(NS) } },
  { label: "endpointslices -n edge", c: { args: ["describe", "endpointslices", "-n", NS], objects: () => select(T.endpointslices, { namespace: NS }) } },
  { label: "leases -A", c: { args: ["describe", "leases", "-A"], objects: () => select(T.leases) } },
  { label: "pvc,pv -n edge", c: { args: ["describe", "pvc,pv", "-n", NS], objects: async () => [...(await select(T.pvcs, { namespace: NS })), ...(await select(T.pvs))] } },
  { label: "jobs,cronjobs -n edge", c: { args: ["describe", "jobs,cronjobs", "-n", NS], objects: async () => [...(await select(T.jobs, { namespace: NS })), ...(await select(T.cronjobs, { namespace: NS }))] } },
  { label: "quota,limits -n edge", c: { args: ["describe", "quota,limits", "-n", NS], objects: async () => [...(await select(T.resourcequotas, { namespace: NS })), ...(await select(T.limitranges, { namespace: NS }))] } },
];

describe.skipIf(!KUBECTL)("describeObjects(objects, reader) matches kubectl describe", () => {
  test("the scenario has the objects this suite expects", () => {
    const count = (r: string) => singles.filter((s) => s.label.startsWith(`${r} `)).length;
    expect(count("pods")).toBeGreaterThanOrEqual(14);
    expect(count("nodes")).toBeGreaterThanOrEqual(4);
    expect(singles.length + multi.length).toBeGreaterThanOrEqual(40);
  });
  for (const { label, c } of [...singles, ...multi]) {
    test(`kubectl describe ${label}`, () => expectParity(c), 60_000);
  }
});

// ---------------------------------------------------------------------------
// Pure parts, without kubectl.

describe("registry", () => {
  test("describerFor(group, kind) picks dedicated, generic, or none", () => {
    expect(describerFor("", "Pod")).not.toBeNull();
    expect(describerFor("apps", "Deployment")).not.toBeNull();
    expect(describerFor("example.com", "Widget")).not.toBeNull();
    expect(describerFor("coordination.k8s.io", "Lease")).toBe(describerFor("example.com", "Widget"));
    expect(canDescribe("batch", "Job")).toBe(true);
    // kubectl has its own describers for these and they are not implemented here.
    expect(canDescribe("", "ServiceAccount")).toBe(false);
    expect(canDescribe("autoscaling", "HorizontalPodAutoscaler")).toBe(false);
    expect(canDescribe("extensions", "Ingress")).toBe(false);
    expect(canDescribe("rbac.authorization.k8s.io", "Role")).toBe(false);
  });

  test("describeObjects rejects objects without kind, and kinds without a native describer", async () => {
    const pod = { metadata: { name: "p" } } as KubeObject;
    await expect(describeObjects([pod], reader, { now: 0 })).rejects.toBeInstanceOf(KubentlyError);
    const sa = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "x" } } as KubeObject;
    await expect(describeObjects([sa], reader, { now: 0 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  test("describeObjects with no objects is empty", async () => {
    expect(await describeObjects([], reader, { now: 0 })).toBe("");
  });
});

describe("humanDuration(ms)", () => {
  test.each([
    [-3000, "<invalid>"],
    [-1500, "0s"],
    [0, "0s"],
    [119_999, "119s"],
    [120_000, "2m"],
    [150_000, "2m30s"],
    [600_000, "10m"],
    [179 * 60_000, "179m"],
    [3 * 3_600_000, "3h"],
    [3 * 3_600_000 + 5 * 60_000, "3h5m"],
    [8 * 3_600_000, "8h"],
    [47 * 3_600_000, "47h"],
    [48 * 3_600_000, "2d"],
    [3 * 86_400_000 + 4 * 3_600_000, "3d4h"],
    [8 * 86_400_000, "8d"],
    [729 * 86_400_000, "729d"],
    [730 * 86_400_000, "2y"],
    [800 * 86_400_000, "2y70d"],
    [8 * 365 * 86_400_000, "8y"],
  ])("humanDuration(%p) is %p", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  test("ageSince(unset) is <unknown>", () => {
    expect(ageSince(undefined, 0)).toBe("<unknown>");
    expect(ageSince("0001-01-01T00:00:00Z", 0)).toBe("<unknown>");
    expect(ageSince("2024-01-01T00:00:10.5Z", Date.parse("2024-01-01T00:01:00Z"))).toBe("49s");
  });
});

describe("quantities print in canonical form", () => {
  test.each([
    ["0", "0"],
    ["100m", "100m"],
    ["1000m", "1"],
    ["0.5", "500m"],
    ["1.5Gi", "1536Mi"],
    ["1024Mi", "1Gi"],
    ["1000", "1k"],
    ["1e3", "1e3"],
    ["12e6", "12e6"],
    ["16082232Ki", "16082232Ki"],
    ["93478772582", "93478772582"],
    ["0.1m", "100u"],
    ["1n", "1n"],
    ["0.0000000001", "1n"],
    ["512", "512"],
    ["-5", "-5"],
    ["+5", "+5"],
    ["0Ki", "0"],
    ["1.5", "1500m"],
    ["1000Ki", "1000Ki"],
    ["2048Ki", "2Mi"],
  ])("%p prints as %p", (input, out) => {
    expect(canonicalQuantity(input)).toBe(out);
  });
});

describe("alignTabs(text) follows Go's text/tabwriter", () => {
  test("a column block ends at a line without a cell in that column", () => {
    expect(alignTabs("a:\tb\nlonger:\tc\nbreak\nx:\ty\n")).toBe("a:       b\nlonger:  c\nbreak\nx:  y\n");
  });
  test("the text after the last tab is never padded, widths count runes", () => {
    expect(alignTabs("é\tx\t\nabc\ty\n")).toBe("é    x  \nabc  y\n");
  });
  test("escapes terminal control characters per write", () => {
    expect(tabbed((w) => w.write(0, "a\u001b[1m\rb\n"))).toBe("a^[[1m\\rb\n");
  });
});

describe("goSort(items, less) orders ties as Go's pdqsort does", () => {
  test("up to 12 items it is an insertion sort (stable)", () => {
    const items = [3, 1, 2, 1, 3, 2].map((k, i) => ({ k, i }));
    expect(goSort(items, (a, b) => a.k < b.k).map((x) => x.i)).toEqual([1, 3, 2, 5, 0, 4]);
  });
  test("it sorts longer inputs", () => {
    const items = Array.from({ length: 200 }, (_, i) => (i * 7919) % 101);
    expect(goSort([...items], (a, b) => a < b)).toEqual([...items].sort((a, b) => a - b));
  });
});

describe("smartLabel(field)", () => {
  test.each([
    ["apiVersion", "API Version"],
    ["uid", "UID"],
    ["holderIdentity", "Holder Identity"],
    ["podCIDR", "Pod CIDR"],
    ["URLPath", "URL Path"],
    ["ip4", "ip4"],
    ["with-dash", "With - Dash"],
  ])("%p is %p", (field, label) => {
    expect(smartLabel(field)).toBe(label);
  });
});

describe("pure renderers", () => {
  const now = Date.parse("2024-05-01T12:00:00Z");
  test("renderEvents prints <none>, the first-seen age for single events, (xN over first) for repeats, sorted by last timestamp", () => {
    const ev = (reason: string, last: string, count: number) =>
      ({ metadata: { name: reason }, type: "Normal", reason, message: ` ${reason} `, source: { component: "kubelet" }, firstTimestamp: "2024-05-01T11:00:00Z", lastTimestamp: last, count }) as unknown as KubeObject;
    expect(tabbed((w) => renderEvents(w, [], now))).toBe("Events:  <none>\n");
    expect(tabbed((w) => renderEvents(w, [ev("B", "2024-05-01T11:59:00Z", 3), ev("A", "2024-05-01T11:30:00Z", 1)], now))).toBe(
      [
        "Events:",
        "  Type    Reason  Age                From     Message",
        "  ----    ------  ----               ----     -------",
        "  Normal  A       60m                kubelet  A",
        "  Normal  B       60s (x3 over 60m)  kubelet  B",
        "",
      ].join("\n"),
    );
  });

  test("renderPod is a pure function of the pod, its events and now", () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "n", creationTimestamp: "2024-05-01T11:00:00Z" }, spec: { containers: [{ name: "c", image: "i" }] }, status: { phase: "Pending" } } as unknown as KubeObject;
    const text = renderPod(pod, null, now);
    expect(text).toBe(renderPod(pod, null, now));
    expect(text).toContain("QoS Class:        BestEffort\n");
    expect(text).not.toContain("Events:");
  });

  test("renderSecret prints sizes, never values, even for service-account tokens", () => {
    const s = { apiVersion: "v1", kind: "Secret", metadata: { name: "t", namespace: "n" }, type: "kubernetes.io/service-account-token", data: { token: b64("secret-token-value"), "ca.crt": b64("x") } } as unknown as KubeObject;
    const text = renderSecret(s);
    expect(text).toContain("token:   18 bytes\n");
    expect(text).not.toContain("secret-token-value");
  });
});
