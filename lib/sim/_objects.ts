/**
 * Builders for the Kubernetes objects of a scenario. They fill in the fields a
 * real control plane would (uids, resourceVersions, ownerReferences, pod
 * conditions, QoS class, service-account volumes) so scenarios only state what
 * makes them interesting.
 */
import { type KubeObject, type ObjectMeta, type OwnerReference, hexOf, rfc3339, uidOf } from "./_k8s.ts";

/** One line of container output with its kubelet timestamp (epoch ms). */
export interface LogLine {
  t: number;
  text: string;
}

/** What `GET .../pods/<name>/log` serves for one container. */
export interface ContainerLogs {
  /** Output of the current (or, when crash-looping, the most recent) container instance. */
  current: LogLine[];
  /** Output of the previous instance; absent when the container never restarted. */
  previous?: LogLine[];
  /** Produces the n-th line written after the server started; only running containers follow. */
  follow?: (seq: number, now: number) => string;
  /** When set, the kubelet refuses to serve logs with this message (container never started). */
  unavailable?: string;
}

/** A container's state as the kubelet reports it. */
export interface ContainerState {
  running?: { startedAt: string };
  waiting?: { reason: string; message?: string };
  terminated?: { exitCode: number; reason?: string; signal?: number; message?: string; startedAt: string; finishedAt: string; containerID?: string };
}

/** The part of a container spec scenarios choose; the rest is defaulted as the API server would. */
export interface ContainerInput {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  env?: { name: string; value?: string; valueFrom?: object }[];
  command?: string[];
  args?: string[];
  readinessProbe?: object;
  livenessProbe?: object;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** Runtime status of one container; omit for pods that were never scheduled. */
export interface ContainerRuntime {
  state: ContainerState;
  lastState?: ContainerState;
  restartCount?: number;
  ready: boolean;
}

/** Shared clock and resourceVersion counter for one scenario build. */
export interface BuildContext {
  /** Server start, epoch ms; every timestamp is relative to it so AGE columns look real. */
  now: number;
  nextResourceVersion(): string;
}

/** Creates a build context anchored at `now`. */
export function buildContext(now: number): BuildContext {
  let rv = 4_210_000;
  return { now, nextResourceVersion: () => String((rv += 7 + (rv % 13))) };
}

/** Timestamp `seconds` before the scenario's start. */
export function ago(ctx: BuildContext, seconds: number): string {
  return rfc3339(ctx.now - seconds * 1000);
}

function meta(ctx: BuildContext, kind: string, name: string, namespace: string | undefined, createdAgo: number, extra: Partial<ObjectMeta> = {}): ObjectMeta {
  const m: ObjectMeta = {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    uid: uidOf(`${kind}/${namespace ?? ""}/${name}`),
    resourceVersion: ctx.nextResourceVersion(),
    creationTimestamp: ago(ctx, createdAgo),
    ...extra,
  };
  return m;
}

/** An ownerReference to `owner` marked as its controller. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/** A namespace, Active. */
export function namespace(ctx: BuildContext, name: string, createdAgo: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: meta(ctx, "Namespace", name, undefined, createdAgo, { labels: { "kubernetes.io/metadata.name": name } }),
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

/** Inputs of {@link node}. */
export interface NodeInput {
  name: string;
  internalIP: string;
  zone: string;
  podCIDR: string;
  createdAgo: number;
}

/** A Ready worker node with 4 CPUs and 16 GiB of memory. */
export function node(ctx: BuildContext, n: NodeInput): KubeObject {
  const since = ago(ctx, n.createdAgo - 35);
  const heartbeat = ago(ctx, 41);
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type, status, lastHeartbeatTime: heartbeat, lastTransitionTime: since, reason, message,
  });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: meta(ctx, "Node", n.name, undefined, n.createdAgo, {
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": "m6i.xlarge",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/worker": "",
        "node.kubernetes.io/instance-type": "m6i.xlarge",
        "topology.kubernetes.io/region": "eu-west-1",
        "topology.kubernetes.io/zone": n.zone,
      },
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    }),
    spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR], providerID: `aws:///${n.zone}/i-0${hexOf(n.name, 16)}` },
    status: {
      capacity: { cpu: "4", "ephemeral-storage": "101430960Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0", memory: "16082232Ki", pods: "110" },
      allocatable: { cpu: "3920m", "ephemeral-storage": "93478772582", "hugepages-1Gi": "0", "hugepages-2Mi": "0", memory: "15243064Ki", pods: "110" },
      conditions: [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
      ],
      addresses: [
        { type: "InternalIP", address: n.internalIP },
        { type: "Hostname", address: n.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hexOf(`machine:${n.name}`, 32),
        systemUUID: uidOf(`system:${n.name}`).toUpperCase(),
        bootID: uidOf(`boot:${n.name}`),
        kernelVersion: "6.8.0-1021-aws",
        osImage: "Ubuntu 22.04.5 LTS",
        containerRuntimeVersion: "containerd://1.7.24",
        kubeletVersion: "v1.32.4",
        kubeProxyVersion: "v1.32.4",
        operatingSystem: "linux",
        architecture: "amd64",
      },
    },
  };
}

