/**
 * Server-side printing: converts objects to `meta.k8s.io/v1` Tables with the
 * same columns and cell formats as kube-apiserver's printers
 * (pkg/printers/internalversion/printers.go, always with Wide cells, as the
 * server generates them) and metrics-server's, which is what `kubectl get`
 * (default and `-o wide`) renders. Kinds without a printer in kube-apiserver
 * (Role, ClusterRole, LimitRange) get its default convertor's Name and
 * Created At columns.
 */
import { type KubeObject, humanDuration, since } from "./_k8s.ts";

/** A Table column; priority 1 columns only show with `-o wide`. */
export interface ColumnDefinition {
  name: string;
  type: "string" | "integer" | "boolean" | "date";
  format: string;
  description: string;
  priority: number;
}

/** What each row carries in `object`, from the request's `includeObject` parameter. */
export type IncludeObject = "None" | "Metadata" | "Object";

type Cell = string | number | boolean;
type Row = (o: KubeObject, now: number) => Cell[];

interface Printer {
  /** Fixed columns, or (metrics) columns that depend on the objects printed. */
  columns: ColumnDefinition[] | ((objects: KubeObject[]) => ColumnDefinition[]);
  row: Row;
  /** Row conditions, such as `Completed` for finished pods. */
  conditions?: (o: KubeObject) => object[] | undefined;
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

const byKey = <T extends { key: string }>(a: T, b: T) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** metav1.FormatLabelSelector: requirements sorted by key, `<none>` when it selects everything or nothing. */
function formatSelector(sel: unknown): string {
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined;
  if (!s) return "<none>";
  const reqs = Object.entries(s.matchLabels ?? {}).map(([key, v]) => ({ key, text: `${key}=${v}` }));
  for (const e of s.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(",");
    const text = { In: `${e.key} in (${values})`, NotIn: `${e.key} notin (${values})`, Exists: e.key, DoesNotExist: `!${e.key}` }[e.operator] ?? `${e.key} ${e.operator.toLowerCase()} (${values})`;
    reqs.push({ key: e.key, text });
  }
  return reqs.length ? reqs.sort(byKey).map((r) => r.text).join(",") : "<none>";
}

/** labels.FormatLabels: `k=v` pairs sorted by key, `<none>` when empty. */
function mapSelector(sel: Record<string, string> | undefined): string {
  const parts = Object.entries(sel ?? {}).map(([key, v]) => ({ key, text: `${key}=${v}` }));
  return parts.length ? parts.sort(byKey).map((p) => p.text).join(",") : "<none>";
}

type ContainerList = { name: string; image: string }[] | undefined;

function containerCells(cs: ContainerList): { names: string; images: string } {
  return { names: (cs ?? []).map((c) => c.name).join(","), images: (cs ?? []).map((c) => c.image).join(",") };
}

function templateContainers(o: KubeObject): { names: string; images: string } {
  const spec = o.spec as { template?: { spec?: { containers?: ContainerList } } };
  return containerCells(spec.template?.spec?.containers);
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
  conditions(o) {
    const phase = (o.status as { phase?: string } | undefined)?.phase;
    if (phase === "Succeeded") return [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }];
    if (phase === "Failed") return [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];
    return undefined;
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

// ---- The remaining built-in kinds the simulated cluster serves ----

const CONTAINERS = col("Containers", "string", 1, "Names of each container in the template.");
const IMAGES = col("Images", "string", 1, "Images referenced by each container in the template.");
const SELECTOR = col("Selector", "string", 1, "A label query over pods.");
const boolOr = (v: unknown, fallback: boolean) => (typeof v === "boolean" ? v : fallback);
const printBool = (v: unknown) => (v === undefined || v === null ? "<unset>" : v ? "True" : "False");
const podTemplateOf = (o: KubeObject) => o.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: ContainerList } }; selector?: unknown };

const podTemplatePrinter: Printer = {
  columns: [NAME, col("Containers", "string", 0, "Names of each container in the template."), col("Images", "string", 0, "Images referenced by each container in the template."), col("Pod Labels", "string", 0, "The labels for the pod template.")],
  row(o) {
    const t = o.template as { metadata?: { labels?: Record<string, string> }; spec?: { containers?: ContainerList } } | undefined;
    const c = containerCells(t?.spec?.containers);
    return [o.metadata.name, c.names, c.images, mapSelector(t?.metadata?.labels)];
  },
};

