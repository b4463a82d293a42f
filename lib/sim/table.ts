/**
 * Server-side printing: converts objects to `meta.k8s.io/v1` Tables with the
 * same columns and cell formats as kube-apiserver's printers, which is what
 * `kubectl get` (default and `-o wide`) renders.
 */
import { type KubeObject, since } from "./_k8s.ts";

/** A Table column; priority 1 columns only show with `-o wide`. */
export interface ColumnDefinition {
  name: string;
  type: "string" | "integer" | "date";
  format: string;
  description: string;
  priority: number;
}

/** What each row carries in `object`, from the request's `includeObject` parameter. */
export type IncludeObject = "None" | "Metadata" | "Object";

type Cell = string | number;
type Row = (o: KubeObject, now: number) => Cell[];

interface Printer {
  columns: ColumnDefinition[];
  row: Row;
}

const col = (name: string, type: ColumnDefinition["type"] = "string", priority = 0, description = ""): ColumnDefinition => ({
  name,
  type,
  format: name === "Name" ? "name" : "",
  description: description || `${name} of the object.`,
  priority,
});

const NAME = col("Name", "string", 0, "Name must be unique within a namespace.");
const AGE = col("Age", "string", 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
const age = (o: KubeObject, now: number) => since(o.metadata.creationTimestamp, now);
const none = (v: string | undefined | null) => (v ? v : "<none>");

interface ContainerStatusLike {
  name: string;
  ready: boolean;
  restartCount: number;
  state?: { waiting?: { reason?: string }; running?: object; terminated?: { reason?: string; exitCode: number; signal?: number } };
  lastState?: { terminated?: { finishedAt?: string } };
}

function formatSelector(sel: unknown): string {
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined;
  if (!s) return "<none>";
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(",")})`);
  return parts.length ? parts.join(",") : "<none>";
}

function mapSelector(sel: Record<string, string> | undefined): string {
  const parts = Object.entries(sel ?? {}).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(",") : "<none>";
}

function templateContainers(o: KubeObject): { names: string; images: string } {
  const spec = o.spec as { template?: { spec?: { containers?: { name: string; image: string }[] } } };
  const cs = spec.template?.spec?.containers ?? [];
  return { names: cs.map((c) => c.name).join(","), images: cs.map((c) => c.image).join(",") };
}

/** The STATUS cell of a pod, following kubectl's printPod rules. */
export function podStatusReason(o: KubeObject): string {
  const status = o.status as { phase?: string; reason?: string; conditions?: { type: string; status: string }[]; containerStatuses?: ContainerStatusLike[] };
  let reason = status.reason || status.phase || "Unknown";
  let hasRunning = false;
  for (const c of [...(status.containerStatuses ?? [])].reverse()) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state?.terminated) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`;
    else if (c.ready && c.state?.running) hasRunning = true;
  }
  if (reason === "Completed" && hasRunning) {
    reason = (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True") ? "Running" : "NotReady";
  }
  if (o.metadata.deletionTimestamp) reason = "Terminating";
  return reason;
}