/** The node's heartbeat Lease in `kube-node-lease`, which `kubectl describe node` reads. */
export function nodeLease(ctx: BuildContext, nodeObj: KubeObject): KubeObject {
  const name = nodeObj.metadata.name;
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: meta(ctx, "Lease", name, "kube-node-lease", 0, {
      creationTimestamp: nodeObj.metadata.creationTimestamp,
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: nodeObj.metadata.uid }],
    }),
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date(ctx.now - 6000).toISOString().replace("Z", "000Z") },
  };
}

/** Expands `nginx:1.27` to `docker.io/library/nginx:1.27`, as containerd reports images. */
export function normalizeImage(image: string): string {
  const first = image.split("/")[0] ?? "";
  if (!image.includes("/")) return `docker.io/library/${image}`;
  if (!first.includes(".") && !first.includes(":") && first !== "localhost") return `docker.io/${image}`;
  return image;
}

function imageID(image: string): string {
  const full = normalizeImage(image);
  const repo = full.replace(/:[^/:]+$/, "");
  return `${repo}@sha256:${hexOf(`image:${full}`)}`;
}

/** A container spec with the defaults the API server fills in. */
export function containerSpec(c: ContainerInput): object {
  const resources: Record<string, Record<string, string>> = {};
  if (c.limits) resources.limits = c.limits;
  if (c.requests ?? c.limits) resources.requests = c.requests ?? c.limits ?? {};
  return {
    name: c.name,
    image: c.image,
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    ...(c.ports ? { ports: c.ports.map((p) => ({ ...p, protocol: p.protocol ?? "TCP" })) } : {}),
    ...(c.env ? { env: c.env } : {}),
    resources,
    ...(c.volumeMounts ? { volumeMounts: c.volumeMounts } : {}),
    ...(c.livenessProbe ? { livenessProbe: { ...c.livenessProbe, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } } : {}),
    ...(c.readinessProbe ? { readinessProbe: { ...c.readinessProbe, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } } : {}),
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: c.image.endsWith(":latest") ? "Always" : "IfNotPresent",
  };
}