const replicationControllerPrinter: Printer = {
  columns: [NAME, col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer"), AGE, CONTAINERS, IMAGES, SELECTOR],
  row(o, now) {
    const spec = o.spec as { replicas?: number; selector?: Record<string, string> };
    const st = (o.status ?? {}) as { replicas?: number; readyReplicas?: number };
    const c = templateContainers(o);
    return [o.metadata.name, spec.replicas ?? 1, st.replicas ?? 0, st.readyReplicas ?? 0, age(o, now), c.names, c.images, mapSelector(spec.selector)];
  },
};

const jobPrinter: Printer = {
  columns: [NAME, col("Status", "string", 0, "Status of the job."), col("Completions", "string", 0, "The number of pods which reached phase Succeeded."), col("Duration", "string", 0, "Time required to complete the job."), AGE, CONTAINERS, IMAGES, SELECTOR],
  row(o, now) {
    const spec = o.spec as { completions?: number; parallelism?: number; selector?: unknown; template?: { spec?: { containers?: ContainerList } } };
    const st = (o.status ?? {}) as { succeeded?: number; startTime?: string; completionTime?: string; conditions?: { type: string; status: string }[] };
    const succeeded = st.succeeded ?? 0;
    const completions = spec.completions !== undefined && spec.completions !== null
      ? `${succeeded}/${spec.completions}`
      : (spec.parallelism ?? 0) > 1 ? `${succeeded}/1 of ${spec.parallelism}` : `${succeeded}/1`;
    let duration = "";
    if (st.startTime) duration = humanDuration((st.completionTime ? Date.parse(st.completionTime) : now) - Date.parse(st.startTime));
    // Conditions are looked up by type; the first of these that holds names the status.
    const has = (type: string) => (st.conditions ?? []).find((c) => c.type === type)?.status === "True";
    const status = has("Complete") ? "Complete" : has("Failed") ? "Failed" : o.metadata.deletionTimestamp ? "Terminating" : has("Suspended") ? "Suspended" : has("FailureTarget") ? "FailureTarget" : "Running";
    const c = containerCells(spec.template?.spec?.containers);
    return [o.metadata.name, status, completions, duration, age(o, now), c.names, c.images, formatSelector(spec.selector)];
  },
};

const cronJobPrinter: Printer = {
  columns: [NAME, col("Schedule", "string"), col("Timezone", "string"), col("Suspend", "boolean"), col("Active", "integer"), col("Last Schedule", "string"), AGE, CONTAINERS, IMAGES, SELECTOR],
  row(o, now) {
    const spec = o.spec as { schedule?: string; timeZone?: string; suspend?: boolean; jobTemplate?: { spec?: { selector?: unknown; template?: { spec?: { containers?: ContainerList } } } } };
    const st = (o.status ?? {}) as { active?: unknown[]; lastScheduleTime?: string };
    const c = containerCells(spec.jobTemplate?.spec?.template?.spec?.containers);
    return [o.metadata.name, spec.schedule ?? "", spec.timeZone ?? "<none>", printBool(spec.suspend), (st.active ?? []).length, st.lastScheduleTime ? since(st.lastScheduleTime, now) : "<none>", age(o, now), c.names, c.images, formatSelector(spec.jobTemplate?.spec?.selector)];
  },
};

const lbAddresses = (ingress: { ip?: string; hostname?: string }[] | undefined) =>
  [...new Set((ingress ?? []).map((i) => i.ip || i.hostname || "").filter(Boolean))].sort().join(",");

const ingressPrinter: Printer = {
  columns: [NAME, col("Class", "string"), col("Hosts", "string"), col("Address", "string"), col("Ports", "string"), AGE],
  row(o, now) {
    const spec = o.spec as { ingressClassName?: string; rules?: { host?: string }[]; tls?: unknown[] };
    const rules = spec.rules ?? [];
    const hosts = rules.map((r) => r.host ?? "").filter(Boolean);
    let hostsCell = hosts.slice(0, 3).join(",") || "*";
    if (rules.length > 3 && hosts.length >= 3) hostsCell = `${hosts.slice(0, 3).join(",")} + ${rules.length - 3} more...`;
    const st = (o.status ?? {}) as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
    return [o.metadata.name, spec.ingressClassName ?? "<none>", hostsCell, lbAddresses(st.loadBalancer?.ingress), (spec.tls ?? []).length ? "80, 443" : "80", age(o, now)];
  },
};

const ingressClassPrinter: Printer = {
  columns: [NAME, col("Controller", "string"), col("Parameters", "string"), AGE],
  row(o, now) {
    const spec = o.spec as { controller?: string; parameters?: { kind: string; apiGroup?: string; name: string } };
    const p = spec.parameters;
    const params = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ""}/${p.name}` : "<none>";
    return [o.metadata.name, spec.controller ?? "", params, age(o, now)];
  },
};

const networkPolicyPrinter: Printer = {
  columns: [NAME, col("Pod-Selector", "string"), AGE],
  row: (o, now) => [o.metadata.name, formatSelector((o.spec as { podSelector?: unknown }).podSelector), age(o, now)],
};

const podDisruptionBudgetPrinter: Printer = {
  columns: [NAME, col("Min Available", "string"), col("Max Unavailable", "string"), col("Allowed Disruptions", "integer"), AGE],
  row(o, now) {
    const spec = o.spec as { minAvailable?: number | string; maxUnavailable?: number | string };
    const st = (o.status ?? {}) as { disruptionsAllowed?: number };
    return [o.metadata.name, spec.minAvailable === undefined ? "N/A" : String(spec.minAvailable), spec.maxUnavailable === undefined ? "N/A" : String(spec.maxUnavailable), st.disruptionsAllowed ?? 0, age(o, now)];
  },
};

/** helper.GetAccessModesAsString: a fixed order, duplicates dropped. */
function accessModes(modes: string[] | undefined): string {
  const m = new Set(modes ?? []);
  return [["ReadWriteOnce", "RWO"], ["ReadOnlyMany", "ROX"], ["ReadWriteMany", "RWX"], ["ReadWriteOncePod", "RWOP"]]
    .filter(([mode]) => m.has(mode as string))
    .map(([, short]) => short)
    .join(",");
}

const STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

const persistentVolumePrinter: Printer = {
  columns: [NAME, col("Capacity", "string"), col("Access Modes", "string"), col("Reclaim Policy", "string"), col("Status", "string"), col("Claim", "string"), col("StorageClass", "string"), col("VolumeAttributesClass", "string"), col("Reason", "string"), AGE, col("VolumeMode", "string", 1)],
  row(o, now) {
    const spec = o.spec as { capacity?: Record<string, string>; accessModes?: string[]; persistentVolumeReclaimPolicy?: string; claimRef?: { namespace?: string; name?: string }; storageClassName?: string; volumeAttributesClassName?: string; volumeMode?: string };
    const st = (o.status ?? {}) as { phase?: string; reason?: string };
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ""}/${spec.claimRef.name ?? ""}` : "";
    const cls = o.metadata.annotations?.[STORAGE_CLASS_ANNOTATION] ?? spec.storageClassName ?? "";
    return [o.metadata.name, spec.capacity?.storage ?? "0", accessModes(spec.accessModes), spec.persistentVolumeReclaimPolicy ?? "", o.metadata.deletionTimestamp ? "Terminating" : (st.phase ?? ""), claim, cls, spec.volumeAttributesClassName ?? "<unset>", st.reason ?? "", age(o, now), spec.volumeMode ?? "<unset>"];
  },
};