const podPrinter: Printer = {
  columns: [
    NAME,
    col("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
    col("Status", "string", 0, "The aggregate status of the containers in this pod."),
    col("Restarts", "string", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
    AGE,
    col("IP", "string", 1, "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
    col("Node", "string", 1, "NodeName is a request to schedule this pod onto a specific node."),
    col("Nominated Node", "string", 1, "nominatedNodeName is set only when this pod preempts other pods on the node."),
    col("Readiness Gates", "string", 1, "If specified, all readiness gates will be evaluated for pod readiness."),
  ],
  row(o, now) {
    const spec = o.spec as { containers: unknown[]; nodeName?: string; readinessGates?: { conditionType: string }[] };
    const status = o.status as { containerStatuses?: ContainerStatusLike[]; podIP?: string; nominatedNodeName?: string; conditions?: { type: string; status: string }[] };
    const cs = status.containerStatuses ?? [];
    const ready = cs.filter((c) => c.ready && c.state?.running).length;
    const restarts = cs.reduce((n, c) => n + c.restartCount, 0);
    let last = 0;
    for (const c of cs) {
      const f = c.lastState?.terminated?.finishedAt;
      if (f) last = Math.max(last, Date.parse(f));
    }
    const restartsCell = restarts !== 0 && last ? `${restarts} (${since(new Date(last).toISOString(), now)} ago)` : String(restarts);
    const gates = spec.readinessGates ?? [];
    const gatesCell = gates.length
      ? `${gates.filter((g) => (status.conditions ?? []).some((c) => c.type === g.conditionType && c.status === "True")).length}/${gates.length}`
      : "<none>";
    return [o.metadata.name, `${ready}/${spec.containers.length}`, podStatusReason(o), restartsCell, age(o, now), none(status.podIP), none(spec.nodeName), none(status.nominatedNodeName), gatesCell];
  },
};

const workloadWide = [
  col("Containers", "string", 1, "Names of each container in the template."),
  col("Images", "string", 1, "Images referenced by each container in the template."),
  col("Selector", "string", 1, "Label selector for pods."),
];

const deploymentPrinter: Printer = {
  columns: [NAME, col("Ready", "string", 0, "Number of the pod with ready state"), col("Up-to-date", "integer", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec."), col("Available", "integer", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."), AGE, ...workloadWide],
  row(o, now) {
    const spec = o.spec as { replicas?: number; selector?: unknown };
    const st = o.status as { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
    const t = templateContainers(o);
    return [o.metadata.name, `${st.readyReplicas ?? 0}/${spec.replicas ?? 1}`, st.updatedReplicas ?? 0, st.availableReplicas ?? 0, age(o, now), t.names, t.images, formatSelector(spec.selector)];
  },
};

const replicaSetPrinter: Printer = {
  columns: [NAME, col("Desired", "integer", 0, "Replicas is the number of desired replicas."), col("Current", "integer", 0, "Replicas is the most recently observed number of replicas."), col("Ready", "integer", 0, "The number of ready replicas for this replica set."), AGE, ...workloadWide],
  row(o, now) {
    const spec = o.spec as { replicas?: number; selector?: unknown };
    const st = o.status as { replicas?: number; readyReplicas?: number };
    const t = templateContainers(o);
    return [o.metadata.name, spec.replicas ?? 1, st.replicas ?? 0, st.readyReplicas ?? 0, age(o, now), t.names, t.images, formatSelector(spec.selector)];
  },
};

const daemonSetPrinter: Printer = {
  columns: [NAME, col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer"), col("Up-to-date", "integer"), col("Available", "integer"), col("Node Selector", "string"), AGE, ...workloadWide],
  row(o, now) {
    const spec = o.spec as { selector?: unknown; template?: { spec?: { nodeSelector?: Record<string, string> } } };
    const st = o.status as Record<string, number | undefined>;
    const t = templateContainers(o);
    return [o.metadata.name, st.desiredNumberScheduled ?? 0, st.currentNumberScheduled ?? 0, st.numberReady ?? 0, st.updatedNumberScheduled ?? 0, st.numberAvailable ?? 0, mapSelector(spec.template?.spec?.nodeSelector), age(o, now), t.names, t.images, formatSelector(spec.selector)];
  },
};

const statefulSetPrinter: Printer = {
  columns: [NAME, col("Ready", "string", 0, "Number of the pod with ready state"), AGE, col("Containers", "string", 1), col("Images", "string", 1)],
  row(o, now) {
    const spec = o.spec as { replicas?: number };
    const st = o.status as { readyReplicas?: number };
    const t = templateContainers(o);
    return [o.metadata.name, `${st.readyReplicas ?? 0}/${spec.replicas ?? 1}`, age(o, now), t.names, t.images];
  },
};

const servicePrinter: Printer = {
  columns: [NAME, col("Type", "string", 0, "Type of the service."), col("Cluster-IP", "string"), col("External-IP", "string"), col("Port(s)", "string"), AGE, col("Selector", "string", 1)],
  row(o, now) {
    const spec = o.spec as { type: string; clusterIP?: string; externalIPs?: string[]; externalName?: string; selector?: Record<string, string>; ports?: { port: number; protocol: string; nodePort?: number }[] };
    const st = o.status as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
    let external = (spec.externalIPs ?? []).join(",");
    if (spec.type === "LoadBalancer") external = (st.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? "").join(",") || "<pending>";
    if (spec.type === "ExternalName") external = spec.externalName ?? "";
    const ports = (spec.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(",");
    return [o.metadata.name, spec.type, none(spec.clusterIP), none(external), none(ports), age(o, now), mapSelector(spec.selector)];
  },
};

const endpointsPrinter: Printer = {
  columns: [NAME, col("Endpoints", "string", 0, "Endpoints of the service."), AGE],
  row(o, now) {
    const subsets = (o.subsets ?? []) as { addresses?: { ip: string }[]; ports?: { port: number }[] }[];
    const list: string[] = [];
    let count = 0;
    for (const ss of subsets) {
      const addrs = ss.addresses ?? [];
      const ports = ss.ports?.length ? ss.ports.map((p) => p.port) : [null];
      for (const port of ports) {
        count += addrs.length;
        for (const a of addrs) if (list.length < 3) list.push(port === null ? a.ip : `${a.ip}:${port}`);
      }
    }
    const text = count > 3 ? `${list.join(",")} + ${count - 3} more...` : list.join(",");
    return [o.metadata.name, none(text), age(o, now)];
  },
};

const eventPrinter: Printer = {
  columns: [
    col("Last Seen", "string", 0, "The time at which the most recent occurrence of this event was recorded."),
    col("Type", "string", 0, "Type of this event (Normal, Warning), new types could be added in the future."),
    col("Reason", "string", 0, "This should be a short, machine understandable string that gives the reason for this event being generated."),
    col("Object", "string", 0, "The object that this event is about."),
    col("Subobject", "string", 1, "The subobject (fieldPath) that this event is about."),
    col("Source", "string", 1, "The component reporting this event."),
    col("Message", "string", 0, "A human-readable description of the status of this operation."),
    col("First Seen", "string", 1, "The time at which the event was first recorded."),
    col("Count", "string", 1, "The number of times this event has occurred."),
    col("Name", "string", 1, "Name must be unique within a namespace."),
  ],
  row(o, now) {
    const e = toCoreEvent(o);
    const target = e.involvedObject.name ? `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}` : e.involvedObject.kind.toLowerCase();
    const source = e.source.host ? `${e.source.component}, ${e.source.host}` : e.source.component;
    return [since(e.lastTimestamp ?? e.eventTime, now), e.type, e.reason, target, e.involvedObject.fieldPath ?? "", source, e.message.trim(), since(e.firstTimestamp ?? e.eventTime, now), e.count || 1, o.metadata.name];
  },
};

interface CoreEventView {
  involvedObject: { kind: string; name: string; fieldPath?: string };
  source: { component: string; host?: string };
  reason: string;
  message: string;
  type: string;
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
}

function toCoreEvent(o: KubeObject): CoreEventView {
  if (o.apiVersion === "v1") return o as unknown as CoreEventView;
  const e = o as unknown as {
    regarding: { kind: string; name: string; fieldPath?: string };
    deprecatedSource?: { component: string; host?: string };
    reason: string; note: string; type: string; deprecatedCount?: number;
    deprecatedFirstTimestamp?: string; deprecatedLastTimestamp?: string; eventTime?: string; reportingController?: string;
  };
  return {
    involvedObject: e.regarding,
    source: e.deprecatedSource ?? { component: e.reportingController ?? "" },
    reason: e.reason,
    message: e.note,
    type: e.type,
    count: e.deprecatedCount ?? 1,
    ...(e.deprecatedFirstTimestamp ? { firstTimestamp: e.deprecatedFirstTimestamp } : {}),
    ...(e.deprecatedLastTimestamp ? { lastTimestamp: e.deprecatedLastTimestamp } : {}),
    ...(e.eventTime ? { eventTime: e.eventTime } : {}),
  };
}

const countOf = (v: unknown) => Object.keys((v as Record<string, unknown> | undefined) ?? {}).length;

const endpointSlicePrinter: Printer = {
  columns: [NAME, col("AddressType", "string", 0, "The IP protocol for this slice"), col("Ports", "string", 0, "The ports for this slice"), col("Endpoints", "string", 0, "The endpoints for this slice"), AGE],
  row(o, now) {
    const ports = ((o.ports ?? []) as { port?: number }[]).map((p) => (p.port === undefined ? "<unset>" : String(p.port)));
    const addrs = ((o.endpoints ?? []) as { addresses: string[] }[]).flatMap((e) => e.addresses);
    const shown = addrs.slice(0, 3).join(",") + (addrs.length > 3 ? ` + ${addrs.length - 3} more...` : "");
    return [o.metadata.name, String(o.addressType ?? ""), ports.length ? ports.join(",") : "<unset>", shown || "<unset>", age(o, now)];
  },
};

const configMapPrinter: Printer = {
  columns: [NAME, col("Data", "integer", 0, "Number of data entries."), AGE],
  row: (o, now) => [o.metadata.name, countOf(o.data) + countOf(o.binaryData), age(o, now)],
};

const secretPrinter: Printer = {
  columns: [NAME, col("Type", "string", 0, "The type of the secret"), col("Data", "integer", 0, "Number of data entries."), AGE],
  row: (o, now) => [o.metadata.name, String(o.type ?? "Opaque"), countOf(o.data), age(o, now)],
};

const namespacePrinter: Printer = {
  columns: [NAME, col("Status", "string", 0, "The status of the namespace"), AGE],
  row: (o, now) => [o.metadata.name, (o.status as { phase?: string }).phase ?? "Active", age(o, now)],
};

const nodePrinter: Printer = {
  columns: [
    NAME, col("Status", "string", 0, "The status of the node"), col("Roles", "string", 0, "The roles of the node"), AGE, col("Version", "string", 0, "Kubelet Version reported by the node."),
    col("Internal-IP", "string", 1), col("External-IP", "string", 1), col("OS-Image", "string", 1), col("Kernel-Version", "string", 1), col("Container-Runtime", "string", 1),
  ],
  row(o, now) {
    const st = o.status as { conditions?: { type: string; status: string }[]; addresses?: { type: string; address: string }[]; nodeInfo?: Record<string, string> };
    const spec = o.spec as { unschedulable?: boolean };
    const ready = (st.conditions ?? []).find((c) => c.type === "Ready");
    const statuses = [ready?.status === "True" ? "Ready" : "NotReady"];
    if (spec.unschedulable) statuses.push("SchedulingDisabled");
    const roles = Object.keys(o.metadata.labels ?? {})
      .filter((k) => k.startsWith("node-role.kubernetes.io/"))
      .map((k) => k.slice("node-role.kubernetes.io/".length))
      .sort();
    const addr = (t: string) => (st.addresses ?? []).find((a) => a.type === t)?.address;
    const info = st.nodeInfo ?? {};
    return [o.metadata.name, statuses.join(","), roles.length ? roles.join(",") : "<none>", age(o, now), info.kubeletVersion ?? "", none(addr("InternalIP")), none(addr("ExternalIP")), info.osImage ?? "<unknown>", info.kernelVersion ?? "<unknown>", info.containerRuntimeVersion ?? "<unknown>"];
  },
};

const serviceAccountPrinter: Printer = {
  columns: [NAME, col("Secrets", "integer"), AGE],
  row: (o, now) => [o.metadata.name, Array.isArray(o.secrets) ? o.secrets.length : 0, age(o, now)],
};

const leasePrinter: Printer = {
  columns: [NAME, col("Holder", "string"), AGE],
  row: (o, now) => [o.metadata.name, (o.spec as { holderIdentity?: string }).holderIdentity ?? "", age(o, now)],
};

const defaultPrinter: Printer = { columns: [NAME, AGE], row: (o, now) => [o.metadata.name, age(o, now)] };

const PRINTERS: Record<string, Printer> = {
  Pod: podPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  DaemonSet: daemonSetPrinter,
  StatefulSet: statefulSetPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  EndpointSlice: endpointSlicePrinter,
  Event: eventPrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  Namespace: namespacePrinter,
  Node: nodePrinter,
  ServiceAccount: serviceAccountPrinter,
  Lease: leasePrinter,
};

function rowObject(o: KubeObject, include: IncludeObject): object | undefined {
  if (include === "None") return undefined;
  if (include === "Object") return o;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}

/**
 * Renders `objects` of `kind` as a Table. kubectl needs each row's object
 * metadata to print the NAMESPACE column of `-A` and `--show-labels`, hence the
 * `Metadata` default.
 */
export function toTable(kind: string, objects: KubeObject[], resourceVersion: string, include: IncludeObject = "Metadata", now = Date.now()): object {
  const printer = PRINTERS[kind] ?? defaultPrinter;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion },
    columnDefinitions: printer.columns,
    rows: objects.map((o) => {
      const obj = rowObject(o, include);
      return { cells: printer.row(o, now), ...(obj ? { object: obj } : {}) };
    }),
  };
}