function qosClass(containers: ContainerInput[]): string {
  const hasAny = containers.some((c) => Object.keys(c.requests ?? {}).length + Object.keys(c.limits ?? {}).length > 0);
  if (!hasAny) return "BestEffort";
  const guaranteed = containers.every((c) => {
    const req = c.requests ?? c.limits ?? {};
    const lim = c.limits ?? {};
    return ["cpu", "memory"].every((r) => lim[r] !== undefined && req[r] === lim[r]);
  });
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** Inputs of {@link pod}. */
export interface PodInput {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  owner?: KubeObject;
  createdAgo: number;
  containers: (ContainerInput & { runtime?: ContainerRuntime })[];
  /** Unset for an unschedulable pod. */
  node?: { name: string; ip: string };
  podIP?: string;
  serviceAccountName?: string;
  priorityClassName?: string;
  priority?: number;
  nodeSelector?: Record<string, string>;
  tolerations?: object[];
  /** Message of the PodScheduled=False condition for an unschedulable pod. */
  unschedulableMessage?: string;
  annotations?: Record<string, string>;
}

/** A pod whose phase, conditions and QoS class follow from its container runtimes. */
export function pod(ctx: BuildContext, p: PodInput): KubeObject {
  const scheduledAt = ago(ctx, p.createdAgo - 1);
  const tokenVolume = `kube-api-access-${hexOf(`vol:${p.namespace}/${p.name}`, 5).replace(/[0-9]/g, (d) => "bcdfghjklm"[Number(d)] ?? "x")}`;
  const statuses = p.node
    ? p.containers.map((c) => {
        const rt = c.runtime ?? { state: { running: { startedAt: ago(ctx, p.createdAgo - 4) } }, ready: true };
        const running = rt.state.running !== undefined;
        const instance = rt.restartCount ?? 0;
        const withId = (s: ContainerState | undefined, n: number): ContainerState =>
          s?.terminated ? { terminated: { ...s.terminated, containerID: `containerd://${hexOf(`ctr:${p.name}/${c.name}/${n}`)}` } } : (s ?? {});
        const started = rt.state.running !== undefined || rt.state.terminated !== undefined;
        return {
          ...(started || rt.lastState ? { containerID: `containerd://${hexOf(`ctr:${p.name}/${c.name}/${instance}`)}` } : {}),
          image: normalizeImage(c.image),
          imageID: rt.state.waiting?.reason?.includes("Image") || rt.state.waiting?.reason === "ErrImagePull" ? "" : imageID(c.image),
          lastState: withId(rt.lastState, instance - 1),
          name: c.name,
          ready: rt.ready,
          restartCount: rt.restartCount ?? 0,
          started: running,
          state: withId(rt.state, instance),
          volumeMounts: [{ mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", name: tokenVolume, readOnly: true, recursiveReadOnly: "Disabled" }],
        };
      })
    : undefined;
  const allReady = statuses !== undefined && statuses.every((s) => s.ready);
  const notReady = statuses?.filter((s) => !s.ready).map((s) => s.name) ?? [];
  const readyMsg = notReady.length ? { reason: "ContainersNotReady", message: `containers with unready status: [${notReady.join(" ")}]` } : {};
  const readyAt = allReady ? ago(ctx, p.createdAgo - 9) : ago(ctx, p.createdAgo - 2);
  const conditions = p.node
    ? [
        { type: "PodReadyToStartContainers", status: "True", lastProbeTime: null, lastTransitionTime: ago(ctx, p.createdAgo - 3) },
        { type: "Initialized", status: "True", lastProbeTime: null, lastTransitionTime: scheduledAt },
        { type: "Ready", status: allReady ? "True" : "False", lastProbeTime: null, lastTransitionTime: readyAt, ...readyMsg },
        { type: "ContainersReady", status: allReady ? "True" : "False", lastProbeTime: null, lastTransitionTime: readyAt, ...readyMsg },
        { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: scheduledAt },
      ]
    : [{ type: "PodScheduled", status: "False", lastProbeTime: null, lastTransitionTime: scheduledAt, reason: "Unschedulable", message: p.unschedulableMessage ?? "0/3 nodes are available." }];
  const sa = p.serviceAccountName ?? "default";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(ctx, "Pod", p.name, p.namespace, p.createdAgo, {
      ...(p.owner ? { generateName: p.name.replace(/[^-]+$/, "") } : {}),
      labels: p.labels,
      ...(p.annotations ? { annotations: p.annotations } : {}),
      ...(p.owner ? { ownerReferences: [controllerRef(p.owner)] } : {}),
    }),
    spec: {
      containers: p.containers.map((c) => {
        const spec = containerSpec(c) as Record<string, unknown>;
        const mounts = [...(c.volumeMounts ?? []), { name: tokenVolume, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }];
        return { ...spec, volumeMounts: mounts };
      }),
      dnsPolicy: "ClusterFirst",
      enableServiceLinks: true,
      ...(p.node ? { nodeName: p.node.name } : {}),
      ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
      preemptionPolicy: "PreemptLowerPriority",
      priority: p.priority ?? 0,
      ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      securityContext: {},
      serviceAccount: sa,
      serviceAccountName: sa,
      terminationGracePeriodSeconds: 30,
      tolerations: p.tolerations ?? [
        { effect: "NoExecute", key: "node.kubernetes.io/not-ready", operator: "Exists", tolerationSeconds: 300 },
        { effect: "NoExecute", key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: 300 },
      ],
      volumes: [
        {
          name: tokenVolume,
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
              { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
            ],
          },
        },
      ],
    },
    status: {
      phase: p.node && statuses?.some((s) => s.started || s.restartCount > 0) ? "Running" : "Pending",
      conditions,
      ...(p.node
        ? {
            hostIP: p.node.ip,
            hostIPs: [{ ip: p.node.ip }],
            podIP: p.podIP,
            podIPs: [{ ip: p.podIP }],
            startTime: scheduledAt,
            containerStatuses: statuses,
          }
        : {}),
      qosClass: qosClass(p.containers),
    },
  };
}

/** Inputs of {@link deployment}. */
export interface DeploymentInput {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  replicas: number;
  createdAgo: number;
  revision: number;
  containers: ContainerInput[];
  strategy?: "RollingUpdate" | "Recreate";
  status: { replicas: number; updated: number; ready: number; available: number };
  /** Extra or replacement conditions; defaults describe a finished, available rollout. */
  conditions?: object[];
  serviceAccountName?: string;
  annotations?: Record<string, string>;
}

function podTemplate(labels: Record<string, string>, containers: ContainerInput[], extra: Record<string, unknown> = {}): object {
  return {
    metadata: { creationTimestamp: null, labels },
    spec: {
      containers: containers.map(containerSpec),
      dnsPolicy: "ClusterFirst",
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      ...extra,
    },
  };
}

/** A Deployment; conditions default to Available and NewReplicaSetAvailable. */
export function deployment(ctx: BuildContext, d: DeploymentInput): KubeObject {
  const unavailable = d.replicas - d.status.available;
  const defaultConditions = [
    { type: "Available", status: "True", lastUpdateTime: ago(ctx, d.createdAgo - 20), lastTransitionTime: ago(ctx, d.createdAgo - 20), reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." },
    { type: "Progressing", status: "True", lastUpdateTime: ago(ctx, d.createdAgo - 20), lastTransitionTime: ago(ctx, d.createdAgo), reason: "NewReplicaSetAvailable", message: `ReplicaSet "${d.name}" has successfully progressed.` },
  ];
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(ctx, "Deployment", d.name, d.namespace, d.createdAgo, {
      generation: d.revision,
      labels: d.labels,
      annotations: { "deployment.kubernetes.io/revision": String(d.revision), ...d.annotations },
    }),
    spec: {
      progressDeadlineSeconds: 600,
      replicas: d.replicas,
      revisionHistoryLimit: 10,
      selector: { matchLabels: d.labels },
      strategy: d.strategy === "Recreate" ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: podTemplate(d.labels, d.containers, d.serviceAccountName ? { serviceAccount: d.serviceAccountName, serviceAccountName: d.serviceAccountName } : {}),
    },
    status: {
      availableReplicas: d.status.available || undefined,
      conditions: d.conditions ?? defaultConditions,
      observedGeneration: d.revision,
      readyReplicas: d.status.ready || undefined,
      replicas: d.status.replicas,
      ...(unavailable > 0 ? { unavailableReplicas: unavailable } : {}),
      updatedReplicas: d.status.updated,
    },
  };
}

/** Inputs of {@link replicaSet}. */
export interface ReplicaSetInput {
  owner: KubeObject;
  hash: string;
  createdAgo: number;
  revision: number;
  replicas: number;
  ready: number;
  available: number;
  containers: ContainerInput[];
}

/** A ReplicaSet `<deployment>-<hash>` owned by its Deployment. */
export function replicaSet(ctx: BuildContext, r: ReplicaSetInput): KubeObject {
  const labels = { ...(r.owner.metadata.labels ?? {}), "pod-template-hash": r.hash };
  const deploySpec = r.owner.spec as { replicas: number; selector: { matchLabels: Record<string, string> }; template: { spec: object } };
  // The Deployment controller finds its new ReplicaSet by template equality, so copy the template verbatim.
  const template = { metadata: { creationTimestamp: null, labels }, spec: { ...deploySpec.template.spec, containers: r.containers.map(containerSpec) } };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: meta(ctx, "ReplicaSet", `${r.owner.metadata.name}-${r.hash}`, r.owner.metadata.namespace, r.createdAgo, {
      generation: r.replicas === 0 ? 2 : 1,
      labels,
      annotations: {
        "deployment.kubernetes.io/desired-replicas": String(deploySpec.replicas),
        "deployment.kubernetes.io/max-replicas": String(deploySpec.replicas + 1),
        "deployment.kubernetes.io/revision": String(r.revision),
      },
      ownerReferences: [controllerRef(r.owner)],
    }),
    spec: {
      replicas: r.replicas,
      selector: { matchLabels: { ...deploySpec.selector.matchLabels, "pod-template-hash": r.hash } },
      template,
    },
    status: {
      ...(r.available ? { availableReplicas: r.available } : {}),
      fullyLabeledReplicas: r.replicas || undefined,
      observedGeneration: r.replicas === 0 ? 2 : 1,
      ...(r.ready ? { readyReplicas: r.ready } : {}),
      replicas: r.replicas,
    },
  };
}