const persistentVolumeClaimPrinter: Printer = {
  columns: [NAME, col("Status", "string"), col("Volume", "string"), col("Capacity", "string"), col("Access Modes", "string"), col("StorageClass", "string"), col("VolumeAttributesClass", "string"), AGE, col("VolumeMode", "string", 1)],
  row(o, now) {
    const spec = o.spec as { volumeName?: string; storageClassName?: string; volumeAttributesClassName?: string; volumeMode?: string };
    const st = (o.status ?? {}) as { phase?: string; capacity?: Record<string, string>; accessModes?: string[] };
    const bound = Boolean(spec.volumeName);
    const cls = o.metadata.annotations?.[STORAGE_CLASS_ANNOTATION] ?? spec.storageClassName ?? "";
    return [o.metadata.name, o.metadata.deletionTimestamp ? "Terminating" : (st.phase ?? ""), spec.volumeName ?? "", bound ? (st.capacity?.storage ?? "0") : "", bound ? accessModes(st.accessModes) : "", cls, spec.volumeAttributesClassName ?? "<unset>", age(o, now), spec.volumeMode ?? "<unset>"];
  },
};

const resourceQuotaPrinter: Printer = {
  columns: [NAME, col("Request", "string", 0, "Request represents a minimum amount of cpu/memory that a container may consume."), col("Limit", "string", 0, "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."), AGE],
  row(o, now) {
    const st = (o.status ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
    const requests: string[] = [];
    const limits: string[] = [];
    for (const r of Object.keys(st.hard ?? {}).sort()) {
      (r.split(".")[0] === "limits" && r.includes(".") ? limits : requests).push(`${r}: ${st.used?.[r] ?? "0"}/${st.hard?.[r]}`);
    }
    return [o.metadata.name, requests.join(", "), limits.join(", "), age(o, now)];
  },
};

/** `group` of an apiVersion (`apps/v1` -> `apps`, `v1` -> ``). */
const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] ?? "" : "");

