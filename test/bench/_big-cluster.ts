/**
 * A large cluster for the diagnose benchmark, as scenario objects: `deployments`
 * Deployments of `podsPerDeployment` pods (with ReplicaSets, Services and
 * EndpointSlices) spread over namespaces and nodes, `events` events (mostly
 * Normal lifecycle ones), and a few known faults (crash loops, image pulls,
 * a service selecting nothing) so the analyzers have work to report.
 * Deterministic: the same sizes give the same objects.
 */
import type { KubeObject } from "../../lib/kube/index.ts";

/** Sizes of the generated cluster. */
export interface BigClusterSize {
  deployments: number;
  podsPerDeployment: number;
  events: number;
  namespaces: number;
  nodes: number;
}

/** The benchmark: 2,000 pods, 500 deployments, 5,000 events. */
export const BENCH_SIZE: BigClusterSize = { deployments: 500, podsPerDeployment: 4, events: 5_000, namespaces: 20, nodes: 20 };

const AT = Date.parse("2026-03-01T12:00:00Z");
const t = (secondsAgo: number) => new Date(AT - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const hex = (n: number, len: number) => (n * 2654435761 >>> 0).toString(36).padStart(len, "0").slice(-len);

/** The objects of a generated cluster; `capturedAt` is the instant its timestamps are relative to. */
export function bigCluster(size: BigClusterSize = BENCH_SIZE): { capturedAt: string; objects: KubeObject[] } {
  const objects: KubeObject[] = [];
  const pods: KubeObject[] = [];
  for (let n = 0; n < size.nodes; n++) {
    objects.push({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: `node-${n}`, uid: `node-uid-${n}`, labels: { "kubernetes.io/hostname": `node-${n}` }, creationTimestamp: t(90 * 86400) },
      spec: {},
      status: {
        capacity: { cpu: "16", memory: "64Gi", pods: "110" },
        allocatable: { cpu: "15800m", memory: "62Gi", pods: "110" },
        conditions: ["MemoryPressure", "DiskPressure", "PIDPressure"].map((type) => ({ type, status: "False", reason: `KubeletHasNo${type}`, lastHeartbeatTime: t(10), lastTransitionTime: t(90 * 86400) })).concat([{ type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: t(10), lastTransitionTime: t(90 * 86400) }]),
        nodeInfo: { kubeletVersion: "v1.32.2" },
      },
    });
  }
  for (let ns = 0; ns < size.namespaces; ns++) objects.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: `team-${ns}`, uid: `ns-uid-${ns}`, creationTimestamp: t(90 * 86400) }, status: { phase: "Active" } });
  for (let d = 0; d < size.deployments; d++) {
    const namespace = `team-${d % size.namespaces}`;
    const name = `svc-${d}`;
    const hash = hex(d, 10);
    const labels = { app: name };
    // Every 50th deployment crash-loops, every 97th pulls a missing image.
    const fault = d % 50 === 7 ? "crash" : d % 97 === 11 ? "pull" : null;
    const ready = fault ? 0 : size.podsPerDeployment;
    const depUid = `dep-uid-${d}`;
    const rsUid = `rs-uid-${d}`;
    objects.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace, uid: depUid, labels, generation: 1, creationTimestamp: t(30 * 86400) },
      spec: { replicas: size.podsPerDeployment, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "app", image: `registry.example.com/${name}:1.0.${d}` }] } } },
      status: {
        observedGeneration: 1,
        replicas: size.podsPerDeployment,
        updatedReplicas: size.podsPerDeployment,
        readyReplicas: ready,
        availableReplicas: ready,
        ...(ready < size.podsPerDeployment ? { unavailableReplicas: size.podsPerDeployment - ready } : {}),
        conditions: [
          { type: "Available", status: ready > 0 ? "True" : "False", reason: ready > 0 ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", message: ready > 0 ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", lastUpdateTime: t(3600), lastTransitionTime: t(3600) },
          { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${name}-${hash}" has successfully progressed.`, lastUpdateTime: t(30 * 86400), lastTransitionTime: t(30 * 86400) },
        ],
      },
    });
    objects.push({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: `${name}-${hash}`, namespace, uid: rsUid, labels: { ...labels, "pod-template-hash": hash }, creationTimestamp: t(30 * 86400), ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name, uid: depUid, controller: true, blockOwnerDeletion: true }] },
      spec: { replicas: size.podsPerDeployment, selector: { matchLabels: { ...labels, "pod-template-hash": hash } } },
      status: { replicas: size.podsPerDeployment, readyReplicas: ready, availableReplicas: ready, fullyLabeledReplicas: size.podsPerDeployment, observedGeneration: 1 },
    });
    const endpoints: object[] = [];
    for (let p = 0; p < size.podsPerDeployment; p++) {
      const podName = `${name}-${hash}-${hex(d * 31 + p, 5)}`;
      const node = `node-${(d + p) % size.nodes}`;
      const ip = `10.${100 + (d >> 8)}.${d & 255}.${10 + p}`;
      const state = fault === "crash"
        ? { waiting: { reason: "CrashLoopBackOff", message: `back-off 5m0s restarting failed container=app pod=${podName}` } }
        : fault === "pull"
          ? { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "registry.example.com/${name}:1.0.${d}"` } }
          : { running: { startedAt: t(30 * 86400) } };
      const pod: KubeObject = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: podName, namespace, uid: `pod-uid-${d}-${p}`, labels: { ...labels, "pod-template-hash": hash }, creationTimestamp: t(30 * 86400), ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${name}-${hash}`, uid: rsUid, controller: true, blockOwnerDeletion: true }] },
        spec: { nodeName: node, containers: [{ name: "app", image: `registry.example.com/${name}:1.0.${d}`, resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } }, readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 10 } }] },
        status: {
          phase: fault === "pull" ? "Pending" : "Running",
          hostIP: `10.0.0.${(d + p) % size.nodes}`,
          podIP: ip,
          startTime: t(30 * 86400),
          qosClass: "Burstable",
          conditions: [
            { type: "PodScheduled", status: "True", lastTransitionTime: t(30 * 86400) },
            { type: "Initialized", status: "True", lastTransitionTime: t(30 * 86400) },
            { type: "ContainersReady", status: fault ? "False" : "True", lastTransitionTime: t(3600) },
            { type: "Ready", status: fault ? "False" : "True", lastTransitionTime: t(3600) },
          ],
          containerStatuses: [{
            name: "app",
            image: `registry.example.com/${name}:1.0.${d}`,
            imageID: fault === "pull" ? "" : `registry.example.com/${name}@sha256:${hex(d, 12)}`,
            ready: !fault,
            started: !fault,
            restartCount: fault === "crash" ? 17 : 0,
            state,
            ...(fault === "crash" ? { lastState: { terminated: { exitCode: 1, reason: "Error", startedAt: t(400), finishedAt: t(390) } } } : { lastState: {} }),
          }],
        },
      };
      pods.push(pod);
      objects.push(pod);
      endpoints.push({ addresses: [ip], conditions: { ready: !fault, serving: !fault, terminating: false }, nodeName: node, targetRef: { kind: "Pod", name: podName, namespace, uid: `pod-uid-${d}-${p}` } });
    }
    // Every 83rd service selects a label no pod has.
    const selector = d % 83 === 5 ? { app: `${name}-old` } : labels;
    objects.push({ apiVersion: "v1", kind: "Service", metadata: { name, namespace, uid: `svc-uid-${d}`, labels, creationTimestamp: t(30 * 86400) }, spec: { type: "ClusterIP", clusterIP: `10.96.${d >> 8}.${d & 255}`, selector, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] }, status: { loadBalancer: {} } });
    objects.push({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${name}-${hex(d, 5)}`, namespace, uid: `eps-uid-${d}`, labels: { "kubernetes.io/service-name": name, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" }, creationTimestamp: t(30 * 86400), ownerReferences: [{ apiVersion: "v1", kind: "Service", name, uid: `svc-uid-${d}`, controller: true, blockOwnerDeletion: true }] },
      addressType: "IPv4",
      endpoints: selector === labels ? endpoints : [],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    });
  }
  // Events: lifecycle events of pods round-robin, and the faults' warnings.
  const REASONS = [["Scheduled", "Successfully assigned"], ["Pulled", "Container image already present on machine"], ["Created", "Created container app"], ["Started", "Started container app"]] as const;
  for (let e = 0; e < size.events; e++) {
    const pod = pods[e % pods.length]!;
    const crash = (pod.status as { containerStatuses: { state: { waiting?: { reason: string } } }[] }).containerStatuses[0]!.state.waiting;
    const [reason, message] = crash ? (crash.reason === "CrashLoopBackOff" ? ["BackOff", "Back-off restarting failed container app"] : ["Failed", "Error: ImagePullBackOff"]) : REASONS[e % REASONS.length]!;
    objects.push({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${pod.metadata.name}.${hex(e, 16)}`, namespace: pod.metadata.namespace, uid: `ev-uid-${e}`, creationTimestamp: t(600 + (e % 3000)) },
      involvedObject: { apiVersion: "v1", kind: "Pod", name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid, fieldPath: "spec.containers{app}" },
      reason,
      message,
      type: crash ? "Warning" : "Normal",
      count: crash ? 12 : 1,
      firstTimestamp: t(3000 + (e % 3000)),
      lastTimestamp: t(crash ? 30 : 600 + (e % 3000)),
      source: { component: "kubelet", host: pod.spec ? String((pod.spec as { nodeName: string }).nodeName) : "" },
      reportingComponent: "kubelet",
    });
  }
  return { capturedAt: t(0), objects };
}