/** Inputs of {@link daemonSet}. */
export interface DaemonSetInput {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  createdAgo: number;
  containers: ContainerInput[];
  scheduled: number;
  nodeSelector: Record<string, string>;
}

/** A fully rolled-out DaemonSet. */
export function daemonSet(ctx: BuildContext, d: DaemonSetInput): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: meta(ctx, "DaemonSet", d.name, d.namespace, d.createdAgo, { generation: 1, labels: d.labels, annotations: { "deprecated.daemonset.template.generation": "1" } }),
    spec: {
      revisionHistoryLimit: 10,
      selector: { matchLabels: d.labels },
      template: podTemplate(d.labels, d.containers, { nodeSelector: d.nodeSelector, hostNetwork: true, priorityClassName: "system-node-critical" }),
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    },
    status: {
      currentNumberScheduled: d.scheduled,
      desiredNumberScheduled: d.scheduled,
      numberAvailable: d.scheduled,
      numberMisscheduled: 0,
      numberReady: d.scheduled,
      observedGeneration: 1,
      updatedNumberScheduled: d.scheduled,
    },
  };
}

/** Inputs of {@link statefulSet}. */
export interface StatefulSetInput {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  createdAgo: number;
  replicas: number;
  ready: number;
  serviceName: string;
  containers: ContainerInput[];
  generation: number;
}