const controllerRevisionPrinter: Printer = {
  columns: [NAME, col("Controller", "string", 0, "Controller of the object"), col("Revision", "string"), AGE],
  row(o, now) {
    const ref = o.metadata.ownerReferences?.find((r) => r.controller);
    const controller = ref ? `${`${ref.kind}${groupOf(ref.apiVersion) ? `.${groupOf(ref.apiVersion)}` : ""}`.toLowerCase()}/${ref.name}` : "<none>";
    return [o.metadata.name, controller, Number(o.revision ?? 0), age(o, now)];
  },
};

interface HpaMetricTarget { type?: string; averageUtilization?: number; averageValue?: string; value?: string }
interface HpaMetricCurrent { averageUtilization?: number; averageValue?: string; value?: string }
interface HpaMetricSpec { type: string; resource?: { name: string; target: HpaMetricTarget }; containerResource?: { name: string; target: HpaMetricTarget }; pods?: { target: HpaMetricTarget }; object?: { target: HpaMetricTarget }; external?: { target: HpaMetricTarget } }
type HpaMetricStatus = { [k in "resource" | "containerResource" | "pods" | "object" | "external"]?: { current?: HpaMetricCurrent } };

/** formatHPAMetrics: the first two metrics as `current/target`, then `+ N more...`. */
function hpaTargets(specs: HpaMetricSpec[] | undefined, statuses: HpaMetricStatus[] | undefined): string {
  if (!specs?.length) return "<none>";
  const list = specs.map((spec, i) => {
    const cur = (k: keyof HpaMetricStatus) => statuses?.[i]?.[k]?.current;
    switch (spec.type) {
      case "External":
      case "Object": {
        const k = spec.type === "External" ? "external" : "object";
        const t = spec[k]?.target ?? {};
        if (t.averageValue !== undefined) return `${cur(k)?.averageValue ?? "<unknown>"}/${t.averageValue} (avg)`;
        return `${cur(k)?.value ?? "<unknown>"}/${t.value ?? ""}`;
      }
      case "Pods":
        return `${cur("pods")?.averageValue ?? "<unknown>"}/${spec.pods?.target.averageValue ?? ""}`;
      case "Resource":
      case "ContainerResource": {
        const k = spec.type === "Resource" ? "resource" : "containerResource";
        const r = spec[k];
        if (!r) return "<unknown type>";
        if (r.target.averageValue !== undefined) return `${r.name}: ${cur(k)?.averageValue ?? "<unknown>"}/${r.target.averageValue}`;
        const u = cur(k)?.averageUtilization;
        const target = r.target.averageUtilization !== undefined ? `${r.target.averageUtilization}%` : "<auto>";
        return `${r.name}: ${u !== undefined ? `${u}%` : "<unknown>"}/${target}`;
      }
      default:
        return "<unknown type>";
    }
  });
  return list.length > 2 ? `${list.slice(0, 2).join(", ")} + ${list.length - 2} more...` : list.join(", ");
}

const horizontalPodAutoscalerPrinter: Printer = {
  columns: [NAME, col("Reference", "string"), col("Targets", "string"), col("MinPods", "string"), col("MaxPods", "string"), col("Replicas", "string"), AGE],
  row(o, now) {
    const spec = o.spec as { scaleTargetRef: { kind: string; name: string }; minReplicas?: number; maxReplicas: number; metrics?: HpaMetricSpec[] };
    const st = (o.status ?? {}) as { currentReplicas?: number; currentMetrics?: HpaMetricStatus[] };
    return [o.metadata.name, `${spec.scaleTargetRef.kind}/${spec.scaleTargetRef.name}`, hpaTargets(spec.metrics, st.currentMetrics), spec.minReplicas === undefined ? "<unset>" : String(spec.minReplicas), spec.maxReplicas, st.currentReplicas ?? 0, age(o, now)];
  },
};

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts, each joined with ", ". */
function subjects(o: KubeObject): [string, string, string] {
  const subs = (o.subjects ?? []) as { kind: string; name: string; namespace?: string }[];
  const of = (kind: string) => subs.filter((s) => s.kind === kind);
  return [of("User").map((s) => s.name).join(", "), of("Group").map((s) => s.name).join(", "), of("ServiceAccount").map((s) => `${s.namespace ?? ""}/${s.name}`).join(", ")];
}

