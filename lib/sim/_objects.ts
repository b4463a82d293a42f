/**
 * Builders for the Kubernetes objects of a scenario. They fill in the fields a
 * real control plane would (uids, resourceVersions, ownerReferences, pod
 * conditions, QoS class, service-account volumes) so scenarios only state what
 * makes them interesting.
 */
import { Buffer } from "node:buffer";
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

/** Metadata with a stable uid and the next resourceVersion. */
export function objectMeta(ctx: BuildContext, kind: string, name: string, namespace: string | undefined, createdAgo: number, extra: Partial<ObjectMeta> = {}): ObjectMeta {
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
    metadata: objectMeta(ctx, "Namespace", name, undefined, createdAgo, { labels: { "kubernetes.io/metadata.name": name } }),
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
    metadata: objectMeta(ctx, "Node", n.name, undefined, n.createdAgo, {
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
    metadata: objectMeta(ctx, "Lease", name, "kube-node-lease", 0, {
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
  hostNetwork?: boolean;
  /** Volumes besides the service-account token volume every pod gets. */
  volumes?: object[];
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
    metadata: objectMeta(ctx, "Pod", p.name, p.namespace, p.createdAgo, {
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
      ...(p.hostNetwork ? { hostNetwork: true } : {}),
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
        ...(p.volumes ?? []),
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

/** A ConfigMap. */
export function configMap(ctx: BuildContext, namespace: string, name: string, createdAgo: number, data: Record<string, string>, labels?: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: objectMeta(ctx, "ConfigMap", name, namespace, createdAgo, labels ? { labels } : {}), data };
}

/** A Secret; `data` is given in plain text and stored base64-encoded, as the API does. `meta` adds labels or annotations. */
export function secret(ctx: BuildContext, namespace: string, name: string, createdAgo: number, type: string, data: Record<string, string>, meta: Pick<Partial<ObjectMeta>, "labels" | "annotations"> = {}): KubeObject {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")]));
  return { apiVersion: "v1", kind: "Secret", metadata: objectMeta(ctx, "Secret", name, namespace, createdAgo, meta), type, data: encoded };
}

/** A ServiceAccount. */
export function serviceAccount(ctx: BuildContext, namespace: string, name: string, createdAgo: number): KubeObject {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: objectMeta(ctx, "ServiceAccount", name, namespace, createdAgo) };
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
    metadata: objectMeta(ctx, "Event", name, ns, e.firstAgo),
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