/** A StatefulSet. */
export function statefulSet(ctx: BuildContext, s: StatefulSetInput): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: meta(ctx, "StatefulSet", s.name, s.namespace, s.createdAgo, { generation: s.generation, labels: s.labels }),
    spec: {
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      podManagementPolicy: "OrderedReady",
      replicas: s.replicas,
      revisionHistoryLimit: 10,
      selector: { matchLabels: s.labels },
      serviceName: s.serviceName,
      template: podTemplate(s.labels, s.containers),
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
    },
    status: {
      availableReplicas: s.ready,
      collisionCount: 0,
      currentRevision: `${s.name}-${hexOf(`rev:${s.name}`, 10).replace(/[0-9a]/g, "b")}`,
      observedGeneration: s.generation,
      readyReplicas: s.ready || undefined,
      replicas: s.ready,
      updateRevision: `${s.name}-${hexOf(`rev:${s.name}`, 10).replace(/[0-9a]/g, "b")}`,
      updatedReplicas: s.ready || undefined,
    },
  };
}

/** Inputs of {@link service}. */
export interface ServiceInput {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  createdAgo: number;
  clusterIP: string;
  type?: "ClusterIP" | "NodePort" | "LoadBalancer";
  selector?: Record<string, string>;
  ports: { name?: string; port: number; targetPort: number | string; protocol?: string; nodePort?: number }[];
}