const bindingPrinter = (what: string): Printer => ({
  columns: [NAME, col("Role", "string"), AGE, col("Users", "string", 1, `Users in the ${what}`), col("Groups", "string", 1, `Groups in the ${what}`), col("ServiceAccounts", "string", 1, `ServiceAccounts in the ${what}`)],
  row(o, now) {
    const ref = o.roleRef as { kind: string; name: string };
    return [o.metadata.name, `${ref.kind}/${ref.name}`, age(o, now), ...subjects(o)];
  },
});

const storageClassPrinter: Printer = {
  columns: [NAME, col("Provisioner", "string"), col("ReclaimPolicy", "string"), col("VolumeBindingMode", "string"), col("AllowVolumeExpansion", "string"), AGE],
  row(o, now) {
    const a = o.metadata.annotations ?? {};
    const isDefault = a["storageclass.kubernetes.io/is-default-class"] === "true" || a["storageclass.beta.kubernetes.io/is-default-class"] === "true";
    return [isDefault ? `${o.metadata.name} (default)` : o.metadata.name, String(o.provisioner ?? ""), String(o.reclaimPolicy ?? "Delete"), String(o.volumeBindingMode ?? "Immediate"), boolOr(o.allowVolumeExpansion, false), age(o, now)];
  },
};

const csiDriverPrinter: Printer = {
  columns: [NAME, col("AttachRequired", "boolean"), col("PodInfoOnMount", "boolean"), col("StorageCapacity", "boolean"), col("TokenRequests", "string"), col("RequiresRepublish", "boolean"), col("Modes", "string"), AGE],
  row(o, now) {
    const spec = o.spec as { attachRequired?: boolean; podInfoOnMount?: boolean; storageCapacity?: boolean; tokenRequests?: { audience: string }[]; requiresRepublish?: boolean; volumeLifecycleModes?: string[] };
    return [
      o.metadata.name, boolOr(spec.attachRequired, true), boolOr(spec.podInfoOnMount, false), boolOr(spec.storageCapacity, false),
      spec.tokenRequests ? spec.tokenRequests.map((t) => t.audience).join(",") : "<unset>", boolOr(spec.requiresRepublish, false),
      (spec.volumeLifecycleModes ?? []).join(",") || "<none>", age(o, now),
    ];
  },
};

const csiNodePrinter: Printer = {
  columns: [NAME, col("Drivers", "integer", 0, "Drivers indicates the number of CSI drivers registered on the node"), AGE],
  row: (o, now) => [o.metadata.name, ((o.spec as { drivers?: unknown[] }).drivers ?? []).length, age(o, now)],
};

const csiStorageCapacityPrinter: Printer = {
  columns: [NAME, col("StorageClassName", "string"), col("Capacity", "string")],
  row: (o) => [o.metadata.name, String(o.storageClassName ?? ""), typeof o.capacity === "string" ? o.capacity : "<unset>"],
};

const volumeAttachmentPrinter: Printer = {
  columns: [NAME, { ...col("Attacher", "string"), format: "name" }, col("PV", "string"), col("Node", "string"), col("Attached", "boolean"), AGE],
  row(o, now) {
    const spec = o.spec as { attacher?: string; nodeName?: string; source?: { persistentVolumeName?: string } };
    return [o.metadata.name, spec.attacher ?? "", spec.source?.persistentVolumeName ?? "", spec.nodeName ?? "", boolOr((o.status as { attached?: boolean } | undefined)?.attached, false), age(o, now)];
  },
};

/**
 * metrics-server's printers: Name, one column per resource it reports (sorted,
 * `cpu` and `memory`), Window. The columns come from the first object, so an
 * empty list has none.
 */