/** A Service. */
export function service(ctx: BuildContext, s: ServiceInput): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(ctx, "Service", s.name, s.namespace, s.createdAgo, s.labels ? { labels: s.labels } : {}),
    spec: {
      clusterIP: s.clusterIP,
      clusterIPs: [s.clusterIP],
      internalTrafficPolicy: "Cluster",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      ports: s.ports.map((p) => ({ ...p, protocol: p.protocol ?? "TCP" })),
      ...(s.selector ? { selector: s.selector } : {}),
      sessionAffinity: "None",
      type: s.type ?? "ClusterIP",
    },
    status: { loadBalancer: {} },
  };
}

/**
 * The Endpoints the endpoints controller would write for `svc`: ready pods as
 * addresses, unready ones as notReadyAddresses, no subsets when nothing matches.
 */
export function endpointsFor(ctx: BuildContext, svc: KubeObject, pods: KubeObject[], explicit?: { ip: string; port: number; name: string }[]): KubeObject {
  const spec = svc.spec as { ports: { name?: string; targetPort: number | string; protocol: string; port: number }[] };
  const toAddress = (p: KubeObject) => {
    const st = p.status as { podIP: string };
    const sp = p.spec as { nodeName: string };
    return { ip: st.podIP, nodeName: sp.nodeName, targetRef: { kind: "Pod", name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid } };
  };
  const isReady = (p: KubeObject) => ((p.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
  const scheduled = pods.filter((p) => (p.status as { podIP?: string }).podIP);
  const ready = scheduled.filter(isReady).map(toAddress);
  const notReady = scheduled.filter((p) => !isReady(p)).map(toAddress);
  const ports = spec.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: typeof p.targetPort === "number" ? p.targetPort : p.port, protocol: p.protocol }));
  const subsets = explicit
    ? [{ addresses: explicit.map((e) => ({ ip: e.ip })), ports: explicit.map((e) => ({ name: e.name, port: e.port, protocol: "TCP" })) }]
    : ready.length || notReady.length
      ? [{ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports }]
      : undefined;
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: meta(ctx, "Endpoints", svc.metadata.name, svc.metadata.namespace, 0, {
      creationTimestamp: svc.metadata.creationTimestamp,
      ...(svc.metadata.labels ? { labels: svc.metadata.labels } : {}),
      ...(explicit ? {} : { annotations: { "endpoints.kubernetes.io/last-change-trigger-time": ago(ctx, 900) } }),
    }),
    ...(subsets ? { subsets } : {}),
  };
}

/** The EndpointSlice the endpointslice controller mirrors from `ep` (describe service reads slices). */
export function endpointSliceFor(ctx: BuildContext, svc: KubeObject, ep: KubeObject): KubeObject {
  type Addr = { ip: string; nodeName?: string; targetRef?: object };
  const subsets = (ep.subsets ?? []) as { addresses?: Addr[]; notReadyAddresses?: Addr[]; ports?: { name?: string; port: number; protocol: string }[] }[];
  const toEndpoint = (a: Addr, ready: boolean) => ({
    addresses: [a.ip],
    conditions: { ready, serving: ready, terminating: false },
    ...(a.nodeName ? { nodeName: a.nodeName } : {}),
    ...(a.targetRef ? { targetRef: a.targetRef } : {}),
  });
  const endpoints = subsets.flatMap((s) => [...(s.addresses ?? []).map((a) => toEndpoint(a, true)), ...(s.notReadyAddresses ?? []).map((a) => toEndpoint(a, false))]);
  const ports = subsets[0]?.ports ?? [];
  const svcName = svc.metadata.name;
  const managedBy = svcName === "kubernetes" && svc.metadata.namespace === "default" ? "" : "endpointslice-controller.k8s.io";
  const name = managedBy ? `${svcName}-${hexOf(`slice:${svc.metadata.uid}`, 5).replace(/[0-9]/g, (d) => "bcdfghjklm"[Number(d)] ?? "x")}` : svcName;
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: meta(ctx, "EndpointSlice", name, svc.metadata.namespace, 0, {
      creationTimestamp: svc.metadata.creationTimestamp,
      ...(managedBy ? { generateName: `${svcName}-` } : {}),
      labels: {
        ...(svc.metadata.labels ?? {}),
        "kubernetes.io/service-name": svcName,
        ...(managedBy ? { "endpointslice.kubernetes.io/managed-by": managedBy } : {}),
      },
      ...(managedBy ? { ownerReferences: [{ ...controllerRef(svc), apiVersion: "v1" }] } : {}),
    }),
    addressType: "IPv4",
    endpoints: endpoints.length ? endpoints : null,
    ports: ports.length ? ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol })) : null,
  };
}

/** A ConfigMap. */
export function configMap(ctx: BuildContext, namespace: string, name: string, createdAgo: number, data: Record<string, string>, labels?: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: meta(ctx, "ConfigMap", name, namespace, createdAgo, labels ? { labels } : {}), data };
}

/** A Secret; `data` is given in plain text and stored base64-encoded, as the API does. */
export function secret(ctx: BuildContext, namespace: string, name: string, createdAgo: number, type: string, data: Record<string, string>, annotations?: Record<string, string>): KubeObject {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")]));
  return { apiVersion: "v1", kind: "Secret", metadata: meta(ctx, "Secret", name, namespace, createdAgo, annotations ? { annotations } : {}), type, data: encoded };
}

/** A ServiceAccount. */
export function serviceAccount(ctx: BuildContext, namespace: string, name: string, createdAgo: number): KubeObject {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(ctx, "ServiceAccount", name, namespace, createdAgo) };
}

/** Inputs of {@link event}. */
export interface EventInput {
  about: KubeObject;
  type?: "Normal" | "Warning";
  reason: string;
  message: string;
  /** `kubelet`, `default-scheduler`, `deployment-controller`, ... */
  component: string;
  host?: string;
  firstAgo: number;
  lastAgo?: number;
  count?: number;
  fieldPath?: string;
}

/** A core/v1 Event about `about`, named `<object>.<16 hex>` like the ones the kubelet records. */
export function event(ctx: BuildContext, e: EventInput): KubeObject {
  const ns = e.about.metadata.namespace ?? "default";
  const name = `${e.about.metadata.name}.${hexOf(`ev:${e.about.metadata.uid}/${e.reason}/${e.message}`, 16)}`;
  const apiVersion = e.about.apiVersion;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: meta(ctx, "Event", name, ns, e.firstAgo),
    involvedObject: {
      kind: e.about.kind,
      ...(e.about.metadata.namespace ? { namespace: e.about.metadata.namespace } : {}),
      name: e.about.metadata.name,
      uid: e.about.metadata.uid,
      apiVersion,
      resourceVersion: e.about.metadata.resourceVersion,
      ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
    },
    reason: e.reason,
    message: e.message,
    source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
    firstTimestamp: ago(ctx, e.firstAgo),
    lastTimestamp: ago(ctx, e.lastAgo ?? e.firstAgo),
    count: e.count ?? 1,
    type: e.type ?? "Normal",
    eventTime: null,
    reportingComponent: e.component,
    reportingInstance: e.host ?? "",
  };
}