function metricsPrinter(usageOf: (o: KubeObject) => Record<string, string>[]): Printer {
  const names = (o: KubeObject) => [...new Set(usageOf(o).flatMap((u) => Object.keys(u)))].sort();
  const sum = (o: KubeObject, r: string) => {
    const values = usageOf(o).map((u) => u[r]).filter((v): v is string => v !== undefined);
    return values.length === 1 ? (values[0] as string) : sumQuantities(values);
  };
  return {
    columns: (objects) => {
      const first = objects[0];
      if (!first) return [];
      return [
        { name: "Name", type: "string", format: "name", description: "Name of the resource", priority: 0 },
        ...names(first).map((n): ColumnDefinition => ({ name: n, type: "string", format: "quantity", description: "", priority: 0 })),
        { name: "Window", type: "string", format: "duration", description: "", priority: 0 },
      ];
    },
    row: (o) => [o.metadata.name, ...names(o).map((n) => sum(o, n)), String(o.window ?? "")],
  };
}

/** Sums quantities that share one suffix (the metrics objects write cpu in `n`, memory in `Ki`), in that suffix. */
function sumQuantities(values: string[]): string {
  const suffix = values[0]?.replace(/^[\d.]+/, "") ?? "";
  if (values.some((v) => v.replace(/^[\d.]+/, "") !== suffix)) return values[0] ?? "0";
  return `${values.reduce((n, v) => n + Number(v.slice(0, v.length - suffix.length)), 0)}${suffix}`;
}

const podMetricsPrinter = metricsPrinter((o) => ((o.containers ?? []) as { usage: Record<string, string> }[]).map((c) => c.usage));
const nodeMetricsPrinter = metricsPrinter((o) => [(o.usage ?? {}) as Record<string, string>]);

/**
 * kube-apiserver's default table convertor, for kinds without a printer: the
 * name and the creation time as an RFC 3339 date (`CREATED AT`), not an age.
 */
const defaultPrinter: Printer = {
  columns: [NAME, col("Created At", "date", 0, AGE.description)],
  row: (o) => [o.metadata.name, o.metadata.creationTimestamp ? new Date(Date.parse(o.metadata.creationTimestamp)).toISOString().replace(/\.\d{3}Z$/, "Z") : ""],
};

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
  PodTemplate: podTemplatePrinter,
  ReplicationController: replicationControllerPrinter,
  ResourceQuota: resourceQuotaPrinter,
  PersistentVolume: persistentVolumePrinter,
  PersistentVolumeClaim: persistentVolumeClaimPrinter,
  ControllerRevision: controllerRevisionPrinter,
  HorizontalPodAutoscaler: horizontalPodAutoscalerPrinter,
  CronJob: cronJobPrinter,
  Job: jobPrinter,
  Ingress: ingressPrinter,
  IngressClass: ingressClassPrinter,
  NetworkPolicy: networkPolicyPrinter,
  PodDisruptionBudget: podDisruptionBudgetPrinter,
  RoleBinding: bindingPrinter("roleBinding"),
  ClusterRoleBinding: bindingPrinter("clusterRoleBinding"),
  StorageClass: storageClassPrinter,
  CSIDriver: csiDriverPrinter,
  CSINode: csiNodePrinter,
  CSIStorageCapacity: csiStorageCapacityPrinter,
  VolumeAttachment: volumeAttachmentPrinter,
  PodMetrics: podMetricsPrinter,
  NodeMetrics: nodeMetricsPrinter,
};

function rowObject(o: KubeObject, include: IncludeObject): object | undefined {
  if (include === "None") return undefined;
  if (include === "Object") return o;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}

/**
 * Renders `objects` of `kind` as a Table. kubectl needs each row's object
 * metadata to print the NAMESPACE column of `-A` and `--show-labels`, hence the
 * `Metadata` default. Without `resourceVersion` (metrics) the Table's metadata
 * is empty, as metrics-server leaves it.
 */
export function toTable(kind: string, objects: KubeObject[], resourceVersion: string | undefined, include: IncludeObject = "Metadata", now = Date.now()): object {
  const printer = PRINTERS[kind] ?? defaultPrinter;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: resourceVersion === undefined ? {} : { resourceVersion },
    columnDefinitions: typeof printer.columns === "function" ? printer.columns(objects) : printer.columns,
    rows: objects.map((o) => {
      const obj = rowObject(o, include);
      const conditions = printer.conditions?.(o);
      return { cells: printer.row(o, now), ...(conditions ? { conditions } : {}), ...(obj ? { object: obj } : {}) };
    }),
  };
}
